"""Reading a lock back: every value checked, so nothing downstream can fail on one.

A lock is committed, shared, merged and sometimes edited by hand, so it is read
like a source. Each value is checked here for its type, range and format (a
``mod`` Anki can store, a version that parses, a GUID that is the one its note
id gives, a note id that may become a file name), and a bad one is named in
one line: ``notes.quiz-one.mod is 10000000000000000000, not a time ...``.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from pathlib import Path

from .errors import Location, LockError
from .files import NotAFile, read_plain_file, refused_kind
from .formats import DATE_RE, GUID_RE, LOCKED_VERSION_RE, SLUG_RE, UNHELD_RE
from .layout import release_name
from .lock import LOCK_FORMAT, READABLE_FORMATS, EarlierState, Imported, Lock, LockedNote, LockedNoteType, Release


def read_lock(path: Path) -> Lock | None:
    """The lock at ``path``, or None before the first build; a ``LockError`` naming any bad value."""
    try:
        raw = read_plain_file(path)
        if raw is None:
            return None
        text = raw.decode("utf-8")
    except NotAFile as exc:
        raise LockError(f"the lock is {refused_kind(exc.what)}: put the lock file itself here "
                        "(restore it from version control)", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LockError(f"cannot read the lock: {exc}", path) from None
    conflict = _CONFLICT_MARKER.search(text)
    if conflict is not None:
        raise LockError(
            f"the lock holds a git merge conflict ('{conflict[1]}'): never merge a lock by hand; take it whole "
            "from the side whose release was published (usually the main branch: git checkout main -- "
            f"{path}), then run builder build, which releases the merged source on top of it",
            Location(path, text.count("\n", 0, conflict.start()) + 1),
        )
    try:
        data = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_pairs)
    except (ValueError, RecursionError) as exc:
        raise LockError(f"the lock is damaged (not JSON: {exc}): restore it from version control", path) from None
    try:
        top = _Object(data, "the file")
        top.where = ""  # the top's keys are named alone: "version", "notes.quiz-one.mod"
        found = top.whole("format", MAX_ID, f"a format number such as {LOCK_FORMAT}")
        if found not in READABLE_FORMATS:
            raise LockError(f"lock format {found} is not {LOCK_FORMAT}: upgrade builder", path)
        return _lock(top)
    except _Damaged as damage:
        raise LockError(f"the lock is damaged: {damage}: restore it from version control", path) from None


class _Damaged(Exception):
    """A value of the lock that builder would never have written: ``str()`` names it and says why."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where} {problem}")


MAX_TIME = 253_402_300_799
"""The last second of 9999 (UTC). Anki stores a ``mod`` as 64-bit seconds (10^19 makes it refuse
the whole package); builder also prints these times as dates, which end with the year 9999."""
MAX_ID = 2**63 - 1
_HASH = re.compile("[0-9a-f]{16}")
_SHA256 = re.compile("[0-9a-f]{64}")
_TAG = re.compile(".+", re.DOTALL)
_EARLIER_KEYS = re.compile("until|fields|tags")
_NOTE_FOR_LEARNERS = re.compile(r"[^\x00-\x09\x0b-\x1f\x7f]+")
"""Text with no control character but line breaks: printed in the changelog and the deck description."""
MAX_CLOZE = 65535
"""The highest cloze number Anki imports."""
_MISSING = object()
_CONFLICT_MARKER = re.compile(r"^(<{7}|>{7}|={7}|\|{7})(?: |$)", re.MULTILINE)
"""A line git writes into a file it could not merge (``|||||||`` with the diff3 style)."""
_TIME = "a time (whole seconds from 1970 to the end of 9999)"


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


class _Twice(dict[str, object]):
    """A JSON object that named a key twice: json keeps the last value silently; :class:`_Object` refuses it."""

    twice: str = ""


