"""Code blocks (builder/highlight.py): Pygments' tokens as classes, cloze markers kept whole, and the stylesheet
that colours them, readable by day and by night on the backgrounds builder's own CSS gives code."""

from __future__ import annotations

import html
import re

import pytest

from builder.highlight import highlight, stylesheet
from builder.render import highlight_css
from tests.helpers.colours import contrast as _contrast
from tests.test_render import render


# --- highlight(): tokens as classes, text escaped, cloze markers whole -------------------------------
@pytest.mark.parametrize(("code", "language", "expected"), [
    ("x = 1\n", "python",
     '<span class="n">x</span> <span class="o">=</span> <span class="mi">1</span>\n'),
    ("SELECT 1;\n", "sql",
     '<span class="k">SELECT</span><span class="w"> </span><span class="mi">1</span><span class="p">;</span>\n'),
    ("x = 1\n", "no-such-language", "x = 1\n"),
    ("a < b & c\n", "", "a &lt; b &amp; c\n"),
    ("x = {{c1::y}}\n", "python",
     '<span class="n">x</span> <span class="o">=</span> {{c1::<span class="n">y</span>}}\n'),
    ("{{c1::a::hint}}\n", "text", "{{c1::a::hint}}\n"),
], ids=["python", "sql", "unknown-language-is-plain", "no-language-escapes", "cloze-around-a-token",
        "cloze-with-hint"])
def test_highlight(code: str, language: str, expected: str) -> None:
    assert highlight(code, language) == expected


@pytest.mark.parametrize("language", ["python", "cpp", "rust", "text", ""])
def test_highlighting_changes_no_character_of_the_code(language: str) -> None:
    code = 'std::map<int, {{c2::"s"::hint}}> m = {{c1::{1, 2}}};  // {}\n'
    assert html.unescape(re.sub(r"<[^>]+>", "", highlight(code, language))) == code


def test_the_stylesheet_scrolls_wide_code_and_sets_every_coloured_class_again_at_night() -> None:
    """(builder/highlight.css is this text, written by make docs: tests/test_docs.py holds them together.)"""
    lines = stylesheet().splitlines()
    assert lines[:2] == [".codehilite { overflow-x: auto; max-width: 100%; }", ".codehilite pre { margin: 0; }"]
    day = re.findall(r"^\.codehilite \.([\w-]+) \{", stylesheet(), re.M)
    night = re.findall(r"^\.nightMode \.codehilite \.([\w-]+), \.night_mode \.codehilite \.\1 \{", stylesheet(), re.M)
    assert day and set(day) <= set(night)
    assert len(lines) == 2 + len(day) + len(night)
    assert "background" not in stylesheet()  # code sits on the card's own background, which every colour is checked on


# --- code in a field: coloured by class, unknown languages plain, cloze markers never split ---------
def _code_text(rendered: str) -> str:
    inner = re.fullmatch(r'<div class="codehilite"><pre><code>(.*)</code></pre></div>', rendered, re.S)
    assert inner is not None, rendered
    return html.unescape(re.sub(r"<[^>]+>", "", inner.group(1)))


def test_code_is_highlighted_with_classes() -> None:
    out = render("```python\ndef f(x):\n    return x  # twice\n```")
    assert out.startswith('<div class="codehilite"><pre><code><span class="k">def</span>')
    assert '<span class="c1"># twice</span>' in out and "style=" not in out
    assert _code_text(out) == "def f(x):\n    return x  # twice\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("```no-such-language\n<b>x</b>\n```", "<b>x</b>\n"),
        ("```\nplain & simple\n```", "plain & simple\n"),
        ("    indented <code>\n", "indented <code>\n"),
    ],
)
def test_code_without_a_known_language_is_plain_escaped_text(source: str, expected: str) -> None:
    out = render(source)
    assert "<span" not in out
    assert _code_text(out) == expected


@pytest.mark.parametrize("language", ["python", "cpp", "javascript", "html", "sql", "text", "rust"])
@pytest.mark.parametrize(
    "code",
    [
        "x = {{c1::compute(a, b)}}\n",
        "std::vector<int> v = {{c2::{1, 2}::braces}};\n",
        'print("{{c1::a "quoted" string}}")\n{{c3::tail}}\n',
        "{{c1::outer {{c2::inner}} more}} }} {}\n",
    ],
)
def test_cloze_markers_in_code_are_never_split_by_highlighting(language: str, code: str) -> None:
    out = render(f"```{language}\n{code}```")
    assert _code_text(out) == code
    for marker in re.findall(r"\{\{c\d+::|}}", code):
        assert html.escape(marker, quote=False) in out


# --- CSS --------------------------------------------------------------------------
# Code sits on the card background or on templates.py's code background, day and night.
DAY_BACKGROUNDS = ("#ffffff", "#eff2f5")
NIGHT_BACKGROUNDS = ("#0d1117", "#1c2128")


def test_code_backgrounds_match_the_templates() -> None:
    from builder.style import CSS

    found = re.findall(r"--builder-code-bg: (#[0-9a-f]{6})", CSS)
    assert found == [DAY_BACKGROUNDS[1], NIGHT_BACKGROUNDS[1]]


def test_highlight_css_is_readable_in_day_and_night_mode() -> None:
    css = highlight_css()
    assert css == highlight_css()
    assert ".codehilite { overflow-x: auto" in css
    day = re.findall(r"^\.codehilite \.[\w-]+ \{([^}]*)\}", css, re.M)
    night = re.findall(r"^\.nightMode \.codehilite (\.[\w-]+), \.night_mode \.codehilite \1 \{([^}]*)\}", css, re.M)
    assert len(day) > 30 and len(night) >= len(day)
    checks = [(b, DAY_BACKGROUNDS) for b in day] + [(b, NIGHT_BACKGROUNDS) for _, b in night]
    for body, backgrounds in checks:
        for colour in re.findall(r"color: (#[0-9a-f]{6})", body):
            for background in backgrounds:
                assert _contrast(colour, background) >= 4.5, (colour, background)
    # What the light style makes bold or coloured, night mode sets again, so nothing leaks across.
    keyword = re.search(r"^\.nightMode \.codehilite \.k, \.night_mode \.codehilite \.k \{ ([^}]*) \}", css, re.M)
    assert keyword is not None and "color: #" in keyword.group(1) and "font-weight: " in keyword.group(1)
