"""Careful file access: crash-safe writes, a build lock, and reads that follow no link.

Each write goes to a hidden temporary file in the target's own folder (same
file system, so the rename is atomic) and is flushed to disk before it is
renamed over the target; a reader sees the old file or the new one, never
half. Every temporary builder writes takes one name (:func:`temporary_for`),
so a killed build's leftovers are known by it. The caches in
``.builder-cache/`` skip the flush: losing one costs a slower build, no more. Releases that replace several files at
once build on this in :mod:`builder.journal`.

Everything builder reads back (journal, lock, cache) may have been planted by
someone else, for instance committed next to a deck in a pull request. So
files are opened with ``O_NOFOLLOW`` (a symbolic link named like ours is never
followed, neither to read nor to write through it) and must be regular files
(a pipe or ``/dev/zero`` planted under our name cannot hang a build).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from .errors import ReleaseError

TEMP_MARK = ".builder-tmp-"
JOURNAL_MARK = ".builder-journal"
LOCK_MARK = ".builder-lock"


def temporary_for(path: Path) -> Path:
    """The one name every temporary of ``path`` takes: hidden, beside it, marked, with this process's id."""
    return path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}")


def no_follow(path: str, flags: int) -> int:
    """An ``opener`` for :func:`open` that refuses to open through a symbolic link."""
    return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)


def write_synced(path: Path, data: bytes | tuple[bytes, ...], *, durable: bool = True) -> None:
    """Write ``data`` (or its parts, one after the other) to ``path``, on disk before this returns if ``durable``."""
    try:
        with open(path, "wb", opener=no_follow) as handle:
            for part in (data,) if isinstance(data, bytes) else data:
                handle.write(part)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
    except OSError as exc:
        if exc.filename is None:  # a failed write (a full disk) names no file: say which one
            exc.filename = os.fspath(path)
        raise


def sync_folder(folder: Path) -> None:
    """Make renames and unlinks in ``folder`` durable (a power cut, not just a kill)."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def atomic_write(path: Path, data: bytes | tuple[bytes, ...], *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` (or its parts) whole: a reader sees the old file or the new one, never half.

    The temporary (:func:`temporary_for`) is removed on any failure. ``durable``
    also flushes the file and its folder to disk, so the write survives a power
    cut; a cache, which can only speed a build up, skips that cost.
    """
    temp = temporary_for(path)
    try:
        write_synced(temp, data, durable=durable)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    if durable:
        sync_folder(path.parent)


def kind_of(mode: int) -> str:
    """What a path of this ``st_mode`` is, in a message's words: 'a symbolic link', 'a folder', 'a pipe', ..."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a file"


def refused_kind(what: str) -> str:
    """Why a path that is ``what`` is not read, for a message: a link is never followed; anything else is no file."""
    return f"{what}, which builder never follows" if what == "a symbolic link" else f"{what}, not a regular file"


class NotAFile(Exception):
    """A path we would read is something other than a plain file; ``what`` says what, for a message."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def read_plain_file(path: Path, limit: int | None = None) -> bytes | None:
    """The bytes of the regular file at ``path``, or None when there is none.

    Raises :class:`NotAFile` for a symbolic link, a folder, a pipe, socket or device,
    or a file larger than ``limit`` bytes: it is never followed or read.
    """
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotAFile("a symbolic link") from None
        raise
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(kind_of(info.st_mode))
        if limit is not None and info.st_size > limit:
            raise NotAFile(f"larger than {limit:,} bytes")
        with open(handle, "rb", closefd=False) as file:
            return file.read()
    finally:
        os.close(handle)


def sha256_or_none(path: Path) -> str | None:
    """The sha256 of the plain file at ``path``; None when there is none (or a link, a pipe, a folder)."""
    try:
        data = read_plain_file(path)
    except NotAFile:
        return None
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
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (created as needed) while building.

    Two builds of one deck then run one after the other instead of racing on
    the lock and the release. The lock is taken on a file of its own, never on
    the source: an editor's atomic save or a ``git checkout`` gives the source
    a new inode, and a lock on the old one would no longer keep a second build
    out. The file is deleted when the build ends, while still locked; a build
    that was waiting on the deleted file then sees that the name no longer
    leads to the file it locked and starts over on the current one, so two
    builds never hold "the" lock at once.
    """
    while True:
        try:
            handle = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _not_our_lock(lock_file, "a symbolic link") from None
            raise
        try:
            locked = os.fstat(handle)
            if not stat.S_ISREG(locked.st_mode):
                raise _not_our_lock(lock_file, kind_of(locked.st_mode))
            fcntl.flock(handle, fcntl.LOCK_EX)
            if _same_file(lock_file, locked):
                break
        except BaseException:
            os.close(handle)
            raise
        os.close(handle)  # the build before us deleted it: lock the file that is there now
    try:
        yield
    finally:
        try:
            _unlink_even_if_interrupted(lock_file)
        finally:
            os.close(handle)  # releases the lock


def _unlink_even_if_interrupted(path: Path) -> None:
    """Delete ``path``; a Ctrl-C arriving just then is passed on once the file is gone, never instead."""
    try:
        os.unlink(path)
    except KeyboardInterrupt:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    except OSError:
        pass


def _same_file(path: Path, opened: os.stat_result) -> bool:
    try:
        now = os.lstat(path)
    except FileNotFoundError:
        return False
    return (now.st_dev, now.st_ino) == (opened.st_dev, opened.st_ino)


def _not_our_lock(path: Path, what: str) -> ReleaseError:
    return ReleaseError(f"this is {what} where builder keeps its build lock: delete it, then build again", path)


def read_bytes_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
