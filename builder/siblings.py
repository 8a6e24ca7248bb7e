"""What the sources beside a deck claim: one scan for slugs, note-type ids and note GUIDs.

Every command that builds or judges a source looks at the other sources in
its folder, whether or not they were named, because three things must be a
folder's own:

* the **slug** (E150): a deck's lock is ``<folder>/<slug>.lock`` and its notes'
  GUIDs derive from it, so two sources with one slug (a deck file copied to
  start a new one) retire each other's notes and overwrite each other in Anki;
* each **note-type id** (E151): Anki matches note types by id, so two decks
  with one id give a learner one note type for two. Ids derive from the slug,
  so only an ``anki_id`` (a type taken over) can repeat another deck's;
* each **note GUID** (E152): Anki matches notes by GUID, so a ``guid:`` (a note
  taken over) that another source's note has makes one note of two.

A sibling is *parsed* event by event, not matched by a pattern: its slug may be
quoted, commented, in flow style or on CRLF lines. Only the slug, the
``note_types`` entries' ``id`` and ``anki_id`` and the notes' ``id`` and
``guid`` are kept. A source with neither ``guid`` nor ``note_types`` in its
bytes (every deck builder made) is read only up to its slug, which costs
microseconds, unless a source with GUIDs of its own asks for its note ids.
A no-op rebuild keeps what it read in ``.builder-cache/`` (one signed file) by
size, modification time and inode.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from msgspec import Struct

from .cache import read_checked, write_checked
from .errors import InvalidSource, Location, Problem
from .formats import GUID_RE, SLUG_RE, TYPE_ID_RE
from .identity import note_guid, note_type_id
from .layout import lock_path
from .yamlsafe import MAX_SOURCE_BYTES

if TYPE_CHECKING:
    from .source import Deck

SOURCE_SUFFIXES = (".yaml", ".yml")
SIBLING_CACHE = "siblings"
"""The file in ``.builder-cache/`` that keeps what the sources of a folder claim."""
_Stamp = tuple[int, int, int]
"""Size, modification time (ns) and inode: a file's version as a directory listing sees it."""

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


class Declared(Struct, frozen=True):
    """What one source claims, as far as it could be read; what cannot be read is left out."""

    slug: str = ""
    slug_at: tuple[int, int] = (0, 0)
    """Line and column of the slug's value (0, 0 when there is none)."""
    types: tuple[str, ...] = ()
    """``<id>`` or ``<id>=<anki_id>`` for each type the source declares."""
    notes: tuple[tuple[str, str], ...] | None = None
    """(note id, ``guid`` as written or "") of each note; None when the source was read only to its slug,
    which it is when its bytes hold no ``guid`` at all (so no note of it gives one)."""

    def to_json(self) -> list[Any]:
        return [self.slug, *self.slug_at, list(self.types), None if self.notes is None else
                [list(note) for note in self.notes]]

    @classmethod
    def from_json(cls, entry: list[Any]) -> Declared:
        slug, line, column, types, notes = entry
        if not (isinstance(slug, str) and type(line) is int and type(column) is int and isinstance(types, list)
                and all(isinstance(item, str) for item in types)):
            raise ValueError("not a declaration")
        if notes is not None and not all(isinstance(pair, list) and len(pair) == 2
                                         and all(isinstance(item, str) for item in pair) for pair in notes):
            raise ValueError("not a declaration")
        return cls(slug, (line, column), tuple(types),
                   None if notes is None else tuple((pair[0], pair[1]) for pair in notes))

    @property
    def gives_guids(self) -> bool:
        """Whether a note of the source gives its GUID (``guid:``)."""
        return any(given for _, given in self.notes or ())

    def guids(self) -> dict[str, str]:
        """Each GUID the source's notes would have in Anki, with the note's id: given, or from slug and id."""
        found: dict[str, str] = {}
        for note_id, given in self.notes or ():
            if given and GUID_RE.fullmatch(given):
                found.setdefault(given, note_id)
            elif not given and SLUG_RE.fullmatch(self.slug) and SLUG_RE.fullmatch(note_id):
                found.setdefault(note_guid(self.slug, note_id), note_id)
        return found


def is_source_name(name: str) -> bool:
    """A YAML file an author could build; not an editor's lock or backup (``.#deck.yaml``, ``#deck.yaml#``)."""
    return name.endswith(SOURCE_SUFFIXES) and not name.startswith((".", "#", "~"))


