"""A release that changes notes only through the deck's own keys (its tags, its source) says so.

One deck tag added, or the article's date corrected, changes every note, and
Anki replaces a whole note on update: every learner's own edits and tags on
every note. Measured in the real engine (anki 26.9.3): an update import with
the default options replaces all fields and the tag list (``marked``,
``leech`` and the learner's own tags included, no merge); card flags,
scheduling and the review log stay; *Update notes: Never* keeps the
learner's notes whole and still adds new notes.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.build import build_deck, plan_deck
from builder.cli import cli
from builder.identity import note_guid
from builder.learners import changelog_text
from builder.lockread import read_lock
from tests.ankitools import import_apkg, note_by_guid, open_collection, review_everything

T1 = 1_700_000_000
T2 = T1 + 86_400
Edit = Callable[[Path, str, str], None]
ALL = ("learn-one", "learn-two", "quiz-one", "quiz-two", "deep-one", "deep-two")
NEVER = 2
"""``ImportAnkiPackageUpdateCondition`` NEVER: the import option *Update notes: Never*."""


@pytest.mark.parametrize(("edits", "wide", "causes"), [
    pytest.param([("tags: [testing]", "tags: [testing, extra]")], ALL, ("tags",), id="deck tag added"),
    pytest.param([("tags: [testing]", "tags: []")], ALL, ("tags",), id="deck tag removed"),
    pytest.param([("date: 2025-01-31", "date: 2025-02-01")], ALL, ("source",), id="source date"),
    pytest.param([("title: An Article", "title: The Article")], ALL, ("source",), id="source title"),
    pytest.param([("tags: [testing]", "tags: [testing, extra]"), ("author: Ada Author", "author: Ada")], ALL,
                 ("tags", "source"), id="tags and author"),
    pytest.param([("tags: [testing]", "tags: [testing, extra]"), ("answer: Answers.", "answer: Better.")],
                 tuple(note for note in ALL if note != "quiz-one"), ("tags",), id="deck-wide and one real edit"),
    pytest.param([("tags: [testing]", "tags: [testing, extra]"), ("tags: [alpha]", "tags: [alpha, beta]")],
                 tuple(note for note in ALL if note != "learn-one"), ("tags",), id="deck tag and a note's own"),
    pytest.param([("answer: Answers.", "answer: Better.")], None, (), id="one real edit"),
    pytest.param([("tags: [alpha]", "tags: []")], None, (), id="a note's own tag removed"),
    pytest.param([("title: Small deck", "title: Small deck, renamed")], None, (), id="deck title: no note"),
])
def test_the_notes_that_change_only_through_deck_wide_keys(
    small_source: Path, tmp_path: Path, edit_source: Edit, edits: list[tuple[str, str]],
    wide: tuple[str, ...] | None, causes: tuple[str, ...],
) -> None:
    build_deck(small_source, tmp_path / "dist", now=T1)
    for old, new in edits:
        edit_source(small_source, old, new)
    found = plan_deck(small_source, now=T2).deck_wide
    assert (found.note_ids, found.causes) == (wide, causes) if wide else found is None


def test_diff_and_build_say_it_in_one_line_and_one_warning(project: Path, edit_source: Edit) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["build"]).exit_code == 0
    source = project / "cardsrc" / "small.yaml"
    edit_source(source, "tags: [testing]", "tags: [testing, extra]")
    edit_source(source, "answer: Answers.", "answer: Better.")
    warning = ("Warning: cardsrc/small.yaml: 5 notes change only because the deck's tags changed, which every note "
               "carries: importing this release replaces, on each of them, learners' own edits to the note and "
               "their tags (marked, leech, their own); flags, scheduling and review history are kept; the "
               "changelog tells learners")
    result = runner.invoke(cli, ["diff"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "small: 1.0.0 -> 1.0.1, patch",
        "  ~ learn-one: tags",
        "  ~ learn-two: tags",
        "  ~ quiz-one: Answer, tags",
        "  ~ quiz-two: tags",
        "  ~ deep-one: tags",
        "  ~ deep-two: tags",
        "  ! 5 notes change only because the deck's tags changed: importing replaces learners' own edits and "
        "tags on them",
    ]
    assert result.stderr.splitlines() == [warning]
    built = runner.invoke(cli, ["build"])
    assert built.exit_code == 0
    assert built.stderr.splitlines() == [warning]


def test_the_changelog_tells_learners_what_the_import_replaces_and_how_to_keep_theirs(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    out = tmp_path / "dist"
    build_deck(small_source, out, now=T1)
    edit_source(small_source, "date: 2025-01-31", "date: 2025-02-01")
    build_deck(small_source, out, now=T2)
    replaced = ("- Changed notes (6 in this release) are replaced whole when you import: your own edits to them "
                "and your tags on them (`marked`, `leech`, yours) are lost; flags, scheduling and review history "
                "stay. A note you edited in Anki after this release was built is skipped instead (yours is newer).")
    assert (out / "small-CHANGELOG.md").read_text(encoding="utf-8").splitlines()[2:9] == [
        "## 1.0.1 (2023-11-15)",
        "",
        "6 changed.",
        "",
        "- Changed: learn-one, learn-two, quiz-one, quiz-two, deep-one, deep-two",
        "",
        "What to do in Anki:",
    ]
    history = read_lock(small_source.with_name("small.lock")).history
    assert changelog_text("Small deck", history).splitlines()[9:11] == [
        "",
        f"{replaced} All of them change only because the deck's source line (the article's title, author, date or "
        "link) changed, not their text. To keep your edits and tags on them, import with *Update notes: Never* in "
        "the import options: your notes stay exactly as they are and only miss that change; new notes are still "
        "added.",
    ]

    edit_source(small_source, "tags: [testing]", "tags: [testing, extra]")
    edit_source(small_source, "answer: Answers.", "answer: Better.")
    build_deck(small_source, out, now=T2 + 86_400)
    latest = read_lock(small_source.with_name("small.lock")).history[-1]
    assert latest.for_learners == (
        replaced[2:] + " 5 of them change only because the deck's tags changed, not their text. Before "
        "importing, keep what you care about: flag the cards you marked (*Browse*, search `tag:marked`, select "
        "all, *Cards > Flag*), and copy out edits you want to keep (search `edited:30` lists notes edited in the "
        "last 30 days).",
    )


def test_a_deck_tag_added_replaces_what_the_tool_said_and_keeps_scheduling(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    out = tmp_path / "dist"
    col = open_collection(tmp_path / "learner.anki2")
    assert len(import_apkg(col, build_deck(small_source, out, now=T1).apkg).new) == 6
    assert review_everything(col) == 7
    mine = note_by_guid(col, note_guid("small", "quiz-one"))
    mine["Answer"], mine["Extra"] = "My own wording.", "My own extra."
    mine.tags = [*mine.tags, "marked", "leech", "my-own"]
    col.update_note(mine)
    col.set_user_flag_for_cards(3, [card.id for card in mine.cards()])
    col.db.execute("update notes set mod = ? where id = ?", T1 + 3600, mine.id)  # edited before the release
    cards = "select c.id, c.did, c.ivl, c.due, c.flags, (select count() from revlog r where r.cid = c.id) from cards c"
    before = col.db.all(cards)
    col.close()
    shutil.copy(tmp_path / "learner.anki2", tmp_path / "never.anki2")  # a second learner, the same state
    col = open_collection(tmp_path / "learner.anki2")

    edit_source(small_source, "tags: [testing]", "tags: [testing, extra]")
    second = build_deck(small_source, out, now=T2)
    assert second.warnings == (
        "6 notes change only because the deck's tags changed, which every note carries: importing this release "
        "replaces, on each of them, learners' own edits to the note and their tags (marked, leech, their own); "
        "flags, scheduling and review history are kept; the changelog tells learners",)
    assert second.plan is not None and "Update notes: Never" in second.plan.lock.history[-1].for_learners[0]

    log = import_apkg(col, second.apkg)  # the default options
    assert (len(log.new), len(log.updated)) == (0, 6)
    mine = note_by_guid(col, note_guid("small", "quiz-one"))
    assert (mine["Answer"], mine["Extra"]) == ("Answers.", "Extra context.")  # the edits are replaced
    assert sorted(mine.tags) == ["extra", "quiz", "small", "testing"]  # marked, leech and my-own are gone
    assert col.db.all(cards) == before  # flags, decks, schedules and review history stay
    col.close()

    never = open_collection(tmp_path / "never.anki2")  # what the changelog offers: Update notes: Never
    assert len(import_apkg(never, second.apkg, update_notes=NEVER).updated) == 0
    mine = note_by_guid(never, note_guid("small", "quiz-one"))
    assert (mine["Answer"], sorted(mine.tags)) == ("My own wording.", ["leech", "marked", "my-own", "quiz", "small",
                                                                         "testing"])
    never.close()
