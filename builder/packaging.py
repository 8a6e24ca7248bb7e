"""The only module that touches genanki: notes in, reproducible .apkg bytes out.

genanki stamps one ``mod`` on every note and note type and numbers notes from
the clock, and its zip carries the current time. Anki only updates a matched
note whose incoming ``mod`` is newer, so we subclass its ``Note``, ``Card`` and
``Model`` to write the ``mod`` and ids the lock chose per note, and write the
zip ourselves with fixed entry times, order and permissions. Same input, same
bytes, on any day and in any time zone.
"""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import genanki

from .assemble import AnkiNote
from .identity import anki_card_id, anki_note_id

if TYPE_CHECKING:
    from .render import MediaFile

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
"""Earliest time a zip entry can hold; any fixed value makes builds repeatable."""


@dataclass(frozen=True)
class NoteType:
    kind: str
    id: int
    name: str
    fields: tuple[str, ...]
    template_name: str
    front: str
    back: str
    css: str
    mod: int


@dataclass(frozen=True)
class DeckEntry:
    id: int
    name: str
    description: str


@dataclass(frozen=True)
class PackagedNote:
    note: AnkiNote
    mod: int
    due: int


class _Model(genanki.Model):  # type: ignore[misc]
    def __init__(self, note_type: NoteType) -> None:
        super().__init__(
            model_id=note_type.id,
            name=note_type.name,
            fields=[{"name": name} for name in note_type.fields],
            templates=[{"name": note_type.template_name, "qfmt": note_type.front, "afmt": note_type.back}],
            css=note_type.css,
            model_type=genanki.Model.CLOZE if note_type.kind == "cloze" else genanki.Model.FRONT_BACK,
            sort_field_index=0,
        )
        self._mod = note_type.mod

    def to_json(self, timestamp: float, deck_id: int) -> dict[str, Any]:
        data: dict[str, Any] = super().to_json(timestamp, deck_id)
        data["mod"] = self._mod
        return data


class _Card(genanki.Card):  # type: ignore[misc]
    def __init__(self, ord: int, card_id: int, mod: int) -> None:  # noqa: A002 - genanki's name
        super().__init__(ord)
        self._card_id = card_id
        self._mod = mod

    def write_to_db(self, cursor: sqlite3.Cursor, timestamp: float, deck_id: int, note_id: int,
                    id_gen: Iterator[int], due: int = 0) -> None:
        super().write_to_db(cursor, self._mod, deck_id, note_id, iter([self._card_id]), due)


class _Note(genanki.Note):  # type: ignore[misc]
    def __init__(self, model: _Model, packaged: PackagedNote) -> None:
        note = packaged.note
        super().__init__(model=model, fields=list(note.fields), tags=list(note.tags), guid=note.guid,
                         due=packaged.due)
        self._mod = packaged.mod

    @property
    def cards(self) -> list[_Card]:
        return [_Card(card.ord, anki_card_id(self.guid, card.ord), self._mod) for card in super().cards]

    def write_to_db(self, cursor: sqlite3.Cursor, timestamp: float, deck_id: int,
                    id_gen: Iterator[int]) -> None:
        cursor.execute(
            "INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);",
            (anki_note_id(self.guid), self.guid, self.model.model_id, self._mod, -1,
             self._format_tags(), self._format_fields(), self.sort_field, 0, 0, ""),
        )
        note_id = cursor.lastrowid
        for card in self.cards:
            card.write_to_db(cursor, self._mod, deck_id, note_id, id_gen, self.due)


def build_package(
    note_types: tuple[NoteType, ...],
    decks: tuple[DeckEntry, ...],
    notes: tuple[PackagedNote, ...],
    progress: Callable[[str, int, int], None] | None = None,
) -> bytes:
    """The .apkg as bytes; nothing is written outside a private temporary folder."""
    if progress is not None:
        progress("packaging", 0, len(notes))
    models = {note_type.kind: _Model(note_type) for note_type in note_types}
    anki_decks = {entry.name: genanki.Deck(entry.id, entry.name, entry.description) for entry in decks}
    for note_type in note_types:  # every type is written even if no note uses it yet
        next(iter(anki_decks.values())).add_model(models[note_type.kind])
    media: dict[str, MediaFile] = {}
    for packaged in notes:
        anki_decks[packaged.note.deck].add_note(_Note(models[packaged.note.type_kind], packaged))
        for item in packaged.note.media:
            media[item.name] = item
    stamp = max([packaged.mod for packaged in notes] + [t.mod for t in note_types])
    package = genanki.Package(list(anki_decks.values()))
    with tempfile.TemporaryDirectory(prefix="builder-") as folder:
        db_path = Path(folder) / "collection.anki2"
        connection = sqlite3.connect(db_path)
        try:
            package.write_to_db(connection.cursor(), stamp, iter(()))
            connection.commit()
        finally:
            connection.close()
        return _zip(db_path.read_bytes(), [media[name] for name in sorted(media)])


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


def _zip(collection: bytes, media: list[MediaFile]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_entry("collection.anki2"), collection)
        index = {str(number): item.name for number, item in enumerate(media)}
        archive.writestr(_entry("media"), json.dumps(index, sort_keys=True))
        for number, item in enumerate(media):
            archive.writestr(_entry(str(number)), item.source.read_bytes())
    return buffer.getvalue()
