"""Packages and collection files Anki's engine cannot read, made from a good package: for the tables of
``builder import`` and ``builder pull`` (tests/test_import_cli.py, tests/test_export.py).

Each maker takes the good package and a folder and returns the bad file it wrote there. The zstd frames
are written by hand (raw blocks, no compression): the test environment has no zstd compressor.
"""

from __future__ import annotations

import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

Make = Callable[[Path, Path], Path]
"""(the good package, the folder to write in) -> the bad file."""
EMPTY_MEDIA_V3 = bytes.fromhex("28b52ffd2000010000")
"""The empty media list of a current-format package, as Anki writes it."""
META_V3 = b"\x08\x03"
"""A current-format package's ``meta``: protobuf field 1 (version) = 3."""


def zstd_frame(data: bytes) -> bytes:
    """``data`` as one zstd frame of raw (stored) blocks, which any zstd reader accepts."""
    out = bytearray(b"\x28\xb5\x2f\xfd\xa0" + len(data).to_bytes(4, "little"))  # single segment, 4-byte size
    chunks = [data[start : start + (1 << 17)] for start in range(0, len(data), 1 << 17)] or [b""]
    for number, chunk in enumerate(chunks):
        out += ((len(chunk) << 3) | (number == len(chunks) - 1)).to_bytes(3, "little") + chunk
    return bytes(out)


def collection_of(good: Path) -> bytes:
    """The legacy SQLite collection inside ``good`` (genanki and Anki's exports both hold one)."""
    with zipfile.ZipFile(good) as package:
        return package.read("collection.anki2")


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as package:
        for name, data in entries.items():
            package.writestr(name, data)
    return path


def _noise(size: int) -> bytes:
    """Bytes no SQLite reader takes for pages (the same on every run)."""
    return bytes((index * 7919 + 13) % 251 for index in range(size))


def truncated(good: Path, folder: Path) -> Path:
    data = good.read_bytes()
    (folder / "cut.apkg").write_bytes(data[: len(data) // 2])
    return folder / "cut.apkg"


def empty_zip(good: Path, folder: Path) -> Path:
    return _zip(folder / "nothing.apkg", {})


def anki2_not_sqlite(good: Path, folder: Path) -> Path:
    return _zip(folder / "text.apkg", {"collection.anki2": b"this is no SQLite database" * 100, "media": b"{}"})


def anki21_not_sqlite(good: Path, folder: Path) -> Path:
    return _zip(folder / "anki21.apkg", {"collection.anki2": collection_of(good),
                                         "collection.anki21": b"this is no SQLite database" * 100, "media": b"{}"})


def anki21b_not_zstd(good: Path, folder: Path) -> Path:
    return _zip(folder / "anki21b.apkg", {"meta": META_V3, "collection.anki2": collection_of(good),
                                          "collection.anki21b": b"this is no zstd frame" * 100,
                                          "media": EMPTY_MEDIA_V3})


def anki21b_not_sqlite(good: Path, folder: Path) -> Path:
    return _zip(folder / "zstd.apkg", {"meta": META_V3, "collection.anki2": collection_of(good),
                                       "collection.anki21b": zstd_frame(b"this is no SQLite database" * 100),
                                       "media": EMPTY_MEDIA_V3})


def corrupt_sqlite(good: Path, folder: Path) -> Path:
    """A valid SQLite header (its first 100 bytes), then noise where the pages were."""
    data = collection_of(good)
    return _zip(folder / "corrupt.apkg", {"collection.anki2": data[:100] + _noise(len(data) - 100), "media": b"{}"})


def media_not_json(good: Path, folder: Path) -> Path:
    return _zip(folder / "media.apkg", {"collection.anki2": collection_of(good), "media": b"not JSON {"})


def meta_not_protobuf(good: Path, folder: Path) -> Path:
    return _zip(folder / "meta.apkg", {"meta": b"\xff\xff\xff", "collection.anki2": collection_of(good),
                                       "media": b"{}"})


def newer_meta(good: Path, folder: Path) -> Path:
    """A package whose ``meta`` names a format version no Anki has written yet (99)."""
    data = collection_of(good)
    return _zip(folder / "future.apkg", {"meta": b"\x08\x63", "collection.anki2": data,
                                         "collection.anki21b": zstd_frame(data), "media": EMPTY_MEDIA_V3})


def newer_collection(good: Path, folder: Path) -> Path:
    """A package whose collection's schema version is newer than the engine's (``col.ver`` 99)."""
    return _zip(folder / "newschema.apkg", {"collection.anki2": newer_collection_file(good, folder).read_bytes(),
                                            "media": b"{}"})


def newer_collection_file(good: Path, folder: Path) -> Path:
    path = folder / "newer.anki2"
    path.write_bytes(collection_of(good))
    with sqlite3.connect(path) as db:
        db.execute("update col set ver = 99")
    db.close()
    return path


def corrupt_collection_file(good: Path, folder: Path) -> Path:
    data = collection_of(good)
    (folder / "corrupt.anki2").write_bytes(data[:100] + _noise(len(data) - 100))
    return folder / "corrupt.anki2"


def header_only_collection_file(good: Path, folder: Path) -> Path:
    (folder / "header.anki2").write_bytes(b"SQLite format 3\x00" + b"x" * 5000)
    return folder / "header.anki2"


DAMAGED = "is a damaged package (Anki's engine cannot read what it holds): export the deck again"
NEWER = ("by a newer Anki than builder reads (its engine is anki 26.9.3): export the deck again from Anki with "
         "File > Export, 'Support older Anki versions' ticked")
"""Follows 'was made' (a package) or 'was saved' (a collection file)."""


def damaged_packages() -> dict[str, tuple[Make, str]]:
    """The packages both commands refuse with the same line, by case name (``builder import`` and ``builder pull``)."""
    return {
        "truncated-zip": (truncated, "is a damaged package (its zip is cut short or corrupt): export the deck again"),
        "anki2-not-sqlite": (anki2_not_sqlite, DAMAGED),
        "anki21-not-sqlite": (anki21_not_sqlite, DAMAGED),
        "anki21b-not-zstd": (anki21b_not_zstd, DAMAGED),
        "anki21b-not-sqlite": (anki21b_not_sqlite, DAMAGED),
        "corrupt-sqlite": (corrupt_sqlite, DAMAGED),
        "meta-not-protobuf": (meta_not_protobuf, DAMAGED),
        "newer-package-format": (newer_meta, f"was made {NEWER}"),
        "newer-collection-schema": (newer_collection, f"was made {NEWER}"),
    }
