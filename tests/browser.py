"""Measure rendered Anki cards in headless Chromium, the way a phone shows them.

Driver: **Playwright for Python** driving Debian's Chromium (``/usr/bin/chromium``,
``executable_path``); its wheel bundles the Node driver, so nothing is downloaded at
run time and ``playwright install`` is never used. Add to the ``test`` extra:
``playwright>=1.49`` (it pulls in ``greenlet``). ``.ci/install-browser`` installs both.

Why these choices:
- One browser per session (``card_browser`` fixture), one page reused: each check
  rewrites the document with ``page.set_content`` (~30 ms) instead of navigating
  (~150 ms). The page first loads an empty shell file from ``base_dir`` so relative
  ``<img src>`` resolves against the collection's media folder, as in the reviewers.
- Every request goes through a route: ``data:``/``blob:`` and files under ``base_dir``
  continue, everything else is aborted and reported in ``Measurement.requests``.
  Resource hints (preconnect, dns-prefetch) never become requests, so they are
  counted from the DOM instead, together with ``<script>``, ``on*=`` and ``javascript:``.
- Scripts are left enabled: the point is to notice if card content could run one
  (``window.__pwned`` sentinel, console messages, dialogs, page errors).
- Mobile emulation (``is_mobile``) plus the reviewers' viewport meta tag, so layout
  width is the device width rather than a 980 px desktop fallback.

Use it with ``pytest_plugins = ("tests.browser",)`` and the ``card_browser`` fixture.
PYTEST_DONT_REWRITE: it has no asserts, and test modules import it before pytest
loads it as a plugin, which would otherwise warn.
"""

from __future__ import annotations

import html as _html
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pytest

from builder.preview import CHROMIUM as CHROMIUM  # the same browser and flags as builder preview --png
from builder.preview import CHROMIUM_ARGS, PHONE

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Dialog, Page, Request, Route, ViewportSize

VIEWPORTS: dict[str, tuple[int, int]] = {
    "320x640": (320, 640),
    "360x740": (360, 740),
    "412x915": (412, 915),
}
SCREENSHOT_VIEWPORT = PHONE
# mode -> (classes on <html>, extra classes on <body class="card card1 ...">)
MODES: dict[str, tuple[str, str]] = {
    "light": ("", ""),
    "night-ankidroid": ("", "night_mode nightMode"),  # AnkiDroid and desktop
    "night-ankimobile": ("", "nightMode"),
    "night-ancestor": ("nightMode night_mode", ""),  # class only on an ancestor
}


def wrap_card(inner_html: str, css: str, mode: str = "light", card_ord: int = 1) -> str:
    """Build the page the reviewers build around ``render_output()`` text.

    AnkiDroid and desktop put ``card cardN`` plus the night classes on ``<body>``
    and the card inside ``<div id="qa">``; ``</style>`` cannot occur in our CSS.
    """
    html_cls, body_extra = MODES[mode]
    body_cls = f"card card{card_ord} {body_extra}".strip()
    return (
        f'<!doctype html><html class="{html_cls}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{css}</style></head>"
        f'<body class="{_html.escape(body_cls)}"><div id="qa">{inner_html}</div></body></html>'
    )


@dataclass(frozen=True)
class Contrast:
    """One text element's colours; ``role`` is cloze/link/code/extra/source/text."""

    role: str
    where: str
    fg: str
    bg: str
    ratio: float
    font_px: float


@dataclass
class Measurement:
    """What one page looked like; plain data so assertions can print it."""

    viewport: tuple[int, int]
    scroll_width: int
    inner_width: int
    offenders: list[str]
    body_font_px: float
    contrasts: list[Contrast]
    text: str
    cloze_texts: list[str]
    images: list[dict[str, Any]]
    scrollers: list[dict[str, Any]]
    separator: dict[str, Any] | None
    question_bottom: float | None
    question_visible_after_scroll: float | None
    script_markers: int
    resource_hints: int
    pwned: bool
    requests: list[str]  # foreign URLs, all blocked
    local_files: list[str]  # media files loaded from base_dir
    console: list[str]
    dialogs: list[str]
    page_errors: list[str]

    @property
    def overflows(self) -> bool:
        return self.scroll_width > self.inner_width

    @property
    def script_ran(self) -> bool:
        return self.pwned or bool(self.console or self.dialogs or self.page_errors)

    def low_contrast(self, minimum: float = 4.5) -> list[Contrast]:
        return [c for c in self.contrasts if c.ratio < minimum]


