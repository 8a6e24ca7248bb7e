"""Author HTML (``allow_html: true``) made safe to show on every learner's Anki.

Anki runs a card's JavaScript on every desktop and phone that reviews it, and a
source's ``allow_html: true`` is one line in a deck pull request. So that line
buys formatting, never code: field HTML that holds author HTML goes through
nh3 (Python's binding of the Rust sanitiser ammonia, an HTML5 parser with an
allow-list), and keeps

* text formatting, headings, lists, quotes, tables, ``<details>``, ruby;
* images whose ``src`` is a file beside the source: packed like Markdown images,
  with the same errors for a path outside the source's folder;
* links to ``http:``, ``https:`` and ``mailto:`` addresses;
* ``style`` attributes with colours, weight, slant, decoration and alignment
  only, and no ``url(``, ``image``, ``expression``, escapes or comments in them;
* the classes builder's own code blocks use (``codehilite`` and Pygments').

Everything else goes: ``<script>`` and ``<style>`` with their content, every
other element (``<iframe>``, ``<object>``, ``<link>``, ``<meta>``, ``<svg>``,
forms...), event handlers, ids, ``javascript:`` and relative links, and
every remote load (an ``<img>`` from the web, ``//host/x.png``, a CSS
``url()``). Cards are reviewed offline and may not phone home.

Raw, unsanitised HTML is only for a command-line flag (``--unsafe-html``),
which no source can set. :func:`removed_by_sanitising` tells ``builder check``
what the sanitiser would take out, so an author sees it before a learner does.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from html.parser import HTMLParser

import nh3
from pygments.token import STANDARD_TYPES  # type: ignore[import-untyped]

TAGS = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s",
    "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul", "var", "wbr",
})
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "noscript"})
"""Elements whose text is code, not something to show."""
ATTRIBUTES = {
    "*": {"title", "lang", "dir", "style"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "reversed"},
}
CLASSES = {"div": {"codehilite"}, "span": {name for name in STANDARD_TYPES.values() if name}}
STYLE_PROPERTIES = frozenset({
    "color", "background-color", "font-style", "font-weight", "text-align", "text-decoration", "vertical-align",
})
LINK_SCHEMES = frozenset({"http", "https", "mailto"})

_STYLE_TEXT = re.compile(r"[a-zA-Z0-9\s#%.,:;()!+-]*")
"""What a kept ``style`` may be written with: no quotes, escapes (``\\75rl``), comments or ``@``."""
_STYLE_LOADS = re.compile(r"url|image|expression|src", re.IGNORECASE)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")

ImagePacker = Callable[[str], str | None]
"""Given an ``<img src>``, the name to use instead, or None to drop it."""


def scheme(url: str) -> str:
    match = _SCHEME.match(url.strip())
    return match.group(1).lower() if match else ""


def is_remote(url: str) -> bool:
    """Anything but a relative file path: a web address, ``//host/x``, ``data:``, ``file:``..."""
    return bool(scheme(url)) or url.strip().startswith(("//", "\\\\", "/\\", "\\/"))


def sanitise(html: str, pack_image: ImagePacker) -> str:
    """``html`` with only what the module docstring lists; ``pack_image`` decides each ``<img src>``.

    An error ``pack_image`` raises (a missing image, a path outside the
    source's folder) is raised here; nh3 itself would only log it.
    """
    errors: list[Exception] = []

    def keep(tag: str, attribute: str, value: str) -> str | None:
        try:
            return _kept_value(tag, attribute, value, pack_image)
        except Exception as error:  # raised below: nh3 would only log it and drop the attribute
            errors.append(error)
            return None

    cleaned: str = nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=keep,
        strip_comments=True,
        link_rel=None,
        url_schemes=set(LINK_SCHEMES),
        allowed_classes={tag: set(names) for tag, names in CLASSES.items()},
        filter_style_properties=set(STYLE_PROPERTIES),
    )
    if errors:
        raise errors[0]
    return cleaned


def _kept_value(tag: str, attribute: str, value: str, pack_image: ImagePacker) -> str | None:
    if attribute == "style":
        return value if _STYLE_TEXT.fullmatch(value) and not _STYLE_LOADS.search(value) else None
    if tag == "img" and attribute == "src":
        return pack_image(value)
    if attribute == "href":  # nh3 checked the scheme of absolute links; relative ones go here
        return value if scheme(value) in LINK_SCHEMES else None
    return value


class _Elements(HTMLParser):
    """Start tags and their attributes, in document order, as a browser would read them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def _declarations(style: str) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in style.split(";") if ":" in part)
    return {name.strip().lower(): f"{name.strip()}: {value.strip()}" for name, value in pairs}


def _shown(tag: str, name: str, value: str, limit: int = 40) -> str:
    value = " ".join(value.split())
    value = value if len(value) <= limit else value[: limit - 1] + "…"
    return f'<{tag} {name}="{value}">'


def removed_by_sanitising(author_html: str) -> list[str]:
    """What :func:`sanitise` takes out of ``author_html``: ``<script>``, ``<img onerror="...">``, ...

    Images are judged without reading files: a relative path stays (the build
    packs it or says why it cannot), anything remote is removed.
    """
    before = _Elements(author_html).found
    after = _Elements(sanitise(author_html, lambda src: None if is_remote(src) else src)).found
    removed: list[str] = []
    matcher = difflib.SequenceMatcher(a=[tag for tag, _ in before], b=[tag for tag, _ in after], autojunk=False)
    for operation, start, end, kept_start, _ in matcher.get_opcodes():
        if operation in ("delete", "replace"):
            removed += [f"<{tag}>" for tag, _ in before[start:end]]
        elif operation == "equal":
            for (tag, attributes), (_, kept) in zip(before[start:end], after[kept_start:], strict=False):
                for name, value in attributes.items():
                    if name not in kept:
                        removed.append(_shown(tag, name, value))
                    elif name == "style":  # kept, but maybe not every declaration
                        declared = _declarations(value)
                        removed += [_shown(tag, name, declared[prop])
                                    for prop in sorted(declared.keys() - _declarations(kept[name]).keys())]
                    elif name == "class":
                        removed += [_shown(tag, name, word) for word in value.split() if word not in kept[name].split()]
    return list(dict.fromkeys(removed))
