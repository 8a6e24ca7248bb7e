"""Assembling notes: the summary the lock and diffs show for a note."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from builder.assemble import plain_summary


def summary_by_characters(field_html: str, limit: int = 80) -> str:
    """The first, character-by-character definition that the regex version must match."""
    out: list[str] = []
    inside = False
    for char in field_html:
        if char == "<":
            inside = True
        elif char == ">":
            inside = False
        elif not inside:
            out.append(char)
    text = " ".join(html.unescape("".join(out)).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@given(st.text(alphabet="ab <>&;amp/\"'\n\té#", max_size=60), st.integers(min_value=1, max_value=30))
def test_summary_matches_the_character_walk(field_html: str, limit: int) -> None:
    assert plain_summary(field_html, limit) == summary_by_characters(field_html, limit)


@pytest.mark.parametrize(
    ("field_html", "summary"),
    [
        ("<b>Bold</b> &amp; <i>plain</i>", "Bold & plain"),
        ("a > b", "a b"),
        ("open <tag never closed", "open"),
        ("<ul>\n<li>one</li>\n<li>two</li>\n</ul>", "one two"),
        ("x" * 100, "x" * 79 + "…"),
    ],
)
def test_summary_examples(field_html: str, summary: str) -> None:
    assert plain_summary(field_html) == summary
