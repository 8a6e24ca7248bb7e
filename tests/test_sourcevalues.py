"""Each value type's checker on its own: a table of good values (typed) and bad ones (exact problem)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from builder.notetypes import builtin_note_types
from builder.sourceformat import DECK_KEYS, NOTE_KEYS, NOTE_TYPE_KEYS, Key
from builder.sourcevalues import CHECKERS, Field, ValueChecks
from builder.yamlsafe import Mapping, parse


def all_keys(keys: tuple[Key, ...]) -> Iterator[Key]:
    for key in keys:
        yield key
        yield from all_keys(key.keys)


def test_every_value_type_of_the_format_has_a_checker_and_every_checker_is_used() -> None:
    used = {key.type for key in all_keys((*DECK_KEYS, *NOTE_KEYS, *NOTE_TYPE_KEYS))}
    assert used == set(CHECKERS)


def check(value_type: str, yaml_value: str) -> tuple[object, list[str]]:
    """The value ``yaml_value`` of a key of type ``value_type``, checked: (typed value, problems)."""
    root = parse(f"key: {yaml_value}\n", Path("t.yaml"))
    assert isinstance(root, Mapping)
    checks = ValueChecks(Path("t.yaml"))
    checks.note_types = builtin_note_types("t", None)
    checked = CHECKERS[value_type](checks, root.items["key"], Key("key", value_type, ""), "the deck")
    return checked, [f"{problem.code} {problem.message}" for problem in checks.problems]


GOOD = [
    ("text", "Some text", Field("Some text", 1)),
    ("slug", "linchpin-dsl", "linchpin-dsl"),
    ("version", "1.2.3", "1.2.3"),
    ("url", "https://example.org/a", "https://example.org/a"),
    ("lang", "en_US", "en_US"),
    ("kind", "deep-dive", "deep-dive"),
    ("notetype", "reverse", "reverse"),
    ("tags", "[a, b::c, a]", ("a", "b::c")),
    ("tags", "alone", ("alone",)),
    ("codes", "[W201]", ("W201",)),
    ("date", "2024-02-29", "2024-02-29"),
    ("bool", "true", True),
    ("bool", "false", False),
    ("count", "40", 40),
    ("deckname", "Books::Linchpin", "Books::Linchpin"),
    ("typeid", "1700000000000", 1700000000000),
    ("fieldvalues", "{Front: Hello}", {"Front": Field("Hello", 1)}),
]


@pytest.mark.parametrize(("value_type", "yaml_value", "expected"), GOOD)
def test_a_good_value_comes_back_typed(value_type: str, yaml_value: str, expected: object) -> None:
    assert check(value_type, yaml_value) == (expected, [])


BAD = [
    ("text", "[a, b]", "E103 'key' in the deck must be text, not a list"),
    ("text", '"a\\x1fb"',
     "E104 'key' in the deck contains U+001F, the character Anki separates fields with: remove it"),
    ("slug", "Not_A_Slug",
     "E104 'key' in the deck is 'Not_A_Slug': use lowercase letters, digits and single dashes, e.g. 'linchpin-dsl'"),
    ("kind", "trivia", "E104 'key' in the deck is 'trivia': use one of learning, quiz, deep-dive"),
    ("notetype", "Fancy", "E104 'key' in the deck is 'Fancy': use one of cloze, qa, reverse, type-in"),
    ("date", "2023-02-29", "E104 'key' in the deck is '2023-02-29', which is not a real date"),
    ("bool", "yes", "E104 'key' in the deck is 'yes': write true or false"),
    ("count", "0", "E104 'key' in the deck is '0': write a whole number from 1 to 99999"),
    ("typeid", "9223372036854775808",
     "E104 'key' in the deck is 9223372036854775808, more than Anki can store (2^63-1)"),
    ("notes", "3", "E103 'notes' must be a list"),
    ("notetypes", "3", "E103 'note_types' must be a list"),
    ("templates", "[]", "E103 'key' of the deck must be a list of at least one template"),
    ("fieldnames", "[]", "E103 'key' of the deck must be a list of at least one field name"),
    ("fieldvalues", "[a]", "E103 'key' of the deck must be a mapping of field names to Markdown"),
]


@pytest.mark.parametrize(("value_type", "yaml_value", "problem"), BAD)
def test_a_bad_value_is_reported_once_and_dropped(value_type: str, yaml_value: str, problem: str) -> None:
    assert check(value_type, yaml_value) == (None, [problem])


@pytest.mark.parametrize(("value_type", "yaml_value", "kept", "problem"), [
    ("tags", "[a b, c]", ("c",),
     "E140 'key' entry 'a b' in the deck is not a valid Anki tag: no spaces or control characters (use - or ::)"),
    ("codes", "[X1, W201]", ("W201",), "E104 'key' entry 'X1' in the deck is not a lint code like W201"),
])
def test_a_list_keeps_its_good_entries_and_reports_each_bad_one(
    value_type: str, yaml_value: str, kept: tuple[str, ...], problem: str
) -> None:
    assert check(value_type, yaml_value) == (kept, [problem])
