"""Anki's cloze rules in builder.cloze: cards, hints, shielding, and the loader's reading of Markdown.

The card tables below were measured with the real engine (``col.add_note``);
tests/test_cloze_oracle.py compares the two on generated texts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from builder.assemble import assemble
from builder.cloze import (
    Card,
    around,
    card_numbers,
    cloze_cards,
    outline,
    outside,
    parse,
    shield,
    source_view,
    text_problems,
    walk,
)
from builder.errors import InvalidSource, RenderError
from builder.source import load_deck
from tests.conftest import SMALL_SOURCE, write_source


def nested(depth: int) -> str:
    return "".join(f"{{{{c{n}::{n}" for n in range(1, depth + 1)) + "}}" * depth


@pytest.mark.parametrize(("fields", "ords"), [
    (("The {{c1::first}} and {{c2::second}}", "", ""), (0, 1)),
    (("Outer {{c1::a {{c2::b}} c}}", "", ""), (0, 1)),
    (("{{c1::}} and {{c2::real}}", "", ""), (0, 1)),
    (("{{c0::x}} and {{c2::y}}", "", ""), (1,)),
    (("{{c0::x}}", "", ""), (0,)),  # no card-making deletion: Anki still gives the note card 1
    (("{{c3,1::x}} {{c1,1::y}}", "", ""), (0, 2)),
    (("{{c01::x}}", "", ""), (0,)),
    (("{{c65535::x}}", "", ""), (499,)),
    (("{{c65536::x}} {{c2::y}}", "", ""), (1,)),  # too big for Anki: text, not a deletion
    (("{{c500::x}} {{c501::y}} {{c600::z}}", "", ""), (499, 499, 499)),
    (("{{c1::a}}", "See {{c3::b}}", ""), (0, 2)),  # deletions in every field make cards
    (("{{c1::open", "", ""), (0,)),  # never closed: gone
    ((nested(12), "", ""), tuple(range(10))),  # ten deep at most
])
def test_cards_are_the_ones_anki_makes(fields: tuple[str, ...], ords: tuple[int, ...]) -> None:
    assert tuple(card.ord for card in cloze_cards(fields)) == ords


def test_cards_above_the_last_ordinal_keep_their_own_key() -> None:
    """Anki puts c500 and c600 on ordinal 499 both: the package's card ids still differ."""
    assert cloze_cards(("{{c600::x}} {{c500::y}} {{c2::z}}",)) == (Card(1, 1), Card(499, 499), Card(499, 599))


@pytest.mark.parametrize(("text", "deletions"), [
    ("{{c1::std::vector}}", [((1,), "std", "vector")]),
    ("{{c1::a::b::c}}", [((1,), "a", "b::c")]),
    ("{{c1::a::h {{c2::b}} c}}", [((1,), "ab c", "h "), ((2,), "b", None)]),
    ("{{c2,1::x}}", [((1, 2), "x", None)]),
    ("{{c1::image-occlusion:rect:left=.1::x}}", [((1,), "image-occlusion:rect:left=.1::x", None)]),
    ("a }} b {{c1::c}}", [((1,), "c", None)]),
])
def test_deletions_hints_and_nesting(text: str, deletions: list[tuple[tuple[int, ...], str, str | None]]) -> None:
    assert [(d.numbers, d.answer, d.hint) for d in walk(parse(text))] == deletions


def test_what_a_card_shows_around_its_blank() -> None:
    text = "{{c1::Paris}} is in {{c2::France {{c3::Europe}}}}"
    assert around(text, 1) == "  is in France Europe"
    assert around(text, 2) == "Paris is in  "
    assert around(text, 3) == "Paris is in France  "


@pytest.mark.parametrize(("code", "shielded"), [
    ("std::vector", "std:&#58;vector"),
    ("a::b::c", "a:&#58;b:&#58;c"),
    ("a}}b}}}", "a}&#125;b}&#125;}"),
    (r"\(\frac{{1}}{2}\)", r"\(\frac{{1}&#125;{2}\)"),
    ("{{c1::x}}", "{{c1::x}}"),
    ("{{c1::x::hint}} y::z", "{{c1::x::hint}} y:&#58;z"),
    ("{{c1::{{c2::a}}}}}}", "{{c1::{{c2::a}}}}}&#125;"),
])
def test_shield(code: str, shielded: str) -> None:
    assert shield(code) == shielded


