"""Build one deck: load, assemble, plan against the lock, package, release.

A release replaces up to three files: the .apkg and changelog in ``dist/`` and
the lock beside the source. They are written as one change
(:func:`builder.journal.replace_together`) whose commit point is the lock: a
build killed before the lock's rename leaves the previous release untouched,
one killed after it is completed by the next build, which first finishes or
undoes whatever the journal beside the source says was under way. Nothing is
written at all when validation or planning fails.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import hashlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from msgspec import Struct

from .errors import BuilderError, Interrupted, ReleaseError
from .files import TEMP_MARK, exclusive, read_bytes_or_none, remove_stale_temporaries
from .journal import Recovery, Refused, examine_interrupted, finish_interrupted, replace_together
from .layout import build_lock_path, changelog_name, journal_path, lock_path, media_folder
from .siblings import SIBLING_CACHE, own_claims, refuse_sibling_clashes
from .versions import version_key
from .yamlsafe import open_source, read_source_bytes

# The rest (the loader, planner, lock reader, packager and their records: most of a build's
# own import time) is imported when a build has work to do, with the collector paused (see
# _build_locked), so a rebuild with nothing to do never loads it.
if TYPE_CHECKING:
    from .plan import Plan
    from .render import Renderer

Progress = Callable[[str, int, int], None]
"""Told ``(stage, done, total)`` as a long build goes along, for a progress bar."""


class BuildResult(Struct, frozen=True):
    plan: Plan | None
    """What was released; None when nothing had changed and the build was skipped (``reuse``)."""
    apkg: Path
    sha256: str
    written: tuple[Path, ...]
    """Files this build created or replaced; empty when nothing changed."""
    version: str
    note_count: int
    card_count: int
    warnings: tuple[str, ...] = ()


def plan_deck(
    source: Path,
    *,
    now: int | None = None,
    allow_schema_change: bool = False,
    renderer: Renderer | None = None,
    progress: Progress | None = None,
    releasing: bool = False,
    data: bytes | None = None,
) -> Plan:
    """What a build of ``source`` would release, without writing anything.

    ``releasing`` adds the release gate: a source with any error ``builder check``
    reports is refused before anything is rendered (drafts and diffs skip it).
    ``data`` is the source's bytes, when the caller read them already.
    """
    from .assemble import assemble
    from .clock import build_time, clock_now
    from .lockread import read_lock
    from .plan import make_plan
    from .releasegate import refuse_unreleasable
    from .source import load_deck

    deck = load_deck(source, data)
    refuse_sibling_clashes(source, own_claims(deck))
    if releasing:
        refuse_unreleasable(deck)
    previous = read_lock(lock_path(source, deck.slug))  # one of another slug is refused by make_plan (lockgate)
    return make_plan(
        deck,
        assemble(deck, renderer=renderer, progress=progress),
        previous,
        now=build_time() if now is None else now,
        allow_schema_change=allow_schema_change,
        renderer=renderer,
        clock=clock_now(),
    )


def build_deck(
    source: Path,
    out_dir: Path,
    *,
    now: int | None = None,
    allow_schema_change: bool = False,
    reuse: bool = False,
    unsafe_html: bool = False,
    progress: Progress | None = None,
) -> BuildResult:
    """Build ``source`` into ``out_dir``; with ``reuse``, use and fill the cache beside the source.

    Reusing skips a build whose inputs are those of the last one (see
    :mod:`builder.lastbuild`) and takes unchanged fields from the render cache
    (:mod:`builder.cache`). Either way the files written are the same.
    ``unsafe_html`` keeps an ``allow_html`` source's HTML raw: such a build is
    never skipped, as the up-to-date record stands for sanitised builds.
    """
    refuse_linked_out(out_dir)  # first: not even an interrupted build's journal is replayed through a link
    result: BuildResult | None = None
    try:
        with open_source(source) as handle:
            try:
                with exclusive(build_lock_path(source)):
                    recover_interrupted(source, out_dir)
                    if reuse and not unsafe_html:
                        result = _reuse_or_build(source, handle, out_dir, now, allow_schema_change, progress)
                    else:
                        renderer = _renderer(source, reuse=reuse, unsafe_html=unsafe_html)
                        result = _build_locked(source, out_dir, now, allow_schema_change, renderer, progress)
            except OSError as exc:
                raise write_error(exc, out_dir) from None
    except KeyboardInterrupt:  # before the release was written, or as the build lock is let go after it
        if result is not None and result.written:  # (see _build_locked for Ctrl-C during the writes)
            raise Interrupted(_RELEASED.format(apkg=result.apkg), source) from None
        raise Interrupted(f"nothing was released; {out_dir}/ and the lock are as they were", source) from None
    return result


def _renderer(source: Path, *, reuse: bool, unsafe_html: bool) -> Renderer:
    from .cache import CachedRenderer
    from .render import Renderer

    return CachedRenderer.for_source(source, unsafe_html=unsafe_html) if reuse else Renderer(unsafe_html=unsafe_html)


def recover_interrupted(source: Path, out_dir: Path) -> None:
    """Finish or undo the release a killed build of ``source`` into ``out_dir`` left half done.

    Its journal is followed only as far as it names what this build would
    write itself (see :func:`_release_targets`); otherwise it is refused.
    """
    finish_interrupted(journal_path(source), _release_targets(source, out_dir), _described_by_lock)


def examine_interrupted_release(source: Path, out_dir: Path) -> Recovery | None:
    """What :func:`recover_interrupted` would do, touching nothing: refused (``ReleaseError``) exactly as there.

    ``builder check`` and ``builder diff`` ask it, so they fail exactly where a build refuses the journal.
    """
    return examine_interrupted(journal_path(source), _release_targets(source, out_dir), _described_by_lock)


def _described_by_lock(lock_file: Path, target: Path, data: bytes) -> str | None:
    """None when the committed lock describes ``data`` as ``target``: its .apkg (by name and sha256) or its
    changelog (every line but the title, which is the source's, is the lock's history); else what it is not."""
    from .learners import changelog_text
    from .lockread import read_lock

    try:
        lock = read_lock(lock_file)
    except BuilderError as error:
        raise Refused(f"the lock it commits cannot be read ({error.message})") from None
    if lock is None:
        raise Refused(f"the lock it commits, {lock_file}, is gone")
    if target.name == lock.apkg:
        return None if hashlib.sha256(data).hexdigest() == lock.apkg_sha256 else "the package the lock describes"
    if target.name == changelog_name(lock.slug):
        title, _, _ = data.partition(b"\n")
        heading = b"# Changelog: "
        if title.startswith(heading):
            with contextlib.suppress(UnicodeDecodeError):
                text = changelog_text(title[len(heading):].decode("utf-8"), lock.history)
                if text.encode("utf-8") == data:
                    return None
        return "the changelog of the lock's history"
    return f"a file of the release the lock describes ({lock.apkg} and {changelog_name(lock.slug)})"


_LOCK_NAME = re.compile(r"(?P<slug>[a-z0-9-]+)\.lock")
_RELEASED_NAME = re.compile(r"(?P<slug>[a-z0-9-]+)-(?:[0-9]+\.[0-9]+\.[0-9]+\.apkg|CHANGELOG\.md)")


def _release_targets(source: Path, out_dir: Path) -> Callable[[Sequence[str]], list[Path]]:
    """What a journal beside ``source`` may rename: this deck's lock, then its .apkg and changelog in ``out_dir``.

    Each target must be written exactly as :func:`replace_together` writes it,
    relative to the source's folder, and all must belong to one slug (the
    slug itself is not known before the source is parsed).
    """
    here = source.parent

    def targets(named: Sequence[str]) -> list[Path]:
        found: list[Path] = []
        slugs: set[str] = set()
        for index, written in enumerate(named):
            folder, pattern = (here, _LOCK_NAME) if index == 0 else (out_dir, _RELEASED_NAME)
            name = os.path.basename(written)
            match = pattern.fullmatch(name)
            if match is None or written != os.path.relpath(folder / name, here) or folder / name in found:
                raise Refused(f"it names '{written}', which a build of this deck into {out_dir} does not write")
            slugs.add(match["slug"])
            found.append(folder / name)
        if len(slugs) > 1:
            raise Refused(f"it names the files of {len(slugs)} decks ({', '.join(sorted(slugs))}), not of one")
        return found

    return targets


def _reuse_or_build(source: Path, handle: BinaryIO, out_dir: Path, now: int | None,
                    allow_schema_change: bool, progress: Progress | None) -> BuildResult:
    from .cache import CachedRenderer
    from .lastbuild import Released, remember_release, unchanged_release
    from .layout import cache_folder

    source_bytes = read_source_bytes(handle, source)  # read once: what is hashed is what is built
    slug, source_sha = _slug_hint(source_bytes), hashlib.sha256(source_bytes).digest()
    released = unchanged_release(source, slug, source_sha, lock_path(source, slug), out_dir) if slug else None
    if released is not None:
        assert slug is not None
        refuse_sibling_clashes(source, cache_file=cache_folder(source) / SIBLING_CACHE)
        return BuildResult(None, released.apkg, released.sha256, (), released.version, released.note_count,
                           released.card_count)
    result = _build_locked(source, out_dir, now, allow_schema_change, CachedRenderer.for_source(source), progress,
                           source_bytes)
    assert result.plan is not None
    if result.plan.deck.slug != slug:
        return result  # the next build could not find this lock without parsing: nothing to remember
    plan = result.plan
    try:
        # The media folder itself too: a file added to it or removed changes its modification time.
        folder = media_folder(source.parent.resolve() / source.name, plan.deck.slug)
        media = sorted({str(item.source) for packaged in plan.notes for item in packaged.note.media}
                       | {str(item.source.resolve()) for entry in plan.decks for item in entry.media} | {str(folder)})
        remember_release(
            source, source_sha, lock_path(source, result.plan.deck.slug), out_dir,
            Released(result.apkg, result.sha256, result.version, result.note_count, result.card_count),
            out_dir / changelog_name(result.plan.deck.slug), tuple(media),
        )
    except KeyboardInterrupt:  # the release is complete: only the record that saves the next build's time is not
        raise Interrupted(_RELEASED.format(apkg=result.apkg), source) from None
    return result


_SLUG_LINE = re.compile(rb"^slug:[ \t]*([a-z0-9-]+)[ \t]*(?:#[^\n]*)?\r?$", re.MULTILINE)


def _slug_hint(source_bytes: bytes) -> str | None:
    """The slug, read without parsing, to find the lock; a wrong guess only costs a full build."""
    match = _SLUG_LINE.search(source_bytes)
    return match.group(1).decode() if match else None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a build allocates its data.

    A big deck is millions of small objects that all live until the build ends
    and form no cycles; the collector's repeated full passes over them added
    seconds to a 50,000-note build and freed nothing. Reference counting still
    frees everything else as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_WRITE_HINTS = {
    errno.EACCES: "permission denied: make its folder writable, or build into another folder",
    errno.EPERM: "permission denied: make its folder writable, or build into another folder",
    errno.EROFS: "the file system is read-only: build into another folder",
    errno.ENOSPC: "no space left on the device: free some space and build again",
    errno.EDQUOT: "the disk quota is used up: free some space and build again",
    errno.ENOTDIR: "part of the path is a file, not a folder: build into another folder",
}


def write_error(exc: OSError, fallback: Path) -> ReleaseError:
    """One line naming the file (never our temporary) and what to do about it."""
    target = Path(exc.filename) if exc.filename else fallback
    name = target.name
    if name.startswith(".") and TEMP_MARK in name:
        target = target.with_name(name[1 : name.index(TEMP_MARK)])
    hint = _WRITE_HINTS.get(exc.errno or 0, f"{exc.strerror or exc}: check the folder and try again")
    return ReleaseError(f"cannot write: {hint}", target)


def refuse_linked_out(out_dir: Path, hint: str = "build into another one") -> None:
    """Refuse an output folder that is a symbolic link, dangling or not: builder never writes through one.

    Only ``README.md`` of ``dist/`` is tracked, so a pull request can turn ``dist``
    into a link that leads a maintainer's next build to write anywhere.
    """
    if out_dir.is_symlink():
        raise ReleaseError(f"this is a symbolic link to '{os.readlink(out_dir)}', which builder never writes "
                           f"through: make it a folder of its own, or {hint}", out_dir)


def make_out_dir(out_dir: Path) -> None:
    """Create ``out_dir`` as needed: never through a symbolic link, and saying so when a folder above it is a link
    to nothing (``mkdir`` alone only says "File exists" about a dangling symbolic link).
    """
    refuse_linked_out(out_dir)
    for folder in out_dir.parents:
        if folder.is_symlink() and not folder.exists():
            raise ReleaseError(f"this is a symbolic link to '{os.readlink(folder)}', which does not exist: "
                               "create that folder, or build into another one", folder)
        if folder.exists():
            break
    out_dir.mkdir(parents=True, exist_ok=True)


def _refuse_releases_without_lock(source: Path, out_dir: Path, slug: str) -> None:
    """Stop a first release when ``out_dir`` already holds releases of the deck: its lock was lost.

    Without the lock the build would start over at the first version with new
    ``mod`` times, and either collide with a released file or put a second,
    different history beside the one learners have.
    """
    pattern = re.compile(rf"{re.escape(slug)}-([0-9]+\.[0-9]+\.[0-9]+)\.apkg")
    found = [match for name in (os.listdir(out_dir) if out_dir.is_dir() else ()) if (match := pattern.fullmatch(name))]
    if found:
        latest = max(found, key=lambda match: version_key(match[1]))[0]
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        raise ReleaseError(
            f"the lock {lock_path(source, slug)} is missing, but {out_dir} holds releases of this deck "
            f"({latest}{more}): restore the lock from version control and build again, or delete those "
            "releases if they were never shared",
            source,
        )


def _build_locked(source: Path, out_dir: Path, now: int | None, allow_schema_change: bool,
                  renderer: Renderer | None, progress: Progress | None, data: bytes | None = None) -> BuildResult:
    with _collector_paused():  # planning and packaging import most of builder, and genanki: allocations, no garbage
        from .learners import changelog_text
        from .packaging import build_package
        from .plan import with_sha

        plan = plan_deck(source, now=now, allow_schema_change=allow_schema_change, renderer=renderer,
                         progress=progress, releasing=True, data=data)
        if renderer is not None:
            renderer.save()  # now, while packaging's memory is not yet in use; the fields are right either way
        data = build_package(plan.note_types, plan.decks, plan.notes, progress=progress)
        if progress is not None:
            progress("writing", 0, 0)
    sha256 = hashlib.sha256(data).hexdigest()
    plan = with_sha(plan, sha256)
    if plan.previous is None:
        _refuse_releases_without_lock(source, out_dir, plan.deck.slug)
    refuse_unreproduced(plan, source)
    apkg = out_dir / plan.apkg_name
    existing = read_bytes_or_none(apkg)
    if existing is not None and existing != data:
        raise ReleaseError(
            f"{apkg} already exists with other content and releases are immutable: "
            "raise 'version' in the source for a new release, or delete the file if it was never shared",
            source,
        )
    lock_file = lock_path(source, plan.deck.slug)
    changelog = out_dir / changelog_name(plan.deck.slug)
    make_out_dir(out_dir)
    slug = re.escape(plan.deck.slug)
    remove_stale_temporaries(out_dir, re.compile(rf"{slug}-(?:\d+\.\d+\.\d+\.apkg|CHANGELOG\.md)"))
    journal = journal_path(source)
    remove_stale_temporaries(lock_file.parent, re.compile(rf"{slug}\.lock|{re.escape(journal.name)}"))
    lock_data = plan.lock.to_bytes()
    changelog_data = changelog_text(plan.deck.title, plan.lock.history).encode("utf-8")
    wanted = [(lock_file, lock_data), (apkg, data), (changelog, changelog_data)]
    changed = [(path, content) for path, content in wanted if read_bytes_or_none(path) != content]
    if changed:
        try:
            # The lock goes first even when unchanged: it is the commit point.
            replace_together([wanted[0], *(item for item in changed if item[0] != lock_file)], journal)
        except KeyboardInterrupt:
            raise _stopped_while_writing(source, wanted) from None
    return BuildResult(plan, apkg, sha256, tuple(path for path, _ in changed), plan.version, len(plan.notes),
                       plan.card_count, plan.warnings)


def refuse_unreproduced(plan: Plan, source: Path) -> None:
    """Refuse a build of the release the lock records (the same version) that is not that release, byte for byte.

    ``plan`` carries the package's sha256 (:func:`builder.plan.with_sha`). ``builder check`` asks the same
    question (:func:`unreproduced_release`); :func:`builder.lockgate.unreproduced` says what differs.
    """
    from .lockgate import unreproduced

    if plan.previous is not None and not plan.is_new_release:
        mismatch = unreproduced(plan.previous, plan.lock)
        if mismatch:
            raise ReleaseError(mismatch, lock_path(source, plan.deck.slug))


def unreproduced_release(source: Path, *, allow_schema_change: bool = False, unsafe_html: bool = False) -> None:
    """``builder check``'s run of the build's last gate: plan and package ``source`` in memory, writing nothing,
    then :func:`refuse_unreproduced`. Nothing is packaged unless the build would re-create the lock's release.
    """
    from .packaging import build_package
    from .plan import with_sha
    from .render import Renderer

    with _collector_paused():
        plan = plan_deck(source, allow_schema_change=allow_schema_change, renderer=Renderer(unsafe_html=unsafe_html))
        if plan.previous is None or plan.is_new_release:
            return
        data = build_package(plan.note_types, plan.decks, plan.notes)
    refuse_unreproduced(with_sha(plan, hashlib.sha256(data).hexdigest()), source)


_RELEASED = "{apkg} was released, with its changelog and lock, before the build stopped"


def _stopped_while_writing(source: Path, wanted: list[tuple[Path, bytes]]) -> Interrupted:
    """Ctrl-C during the release's renames: finish or undo them now, as the next build would, and say which."""
    try:
        recover_interrupted(source, wanted[1][0].parent)
    except (KeyboardInterrupt, OSError, BuilderError):
        return Interrupted("stopped while writing the release: the next build of it finishes or undoes it", source)
    if all(read_bytes_or_none(path) == content for path, content in wanted):
        return Interrupted(_RELEASED.format(apkg=wanted[1][0]), source)
    return Interrupted(f"nothing was released; {wanted[1][0].parent}/ and the lock are as they were", source)
