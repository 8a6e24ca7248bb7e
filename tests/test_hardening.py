"""Bad input through the CLI: each kind gets its own one-line error, exit code 1, nothing written.

Sources may come from anyone, so every case here is something a shared file
or a bad tool can do: YAML tricks (duplicate keys, billion laughs, tags,
nesting), bytes that are not text, files that are not files, and an output
folder that cannot be written. Expected messages are exact.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from builder.cli import cli
from builder.yamlsafe import MAX_DEPTH, MAX_SOURCE_BYTES
from tests.conftest import SMALL_SOURCE, write_source

SOURCE = "cardsrc/small.yaml"
SMALL = SMALL_SOURCE.encode("utf-8")
BILLION_LAUGHS = b'lol0: &lol0 "lol"\n' + b"".join(
    b"lol%d: &lol%d [%s]\n" % (n, n, b", ".join([b"*lol%d" % (n - 1)] * 10)) for n in range(1, 10)
)


def replaced(old: str, new: str) -> bytes:
    assert SMALL_SOURCE.count(old) == 1, old
    return SMALL_SOURCE.replace(old, new).encode("utf-8")


def nested(depth: int) -> bytes:
    return SMALL + b"lint:\n  ignore: " + b"[" * depth + b"W201" + b"]" * depth + b"\n"


# (case, source bytes, the one line on stderr after "Error: ")
EMPTY = f"{SOURCE}: is empty: a source needs deck metadata and notes (see docs/authoring.md)"
BAD_SOURCES: list[tuple[str, bytes, str]] = [
    ("duplicate-deck-key", replaced("deck: Small Deck\n", "deck: Small Deck\ntitle: Again\n"),
     f"{SOURCE}:4: duplicate key 'title' (first on line 1): remove or rename one, "
     "YAML would silently keep only the last"),
    ("duplicate-note-key", replaced("    answer: Answers.\n", "    answer: Answers.\n    answer: Other.\n"),
     f"{SOURCE}:24: duplicate key 'answer' (first on line 23): remove or rename one, "
     "YAML would silently keep only the last"),
    ("billion-laughs", BILLION_LAUGHS,
     f"{SOURCE}:1: uses a YAML anchor or alias (& or *): write the value out in full"),
    ("alias-only", replaced("answer: Answers.", "answer: *other"),
     f"{SOURCE}:23: uses a YAML anchor or alias (& or *): write the value out in full"),
    ("python-object-tag", replaced("answer: Answers.", "answer: !!python/object/apply:os.system [echo pwned]"),
     f"{SOURCE}:23: uses the YAML tag !!python/object/apply:os.system: tags are not allowed, write plain values"),
    ("python-name-tag", b"title: !!python/name:os.system\n",
     f"{SOURCE}:1: uses the YAML tag !!python/name:os.system: tags are not allowed, write plain values"),
    ("binary-tag", replaced("answer: Answers.", "answer: !!binary aGVsbG8="),
     f"{SOURCE}:23: uses the YAML tag !!binary: tags are not allowed, write plain values"),
    ("local-tag", replaced("answer: Answers.", "answer: !include secrets.yaml"),
     f"{SOURCE}:23: uses the YAML tag !include: tags are not allowed, write plain values"),
    ("deeper-than-the-format", nested(MAX_DEPTH),
     f"{SOURCE}:37: nests deeper than {MAX_DEPTH} levels: the format never needs that"),
    ("deep-flow-bomb", b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",  # libyaml's own limit trips first
     f"{SOURCE}:1: invalid YAML: exceeded maximum nesting depth"),
    ("latin-1", replaced("Ada Author", "Ada Author").replace(b"Ada", b"Ad\xe9"),
     f"{SOURCE}:8: is not valid UTF-8 (byte 0xe9): save the file as UTF-8"),
    ("utf-16", SMALL_SOURCE.encode("utf-16"), f"{SOURCE}:1: is not valid UTF-8 (byte 0xff): save the file as UTF-8"),
    ("raw-nul", replaced("answer: Answers.", "answer: Ans\0wers."),
     f"{SOURCE}:23: contains a NUL character: remove it"),
    ("raw-control", replaced("answer: Answers.", "answer: Ans\x1bwers."),
     f"{SOURCE}:23: contains the control character U+001B, which YAML does not allow: remove it"),
    ("escaped-field-separator", replaced("answer: Answers.", 'answer: "Ans\\x1fwers."'),
     f"{SOURCE}:23: 'answer' in note 'quiz-one' contains U+001F, the character Anki separates fields with: "
     "remove it"),
    ("escaped-nul", replaced("answer: Answers.", 'answer: "Ans\\0wers."'),
     f"{SOURCE}:23: 'answer' in note 'quiz-one' contains a NUL character (U+0000): remove it"),
    ("escaped-control", replaced("answer: Answers.", 'answer: "Ans\\x07wers."'),
     f"{SOURCE}:23: 'answer' in note 'quiz-one' contains the control character U+0007, which Anki would "
     "silently drop: remove it"),
    ("newline-in-a-quoted-value", replaced("slug: small", 'slug: "small\\nError: forged"'),
     f"{SOURCE}:2: 'slug' in the deck is 'small\\nError: forged': use lowercase letters, digits and single "
     "dashes, e.g. 'linchpin-dsl'"),
    ("terminal-escape-in-a-value", replaced("slug: small", 'slug: "\\e[2J"'),
     f"{SOURCE}:2: 'slug' in the deck is '\\x1b[2J': use lowercase letters, digits and single dashes, "
     "e.g. 'linchpin-dsl'"),
    ("two-documents", SMALL + b"---\ntitle: Second\n",
     f"{SOURCE}:36: holds more than one YAML document: keep one deck per file"),
    ("empty", b"", EMPTY),
    ("whitespace-only", b" \n\t\n", EMPTY),
    ("comments-only", b"# nothing yet\n", EMPTY),
    ("bom-only", b"\xef\xbb\xbf", EMPTY),
    ("a-list", b"- title: Small deck\n", f"{SOURCE}:1: the deck must be a mapping of keys to values"),
    ("plain-text", b"just some words\n", f"{SOURCE}:1: the deck must be a mapping of keys to values"),
    ("tab-indentation", replaced("  title: An Article", "\ttitle: An Article"),
     f"{SOURCE}:7: invalid YAML: found character that cannot start any token"),
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    (tmp_path / "cardsrc").mkdir()
    return tmp_path


def build(*args: str) -> Any:
    return CliRunner().invoke(cli, ["build", *args])


def assert_one_error(result: Any, message: str) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")


def leftovers(folder: Path) -> list[str]:
    """Everything a failed build may have left: the source folder should hold only sources."""
    return sorted(
        str(path.relative_to(folder)) for path in folder.rglob("*")
        if path.suffix != ".yaml" and ".builder-cache" not in path.parts
    )


@pytest.mark.parametrize(("data", "message"), [case[1:] for case in BAD_SOURCES], ids=[c[0] for c in BAD_SOURCES])
def test_bad_source_gets_its_own_one_line_error(project: Path, data: bytes, message: str) -> None:
    (project / SOURCE).write_bytes(data)
    assert_one_error(build(SOURCE), message)
    assert leftovers(project) == ["cardsrc"]


def test_every_bad_source_message_is_distinct() -> None:
    kinds = {message.split(": ", 1)[1].split(":")[0] for _, _, message in BAD_SOURCES}
    assert len(kinds) >= 20


def test_billion_laughs_is_refused_at_its_first_anchor_before_reading_on(project: Path) -> None:
    """Refused on the first anchor: a million more aliases after it change nothing (figures: docs/reliability.md)."""
    aliases = b"".join(b"more%d: [*lol8, *lol8, *lol8]\n" % n for n in range(1_000_000))
    (project / SOURCE).write_bytes(BILLION_LAUGHS + aliases)
    assert_one_error(build(SOURCE), f"{SOURCE}:1: uses a YAML anchor or alias (& or *): write the value out in full")


def test_a_source_over_the_size_limit_is_refused_before_parsing(project: Path) -> None:
    source = project / SOURCE
    with open(source, "wb") as handle:  # sparse: no 64 MiB written to disk
        handle.write(SMALL)
        handle.truncate(MAX_SOURCE_BYTES + 1)
    assert_one_error(build(SOURCE), f"{SOURCE}: is larger than 64 MiB: split it into several decks")


def test_a_source_at_the_size_limit_is_read(project: Path) -> None:
    source = project / SOURCE
    source.write_bytes(SMALL + b"#" * (MAX_SOURCE_BYTES - len(SMALL)))
    assert build(SOURCE).exit_code == 0


@pytest.mark.parametrize(
    ("setup", "argument", "message"),
    [
        (lambda root: (root / "cardsrc" / "deck.yaml").mkdir(), "cardsrc/deck.yaml",
         "cardsrc/deck.yaml: is a directory, not a YAML source: name a .yaml file"),
        (lambda root: None, "cardsrc/missing.yaml", "cardsrc/missing.yaml: no such file: check the path"),
        (lambda root: None, "nowhere/missing.yaml", "nowhere/missing.yaml: no such file: check the path"),
        (lambda root: (root / "cardsrc" / "link.yaml").symlink_to("gone.yaml"), "cardsrc/link.yaml",
         "cardsrc/link.yaml: is a symbolic link, which builder never reads through (a source may come from anyone): "
         "put the source file itself here"),
        (lambda root: os.mkfifo(root / "cardsrc" / "pipe.yaml"), "cardsrc/pipe.yaml",
         "cardsrc/pipe.yaml: is not a regular file (a pipe, socket or device): name a .yaml file"),
        (lambda root: None, "/dev/zero",
         "/dev/zero: is not a regular file (a pipe, socket or device): name a .yaml file"),
    ],
    ids=["directory", "missing-file", "missing-folder", "dangling-symlink", "fifo", "device"],
)
def test_a_source_that_is_not_a_file(
    project: Path, setup: Callable[[Path], None], argument: str, message: str
) -> None:
    setup(project)
    assert_one_error(build(argument), message)


# --- unreadable sources and unwritable output ------------------------------------
def failing_open(should_fail: Callable[[str, str], int | None], *, at_write: bool = False) -> Callable[..., Any]:
    """``open`` that fails like the OS would for chosen paths: at open, or at the first write."""
    real_open = io.open

    def fake_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        code = should_fail(os.fspath(file), mode) if isinstance(file, (str, os.PathLike)) else None
        if code is None:
            return real_open(file, mode, *args, **kwargs)
        if not at_write:
            raise OSError(code, os.strerror(code), os.fspath(file))
        handle = real_open(file, mode, *args, **kwargs)

        def write(data: Any) -> int:
            raise OSError(code, os.strerror(code))  # as the OS does: a failed write names no file

        handle.write = write
        return handle

    return fake_open


def patch_open(monkeypatch: pytest.MonkeyPatch, fake: Callable[..., Any]) -> None:
    monkeypatch.setattr("builtins.open", fake)
    monkeypatch.setattr("io.open", fake)


def write_small(project: Path) -> Path:
    return write_source(project / "cardsrc")


def test_unreadable_source_through_the_os(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_small(project)
    patch_open(monkeypatch, failing_open(lambda path, mode: errno.EACCES if path == SOURCE else None))
    assert_one_error(build(SOURCE), f"{SOURCE}: cannot read this file (permission denied): fix its permissions")


def test_source_with_a_read_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_small(project)
    patch_open(monkeypatch, failing_open(lambda path, mode: errno.EIO if path == SOURCE else None))
    assert_one_error(build(SOURCE), f"{SOURCE}: cannot read this file: Input/output error")


IN_DIST = "dist" + os.sep


@pytest.mark.parametrize(
    ("code", "at_write", "message"),
    [
        (errno.EACCES, False, "dist/small-1.0.0.apkg: cannot write: permission denied: make its folder writable, "
                              "or build into another folder"),
        (errno.EROFS, False, "dist/small-1.0.0.apkg: cannot write: the file system is read-only: "
                             "build into another folder"),
        (errno.ENOSPC, True, "dist/small-1.0.0.apkg: cannot write: no space left on the device: "
                             "free some space and build again"),
        (errno.EDQUOT, True, "dist/small-1.0.0.apkg: cannot write: the disk quota is used up: "
                             "free some space and build again"),
        (errno.EIO, True, "dist/small-1.0.0.apkg: cannot write: Input/output error: check the folder and try again"),
    ],
    ids=["read-only-dist", "read-only-file-system", "full-dist", "over-quota", "io-error"],
)
def test_unwritable_dist_fails_cleanly_and_leaves_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch, code: int, at_write: bool, message: str
) -> None:
    write_small(project)
    (project / "dist").mkdir()
    writes_to_dist = failing_open(lambda path, mode: code if path.startswith(IN_DIST) and "w" in mode else None,
                                  at_write=at_write)
    with monkeypatch.context() as patch:
        patch_open(patch, writes_to_dist)
        assert_one_error(build(SOURCE), message)
    assert leftovers(project) == ["cardsrc", "dist"]  # no lock, no journal, no temporaries
    again = build(SOURCE)  # and the next build, with room again, just works
    assert again.exit_code == 0, again.output


def test_output_folder_that_is_a_file(project: Path) -> None:
    write_small(project)
    (project / "taken").write_text("a file")
    result = build(SOURCE, "--out", "taken/dist")
    assert_one_error(result, "taken/dist/small-1.0.0.apkg: cannot write: part of the path is a file, not a folder: "
                             "build into another folder")
    usage = build(SOURCE, "--out", "taken")
    assert usage.exit_code == 2 and "Directory 'taken' is a file" in usage.stderr


def unknown_keys(count: int) -> bytes:
    return replaced("tags: [testing]\n", "tags: [testing]\n" + "".join(f"unknown{n}: x\n" for n in range(count)))


ALLOWED = ("allowed keys: title, slug, deck, version, description, tags, source, allow_html, additions, tts, lint, "
           "note_types, notes")


@pytest.mark.parametrize(("count", "more"), [
    (50, None),
    (51, "... and 1 more problem"),
    pytest.param(100_000, "... and 99,950 more problems", marks=pytest.mark.slow),  # once 100,000 lines
], ids=["fifty", "fifty-one", "a-hundred-thousand"])
def test_a_flood_of_problems_lists_fifty_and_counts_the_rest(project: Path, count: int, more: str | None) -> None:
    (project / SOURCE).write_bytes(unknown_keys(count))
    shown = range(min(count, 50))
    result = build(SOURCE)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        *(f"Error: {SOURCE}:{6 + n}: unknown key 'unknown{n}' in the deck: {ALLOWED}" for n in shown),
        *([f"Error: {SOURCE}: {more}"] if more else []),
    ]
    assert leftovers(project / "cardsrc") == []
    checked = CliRunner().invoke(cli, ["check", SOURCE])
    assert checked.exit_code == 1
    assert checked.stdout.splitlines() == [
        *(f"{SOURCE}:{6 + n}:1: E101 unknown key 'unknown{n}' in the deck: {ALLOWED}" for n in shown),
        *([f"{SOURCE}: {more}"] if more else []),
    ]
    assert checked.stderr == f"Found {count} errors and 0 warnings in 1 source.\n"


def test_a_damaged_lock_is_an_error_not_a_traceback(project: Path) -> None:
    write_small(project)
    (project / "cardsrc" / "small.lock").write_text('{"format": 1, "slug": "small"')
    result = build(SOURCE)
    assert_one_error(result, "cardsrc/small.lock: the lock is damaged (not JSON: Expecting ',' delimiter: "
                             "line 1 column 30 (char 29)): restore it from version control")


# --- the same through the real OS (root ignores permissions: drop to nobody) --------------
def run_as_nobody() -> list[str] | None:
    """A command prefix running as an unprivileged user, or None when that cannot work here."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "import builder.cli"], capture_output=True,
                           cwd="/", check=False)
    return prefix if probe.returncode == 0 else None


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A scratch project any user can enter (pytest's own tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="hardening-"))
    folder.chmod(0o777)
    write_source(folder / "cardsrc").parent.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def cli_process(prefix: list[str], folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, sys.executable, "-m", "builder", "build", *args], cwd=folder,
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"})


def test_unreadable_source_for_real(open_folder: Path) -> None:
    prefix = run_as_nobody()
    if prefix is None:
        pytest.skip("running as root without setpriv or a project nobody can read: root ignores chmod 000; "
                    "test_unreadable_source_through_the_os covers the error path")
    (open_folder / SOURCE).chmod(0o000)
    done = cli_process(prefix, open_folder, SOURCE)
    assert (done.returncode, done.stdout, done.stderr) == (
        1, "", f"Error: {SOURCE}: cannot read this file (permission denied): fix its permissions\n"
    )


def test_read_only_dist_for_real(open_folder: Path) -> None:
    prefix = run_as_nobody()
    if prefix is None:
        pytest.skip("running as root without setpriv: root writes into read-only folders; "
                    "test_unwritable_dist_fails_cleanly_and_leaves_nothing covers the error path")
    (open_folder / "dist").mkdir(mode=0o555)
    (open_folder / "dist").chmod(0o555)
    done = cli_process(prefix, open_folder, SOURCE)
    assert (done.returncode, done.stdout, done.stderr) == (
        1, "", "Error: dist/small-1.0.0.apkg: cannot write: permission denied: make its folder writable, "
               "or build into another folder\n"
    )
    assert sorted(p.name for p in (open_folder / "cardsrc").iterdir() if p.name != ".builder-cache") == [
        "small.yaml"
    ]


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, filled to the brim: a real full disk, where this machine allows mounting."""
    mount = tmp_path / "full"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root; test_unwritable_dist_fails_cleanly_and_leaves_nothing covers it")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()}); the monkeypatched case covers it")
    try:
        filler = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(filler, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(filler)
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_dist_for_real(project: Path, tiny_tmpfs: Path) -> None:
    write_small(project)
    result = build(SOURCE, "--out", str(tiny_tmpfs))
    assert_one_error(result, f"{tiny_tmpfs}/small-1.0.0.apkg: cannot write: no space left on the device: "
                             "free some space and build again")
    assert sorted(p.name for p in tiny_tmpfs.iterdir()) == ["filler"]
    assert leftovers(project / "cardsrc") == []
    (tiny_tmpfs / "filler").unlink()
    assert build(SOURCE, "--out", str(tiny_tmpfs)).exit_code == 0
