"""Fields that need a Markdown parser: markdown-it-py with builder's rules.

Most fields never come here: :func:`builder.render.render_field` answers plain
text and simple emphasis or lists itself, and imports this module (and with it
markdown-it) only for a field that needs it. Rules added to CommonMark: MathJax
passes through untouched, code is coloured by :mod:`builder.highlight` (imported
on the first code block), cloze markers survive code spans, images are packed
by :mod:`builder.media`, links that are not web or mail links are unwrapped, and
an author's HTML is text unless ``allow_html`` (then sanitised by
:mod:`builder.htmlsafe`, or raw with the command-line ``--unsafe-html``).

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

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline, image
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from .cloze import after_sanitising, before_sanitising, has_opener, shield
from .errors import Location
from .media import MediaFile, pack_image, url_scheme
from .render import RenderedField


class _CardMarkdown(MarkdownIt):
    """Script URLs stay literal text; every other link or image is judged by ``_finish``.

    Only ``_finish`` knows a link from an image: a link that is not http, https or
    mailto loses its href, an image that is not a relative path is an error (better
    than markdown-it's literal text for ``file:``). URLs come here normalised
    (controls and spaces %-encoded), so a browser finds no scheme this pattern misses.
    """

    def validateLink(self, url: str) -> bool:
        return url_scheme(url) not in ("javascript", "vbscript")


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


def _render_code(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    info = unescapeAll(token.info).split()  # empty for indented code
    from .highlight import highlight  # Pygments only for a deck with code

    code = highlight(token.content, info[0].lower() if info else "")
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


def _finish(tokens: list[Token], where: Location, base_dir: Path) -> tuple[MediaFile, ...]:
    """Pack images and unwrap links that are not web or mail links (relative, say).

    Each file once; two files of identical bytes (one name) both, so a build that remembers which files it read
    sees an edit of either.
    """
    media: dict[tuple[str, Path], MediaFile] = {}
    for block in (token for token in tokens if token.type == "inline" and token.children):
        first_line = block.map[0] if block.map else 0
        kept: list[Token] = []
        unwrapping = False
        for child in block.children or ():
            if child.type == "link_open":
                unwrapping = url_scheme(str(child.attrGet("href"))) not in ("http", "https", "mailto")
                if unwrapping:
                    continue
            elif child.type == "link_close" and unwrapping:
                unwrapping = False
                continue
            elif child.type == "image":
                line = first_line + int(child.meta.get("line", 0))
                packed = pack_image(str(child.attrGet("src")), where.shifted(line), base_dir)
                child.attrSet("src", packed.name)
                media.setdefault((packed.name, packed.source), packed)
            kept.append(child)
        block.children = kept
    return tuple(media.values())


def render_markdown(
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
    from .htmlsafe import is_remote, sanitise  # nh3 only for a deck that allows HTML

    names = {item.name for item in media}
    packed = {(item.name, item.source): item for item in media}

    def pack(src: str) -> str | None:
        if src in names:  # a Markdown image, packed already
            return src
        if is_remote(src):
            return None
        item = pack_image(src, where, base_dir)
        packed.setdefault((item.name, item.source), item)
        return item.name

    return RenderedField(sanitise(html, pack), tuple(packed.values()))
