"""Our note types as a phone shows them: genanki deck -> Anki's engine -> headless Chromium.

The HTML measured is what Anki's own renderer makes of the imported package, not
our template strings, so cloze substitution, field HTML and media references are
the real ones. Every card, both sides, three phone widths, light and three ways
of switching night mode: a failing id names card, side, viewport and mode.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import genanki
import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from builder.notetypes import NoteType, builtin_note_types
from builder.style import CSS
from tests.browser import (
    CHROMIUM,
    MODES,
    SCREENSHOT_VIEWPORT,
    VIEWPORTS,
    CardBrowser,
    Measurement,
)
from tests.helpers.images import write_png
from tests.helpers.phone_checks import image_problems, phone_problems, render_side

pytest_plugins = ("tests.browser",)
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason=f"{CHROMIUM} is not installed (run .ci/install-browser); under CI this fails instead",
)

IMAGE = "stress-3000x2000.png"
IMAGE_SIZE = (3000, 2000)
LONG_WORD = ("Donaudampfschifffahrtsgesellschaftskapitaenswitwe" * 7)[:300]
LONG_URL = "https://example.org/" + "/".join(f"segment-{i:02d}" for i in range(24)) + "?q=" + "z" * 40
RTL = "مرحبا بالعالم، هذه جملة عربية طويلة لاختبار الالتفاف. שלום עולם, זהו משפט ארוך בעברית."
CODE_LINE = ("total = compute(" + ", ".join(f"arg_{i}" for i in range(60)))[:299] + ")"
TABLE = (
    "<table><tr>"
    + "".join(f"<th>Heading {i}</th>" for i in range(1, 13))
    + "</tr>"
    + "".join("<tr>" + "".join(f"<td>cell {r}.{c} value</td>" for c in range(1, 13)) + "</tr>" for r in range(1, 4))
    + "</table>"
)
CARDS = ("cloze", "qa", "stress-qa", "stress-cloze", "reverse-card1", "reverse-card2", "type-in")
SIDES = ("question", "answer")
IMAGES_SHOWN = {("stress-qa", "answer"): 1, ("stress-cloze", "question"): 1, ("stress-cloze", "answer"): 1}
WIDE_BOXES = set(IMAGES_SHOWN)  # the sides that carry the wide table or pre


TYPED_BOX = '<input type="text" id="typeans">'
"""What Anki's reviewer puts where a type-in card says ``[[type:Answer]]`` on the question side..."""
TYPED_COMPARISON = '<code id="typeans"><span class="typeGood">C++</span></code>'
"""...and on the answer side, once the learner typed the answer right."""


def _notes(cloze: genanki.Model, qa: genanki.Model, reverse: genanki.Model, typed: genanki.Model) -> list[genanki.Note]:
    link = f'<a href="{LONG_URL}">{LONG_URL}</a>'
    pre = f"<pre><code>{CODE_LINE}</code></pre>"
    img = f'<img src="{IMAGE}">'

    def note(model: genanki.Model, label: str, *fields: str) -> genanki.Note:
        return genanki.Note(model=model, fields=list(fields), tags=[label], guid=label)

    return [
        note(
            cloze,
            "cloze",
            "The capital of France is {{c1::Paris}}.",
            "Since 987.",
            '<a href="https://en.wikipedia.org/wiki/Paris">Wikipedia: Paris</a>',
        ),
        note(
            qa,
            "qa",
            "What does <code>len([])</code> return?",
            "<code>0</code>: an empty list has no items.",
            'See <a href="https://docs.python.org/3/library/functions.html#len">len()</a>.',
            "Python documentation",
        ),
        note(
            qa,
            "stress-qa",
            f"<p>{LONG_WORD}</p><p>{RTL}</p><p>{link}</p>",
            f"{TABLE}{pre}{img}",
            f"Inline <code>{CODE_LINE[:120]}</code>",
            LONG_URL,
        ),
        note(cloze, "stress-cloze", f"{{{{c1::{LONG_WORD}}}}} — {RTL}<br>{img}{pre}", TABLE, link),
        note(reverse, "reverse", "Which service serves the models?", "Scorpion", "Written in C++.", "Source"),
        note(typed, "type-in", "Which language is Scorpion written in?", "C++", "Since 2015.", "Source"),
    ]


@dataclass(frozen=True)
class Rendered:
    """One card as Anki's engine rendered it."""

    question: str
    answer: str
    css: str
    ord: int


@dataclass(frozen=True)
class Deck:
    cards: dict[str, Rendered]
    media_dir: Path


