"""Note types against the lock (builder/typeplan.py): what a release carries, what changed, and each type's ``mod``."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from builder.errors import ReleaseError
from builder.lock import Lock, LockedNoteType
from builder.notetypes import NoteType
from builder.render import Renderer
from builder.source import Deck, load_deck
from builder.typeplan import plan_types, stamped_types, type_hash
from tests.conftest import write_source

NOW = 1_700_000_000
OLD_MOD = 1_600_000_000


def next_mod(before: int) -> int:
    return max(NOW, before + 1)


def locked(note_type: NoteType, **changed: object) -> LockedNoteType:
    """The lock's record of ``note_type`` as a release wrote it, with ``changed`` values."""
    values: dict[str, object] = {
        "id": note_type.id, "name": note_type.name, "fields": note_type.fields,
        "templates": note_type.template_names, "hash": type_hash(note_type), "mod": OLD_MOD, "cloze": None,
    }
    return LockedNoteType(**{**values, **changed})  # type: ignore[arg-type]


def lock_with(types: dict[str, LockedNoteType]) -> Lock:
    return Lock(slug="small", deck="Small Deck", version="1.0.0", apkg="small-1.0.0.apkg", apkg_sha256="",
                notes={}, note_types=types)


@pytest.fixture
def deck(small_source: Path) -> Deck:
    return load_deck(small_source)


def test_a_package_carries_the_types_used_and_cloze_and_qa_with_the_code_css(deck: Deck) -> None:
    renderer = Renderer()
    plan = plan_types(deck, {"reverse"}, None, renderer)
    assert list(plan.types) == ["cloze", "qa", "reverse"]
    assert (plan.schema_changes, plan.changes) == ((), ())
    for key, note_type in plan.types.items():
        assert note_type.css == deck.note_types[key].css + renderer.css()
        assert note_type.css != deck.note_types[key].css


@pytest.mark.parametrize(("changed", "schema_changes", "changes", "mod"), [
    (None, (), (), NOW),
    ({}, (), (), OLD_MOD),
    ({"hash": "0" * 16}, (), ("qa",), NOW),
    ({"hash": "0" * 16, "mod": NOW + 50}, (), ("qa",), NOW + 51),
    ({"fields": ("Question", "Answer")}, ("qa",), (), NOW),
    ({"templates": ("Card 1",)}, ("qa",), (), NOW),
    ({"cloze": True}, ("qa",), (), NOW),
    ({"name": "Other name"}, (), (), OLD_MOD),  # the name is in the hash, and the hash is what the lock has
], ids=["first-release", "unchanged-keeps-mod", "text-or-css-changed", "never-behind-the-lock",
        "fields-renamed", "templates-renamed", "declared-cloze-flag-differs", "lock-name-alone"])
def test_changes_against_the_lock_and_the_mod_each_type_gets(
    deck: Deck, changed: dict[str, object] | None, schema_changes: tuple[str, ...], changes: tuple[str, ...],
    mod: int,
) -> None:
    renderer = Renderer()
    packaged_qa = plan_types(deck, set(), None, renderer).types["qa"]
    previous = None if changed is None else lock_with({"qa": locked(packaged_qa, **changed)})
    plan = plan_types(deck, set(), previous, renderer)
    assert (plan.schema_changes, plan.changes) == (schema_changes, changes)
    packaged, lock_types = stamped_types(plan, previous, next_mod)
    assert {entry.note_type.key: entry.mod for entry in packaged} == {"cloze": NOW, "qa": mod}
    assert lock_types["qa"] == LockedNoteType(packaged_qa.id, packaged_qa.name, packaged_qa.fields,
                                              packaged_qa.template_names, type_hash(packaged_qa), mod, cloze=None)


def test_type_hash_covers_the_name_template_text_and_css_only(deck: Deck) -> None:
    qa, cloze = deck.note_types["qa"], deck.note_types["cloze"]
    texts = [qa.name, *(text for template in qa.templates for text in (template.front, template.back)), qa.css]
    assert type_hash(qa) == hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()[:16]
    assert type_hash(qa) != type_hash(cloze)
    assert type_hash(qa) != type_hash(deck.note_types["type-in"])  # same fields, other templates and CSS


DECLARED = """\
title: Declared
slug: declared
deck: Declared
note_types:
  - id: vocab
    name: Vocabulary
    fields: [Word, Meaning]
    templates:
      - {name: Recognise, front: "{{Word}}<script>alert(1)</script>", back: "{{Meaning}}"}
    css: ".card { color: black; }"
notes:
  - id: word-one
    type: vocab
    deck: Declared::Words
    fields: {Word: maison, Meaning: house}
"""


def test_a_declared_type_with_a_script_is_built_only_with_unsafe_html(tmp_path: Path) -> None:
    source = write_source(tmp_path, DECLARED, name="declared.yaml")
    deck = load_deck(source)
    with pytest.raises(ReleaseError) as error:
        plan_types(deck, {"vocab"}, None, Renderer())
    assert str(error.value) == (
        f"{source}: note type 'vocab' has a script in the front of template 'Recognise': Anki would run or fetch it "
        "on every learner's device; remove it, or build with --unsafe-html if every learner can trust this source")
    plan = plan_types(deck, {"vocab"}, None, Renderer(unsafe_html=True))
    assert list(plan.types) == ["vocab"]  # a deck without a source carries no built-in type
    assert plan.types["vocab"].css == ".card { color: black; }"  # a declared type's own CSS, without the code rules
