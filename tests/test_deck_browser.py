"""Every card of the shipped deck, and stress cards written as sources, on phone screens in Chromium.

Unlike tests/test_templates_browser.py (hand-made field HTML), everything here
goes through builder: ``build_deck`` renders the Markdown, packs the images and
writes the .apkg, Anki's engine imports and renders it, and the harness measures
each side at three phone sizes in light and night mode. One test per note keeps
the browser busy (all its cards, sides, sizes and modes in one go) and still
names the note that fails; each message names card, side, size and mode.
"""

from __future__ import annotations

import html
import re
import shutil
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from pygments.token import STANDARD_TYPES  # type: ignore[import-untyped]

from builder.build import build_deck
from builder.layout import lock_path
from builder.lockread import read_lock
from builder.source import load_deck
from tests.ankitools import import_apkg, note_by_guid, open_collection
from tests.browser import VIEWPORTS, CardBrowser
from tests.conftest import SHIPPED_SOURCE, write_source
from tests.helpers.images import write_png
from tests.helpers.phone_checks import image_problems, phone_problems, render_side

pytest_plugins = ("tests.browser",)
pytestmark = pytest.mark.browser

SIDES = ("question", "answer")
MODES = ("light", "night-ankidroid")
BIG_IMAGE = (3000, 2000)
LONG_WORD = ("Donaudampfschifffahrtsgesellschaftskapitaenswitwe" * 7)[:300]
LONG_URL = "https://example.org/" + "/".join(f"segment-{i:02d}" for i in range(24)) + "?q=" + "z" * 40
RTL = "مرحبا بالعالم، هذه جملة عربية طويلة لاختبار الالتفاف. שלום עולם, זהו משפט ארוך בעברית."
CODE_LINE = ("total = compute(" + ", ".join(f"arg_{i}" for i in range(60)))[:299] + ")"
TABLE = "\n".join(
    ["| " + " | ".join(f"Heading {c}" for c in range(1, 13)) + " |", "|" + " --- |" * 12]
    + ["| " + " | ".join(f"cell {r}.{c} value" for c in range(1, 13)) + " |" for r in range(1, 4)]
)
PYTHON = f'''\
```python
@dataclass(frozen=True)
class Point:  # a comment
    """A docstring."""
    x: int = 0x1F
    def norm(self, *args: str, **kw: object) -> float:
        return math.sqrt(self.x ** 2) if self.x else -1.5e3
{CODE_LINE}
```'''
SHELL = """\
```sh
export PATH="$HOME/bin:$PATH"  # comment
for f in *.yaml; do builder build "$f" --out dist; done
```"""
JSON = '```json\n{"key": [1, 2.5, true, null, "text"]}\n```'
STRESS_SOURCE = f"""\
title: Stress deck
slug: stress
deck: Stress
source:
  title: Stress
  author: Tester
  date: 2025-01-31
  url: https://example.org/stress
notes:
  - id: stress-qa
    kind: quiz
    question: |
{textwrap.indent(f"{LONG_WORD}{chr(10) * 2}{RTL}{chr(10) * 2}<{LONG_URL}>", " " * 6)}
    answer: |
{textwrap.indent(f"{TABLE}{chr(10) * 2}{PYTHON}{chr(10) * 2}![big](images/big.png)", " " * 6)}
  - id: stress-cloze
    kind: learning
    text: |
{textwrap.indent(f"{{{{c1::{LONG_WORD}}}}} and {RTL}{chr(10) * 2}![big](images/big.png)", " " * 6)}
    extra: |
{textwrap.indent(f"{TABLE}{chr(10) * 2}{SHELL}{chr(10) * 2}{JSON}{chr(10) * 2}[{LONG_URL}]({LONG_URL})", " " * 6)}
"""
STRESS_IMAGES = {("stress-qa", "answer"): 1, ("stress-cloze", "question"): 1, ("stress-cloze", "answer"): 1}
STRESS_WIDE_BOXES = {("stress-qa", "answer"), ("stress-cloze", "answer")}


@dataclass(frozen=True)
class BuiltCard:
    """One card of a built deck as Anki's engine rendered it."""

    note_id: str
    label: str
    cloze: bool
    ord: int
    question: str
    answer: str
    css: str


@dataclass(frozen=True)
class BuiltDeck:
    cards: tuple[BuiltCard, ...]
    media_dir: Path

    def of_note(self, note_id: str) -> tuple[BuiltCard, ...]:
        return tuple(card for card in self.cards if card.note_id == note_id)


@contextmanager
def built_deck(source: Path, folder: Path) -> Iterator[BuiltDeck]:
    """``build_deck`` into ``folder``, import into a fresh collection and render every card; open while in use."""
    result = build_deck(source, folder / "dist")
    plan = result.plan
    assert plan is not None, "a first build into an empty folder always plans"
    col = open_collection(folder / "phone.anki2")
    try:
        log = import_apkg(col, result.apkg)
        assert len(log.new) == len(plan.notes) and not log.conflicting
        cards = []
        for packaged in plan.notes:
            note = note_by_guid(col, packaged.note.guid)
            note_id, cloze = packaged.note.note_id, packaged.note.note_type.is_cloze
            for card in sorted(note.cards(), key=lambda c: c.ord):
                out = card.render_output()
                label = f"{note_id}-c{card.ord + 1}" if cloze else note_id
                cards.append(BuiltCard(note_id, label, cloze, card.ord, out.question_text, out.answer_text, out.css))
        assert len(cards) == plan.card_count
        yield BuiltDeck(tuple(cards), Path(col.media.dir()))
    finally:
        col.close()


