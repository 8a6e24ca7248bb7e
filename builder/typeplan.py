"""The note types a release carries, against the lock: what changed, what may not, and each type's ``mod``.

A note type is matched by its id when a learner imports. Its field and
template names (and, for a declared type, whether it is a cloze type) are its
frozen schema: a change makes Anki import a copy ("Name+") and skip every
existing note, so it is refused unless ``--allow-schema-change``; its id may
never change (Anki would skip every note as conflicting). Both refusals are
:mod:`builder.lockgate`'s, which ``builder check`` reports too. Its name, template
text and CSS may: Anki updates them in place when the type's ``mod`` is newer,
so the ``mod`` moves exactly when their hash does. Scripts or remote loads in a
declared type's templates go only into a build with ``--unsafe-html``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from msgspec import Struct
from msgspec.structs import replace

from .contents import PackagedNoteType
from .errors import ReleaseError
from .lock import Lock, LockedNoteType
from .lockgate import schema_changed, wanted_types
from .notetypes import NoteType
from .render import Renderer
from .source import Deck


class TypePlan(Struct, frozen=True):
    types: dict[str, NoteType]
    """The types the package carries, by key, with the CSS it gives them."""
    schema_changes: tuple[str, ...]
    changes: tuple[str, ...]
    """Types whose name, templates or CSS change: updated in place, a patch release."""


def plan_types(deck: Deck, used: set[str], previous: Lock | None, renderer: Renderer) -> TypePlan:
    """What the next release does to note types; a ``ReleaseError`` for a script without ``--unsafe-html``.

    What a type may not do against the lock (change its id, or its schema without
    ``--allow-schema-change``) was refused before (:func:`builder.lockgate.refuse_lock_conflicts`).
    """
    types = _packaged(deck, used, renderer)
    schema_changes: list[str] = []
    changes: list[str] = []
    for key, note_type in types.items():
        old = previous.note_types.get(key) if previous else None
        if old is None:
            continue
        if schema_changed(old, note_type):
            schema_changes.append(key)
        if old.hash != type_hash(note_type):
            changes.append(key)
    if not renderer.unsafe_html:
        _refuse_risks(deck, types)
    return TypePlan(types, tuple(schema_changes), tuple(changes))


def _packaged(deck: Deck, used: set[str], renderer: Renderer) -> dict[str, NoteType]:
    """The types notes (tombstones too) use, and ``ALWAYS_PACKAGED``; builder-styled ones get the code CSS."""
    wanted = wanted_types(deck, used)
    assert wanted <= set(deck.note_types)  # refused before: builder.lockgate, E165
    code_css = renderer.css()
    return {
        key: replace(note_type, css=note_type.css + code_css) if note_type.builder_css else note_type
        for key, note_type in deck.note_types.items()
        if key in wanted
    }


def _refuse_risks(deck: Deck, types: dict[str, NoteType]) -> None:
    declared = [(key, note_type) for key, note_type in types.items() if note_type.label is None]  # not built-in
    if not declared:
        return
    from .declared import template_risks  # only for a deck that declares types

    for key, note_type in declared:
        risks = template_risks(note_type)
        if risks:
            raise ReleaseError(
                f"note type '{key}' has {risks[0]}: Anki would run or fetch it on every learner's device; "
                "remove it, or build with --unsafe-html if every learner can trust this source", deck.path)


def type_hash(note_type: NoteType) -> str:
    """What Anki updates in place when the type's ``mod`` moves: its name, template text and CSS."""
    texts = [text for template in note_type.templates for text in (template.front, template.back)]
    return hashlib.sha256("\x1f".join([note_type.name, *texts, note_type.css]).encode("utf-8")).hexdigest()[:16]


def stamped_types(plan: TypePlan, previous: Lock | None, next_mod: Callable[[int], int]
                  ) -> tuple[tuple[PackagedNoteType, ...], dict[str, LockedNoteType]]:
    """Each type with its ``mod``: kept while its hash and schema are, moved forward otherwise."""
    packaged: list[PackagedNoteType] = []
    locked: dict[str, LockedNoteType] = {}
    for key, note_type in plan.types.items():
        old = previous.note_types.get(key) if previous else None
        digest = type_hash(note_type)
        same = old is not None and old.hash == digest and key not in plan.schema_changes
        mod = old.mod if same and old else next_mod(old.mod if old else 0)
        packaged.append(PackagedNoteType(note_type, mod))
        locked[key] = LockedNoteType(note_type.id, note_type.name, note_type.fields, note_type.template_names,
                                     digest, mod, cloze=None if note_type.label else note_type.is_cloze)
    return tuple(packaged), locked
