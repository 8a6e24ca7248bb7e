"""builder's Markdown rules (builder/markdown.py), asked directly: render_markdown and author_html on small inputs.

Fields usually reach it through :func:`builder.render.render_field`, whose fast paths answer plain text
first (tests/test_render.py holds them to this renderer); here every input goes through markdown-it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from builder.errors import Location, RenderError
from builder.markdown import author_html, render_markdown
from builder.media import MediaFile
from tests.helpers.images import PNG

WHERE = Location("deck.yaml", 10)


@pytest.mark.parametrize(("text", "expected"), [
    # One paragraph is unwrapped; more keep their <p>; nothing ends in a newline.
    ("plain", "plain"),
    ("a\n\nb", "<p>a</p>\n<p>b</p>"),
    ("**b** and *i* and ~~s~~", "<strong>b</strong> and <em>i</em> and <s>s</s>"),
    ("# T", "<h1>T</h1>"),
    ("| a |\n|---|\n| 1 |",
     "<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n</tr>\n</tbody>\n</table>"),
    # An author's HTML is text unless allow_html.
    ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
    # Only web and mail links stay links; any other is unwrapped to its text.
    ("[x](https://a.org)", '<a href="https://a.org">x</a>'),
    ("[x](mailto:me@a.org)", '<a href="mailto:me@a.org">x</a>'),
    ("[x](rel.html) and [y](javascript:alert(1))", "x and [y](javascript:alert(1))"),
    # MathJax arrives as written.
    (r"\(a_1 * b_2\)", r"\(a_1 * b_2\)"),
    ("\\[\n  x_1 * y\n  - z\n\\]", "\\[\n  x_1 * y\n  - z\n\\]"),
    # Code: a cloze field's code spans keep their '::' from Anki's cloze parser; other fields' do not need to.
    ("`a::b` {{c1::x}}", "<code>a:&#58;b</code> {{c1::x}}"),
    ("`a::b`", "<code>a::b</code>"),
    ("```python\nx\n```", '<div class="codehilite"><pre><code><span class="n">x</span>\n</code></pre></div>'),
    ("    indented <b>\n", '<div class="codehilite"><pre><code>indented &lt;b&gt;\n</code></pre></div>'),
], ids=["plain", "paragraphs", "emphasis", "heading", "table", "html-is-text", "web-link", "mail-link",
        "other-links-unwrapped", "inline-math", "block-math", "cloze-code-shielded", "code-unshielded",
        "fenced-code-coloured", "indented-code"])
def test_render_markdown(text: str, expected: str) -> None:
    assert render_markdown(text, WHERE, Path("."), False).html == expected


@pytest.mark.parametrize(("text", "sanitising", "expected"), [
    ("<b>x</b>", False, "<b>x</b>"),
    ('<div onclick="x">y</div>', False, '<div onclick="x">y</div>'),  # raw: the command line's --unsafe-html
    ('<b onclick="x">y</b> <script>1</script>', True, "<b>y</b> "),
    ("{{c1::`std::vector`}} <b>x</b>", True, "{{c1::<code>std:&#58;vector</code>}} <b>x</b>"),
    ("**no author HTML**", True, "<strong>no author HTML</strong>"),
], ids=["kept", "raw-unsafe", "sanitised", "sanitised-keeps-shields", "nothing-to-sanitise"])
def test_allow_html_keeps_the_author_s_html_sanitised_or_raw(text: str, sanitising: bool, expected: str) -> None:
    assert render_markdown(text, WHERE, Path("."), True, sanitising=sanitising).html == expected


def test_an_image_is_packed_and_named_by_its_content(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(PNG)
    name = f"b-{hashlib.sha256(PNG).hexdigest()[:16]}.png"
    rendered = render_markdown("![a](x.png) and ![b](x.png)", WHERE, tmp_path, False)
    assert rendered.html == f'<img src="{name}" alt="a" /> and <img src="{name}" alt="b" />'
    assert rendered.media == (MediaFile(name, (tmp_path / "x.png").resolve(), WHERE),)  # shown first there


@pytest.mark.parametrize(("text", "line"), [
    ("![x](missing.png)", 10),
    ("a\n\n![x](missing.png)", 12),
    ("- a\n- b ![x](missing.png)", 11),
], ids=["first-line", "third-line", "in-a-list"])
def test_an_image_error_names_the_line_it_is_on(tmp_path: Path, text: str, line: int) -> None:
    with pytest.raises(RenderError) as error:
        render_markdown(text, WHERE, tmp_path, False)
    assert error.value.where == Location("deck.yaml", line)


@pytest.mark.parametrize(("text", "found"), [
    ("no html", ""),
    ("a <b>x</b> c", "<b></b>"),
    ("<div>\nblock\n</div>\n\ntext", "<div>\nblock\n</div>\n"),
    ("<!-- note -->", "<!-- note -->"),
    ("`<b>` in code", ""),
    ("\\<b> escaped", ""),
])
def test_author_html_is_the_html_an_author_wrote_and_nothing_else(text: str, found: str) -> None:
    assert author_html(text) == found


def test_two_files_of_identical_bytes_in_one_field_are_both_listed_under_their_one_name(tmp_path: Path) -> None:
    """One name in the package, but both files: a build that remembers what it read must see an edit of either."""
    for folder in "ab":
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.png").write_bytes(PNG)
    name = f"b-{hashlib.sha256(PNG).hexdigest()[:16]}.png"
    for allow_html in (False, True):
        rendered = render_markdown("![a](a/x.png) ![b](b/x.png) ![a again](a/x.png)", WHERE, tmp_path, allow_html,
                                   sanitising=allow_html)
        assert rendered.media == (MediaFile(name, (tmp_path / "a" / "x.png").resolve(), WHERE),
                                  MediaFile(name, (tmp_path / "b" / "x.png").resolve(), WHERE))
