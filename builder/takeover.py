"""The lock of a deck taken over from another tool: what ``builder import`` writes beside the source.

A deck someone else made is already in learners' collections, each note with
the ``mod`` its package gave it. Anki updates a note on import only when the
incoming ``mod`` is newer, so the first release builder makes of the deck must
carry exactly those times for every note and note type it leaves as they were.
:func:`seed_lock` loads and assembles the written source with the very code a
build runs, and returns the lock that says so: no release yet (``imported``:
the package's name and sha256), every note with its GUID, type, content and
field hashes as a build computes them and the package's ``mod``, every note
type with the package's ``mod``. The next ``builder build`` is then the deck's
first release and updates nothing a learner has.

It also returns what each note will hold in Anki (fields, tags, deck), so the
importer can compare them with the package's and refuse, writing nothing, when
the source it wrote would change a single character.

It writes nothing. The importer lays the source and its media folder out in a
staging folder as they will be in the target (``<slug>.yaml`` beside
``<slug>.media/``: media file hashes count in the lock), seeds the lock there,
and moves the files into place itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from msgspec import Struct
from msgspec.structs import replace

from .assemble import assemble
from .errors import BuilderError
from .lock import Imported, Lock
from .lockread import MAX_TIME
from .plan import make_plan
from .render import Renderer
from .siblings import own_claims, refuse_sibling_clashes
from .source import load_deck

_SHA256 = re.compile("[0-9a-f]{64}")
_PACKAGE_NAME = re.compile(r"[^/\\\x00-\x1f\x7f]{1,255}")


class SeededNote(Struct, frozen=True):
    """One note as the first release will put it into Anki."""

    note_id: str
    guid: str
    note_type: str
    """The note type's key in the source (``note_types[].id``)."""
    type_id: int
    fields: dict[str, str]
    """Field name -> the field's HTML exactly as Anki will hold it (NFC), in the type's field order."""
    tags: tuple[str, ...]
    deck: str
    mod: int


class Seed(Struct, frozen=True):
    lock: Lock
    lock_text: bytes
    """The lock file's bytes, exactly as a build writes locks (``Lock.to_bytes``)."""
    notes: tuple[SeededNote, ...]
    """In source order."""


def seed_lock(source: Path, mods: Mapping[str, int], type_mods: Mapping[int, int], package_name: str,
              package_sha256: str, *, now: int, into: Path | None = None, data: bytes | None = None) -> Seed:
    """The lock for ``source``, a deck taken over from the package ``package_name``; nothing is written.

    ``mods``: GUID -> the note's ``mod`` in the package, for every note of the
    source. ``type_mods``: note type id in Anki -> its ``mod`` in the package, for
    every type the notes use. ``now`` stamps only what the package did not have
    (builder's own types of a deck with a ``source``). ``into``: the folder the
    source will be written to, whose other sources' slugs, note-type ids and GUIDs
    must not repeat (E150-E152), as a build there would check. ``data``: the
    source's bytes, if already in hand.

    Raises ``BuilderError`` (``InvalidSource`` listing every problem for a source
    the loader refuses) when the source is not one builder would build, or a
    value of the package cannot stand in a lock.
    """
    if not _PACKAGE_NAME.fullmatch(package_name):
        raise BuilderError(f"the package's file name {package_name!r} cannot be recorded in a lock: "
                           "rename the package", source)
    if not _SHA256.fullmatch(package_sha256):
        raise BuilderError(f"{package_sha256!r} is not a sha256 (64 hex digits)", source)
    deck = load_deck(source, data)
    refuse_sibling_clashes(into / source.name if into is not None else source, own_claims(deck))
    # Seeding records what the package holds: whether a script in it may ship is each build's call (--unsafe-html).
    renderer = Renderer(unsafe_html=True)
    notes = assemble(deck, renderer=renderer)
    plan = make_plan(deck, notes, None, now=now, renderer=renderer, clock=now)
    locked_notes = {}
    for note in notes:
        mod = mods.get(note.guid)
        if mod is None:
            raise BuilderError(f"note '{note.note_id}' has the GUID {note.guid}, which no note of the package has",
                               deck.where(next(n.line for n in deck.notes if n.id == note.note_id)))
        locked_notes[note.note_id] = replace(plan.lock.notes[note.note_id], mod=_time(mod, f"note {note.guid}"))
    locked_types = {
        key: replace(kind, mod=_time(type_mods[kind.id], f"note type {kind.id}")) if kind.id in type_mods else kind
        for key, kind in plan.lock.note_types.items()
    }
    lock = replace(plan.lock, version=None, apkg=None, apkg_sha256="", history=(), notes=locked_notes,
                   note_types=locked_types, imported=Imported(package_name, package_sha256))
    seeded = tuple(
        SeededNote(note.note_id, note.guid, note.note_type.key, note.note_type.id,
                   dict(zip(note.field_names, note.fields, strict=True)), note.tags, note.deck,
                   locked_notes[note.note_id].mod)
        for note in notes
    )
    return Seed(lock, lock.to_bytes(), seeded)


def _time(value: int, what: str) -> int:
    """A ``mod`` as the lock may hold it (lockread checks the same range)."""
    if type(value) is not int or not 0 <= value <= MAX_TIME:
        raise BuilderError(f"the package gives {what} the mod {value!r}, not a time Anki keeps")
    return value
