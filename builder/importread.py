"""``builder import``, reading: a package (.apkg) as Anki holds it, into a small typed model.

The package is read by Anki's own engine (the ``import`` extra), never by
peeking into its SQLite: it is imported into a scratch collection in a
temporary folder, which reads the legacy ``collection.anki2``, 2.1's
``collection.anki21`` and the zstd ``collection.anki21b`` alike, and what that
collection then holds is exactly what a learner who imported the package holds:
fields normalised to NFC, each note's ``mod`` and GUID, each note type's id,
``mod``, fields, templates and CSS, and only the media files the notes and
templates use (Anki's importer leaves out the others, measured with ``anki``
26.9.3).

What cannot be taken over is refused here with one line, before anything is
decided or written: not a package, a collection package (``.colpkg``), a
media file listed but missing, no notes, notes in two top-level decks (a
collection package renamed .apkg, or a collection exported whole), two notes sharing a GUID (Anki's
importer keeps both, measured, but no later import could tell them apart), a
media name no folder can hold.

What Anki's engine raises about a file it cannot read is turned into one line
by :func:`engine_refusal`, for ``builder import`` and ``builder pull`` alike:
the cause's class (damaged, made by a newer Anki) and what to do, never the
engine's own text (Rust debug output such as ``DbError { info: ..., kind: ... }``).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from .errors import BuilderError
from .media import MAX_MEDIA_FILE_BYTES, media_name_refusal

ENGINE_HINT = ".venv/bin/pip install -e '.[import]'"
MAX_UNPACKED_BYTES = 1 << 30
"""Largest package an import unpacks (collection and media together), from the sizes its zip declares:
checked before Anki's engine sees the package, so a zip bomb is refused unread."""
MAX_COLLECTION_BYTES = 512 << 20
"""Largest collection file a package may hold: half the total, far beyond a deck's notes and note types."""
MAX_ENTRY_BYTES = MAX_MEDIA_FILE_BYTES
"""Largest other zip entry (a media file, the media list): a media folder refuses a bigger file anyway."""
MAX_RATIO = 100
"""Most an entry over ``_RATIO_FLOOR`` may expand (zeros deflate ~1000:1; real media and SQLite far less)."""
_RATIO_FLOOR = 1 << 20
COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
ZIP_HEADS = (b"PK\x03\x04", b"PK\x05\x06")
"""How a zip file starts: its first entry, or (a zip without entries) the end of its directory."""
_SQLITE = b"SQLite format 3\x00"
_MISSING_MEDIA = re.compile(r"(\S+) missing from archive")
BAD_ZIP = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError)
"""What Python's zipfile raises reading a damaged zip (cut short, a bad CRC, an entry larger than it declared)."""
DAMAGED_ZIP = "is a damaged package (its zip is cut short or corrupt): export the deck again"
_TOO_NEW = re.compile(r"FileTooNew|newer version")
"""How Anki's engine says a package or collection is of a format newer than it reads (a collection's schema:
``DbError { ..., kind: FileTooNew }``; a package's ``meta``: "requires a newer version of Anki")."""


class PackageError(BuilderError):
    """The package cannot be taken over: ``str()`` is the whole line, naming the package."""


class PackageTemplate(Struct, frozen=True):
    name: str
    front: str
    back: str


class PackageNoteType(Struct, frozen=True):
    """A note type as the learners' Anki holds it: its id and ``mod`` included."""

    id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[PackageTemplate, ...]
    css: str
    cloze: bool
    mod: int


class PackageNote(Struct, frozen=True):
    """A note as the learners' Anki holds it."""

    guid: str
    type_id: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str
    """The deck of its first card (lowest template ordinal): where the package puts the note."""
    mod: int


class Package(Struct, frozen=True):
    """What a package gives a learner: its note types, notes (in the package's new-card order) and media."""

    path: Path
    sha256: str
    note_types: tuple[PackageNoteType, ...]
    notes: tuple[PackageNote, ...]
    media: tuple[Path, ...]
    """The media files Anki keeps from the package, in a scratch folder that lives as long as the package is open."""
    descriptions: dict[str, str] = field(default_factory=dict)
    """Each deck's description, by full deck name (Anki replaces a learner's with the package's on every import)."""

    @property
    def name(self) -> str:
        return self.path.name

    def note_type(self, type_id: int) -> PackageNoteType:
        return next(note_type for note_type in self.note_types if note_type.id == type_id)


def require_engine() -> None:
    try:
        import anki.collection  # noqa: F401
        import bs4  # noqa: F401
    except ImportError:
        raise PackageError(f"builder import needs the Anki engine: {ENGINE_HINT}") from None


