"""What a release puts into the package, as plain data (builder/contents.py), and the card count it prints."""

from __future__ import annotations

import pytest

from builder.assemble import AnkiNote
from builder.contents import DeckEntry, PackagedNote, PackagedNoteType, card_count
from builder.notetypes import builtin_note_types

TYPES = builtin_note_types("small")


def packaged(key: str, fields: tuple[str, ...], tags: tuple[str, ...] = ()) -> PackagedNote:
    return PackagedNote(AnkiNote(f"n-{key}", f"guid-{key}", TYPES[key], fields, tags, "Small"), 1_700_000_000, 0)


CLOZE_TWO = packaged("cloze", ("The {{c1::first}} has {{c2::two}}.", "", ""))
CLOZE_GAP = packaged("cloze", ("{{c1::a}} {{c3::b}} {{c3::c}}", "", ""))
QA = packaged("qa", ("Why?", "Because.", "", ""))
REVERSE = packaged("reverse", ("chien", "dog", "", ""))
TYPE_IN = packaged("type-in", ("2 + 2?", "4", "", ""))
NO_DELETION = packaged("cloze", ("No deletion here.", "", ""))


@pytest.mark.parametrize(("notes", "count"), [
    ((), 0),
    ((QA,), 1),
    ((REVERSE,), 2),
    ((TYPE_IN,), 1),
    ((CLOZE_TWO,), 2),
    ((CLOZE_GAP,), 2),  # one card per cloze number, however many deletions share it
    ((NO_DELETION,), 1),  # a built-in cloze note without a deletion: Anki makes card 1 (it shows an error)
    ((CLOZE_TWO, QA, REVERSE, TYPE_IN, CLOZE_GAP, NO_DELETION), 9),
], ids=["nothing", "qa", "reverse", "type-in", "cloze", "cloze-numbers", "cloze-without-deletion", "all"])
def test_card_count_is_the_cards_each_note_makes(notes: tuple[PackagedNote, ...], count: int) -> None:
    assert card_count(notes) == count
    assert card_count(iter(notes)) == count  # any iterable, read once


def test_the_plain_data_is_frozen_and_a_deck_has_no_media_unless_given() -> None:
    entry = DeckEntry(1, "Small", "")
    assert entry.media == ()
    with pytest.raises(AttributeError):
        entry.name = "Other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        QA.mod = 0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        PackagedNoteType(TYPES["qa"], 1).mod = 2  # type: ignore[misc]