@pytest.mark.parametrize(("markdown", "numbers"), [
    ("{{c1::`std::vector`}}", {1}),
    ("{{c1::`a}}` and {{c2::b}}}}", {1, 2}),  # the }} in code does not end c1
    ("`{{c1::a}}` {{c2::b}}", {1, 2}),
    ("\\`{{c1::a`}} b", {1}),  # an escaped backtick opens no code span
    ("``{{c1::a ` b}}`` {{c2::c}}", {1, 2}),
    ("{{c1::\\(\\frac{{1}}{2}\\)}}", {1}),
    ("\\\\(not math}} {{c1::x}}", {1}),
    ("```\n{{c1::std::vector}}\n```", {1}),  # fenced code keeps its markers, as the renderer does
])
def test_source_view_reads_code_and_math_like_the_renderer(markdown: str, numbers: set[int]) -> None:
    assert card_numbers(source_view(markdown).text) == numbers


@pytest.mark.parametrize(("text", "problems"), [
    ("{{c1::\\(\\sqrt{a^{2}}\\)}}", []),
    ("{{c1::\\(\\frac{{1}}{2}\\)}} and {{c2::`a::b}}`}}", []),
    ("{{c1::a}} uses {{ var }}", []),
    ("{{c1::a}} {c2::b}}", [("E131", "has unbalanced cloze braces: every '{{' needs a '}}'")]),
    ("{{c1::a} b", [("E131", "has unbalanced cloze braces: every '{{' needs a '}}'")]),
    ("{{c0::a}}", [("E130", "has no cloze deletion: mark a key term as {{c1::term}} ({{c0::...}} makes no card)")]),
    ("{{c1,70000::a}}", [("E132", "has the cloze number c1,70000, above 65535, the highest Anki can import: "
                                  "number the deletions c1, c2, ...")]),
    ("{{c" + "9" * 5000 + "::a}}", [("E132", "has the cloze number c999999999999..., above 65535, the highest Anki "
                                             "can import: number the deletions c1, c2, ...")]),
    ("![{{c2::a}}]({{c1::b}}.png)", [("E133", "has the deletion {{c1::...}} inside a link or image address, where "
                                              "Markdown drops it: put the deletion in the link's text, "
                                              "[{{c1::text}}](url)")]),
])
def test_text_problems(text: str, problems: list[tuple[str, str]]) -> None:
    assert text_problems(text) == problems


def test_the_loader_refuses_what_anki_cannot_import(tmp_path: Path) -> None:
    path = write_source(tmp_path, SMALL_SOURCE.replace("about {{c1::caching}}", "about {{c70000::caching}}"))
    with pytest.raises(InvalidSource) as error:
        load_deck(path)
    assert [str(problem) for problem in error.value.problems] == [
        f"{path}:19: E132 note 'learn-two' has the cloze number c70000, above 65535, the highest Anki can import: "
        "number the deletions c1, c2, ...",
    ]


def test_a_deletion_markdown_drops_stops_the_build(tmp_path: Path) -> None:
    """A link reference definition is beyond the loader's reading; the build compares the rendered field."""
    text = '"See [the site][s] and {{c2::b}}.\\n\\n[s]: https://{{c1::a}}.org"'
    path = write_source(tmp_path, SMALL_SOURCE.replace("Second learning about {{c1::caching}}.", text))
    with pytest.raises(RenderError) as error:
        assemble(load_deck(path))
    assert str(error.value) == (
        f"{path}:19: note 'learn-two': deletion c1 is lost when the Markdown is rendered (inside a link or image "
        "address, say), so Anki would make no card of it; put the deletion in the link's text instead"
    )


MARKERS = ["{{c1::", "{{c2::", "{{c0::", "{{c1,3::", "{{c70000::", "{{c::", "}}", "::", "a ", "{", "}"]


@given(st.lists(st.sampled_from(MARKERS), max_size=30).map("".join))
def test_the_fast_outline_agrees_with_the_tree(text: str) -> None:
    """``outline`` (counts, checks) and ``parse`` (lint) read a text alike; the oracle test holds the first to Anki."""
    nodes = parse(text)
    found = outline.__wrapped__(text)
    assert found.numbers == {n for deletion in walk(nodes) for n in deletion.numbers if n}
    assert found.zero == any(0 in deletion.numbers for deletion in walk(nodes))
    assert found.stray == ("}}" in nodes)
    assert outside(text) == "".join(node for node in nodes if isinstance(node, str))
