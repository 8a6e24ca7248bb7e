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

from markdown_it.common.utils import escapeHtml

_WORD = r"[^\W_]"
_SEPARATOR = r"[ ,.;:?!'\"()/%=+@${}\-’‘“”–—…«»°×·€£]"
_PHRASE = rf"{_WORD}+(?:{_SEPARATOR}+{_WORD}+)*"
_SPAN = rf"\*\*(?P<strong>{_PHRASE})\*\*|\*(?P<em>{_PHRASE})\*|`(?P<code>[^`\s\\](?:[^`\n\\]*[^`\s\\])?)`"
_ALONE = r"(?<![^\W_])(?<![*`])"
"""Before a span: no letter, digit, ``*`` or backtick."""
_APART = r"(?![^\W_])(?![*`])"
"""After a span: the same."""
_INLINE = rf"(?:{_ALONE}(?:{_SPAN}){_APART}|{_WORD}|{_SEPARATOR})+"
_LINE = re.compile(rf"(?=[^\W\d_]|\*[^\W_]|\*\*[^\W_]|`){_INLINE}(?<! )")
_SPANS = re.compile(_SPAN)


def _span_html(match: re.Match[str]) -> str:
    strong, em, code = match.group("strong", "em", "code")
    if strong is not None:
        return f"<strong>{escapeHtml(strong)}</strong>"
    if em is not None:
        return f"<em>{escapeHtml(em)}</em>"
    return f"<code>{escapeHtml(code)}</code>"


def _inline_html(line: str) -> str:
    out: list[str] = []
    done = 0
    for match in _SPANS.finditer(line):
        out.append(escapeHtml(line[done : match.start()]))
        out.append(_span_html(match))
        done = match.end()
    out.append(escapeHtml(line[done:]))
    return "".join(out)


def simple_html(text: str) -> str | None:
    """Field HTML for one simple line or ``- `` list, as markdown-it would give it; else None."""
    body = text.rstrip(" \n")
    if not body.startswith("- "):
        return _inline_html(body) if "\n" not in body and _LINE.fullmatch(body) else None
    items = body.split("\n")
    if not all(item.startswith("- ") and _LINE.fullmatch(item, 2) for item in items):
        return None
    return "<ul>\n" + "".join(f"<li>{_inline_html(item[2:])}</li>\n" for item in items) + "</ul>"
