"""The lock: what the last release put into Anki, so the next build knows what changed.

One JSON file per deck, committed next to its source. For every note it keeps
the GUID, a hash of what the note puts into Anki, per-field hashes (for
``builder diff``), the ``mod`` Anki compares on import and the note's earlier
shipped states (``builder pull`` must tell a learner still on an old release
from a learner's own edit); for the note types
their frozen schema, a hash of templates and CSS, and their ``mod``; the deck
name, the released version and the sha256 of the released .apkg; and the
release history the changelog is rendered from. Keys are sorted and notes are
keyed by id, so an edit shows up as a small diff.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from json.encoder import encode_basestring as _encode_string  # json's C string encoder
from typing import Any

from msgspec import Struct, field

LOCK_FORMAT = 2
"""Format 2 added ``earlier`` to notes. A format-1 lock reads as one whose notes have no earlier
states (what it recorded is their current state), and the next build writes it as format 2."""
READABLE_FORMATS = (1, 2)


# gc=False here and on LockedNote: one per note of a lock, text and numbers only, never in a cycle.
class EarlierState(Struct, frozen=True, gc=False):
    """What a note held in Anki before release ``until``: its per-field hashes and its tags.

    A learner who has not imported ``until`` (or anything after it) still holds
    this state; it is not their edit. Kept only when a release changed the note's
    fields or tags, so an unchanged note costs nothing.
    """

    until: str
    fields: dict[str, str]
    tags: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"until": self.until, "fields": dict(sorted(self.fields.items())), "tags": list(self.tags)}


class LockedNote(Struct, frozen=True, gc=False):
    guid: str
    note_type: str
    hash: str
    fields: dict[str, str]
    mod: int
    summary: str
    deck: str
    tags: tuple[str, ...] = ()
    retired_in: str | None = None
    earlier: tuple[EarlierState, ...] = ()
    """States this note was shipped with before its current one, oldest first; written only when there are some."""
    cards: tuple[int, ...] | None = None
    """The cloze numbers of a cloze note's cards, so a later release can tell which cards a learner has
    that lost their deletion. Recorded from the first release cut after this key existed (None before)."""

    def after_release(self, fields: dict[str, str], tags: tuple[str, ...], version: str) -> tuple[EarlierState, ...]:
        """The earlier states once release ``version`` ships ``fields`` and ``tags`` for this note."""
        if (self.fields, tuple(self.tags)) == (fields, tuple(tags)):
            return self.earlier
        if set(self.fields) != set(fields):  # a schema change renamed its fields: a learner's note of the old
            return ()  # type is never pulled (its fields are not the source's), and states must name the note's fields
        return (*self.earlier, EarlierState(version, self.fields, tuple(self.tags)))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "guid": self.guid,
            "type": self.note_type,
            "hash": self.hash,
            "fields": dict(sorted(self.fields.items())),
            "mod": self.mod,
            "summary": self.summary,
            "deck": self.deck,
            "tags": list(self.tags),
        }
        if self.cards is not None:
            data["cards"] = list(self.cards)
        if self.retired_in is not None:
            data["retired_in"] = self.retired_in
        if self.earlier:
            data["earlier"] = [state.to_json() for state in self.earlier]
        return data

    def json_text(self, newline: str) -> str:
        """``dumps_indented(self.to_json(), newline)``, written in one go: a lock has one per note.

        Three times faster than the general writer on a 50,000-note deck; the lock
        tests hold the two to the same text.
        """
        inner = newline + " "
        nested = "," + inner + " "
        fields = ("{" + inner + " " + nested.join([f"{_encode_string(name)}: {_encode_string(value)}"
                                                    for name, value in sorted(self.fields.items())])
                  + inner + "}") if self.fields else "{}"
        tags = ("[" + inner + " " + nested.join(map(_encode_string, self.tags)) + inner + "]") if self.tags else "[]"
        cards = "" if self.cards is None else f',{inner}"cards": {dumps_indented(list(self.cards), inner)}'
        retired = "" if self.retired_in is None else f',{inner}"retired_in": {_encode_string(self.retired_in)}'
        earlier = "" if not self.earlier else (
            f',{inner}"earlier": ' + dumps_indented([state.to_json() for state in self.earlier], inner)
        )
        return (
            f'{{{inner}"guid": {_encode_string(self.guid)},{inner}"type": {_encode_string(self.note_type)},'
            f'{inner}"hash": {_encode_string(self.hash)},{inner}"fields": {fields},{inner}"mod": {self.mod},'
            f'{inner}"summary": {_encode_string(self.summary)},{inner}"deck": {_encode_string(self.deck)},'
            f'{inner}"tags": {tags}{cards}{retired}{earlier}{newline}}}'
        )


class LockedNoteType(Struct, frozen=True):
    id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[str, ...]
    hash: str
    mod: int
    cloze: bool | None = None
    """Whether a type declared in the source is a cloze type (part of its frozen schema); None for a
    built-in type, whose key says it. Written only when set, so locks of built-in types stay as they were."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "fields": list(self.fields),
            "templates": list(self.templates),
            "hash": self.hash,
            "mod": self.mod,
        }
        if self.cloze is not None:
            data["cloze"] = self.cloze
        return data


