"""The parser-free path for simple Markdown must give markdown-it's HTML exactly, or step aside."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.errors import Location
from builder.markdown import render_markdown as _render_markdown
from builder.simplemd import simple_html
from tests.conftest import REPO


def markdown_it(text: str) -> str:
    return _render_markdown(text, Location("x.yaml", 1), Path("."), False).html


words = st.sampled_from(["alpha", "Beta", "x", "42", "é", "naïve", "Ω", "a1", "don't"])
separators = st.sampled_from([*list(" ,.;:?!'\"()/%=+@${}-’‘“”–—…«»°×·€£>"), "  ", " - ", ": ", " > "])
noise = st.sampled_from([*list("*`_[]<>&\\#|~\t"), "**", "***", "``", "\n", "\n\n", " \n", "1. ", "- ", "> ", "\n- ",
                         "\n\n- ", "\n---", "\n===", "\n ", "\n\n\n", "\n|-|", "\n```\n"])
endings = st.sampled_from(["", "", ".", "?", "!", ":", ",", ";"])
"""What emphasis may end with: the fast path takes a final mark only before a space or the line's end."""


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
            parts.append(f"**{draw(phrases())}{draw(endings)}**")
        elif kind == "em":
            parts.append(f"*{draw(phrases())}{draw(endings)}*")
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
def blocks(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return "\n".join(draw(lines()) for _ in range(draw(st.integers(1, 3))))  # a paragraph
    return "\n".join("- " + draw(lines()) for _ in range(draw(st.integers(1, 4))))


@st.composite
def fields(draw: st.DrawFn) -> str:
    """One line, a list, or paragraphs and lists between blank lines (a description, say)."""
    count = draw(st.sampled_from([1, 1, 2, 3]))
    return "".join(draw(blocks()) + (draw(st.sampled_from(["\n\n", "\n\n\n", "\n"])) if index < count - 1 else "")
                   for index in range(count))


@settings(max_examples=800)
@given(fields())
def test_same_html_as_markdown_it_on_markdown_like_fields(text: str) -> None:
    fast = simple_html(text)
    assert fast is None or fast == markdown_it(text)


# What the fast path's docstring claims it takes: lines that start with a letter or a
# span, words and separators, emphasis bounded by letters or digits, code spans with no
# backslash and no space at either end, one line or a list of one-line "- " items.
claimed_words = st.text(alphabet="abcXYZ019éΩß", min_size=1, max_size=6).filter(lambda word: word[0].isalpha())
claimed_separators = st.sampled_from(
    [" ", ", ", ". ", "; ", ": ", " - ", " (", ") ", " / ", " = ", "'", " “", "” ", " — ", " > "]
)
claimed_endings = st.sampled_from(["", "", ".", "?", "!", ":"])
claimed_code = st.text(alphabet="ab<>&*_[]#|~ (){}:=-", min_size=1, max_size=8).filter(
    lambda code: code[0] != " " and code[-1] != " "
)


@st.composite
def claimed_phrases(draw: st.DrawFn) -> str:
    parts = [draw(claimed_words)]
    for _ in range(draw(st.integers(0, 2))):
        parts += [draw(claimed_separators).strip() or " ", draw(claimed_words)]
    return "".join(parts)


@st.composite
def claimed_lines(draw: st.DrawFn) -> str:
    line, marked = "", False  # marked: the last span ends in punctuation, so only a space or the end may follow
    for index in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["word", "strong", "em", "code"]))
        ending = draw(claimed_endings) if kind in ("strong", "em") else ""
        if kind == "word":
            segment = draw(claimed_words)
        elif kind == "code":
            segment = f"`{draw(claimed_code)}`"
        else:
            mark = "**" if kind == "strong" else "*"
            segment = f"{mark}{draw(claimed_phrases())}{ending}{mark}"
        if index:
            line += " " if marked else draw(claimed_separators)
        line, marked = line + segment, bool(ending)
    return line + ("" if marked else draw(st.sampled_from(["", ".", "?", "!"])))


@st.composite
def claimed_blocks(draw: st.DrawFn, listed: bool) -> str:
    if listed:
        return "\n".join("- " + draw(claimed_lines()) for _ in range(draw(st.integers(1, 4))))
    return "\n".join(draw(claimed_lines()) for _ in range(draw(st.integers(1, 3))))


@st.composite
def claimed_fields(draw: st.DrawFn) -> str:
    """Paragraphs and lists between blank lines, never two lists in a row."""
    parts: list[str] = []
    listed = False
    for _ in range(draw(st.integers(1, 3))):
        listed = not listed and draw(st.booleans())
        parts.append(draw(claimed_blocks(listed)))
    return "\n\n".join(parts)


@settings(max_examples=400)
@given(claimed_fields())
def test_every_field_the_fast_path_claims_takes_it(text: str) -> None:
    """Without this, the properties above would pass with a fast path that always stepped aside."""
    fast = simple_html(text)
    assert fast is not None, f"the fast path stepped aside: {text!r}"
    assert fast == markdown_it(text)


PIECES = [*list("aZ9é ,.:?'\"()-’*`_[]<>&\\#|~\t\n"), "**", "- ", "\n- ", "`x`", "*a*", "\n\n", "?*", "?**"]


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
        ("line one\nline *two*", "line one\nline <em>two</em>"),
        ("**Had 1.0?** Then *Cards > Change*.", "<strong>Had 1.0?</strong> Then <em>Cards &gt; Change</em>."),
        ("One *para*\ngoes on.\n\n- item\n\nLast `x`",
         "<p>One <em>para</em>\ngoes on.</p>\n<ul>\n<li>item</li>\n</ul>\n<p>Last <code>x</code></p>"),
    ],
)
def test_simple_fields_take_the_fast_path(text: str, html: str) -> None:
    assert simple_html(text) == html == markdown_it(text)


@pytest.mark.parametrize(
    "text",
    [
        "snake_case *x*", "a*b*c", "**a****b**", "# Heading", "1. first", "> quote", "*open only",
        "- item\n\n- loose", "- item  \n- trailing spaces", "[link](http://x)", "a & b", "x \\(y\\)",
        "```\ncode\n```", "-  two spaces", "~~gone~~", "a | b", "\tindented", "- a\n\n- b", "**a?**.", "*a!*b",
        "line\n- item", "line\n> quote", "line\n---", "Title\n===", "line\n  indented", "line\n1. one", "a\n \nb",
        "\nleading blank", "a\n\n\n- b\n\n\n- c",
    ],
)
def test_anything_less_simple_is_left_to_markdown_it(text: str) -> None:
    assert simple_html(text) is None


def test_the_shipped_description_takes_the_fast_path() -> None:
    """The description of the shipped deck is paragraphs with emphasis and code: no parser for its first build."""
    deck = yaml.safe_load((REPO / "cardsrc" / "pinterest-ai-platform.yaml").read_text(encoding="utf-8"))
    fast = simple_html(deck["description"])
    assert fast is not None
    assert fast == markdown_it(deck["description"])
