"""Compare what a build would put into Anki with the lock, and decide the release.

The plan is pure: it reads the deck, its assembled notes and the previous lock,
and returns the next lock state, the version, per-note ``mod`` values and the
package contents. ``builder diff`` prints a plan; ``builder build`` writes one.

Rules (why: Anki updates a matched note only when its ``mod`` is newer):

* a note whose fields, tags and note type are unchanged keeps its ``mod``, so a
  re-import leaves it alone, including any edit the user made inside Anki. Its
  deck is not part of that: Anki never moves a card it already has, so a note
  that only moves to another (sub)deck gains nothing from an update, and an
  update would replace the learner's own edits and tags;
* a changed note gets ``max(build time, previous mod + 1)``, strictly newer even
  for two builds in the same second;
* note types follow the same rule over a hash of their templates and CSS;
* semver: removed notes or a note-type schema change -> major, added notes ->
  minor, any other change -> patch; a higher ``version`` in the source wins.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
from collections.abc import Callable

from msgspec import Struct
from msgspec.structs import replace

from .assemble import AnkiNote, nfc, tombstone
from .clock import refuse_future_times
from .contents import DeckEntry, PackagedNote, PackagedNoteType, card_count
from .errors import ReleaseError
from .identity import deck_id
from .layout import lock_path, media_folder, release_name
from .learners import learner_notes, notes_markdown
from .lock import Lock, LockedNote, Release
from .lockgate import refuse_lock_conflicts
from .media import MediaFile, media_folder_files, media_hashes
from .mediagate import refuse_package_problems
from .notetypes import NoteType
from .notices import (
    DeckWide,
    blank_warnings,
    cloze_cards_of,
    deck_wide,
    deck_wide_warning,
    group_moves,
    left_behind,
    look_alike_warnings,
    move_warnings,
)
from .render import Remembered, Renderer
from .source import Deck
from .sourceformat import NOTE_KINDS
from .typeplan import plan_types, stamped_types
from .versions import next_version, release_level


# gc=False: one per changed note, text only, never in a cycle.
class NoteChange(Struct, frozen=True, gc=False):
    note_id: str
    status: str
    """"added", "changed", "moved" (placement only), "removed" or "restored"."""
    details: tuple[str, ...] = ()
    """Changed field names, and "tags" or "deck" when those moved."""
    deck_move: tuple[str, str] | None = None
    """(old deck, new deck) when the note moves to another deck."""


class Plan(Struct, frozen=True):
    deck: Deck
    version: str
    previous: Lock | None
    changes: tuple[NoteChange, ...]
    note_type_changes: tuple[str, ...]
    schema_changes: tuple[str, ...]
    level: str | None
    warnings: tuple[str, ...]
    notes: tuple[PackagedNote, ...]
    note_types: tuple[PackagedNoteType, ...]
    decks: tuple[DeckEntry, ...]
    lock: Lock
    """The lock to write; ``apkg_sha256`` is filled in once the package exists."""
    deck_wide: DeckWide | None = None
    """The changed notes that change only through the deck's own keys (its tags, its source)."""

    @property
    def apkg_name(self) -> str:
        return release_name(self.deck.slug, self.version)

    @property
    def is_new_release(self) -> bool:
        return self.previous is None or self.version != self.previous.version

    def ids(self, *statuses: str) -> tuple[str, ...]:
        """The ids of the notes whose change has one of ``statuses``, in plan order."""
        return _ids(self.changes, *statuses)

    @property
    def card_count(self) -> int:
        return card_count(self.notes)


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def same_in_anki(old: LockedNote, note: AnkiNote, content_hash: str) -> bool:
    """Whether the note is the same for Anki apart from where it is: fields, tags and note type.

    The lock's ``hash`` covers the deck too (so a move still shows as a change),
    which is why a differing hash is checked again field by field. The kind tag
    goes with the subdeck (``kind`` chooses both), so it counts as placement: a
    learner's note keeps its old kind tag until the note next really changes.
    """
    if old.hash == content_hash:
        return True
    if not note.kind_tag:  # a deck without builder's tags: every tag is the author's (a tag "quiz" too)
        return (old.note_type, old.fields, tuple(old.tags)) == (note.note_type.key, note.field_hashes(), note.tags)
    before = (old.note_type, old.fields, _without_kind(tuple(old.tags)))
    return before == (note.note_type.key, note.field_hashes(), _without_kind(note.tags))


def _without_kind(tags: tuple[str, ...]) -> tuple[str, ...]:
    """The tags without the note's kind tag (the first tag that names a kind)."""
    kind_at = next((index for index, tag in enumerate(tags) if tag in NOTE_KINDS), None)
    return tags if kind_at is None else tags[:kind_at] + tags[kind_at + 1:]


