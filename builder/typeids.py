"""One note-type id per folder: a source claiming a note type id that a source beside it claims is refused.

Anki matches note types by id. Two decks with one note-type id give a learner
who imports both one note type for two: each import replaces the other deck's
templates and CSS, or skips its notes. Ids are derived from the deck's slug
(one slug per folder is E150's job), so only an id a source records
(``anki_id``, for a type taken over from an existing deck) can repeat another
deck's: its declared ids, or the built-in types' ids another deck derives.

A sibling's ids are read event by event (nothing but the slug and the
``note_types`` entries' ``id`` and ``anki_id`` is kept); a no-op rebuild keeps
them in ``.builder-cache/`` by size, modification time and inode.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import yaml

from .cache import read_checked, write_checked
from .errors import InvalidSource, Location, Problem
from .formats import SLUG_RE, TYPE_ID_RE
from .identity import note_type_id
from .notetypes import BUILTIN_TYPES
from .siblings import other_sources
from .yamlsafe import MAX_SOURCE_BYTES

if TYPE_CHECKING:
    from .source import Deck

TYPE_ID_CACHE = "typeids"
"""The file in ``.builder-cache/`` that keeps the note-type ids the sources of a folder claim."""
Declared = tuple[str, ...]
"""A source's slug (or ""), then ``<id>`` or ``<id>=<anki_id>`` for each type it declares."""

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


def declarations_in(stream: BinaryIO) -> Declared:
    """The slug and declared note types of the YAML in ``stream``; what cannot be read is left out."""
    loader = _Loader(stream)
    path: list[Any] = []  # keys and indices from the top down to the current value
    counts: list[int] = []  # per open collection: children seen (a mapping's keys and values both count)
    mappings: list[bool] = []
    slug = ""
    types: dict[int, dict[str, str]] = {}
    try:
        while not isinstance(event := loader.get_event(), (yaml.DocumentEndEvent, yaml.StreamEndEvent)):
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                del counts[-1], mappings[-1], path[-1]
                _next(counts, mappings, path)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                is_mapping = isinstance(event, yaml.MappingStartEvent)
                counts.append(0)
                mappings.append(is_mapping)
                path.append(None if is_mapping else 0)
            elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
                if mappings and mappings[-1] and counts[-1] % 2 == 0:
                    path[-1] = event.value if isinstance(event, yaml.ScalarEvent) else None  # a key
                elif isinstance(event, yaml.ScalarEvent):
                    where = tuple(path)
                    if where == ("slug",):
                        slug = event.value
                    elif len(where) == 3 and where[0] == "note_types" and where[2] in ("id", "anki_id"):
                        types.setdefault(where[1], {})[where[2]] = event.value
                _next(counts, mappings, path)
    except yaml.YAMLError:
        pass  # what was read stands; the source's own build reports the rest
    finally:
        loader.dispose()
    found = [entry["id"] + (f"={entry['anki_id']}" if "anki_id" in entry else "")
             for _, entry in sorted(types.items()) if "id" in entry]
    return (slug, *found)


def _next(counts: list[int], mappings: list[bool], path: list[Any]) -> None:
    """One more child in the current collection; a sequence's path ends in the next item's index."""
    if counts:
        counts[-1] += 1
        if not mappings[-1]:
            path[-1] = counts[-1]
        elif counts[-1] % 2 == 0:
            path[-1] = None


def claimed_ids(declared: Declared) -> dict[int, str]:
    """Every note-type id a source with these declarations gives its types, with what it names."""
    slug, *types = declared
    claims: dict[int, str] = {}
    if SLUG_RE.fullmatch(slug):
        claims.update({note_type_id(slug, key): f"the {key} type" for key in BUILTIN_TYPES})
    for entry in types:
        key, _, recorded = entry.partition("=")
        if TYPE_ID_RE.fullmatch(recorded) and int(recorded) < 1 << 63:
            claims[int(recorded)] = f"note type '{key}'"
        elif not recorded and SLUG_RE.fullmatch(slug) and SLUG_RE.fullmatch(key):
            claims[note_type_id(slug, key)] = f"note type '{key}'"
    return claims