# One round trip per page: everything a test may assert on, as JSON-able data.
# Colours go through a 1x1 canvas when they are not plain rgb()/rgba(), so
# color(), oklch() and friends still compare correctly.
_MEASURE_JS = r"""
() => {
  const W = innerWidth, H = innerHeight;
  const cv = document.createElement("canvas"); cv.width = cv.height = 1;
  const cx = cv.getContext("2d", { willReadFrequently: true });
  const parse = (s) => {
    const m = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(s);
    if (m) return [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]];
    cx.clearRect(0, 0, 1, 1); cx.fillStyle = s; cx.fillRect(0, 0, 1, 1);
    const d = cx.getImageData(0, 0, 1, 1).data; return [d[0], d[1], d[2], d[3] / 255];
  };
  const over = (t, u) => [0, 1, 2].map((i) => t[i] * t[3] + u[i] * (1 - t[3])).concat([1]);
  const backdrop = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reduceRight((acc, c) => over(c, acc), [255, 255, 255, 1]);
  };
  const lin = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return Math.round(((x + 0.05) / (y + 0.05)) * 100) / 100;
  };
  const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    [...e.classList].map((c) => "." + c).join("");
  const where = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body; e = e.parentElement) parts.unshift(name(e));
    return parts.slice(-3).join(" > ");
  };
  const shown = (el) => el.getClientRects().length > 0 &&
    getComputedStyle(el).visibility !== "hidden" && parseFloat(getComputedStyle(el).opacity) > 0;
  const role = (el) => el.closest(".cloze") ? "cloze" : el.closest("a") ? "link"
    : el.closest("pre, code, kbd, samp") ? "code" : el.closest(".source") ? "source"
    : el.closest(".extra") ? "extra" : "text";
  const contrasts = new Map(), seen = new Set();
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.data.trim() || seen.has(el) || !shown(el)) continue;
    seen.add(el);
    const cs = getComputedStyle(el), bg = backdrop(el), fg = over(parse(cs.color), bg);
    const item = { role: role(el), where: where(el), fg: hex(fg), bg: hex(bg),
      ratio: ratio(fg, bg), font_px: parseFloat(cs.fontSize) };
    const key = [item.role, item.fg, item.bg, item.font_px].join("|");
    if (!contrasts.has(key)) contrasts.set(key, item);
  }
  const clipped = (el) => {
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement)
      if (getComputedStyle(e).overflowX !== "visible") return true;
    return false;
  };
  const all = [...document.body.querySelectorAll("*")];
  const offenders = all.filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && (r.right > W + 0.5 || r.left < -0.5) && !clipped(e);
  }).slice(0, 5).map((e) => {
    const r = e.getBoundingClientRect();
    return `${where(e)} [${Math.round(r.left)}..${Math.round(r.right)}]`;
  });
  const box = (e) => { const r = e.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top + scrollY, width: r.width, height: r.height }; };
  const images = [...document.images].map((i) => ({ src: i.getAttribute("src"), complete: i.complete,
    natural_width: i.naturalWidth, natural_height: i.naturalHeight, ...box(i) }));
  const scrollers = [...document.querySelectorAll("pre, table, .codehilite")].map((e) => ({
    where: where(e), scroll_width: e.scrollWidth, client_width: e.clientWidth,
    overflow_x: getComputedStyle(e).overflowX, ...box(e) }));
  const hr = document.getElementById("answer");
  let separator = null, questionVisible = null;
  const question = document.querySelector(".card-body");
  if (hr) {
    const cs = getComputedStyle(hr), bg = backdrop(hr);
    separator = { ...box(hr), thickness: parseFloat(cs.borderTopWidth) + parseFloat(cs.height),
      color: hex(parse(cs.borderTopColor)), contrast: ratio(over(parse(cs.borderTopColor), bg), bg) };
  }
  const result = {  // keys are Measurement's field names
    scroll_width: document.documentElement.scrollWidth, inner_width: W, offenders,
    body_font_px: parseFloat(getComputedStyle(document.body).fontSize),
    contrasts: [...contrasts.values()], text: document.body.innerText,
    cloze_texts: [...document.querySelectorAll(".cloze")].filter(shown).map((e) => e.innerText),
    images, scrollers, separator,
    question_bottom: question ? box(question).top + box(question).height : null,
    script_markers: document.scripts.length + all.filter((e) => [...e.attributes].some(
      (a) => /^on/i.test(a.name) || /^\s*javascript:/i.test(a.value))).length,
    resource_hints: document.querySelectorAll(
      "link, iframe, frame, object, embed, base, meta[http-equiv], portal").length,
    pwned: typeof window.__pwned !== "undefined",
  };
  if (hr && question) {
    hr.scrollIntoView();
    const q = question.getBoundingClientRect();
    questionVisible = Math.max(0, Math.min(q.bottom, H) - Math.max(q.top, 0));
    scrollTo(0, 0);
  }
  result.question_visible_after_scroll = questionVisible;
  return result;
}
"""


