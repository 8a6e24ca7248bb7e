"""The JSON Schema: generated from the format tables, shipped as a file, and agreeing with the loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator, FormatChecker

from builder.cli import cli
from builder.errors import InvalidSource, SourceError
from builder.schema import deck_schema, schema_text
from builder.source import load_deck
from builder.sourceformat import DECK_KEYS, NOTE_KEYS
from tests.conftest import REPO, SHIPPED_SOURCE

FIXTURES = REPO / "tests" / "fixtures" / "sources"
SHIPPED_SCHEMA = REPO / "schema" / "deck.schema.json"
BOTH = "both"
"""The schema rejects the source as well as the loader."""

# name, the loader's code and line, and whether the schema rejects it too (BOTH) or
# why JSON Schema cannot say it (then only the loader does).
BAD = [
    ("e100-yaml-syntax", "E100", 15, BOTH),  # no YAML reader can parse it
    ("e100-duplicate-key", "E100", 18, "YAML readers keep the last duplicate key: no document shows it"),
    ("e100-anchor-alias", "E100", 6, "YAML readers resolve aliases: the document looks normal"),
    ("e101-unknown-deck-key", "E101", 2, BOTH),
    ("e101-unknown-note-key", "E101", 17, BOTH),
    ("e101-unknown-source-key", "E101", 7, BOTH),
    ("e102-missing-source", "E102", 2, BOTH),
    ("e102-learning-with-question", "E102", 11, BOTH),
    ("e102-quiz-with-text", "E102", 14, BOTH),
    ("e102-quiz-missing-answer", "E102", 14, BOTH),
    ("e102-deep-dive-both", "E102", 14, BOTH),
    ("e102-reverse-with-text", "E102", 14, BOTH),
    ("e102-type-in-missing-answer", "E102", 14, BOTH),
    ("e102-cloze-type-with-question", "E102", 14, BOTH),
    ("e104-bad-note-type", "E104", 16, BOTH),
    ("e104-bad-anki-id", "E104", 13, BOTH),
    ("e102-declared-note-with-question", "E102", 19, BOTH),
    ("e102-declared-note-no-card", "E102", 19, "which fields a card shows is in Anki's template language"),
    ("e101-unknown-field-in-note", "E101", 24, "JSON Schema cannot compare a note's field names with its type's"),
    ("e170-template-unknown-field", "E170", 17, "JSON Schema cannot read Anki's template language"),
    ("e170-cloze-type-without-cloze", "E170", 17, "JSON Schema cannot read Anki's template language"),
    ("e103-title-is-list", "E103", 2, BOTH),
    ("e103-notes-not-list", "E103", 11, BOTH),
    ("e103-note-not-mapping", "E103", 14, BOTH),
    ("e103-tag-is-mapping", "E103", 13, BOTH),
    ("e104-bad-slug", "E104", 3, BOTH),
    ("e104-bad-note-id", "E104", 11, BOTH),
    ("e104-bad-version", "E104", 4, BOTH),
    ("e104-bad-url", "E104", 9, BOTH),
    ("e104-bad-date-format", "E104", 8, BOTH),
    ("e104-impossible-date", "E104", 8, BOTH),  # the "date" format, checked by editors and jsonschema
    ("e104-bad-kind", "E104", 12, BOTH),
    ("e104-bad-bool", "E104", 5, BOTH),
    ("e104-bad-lang", "E104", 5, BOTH),
    ("e104-bad-deck-name", "E104", 4, BOTH),
    ("e104-bad-lint-code", "E104", 13, BOTH),
    ("e104-bad-count", "E104", 5, BOTH),
    ("e104-control-character", "E104", 17, BOTH),
    ("e110-duplicate-id", "E110", 14, "JSON Schema cannot compare a property across array items"),
    ("e120-empty-title", "E120", 2, BOTH),
    ("e120-null-answer", "E120", 17, BOTH),
    ("e130-no-deletion", "E130", 13, BOTH),
    ("e131-unbalanced-braces", "E131", 13, "counting braces is beyond a regular expression"),
    ("e130-only-c0", "E130", 13, "to a regular expression {{c0:: looks like any other deletion"),
    ("e132-cloze-number-too-big", "E132", 13, "the pattern only asks for a deletion, not for its number's range"),
    ("e133-deletion-in-link", "E133", 13, "reading Markdown links is beyond a regular expression"),
    ("e140-tag-with-space", "E140", 13, BOTH),
    ("e104-line-break-after-slug", "E104", 3, BOTH),
    ("e104-deck-name-with-tab", "E104", 4, BOTH),
    ("e140-tag-with-empty-part", "E140", 13, BOTH),
    ("e141-tag-case", "E141", 13, "JSON Schema cannot compare array items ignoring case"),
    ("e104-bad-guid", "E104", 14, BOTH),
    ("e102-no-kind-no-deck", "E102", 13, BOTH),
    ("e102-qa-without-source", "E102", 2, BOTH),
    ("e103-raw-html-two-keys", "E103", 16, BOTH),
    ("e111-guid-twice", "E111", 18, "JSON Schema cannot compare a property across array items"),
]
GOOD = sorted(path.stem for path in (FIXTURES / "good").glob("*.yaml"))


def validator() -> Draft202012Validator:
    return Draft202012Validator(deck_schema(), format_checker=FormatChecker())


def plain_text_document(path: Path) -> Any:
    """The source as a YAML reader that keeps every scalar as text sees it, like our loader."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def schema_errors(path: Path) -> list[str]:
    try:
        document = plain_text_document(path)
    except yaml.YAMLError as error:
        return [f"unparseable: {error}"]
    return [error.message for error in validator().iter_errors(document)]


