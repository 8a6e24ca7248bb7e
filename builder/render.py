"""Card fields: an author's Markdown becomes Anki field HTML plus the images it packs.

Why markdown-it-py. 20,000 generated card fields (40 % one plain sentence, the rest
emphasis, clozes, lists, inline math, fenced code, tables, links), Python 3.11 on the
shared 2-core project machine, best of 5 runs, best of two sessions:

    markdown-it-pyrs 0.4 (Rust)         81 ms    4 us/field
    cmarkgfm 2025.10 (C, GFM)          414 ms   21 us/field
    mistune 3.4                       1693 ms   85 us/field
    markdown-it-py 4.3                2060 ms  103 us/field
    mistletoe 1.6                     2850 ms  143 us/field
    Python-Markdown 3.11              3590 ms  180 us/field

The compiled two are 5-25x faster but have no Python rule hooks: cmarkgfm can only
drop or pass raw HTML (we show it as text), and math, clozes, images and links would
need placeholder and output-HTML regexes, where markdown-it-py has small token rules;
markdown-it-pyrs is pre-1.0, unreleased since 2024. mistune is a little faster but
not CommonMark. ``render_field`` as a whole (Pygments and image checks included, half
the fields on the plain-text fast path) does the same 20,000 in 2.1 s (107 us/field;
3.0 s without the fast path), so a 100,000-field deck costs about 11 s, most of it in
Pygments and markdown-it's table and list rules.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path, PureWindowsPath
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline, image
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
from pygments.lexer import Lexer  # type: ignore[import-untyped]
from pygments.lexers import TextLexer, get_lexer_by_name  # type: ignore[import-untyped]
from pygments.styles import get_style_by_name  # type: ignore[import-untyped]
from pygments.token import STANDARD_TYPES, Text  # type: ignore[import-untyped]
from pygments.util import ClassNotFound  # type: ignore[import-untyped]

from .cloze import after_sanitising, before_sanitising, has_opener, shield
from .errors import Location, RenderError
from .htmlsafe import is_remote, sanitise
from .simplemd import simple_html


@dataclass(frozen=True)
class MediaFile:
    """An image to pack: ``name`` is content-hashed so decks and edits never collide."""

    name: str
    source: Path


@dataclass(frozen=True)
class RenderedField:
    """Field HTML and the images its ``src`` attributes name."""

    html: str
    media: tuple[MediaFile, ...] = ()


# Plain-text fast path: one line of letters, digits, spaces and punctuation that no
# Markdown rule starts on, not opening like a list item, renders as a bare paragraph
# that markdown-it would only escape. ``{}:`` are in for cloze fields.
_PLAIN = re.compile(
    r"(?:[^\W\d_]|[{(\"'“‘«]|\d+(?![\d.)]))[^\W_]*"  # starts: a letter, opening mark or number
    r"(?:[ ,.;:?!'\"()/%=+@${}\-’‘“”–—…«»°×·€£][^\W_]*)*"
)


def _plain_html(text: str) -> str | None:
    body = text.rstrip(" \n")
    return escapeHtml(body) if _PLAIN.fullmatch(body) else None


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def _scheme(url: str) -> str:
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else ""


class _CardMarkdown(MarkdownIt):
    """Script URLs stay literal text; every other link or image is judged by ``_finish``.

    Only ``_finish`` knows a link from an image: a link that is not http, https or
    mailto loses its href, an image that is not a relative path is an error (better
    than markdown-it's literal text for ``file:``). URLs come here normalised
    (controls and spaces %-encoded), so a browser finds no scheme this pattern misses.
    """

    def validateLink(self, url: str) -> bool:
        return _scheme(url) not in ("javascript", "vbscript")


def _math_inline(state: StateInline, silent: bool) -> bool:
    """MathJax ``\\(..\\)`` and ``\\[..\\]`` reach Anki exactly as written, not as Markdown."""
    src, start = state.src, state.pos
    if not src.startswith(("\\(", "\\["), start) or start + 2 > state.posMax:
        return False
    closer = "\\)" if src[start + 1] == "(" else "\\]"
    end = src.find(closer, start + 2, state.posMax)
    if end < 0:
        return False
    if not silent:
        token = state.push("math", "", 0)
        token.content = src[start : end + 2]
    state.pos = end + 2
    return True


def _math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Display math on its own lines, so lines inside it (``- x``, ``# n``) stay math."""
    if state.is_code_block(start_line):
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("\\[", begin):
        return False
    line, search_from = start_line, begin + 2
    while line < end_line:
        line_end = state.eMarks[line]
        if line > start_line and search_from < line_end and state.sCount[line] < state.blkIndent:
            return False  # the math would run out of its list item or quote
        close = state.src.find("\\]", search_from, line_end)
        if close >= 0:
            if state.src[close + 2 : line_end].strip():
                return False  # text follows on the closing line: leave it to the inline rule
            break
        line += 1
        search_from = state.bMarks[line] if line < end_line else line_end
    else:
        return False
    if not silent:
        token = state.push("math", "", 0)
        token.block = True
        token.content = state.getLines(start_line, line + 1, state.blkIndent, False).strip() + "\n"
        token.map = [start_line, line + 1]
    state.line = line + 1
    return True


def _with_line(rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    """An image rule that notes the image's line in its paragraph, for errors."""

    def image_rule(state: StateInline, silent: bool) -> bool:
        start = state.pos
        if not rule(state, silent):
            return False
        if not silent:
            state.tokens[-1].meta["line"] = state.src.count("\n", 0, start)
        return True

    return image_rule


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


def _highlight(code: str, language: str) -> str:
    plain, marks = _split_cloze(code)
    out = io.StringIO()
    _formatter().format(_interleave(_lexer(language).get_tokens_unprocessed(plain), marks), out)
    return out.getvalue()


def _render_code(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    info = unescapeAll(token.info).split()  # empty for indented code
    code = _highlight(token.content, info[0].lower() if info else "")
    return f'<div class="codehilite"><pre><code>{code}</code></pre></div>\n'


def _render_code_span(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """markdown-it's code span; in a cloze field, with its ``::`` and ``}}`` kept from Anki's cloze parser."""
    token = tokens[idx]
    return f"<code{self.renderAttrs(token)}>{_shielded(token.content, env)}</code>"


def _shielded(content: str, env: EnvType) -> str:
    """Escaped code or math, shielded from Anki's cloze parser when the field has deletions."""
    escaped = escapeHtml(content)
    return shield(escaped) if env.get("cloze") else escaped


@cache
def _parser(allow_html: bool) -> MarkdownIt:
    """Built once per HTML setting: building one costs far more than a field."""
    md = _CardMarkdown("commonmark", {"html": allow_html}).enable(["table", "strikethrough"])
    md.inline.ruler.before("escape", "math_inline", _math_inline)
    md.inline.ruler.at("image", _with_line(image))
    md.block.ruler.before("fence", "math_block", _math_block, {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.add_render_rule("math", lambda self, tokens, idx, options, env: _shielded(tokens[idx].content, env))
    md.add_render_rule("code_inline", _render_code_span)
    md.add_render_rule("fence", _render_code)
    md.add_render_rule("code_block", _render_code)
    return md


_KINDS = {".png": "PNG", ".jpeg": "JPEG", ".jpg": "JPEG", ".gif": "GIF", ".webp": "WebP", ".svg": "SVG"}
_EXTENSION = {kind: suffix for suffix, kind in _KINDS.items()}  # .jpg for JPEG
_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG", b"GIF87a": "GIF", b"GIF89a": "GIF"}


def _sniff(data: bytes) -> str | None:
    """The image kind the bytes say, whatever the file name claims."""
    kind = next((kind for magic, kind in _MAGIC.items() if data.startswith(magic)), None)
    if kind is None and data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        kind = "WebP"
    text = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        kind = "SVG"
    return kind


@lru_cache(maxsize=1024)
def _fingerprint(path: Path, mtime_ns: int, size: int) -> tuple[str | None, str]:
    """Kind and content hash, read once per file version however many cards show it."""
    data = path.read_bytes()
    return _sniff(data), hashlib.sha256(data).hexdigest()[:16]


def _pack_image(src: str, where: Location, base_dir: Path) -> MediaFile:
    scheme = _scheme(src)
    if scheme in ("http", "https", "ftp") or src.startswith("//"):
        raise RenderError(
            f"image {src!r} is a web address, but cards are reviewed offline;"
            " download it into the deck's folder and give its relative path",
            where,
        )
    rel = unquote(src)
    if not rel:
        raise RenderError("image has an empty path; give the image file's relative path", where)
    if Path(rel).is_absolute() or PureWindowsPath(rel).anchor:
        raise RenderError(f"image path {rel!r} is absolute; give it relative to the source's folder {base_dir}", where)
    if scheme:
        raise RenderError(
            f"image {src[:60] + '...' if len(src) > 60 else src!r} is a {scheme}: URL, not a file;"
            f" save the image in the source's folder {base_dir} and give its relative path",
            where,
        )
    try:
        root = base_dir.resolve()
        target = (root / rel).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a NUL byte
        raise RenderError(f"image path {rel!r} cannot be resolved ({exc}); fix the path", where) from None
    if not target.is_relative_to(root):
        how = "leads" if Path(os.path.normpath(root / rel)).is_relative_to(root) else "goes"
        via = f" through a symbolic link to {target}" if how == "leads" else ""
        raise RenderError(
            f"image path {rel!r} {how} outside the source's folder {root}{via}; copy the image into that folder",
            where,
        )
    if not target.is_file():
        what = "is a folder" if target.is_dir() else "not found"
        raise RenderError(
            f"image file {rel!r} {what} (looked for {target}); check the path,"
            " which is relative to the source's folder",
            where,
        )
    suffix = target.suffix.lower()
    try:
        stat = target.stat()
        kind, digest = _fingerprint(target, stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        raise RenderError(f"image file {rel!r} cannot be read: {exc.strerror}", where) from None
    if kind is None:
        raise RenderError(
            f"image file {rel!r} is not a PNG, JPEG, GIF, WebP or SVG image; save it in one of those formats",
            where,
        )
    if _KINDS.get(suffix) != kind:
        raise RenderError(
            f"image file {rel!r} holds {kind} data but is named {suffix or 'without an extension'};"
            f" rename it to end in {_EXTENSION[kind]} so Anki shows it",
            where,
        )
    # "b-" keeps names clear of Anki's "_" files and of anything Anki itself writes.
    return MediaFile(f"b-{digest}{suffix}", target)


def _finish(tokens: list[Token], where: Location, base_dir: Path) -> tuple[MediaFile, ...]:
    """Pack images and unwrap links that are not web or mail links (relative, say)."""
    media: dict[str, MediaFile] = {}
    for block in (token for token in tokens if token.type == "inline" and token.children):
        first_line = block.map[0] if block.map else 0
        kept: list[Token] = []
        unwrapping = False
        for child in block.children or ():
            if child.type == "link_open":
                unwrapping = _scheme(str(child.attrGet("href"))) not in ("http", "https", "mailto")
                if unwrapping:
                    continue
            elif child.type == "link_close" and unwrapping:
                unwrapping = False
                continue
            elif child.type == "image":
                line = first_line + int(child.meta.get("line", 0))
                packed = _pack_image(str(child.attrGet("src")), where.shifted(line), base_dir)
                child.attrSet("src", packed.name)
                media.setdefault(packed.name, packed)
            kept.append(child)
        block.children = kept
    return tuple(media.values())


def render_field(
    text: str, where: Location, *, base_dir: Path, allow_html: bool = False, unsafe_html: bool = False
) -> RenderedField:
    """Field HTML for Anki; one paragraph comes back without ``<p>`` so it sits inline.

    HTML an author writes is text, unless ``allow_html``: then it is kept but
    sanitised (:mod:`builder.htmlsafe`), or kept raw with ``unsafe_html``, which
    only a command-line flag sets, never a source.
    """
    plain = _plain_html(text)
    if plain is None:
        plain = simple_html(text)  # one line or a "- " list with emphasis and code: see builder.simplemd
    if plain is not None:
        return RenderedField(plain)
    return _render_markdown(text, where, base_dir, allow_html, sanitising=allow_html and not unsafe_html)


def _render_markdown(
    text: str, where: Location, base_dir: Path, allow_html: bool, *, sanitising: bool = False
) -> RenderedField:
    md = _parser(allow_html)
    env: EnvType = {"cloze": has_opener(text)}
    tokens = md.parse(text, env)
    media = _finish(tokens, where, base_dir)
    sanitising = sanitising and next(_html_tokens(tokens), None) is not None  # builder's own HTML is safe
    if [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]:
        tokens = tokens[1].children or []
    # Without markdown-it's newline after the last block, every field ends the same way.
    html = str(md.renderer.render(tokens, md.options, env)).removesuffix("\n")
    if not sanitising:
        return RenderedField(html, media)
    field = _sanitised(before_sanitising(html), media, where, base_dir)  # keeps the cloze shields (builder.cloze)
    return RenderedField(after_sanitising(field.html), field.media)


def _html_tokens(tokens: Iterable[Token]) -> Iterator[Token]:
    for token in tokens:
        if token.type == "html_block":
            yield token
        elif token.type == "inline":
            yield from (child for child in token.children or () if child.type == "html_inline")


def author_html(text: str) -> str:
    """The HTML an author wrote in a field (raw HTML blocks and inline tags), for ``builder check``."""
    return "".join(token.content for token in _html_tokens(_parser(True).parse(text)))


def _sanitised(html: str, media: tuple[MediaFile, ...], where: Location, base_dir: Path) -> RenderedField:
    """``html`` through :func:`builder.htmlsafe.sanitise`; an ``<img>`` the author wrote is packed like ``![]()``."""
    packed = {item.name: item for item in media}

    def pack(src: str) -> str | None:
        if src in packed:  # a Markdown image, packed already
            return src
        if is_remote(src):
            return None
        item = _pack_image(src, where, base_dir)
        packed.setdefault(item.name, item)
        return item.name

    return RenderedField(sanitise(html, pack), tuple(packed.values()))


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


@cache
def highlight_css() -> str:
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
