"""``allow_html: true`` keeps formatting, never code: hostile HTML in, what survives out.

The raw HTML is only for the command line's ``--unsafe-html``, which no source
can set; ``builder check`` says what sanitising removes (W210).
"""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import cli
from builder.errors import Location, RenderError
from builder.htmlsafe import removed_by_sanitising
from builder.markdown import author_html
from builder.render import render_field
from tests.conftest import SMALL_SOURCE
from tests.helpers.images import write_png

WHERE = Location("deck.yaml", 10)

SURVIVES = [
    # formatting, tables, details, links, local images
    ("inline-formatting", "<b>b</b> <i>i</i> <u>u</u> <s>s</s> <sub>2</sub> <sup>3</sup> <mark>m</mark> <kbd>k</kbd>",
     "<b>b</b> <i>i</i> <u>u</u> <s>s</s> <sub>2</sub> <sup>3</sup> <mark>m</mark> <kbd>k</kbd>"),
    ("markdown-beside-html", "<b>bold</b> **md**", "<b>bold</b> <strong>md</strong>"),
    ("block", "<div>\nblock\n</div>", "<div>\nblock\n</div>"),
    ("table", '<table><tr><th style="text-align:right" colspan="2">h</th></tr></table>',
     '<table><tbody><tr><th style="text-align:right" colspan="2">h</th></tr></tbody></table>'),
    ("details", "<details><summary>s</summary>body</details>", "<details><summary>s</summary>body</details>"),
    ("web-link", '<a href="https://example.org/x" title="t">ok</a>',
     '<a href="https://example.org/x" title="t">ok</a>'),
    ("mail-link", '<a href="mailto:a@example.org">mail</a>', '<a href="mailto:a@example.org">mail</a>'),
    ("local-image", '<img src="pic.png" alt="p" width="20">', '<img src="b-{sha}.png" alt="p" width="20">'),
    ("markdown-and-html-image", '![md](pic.png) <img src="pic.png">',
     '<img src="b-{sha}.png" alt="md"> <img src="b-{sha}.png">'),
    ("colour-style", '<span style="color: #c00; font-weight: bold">c</span>',
     '<span style="color:#c00;font-weight:bold">c</span>'),
    ("code-classes", '<span class="k">if</span><div class="codehilite">x</div>',
     '<span class="k">if</span><div class="codehilite">x</div>'),
    ("cloze", "T {{c1::<b>x</b>::hint}} end", "T {{c1::<b>x</b>::hint}} end"),
    ("right-to-left", '<p dir="rtl" lang="ar">نص</p>', '<p dir="rtl" lang="ar">نص</p>'),
    # scripts and event handlers
    ("script", "<script>window.__pwned = 1</script>after", "after"),
    ("event-handler", '<img src="pic.png" onerror="window.__pwned = 1">', '<img src="b-{sha}.png">'),
    ("event-on-text", '<b onclick="x()" onmouseover="y()">b</b>', "<b>b</b>"),
    ("svg-onload", '<svg onload="window.__pwned = 1"><circle r="9"/></svg>after', "after"),
    ("javascript-link", '<a href="javascript:window.__pwned=1">click</a>', "<a>click</a>"),
    ("entity-javascript-link", '<a href="&#106;avascript:x()">click</a>', "<a>click</a>"),
    ("data-link", '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "<a>x</a>"),
    ("relative-link", '<a href="page.html">x</a>', "<a>x</a>"),
    ("form", '<form action="https://evil.example/"><input name="x"><button>go</button></form>', "go"),
    ("template", "<template><img src=x onerror=alert(1)></template>after", "after"),
    # remote loads
    ("remote-image", '<img src="https://evil.example/t.png" alt="t">', '<img alt="t">'),
    ("protocol-relative-image", '<img src="//evil.example/t.png">', "<img>"),
    ("data-image", '<img src="data:image/png;base64,AAAA">', "<img>"),
    ("srcset", '<img src="pic.png" srcset="https://evil.example/t.png 2x">', '<img src="b-{sha}.png">'),
    ("iframe", '<iframe src="https://evil.example/"></iframe>after', "after"),
    ("link-stylesheet", '<link rel="stylesheet" href="https://evil.example/x.css">after', "after"),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=https://evil.example/">after', "after"),
    ("base", '<base href="https://evil.example/">after', "after"),
    ("object-embed", '<object data="https://evil.example/x"></object><embed src="x.swf">after', "after"),
    ("media", '<video src="https://evil.example/v.mp4"></video><audio src="a.mp3"></audio>after', "after"),
    ("table-background", '<table><tr><td background="https://evil.example/x.png">x</td></tr></table>',
     "<table><tbody><tr><td>x</td></tr></tbody></table>"),
    ("css-url", '<div style="background: url(https://evil.example/x.png); color: red">bg</div>', "<div>bg</div>"),
    ("css-escaped-url", '<div style="color: u\\72l(https://evil.example/x.png)">bg</div>', "<div>bg</div>"),
    ("css-entity-url", '<div style="color: &#117;rl(https://evil.example/x.png)">bg</div>', "<div>bg</div>"),
    ("css-image-set", '<div style="color: image-set(x)">bg</div>', "<div>bg</div>"),
    ("css-comment", '<div style="color: red/**/">bg</div>', "<div>bg</div>"),
    # styles that would hide or take over the card
    ("style-element", "<style>.card { display: none !important }</style>after", "after"),
    ("hiding-style", '<span style="display: none; position: fixed; color: red">c</span>',
     '<span style="color:red">c</span>'),
    ("foreign-class", '<span class="cloze">fake</span>', '<span class="">fake</span>'),
    ("id", '<div id="answer">x</div>', "<div>x</div>"),
    ("comment", "a <!-- the rest is hidden --> b", "a  b"),
]


@pytest.fixture
def pictured(tmp_path: Path) -> tuple[Path, str]:
    write_png(tmp_path / "pic.png", 2, 2)
    found = render_field("![p](pic.png)", WHERE, base_dir=tmp_path)
    return tmp_path, found.media[0].name.removeprefix("b-").removesuffix(".png")


@pytest.mark.parametrize(("given", "expected"), [case[1:] for case in SURVIVES], ids=[case[0] for case in SURVIVES])
def test_what_survives_sanitising(pictured: tuple[Path, str], given: str, expected: str) -> None:
    folder, sha = pictured
    rendered = render_field(given, WHERE, base_dir=folder, allow_html=True)
    assert rendered.html == expected.replace("{sha}", sha)
    assert [item.name for item in rendered.media] == [f"b-{sha}.png"] * (f"b-{sha}" in rendered.html)


RAW = ["script", "event-on-text", "javascript-link", "iframe", "css-url", "style-element", "remote-image"]


@pytest.mark.parametrize("given", [case[1] for case in SURVIVES if case[0] in RAW], ids=RAW)
def test_only_the_command_line_flag_keeps_it_raw(pictured: tuple[Path, str], given: str) -> None:
    folder, _ = pictured
    assert render_field(given, WHERE, base_dir=folder, allow_html=True, unsafe_html=True).html == given
    as_text = render_field(given, WHERE, base_dir=folder).html
    assert "<" not in as_text.replace("<p>", "").replace("</p>", "")  # without allow_html, HTML is text
    assert render_field(given, WHERE, base_dir=folder, unsafe_html=True).html == as_text


@pytest.mark.parametrize(("src", "message"), [
    ("../secret.png", "image path '../secret.png' goes outside the source's folder {root}; "
                      "copy the image into that folder"),
    ("/etc/secret.png", "image path '/etc/secret.png' is absolute; give it relative to the source's folder {base}"),
    ("missing.png", "image file 'missing.png' not found (looked for {root}/missing.png); check the path, "
                    "which is relative to the source's folder"),
])
def test_an_html_image_is_held_to_the_markdown_rules(tmp_path: Path, src: str, message: str) -> None:
    folder = tmp_path / "cardsrc"
    folder.mkdir()
    write_png(tmp_path / "secret.png", 2, 2)
    with pytest.raises(RenderError) as caught:
        render_field(f'See <img src="{src}">', WHERE, base_dir=folder, allow_html=True)
    assert str(caught.value) == f"deck.yaml:10: {message.format(root=folder.resolve(), base=folder)}"


@pytest.mark.parametrize(("given", "removed"), [
    ("<b>bold</b> and `<script>` in code and \\(<i>\\)", []),  # code and math are not HTML
    ("<script>x()</script>", ["<script>"]),
    ('<img src="pic.png" onerror="x()">', ['<img onerror="x()">']),
    ('<img src="https://example.org/t.png">', ['<img src="https://example.org/t.png">']),
    ('<a href="javascript:alert(1)">x</a>', ['<a href="javascript:alert(1)">']),
    ('<span style="color: red; display: none" class="k cloze">x</span>',
     ['<span style="display: none">', '<span class="cloze">']),
    ('<div style="background: url(https://example.org/a-very-long-address/x.png)">x</div>',
     ['<div style="background: url(https://example.org/a-v…">']),
    ("<iframe></iframe><iframe></iframe>", ["<iframe>"]),
])
def test_check_is_told_what_sanitising_removes(given: str, removed: list[str]) -> None:
    assert removed_by_sanitising(author_html(given)) == removed


HTML_SOURCE = SMALL_SOURCE.replace("tags: [testing]", "tags: [testing]\nallow_html: true").replace(
    "answer: Answers.", "answer: '<b>Answers</b><img src=\"https://evil.example/t.png\" onerror=\"x()\">'"
)


def answer_in_package(apkg: Path, tmp_path: Path) -> str:
    with zipfile.ZipFile(apkg) as archive:
        (tmp_path / "c.anki2").write_bytes(archive.read("collection.anki2"))
    connection = sqlite3.connect(tmp_path / "c.anki2")
    try:
        fields = [row[0] for row in connection.execute("select flds from notes where flds like 'What is the first%'")]
    finally:
        connection.close()
    return str(fields[0].split("\x1f")[1])


def test_build_sanitises_unless_told_otherwise_on_the_command_line(project: Path, tmp_path: Path) -> None:
    (project / "cardsrc" / "small.yaml").write_text(HTML_SOURCE, encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(cli, ["build"])
    assert (first.exit_code, first.stdout) == (0, "Built dist/small-1.0.0.apkg: 6 notes, 7 cards (version 1.0.0)\n")
    assert answer_in_package(project / "dist/small-1.0.0.apkg", tmp_path) == "<b>Answers</b><img>"
    raw = runner.invoke(cli, ["build", "--unsafe-html"])  # not "Unchanged": the last build was sanitised
    assert (raw.exit_code, raw.stdout) == (0, "Built dist/small-1.0.1.apkg: 6 notes, 7 cards (version 1.0.1)\n")
    assert answer_in_package(project / "dist/small-1.0.1.apkg", tmp_path) == (
        '<b>Answers</b><img src="https://evil.example/t.png" onerror="x()">'
    )
    again = runner.invoke(cli, ["build"])  # nor is a sanitised build taken from the raw one's cache
    assert (again.exit_code, again.stdout) == (0, "Built dist/small-1.0.2.apkg: 6 notes, 7 cards (version 1.0.2)\n")
    assert answer_in_package(project / "dist/small-1.0.2.apkg", tmp_path) == "<b>Answers</b><img>"
    assert runner.invoke(cli, ["diff"]).stdout == "small: no changes (version 1.0.2)\n"
    diff = runner.invoke(cli, ["diff", "--unsafe-html"])
    assert diff.stdout == "small: 1.0.2 -> 1.0.3, patch\n  ~ quiz-one: Answer\n"


def test_no_source_can_switch_off_sanitising(project: Path) -> None:
    (project / "cardsrc" / "small.yaml").write_text(HTML_SOURCE.replace("allow_html: true", "unsafe_html: true"))
    result = CliRunner().invoke(cli, ["build"])
    assert (result.exit_code, result.stderr) == (
        1, "Error: cardsrc/small.yaml:6: unknown key 'unsafe_html' in the deck: allowed keys: title, slug, deck, "
           "version, description, tags, source, allow_html, additions, tts, lint, note_types, notes\n"
    )


@pytest.mark.parametrize(("args", "answer"), [
    ([], "<b>Answers</b><img>"),
    (["--unsafe-html"], '<b>Answers</b><img src="https://evil.example/t.png" onerror="x()">'),
])
def test_drafts_and_watch_sanitise_the_same_way(project: Path, tmp_path: Path, args: list[str], answer: str) -> None:
    (project / "cardsrc" / "small.yaml").write_text(HTML_SOURCE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--draft", *args])
    assert (result.exit_code, result.stderr) == (0, "")
    assert answer_in_package(project / "dist/small-draft.apkg", tmp_path) == answer
