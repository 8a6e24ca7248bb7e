"""The built-in note types' templates: they name only their own fields, and their names are frozen."""

from __future__ import annotations

import re

import pytest

from builder.templates import CSS, FROZEN_SCHEMA, templates

FIELD_REFERENCE = re.compile(r"\{\{[#/^]?(?:[\w-]+:)*([A-Z]\w*)\}\}")


@pytest.mark.parametrize("kind", sorted(FROZEN_SCHEMA))
@pytest.mark.parametrize("tts", [None, "en_US"])
def test_templates_name_only_fields_of_their_note_type(kind: str, tts: str | None) -> None:
    front, back = templates(kind, tts_lang=tts)  # type: ignore[arg-type]
    named = set(FIELD_REFERENCE.findall(front + back))
    assert named <= set(FROZEN_SCHEMA[kind]["fields"])  # type: ignore[index]
    assert named, "the pattern found no field at all"


@pytest.mark.parametrize(("kind", "spoken"), [("cloze", "{{tts en_US:cloze-only:Text}}"),
                                              ("qa", "{{tts en_US:Answer}}")])
def test_tts_speaks_the_answer_side_only(kind: str, spoken: str) -> None:
    front, back = templates(kind, tts_lang="en_US")  # type: ignore[arg-type]
    assert spoken in back and "tts" not in front
    assert "tts" not in "".join(templates(kind))  # type: ignore[arg-type]


def test_the_schema_is_what_learners_collections_already_hold() -> None:
    """Changing these names makes Anki import a copy of the note type and skip every note: never edit them."""
    assert FROZEN_SCHEMA == {
        "cloze": {"fields": ("Text", "Extra", "Source"), "templates": ("Cloze",)},
        "qa": {"fields": ("Question", "Answer", "Extra", "Source"), "templates": ("Recall",)},
    }


def test_css_loads_nothing_from_outside() -> None:
    assert "url(" not in CSS and "@import" not in CSS
