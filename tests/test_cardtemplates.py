"""Anki's template language as builder reads it: syntax errors, and card generation held to the real engine.

The differential test makes note types with generated front templates in a
collection of the real engine (which refuses what Anki would never save), adds
notes with generated fields, and compares the cards Anki makes with
:func:`builder.cardtemplates.card_ordinals`, card for card.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.errors import CardTypeError
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from builder.cardtemplates import (
    BUILTIN_FILTERS,
    Replacement,
    Section,
    TemplateSyntaxError,
    card_ordinals,
    field_is_empty,
    parse,
    renders_with,
    unknown_filters,
)
from tests.ankitools import open_collection

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
BUDGET = settings(
    max_examples={"ci": 60, "fuzz": 2_000}[PROFILE],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    **({"derandomize": True, "database": None} if PROFILE == "ci" else {}),
)
NAMES = (f"type-{number}" for number in itertools.count())


@pytest.mark.parametrize(("template", "nodes"), [
    ("{{Front}}", (Replacement("Front", (), 0),)),
    ("a {{ text:tts en_US:Back }} b", (Replacement("Back", ("text", "tts en_US"), 2),)),
    ("{{#A}}x{{B}}{{/A}}", (Section("A", False, (Replacement("B", (), 7),), 0),)),
    ("{{^ A}}{{/A}}", (Section("A", True, (), 0),)),
    ("{{{Front}}}", (Replacement("Front", (), 0),)),
    ("<!-- {{Gone}} -->{{Kept}}", (Replacement("Kept", (), 17),)),
    ("<!-- open {{A}}", (Replacement("A", (), 10),)),
    ("{{A", ()),
    ("{{=<% %>=}}<%Front%> {{Text}}", (Replacement("Front", (), 11),)),
    ("{{}}{{#}}", (Replacement("", (), 0), Replacement("#", (), 4))),
])
def test_templates_read_as_anki_reads_them(template: str, nodes: tuple[object, ...]) -> None:
    assert parse(template) == nodes


@pytest.mark.parametrize(("template", "message", "offset"), [
    ("{{#A}}", "section '{{#A}}' is never closed with '{{/A}}'", 0),
    ("x {{/A}}", "'{{/A}}' closes no open section", 2),
    ("{{#A}}{{/B}}", "'{{/B}}' closes no open section: '{{/A}}' is still open", 6),
    ("{{#A}}<!--{{/A}}-->", "section '{{#A}}' is never closed with '{{/A}}'", 0),
])
def test_templates_anki_cannot_render_are_refused_where_they_fail(template: str, message: str, offset: int) -> None:
    with pytest.raises(TemplateSyntaxError) as error:
        parse(template)
    assert (str(error.value), error.value.offset) == (message, offset)


@pytest.mark.parametrize(("template", "nonempty", "renders"), [
    ("{{2}}{{1}}", {"1", "3"}, True),
    ("{{2}}", {"1", "3"}, False),
    ("{{#3}}{{^2}}{{1}}{{/2}}{{/3}}", {"1", "3"}, True),
    ("{{^1}}{{3}}{{/1}}", {"1", "3"}, False),
    ("{{type:1}}", {"1"}, True),
    ("text only", {"1"}, False),
])
def test_a_front_renders_when_a_non_empty_field_shows(template: str, nonempty: set[str], renders: bool) -> None:
    assert renders_with(parse(template), nonempty) is renders


@pytest.mark.parametrize(("html", "empty"), [
    ("", True), (" \n\t", True), ("<br>", True), ("<BR />", True), ("<div></div> <br/>", True),
    ("\xa0", False), ("&nbsp;", False), ("<p></p>", False), ("x", False),
])
def test_empty_fields_are_what_anki_calls_empty(html: str, empty: bool) -> None:
    assert field_is_empty(html) is empty


# --- the differential test --------------------------------------------------------------
FIELDS = ("F1", "F2", "Deck")
"""A field may share a special field's name, which then means the field."""
KEYS = st.sampled_from(FIELDS)
replacements = st.one_of(
    KEYS.map(lambda key: f"{{{{{key}}}}}"),
    st.tuples(st.sampled_from(["text", "type", "hint", "tts en_US"]), KEYS).map(
        lambda pair: f"{{{{{pair[0]}:{pair[1]}}}}}"
    ),
    st.sampled_from(["{{Tags}}", "{{Card}}", "{{Subdeck}}", "{{FrontSide}}", "{{CardFlag}}", "<!-- {{F1}} -->", "q "]),
)
fronts = st.recursive(
    st.lists(replacements, min_size=1, max_size=3).map("".join),
    lambda inner: st.tuples(st.sampled_from("#^"), KEYS, st.lists(inner, min_size=1, max_size=2)).map(
        lambda parts: f"{{{{{parts[0]}{parts[1]}}}}}{''.join(parts[2])}{{{{/{parts[1]}}}}}"
    ),
    max_leaves=6,
)
VALUES = st.sampled_from(["", "x", " ", "<br>", "<div></div>", "&nbsp;", "\xa0", "<b></b>"])


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    col = open_collection(tmp_path_factory.mktemp("templates") / "user.anki2")
    yield col
    col.close()


