"""Hostile content is inert: a shared source cannot run script, restyle cards or reach outside.

Every field (and the deck's description and source line) gets HTML, script,
``javascript:`` links, a ``<style>`` that would hide the card, and Anki
template syntax. The deck is built, imported into a real Anki collection, and
what Anki's renderer produces must hold none of it as markup while showing
all of it as text; headless Chromium then shows each card and no script may
run. Media paths stay inside the source's folder, and packed media names can
never collide with Anki's own entries.
"""

from __future__ import annotations

import html
import json
import os
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from builder.build import build_deck
from builder.cli import cli
from builder.htmlsafe import TAGS
from tests.ankitools import import_apkg, open_collection, visible_text
from tests.browser import CHROMIUM, CardBrowser
from tests.helpers.images import write_png

pytest_plugins = ("tests.browser",)

PAYLOADS = {
    "script": "<script>window.__pwned = 1</script>",
    "img-onerror": '<img src=x onerror="window.__pwned = 1">',
    "svg-onload": '<svg onload="window.__pwned = 1"><circle r="9"/></svg>',
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "style-hides-the-card": "<style>.card, .card-body { display: none !important }</style>",
    "markdown-js-link": "[click me](javascript:window.__pwned=1)",
    "html-js-link": '<a href="javascript:window.__pwned=1">click</a>',
    "js-autolink": "<javascript:window.__pwned=1>",
    "entity-js-link": "[x](&#106;avascript:window.__pwned=1)",
    "data-link": "[x](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+)",
    "markdown-js-image": "![x](javascript:window.__pwned=1)",
    "attribute-breakout": '" onmouseover="window.__pwned=1" x="',
    "front-side": "{{FrontSide}}",
    "field-references": "{{Text}} {{Question}} {{Answer}} {{Source}} {{Tags}}",
    "cloze-filter": "{{cloze:Text}} {{text:Answer}}",
    "conditional": "{{#Extra}}shown{{/Extra}}{{^Extra}}hidden{{/Extra}}",
    "tts": "{{tts en_US:Answer}}",
    "comment-hiding": "<!-- the rest is hidden",
}
ALLOWED_TAGS = {"div", "hr", "a", "span", "p", "b"}
SHOWN_AS = {"data-link": "x"}
"""Payloads shown other than verbatim: a link to anything but the web keeps only its text."""


def hostile_deck() -> dict[str, Any]:
    notes: list[dict[str, str]] = []
    for name, payload in PAYLOADS.items():
        notes.append({"id": f"quiz-{name}", "kind": "quiz", "question": f"Q {name}: {payload}",
                      "answer": f"A {name}: {payload}", "extra": f"E {name}: {payload}"})
        deleted = "answer" if "}}" in payload else payload
        notes.append({"id": f"cloze-{name}", "kind": "learning",
                      "text": f"T {name}: {payload} is {{{{c1::{deleted}}}}}", "extra": f"E {name}: {payload}"})
    return {
        "title": f"Deck {PAYLOADS['script']}",
        "slug": "hostile",
        "deck": "Hostile",
        "description": f"D {PAYLOADS['img-onerror']} {PAYLOADS['markdown-js-link']}",
        "source": {"title": f"S {PAYLOADS['script']}", "author": PAYLOADS["img-onerror"], "date": "2025-01-31",
                   "url": 'https://example.org/"onmouseover="window.__pwned=1'},
        "notes": notes,
    }


