"""``builder preview``: every card as Anki's engine renders it, in a phone-width gallery.

Template strings say little about what a phone shows: cloze substitution, field
HTML and media references are Anki's work. So the deck is packaged exactly as
``builder build`` packages it (without touching ``dist/`` or the lock), imported
into a throwaway collection, and each card's ``render_output()`` is written as
a page of its own, the way the reviewers wrap it (``<body class="card cardN">``,
night mode as ``nightMode night_mode``). The gallery shows those pages in
390 px frames, light and night side by side; ``--png`` screenshots them at
390x844 with Debian's Chromium.

Every page carries a Content-Security-Policy that allows only files of the
gallery itself: reviews happen offline, so a card that needs the network must
look broken here too, and card content can run no script in the gallery.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from msgspec import Struct
from msgspec.structs import replace

from .assemble import RETIRED_TAG
from .build import plan_deck
from .errors import BuilderError
from .packaging import build_package
from .plan import Plan
from .render import Renderer

ENGINE_HINT = ".venv/bin/pip install -e '.[preview]'"
CHROMIUM = Path("/usr/bin/chromium")
PHONE = (390, 844)
SIDES = ("question", "answer")
MODES = ("light", "night")
MARKER = ".builder-preview"
"""Names a folder as ours, so a rebuild may replace it whole and never a user's folder."""

_CARD_CSP = "default-src 'none'; img-src 'self' data:; media-src 'self' data:; style-src 'unsafe-inline'"
_INDEX_CSP = "default-src 'none'; frame-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'"
_AV_REF = re.compile(r"\[anki:play:[qa]:\d+\]")
# Anki's reviewers draw a replay button where a [sound:]/{{tts}} reference was.
_PLAY_BUTTON = (
    '<span class="replay-button" role="img" aria-label="play" style="display:inline-block;vertical-align:middle">'
    '<svg viewBox="0 0 64 64" width="40" height="40"><circle cx="32" cy="32" r="29" fill="none"'
    ' stroke="currentColor" stroke-width="3"/><path d="M56.5 32.3 19 52.4l.3-40.8z" fill="currentColor"/></svg></span>'
)


class PreviewError(BuilderError):
    """The preview cannot be made here: the engine or the browser is missing, or the folder is not ours."""


class CardView(Struct, frozen=True):
    """One card as Anki rendered it; ``label`` names its files: note id, plus ``-cN`` for cloze cards."""

    label: str
    note_id: str
    deck: str
    retired: bool
    ord: int
    question: str
    answer: str
    css: str

    def page_name(self, side: str, mode: str) -> str:
        return f"{self.label}-{side}-{mode}"


class PreviewResult(Struct, frozen=True):
    index: Path
    notes: int
    cards: int
    version: str
    screenshots: tuple[Path, ...]


def require_engine() -> None:
    try:
        import anki.collection  # noqa: F401
    except ImportError:
        raise PreviewError(f"builder preview needs the Anki engine: {ENGINE_HINT}") from None