def _model(model_id: int, name: str, note_type: NoteType, model_type: int) -> genanki.Model:
    templates = [{"name": item.name, "qfmt": item.front, "afmt": item.back} for item in note_type.templates]
    return genanki.Model(model_id, name, fields=[{"name": f} for f in note_type.fields], templates=templates,
                         css=note_type.css, model_type=model_type)


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deck]:
    """Build, import and render the test deck once; the collection stays open for its media."""
    tmp = tmp_path_factory.mktemp("deck")
    write_png(tmp / IMAGE, *IMAGE_SIZE)
    types = builtin_note_types("browser-test")
    cloze_model = _model(1_700_000_001, "Builder Cloze", types["cloze"], genanki.Model.CLOZE)
    qa_model = _model(1_700_000_002, "Builder Recall", types["qa"], genanki.Model.FRONT_BACK)
    reverse_model = _model(1_700_000_004, "Builder Reverse", types["reverse"], genanki.Model.FRONT_BACK)
    typed_model = _model(1_700_000_005, "Builder Type-in", types["type-in"], genanki.Model.FRONT_BACK)
    genanki_deck = genanki.Deck(1_700_000_003, "Builder::Browser test")
    for n in _notes(cloze_model, qa_model, reverse_model, typed_model):
        genanki_deck.add_note(n)
    package = genanki.Package(genanki_deck, media_files=[str(tmp / IMAGE)])
    package.write_to_file(str(tmp / "deck.apkg"))

    col = Collection(str(tmp / "c.anki2"))
    try:
        col.import_anki_package(
            ImportAnkiPackageRequest(package_path=str(tmp / "deck.apkg"), options=ImportAnkiPackageOptions())
        )
        cards: dict[str, Rendered] = {}
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            out = card.render_output()
            (label,) = card.note().tags
            if len(card.note().cards()) > 1:
                label = f"{label}-card{card.ord + 1}"
            question = out.question_text.replace("[[type:Answer]]", TYPED_BOX)
            answer = out.answer_text.replace("[[type:Answer]]", TYPED_COMPARISON)
            cards[label] = Rendered(question, answer, out.css, card.ord)
        assert sorted(cards) == sorted(CARDS)
        assert (Path(col.media.dir()) / IMAGE).is_file()
        yield Deck(cards, Path(col.media.dir()))
    finally:
        col.close()


def problems(card: str, side: str, m: Measurement) -> list[str]:
    """Everything wrong with one rendered side, so a failure lists all of it at once."""
    out = phone_problems(m, side, cloze=card.endswith("cloze"))
    out += image_problems(m, IMAGES_SHOWN.get((card, side), 0), IMAGE_SIZE)
    if (card, side) in WIDE_BOXES and not any(b["scroll_width"] > b["client_width"] for b in m.scrollers):
        out.append(f"stress content should scroll inside its own box: {m.scrollers}")
    return out


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("card", CARDS)
def test_card_on_phone(card_browser: CardBrowser, deck: Deck, card: str, side: str, viewport: str, mode: str) -> None:
    m = render_side(card_browser, deck.cards[card], side, viewport=viewport, mode=mode, base_dir=deck.media_dir)
    found = problems(card, side, m)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("mode", ["light", "night-ankidroid"])
@pytest.mark.parametrize("card", CARDS)
def test_answer_screenshot(card_browser: CardBrowser, deck: Deck, card: str, mode: str, tmp_path: Path) -> None:
    """Full-page PNGs at 390x844 for people to look at; CARD_SCREENSHOT_DIR keeps them."""
    out_dir = Path(os.environ.get("CARD_SCREENSHOT_DIR") or tmp_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    shot = out_dir / f"{card}-answer-{mode}.png"
    r = deck.cards[card]
    m = card_browser.render(
        r.answer,
        r.css,
        viewport=SCREENSHOT_VIEWPORT,
        mode=mode,
        card_ord=r.ord + 1,
        base_dir=deck.media_dir,
        screenshot=shot,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    found = problems(card, "answer", m)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("mode", ["light", "night-ankidroid"])
def test_every_colour_role_is_measured(card_browser: CardBrowser, deck: Deck, mode: str) -> None:
    """Contrast checks only count if cloze, link, code, Extra and Source text were really seen."""
    roles: set[str] = set()
    for r in deck.cards.values():
        m = card_browser.render(r.answer, r.css, mode=mode, card_ord=r.ord + 1, base_dir=deck.media_dir)
        roles |= {c.role for c in m.contrasts}
    assert roles == {"text", "cloze", "link", "code", "extra", "source"}


def test_harness_sees_scripts_requests_overflow_and_low_contrast(card_browser: CardBrowser, tmp_path: Path) -> None:
    """The checks above are only worth something if the harness notices the bad cases."""
    hostile = (
        '<div style="width:2000px">wide</div><p style="color:#777">grey</p>'
        '<img src="http://example.invalid/t.png"><img src="/etc/hostname">'
        "<style>@import url(https://example.invalid/x.css);</style>"
        '<script>window.__pwned = 1; console.log("ran")</script><img src="x" onerror="alert(1)">'
    )
    m = card_browser.render(hostile, CSS, base_dir=tmp_path)
    assert m.overflows and m.offenders
    assert m.pwned and m.console and m.dialogs and m.script_markers >= 2
    for url in ("example.invalid/t.png", "example.invalid/x.css", "file:///etc/hostname"):
        assert any(url in r for r in m.requests), (url, m.requests)
    assert any(c.fg == "#777777" for c in m.low_contrast())
    clean = card_browser.render("<p>ok</p>", CSS, base_dir=tmp_path)
    assert not (clean.script_ran or clean.requests or clean.overflows or clean.low_contrast())
    assert not any(tmp_path.iterdir()), "harness left files next to the media"


def test_css_and_templates_load_nothing_and_declare_night_mode() -> None:
    """No external resources; AnkiDroid only skips its colour inversion if both classes appear."""
    assert "@import" not in CSS
    assert not re.search(r"url\(\s*['\"]?(?!data:)", CSS)
    assert re.search(r"\.night_mode\b", CSS) and re.search(r"\.nightMode\b", CSS)
    for note_type in builtin_note_types("browser-test", "en_US").values():
        for template in note_type.templates:
            for text in (template.front, template.back):
                assert "<script" not in text and "http" not in text and "<link" not in text