def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object as a dict, marked when a key comes twice (a hand edit or a bad merge builder never writes)."""
    data = dict(pairs)
    if len(data) == len(pairs):
        return data
    marked, seen = _Twice(pairs), set()
    for key, _ in pairs:
        if key in seen:
            marked.twice = key
            break
        seen.add(key)
    return marked


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


class _Object:
    """One JSON object of the lock, read key by key with the check each value needs.

    Checks pass quickly; the path of a value (``notes.quiz-one.mod``) is only
    spelt out for the message when one fails: a lock may hold 50,000 notes.
    """

    __slots__ = ("data", "where")

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise _Damaged(where, f"is {_shown(value)}, not an object")
        if isinstance(value, _Twice):
            raise _Damaged(where or "the file", f"has the key {_shown(value.twice)} twice")
        self.data: dict[str, object] = value
        self.where = where

    def _path(self, key: str | int) -> str:
        return f"{self.where}[{key}]" if isinstance(key, int) else f"{self.where}.{key}" if self.where else key

    def get(self, key: str, default: object = _MISSING) -> object:
        value = self.data.get(key, default)
        if value is _MISSING:
            raise _Damaged(self._path(key), "is missing")
        return value

    def bad(self, key: str | int, value: object, what: str) -> _Damaged:
        if value is _MISSING:
            return _Damaged(self._path(key), "is missing")
        return _Damaged(self._path(key), f"is {_shown(value)}, not {what}")

    def text(self, key: str, pattern: re.Pattern[str] | None = None, what: str = "text",
             default: object = _MISSING) -> str:
        value = self.data.get(key, default)
        if type(value) is str and (pattern is None or pattern.fullmatch(value)):
            return value
        raise self.bad(key, value, what)

    def texts(self, key: str, pattern: re.Pattern[str] | None = None, what: str = "text",
              default: object = _MISSING) -> tuple[str, ...]:
        items = self.list(key, default)
        for index, item in enumerate(items):
            if type(item) is not str or (pattern is not None and not pattern.fullmatch(item)):
                raise _Damaged(f"{self._path(key)}[{index}]", f"is {_shown(item)}, not {what}")
        return tuple(items)  # type: ignore[arg-type]  # every item checked above

    def list(self, key: str, default: object = _MISSING) -> list[object]:
        value = self.get(key, default)
        if not isinstance(value, list):
            raise self.bad(key, value, "a list")
        return value

    def whole(self, key: str, high: int, what: str, low: int = 0) -> int:
        value = self.data.get(key, _MISSING)
        if type(value) is int and low <= value <= high:  # not a bool, not a float
            return value
        raise self.bad(key, value, what)

    def object(self, key: str, default: object = _MISSING) -> _Object:
        return _Object(self.get(key, default), self._path(key))

    def keys(self, pattern: re.Pattern[str], what: str) -> None:
        for key in self.data:
            if not pattern.fullmatch(key):
                raise _Damaged(self.where, f"has the key {_shown(key)}, which is not {what}")

    def only(self, known: frozenset[str]) -> None:
        """Refuse a key the lock format does not define here: builder never writes one, so the lock was edited."""
        for key in self.data:
            if key not in known:
                raise _Damaged(self.where or "the file", f"has the key {_shown(key)}, which a lock never holds")

    def deck_name(self, key: str) -> str:
        name = self.text(key)
        if not name.strip() or UNHELD_RE.search(name):
            raise self.bad(key, name, "a deck name")
        return name


_RELEASE_KEYS = ("version", "apkg", "apkg_sha256")
_TOP_KEYS = frozenset({"format", "slug", "deck", *_RELEASE_KEYS, "imported", "extra", "note_types", "notes",
                       "history"})
_NOTE_KEYS = frozenset({"guid", "type", "hash", "fields", "mod", "summary", "deck", "tags", "cards", "retired_in",
                        "earlier"})
_NOTE_TYPE_KEYS = frozenset({"id", "name", "fields", "templates", "hash", "mod", "cloze"})
_HISTORY_KEYS = frozenset({"version", "date", "added", "changed", "removed", "summary", "moved", "moves",
                           "restored", "for_learners"})
_PACKAGE_NAME = re.compile(r"[^/\\\x00-\x1f\x7f]{1,255}")
"""A file name as ``builder import`` records it: no folder, no control character."""


def _lock(top: _Object) -> Lock:
    top.only(_TOP_KEYS)
    slug = top.text("slug", SLUG_RE, "a slug")
    imported = _imported(top)
    if imported is None:
        released = top.text("version", LOCKED_VERSION_RE, "a version such as 1.0.0")
        version: str | None = released
        apkg: str | None = top.text("apkg")
        if apkg != release_name(slug, released):
            raise _Damaged("apkg", f"is {_shown(apkg)}, not {release_name(slug, released)} as its slug and version say")
        apkg_sha256 = top.text("apkg_sha256", _SHA256, "a sha256 (64 hex digits)")
    else:
        version, apkg, apkg_sha256 = None, None, ""
    extra, notes, note_types = top.object("extra", {}), top.object("notes"), top.object("note_types")
    notes.keys(SLUG_RE, "a note id")
    note_types.keys(SLUG_RE, "a note type key")  # which keys this deck has is the plan's call
    history = tuple(_release(_Object(item, f"history[{index}]")) for index, item in enumerate(top.list("history")))
    if imported is not None and history:
        raise _Damaged("history", "is not [], as it must be in a lock that builder import wrote (no release yet)")
    owners: dict[str, str] = {}
    locked_notes = {note_id: _note(notes.object(note_id), note_id, owners) for note_id in notes.data}
    locked_types = {kind: _note_type(note_types.object(kind)) for kind in note_types.data}
    for note_id, note in locked_notes.items():  # every release records the type of each note, with its fields
        kind = locked_types.get(note.note_type)
        if kind is None:
            raise _Damaged(f"notes.{note_id}.type", f"is {_shown(note.note_type)}, not a note type the lock records "
                                                    f"({', '.join(sorted(locked_types)) or 'none'})")
        if set(note.fields) != set(kind.fields):
            raise _Damaged(f"notes.{note_id}.fields", f"names {', '.join(sorted(note.fields)) or 'no field'}, not the "
                                                      f"fields of its type {note.note_type} ({', '.join(kind.fields)})")
    return Lock(
        slug=slug,
        deck=top.deck_name("deck"),
        version=version,
        apkg=apkg,
        apkg_sha256=apkg_sha256,
        deck_hashes={key: extra.text(key) for key in extra.data},
        notes=locked_notes,
        note_types=locked_types,
        history=history,
        imported=imported,
    )


def _imported(top: _Object) -> Imported | None:
    """The ``imported`` record of a lock ``builder import`` wrote, which has no release keys; None otherwise."""
    if top.get("imported", None) is None:
        return None
    record = top.object("imported")
    record.keys(re.compile("package|sha256"), "package or sha256")
    for key in _RELEASE_KEYS:
        if key in top.data:
            raise _Damaged(key, "is set, but a lock that builder import wrote (imported) has no release yet")
    return Imported(package=record.text("package", _PACKAGE_NAME, "a package's file name"),
                    sha256=record.text("sha256", _SHA256, "a sha256 (64 hex digits)"))


def _note(note: _Object, note_id: str, owners: dict[str, str]) -> LockedNote:
    """A note of the lock; its GUID is one Anki keeps (builder's own or a deck's taken over), no other note's."""
    note.only(_NOTE_KEYS)
    fields = note.object("fields")
    retired = note.get("retired_in", None)
    guid = note.text("guid", GUID_RE, "a GUID (1 to 100 printable ASCII characters, no space)")
    other = owners.setdefault(guid, note_id)
    if other != note_id:
        raise note.bad("guid", guid, f"a GUID of its own (note {other} has it too)")
    return LockedNote(
        guid=guid,
        note_type=note.text("type", SLUG_RE, "a note type key"),
        hash=note.text("hash", _HASH, "a hash (16 hex digits)"),
        fields={name: fields.text(name, _HASH, "a hash (16 hex digits)") for name in fields.data},
        mod=note.whole("mod", MAX_TIME, _TIME),
        summary=note.text("summary"),
        deck=note.deck_name("deck"),
        tags=note.texts("tags", _TAG, "a tag", default=[]),
        retired_in=None if retired is None else note.text("retired_in", LOCKED_VERSION_RE, "a version such as 1.0.0"),
        earlier=tuple(_earlier(_Object(item, f"{note.where}.earlier[{index}]"), fields.data)
                      for index, item in enumerate(note.list("earlier", []))),
        cards=_cards(note),
    )


