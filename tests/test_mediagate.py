"""The media a build refuses: ``builder check`` reports exactly what ``builder build`` refuses (builder/mediagate.py).

Each case releases a deck, then breaks its media one way and asks both
commands: check names the problem with its code at file:line and exits 1; the
build refuses with the same message at the same place and exits 1, leaving
``dist/`` and the lock as they were.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder import media as media_module
from builder.cli import cli
from builder.media import MAX_MEDIA_FILE_BYTES, media_folder_scan
from tests.conftest import SMALL_SOURCE, write_source
from tests.helpers.images import write_png
from tests.test_declared_types import SOURCE as FRENCH

ANSWER = "    answer: Answers.\n"
EXAMPLE = "      Example: Le *chat* dort.\n"
LOOKED = ("image file 'pic.png' not found (looked for {root}/cardsrc/pic.png); check the path, which is relative to "
          "the source's folder")
HOLDS = "the media folder holds the deck's media files themselves, directly in it"
FOLLOWS = f"which builder never follows: {HOLDS}"
RAW = "'Example' of note 'chat' is raw HTML showing 'pic.png', which"

Setup = Callable[[Path], None]


def image(src: str) -> tuple[str, str]:
    """The small deck's quiz answer showing a Markdown image."""
    return ANSWER, f'    answer: "Answers ![a chart]({src})"\n'


def raw_image(src: str) -> tuple[str, str]:
    """The French deck's example field as raw HTML showing an image."""
    return EXAMPLE, f"      Example: {{html: '<img src=\"{src}\">'}}\n"


def in_media(make: Callable[[Path], object], slug: str = "small") -> Setup:
    def setup(cardsrc: Path) -> None:
        folder = cardsrc / f"{slug}.media"
        folder.mkdir(exist_ok=True)
        make(folder)

    return setup


def nothing(_: Path) -> None:
    pass


def oversized(folder: Path) -> None:
    with open(folder / "big.bin", "wb") as handle:  # sparse: nothing written
        handle.truncate(MAX_MEDIA_FILE_BYTES + 1)


