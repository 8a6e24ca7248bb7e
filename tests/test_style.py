"""The CSS every built-in note type shares (builder/style.py): its colours by day and by night, read from the text.

Chromium measures the rendered cards (tests/test_templates_browser.py); these hold the stylesheet's own
promises without a browser, so ``make test-fast`` sees a colour that breaks them.
"""

from __future__ import annotations

import re

import pytest

from builder.style import CSS
from tests.helpers.colours import contrast

LIGHT, NIGHT = (dict(re.findall(r"--(builder-[\w-]+): (#[0-9a-f]{6});", block))
                for block in re.findall(r"\{([^}]*--builder-bg: [^}]*)\}", CSS))


def test_night_mode_overrides_every_colour_and_only_those() -> None:
    assert set(LIGHT) == set(NIGHT) and len(LIGHT) == 12
    assert all(LIGHT[name] != NIGHT[name] for name in LIGHT)
    night_selectors = CSS[CSS.index("}\n") + 2:CSS.index(" {\n  --builder-bg: #0d1117")]
    assert night_selectors == ".nightMode, .night_mode, .nightMode .card, .night_mode .card"


def test_every_variable_used_is_defined() -> None:
    used = set(re.findall(r"var\(--(builder-[\w-]+)\)", CSS))
    assert used and used <= set(LIGHT)


@pytest.mark.parametrize(("text", "background", "minimum"), [
    ("builder-fg", "builder-bg", 4.5),
    ("builder-muted", "builder-bg", 4.5),
    ("builder-source", "builder-bg", 4.5),
    ("builder-link", "builder-bg", 4.5),
    ("builder-cloze-fg", "builder-cloze-bg", 4.5),
    ("builder-code-fg", "builder-code-bg", 4.5),
    ("builder-fg", "builder-th-bg", 4.5),
    ("builder-rule", "builder-bg", 3.0),  # the answer separator: WCAG's non-text contrast
])
@pytest.mark.parametrize("mode", ["light", "night"])
def test_each_colour_is_readable_on_what_it_sits_on(text: str, background: str, minimum: float, mode: str) -> None:
    colours = LIGHT if mode == "light" else NIGHT
    assert contrast(colours[text], colours[background]) >= minimum, (mode, text, background)


def test_no_text_is_smaller_than_16px_and_nothing_is_loaded() -> None:
    sizes = [int(size) for size in re.findall(r"font-size: (?:max\()?(\d+)px", CSS)]
    assert sizes and min(sizes) >= 16
    assert "url(" not in CSS and "@import" not in CSS and "<" not in CSS


@pytest.mark.parametrize(("selector", "declaration"), [
    ("pre, .codehilite, table, mjx-container", "overflow-x: auto"),
    ("img, video", "max-width: 100%"),
    ("\nhr#answer", "scroll-margin-top: 25vh"),
    ("\nth, td", "overflow-wrap: normal"),
], ids=["wide-blocks-scroll", "images-scale", "question-stays-above-the-answer", "tables-scroll-not-squeeze"])
def test_the_phone_layout_rules(selector: str, declaration: str) -> None:
    rule = CSS[CSS.index(selector):]
    assert declaration in rule[:rule.index("}")]
