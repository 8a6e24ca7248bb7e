"""``builder pull --apply``: write the edits a pull found into the source, and nothing else.

Each edit is a minimal in-place change (:mod:`builder.yamledit`); the edited
file must load as a valid source whose notes and deck settings are exactly the
old ones plus the edits, or the edit is refused. All edits of one source are
written at once, atomically, and only if the file did not change meanwhile.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from msgspec.structs import replace

from .errors import BuilderError
from .files import atomic_write
from .pull import Finding, PullReport
from .source import Note, deck_from_tree
from .sourcevalues import Field
from .yamledit import EditRefused, ReadBack, ValueEdit, edit_values
from .yamlsafe import parse, read_source_text

_BOM = b"\xef\xbb\xbf"


def read_back(path: Path) -> ReadBack:
    """What a source says, for :func:`builder.yamledit.edit_values` to compare before and after an edit."""

    def values(text: str) -> dict[str, dict[object, object]]:
        deck = deck_from_tree(parse(text, path), path)
        notes: dict[str, dict[object, object]] = {
            note.id: {**{_key(note, name, field): field.text for name, field in note.fields.items()},
                      "tags": note.tags, "kind": note.kind, "lint": note.lint_ignore, "guid": note.guid,
                      "deck": note.deck, "type": note.type}
            for note in deck.notes
        }
        description = deck.description.text if deck.description else None
        notes[""] = {"deck": replace(deck, notes=(), key_lines={}, description=None), "description": description,
                     "order": tuple(note.id for note in deck.notes)}
        return notes

    return values


def _key(note: Note, name: str, field: Field) -> str | tuple[str, ...]:
    """How an edit names a field: a built-in type's key (``answer``), or its path under ``fields``."""
    if note.form:
        return name
    return ("fields", name, "html") if field.raw else ("fields", name)


def apply_report(report: PullReport) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """Write the report's edits into its source; returns (written, refused) with each refusal's reason."""
    edits = report.having("edit")
    if not edits:
        return (), ()
    path = report.source
    if path.is_symlink():
        raise BuilderError("is a symbolic link: name the file it points to, so the link stays a link", path)
    raw = path.read_bytes()
    text = read_source_text(path)
    check = read_back(path)
    written: tuple[Finding, ...]
    refused: tuple[Finding, ...] = ()
    try:
        edited = edit_values(text, [_value_edit(finding) for finding in edits], check)
        written = edits
    except EditRefused:
        written_list, refused_list = [], []
        edited = text
        for finding in edits:  # one at a time, to find the ones the file cannot take
            try:
                edited = edit_values(edited, [_value_edit(finding)], check)
                written_list.append(finding)
            except EditRefused as exc:
                refused_list.append(replace(finding, status="refused", reason=f"cannot be written in place: {exc}"))
        written, refused = tuple(written_list), tuple(refused_list)
    if written:
        if path.read_bytes() != raw:
            raise BuilderError("changed while the pull was reading it: run builder pull again", path)
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
            atomic_write(path, (_BOM if raw.startswith(_BOM) else b"") + edited.encode("utf-8"))
            os.chmod(path, mode)
        except OSError as exc:
            raise BuilderError(f"cannot write the source: {exc.strerror or exc}", path) from None
    return written, refused


def _value_edit(finding: Finding) -> ValueEdit:
    raw = isinstance(finding.key, tuple) and finding.key[-1:] == ("html",)
    return ValueEdit(finding.note_id, finding.key, finding.value, exact=raw, order=finding.order)