@contextlib.contextmanager
def open_package(path: Path) -> Iterator[Package]:
    """The package at ``path`` as Anki would hold it; its media files exist until the ``with`` ends."""
    require_engine()
    digest = _checked(path)
    with tempfile.TemporaryDirectory(prefix="builder-import-") as work:
        scratch = Path(work) / "scratch.anki2"
        from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
        from anki.errors import AnkiException

        col = Collection(str(scratch))
        try:
            col.import_anki_package(ImportAnkiPackageRequest(
                package_path=str(path), options=ImportAnkiPackageOptions(with_scheduling=False)))
        except AnkiException as exc:
            col.close()
            raise _engine_error(path, exc) from None
        col.close()  # reopened: the note-type cache of a collection is stale after an import
        col = Collection(str(scratch))
        try:
            notes = _notes(col, path)
            note_types = _note_types(col, {note.type_id for note in notes})
            media = _media(Path(col.media.dir()), path)
            descriptions = {str(deck.name): str((col.decks.by_name(deck.name) or {}).get("desc", ""))
                            for deck in col.decks.all_names_and_ids()}
        except AnkiException as exc:  # what the import let in, the engine may still refuse to hand out
            raise _engine_error(path, exc) from None
        finally:
            col.close()
        yield Package(path, digest, note_types, notes, media, descriptions)


