"""Code blocks: Pygments colours, and the stylesheet that colours them by day and by night.

Imported only when a field has a fenced or indented code block, or when the
stylesheet is regenerated (``make docs`` writes ``builder/highlight.css``, which
every build reads instead of asking Pygments), so a deck without code never
loads Pygments.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from typing import Any

from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
from pygments.lexer import Lexer  # type: ignore[import-untyped]
from pygments.lexers import TextLexer, get_lexer_by_name  # type: ignore[import-untyped]
from pygments.styles import get_style_by_name  # type: ignore[import-untyped]
from pygments.token import STANDARD_TYPES, Text  # type: ignore[import-untyped]
from pygments.util import ClassNotFound  # type: ignore[import-untyped]

_CLOZE_MARK = re.compile(r"\{\{c\d+::|::|\}\}")


def _split_cloze(code: str) -> tuple[str, list[tuple[int, str]]]:
    """The code with cloze markers taken out, and each marker with its offset in it.

    Lexed as they stand, ``{{c1::x}}`` would come out as ``{``, ``{``, ``c1``, ...
    in separate spans and Anki would no longer see a cloze.
    """
    parts: list[str] = []
    marks: list[tuple[int, str]] = []
    size = depth = pos = 0
    for match in _CLOZE_MARK.finditer(code):
        if match.start() < pos:
            continue  # inside a hint already taken
        mark = match.group()
        if mark == "::":
            end = code.find("}}", match.end())
            if not depth or end < 0:
                continue
            mark = code[match.start() : end + 2]
        elif mark == "}}" and not depth:
            continue
        depth += 1 if mark.startswith("{{") else -1
        parts.append(code[pos : match.start()])
        size += match.start() - pos
        marks.append((size, mark))
        pos = match.start() + len(mark)
    parts.append(code[pos:])
    return "".join(parts), marks


def _interleave(tokens: Iterable[tuple[int, Any, str]], marks: list[tuple[int, str]]) -> Iterator[tuple[Any, str]]:
    """Lexer tokens with the markers put back as plain text, which gets no span."""
    done = 0
    for index, ttype, value in tokens:
        cut = 0
        for offset, mark in marks[done:]:
            if offset >= index + len(value):
                break
            if offset - index > cut:
                yield ttype, value[cut : offset - index]
                cut = offset - index
            yield Text, mark
            done += 1
        if cut < len(value):
            yield ttype, value[cut:]
    yield from ((Text, mark) for _, mark in marks[done:])


@lru_cache(maxsize=256)
def _lexer(language: str) -> Lexer:
    """No language or an unknown one is plain text, never guessed: guesses are slow and wrong."""
    try:
        return get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        return TextLexer()


@cache
def _formatter() -> Any:
    return HtmlFormatter(nowrap=True)  # classes, not inline styles: night mode recolours them


def highlight(code: str, language: str) -> str:
    plain, marks = _split_cloze(code)
    out = io.StringIO()
    _formatter().format(_interleave(_lexer(language).get_tokens_unprocessed(plain), marks), out)
    return out.getvalue()


# Pygments style, and the backgrounds code sits on: the card's, and templates.py's --builder-code-bg.
_LIGHT = ("default", ("#ffffff", "#eff2f5"))
_NIGHT = ("github-dark", ("#0d1117", "#1c2128"))
_FONT = {"bold": "font-weight", "italic": "font-style", "underline": "text-decoration"}  # Pygments key = CSS value
_RESET = {"color": "inherit", "font-weight": "normal", "font-style": "normal", "text-decoration": "none"}


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(colour: str, background: str) -> float:
    high, low = sorted((_luminance(colour), _luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _readable(colour: str, backgrounds: tuple[str, ...]) -> str:
    """The style's colour, moved toward black or white just enough for WCAG AA (4.5:1)."""
    rgb, target = bytes.fromhex(colour[1:]), 0 if _luminance(backgrounds[0]) > 0.5 else 255
    for step in range(1, 21):
        if min(_contrast(colour, back) for back in backgrounds) >= 4.5:
            break
        colour = "#" + "".join(f"{round(c + (target - c) * step / 20):02x}" for c in rgb)
    return colour  # at worst black or white, which clear 4.5:1 on these backgrounds


def _declarations(style: tuple[str, tuple[str, ...]], ttype: Any) -> dict[str, str]:
    found = get_style_by_name(style[0]).style_for_token(ttype)
    out = {prop: key for key, prop in _FONT.items() if found[key]}
    if re.fullmatch(r"[0-9a-fA-F]{6}", found["color"] or ""):
        out["color"] = _readable("#" + found["color"].lower(), style[1])
    return out


def _rule(selectors: Iterable[str], declarations: dict[str, str]) -> str:
    return f"{', '.join(selectors)} {{ {'; '.join(f'{k}: {v}' for k, v in sorted(declarations.items()))} }}"


def stylesheet() -> str:
    """Token colours for ``.codehilite`` blocks, with night-mode colours that override them.

    Only colours and weights, no backgrounds: code sits on the card's own
    background (#ffffff, night #0d1117), and every colour is checked against it.
    Night rules also reset what the light style set and the night style does not.
    """
    lines = [".codehilite { overflow-x: auto; max-width: 100%; }", ".codehilite pre { margin: 0; }"]
    night_lines = []
    for ttype, css_class in sorted(STANDARD_TYPES.items(), key=lambda item: item[1]):
        day, dark = _declarations(_LIGHT, ttype), _declarations(_NIGHT, ttype)
        if css_class and day:
            lines.append(_rule([f".codehilite .{css_class}"], day))
        if css_class and (day or dark):
            dark = {key: dark.get(key, _RESET[key]) for key in (*day, *dark)}
            night_lines.append(
                _rule([f"{mode} .codehilite .{css_class}" for mode in (".nightMode", ".night_mode")], dark)
            )
    return "\n".join(lines + night_lines) + "\n"
