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

import yaml
from msgspec import Struct

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
_FLOW_BAD = re.compile(r"[,\[\]{}]")
"""What a plain value cannot hold inside a flow mapping ``{...}``."""
_NULL_WORDS = {"", "~", "null", "Null", "NULL"}
Span = tuple[int, int, str]
"""Replace ``text[start:end]`` with the string."""
ReadBack = Callable[[str], dict[str, dict[object, object]]]
"""Parses a whole source into {note id: {key: value}} (and "" for the deck's own values), or raises; a key
is a note's key (``"answer"``) or a path into it (``("fields", "Front")``), as :class:`ValueEdit` names them."""


class EditRefused(Exception):
    """The file cannot take this edit as a minimal change; ``str()`` says why."""


class ValueEdit(Struct, frozen=True):
    """Set ``key`` of note ``note_id``: text (an empty one removes an optional key), or the tag list.

    A tuple ``key`` is a path into the note: ``("fields", "Front")`` for a field of a declared note type,
    ``("fields", "Back", "html")`` for a raw HTML one. Removing the last key of a mapping removes the
    mapping's own entry (``Back: {html: ...}`` goes whole); setting a key under a scalar makes that
    scalar a mapping (Markdown ``Back: text`` becomes ``Back: {html: ...}``).
    """

    note_id: str
    key: str | tuple[str, ...]
    value: str | tuple[str, ...]
    exact: bool = False
    """Raw HTML: the value must read back byte for byte, line breaks at its end included."""
    order: tuple[str, ...] = ()
    """Where a key its mapping lacks goes: after the keys before it in this order (default: a note's keys)."""

    @property
    def path(self) -> tuple[str, ...]:
        return (self.key,) if isinstance(self.key, str) else self.key


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
        values = wanted[edit.note_id]
        for length in range(1, len(edit.path)):  # a scalar that becomes a mapping reads back no more
            values.pop(edit.path[:length], None)
        if edit.value == "":
            values.pop(edit.key, None)
        else:
            values[edit.key] = edit.value
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


def _edit_spans(text: str, note: yaml.MappingNode, edit: ValueEdit) -> list[Span]:
    if note.flow_style:
        raise EditRefused(f"note '{edit.note_id}' is written as a flow mapping {{...}}: edit it by hand")
    newline = "\r\n" if "\r\n" in text else "\n"
    path, mapping = edit.path, note
    owners: list[tuple[yaml.MappingNode, yaml.Node]] = []  # each mapping on the way and its key in its owner
    for depth, part in enumerate(path[:-1]):
        entry = _entry(mapping, part)
        if entry is None:
            return _added(text, mapping, path[depth:], edit, newline)
        key, value = entry
        if isinstance(value, yaml.ScalarNode) and depth == len(path) - 2 and edit.value not in ("", ()):
            return [_to_mapping(text, mapping, key, value, path[-1], edit, newline)]
        if not isinstance(value, yaml.MappingNode):
            raise EditRefused(f"'{part}' of note '{edit.note_id}' is not a mapping")
        owners.append((mapping, key))
        mapping = value
    entry = _entry(mapping, path[-1])
    if entry is None:
        return [] if edit.value in ("", ()) else _added(text, mapping, path[-1:], edit, newline)
    key, value = entry
    if edit.value == "":
        while len(mapping.value) == 1 and owners:  # the mapping would be left empty: its own entry goes
            mapping, key = owners.pop()
            value = _entry(mapping, str(key.value))[1]  # type: ignore[index]
        if mapping.flow_style:
            raise EditRefused(f"'{path[-1]}' of note '{edit.note_id}' is in a flow mapping {{...}}: edit it by hand")
        start = text.rfind("\n", 0, key.start_mark.index) + 1
        return [(start, _line_end(text, _content_end(text, value)), "")]
    if isinstance(edit.value, tuple):
        return _tag_spans(text, value, edit.value, newline)
    if not isinstance(value, yaml.ScalarNode):
        raise EditRefused(f"'{path[-1]}' of note '{edit.note_id}' is not text")
    indent = mapping.value[0][0].start_mark.column
    return [_scalar_span(text, value, edit.value, indent, newline, exact=edit.exact, flow=bool(mapping.flow_style))]