def check_note(browser: CardBrowser, deck: BuiltDeck, note_id: str, viewports: list[str] | None = None) -> list[str]:
    """Every card of one note, both sides, each phone size and mode; returns every problem found."""
    cards = deck.of_note(note_id)
    found = [] if cards else [f"{note_id}: no cards in the built deck"]
    for viewport in viewports or list(VIEWPORTS):  # outermost: resizing the page costs more than a card
        for card in cards:
            for side in SIDES:
                for mode in MODES:
                    m = render_side(browser, card, side, viewport=viewport, mode=mode, base_dir=deck.media_dir)
                    problems = phone_problems(m, side, cloze=card.cloze)
                    problems += image_problems(m, STRESS_IMAGES.get((note_id, side), 0), BIG_IMAGE)
                    if (note_id, side) in STRESS_WIDE_BOXES and not any(
                        box["scroll_width"] > box["client_width"] for box in m.scrollers
                    ):
                        problems.append(f"wide content should scroll inside its own box: {m.scrollers}")
                    found += [f"{card.label} {side} {viewport} {mode}: {problem}" for problem in problems]
    return found


def _shipped_note_ids() -> list[str]:
    """Notes of the source, then notes only the lock still knows (retired ones are still on phones)."""
    deck = load_deck(SHIPPED_SOURCE)
    ids = [note.id for note in deck.notes]
    lock = read_lock(lock_path(SHIPPED_SOURCE, deck.slug))
    return ids + sorted(set(lock.notes) - set(ids)) if lock else ids


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltDeck]:
    folder = tmp_path_factory.mktemp("shipped")
    shutil.copytree(SHIPPED_SOURCE.parent, folder / "cardsrc", ignore=shutil.ignore_patterns(".*"))
    with built_deck(folder / "cardsrc" / SHIPPED_SOURCE.name, folder) as deck:
        yield deck


@pytest.fixture(scope="module")
def stress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltDeck]:
    folder = tmp_path_factory.mktemp("stress")
    source = write_source(folder / "cardsrc", STRESS_SOURCE, "stress.yaml")
    (source.parent / "images").mkdir()
    write_png(source.parent / "images" / "big.png", *BIG_IMAGE)
    with built_deck(source, folder) as deck:
        yield deck


@pytest.mark.parametrize("note_id", _shipped_note_ids())
def test_shipped_note_on_phones(card_browser: CardBrowser, shipped: BuiltDeck, note_id: str) -> None:
    found = check_note(card_browser, shipped, note_id)
    assert not found, "\n".join(found)


def test_every_shipped_card_is_checked(shipped: BuiltDeck) -> None:
    assert {card.note_id for card in shipped.cards} == set(_shipped_note_ids())


@pytest.mark.parametrize("note_id", ["stress-qa", "stress-cloze"])
def test_stress_note_on_phones(card_browser: CardBrowser, stress: BuiltDeck, note_id: str) -> None:
    found = check_note(card_browser, stress, note_id)
    assert not found, "\n".join(found)


def test_stress_cards_hold_what_the_checks_are_about(stress: BuiltDeck) -> None:
    """The checks above prove something only if builder's HTML really carries the hard parts."""
    qa, cloze = stress.of_note("stress-qa")[0], stress.of_note("stress-cloze")[0]
    assert LONG_WORD in qa.question and RTL in qa.question
    assert f'href="{LONG_URL}"' in qa.question and f'href="{LONG_URL}"' in cloze.answer
    for side in (qa.answer, cloze.answer):
        assert side.count("<th>") >= 12 and '<div class="codehilite">' in side
    assert '<span class="k">' in qa.answer and len(CODE_LINE) == 300
    assert CODE_LINE in html.unescape(re.sub(r"<[^>]+>", "", qa.answer)), "the long code line stays one line"
    assert f'data-cloze="{LONG_WORD}"' in cloze.question
    images = sorted(path.name for path in stress.media_dir.iterdir())
    assert len(images) == 1 and images[0].startswith("b-") and images[0] in qa.answer


TOKEN_CLASSES = sorted({name for name in STANDARD_TYPES.values() if name})
TOKEN_SPANS = " ".join(f'<span class="{name}">{name}_token</span>' for name in TOKEN_CLASSES)
CODE_COLOURS_SOURCE = f"""\
title: Code colours
slug: code-colours
deck: Code colours
allow_html: true
source:
  title: Pygments tokens
  author: Tester
  date: 2025-01-31
  url: https://example.org/tokens
notes:
  - id: every-token
    kind: quiz
    question: Can every highlighted token be read?
    answer: >-
      <div class="codehilite"><pre><code>{TOKEN_SPANS}</code></pre></div>
"""


def test_every_code_colour_is_readable(card_browser: CardBrowser, tmp_path: Path) -> None:
    """Each Pygments token class in a code block, light and night: render.py's colours on the code background."""
    source = write_source(tmp_path / "cardsrc", CODE_COLOURS_SOURCE, "code-colours.yaml")
    with built_deck(source, tmp_path) as deck:
        found = check_note(card_browser, deck, "every-token", viewports=["360x740"])
        m = card_browser.render(deck.cards[0].answer, deck.cards[0].css, mode="night-ankidroid",
                                base_dir=deck.media_dir)
        code_colours = {c.fg for c in m.contrasts if c.role == "code"}
        assert len(code_colours) >= 8, f"too few token colours measured: {code_colours}"
        assert not found, "\n".join(found)
