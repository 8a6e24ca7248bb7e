"""What a release leaves behind in learners' collections, found and told to the author.

Anki's importer keeps a learner's cards where they are and only replaces a
note's fields and tags, so some changes in a source leave something behind in
every collection that already has the deck: cards in a deck the note left,
cards whose cloze deletion is gone (Anki shows "No cloze N found on card"
until the learner runs *Tools > Empty Cards*), and, when a note's id changes,
a retired note beside a new one without its history. This module finds those
and words the warnings of ``builder diff`` and ``builder build``;
:mod:`builder.learners` tells learners what to do about them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from msgspec import Struct

from .assemble import AnkiNote, tombstone
from .cloze import card_numbers
from .lock import LockedNote
from .notetypes import NoteType


class Change(Protocol):
    """What :func:`left_behind` reads of a plan's note change."""

    @property
    def note_id(self) -> str: ...

    @property
    def status(self) -> str: ...


NEAR = 0.8
"""How alike (difflib's ratio of the two notes' summaries) a retired and an added note must be to look
like one note under a new id."""
_MAX_NEAR_PAIRS = 250_000
"""Past this many (retired, added) pairs only identical notes are matched: near ones would cost seconds."""

Moves = dict[tuple[str, str], list[str]]
"""Note ids by (old deck, new deck)."""


def group_moves(moved: Iterable[tuple[str, tuple[str, str] | None]]) -> Moves:
    """``(note id, (old deck, new deck) or None)`` pairs grouped by the decks a note moves between."""
    found: Moves = {}
    for note_id, move in moved:
        if move is not None:
            found.setdefault(move, []).append(note_id)
    return found


def renamed(old_deck: str, old_top: str, new_top: str) -> str:
    """Where ``old_deck`` is once the top-level deck ``old_top`` is called ``new_top``."""
    if old_deck == old_top:
        return new_top
    return new_top + old_deck[len(old_top):] if old_deck.startswith(old_top + "::") else old_deck


def move_warnings(old_top: str | None, new_top: str, found: Moves) -> tuple[str, ...]:
    """One warning for a renamed deck, one per other pair of decks that notes move between."""
    warnings: list[str] = []
    if old_top is not None and old_top != new_top:
        warnings.append(
            f"the deck was renamed from '{old_top}' to '{new_top}': Anki matches decks by name and never "
            f"moves a card a learner already has, so their cards stay under '{old_top}' and only new cards "
            f"go to '{new_top}'; the changelog tells learners how to move them (Change Deck)"
        )
    for (before, after), ids in sorted(found.items()):
        if old_top is not None and renamed(before, old_top, new_top) == after:
            continue  # told above
        warnings.append(
            f"{_count(ids)} from '{before}' to '{after}' ({_names(ids)}): Anki never moves a card a "
            f"learner already has, so their cards stay in '{before}'; the changelog tells learners how "
            "to move them (Change Deck)"
        )
    return tuple(warnings)


def _count(ids: list[str]) -> str:
    return "1 note moves" if len(ids) == 1 else f"{len(ids)} notes move"


def _names(ids: list[str], shown: int = 5) -> str:
    more = len(ids) - shown
    return ", ".join(ids[:shown]) + (f" and {more} more" if more > 0 else "")


def cloze_cards_of(note: AnkiNote) -> tuple[int, ...] | None:
    """The cloze numbers of a cloze note's cards (what the lock records as ``cards``); None for other types."""
    return tuple(card.key + 1 for card in note.cards) if note.note_type.is_cloze else None


def learner_cards(old: LockedNote, is_cloze: bool) -> tuple[int, ...]:
    """The cloze numbers of the cards learners hold for ``old``, as far as the lock knows.

    The lock records them (``cards``) from the first release cut with this
    builder on; before that, the note's summary (its first 80 characters,
    cloze marks included) gives at least the numbers it shows.
    """
    if not is_cloze:
        return ()
    if old.cards is not None:
        return old.cards
    return (1,) if old.retired_in else tuple(sorted(card_numbers(old.summary)))


