"""Where a ``builder check`` finding is (builder/places.py): the line and column of a key in a valid source."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder import places as places_module
from builder.errors import Location
from builder.places import Places
from builder.source import Deck, load_deck
from builder.yamlsafe import parse, read_source_text
from tests.conftest import write_source

PLACED = """\
title: Placed
slug: placed
deck: Placed
source:
  title: An Article
  author: Ada Author
  date: 2025-01-31
  url: https://example.org/article
note_types:
  - id: vocab
    name: Vocabulary
    fields: [Word, Meaning]
    templates:
      - {name: Recognise, front: "{{Word}}", back: "{{Meaning}}"}
notes:
  - id: quiz-one
    kind: quiz
    question: What is placed?
    answer: |
      A block answer,
      on two lines.
  - id: learn-one
    kind: learning
    text: >-
          Folded, deeper {{c1::indented}}.
  - id: word-one
    type: vocab
    deck: Placed::Words
    fields: {Word: maison, Meaning: house}
"""


@pytest.fixture
def placed(tmp_path: Path) -> tuple[Deck, Places]:
    deck = load_deck(write_source(tmp_path, PLACED, name="placed.yaml"))
    return deck, Places(deck.path)


@pytest.mark.parametrize(("names", "note_id", "line", "column"), [
    (("title",), None, 1, 8),
    (("source",), None, 5, 3),
    (("source", "author"), None, 6, 11),
    (("notes",), None, 16, 3),
    (("question",), "quiz-one", 18, 15),
    (("id",), "quiz-one", 16, 9),
    # A block scalar is placed at its first line of content, at that line's indentation.
    (("answer",), "quiz-one", 20, 7),
    (("text",), "learn-one", 25, 11),
    (("fields",), "word-one", 29, 13),
    (("fields", "Meaning"), "word-one", 29, 37),
], ids=["top-scalar", "top-mapping", "nested-scalar", "sequence", "note-scalar", "note-id", "literal-block",
        "folded-block", "note-mapping", "note-nested"])
def test_key_places_the_value(
    placed: tuple[Deck, Places], names: tuple[str, ...], note_id: str | None, line: int, column: int
) -> None:
    deck, places = placed
    note = next(note for note in deck.notes if note.id == note_id) if note_id else None
    assert places.key(deck, *names, note=note) == Location(deck.path, line, column)


@pytest.mark.parametrize(("key", "expected"), [("vocab", (10, 5)), ("qa", None), ("missing", None)])
def test_note_type_places_a_declared_type_and_nothing_else(
    placed: tuple[Deck, Places], key: str, expected: tuple[int, int] | None
) -> None:
    deck, places = placed
    found = places.note_type(deck, key)
    assert found == (None if expected is None else Location(deck.path, *expected))


def test_notes_are_found_by_id_in_source_order(placed: tuple[Deck, Places]) -> None:
    _, places = placed
    assert {note_id: item.line for note_id, item in places.notes.items()} == {
        "quiz-one": 16, "learn-one": 22, "word-one": 26}


def test_a_tree_given_is_used_and_none_is_parsed_until_asked(
    small_source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = load_deck(small_source)
    text = read_source_text(small_source)
    given = Places(small_source, (parse(text, small_source), text.splitlines()))
    calls: list[Path] = []
    real_parse = places_module.parse

    def counting(text: str, path: Path) -> object:
        calls.append(path)
        return real_parse(text, path)

    monkeypatch.setattr(places_module, "parse", counting)
    assert given.key(deck, "slug") == Location(small_source, 2, 7)
    assert given.lines[0] == "title: Small deck"
    lazy = Places(small_source)
    assert calls == []
    assert lazy.key(deck, "deck") == Location(small_source, 3, 7)
    assert lazy.lines == text.splitlines()
    assert calls == [small_source]
