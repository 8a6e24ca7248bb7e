"""What learners are told: the changelog and the deck description, and that the advice holds in real Anki."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from builder.build import build_deck
from builder.identity import note_guid
from builder.learners import changelog_text
from builder.lock import Release
from tests.ankitools import import_apkg, note_by_guid, open_collection, review_everything, visible_text

T1 = 1_700_000_000
T2 = T1 + 86_400
T3 = T2 + 86_400
Edit = Callable[[Path, str, str], None]
DEEP_ONE = ("  - id: deep-one\n    kind: deep-dive\n    question: Who built Linchpin?\n"
            "    answer: A senior staff engineer in Home Feed.\n")
QUIZ_ONE_TWO = ("  - id: quiz-two\n    kind: quiz\n    question: Which year did the thing happen?\n"
                "    answer: \"2015\"\n")


def deck_description(col: object) -> str:
    return visible_text(col.decks.get(col.decks.id_for_name("Small Deck"))["desc"])  # type: ignore[attr-defined]


def test_suspending_retired_notes_keeps_their_history_for_a_restore_and_deleting_them_does_not(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    """The changelog's advice, in the real engine: a suspended retired note comes back in place."""
    out = tmp_path / "dist"
    original = small_source.read_text(encoding="utf-8")
    suspended, deleted = open_collection(tmp_path / "suspends.anki2"), open_collection(tmp_path / "deletes.anki2")
    first = build_deck(small_source, out, now=T1)
    for col in (suspended, deleted):
        import_apkg(col, first.apkg)
        review_everything(col)
    guid = note_guid("small", "deep-one")
    history = suspended.db.list("select id from revlog where cid in (select id from cards where nid = ?)",
                                note_by_guid(suspended, guid).id)
    schedule = [(card.type, card.ivl, card.due) for card in note_by_guid(suspended, guid).cards()]
    assert history and schedule[0][1] > 0
    edit_source(small_source, DEEP_ONE, "")
    second = build_deck(small_source, out, now=T2)
    for col in (suspended, deleted):
        import_apkg(col, second.apkg)
    retired = suspended.find_cards("tag:builder::retired")
    suspended.sched.suspend_cards(retired)
    deleted.remove_notes(deleted.find_notes("tag:builder::retired"))
    changelog = (out / "small-CHANGELOG.md").read_text(encoding="utf-8")
    assert "Retired notes (1 in this release) read \"Retired in 2.0.0\"" in changelog
    assert "(*Browse*, search `tag:builder::retired`, select all, *Cards > Toggle Suspend*)" in changelog
    assert "Retired notes (1 in this release)" in deck_description(suspended)

    small_source.write_text(original, encoding="utf-8")
    third = build_deck(small_source, out, now=T3)
    assert third.plan is not None and third.plan.ids("restored") == ("deep-one",)
    assert (len(import_apkg(suspended, third.apkg).updated), len(import_apkg(deleted, third.apkg).new)) == (1, 1)
    kept = note_by_guid(suspended, guid)
    assert [card.id for card in kept.cards()] == retired  # in place: same cards, schedule and review log
    assert [(card.type, card.ivl, card.due) for card in kept.cards()] == schedule
    assert suspended.db.list("select id from revlog where cid in (select id from cards where nid = ?)",
                             kept.id) == history
    assert suspended.find_cards("tag:small is:suspended -tag:builder::retired") == retired  # the search we give
    assert [(card.type, card.ivl) for card in note_by_guid(deleted, guid).cards()] == [(0, 0)]  # a new card again
    changelog = (out / "small-CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.split("## 2.0.0")[0].splitlines()[4:] == [
        "1 restored.",
        "",
        "- Restored: deep-one",
        "",
        "What to do in Anki:",
        "",
        "- Restored notes (1 in this release) are back in place, with their review history if you kept them. "
        "If you suspended retired notes, search `tag:small is:suspended -tag:builder::retired` in *Browse* and "
        "unsuspend them (*Cards > Toggle Suspend*).",
        "",
    ]
    suspended.close()
    deleted.close()

ADDED = "  - id: quiz-three\n    kind: quiz\n    question: A new question?\n    answer: A new answer.\n"


