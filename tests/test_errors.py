"""The one error family: what a user sees is one line with the place first."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import BuilderError, InvalidSource, Location, Problem, printable


@pytest.mark.parametrize(("text", "shown"), [
    ("plain", "plain"),
    ("two\nlines", "two\\nlines"),
    ("carriage\rreturn", "carriage\\rreturn"),
    ("\x1b[31mred", "\\x1b[31mred"),
    ("rtl \u202eoverride", "rtl \\u202eoverride"),
    ("line \u2028separator", "line \\u2028separator"),
    ("café ✓ 日本", "café ✓ 日本"),
])
def test_printable_keeps_text_on_one_line(text: str, shown: str) -> None:
    assert printable(text) == shown


@pytest.mark.parametrize(("where", "message"), [
    (None, "bad thing"),
    (Path("deck.yaml"), "deck.yaml: bad thing"),
    (Location("deck.yaml", 12), "deck.yaml:12: bad thing"),
    (Location("deck.yaml", 12, 3), "deck.yaml:12: bad thing"),
    (Location("deck\n.yaml", 1), "deck\\n.yaml:1: bad thing"),
])
def test_an_error_reads_place_then_message(where: Location | Path | None, message: str) -> None:
    assert str(BuilderError("bad thing", where)) == message


def test_check_shows_columns_like_a_compiler() -> None:
    assert Location("d.yaml", 4, 7).with_column() == "d.yaml:4:7"
    assert Location("d.yaml", 4).with_column() == "d.yaml:4"
    assert Location("d.yaml").with_column() == "d.yaml"
    assert str(Problem(Location("d.yaml", 4, 7), "E101", "unknown key")) == "d.yaml:4:7: E101 unknown key"


def test_invalid_source_orders_problems_top_to_bottom_and_leads_with_the_first() -> None:
    problems = [
        Problem(Location("b.yaml", 1, 1), "E101", "later file"),
        Problem(Location("a.yaml", 9, 1), "E120", "later line"),
        Problem(Location("a.yaml", 2, 5), "E104", "first"),
        Problem(Location("a.yaml", 2, 5), "E101", "same place, lower code"),
    ]
    error = InvalidSource(problems)
    assert [problem.message for problem in error.problems] == ["same place, lower code", "first", "later line",
                                                              "later file"]
    assert str(error) == "a.yaml:2: same place, lower code"


def test_a_location_moves_down_inside_a_block_value() -> None:
    assert Location("d.yaml", 10, 4).shifted(3) == Location("d.yaml", 13, 0)
    assert Location("d.yaml").shifted(3) == Location("d.yaml")
