"""Settling and writing an imported source: refused Markdown goes raw, the release gate is met, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder import importdeck
from builder.errors import BuilderError
from builder.importdecide import FieldValue, ImportedNote, ImportedSource, ImportedType
from builder.importdeck import import_package, settle
from builder.importread import PackageNote, PackageNoteType, PackageTemplate
from builder.importyaml import IMPORT_COMMENT
from tests.helpers.importpackages import genanki_package, unfinished_note

KIND = PackageNoteType(1_700_000_500, "Pair", ("Front", "Back"), (PackageTemplate("Card 1", "{{Front}}", "{{Back}}"),),
                       "", False, 1_700_000_000)


def _source(*fields: dict[str, FieldValue]) -> ImportedSource:
    notes = tuple(ImportedNote(f"n{index}", PackageNote(f"g{index}", KIND.id, ("x", "y"), (), "Deck", 1), "pair",
                               values, deck="Deck") for index, values in enumerate(fields, 1))
    return ImportedSource("deck", "Deck", "Deck", (ImportedType("pair", KIND),), notes, "deck.apkg", "0" * 64)


def test_markdown_the_loader_refuses_is_kept_raw(tmp_path: Path) -> None:
    blank = FieldValue("   ", False)  # as Markdown, an empty field (E120); as raw HTML, three spaces
    decided, text = settle(_source({"Front": FieldValue("Asked?", False), "Back": blank}), tmp_path / "deck.yaml")
    assert decided.notes[0].fields == {"Front": FieldValue("Asked?", False), "Back": FieldValue("y", True)}
    assert '      Back:\n        html: y\n' in text


def test_what_the_original_breaks_of_the_release_gate_is_silenced_for_that_note(tmp_path: Path) -> None:
    decided, text = settle(_source({"Front": FieldValue("Fine?", False)}, {"Front": FieldValue("TODO", False)}),
                           tmp_path / "deck.yaml")
    assert [note.lint_ignore for note in decided.notes] == [(), ("L301",)]
    assert text.count(IMPORT_COMMENT) == 1 and f"    lint: {{ignore: [L301]}}  {IMPORT_COMMENT}\n" in text


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = genanki_package(tmp_path, extra=(unfinished_note(),))
    into = tmp_path / "cardsrc"
    into.mkdir()

    def full_disk(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(importdeck, "atomic_write", full_disk)
    with pytest.raises(BuilderError) as failed:
        import_package(package, into)
    assert str(failed.value) == f"{into / 'languages.lock'}: cannot write the imported deck: No space left on device"
    assert list(into.iterdir()) == []  # neither the media folder written before the lock nor the staging folder


def test_the_source_is_written_last_and_the_staging_folder_goes(tmp_path: Path) -> None:
    package = genanki_package(tmp_path)
    into = tmp_path / "cardsrc"
    into.mkdir()
    done = import_package(package, into)
    assert sorted(path.name for path in into.iterdir()) == ["languages.lock", "languages.media", "languages.yaml"]
    assert (done.notes, done.note_types, done.media_files, done.silenced) == (10, 4, 1, ())
    assert (done.markdown_fields, done.raw_fields) == (15, 5)
    stamps = [(into / name).stat().st_mtime_ns for name in ("languages.media", "languages.lock", "languages.yaml")]
    assert stamps == sorted(stamps)


def test_a_killed_import_s_staging_folder_is_removed_by_the_next(tmp_path: Path) -> None:
    package = genanki_package(tmp_path)
    into = tmp_path / "cardsrc"
    (into / ".languages.builder-import-999999999").mkdir(parents=True)  # no such process
    (into / ".languages.builder-import-999999999" / "languages.yaml").write_text("half", encoding="utf-8")
    (into / ".other.builder-import-999999999").mkdir()  # another deck's: not this import's to judge
    import_package(package, into)
    assert sorted(path.name for path in into.iterdir()) == [
        ".other.builder-import-999999999", "languages.lock", "languages.media", "languages.yaml"]
