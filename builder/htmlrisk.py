"""What in HTML or CSS would run or load on a learner's device, decided by an allowlist.

Anki shows a declared type's templates and a raw HTML field (``{html: ...}``) in a web
view on every learner's desktop and phone. A blocklist of patterns misses what a browser
forgives (``src=" //host"``, ``src="\\\\host"``, ``u\\72l(``, ``jav&#9;ascript:``), so here
the markup is parsed and everything is a risk unless it is known to be safe: elements and
attributes on the lists below, links that are http(s) or local, media that are plain
relative file names, and CSS without a URL function, ``@import`` or a backslash escape.
It also says which media files raw HTML shows (:func:`shown_media`), for the build's E172 and
``builder pull``. Only raw HTML (``{html: ...}`` fields, declared types) brings this module in.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import unquote

from .media import url_scheme

SCRIPT = "a script"
REMOTE = "a remote load"
UNKNOWN = "markup builder does not know to be safe"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SAFE_ELEMENTS = _words("""
    a abbr acronym address article aside audio b bdi bdo big blockquote br caption center cite code col colgroup
    dd del details dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6 header hr i img ins kbd label
    li main mark nav ol p picture pre q rb rp rt rtc ruby s samp section small source span strike strong style sub
    summary sup table tbody td tfoot th thead tr track tt u ul var video wbr
    svg g path circle ellipse line polyline polygon rect text tspan title desc defs lineargradient radialgradient
    stop clippath mask marker symbol
    math mi mn mo ms mtext mrow msub msup msubsup mfrac msqrt mroot mtable mtr mtd mspace mover munder munderover
    semantics annotation
""")
_SCRIPT_ELEMENTS = _words("""
    script iframe frame frameset object embed applet meta link base form input button select textarea
    foreignobject portal noscript template animate set animatemotion animatetransform handler listener
""")
_LOAD_ELEMENTS = _words("image use feimage")

_SAFE_ATTRIBUTES = _words("""
    abbr align alt bgcolor border cellpadding cellspacing char charoff class clear color cols colspan compact
    controls coords datetime dir face frame headers height hidden hspace id lang loop muted name nowrap open preload
    rel reversed role rows rowspan rules scope shape size sizes span start summary tabindex target title translate
    type valign value vspace width loading decoding autoplay playsinline kind label srclang default
    xmlns viewbox preserveaspectratio fill fill-opacity fill-rule stroke stroke-width stroke-linecap stroke-linejoin
    stroke-dasharray stroke-opacity opacity d cx cy r rx ry x y x1 y1 x2 y2 dx dy points transform font-size
    font-family font-weight text-anchor dominant-baseline offset stop-color stop-opacity gradientunits
    gradienttransform clip-path clip-rule marker-start marker-mid marker-end version mathvariant display
    displaystyle encoding
""")
_LINK_ATTRIBUTES = _words("href cite longdesc")  # followed when clicked, never loaded by showing them
_LOAD_ATTRIBUTES = _words("""
    src background poster data lowsrc dynsrc codebase archive manifest xlink:href action formaction ping usemap
    profile classid
