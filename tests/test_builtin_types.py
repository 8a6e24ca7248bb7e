"""The built-in note types reverse and type-in, and a note's type change, proven in the real Anki engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.build import build_deck
from builder.cli import cli
from builder.errors import ReleaseError
from builder.identity import note_guid, note_type_id
from tests.ankitools import import_apkg, note_by_guid, open_collection, visible_text
from tests.conftest import SMALL_SOURCE, write_source

T1 = 1_700_000_000
T2 = T1 + 86_400
TYPED = SMALL_SOURCE + """\
  - id: both-ways
    kind: quiz
    type: reverse
    question: Which service serves Pinterest's models?
    answer: Scorpion
    extra: Written in C++.
  - id: typed
    kind: quiz
    type: type-in
    question: Which language is Scorpion written in?
    answer: C++
"""


def cards_of(col: object, slug: str, note_id: str) -> list[tuple[int, str, str]]:
    """(ord, question, answer) of each card of a note, as Anki renders them, visible text only."""
    note = note_by_guid(col, note_guid(slug, note_id))
    return [(card.ord, visible_text(card.question()), visible_text(card.answer()))
            for card in sorted(note.cards(), key=lambda card: card.ord)]


@pytest.fixture
def typed_deck(tmp_path: Path) -> Path:
    return write_source(tmp_path / "typed-src", TYPED)


def test_a_reverse_note_makes_a_card_each_way(typed_deck: Path, tmp_path: Path) -> None:
    result = build_deck(typed_deck, tmp_path / "dist", now=T1)
    col = open_collection(tmp_path / "user.anki2")
    try:
        log = import_apkg(col, result.apkg)
        assert len(log.new) == 8 and not log.conflicting
        (forward, question, answer), (backward, back_question, back_answer) = cards_of(col, "small", "both-ways")
        assert (forward, backward) == (0, 1)
        assert "Which service serves" in question and "Scorpion" not in question
        assert question in answer and "Scorpion" in answer and "Written in C++." in answer
        assert "Scorpion" in back_question and "Which service" not in back_question
        assert "Which service serves Pinterest's models?" in back_answer and "Written in C++." in back_answer
        note_type = note_by_guid(col, note_guid("small", "both-ways")).note_type()
        assert (note_type["id"], note_type["name"]) == (note_type_id("small", "reverse"), "Builder Reverse (small)")
        assert [template["name"] for template in note_type["tmpls"]] == ["Recall", "Reverse"]
        assert result.card_count == sum(len(note_by_guid(col, note_guid("small", note.note.note_id)).cards())
                                        for note in result.plan.notes)  # type: ignore[union-attr]
    finally:
        col.close()


def test_a_type_in_card_shows_anki_s_answer_box_and_compares_the_typed_answer(
    typed_deck: Path, tmp_path: Path
) -> None:
    result = build_deck(typed_deck, tmp_path / "dist", now=T1)
    col = open_collection(tmp_path / "user.anki2")
    try:
        import_apkg(col, result.apkg)
        note = note_by_guid(col, note_guid("small", "typed"))
        (card,) = note.cards()
        assert "[[type:Answer]]" in card.question()  # the reviewer puts its input box here
        assert "[[type:Answer]]" in card.answer()  # and here the comparison of what was typed
        assert "#typeans" in card.render_output().css
        assert note["Answer"] == "C++"
        assert "typeBad" not in col.compare_answer(note["Answer"], "C++")
        assert "typeBad" in col.compare_answer(note["Answer"], "C#")
    finally:
        col.close()


def test_a_cloze_deletion_in_a_type_in_answer_is_what_the_learner_must_type(tmp_path: Path) -> None:
    """Why L307 refuses one: a type-in note is no cloze note, so Anki shows and compares the braces as written."""
    source = write_source(tmp_path / "cardsrc", TYPED.replace("    answer: C++\n", (
        '    answer: "{{c1::C++}}"\n    lint: {ignore: [L307]}  # to measure what Anki does with it\n')))
    result = build_deck(source, tmp_path / "dist", now=T1)
    col = open_collection(tmp_path / "user.anki2")
    try:
        import_apkg(col, result.apkg)
        note = note_by_guid(col, note_guid("small", "typed"))
        assert note["Answer"] == "{{c1::C++}}"
        compared = col.compare_answer(note["Answer"], "C++")  # what the answer side shows the learner who knows it
        assert "typeMissed" in compared and "{{c1::" in visible_text(compared)  # told the braces were missed
        assert "typeMissed" not in col.compare_answer(note["Answer"], "{{c1::C++}}")
    finally:
        col.close()


def test_only_the_types_notes_use_are_packaged(small_source: Path, typed_deck: Path, tmp_path: Path) -> None:
    """cloze and qa always, as every release before reverse and type-in; the others once a note uses them."""
    plain = build_deck(small_source, tmp_path / "plain", now=T1)
    typed = build_deck(typed_deck, tmp_path / "typed", now=T1)
    assert [t.note_type.key for t in plain.plan.note_types] == ["cloze", "qa"]  # type: ignore[union-attr]
    assert [t.note_type.key for t in typed.plan.note_types] == ["cloze", "qa", "reverse", "type-in"]  # type: ignore[union-attr]
    lock = json.loads(small_source.with_name("small.lock").read_text())
    assert sorted(lock["note_types"]) == ["cloze", "qa"]


REFUSAL = ("note 'quiz-one' changed its type from qa to reverse: Anki never changes a note's type on import and "
           "would skip this note as conflicting, so no learner would get it; keep type qa, or give the note a new "
           "id (the old one is retired)")


def test_a_type_change_of_a_released_note_is_refused_with_its_reason(small_source: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    first = build_deck(small_source, out, now=T1)
    lock_before = small_source.with_name("small.lock").read_bytes()
    text = small_source.read_text()
    small_source.write_text(text.replace("  - id: quiz-one\n    kind: quiz\n",
                                         "  - id: quiz-one\n    kind: quiz\n    type: reverse\n"))
    with pytest.raises(ReleaseError) as refused:
        build_deck(small_source, out, now=T2)
    assert refused.value.message == REFUSAL and refused.value.where.line == 20  # type: ignore[union-attr]
    assert small_source.with_name("small.lock").read_bytes() == lock_before
    assert sorted(path.name for path in out.iterdir()) == ["small-1.0.0.apkg", "small-CHANGELOG.md"]

    # The reason, measured: the same note under another type is what Anki skips.
    elsewhere = write_source(tmp_path / "unlocked", small_source.read_text())
    changed = build_deck(elsewhere, tmp_path / "unlocked-dist", now=T2)
    col = open_collection(tmp_path / "user.anki2")
    try:
        import_apkg(col, first.apkg)
        log = import_apkg(col, changed.apkg)
        assert [entry.fields[0] for entry in log.conflicting] == ["What is the first quiz question about?"]
        assert note_by_guid(col, note_guid("small", "quiz-one")).note_type()["name"] == "Builder Q&A (small)"
    finally:
        col.close()


def test_the_cli_names_the_line_and_the_reason(project: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["build"]).exit_code == 0
    source = project / "cardsrc" / "small.yaml"
    source.write_text(source.read_text().replace("  - id: quiz-one\n    kind: quiz\n",
                                                 "  - id: quiz-one\n    kind: quiz\n    type: reverse\n"))
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: cardsrc/small.yaml:20: {REFUSAL}\n"


def test_package_cards_are_the_cards_anki_generates_for_every_type(typed_deck: Path, tmp_path: Path) -> None:
    """The oracle of tests/test_cloze_oracle.py, for every built-in type: a copy added with ``col.add_note``."""
    result = build_deck(typed_deck, tmp_path / "dist", now=T1)
    assert result.plan is not None
    col = open_collection(tmp_path / "user.anki2")
    try:
        import_apkg(col, result.apkg)
        compared = set()
        for packaged in result.plan.notes:
            note = note_by_guid(col, packaged.note.guid)
            copy = col.new_note(note.note_type())
            for name, value in note.items():
                copy[name] = value
            copy.tags = note.tags
            col.add_note(copy, 1)
            package = sorted(card.ord for card in note.cards())
            assert package == sorted(card.ord for card in copy.cards()), packaged.note.note_id
            assert package == [card.ord for card in packaged.note.cards]
            compared.add(packaged.note.note_type.key)
        assert compared == {"cloze", "qa", "reverse", "type-in"}
    finally:
        col.close()
