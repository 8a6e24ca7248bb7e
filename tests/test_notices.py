"""What a release leaves behind in learners' collections: blank cloze cards and ids that look renamed.

The blank cards are Anki's own: the real engine renders them as "No cloze N
found on card" and its Empty Cards tool lists exactly the cards the build warned about.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.build import build_deck, plan_deck
from builder.cli import cli
from builder.identity import note_guid
from tests.ankitools import import_apkg, note_by_guid, open_collection, review_everything, visible_text

T1 = 1_700_000_000
T2 = T1 + 86_400
Edit = Callable[[Path, str, str], None]
FIXTURES = Path(__file__).parent / "fixtures" / "locks"
THREE = ("  - id: learn-three\n    kind: learning\n    text: In 2019 the jobs ran on {{c1::Ray}}, and a few years "
         "later the heavy batch work moved to {{c2::Spark}} and {{c3::Airflow}}.\n")
"""A retired note's card shows its summary, its first 80 characters: here c2 and c3 are past them."""


def test_a_dropped_deletion_and_a_retired_note_blank_exactly_the_cards_anki_finds_empty(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    out = tmp_path / "dist"
    with small_source.open("a", encoding="utf-8") as handle:
        handle.write(THREE)
    col = open_collection(tmp_path / "learner.anki2")
    import_apkg(col, build_deck(small_source, out, now=T1).apkg)
    review_everything(col)
    edit_source(small_source, "{{c2::two}}", "two")
    edit_source(small_source, THREE, "")
    second = build_deck(small_source, out, now=T2)
    assert second.warnings == (
        "note 'learn-one' no longer has deletion c2: learners keep card c2, which will read \"No cloze 2 found "
        "on card\" until they run Tools > Empty Cards (the changelog tells them)",
        "note 'learn-three' is retired: learners keep cards c2, c3, which will read \"No cloze 2 found on card\" "
        "until they run Tools > Empty Cards (the changelog tells them)",
    )
    import_apkg(col, second.apkg)

    def card_ids(note_id: str, *numbers: int) -> set[int]:
        note = note_by_guid(col, note_guid("small", note_id))
        return {card.id for card in note.cards() if card.ord + 1 in numbers}

    blank = card_ids("learn-one", 2) | card_ids("learn-three", 2, 3)
    assert {card_id for item in col.get_empty_cards().notes for card_id in item.card_ids} == blank
    for card_id in blank:
        number = col.get_card(card_id).ord + 1
        assert visible_text(col.get_card(card_id).question()).startswith(f"No cloze \u2068{number}\u2069 found on card")
    kept = card_ids("learn-one", 1)
    history = col.db.list(f"select id from revlog where cid in ({','.join(map(str, kept))})")
    col.remove_cards_and_orphaned_notes(list(blank))  # what Tools > Empty Cards does
    assert card_ids("learn-one", 1, 2) == kept and len(card_ids("learn-three", 1, 2, 3)) == 1
    assert col.db.list(f"select id from revlog where cid in ({','.join(map(str, kept))})") == history
    desc = visible_text(col.decks.get(col.decks.id_for_name("Small Deck"))["desc"])
    assert "Cards that lost their cloze deletion (3 in this release) read \"No cloze N found on card\": Tools > " \
           "Empty Cards" in desc
    col.close()


def test_without_recorded_cards_the_summary_still_shows_a_dropped_deletion(
    small_source: Path, edit_source: Edit
) -> None:
    """A lock from before ``cards`` existed: the note's summary shows its cloze numbers."""
    lock = small_source.with_name("small.lock")
    shutil.copy(FIXTURES / "small-1.0.1.lock", lock)
    assert '"cards"' not in lock.read_text(encoding="utf-8")
    edit_source(small_source, "answer: Answers.", "answer: Better answers.")
    edit_source(small_source, "{{c2::two}}", "two")
    warnings = plan_deck(small_source, now=T2).warnings
    assert [warning for warning in warnings if "c2" in warning] == [
        "note 'learn-one' no longer has deletion c2: learners keep card c2, which will read \"No cloze 2 found "
        "on card\" until they run Tools > Empty Cards (the changelog tells them)",
    ]


def test_cloze_cards_are_recorded_when_a_release_is_cut(small_source: Path, tmp_path: Path, edit_source: Edit) -> None:
    build_deck(small_source, tmp_path / "dist", now=T1)
    notes = json.loads(small_source.with_name("small.lock").read_text(encoding="utf-8"))["notes"]
    assert {note_id: note.get("cards") for note_id, note in notes.items()} == {
        "learn-one": [1, 2], "learn-two": [1], "deep-two": [1], "quiz-one": None, "quiz-two": None, "deep-one": None}


QUIZ_TWO = "  - id: quiz-two\n    kind: quiz\n    question: Which year did the thing happen?\n"


@pytest.mark.parametrize(("new_note", "warning"), [
    (QUIZ_TWO.replace("quiz-two", "quiz-year") + '    answer: "2015"\n',
     "note 'quiz-two' is retired and 'quiz-year' is added with the same content: this looks like a rename; "
     "keep the old id 'quiz-two' to keep learners' review history"),
    (QUIZ_TWO.replace("quiz-two", "quiz-year").replace("thing", "thing really") + '    answer: "2016"\n',
     "note 'quiz-two' is retired and 'quiz-year' is added with nearly the same content: this looks like a "
     "rename; keep the old id 'quiz-two' to keep learners' review history"),
    ("  - id: quiz-other\n    kind: quiz\n    question: What is caching for?\n    answer: Speed.\n", None),
    ("  - id: quiz-year\n    kind: learning\n    text: Which year did the {{c1::thing}} happen?\n", None),
], ids=["same", "nearly", "unrelated", "other-type"])
def test_a_retired_id_beside_an_added_one_with_the_same_content_looks_like_a_rename(
    small_source: Path, tmp_path: Path, edit_source: Edit, new_note: str, warning: str | None
) -> None:
    build_deck(small_source, tmp_path / "dist", now=T1)
    edit_source(small_source, QUIZ_TWO + '    answer: "2015"\n', new_note)
    result = build_deck(small_source, tmp_path / "dist", now=T2)
    assert result.warnings == ((warning,) if warning else ())
    changelog = (tmp_path / "dist" / "small-CHANGELOG.md").read_text(encoding="utf-8")
    assert ("replace a retired one with the same content" in changelog) is (warning is not None and
                                                                          "nearly" not in warning)


def test_diff_warns_about_the_cards_a_release_would_blank(project: Path, edit_source: Edit) -> None:
    assert CliRunner().invoke(cli, ["build"]).exit_code == 0
    edit_source(project / "cardsrc" / "small.yaml", "{{c2::two}}", "two")
    result = CliRunner().invoke(cli, ["diff"])
    assert (result.exit_code, result.stdout) == (0, "small: 1.0.0 -> 1.0.1, patch\n  ~ learn-one: Text\n")
    assert result.stderr == (
        "Warning: cardsrc/small.yaml: note 'learn-one' no longer has deletion c2: learners keep card c2, which "
        "will read \"No cloze 2 found on card\" until they run Tools > Empty Cards (the changelog tells them)\n")