def declarations_in(data: bytes, *, notes: bool = False) -> Declared:
    """The slug, declared note types and notes of the YAML ``data``; ``notes`` reads the notes' ids even
    when no ``guid`` is written. Anything the loader would refuse later (a syntax error) only ends the reading."""
    full = notes or b"guid" in data
    enough_at_slug = not full and b"note_types" not in data
    loader = _Loader(io.BytesIO(data))
    path: list[Any] = []  # keys and indices from the top down to the current value
    counts: list[int] = []  # per open collection: children seen (a mapping's keys and values both count)
    mappings: list[bool] = []
    slug, slug_at = "", (0, 0)
    types: dict[int, dict[str, str]] = {}
    found_notes: dict[int, dict[str, str]] = {}
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
                    if where == ("slug",) and not slug:
                        mark = event.start_mark
                        slug, slug_at = event.value, (mark.line + 1, mark.column + 1) if mark else (0, 0)
                        if enough_at_slug:
                            break
                    elif len(where) == 3 and where[0] == "note_types" and where[2] in ("id", "anki_id"):
                        types.setdefault(where[1], {})[where[2]] = event.value
                    elif full and len(where) == 3 and where[0] == "notes" and where[2] in ("id", "guid"):
                        found_notes.setdefault(where[1], {})[where[2]] = event.value
                _next(counts, mappings, path)
    except yaml.YAMLError:
        pass  # what was read stands; the source's own build reports the rest
    finally:
        loader.dispose()
    declared = tuple(entry["id"] + (f"={entry['anki_id']}" if "anki_id" in entry else "")
                     for _, entry in sorted(types.items()) if "id" in entry)
    read_notes = tuple((entry["id"], entry.get("guid", "")) for _, entry in sorted(found_notes.items())
                       if "id" in entry) if full else None
    return Declared(slug, slug_at, declared, read_notes)


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
    from .notetypes import BUILTIN_TYPES  # here: a no-op rebuild that finds no sibling never loads note types

    slug = declared.slug
    claims: dict[int, str] = {}
    if SLUG_RE.fullmatch(slug):
        claims.update({note_type_id(slug, key): f"the {key} type" for key in BUILTIN_TYPES})
    for entry in declared.types:
        key, _, recorded = entry.partition("=")
        if TYPE_ID_RE.fullmatch(recorded) and int(recorded) < 1 << 63:
            claims[int(recorded)] = f"note type '{key}'"
        elif not recorded and SLUG_RE.fullmatch(slug) and SLUG_RE.fullmatch(key):
            claims[note_type_id(slug, key)] = f"note type '{key}'"
    return claims


def _read(path: Path, *, notes: bool) -> Declared:
    """What the source at ``path`` declares; nothing when it is no readable regular file of source size."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)  # a pipe must not block the build
    except OSError:
        return Declared()
    with open(handle, "rb") as stream:
        try:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SOURCE_BYTES:
                return Declared()
            return declarations_in(stream.read(MAX_SOURCE_BYTES + 1), notes=notes)
        except OSError:
            return Declared()


def _stamp(info: os.stat_result) -> _Stamp:
    return info.st_size, info.st_mtime_ns, info.st_ino


class _Cache:
    """Declarations by file name and stamp, kept for the next no-op rebuild (best effort)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        stored = read_checked(path, SIBLING_CACHE) if path is not None else None
        self.known: dict[str, list[Any]] = {}
        for name, entry in (stored.items() if isinstance(stored, dict) else ()):
            with contextlib.suppress(TypeError, ValueError):  # a damaged entry is read again
                if isinstance(entry, list) and len(entry) == 8 and all(type(item) is int for item in entry[:3]):
                    Declared.from_json(entry[3:])
                    self.known[name] = entry
        self.seen: dict[str, list[Any]] = {}

    def declared(self, folder: Path, name: str, info: os.stat_result, *, notes: bool = False) -> Declared:
        stamp = list(_stamp(info))
        cached = self.known.get(name)
        found = Declared.from_json(cached[3:]) if cached is not None and cached[:3] == stamp else None
        if found is None or (notes and found.notes is None):
            found = _read(folder / name, notes=notes)
        self.seen[name] = [*stamp, *found.to_json()]
        return found

    def save(self) -> None:
        if self.path is not None and self.seen != self.known:
            write_checked(self.path, SIBLING_CACHE, self.seen)


def other_sources(source: Path) -> list[tuple[str, os.stat_result]]:
    """The names and stat results of the other regular source files in ``source``'s folder, by name.

    The same file under another name (a hard link) is not another source, nor is a symbolic link: no source is
    read through one (every command refuses it when named), so a link to a file outside is never read here either.
    """
    folder = source.parent
    try:
        names = sorted(entry for entry in os.listdir(folder) if is_source_name(entry))
    except OSError:
        return []  # the build's own read of the source reports what is wrong
    try:
        own: os.stat_result | None = os.stat(source)
    except FileNotFoundError:
        own = None  # a source about to be written there (builder import): every source is another
    except OSError:
        return []
    others: list[tuple[str, os.stat_result]] = []
    for name in names:
        try:
            info = os.lstat(folder / name)
        except OSError:
            continue  # gone meanwhile
        if (own is None or (info.st_dev, info.st_ino) != (own.st_dev, own.st_ino)) and stat.S_ISREG(info.st_mode):
            others.append((name, info))
    return others


class Own(Struct, frozen=True):
    """What the source being built claims, from its loaded deck (or read like a sibling's on a no-op rebuild)."""

    slug: str
    slug_at: Location
    type_ids: dict[int, str]
    """Note-type id -> what it names ("the cloze type", "note type 'x'")."""
    type_at: Location
    guids: dict[str, tuple[str, Location]]
    """The GUIDs its notes give (``guid:``) -> (note id, where)."""
    all_guids: Callable[[], dict[str, tuple[str, Location]]]
    """Every note's GUID, given or made from slug and id, -> (note id, where): asked for only when this source
    or a sibling gives GUIDs (two derived ones never meet: they come from two slugs)."""


