"""What a source may not do against its lock: decided once, for ``builder build`` and ``builder check``.

A released note and note type are in learners' collections; Anki matches them
by GUID and id when a learner imports the next release. So a build refuses
(``tests/test_builtin_types.py``, ``tests/test_declared_types.py`` and
``tests/test_takeover.py`` show why in the real engine):

* a lock that is another deck's (E160, as for a damaged lock);
* a released note whose GUID changes (E161): learners get a duplicate and the
  old note keeps its history alone;
* a released note whose type changes (E162): Anki never changes a note's type
  on import and skips the note as conflicting;
* a note taking the GUID another note has in the lock (E163): Anki takes the
  two for one note;
* a released note type whose id changes (E164): Anki takes it for another
  type and skips every note of it;
* a note type of the lock's notes (a retired note's too) that the deck no
  longer declares (E165): their tombstones and updates need it;
* a note type's schema change (its field or template names, or whether a
  declared type is a cloze type): Anki imports a copy ("Name+") and skips
  every existing note. Without ``--allow-schema-change`` it is refused (E166);
  with it (``builder check --allow-schema-change`` too) it is a warning that
  says what learners must then do (W215).

:func:`lock_problems` finds them from the deck and the lock alone, rendering
nothing, so ``builder check`` stays fast; :func:`refuse_lock_conflicts` is the
build's gate over the same findings. Both take the places of findings from the
source only when there is one to place.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterator

from .errors import Location, Problem, ReleaseError
from .identity import note_guid, note_type_id
from .layout import lock_path
from .lintrules import finding
from .lock import Lock, LockedNoteType, Release
from .notetypes import ALWAYS_PACKAGED, NoteType
from .places import Places
from .source import Deck


def refuse_lock_conflicts(deck: Deck, previous: Lock | None, *, allow_schema_change: bool) -> None:
    """The build's gate: a ``ReleaseError`` with the first error :func:`lock_problems` finds, if any."""
    for problem in lock_problems(deck, previous, allow_schema_change=allow_schema_change):
        if problem.severity == "error":
            raise ReleaseError(problem.message, problem.where)


def lock_problems(deck: Deck, previous: Lock | None, places: Places | None = None, *,
                  allow_schema_change: bool = False) -> list[Problem]:
    """Every finding of ``deck`` against its lock, notes (in source order) first, then note types."""
    if previous is None:
        return []
    foreign = foreign_lock(deck, previous)
    if foreign:  # a lock copied from another deck: nothing in it is this deck's
        return [finding(Location(lock_path(deck.path, deck.slug)), "E160", foreign)]
    damaged = damaged_guid(deck, previous) or damaged_mod(deck, previous)
    if damaged:  # before E161 could tell the author to copy the lock's GUID into the source
        return [finding(Location(lock_path(deck.path, deck.slug)), "E160", damaged)]
    places = places or Places(deck.path)
    found = list(_note_conflicts(deck, previous, places))
    found += _type_conflicts(deck, previous, places, allow_schema_change=allow_schema_change)
    return [problem for problem in found if problem.severity == "error" or problem.code not in deck.lint_ignore]


def damaged_guid(deck: Deck, lock: Lock) -> str | None:
    """Why a GUID the lock holds cannot be the one its release gave a note builder made, or None.

    A note builder made has the GUID its slug and id give (:func:`builder.identity.note_guid`), so another one
    in the lock was put there by hand, and E161 would tell the author to copy it into the source. A note taken
    over from another deck keeps its own GUID: one of a lock ``builder import`` wrote, or one the first release
    of a deck taken over holds (its source gives notes ``guid:``, or note types the ids they had: ``anki_id``),
    so only notes added later are checked there.
    """
    if lock.imported is not None:
        return None
    kept = taken_over(deck)
    added_later = {note_id for release in lock.history[1:] for note_id in release.added}
    for note in deck.notes:
        old = lock.notes.get(note.id)
        if old is None or note.guid is not None or (kept and note.id not in added_later):
            continue
        made = note_guid(deck.slug, note.id)
        if old.guid != made:
            return (f"the lock is damaged: notes.{note.id}.guid is {json.dumps(old.guid)}, not {json.dumps(made)}, the "
                    f"GUID builder gives note '{note.id}', which has no guid in the source: unless the source gave it "
                    "that guid before, the lock was edited by hand: restore it from version control")
    return None