def added_type(col: Collection, templates: list[str]) -> Any:
    """A standard note type with these fronts, as Anki saves it; None when Anki refuses to save it."""
    models = col.models
    model = models.new(next(NAMES))
    for name in FIELDS:
        models.add_field(model, models.new_field(name))
    for ordinal, front in enumerate(templates):
        template = models.new_template(f"Card {ordinal + 1}")
        template["qfmt"], template["afmt"] = front, "{{FrontSide}}"
        models.add_template(model, template)
    try:
        models.add(model)
    except CardTypeError:
        return None
    return models.by_name(model["name"])


@pytest.mark.slow
@given(templates=st.lists(fronts, min_size=1, max_size=3),
       notes=st.lists(st.tuples(st.tuples(VALUES, VALUES, VALUES), st.booleans()), min_size=1, max_size=6))
@BUDGET
@example(templates=["{{F1}}", "{{#F2}}{{F2}}{{/F2}}"], notes=[(("x", "", ""), True), (("", "<br>", ""), False)])
@example(templates=["{{^F1}}{{F2}}{{/F1}}", "{{Tags}}"], notes=[(("x", "y", ""), False), (("", "y", ""), True)])
@example(templates=["{{Deck}}", "{{Subdeck}}"], notes=[(("", "", ""), True)])
def test_cards_are_the_ones_anki_generates(
    collection: Collection, templates: list[str], notes: list[tuple[tuple[str, str, str], bool]]
) -> None:
    model = added_type(collection, templates)
    assume(model is not None)
    for values, tagged in notes:
        note = collection.new_note(model)
        for name, value in zip(FIELDS, values, strict=True):
            note[name] = value
        note.tags = ["t"] if tagged else []
        collection.add_note(note, 1)
        anki = sorted(card.ord for card in note.cards())
        ours = list(card_ordinals(tuple(templates), FIELDS, values, tagged))
        assert ours == anki, f"fronts {templates}, fields {values}, tags {tagged}: ours {ours}, Anki's {anki}"


def test_anki_refuses_to_save_what_the_loader_refuses(collection: Collection, tmp_path: Path) -> None:
    """A template naming no field, or an unknown one, is no note type Anki keeps: the oracle's filter is real."""
    assert added_type(collection, ["no field"]) is None
    assert added_type(collection, ["{{Nope}}"]) is None
    assert added_type(collection, ["{{F1}}", "{{F1}}"]) is None
    assert added_type(collection, ["{{F1}}", "{{F2}}"]) is not None


SHOWN = "日本[にほん] <b>x</b>"
"""A field every filter of Anki's own changes: markup, and furigana in Anki's reading syntax."""


@pytest.mark.parametrize(("filters", "anki_s"), [
    *((name, True) for name in sorted(BUILTIN_FILTERS - {""})),
    ("tts en_US", True), ("type:nc", True), ("type:cloze", True), ("text:hint", True),
    ("", True),  # two colons: Anki's, and it does nothing
    ("hnit", False), ("Text", False), ("nc", False), ("edit", False), ("tts", False), ("hint:foo", False),
])
def test_anki_skips_a_filter_it_does_not_have(collection: Collection, filters: str, anki_s: bool) -> None:
    """Anki's own filters change the field; any other is skipped, the field shown as if it were not there (W214)."""
    model = added_type(collection, [f"{{{{{filters}:F1}}}}"])
    note = collection.new_note(model)
    note["F1"] = SHOWN
    collection.add_note(note, 1)
    changed = note.cards()[0].render_output().question_text != SHOWN
    assert changed == (anki_s and filters != "")
    assert bool(unknown_filters(tuple(filters.split(":")))) == (not anki_s)
