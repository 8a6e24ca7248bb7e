"""Safe YAML reading that keeps every value's line.

We never let PyYAML construct Python objects: we walk its *event stream* with
an explicit stack and build a tiny located tree ourselves. That one loop is
what makes the rest of the project safe and precise:

* every scalar stays text (no YAML 1.1 surprises: ``no`` is not ``False``,
  ``1.10`` is not ``1.1``), and every node knows its line and column;
* duplicate mapping keys are errors (PyYAML silently keeps the last one, which
  would drop a typo'd copy of a note);
* anchors, aliases and explicit tags (``!!python/object``) are refused, so
  "billion laughs" and object construction cannot happen;
* nesting depth and file size are bounded, without recursion.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

import yaml
from msgspec import Struct, field

from .errors import Location, SourceError
from .files import no_follow

MAX_SOURCE_BYTES = 64 * 1024 * 1024
"""Largest source accepted: a 50,000-note deck is about 12 MB."""

MAX_DEPTH = 12
"""Deepest nesting accepted; the format itself needs five levels."""

_TOO_LARGE = f"is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MiB: split it into several decks"
_STR_TAG = "tag:yaml.org,2002:str"
_NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})

try:  # the C parser is ~4x faster; the pure one gives identical events
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


class Scalar(Struct):
    """A text value; ``is_null`` for an empty or ``~``/``null`` plain scalar."""

    text: str
    line: int
    column: int
    is_null: bool = False
    content_line: int = 0
    """Line of the first content line (the next line for ``|`` and ``>`` blocks)."""


# gc=False here and on Mapping: one per YAML list or mapping, each in a tree (anchors and aliases are
# refused), so never in a cycle. (A Scalar holds text and numbers only: msgspec never tracks it.)
class Sequence(Struct, gc=False):
    items: list[Node]
    line: int
    column: int


class Mapping(Struct, gc=False):
    items: dict[str, Node]
    line: int
    column: int
    key_lines: dict[str, tuple[int, int]] = field(default_factory=dict)


Node = Scalar | Sequence | Mapping


def open_source(path: Path) -> BinaryIO:
    """Open a source for reading, or raise the error a user can act on.

    Every command reads its sources through here (the build also opens the source
    through here to lock it, so a missing file or a directory reads as such and
    not as a failed write). A source may come from anyone's pull request, so a
    symbolic link is never followed (``O_NOFOLLOW``, as for locks and media): a
    ``cardsrc/*.yaml`` that leads to ``/etc/passwd`` or a file of secrets outside
    the project is refused unread, not reported key by key in a CI log.
    """
    try:
        handle = open(path, "rb", opener=_no_follow)  # noqa: SIM115 - the caller closes it
    except FileNotFoundError:
        raise SourceError("no such file: check the path", path) from None
    except IsADirectoryError:
        raise SourceError(_DIRECTORY, path) from None
    except PermissionError:
        raise SourceError("cannot read this file (permission denied): fix its permissions", path) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SourceError(_SYMBOLIC_LINK, path) from None
        raise SourceError(f"cannot read this file: {exc.strerror or exc}", path) from None
    try:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):  # a pipe would block a read forever, a device never end
            raise SourceError("is not a regular file (a pipe, socket or device): name a .yaml file", path)
    except BaseException:
        handle.close()
        raise
    return handle


def _no_follow(path: str, flags: int) -> int:
    """:func:`builder.files.no_follow`, without waiting on a pipe either (refused once open)."""
    return no_follow(path, flags | os.O_NONBLOCK)


_DIRECTORY = "is a directory, not a YAML source: name a .yaml file"
_SYMBOLIC_LINK = ("is a symbolic link, which builder never reads through (a source may come from anyone): "
                 "put the source file itself here")


def read_source_bytes(handle: BinaryIO, path: Path) -> bytes:
    """A source's bytes from an open handle, refusing an oversized one from its size, unread."""
    try:
        size = os.fstat(handle.fileno()).st_size  # 0 for pipes and the like: then read up to the limit
        if size > MAX_SOURCE_BYTES:  # refused unread: no time, no memory
            raise SourceError(_TOO_LARGE, path)
        data = handle.read(min(size or MAX_SOURCE_BYTES, MAX_SOURCE_BYTES) + 1)
    except OSError as exc:  # e.g. EIO, or EISDIR where is_dir() raced
        raise SourceError(f"cannot read this file: {exc.strerror or exc}", path) from None
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(_TOO_LARGE, path)
    return data


def read_source_text(path: Path, data: bytes | None = None) -> str:
    """A source as UTF-8 text (a BOM is allowed) with errors a user can act on.

    ``data`` is the source's bytes when the caller read them already (a build
    hashes the very bytes it builds, so an edit saved meanwhile cannot slip in).
    """
    if data is None:
        try:
            with open_source(path) as handle:
                data = read_source_bytes(handle, path)
        except OSError as exc:
            raise SourceError(f"cannot read this file: {exc.strerror or exc}", path) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(
            f"is not valid UTF-8 (byte 0x{data[exc.start]:02x}): save the file as UTF-8",
            Location(path, line),
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise SourceError("contains a NUL character: remove it", Location(path, line))
    if not text.strip():
        raise SourceError("is empty: a source needs deck metadata and notes (see docs/authoring.md)", path)
    return text


def parse(text: str, path: Path) -> Node:
    """Parse one YAML document into located nodes, refusing anything unsafe."""
    loader = _Loader(text)
    try:
        return _build(loader.get_event, path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        column = mark.column + 1 if mark is not None else 0
        problem = exc.problem or exc.context or "invalid YAML"
        raise SourceError(f"invalid YAML: {problem}", Location(path, line, column)) from None
    except yaml.reader.ReaderError as exc:  # carries a byte offset, not a line
        raise _unprintable(text, exc.character, path) from None
    except yaml.YAMLError as exc:
        raise SourceError(f"invalid YAML: {' '.join(str(exc).split())}", path) from None
    finally:
        loader.dispose()


def _unprintable(text: str, character: int | str, path: Path) -> SourceError:
    """Where the first character YAML refuses is; earlier copies of it would have been reported."""
    char = chr(character) if isinstance(character, int) else character
    offset = max(text.find(char), 0)
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    return SourceError(
        f"contains the control character U+{ord(char):04X}, which YAML does not allow: remove it",
        Location(path, line, column),
    )


def _here(path: Path, event: yaml.Event) -> Location:
    mark = event.start_mark
    return Location(path) if mark is None else Location(path, mark.line + 1, mark.column + 1)


_SKIPPED = frozenset({yaml.StreamStartEvent, yaml.DocumentEndEvent})
_ENDS = frozenset({yaml.SequenceEndEvent, yaml.MappingEndEvent})
_BLOCK_STYLES = frozenset({"|", ">"})


def _build(next_event: Callable[[], Any], path: Path) -> Node:  # noqa: C901 - one flat state machine
    """The loop every byte of a source goes through, so it is written for speed.

    Events are taken straight from the parser (no generator), dispatched on
    their exact class with the commonest first, and a scalar is put into its
    parent here rather than through :func:`_attach`; any unusual case (an
    anchor, a tag, a key that is not text, a duplicate key) takes the slow,
    explicit path that reports it.
    """
    stack: list[Sequence | Mapping] = []
    pending_keys: list[str | None] = []
    root: Node | None = None
    documents = 0
    scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    stream_end, document_start = yaml.StreamEndEvent, yaml.DocumentStartEvent
    parent: Sequence | Mapping | None = None
    while True:
        event = next_event()
        kind = type(event)
        if kind is scalar_event:
            tag = event.tag
            if event.anchor or (tag is not None and tag != "!" and tag != _STR_TAG):
                _refuse_anchor_or_tag(event, path)
            mark = event.start_mark
            line = mark.line + 1
            style = event.style
            value = event.value
            node = Scalar(
                value,
                line,
                mark.column + 1,
                (style is None or style == "") and tag is None and value in _NULL_WORDS,
                line + 1 if style in _BLOCK_STYLES else line,
            )
            if type(parent) is Mapping:
                key = pending_keys[-1]
                if key is None:
                    if value in parent.items:
                        _attach(stack, pending_keys, node, path)  # raises: duplicate key
                    parent.key_lines[value] = (line, node.column)
                    pending_keys[-1] = value
                else:
                    parent.items[key] = node
                    pending_keys[-1] = None
            elif type(parent) is Sequence:
                parent.items.append(node)
            else:
                root = node
            continue
        if kind in _ENDS:
            done = stack.pop()
            pending_keys.pop()
            parent = stack[-1] if stack else None
            root = _attach(stack, pending_keys, done, path) or root
            continue
        if kind is mapping_start or kind is sequence_start:
            if event.anchor or (event.tag is not None and event.tag != "!" and event.tag != _STR_TAG):
                _refuse_anchor_or_tag(event, path)
            if len(stack) >= MAX_DEPTH:
                raise SourceError(
                    f"nests deeper than {MAX_DEPTH} levels: the format never needs that", _here(path, event)
                )
            mark = event.start_mark
            if kind is mapping_start:
                parent = Mapping({}, mark.line + 1, mark.column + 1)
            else:
                parent = Sequence([], mark.line + 1, mark.column + 1)
            stack.append(parent)
            pending_keys.append(None)
            continue
        if kind in _SKIPPED:
            continue
        if kind is document_start:
            documents += 1
            if documents > 1:
                raise SourceError("holds more than one YAML document: keep one deck per file", _here(path, event))
            continue
        if kind is stream_end or event is None:
            break
        _refuse_anchor_or_tag(event, path)  # an alias: the only event left
    if root is None:
        raise SourceError("is empty: a source needs deck metadata and notes (see docs/authoring.md)", path)
    return root


def _refuse_anchor_or_tag(event: yaml.Event, path: Path) -> NoReturn:
    if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
        raise SourceError("uses a YAML anchor or alias (& or *): write the value out in full", _here(path, event))
    tag = str(getattr(event, "tag", ""))
    raise SourceError(
        f"uses the YAML tag {tag.replace('tag:yaml.org,2002:', '!!')}: tags are not allowed, write plain values",
        _here(path, event),
    )


def _attach(
    stack: list[Sequence | Mapping], pending_keys: list[str | None], node: Node, path: Path
) -> Node | None:
    """Put a finished node into its parent; return it when it is the document root."""
    if not stack:
        return node
    parent = stack[-1]
    if isinstance(parent, Sequence):
        parent.items.append(node)
        return None
    key = pending_keys[-1]
    if key is None:
        if not isinstance(node, Scalar):
            raise SourceError("a mapping key must be plain text", Location(path, node.line, node.column))
        if node.text in parent.items:
            first = parent.key_lines[node.text][0]
            raise SourceError(
                f"duplicate key '{node.text}' (first on line {first}): "
                "remove or rename one, YAML would silently keep only the last",
                Location(path, node.line, node.column),
            )
        parent.key_lines[node.text] = (node.line, node.column)
        pending_keys[-1] = node.text
        return None
    parent.items[key] = node
    pending_keys[-1] = None
    return None


def load(path: Path, data: bytes | None = None) -> Node:
    """Read (unless its bytes are given) and parse one source file."""
    return parse(read_source_text(path, data), path)
