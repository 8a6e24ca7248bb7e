"""Field HTML back into the source's Markdown, for what builder's renderer writes and Anki's editor adds.

A learner's edit arrives as the HTML Anki holds. It may go into the source only
as Markdown that renders to the same HTML again, which ``builder pull`` checks
every time (:func:`markdown_for`); this module proposes that Markdown. It knows
the elements Markdown can write (paragraphs, emphasis, strong, strikethrough,
code spans and blocks, lists, links, images, headings, quotes, rules, tables,
line breaks) and refuses anything else by name (``<u>``, ``<span style=...>``,
``<div>`` lines, ``<font>``), since no Markdown would give it back.

When the field still reads back as the author's own Markdown apart from the
learner's edit, the edit is carried into the author's text (:func:`_carry_over`),
so their own spelling of the rest (``_emphasis_``, ``* items``, escapes) stays.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher

from bs4.element import Comment, NavigableString, PageElement, Tag
from msgspec import Struct

from .htmlnorm import BLOCKS, normalised, parse


class Unconvertible(Exception):
    """Markdown cannot give this HTML back; ``str()`` says why, for the learner's maintainer."""


class Context(Struct, frozen=True):
    """What the source knows that the HTML does not."""

    images: dict[str, str]
    """Packed image name (``b-<sha256>.png``) -> the path the source gives it."""
    languages: tuple[str, ...] = ()
    """Info strings of the source field's fenced code blocks, in order (highlighting drops them)."""
    allow_html: bool = False


def markdown_for(html: str, old_markdown: str, old_html: str, context: Context,
                 render: Callable[[str], str]) -> str:
    """Markdown for ``html`` that ``render`` turns into the same HTML (as :func:`normalised` sees it).

    ``old_markdown`` is the source's text, ``old_html`` what it renders to. Raises
    :class:`Unconvertible` saying why when no Markdown passes the check.
    """
    new = to_markdown(html, context)
    candidates = [new]
    if to_markdown(old_html, context) != old_markdown:
        carried = _carry_over(old_markdown, to_markdown(old_html, context), new)
        candidates = [carried, new] if carried is not None else candidates
    wanted = normalised(html)
    for candidate in candidates:
        if normalised(render(candidate)) == wanted:
            return candidate
    got = normalised(render(new))
    pairs = enumerate(zip(got, wanted, strict=False))
    at = next((index for index, (a, b) in pairs if a != b), min(len(got), len(wanted)))
    raise Unconvertible(
        f"no Markdown renders it back the same: {new!r} gives {_around(got, at)!r}, not {_around(wanted, at)!r}"
    )


def _around(text: str, at: int) -> str:
    return ("…" if at > 20 else "") + text[max(0, at - 20) : at + 20] + ("…" if at + 20 < len(text) else "")


def _carry_over(source: str, old: str, new: str) -> str | None:
    """The edit ``old`` -> ``new`` made in ``source``, where ``source`` reads like ``old``; None if it cannot."""
    spots = SequenceMatcher(None, old, source, autojunk=False).get_matching_blocks()

    def place(index: int) -> int | None:
        for start, at, size in spots:
            if start <= index <= start + size and size:
                return at + index - start
        return None

    out: list[str] = []
    done = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        begin, end = place(i1), place(i2)
        if begin is None or end is None or end < begin or end - begin != i2 - i1 or begin < done:
            return None
        out += [source[done:begin], new[j1:j2]]
        done = end
    return "".join(out) + source[done:]


def to_markdown(html: str, context: Context) -> str:
    """Markdown in builder's own style for ``html``; :class:`Unconvertible` when it has no Markdown."""
    return _Writer(context).blocks(list(parse(html).children)).strip("\n")