def blanked(old: LockedNote, is_cloze: bool, numbers: tuple[int, ...]) -> tuple[int, ...]:
    """Learners' cards of ``old`` that lose their deletion once the note has cards ``numbers``."""
    return tuple(number for number in learner_cards(old, is_cloze) if number not in numbers)


def blank_warnings(blanks: Mapping[str, tuple[int, ...]], retired: set[str]) -> tuple[str, ...]:
    """One warning per note with cards that go blank, because a deletion went or the note was retired."""
    warnings = []
    for note_id, numbers in blanks.items():
        cards = ", ".join(f"c{number}" for number in numbers)
        why = "is retired" if note_id in retired else f"no longer has deletion{'s' * (len(numbers) > 1)} {cards}"
        warnings.append(
            f"note '{note_id}' {why}: learners keep card{'s' * (len(numbers) > 1)} {cards}, which will read "
            f"\"No cloze {numbers[0]} found on card\" until they run Tools > Empty Cards (the changelog "
            "tells them)"
        )
    return tuple(warnings)


class LookAlike(Struct, frozen=True):
    """A note retired in the same release that adds one with the same, or nearly the same, content."""

    old_id: str
    new_id: str
    same: bool
    """Every field but Source is identical (else the summaries are at least ``NEAR`` alike)."""


def look_alikes(retired: Mapping[str, LockedNote], added: Iterable[AnkiNote]) -> tuple[LookAlike, ...]:
    """Retired and added notes that look like one note given a new id: each paired at most once."""
    added = list(added)
    if not retired or not added:
        return ()
    import difflib  # only a release that retires and adds notes needs it

    near = len(retired) * len(added) <= _MAX_NEAR_PAIRS
    scored: list[tuple[float, str, str, bool]] = []
    for old_id, old in retired.items():
        for note in added:
            if note.note_type.key != old.note_type:
                continue
            new_fields = note.field_hashes()
            same = all(new_fields[name] == old.fields.get(name) for name in note.field_names if name != "Source")
            score = 2.0 if same else (
                difflib.SequenceMatcher(None, old.summary, note.summary()).ratio() if near else 0.0)
            if same or score >= NEAR:
                scored.append((-score, old_id, note.note_id, same))
    pairs: list[LookAlike] = []
    taken: set[str] = set()
    for _, old_id, new_id, same in sorted(scored):
        if old_id not in taken and new_id not in taken:
            taken.update((old_id, new_id))
            pairs.append(LookAlike(old_id, new_id, same))
    return tuple(sorted(pairs, key=lambda pair: pair.new_id))


def look_alike_warnings(pairs: Iterable[LookAlike]) -> tuple[str, ...]:
    return tuple(
        f"note '{pair.old_id}' is retired and '{pair.new_id}' is added with {_alike(pair)} content: this looks "
        f"like a rename; keep the old id '{pair.old_id}' to keep learners' review history"
        for pair in pairs
    )


def _alike(pair: LookAlike) -> str:
    return "the same" if pair.same else "nearly the same"


def left_behind(
    notes: tuple[AnkiNote, ...], old_notes: dict[str, LockedNote], changes: tuple[Change, ...], version: str,
    type_specs: dict[str, NoteType],
) -> tuple[dict[str, tuple[int, ...]], tuple[LookAlike, ...]]:
    """Learners' cards that go blank, by note, and retired notes that look renamed to added ones."""
    by_id = {note.note_id: note for note in notes}
    blanks: dict[str, tuple[int, ...]] = {}
    for change in changes:
        old = old_notes.get(change.note_id)
        if old is None or change.status not in ("changed", "removed"):
            continue
        note = by_id.get(change.note_id) or tombstone(
            change.note_id, old.guid, type_specs[old.note_type], old.deck, old.summary, version)  # what it shows
        lost = blanked(old, note.note_type.is_cloze, cloze_cards_of(note) or ())
        if lost:
            blanks[change.note_id] = lost
    retired = {change.note_id: old_notes[change.note_id] for change in changes if change.status == "removed"}
    added = [by_id[change.note_id] for change in changes if change.status == "added"]
    return blanks, look_alikes(retired, added)


