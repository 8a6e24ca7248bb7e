"""What a release puts into the package: note types, decks, and notes, each with its ``mod``.

Plain data, decided by :mod:`builder.plan` and written by :mod:`builder.packaging`.
It lives apart from packaging so that planning (``builder diff``, ``check``)
never loads genanki.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from msgspec import Struct

from .assemble import AnkiNote
from .notetypes import NoteType

if TYPE_CHECKING:
    from .render import MediaFile


class PackagedNoteType(Struct, frozen=True):
    note_type: NoteType
    """With the CSS the package gives it (the code-highlighting rules appended, for a built-in type)."""
    mod: int


class DeckEntry(Struct, frozen=True):
    id: int
    name: str
    description: str
    media: tuple[MediaFile, ...] = ()
    """Images the description shows: packed like a note's, or Anki shows a broken image."""


# gc=False: one per note, holding its AnkiNote and numbers, never in a cycle.
class PackagedNote(Struct, frozen=True, gc=False):
    note: AnkiNote
    mod: int
    due: int


def card_count(notes: Iterable[PackagedNote]) -> int:
    """How many cards the package holds: packaging writes exactly ``note.cards`` for each note."""
    return sum(len(packaged.note.cards) for packaged in notes)
