"""``builder import`` on the command line: each input it refuses, with its exact line, exit 1, nothing written."""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import genanki
import pytest
from click.testing import CliRunner, Result

from builder.cli import cli
from builder.identity import note_guid
from tests.conftest import SMALL_SOURCE, write_source
from tests.helpers import badpackages as bad
from tests.helpers.importpackages import (
    TIMESTAMP,
    duplicated_guid_package,
    empty_package,
    genanki_package,
    unfinished_note,
)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["import", *args])


def listing(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return genanki_package(tmp_path_factory.mktemp("genanki"))


def _one_note(path: Path, guid: str) -> Path:
    deck = genanki.Deck(2_000_000_020, "Borrowed")
    deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, guid=guid, fields=["Borrowed?", "Yes"]))
    genanki.Package(deck).write_to_file(path, timestamp=TIMESTAMP)
    return path


def _without_media(made: Path, out: Path) -> Path:
    with zipfile.ZipFile(made) as package, zipfile.ZipFile(out, "w") as copy:
        for name in package.namelist():
            if name != "0":
                copy.writestr(name, package.read(name))
    return out


OWNS_BASIC = """\
title: Other
slug: other
deck: Other
source: {title: T, author: A, date: 2025-01-31, url: https://example.org}
note_types:
  - id: basic
    name: Basic
    anki_id: 1559383000
    fields: [Front, Back]
    templates:
      - {name: Card 1, front: "{{Front}}", back: "{{Back}}"}
notes:
  - id: one
    kind: quiz
    type: basic
    fields: {Front: A?, Back: B}
"""
"""A source of builder's own that declares genanki's Basic type (same id): a second deck cannot own it too."""

Setup = Callable[[Path, Path], tuple[list[str], str]]
"""(the package made earlier, the --into folder) -> (arguments after 'import', the expected error line)."""