def loader_problems(path: Path) -> list[tuple[str, int]]:
    try:
        load_deck(path)
    except InvalidSource as error:
        return [(problem.code, problem.where.line) for problem in error.problems]
    except SourceError as error:
        return [("E100", error.where.line if error.where else 0)]
    return []


def test_shipped_schema_is_the_generated_one() -> None:
    assert SHIPPED_SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        "schema/deck.schema.json is stale: run 'builder schema > schema/deck.schema.json'"
    )


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(deck_schema())
    assert deck_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_follows_the_format_tables() -> None:
    schema = deck_schema()
    assert list(schema["properties"]) == [key.name for key in DECK_KEYS]
    assert schema["required"] == [key.name for key in DECK_KEYS if key.required]
    note = schema["$defs"]["note"]
    assert list(note["properties"]) == [key.name for key in NOTE_KEYS]
    assert note["properties"]["id"]["description"] == NOTE_KEYS[0].doc
    assert note["additionalProperties"] is False


def test_builder_schema_prints_it() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert result.stdout == schema_text()
    assert json.loads(result.stdout) == deck_schema()


def test_shipped_source_points_editors_at_the_schema() -> None:
    first_line = SHIPPED_SOURCE.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=../schema/deck.schema.json"
    assert (SHIPPED_SOURCE.parent / "../schema/deck.schema.json").resolve() == SHIPPED_SCHEMA


def test_fixture_tables_cover_every_file_and_code() -> None:
    assert sorted(name for name, *_ in BAD) == sorted(path.stem for path in (FIXTURES / "bad").glob("*.yaml"))
    assert {code for _, code, *_ in BAD} >= {f"E1{n:02}" for n in (0, 1, 2, 3, 4, 10, 20, 30, 31, 32, 33, 40)}
    assert len(GOOD) >= 8
    assert len(BAD) >= 20


@pytest.mark.parametrize("name", GOOD)
def test_good_fixture_passes_loader_and_schema(name: str) -> None:
    path = FIXTURES / "good" / f"{name}.yaml"
    assert loader_problems(path) == []
    assert schema_errors(path) == []


def test_shipped_source_passes_the_schema() -> None:
    assert schema_errors(SHIPPED_SOURCE) == []


@pytest.mark.parametrize(("name", "code", "line", "schema"), BAD, ids=[case[0] for case in BAD])
def test_bad_fixture_fails_loader_and_schema(name: str, code: str, line: int, schema: str) -> None:
    path = FIXTURES / "bad" / f"{name}.yaml"
    assert (code, line) in loader_problems(path)
    if schema == BOTH:
        assert schema_errors(path) != []
    else:
        assert schema_errors(path) == [], f"the schema now catches this: mark it {BOTH!r}"