def deck_claims(deck: Deck) -> dict[int, str]:
    """The ids a loaded deck gives its note types: :func:`claimed_ids` without reading the file again."""
    return {note_type.id: f"the {key} type" if note_type.label else f"note type '{key}'"
            for key, note_type in deck.note_types.items()}


def deck_type_id_problem(deck: Deck) -> Problem | None:
    """:func:`shared_type_id_problem` for a loaded deck, pointing at its ``note_types`` (or its slug)."""
    line = deck.key_lines.get("note_types", deck.key_lines.get("slug", 0))
    return shared_type_id_problem(deck.path, deck.slug, deck_claims(deck), where=deck.where(line))


def refuse_shared_deck_type_ids(deck: Deck) -> None:
    problem = deck_type_id_problem(deck)
    if problem is not None:
        raise InvalidSource([problem])


def _read(path: Path) -> Declared:
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a pipe must not block the build
    except OSError:
        return ("",)
    with open(handle, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SOURCE_BYTES:
            return ("",)
        try:
            return declarations_in(stream)
        except OSError:
            return ("",)


class _Cache:
    """Declarations by file name and stamp, kept for the next no-op rebuild (best effort)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        stored = read_checked(path, TYPE_ID_CACHE) if path is not None else None
        self.known: dict[str, list[Any]] = {}
        for name, entry in (stored.items() if isinstance(stored, dict) else ()):
            with contextlib.suppress(TypeError, ValueError):  # a damaged entry is read again
                if len(entry) >= 4 and all(isinstance(item, int) for item in entry[:3]) and all(
                        isinstance(item, str) for item in entry[3:]):
                    self.known[name] = entry
        self.seen: dict[str, list[Any]] = {}

    def declared(self, folder: Path, name: str, info: os.stat_result) -> Declared:
        stamp = [info.st_size, info.st_mtime_ns, info.st_ino]
        cached = self.known.get(name)
        declared = tuple(cached[3:]) if cached is not None and cached[:3] == stamp else _read(folder / name)
        self.seen[name] = [*stamp, *declared]
        return declared

    def save(self) -> None:
        if self.path is not None and self.seen != self.known:
            write_checked(self.path, TYPE_ID_CACHE, self.seen)


def shared_type_id_problem(source: Path, slug: str, own: dict[int, str] | None = None, *,
                           where: Location | None = None, cache_file: Path | None = None) -> Problem | None:
    """An E151 naming the first id ``source`` claims (``own``, else read from it) that a sibling claims too.

    A sibling with the same slug claims every id: E150 reports that, not this.
    """
    others = other_sources(source)
    if not others:
        return None  # the usual case: one source in its folder, nothing to read
    cache = _Cache(cache_file)
    if own is None:
        try:
            own = claimed_ids(cache.declared(source.parent, source.name, os.stat(source)))
        except OSError:
            return None  # the build's own read of the source reports it
    claims = own
    problem = None
    for name, info in others:
        theirs = cache.declared(source.parent, name, info)
        if theirs[0] == slug:
            continue  # one slug for two sources: E150
        shared = sorted(claims.keys() & claimed_ids(theirs).keys())
        if shared and problem is None:
            other = source.parent / name
            problem = Problem(where or Location(source), "E151", (
                f"note type id {shared[0]} ({claims[shared[0]]}) is also the id of {claimed_ids(theirs)[shared[0]]} "
                f"in {other}: a learner who imports both decks would get one note type for two, each import "
                "replacing the other's templates; change or remove the anki_id that repeats it"))
    cache.save()
    return problem


def refuse_shared_type_ids(source: Path, slug: str, own: dict[int, str] | None = None, *,
                           where: Location | None = None, cache_file: Path | None = None) -> None:
    """Raise the :func:`shared_type_id_problem` of ``source``, if it has one."""
    problem = shared_type_id_problem(source, slug, own, where=where, cache_file=cache_file)
    if problem is not None:
        raise InvalidSource([problem])