@dataclass
class _Events:
    """What the page did while one card was shown (filled from Playwright events)."""

    requests: list[str] = field(default_factory=list)
    local_files: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


class CardBrowser:
    """One Chromium page that renders card HTML and measures it; reused for speed."""

    _SHELL = ".card-browser-shell.html"

    def __init__(self, context: BrowserContext, scratch: Path) -> None:
        self._scratch = scratch
        self._page: Page = context.pages[0] if context.pages else context.new_page()
        self._base: Path | None = None
        self._dirty = True  # a script may have left globals or timers behind
        self._events = _Events()
        self._page.on("console", lambda m: self._note(self._events.console, f"{m.type}: {m.text}"))
        self._page.on("pageerror", lambda e: self._note(self._events.page_errors, str(e)))
        self._page.on("dialog", self._on_dialog)
        self._page.on("request", self._on_request)
        context.route("**/*", self._route)

    def _note(self, into: list[str], text: str) -> None:
        into.append(text[:300])
        self._dirty = True

    def _on_dialog(self, dialog: Dialog) -> None:
        self._note(self._events.dialogs, f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _allowed(self, url: str) -> bool:
        """Inline data and files inside the media folder; nothing else may load."""
        if url.startswith(("data:", "blob:", "about:")):
            return True
        if not url.startswith("file://") or self._base is None:
            return False
        return Path(unquote(urlsplit(url).path)).resolve().is_relative_to(self._base)

    def _route(self, route: Route) -> None:
        if self._allowed(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def _on_request(self, request: Request) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")) or url.endswith(self._SHELL):
            return
        if self._allowed(url):
            self._events.local_files.append(url)
        else:
            self._events.requests.append(url[:300])

    def _prepare(self, base_dir: Path, viewport: tuple[int, int]) -> None:
        """(Re)load an empty shell from ``base_dir`` so relative URLs resolve there."""
        base = base_dir.resolve()
        size: ViewportSize = {"width": viewport[0], "height": viewport[1]}
        if self._page.viewport_size != size:
            self._page.set_viewport_size(size)
        if base == self._base and not self._dirty:
            return
        self._base = base
        shell = base / self._SHELL
        shell.write_text("<!doctype html><title>card</title>", encoding="utf-8")
        try:
            self._page.goto(shell.as_uri())
        finally:
            shell.unlink(missing_ok=True)
        self._dirty = False

    def render(
        self,
        inner_html: str,
        css: str,
        *,
        viewport: tuple[int, int] = VIEWPORTS["360x740"],
        mode: str = "light",
        card_ord: int = 1,
        base_dir: Path | None = None,
        screenshot: Path | None = None,
    ) -> Measurement:
        """Show ``inner_html`` (a ``question_text``/``answer_text``) and measure it.

        ``base_dir`` is where relative media URLs resolve (the collection's media
        folder); files outside it count as foreign requests and are blocked.
        """
        self._prepare(base_dir or self._scratch, viewport)
        self._events = events = _Events()
        self._dirty = True  # until the page is known to be clean; an exception keeps it
        self._page.set_content(wrap_card(inner_html, css, mode, card_ord))
        raw: dict[str, Any] = self._page.evaluate(_MEASURE_JS)
        if screenshot is not None:
            self._page.screenshot(path=str(screenshot), full_page=True)
        self._events = _Events()  # late events must not leak into this result
        contrasts = [Contrast(**c) for c in raw.pop("contrasts")]
        m = Measurement(viewport=viewport, contrasts=contrasts, **raw, **asdict(events))
        self._dirty = m.script_ran or m.script_markers > 0
        return m


def browser_missing_reason() -> str | None:
    """Why browser tests cannot run here, or None; callers skip only outside CI."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (run .ci/install-browser)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (run .ci/install-browser)"
    return None


@contextmanager
def launch_card_browser() -> Iterator[CardBrowser]:
    """Start Chromium with a fresh profile that is deleted afterwards, whatever happens."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="card-browser-", ignore_cleanup_errors=True) as tmp:
        profile, scratch = Path(tmp, "profile"), Path(tmp, "scratch")
        scratch.mkdir()
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(profile),
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                is_mobile=True,
                has_touch=True,
                device_scale_factor=2,
                viewport={"width": 360, "height": 740},
                service_workers="block",
            )
            try:
                yield CardBrowser(context, scratch.resolve())
            finally:
                context.close()


@pytest.fixture(scope="session")
def card_browser() -> Iterator[CardBrowser]:
    """Session-wide browser; a missing browser skips locally but fails under CI."""
    reason = browser_missing_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {reason}")
        pytest.skip(reason)
    with launch_card_browser() as browser:
        yield browser
