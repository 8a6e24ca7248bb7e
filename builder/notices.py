"""What a release means for a learner's collection, told to the author and to learners.

Anki's importer keeps a learner's cards where they are and only replaces a
note's fields and tags, so some changes in a source leave something behind in
every collection that already has the deck. The plan finds the changes; this
module words them: warnings for ``builder diff`` and ``builder build``.
"""

from __future__ import annotations

from collections.abc import Iterable

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


def change_deck_steps(moves: Iterable[tuple[str, str]]) -> list[str]:
    """Changelog lines telling learners how to follow notes that moved: one Change Deck per pair of decks."""
    pairs = list(moves)
    if not pairs:
        return []
    return [
        "- In Anki: cards you already have stay where they were. In *Browse*, search each old deck below, "
        "select all, *Cards > Change Deck* to its new deck, then delete the empty old deck; review history "
        "moves with the cards.",
        *(f'  - `deck:"{before}"` to `{after}`' for before, after in pairs),
    ]


def _count(ids: list[str]) -> str:
    return "1 note moves" if len(ids) == 1 else f"{len(ids)} notes move"


def _names(ids: list[str], shown: int = 5) -> str:
    more = len(ids) - shown
    return ", ".join(ids[:shown]) + (f" and {more} more" if more > 0 else "")
