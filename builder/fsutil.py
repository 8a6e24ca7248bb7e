"""Crash-safe file writes: a reader sees the old file or the new one, never half.

Each write goes to a hidden temporary file in the target's own folder (same
file system, so the rename is atomic), is flushed to disk, then renamed over
the target. A build killed at any moment leaves only such temporaries, which
the next build of the same deck removes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

TEMP_MARK = ".builder-tmp-"


def atomic_write(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def remove_stale_temporaries(folder: Path, name_prefix: str) -> None:
    """Delete temporaries a killed build of this deck left behind."""
    if not folder.is_dir():
        return
    for item in folder.glob(f".{name_prefix}*{TEMP_MARK}*"):
        with contextlib.suppress(OSError):
            item.unlink()


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (the deck's source) while building.

    Two builds of one deck then run one after the other instead of racing on
    the lock and the release; the source file itself is never written.
    """
    with open(path, "rb") as handle:
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
