"""The release gate: ``builder build`` refuses what ``builder check`` finds errors in; drafts accept it."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder import places as places_module
from builder.cli import cli
from builder.lint import check_source
from builder.releasegate import release_problems
from builder.source import load_deck
from builder.watch import Drafted, draft_source
from tests.conftest import REPO, write_source
from tests.test_rebuild import snapshot

LINT = REPO / "tests" / "fixtures" / "lint"
Edit = Callable[[Path, str, str], None]


def without_column(check_line: str) -> str:
    """A ``builder check`` line as the build prints the same finding: ``file:line: CODE message``."""
    return re.sub(r"^([^:]+:\d+):\d+:", r"\1:", check_line)


def build(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["build", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def test_a_todo_answer_is_not_released_and_nothing_is_written(project: Path, edit_source: Edit) -> None:
    edit_source(project / "cardsrc" / "small.yaml", "answer: Answers.", "answer: TODO")
    assert build() == (1, "", (
        "Error: cardsrc/small.yaml:23: L301 'answer' of note 'quiz-one' is still TODO: write the answer\n"
        "Error: cardsrc/small.yaml: not released: 'builder check cardsrc/small.yaml' finds 1 error (above); "
        "fix it, or try the deck with 'builder build --draft' (warnings never block a release)\n"
    ))
    assert sorted(path.name for path in project.rglob("*")) == ["cardsrc", "small.yaml"]


@pytest.mark.parametrize(("old", "new", "code"), [
    ("answer: Answers.", "answer: TODO", "L301"),
    ("{{c1::caching}}", "{{c1::caching::TODO}}", "L305"),
    ("author: Ada Author", "author: TODO", "L304"),
    ("date: 2025-01-31", "date: 1970-01-01", "L304"),
    ("url: https://example.org/article", "url: https://example.invalid/TODO", "L304"),
], ids=["todo-answer", "todo-deletion", "todo-author", "epoch-date", "invalid-url"])
def test_every_placeholder_of_builder_new_blocks_a_release_of_an_existing_deck(
    project: Path, edit_source: Edit, old: str, new: str, code: str
) -> None:
    assert build()[0] == 0
    edit_source(project / "cardsrc" / "small.yaml", old, new)
    before = snapshot(project / "dist", project / "cardsrc")
    status, stdout, stderr = build()
    assert (status, stdout) == (1, "")
    assert [line.split(": ")[2].split()[0] for line in stderr.splitlines()[:-1]] == [code]
    assert snapshot(project / "dist", project / "cardsrc") == before
    assert CliRunner().invoke(cli, ["check"]).exit_code == 1


def test_a_fresh_builder_new_source_drafts_but_does_not_release(project: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["new", "--title", "Fresh deck", "--slug", "fresh"]).exit_code == 0
    source = "cardsrc/fresh.yaml"
    checked = runner.invoke(cli, ["check", source]).stdout.splitlines()
    assert build(source) == (1, "", "".join(f"Error: {without_column(line)}\n" for line in checked) + (
        f"Error: {source}: not released: 'builder check {source}' finds 7 errors (above); fix them, or try "
        "the deck with 'builder build --draft' (warnings never block a release)\n"))
    assert build("--draft", source) == (0, (
        "Drafted dist/fresh-draft.apkg: 2 notes, 2 cards (draft of version 1.0.0, not a release)\n"
        f"Not releasable yet: 'builder check {source}' finds 7 errors\n"), "")
    assert not (project / "cardsrc" / "fresh.lock").exists()


def test_watch_drafts_an_unfinished_source_and_says_what_blocks_its_release(project: Path, edit_source: Edit) -> None:
    edit_source(project / "cardsrc" / "small.yaml", "answer: Answers.", "answer: TODO")
    outcome = draft_source(Path("cardsrc/small.yaml"), Path("dist"))
    assert isinstance(outcome, Drafted)
    assert outcome.blocked == "Not releasable yet: 'builder check cardsrc/small.yaml' finds 1 error"


def test_warnings_do_not_block_a_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(LINT / "w201-answer-too-long.yaml", tmp_path / "deck.yaml")
    monkeypatch.chdir(tmp_path)
    assert [problem.severity for problem in check_source(Path("deck.yaml"))] == ["warning"]
    status, stdout, _ = build("deck.yaml")
    assert (status, stdout) == (0, "Built dist/w201-answer-too-long-1.0.0.apkg: 2 notes, 2 cards (version 1.0.0)\n")


@pytest.mark.parametrize("fixture", sorted(path.name for path in LINT.glob("*.yaml")))
def test_check_and_build_agree_on_every_lint_fixture(
    fixture: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(LINT / fixture, tmp_path / fixture)
    monkeypatch.chdir(tmp_path)
    # Scripts build only with the flag a source cannot set (tests/test_declared_types.py): checked and built with
    # it here, as check without it reports them as errors (E167, E168: tests/test_lint.py).
    unsafe = fixture.startswith(("w212", "w213"))
    errors = [f"Error: {without_column(str(problem))}" for problem in check_source(Path(fixture), unsafe_html=unsafe)
              if problem.severity == "error"]
    status, _, stderr = build(fixture, *["--unsafe-html"] * unsafe)
    assert status == (1 if errors else 0)
    assert sorted(stderr.splitlines()[:-1]) == sorted(errors)
    assert (tmp_path / "dist").exists() is not bool(errors)


def test_a_clean_release_never_parses_the_source_a_second_time(
    small_source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding no lint error needs no columns; placing one found parses the source for them."""
    deck = load_deck(small_source)

    def no_parse(*_: object) -> object:
        raise AssertionError("parsed")

    monkeypatch.setattr(places_module, "parse", no_parse)
    assert release_problems(deck) == []
    todo = write_source(small_source.parent, small_source.read_text().replace("answer: Answers.", "answer: TODO"),
                        name="todo.yaml")
    with pytest.raises(AssertionError, match="parsed"):
        release_problems(load_deck(todo))
