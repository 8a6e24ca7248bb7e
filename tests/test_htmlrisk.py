"""The allowlist detector of scripts and remote loads (builder.htmlrisk): bypasses of the old blocklist, and
benign HTML it must leave alone. Each bypass was confirmed by a reviewer to load or run in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.build import build_deck
from builder.declared import TemplateSpec, TypeSpec, declared_type, template_risks
from builder.htmlrisk import html_risks, shown_media, stylesheet_risks
from builder.notetypes import NoteType, builtin_note_types
from tests.conftest import SHIPPED_SOURCE

BYPASSES = [
    ('<img src="\\\\evil.example\\x.png">', "a remote load"),
    ('<img src=" //evil.example/x.png">', "a remote load"),
    ('<img src="https:\\\\evil.example\\x.png">', "a remote load"),
    ('<div style="background:u\\72l(https://evil.example/x.png)">x</div>', "a remote load"),
    ("<div style=\"background-image:image-set('https://evil.example/x.png' 1x)\">x</div>", "a remote load"),
    ('<svg><image href="https://evil.example/x.png"/></svg>', "a remote load"),
    ('<table background="https://evil.example/x.png"><tr><td>x</td></tr></table>', "a remote load"),
    ('<style>@import"https://evil.example/x.css";</style>', "a remote load"),
    ('<a href="x" ping="https://evil.example/p">x</a>', "a remote load"),
    ('<a href="jav&#9;ascript:alert(1)">x</a>', "a script"),
    ('<img src="&#32;//evil.example/x.png">', "a remote load"),
    ('<img srcset="a.png 1x, //evil.example/x.png 2x">', "a remote load"),
    ('<svg><use href="https://evil.example/s.svg#a"/></svg>', "a remote load"),
    ('<svg href="https://evil.example/x"></svg>', "a remote load"),
    ('<a href="//evil.example/x">x</a>', "a remote load"),
    ('<a href="\\\\evil.example\\x">x</a>', "a remote load"),
    ('<a href="file:///etc/passwd">x</a>', "a remote load"),
    ('<video poster="https://evil.example/p.png"></video>', "a remote load"),
    ('<object data="x.swf"></object>', "a script"),
    ('<span style="color:red;width:expression(alert(1))">x</span>', "a script"),
    ('<!--><img src=" //evil.example/x.png">-->', "a remote load"),  # a browser ends <!--> at once
    ('<img src=" //evil.example/x.png"', "markup builder does not know to be safe (an unfinished tag)"),
    ("<blink>x</blink>", "markup builder does not know to be safe (<blink>)"),
    ('<span formtarget="x">x</span>', "markup builder does not know to be safe (the attribute 'formtarget' of <span>)"),
]


@pytest.mark.parametrize(("html_text", "risk"), BYPASSES)
def test_each_bypass_is_flagged_in_a_raw_field(html_text: str, risk: str) -> None:
    assert risk in html_risks(html_text)


@pytest.mark.parametrize(("html_text", "risk"), BYPASSES)
def test_each_bypass_is_flagged_in_a_template(html_text: str, risk: str) -> None:
    for front, back in ((f"{{{{Front}}}}{html_text}", "{{Back}}"), ("{{Front}}", f"{{{{FrontSide}}}}{html_text}"
                                                                          "{{Back}}")):
        side = "front" if html_text in front else "back"
        assert f"{risk} in the {side} of template 'Card 1'" in template_risks(_declared(front, back))


def test_the_reviewers_template_back_is_flagged() -> None:
    made = _declared("{{Front}}", '{{FrontSide}}<img src=" //evil.example/t.png">{{Back}}')
    assert template_risks(made) == ["a remote load in the back of template 'Card 1'"]


@pytest.mark.parametrize(("css", "risks"), [
    ('@import"https://evil.example/x.css";', ["a remote load in its CSS"]),
    (".card { background: image-set('https://evil.example/x.png' 1x); }", ["a remote load in its CSS"]),
    (".card { background: url( //evil.example/x.png); }", ["a remote load in its CSS"]),
    (".card { background: url(_local.png); }", []),
    (".card { width: expression(alert(1)); }", ["markup or a script in its CSS"]),
])
def test_note_type_css(css: str, risks: list[str]) -> None:
    assert stylesheet_risks(css) == risks


BENIGN = [
    "<b>bold</b> <i>italic</i> <u>under</u> <s>gone</s> <sub>2</sub><sup>3</sup><br><hr>",
    "<p>Para</p><ul><li>one</li></ul><ol start=2><li>two</li></ol><blockquote>q</blockquote><pre><code>x</code></pre>",
    '<table border="1"><thead><tr><th colspan="2">h</th></tr></thead><tbody><tr><td rowspan=2>a</td></tr></tbody>'
    "</table>",
    '<img src="cat.png" alt="a cat" width="200">',
    '<img src="_local image.jpg">',
    '<audio controls src="word.mp3"></audio>[sound:word.mp3]',
    '<a href="https://example.org/page?x=1#y">link</a> <a href="http://example.org">plain</a> <a href="#top">top</a>',
    '<span style="color: #c00; font-weight: bold">red</span><div style="text-align:center">c</div>',
    '<font color="blue" face="Arial">old</font><ruby>漢<rt>kan</rt></ruby><mark>m</mark><kbd>k</kbd>',
    '<div class="note" id="x" data-kind="q" aria-label="q" title="t" lang="fr" dir="ltr">x</div>',
    "<style>.card { color: black; background: url(_bg.png); }</style>",
    "2 < 3 and 5 > 4 &amp; done",
    '<img src="{{Back}}">',  # a field in a src is what a template does
]


@pytest.mark.parametrize("html_text", BENIGN)
def test_benign_html_is_not_flagged(html_text: str) -> None:
    assert html_risks(html_text) == []
    assert template_risks(_declared(f"{{{{Front}}}}{html_text}", "{{Back}}")) == []


@pytest.mark.parametrize(("front", "back", "css"), [  # Anki's own stock Basic and Cloze (Anki 24.x)
    ("{{Front}}", "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}",
     ".card {\n    font-family: arial;\n    font-size: 20px;\n    text-align: center;\n    color: black;\n"
     "    background-color: white;\n}\n"),
    ("{{cloze:Front}}", "{{cloze:Front}}<br>\n{{Back}}",
     ".card {\n    font-family: arial;\n    font-size: 20px;\n    text-align: center;\n    color: black;\n"
     "    background-color: white;\n}\n.cloze {\n    font-weight: bold;\n    color: blue;\n}\n"
     ".nightMode .cloze {\n    color: lightblue;\n}\n"),
])
def test_ankis_own_templates_and_css_are_not_flagged(front: str, back: str, css: str) -> None:
    made, problems = declared_type(_spec(front, back, css, cloze="cloze:" in front), "deck")
    assert not problems and made is not None and template_risks(made) == []


def test_builders_own_note_types_are_not_flagged() -> None:
    for note_type in builtin_note_types("pinterest-ai-platform", "fr_FR").values():
        assert template_risks(note_type) == [], note_type.key


def test_the_shipped_deck_has_nothing_flagged(tmp_path: Path) -> None:
    source = tmp_path / SHIPPED_SOURCE.name
    source.write_bytes(SHIPPED_SOURCE.read_bytes())
    result = build_deck(source, tmp_path / "dist")
    fields = [text for packaged in result.plan.notes for text in packaged.note.fields]
    assert fields and [text for text in fields if html_risks(text)] == []


def _spec(front: str, back: str, css: str | None = None, *, cloze: bool = False) -> TypeSpec:
    return TypeSpec(key=("basic", 5), name=("Basic", 6), fields=(("Front", 10), ("Back", 11)),
                    templates=(TemplateSpec(("Card 1", 20), (front, 21), (back, 22)),), cloze=cloze,
                    css=None if css is None else (css, 30))


def _declared(front: str, back: str) -> NoteType:
    made, problems = declared_type(_spec(front, back), "deck")
    assert made is not None, problems
    return made


@pytest.mark.parametrize(("html_text", "shown"), [
    ('<img src="pic.png">', ["pic.png"]),
    ('<img src="my%20pic.png"><img src="my pic.png">', ["my pic.png"]),
    ('<img src="a&amp;b.png">', ["a&b.png"]),
    ("[sound:hello.mp3] <audio src='x.ogg'></audio>", ["hello.mp3", "x.ogg"]),
    ('<img src="https://example.org/x.png"><img src="//host/x.png"><img src="data:image/png;base64,AA">', []),
    ('<img src="">', []),
    ("<IMG SRC=pic.png>", ["pic.png"]),
], ids=["img", "percent", "entity", "sound-audio", "remote", "empty", "upper-case"])
def test_shown_media_is_what_anki_looks_up_in_its_media_folder(html_text: str, shown: list[str]) -> None:
    assert shown_media(html_text) == shown
