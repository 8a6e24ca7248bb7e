"""The Markdown most card fields use, turned into HTML without a Markdown parser.

Most fields that are not plain text are one line, or a short bullet list, with
``**bold**``, ``*emphasis*`` and ```code``` in them; a deck's description is a
few such paragraphs. markdown-it takes 100-400 microseconds on each field, and
importing it a fifth of a small deck's first build; these regular expressions
take a few microseconds. They only accept text whose reading is beyond doubt:

* paragraphs and ``- `` lists, split by blank lines, no two lists in a row (a
  blank line between items makes one loose list); a list is only ``- `` items,
  one line each; a paragraph's lines each start with a letter, ``*`` or a
  backtick (so none is a heading, quote, numbered list, fence or table row);
* letters, digits and the punctuation of the plain-text fast path in
  :mod:`builder.render` (and ``>``, which only starts a quote), plus emphasis
  whose first character is a letter or digit and whose last is one too, or a
  ``.,;:?!`` right before a closing ``*`` followed by a space or the line's end;
  no letter, digit, ``*`` or backtick just outside it (so each ``*`` can only
  open or only close), and single-backtick code spans, all within one line;
* nothing else: no ``_ [ ] < & \\ # | ~`` outside code, no tabs, no leading or
  trailing spaces on a line.

Anything else returns None and goes to markdown-it. A property test holds the
output to markdown-it's, character for character, on generated fields, and
another that every field of the kinds above takes this path.
"""

from __future__ import annotations

import re

from .cloze import has_opener, shield

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def escape_html(text: str) -> str:
    """markdown-it's escape (``&<>"``, not ``'``), without importing markdown-it for it."""
    return text.translate(_ESCAPES)


_SEPARATORS = " ,.;:?!'\"()/%=+@${}\\-’‘“”–—…«»°×·€£>"
_PHRASE = rf"[^\W_]+(?:[{_SEPARATORS}]+[^\W_]+)*"
"""Letters and digits, maybe with separators inside: what emphasis may hold."""
_LAST = r"[.,;:?!]"
"""Punctuation that may end emphasis, when its closing ``*`` is followed by a space or the line's end."""
_SPANS = re.compile(
    rf"\*\*(?P<strong>{_PHRASE}(?:{_LAST}(?=\*\*(?: |$)))?)\*\*"
    rf"|\*(?P<em>{_PHRASE}(?:{_LAST}(?=\*(?: |$)))?)\*"
    r"|`(?P<code>[^`\s\\](?:[^`\n\\]*[^`\s\\])?)`"
)
_OUTSIDE = re.compile(rf"[^\w{_SEPARATORS}]|_")
"""A character no text outside a span may have (``*`` and backticks included)."""
_STARTS = re.compile(r"[^\W\d_]|\*\*?[^\W_]|`")
"""What a line may start with: a letter, or an emphasis or code span."""


def _touches(text: str, index: int) -> bool:
    """Whether the character at ``index`` would join a span's ``*`` or backtick to its neighbour."""
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] in "*`")


def _inline_html(line: str, cloze: bool) -> str | None:
    if not _STARTS.match(line) or line.endswith(" "):
        return None
    out: list[str] = []
    done = 0
    for match in _SPANS.finditer(line):
        start, end = match.span()
        between = line[done:start]
        if _OUTSIDE.search(between) or _touches(line, start - 1) or _touches(line, end):
            return None
        strong, em, code = match.group("strong", "em", "code")
        if strong is not None:
            span = f"<strong>{escape_html(strong)}</strong>"
        elif em is not None:
            span = f"<em>{escape_html(em)}</em>"
        else:
            code = escape_html(code)
            span = f"<code>{shield(code) if cloze else code}</code>"
        out += (escape_html(between), span)
        done = end
    rest = line[done:]
    if _OUTSIDE.search(rest):
        return None
    out.append(escape_html(rest))
    return "".join(out)


def simple_html(text: str) -> str | None:
    """Field HTML for simple paragraphs and ``- `` lists, as markdown-it would give it; else None.

    One paragraph comes back bare, without ``<p>``, as :func:`builder.render.render_field`
    gives every one-paragraph field.
    """
    body = text.rstrip(" \n")
    cloze = has_opener(body)  # code in a cloze field keeps its '::' and '}}' from Anki (builder.cloze.shield)
    blocks: list[str] = []
    listed = False
    for block in _BLANK_LINES.split(body):
        follows_list, listed = listed, block.startswith("- ")
        if listed and follows_list:
            return None  # a blank line between items: one loose list, each item a paragraph
        html = _list_html(block, cloze) if listed else _paragraph_html(block, cloze)
        if html is None:
            return None
        blocks.append(html if listed else f"<p>{html}</p>")
    if len(blocks) == 1 and not listed:
        return html
    return "\n".join(blocks)


_BLANK_LINES = re.compile(r"\n\n+")


def _paragraph_html(block: str, cloze: bool) -> str | None:
    """Lines of one paragraph, joined by the newline markdown-it keeps for a soft break."""
    lines = []
    for line in block.split("\n"):
        html = _inline_html(line, cloze)
        if html is None:
            return None
        lines.append(html)
    return "\n".join(lines)


def _list_html(block: str, cloze: bool) -> str | None:
    items = []
    for line in block.split("\n"):
        item = _inline_html(line[2:], cloze) if line.startswith("- ") else None
        if item is None:
            return None
        items.append(f"<li>{item}</li>\n")
    return "<ul>\n" + "".join(items) + "</ul>"
