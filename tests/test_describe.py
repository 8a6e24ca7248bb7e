"""builder diff's lines: what the next build would release, one line per note."""

from __future__ import annotations

from pathlib import Path

from builder.build import build_deck, plan_deck
from builder.describe import describe_plan
from tests.conftest import write_source

T1 = 1_700_000_000


def test_a_first_release_is_one_line(tmp_path: Path) -> None:
    source = write_source(tmp_path / "cardsrc")
    assert describe_plan(plan_deck(source, now=T1)) == (["small: first release 1.0.0 (6 notes)"], True)


def test_no_changes_says_so(tmp_path: Path) -> None:
    source = write_source(tmp_path / "cardsrc")
    build_deck(source, tmp_path / "dist", now=T1)
    assert describe_plan(plan_deck(source, now=T1 + 60)) == (["small: no changes (version 1.0.0)"], False)


def test_each_kind_of_change_has_its_mark(tmp_path: Path) -> None:
    source = write_source(tmp_path / "cardsrc")
    build_deck(source, tmp_path / "dist", now=T1)
    text = source.read_text(encoding="utf-8")
    text = text.replace("Second learning about", "The second learning is about")
    text = text.replace("  - id: deep-two\n    kind: deep-dive\n    text: Scorpion was written in {{c1::C++}}.\n", "")
    text = text.replace("id: deep-one\n    kind: deep-dive", "id: deep-one\n    kind: quiz")
    text += "  - id: quiz-three\n    kind: quiz\n    question: Is this a third question?\n    answer: Yes.\n"
    source.write_text(text, encoding="utf-8")
    lines, changed = describe_plan(plan_deck(source, now=T1 + 60))
    assert changed
    assert lines[0] == "small: 1.0.0 -> 2.0.0, major"
    marks = {line.split()[1]: line.split()[0] for line in lines[1:] if not line.lstrip().startswith("!")}
    assert marks == {"learn-two:": "~", "deep-one:": ">", "quiz-three": "+", "deep-two": "-"}