def require_browser() -> None:
    if not CHROMIUM.exists():
        raise PreviewError(
            f"builder preview --png needs Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise PreviewError(f"builder preview --png needs Playwright to drive Chromium: {ENGINE_HINT}") from None


def preview_deck(
    source: Path, out_dir: Path | None = None, *, png: bool = False, unsafe_html: bool = False
) -> PreviewResult:
    """Write the gallery of ``source`` into ``out_dir`` (default ``preview/<slug>``); nothing else is touched.

    ``unsafe_html`` shows an ``allow_html`` source's HTML raw, as ``builder build --unsafe-html`` packs it.
    """
    require_engine()
    if png:
        require_browser()
    plan = plan_deck(source, renderer=Renderer(unsafe_html=unsafe_html))
    out = out_dir if out_dir is not None else Path("preview") / plan.deck.slug
    gallery = _gallery_folder(out)
    _check_ours(gallery, out)
    try:
        result = _write_preview(plan, gallery, png)
    except OSError as exc:
        raise PreviewError(f"cannot write the preview: {exc.strerror or exc}; check the folder or choose another --out",
                           out) from None
    if gallery == out:
        return result
    return replace(result, index=out / "index.html",
                   screenshots=tuple(out / shot.relative_to(gallery) for shot in result.screenshots))


def _gallery_folder(out: Path) -> Path:
    """The folder to replace: where ``out`` leads when it is ``.`` or ``..``, else ``out``.

    An ``out`` that is a symbolic link is refused, dangling or not: the gallery
    is replaced whole, and a link could lead that anywhere.
    """
    if out.is_symlink():
        raise PreviewError(f"this is a symbolic link to '{os.readlink(out)}', which builder never writes "
                           "through: make it a folder of its own, or choose another --out", out)
    gallery = out.resolve() if out.name in ("", ".", "..") else out
    if Path.cwd().resolve().is_relative_to(gallery.resolve()):
        raise PreviewError("--out is the current folder or holds it, and the gallery replaces its folder whole: "
                           "choose a folder of its own", out)
    return gallery


def _write_preview(plan: Plan, out: Path, png: bool) -> PreviewResult:
    out.parent.mkdir(parents=True, exist_ok=True)
    with _staging(out) as stage, tempfile.TemporaryDirectory(prefix="builder-preview-") as work:
        pages = stage / "cards"
        pages.mkdir()
        cards = render_cards(plan, Path(work), media_to=pages)
        faces = [(card, side, mode) for card in cards for side in SIDES for mode in MODES]
        for card, side, mode in faces:
            page = card_page(card, side, night=mode == "night")
            (pages / f"{card.page_name(side, mode)}.html").write_text(page, encoding="utf-8")
        names = [card.page_name(side, mode) for card, side, mode in faces] if png else []
        if png:
            (stage / "png").mkdir()
            screenshot_pages([(pages / f"{name}.html", stage / "png" / f"{name}.png") for name in names])
        (stage / "index.html").write_text(gallery_page(plan, cards, png=png), encoding="utf-8")
        (stage / MARKER).write_text("Written by 'builder preview'; replaced whole on the next run.\n", "utf-8")
    shots = tuple(out / "png" / f"{name}.png" for name in names)
    return PreviewResult(out / "index.html", len(plan.notes), len(cards), plan.version, shots)


def _check_ours(gallery: Path, out: Path) -> None:
    if gallery.exists() and (not gallery.is_dir() or (any(gallery.iterdir()) and not (gallery / MARKER).is_file())):
        raise PreviewError(f"{out} exists and is not a builder preview: choose another --out, or remove it")


@contextlib.contextmanager
def _staging(out: Path) -> Iterator[Path]:
    """A sibling folder that replaces ``out`` whole once complete, so no stale page or PNG survives."""
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.builder-tmp-", dir=out.parent))
    try:
        yield stage
        old = out.with_name(f"{stage.name}-old")
        if out.exists():
            out.rename(old)
        stage.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def render_cards(plan: Plan, work: Path, *, media_to: Path) -> list[CardView]:
    """Import the packaged deck into a fresh collection in ``work``; each card, in source order, rendered."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    apkg = work / plan.apkg_name
    apkg.write_bytes(build_package(plan.note_types, plan.decks, plan.notes))
    col = Collection(str(work / "preview.anki2"))
    try:
        request = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
        col.import_anki_package(request)
        cards = [view for packaged in plan.notes for view in _views(col, packaged.note.guid, packaged.note.note_id)]
        media = Path(col.media.dir())
        for item in sorted(media.iterdir()):
            if item.is_file():
                shutil.copy2(item, media_to / item.name)
        return cards
    finally:
        col.close()


def _views(col: Any, guid: str, note_id: str) -> Iterator[CardView]:
    note = col.get_note(col.db.scalar("select id from notes where guid=?", guid))
    cloze = note.note_type()["type"] == 1
    several = len(note.note_type()["tmpls"]) > 1  # a reverse note's two cards need a name each
    for card in sorted(note.cards(), key=lambda c: c.ord):
        out = card.render_output()
        yield CardView(
            label=f"{note_id}-c{card.ord + 1}" if cloze else f"{note_id}-card{card.ord + 1}" if several else note_id,
            note_id=note_id,
            deck=col.decks.name(card.did),
            retired=RETIRED_TAG in note.tags,
            ord=card.ord,
            question=out.question_text,
            answer=out.answer_text,
            css=out.css,
        )


def card_page(card: CardView, side: str, *, night: bool) -> str:
    """One side as the reviewers show it: viewport meta, the note type's CSS, body classes."""
    inner = _AV_REF.sub(_PLAY_BUTTON, card.question if side == "question" else card.answer)
    body = f"card card{card.ord + 1}" + (" nightMode night_mode" if night else "")
    css = card.css.replace("</", "<\\/")
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CARD_CSP}">\n'
        f"<title>{html.escape(card.label)} ({side})</title>\n<style>{css}</style></head>\n"
        f'<body class="{body}"><div id="qa">{inner}</div></body></html>\n'
    )


