"""The source format as data (builder/sourceformat.py): the key tables the loader, the schema and the docs share."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import SourceError
from builder.source import load_deck
from builder.sourceformat import (
    ADDITIONS,
    ARTICLE_KEYS,
    CLOZE_RE,
    DECK_KEYS,
    LINT_DECK_KEYS,
    LINT_NOTE_KEYS,
    NOTE_KEYS,
    NOTE_KINDS,
    NOTE_TYPE_KEYS,
    TEMPLATE_KEYS,
    Key,
)
from tests.conftest import SMALL_SOURCE, write_source

TABLES = {
    "deck": DECK_KEYS, "source": ARTICLE_KEYS, "deck lint": LINT_DECK_KEYS, "note": NOTE_KEYS,
    "note lint": LINT_NOTE_KEYS, "note type": NOTE_TYPE_KEYS, "template": TEMPLATE_KEYS,
}


@pytest.mark.parametrize(("table", "keys", "required"), [
    ("deck", "title slug deck version description tags source allow_html additions tts lint note_types notes",
     "title slug deck notes"),
    ("source", "title author date url", "title author date url"),
    ("deck lint", "answer_max_words ignore", ""),
    ("note", "id guid kind deck type text question answer extra fields tags lint", "id"),
    ("note lint", "ignore", ""),
    ("note type", "id name fields templates css cloze anki_id", "id name fields templates"),
    ("template", "name front back", "name front back"),
])
def test_each_table_has_its_keys_in_order_and_its_required_ones(table: str, keys: str, required: str) -> None:
    assert [key.name for key in TABLES[table]] == keys.split()
    assert [key.name for key in TABLES[table] if key.required] == required.split()


@pytest.mark.parametrize(("table", "name", "value_type", "nested"), [
    ("deck", "source", "map", ARTICLE_KEYS),
    ("deck", "lint", "map", LINT_DECK_KEYS),
    ("deck", "note_types", "notetypes", NOTE_TYPE_KEYS),
    ("deck", "notes", "notes", ()),
    ("note", "lint", "map", LINT_NOTE_KEYS),
    ("note", "fields", "fieldvalues", ()),
    ("note type", "templates", "templates", TEMPLATE_KEYS),
    ("deck", "description", "markup", ()),
    ("note", "guid", "guid", ()),
    ("source", "date", "date", ()),
    ("template", "front", "template", ()),
])
def test_a_key_names_its_value_type_and_the_keys_inside_it(
    table: str, name: str, value_type: str, nested: tuple[Key, ...]
) -> None:
    key = next(key for key in TABLES[table] if key.name == name)
    assert (key.type, key.keys) == (value_type, nested)


@pytest.mark.parametrize("table", TABLES)
def test_every_key_is_named_once_and_documented(table: str) -> None:
    names = [key.name for key in TABLES[table]]
    assert len(names) == len(set(names))
    assert [key.name for key in TABLES[table] if not key.doc.endswith(".")] == []


def test_the_kinds_and_additions() -> None:
    assert NOTE_KINDS == ("learning", "quiz", "deep-dive")
    assert ADDITIONS == ("tags", "subdecks", "hashed-media", "description")


@pytest.mark.parametrize(("text", "opens"), [
    ("{{c1::x}}", True),
    ("{{c12::x}}", True),
    ("{{c1,2::x}}", True),
    ("a {{c3::b::hint}} c", True),
    ("{{c::x}}", False),
    ("{{c,::x}}", False),
    ("{{C1::x}}", False),
    ("{{c1:x}}", False),
    ("{c1::x}", False),
    ("plain text", False),
])
def test_cloze_re_roughly_finds_a_deletion_opener(text: str, opens: bool) -> None:
    assert bool(CLOZE_RE.search(text)) is opens


ALLOWED = "title, slug, deck, version, description, tags, source, allow_html, additions, tts, lint, note_types, notes"


@pytest.mark.parametrize(("old", "new", "message"), [
    ("deck: Small Deck\n", "deck: Small Deck\ncolour: red\n",
     f"4: unknown key 'colour' in the deck: allowed keys: {ALLOWED}"),
    ("slug: small\n", "",
     "1: the deck is missing the required key 'slug': Short name used in file names and ids; never change it."),
    ("  author: Ada Author\n", "", "7: 'source' is missing the required key 'author': Its author."),
], ids=["unknown-key", "missing-required", "missing-nested-required"])
def test_the_loader_reads_a_source_by_these_tables(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = write_source(tmp_path, SMALL_SOURCE.replace(old, new, 1))
    with pytest.raises(SourceError) as error:
        load_deck(path)
    assert str(error.value) == f"{path}:{message}"