class Markup(HTMLParser):
    """Elements and attributes as a browser's parser sees them."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []
        self.comments: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(name, value or "") for name, value in attrs]

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def inert_problems(rendered: str) -> list[str]:
    markup = Markup(rendered)
    problems = [f"element <{tag}>" for tag in sorted(markup.tags - ALLOWED_TAGS)]
    problems += [f"attribute {name}" for name, _ in markup.attributes if name.lower().startswith("on")]
    problems += [f"link {value}" for name, value in markup.attributes
                 if name in ("href", "src") and not value.startswith("https://example.org/")]
    problems += [f"comment {text!r}" for text in markup.comments]
    return problems


@dataclass(frozen=True)
class Side:
    note: str
    side: str
    html: str
    css: str


def render_in_anki(
    folder: Path, deck: dict[str, Any], *, unsafe_html: bool = False
) -> tuple[list[Side], dict[str, str]]:
    """Every side of every card as Anki renders it, and every deck's description."""
    source = folder / "hostile.yaml"
    source.write_text(yaml.safe_dump(deck, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = build_deck(source, folder / "dist", now=1700000000, unsafe_html=unsafe_html)
    col = open_collection(folder / "collection.anki2")
    try:
        log = import_apkg(col, result.apkg)
        assert len(log.new) == len(deck["notes"])
        sides = []
        for note_id in col.find_notes(""):
            note = col.get_note(note_id)
            name = next(tag for tag in note.tags if tag in ("quiz", "learning"))
            for card in note.cards():
                output = card.render_output()
                label = f"{name}:{note.fields[0][:40]}"
                sides += [Side(label, "question", output.question_text, output.css),
                          Side(label, "answer", output.answer_text, output.css)]
        descriptions = {deck.name: col.decks.get(deck.id)["desc"] for deck in col.decks.all_names_and_ids()}
        return sides, descriptions
    finally:
        col.close()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Side], dict[str, str]]:
    return render_in_anki(tmp_path_factory.mktemp("hostile"), hostile_deck())


def test_no_field_content_becomes_markup(rendered: tuple[list[Side], dict[str, str]]) -> None:
    sides, descriptions = rendered
    problems = [(side.note, side.side, inert_problems(side.html)) for side in sides]
    problems += [(deck, "description", inert_problems(text)) for deck, text in descriptions.items()]
    assert [problem for problem in problems if problem[2]] == []


@pytest.mark.parametrize("name", PAYLOADS)
def test_every_payload_is_shown_as_text(name: str, rendered: tuple[list[Side], dict[str, str]]) -> None:
    sides, _ = rendered
    shown = SHOWN_AS.get(name) or " ".join(html.unescape(PAYLOADS[name]).split())
    answers = [visible_text(side.html) for side in sides if side.side == "answer"]
    for prefix in ("Q", "A", "E", "T"):
        assert any(f"{prefix} {name}: {shown}" in text for text in answers), (prefix, shown)


def test_deck_details_are_shown_as_text(rendered: tuple[list[Side], dict[str, str]]) -> None:
    _, descriptions = rendered
    text = visible_text(descriptions["Hostile"])
    assert "Deck <script>window.__pwned = 1</script>" in text
    assert f"D {PAYLOADS['img-onerror']} {PAYLOADS['markdown-js-link']}" in text
    sides, _ = rendered
    source_line = visible_text(sides[-1].html)
    assert 'S <script>window.__pwned = 1</script> · <img src=x onerror="window.__pwned = 1"> · 2025-01-31' in (
        source_line
    )


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                    reason=f"{CHROMIUM} is not installed (run .ci/install-browser); under CI this fails instead")
def test_no_script_runs_in_a_browser(card_browser: CardBrowser, rendered: tuple[list[Side], dict[str, str]],
                                     tmp_path: Path) -> None:
    sides, _ = rendered
    for side in sides:
        seen = card_browser.render(side.html, side.css, base_dir=tmp_path)
        assert not seen.script_ran and seen.script_markers == 0, (side.note, side.side, seen)
        assert seen.requests == [] and seen.resource_hints == 0, (side.note, side.side, seen.requests)
        assert side.note.split(":", 1)[1][:1] in seen.text  # the card is shown, not hidden by a <style>
        assert visible_text(side.html)[:20] in " ".join(seen.text.split())