CASES: dict[str, Setup] = {
    "missing": lambda made, into: (
        [str(into / "absent.apkg")], f"{into / 'absent.apkg'}: no such file: check the path"),
    "not-a-package": lambda made, into: (
        [str(_text(into.parent / "cards.apkg"))],
        f"{into.parent / 'cards.apkg'}: is not an Anki package (.apkg): it is not a zip file"),
    "colpkg": lambda made, into: (
        [str(_copy(made, into.parent / "backup.colpkg"))],
        f"{into.parent / 'backup.colpkg'}: is a collection package (.colpkg), a whole Anki profile, not a deck: export "
        "the deck from Anki with File > Export, 'Anki Deck Package (.apkg)', and import that"),
    "zip-bomb": lambda made, into: (
        [str(_with_entry(made, into.parent / "bomb.apkg", b"\0" * (2 << 20)))],
        f"{into.parent / 'bomb.apkg'}: is a zip bomb: its entry '7' would unpack to 2 MiB from 2,049 bytes, more "
        "than 100 times its size"),
    "declared-3-gib": lambda made, into: (
        [str(_with_entry(made, into.parent / "huge.apkg", b"x", declared=3 << 30))],
        f"{into.parent / 'huge.apkg'}: is too large: its entry '7' would unpack to 3072 MiB, more than the 100 MiB an "
        "import reads"),
    "two-top-level-decks": lambda made, into: (
        [str(_two_decks(into.parent / "two.apkg"))],
        f"{into.parent / 'two.apkg'}: holds notes of 2 top-level decks (Languages, Spanish): export just the one deck "
        "to take over (a whole collection is never taken over)"),
    "no-notes": lambda made, into: (
        [str(empty_package(into.parent / "empty.apkg"))],
        f"{into.parent / 'empty.apkg'}: holds no notes: there is nothing to import"),
    "media-missing": lambda made, into: (
        [str(_without_media(made, into.parent / "no-media.apkg"))],
        f"{into.parent / 'no-media.apkg'}: lists the media file 'flag.png', which the package does not hold: export "
        "the deck again with its media"),
    "same-guid": lambda made, into: (
        [str(duplicated_guid_package(into.parent / "twice.apkg"))],
        f"{into.parent / 'twice.apkg'}: holds two notes with the GUID 'same' ('first' and 'second'): a GUID names one "
        "note, so no later import could tell them apart; give each its own GUID where the package is made"),
    "guid-of-another-source": lambda made, into: (
        [str(_one_note(into.parent / "borrowed.apkg", note_guid("small", "quiz-one")))],
        f"{into.parent / 'borrowed.apkg'}: holds the note GUID '{note_guid('small', 'quiz-one')}', which "
        f"{into / 'small.yaml'} already uses: one note in Anki would be fought over by two sources; import into "
        "another folder, or take those notes out of one of them"),
    "type-of-another-source": lambda made, into: (
        [str(made)],
        f"{made}: holds the note type 'Basic (genanki)' (id 1559383000), which "
        f"{write_source(into, OWNS_BASIC, 'other.yaml')} already declares: two sources in one folder cannot both "
        "own a note type (its templates and CSS); import into another folder"),
    "slug-of-another-source": lambda made, into: (
        [str(made)],
        f"{into / 'languages.yaml'}: slug 'languages' is already the slug of "
        f"{write_source(into, SMALL_SOURCE.replace('slug: small', 'slug: languages'), 'french.yaml')}: "
        "choose another with --slug"),
    "existing-source": lambda made, into: (
        [str(made), "--slug", "languages"],
        f"{_text(into / 'languages.yaml')}: already exists: builder import never overwrites; choose another slug "
        "with --slug"),
    "existing-lock": lambda made, into: (
        [str(made)],
        f"{_text(into / 'languages.lock')}: already exists (the lock of a deck with slug 'languages'): builder import "
        "never overwrites; choose another slug with --slug"),
    "existing-media": lambda made, into: (
        [str(made)],
        f"{_folder(into / 'languages.media')}: already exists (the media folder of a deck with slug 'languages'): "
        "builder import never overwrites; choose another slug with --slug"),
    "folder": lambda made, into: (
        [str(_folder(into.parent / "decks.apkg"))],
        f"{into.parent / 'decks.apkg'}: is a folder, not a package: name an .apkg file"),
    "collection-file": lambda made, into: (
        [str(bad.newer_collection_file(made, into.parent))],
        f"{into.parent / 'newer.anki2'}: is an Anki collection file, not a package: export the deck from Anki with "
        "File > Export, 'Anki Deck Package (.apkg)', and import that"),
    "into-missing": lambda made, into: (
        [str(made), "--into", str(into / "nowhere")],
        f"{into / 'nowhere'}: does not exist: create it, or name another with --into"),
}


def _text(path: Path) -> Path:
    path.write_text("front,back\n", encoding="utf-8")
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _copy(made: Path, path: Path) -> Path:
    path.write_bytes(made.read_bytes())
    return path


def _with_entry(made: Path, out: Path, data: bytes, declared: int = 0) -> Path:
    """``made`` with one more (media-numbered) entry '7', deflated; ``declared`` rewrites the size its zip states."""
    with zipfile.ZipFile(made) as package, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in package.namelist():
            copy.writestr(name, package.read(name))
        copy.writestr("7", data)
    if declared:
        raw = bytearray(out.read_bytes())
        central = raw.rindex(b"PK\x01\x02")  # the last entry's record in the central directory: never inflated
        raw[central + 24 : central + 28] = declared.to_bytes(4, "little")
        out.write_bytes(bytes(raw))
    return out


def _two_decks(path: Path) -> Path:
    decks = [genanki.Deck(2_000_000_040, "Spanish"), genanki.Deck(2_000_000_041, "Languages::French")]
    for number, deck in enumerate(decks):
        deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, guid=f"d{number}", fields=[f"Q{number}", "A"]))
    genanki.Package(decks).write_to_file(path, timestamp=TIMESTAMP)
    return path




