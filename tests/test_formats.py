"""Names Anki changes on import, measured in the real engine: what the loader's messages predict.

The loader refuses deck names and tags that Anki would not keep as written and
says what Anki would make of them (``builder.formats``). Here each such name
goes into a package, is imported by Anki's own importer, and is read back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.assemble import AnkiNote
from builder.contents import DeckEntry, PackagedNote, PackagedNoteType
from builder.formats import anki_deck_name, anki_tag, tag_key, tag_refusal
from builder.identity import deck_id
from builder.notetypes import builtin_note_types
from builder.packaging import build_package
from tests.ankitools import import_apkg, note_by_guid, open_collection

DECK_NAMES = [
    ("A\tB", "AB"),
    ("A\rB", "AB"),
    ("A\nB", "AB"),
    ("A:::B", "A::B"),
    ("A::B:", "A::B"),
    (":::B", "blank::B"),
    ("A::::B", "A::blank::B"),
    ("A ::B", "A::B"),
    (" A", "A"),
    ("A\u00a0::B", "A::B"),
    ("A::B\t", "A::B"),
    ("A  B", "A  B"),  # kept: inner spaces, a single ':', other characters
    ("A: B", "A: B"),
    ("A\u3000B", "A\u3000B"),
    ("A\ufeffB", "A\ufeffB"),
]
TAGS = [
    ("::x", "blank::x"),
    ("x::", "x::blank"),
    ("a::::b", "a::blank::b"),
    (":::b", "blank:::b"),
    ("a:::b", "a:::b"),  # kept
    ("x:::", "x:::"),
    (":a", ":a"),
    ("a\u00a0b", "a\u00a0b"),  # kept by Anki, and by the loader (a deck taken over keeps its tags)
    ('a"b', 'a"b'),
]
KEPT_TAGS = ['a"b', "a\u00a0b", "a\u0085b", "a\u2028b", "a\u200bb", "a\ufeffb", "Ärger", "a;b,c*d'e"]
SPLIT_TAGS = ["a b", "a\u3000b"]
# tags of two notes, in the order Anki meets them -> the tags each note has after the import
TAG_CASES = [
    ((["école", "ÉCOLE"], []), (["école"], [])),
    ((["école"], ["ÉCOLE"]), (["école"], ["école"])),
    ((["ML"], ["ml"]), (["ML"], ["ML"])),
    ((["straße"], ["STRASSE"]), (["straße"], ["straße"])),
    ((["a::b"], ["A::B"]), (["a::b"], ["a::b"])),
    ((["Parent::x"], ["parent::y"]), (["Parent::x"], ["parent::y"])),  # different tags: kept as written
]


def qa_type() -> PackagedNoteType:
    return PackagedNoteType(builtin_note_types("names")["qa"], 1_700_000_000)


def imported(tmp_path: Path, notes: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, list[str]]]:
    """Import one note per (deck, tags); return each note's deck and tags as Anki holds them."""
    packaged = tuple(
        PackagedNote(AnkiNote(f"n{index}", f"guid{index}", qa_type().note_type, (f"Q{index}", "A", "", ""), tags, deck),
                     1_700_000_000, index)
        for index, (deck, tags) in enumerate(notes)
    )
    decks = tuple(DeckEntry(deck_id(name), name, "") for name in dict.fromkeys(deck for deck, _ in notes))
    apkg = tmp_path / "names.apkg"
    apkg.write_bytes(build_package((qa_type(),), decks, packaged))
    col = open_collection(tmp_path / "user.anki2")
    try:
        import_apkg(col, apkg)
        found = []
        for index in range(len(notes)):
            note = note_by_guid(col, f"guid{index}")
            found.append((col.decks.name(note.cards()[0].did), list(note.tags)))
        return found
    finally:
        col.close()


@pytest.mark.parametrize(("name", "anki"), DECK_NAMES, ids=[repr(name) for name, _ in DECK_NAMES])
def test_deck_names_arrive_as_predicted(tmp_path: Path, name: str, anki: str) -> None:
    assert anki_deck_name(name) == anki
    assert imported(tmp_path, [(name, ())]) == [(anki, [])]


@pytest.mark.parametrize(("tag", "anki"), TAGS, ids=[repr(tag) for tag, _ in TAGS])
def test_tags_arrive_as_predicted(tmp_path: Path, tag: str, anki: str) -> None:
    assert anki_tag(tag) == anki
    assert imported(tmp_path, [("D", (tag,))]) == [("D", [anki])]


def test_the_loader_admits_every_tag_anki_keeps_and_refuses_the_spaces_it_splits_at(tmp_path: Path) -> None:
    result = imported(tmp_path, [("D", (tag,)) for tag in KEPT_TAGS + SPLIT_TAGS])
    assert [tags for _, tags in result] == [[tag] for tag in KEPT_TAGS] + [["a", "b"]] * len(SPLIT_TAGS)
    assert [tag_refusal(tag) for tag in KEPT_TAGS] == [None] * len(KEPT_TAGS)
    assert {tag_refusal(tag) for tag in SPLIT_TAGS} == {
        "is not a valid Anki tag: no spaces or control characters (use - or ::)"}


@pytest.mark.parametrize(("written", "held"), TAG_CASES, ids=[repr(written) for written, _ in TAG_CASES])
def test_tags_that_differ_only_in_case_are_one_tag_to_anki(
    tmp_path: Path, written: tuple[list[str], list[str]], held: tuple[list[str], list[str]]
) -> None:
    result = imported(tmp_path, [("D", tuple(tags)) for tags in written])
    assert [tags for _, tags in result] == list(held)
    # tags with one key (those the loader refuses as E141) are the ones Anki merged
    assert len({tag for _, tags in result for tag in tags}) == len({tag_key(tag) for tags in written for tag in tags})
