"""Build one deck: load, assemble, plan against the lock, package, release.

A release replaces up to three files: the .apkg and changelog in ``dist/`` and
the lock beside the source. They are written as one change
(:func:`builder.fsutil.replace_together`) whose commit point is the lock: a
build killed before the lock's rename leaves the previous release untouched,
one killed after it is completed by the next build, which first finishes or
undoes whatever the journal beside the source says was under way. Nothing is
written at all when validation or planning fails.
"""

from __future__ import annotations

import errno
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .assemble import assemble
from .errors import BuilderError, ReleaseError
from .fsutil import (
    JOURNAL_MARK,
    TEMP_MARK,
    exclusive,
    finish_interrupted,
    read_bytes_or_none,
    remove_stale_temporaries,
    replace_together,
)
from .lock import Lock, lock_path, read_lock
from .packaging import build_package
from .plan import Plan, build_time, make_plan, with_sha
from .source import load_deck
from .yamlsafe import open_source


@dataclass(frozen=True)
class BuildResult:
    plan: Plan
    apkg: Path
    sha256: str
    written: tuple[Path, ...]
    """Files this build created or replaced; empty when nothing changed."""


def plan_deck(source: Path, *, now: int | None = None, allow_schema_change: bool = False) -> Plan:
    """What a build of ``source`` would release, without writing anything."""
    deck = load_deck(source)
    previous = read_lock(lock_path(source, deck.slug))
    if previous is not None and previous.slug != deck.slug:
        raise BuilderError(f"the lock belongs to '{previous.slug}', not '{deck.slug}'", source)
    return make_plan(
        deck,
        assemble(deck),
        previous,
        now=build_time() if now is None else now,
        allow_schema_change=allow_schema_change,
    )


def changelog_text(plan: Plan) -> str:
    lines = [f"# Changelog: {plan.deck.title}", ""]
    for release in reversed(plan.lock.history):
        lines += [f"## {release.version} ({release.date})", "", release.summary, ""]
        for label, ids in (("Added", release.added), ("Changed", release.changed), ("Retired", release.removed)):
            if ids:
                lines.append(f"- {label}: {', '.join(ids)}")
        if release.added or release.changed or release.removed:
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def build_deck(
    source: Path, out_dir: Path, *, now: int | None = None, allow_schema_change: bool = False
) -> BuildResult:
    with open_source(source) as handle:
        try:
            with exclusive(handle):
                finish_interrupted(journal_path(source))
                return _build_locked(source, out_dir, now, allow_schema_change)
        except OSError as exc:
            raise _write_error(exc, out_dir) from None


def journal_path(source: Path) -> Path:
    """Where a build of ``source`` notes the renames it is about to make."""
    return source.with_name(f".{source.name}{JOURNAL_MARK}")


_WRITE_HINTS = {
    errno.EACCES: "permission denied: make its folder writable, or build into another folder",
    errno.EPERM: "permission denied: make its folder writable, or build into another folder",
    errno.EROFS: "the file system is read-only: build into another folder",
    errno.ENOSPC: "no space left on the device: free some space and build again",
    errno.EDQUOT: "the disk quota is used up: free some space and build again",
    errno.ENOTDIR: "part of the path is a file, not a folder: build into another folder",
}


def _write_error(exc: OSError, fallback: Path) -> ReleaseError:
    """One line naming the file (never our temporary) and what to do about it."""
    target = Path(exc.filename) if exc.filename else fallback
    name = target.name
    if name.startswith(".") and TEMP_MARK in name:
        target = target.with_name(name[1 : name.index(TEMP_MARK)])
    hint = _WRITE_HINTS.get(exc.errno or 0, f"{exc.strerror or exc}: check the folder and try again")
    return ReleaseError(f"cannot write: {hint}", target)


def _build_locked(source: Path, out_dir: Path, now: int | None, allow_schema_change: bool) -> BuildResult:
    plan = plan_deck(source, now=now, allow_schema_change=allow_schema_change)
    data = build_package(plan.note_types, plan.decks, plan.notes)
    sha256 = hashlib.sha256(data).hexdigest()
    plan = with_sha(plan, sha256)
    apkg = out_dir / plan.apkg_name
    existing = read_bytes_or_none(apkg)
    if existing is not None and existing != data:
        raise ReleaseError(
            f"{apkg} already exists with other content and releases are immutable: "
            "raise 'version' in the source for a new release, or delete the file if it was never shared",
            source,
        )
    lock_file = lock_path(source, plan.deck.slug)
    changelog = out_dir / f"{plan.deck.slug}-CHANGELOG.md"
    out_dir.mkdir(parents=True, exist_ok=True)
    slug = re.escape(plan.deck.slug)
    remove_stale_temporaries(out_dir, re.compile(rf"{slug}-(?:\d+\.\d+\.\d+\.apkg|CHANGELOG\.md)"))
    journal = journal_path(source)
    remove_stale_temporaries(lock_file.parent, re.compile(rf"{slug}\.lock|{re.escape(journal.name)}"))
    lock_data = plan.lock.to_text().encode("utf-8")
    wanted = [(lock_file, lock_data), (apkg, data), (changelog, changelog_text(plan).encode("utf-8"))]
    changed = [(path, content) for path, content in wanted if read_bytes_or_none(path) != content]
    if changed:
        # The lock goes first even when unchanged: it is the commit point.
        replace_together([wanted[0], *(item for item in changed if item[0] != lock_file)], journal)
    return BuildResult(plan, apkg, sha256, tuple(path for path, _ in changed))


def is_reproduced(previous: Lock | None, sha256: str) -> bool:
    return previous is None or previous.apkg_sha256 in ("", sha256)