def _checked(path: Path) -> str:
    """The package's sha256, after refusing what is no Anki deck package."""
    if path.is_dir():
        raise PackageError("is a folder, not a package: name an .apkg file", path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise PackageError("is not a regular file: name an .apkg file", path)
        hasher = hashlib.sha256()
        with open(path, "rb") as handle:
            head = handle.read(len(_SQLITE))
            handle.seek(0)
            while chunk := handle.read(1 << 20):
                hasher.update(chunk)
        digest = hasher.hexdigest()
    except FileNotFoundError:
        raise PackageError("no such file: check the path", path) from None
    except OSError as exc:
        raise PackageError(unreadable(exc), path) from None
    if path.suffix.lower() == ".colpkg":
        raise PackageError("is a collection package (.colpkg), a whole Anki profile, not a deck: export the deck "
                           "from Anki with File > Export, 'Anki Deck Package (.apkg)', and import that", path)
    if head.startswith(_SQLITE):
        raise PackageError("is an Anki collection file, not a package: export the deck from Anki with File > Export, "
                           "'Anki Deck Package (.apkg)', and import that", path)
    if not head.startswith(ZIP_HEADS):
        raise PackageError("is not an Anki package (.apkg): it is not a zip file", path)
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            entries = package.infolist()
    except BAD_ZIP:
        raise PackageError(DAMAGED_ZIP, path) from None
    if not any(name in names for name in COLLECTIONS):
        raise PackageError("is a zip file but not an Anki package (no collection inside): export the deck from "
                           "Anki with File > Export, 'Anki Deck Package (.apkg)'", path)
    _refuse_bomb(entries, path)
    return digest


def _refuse_bomb(entries: list[zipfile.ZipInfo], path: Path) -> None:
    """Refuse, from the sizes the zip's central directory declares, what would unpack too big: nothing is inflated.

    Anki's engine would unpack every entry before builder could look at it (a 3 MB
    package of 3 GiB of zeros took 36 s and 3.26 GB of memory), so this runs first.
    """
    total = 0
    for info in entries:
        cap = MAX_COLLECTION_BYTES if info.filename in COLLECTIONS else MAX_ENTRY_BYTES
        if info.file_size > cap:
            raise PackageError(f"is too large: its entry '{info.filename}' would unpack to "
                               f"{info.file_size >> 20} MiB, more than the {cap >> 20} MiB an import reads", path)
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise PackageError(f"is a zip bomb: its entry '{info.filename}' would unpack to {info.file_size >> 20} "
                               f"MiB from {info.compress_size:,} bytes, more than {MAX_RATIO} times its size", path)
        total += info.file_size
    if total > MAX_UNPACKED_BYTES:
        raise PackageError(f"is too large: it would unpack to {total:,} bytes, more than the "
                           f"{MAX_UNPACKED_BYTES:,} an import reads", path)


def unreadable(exc: OSError) -> str:
    """Why a file that exists cannot be read, and what to do (as a source that cannot be read says it)."""
    if isinstance(exc, PermissionError):
        return "cannot read this file (permission denied): fix its permissions"
    return f"cannot read this file ({(exc.strerror or str(exc)).lower()}): copy it to a local disk and try again"


def engine_refusal(exc: Exception, collection: bool = False) -> str:
    """What is wrong with a package (or, with ``collection``, a collection file) that Anki's engine raised ``exc``
    reading, and what to do: the one place that decides it, for ``builder import`` and ``builder pull``.

    Only the class of cause is read from the engine's text, never shown: the engine reports a damaged file as
    Rust debug output (``DbError { info: "SqliteFailure(...)", kind: Other }``, ``JsonError { ... }``,
    ``ProtoError { ... }``) that says nothing a user can act on. By then builder has read the file itself, so
    it exists and is readable: what the engine cannot read is damaged, or newer than it.
    """
    from importlib.metadata import version

    text = " ".join(str(exc).split())
    if _TOO_NEW.search(text):
        made = "was saved" if collection else "was made"
        return (f"{made} by a newer Anki than builder reads (its engine is anki {version('anki')}): export the deck "
                "again from Anki with File > Export, 'Support older Anki versions' ticked")
    if collection:
        return ("is a damaged collection file (Anki's engine cannot read it): export the deck from Anki with "
                "File > Export instead")
    return "is a damaged package (Anki's engine cannot read what it holds): export the deck again"


def _engine_error(path: Path, exc: Exception) -> PackageError:
    missing = _MISSING_MEDIA.search(" ".join(str(exc).split()))
    if missing:
        name = _media_name(path, missing.group(1))
        return PackageError(f"lists the media file '{name}', which the package does not hold: export the deck "
                            "again with its media", path)
    return PackageError(engine_refusal(exc), path)


def _media_name(path: Path, entry: str) -> str:
    """The media file a package's zip entry number stands for, when its media list is JSON (formats 1 and 2)."""
    import json

    with contextlib.suppress(Exception), zipfile.ZipFile(path) as package:
        listed = json.loads(package.read("media"))
        if isinstance(listed, dict) and isinstance(listed.get(entry), str):
            return str(listed[entry])
    return entry


def _notes(col: Any, path: Path) -> tuple[PackageNote, ...]:
    decks = {int(did): str(col.decks.name(did)) for did in {int(row[0]) for row in col.db.all("select did from cards")}}
    first_deck: dict[int, str] = {}
    for note_id, deck_id in col.db.all("select nid, did from cards order by nid, ord"):
        first_deck.setdefault(int(note_id), decks[int(deck_id)])
    notes: list[PackageNote] = []
    by_guid: dict[str, PackageNote] = {}
    # New cards come in the package's order (their due is the position): the notes keep it, notes without cards last.
    position = {int(nid): int(due) for nid, due in col.db.all("select nid, min(due) from cards group by nid")}
    for note_id in sorted(col.db.list("select id from notes"), key=lambda nid: (position.get(int(nid), 1 << 62), nid)):
        note = col.get_note(note_id)
        found = PackageNote(
            guid=str(note.guid),
            type_id=int(note.mid),
            fields=tuple(str(value) for value in note.fields),
            tags=tuple(str(tag) for tag in note.tags),
            deck=first_deck.get(int(note_id), ""),
            mod=int(note.mod),
        )
        earlier = by_guid.setdefault(found.guid, found)
        if earlier is not found:
            from .assemble import plain_summary

            raise PackageError(
                f"holds two notes with the GUID '{found.guid}' ('{plain_summary(earlier.fields[0], 40)}' and "
                f"'{plain_summary(found.fields[0], 40)}'): a GUID names one note, so no later import could tell "
                "them apart; give each its own GUID where the package is made", path)
        notes.append(found)
    if not notes:
        raise PackageError("holds no notes: there is nothing to import", path)
    _refuse_many_decks(notes, path)
    return tuple(notes)


def _refuse_many_decks(notes: list[PackageNote], path: Path) -> None:
    """One package is one deck: notes under two top-level decks are a collection (a ``.colpkg`` renamed, or an
    export of everything), whose private decks such as ``Default`` must never be taken over into a source."""
    tops = sorted({note.deck.split("::")[0] for note in notes if note.deck})
    if len(tops) > 1:
        named = ", ".join(tops[:5]) + (", ..." if len(tops) > 5 else "")
        raise PackageError(f"holds notes of {len(tops)} top-level decks ({named}): export just the one deck to take "
                           "over (a whole collection is never taken over)", path)


def _note_types(col: Any, used: set[int]) -> tuple[PackageNoteType, ...]:
    found = []
    for type_id in sorted(used):
        kind = col.models.get(type_id)
        found.append(PackageNoteType(
            id=int(kind["id"]),
            name=str(kind["name"]),
            fields=tuple(str(field["name"]) for field in kind["flds"]),
            templates=tuple(PackageTemplate(str(t["name"]), str(t["qfmt"]), str(t["afmt"])) for t in kind["tmpls"]),
            css=str(kind.get("css", "")),
            cloze=int(kind.get("type", 0)) == 1,
            mod=int(kind.get("mod", 0)),
        ))
    return tuple(found)


def _media(folder: Path, path: Path) -> tuple[Path, ...]:
    found = []
    for item in sorted(folder.iterdir()) if folder.is_dir() else ():
        why = media_name_refusal(item.name)
        if why is not None:
            raise PackageError(f"holds the media file '{item.name}', which {why}: rename it in Anki "
                               "(Tools > Check Media) and export the deck again", path)
        if item.is_file() and not item.is_symlink():
            # The current format zstd-compresses each media file inside a stored zip entry, so the zip's declared
            # sizes do not bound it: a file too big is refused here, naming the package, never a staged path.
            size = item.stat().st_size
            if size > MAX_MEDIA_FILE_BYTES:
                raise PackageError(f"holds the media file '{item.name}', which unpacks to {size:,} bytes, more than a "
                                   f"media file may be ({MAX_MEDIA_FILE_BYTES:,}): make it smaller in Anki and export "
                                   "the deck again", path)
            found.append(item)
    return tuple(found)
