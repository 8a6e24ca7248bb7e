"""Images a field shows: checked, content-hashed and named for the package.

A field names an image by a path relative to its source's folder. Everything
about that path is untrusted: web addresses, absolute paths, other schemes,
``..`` and symbolic links out of the folder, and files whose bytes are not the
image kind their name says are refused with the line to fix.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat as _stat
from functools import lru_cache
from pathlib import Path, PureWindowsPath
from urllib.parse import unquote

from msgspec import Struct

from .errors import Location, MediaError
from .files import kind_of, refused_kind

IMAGE_CODE = "E169"
"""The check code of an image a field shows that the package cannot hold (:func:`pack_image`'s refusals)."""
FOLDER_CODE = "E171"
"""The check code of what a deck's media folder holds that a package cannot (:func:`media_folder_scan`)."""

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def url_scheme(url: str) -> str:
    """The lower-cased scheme of ``url`` ("" for a relative path)."""
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else ""


class MediaFile(Struct, frozen=True):
    """An image to pack: ``name`` is content-hashed so decks and edits never collide."""

    name: str
    source: Path
    where: Location | None = None
    """Where the source shows it (the image's own line), for a clash's message; None for a media folder file."""


_KINDS = {".png": "PNG", ".jpeg": "JPEG", ".jpg": "JPEG", ".gif": "GIF", ".webp": "WebP", ".svg": "SVG"}
_EXTENSION = {kind: suffix for suffix, kind in _KINDS.items()}  # .jpg for JPEG
_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG", b"GIF87a": "GIF", b"GIF89a": "GIF"}


def _sniff(data: bytes) -> str | None:
    """The image kind the bytes say, whatever the file name claims."""
    kind = next((kind for magic, kind in _MAGIC.items() if data.startswith(magic)), None)
    if kind is None and data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        kind = "WebP"
    text = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        kind = "SVG"
    return kind


@lru_cache(maxsize=1024)
def _fingerprint(path: Path, mtime_ns: int, size: int) -> tuple[str | None, str]:
    """Kind and content hash, read once per file version however many cards show it."""
    data = path.read_bytes()
    return _sniff(data), hashlib.sha256(data).hexdigest()[:16]


def pack_image(src: str, where: Location, base_dir: Path) -> MediaFile:
    scheme = url_scheme(src)
    if scheme in ("http", "https", "ftp") or src.startswith("//"):
        raise MediaError(
            IMAGE_CODE,
            f"image {src!r} is a web address, but cards are reviewed offline;"
            " download it into the deck's folder and give its relative path",
            where,
        )
    rel = unquote(src)
    if not rel:
        raise MediaError(IMAGE_CODE, "image has an empty path; give the image file's relative path", where)
    if Path(rel).is_absolute() or PureWindowsPath(rel).anchor:
        raise MediaError(IMAGE_CODE, f"image path {rel!r} is absolute; give it relative to the source's folder "
                         f"{base_dir}", where)
    if scheme:
        raise MediaError(
            IMAGE_CODE,
            f"image {src[:60] + '...' if len(src) > 60 else src!r} is a {scheme}: URL, not a file;"
            f" save the image in the source's folder {base_dir} and give its relative path",
            where,
        )
    try:
        root = base_dir.resolve()
        target = (root / rel).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a NUL byte
        raise MediaError(IMAGE_CODE, f"image path {rel!r} cannot be resolved ({exc}); fix the path", where) from None
    if not target.is_relative_to(root):
        how = "leads" if Path(os.path.normpath(root / rel)).is_relative_to(root) else "goes"
        via = f" through a symbolic link to {target}" if how == "leads" else ""
        raise MediaError(
            IMAGE_CODE,
            f"image path {rel!r} {how} outside the source's folder {root}{via}; copy the image into that folder",
            where,
        )
    if not target.is_file():
        raise MediaError(IMAGE_CODE, _not_an_image_file(rel, target), where)
    suffix = target.suffix.lower()
    try:
        stat = target.stat()
        kind, digest = _fingerprint(target, stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        raise MediaError(IMAGE_CODE, f"image file {rel!r} cannot be read: {exc.strerror}", where) from None
    if kind is None:
        raise MediaError(
            IMAGE_CODE,
            f"image file {rel!r} is not a PNG, JPEG, GIF, WebP or SVG image; save it in one of those formats",
            where,
        )
    if _KINDS.get(suffix) != kind:
        raise MediaError(
            IMAGE_CODE,
            f"image file {rel!r} holds {kind} data but is named {suffix or 'without an extension'};"
            f" rename it to end in {_EXTENSION[kind]} so Anki shows it",
            where,
        )
    # "b-" keeps names clear of Anki's "_" files and of anything Anki itself writes.
    return MediaFile(f"b-{digest}{suffix}", target, where)


MEDIA_KEY = "media/"
"""The lock records each media folder file's hash under ``media/<name>`` among the deck's own hashes."""
MAX_MEDIA_FILE_BYTES = 100 * 1024 * 1024
"""The largest file a media folder may hold (AnkiWeb syncs nothing bigger): a bigger one is refused unread."""
_NAME_BYTES = 255


def media_name_refusal(name: str) -> str | None:
    """Why ``name`` cannot be a media file's name in a package, or None.

    Anki stores media flat, by name: no folder part, nothing a file system
    reads as a path or hides (a leading dot), and a length every one can hold.
    """
    if "/" in name or "\\" in name or "\0" in name:
        return "has a '/', '\\' or NUL in it"
    if name.startswith("."):
        return "starts with a dot (hidden, or a folder's own '.' and '..')"
    if len(name.encode("utf-8", "surrogatepass")) > _NAME_BYTES:
        return f"is longer than {_NAME_BYTES} bytes"
    return None


def _not_an_image_file(rel: str, target: Path) -> str:
    """Why ``target``, which is no regular file, cannot be the image ``rel``: missing, a folder, a pipe..."""
    try:
        what = kind_of(target.stat().st_mode)
    except (OSError, ValueError):
        what = None
    if what is None or what == "a folder":
        found = "not found" if what is None else "is a folder"
        return (f"image file {rel!r} {found} (looked for {target}); check the path, which is relative to the "
                "source's folder")
    return f"image file {rel!r} is {what}, not a regular file ({target}): save the image itself there"


def media_folder_files(folder: Path) -> tuple[MediaFile, ...]:
    """Every file directly in a deck's media folder, by name; none when there is no folder.

    The build's gate over :func:`media_folder_scan`: the first thing it refuses is raised.
    """
    files, refused = media_folder_scan(folder)
    if refused:
        raise refused[0]
    return files


def media_folder_scan(folder: Path) -> tuple[tuple[MediaFile, ...], tuple[MediaError, ...]]:
    """The files directly in a deck's media folder, and everything in it a package cannot hold (E171).

    Nothing is followed: the folder itself, or anything in it, that is a
    symbolic link, a folder or a pipe is refused with one line, as is a name
    Anki could not keep and a file over ``MAX_MEDIA_FILE_BYTES``. ``builder build``
    raises the first refusal (:func:`media_folder_files`), ``builder check``
    reports them all.
    """
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return (), ()
    except OSError as exc:
        return (), (MediaError(FOLDER_CODE, f"the media folder cannot be read: {exc.strerror}", folder),)
    if not _stat.S_ISDIR(info.st_mode):
        what = kind_of(info.st_mode)
        found_here = refused_kind(what) if what == "a symbolic link" else f"{what}, not a folder"
        return (), (MediaError(FOLDER_CODE, f"the media folder is {found_here}: make it a folder of the deck's media "
                               "files", folder),)
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        return (), (MediaError(FOLDER_CODE, f"the media folder cannot be read: {exc.strerror}", folder),)
    found: list[MediaFile] = []
    refused: list[MediaError] = []
    for name in names:
        path = folder / name
        why = media_name_refusal(name)
        if why is not None:
            refused.append(MediaError(FOLDER_CODE, f"the media file name {name!r} {why}: Anki could not keep it; "
                                      "rename or remove it", path))
            continue
        try:
            entry = os.lstat(path)
        except OSError as exc:  # a folder that lists but cannot be searched, or a file gone since the listing
            refused.append(MediaError(FOLDER_CODE, f"cannot be read: {exc.strerror}", path))
            continue
        if not _stat.S_ISREG(entry.st_mode):
            refused.append(MediaError(FOLDER_CODE, f"is {refused_kind(kind_of(entry.st_mode))}: the media folder "
                                      "holds the deck's media files themselves, directly in it", path))
        elif entry.st_size > MAX_MEDIA_FILE_BYTES:
            refused.append(MediaError(FOLDER_CODE, f"is {entry.st_size:,} bytes, more than a media file may be "
                                      f"({MAX_MEDIA_FILE_BYTES:,}): make it smaller", path))
        else:
            found.append(MediaFile(name, path))
    return tuple(found), tuple(refused)


def media_hashes(files: tuple[MediaFile, ...]) -> dict[str, str]:
    """``media/<name>`` -> a hash of its bytes, for the lock: a media file changed is a change to release."""
    hashes: dict[str, str] = {}
    for item in files:
        try:
            info = os.lstat(item.source)
            if not _stat.S_ISREG(info.st_mode):
                raise MediaError(FOLDER_CODE, "is no longer a regular file: build again", item.source)
            hashes[f"{MEDIA_KEY}{item.name}"] = _fingerprint(item.source, info.st_mtime_ns, info.st_size)[1]
        except OSError as exc:
            raise MediaError(FOLDER_CODE, f"cannot be read: {exc.strerror}", item.source) from None
    return hashes