_GALLERY_CSS = """\
body { margin: 0; padding: 16px; background: #3a3f45; color: #f0f3f6;
  font: 16px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; }
a { color: #a5d6ff; }
header, nav { max-width: 72rem; }
nav ol { columns: 18rem; padding-inline-start: 1.5em; }
section { margin: 32px 0; }
h2 { font-size: 20px; margin: 0 0 8px; overflow-wrap: anywhere; }
h2 small { font-weight: normal; color: #d0d7de; }
.frames { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; }
figcaption { font-size: 14px; color: #d0d7de; margin-bottom: 4px; }
iframe { border: 1px solid #8b949e; border-radius: 12px; background: #fff; display: block; }
iframe.night { background: #000; }
""" + f"iframe {{ width: {PHONE[0]}px; height: {PHONE[1]}px; }}\n"


def gallery_page(plan: Plan, cards: list[CardView], *, png: bool) -> str:
    """The static index: a list of cards, then four 390 px frames per card, no script."""
    title = html.escape(plan.deck.title)
    toc = "".join(f'<li><a href="#{c.label}">{html.escape(c.label)}</a></li>' for c in cards)
    sections = "".join(_gallery_section(card, png) for card in cards)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_INDEX_CSP}">\n'
        f"<title>Preview: {title}</title>\n<style>{_GALLERY_CSS}</style></head>\n<body>\n"
        f"<header><h1>{title} <small>{html.escape(plan.version)}</small></h1>\n"
        f"<p>{len(plan.notes)} notes, {len(cards)} cards, rendered by Anki's engine as a phone shows them: "
        f"{PHONE[0]}x{PHONE[1]} frames, question and answer, light and night mode. "
        "Each frame scrolls like the phone's screen.</p></header>\n"
        f"<nav><ol>{toc}</ol></nav>\n{sections}</body></html>\n"
    )


def _gallery_section(card: CardView, png: bool) -> str:
    frames = []
    for side in SIDES:
        for mode in MODES:
            name = card.page_name(side, mode)
            caption = f"{side.capitalize()} · {mode}"
            if png:
                caption += f' · <a href="png/{name}.png">PNG</a>'
            frames.append(
                f'<figure><figcaption>{caption}</figcaption><iframe class="{mode}" src="cards/{name}.html"'
                f' title="{html.escape(card.label)}: {side}, {mode} mode" loading="lazy"></iframe></figure>'
            )
    retired = " · retired" if card.retired else ""
    return (
        f'<section id="{card.label}"><h2>{html.escape(card.label)} '
        f"<small>{html.escape(card.deck)}{retired}</small></h2>\n"
        f'<div class="frames">{"".join(frames)}</div></section>\n'
    )


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--force-color-profile=srgb",
    # Belt and braces: even a request that slipped past the route and the CSP cannot resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
"""Headless, offline, reproducible colours; tests/browser.py measures cards with the same flags."""


def screenshot_pages(pages: list[tuple[Path, Path]]) -> None:
    """Each (page, png) pair: the page at 390x844, device scale 1, as a phone-sized PNG.

    Playwright's sync API refuses to start in a thread that already runs an
    asyncio loop (a caller's, or another sync Playwright session), so the
    browser is driven from a worker thread of its own.
    """
    failure: list[BaseException] = []

    def work() -> None:
        try:
            _screenshot_pages(pages)
        except BaseException as exc:  # handed back to the calling thread
            failure.append(exc)

    worker = threading.Thread(target=work, name="builder-screenshots")
    worker.start()
    worker.join()
    if failure:
        raise failure[0]


def _screenshot_pages(pages: list[tuple[Path, Path]]) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import Route, sync_playwright

    def local_only(route: Route) -> None:
        if route.request.url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(
                    viewport={"width": PHONE[0], "height": PHONE[1]},
                    device_scale_factor=1,
                    is_mobile=True,
                    has_touch=True,
                    service_workers="block",
                )
                context.route("**/*", local_only)
                page = context.new_page()
                for page_path, png_path in pages:
                    page.goto(page_path.resolve().as_uri())
                    page.screenshot(path=str(png_path))
            finally:
                browser.close()
    except PlaywrightError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PreviewError(f"Chromium ({CHROMIUM}) failed while taking screenshots: {first_line}") from None