# --- allow_html: true: the author's HTML is kept, sanitised ---------------------------------
@pytest.fixture(scope="module")
def sanitised(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Side]]:
    """The same deck with ``allow_html: true`` (its ``<img src=x>`` pointing at a real x.png beside it)."""
    folder = tmp_path_factory.mktemp("sanitised")
    write_png(folder / "x.png", 2, 2)
    deck = json.loads(json.dumps({**hostile_deck(), "allow_html": True}).replace("src=x ", "src=x.png "))
    sides, _ = render_in_anki(folder, deck)
    return folder / "collection.media", sides


def sanitised_problems(rendered: str) -> list[str]:
    markup = Markup(rendered)
    problems = [f"element <{tag}>" for tag in sorted(markup.tags - ALLOWED_TAGS - TAGS)]
    problems += [f"attribute {name}" for name, _ in markup.attributes
                 if name.lower().startswith("on") or name in ("srcset", "background", "action", "formaction")]
    problems += [f"link {value}" for name, value in markup.attributes
                 if name == "href" and not value.startswith(("https://", "http://", "mailto:"))]
    problems += [f"image {value}" for name, value in markup.attributes
                 if name == "src" and not re.fullmatch(r"b-[0-9a-f]{16}\.png", value)]
    problems += [f"style {value}" for name, value in markup.attributes
                 if name == "style" and re.search(r"url|image|expression|display|position", value, re.I)]
    problems += [f"comment {text!r}" for text in markup.comments]
    return problems


def test_sanitised_html_holds_nothing_that_runs_or_loads(sanitised: tuple[Path, list[Side]]) -> None:
    _, sides = sanitised
    assert [(side.note, side.side, sanitised_problems(side.html)) for side in sides
            if sanitised_problems(side.html)] == []


def test_sanitised_html_keeps_formatting_images_and_link_text(sanitised: tuple[Path, list[Side]]) -> None:
    _, sides = sanitised
    answers = " ".join(side.html for side in sides if side.side == "answer")
    assert re.search(r'A img-onerror: <img src="b-[0-9a-f]{16}\.png">', answers)  # the handler is gone
    assert "A html-js-link: <a>click</a>" in answers
    assert "A svg-onload: " in answers and "<circle" not in answers
    assert "{{FrontSide}}" in visible_text(answers)  # template syntax is still just text


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                    reason=f"{CHROMIUM} is not installed (run .ci/install-browser); under CI this fails instead")
def test_no_script_runs_in_a_browser_with_allow_html(card_browser: CardBrowser,
                                                      sanitised: tuple[Path, list[Side]]) -> None:
    media, sides = sanitised
    for side in sides:
        seen = card_browser.render(side.html, side.css, base_dir=media)
        assert not seen.script_ran and seen.script_markers == 0, (side.note, side.side, seen)
        assert seen.requests == [] and seen.resource_hints == 0, (side.note, side.side, seen.requests)
        assert side.note.split(":", 1)[1][:1] in seen.text  # shown, not hidden by a <style>


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                    reason=f"{CHROMIUM} is not installed (run .ci/install-browser); under CI this fails instead")
def test_only_the_command_line_flag_lets_a_script_run(card_browser: CardBrowser, tmp_path: Path) -> None:
    """The control: the same check does see a script, once ``--unsafe-html`` let it through."""
    deck = {**hostile_deck(), "allow_html": True}
    deck["notes"] = [note for note in deck["notes"] if note["id"] in ("quiz-script", "quiz-img-onerror")]
    sides, _ = render_in_anki(tmp_path, deck, unsafe_html=True)
    answers = [side for side in sides if side.side == "answer"]
    assert [card_browser.render(side.html, side.css, base_dir=tmp_path).pwned for side in answers] == [True, True]


# --- media -----------------------------------------------------------------------------------
@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cardsrc").mkdir()
    return tmp_path


