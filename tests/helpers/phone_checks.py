"""What makes a rendered card side broken on a phone, from one ``tests.browser.Measurement``.

Shared by the browser tests of the note types (a synthetic deck) and of the shipped
deck and stress cards (built through builder), so both hold cards to one standard.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

from tests.browser import VIEWPORTS, CardBrowser, Measurement

MIN_FONT_PX = 16.0
MIN_CONTRAST = 4.5  # WCAG AA, normal text
MIN_RULE_CONTRAST = 3.0  # WCAG non-text contrast, for the answer separator
BLANK = re.compile(r"\[.+\]")  # "[...]", or "[hint]" for a deletion with a hint


class RenderedCard(Protocol):
    """A card as Anki's ``render_output()`` gave it; ``ord`` is 0-based."""

    @property
    def question(self) -> str: ...
    @property
    def answer(self) -> str: ...
    @property
    def css(self) -> str: ...
    @property
    def ord(self) -> int: ...


def render_side(
    browser: CardBrowser, card: RenderedCard, side: str, *, viewport: str, mode: str, base_dir: Path
) -> Measurement:
    """Show one side of ``card`` at a named phone size in one mode, with its media folder."""
    return browser.render(
        card.question if side == "question" else card.answer,
        card.css,
        viewport=VIEWPORTS[viewport],
        mode=mode,
        card_ord=card.ord + 1,
        base_dir=base_dir,
    )


def phone_problems(m: Measurement, side: str, *, cloze: bool) -> list[str]:
    """Everything wrong with one rendered side, so a failure lists all of it at once."""
    out: list[str] = []
    if m.overflows:
        out.append(f"page is {m.scroll_width}px wide in a {m.inner_width}px viewport: {m.offenders}")
    if m.body_font_px < MIN_FONT_PX:
        out.append(f"body font {m.body_font_px}px < {MIN_FONT_PX}px")
    out += [f"{c.font_px}px text at {c.where}" for c in m.contrasts if c.font_px < MIN_FONT_PX]
    out += [f"contrast {c.ratio} ({c.role} {c.fg} on {c.bg}) at {c.where}" for c in m.low_contrast(MIN_CONTRAST)]
    if not m.contrasts:
        out.append("no visible text found")
    if m.requests or m.resource_hints:
        out.append(f"network: {m.requests}, {m.resource_hints} resource hint(s)")
    if m.script_ran or m.script_markers:
        out.append(
            f"script: markers={m.script_markers} console={m.console} dialogs={m.dialogs}"
            f" errors={m.page_errors} pwned={m.pwned}"
        )
    if cloze:
        blanks = [text for text in m.cloze_texts if BLANK.fullmatch(text) and text in m.text]
        if side == "question" and not blanks:
            out.append(f"cloze blank not visible; cloze texts {m.cloze_texts}")
        if side == "answer" and (blanks or not m.cloze_texts):
            out.append(f"answer side should reveal the cloze; cloze texts {m.cloze_texts}")
    out += _answer_layout_problems(side, m)
    out += _scroll_box_problems(m)
    return out


def _answer_layout_problems(side: str, m: Measurement) -> list[str]:
    sep = m.separator
    if side == "question":
        return [] if sep is None else ["separator shown on the question side"]
    if sep is None:
        return ["no answer separator (hr#answer)"]
    out = []
    if sep["thickness"] < 1 or sep["contrast"] < MIN_RULE_CONTRAST:
        out.append(f"separator hard to see: {sep}")
    if m.question_bottom is None or m.question_bottom > sep["top"] + 0.5:
        out.append(f"question (bottom {m.question_bottom}) not above separator (top {sep['top']})")
    if not m.question_visible_after_scroll:
        out.append("question scrolled out of view when the reviewer jumps to #answer")
    return out


def _scroll_box_problems(m: Measurement) -> list[str]:
    out = []
    for box in m.scrollers:
        if box["right"] > m.inner_width + 0.5 or box["left"] < -0.5:
            out.append(f"scroll box wider than the screen: {box}")
        if box["scroll_width"] > box["client_width"] and box["overflow_x"] not in ("auto", "scroll"):
            out.append(f"wide content clipped instead of scrolling: {box}")
    return out


def image_problems(m: Measurement, expected: int, natural_size: tuple[int, int]) -> list[str]:
    """``expected`` images, each loaded from the media folder and scaled to the screen width."""
    out = []
    if len(m.images) != expected:
        out.append(f"expected {expected} image(s), got {m.images}")
    ratio = natural_size[1] / natural_size[0]
    for img in m.images:
        fits = img["width"] >= 200 and img["right"] <= m.inner_width
        if (img["natural_width"], img["natural_height"]) != natural_size or not img["complete"]:
            out.append(f"image did not load from the media folder: {img}")
        elif not fits or abs(img["height"] - img["width"] * ratio) > 2:
            out.append(f"image not scaled to the screen: {img}")
    return out
