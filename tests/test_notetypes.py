"""The built-in note types: templates name only their own fields, and field and template names are frozen."""

from __future__ import annotations

import re

import pytest

from builder.identity import note_type_id
from builder.notetypes import BUILTIN_TYPES, builtin_note_types, draft_variant
from builder.style import CSS

FIELD_REFERENCE = re.compile(r"\{\{[#/^]?(?:[\w-]+:)*([A-Z]\w*)\}\}")


@pytest.mark.parametrize("key", BUILTIN_TYPES)
@pytest.mark.parametrize("tts", [None, "en_US"])
def test_templates_name_only_fields_of_their_note_type(key: str, tts: str | None) -> None:
    note_type = builtin_note_types("deck", tts)[key]
    for template in note_type.templates:
        named = set(FIELD_REFERENCE.findall(template.front + template.back))
        assert named <= set(note_type.fields)
        assert named, "the pattern found no field at all"


@pytest.mark.parametrize(("key", "spoken"), [
    ("cloze", ["{{tts en_US:cloze-only:Text}}"]),
    ("qa", ["{{tts en_US:Answer}}"]),
    ("reverse", ["{{tts en_US:Answer}}", "{{tts en_US:Question}}"]),
    ("type-in", ["{{tts en_US:Answer}}"]),
])
def test_tts_speaks_each_card_s_answer_side_only(key: str, spoken: list[str]) -> None:
    templates = builtin_note_types("deck", "en_US")[key].templates
    assert [next(word for word in spoken if word in item.back) for item in templates] == spoken
    assert not any("tts" in item.front for item in templates)
    plain = builtin_note_types("deck")[key].templates
    assert not any("tts" in item.front + item.back for item in plain)


@pytest.mark.parametrize(("key", "fields", "cards"), [
    ("cloze", ("The {{c1::first}} and {{c2::second}}", "", "src"), [(0, 0), (1, 1)]),
    ("qa", ("Q", "A", "", "src"), [(0, 0)]),
    ("reverse", ("Q", "A", "", "src"), [(0, 0), (1, 1)]),
    ("type-in", ("Q", "A", "", "src"), [(0, 0)]),
])
def test_each_type_says_which_cards_a_note_makes(
    key: str, fields: tuple[str, ...], cards: list[tuple[int, int]]
) -> None:
    made = builtin_note_types("deck")[key].cards(fields)
    assert [(card.ord, card.key) for card in made] == cards


def test_the_schema_is_what_learners_collections_already_hold() -> None:
    """Changing these names makes Anki import a copy of the note type and skip every note: never edit them."""
    schemas = {key: (item.fields, item.template_names, item.is_cloze) for key, item in builtin_note_types("d").items()}
    assert schemas == {
        "cloze": (("Text", "Extra", "Source"), ("Cloze",), True),
        "qa": (("Question", "Answer", "Extra", "Source"), ("Recall",), False),
        "reverse": (("Question", "Answer", "Extra", "Source"), ("Recall", "Reverse"), False),
        "type-in": (("Question", "Answer", "Extra", "Source"), ("Type",), False),
    }


def test_ids_and_names_are_per_deck_and_drafts_have_their_own() -> None:
    cloze = builtin_note_types("small")["cloze"]
    assert (cloze.id, cloze.name) == (note_type_id("small", "cloze"), "Builder Cloze (small)")
    draft = draft_variant(cloze, "small")
    assert (draft.id, draft.name) == (note_type_id("small/draft", "cloze"), "Builder Cloze (small draft)")
    assert builtin_note_types("small")["qa"].name == "Builder Q&A (small)"


def test_css_loads_nothing_from_outside() -> None:
    assert "url(" not in CSS and "@import" not in CSS