# (the line of all-keys.yaml to replace, its key, a value, whether both the loader and the schema take it)
_DECK, _TAG = ("deck: Fixture deck", "deck"), ("    tags: [quiz]", "    tags")
VALUES = [
    *((_DECK, name, valid) for name, valid in [
        ("Parent::Child", True),
        ("A deck: subtitle", True),
        ("Two  spaces", True),
        ("Parent:::Child", False),  # Anki: 'Parent::Child'
        ("Parent::Child:", False),
        ("::Child", False),
        ("Parent::", False),
        ("Parent::::Child", False),  # Anki: 'Parent::blank::Child'
        ("Parent:: Child", False),
        ("Parent ::Child", False),
        (" Parent", False),
        ("Parent ", False),
        ("Parent\u00a0", False),  # Anki trims every Unicode space
        ("Par\tent", False),  # Anki removes tabs and line breaks
        ("Par\rent", False),
        ("Par\nent", False),
        ("Parent\n", False),
        ("Parent\ufeff", True),  # not a space to Anki, nor to the loader
    ]),
    *((_TAG, tag, valid) for tag, valid in [
        ("a::b", True),
        ("a:::b", True),  # Anki keeps it
        ("x:::", True),
        (":a", True),
        ("a\ufeffb", True),
        ("::x", False),  # Anki: 'blank::x'
        ("x::", False),
        ("a::::b", False),
        ("a b", False),
        ("a\u00a0b", True),  # Anki keeps it (tests/test_formats.py)
        ("a\u0085b", True),
        ('a"b', True),
        ("a\u3000b", False),  # Anki splits tags at it
        ("a\n", False),
    ]),
    *(((line, key), value, False) for line, key, value in [
        ("slug: fixture-deck", "slug", "fixture-deck\n"),
        ("version: 2.3.4", "version", "2.3.4\n"),
        ("version: 2.3.4", "version", "2.3.\u0664"),
        ("tts: en_US", "tts", "en_US\n"),
        ("  answer_max_words: 12", "  answer_max_words", "12\n"),
        ("  ignore: [W202, L302]", "  ignore", "W202\n"),
        ("  date: 2025-11-04", "  date", "2025-11-04\n"),
        ("  url: https://example.com/article", "  url", "https://example.com/article\n"),
        ("  url: https://example.com/article", "  url", "https://example.com/\u3000article"),
        ("  - id: first-note", "  - id", "first-note\n"),
        ("    kind: quiz", "    kind", "quiz\n"),
    ]),
]


@pytest.mark.parametrize(("line", "value", "valid"), VALUES, ids=[repr(value) for _, value, _ in VALUES])
def test_values_the_loader_and_the_schema_agree_on(
    tmp_path: Path, line: tuple[str, str], value: str, valid: bool
) -> None:
    text = (FIXTURES / "good" / "all-keys.yaml").read_text(encoding="utf-8")
    old, key = line
    assert text.count(old + "\n") == 1, old
    written = json.dumps(value)  # a JSON string is a YAML double-quoted scalar
    path = tmp_path / "deck.yaml"
    path.write_text(text.replace(old + "\n", f"{key}: {f'[{written}]' if key == _TAG[1] else written}\n"),
                    encoding="utf-8")
    assert (loader_problems(path) == []) is valid
    assert (schema_errors(path) == []) is valid


@pytest.mark.parametrize(("document", "valid"), [
    ({"allow_html": True, "lint": {"answer_max_words": 40}}, True),  # an editor's YAML 1.2 typing
    ({"allow_html": "true", "lint": {"answer_max_words": "40"}}, True),  # our text-only reading
    ({"allow_html": None}, False),
    ({"lint": {"answer_max_words": 0}}, False),
    ({"title": None}, False),
    ({"title": 2025}, True),  # the loader reads it as the text "2025"
])
def test_editor_typing_of_the_same_text(document: dict[str, Any], valid: bool) -> None:
    base = plain_text_document(FIXTURES / "good" / "minimal.yaml")
    assert validator().is_valid({**base, **document}) is valid
