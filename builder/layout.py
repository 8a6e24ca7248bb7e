"""Where every file of a deck lives, decided once.

From the source's path, its slug and the output folder, this module names the
lock, the journal, the build lock and the caches beside the source, and the
release, changelog and draft in the output folder. Every other module asks
here, so a name read back from disk (a journal, a last-build record) can be
checked against the one name builder itself would write.
"""

from __future__ import annotations

from pathlib import Path

CACHE_FOLDER = ".builder-cache"
"""Beside each source: rendered fields, the last-build record, what sibling sources claim. Never committed."""
JOURNAL_MARK = ".builder-journal"
LOCK_MARK = ".builder-lock"


def lock_path(source: Path, slug: str) -> Path:
    """The deck's lock, committed beside its source."""
    return source.parent / f"{slug}.lock"


def journal_path(source: Path) -> Path:
    """Where a build of ``source`` notes the renames it is about to make."""
    return source.with_name(f".{source.name}{JOURNAL_MARK}")


def build_lock_path(source: Path) -> Path:
    """The file a build of ``source`` locks, so that builds of one deck take turns."""
    return source.with_name(f".{source.name}{LOCK_MARK}")


def release_name(slug: str, version: str) -> str:
    """A release's file name in the output folder; only a release writes one."""
    return f"{slug}-{version}.apkg"


def changelog_name(slug: str) -> str:
    return f"{slug}-CHANGELOG.md"


def draft_name(slug: str) -> str:
    """The draft's file name: never ``<slug>-<version>.apkg``, which only a release writes."""
    return f"{slug}-draft.apkg"


def media_folder(source: Path, slug: str) -> Path:
    """The deck's media folder beside its source: every regular file in it goes into the package by its name.

    Computed, never read from a file, so no source can make a build read elsewhere.
    """
    return source.parent / f"{slug}.media"


def cache_folder(source: Path) -> Path:
    return source.parent / CACHE_FOLDER


def renders_path(source: Path) -> Path:
    """The render cache of one source."""
    return cache_folder(source) / f"{source.name}.renders"


def last_build_path(source: Path) -> Path:
    """The record that lets a build with nothing to do skip itself."""
    return cache_folder(source) / f"{source.name}.last-build"
