"""The loader's checks of declared note types and the notes that use them (builder/typecheck.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import InvalidSource
from builder.identity import note_type_id
from builder.source import load_deck
from tests.conftest import write_source

HEAD = """\
title: Declared
slug: declared
deck: Declared
"""
VOCAB = """\
  - id: vocab
    name: Vocabulary
    fields: [Word, Meaning]
    templates:
      - {name: Recognise, front: "{{Word}}", back: "{{Meaning}}"}
"""
GAP = """\
  - id: gap
    name: Gap
    fields: [Text, Hint]
    cloze: true
    templates:
      - {name: Cloze, front: "{{cloze:Text}}", back: "{{cloze:Text}}<br>{{Hint}}"}
"""


def source(types: str, note: str) -> str:
    return f"{HEAD}note_types:\n{types}notes:\n  - id: one\n    deck: Declared\n{note}"


GOOD = [
    (VOCAB, "    type: vocab\n    fields: {Word: maison, Meaning: house}\n", "vocab",
     {"Word": "maison", "Meaning": "house"}),
    (VOCAB, "    type: vocab\n    fields: {Word: maison}\n", "vocab", {"Word": "maison"}),
    (GAP, "    type: gap\n    fields: {Text: 'The {{c1::Seine}}', Hint: river}\n", "gap",
     {"Text": "The {{c1::Seine}}", "Hint": "river"}),
    # A cloze note of a declared type without a deletion loads; the release gate says L308.
    (GAP, "    type: gap\n    fields: {Hint: river}\n", "gap", {"Hint": "river"}),
]


@pytest.mark.parametrize(("types", "note", "key", "fields"), GOOD,
                         ids=["all-fields", "front-field-only", "cloze-type", "cloze-without-deletion"])
def test_a_note_of_a_declared_type_loads(
    tmp_path: Path, types: str, note: str, key: str, fields: dict[str, str]
) -> None:
    deck = load_deck(write_source(tmp_path, source(types, note), name="declared.yaml"))
    assert [(note.type, {name: field.text for name, field in note.fields.items()}) for note in deck.notes] == [
        (key, fields)]
    assert deck.note_types[key].fields == (("Word", "Meaning") if key == "vocab" else ("Text", "Hint"))


BAD = [
    (VOCAB, "    type: vocab\n    question: Q?\n    fields: {Word: x}\n",
     [("E102", 11, "note 'one' is a vocab note: it takes 'fields', not 'question'")]),
    (VOCAB, "    type: vocab\n", [("E102", 11, "note 'one' is a vocab note: give it 'fields' (Word, Meaning)")]),
    (VOCAB, "    type: vocab\n    fields: {Wrod: x}\n",
     [("E101", 14, "unknown field 'Wrod' in note 'one', a vocab note: did you mean 'Word'?")]),
    (VOCAB, "    type: vocab\n    fields: {Colour: x}\n",
     [("E101", 14, "unknown field 'Colour' in note 'one', a vocab note: its fields are Word, Meaning")]),
    (VOCAB, "    type: vocab\n    fields: {Meaning: house}\n",
     [("E102", 11, "note 'one' makes no card: each template's front shows a field it leaves empty "
                   "(it fills Meaning)")]),
    (VOCAB, "    type: vocbulary\n    fields: {Word: x}\n",
     [("E104", 13, "'type' in note 'one' is 'vocbulary': use one of cloze, qa, reverse, type-in, vocab")]),
    (VOCAB + VOCAB, "    type: vocab\n    fields: {Word: x}\n",
     [("E170", 10, "two note types have the id 'vocab': give each its own")]),
]


@pytest.mark.parametrize(("types", "note", "problems"), BAD, ids=[
    "built-in-key", "no-fields", "misspelt-field", "unknown-field", "no-card", "unknown-type", "two-types-one-id"])
def test_a_bad_declared_type_or_note_is_reported_with_its_code_and_line(
    tmp_path: Path, types: str, note: str, problems: list[tuple[str, int, str]]
) -> None:
    with pytest.raises(InvalidSource) as error:
        load_deck(write_source(tmp_path, source(types, note), name="declared.yaml"))
    assert [(problem.code, problem.where.line, problem.message) for problem in error.value.problems] == problems


TAKEN_OVER = """\
title: Taken over
slug: taken
deck: Taken
{source}note_types:
  - id: own-qa
    name: Their Q&A
    anki_id: {qa_id}
    fields: [Front, Back]
    templates:
      - {{name: Card 1, front: "{{{{Front}}}}", back: "{{{{Back}}}}"}}
notes:
  - id: one
    deck: Taken
    type: own-qa
    fields: {{Front: A?, Back: B}}
"""


def test_a_type_may_have_a_built_in_type_s_id_only_where_no_built_in_type_ships(tmp_path: Path) -> None:
    """A builder-made deck taken over under its own slug declares its types with the ids the built-in ones
    would have; without a source no package carries a built-in type, so that is no clash."""
    qa_id = note_type_id("taken", "qa")
    deck = load_deck(write_source(tmp_path, TAKEN_OVER.format(source="", qa_id=qa_id), "taken.yaml"))
    assert deck.note_types["own-qa"].id == qa_id
    article = "source: {title: T, author: A, date: 2025-01-31, url: https://example.org}\n"
    with pytest.raises(InvalidSource) as refused:
        load_deck(write_source(tmp_path, TAKEN_OVER.format(source=article, qa_id=qa_id), "taken.yaml"))
    assert refused.value.message == f"note type 'own-qa' has the id {qa_id} of note type 'qa': each needs its own"
