"""Read what a learner exported from Anki: a package (.apkg) of any format version, or a collection file.

Both are read by Anki's own engine (the ``pull`` extra), never by peeking into
SQLite: a package is imported into a throwaway collection, which reads the legacy
``collection.anki2``, 2.1's ``collection.anki21`` and the zstd ``collection.anki21b``
alike, with or without scheduling. Only the collection inside is handed over:
the media of a package is never unpacked (a pull needs no image, and a zip bomb
hides best there), and the collection entries together may unpack to at most
:data:`MAX_COLLECTION_BYTES`. It is imported with scheduling, since Anki's
importer drops the ``marked`` and ``leech`` tags otherwise.

A collection file (``collection.anki2`` from Anki's profile folder) is copied and
only the copy is opened; one that Anki has open (a ``-wal`` file beside it, or a
lock on it) is refused, as its file alone may lack the latest changes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import struct
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from msgspec import Struct

from .errors import BuilderError
from .importread import BAD_ZIP, DAMAGED_ZIP, ZIP_HEADS, engine_refusal, unreadable

ENGINE_HINT = ".venv/bin/pip install -e '.[pull]'"
MAX_COLLECTION_BYTES = 1 << 30
"""Largest collection a pull unpacks: a 50,000-note deck's is about 60 MiB."""
COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_EMPTY_MEDIA = {b"\x08\x03": bytes.fromhex("28b52ffd2000010000")}
"""The empty media list of a package, by ``meta``: format 3 packages keep it as zstd-compressed protobuf
(these 9 bytes are what Anki itself writes for a deck without media); older ones as the JSON ``{}``."""
_SQLITE = b"SQLite format 3\x00"


class ExportError(BuilderError):
    """The export cannot be read: not an Anki export, damaged, too large, or in use."""


class ExportedNote(Struct, frozen=True):
    """One note as the learner's Anki holds it."""

    guid: str
    note_type: str
    field_names: tuple[str, ...]
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    decks: tuple[str, ...]
    """Decks its cards are in."""


def require_engine() -> None:
    try:
        import anki.collection  # noqa: F401
        import bs4  # noqa: F401
    except ImportError:
        raise ExportError(f"builder pull needs the Anki engine: {ENGINE_HINT}") from None


def read_export(path: Path) -> tuple[ExportedNote, ...]:
    """Every note of the package or collection at ``path``; raises :class:`ExportError` with a clear line."""
    require_engine()
    head = _head(path)
    with tempfile.TemporaryDirectory(prefix="builder-pull-") as work:
        if head.startswith(ZIP_HEADS):
            package = Path(work) / "export.apkg"
            _collection_only(path, package)
            with _engine(path):
                from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

                col = Collection(str(Path(work) / "scratch.anki2"))
                try:
                    col.import_anki_package(ImportAnkiPackageRequest(
                        package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=True)))
                    return _notes(col)
                finally:
                    col.close()
        _refuse_in_use(path)
        copy = Path(work) / "collection.anki2"
        try:
            shutil.copyfile(path, copy)
        except OSError as exc:
            raise ExportError(unreadable(exc), path) from None
        with _engine(path, collection=True):
            from anki.collection import Collection

            col = Collection(str(copy))
            try:
                return _notes(col)
            finally:
                col.close()


def _head(path: Path) -> bytes:
    """The first bytes of ``path``, after refusing what is no file."""
    if path.is_dir():
        raise ExportError("is a folder, not an export: name an .apkg exported from Anki, or a collection file", path)
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise ExportError("is not a regular file: name an .apkg exported from Anki, or a collection file", path)
        if path.stat().st_size > MAX_COLLECTION_BYTES and not zipfile.is_zipfile(path):
            raise ExportError(f"is larger than {MAX_COLLECTION_BYTES >> 20} MiB: export only the deck from Anki",
                              path)
        with open(path, "rb") as handle:
            head = handle.read(len(_SQLITE))
    except FileNotFoundError:
        raise ExportError("no such file: check the path", path) from None
    except OSError as exc:
        raise ExportError(unreadable(exc), path) from None
    if not head.startswith((*ZIP_HEADS, _SQLITE)):
        raise ExportError("is not an Anki export: neither a package (.apkg) nor a collection file", path)
    return head


