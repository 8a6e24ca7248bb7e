"""``builder watch``: draft a deck each time its source, or an image beside it, is saved.

Saving is not releasing: each save writes only the draft (:mod:`builder.draft`),
never the lock, a changelog or a versioned package, so a burst of autosaves,
a note added and removed again, or a typo made and fixed leave no trace in
what learners get. ``builder build`` makes the release.

The loop is a plain function over *batches of changed paths*, so tests drive
it with lists; only :func:`file_changes` knows about ``watchfiles`` (the
optional ``watch`` extra, imported when watching starts). A source that does
not build is reported and the loop goes on: it is normal for a file to be
invalid halfway through an edit.

Only the sources and images count as changes, never what a build writes (the
lock, its temporaries, ``dist/``), so a rebuild cannot trigger another.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from msgspec import Struct

from .errors import BuilderError, SourceError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"})
READY_AFTER_MS = 300
"""How soon after starting the watcher reports that it is listening."""


class WatchSet(Struct, frozen=True):
    """The sources to rebuild: those named, or every ``*.yaml`` of ``folder`` (new ones too)."""

    named: tuple[Path, ...] = ()
    folder: Path | None = None

    def sources(self) -> list[Path]:
        if self.folder is None:
            return list(self.named)
        return sorted(path for path in self.folder.glob("*.yaml") if _is_source_name(path.name))

    def roots(self) -> list[Path]:
        """The folders to watch: each source's own, recursively (images live in subfolders)."""
        folders = {self.folder} if self.folder is not None else {path.parent for path in self.named}
        return sorted(folders)

    def affected(self, changed: Iterable[Path]) -> list[Path]:
        """The sources a batch of changed paths asks to rebuild, in a stable order."""
        sources = self.sources()
        by_place = {_place(source): source for source in sources}
        hit: set[Path] = set()
        for path in changed:
            place = _place(path)
            if place in by_place:
                hit.add(by_place[place])
            elif self.folder is not None and path.suffix == ".yaml" and place.parent == _place(self.folder):
                if _is_source_name(path.name):
                    hit.add(self.folder / path.name)  # a new source, or one deleted meanwhile
            elif path.suffix.lower() in IMAGE_SUFFIXES:
                hit.update(source for source in sources if _shown_under(place, _place(source.parent)))
        return sorted(hit, key=lambda source: (_place(source.parent), source.name))


class Drafted(Struct, frozen=True):
    source: Path
    slug: str
    version: str
    """The version the next release would get."""
    apkg: Path
    added: int
    changed: int
    moved: int
    removed: int
    seconds: float
    wrote: bool
    """False when the draft on disk already had these bytes."""
    blocked: str | None = None
    """What keeps the source from being released, if anything (drafts accept unfinished sources)."""


class Failed(Struct, frozen=True):
    source: Path
    lines: tuple[str, ...]
    """The check's ``file:line:col: CODE message`` lines, or the build error."""
    seconds: float


Outcome = Drafted | Failed


def watch_loop(
    batches: Iterable[Iterable[Path]],
    watched: WatchSet,
    rebuild: Callable[[Path], Outcome],
    report: Callable[[Outcome], None],
    *,
    initial: bool = True,
) -> None:
    """Rebuild (and report) every source first, then the ones each batch of changes touches.

    The first batch is taken before the first builds: with :func:`file_changes`
    it comes once the watcher listens, so a save during those builds is seen.
    """
    pending = iter(batches)
    first = next(pending, None)
    if initial:
        for source in watched.sources():
            report(rebuild(source))
    for batch in pending if first is None else itertools.chain([first], pending):
        for source in watched.affected(batch):
            report(rebuild(source))


def draft_source(source: Path, out_dir: Path, *, unsafe_html: bool = False) -> Outcome:
    """Draft one source like ``builder build --draft``; a failure becomes a ``Failed``, never an exception."""
    from .draft import build_draft
    from .lint import problems_of

    started = time.perf_counter()
    try:
        draft = build_draft(source, out_dir, unsafe_html=unsafe_html)
    except SourceError as error:
        lines = tuple(str(problem) for problem in problems_of(error, source))
        return Failed(source, lines, time.perf_counter() - started)
    except BuilderError as error:
        return Failed(source, (f"Error: {error}",), time.perf_counter() - started)
    seconds = time.perf_counter() - started
    plan = draft.plan
    if plan.previous is None:
        added, changed, moved, removed = len(plan.deck.notes), 0, 0, 0
    else:
        added, changed = len(plan.ids("added", "restored")), len(plan.ids("changed"))
        moved, removed = len(plan.ids("moved")), len(plan.ids("removed"))
    return Drafted(source, plan.deck.slug, plan.version, draft.apkg, added, changed, moved, removed, seconds,
                   draft.wrote, draft.releasable_line())


def describe(outcome: Outcome) -> list[str]:
    """The lines ``builder watch`` prints for one draft."""
    took = f"{outcome.seconds:.2f} s"
    if isinstance(outcome, Failed):
        return [*outcome.lines, f"Not rebuilt {outcome.source} ({took}): fix it and save again"]
    verb = "Draft" if outcome.wrote else "Unchanged draft"
    return [
        f"{verb} of {outcome.slug} {outcome.version}: {outcome.added} added, {outcome.changed} changed, "
        f"{outcome.moved} moved, {outcome.removed} retired ({took}) -> {outcome.apkg}",
        *([outcome.blocked] if outcome.blocked else []),
    ]


def file_changes(roots: list[Path], ready: Callable[[], None]) -> Iterator[set[Path]]:
    """Batches of changed paths under ``roots`` from ``watchfiles`` (empty ones while all is quiet).

    ``ready`` is called as the first batch comes, when the watcher is listening.
    """
    try:
        from watchfiles import watch
    except ImportError:
        raise BuilderError(
            "builder watch needs the 'watchfiles' package: .venv/bin/pip install -e '.[watch]'"
        ) from None
    told = False
    for changes in watch(*roots, watch_filter=None, rust_timeout=READY_AFTER_MS, yield_on_timeout=True):
        if not told:
            ready()
            told = True
        yield {Path(path) for _, path in changes}


def _place(path: Path) -> Path:
    """An absolute form to compare paths by, whether or not the file exists now."""
    return path.resolve()


def _shown_under(path: Path, folder: Path) -> bool:
    """``path`` is inside ``folder`` and not in a hidden folder there (``.builder-cache/``, ``.git/``)."""
    return path.is_relative_to(folder) and not any(
        part.startswith(".") for part in path.relative_to(folder).parts[:-1]
    )


def _is_source_name(name: str) -> bool:
    """Not an editor's lock or backup file (``.#deck.yaml``, ``#deck.yaml#``)."""
    return not name.startswith((".", "#", "~"))
