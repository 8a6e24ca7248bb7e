"""The loader's checks of note types a source declares, and of the notes that use them.

Part of the loader's validator (:class:`builder.source._Validator`), built on
the value checks of :mod:`builder.sourcevalues`, so the declared types' rules
live beside :mod:`builder.declared` (what Anki refuses in a note type) rather
than among the general format checks of :mod:`builder.source`.
"""

from __future__ import annotations

from typing import Any

from .cloze import has_opener
from .notetypes import BUILTIN_FIELD_KEYS, NoteType
from .sourceformat import NOTE_TYPE_KEYS
from .sourcevalues import ValueChecks
from .yamlsafe import Mapping, Node, Scalar, Sequence


class DeclaredTypeChecks(ValueChecks):
    declared: set[str]
    """Ids of every note type the source declares, good or not: a note naming a bad one is not reported twice."""
    builtins_shipped: bool
    """Whether the deck's packages carry built-in types (it has a ``source``), whose ids a declared type must avoid."""

    def chosen_type(self, item: Node, values: dict[str, object], what: str) -> str | None:
        """The type the note names, if this deck has it; else report (once) and None."""
        chosen = values.get("type")
        if chosen is None or chosen in self.note_types:
            return None if chosen is None else str(chosen)
        if chosen not in self.declared:
            assert isinstance(item, Mapping)
            self.problem("E104", f"'type' in {what} is '{chosen}': use one of {', '.join(self.note_types)}",
                         item.items["type"])
        return None

    def declare(self, node: Sequence, slug: str) -> None:
        """Check each ``note_types`` entry and add the good ones to ``self.note_types``."""
        for index, item in enumerate(node.items, start=1):
            key_node = item.items.get("id") if isinstance(item, Mapping) else None
            what = f"note type '{key_node.text}'" if isinstance(key_node, Scalar) else f"note type {index}"
            values = self.mapping(item, NOTE_TYPE_KEYS, what)
            if values is None or "id" not in values:
                continue
            key = str(values["id"])
            if key in self.declared:
                self.problem("E170", f"two note types have the id '{key}': give each its own", item)
                continue
            self.declared.add(key)
            if any(name not in values for name in ("name", "fields", "templates")):
                continue  # reported by mapping()
            note_type = self.declared_type(item, key, values, slug)
            if note_type is not None:
                self.note_types[key] = note_type

    def declared_type(self, item: Node, key: str, values: dict[str, object], slug: str) -> NoteType | None:
        from .declared import TemplateSpec, TypeSpec, declared_type  # only for a source that declares types

        def located(value: Any) -> tuple[str, int]:
            return value.text, value.line  # a Field the loader checked

        templates, written = values["templates"], item.items["templates"] if isinstance(item, Mapping) else None
        assert isinstance(templates, list) and isinstance(item, Mapping) and isinstance(written, Sequence)
        if len(templates) < len(written.items):
            return None  # a template was reported
        spec = TypeSpec(
            key=(key, item.items["id"].line),
            name=located(values["name"]),
            fields=tuple(located(name) for name in values["fields"]),  # type: ignore[attr-defined]
            templates=tuple(TemplateSpec(located(t["name"]), located(t["front"]), located(t["back"]))
                            for t in templates),
            css=located(values["css"]) if "css" in values else None,
            cloze=bool(values.get("cloze", False)),
            anki_id=values.get("anki_id"),  # type: ignore[arg-type]
        )
        note_type, problems = declared_type(spec, slug)
        for message, line in problems:
            self.problem("E170", message, (line, 0))
        taken = next((other for other in self.note_types.values() if note_type and other.id == note_type.id
                      and (other.label is None or self.builtins_shipped)), None)
        if note_type is not None and taken is not None:
            self.problem("E170", f"note type '{key}' has the id {note_type.id} of note type '{taken.key}': "
                                 "each needs its own", item)
            return None
        return note_type

    def declared_fields(self, item: Node, note_type: NoteType, fields: dict[str, Any], what: str) -> str | None:
        """The note's type when it fills only fields ``note_type`` has and makes a card; else report and None."""
        key = note_type.key
        for name in BUILTIN_FIELD_KEYS:
            if _given(item, name):
                self.problem("E102", f"{what} is a {key} note: it takes 'fields', not '{name}'", item)
                return None
        if not _given(item, "fields"):
            self.problem("E102", f"{what} is a {key} note: give it 'fields' ({', '.join(note_type.fields)})", item)
            return None
        given = item.items["fields"] if isinstance(item, Mapping) else None
        if not isinstance(given, Mapping):
            return None  # reported: not a mapping
        for name in fields:
            if name not in note_type.fields:
                import difflib  # only a mistyped field name needs it: not loaded by a build that has none

                guess = difflib.get_close_matches(name, note_type.fields, n=1)
                hint = f"did you mean '{guess[0]}'?" if guess else f"its fields are {', '.join(note_type.fields)}"
                self.problem("E101", f"unknown field '{name}' in {what}, a {key} note: {hint}", given.key_lines[name])
                return None
        if len(fields) < len(given.items):
            return None  # an empty or bad field was reported
        if note_type.is_cloze:
            # A note without any deletion makes no card (NoteType.cards): the release gate says so (L308), and a deck
            # taken over with such a note (Anki keeps it, card-less) silences that. Raw HTML reaches Anki as written:
            # only what Anki loses of it is refused (cloze.raw_problems), a number above 65535 too (no opener to Anki).
            with_deletions = [field for field in fields.values()
                              if has_opener(field.text) or (field.raw and "{{c" in field.text)]
            return key if all([self.cloze_ok(f, item, what) for f in with_deletions]) else None
        if not note_type.makes_a_card(set(fields)):
            self.problem("E102", f"{what} makes no card: each template's front shows a field it leaves empty "
                                 f"(it fills {', '.join(fields) or 'none'})", item)
            return None
        return key


def _given(item: Node, name: str) -> bool:
    return isinstance(item, Mapping) and name in item.items