def own_claims(deck: Deck) -> Own:
    """The claims of a loaded deck, pointing at its slug, its ``note_types`` and each note with a ``guid``."""
    types = {note_type.id: f"the {key} type" if note_type.label else f"note type '{key}'"
             for key, note_type in deck.note_types.items()}
    line = deck.key_lines.get("note_types", deck.key_lines.get("slug", 0))
    guids = {note.guid: (note.id, deck.where(note.line)) for note in deck.notes if note.guid is not None}

    @functools.cache
    def every_guid() -> dict[str, tuple[str, Location]]:
        return {deck.guid(note): (note.id, deck.where(note.line)) for note in deck.notes}

    return Own(deck.slug, deck.where(deck.key_lines.get("slug", 0)), types, deck.where(line), guids, every_guid)


def sibling_problems(source: Path, own: Own | None = None, *, cache_file: Path | None = None) -> list[Problem]:
    """E150 (the slug), E151 (the first shared note-type id) and E152 (the first shared GUID) of ``source``.

    ``own`` is what the loaded source claims; without it (a no-op rebuild, which
    parses nothing) the source is read like its siblings. A sibling with the same
    slug shares every id and GUID: E150 says so, not E151 or E152.
    """
    others = other_sources(source)
    if not others:
        return []  # the usual case: one source in its folder, nothing to read
    cache = _Cache(cache_file)
    if own is None:
        try:
            stamp = os.stat(source)
        except OSError:
            return []  # the build's own read of the source reports it
        read, where = cache.declared(source.parent, source.name, stamp), Location(source)

        @functools.cache
        def every_guid() -> dict[str, tuple[str, Location]]:
            read_all = cache.declared(source.parent, source.name, stamp, notes=True)
            return {guid: (note_id, where) for guid, note_id in read_all.guids().items()}

        own = Own(read.slug, Location(source, *read.slug_at), claimed_ids(read), where,
                  {given: (note_id, where) for note_id, given in read.notes or () if given}, every_guid)
    shared_slug: list[Path] = []
    type_problem = guid_problem = None
    for name, info in others:
        theirs = cache.declared(source.parent, name, info, notes=bool(own.guids))
        other = source.parent / name
        if theirs.slug == own.slug:
            shared_slug.append(other)
            continue
        if type_problem is None:
            type_problem = _type_problem(own, claimed_ids(theirs), other)
        if guid_problem is None and (own.guids or theirs.gives_guids):
            guid_problem = _guid_problem(own, theirs.guids(), other)
    cache.save()
    found = [_slug_problem(source, own, shared_slug)] if shared_slug else []
    return found + [problem for problem in (type_problem, guid_problem) if problem is not None]


def _slug_problem(source: Path, own: Own, others: list[Path]) -> Problem:
    """E150 at the source's slug, line and column (read again only now: the loader keeps no columns)."""
    where = own.slug_at
    if where.column == 0:
        found = _read(source, notes=False).slug_at
        where = Location(source, *found) if found[0] else where
    shown = [str(path) for path in others[:3]] + [f"{len(others) - 3} more"] * (len(others) > 3)
    names = ", ".join(shown[:-1]) + f" and {shown[-1]}" if len(shown) > 1 else shown[0]
    return Problem(where, "E150", (
        f"slug '{own.slug}' is also the slug of {names}: sources in one folder with one slug share the lock "
        f"{lock_path(source, own.slug)} and their notes' identities in Anki, and would retire or overwrite "
        "each other's notes; give the new deck a slug of its own"
    ))


def _type_problem(own: Own, theirs: dict[int, str], other: Path) -> Problem | None:
    shared = sorted(own.type_ids.keys() & theirs.keys())
    if not shared:
        return None
    return Problem(own.type_at, "E151", (
        f"note type id {shared[0]} ({own.type_ids[shared[0]]}) is also the id of {theirs[shared[0]]} "
        f"in {other}: a learner who imports both decks would get one note type for two, each import "
        "replacing the other's templates; change or remove the anki_id that repeats it"))


def _guid_problem(own: Own, theirs: dict[str, str], other: Path) -> Problem | None:
    mine = own.all_guids()
    shared = [guid for guid in mine if guid in theirs]
    if not shared:
        return None
    note_id, where = mine[shared[0]]
    return Problem(where, "E152", (
        f"note '{note_id}' has the GUID {shared[0]}, which note '{theirs[shared[0]]}' of {other} has too: "
        "Anki would take the two for one note, each deck's import overwriting the other's; "
        "a GUID belongs to one note of one deck"))


def refuse_sibling_clashes(source: Path, own: Own | None = None, *, cache_file: Path | None = None) -> None:
    """Raise the :func:`sibling_problems` of ``source``, if it has any."""
    problems = sibling_problems(source, own, cache_file=cache_file)
    if problems:
        raise InvalidSource(problems)