def deck_with_answer(answer: str) -> str:
    return yaml.safe_dump({
        "title": "Media", "slug": "media", "deck": "Media",
        "source": {"title": "T", "author": "A", "date": "2025-01-31", "url": "https://example.org/"},
        "notes": [{"id": "q", "kind": "quiz", "question": "Which image?", "answer": answer}],
    }, sort_keys=False)


ESCAPES = [
    ("parent", "../secret.png", "image path '../secret.png' goes outside the source's folder {root};"
                                " copy the image into that folder"),
    ("encoded-parent", "%2e%2e/secret.png", "image path '../secret.png' goes outside the source's folder {root};"
                                            " copy the image into that folder"),
    ("down-and-up", "pics/../../secret.png", "image path 'pics/../../secret.png' goes outside the source's "
                                             "folder {root}; copy the image into that folder"),
    ("absolute", "{outside}", "image path '{outside}' is absolute; give it relative to the source's folder "
                              "cardsrc"),
    ("symlink", "link.png", "image path 'link.png' leads outside the source's folder {root} through a symbolic "
                            "link to {outside}; copy the image into that folder"),
    ("file-url", "file:///etc/hostname", "image 'file:///etc/hostname' is a file: URL, not a file; save the image "
                                         "in the source's folder cardsrc and give its relative path"),
]


@pytest.mark.parametrize(("src", "message"), [case[1:] for case in ESCAPES], ids=[case[0] for case in ESCAPES])
def test_media_cannot_escape_the_source_folder(project: Path, src: str, message: str) -> None:
    outside = project / "secret.png"
    write_png(outside, 2, 2)
    (project / "cardsrc" / "pics").mkdir()
    (project / "cardsrc" / "link.png").symlink_to(outside)
    root = (project / "cardsrc").resolve()
    (project / "cardsrc" / "media.yaml").write_text(deck_with_answer(f"![x]({src.format(outside=outside)})"))
    result = CliRunner().invoke(cli, ["build", "cardsrc/media.yaml"])
    expected = message.format(root=root, outside=outside)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: cardsrc/media.yaml:13: {expected}\n")
    assert not (project / "dist").exists()


ANKI_NAMES = re.compile(r"_.*|collection\.anki2.*|media|\d+|.*[/\\].*")


def test_packed_media_names_cannot_collide_with_ankis_own(project: Path) -> None:
    """Authors' file names are never used inside the package: names are content hashes."""
    folder = project / "cardsrc"
    hostile_names = ["_anki_own.png", "collection.anki2.png", "media.png", "0.png", "1.png", "a/img.png", "b/img.png"]
    for number, name in enumerate(hostile_names):
        (folder / name).parent.mkdir(exist_ok=True)
        write_png(folder / name, number + 1, 1)  # different content each
    (folder / "same.png").write_bytes((folder / "0.png").read_bytes())  # same content as 0.png
    images = " ".join(f"![{n}]({n})" for n in [*hostile_names, "same.png"])
    (folder / "media.yaml").write_text(deck_with_answer(images))
    result = build_deck(folder / "media.yaml", project / "dist", now=1700000000)
    with zipfile.ZipFile(result.apkg) as archive:
        entries = archive.namelist()
        index = json.loads(archive.read("media"))
    assert entries == ["collection.anki2", "media", *map(str, range(len(hostile_names)))]
    assert sorted(index) == sorted(map(str, range(len(hostile_names))))  # 8 files, 7 different contents
    assert all(re.fullmatch(r"b-[0-9a-f]{16}\.png", name) for name in index.values()), index
    assert not any(ANKI_NAMES.fullmatch(name) for name in index.values())
    col = open_collection(project / "collection.anki2")
    try:
        import_apkg(col, result.apkg)
        media_folder = Path(col.media.dir())
        assert sorted(os.listdir(media_folder)) == sorted(index.values())
        answer = col.get_note(col.find_notes("")[0]).cards()[0].render_output().answer_text
        assert sorted(set(re.findall(r'src="([^"]+)"', answer))) == sorted(index.values())
    finally:
        col.close()
