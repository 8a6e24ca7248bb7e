"""Card fields: an author's Markdown becomes Anki field HTML plus the images it packs.

Three paths, cheapest first, each giving markdown-it's exact HTML: plain text
(a regular expression and an escape), simple Markdown (paragraphs and ``- ``
lists with emphasis and code spans, :mod:`builder.simplemd`), and everything
else through markdown-it (:mod:`builder.markdown`, imported on the first field
that needs it). Most decks never load markdown-it or Pygments at all, which is
most of a first build's start-up time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple, Protocol

from msgspec import Struct

from .errors import Location
from .media import MediaFile as MediaFile  # what a field packs; defined with the rules that check it
from .simplemd import escape_html, simple_html

HIGHLIGHT_CSS = Path(__file__).with_name("highlight.css")
"""Code colours, generated from Pygments by ``make docs`` (see :mod:`builder.highlight`)."""


# gc=False: one per field, holding text and MediaFiles, never in a cycle.
class RenderedField(Struct, frozen=True, gc=False):
    """Field HTML and the images its ``src`` attributes name."""

    html: str
    media: tuple[MediaFile, ...] = ()


# Plain-text fast path: one line of letters, digits, spaces and punctuation that no
# Markdown rule starts on, not opening like a list item, renders as a bare paragraph
# that markdown-it would only escape. ``{}:`` are in for cloze fields.
_PLAIN = re.compile(
    r"(?:[^\W\d_]|[{(\"'“‘«]|\d+(?![\d.)]))[^\W_]*"  # starts: a letter, opening mark or number
    r"(?:(?:[ ,.;:?!'\"()/%=+@${}\-’‘“”–—…«»°×·€£]|&(?!#?[A-Za-z0-9]+;))[^\W_]*)*"  # an & that starts no entity
)


def _plain_html(text: str) -> str | None:
    """Plain lines, in one paragraph or several split by empty lines, as markdown-it writes them.

    A line that would end in spaces (a hard break), start with spaces, or start
    anything but a paragraph steps aside, as does any line :data:`_PLAIN` refuses.
    """
    body = text.rstrip(" \n")
    if _PLAIN.fullmatch(body):
        return escape_html(body)
    paragraphs = _PARAGRAPH_BREAK.split(body)
    lines = [line for paragraph in paragraphs for line in paragraph.split("\n")]
    if not all(line == line.rstrip(" ") and _PLAIN.fullmatch(line) for line in lines):
        return None
    if len(paragraphs) == 1:
        return escape_html(body)
    return "\n".join(f"<p>{escape_html(paragraph)}</p>" for paragraph in paragraphs)


_PARAGRAPH_BREAK = re.compile(r"\n\n+")


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
        plain = simple_html(text)  # paragraphs and "- " lists with emphasis and code: see builder.simplemd
    if plain is not None:
        return RenderedField(plain)
    from .markdown import render_markdown

    return render_markdown(text, where, base_dir, allow_html, sanitising=allow_html and not unsafe_html)


def highlight_css() -> str:
    """Token colours for code blocks, light and night: the same for every deck, so read from a file."""
    return HIGHLIGHT_CSS.read_text(encoding="utf-8")


class RenderedLike(Protocol):
    @property
    def html(self) -> str: ...

    @property
    def media(self) -> tuple[MediaFile, ...]: ...


class Remembered(NamedTuple):
    html: str
    media: tuple[MediaFile, ...] = ()


class Renderer:
    """Renders fields and gives the code CSS; :class:`builder.cache.CachedRenderer` remembers them across builds.

    ``unsafe_html`` (the command line's ``--unsafe-html``, never a source's)
    keeps the HTML of ``allow_html`` sources raw instead of sanitised.
    """

    def __init__(self, *, unsafe_html: bool = False) -> None:
        self.unsafe_html = unsafe_html

    def field(self, text: str, where: Location, *, base_dir: Path, allow_html: bool = False) -> RenderedLike:
        return render_field(text, where, base_dir=base_dir, allow_html=allow_html, unsafe_html=self.unsafe_html)

    def html_mode(self, allow_html: bool) -> str:
        """How a field's HTML is rendered: as text, sanitised or raw."""
        if not allow_html:
            return "text"
        return "raw" if self.unsafe_html else "sanitised"

    def css(self) -> str:
        return highlight_css()

    def save(self) -> None:
        """Keep what was rendered for the next build; nothing to keep here."""
