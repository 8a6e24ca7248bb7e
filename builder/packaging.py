"""The only module that touches genanki: notes in, reproducible .apkg bytes out.

genanki stamps one ``mod`` on every note and note type and numbers notes from
the clock, and its zip carries the current time. Anki only updates a matched
note whose incoming ``mod`` is newer, so we subclass its ``Model`` and give its
decks our own note rows, to write the ``mod`` and ids the lock chose per note, and write the
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
from pathlib import Path
from typing import TYPE_CHECKING, Any

import genanki

from .contents import DeckEntry, PackagedNote, PackagedNoteType
from .identity import anki_card_id, anki_note_id

if TYPE_CHECKING:
    from .render import MediaFile

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
"""Earliest time a zip entry can hold; any fixed value makes builds repeatable."""


class _Model(genanki.Model):  # type: ignore[misc]
    def __init__(self, packaged: PackagedNoteType) -> None:
        note_type = packaged.note_type
        super().__init__(
            model_id=note_type.id,
            name=note_type.name,
            fields=[{"name": name} for name in note_type.fields],
            templates=[{"name": template.name, "qfmt": template.front, "afmt": template.back}
                       for template in note_type.templates],
            css=note_type.css,
            model_type=genanki.Model.CLOZE if note_type.is_cloze else genanki.Model.FRONT_BACK,
            sort_field_index=0,
        )
        self._mod = packaged.mod

    def to_json(self, timestamp: float, deck_id: int) -> dict[str, Any]:
        data: dict[str, Any] = super().to_json(timestamp, deck_id)
        data["mod"] = self._mod
        return data


_INSERT_NOTE = "INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);"
_INSERT_CARD = "INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);"


class _NoteRows:
    """A note as genanki's ``Deck`` writes it, but with the ``mod`` and ids the lock chose.

    It stands in for ``genanki.Note`` (the deck only asks for ``model`` and
    ``write_to_db``) and writes the same rows in the same order, skipping the
    per-note validation, tag lists and cached properties that made up a third
    of packaging. Its cards are the ones Anki generates (``AnkiNote.cards``),
    not genanki's guess, which missed nested and empty deletions.
    """

    __slots__ = ("model", "packaged")

    def __init__(self, model: _Model, packaged: PackagedNote) -> None:
        self.model = model
        self.packaged = packaged

    def write_to_db(self, cursor: sqlite3.Cursor, timestamp: float, deck_id: int, id_gen: Iterator[int]) -> None:
        note, mod, due = self.packaged.note, self.packaged.mod, self.packaged.due
        note_id = anki_note_id(note.guid)
        cursor.execute(_INSERT_NOTE, (
            note_id, note.guid, self.model.model_id, mod, -1, f" {' '.join(note.tags)} ", "\x1f".join(note.fields),
            note.fields[self.model.sort_field_index], 0, 0, "",
        ))
        for card in note.cards:
            cursor.execute(_INSERT_CARD, (
                anki_card_id(note.guid, card.key), note_id, deck_id, card.ord, mod, -1, 0, 0, due,
                0, 0, 0, 0, 0, 0, 0, 0, "",
            ))


def build_package(
    note_types: tuple[PackagedNoteType, ...],
    decks: tuple[DeckEntry, ...],
    notes: tuple[PackagedNote, ...],
    progress: Callable[[str, int, int], None] | None = None,
) -> bytes:
    """The .apkg as bytes; nothing is written outside a private temporary folder."""
    if progress is not None:
        progress("packaging", 0, 0)
    models = {packaged.note_type.key: _Model(packaged) for packaged in note_types}
    anki_decks = {entry.name: genanki.Deck(entry.id, entry.name, entry.description) for entry in decks}
    for model in models.values():  # the plan chose which types the package carries
        next(iter(anki_decks.values())).add_model(model)
    media: dict[str, MediaFile] = {item.name: item for entry in decks for item in entry.media}
    for packaged in notes:
        anki_decks[packaged.note.deck].add_note(_NoteRows(models[packaged.note.note_type.key], packaged))
        for item in packaged.note.media:
            media[item.name] = item
    stamp = max([packaged.mod for packaged in notes] + [t.mod for t in note_types])
    package = genanki.Package(list(anki_decks.values()))
    with tempfile.TemporaryDirectory(prefix="builder-") as folder:
        db_path = Path(folder) / "collection.anki2"
        connection = sqlite3.connect(db_path)
        try:
            # A scratch file: durability is pointless, and genanki's schema script commits per
            # statement, each an fsync by default; a big cache keeps a big deck's pages from
            # spilling to disk mid-transaction. No pragma here changes the file's bytes.
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute("PRAGMA journal_mode=MEMORY")
            connection.execute("PRAGMA cache_size=-262144")
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
