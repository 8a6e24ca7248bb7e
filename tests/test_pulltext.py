"""What ``builder pull`` prints (builder/pulltext.py): the head line's counts, one block per finding, exact texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import Location
from builder.pull import Finding, PullReport
from builder.pulltext import describe_refusal, describe_report
from builder.source import load_deck

WHERE = Location("cardsrc/small.yaml", 23)


def finding(status: str, **given: str) -> Finding:
    return Finding(**{"note_id": "quiz-one", "where": WHERE, "subject": "Answer", "status": status, **given})


@pytest.mark.parametrize(("statuses", "head"), [
    ((), "small: no edits in Anki (the export holds 6 of its 6 released notes)"),
    (("edit",), "small: 1 edit (the export holds 6 of its 6 released notes)"),
    (("edit", "edit", "conflict"), "small: 2 edits, 1 conflict (the export holds 6 of its 6 released notes)"),
    (("kept", "refused", "conflict", "conflict", "edit"),
     "small: 1 edit, 2 conflicts, 1 refused, 1 not pulled (the export holds 6 of its 6 released notes)"),
    (("refused", "refused", "kept", "kept"),
     "small: 2 refused, 2 not pulled (the export holds 6 of its 6 released notes)"),
], ids=["none", "one-edit", "plural", "every-status-in-fixed-order", "no-edit"])
def test_the_head_line_counts_each_status(small_source: Path, statuses: tuple[str, ...], head: str) -> None:
    report = PullReport(small_source, load_deck(small_source), 6, 6, tuple(finding(status) for status in statuses))
    assert describe_report(report)[0] == head


def test_the_head_line_says_how_many_released_notes_the_export_holds(small_source: Path) -> None:
    report = PullReport(small_source, load_deck(small_source), 2, 7)
    assert describe_report(report) == ["small: no edits in Anki (the export holds 2 of its 7 released notes)"]


@pytest.mark.parametrize(("given", "lines"), [
    ({"old": "Answers.", "new": "Better answers."},
     ["  ~ cardsrc/small.yaml:23: quiz-one: Answer", "      - Answers.", "      + Better answers."]),
    ({"old": "one\ntwo", "new": "one\nthree\n\n"},
     ["  ~ cardsrc/small.yaml:23: quiz-one: Answer", "      - one", "      - two", "      + one", "      + three"]),
    ({"old": "Answers.", "new": ""},
     ["  ~ cardsrc/small.yaml:23: quiz-one: Answer", "      - Answers.", "      + (empty)"]),
    ({"old": "", "new": "<b>x</b>\n"},
     ["  ~ cardsrc/small.yaml:23: quiz-one: Answer", "      - (empty)", "      + <b>x</b>"]),
    ({"reason": "the source changed too"}, ["  ~ cardsrc/small.yaml:23: quiz-one: Answer: the source changed too"]),
    ({"note_id": "", "subject": "note"}, ["  ~ cardsrc/small.yaml:23: note"]),
], ids=["old-and-new", "lines-each-marked-trailing-breaks-dropped", "emptied", "added", "reason-only", "no-note-id"])
def test_a_finding_is_its_head_and_its_text_lines(
    small_source: Path, given: dict[str, str], lines: list[str]
) -> None:
    report = PullReport(small_source, load_deck(small_source), 6, 6, (finding("edit", **given),))
    assert describe_report(report)[1:] == lines


@pytest.mark.parametrize(("status", "mark"), [("edit", "~"), ("conflict", "!"), ("refused", "?"), ("kept", "=")])
def test_each_status_has_its_mark(small_source: Path, status: str, mark: str) -> None:
    report = PullReport(small_source, load_deck(small_source), 6, 6, (finding(status, reason="why"),))
    assert describe_report(report)[1] == f"  {mark} cardsrc/small.yaml:23: quiz-one: Answer: why"


def test_what_a_learner_wrote_cannot_forge_a_line_or_drive_the_terminal(small_source: Path) -> None:
    report = PullReport(small_source, load_deck(small_source), 6, 6,
                        (finding("edit", old="a", new="b\x1b[2J\rError: forged"),))
    assert describe_report(report)[1:] == [
        "  ~ cardsrc/small.yaml:23: quiz-one: Answer", "      - a", "      + b\\x1b[2J\\rError: forged"]


def test_a_refusal_after_all_is_one_line() -> None:
    assert describe_refusal(finding("refused", reason="the line moved")) == (
        "  ? cardsrc/small.yaml:23: quiz-one: Answer: the line moved")
