"""Field HTML in one canonical form, so what Anki's editor changes without meaning to is no edit.

When a learner opens a field in Anki's editor, the browser it runs in writes the
field's whole HTML back in its own way, though the card looks the same: ``<br />``
becomes ``<br>``, ``&quot;`` becomes ``"``, attributes change order, a space at the
end becomes ``&nbsp;``, a line break may be appended. ``builder pull`` compares
fields after :func:`normalised`, which undoes exactly these (docs/pull.md):

1. text is Unicode NFC, as Anki stores it;
2. a no-break space (``&nbsp;``, U+00A0) is a space;
3. ``<br>``, ``<br/>`` and ``<br />`` are one line break, and line breaks at the very
   end of a field are dropped;
4. outside ``<pre>``, a run of spaces, tabs and newlines is one space, none is kept at
   the start or end of the field or next to a block (paragraph, list, list item, table
   part, heading, quote, ``<div>``, ``<pre>``, ``<hr>``) or a line break, and spaces at
   the edges of bold, italic or struck-through text stand outside it (selecting a word
   with the space after it and pressing Bold puts the space inside);
5. markup is written one way: tag names in lower case, attributes sorted by name in
   double quotes, and characters escaped only where HTML needs it;
6. ``<b>`` is ``<strong>`` and ``<i>`` is ``<em>``: the editor's Bold and Italic buttons
   write the first, Markdown the second, and they look the same.

The HTML is parsed by Beautiful Soup (the library Anki's desktop app uses) with
Python's own HTML parser, never by regular expressions.
"""

from __future__ import annotations

import re
import unicodedata

from bs4 import BeautifulSoup
from bs4.element import Comment, NavigableString, PageElement, Tag

BLOCKS = frozenset({
    "p", "div", "ul", "ol", "li", "pre", "blockquote", "hr", "table", "thead", "tbody", "tfoot", "tr", "th",
    "td", "h1", "h2", "h3", "h4", "h5", "h6",
})
SAME_AS = {"b": "strong", "i": "em"}
_SPACE = re.compile(r"[ \t\n\r\f]+")
_AROUND_BLOCK = re.compile(rf" ?(</?(?:{'|'.join(sorted(BLOCKS))})(?: [^>]*)?>|<br>) ?")
_TRAILING_BREAKS = re.compile(r"(?:<br>| )+\Z")
_PRE = re.compile(r"(<pre(?: [^>]*)?>.*?</pre>)", re.S)
_FORMATTING = "strong|em|s|del"
_SPACE_INSIDE_START = re.compile(rf"(<(?:{_FORMATTING})(?: [^>]*)?>) ")
_SPACE_INSIDE_END = re.compile(rf" (</(?:{_FORMATTING})>)")


def parse(html: str) -> BeautifulSoup:
    """The field as a tree; attributes stay single strings (``class="a b"`` is not split)."""
    return BeautifulSoup(html, "html.parser", multi_valued_attributes=None)


def normalised(html: str) -> str:
    """``html`` in the canonical form described above: equal forms look the same on a card."""
    out: list[str] = []
    _write(parse(unicodedata.normalize("NFC", html)), out, in_pre=False)
    parts = _PRE.split("".join(out))  # odd parts are <pre> blocks, whose spaces are kept
    for index in range(0, len(parts), 2):
        text = parts[index]
        while True:
            moved = _SPACE_INSIDE_END.sub(r"\1 ", _SPACE_INSIDE_START.sub(r" \1", text))
            if moved == text:
                break
            text = moved
        parts[index] = _AROUND_BLOCK.sub(r"\1", re.sub(" {2,}", " ", text))
    return _TRAILING_BREAKS.sub("", "".join(parts)).strip(" ")


def _write(node: PageElement, out: list[str], *, in_pre: bool) -> None:
    for child in node.children if isinstance(node, Tag) else ():
        if isinstance(child, Comment):
            out.append(f"<!--{child}-->")
        elif isinstance(child, NavigableString):
            text = str(child).replace("\xa0", " ")
            out.append(escape_text(text if in_pre else _SPACE.sub(" ", text)))
        elif isinstance(child, Tag):
            name = SAME_AS.get(child.name.lower(), child.name.lower())
            attributes = "".join(
                f' {key.lower()}="{escape_attribute(str(value))}"' for key, value in sorted(child.attrs.items())
            )
            out.append(f"<{name}{attributes}>")
            if child.is_empty_element:
                continue
            _write(child, out, in_pre=in_pre or name == "pre")
            out.append(f"</{name}>")


def escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(value: str) -> str:
    return escape_text(value).replace('"', "&quot;")