UNREADABLE: dict[str, tuple[bad.Make, str]] = {
    **bad.damaged_packages(),
    "empty-zip": (bad.empty_zip, "is a zip file but not an Anki package (no collection inside): export the deck "
                                 "from Anki with File > Export, 'Anki Deck Package (.apkg)'"),
    "media-list-not-json": (bad.media_not_json, bad.DAMAGED),
}
"""Packages Anki's engine cannot read: one line each, never the engine's own text (it says ``DbError { info:
"SqliteFailure(...)", kind: Other }``); ``builder pull`` says the same (tests/test_export.py)."""


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_a_package_the_engine_cannot_read_is_one_clear_line(made: Path, tmp_path: Path, case: str) -> None:
    into = tmp_path / "cardsrc"
    into.mkdir()
    write_source(into, SMALL_SOURCE)
    make, message = UNREADABLE[case]
    package = make(made, tmp_path)
    before = {path: path.read_bytes() for path in into.rglob("*") if path.is_file()}
    result = run(str(package), "--into", str(into))
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {package}: {message}\n")
    assert {path: path.read_bytes() for path in into.rglob("*") if path.is_file()} == before
    assert listing(into) == ["small.yaml"]


def test_a_package_it_may_not_read(made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a user without read permission meets it (tests run as root here, whom chmod does not stop)."""
    real_open = open

    def guarded(file: object, *args: object, **kwargs: object) -> object:
        if Path(str(file)) == made:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", guarded)
    result = run(str(made), "--into", str(tmp_path))
    monkeypatch.undo()
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", f"Error: {made}: cannot read this file (permission denied): fix its permissions\n")
    assert listing(tmp_path) == []


@pytest.mark.parametrize("case", list(CASES))
def test_each_bad_input_is_one_line_exit_1_and_writes_nothing(made: Path, tmp_path: Path, case: str) -> None:
    into = tmp_path / "cardsrc"
    into.mkdir()
    write_source(into, SMALL_SOURCE)
    args, message = CASES[case](made, into)
    if "--into" not in args:
        args += ["--into", str(into)]
    before = listing(into)
    result = run(*args)
    assert (result.exit_code, result.output) == (1, f"Error: {message}\n")
    assert listing(into) == before


def test_the_default_cardsrc_is_created_when_missing(made: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """As 'builder new' does: an empty folder is a place to start, not an error."""
    monkeypatch.chdir(tmp_path)
    result = run(str(made))
    assert result.exit_code == 0, result.output
    assert "into cardsrc/languages.yaml:" in result.stdout
    assert (tmp_path / "cardsrc" / "languages.yaml").is_file()
    assert (tmp_path / "cardsrc" / "languages.lock").is_file()


@pytest.mark.parametrize(("case", "code", "expected"), [
    ("not-a-package", 1, "Error: deck.apkg: is not an Anki package (.apkg): it is not a zip file\n"),
    ("no-package", 1, "Error: missing.apkg: no such file: check the path\n"),
    ("cardsrc-a-file", 2, "Usage: builder import [OPTIONS] PACKAGE\nTry 'builder import --help' for help.\n\n"
                          "Error: Invalid value for '--into': Directory 'cardsrc' is a file.\n"),
], ids=["not-a-package", "no-package", "cardsrc-a-file"])
def test_a_failed_import_leaves_no_cardsrc_behind(made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   case: str, code: int, expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    package = "missing.apkg"
    if case == "not-a-package":
        package = str(_text(tmp_path / "deck.apkg").relative_to(tmp_path))
    elif case == "cardsrc-a-file":
        package = str(_copy(made, tmp_path / "made.apkg").relative_to(tmp_path))
        _text(tmp_path / "cardsrc")
    before = listing(tmp_path)
    result = CliRunner().invoke(cli, ["import", package], prog_name="builder")
    assert (result.exit_code, result.output) == (code, expected)
    assert listing(tmp_path) == before


def test_a_default_cardsrc_made_for_an_import_that_fails_later_is_removed(
    made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The package opens and cardsrc/ is made, then writing fails (a full disk): the cardsrc/ made for it goes too."""
    from builder import importdeck
    from builder.errors import BuilderError

    def full_disk(source: Path, *args: object) -> None:
        raise BuilderError("cannot write: No space left on device", source)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(importdeck, "_write", full_disk)
    package = _copy(made, tmp_path / "made.apkg").name
    result = run(package)
    assert (result.exit_code, result.output) == (1, "Error: cardsrc/languages.yaml: cannot write: No space left on "
                                                    "device\n")
    assert listing(tmp_path) == ["made.apkg"]


def test_a_slug_that_is_no_slug_is_a_usage_error(made: Path, tmp_path: Path) -> None:
    result = run(str(made), "--slug", "Not A Slug", "--into", str(tmp_path))
    assert result.exit_code == 2
    assert "'Not A Slug' is not a slug: use lowercase letters, digits and single dashes" in result.output


def test_without_the_engine_it_names_the_extra(made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "anki.collection", None)
    result = run(str(made), "--into", str(tmp_path))
    assert (result.exit_code, result.output) == (
        1, "Error: builder import needs the Anki engine: .venv/bin/pip install -e '.[import]'\n")
    assert listing(tmp_path) == []


def test_a_deck_with_scripts_imports_and_says_the_build_needs_the_flag(tmp_path: Path) -> None:
    deck = genanki.Deck(2_000_000_030, "Scripted")
    deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, guid="s1", fields=["Hi<script>alert(1)</script>", "Yes"]))
    package = tmp_path / "scripted.apkg"
    genanki.Package(deck).write_to_file(package, timestamp=TIMESTAMP)
    into = tmp_path / "cardsrc"
    into.mkdir()
    result = run(str(package), "--into", str(into))
    assert result.exit_code == 0, result.output
    assert (f"Warning: 1 field or note type of it run scripts or load from the web ('builder check "
            f"{into / 'scripted.yaml'}' lists them): 'builder build' ships them only with --unsafe-html, for a deck "
            "you trust with every learner's Anki\n") in result.output
    built = CliRunner().invoke(cli, ["build", str(into / "scripted.yaml"), "--out", str(tmp_path / "dist")])
    assert built.exit_code == 1 and "field 'Front' is raw HTML with a script" in built.output


