"""WCAG contrast between two ``#rrggbb`` colours, for the tests of builder's CSS and code colours."""

from __future__ import annotations


def contrast(a: str, b: str) -> float:
    """The WCAG 2 contrast ratio, 1 to 21: AA asks 4.5 for text, 3 for a rule or a large glyph."""

    def luminance(colour: str) -> float:
        values = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in values)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