def make_plan(
    deck: Deck,
    notes: tuple[AnkiNote, ...],
    previous: Lock | None,
    *,
    now: int,
    allow_schema_change: bool = False,
    renderer: Renderer | None = None,
    clock: int,
) -> Plan:
    """The release of ``deck`` against ``previous``, stamping changes at ``now``.

    ``clock`` is this computer's time: no ``mod`` is stamped more than a minute
    after it (``builder.clock``); the plan reads no clock of its own. The steps,
    in order: what each note does against the lock; the note types; the version
    that follows; the notices for learners; every note and type stamped with its
    ``mod``; the release's history, the deck's entries and the new lock.
    """
    renderer = renderer or Renderer()
    # What each note does against the lock.
    if previous is not None:
        refuse_future_times(previous, lock_path(deck.path, deck.slug), clock)
    refuse_lock_conflicts(deck, previous, allow_schema_change=allow_schema_change)
    old_notes = previous.notes if previous else {}
    content_hashes = {note.note_id: note.content_hash() for note in notes}  # a JSON dump and a sha256 each
    current_ids = {note.note_id for note in notes}
    # Every note in the lock but not in the source, in id order: retired now or before, each a tombstone.
    gone = {note_id: old for note_id, old in sorted(old_notes.items()) if note_id not in current_ids}
    newly_removed = [note_id for note_id, old in gone.items() if not old.retired_in]
    changes = (*_note_changes(deck, notes, old_notes, content_hashes),
               *(NoteChange(note_id, "removed") for note_id in newly_removed))

    # The note types, then the version that all of this calls for.
    used_types = {note.note_type.key for note in notes} | {old.note_type for old in gone.values()}
    types = plan_types(deck, used_types, previous, renderer)
    description = render_description(deck, renderer)
    folder_files = media_folder_files(media_folder(deck.path, deck.slug))
    refuse_package_problems(deck, folder_files, description.media, (item for note in notes for item in note.media))
    deck_hashes = _deck_hashes(deck, description) | media_hashes(folder_files)
    level = release_level(
        {change.status for change in changes}, schema_changed=bool(types.schema_changes),
        other_changes=bool(types.changes) or (previous is not None and previous.deck_hashes != deck_hashes)
        or _tombstones_reworded(gone, types.types),
    )
    version = next_version(previous.version if previous else None, level, deck.version)
    is_release = previous is None or version != previous.version

    moves, warnings, for_learners, wide = _notices(deck, notes, previous, changes, version, types.types,
                                             newly_removed=newly_removed, is_release=is_release)

    # Every note (and a tombstone for each one gone) and type stamped with its mod.
    def next_mod(before: int) -> int:
        return max(now, before + 1)

    stamp = _NoteStamper(old_notes, content_hashes, version, is_release, next_mod)
    for due, note in enumerate(notes, start=1):
        stamp.keep(note, due)
    for due, (note_id, old) in enumerate(gone.items(), start=len(notes) + 1):
        retired_in = old.retired_in or version
        stamp.keep(tombstone(note_id, old.guid, types.types[old.note_type], old.deck, old.summary, retired_in), due,
                   retired_in)
    note_types, locked_types = stamped_types(types, previous, next_mod)

    # The release's history, and the lock to write.
    history = previous.history if previous else ()
    if is_release:
        ids = [note.note_id for note in notes]
        history = (*history, _release(version, now, changes, not _released_before(previous), ids, moves, for_learners))
    used_decks = sorted({packaged.note.deck for packaged in stamp.packaged} - {deck.deck_name})
    lock = Lock(slug=deck.slug, deck=deck.deck_name, version=version, apkg=release_name(deck.slug, version),
                apkg_sha256="", notes=stamp.locked, note_types=locked_types, history=history, deck_hashes=deck_hashes)
    return Plan(
        deck=deck,
        version=version,
        previous=previous,
        changes=changes,
        note_type_changes=tuple(types.changes),
        schema_changes=tuple(types.schema_changes),
        level=level,
        warnings=tuple(warnings),
        notes=tuple(stamp.packaged),
        note_types=tuple(note_types),
        decks=_deck_entries(deck, version, description, history, used_decks, renderer, folder_files),
        lock=lock,
        deck_wide=wide,
    )


def _note_changes(deck: Deck, notes: tuple[AnkiNote, ...], old_notes: dict[str, LockedNote],
                  content_hashes: dict[str, str]) -> list[NoteChange]:
    """What each note of the source does against the lock: added, changed, moved, restored or nothing.

    What a note may not do against the lock (change its type or GUID) was refused before
    (:func:`builder.lockgate.refuse_lock_conflicts`).
    """
    changes: list[NoteChange] = []
    for note in notes:
        old = old_notes.get(note.note_id)
        if old is None:
            changes.append(NoteChange(note.note_id, "added"))
            continue
        if old.hash != content_hashes[note.note_id]:
            new_fields = note.field_hashes()
            details = [name for name in note.field_names if new_fields.get(name) != old.fields.get(name)]
            details += ["tags"] * (tuple(old.tags) != note.tags)
            if old.retired_in:
                status = "restored"
            elif same_in_anki(old, note, content_hashes[note.note_id]):
                status, details = "moved", []
            else:
                status = "changed"
            deck_move = (old.deck, note.deck) if old.deck != note.deck else None
            details += ["deck"] * (deck_move is not None)
            changes.append(NoteChange(note.note_id, status, tuple(details), deck_move))
    return changes


