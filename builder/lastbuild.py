"""Recognise a rebuild with nothing to do, without parsing or rendering anything.

A build is a pure function of the source bytes, the lock, the images its
fields pack and the builder's code (:func:`builder.cache.code_version`). After
each build we record a hash of exactly those inputs and what the build left in
the output folder. The next build with the same inputs would release the same
files byte for byte (the lock a build writes is its own fixed point), so when
the hash matches *and* the released .apkg and changelog are still there with
the recorded sha256, there is nothing to do. Anything else, a missing,
damaged or stale record included, means a full build.

The record is read back from disk, so it is checked like any input: it may
only name this deck's own .apkg and changelog in the output folder, and
images inside the source's folder (which are only looked at with ``stat``).
A record that names anything else is ignored.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import NamedTuple

from .cache import code_version, read_checked, write_checked
from .files import NotAFile, read_bytes_or_none, read_plain_file, sha256_or_none
from .layout import last_build_path, release_name


class Released(NamedTuple):
    """What the last build of a source released, as a build summary needs it."""

    apkg: Path
    sha256: str
    version: str
    note_count: int
    card_count: int


class _LastBuild(NamedTuple):
    inputs: str
    apkg_name: str
    sha256: str
    version: str
    note_count: int
    card_count: int
    changelog_name: str
    changelog_sha256: str
    media: tuple[str, ...]


def inputs_hash(source_sha: bytes, lock_file: Path, out_dir: Path, media: tuple[str, ...]) -> str:
    digest = hashlib.sha256(code_version().encode())
    try:
        lock = read_plain_file(lock_file) or b""
    except NotAFile:  # a link or a pipe where the lock belongs: never "unchanged"; the build says what is wrong
        lock = b"\0not a file"
    for part in (source_sha, lock, str(out_dir.resolve()).encode()):
        digest.update(len(part).to_bytes(8, "big") + part)
    for name in media:  # stat, as the renderer does: an image edit changes size or time
        try:
            stat = os.stat(name)
            digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        except OSError:
            digest.update(f"{name}\0missing\0".encode())
    return digest.hexdigest()


_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_MAX_COUNT = 2**31


def _read(source: Path, slug: str) -> _LastBuild | None:
    """The record of the last build of ``source``, or None when it is missing or names what no build of it writes."""
    data = read_checked(last_build_path(source), "last-build")
    try:
        last = _LastBuild(
            _text(data["inputs"]), _text(data["apkg"]), _text(data["sha256"]), _text(data["version"]),
            _count(data["notes"]), _count(data["cards"]), _text(data["changelog"]),
            _text(data["changelog_sha256"]), tuple(_text(name) for name in data["media"]),
        )
    except (TypeError, KeyError, ValueError):
        return None
    folder = str(source.parent.resolve())
    names_ok = (last.apkg_name == release_name(slug, last.version) and _VERSION.fullmatch(last.version)
                and last.changelog_name == f"{slug}-CHANGELOG.md")
    media_ok = all(os.path.isabs(name) and os.path.normpath(name) == name and "\0" not in name
                   and os.path.commonpath((folder, name)) == folder for name in last.media)
    return last if names_ok and media_ok else None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


def _count(value: object) -> int:
    if type(value) is not int or not 0 <= value < _MAX_COUNT:
        raise ValueError("not a count")
    return value


def unchanged_release(source: Path, slug: str, source_sha: bytes, lock_file: Path, out_dir: Path) -> Released | None:
    """The last release of deck ``slug`` when nothing changed since it and its files are intact, else None."""
    last = _read(source, slug)
    if last is None or last.inputs != inputs_hash(source_sha, lock_file, out_dir, last.media):
        return None
    apkg = out_dir / last.apkg_name
    if sha256_or_none(apkg) != last.sha256 or sha256_or_none(out_dir / last.changelog_name) != last.changelog_sha256:
        return None
    return Released(apkg, last.sha256, last.version, last.note_count, last.card_count)


def remember_release(source: Path, source_sha: bytes, lock_file: Path, out_dir: Path, released: Released,
                     changelog: Path, media: tuple[str, ...]) -> None:
    """Note the inputs and outputs of a build that just finished, for :func:`unchanged_release`."""
    changelog_sha256 = sha256_or_none(changelog)
    if changelog_sha256 is None or hashlib.sha256(read_bytes_or_none(source) or b"").digest() != source_sha:
        return  # the source was saved during the build: the next build must look again
    write_checked(last_build_path(source), "last-build", {
        "inputs": inputs_hash(source_sha, lock_file, out_dir, media),
        "apkg": released.apkg.name, "sha256": released.sha256, "version": released.version,
        "notes": released.note_count, "cards": released.card_count,
        "changelog": changelog.name, "changelog_sha256": changelog_sha256, "media": list(media),
    })