_MATH = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]", re.S)
_ESCAPED = re.compile(r"[`*\[\]]|\\(?=[!-/:-@\[-`{-~])|_(?!(?<=[^\W_]_)[^\W_])|<(?=[A-Za-z/!?])|&(?=#?\w+;)|~(?=~)")
"""Characters that would start Markdown: ``_`` only where it can open or close emphasis, ``\\`` only before
punctuation, ``<`` only where it could open a tag or link, ``&`` only where it would read as an entity."""
_LINE_START = re.compile(r"^(?:#{1,6}(?=\s|$)|>|[+-](?=\s|$)|-+$|=+$|(\d{1,9})(?=[.)](?:\s|$)))")
_CODE_SPAN_PAD = re.compile(r"^`|`$|^ .* $")
_AUTOLINK = re.compile(r"(?:https?|mailto):[^\s<>]+")
_ALIGN = {"left": ":---", "center": ":---:", "right": "---:"}


class _Writer:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.code_blocks = 0

    def blocks(self, nodes: Sequence[PageElement], separator: str = "\n\n") -> str:
        """Block content; a run of inline nodes between blocks is a paragraph."""
        parts: list[str] = []
        run: list[PageElement] = []
        for node in [*nodes, None]:
            if node is not None and not (isinstance(node, Tag) and node.name in BLOCKS):
                run.append(node)
                continue
            paragraph = self.paragraph(run)
            if paragraph:
                parts.append(paragraph)
            run = []
            if isinstance(node, Tag):
                parts.append(self.block(node))
        return separator.join(parts)

    def paragraph(self, nodes: Sequence[PageElement]) -> str:
        nodes = list(nodes)
        while nodes and (_blank(nodes[-1]) or (isinstance(nodes[-1], Tag) and nodes[-1].name == "br")):
            nodes.pop()  # a line break that ends a paragraph shows nothing
        text = "".join(self.inline(node) for node in nodes)  # newlines in HTML text are spaces: one is enough
        lines = [line.strip(" \t") for line in re.sub(r"\n[\n \t]*", "\n", text).split("\n")]
        return "\n".join(_escape_line_start(line) for line in lines).strip("\n")

    def block(self, node: Tag) -> str:
        name = node.name
        if name == "p":
            return self.paragraph(list(node.children))
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return "#" * int(name[1]) + " " + self.paragraph(list(node.children)).replace("\n", " ")
        if name in ("ul", "ol"):
            return self.listing(node)
        if name == "blockquote":
            inner = self.blocks(list(node.children))
            return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
        if name == "hr":
            return "---"
        if name == "pre":
            return self.code_block(node)
        if name == "div" and node.get("class") == "codehilite":
            pres = [child for child in node.children if isinstance(child, Tag)]
            if len(pres) == 1 and pres[0].name == "pre":
                return self.code_block(pres[0])
        if name == "table":
            return self.table(node)
        if self.context.allow_html:
            return str(node)
        raise Unconvertible(f"it has {_describe(node)}, which Markdown cannot write")

    def listing(self, node: Tag) -> str:
        items = [child for child in node.children if isinstance(child, Tag) and child.name == "li"]
        if any(not _blank(child) and child not in items for child in node.children):
            raise Unconvertible(f"its <{node.name}> holds something other than list items")
        loose = any(isinstance(child, Tag) and child.name == "p" for item in items for child in item.children)
        start = int(str(node.get("start", "1"))) if str(node.get("start", "1")).isdigit() else 1
        out = []
        for number, item in enumerate(items, start=start):
            marker = f"{number}. " if node.name == "ol" else "- "
            body = self.blocks(list(item.children), "\n\n" if loose else "\n")
            first, *rest = body.split("\n")
            out.append(marker + first + "".join("\n" + (" " * len(marker) + line if line else "") for line in rest))
        return ("\n\n" if loose else "\n").join(out)

    def code_block(self, pre: Tag) -> str:
        code = pre.get_text()
        language = self.context.languages[self.code_blocks] if self.code_blocks < len(self.context.languages) else ""
        self.code_blocks += 1
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", code)), default=0))
        return f"{fence}{language}\n{code if code.endswith(chr(10)) else code + chr(10)}{fence}"

    def table(self, node: Tag) -> str:
        rows = [row for row in node.find_all("tr")]
        if not rows or any(cell.name != "th" for cell in rows[0].find_all(["th", "td"])):
            raise Unconvertible("its table has no header row, which Markdown tables need")
        lines = []
        for index, row in enumerate(rows):
            cells = [self.paragraph(list(cell.children)).replace("\n", " ").replace("|", "\\|")
                     for cell in row.find_all(["th", "td"])]
            lines.append("| " + " | ".join(cells) + " |")
            if index == 0:
                aligns = [_ALIGN.get(str(cell.get("style", "")).removeprefix("text-align:"), "---")
                          for cell in row.find_all("th")]
                lines.append("| " + " | ".join(aligns) + " |")
        return "\n".join(lines)

    def inline(self, node: PageElement) -> str:
        if isinstance(node, Comment):
            raise Unconvertible("it has an HTML comment, which Markdown cannot write")
        if isinstance(node, NavigableString):
            return _escape_text(str(node))
        if not isinstance(node, Tag):
            return ""
        name, inner = node.name, "".join(self.inline(child) for child in node.children)
        if name in ("strong", "b"):
            return _wrap("**", inner)
        if name in ("em", "i"):
            return _wrap("*", inner)
        if name in ("del", "s"):
            return _wrap("~~", inner)
        if name == "code":
            return _code_span(node.get_text())
        if name == "br":
            return "\\\n"
        if name == "a" and set(node.attrs) <= {"href", "title"} and "href" in node.attrs:
            href = str(node["href"])
            if "title" not in node.attrs and node.get_text() == href and _AUTOLINK.fullmatch(href):
                return f"<{href}>"
            title = f' "{node["title"]}"' if "title" in node.attrs else ""
            return f"[{inner}]({_destination(href)}{title})"
        if name == "img":
            return self.image(node)
        if name == "span" and not node.attrs:
            return inner
        if self.context.allow_html:
            return str(node)
        raise Unconvertible(f"it has {_describe(node)}, which Markdown cannot write")

    def image(self, node: Tag) -> str:
        src = str(node.get("src", ""))
        path = self.context.images.get(src)
        if path is None:
            raise Unconvertible(f"it shows the image {src!r}, which is not in the source: add it to the source by hand")
        return f"![{_escape_text(str(node.get('alt', '')))}]({_destination(path)})"