def _deck_hashes(deck: Deck, description: Remembered) -> dict[str, str]:
    """What the lock records of the deck's own details, to tell a release when they change.

    Image names are hashes of the images' bytes: an image edited under the same text is a change too.
    """
    return {"description": _hash(deck.title, deck.description.text if deck.description else "",
                                 *(item.name for item in description.media))}


def _tombstones_reworded(gone: dict[str, LockedNote], types: dict[str, NoteType]) -> bool:
    """Whether a note retired in an earlier release reads differently now (a newer builder's wording).

    Its tombstone then gets a new mod, so it is a release too: a package never
    changes under a version already released.
    """
    return any(
        not same_in_anki(old, stone, stone.content_hash())
        for note_id, old in gone.items() if old.retired_in
        for stone in [tombstone(note_id, old.guid, types[old.note_type], old.deck, old.summary, old.retired_in)]
    )


def _notices(deck: Deck, notes: tuple[AnkiNote, ...], previous: Lock | None, changes: tuple[NoteChange, ...],
             version: str, types: dict[str, NoteType], *, newly_removed: list[str], is_release: bool,
             ) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[str, ...], DeckWide | None]:
    """What this release leaves behind in learners' collections.

    The notes' moves between decks (in the order of the new decks), the
    warnings for the author, what learners should do after importing it
    (only for a release after the first: an imported deck's lock holds none yet),
    and the notes that change only through the deck's own keys.
    """
    old_notes = previous.notes if previous else {}
    moved = group_moves((change.note_id, change.deck_move) for change in changes)
    moves = tuple(sorted(moved, key=lambda pair: pair[::-1]))
    blanks, alikes = left_behind(notes, old_notes, changes, version, types)
    wide = deck_wide(notes, old_notes, changes, {note.id: tuple(map(nfc, note.tags)) for note in deck.notes})
    warnings = (*move_warnings(previous.deck if previous else None, deck.deck_name, moved),
                *blank_warnings(blanks, set(newly_removed)), *look_alike_warnings(alikes),
                *((deck_wide_warning(wide),) if wide else ()))
    changed = sum(change.status == "changed" for change in changes)
    restored = sum(change.status == "restored" for change in changes)
    wide_count = len(wide.note_ids) if wide else 0
    for_learners = learner_notes(
        slug=deck.slug, version=version, moves=moves, blank_cards=sum(map(len, blanks.values())),
        retired=len(newly_removed), restored=restored, replaced=sum(pair.same for pair in alikes),
        changed=changed, deck_wide=wide_count, deck_wide_causes=wide.causes if wide else (),
    ) if _released_before(previous) and is_release else ()
    return moves, warnings, for_learners, wide


class _NoteStamper:
    """Each note of the package with its ``mod`` and due position, and its entry in the next lock."""

    def __init__(self, old_notes: dict[str, LockedNote], content_hashes: dict[str, str], version: str,
                 is_release: bool, next_mod: Callable[[int], int]) -> None:
        self.old_notes, self.content_hashes, self.next_mod = old_notes, content_hashes, next_mod
        self.version, self.is_release = version, is_release
        self.packaged: list[PackagedNote] = []
        self.locked: dict[str, LockedNote] = {}

    def keep(self, note: AnkiNote, due: int, retired_in: str | None = None) -> None:
        """Stamp ``note``: its old ``mod`` while Anki would see it unchanged, a newer one otherwise."""
        old = self.old_notes.get(note.note_id)
        content = self.content_hashes.get(note.note_id) or note.content_hash()  # tombstones are not in notes
        mod = old.mod if old is not None and same_in_anki(old, note, content) else self.next_mod(old.mod if old else 0)
        self.packaged.append(PackagedNote(note, mod, due))
        summary = old.summary if retired_in and old else note.summary()
        fields = note.field_hashes()
        earlier = old.after_release(fields, note.tags, self.version) if old is not None else ()
        # A cloze note's card numbers are recorded for every note once a release is cut, kept as they were otherwise.
        cards = cloze_cards_of(note) if self.is_release else old.cards if old is not None else None
        self.locked[note.note_id] = LockedNote(
            note.guid, note.note_type.key, content, fields, mod, summary, note.deck, note.tags, retired_in, earlier,
            cards,
        )


