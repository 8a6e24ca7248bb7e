"""``builder import``, writing the source: an :class:`~builder.importdecide.ImportedSource` as YAML text.

The text is written by hand, not by a YAML library, so that it reads like a
source an author wrote (keys in the format's order, Markdown as block
scalars, short values plain) while every value reads back exactly: templates,
CSS and raw HTML fields byte for byte. A value goes plain only when it is
plainly safe, in a literal block (``|``) when YAML keeps every character of it
there, and otherwise double-quoted with escapes, which holds any text.
"""

from __future__ import annotations

import re

from .importdecide import FieldValue, ImportedNote, ImportedSource, ImportedType

INDENT = "  "
IMPORT_COMMENT = "# came with the import"
"""Beside each ``lint: {ignore: [...]}`` the importer writes: the original breaks these rules, not the author."""

_PLAIN = re.compile(r"[A-Za-z0-9(][A-Za-z0-9 _.,:()/+&'!?@%-]*")
"""Text that YAML reads back as itself when written plain (no ``: ``, `` #``, quote or flow character first)."""
_NOT_PLAIN = re.compile(r"(?:true|false|yes|no|on|off|null|~|[-+]?[0-9.].*)", re.IGNORECASE)
"""Plain words YAML (or a reader of it) takes for a boolean, null or number: quoted, to read as text."""
_FLOW_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/-]*")
_BLOCK_SAFE = re.compile(r"[\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")
"""What a literal block keeps as written: no CR, no control, no U+0085/U+2028/U+2029 (line breaks to YAML), no BOM."""
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x00": "\\0",
            "\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P", "\xa0": "\\_"}


def source_text(source: ImportedSource) -> str:
    """The whole ``<slug>.yaml``."""
    lines = [
        f"# Taken over from {source.package_name} (sha256 {source.package_sha256[:12]}...) by 'builder import':",
        "# every note keeps its GUID, note type, deck and tags, and each field the HTML learners have.",
        f"title: {scalar(source.title, 0)}",
        f"slug: {source.slug}",
        f"deck: {scalar(source.deck, 0)}",
        f"version: {source.version}",
    ]
    if source.description:
        lines += ["description:", f"  html: {scalar(source.description, 2)}"]
    lines.append("additions: []")
    if source.lint_ignore:
        lines.append(f"lint: {{ignore: [{', '.join(source.lint_ignore)}]}}  {IMPORT_COMMENT}")
    lines.append("note_types:")
    for kind in source.note_types:
        lines += _note_type(kind)
    lines.append("notes:")
    for note in source.notes:
        lines += _note(note)
    return "\n".join(lines) + "\n"


def _note_type(kind: ImportedType) -> list[str]:
    package = kind.package
    lines = [f"  - id: {kind.key}", f"    name: {scalar(package.name, 4)}", f"    anki_id: {package.id}"]
    if package.cloze:
        lines.append("    cloze: true")
    lines.append("    fields:")
    lines += [f"      - {scalar(name, 8)}" for name in package.fields]
    lines.append("    templates:")
    for template in package.templates:
        lines += [f"      - name: {scalar(template.name, 8)}",
                  f"        front: {scalar(template.front, 8)}",
                  f"        back: {scalar(template.back, 8)}"]
    lines.append(f"    css: {scalar(package.css, 4)}")
    return lines


def _note(note: ImportedNote) -> list[str]:
    package = note.package
    lines = [f"  - id: {note.id}", f"    guid: {scalar(package.guid, 4)}", f"    type: {note.type_key}",
             f"    deck: {scalar(note.deck, 4)}"]
    if note.fields:
        lines.append("    fields:")
        for name, value in note.fields.items():
            lines += _field(name, value)
    if package.tags:
        lines.append(f"    tags: {_tags(package.tags)}")
    if note.lint_ignore:
        lines.append(f"    lint: {{ignore: [{', '.join(note.lint_ignore)}]}}  {IMPORT_COMMENT}")
    return lines


def _field(name: str, value: FieldValue) -> list[str]:
    if value.raw:
        return [f"      {key(name)}:", f"        html: {scalar(value.text, 8)}"]
    return [f"      {key(name)}: {scalar(value.text, 6)}"]


def _tags(tags: tuple[str, ...]) -> str:
    if all(_FLOW_TAG.fullmatch(tag) and not tag.endswith(":") for tag in tags):
        return f"[{', '.join(tags)}]"
    return "[" + ", ".join(_quoted(tag) for tag in tags) + "]"


def key(name: str) -> str:
    """A mapping key (a field name) that reads back as ``name``."""
    return name if _plain_ok(name) else _quoted(name)


def scalar(text: str, indent: int) -> str:
    """``text`` as a value after ``key: `` in a mapping indented ``indent`` spaces; reads back exactly."""
    if _plain_ok(text):
        return text
    if "\n" in text.rstrip("\n") and _block_ok(text):
        return _block(text, indent + len(INDENT))
    return _quoted(text)


def _plain_ok(text: str) -> bool:
    return (bool(_PLAIN.fullmatch(text)) and text == text.strip() and not _NOT_PLAIN.fullmatch(text)
            and ": " not in text and not text.endswith(":"))


def _block_ok(text: str) -> bool:
    if not _BLOCK_SAFE.fullmatch(text) or text.startswith(("\n", " ", "\t")):
        return False
    lines = text.rstrip("\n").split("\n")
    return all(line == "" or line.strip(" ") for line in lines)  # a line of spaces only would read as empty


def _block(text: str, indent: int) -> str:
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    chomp = "-" if trailing == 0 else "" if trailing == 1 else "+"
    pad = " " * indent
    lines = [f"{pad}{line}" if line else "" for line in body.split("\n")]
    return f"|{chomp}\n" + "\n".join(lines) + "\n" * (trailing - 1 if trailing > 1 else 0)


def _quoted(text: str) -> str:
    out = []
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif code < 0x20 or 0x7F <= code < 0xA0 or 0xD800 <= code < 0xE000 or code in (0xFEFF, 0xFFFE, 0xFFFF):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
