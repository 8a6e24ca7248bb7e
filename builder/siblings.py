"""One slug per folder: a source whose slug another source beside it also has is refused.

A deck's lock is ``<folder>/<slug>.lock`` and its notes' GUIDs derive from the
slug, so two sources in one folder with one slug (a deck file copied to start
a new one) share both: each build retires the other file's notes and releases
a new major version, and equal note ids overwrite each other's notes in Anki.
Every command that builds or judges a source therefore looks at the sources
beside it, whether or not they were named on the command line.

A sibling's slug is *parsed*, not matched by a pattern: it may be quoted,
commented, in flow style or on CRLF lines. Parsing stops at the top-level
``slug`` key, which sources put near the top, so a look costs microseconds.
A no-op rebuild, which parses nothing else, keeps each sibling's slug in
``.builder-cache/`` by size, modification time and inode.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from .cache import read_checked, write_checked
from .errors import InvalidSource, Location, Problem
from .layout import lock_path
from .yamlsafe import MAX_SOURCE_BYTES

SOURCE_SUFFIXES = (".yaml", ".yml")
SLUG_CACHE = "slugs"
"""The file in ``.builder-cache/`` that keeps the slugs of a folder's sources."""
_Stamp = tuple[int, int, int]
"""Size, modification time (ns) and inode: a file's version as a directory listing sees it."""

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


def is_source_name(name: str) -> bool:
    """A YAML file an author could build; not an editor's lock or backup (``.#deck.yaml``, ``#deck.yaml#``)."""
    return name.endswith(SOURCE_SUFFIXES) and not name.startswith((".", "#", "~"))


def slug_in(stream: BinaryIO) -> tuple[str, int, int] | None:
    """The top-level ``slug`` of the YAML in ``stream``, its line and column, or None if it has no readable one.

    Reads only as far as the key. Anything the loader would refuse later
    (a syntax error, a second document) only ends the search here.
    """
    loader = _Loader(stream)
    containers: list[list[Any]] = []  # [is_mapping, children done] per open collection
    slug_key_seen = False
    try:
        while True:
            event = loader.get_event()
            if isinstance(event, (yaml.StreamEndEvent, yaml.DocumentEndEvent)):
                return None
            top_key = len(containers) == 1 and containers[0][0] and containers[0][1] % 2 == 0
            if isinstance(event, yaml.ScalarEvent):
                if slug_key_seen:
                    mark = event.start_mark
                    return (event.value, mark.line + 1, mark.column + 1) if mark is not None else (event.value, 0, 0)
                slug_key_seen = top_key and event.value == "slug"
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if slug_key_seen:
                    return None  # a slug that is not text: the loader reports it
                containers.append([isinstance(event, yaml.MappingStartEvent), 0])
                continue
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                containers.pop()
            elif isinstance(event, yaml.AliasEvent):
                if slug_key_seen:
                    return None
            else:
                continue
            if containers:
                containers[-1][1] += 1
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _read_slug(path: Path) -> tuple[str, int, int] | None:
    """The slug of the source at ``path``, or None when it is no readable regular file of source size."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a pipe must not block the build
    except OSError:
        return None
    with open(handle, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SOURCE_BYTES:
            return None
        try:
            return slug_in(stream)
        except OSError:
            return None


def _stamp(info: os.stat_result) -> _Stamp:
    return info.st_size, info.st_mtime_ns, info.st_ino


class _SlugCache:
    """Sibling slugs by file name and stamp, kept for the next no-op rebuild (best effort)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        stored = read_checked(path, "slugs") if path is not None else None
        self.known: dict[str, tuple[_Stamp, str | None]] = {}
        for name, entry in (stored.items() if isinstance(stored, dict) else ()):
            with contextlib.suppress(TypeError, ValueError):  # a damaged entry is looked at again
                *numbers, slug = entry
                stamp = tuple(int(number) for number in numbers)
                if len(stamp) == 3 and (slug is None or isinstance(slug, str)):
                    self.known[name] = (stamp, slug)  # type: ignore[assignment]
        self.seen: dict[str, tuple[_Stamp, str | None]] = {}

    def slug(self, folder: Path, name: str, info: os.stat_result) -> str | None:
        stamp = _stamp(info)
        cached = self.known.get(name)
        if cached is not None and cached[0] == stamp:
            slug = cached[1]
        else:
            found = _read_slug(folder / name)
            slug = found[0] if found else None
        self.seen[name] = (stamp, slug)
        return slug

    def save(self) -> None:
        if self.path is not None and self.seen != self.known:
            write_checked(self.path, "slugs", {name: [*stamp, slug] for name, (stamp, slug) in self.seen.items()})


def other_sources(source: Path) -> list[tuple[str, os.stat_result]]:
    """The names and stat results of the other regular source files in ``source``'s folder, by name.

    The same file under another name (a hard or symbolic link) is not another source.
    """
    folder = source.parent
    try:
        own = os.stat(source)
        names = sorted(entry for entry in os.listdir(folder) if is_source_name(entry))
    except OSError:
        return []  # the build's own read of the source reports what is wrong
    others: list[tuple[str, os.stat_result]] = []
    for name in names:
        try:
            info = os.stat(folder / name)
        except OSError:
            continue  # gone meanwhile, or a dangling link
        if (info.st_dev, info.st_ino) != (own.st_dev, own.st_ino) and stat.S_ISREG(info.st_mode):
            others.append((name, info))
    return others


def sources_sharing_slug(source: Path, slug: str, *, cache_file: Path | None = None) -> list[Path]:
    """Every other source in ``source``'s folder whose slug is ``slug``, sorted by name.

    With ``cache_file``, slugs seen before at the same size, time and inode are
    taken from it, and it is updated.
    """
    folder = source.parent
    others = other_sources(source)
    if not others:
        return []  # the usual case: one source in its folder, no cache to read
    cache = _SlugCache(cache_file)
    sharing = [folder / name for name, info in others if cache.slug(folder, name, info) == slug]
    cache.save()
    return sharing


def shared_slug_problem(source: Path, slug: str, *, cache_file: Path | None = None) -> Problem | None:
    """An E150 at ``source``'s slug naming the other sources with ``slug``, or None when it is its own."""
    others = sources_sharing_slug(source, slug, cache_file=cache_file)
    if not others:
        return None
    found = _read_slug(source)  # only now: on the no-op path nothing else parsed the source
    where = Location(source, *found[1:]) if found else Location(source)
    shown = [str(path) for path in others[:3]] + [f"{len(others) - 3} more"] * (len(others) > 3)
    names = ", ".join(shown[:-1]) + f" and {shown[-1]}" if len(shown) > 1 else shown[0]
    return Problem(where, "E150", (
        f"slug '{slug}' is also the slug of {names}: sources in one folder with one slug share the lock "
        f"{lock_path(source, slug)} and their notes' identities in Anki, and would retire or overwrite "
        "each other's notes; give the new deck a slug of its own"
    ))


def refuse_shared_slug(source: Path, slug: str, *, cache_file: Path | None = None) -> None:
    """Raise the :func:`shared_slug_problem` of ``source``, if it has one."""
    problem = shared_slug_problem(source, slug, cache_file=cache_file)
    if problem is not None:
        raise InvalidSource([problem])
