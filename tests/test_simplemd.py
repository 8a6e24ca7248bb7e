"""The parser-free path for simple Markdown must give markdown-it's HTML exactly, or step aside."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.errors import Location
from builder.render import _render_markdown
from builder.simplemd import simple_html


def markdown_it(text: str) -> str:
    return _render_markdown(text, Location("x.yaml", 1), Path("."), False).html


words = st.sampled_from(["alpha", "Beta", "x", "42", "é", "naïve", "Ω", "a1", "don't"])
separators = st.sampled_from([*list(" ,.;:?!'\"()/%=+@${}-’‘“”–—…«»°×·€£"), "  ", " - ", ": "])
noise = st.sampled_from([*list("*`_[]<>&\\#|~\t"), "**", "***", "``", "\n", "\n\n", " \n", "1. ", "- ", "> "])


@st.composite
def phrases(draw: st.DrawFn) -> str:
    parts = [draw(words)]
    for _ in range(draw(st.integers(0, 3))):
        parts += [draw(separators), draw(words)]
    return "".join(parts)


@st.composite
def lines(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["strong", "em", "code", "text", "text"]))
        if kind == "strong":
            parts.append(f"**{draw(phrases())}**")
        elif kind == "em":
            parts.append(f"*{draw(phrases())}*")
        elif kind == "code":
            parts.append("`" + draw(st.sampled_from(["x", "a<b", "f(x) & y", 's "q"', "a*b*c", " a", "x\\y"])) + "`")
        else:
            parts.append(draw(phrases()))
        parts.append(draw(st.sampled_from(["", " ", ", ", ".", " - ", "("])))
    line = "".join(parts)
    if draw(st.booleans()) and draw(st.booleans()):
        cut = draw(st.integers(0, len(line)))
        line = line[:cut] + draw(noise) + line[cut:]
    return line


@st.composite
def fields(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(lines())
    return "\n".join("- " + draw(lines()) for _ in range(draw(st.integers(1, 4))))


@settings(max_examples=800)
@given(fields())
def test_same_html_as_markdown_it_on_markdown_like_fields(text: str) -> None:
    fast = simple_html(text)
    assert fast is None or fast == markdown_it(text)


PIECES = [*list("aZ9é ,.:?'\"()-’*`_[]<>&\\#|~\t\n"), "**", "- ", "\n- ", "`x`", "*a*"]


@settings(max_examples=600)
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_same_html_as_markdown_it_on_any_text(text: str) -> None:
    fast = simple_html(text)
    assert fast is None or fast == markdown_it(text)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Plain **bold**, *em* and `x < y`.", "Plain <strong>bold</strong>, <em>em</em> and <code>x &lt; y</code>."),
        ("- one **two**\n- three", "<ul>\n<li>one <strong>two</strong></li>\n<li>three</li>\n</ul>"),
        ("- just one", "<ul>\n<li>just one</li>\n</ul>"),
        ('Quotes "stay" text', "Quotes &quot;stay&quot; text"),
    ],
)
def test_simple_fields_take_the_fast_path(text: str, html: str) -> None:
    assert simple_html(text) == html == markdown_it(text)


@pytest.mark.parametrize(
    "text",
    [
        "snake_case *x*", "a*b*c", "**a****b**", "# Heading", "1. first", "> quote", "*open only",
        "- item\n\n- loose", "- item  \n- trailing spaces", "[link](http://x)", "a & b", "x \\(y\\)",
        "```\ncode\n```", "line one\nline two", "-  two spaces", "~~gone~~", "a | b", "\tindented",
    ],
)
def test_anything_less_simple_is_left_to_markdown_it(text: str) -> None:
    assert simple_html(text) is None