def _deck_entries(deck: Deck, version: str, description: Remembered, history: tuple[Release, ...],
                  used_decks: list[str], renderer: Renderer, folder_files: tuple[MediaFile, ...] = ()
                  ) -> tuple[DeckEntry, ...]:
    """The deck with its description (and what learners should do after the latest release), then its subdecks.

    The deck's entry also carries every file of its media folder (``<slug>.media/``), by its own name.
    """
    latest = history[-1].for_learners if history else ()
    notes_html = renderer.field(notes_markdown(latest), deck.where(), base_dir=deck.path.parent).html if latest else ""
    return (
        DeckEntry(deck_id(deck.deck_name), deck.deck_name, _description(deck, version, description.html, notes_html),
                  (*description.media, *folder_files)),
        *(DeckEntry(deck_id(name), name, "") for name in used_decks),
    )


def _released_before(previous: Lock | None) -> bool:
    """Whether the deck has a release: a lock ``builder import`` writes has none (no version) yet."""
    return previous is not None and previous.version is not None

def _ids(changes: tuple[NoteChange, ...], *statuses: str) -> tuple[str, ...]:
    return tuple(change.note_id for change in changes if change.status in statuses)

def _release(version: str, now: int, changes: tuple[NoteChange, ...], first: bool, ids: list[str],
             moves: tuple[tuple[str, str], ...], for_learners: tuple[str, ...]) -> Release:
    """The history entry of this release: what it added, changed, moved and retired, and its summary line."""
    date = _dt.datetime.fromtimestamp(now, tz=_dt.timezone.utc).date().isoformat()
    if first:
        return Release(version, date, added=tuple(ids), summary=f"First release: {len(ids)} notes.")
    added, restored, changed = _ids(changes, "added"), _ids(changes, "restored"), _ids(changes, "changed")
    moved, removed = _ids(changes, "moved"), _ids(changes, "removed")
    counted = ((added, "added"), (restored, "restored"), (changed, "changed"), (moved, "moved to another deck"),
               (removed, "retired"))
    parts = [f"{len(which)} {what}" for which, what in counted if which]
    summary = ", ".join(parts) + "." if parts else "Templates, styling or deck details updated."
    return Release(version, date, added, changed, removed, summary[0].upper() + summary[1:], moved=moved, moves=moves,
                   restored=restored, for_learners=for_learners)


def render_description(deck: Deck, renderer: Renderer) -> Remembered:
    """The deck's own description and the images it shows, named ``_b-...``; ``{html: ...}`` as written.

    Anki's importer copies only the media that the imported notes' fields name,
    and files whose name starts with ``_``, which Check Media also never deletes
    as unused. A description is no note's field, so its images take that prefix.
    """
    if deck.description is None:
        return Remembered("")
    if deck.description.raw:
        from .declared import html_risks  # only for a deck whose description is raw HTML

        risks = [] if renderer.unsafe_html else html_risks(deck.description.text)
        if risks:
            raise ReleaseError(f"the deck's description is raw HTML with {risks[0]}: Anki would run or fetch it on "
                               "every learner's device; remove it, or build with --unsafe-html if every learner can "
                               "trust this source", deck.where(deck.description.line))
        return Remembered(nfc(deck.description.text))
    rendered = renderer.field(deck.description.text, deck.where(deck.description.line), base_dir=deck.path.parent)
    text = rendered.html
    for item in rendered.media:  # src="b-<sha>.<ext>" is only ever written by the renderer: text has &quot;
        text = text.replace(f'src="{item.name}"', f'src="_{item.name}"')
    return Remembered(text, tuple(replace(item, name=f"_{item.name}") for item in rendered.media))


def _description(deck: Deck, version: str, description_html: str, notes_html: str) -> str:
    """Title, version and source (builder's ``description`` addition), the deck's own description, then what
    learners should do after this release. Anki replaces a deck's description with the package's on every import."""
    src = deck.source
    text = f"<p><b>{html.escape(deck.title)}</b> · version {html.escape(version)}</p>" \
        if "description" in deck.additions else ""
    if src is not None and "description" in deck.additions:
        text += (f'<p>From <a href="{html.escape(src.url)}">{html.escape(src.title)}</a>'
                 f" by {html.escape(src.author)} ({html.escape(src.date)}).</p>")
    if description_html:
        raw = deck.description is not None and deck.description.raw  # kept exactly: never wrapped
        text += f"<p>{description_html}</p>" if not raw and not description_html.startswith("<") else description_html
    if notes_html:
        text += f"<p><b>What to do in Anki after version {html.escape(version)}:</b></p>{notes_html}"
    return nfc(text)


def with_sha(plan: Plan, sha256: str) -> Plan:
    return replace(plan, lock=replace(plan.lock, apkg_sha256=sha256))