def _collection_only(path: Path, out: Path) -> None:
    """Copy the package's ``meta`` and collection into ``out``, with an empty media list; check size and CRCs."""
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            inside = [name for name in COLLECTIONS if name in names]
            if not inside:
                raise ExportError("is a zip file but not an Anki package (no collection inside): export the deck "
                                  "from Anki with File > Export, 'Anki Deck Package'", path)
            size = sum(package.getinfo(name).file_size for name in inside)
            if size > MAX_COLLECTION_BYTES:
                raise ExportError(f"is too large: its collection would unpack to {size >> 20} MiB, more than the "
                                  f"{MAX_COLLECTION_BYTES >> 20} MiB a pull reads", path)
            meta = package.read("meta") if "meta" in names else b""
            with zipfile.ZipFile(out, "w") as trimmed:
                for name in (["meta"] if meta else []) + inside:
                    with package.open(name) as source, trimmed.open(name, "w") as target:
                        _copy_at_most(source, target, MAX_COLLECTION_BYTES)
                trimmed.writestr("media", _EMPTY_MEDIA.get(meta, b"{}"))
    except BAD_ZIP:
        raise ExportError(DAMAGED_ZIP, path) from None
    except OSError as exc:
        raise ExportError(unreadable(exc), path) from None


def _copy_at_most(source: Any, target: Any, limit: int) -> None:
    """Copy in chunks; a zip that unpacks to more than it declared is refused rather than followed."""
    copied = 0
    while chunk := source.read(1 << 20):
        copied += len(chunk)
        if copied > limit:
            raise ValueError("an entry unpacks to more than its declared size")
        target.write(chunk)


def _refuse_in_use(path: Path) -> None:
    for suffix in ("-wal", "-journal"):
        beside = path.with_name(path.name + suffix)
        if beside.exists():
            raise ExportError(f"is in use by Anki ({beside.name} lies beside it): close Anki first, or export the "
                              "deck with File > Export", path)
    holder = _lock_holder(path)
    if holder is not None:
        raise ExportError(f"is in use by another program (process {holder}, Anki?): close it first, or export the "
                          "deck with File > Export", path)


def _lock_holder(path: Path) -> int | None:
    """The process holding a lock on ``path`` (as SQLite takes them), asked without taking one; Linux only."""
    if not sys.platform.startswith("linux"):
        return None
    probe = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        kind, _, _, _, pid = struct.unpack("hhqqi", fcntl.fcntl(handle, fcntl.F_GETLK, probe))
    except OSError:
        return None
    finally:
        os.close(handle)
    return pid if kind != fcntl.F_UNLCK else None


@contextlib.contextmanager
def _engine(path: Path, collection: bool = False) -> Iterator[None]:
    """Turn what Anki's engine raises about a bad file into one line, as ``builder import`` says it."""
    from anki.errors import AnkiException

    try:
        yield
    except AnkiException as exc:
        raise ExportError(engine_refusal(exc, collection), path) from None


def _notes(col: Any) -> tuple[ExportedNote, ...]:
    decks = {int(did): name for did, name in col.db.all("select id, name from decks")}
    card_decks: dict[int, set[str]] = {}
    for note_id, deck_id in col.db.all("select nid, did from cards"):
        card_decks.setdefault(int(note_id), set()).add(decks.get(int(deck_id), "").replace("\x1f", "::"))
    notes = []
    for note_id in col.find_notes(""):
        note = col.get_note(note_id)
        note_type = note.note_type() or {}
        notes.append(ExportedNote(
            guid=str(note.guid),
            note_type=str(note_type.get("name", "")),
            field_names=tuple(str(field["name"]) for field in note_type.get("flds", ())),
            fields=tuple(str(value) for value in note.fields),
            tags=tuple(str(tag) for tag in note.tags),
            decks=tuple(sorted(card_decks.get(int(note_id), ()))),
        ))
    return tuple(notes)