def _cards(note: _Object) -> tuple[int, ...] | None:
    """A cloze note's card numbers, if recorded: distinct cloze numbers Anki accepts, in order."""
    if note.get("cards", None) is None:
        return None
    numbers = note.list("cards")
    if not all(type(number) is int and 0 < number <= MAX_CLOZE for number in numbers) \
            or numbers != sorted(set(numbers)):  # type: ignore[type-var]  # every item an int, checked first
        raise note.bad("cards", numbers, f"a sorted list of distinct cloze numbers (1 to {MAX_CLOZE})")
    return tuple(numbers)  # type: ignore[arg-type]  # checked above


def _earlier(state: _Object, fields: dict[str, object]) -> EarlierState:
    """One earlier state of a note: ``builder pull`` decides from these what a learner edited."""
    state.keys(_EARLIER_KEYS, "until, fields or tags")
    hashes = state.object("fields")
    if set(hashes.data) != set(fields):
        raise state.bad("fields", hashes.data, f"hashes of the note's fields {', '.join(sorted(fields))}")
    return EarlierState(
        until=state.text("until", LOCKED_VERSION_RE, "a version such as 1.0.0"),
        fields={name: hashes.text(name, _HASH, "a hash (16 hex digits)") for name in hashes.data},
        tags=state.texts("tags", _TAG, "a tag"),
    )


