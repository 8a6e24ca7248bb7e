"""Reading a package for ``builder import`` with the real engine: every format, and each input it refuses."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from anki.collection import ExportAnkiPackageOptions

from builder.importread import PackageError, open_package
from tests.ankitools import import_apkg, open_collection
from tests.helpers.importpackages import TIMESTAMP, duplicated_guid_package, empty_package, genanki_package


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return genanki_package(tmp_path_factory.mktemp("genanki"))


def test_a_genanki_package_reads_as_anki_holds_it(made: Path) -> None:
    with open_package(made) as package:
        assert len(package.notes) == 10 and {note.mod for note in package.notes} == {TIMESTAMP}
        by_guid = {note.guid: note for note in package.notes}
        assert by_guid["basic-1"].tags == ("Capitals", "geo::europe")  # as Anki stores them: sorted
        assert by_guid["basic-1"].deck == "Languages" and by_guid["both-1"].deck == "Languages::French"
        assert by_guid["cloze-2"].fields == ("{{c1::Lyon}} is in France<br>on the Rhône", "Extra")
        names = {kind.name: kind for kind in package.note_types}
        assert set(names) == {"Basic (genanki)", "Basic (and reversed card) (genanki)", "Cloze (genanki)",
                              "Vocabulary"}
        assert names["Cloze (genanki)"].cloze and not names["Vocabulary"].cloze
        assert [t.name for t in names["Vocabulary"].templates] == ["Recognise", "Recall"]
        assert {kind.mod for kind in package.note_types} == {TIMESTAMP}
        assert [path.name for path in package.media] == ["flag.png"]
        assert package.media[0].read_bytes() == (made.parent / "flag.png").read_bytes()


@pytest.mark.parametrize("legacy", [False, True], ids=["anki21b", "anki21"])
def test_every_package_format_reads_the_same(made: Path, tmp_path: Path, legacy: bool) -> None:
    col = open_collection(tmp_path / "col.anki2")
    import_apkg(col, made)
    exported = tmp_path / "exported.apkg"
    col.export_anki_package(out_path=str(exported), limit=None, options=ExportAnkiPackageOptions(
        with_scheduling=False, with_media=True, legacy=legacy))
    col.close()
    assert ("collection.anki21b" in zipfile.ZipFile(exported).namelist()) is not legacy
    with open_package(made) as original, open_package(exported) as again:
        assert again.notes == original.notes
        assert again.note_types == original.note_types
        assert [path.name for path in again.media] == ["flag.png"]


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as package:
        for name, data in entries.items():
            package.writestr(name, data)
    return path


def _without_media(made: Path, out: Path) -> Path:
    with zipfile.ZipFile(made) as package:
        return _zip(out, {name: package.read(name) for name in package.namelist() if name != "0"})


def _collection_package(out: Path) -> Path:
    """A whole collection exported by Anki (File > Export, 'Anki Collection Package'), holding a note."""
    col = open_collection(out.with_suffix(".anki2"))
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"] = "mine"
    col.add_note(note, col.decks.id_for_name("Default"))
    col.export_collection_package(str(out), include_media=True, legacy=False)
    return out


def _renamed_collection_package(out: Path) -> Path:
    """A private collection (notes in Default and a deck of its own) exported whole, the file then named .apkg."""
    col = open_collection(out.with_suffix(".anki2"))
    for deck, front in (("Default", "mine"), ("Private::Diary", "secret")):
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"] = front
        col.add_note(note, col.decks.id(deck))
    col.export_collection_package(str(out), include_media=True, legacy=False)
    return out




@pytest.mark.parametrize(("make", "message"), [
    (lambda made, tmp: tmp / "absent.apkg", "no such file: check the path"),
    (lambda made, tmp: tmp, "is a folder, not a package: name an .apkg file"),
    (lambda made, tmp: (tmp / "notes.apkg").write_text("front,back\n") and tmp / "notes.apkg",
     "is not an Anki package (.apkg): it is not a zip file"),
    (lambda made, tmp: _zip(tmp / "photos.apkg", {"a.jpg": b"x"}),
     "is a zip file but not an Anki package (no collection inside): export the deck from Anki with File > Export, "
     "'Anki Deck Package (.apkg)'"),
    (lambda made, tmp: _collection_package(tmp / "backup.colpkg"),
     "is a collection package (.colpkg), a whole Anki profile, not a deck: export the deck from Anki with "
     "File > Export, 'Anki Deck Package (.apkg)', and import that"),
    (lambda made, tmp: _renamed_collection_package(tmp / "backup.apkg"),
     "holds notes of 2 top-level decks (Default, Private): export just the one deck to take over (a whole "
     "collection is never taken over)"),
    (lambda made, tmp: _without_media(made, tmp / "no-media.apkg"),
     "lists the media file 'flag.png', which the package does not hold: export the deck again with its media"),
    (lambda made, tmp: empty_package(tmp / "empty.apkg"), "holds no notes: there is nothing to import"),
    (lambda made, tmp: duplicated_guid_package(tmp / "twice.apkg"),
     "holds two notes with the GUID 'same' ('first' and 'second'): a GUID names one note, so no later import "
     "could tell them apart; give each its own GUID where the package is made"),
], ids=["missing", "folder", "not-zip", "no-collection", "colpkg", "colpkg-renamed", "media-missing", "no-notes",
        "same-guid"])
def test_what_cannot_be_taken_over_is_refused_in_one_line(made: Path, tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    path = make(made, tmp_path)
    with pytest.raises(PackageError) as refused, open_package(path):
        pass
    assert str(refused.value) == f"{path}: {message}"


def test_a_package_too_large_in_total_is_refused_before_the_engine_reads_it(
        made: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The total of the sizes the zip declares is checked too (cap lowered here: no test writes a GiB)."""
    import builder.importread as importread

    monkeypatch.setattr(importread, "MAX_UNPACKED_BYTES", 1000)
    with zipfile.ZipFile(made) as package:
        total = sum(info.file_size for info in package.infolist())
    with pytest.raises(PackageError) as refused, open_package(made):
        pass
    assert str(refused.value) == f"{made}: is too large: it would unpack to {total:,} bytes, more than the 1,000 an " \
        "import reads"


def test_a_media_file_too_big_once_unpacked_is_refused_naming_the_package(
        made: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The current format zstd-compresses media in stored zip entries: only the unpacked size tells (cap lowered)."""
    import builder.importread as importread

    monkeypatch.setattr(importread, "MAX_MEDIA_FILE_BYTES", 10)
    with zipfile.ZipFile(made) as package:
        size = len(package.read("0"))  # genanki's package holds flag.png as entry '0', uncompressed by zstd
    with pytest.raises(PackageError) as refused, open_package(made):
        pass
    assert str(refused.value) == (f"{made}: holds the media file 'flag.png', which unpacks to {size:,} bytes, more "
                                  "than a media file may be (10): make it smaller in Anki and export the deck again")