def test_a_release_with_nothing_for_learners_adds_nothing_to_the_description(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    out = tmp_path / "dist"
    build_deck(small_source, out, now=T1)
    with small_source.open("a", encoding="utf-8") as handle:
        handle.write(ADDED)  # a note added: nothing in a learner's collection is replaced
    result = build_deck(small_source, out, now=T2)
    assert result.plan is not None
    assert "What to do" not in result.plan.decks[0].description
    assert "for_learners" not in json.loads(small_source.with_name("small.lock").read_text())["history"][-1]
    assert "What to do" not in (out / "small-CHANGELOG.md").read_text(encoding="utf-8")


def test_the_description_in_anki_shows_the_latest_release_note_only(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    out = tmp_path / "dist"
    col = open_collection(tmp_path / "learner.anki2")
    import_apkg(col, build_deck(small_source, out, now=T1).apkg)
    edit_source(small_source, "  - id: quiz-two\n    kind: quiz\n", "  - id: quiz-two\n    kind: deep-dive\n")
    import_apkg(col, build_deck(small_source, out, now=T2).apkg)
    assert ('What to do in Anki after version 1.0.1: Cards you already have stay where they were. In Browse , '
            'search each old deck below, select all, Cards > Change Deck to its new deck, then delete the empty '
            'old deck; review history moves with the cards. deck:"Small Deck::2 Quiz" to Small Deck::3 Deep dive'
            ) in deck_description(col)
    with small_source.open("a", encoding="utf-8") as handle:
        handle.write(ADDED)
    import_apkg(col, build_deck(small_source, out, now=T3).apkg)
    assert "What to do" not in deck_description(col)
    col.close()


def test_the_changelog_gives_the_change_deck_steps_of_a_release_cut_before_notes_were_kept() -> None:
    legacy = Release("1.1.0", "2026-12-02", changed=("a",), summary="1 changed, 1 moved to another deck.",
                     moved=("b",), moves=(("D::Quiz", "D::2 Quiz"),))
    assert changelog_text("Deck", [legacy]).splitlines()[6:] == [
        "- Changed: a",
        "- Moved to another deck: b",
        "",
        "What to do in Anki:",
        "",
        "- Cards you already have stay where they were. In *Browse*, search each old deck below, select all, "
        "*Cards > Change Deck* to its new deck, then delete the empty old deck; review history moves with the cards.",
        '  - `deck:"D::Quiz"` to `D::2 Quiz`',
    ]


def test_an_update_replaces_a_learners_tags_and_edits_but_keeps_flags(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    col = open_collection(tmp_path / "learner.anki2")
    import_apkg(col, build_deck(small_source, tmp_path / "dist", now=T1).apkg)
    note = note_by_guid(col, note_guid("small", "quiz-one"))
    note.tags = [*note.tags, "marked"]
    note["Extra"] = "My own note."
    col.update_note(note)
    col.set_user_flag_for_cards(3, [card.id for card in note.cards()])
    edit_source(small_source, "answer: Answers.", "answer: Better answers.")
    later = int(time.time()) + 2  # newer than the learner's edit, which Anki stamped with the clock
    assert len(import_apkg(col, build_deck(small_source, tmp_path / "dist", now=later).apkg).updated) == 1
    note = note_by_guid(col, note_guid("small", "quiz-one"))
    assert "marked" not in note.tags and note["Extra"] != "My own note."
    assert [card.user_flag() for card in note.cards()] == [3]
    col.close()


def test_an_edit_made_in_anki_after_a_release_was_built_keeps_that_release_from_fixing_the_note(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    """Anki keeps the newer note: the learner's edit (now) beats a fix built earlier (T2)."""
    out = tmp_path / "dist"
    col = open_collection(tmp_path / "learner.anki2")
    import_apkg(col, build_deck(small_source, out, now=T1).apkg)
    edit_source(small_source, "answer: Answers.", "answer: The fix.")
    fixed = build_deck(small_source, out, now=T2)
    note = note_by_guid(col, note_guid("small", "quiz-one"))
    note["Extra"] = "Edited after the fix was built."
    col.update_note(note)
    log = import_apkg(col, fixed.apkg)
    assert (len(log.updated), len(log.duplicate)) == (0, 6)
    assert "The fix." not in note_by_guid(col, note_guid("small", "quiz-one"))["Answer"]
    col.close()


def test_an_older_release_imported_later_changes_nothing_but_brings_back_deleted_notes(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    out = tmp_path / "dist"
    first = build_deck(small_source, out, now=T1)
    edit_source(small_source, "answer: Answers.", "answer: Better answers.")
    second = build_deck(small_source, out, now=T2)
    col = open_collection(tmp_path / "learner.anki2")
    import_apkg(col, second.apkg)
    col.remove_notes([note_by_guid(col, note_guid("small", "deep-one")).id])
    log = import_apkg(col, first.apkg)
    assert (len(log.updated), len(log.new)) == (0, 1)
    assert "Better answers." in note_by_guid(col, note_guid("small", "quiz-one"))["Answer"]
    assert note_by_guid(col, note_guid("small", "deep-one")) is not None
    col.close()