def _blank(node: PageElement) -> bool:
    return isinstance(node, NavigableString) and not isinstance(node, Comment) and not str(node).strip()


def _describe(node: Tag) -> str:
    attributes = "".join(f" {key}" for key in sorted(node.attrs))
    return f"<{node.name}{attributes}>"


def _escape_text(text: str) -> str:
    """Text as Markdown that shows it literally; MathJax (``\\(..\\)``) stays as written, as the renderer keeps it."""
    text = re.sub(r"[ \t\r\f]*\n[ \t\r\f]*", "\n", text.replace("\xa0", " "))
    out, done = [], 0
    for math in _MATH.finditer(text):
        out += [_ESCAPED.sub(r"\\\g<0>", text[done : math.start()]), math.group()]
        done = math.end()
    return "".join(out) + _ESCAPED.sub(r"\\\g<0>", text[done:])


def _escape_line_start(line: str) -> str:
    """A line that would start a heading, quote, list or underline gets its first character escaped."""
    match = _LINE_START.match(line)
    if match is None:
        return line
    if match.group(1):
        return line[: match.end()] + "\\" + line[match.end() :]
    return "\\" + line


def _wrap(marker: str, inner: str) -> str:
    """Emphasis around ``inner``, with its outer spaces moved outside, where Markdown needs them."""
    core = inner.strip(" ")
    if not core:
        return inner
    lead, trail = inner[: len(inner) - len(inner.lstrip(" "))], inner[len(inner.rstrip(" ")) :]
    return f"{lead}{marker}{core}{marker}{trail}"


def _code_span(code: str) -> str:
    fence = "`" * (1 + max((len(run) for run in re.findall(r"`+", code)), default=0))
    pad = " " if _CODE_SPAN_PAD.search(code) else ""
    return f"{fence}{pad}{code}{pad}{fence}"


def _destination(url: str) -> str:
    return f"<{url}>" if re.search(r"[\s()<>]", url) else url
