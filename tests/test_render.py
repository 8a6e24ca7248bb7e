"""Field rendering: what authors write must reach the card as they meant it, and nothing unsafe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from builder.errors import Location, RenderError
from builder.markdown import render_markdown as _render_markdown
from builder.render import _plain_html, render_field
from tests.helpers.images import PNG

WHERE = Location("deck.yaml", 10)


def render(text: str, base_dir: Path = Path("."), **kwargs: bool) -> str:
    return render_field(text, WHERE, base_dir=base_dir, **kwargs).html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Hello **world**", "Hello <strong>world</strong>"),
        ("*a* and ~~b~~", "<em>a</em> and <s>b</s>"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
        ("First\n\nSecond", "<p>First</p>\n<p>Second</p>"),
        ("line one\nline two", "line one\nline two"),
        ("Use `x < y`", "Use <code>x &lt; y</code>"),
        ("# Title", "<h1>Title</h1>"),
        (
            "| a | b |\n|---|:-:|\n| 1 | ~~2~~ |",
            '<table>\n<thead>\n<tr>\n<th>a</th>\n<th style="text-align:center">b</th>\n</tr>\n</thead>\n'
            '<tbody>\n<tr>\n<td>1</td>\n<td style="text-align:center"><s>2</s></td>\n</tr>\n</tbody>\n</table>',
        ),
        ("", ""),
        ("   \n", ""),
        ('Tom & Jerry say "hi"', "Tom &amp; Jerry say &quot;hi&quot;"),
        ("&copy; 2024", "© 2024"),
        ("{{FrontSide}} stays text", "{{FrontSide}} stays text"),
    ],
)
def test_markdown(source: str, expected: str) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"\(a_1 * b_2 * c\)", r"\(a_1 * b_2 * c\)"),
        (r"Area \(\pi r^2\) of *a* circle", r"Area \(\pi r^2\) of <em>a</em> circle"),
        (r"\[\sum_{i=1}^n x_i\]", r"\[\sum_{i=1}^n x_i\]"),
        (r"\(a < b \& c\)", r"\(a &lt; b \&amp; c\)"),
        ("\\(a_1\nb_2\\)", "\\(a_1\nb_2\\)"),
        # Display math on its own lines: a line inside that looks like a list stays math.
        ("Solve:\n\n\\[\n  x_1 * y\n  - z\n\\]", "<p>Solve:</p>\n\\[\n  x_1 * y\n  - z\n\\]"),
        ("- item\n\n  \\[\n  # n_1\n  \\]", "<ul>\n<li>\n<p>item</p>\n\\[\n# n_1\n\\]\n</li>\n</ul>"),
        ("> \\[\n> a_1 * b\n> \\]", "<blockquote>\n\\[\na_1 * b\n\\]\n</blockquote>"),
        (r"`\(x_1\)` is code", r"<code>\(x_1\)</code> is code"),
        # An escaped backslash, or an unclosed opener, is not math: CommonMark escapes apply.
        (r"a\\(b\\)", r"a\(b\)"),
        (r"\(unclosed", "(unclosed"),
    ],
)
def test_mathjax_arrives_as_written(source: str, expected: str) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("The {{c1::mitochondria}} is it", "The {{c1::mitochondria}} is it"),
        ("{{c1::Paris::capital}} is in France", "{{c1::Paris::capital}} is in France"),
        ("**{{c1::bold}}** word", "<strong>{{c1::bold}}</strong> word"),
        ("{{c1::**bold** term}}", "{{c1::<strong>bold</strong> term}}"),
        ("{{c2::_it_ and `code`::a *hint*}}", "{{c2::<em>it</em> and <code>code</code>::a <em>hint</em>}}"),
        (
            "- {{c1::first}}\n- {{c2::second::hint}}",
            "<ul>\n<li>{{c1::first}}</li>\n<li>{{c2::second::hint}}</li>\n</ul>",
        ),
        ("{{c1::outer {{c2::inner}} text}}", "{{c1::outer {{c2::inner}} text}}"),
        (r"{{c1::\(x_1 * y_2\)}}", r"{{c1::\(x_1 * y_2\)}}"),
        ("`{{c1::code}}`", "<code>{{c1::code}}</code>"),
        ("`{{c1::a::b}}`", "<code>{{c1::a::b}}</code>"),  # a deletion written inside the code keeps its hint
    ],
)
def test_cloze_markers_survive(source: str, expected: str) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # simplemd's fast path and markdown-it (here for the link) write the same code span.
        ("{{c1::`std::vector`}}", "{{c1::<code>std:&#58;vector</code>}}"),
        ("{{c1::`std::vector`}} [x](https://x.org)",
         '{{c1::<code>std:&#58;vector</code>}} <a href="https://x.org">x</a>'),
        ("{{c1::`a}}b`}}", "{{c1::<code>a}&#125;b</code>}}"),
        ("`a::b::c` {{c1::x}}", "<code>a:&#58;b:&#58;c</code> {{c1::x}}"),
        (r"{{c1::\(\sqrt{a^{2}}\)}}", r"{{c1::\(\sqrt{a^{2}&#125;\)}}"),
        (r"{{c1::\(\frac{{1}}{2}\)}}", r"{{c1::\(\frac{{1}&#125;{2}\)}}"),
        (r"\(x = {{c1::2}}\)", r"\(x = {{c1::2}}\)"),  # a deletion inside math stays one
        ("{{c1::std::vector}}", "{{c1::std::vector}}"),  # outside code, '::' is Anki's hint (lint: W210)
        # No deletion, no cloze parser: a question or the description keeps its code as it was.
        ("Use `std::vector` or `a}}b`", "Use <code>std::vector</code> or <code>a}}b</code>"),
        (r"\(\frac{{1}}{2}\) [x](https://x.org)", r'\(\frac{{1}}{2}\) <a href="https://x.org">x</a>'),
    ],
)
def test_code_and_math_keep_their_colons_and_braces_from_the_cloze_parser(source: str, expected: str) -> None:
    """Entities for the ``::`` and ``}}`` Anki would read as cloze syntax: they show the same (test_cloze_oracle)."""
    assert render(source) == expected


def test_sanitised_html_keeps_the_shields() -> None:
    """With allow_html, nh3 re-serialises the field and would decode the entities; they stay."""
    assert render("{{c1::`std::vector`}} <b>x</b>", allow_html=True) == "{{c1::<code>std:&#58;vector</code>}} <b>x</b>"


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[x](javascript:alert(1))",
        "[x](JavaScript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](<java\tscript:alert(1)>)",
        "<javascript:alert(1)>",
        "[x]: javascript:alert(1)\n\n[a][x]",
        "[x](vbscript:msgbox)",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](file:///etc/passwd)",
        "[x](ftp://example.org/)",
        "[x](//evil.example/)",
        "[x](notes.html)",
        '<a href="javascript:alert(1)">x</a>',
    ],
)
def test_no_unsafe_html_or_links(source: str) -> None:
    out = render(source)
    assert "<script" not in out and "<img" not in out and '<a href="javascript' not in out
    for href in re.findall(r'href="([^"]*)"', out):
        assert re.match(r"(https?|mailto):", href), href


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ('<img src="x" onerror="alert(1)">', "&lt;img src=&quot;x&quot; onerror=&quot;alert(1)&quot;&gt;"),
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
        ("[see](notes.html) here", "see here"),
        ("[call](tel:123) or [get](ftp://example.org/f)", "call or get"),
        ("[x](JavaScript:alert(1))", "[x](JavaScript:alert(1))"),
        ("[site](https://example.org/a b)", "[site](https://example.org/a b)"),
        ("[site](<https://example.org/a b>)", '<a href="https://example.org/a%20b">site</a>'),
        ("<mailto:me@example.org>", '<a href="mailto:me@example.org">mailto:me@example.org</a>'),
        ("<https://example.org>", '<a href="https://example.org">https://example.org</a>'),
    ],
)
def test_escaped_html_and_links(source: str, expected: str) -> None:
    assert render(source) == expected


# --- plain-text fast path: must be exactly what markdown-it would make -----------------
def _full(text: str) -> str:
    return _render_markdown(text, WHERE, Path("."), False).html


@pytest.mark.parametrize(
    "text",
    [
        "Hello world.",
        "The {{c1::mitochondria}} is the powerhouse of the cell.",
        "{{c1::Paris::capital}} is in France",
        "Über café — “quoted” 3×4 (yes) it's 50% + 2 = $4 @home!",
        "2024 was a year; 3 bones",
        "Trailing spaces and newline   \n",
        'A "quote" here',
        "Weights & Biases, R&D",
        "Two lines\nof one paragraph.",
        "First paragraph,\nwrapped.\n\nSecond one.\n\n\nThird.\n",
    ],
)
def test_fast_path_takes_common_plain_fields(text: str) -> None:
    fast = _plain_html(text)
    assert fast is not None
    assert fast == _full(text) == render(text)


@pytest.mark.parametrize(
    "text",
    [
        "1. item",
        "2024) x",
        "- a",
        "+ a",
        "Setext\n===",
        "a_b",
        "a*b*",
        "x < y",
        "A &amp; B",
        "A &#35; B",
        "AT&T;",
        "    code",
        "#tag",
        "a\\b",
        "a~~b~~",
        "a  \nb",
        "a\n  b",
        "a\n- b",
        "a\n \nb",
        "[x]",
        "  lead",
    ],
)
def test_fast_path_leaves_markdown_alone(text: str) -> None:
    assert _plain_html(text) is None


_ANY = st.sampled_from(
    [*"aZé1 9\n\t\r\xa0_*`~<>&#!-+=|[](){}:;.,?'\"\\/%@$^", "1.", "1)", "  ", "{{c1::", "}}", "’", "—"]
)
# Mostly what the fast path accepts, with a sprinkle of what it must refuse.
_NEAR_PLAIN = st.sampled_from([*"abcXYZ é09 ,.;:?!'\"()/%=+@${}-’“—…«°×€", "1.", "1)", "  ", "\n", "_", "*", "&", "<",
                               " & ", "&amp;", "&#35;", "&x", "&;", "\n\n", "\n\n\n", " \n"])


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.lists(_ANY, max_size=12), st.lists(_NEAR_PLAIN, max_size=16)).map("".join))
@example("a  b")
@example("1a. b")
@example("12.5 kg")
@example("{{c1::x}}")
def test_fast_path_equals_full_render(text: str) -> None:
    fast = _plain_html(text)
    if fast is not None:
        assert fast == _full(text)


def test_same_field_renders_to_the_same_bytes(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(PNG)
    text = "# T\n\n![x](x.png) **b** \\(x_1\\)\n\n```python\nx = 1\n```"
    assert render_field(text, WHERE, base_dir=tmp_path) == render_field(text, WHERE, base_dir=tmp_path)


# --- where an image error is: the line it is on ------------------------------
def _error(text: str, base_dir: Path) -> RenderError:
    with pytest.raises(RenderError) as caught:
        render_field(text, WHERE, base_dir=base_dir)
    return caught.value


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("First line\nsecond line\n![x](missing.png) on the third", 12),
        ("Para\n\n- item\n- ![x](missing.png)", 13),
        ("> quote\n> more ![x](missing.png)", 11),
        ("| a | b |\n|---|---|\n| 1 | 2 |\n| ![x](missing.png) | 3 |", 13),
        ("[![x](missing.png)](https://example.org)", 10),
        ("`code\nspan` and\n![x](missing.png)", 12),
    ],
)
def test_image_error_reports_the_line_it_is_on(tmp_path: Path, text: str, line: int) -> None:
    error = _error(text, tmp_path)
    assert error.where == Location("deck.yaml", line)
    assert str(error).startswith(f"deck.yaml:{line}: image file 'missing.png' not found")


def test_error_location_stays_unknown_when_the_line_is(tmp_path: Path) -> None:
    with pytest.raises(RenderError) as caught:
        render_field("a\nb\n![x](missing.png)", Location("deck.yaml"), base_dir=tmp_path)
    assert caught.value.where == Location("deck.yaml", 0)
