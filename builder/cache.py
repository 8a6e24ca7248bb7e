"""What earlier builds learned, kept beside the source so the next build is fast.

Rendering Markdown is most of a build's time, and authors rebuild after every
small edit, so rendered fields are remembered by a hash of their text in
``<source folder>/.builder-cache/`` (never committed). The cache can only make
a build faster, never different:

* every file carries the builder's *code version* (its own source files and
  the libraries whose output ends up in the package), so a new builder, a
  patched renderer or an upgraded Pygments starts from an empty cache;
* every file carries an HMAC-SHA256 of its body under a random key kept
  outside the project (:func:`cache_key`), so a truncated, half-written or
  otherwise damaged file is ignored (and rewritten) rather than trusted, and
  so is one this machine's builder did not write: a cache committed to a pull
  request, or copied from another machine, could otherwise put any HTML
  (scripts included) into the cards, past the renderer and its escaping;
* the folder and its files are never followed through a symbolic link, to
  read or to write, and must be a plain folder and plain files;
* only fields without images are kept: an image is packed by content, which
  can change under an unchanged field.

Reading or writing the cache never fails a build: a folder that cannot be
written simply means no cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
import sys
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from .errors import Location
from .files import NotAFile, atomic_write, read_plain_file, temporary_for
from .layout import renders_path
from .render import Remembered, RenderedLike, Renderer

_MAGIC = b"builder-cache"
_FORMAT = 1
_KEY_BYTES = 32
_OUTPUT_LIBRARIES = ("genanki", "markdown_it", "mdit_py_plugins", "nh3", "pygments", "yaml")
"""Libraries whose behaviour shapes what a build writes."""


@cache
def code_version() -> str:
    """A hash of everything besides the inputs that decides a build's bytes.

    Builder's own source files and where each output library is installed,
    each by path, size and modification time (the test Python itself uses to
    know a ``.pyc`` is stale: an edit or an upgrade rewrites the file), and the
    Python, SQLite and zlib versions. Found without importing the libraries or
    reading builder's 500 KB of code, which took 4 ms of every build.
    """
    import sqlite3
    import zlib

    digest = hashlib.sha256()
    package = Path(__file__).parent
    for name in sorted(name for name in os.listdir(package) if name.endswith(".py")):
        own = os.stat(package / name)
        digest.update(f"{name}:{own.st_size}:{own.st_mtime_ns}\0".encode())
    for name in _OUTPUT_LIBRARIES:
        spec = find_spec(name)
        origin = spec.origin if spec is not None else None
        stat = os.stat(origin) if origin else None
        digest.update(f"{name}:{origin}:{stat and stat.st_size}:{stat and stat.st_mtime_ns}\0".encode())
    digest.update(f"{sys.version}:{sqlite3.sqlite_version}:{zlib.ZLIB_RUNTIME_VERSION}".encode())
    return digest.hexdigest()


def cache_key(*, create: bool = False) -> bytes | None:
    """This machine's key for cache files (made on first write); None when there is none or it cannot be kept.

    It lives in the user's own cache folder (``$XDG_CACHE_HOME/builder`` or
    ``~/.cache/builder``), never in the project, so no one who can only send
    files (a pull request, a copied folder) can sign a cache file this builder
    will trust. Without a key there is simply no cache.
    """
    try:
        root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(root) / "builder" / "cache-key"
        key = read_plain_file(path)
        if key is None and create:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            temp = temporary_for(path)
            try:
                with open(temp, "wb", opener=_private_new_file) as handle:
                    handle.write(secrets.token_bytes(_KEY_BYTES))
                with contextlib.suppress(FileExistsError):
                    os.link(temp, path)  # never replaces a key another build made meanwhile
            finally:
                with contextlib.suppress(OSError):
                    temp.unlink()
            key = read_plain_file(path)
    except (OSError, RuntimeError, KeyError, NotAFile):  # no home folder, read-only, a link planted there
        return None
    return key if key is not None and len(key) == _KEY_BYTES else None


def _private_new_file(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


def _signature(key: bytes, header: bytes, body: bytes) -> bytes:
    return hmac.new(key, header + b"\n" + body, hashlib.sha256).hexdigest().encode()


def _plain_folder(folder: Path) -> bool:
    """``folder`` is a folder of its own, not a symbolic link to one (which would lead writes anywhere)."""
    try:
        return stat.S_ISDIR(os.lstat(folder).st_mode)
    except OSError:
        return False


def read_checked(path: Path, kind: str) -> Any:
    """The JSON body of a cache file written by :func:`write_checked` on this machine, or None.

    None too when the file is missing, damaged, of another builder, signed with
    another key, or not a plain file in a plain folder.
    """
    key = cache_key()
    if key is None or not _plain_folder(path.parent):
        return None
    try:
        data = read_plain_file(path)
        if data is None:
            return None
        header, body = data.split(b"\n", 1)
        magic, found_kind, found_format, code, signature = header.split(b" ")
        if (magic, found_kind, found_format) != (_MAGIC, kind.encode(), str(_FORMAT).encode()):
            return None
        signed = b" ".join((magic, found_kind, found_format, code))
        if code.decode() != code_version() or not hmac.compare_digest(_signature(key, signed, body), signature):
            return None
        return json.loads(body)
    except (OSError, ValueError, NotAFile):  # unreadable, truncated, not JSON, not UTF-8, a link or a pipe
        return None


def write_checked(path: Path, kind: str, payload: object) -> None:
    """Write a cache file atomically (best effort: a cache that cannot be written is no cache)."""
    key = cache_key(create=True)
    if key is None:
        return
    # ASCII JSON: a one-byte-per-character string, so a big deck's cache is not held three times over.
    body = json.dumps(payload, separators=(",", ":")).encode("ascii")
    signed = b" ".join((_MAGIC, kind.encode(), str(_FORMAT).encode(), code_version().encode()))
    header = signed + b" " + _signature(key, signed, body)
    try:
        with contextlib.suppress(FileExistsError):
            path.parent.mkdir()
        if _plain_folder(path.parent):
            atomic_write(path, (header + b"\n", body), durable=False)  # a cache lost to a power cut is no loss
    except OSError:
        pass


class CachedRenderer(Renderer):
    """A :class:`Renderer` that remembers, across builds, what it rendered for one source."""

    def __init__(self, path: Path, *, unsafe_html: bool = False) -> None:
        super().__init__(unsafe_html=unsafe_html)
        self.path = path
        stored = read_checked(path, "renders")
        fields = stored.get("fields") if isinstance(stored, dict) else None
        valid = isinstance(fields, dict) and all(isinstance(html, str) for html in fields.values())
        self._stored: dict[str, str] = fields if valid else {}  # type: ignore[assignment]
        css = stored.get("css") if isinstance(stored, dict) else None
        self._css: str | None = css if isinstance(css, str) else None
        self._used: dict[str, str] = {}
        self.hits = self.misses = 0

    @classmethod
    def for_source(cls, source: Path, *, unsafe_html: bool = False) -> CachedRenderer:
        return cls(renders_path(source), unsafe_html=unsafe_html)

    def field(self, text: str, where: Location, *, base_dir: Path, allow_html: bool = False) -> RenderedLike:
        # The mode is in the key: a sanitised render must never be taken for a raw one, or the reverse.
        key = hashlib.blake2b(f"{self.html_mode(allow_html)}\0{text}".encode(), digest_size=16).hexdigest()
        html = self._used.get(key)
        if html is None:
            html = self._stored.get(key)
        if html is not None:
            self.hits += 1
            self._used[key] = html
            return Remembered(html)
        self.misses += 1
        rendered = super().field(text, where, base_dir=base_dir, allow_html=allow_html)
        if not rendered.media:
            self._used[key] = rendered.html
        return rendered

    def css(self) -> str:
        if self._css is None:
            self._css = super().css()
            self.misses += 1
        return self._css

    def save(self) -> None:
        """Keep exactly what this build used, so the file never grows past the deck."""
        if self.misses or self._used.keys() != self._stored.keys():
            write_checked(self.path, "renders", {"css": self._css, "fields": self._used})