class Release(Struct, frozen=True):
    version: str
    date: str
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    summary: str = ""
    moved: tuple[str, ...] = ()
    """Notes that only moved to another deck (so were not updated); written only when there are some,
    which keeps locks from before this key byte for byte."""
    moves: tuple[tuple[str, str], ...] = ()
    """(old deck, new deck) for every pair of decks this release moves notes between, edited or not:
    the Change Deck steps the changelog gives learners. Written only when there are some."""
    restored: tuple[str, ...] = ()
    """Retired notes this release brings back (releases before this key list them under ``added``)."""
    for_learners: tuple[str, ...] = ()
    """What a learner should know or do after importing this release, one sentence each; the changelog
    ends the release's entry with it and the deck description shows the latest release's. Written
    only when there is something to say, so a release made before this key ships the same package."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": self.version,
            "date": self.date,
            "added": list(self.added),
            "changed": list(self.changed),
            "removed": list(self.removed),
        }
        if self.restored:
            data["restored"] = list(self.restored)
        if self.moved:
            data["moved"] = list(self.moved)
        if self.moves:
            data["moves"] = [list(pair) for pair in self.moves]
        data["summary"] = self.summary
        if self.for_learners:
            data["for_learners"] = list(self.for_learners)
        return data


class Imported(Struct, frozen=True):
    """The package a deck was taken over from (``builder import``), recorded until its first release."""

    package: str
    """The package's file name, as the importer was given it."""
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"package": self.package, "sha256": self.sha256}


class Lock(Struct, frozen=True):
    slug: str
    deck: str
    version: str | None
    """The last release; None in a lock ``builder import`` wrote, before the deck's first release."""
    apkg: str | None
    apkg_sha256: str
    notes: dict[str, LockedNote]
    note_types: dict[str, LockedNoteType]
    history: tuple[Release, ...] = ()
    deck_hashes: dict[str, str] = field(default_factory=dict)
    """Hashes of deck-level content (description, ...) that change the package."""
    imported: Imported | None = None
    """Set only in a lock written by ``builder import``: no release yet, but every note and note type
    with the ``mod`` learners' copies have, which the first release keeps for whatever it leaves as it was."""

    def to_bytes(self) -> bytes:
        """The lock file: its JSON (``indent=1``) in UTF-8, put together key by key and note by note.

        A 50,000-note lock is 25 MB of text, twice that as a Python string once
        one summary holds a "…"; built whole it cost 200 MB at the peak of a build.
        """
        fields: dict[str, object] = {"format": LOCK_FORMAT, "slug": self.slug, "deck": self.deck}
        if self.imported is not None:  # no release yet: nothing to name
            fields["imported"] = self.imported.to_json()
        else:
            fields.update(version=self.version, apkg=self.apkg, apkg_sha256=self.apkg_sha256)
        fields |= {
            "extra": dict(sorted(self.deck_hashes.items())),  # the key's name in locks since format 1
            "note_types": {kind: self.note_types[kind].to_json() for kind in sorted(self.note_types)},
            "notes": None,  # written note by note below
            "history": [release.to_json() for release in self.history],
        }
        parts: list[bytes] = []
        for key, value in fields.items():
            parts.append(f"{',' if parts else '{'}\n {_encode_string(key)}: ".encode())
            if key != "notes":
                parts.append(dumps_indented(value, "\n ").encode())
            elif not self.notes:
                parts.append(b"{}")
            else:  # one piece per note, joined once with everything else
                for index, note_id in enumerate(sorted(self.notes)):
                    note = self.notes[note_id].json_text("\n  ")
                    parts.append(f"{',' if index else '{'}\n  {_encode_string(note_id)}: {note}".encode())
                parts.append(b"\n }")
        parts.append(b"\n}\n")
        return b"".join(parts)


def dumps_indented(value: object, newline: str = "\n") -> str:
    """Exactly ``json.dumps(value, indent=1, ensure_ascii=False)`` for what a lock holds, faster.

    Given ``indent``, json drops to its pure-Python encoder, which yields
    dozens of small pieces per note: on a 50,000-note deck that took over a
    second and 150 MB. This builds each container in one join, with json's own
    C string encoder; tests hold it to json.dumps.
    """
    if isinstance(value, str):
        return _encode_string(value)
    if isinstance(value, dict):
        return _object_text(value.items(), newline)
    if isinstance(value, (list, tuple)):
        inner = newline + " "
        body = [_encode_string(item) if type(item) is str else dumps_indented(item, inner)
                for item in value]
        return "[" + inner + ("," + inner).join(body) + newline + "]" if body else "[]"
    return json.dumps(value, ensure_ascii=False)  # a number, true, false or null


def _object_text(items: Iterable[tuple[str, object]], newline: str) -> str:
    inner = newline + " "
    body = [
        f"{_encode_string(key)}: " + (_encode_string(item) if type(item) is str else dumps_indented(item, inner))
        for key, item in items
    ]
    return "{" + inner + ("," + inner).join(body) + newline + "}" if body else "{}"