def _note_type(kind: _Object) -> LockedNoteType:
    kind.only(_NOTE_TYPE_KEYS)
    return LockedNoteType(
        id=kind.whole("id", MAX_ID, "an id Anki can store (1 to 2^63-1)", low=1),
        name=kind.text("name"),
        fields=kind.texts("fields"),
        templates=kind.texts("templates"),
        hash=kind.text("hash", _HASH, "a hash (16 hex digits)"),
        mod=kind.whole("mod", MAX_TIME, _TIME),
        cloze=_flag(kind, "cloze"),
    )


def _flag(value: _Object, key: str) -> bool | None:
    """An optional true or false: absent is None."""
    found = value.get(key, None)
    if found is None or type(found) is bool:
        return found  # type: ignore[return-value]
    raise value.bad(key, found, "true or false")


def _release(release: _Object) -> Release:
    release.only(_HISTORY_KEYS)
    date = release.text("date", DATE_RE, "a date YYYY-MM-DD")
    try:
        _dt.date.fromisoformat(date)
    except ValueError:
        raise release.bad("date", date, "a real date") from None
    return Release(
        version=release.text("version", LOCKED_VERSION_RE, "a version such as 1.0.0"),
        date=date,
        added=release.texts("added", SLUG_RE, "a note id"),
        changed=release.texts("changed", SLUG_RE, "a note id"),
        removed=release.texts("removed", SLUG_RE, "a note id"),
        summary=release.text("summary", default=""),
        moved=release.texts("moved", SLUG_RE, "a note id", default=[]),
        moves=tuple(_deck_pair(release, index, pair) for index, pair in enumerate(release.list("moves", []))),
        restored=release.texts("restored", SLUG_RE, "a note id", default=[]),
        for_learners=release.texts("for_learners", _NOTE_FOR_LEARNERS, "a sentence for learners", default=[]),
    )


def _deck_pair(release: _Object, index: int, pair: object) -> tuple[str, str]:
    """One (old deck, new deck) entry of a release's ``moves``: the changelog prints it for learners."""
    if not (isinstance(pair, list) and len(pair) == 2
            and all(isinstance(name, str) and name.strip() and not UNHELD_RE.search(name) for name in pair)):
        raise _Damaged(f"{release.where}.moves[{index}]", f"is {_shown(pair)}, not [old deck, new deck]")
    return pair[0], pair[1]