class DeckWide(Struct, frozen=True):
    """Changed notes whose only change comes from the deck's own keys, which reach every note.

    Those keys are the deck's ``tags`` (and builder's ``tags`` addition: the
    slug and kind tags) and its ``source`` (title, author, url and date make
    every note's Source field). Anki replaces a whole note on update, so one
    such key edited replaces learners' own edits and tags on every note.
    """

    note_ids: tuple[str, ...]
    causes: tuple[str, ...]
    """What they change through, in this order: "tags", "source"."""


_CAUSES = {"tags": "tags", "source": "source (the Source field)"}


class ChangedNote(Protocol):
    """What :func:`deck_wide` reads of a plan's note change."""

    @property
    def note_id(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def details(self) -> tuple[str, ...]: ...


def deck_wide(notes: Iterable[AnkiNote], old_notes: Mapping[str, LockedNote], changes: Iterable[ChangedNote],
              own_tags: Mapping[str, tuple[str, ...]]) -> DeckWide | None:
    """The changed notes that change only through deck-wide keys, if any.

    ``own_tags``: each note's own ``tags`` from the source (any other tag it has
    comes from the deck). A tag added counts as the deck's when it is not the
    note's own; a tag removed, when every note of the previous release that is
    still in the source carried it (the lock keeps no deck-level tags of its own)
    and no note has it now from the deck.
    """
    by_id = {note.note_id: note for note in notes}
    changed = [change for change in changes if change.status == "changed" and change.note_id in old_notes]
    if not changed:
        return None
    kept = [set(old.tags) for note_id, old in old_notes.items() if not old.retired_in and note_id in by_id]
    # A tag the deck dropped was on every note, and no note has it now but as its own. With one note
    # a note's own tag and the deck's look alike: then no removal is taken for the deck's.
    from_deck_now = {tag for note in by_id.values() for tag in note.tags if tag not in own_tags.get(note.note_id, ())}
    on_every_note = set.intersection(*kept) - from_deck_now if len(kept) > 1 else set()
    found: list[str] = []
    causes: set[str] = set()
    for change in changed:
        note = by_id[change.note_id]
        why = _deck_wide_causes(change.details, old_notes[change.note_id].tags, note,
                                own_tags.get(change.note_id, ()), on_every_note)
        if why:
            found.append(change.note_id)
            causes |= why
    return DeckWide(tuple(found), tuple(cause for cause in _CAUSES if cause in causes)) if found else None


def _deck_wide_causes(details: tuple[str, ...], old_tags: Iterable[str], note: AnkiNote, own: tuple[str, ...],
                      on_every_note: set[str]) -> set[str]:
    """Why a changed note changed, if only through deck-wide keys ("tags", "source"); empty if through its own."""
    causes: set[str] = set()
    for detail in details:
        if detail == "deck":
            continue  # placement: told apart (move_warnings)
        if detail == "tags":
            before, after, mine = tuple(old_tags), note.tags, set(own)
            added, removed = set(after) - set(before), set(before) - set(after)
            if added & mine or not removed <= on_every_note - mine:
                return set()
            if not added and not removed and [tag for tag in before if tag in mine] != [
                    tag for tag in after if tag in mine]:
                return set()  # the note's own tags reordered
            causes.add("tags")
        elif detail == note.note_type.source_field:
            causes.add("source")
        else:
            return set()  # a field of its own
    return causes


def deck_wide_line(found: DeckWide) -> str:
    """``builder diff``'s summary line of the notes that change only through deck-wide keys."""
    return (f"  ! {_notes(found.note_ids)} only because {_causes(found)} changed: importing replaces learners' "
            "own edits and tags on them")


def deck_wide_warning(found: DeckWide) -> str:
    return (f"{_notes(found.note_ids)} only because {_causes(found)} changed, which every note carries: "
            "importing this release replaces, on each of them, learners' own edits to the note and their tags "
            "(marked, leech, their own); flags, scheduling and review history are kept; the changelog tells "
            "learners")


def _notes(ids: tuple[str, ...]) -> str:
    return "1 note changes" if len(ids) == 1 else f"{len(ids)} notes change"


def _causes(found: DeckWide) -> str:
    return "the deck's " + " and ".join(_CAUSES[cause] for cause in found.causes)
