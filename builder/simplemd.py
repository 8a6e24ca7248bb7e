"""The Markdown most card fields use, turned into HTML without a Markdown parser.

Most fields that are not plain text are one line, or a short bullet list, with
``**bold**``, ``*emphasis*`` and ```code``` in them. markdown-it takes 100-400
microseconds on each; these regular expressions take a few, which is most of a
big deck's rendering. They only accept text whose reading is beyond doubt:

* a line starts with a letter, ``*`` or a backtick (so it is no heading, quote,
  numbered list or fence), and a list is only ``- `` items, one line each;
* letters, digits and the punctuation of the plain-text fast path in
  :mod:`builder.render`, plus emphasis whose first and last characters are
  letters or digits, with no letter, digit, ``*`` or backtick just outside it
  (so each ``*`` can only open or only close), and single-backtick code spans;
* nothing else: no ``_ [ ] < > & \\ # | ~`` outside code, no tabs, no trailing
  spaces, no blank lines.

Anything else returns None and goes to markdown-it. A property test holds the
output to markdown-it's, character for character, on generated fields.
"""

from __future__ import annotations

import re

from .cloze import has_opener, shield

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def escape_html(text: str) -> str:
    """markdown-it's escape (``&<>"``, not ``'``), without importing markdown-it for it."""
    return text.translate(_ESCAPES)


_SEPARATORS = " ,.;:?!'\"()/%=+@${}\\-’‘“”–—…«»°×·€£"
_PHRASE = rf"[^\W_]+(?:[{_SEPARATORS}]+[^\W_]+)*"
"""Letters and digits, maybe with separators inside: what emphasis may hold."""
_SPANS = re.compile(rf"\*\*(?P<strong>{_PHRASE})\*\*|\*(?P<em>{_PHRASE})\*|`(?P<code>[^`\s\\](?:[^`\n\\]*[^`\s\\])?)`")
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
    """Field HTML for one simple line or ``- `` list, as markdown-it would give it; else None."""
    body = text.rstrip(" \n")
    cloze = has_opener(body)  # code in a cloze field keeps its '::' and '}}' from Anki (builder.cloze.shield)
    if not body.startswith("- "):
        return None if "\n" in body else _inline_html(body, cloze)
    items = []
    for line in body.split("\n"):
        item = _inline_html(line[2:], cloze) if line.startswith("- ") else None
        if item is None:
            return None
        items.append(f"<li>{item}</li>\n")
    return "<ul>\n" + "".join(items) + "</ul>"
