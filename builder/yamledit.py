"""Edit values of a YAML source in place: the edited values change, every other byte stays.

``builder pull --apply`` writes learners' edits into the author's file, so the
diff must show those edits and nothing else: comments, order, quoting, blank
lines and line endings are kept. YAML libraries rewrite a whole document, so
this module replaces text spans instead: it composes the document (already
validated by the loader) to learn where each value starts and ends and how it is
quoted, writes the new value in the same style or, when that style cannot hold
it, in the nearest one that can (plain -> single-quoted -> literal block ->
double-quoted; folded -> literal -> double-quoted; double-quoted holds
anything), and finally parses the result again: the edited values must read back
exactly and no other value may have moved (:func:`edit_values`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import yaml

from .errors import BuilderError
from .sourceformat import NOTE_KEYS

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_KEY_ORDER = [key.name for key in NOTE_KEYS]
_PLAIN_FIRST = re.compile(r"[-?:,\[\]{}#&*!|>'\"%@`\s]")
_PLAIN_BAD = re.compile(r": |:$| #|\t")
_UNWRITTEN = re.compile("[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029\ufeff]")
"""Characters only double quotes can hold (as escapes): controls, and what YAML reads as a line break."""
_NULL_WORDS = {"", "~", "null", "Null", "NULL"}
Span = tuple[int, int, str]
"""Replace ``text[start:end]`` with the string."""
ReadBack = Callable[[str], dict[str, dict[str, object]]]
"""Parses a whole source into {note id: {key: value}} (and "" for the deck's own values), or raises."""


class EditRefused(Exception):
    """The file cannot take this edit as a minimal change; ``str()`` says why."""


@dataclass(frozen=True)
class ValueEdit:
    """Set ``key`` of note ``note_id``: text (an empty one removes an optional key), or the tag list."""

    note_id: str
    key: str
    value: str | tuple[str, ...]


def edit_values(text: str, edits: Sequence[ValueEdit], read_back: ReadBack) -> str:
    """``text`` with ``edits`` made, checked by ``read_back``; :class:`EditRefused` when that cannot be done."""
    before = read_back(text)
    notes = _note_mappings(text)
    spans: list[Span] = []
    for edit in edits:
        mapping = notes.get(edit.note_id)
        if mapping is None:
            raise EditRefused(f"note '{edit.note_id}' is not in the file")
        spans += _edit_spans(text, mapping, edit)
    for start, end, replacement in sorted(spans, key=lambda span: span[:2], reverse=True):
        text = text[:start] + replacement + text[end:]
    wanted = {note_id: dict(values) for note_id, values in before.items()}
    for edit in edits:
        if edit.value == "":
            wanted[edit.note_id].pop(edit.key, None)
        else:
            wanted[edit.note_id][edit.key] = edit.value
    try:
        after = read_back(text)
    except BuilderError as exc:  # e.g. a tag that now clashes with another (E141)
        raise EditRefused(f"the edited source would not load: {exc}") from None
    if after != wanted:
        raise EditRefused("the edited source would not read back as the old values plus the edit")
    return text


def _note_mappings(text: str) -> dict[str, yaml.MappingNode]:
    root = yaml.compose(text, Loader=_Loader)
    if not isinstance(root, yaml.MappingNode):
        return {}
    notes = next((value for key, value in root.value if key.value == "notes"), None)
    found: dict[str, yaml.MappingNode] = {}
    for item in notes.value if isinstance(notes, yaml.SequenceNode) else ():
        ids = [value.value for key, value in item.value if key.value == "id"]
        if ids:
            found[str(ids[0])] = item
    return found


def _edit_spans(text: str, mapping: yaml.MappingNode, edit: ValueEdit) -> list[Span]:
    if mapping.flow_style:
        raise EditRefused(f"note '{edit.note_id}' is written as a flow mapping {{...}}: edit it by hand")
    entries = {key.value: (key, value) for key, value in mapping.value}
    indent = mapping.value[0][0].start_mark.column
    newline = "\r\n" if "\r\n" in text else "\n"
    if edit.key not in entries:
        if edit.value in ("", ()):
            return []
        before = [value for name, (_, value) in entries.items()
                  if _KEY_ORDER.index(name) < _KEY_ORDER.index(edit.key)]
        at = _line_end(text, _content_end(text, max(before, key=lambda node: node.end_mark.index)))
        return [(at, at, newline.join(_new_entry(edit, indent)) + newline)]
    key, value = entries[edit.key]
    if edit.value == "":
        start = text.rfind("\n", 0, key.start_mark.index) + 1
        return [(start, _line_end(text, _content_end(text, value)), "")]
    if isinstance(edit.value, tuple):
        return _tag_spans(text, value, edit.value, newline)
    if not isinstance(value, yaml.ScalarNode):
        raise EditRefused(f"'{edit.key}' of note '{edit.note_id}' is not text")
    return [_scalar_span(text, value, edit.value, indent, newline)]


def _content_end(text: str, node: yaml.Node) -> int:
    """Where a value's own text ends: a block ends before the blank lines and indentation after it."""
    end = node.end_mark.index
    while end > node.start_mark.index and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def _line_end(text: str, index: int) -> int:
    """Just past the line break of the line ``index`` is on (a comment on it included)."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def _line_stop(text: str, index: int) -> int:
    """Where the line ``index`` is on ends, before its line break."""
    end = text.find("\n", index)
    end = len(text) if end < 0 else end
    return end - 1 if end and text[end - 1] == "\r" else end


def _scalar_span(text: str, node: yaml.ScalarNode, value: str, indent: int, newline: str) -> Span:
    style, start = node.style or "", node.start_mark.index
    if style in ("|", ">"):
        header_end = _line_end(text, start)
        end = _line_end(text, _content_end(text, node))
        lines = [line for line in text[header_end:end].split("\n") if line.strip()]
        width = len(lines[0]) - len(lines[0].lstrip(" ")) if lines else indent + 2
        for candidate in (style, "|") if style == ">" else ("|",):
            body = _block(value, candidate, width, newline)
            if body is not None:
                return start, end, candidate + text[start + 1:header_end] + body
        return start, _line_stop(text, _content_end(text, node)), _double(value)
    for candidate in {"": ("", "'", "|"), "'": ("'", "|"), '"': ()}[style]:
        if candidate == "|":
            body = _block(value, "|", indent + 2, newline)
            if body is not None:
                stop = _line_stop(text, node.end_mark.index)
                return start, stop, "|" + _comment_after(text, node.end_mark.index, stop) + newline + body.removesuffix(
                    newline)
        else:
            written = _inline(value, candidate)
            if written is not None:
                return start, node.end_mark.index, written
    return start, node.end_mark.index, _double(value)


def _comment_after(text: str, index: int, stop: int) -> str:
    """The comment after a one-line value, kept when it becomes a block (``key: |  # why``)."""
    rest = text[index:stop]
    return rest if rest.strip().startswith("#") else ""


def _inline(value: str, style: str) -> str | None:
    """``value`` as a one-line scalar in ``style`` ("" plain, "'" single-quoted), or None if it cannot be."""
    if "\n" in value or "\r" in value or _UNWRITTEN.search(value):
        return None
    if style == "'":
        written = "'" + value.replace("'", "''") + "'"
    elif value in _NULL_WORDS or _PLAIN_FIRST.match(value) or _PLAIN_BAD.search(value) or value != value.strip():
        return None
    else:
        written = value
    try:
        return written if yaml.load(f"k: {written}\n", Loader=yaml.BaseLoader) == {"k": value} else None
    except yaml.YAMLError:
        return None


def _double(value: str) -> str:
    """``value`` double-quoted on one line: the style that holds anything, as escapes."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return '"' + _UNWRITTEN.sub(lambda match: f"\\u{ord(match.group()):04x}", escaped).replace("\r", "\\r") + '"'


def _block(value: str, style: str, width: int, newline: str) -> str | None:
    """The lines of a block scalar (indented by ``width``) that read back as ``value``, or None."""
    if value[:1] in (" ", "\t") or _UNWRITTEN.search(value) or "\r" in value:
        return None
    if style == ">":
        if re.search(r"^[ \t]", value, re.M):
            return None  # more-indented lines are not folded: leave them to a literal block
        value_lines = re.sub(r"\n+", lambda run: "\n" * (len(run.group()) + 1), value).split("\n")
    else:
        value_lines = value.split("\n")
    body = "".join((" " * width + line if line else "") + "\n" for line in value_lines)
    try:
        if yaml.load(f"k: {style}-\n{body}", Loader=yaml.BaseLoader) != {"k": value}:
            return None
    except yaml.YAMLError:
        return None
    return body.replace("\n", newline)


def _tag_text(tag: str) -> str:
    return _inline(tag, "") or _inline(tag, "'") or _double(tag)


def _tag_spans(text: str, node: yaml.Node, tags: tuple[str, ...], newline: str) -> list[Span]:
    """Tags removed and added: a block list loses and gains whole lines, other forms are rewritten."""
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        old = [str(item.value) for item in node.value]
        kept = [tag for tag in tags if tag in old]
        if kept != [tag for tag in old if tag in tags] or tags[: len(kept)] != tuple(kept):
            raise EditRefused("the tags would change order")
        first = node.value[0]
        dash = text[text.rfind("\n", 0, first.start_mark.index) + 1:first.start_mark.index]
        spans: list[Span] = [
            (text.rfind("\n", 0, item.start_mark.index) + 1, _line_end(text, item.end_mark.index), "")
            for item in node.value if str(item.value) not in tags
        ]
        at = _line_end(text, node.value[-1].end_mark.index)
        added = "".join(f"{dash}{_tag_text(tag)}{newline}" for tag in tags[len(kept):])
        return [*spans, (at, at, added)] if added else spans
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    old_text = {str(item.value): text[item.start_mark.index:item.end_mark.index] for item in items}
    source = text[node.start_mark.index:node.end_mark.index]
    separator = "," if isinstance(node, yaml.SequenceNode) and len(items) > 1 and ", " not in source else ", "
    written = [old_text.get(tag) or _tag_text(tag) for tag in tags]
    if not isinstance(node, yaml.SequenceNode) and len(written) == 1:
        return [(node.start_mark.index, node.end_mark.index, written[0])]
    return [(node.start_mark.index, node.end_mark.index, "[" + separator.join(written) + "]")]


def _new_entry(edit: ValueEdit, indent: int) -> list[str]:
    """The lines of a key the note did not have."""
    pad = " " * indent
    if isinstance(edit.value, tuple):
        return [f"{pad}{edit.key}: [{', '.join(map(_tag_text, edit.value))}]"]
    one_line = _inline(edit.value, "") or _inline(edit.value, "'")
    if one_line is not None:
        return [f"{pad}{edit.key}: {one_line}"]
    body = _block(edit.value, "|", indent + 2, "\n")
    if body is None:
        return [f"{pad}{edit.key}: {_double(edit.value)}"]
    return [f"{pad}{edit.key}: |", *body.removesuffix("\n").split("\n")]
