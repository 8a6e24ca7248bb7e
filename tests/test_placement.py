"""Deck placement is not note content: a move to another deck re-stamps nothing.

Anki never moves a card a learner already has, and an update replaces the
note's fields and tags, so re-stamping a note that only moved would overwrite a
learner's own edits and tags for nothing. Proven in the real engine.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder import source as source_module
from builder.build import build_deck, plan_deck
from builder.cli import cli
from builder.describe import describe_plan
from builder.errors import LockError
from builder.identity import note_guid
from builder.lockread import read_lock
from tests.ankitools import import_apkg, note_by_guid, open_collection, review_everything

T1 = 1_700_000_000
T2 = T1 + 86_400
T3 = T2 + 86_400
Edit = Callable[[Path, str, str], None]
FIXTURES = Path(__file__).parent / "fixtures" / "locks"
SUBDECKS_3F9624E = {"learning": "Key learnings", "quiz": "Quiz", "deep-dive": "Deep dive"}
"""Subdeck names before they were numbered (to sort in study order), as in the fixture lock."""


def lock_mods(source: Path) -> dict[str, int]:
    data = json.loads(source.with_name("small.lock").read_text(encoding="utf-8"))
    return {note_id: note["mod"] for note_id, note in data["notes"].items()}


def card_state(col: object) -> dict[int, tuple[int, int, int, int, int]]:
    """card id -> (deck id, interval, due, reviews, flags) for every card."""
    rows = col.db.all(  # type: ignore[attr-defined]
        "select c.id, c.did, c.ivl, c.due, (select count() from revlog r where r.cid = c.id), c.flags from cards c")
    return {card_id: tuple(rest) for card_id, *rest in rows}


def test_a_deck_rename_and_one_edit_update_exactly_one_note_and_keep_the_learners_edits(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    out = tmp_path / "dist"
    col = open_collection(tmp_path / "learner.anki2")
    assert len(import_apkg(col, build_deck(small_source, out, now=T1).apkg).new) == 6
    assert review_everything(col) == 7
    mine = note_by_guid(col, note_guid("small", "deep-one"))
    mine["Answer"] = "My own wording."
    col.update_note(mine)
    tagged = note_by_guid(col, note_guid("small", "learn-two"))
    tagged.tags = [*tagged.tags, "marked", "my-own"]
    col.update_note(tagged)
    col.set_user_flag_for_cards(1, [card.id for card in tagged.cards()])
    cards_before = card_state(col)
    mods_before = lock_mods(small_source)

    edit_source(small_source, "deck: Small Deck", "deck: Renamed Deck")
    edit_source(small_source, "answer: Answers.", "answer: Better answers.")
    second = build_deck(small_source, out, now=T2)
    assert second.plan is not None and second.plan.version == "1.0.1"  # a rename is a patch
    assert second.plan.ids("changed") == ("quiz-one",)
    assert set(second.plan.ids("moved")) == {"learn-one", "learn-two", "quiz-two", "deep-one", "deep-two"}
    assert lock_mods(small_source) == {**mods_before, "quiz-one": T2}
    log = import_apkg(col, second.apkg)
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
    assert log.updated[0].fields[1] == "Better answers."  # the one note: quiz-one

    assert note_by_guid(col, note_guid("small", "deep-one"))["Answer"] == "My own wording."
    assert {"marked", "my-own"} <= set(note_by_guid(col, note_guid("small", "learn-two")).tags)
    assert card_state(col) == cards_before  # same decks, schedules, review logs and flags
    assert build_deck(small_source, out, now=T3).written == ()  # the moved lock is its own fixed point
    col.close()


def test_a_kind_that_moves_a_note_to_another_subdeck_is_a_patch_that_restamps_nothing(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    build_deck(small_source, tmp_path / "dist", now=T1)
    mods = lock_mods(small_source)
    edit_source(small_source, "  - id: quiz-two\n    kind: quiz\n", "  - id: quiz-two\n    kind: deep-dive\n")
    result = build_deck(small_source, tmp_path / "dist", now=T2)
    assert result.plan is not None
    assert (result.plan.version, result.plan.ids("moved"), result.plan.ids("changed")) == ("1.0.1", ("quiz-two",), ())
    assert lock_mods(small_source) == mods
    assert result.warnings == (
        "1 note moves from 'Small Deck::2 Quiz' to 'Small Deck::3 Deep dive' (quiz-two): Anki never moves a card "
        "a learner already has, so their cards stay in 'Small Deck::2 Quiz'; the changelog tells learners how "
        "to move them (Change Deck)",
    )
    changelog = (tmp_path / "dist" / "small-CHANGELOG.md").read_text(encoding="utf-8")
    assert "1 moved to another deck." in changelog and "- Moved to another deck: quiz-two" in changelog
    assert "Changed" not in changelog
    assert changelog.split("## 1.0.0")[0].splitlines()[-5:] == [
        "What to do in Anki:",
        "",
        "- Cards you already have stay where they were. In *Browse*, search each old deck below, "
        "select all, *Cards > Change Deck* to its new deck, then delete the empty old deck; review history "
        "moves with the cards.",
        '  - `deck:"Small Deck::2 Quiz"` to `Small Deck::3 Deep dive`',
        "",
    ]
    assert build_deck(small_source, tmp_path / "dist", now=T3).written == ()  # the steps survive a reread
    history = json.loads(small_source.with_name("small.lock").read_text(encoding="utf-8"))["history"]
    assert [release.get("moves") for release in history] == [None, [["Small Deck::2 Quiz", "Small Deck::3 Deep dive"]]]


def test_diff_shows_moves_apart_from_edits(project: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["build"])
    source = project / "cardsrc" / "small.yaml"
    text = source.read_text(encoding="utf-8").replace("deck: Small Deck", "deck: Renamed")
    source.write_text(text.replace("answer: Answers.", "answer: New.").replace(
        "  - id: quiz-two\n    kind: quiz\n", "  - id: quiz-two\n    kind: deep-dive\n"), encoding="utf-8")
    result = runner.invoke(cli, ["diff"])
    assert result.exit_code == 0
    placement = "(placement only: learners' notes are not updated)"
    assert result.stdout.splitlines() == [
        "small: 1.0.0 -> 1.0.1, patch",
        f"  > learn-one: deck 'Small Deck::1 Key learnings' -> 'Renamed::1 Key learnings' {placement}",
        f"  > learn-two: deck 'Small Deck::1 Key learnings' -> 'Renamed::1 Key learnings' {placement}",
        "  ~ quiz-one: Answer, deck 'Small Deck::2 Quiz' -> 'Renamed::2 Quiz'",
        f"  > quiz-two: deck 'Small Deck::2 Quiz' -> 'Renamed::3 Deep dive' {placement}",
        f"  > deep-one: deck 'Small Deck::3 Deep dive' -> 'Renamed::3 Deep dive' {placement}",
        f"  > deep-two: deck 'Small Deck::3 Deep dive' -> 'Renamed::3 Deep dive' {placement}",
    ]
    assert result.stderr.splitlines() == [
        "Warning: cardsrc/small.yaml: the deck was renamed from 'Small Deck' to 'Renamed': Anki matches decks "
        "by name and never moves a card a learner already has, so their cards stay under 'Small Deck' and only "
        "new cards go to 'Renamed'; the changelog tells learners how to move them (Change Deck)",
        "Warning: cardsrc/small.yaml: 1 note moves from 'Small Deck::2 Quiz' to 'Renamed::3 Deep dive' (quiz-two): "
        "Anki never moves a card a learner already has, so their cards stay in 'Small Deck::2 Quiz'; the "
        "changelog tells learners how to move them (Change Deck)",
    ]


@pytest.mark.parametrize("through", ["diff", "build"])
def test_a_lock_written_before_placement_was_told_apart_is_reproduced_byte_for_byte(
    small_source: Path, tmp_path: Path, edit_source: Edit, through: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upgrade itself re-stamps nothing: a 1.0.1 lock made by the previous builder (3f9624e).

    Only its format number moves (to 2, which added notes' earlier states: a
    format-1 lock has none to add). That builder named the subdecks without
    numbers; with today's names the same lock is a placement-only patch (next test).
    """
    monkeypatch.setattr(source_module, "SUBDECKS", SUBDECKS_3F9624E)
    lock = small_source.with_name("small.lock")
    shutil.copy(FIXTURES / "small-1.0.1.lock", lock)
    edit_source(small_source, "answer: Answers.", "answer: Better answers.")
    if through == "diff":
        assert describe_plan(plan_deck(small_source, now=T3)) == (["small: no changes (version 1.0.1)"], False)
    else:
        result = build_deck(small_source, tmp_path / "dist", now=T3)
        assert lock in result.written and result.version == "1.0.1"
        old = (FIXTURES / "small-1.0.1.lock").read_bytes()
        assert lock.read_bytes() == old.replace(b'"format": 1,', b'"format": 2,', 1)


