"""Crash-safe file writes: a reader sees the old files or the new ones, never half.

Each write goes to a hidden temporary file in the target's own folder (same
file system, so the rename is atomic) and is flushed to disk before it is
renamed over the target. One rename is atomic, but a release replaces several
files in two folders (the .apkg and changelog in ``dist/``, the lock beside the
source), and a build killed between two renames would leave a mix. So
:func:`replace_together` first writes every temporary, then a small journal
naming the renames, then renames the *commit file* (the lock) first and the
others after it. :func:`finish_interrupted`, run by the next build before it
reads anything, rolls a committed release forward (the lock already describes
it) and an uncommitted one back (nothing under a final name was touched yet).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

TEMP_MARK = ".builder-tmp-"
JOURNAL_MARK = ".builder-journal"


def temporary_for(path: Path) -> Path:
    return path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}")


def _write_synced(path: Path, data: bytes) -> None:
    try:
        with open(path, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        if exc.filename is None:  # a failed write (a full disk) names no file: say which one
            exc.filename = os.fspath(path)
        raise


def _sync_folder(folder: Path) -> None:
    """Make renames and unlinks in ``folder`` durable (a power cut, not just a kill)."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def atomic_write(path: Path, data: bytes) -> None:
    temp = temporary_for(path)
    try:
        _write_synced(temp, data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_folder(path.parent)


def replace_together(files: Sequence[tuple[Path, bytes]], journal: Path) -> None:
    """Replace every ``(path, data)`` as one change; ``files[0]`` is the commit point.

    Until the first file is renamed a crash leaves all old files (plus
    temporaries); from then on :func:`finish_interrupted` completes the rest.
    """
    temps: list[Path] = []
    try:
        for path, data in files:
            temps.append(temporary_for(path))
            _write_synced(temps[-1], data)
        here = journal.parent
        record = {
            "commit_sha256": hashlib.sha256(files[0][1]).hexdigest(),
            "renames": [
                [os.path.relpath(temp, here), os.path.relpath(path, here)]
                for temp, (path, _) in zip(temps, files, strict=True)
            ],
        }
        atomic_write(journal, json.dumps(record, indent=1).encode("utf-8"))
    except BaseException:
        for temp in temps:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise
    os.replace(temps[0], files[0][0])  # the commit: from here on the change is rolled forward
    finish_interrupted(journal)


def finish_interrupted(journal: Path) -> None:
    """Complete or undo the change ``journal`` describes, then delete it; no journal, no-op."""
    try:
        record = json.loads(journal.read_bytes())
        commit_sha = str(record["commit_sha256"])
        renames = [(journal.parent / temp, journal.parent / final) for temp, final in record["renames"]]
    except FileNotFoundError:
        return
    except (OSError, ValueError, KeyError, TypeError):
        journal.unlink()  # a journal is only ever written whole: this one is not ours
        return
    commit_file = renames[0][1]
    committed = sha256_or_none(commit_file) == commit_sha
    for temp, final in renames:
        if committed and temp.exists():
            os.replace(temp, final)
        else:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
    for folder in {final.parent for _, final in renames}:
        _sync_folder(folder)
    journal.unlink()
    _sync_folder(journal.parent)


def sha256_or_none(path: Path) -> str | None:
    data = read_bytes_or_none(path)
    return None if data is None else hashlib.sha256(data).hexdigest()


def remove_stale_temporaries(folder: Path, final_name: re.Pattern[str]) -> None:
    """Delete temporaries a killed build left for files whose name matches ``final_name``.

    Matching the whole final name (not a prefix) keeps deck ``a`` from deleting
    the temporaries of deck ``a-b`` while that one is being built.
    """
    if not folder.is_dir():
        return
    pattern = re.compile(rf"\.({final_name.pattern}){re.escape(TEMP_MARK)}\d+")
    for item in folder.iterdir():
        if pattern.fullmatch(item.name):
            with contextlib.suppress(OSError):
                item.unlink()


@contextlib.contextmanager
def exclusive(handle: BinaryIO) -> Iterator[None]:
    """Hold an exclusive lock on an open file (the deck's source) while building.

    Two builds of one deck then run one after the other instead of racing on
    the lock and the release; the source file itself is never written.
    """
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def read_bytes_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
