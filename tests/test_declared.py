"""Declared note types: each thing Anki would refuse or silently change is one problem with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.declared import MAX_TEMPLATES, TemplateSpec, TypeSpec, declared_type, template_filters, template_risks
from builder.identity import note_type_id
from tests.ankitools import open_collection, visible_text


def spec(fields: tuple[str, ...] = ("Front", "Back"), templates: tuple[tuple[str, str, str], ...] = (
        ("Card 1", "{{Front}}", "{{Back}}"),), *, key: str = "basic", name: str = "Basic", cloze: bool = False,
         anki_id: int | None = None, css: str | None = None) -> TypeSpec:
    """A note type as the loader hands it over: field names on line 10 on, templates on 20 on."""
    return TypeSpec(
        key=(key, 5), name=(name, 6),
        fields=tuple((field, 10 + index) for index, field in enumerate(fields)),
        templates=tuple(TemplateSpec((t_name, 20 + 3 * index), (front, 21 + 3 * index), (back, 22 + 3 * index))
                        for index, (t_name, front, back) in enumerate(templates)),
        css=None if css is None else (css, 30), cloze=cloze, anki_id=anki_id,
    )


def test_a_good_type_gets_its_id_from_slug_and_key_or_keeps_a_recorded_one() -> None:
    made, problems = declared_type(spec(), "deck")
    assert problems == [] and made is not None
    assert (made.key, made.id, made.name, made.fields, made.template_names) == (
        "basic", note_type_id("deck", "basic"), "Basic", ("Front", "Back"), ("Card 1",))
    assert made.builder_css and made.label is None and made.form is None
    kept, _ = declared_type(spec(anki_id=1342697561, css=".card {}"), "deck")
    assert kept is not None and (kept.id, kept.css, kept.builder_css) == (1342697561, ".card {}", False)


@pytest.mark.parametrize(("kwargs", "problems"), [
    ({"name": 'Ba"sic'}, [("the name of note type 'basic' has a '\"', which Anki removes: write it without", 6)]),
    ({"fields": ("Front", "Ba:ck"), "templates": (("C", "{{Front}}", "x"),)}, [(
        "field name 'Ba:ck' of note type 'basic' is not one Anki keeps as written (no ':', '{', '}' or '\"', no "
        "'#', '/', '^' or space in front, no space at the end): rename it", 11)]),
    ({"fields": ("Front", "#Back"), "templates": (("C", "{{Front}}", "x"),)}, [(
        "field name '#Back' of note type 'basic' is not one Anki keeps as written (no ':', '{', '}' or '\"', no "
        "'#', '/', '^' or space in front, no space at the end): rename it", 11)]),
    ({"fields": ("Front", "Back", "front")}, [(
        "field name 'front' of note type 'basic' repeats 'Front' (Anki compares names ignoring case and would add "
        "a '+' to one): rename one", 12)]),
    ({"templates": (("A", "{{Front}}", "x"), ("a", "{{Back}}", "x"))}, [(
        "template name 'a' of note type 'basic' repeats 'A' (Anki compares names ignoring case and would add a "
        "'+' to one): rename one", 23)]),
    ({"templates": (("A", "{{Front}}", "x"), ("B", "{{Front}}", "y"))}, [(
        "the front of template 'B' of note type 'basic' is the front of template 'A': Anki keeps one of them, make "
        "each card ask something else", 24)]),
    ({"templates": (("A", "{{Card}}{{Front}}", "x"), ("B", "{{Card}}{{Front}}", "y"))}, []),
    ({"templates": (("A", "only text", "{{Back}}"),)}, [(
        "the front of template 'A' of note type 'basic' shows no field, so it never makes a card: show one", 21)]),
    ({"templates": (("A", "{{Front}}", "line one\n{{#Bak}}x{{/Bak}}"),)}, [(
        "the back of template 'A' of note type 'basic' shows {{#Bak}}, a field the type does not have (its fields: "
        "Front, Back)", 23)]),
    ({"templates": (("A", "{{Front}}\n\n{{#Back}}", "x"),)}, [(
        "the front of template 'A' of note type 'basic': section '{{#Back}}' is never closed with '{{/Back}}': "
        "Anki shows an error instead of the card", 23)]),
    ({"templates": (("A", "{{Front}} {{Deck}} {{Tags}} {{FrontSide}} {{text:Back}} {{}}", "x"),)}, []),
    ({"cloze": True, "templates": (("A", "{{cloze:Front}}", "{{cloze:Front}}"),
                                   ("B", "{{cloze:Back}}", "{{cloze:Back}}"))}, [
        ("note type 'basic' is a cloze type with 2 templates: Anki uses one, write one", 5)]),
    ({"cloze": True, "templates": (("A", "{{Front}}", "{{cloze:Front}}{{#c1}}one{{/c1}}"),)}, [(
        "the front of template 'A' of note type 'basic' has no {{cloze:Field}}, which a cloze type needs on both "
        "sides", 21)]),
    ({"key": "cloze"}, [("note type id 'cloze' is the name of a built-in type: choose another", 5)]),
    *(({"name": name}, [(
        "the name of note type 'basic' has a line break or another control character: Anki keeps it, but shows note "
        "type names on one line (the note type list, the browser), where it is hidden or garbled; write the name on "
        "one line", 6)]) for name in ("Basic\n", "Line one\nLine two", "Tab\there", "Bell\x07")),
    ({"name": "Basic (ünï cödé) · 2"}, []),
    ({"fields": ("Front", "FrontSide"), "templates": (("C", "{{Front}}", "x"),)}, [(
        "field name 'FrontSide' of note type 'basic' is the name Anki's templates give the card's front: "
        "{{FrontSide}} shows the front, never this field: rename it", 11)]),
    ({"fields": ("Front", "frontside"), "templates": (("C", "{{Front}}", "{{frontside}}"),)}, []),
    ({"templates": tuple((f"T{index}", f"{{{{Front}}}} {index}", "x") for index in range(MAX_TEMPLATES))}, []),
    ({"templates": tuple((f"T{index}", f"{{{{Front}}}} {index}", "x") for index in range(MAX_TEMPLATES + 1))}, [(
        "note type 'basic' has 101 templates, more than 100: each can make a card of every note; split it into "
        "note types of their own", 5)]),
])
def test_what_anki_would_refuse_or_change_is_refused(kwargs: dict[str, object], problems: list[object]) -> None:
    made, found = declared_type(spec(**kwargs), "deck")  # type: ignore[arg-type]
    assert found == problems
    assert (made is None) == bool(problems)


@pytest.mark.parametrize(("front", "back", "css", "risks"), [
    ("{{Front}}", "{{Back}}", "", []),
    ("{{Front}}<script>x()</script>", "{{Back}}", "", ["a script in the front of template 'Card 1'"]),
    ("{{Front}}", "<img src=x onerror=alert(1)>", "", ["a script in the back of template 'Card 1'"]),
    ("<a href='javascript:go()'>{{Front}}</a>", "{{Back}}", "", ["a script in the front of template 'Card 1'"]),
    ("<img src='https://example.org/t.png'>{{Front}}", "{{Back}}", "",
     ["a remote load in the front of template 'Card 1'"]),
    ("<a href='https://example.org'>{{Front}}</a>", "{{Back}}", "", []),  # a link loads nothing
    ("{{Front}}", "{{Back}}", "@import url(//example.org/x.css);", ["a remote load in its CSS"]),
    ("{{Front}}", "{{Back}}", ".card { background: url(_local.png); }", []),
    ("{{Front}}", "<svg/onload=alert(1)>{{Back}}", "", ["a script in the back of template 'Card 1'"]),
    ("<a href='jav&#x61;script:go()'>{{Front}}</a>", "{{Back}}", "", ["a script in the front of template 'Card 1'"]),
    ("<meta http-equiv=refresh content='0;url=https://example.org'>{{Front}}", "{{Back}}", "",
     ["a script in the front of template 'Card 1'"]),
    ("{{Front}}", "{{Back}}", ".card{} </style><script>alert(1)</script>", ["markup or a script in its CSS"]),
    ("{{Front}}", "{{Back}}", ".card { background: u\\72l(https://example.org/x.png); }",
     ["a CSS escape in its CSS (it could hide a load)"]),
])
def test_scripts_and_remote_loads_are_named(front: str, back: str, css: str, risks: list[str]) -> None:
    made, _ = declared_type(spec(templates=(("Card 1", front, back),), css=css or None), "deck")
    assert made is not None and template_risks(made) == risks


@pytest.mark.parametrize(("front", "back", "unknown"), [
    ("{{Front}}", "{{text:Back}} {{hint:Back}} {{furigana:Back}} {{kanji:Back}} {{kana:Back}} {{type:Back}}", []),
    ("{{tts en_US voices=Apple_Samantha:Front}}", "{{type:nc:Back}} {{type:cloze:Back}} {{cloze-only:Back}}", []),
    ("{{:Front}}", "{{Back}}", []),  # an empty filter (two colons) is Anki's too: it does nothing
    ("{{hnit:Front}}", "{{Back}}", ["the filter 'hnit' in the front of template 'Card 1'"]),
    ("{{Front}}", "{{Text:Back}} {{Text:Front}}", ["the filter 'Text' in the back of template 'Card 1'"]),
    ("{{nc:Front}}", "{{edit:text:Back}}", ["the filter 'nc' in the front of template 'Card 1'",
                                            "the filter 'edit' in the back of template 'Card 1'"]),
    ("{{tts:Front}}", "{{#Back}}{{foo:Back}}{{/Back}}", ["the filter 'tts' in the front of template 'Card 1'",
                                                         "the filter 'foo' in the back of template 'Card 1'"]),
])
def test_filters_anki_does_not_have_are_named(front: str, back: str, unknown: list[str]) -> None:
    made, _ = declared_type(spec(templates=(("Card 1", front, back),)), "deck")
    assert made is not None and template_filters(made) == unknown


def test_what_anki_does_with_a_frontside_field_and_a_name_on_two_lines(tmp_path: Path) -> None:
    """Measured in the engine: a field named FrontSide never shows ({{FrontSide}} is the front), and Anki keeps a
    note type's name with its line break as written (refused: E170)."""
    col = open_collection(tmp_path / "user.anki2")
    try:
        models = col.models
        model = models.new("Line one\nLine two")
        for name in ("FrontSide", "Back"):
            models.add_field(model, models.new_field(name))
        template = models.new_template("Card 1")
        template["qfmt"], template["afmt"] = "{{FrontSide}} {{Back}}", "{{FrontSide}}<hr id=answer>"
        models.add_template(model, template)
        models.add(model)
        note = col.new_note(models.by_name("Line one\nLine two"))
        note["FrontSide"], note["Back"] = "the field", "the back"
        col.add_note(note, 1)
        (card,) = note.cards()
        assert visible_text(card.question()) == "the back"  # the field is nowhere
        assert "the field" not in visible_text(card.answer())
        assert note.note_type()["name"] == "Line one\nLine two"
    finally:
        col.close()