def test_numbering_the_subdecks_moves_every_note_restamps_none_and_the_changelog_gives_the_steps(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    lock = small_source.with_name("small.lock")
    shutil.copy(FIXTURES / "small-1.0.1.lock", lock)
    mods = lock_mods(small_source)
    edit_source(small_source, "answer: Answers.", "answer: Better answers.")
    result = build_deck(small_source, tmp_path / "dist", now=T3)
    assert result.plan is not None and result.version == "1.0.2"
    assert result.plan.ids("changed") == () and len(result.plan.ids("moved")) == 6
    assert lock_mods(small_source) == mods
    changelog = (tmp_path / "dist" / "small-CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.split("## 1.0.1")[0].splitlines()[-7:] == [
        "What to do in Anki:",
        "",
        "- Cards you already have stay where they were. In *Browse*, search each old deck below, "
        "select all, *Cards > Change Deck* to its new deck, then delete the empty old deck; review history "
        "moves with the cards.",
        '  - `deck:"Small Deck::Key learnings"` to `Small Deck::1 Key learnings`',
        '  - `deck:"Small Deck::Quiz"` to `Small Deck::2 Quiz`',
        '  - `deck:"Small Deck::Deep dive"` to `Small Deck::3 Deep dive`',
        "",
    ]
    assert build_deck(small_source, tmp_path / "dist", now=T3 + 1).written == ()  # the steps survive a reread
    history = json.loads(lock.read_text(encoding="utf-8"))["history"]
    assert history[-1]["moves"][0] == ["Small Deck::Key learnings", "Small Deck::1 Key learnings"]
    assert all("moves" not in release for release in history[:-1])


@pytest.mark.parametrize("moves", [["one"], [["a", "b", "c"]], [["a", 1]], "ab", [None]])
def test_a_lock_with_a_bad_moves_entry_is_damaged(small_source: Path, tmp_path: Path, moves: object) -> None:
    build_deck(small_source, tmp_path / "dist", now=T1)
    lock = small_source.with_name("small.lock")
    data = json.loads(lock.read_text(encoding="utf-8"))
    data["history"][-1]["moves"] = moves
    lock.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(LockError, match="the lock is damaged"):
        read_lock(lock)
