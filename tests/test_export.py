"""Reading an export for builder pull: every bad input is one clear line, and nothing changes."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from anki.collection import DeckIdLimit, ExportAnkiPackageOptions
from click.testing import CliRunner

from builder.build import build_deck
from builder.cli import cli
from tests.ankitools import import_apkg, open_collection
from tests.conftest import SMALL_SOURCE, write_source
from tests.helpers import badpackages as bad
from tests.test_pull import PULLED, SOURCE, T1, export

Make = Callable[[Path], Path]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    write_source(tmp_path / "cardsrc", PULLED, "pulled.yaml")
    monkeypatch.chdir(tmp_path)
    build_deck(Path(SOURCE), Path("dist"), now=T1)
    yield tmp_path


def files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def the_package(folder: Path) -> Path:
    return folder / "dist" / "pulled-1.0.0.apkg"


def junk(folder: Path) -> Path:
    (folder / "junk.apkg").write_bytes(b"\x00not a package at all" * 50)
    return folder / "junk.apkg"


def plain_zip(folder: Path) -> Path:
    with zipfile.ZipFile(folder / "photos.apkg", "w") as package:
        package.writestr("holiday.txt", "no collection here")
    return folder / "photos.apkg"


def bad_crc(folder: Path) -> Path:
    with zipfile.ZipFile(folder / "crc.apkg", "w") as package:  # stored, so a byte can be flipped in place
        package.writestr("collection.anki2", b"SQLite format 3\x00" + b"x" * 4000)
    data = bytearray((folder / "crc.apkg").read_bytes())
    data[200] ^= 0xFF
    (folder / "crc.apkg").write_bytes(bytes(data))
    return folder / "crc.apkg"


def oversized(folder: Path) -> Path:
    """A package whose collection says it unpacks to 2 GiB (its size in the zip's central directory)."""
    with zipfile.ZipFile(folder / "big.apkg", "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("collection.anki2", b"\x00" * 1000)
    data = bytearray((folder / "big.apkg").read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = (2 << 30).to_bytes(4, "little")
    (folder / "big.apkg").write_bytes(bytes(data))
    return folder / "big.apkg"


def another_deck(folder: Path) -> Path:
    other = write_source(folder / "elsewhere", SMALL_SOURCE)
    built = build_deck(other, folder / "elsewhere" / "dist", now=T1)
    col = open_collection(folder / "elsewhere" / "col.anki2")
    import_apkg(col, built.apkg)
    col.export_anki_package(out_path=str(folder / "small.apkg"), options=ExportAnkiPackageOptions(),
                            limit=DeckIdLimit(deck_id=col.decks.id_for_name("Small Deck")))
    col.close()
    return folder / "small.apkg"


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (lambda folder: folder / "missing.apkg", [], "missing.apkg: no such file: check the path"),
        (lambda folder: folder / "cardsrc", [],
         "cardsrc: is a folder, not an export: name an .apkg exported from Anki, or a collection file"),
        (junk, [], "junk.apkg: is not an Anki export: neither a package (.apkg) nor a collection file"),
        (plain_zip, [], "photos.apkg: is a zip file but not an Anki package (no collection inside): export the deck "
                        "from Anki with File > Export, 'Anki Deck Package'"),
        (bad_crc, [], "crc.apkg: is a damaged package (its zip is cut short or corrupt): export the deck again"),
        (oversized, [], "big.apkg: is too large: its collection would unpack to 2048 MiB, more than the 1024 MiB a "
                        "pull reads"),
        (another_deck, [SOURCE], "small.apkg: holds none of the 5 released notes of cardsrc/pulled.yaml ('pulled'): "
                                 "export that deck from Anki"),
        (another_deck, [], "small.apkg: holds no note of the decks in cardsrc/: export one of them from Anki, or "
                           "name its source"),
    ],
    ids=["missing", "folder", "not-a-package", "zip-without-collection", "bad-crc", "oversized",
         "another-deck-named", "another-deck"],
)
def test_bad_exports_are_one_error_and_change_nothing(
    folder: Path, make: Make, args: list[str], message: str
) -> None:
    path = make(folder)
    before = files(folder)
    for apply in ([], ["--apply"]):
        result = CliRunner().invoke(cli, ["pull", path.name if path.parent == folder else str(path), *args, *apply])
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")
    assert files(folder) == before


BAD_FILES: dict[str, tuple[bad.Make, str]] = {
    **bad.damaged_packages(),
    "empty-zip": (bad.empty_zip, "is a zip file but not an Anki package (no collection inside): export the deck "
                                 "from Anki with File > Export, 'Anki Deck Package'"),
    "collection-file-corrupt": (bad.corrupt_collection_file, "is a damaged collection file (Anki's engine cannot "
                                "read it): export the deck from Anki with File > Export instead"),
    "collection-file-not-sqlite": (bad.header_only_collection_file, "is a damaged collection file (Anki's engine "
                                   "cannot read it): export the deck from Anki with File > Export instead"),
    "collection-file-newer": (bad.newer_collection_file, f"was saved {bad.NEWER}"),
}
"""What Anki's engine cannot read, in a package or a collection file: one line each, never the engine's own text
(it says ``DbError { info: "SqliteFailure(...)", kind: Other }``); the same lines as ``builder import``'s."""


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_what_the_engine_cannot_read_is_one_clear_line(folder: Path, case: str) -> None:
    make, message = BAD_FILES[case]
    path = make(the_package(folder), folder)
    before = files(folder)
    for apply in ([], ["--apply"]):
        result = CliRunner().invoke(cli, ["pull", path.name, *apply])
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {path.name}: {message}\n")
    assert files(folder) == before


def test_a_file_it_may_not_read(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a user without read permission meets it (tests run as root here, whom chmod does not stop)."""
    refused = folder / "private.apkg"
    refused.write_bytes(the_package(folder).read_bytes())
    real_open = open

    def guarded(file: object, *args: object, **kwargs: object) -> object:
        if Path(str(file)).name == refused.name:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    before = files(folder)
    monkeypatch.setattr("builtins.open", guarded)
    result = CliRunner().invoke(cli, ["pull", refused.name])
    monkeypatch.undo()
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "Error: private.apkg: cannot read this file (permission denied): fix its permissions\n")
    assert files(folder) == before


def test_a_collection_anki_has_open_is_refused(folder: Path) -> None:
    col = open_collection(folder / "open.anki2")
    import_apkg(col, the_package(folder))
    try:
        before = files(folder)
        result = CliRunner().invoke(cli, ["pull", "open.anki2"])
        assert (result.exit_code, result.stdout, result.stderr) == (
            1, "", "Error: open.anki2: is in use by Anki (open.anki2-wal lies beside it): close Anki first, or "
                   "export the deck with File > Export\n")
        assert files(folder) == before
    finally:
        col.close()


def test_a_collection_another_program_locks_is_refused(folder: Path) -> None:
    col = open_collection(folder / "locked.anki2")
    import_apkg(col, the_package(folder))
    col.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys; f = open('locked.anki2', 'rb+'); "
         "fcntl.lockf(f, fcntl.LOCK_SH); print('locked', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        result = CliRunner().invoke(cli, ["pull", "locked.anki2"])
        assert (result.exit_code, result.stdout, result.stderr) == (
            1, "", f"Error: locked.anki2: is in use by another program (process {holder.pid}, Anki?): close it "
                   "first, or export the deck with File > Export\n")
    finally:
        holder.communicate("")
    assert CliRunner().invoke(cli, ["pull", "locked.anki2"]).exit_code == 0  # once released, it reads


@pytest.mark.parametrize("missing", ["anki", "bs4"])
def test_without_the_anki_engine(folder: Path, monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # makes "import ..." raise ImportError
    result = CliRunner().invoke(cli, ["pull", str(the_package(folder))])
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "Error: builder pull needs the Anki engine: .venv/bin/pip install -e '.[pull]'\n")


def test_an_export_without_a_lock_to_compare_with(folder: Path) -> None:
    (folder / "cardsrc" / "pulled.lock").unlink()
    result = CliRunner().invoke(cli, ["pull", str(the_package(folder))])
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "Error: cardsrc/pulled.yaml: has no lock: it was never built, so no learner has its notes; "
               "nothing to pull\n")


def test_a_package_of_each_format_reads(folder: Path) -> None:
    """genanki's legacy package (collection.anki2 only) and Anki's own exports read alike: nothing edited."""
    col = open_collection(folder / "fresh.anki2")
    import_apkg(col, the_package(folder))
    packages = [the_package(folder), export(col, folder / "new.apkg"), export(col, folder / "old.apkg", legacy=True)]
    col.close()
    for package in packages:
        result = CliRunner().invoke(cli, ["pull", str(package)])
        assert (result.exit_code, result.stdout) == (
            0, "pulled: no edits in Anki (the export holds 5 of its 5 released notes)\n")