def test_what_an_import_says(tmp_path: Path) -> None:
    package = genanki_package(tmp_path)
    into = tmp_path / "cardsrc"
    into.mkdir()
    result = run(str(package), "--into", str(into))
    assert (result.exit_code, result.output.splitlines()) == (0, [
        f"Imported 10 notes of 4 note types from {package} into {into / 'languages.yaml'}: 15 fields as Markdown, "
        "5 as HTML",
        f"Wrote 1 media file to {into / 'languages.media'}/",
        f"Next: 'builder build {into / 'languages.yaml'}' releases it; imported over the original, it changes "
        "nothing.",
    ])


def test_rules_the_original_breaks_are_named(tmp_path: Path) -> None:
    package = genanki_package(tmp_path, extra=(unfinished_note(),))
    into = tmp_path / "cardsrc"
    into.mkdir()
    result = run(str(package), "--into", str(into))
    assert result.exit_code == 0, result.output
    assert "Lint rules the original breaks are silenced for chose (marked '# came with the import')\n" in result.output


def test_a_type_whose_css_the_build_holds_back_is_warned_about(tmp_path: Path) -> None:
    """CSS with an escape could spell a remote load unseen: W212, and a build needs --unsafe-html."""
    styled = genanki.Model(1_700_000_777, "Styled", fields=[{"name": "Front"}, {"name": "Back"}],
                           templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
                           css='li::before { content: "\\2022"; }')
    deck = genanki.Deck(2_000_000_031, "Styled")
    deck.add_note(genanki.Note(model=styled, guid="st1", fields=["Front", "Back"]))
    package = tmp_path / "styled.apkg"
    genanki.Package(deck).write_to_file(package, timestamp=TIMESTAMP)
    into = tmp_path / "cardsrc"
    into.mkdir()
    result = run(str(package), "--into", str(into))
    assert result.exit_code == 0 and "Warning: 1 field or note type of it run scripts" in result.output
    built = CliRunner().invoke(cli, ["build", str(into / "styled.yaml"), "--out", str(tmp_path / "dist")])
    assert built.exit_code == 1, built.output
    assert CliRunner().invoke(cli, ["build", str(into / "styled.yaml"), "--out", str(tmp_path / "dist"),
                                    "--unsafe-html"]).exit_code == 0
