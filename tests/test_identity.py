"""Identities must never change: a new GUID would duplicate every user's notes."""

from __future__ import annotations

import pytest

from builder.identity import anki_card_id, anki_note_id, deck_id, note_guid, note_type_id


@pytest.mark.parametrize(
    ("function", "args", "pinned"),
    [
        # Pinned values: if one changes, every user's next import duplicates notes.
        (note_guid, ("small", "quiz-one"), "dAHpD#XK=U"),
        (note_type_id, ("small", "cloze"), 1496488621),
        (note_type_id, ("small", "reverse"), 1541899345),
        (note_type_id, ("small", "type-in"), 1855041715),
        (deck_id, ("Small Deck",), 1990671171),
    ],
)
def test_identities_are_pinned_forever(function: object, args: tuple[str, ...], pinned: object) -> None:
    assert function(*args) == pinned  # type: ignore[operator]


def test_guid_depends_on_slug_and_id_only() -> None:
    guid = note_guid("small", "quiz-one")
    assert guid != note_guid("small", "quiz-onex")
    assert guid != note_guid("smallx", "quiz-one")
    assert " " not in guid and len(guid) <= 11


def test_ids_are_stable_and_in_range() -> None:
    assert note_type_id("small", "cloze") != note_type_id("small", "qa")
    assert note_type_id("small", "cloze") != note_type_id("other", "cloze")
    for value in (note_type_id("small", "qa"), deck_id("Small Deck::Quiz")):
        assert 1 << 30 <= value < 1 << 31
    assert anki_note_id("abc") == anki_note_id("abc") >= 10**12
    assert anki_card_id("abc", 0) != anki_card_id("abc", 1)


def test_a_guid_the_source_gives_is_the_notes_guid_whatever_its_slug_and_id() -> None:
    """A note taken over from another tool keeps the GUID learners' collections match it on."""
    assert note_guid("small", "quiz-one", "f{Xq1]x#Ah") == "f{Xq1]x#Ah"
    assert note_guid("small", "quiz-one", None) == note_guid("small", "quiz-one") == "dAHpD#XK=U"
