"""Build one deck: load, assemble, plan against the lock, package, release.

Writes happen in a fixed order, each atomic: the .apkg, then the changelog,
then the lock, only after both are complete. A failure at any step before the
lock is written leaves the lock describing the previous release, and a rerun
finishes the job; nothing is written at all when validation or planning fails.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .assemble import assemble
from .errors import BuilderError, ReleaseError
from .fsutil import atomic_write, exclusive, read_bytes_or_none, remove_stale_temporaries
from .lock import Lock, lock_path, read_lock
from .packaging import build_package
from .plan import Plan, build_time, make_plan, with_sha
from .source import load_deck


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
    try:
        with exclusive(source):
            return _build_locked(source, out_dir, now, allow_schema_change)
    except OSError as exc:
        where = Path(exc.filename) if exc.filename else out_dir
        raise BuilderError(f"cannot write: {exc.strerror or exc}: check the folder's permissions and free space",
                           where) from None


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
    remove_stale_temporaries(out_dir, plan.deck.slug)
    remove_stale_temporaries(lock_file.parent, plan.deck.slug)
    written: list[Path] = []
    for path, content in (
        (apkg, data),
        (changelog, changelog_text(plan).encode("utf-8")),
        (lock_file, plan.lock.to_text().encode("utf-8")),
    ):
        if read_bytes_or_none(path) != content:
            atomic_write(path, content)
            written.append(path)
    return BuildResult(plan, apkg, sha256, tuple(written))


def is_reproduced(previous: Lock | None, sha256: str) -> bool:
    return previous is None or previous.apkg_sha256 in ("", sha256)