""")
_LINKS = _words("a area")

_CONTROL = re.compile(r"[\x00-\x20\x7f]+")  # what a browser drops from a URL (and ASCII whitespace anywhere)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.IGNORECASE)
_FIELD = re.compile(r"\{\{.*?\}\}", re.DOTALL)  # an Anki field substitution: what a template does
_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.DOTALL)
_CSS_LOADS = ("url(", "image-set(", "image(", "cross-fade(", "element(", "src(", "@import", "@font-face")
_CSS_SCRIPTS = ("expression(", "javascript:", "vbscript:", "behavior:", "-moz-binding")
_URL_CALL = re.compile(r"url\(([^)]*)\)")
_QUOTES = "\"'"
_UNFINISHED = re.compile(r"<[a-zA-Z][^>\s/]*[\s/][^>]*\Z")  # attributes the template's next ">" would finish


def _plain(value: str) -> str:
    """A URL as a browser reads it: entities decoded, whitespace and control characters gone, fields a name."""
    return _CONTROL.sub("", _FIELD.sub("x", html.unescape(value)))


def _local(value: str) -> bool:
    """Whether a URL is a plain relative file name (or empty): nothing a browser would fetch from elsewhere."""
    url = _plain(value)
    return not (":" in url or "\\" in url or url.startswith("/"))


def link_risk(value: str) -> str | None:
    """Why a link (``<a href>``) is a risk: a script URL, or one that is neither http(s) nor local, or None."""
    url = _plain(value)
    if re.match(r"(?:java|vb)script:|data:", url, re.IGNORECASE):
        return SCRIPT
    if "\\" in url or url.startswith("/"):
        return REMOTE
    scheme = _SCHEME.match(url)
    return None if scheme is None or scheme.group().lower() in ("http:", "https:") else REMOTE


def css_risks(css: str) -> list[str]:
    """What in CSS runs or loads: a script-like construct, or a load (a URL function other than a local
    ``url(name)``, ``@import``, or a backslash escape, which could spell either unseen)."""
    text = _CONTROL.sub("", _COMMENT.sub("", css)).lower()
    found = [SCRIPT] if any(token in text for token in _CSS_SCRIPTS) else []
    local = _URL_CALL.sub(lambda call: "" if _local(call.group(1).strip(_QUOTES)) else call.group(), text)
    if "\\" in text or any(token in local for token in _CSS_LOADS):
        found.append(REMOTE)
    return found


class _Reader(HTMLParser):
    """Collects the risks of each start tag and each ``<style>`` element's CSS."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.risks: dict[str, None] = {}
        self.unknown = ""
        self._style = False

    def note(self, risk: str, what: str = "") -> None:
        if risk == UNKNOWN:
            self.unknown = self.unknown or what
        self.risks[risk] = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._style = tag == "style"
        if tag in _SCRIPT_ELEMENTS:
            self.note(SCRIPT)
            return
        if tag in _LOAD_ELEMENTS:
            self.note(REMOTE)
        elif tag not in _SAFE_ELEMENTS:
            self.note(UNKNOWN, f"<{tag}>")
        for name, value in attrs:
            self._attribute(tag, name, value or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._style = False

    def _attribute(self, tag: str, name: str, value: str) -> None:
        if name.startswith("on"):
            self.note(SCRIPT)
        elif name == "style":
            for risk in css_risks(value):
                self.note(risk)
        elif name == "srcset":
            for candidate in re.split(r",", html.unescape(value)):
                if not _local(candidate.strip().split(" ")[0] if candidate.strip() else ""):
                    self.note(REMOTE)
        elif name in _LINK_ATTRIBUTES and tag in _LINKS:
            link = link_risk(value)
            if link:
                self.note(link)
        elif name in _LINK_ATTRIBUTES or name in _LOAD_ATTRIBUTES or name.endswith(":href"):
            if (tag in _LINKS and name == "ping") or not _local(value):
                self.note(REMOTE)
            elif re.match(r"(?:java|vb)script:", _plain(value), re.IGNORECASE):
                self.note(SCRIPT)
        elif name not in _SAFE_ATTRIBUTES and not name.startswith(("data-", "aria-")):
            self.note(UNKNOWN, f"the attribute '{name}' of <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        self._style = False

    def handle_data(self, data: str) -> None:
        if self._style:
            for risk in css_risks(data):
                self.note(risk)

    def handle_comment(self, data: str) -> None:
        """A browser ends ``<!-->`` and ``<!--->`` at once, where Python reads on to ``-->``: what a comment
        holds is read as HTML too."""
        for risk in html_risks(data):
            self.note(risk.split(" (")[0], risk[len(UNKNOWN) + 2:-1] if risk.startswith(UNKNOWN) else "")

    def handle_pi(self, data: str) -> None:
        self.note(UNKNOWN, "a processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.note(UNKNOWN, "a declaration")


_SCRIPT_PATTERN = re.compile(
    r"<\s*(?:script|meta|link|base|object|embed|iframe|frame|form)\b"  # elements that run or load
    r"|[\s/\"'<]on[a-z]+\s*=|(?:java|vb)script\s*:",  # handlers (also after a slash: <svg/onload=>), script URLs
    re.IGNORECASE,
)
_REMOTE_PATTERN = re.compile(
    r"""(?:\b(?:src|srcset|poster|data)\s*=\s*["']?|url\(\s*["']?|@import\s*["']?)(?:https?:)?//""", re.IGNORECASE)


def html_risks(text: str) -> list[str]:
    """What in HTML runs or loads on a learner's device: "a script", "a remote load", and markup off the
    allowlist (naming the first such thing), in that order, or nothing.

    The parsed reading decides; the old patterns, matched as written and with entities decoded, are kept as a
    second opinion for markup a browser and Python's parser might split differently.
    """
    reader = _Reader()
    reader.feed(text)
    reader.close()
    if _UNFINISHED.search(text):
        reader.note(UNKNOWN, "an unfinished tag")
    for reading in (text, html.unescape(text)):
        if _SCRIPT_PATTERN.search(reading):
            reader.risks[SCRIPT] = None
        if _REMOTE_PATTERN.search(reading):
            reader.risks[REMOTE] = None
    found = [risk for risk in (SCRIPT, REMOTE) if risk in reader.risks]
    return found + [f"{UNKNOWN} ({reader.unknown})"] * (UNKNOWN in reader.risks)


def stylesheet_risks(css: str) -> list[str]:
    """What in a note type's CSS runs or loads; Anki puts it inside a ``<style>`` element, so a ``<``
    (which could close it) counts as markup."""
    found = ["markup or a script in its CSS"] * bool("<" in css or _SCRIPT_PATTERN.search(css) or
                                                       SCRIPT in css_risks(css))
    text = _CONTROL.sub("", _COMMENT.sub("", css)).lower()
    if _REMOTE_PATTERN.search(css) or REMOTE in css_risks(css.replace("\\", "")):
        found.append("a remote load in its CSS")
    elif "\\" in text:
        found.append("a CSS escape in its CSS (it could hide a load)")
    return found


_SOUND = re.compile(r"\[sound:([^\]]+)\]")


class _Sources(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name == "src" and value is not None]


def shown_media(html_text: str) -> list[str]:
    """The media files HTML shows, as Anki names them: each local ``src`` (unquoted) and ``[sound:...]``.

    Web addresses, ``data:`` and other schemes are no file of the package (a remote load is E168's matter).
    """
    reader = _Sources()
    reader.feed(html_text)
    reader.close()
    names = [match.group(1) for match in _SOUND.finditer(html_text)]
    names += [unquote(src) for src in reader.found if src and not url_scheme(src) and not src.startswith("//")]
    return list(dict.fromkeys(names))


class _TagText(HTMLParser):
    """Every start tag as written (its attributes undecoded, as Anki's cloze parser reads them)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        written = self.get_starttag_text()
        if written is not None and "{{c" in written:
            self.found.append(written)


def tags_with(html_text: str, has_marker: Callable[[str], bool]) -> list[str]:
    """The start tags of ``html_text``, as written, in which ``has_marker`` finds something (a cloze opener)."""
    reader = _TagText()
    reader.feed(html_text)
    reader.close()
    return [tag for tag in reader.found if has_marker(tag)]
