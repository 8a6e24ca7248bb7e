"""What learners are told about a release: the changelog, and the note the deck description shows.

A release's note for learners is worded when the release is cut and kept in
the lock (``Release.for_learners``), so the changelog and every later rebuild
of that release show the same words: the deck description is part of the
package, whose bytes must not change once released. A release with nothing to
say keeps no note, and releases cut before notes existed never show one.
"""

from __future__ import annotations

from collections.abc import Iterable

from .assemble import RETIRED_TAG
from .lock import Release

CHANGE_DECK = ("Cards you already have stay where they were. In *Browse*, search each old deck below, select "
               "all, *Cards > Change Deck* to its new deck, then delete the empty old deck; review history moves "
               "with the cards.")


def move_steps(moves: Iterable[tuple[str, str]]) -> str:
    """One Change Deck step per pair of decks that notes moved between, as one Markdown list item."""
    return "\n".join([CHANGE_DECK, *(f'  - `deck:"{before}"` to `{after}`' for before, after in moves)])


_THROUGH = {"tags": "the deck's tags", "source": "the deck's source line (the article's title, author, date or link)"}


def learner_notes(*, slug: str, version: str, moves: tuple[tuple[str, str], ...], blank_cards: int,
                  retired: int, restored: int, replaced: int, changed: int = 0, deck_wide: int = 0,
                  deck_wide_causes: tuple[str, ...] = ()) -> tuple[str, ...]:
    """What a learner should know or do after importing ``version`` (Markdown list items), if anything.

    ``deck_wide`` of the ``changed`` notes change only through ``deck_wide_causes`` ("tags", "source");
    """
    notes: list[str] = []
    if changed:
        only_deck_wide = bool(deck_wide) and deck_wide == changed and not retired and not restored
        notes.append(updated_note(changed, deck_wide, deck_wide_causes, only_deck_wide))
    if moves:
        notes.append(move_steps(moves))
    if blank_cards:
        notes.append(f'Cards that lost their cloze deletion ({blank_cards} in this release) read "No cloze N found '
                     'on card": *Tools > Empty Cards* in the main window finds and deletes them; their notes and '
                     "other cards stay.")
    if retired:
        notes.append(
            f"Retired notes ({retired} in this release) read \"Retired in {version}\" and carry the tag "
            f"`{RETIRED_TAG}`. Suspend them to keep their review history in case a later release brings them "
            f"back (*Browse*, search `tag:{RETIRED_TAG}`, select all, *Cards > Toggle Suspend*); a deleted "
            "note that comes back is a new card to learn again."
        )
    if restored:
        notes.append(
            f"Restored notes ({restored} in this release) are back in place, with their review history if you "
            f"kept them. If you suspended retired notes, search `tag:{slug} is:suspended -tag:{RETIRED_TAG}` "
            "in *Browse* and unsuspend them (*Cards > Toggle Suspend*)."
        )
    if replaced:
        notes.append(
            f"New notes that replace a retired one with the same content under a new id ({replaced} in this "
            "release) start without the old note's review history."
        )
    return tuple(notes)


def updated_note(changed: int, deck_wide: int, causes: tuple[str, ...], only_deck_wide: bool) -> str:
    """What importing replaces on the changed notes, and what to do first to keep one's own edits and tags."""
    text = (f"Changed notes ({changed} in this release) are replaced whole when you import: your own edits to "
            "them and your tags on them (`marked`, `leech`, yours) are lost; flags, scheduling and review "
            "history stay. A note you edited in Anki after this release was built is skipped instead (yours is "
            "newer).")
    if deck_wide:
        why = " and ".join(_THROUGH[cause] for cause in causes)
        them = "All of them change" if deck_wide == changed else f"{deck_wide} of them change"
        text += f" {them} only because {why} changed, not their text."
    if only_deck_wide:
        return text + (" To keep your edits and tags on them, import with *Update notes: Never* in the import "
                       "options: your notes stay exactly as they are and only miss that change; new notes are "
                       "still added.")
    return text + (" Before importing, keep what you care about: flag the cards you marked (*Browse*, search "
                   "`tag:marked`, select all, *Cards > Flag*), and copy out edits you want to keep (search "
                   "`edited:30` lists notes edited in the last 30 days).")


def shown_notes(release: Release) -> tuple[str, ...]:
    """The release's note for learners; for a release cut before notes were kept, its Change Deck steps."""
    if release.for_learners:
        return release.for_learners
    return (move_steps(release.moves),) if release.moves else ()


def notes_markdown(notes: Iterable[str]) -> str:
    return "\n".join(f"- {note}" for note in notes)


def changelog_text(title: str, history: Iterable[Release]) -> str:
    """The changelog, newest release first: summary, the notes by what happened to them, what to do."""
    lines = [f"# Changelog: {title}", ""]
    for release in reversed(tuple(history)):
        lines += [f"## {release.version} ({release.date})", "", release.summary, ""]
        listed = (("Added", release.added), ("Restored", release.restored), ("Changed", release.changed),
                  ("Moved to another deck", release.moved), ("Retired", release.removed))
        items = [f"- {label}: {', '.join(ids)}" for label, ids in listed if ids]
        lines += [*items, ""] if items else []
        notes = shown_notes(release)
        lines += ["What to do in Anki:", "", notes_markdown(notes), ""] if notes else []
    return "\n".join(lines).rstrip("\n") + "\n"