def taken_over(deck: Deck) -> bool:
    """Whether ``deck`` was taken over from another tool: a note's own ``guid:``, or a type's kept ``anki_id``."""
    return any(note.guid is not None for note in deck.notes) or any(
        kind.id != note_type_id(deck.slug, key) for key, kind in deck.note_types.items())


def damaged_mod(deck: Deck, lock: Lock) -> str | None:
    """Why a note's ``mod`` in the lock cannot be the one its release stamped, or None.

    A release stamps every note it adds, changes, restores or retires with at least its own time, whose day
    the history records: a ``mod`` before that day was lowered by hand. Built on, it would ship the note older
    than learners hold it, and Anki would skip its next update. The first release of a deck taken over keeps
    the notes' own times, so it is only checked for a deck builder made.
    """
    releases = lock.history if not taken_over(deck) else lock.history[1:]
    stamped: dict[str, Release] = {}
    for release in releases:
        for note_id in (*release.added, *release.changed, *release.restored, *release.removed):
            stamped[note_id] = release
    for note_id, release in stamped.items():
        old = lock.notes.get(note_id)
        start = _day_start(release.date)
        if old is not None and old.mod < start:
            when = _dt.datetime.fromtimestamp(old.mod, tz=_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
            return (f"the lock is damaged: notes.{note_id}.mod is {old.mod} ({when}), before release "
                    f"{release.version} of {release.date}, which changed the note: restore it from version control")
    return None


def _day_start(date: str) -> int:
    day = _dt.date.fromisoformat(date)
    return int(_dt.datetime(day.year, day.month, day.day, tzinfo=_dt.timezone.utc).timestamp())


def unreproduced(previous: Lock, rebuilt: Lock) -> str | None:
    """Why ``rebuilt``, the lock of a build that re-creates ``previous``'s release (same version), is not
    ``previous``, or None. The same source and lock give the same package and lock, so a difference means the
    lock is not what its release was built with: a hand edit (a lowered ``mod`` would ship a release with other
    bytes under the same version, and a field hash quietly "repaired"), or a lock from another builder.
    """
    old, new = previous.to_bytes(), rebuilt.to_bytes()
    if old == new:
        return None
    where, held, built = _first_difference(json.loads(old), json.loads(new))
    if where == "apkg_sha256":
        what = (f"building version {rebuilt.version} again gives an .apkg whose sha256 is {str(built)[:12]}…, "
                f"not the {str(held)[:12]}… it records")
    else:
        what = (f"building version {rebuilt.version} again writes {where} as {_json(built)}, where the lock holds "
                f"{_json(held)}")
    return (f"the lock does not reproduce its release: {what}; it was edited by hand or written by another "
            "builder: restore it from version control")


def _json(value: object) -> str:
    text = "missing" if value is _ABSENT else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


_ABSENT = object()


def _first_difference(held: object, built: object, where: str = "") -> tuple[str, object, object]:
    """The first place (``notes.quiz-one.mod``) where two locks' JSON differ, the sha256 of the .apkg last."""
    if isinstance(held, dict) and isinstance(built, dict):
        keys = [*held, *(key for key in built if key not in held)]
        for key in sorted(keys, key=lambda key: key == "apkg_sha256" and not where):
            if held.get(key, _ABSENT) != built.get(key, _ABSENT):
                return _first_difference(held.get(key, _ABSENT), built.get(key, _ABSENT),
                                         f"{where}.{key}" if where else key)
    if isinstance(held, list) and isinstance(built, list) and len(held) == len(built):
        for index, (old, new) in enumerate(zip(held, built, strict=True)):
            if old != new:
                return _first_difference(old, new, f"{where}[{index}]")
    return where, held, built


def foreign_lock(deck: Deck, lock: Lock) -> str | None:
    """Why ``lock`` is another deck's (its slug is not the deck's), or None: build, check and pull all ask here."""
    return None if lock.slug == deck.slug else f"the lock belongs to '{lock.slug}', not '{deck.slug}'"


def wanted_types(deck: Deck, used: set[str]) -> set[str]:
    """The note types a package carries: those ``used`` by its notes (tombstones too), and ``ALWAYS_PACKAGED``.

    A deck without a source has no note of a built-in type, and carries none: nothing learners did not have.
    """
    return used | set(ALWAYS_PACKAGED if deck.source is not None else ())


def schema_changed(old: LockedNoteType, note_type: NoteType) -> bool:
    """Whether a type's field or template names (or, declared, whether it is a cloze type) differ from the lock's."""
    declared = old.cloze is not None
    return (old.fields, old.templates, old.cloze) != (
        note_type.fields, note_type.template_names, note_type.is_cloze if declared else None)


def _note_conflicts(deck: Deck, previous: Lock, places: Places) -> Iterator[Problem]:
    in_lock = {old.guid: note_id for note_id, old in previous.notes.items()}
    for note in deck.notes:
        guid, old = deck.guid(note), previous.notes.get(note.id)
        owner = in_lock.get(guid, note.id)
        if owner != note.id:
            yield finding(places.key(deck, note=note), "E163",
                          f"note '{note.id}' has the GUID {guid}, which note '{owner}' has in the lock: Anki would "
                          "take the two for one note; give it a GUID of its own")
        if old is None:
            continue
        if old.guid != guid:
            yield finding(places.key(deck, note=note), "E161",
                          f"note '{note.id}': the lock gives it GUID {old.guid}; a GUID never changes, or learners "
                          f"get a duplicate and lose its history: give it 'guid: {old.guid}', or the GUID it had")
        if old.note_type != note.type:
            yield finding(places.key(deck, note=note), "E162",
                          f"note '{note.id}' changed its type from {old.note_type} to {note.type}: Anki never "
                          "changes a note's type on import and would skip this note as conflicting, so no learner "
                          f"would get it; keep type {old.note_type}, or give the note a new id (the old one is "
                          "retired)")


def _type_conflicts(deck: Deck, previous: Lock, places: Places, *, allow_schema_change: bool) -> Iterator[Problem]:
    current = {note.id for note in deck.notes}
    used = {note.type for note in deck.notes}
    used |= {old.note_type for note_id, old in previous.notes.items() if note_id not in current}
    wanted = wanted_types(deck, used)
    for key in sorted(wanted - set(deck.note_types)):
        declared = "note_types" if "note_types" in places.root.items else "notes"
        yield finding(places.key(deck, declared), "E165",
                      f"notes of the last release have the note type '{key}', which this deck does not have: keep "
                      "its declaration in note_types (retired notes keep their type too)")
    for key, note_type in deck.note_types.items():
        old = previous.note_types.get(key)
        if old is None or key not in wanted:
            continue
        changed = schema_changed(old, note_type)
        if old.id == note_type.id and not changed:
            continue  # nothing to report: placing it would parse the source a second time for nothing
        where = _type_place(deck, key, places)
        if old.id != note_type.id:
            yield finding(where, "E164",
                          f"note type '{key}' had the id {old.id} in the last release and would have "
                          f"{note_type.id}: Anki would take it for another type and skip every note of it as "
                          f"conflicting; keep its id (anki_id: {old.id})")
        if not changed:
            continue
        copy = "Anki would import a copy ('Name+') and skip every existing note"
        if allow_schema_change:
            yield finding(where, "W215",
                          f"the {key} note type's field or template names change: a major release, which learners "
                          f"must import with 'Merge note types', or {copy} (see docs/rebuild-loop.md)")
        else:
            yield finding(where, "E166",
                          f"the {key} note type's field or template names would change; {copy}. If you really "
                          "mean it, build with --allow-schema-change and import with 'Merge note types' (see "
                          "docs/rebuild-loop.md)")


def _type_place(deck: Deck, key: str, places: Places) -> Location:
    """Where a note type is declared; a built-in one's is the deck's ``notes`` (nothing in the source names it)."""
    return places.note_type(deck, key) or places.key(deck, "notes")
