"""Field HTML back to Markdown: what renders back the same is written, anything else is refused with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.assemble import nfc
from builder.errors import Location
from builder.htmlmd import Context, Unconvertible, markdown_for, to_markdown
from builder.htmlnorm import normalised
from builder.render import Renderer
from builder.source import load_deck
from tests.conftest import REPO
from tests.test_simplemd import fields as simple_fields

RENDERER = Renderer()


def render(text: str, allow_html: bool = False) -> str:
    return nfc(RENDERER.field(text, Location("x.yaml", 1), base_dir=Path("."), allow_html=allow_html).html)


SOURCES = sorted([REPO / "cardsrc" / "pinterest-ai-platform.yaml",
                  *(REPO / "tests" / "fixtures" / "sources" / "good").glob("*.yaml")])


@pytest.mark.parametrize("source", SOURCES, ids=[path.stem for path in SOURCES])
def test_every_field_of_the_shipped_and_fixture_decks_reads_back_as_its_own_markdown(source: Path) -> None:
    """Every Markdown field; a raw HTML one (``{html: ...}``) is no Markdown, and pull writes it back as HTML."""
    deck = load_deck(source)
    context = Context({}, allow_html=deck.allow_html)
    different = [
        (note.id, key, field.text)
        for note in deck.notes for key, field in note.fields.items()
        if not field.raw and to_markdown(render(field.text, deck.allow_html), context) != field.text
    ]
    assert different == []


BLOCKS = st.sampled_from([
    "# A heading", "> a quote\n> on two lines", "1. one\n2. two", "3. three\n4. four", "- a\n  - nested\n- b",
    "```python\ndef f(x):\n    return x * 2\n```", "```\nplain code\n```", "| a | b |\n| --- | ---: |\n| 1 | 2 |",
    "[a link](https://example.org/a_(b)) and <https://example.org>", "Math \\(x_1^2 * y\\) inline",
    "A {{c1::cloze **bold**::hint}} here", "hard\\\nbreak", "~~struck~~ text", "text\n\n---\n\nmore",
    "a < b > c & d &amp; e", "snake_case and a * star", "C# and F# in 100% of 3 * 4 cases",
])


@settings(max_examples=300, deadline=None)
@given(st.one_of(simple_fields(), BLOCKS, st.lists(BLOCKS, min_size=2, max_size=3).map("\n\n".join)))
def test_html_the_renderer_writes_always_converts_and_renders_back_the_same(text: str) -> None:
    html = render(text)
    written = markdown_for(html, text, html, Context({}, ("python",)), render)
    assert normalised(render(written)) == normalised(html)


@pytest.mark.parametrize(
    ("old", "html", "expected"),
    [
        ("Plain.", "Plain, <b>bold</b> and <i>leaning</i>.&nbsp;", "Plain, **bold** and *leaning*."),
        ("Plain.", "Line one<br>line two<br>", "Line one\\\nline two"),
        ("- a\n- b", "<ul><li>a</li><li>b, <code>c</code></li><li>d</li></ul>", "- a\n- b, `c`\n- d"),
        ("_emphasis_ and __strong__ text", "<em>emphasis</em> and <b>strong</b> words",
         "_emphasis_ and __strong__ words"),
        ("snake_case * star", "snake_case * star and more", "snake_case * star and more"),
        ("Uses {{c1::caching}}.", "Uses {{c1::edge caching::where}}.", "Uses {{c1::edge caching::where}}."),
        ("Plain.", "<b> spaced </b>bold", "**spaced** bold"),
        ("Plain.", "1. not a list", "1\\. not a list"),
    ],
    ids=["editor-bold-italic-nbsp", "editor-line-breaks", "list-item-added", "author-style-kept", "escapes-kept",
         "cloze", "spaces-outside-emphasis", "escaped-list-marker"],
)
def test_a_learners_html_becomes_markdown_in_the_authors_style(old: str, html: str, expected: str) -> None:
    assert markdown_for(html, old, render(old), Context({}), render) == expected


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("Plain <u>underlined</u>.", "it has <u>, which Markdown cannot write"),
        ('<span style="color: red">red</span>', "it has <span style>, which Markdown cannot write"),
        ("<div>one</div><div>two</div>", "it has <div>, which Markdown cannot write"),
        ('<font color="red">x</font>', "it has <font color>, which Markdown cannot write"),
        ("x <!-- note -->", "it has an HTML comment, which Markdown cannot write"),
        ('<img src="paste-123.png">', "it shows the image 'paste-123.png', which is not in the source: add it to "
                                      "the source by hand"),
        ("<table><tr><td>a</td></tr></table>", "its table has no header row, which Markdown tables need"),
        ("<ul><li>a</li><p>b</p></ul>", "its <ul> holds something other than list items"),
        ("<strong>a</strong><strong>b</strong>", "no Markdown renders it back the same: '**a****b**' gives "
                                                 "'<strong>a****b</strong>', not '<strong>a</strong><strong>b</…'"),
    ],
    ids=["underline", "styled-span", "div-lines", "font", "comment", "unknown-image", "headless-table",
         "bad-list", "adjacent-strong"],
)
def test_what_markdown_cannot_give_back_is_refused_with_its_reason(html: str, reason: str) -> None:
    with pytest.raises(Unconvertible) as refused:
        markdown_for(html, "Old.", render("Old."), Context({}), render)
    assert str(refused.value) == reason


def test_images_go_back_to_the_sources_path() -> None:
    context = Context({"b-0123456789abcdef.png": "images/chart.png"})
    assert to_markdown('See <img src="b-0123456789abcdef.png" alt="the chart">', context) == (
        "See ![the chart](images/chart.png)")


def test_raw_html_is_kept_where_the_source_allows_it() -> None:
    html = 'a <span class="x">b</span> c'
    assert markdown_for(html, "a b c", render("a b c", True), Context({}, allow_html=True),
                        lambda text: render(text, True)) == 'a <span class="x">b</span> c'