# id, deck, edit of the source, what is put beside it, where (cardsrc/...), code, message ({root}: the project)
CASES: list[tuple[str, str, tuple[str, str] | None, Setup, str, str, str]] = [
    ("missing", "small", image("pic.png"), nothing, "small.yaml:23", "E169", LOOKED),
    ("outside", "small", image("../real.png"), nothing, "small.yaml:23", "E169",
     "image path '../real.png' goes outside the source's folder {root}/cardsrc; copy the image into that folder"),
    ("absolute", "small", image("/etc/pic.png"), nothing, "small.yaml:23", "E169",
     "image path '/etc/pic.png' is absolute; give it relative to the source's folder cardsrc"),
    ("symlink", "small", image("pic.png"), lambda cardsrc: os.symlink("../real.png", cardsrc / "pic.png"),
     "small.yaml:23", "E169", "image path 'pic.png' leads outside the source's folder {root}/cardsrc through a "
     "symbolic link to {root}/real.png; copy the image into that folder"),
    ("media-folder-link", "small", None, lambda cardsrc: os.symlink("..", cardsrc / "small.media"), "small.media",
     "E171", "the media folder is a symbolic link, which builder never follows: make it a folder of the deck's "
     "media files"),
    ("media-link", "small", None, in_media(lambda folder: os.symlink("../../real.png", folder / "a.png")),
     "small.media/a.png", "E171", f"is a symbolic link, {FOLLOWS}"),
    ("fifo", "small", None, in_media(lambda folder: os.mkfifo(folder / "a.png")), "small.media/a.png", "E171",
     f"is a pipe, not a regular file: {HOLDS}"),
    ("subfolder", "small", None, in_media(lambda folder: (folder / "sub").mkdir()), "small.media/sub", "E171",
     f"is a folder, not a regular file: {HOLDS}"),
    ("oversized", "small", None, in_media(oversized), "small.media/big.bin", "E171",
     "is 104,857,601 bytes, more than a media file may be (104,857,600): make it smaller"),
    ("ds-store", "small", None, in_media(lambda folder: (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")),
     "small.media/.DS_Store", "E171", "the media file name '.DS_Store' starts with a dot (hidden, or a folder's own "
     "'.' and '..'): Anki could not keep it; rename or remove it"),
    ("raw-img-missing", "french", raw_image("pic.png"), nothing, "french.yaml:43", "E172",
     f"{RAW} is not in the media folder cardsrc/french.media/, so Anki would show it broken: put the file there, "
     "or fix the name"),
    ("raw-img-beside-source", "french", raw_image("pic.png"), lambda cardsrc: write_png(cardsrc / "pic.png", 2, 2),
     "french.yaml:43", "E172", f"{RAW} is beside the source but not in the media folder cardsrc/french.media/: raw "
     "HTML is kept as written, so its media come from that folder and Anki would show it broken; move the file into "
     "the folder"),
]


def released(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deck: str) -> Path:
    """A project whose deck has one release, as the working directory, with an image outside its folder."""
    source = write_source(tmp_path / "cardsrc", SMALL_SOURCE if deck == "small" else FRENCH, f"{deck}.yaml")
    write_png(tmp_path / "real.png", 2, 2)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    built = CliRunner().invoke(cli, ["build"])
    assert built.exit_code == 0, built.output
    return source


def release_state(root: Path) -> dict[str, bytes]:
    """``dist/`` and every lock or journal beside the sources, byte for byte (nothing else is read: a FIFO blocks)."""
    paths = [*(root / "dist").iterdir(), *(root / "cardsrc").glob("*.lock"), *(root / "cardsrc").glob(".*journal")]
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(paths)}


def edit(source: Path, change: tuple[str, str] | None) -> None:
    if change is not None:
        text = source.read_text(encoding="utf-8")
        assert text.count(change[0]) == 1, change[0]
        source.write_text(text.replace(*change), encoding="utf-8")


@pytest.mark.parametrize(("deck", "change", "setup", "where", "code", "message"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_check_reports_the_media_the_build_refuses_in_the_same_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deck: str, change: tuple[str, str] | None, setup: Setup,
    where: str, code: str, message: str,
) -> None:
    source = released(tmp_path, monkeypatch, deck)
    edit(source, change)
    setup(source.parent)
    message = message.format(root=tmp_path.resolve())
    before = release_state(tmp_path)
    checked = CliRunner().invoke(cli, ["check"])
    built = CliRunner().invoke(cli, ["build"])
    check_line = checked.stdout.removesuffix("\n")
    # check places a finding at file:line:column where it knows the column; the build says file:line
    assert re.sub(r"^([^:]+:\d+):\d+:", r"\1:", check_line) == f"cardsrc/{where}: {code} {message}"
    assert (checked.exit_code, checked.stderr) == (1, "Found 1 error and 0 warnings in 1 source.\n")
    assert (built.exit_code, built.stdout, built.stderr) == (1, "", f"Error: cardsrc/{where}: {message}\n")
    assert release_state(tmp_path) == before


def test_check_lists_every_bad_entry_of_the_media_folder_and_the_build_refuses_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    released(tmp_path, monkeypatch, "small")
    folder = tmp_path / "cardsrc" / "small.media"
    folder.mkdir()
    (folder / ".DS_Store").write_bytes(b"x")
    (folder / "sub").mkdir()
    write_png(folder / "fine.png", 2, 2)
    checked = CliRunner().invoke(cli, ["check"])
    assert checked.exit_code == 1
    assert [line.split(": ")[0:2] for line in checked.stdout.splitlines()] == [
        ["cardsrc/small.media/.DS_Store", "E171 the media file name '.DS_Store' starts with a dot (hidden, or a "
         "folder's own '.' and '..')"],
        ["cardsrc/small.media/sub", "E171 is a folder, not a regular file"],
    ]
    built = CliRunner().invoke(cli, ["build"])
    assert (built.exit_code, built.stderr.split(": ")[:2]) == (1, ["Error", "cardsrc/small.media/.DS_Store"])


def packaged_media(root: Path) -> list[str]:
    """The media names of the newest release in ``dist/``."""
    newest = max((root / "dist").glob("*.apkg"), key=lambda path: path.stat().st_mtime_ns)
    with zipfile.ZipFile(newest) as package:
        return sorted(json.loads(package.read("media")).values())


def test_a_raw_img_of_a_media_folder_file_is_packaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = released(tmp_path, monkeypatch, "french")
    edit(source, raw_image("pic.png"))
    in_media(lambda folder: write_png(folder / "pic.png", 2, 2), "french")(source.parent)
    checked = CliRunner().invoke(cli, ["check"])
    assert (checked.exit_code, checked.stdout) == (0, ""), checked.output
    built = CliRunner().invoke(cli, ["build"])
    assert (built.exit_code, built.stderr) == (0, ""), built.output
    assert packaged_media(tmp_path) == ["pic.png"]


def test_a_raw_img_of_an_image_the_markdown_packs_under_its_own_name_is_packaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ``hashed-media`` a Markdown image keeps its file name in the package, so raw HTML may show it."""
    source = released(tmp_path, monkeypatch, "french")
    edit(source, ("notes:\n  - id: chat", "additions: [tags, subdecks]\nnotes:\n  - id: chat"))
    edit(source, raw_image("pic.png"))
    edit(source, ("      Meaning: the dog\n", "      Meaning: 'the dog ![a dog](pic.png)'\n"))
    write_png(source.parent / "pic.png", 2, 2)
    checked = CliRunner().invoke(cli, ["check"])
    assert (checked.exit_code, checked.stdout) == (0, ""), checked.output
    built = CliRunner().invoke(cli, ["build"])
    assert (built.exit_code, built.stderr) == (0, ""), built.output
    assert packaged_media(tmp_path) == ["pic.png"]


def test_an_entry_that_cannot_be_read_is_one_refusal_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder that lists but cannot be searched (no x permission; root ignores it, so it is simulated)."""
    folder = tmp_path / "deck.media"
    folder.mkdir()
    write_png(folder / "a.png", 2, 2)
    real = os.lstat

    def lstat(path: str | os.PathLike[str]) -> os.stat_result:
        if Path(path).parent == folder:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(media_module.os, "lstat", lstat)
    files, refused = media_folder_scan(folder)
    assert (files, [(str(error), error.code) for error in refused]) == (
        (), [(f"{folder}/a.png: cannot be read: Permission denied", "E171")])


# --- two files under one package name (E169) -----------------------------------------------------------------------
# A deck without hashed-media (as ``builder import`` writes it: additions: [], here after the notes so every line
# stays where SMALL_SOURCE has it) packs each image under its own file name, so two different files may meet under
# one name wherever they are shown. ``{h}`` in a path or a message is the name the description gives d/pic.png
# ("_b-" and a hash of its bytes).
PLAIN_SOURCE = SMALL_SOURCE + "additions: []\n"
QUIZ, QUIZ_EXTRA, DEEP = ("    answer: Answers.\n", "    extra: Extra context.\n",
                          "    answer: A senior staff engineer in Home Feed.\n")  # lines 23, 24 and 32
DESCRIBED = ("additions: []\n", 'additions: []\ndescription: "![d](d/pic.png)"\n')  # line 37
SIZES = {"A": (2, 2), "B": (3, 3)}  # two different PNG files
TWO_FILES = ("two different files would be the package's media file '{name}': {second}, shown here, and {first}, "
             "{was}; Anki keeps one file per name, so both would show the same picture: rename one of them")
HASH_FIX = ", or add hashed-media to the source's additions (images then named by their bytes)"


def shows(line: str, text: str) -> tuple[str, str]:
    """``line`` of the source (a field) showing Markdown ``text`` instead."""
    return line, f'{line.split(":")[0]}: "{text}"\n'


def two_files(name: str, second: str, first: str, was: str, fix: str = HASH_FIX) -> str:
    return TWO_FILES.format(name=name, second=f"cardsrc/{second}", first=f"cardsrc/{first}", was=was) + fix


# id, edits of the source, files beside it (path under cardsrc/ -> A or B), where, message (None: it builds, and the
# package's media map is then what ``files`` holds under each name, each once: name -> A or B)
CLASHES: list[tuple[str, list[tuple[str, str]], dict[str, str], str, str | None]] = [
    ("one-field", [shows(QUIZ, "![a](a/pic.png) ![b](b/pic.png)")], {"a/pic.png": "A", "b/pic.png": "B"},
     "small.yaml:23", two_files("pic.png", "b/pic.png", "a/pic.png", "shown at cardsrc/small.yaml:23")),
    ("one-note-two-fields", [shows(QUIZ, "![a](a/pic.png)"), shows(QUIZ_EXTRA, "![b](b/pic.png)")],
     {"a/pic.png": "A", "b/pic.png": "B"},
     "small.yaml:24", two_files("pic.png", "b/pic.png", "a/pic.png", "shown at cardsrc/small.yaml:23")),
    ("two-notes", [shows(QUIZ, "![a](a/pic.png)"), shows(DEEP, "![b](b/pic.png)")],
     {"a/pic.png": "A", "b/pic.png": "B"},
     "small.yaml:32", two_files("pic.png", "b/pic.png", "a/pic.png", "shown at cardsrc/small.yaml:23")),
    ("note-vs-media-folder", [shows(QUIZ, "![a](a/pic.png)")], {"a/pic.png": "A", "small.media/pic.png": "B"},
     "small.yaml:23", two_files("pic.png", "a/pic.png", "small.media/pic.png", "in the media folder")),
    ("description-vs-note", [DESCRIBED, shows(QUIZ, "![n](n/{h})")], {"d/pic.png": "A", "n/{h}": "B"},
     "small.yaml:23", two_files("{h}", "n/{h}", "d/pic.png", "shown at cardsrc/small.yaml:37")),
    ("description-vs-media-folder", [DESCRIBED], {"d/pic.png": "A", "small.media/{h}": "B"},
     "small.yaml:37", two_files("{h}", "d/pic.png", "small.media/{h}", "in the media folder", "")),
    # What builds: one file however often it is shown, identical bytes under one name, different names.
    ("same-file-twice-in-one-field", [shows(QUIZ, "![a](a/pic.png) ![b](a/pic.png)")], {"a/pic.png": "A"},
     "", None),
    ("same-file-by-two-paths-in-two-notes", [shows(QUIZ, "![a](a/pic.png)"), shows(DEEP, "![b](a/./pic.png)")],
     {"a/pic.png": "A"}, "", None),
    ("same-bytes-in-one-note", [shows(QUIZ, "![a](a/pic.png)"), shows(QUIZ_EXTRA, "![b](b/pic.png)")],
     {"a/pic.png": "A", "b/pic.png": "A"}, "", None),
    ("same-bytes-in-two-notes", [shows(QUIZ, "![a](a/pic.png)"), shows(DEEP, "![b](b/pic.png)")],
     {"a/pic.png": "A", "b/pic.png": "A"}, "", None),
    ("same-bytes-as-the-media-folder", [shows(QUIZ, "![a](a/pic.png)")],
     {"a/pic.png": "A", "small.media/pic.png": "A"}, "", None),
    ("description-and-note-same-name", [DESCRIBED, shows(QUIZ, "![a](a/pic.png)")],
     {"d/pic.png": "B", "a/pic.png": "A"}, "", None),
    ("hashed-media", [("additions: []\n", "additions: [hashed-media]\n"),
                      shows(QUIZ, "![a](a/pic.png) ![b](b/pic.png)")], {"a/pic.png": "A", "b/pic.png": "B"}, "", None),
]


def png_bytes(tmp_path: Path, size: str) -> bytes:
    path = tmp_path / f"{size}.png"
    write_png(path, *SIZES[size])
    return path.read_bytes()


@pytest.mark.parametrize(("edits", "files", "where", "message"), [case[1:] for case in CLASHES],
                         ids=[case[0] for case in CLASHES])
def test_two_different_files_under_one_package_name_are_refused_wherever_they_are_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edits: list[tuple[str, str]], files: dict[str, str], where: str,
    message: str | None,
) -> None:
    source = write_source(tmp_path / "cardsrc", PLAIN_SOURCE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert CliRunner().invoke(cli, ["build"]).exit_code == 0
    data = {size: png_bytes(tmp_path, size) for size in SIZES}
    described = f"_b-{hashlib.sha256(data[files.get('d/pic.png', 'A')]).hexdigest()[:16]}.png"
    for old, new in edits:
        edit(source, (old, new.replace("{h}", described)))
    for path, size in files.items():
        (source.parent / path.replace("{h}", described)).parent.mkdir(parents=True, exist_ok=True)
        (source.parent / path.replace("{h}", described)).write_bytes(data[size])
    before = release_state(tmp_path)
    checked = CliRunner().invoke(cli, ["check"])
    built = CliRunner().invoke(cli, ["build"])
    if message is not None:
        message = message.replace("{h}", described)
        assert (checked.exit_code, checked.stdout, checked.stderr) == (
            1, f"cardsrc/{where}: E169 {message}\n", "Found 1 error and 0 warnings in 1 source.\n")
        assert (built.exit_code, built.stdout, built.stderr) == (1, "", f"Error: cardsrc/{where}: {message}\n")
        assert release_state(tmp_path) == before
        return
    assert (checked.exit_code, checked.stdout) == (0, ""), checked.output
    assert (built.exit_code, built.stderr) == (0, ""), built.output
    newest = max((tmp_path / "dist").glob("*.apkg"), key=lambda path: path.stat().st_mtime_ns)
    with zipfile.ZipFile(newest) as package:
        index = json.loads(package.read("media"))
        packed = {name: package.read(number) for number, name in index.items()}
    assert len(packed) == len(index)  # each name once
    if "hashed-media" in edits[0][1]:
        expected = {f"b-{hashlib.sha256(data[size]).hexdigest()[:16]}.png": data[size] for size in files.values()}
    else:
        expected = {Path(path).name if not path.startswith("d/") else described: data[size]
                    for path, size in files.items()}
    assert packed == expected


@pytest.mark.parametrize("additions", ["[]", "[hashed-media]"])
def test_an_edit_of_the_second_of_two_identical_files_in_one_field_is_seen_by_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, additions: str
) -> None:
    """The build remembers the files it read to skip an unchanged release: both files, not the first of one name."""
    source = write_source(tmp_path / "cardsrc", SMALL_SOURCE + f"additions: {additions}\n")
    edit(source, shows(QUIZ, "![a](a/pic.png) ![b](b/pic.png)"))
    for folder in "ab":
        (source.parent / folder).mkdir()
        write_png(source.parent / folder / "pic.png", 2, 2)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert CliRunner().invoke(cli, ["build"]).exit_code == 0
    write_png(source.parent / "b" / "pic.png", 3, 3)
    built = CliRunner().invoke(cli, ["build"])
    if additions == "[]":
        clash = two_files("pic.png", "b/pic.png", "a/pic.png", "shown at cardsrc/small.yaml:23")
        assert (built.exit_code, built.stderr) == (1, f"Error: cardsrc/small.yaml:23: {clash}\n")
    else:
        assert (built.exit_code, built.stdout) == (0, "Built dist/small-1.0.1.apkg: 6 notes, 7 cards (version 1.0.1)\n")
        assert len(packaged_media(tmp_path)) == 2  # the edited file under its new name beside the other