def _entry(mapping: yaml.MappingNode, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    return next(((key, value) for key, value in mapping.value if key.value == name), None)


def _added(text: str, mapping: yaml.MappingNode, rest: tuple[str, ...], edit: ValueEdit, newline: str) -> list[Span]:
    """A key (and the mappings ``rest`` leads through) that ``mapping`` lacks, placed by ``edit.order``."""
    if edit.value in ("", ()):
        return []
    if mapping.flow_style:
        raise EditRefused(f"'{rest[0]}' of note '{edit.note_id}' would go into a flow mapping {{...}}: "
                          "edit it by hand")
    order = _KEY_ORDER if len(rest) == len(edit.path) else list(edit.order)
    rank = order.index(rest[0]) if rest[0] in order else len(order)
    indent = mapping.value[0][0].start_mark.column
    before = [value for key, value in mapping.value if key.value not in order or order.index(key.value) < rank]
    lines = newline.join(_new_entry(rest, edit, indent)) + newline
    if before:
        at = _line_end(text, _content_end(text, max(before, key=lambda node: node.end_mark.index)))
    else:
        at = text.rfind("\n", 0, mapping.value[0][0].start_mark.index) + 1
    return [(at, at, lines)]


def _to_mapping(text: str, mapping: yaml.MappingNode, key: yaml.Node, value: yaml.ScalarNode, name: str,
                edit: ValueEdit, newline: str) -> Span:
    """A scalar value that becomes the mapping ``{name: edit.value}``, one level deeper on the lines after."""
    if mapping.flow_style:
        raise EditRefused(f"'{key.value}' of note '{edit.note_id}' is in a flow mapping {{...}}: edit it by hand")
    indent = key.start_mark.column + 2
    start = key.end_mark.index
    colon = text.index(":", start)
    lines = _new_entry((name,), edit, indent)
    end = _line_stop(text, _content_end(text, value)) if value.style in ("|", ">") else value.end_mark.index
    return colon + 1, end, newline + newline.join(lines)


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


def _scalar_span(text: str, node: yaml.ScalarNode, value: str, indent: int, newline: str, *,
                 exact: bool = False, flow: bool = False) -> Span:
    """The value's new text in its style or the nearest that holds it; in a flow mapping, one line only."""
    style, start = node.style or "", node.start_mark.index
    if style in ("|", ">"):
        header_end = _line_end(text, start)
        end = _line_end(text, _content_end(text, node))
        lines = [line for line in text[header_end:end].split("\n") if line.strip()]
        width = len(lines[0]) - len(lines[0].lstrip(" ")) if lines else indent + 2
        header = text[start + 1:header_end]
        for candidate in (style, "|") if style == ">" and not exact else ("|",):
            written = _block(value, candidate, width, newline, exact)
            if written is not None:
                chomp, body = written
                if exact:
                    header = chomp + header.lstrip("+-0123456789")
                return start, end, candidate + header + body
        return start, _line_stop(text, _content_end(text, node)), _double(value)
    candidates = {"": ("", "'"), "'": ("'",), '"': ()}[style] if flow else \
        {"": ("", "'", "|"), "'": ("'", "|"), '"': ()}[style]
    for candidate in candidates:
        if candidate == "|":
            block = _block(value, "|", indent + 2, newline, exact)
            if block is not None:
                chomp, body = block
                stop = _line_stop(text, node.end_mark.index)
                return start, stop, "|" + chomp + _comment_after(text, node.end_mark.index, stop) + newline + \
                    body.removesuffix(newline)
        else:
            one_line = _inline(value, candidate)
            if one_line is not None and not (flow and candidate == "" and _FLOW_BAD.search(value)):
                return start, node.end_mark.index, one_line
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


def _block(value: str, style: str, width: int, newline: str, exact: bool = False) -> tuple[str, str] | None:
    """The chomping indicator and lines of a block scalar (indented by ``width``) that read back as ``value``,
    or None. Not ``exact``: the loader strips line breaks at the ends, so the indicator is "" (or the one
    already written); ``exact``: "-", "" or "+", so every line break at the end is kept."""
    if value[:1] in (" ", "\t", "\n") or _UNWRITTEN.search(value) or "\r" in value:
        return None
    content = value.rstrip("\n")
    breaks = len(value) - len(content)
    chomp = ("-" if breaks == 0 else "" if breaks == 1 else "+") if exact else ""
    lines_of = content + "\n" * max(0, breaks - 1) if exact else value
    if style == ">":
        if re.search(r"^[ \t]", lines_of, re.M):
            return None  # more-indented lines are not folded: leave them to a literal block
        value_lines = re.sub(r"\n+", lambda run: "\n" * (len(run.group()) + 1), lines_of).split("\n")
    else:
        value_lines = lines_of.split("\n")
    body = "".join((" " * width + line if line else "") + "\n" for line in value_lines)
    try:
        if yaml.load(f"k: {style}{chomp if exact else '-'}\n{body}", Loader=yaml.BaseLoader) != {"k": value}:
            return None
    except yaml.YAMLError:
        return None
    return chomp, body.replace("\n", newline)


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


def _new_entry(rest: tuple[str, ...], edit: ValueEdit, indent: int) -> list[str]:
    """The lines of a key the note did not have (and of the mappings ``rest`` leads through to it)."""
    pad, name = " " * indent, _tag_text(rest[0])
    if len(rest) > 1:
        return [f"{pad}{name}:", *_new_entry(rest[1:], edit, indent + 2)]
    if isinstance(edit.value, tuple):
        return [f"{pad}{name}: [{', '.join(map(_tag_text, edit.value))}]"]
    one_line = _inline(edit.value, "") or _inline(edit.value, "'")
    if one_line is not None:
        return [f"{pad}{name}: {one_line}"]
    block = _block(edit.value, "|", indent + 2, "\n", edit.exact)
    if block is None:
        return [f"{pad}{name}: {_double(edit.value)}"]
    chomp, body = block
    return [f"{pad}{name}: |{chomp}", *body.removesuffix("\n").split("\n")]
