"""``builder watch``: the loop driven by lists of changes, and once for real with file events and Ctrl-C."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from msgspec.structs import replace

from builder import watch as watch_module
from builder.cli import cli
from builder.errors import BuilderError
from builder.watch import Drafted, Failed, Outcome, WatchSet, describe, draft_source, file_changes, watch_loop
from tests.conftest import REPO, SMALL_SOURCE, write_source

QUIZ_ANSWER = "    answer: Answers.\n"
SECOND_QUIZ = "    kind: quiz\n    question: Which"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_source(tmp_path / "cardsrc")
    (tmp_path / "cardsrc" / "images").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return tmp_path


SMALL = Path("cardsrc/small.yaml")


@pytest.mark.usefixtures("project")
@pytest.mark.parametrize(("watched", "changed", "expected"), [
    (WatchSet(named=(SMALL,)), ["cardsrc/small.yaml"], [SMALL]),
    (WatchSet(named=(SMALL,)), ["cardsrc/small.yaml", "cardsrc/small.yaml"], [SMALL]),
    (WatchSet(named=(SMALL,)), ["cardsrc/images/chart.PNG"], [SMALL]),  # an image beside it
    (WatchSet(named=(SMALL,)), ["cardsrc/other.yaml"], []),  # not a named source
    (WatchSet(named=(SMALL,)), ["cardsrc/small.lock"], []),  # what a build writes
    (WatchSet(named=(SMALL,)), ["cardsrc/.small.lock.builder-tmp-42"], []),
    (WatchSet(named=(SMALL,)), ["cardsrc/notes.txt"], []),
    (WatchSet(named=(SMALL,)), ["cardsrc/.builder-cache/chart.png"], []),  # hidden folders hold no sources' images
    (WatchSet(folder=Path("cardsrc")), ["cardsrc/small.yaml"], [SMALL]),
    (WatchSet(folder=Path("cardsrc")), ["cardsrc/new.yaml"], [Path("cardsrc/new.yaml")]),  # created meanwhile
    (WatchSet(folder=Path("cardsrc")), ["cardsrc/.#small.yaml"], []),  # an editor's lock file
    (WatchSet(folder=Path("cardsrc")), ["cardsrc/images/deck.yaml"], []),  # not a source folder
    (WatchSet(folder=Path("cardsrc")), ["elsewhere/x.png"], []),
])
def test_which_sources_a_change_rebuilds(watched: WatchSet, changed: list[str], expected: list[Path]) -> None:
    assert watched.affected([Path(path).absolute() for path in changed]) == expected


def test_loop_builds_everything_first_then_what_each_batch_touches(project: Path) -> None:
    write_source(project / "cardsrc", SMALL_SOURCE.replace("slug: small", "slug: other"), name="other.yaml")
    built: list[str] = []
    reported: list[str] = []

    def rebuild(source: Path) -> Outcome:
        built.append(source.name)
        return Failed(source, (), 0.0)

    batches = [set(), {project / "cardsrc/other.yaml"}, {project / "cardsrc/images/x.svg"}, {project / "dist/x"}]
    watch_loop(batches, WatchSet(folder=Path("cardsrc")), rebuild, lambda outcome: reported.append(outcome.source.name))
    assert built == ["other.yaml", "small.yaml", "other.yaml", "other.yaml", "small.yaml"]
    assert reported == built


def fixed_time(outcome: Outcome) -> Outcome:
    return replace(outcome, seconds=0.25)


def test_loop_rebuilds_and_survives_an_invalid_source(
    project: Path, edit_source: Callable[[Path, str, str], None]
) -> None:
    source = project / SMALL
    saves: list[tuple[str, str]] = [
        (QUIZ_ANSWER, "    answer: Better answers.\n"),
        ("title: Small deck", "title: [Small deck"),  # half-way through an edit
        ("title: [Small deck", "title: Small deck"),
        ("  - id: quiz-two\n", "  - id: quiz-one\n"),  # a duplicate id
        (f"  - id: quiz-one\n{SECOND_QUIZ}", f"  - id: quiz-two\n{SECOND_QUIZ}"),  # fixed again
    ]

    def batches() -> Iterator[set[Path]]:
        yield set()
        for old, new in saves:
            edit_source(source, old, new)
            yield {source}

    lines: list[str] = []
    watch_loop(batches(), WatchSet(named=(SMALL,)), lambda path: draft_source(path, Path("dist")),
               lambda outcome: lines.extend(describe(fixed_time(outcome))))
    assert lines == [
        "Draft of small 1.0.0: 6 added, 0 changed, 0 moved, 0 retired (0.25 s) -> dist/small-draft.apkg",
        "Draft of small 1.0.0: 6 added, 0 changed, 0 moved, 0 retired (0.25 s) -> dist/small-draft.apkg",
        "cardsrc/small.yaml:2:5: E100 invalid YAML: did not find expected ',' or ']'",
        "Not rebuilt cardsrc/small.yaml (0.25 s): fix it and save again",
        "Unchanged draft of small 1.0.0: 6 added, 0 changed, 0 moved, 0 retired (0.25 s) -> dist/small-draft.apkg",
        "cardsrc/small.yaml:25:5: E110 duplicate note id 'quiz-one' (first on line 20): "
        "ids must be unique, give this note a new one",
        "Not rebuilt cardsrc/small.yaml (0.25 s): fix it and save again",
        "Unchanged draft of small 1.0.0: 6 added, 0 changed, 0 moved, 0 retired (0.25 s) -> dist/small-draft.apkg",
    ]
    assert sorted(path.name for path in Path("dist").iterdir()) == ["small-draft.apkg"]
    assert not source.with_name("small.lock").exists()


def test_ten_saves_under_watch_leave_the_lock_and_the_releases_byte_for_byte(
    project: Path, edit_source: Callable[[Path, str, str], None]
) -> None:
    assert CliRunner().invoke(cli, ["build"]).exit_code == 0
    source = project / SMALL
    released = {path.name: path.read_bytes() for path in [source.with_name("small.lock"), *Path("dist").iterdir()]}
    added = "  - id: draft-note\n    kind: quiz\n    question: Added for a moment?\n    answer: Yes.\n"
    saves: list[tuple[str, str]] = [
        (QUIZ_ANSWER, "    answer: Better answers.\n"),  # valid
        ("title: Small deck", "title: [Small deck"),  # invalid, half-way through an edit
        ("title: [Small deck", "title: Small deck"),
        ("  - id: deep-one\n", added + "  - id: deep-one\n"),  # a note added...
        (added, ""),  # ...and removed again
        ("Scorpion was written", "Scorpoin was written"),  # a typo made...
        ("Scorpoin was written", "Scorpion was written"),  # ...and fixed
        ("  - id: quiz-two\n", "  - id: quiz-one\n"),  # a duplicate id
        (f"  - id: quiz-one\n{SECOND_QUIZ}", f"  - id: quiz-two\n{SECOND_QUIZ}"),
        ("tags: [alpha]", "tags: [alpha, beta]"),
    ]

    def batches() -> Iterator[set[Path]]:
        yield set()
        for old, new in saves:
            edit_source(source, old, new)
            yield {source}

    outcomes: list[Outcome] = []
    watch_loop(batches(), WatchSet(named=(SMALL,)), lambda path: draft_source(path, Path("dist")), outcomes.append)
    kinds = [type(outcome).__name__ for outcome in outcomes]
    assert kinds == ["Drafted"] * 2 + ["Failed"] + ["Drafted"] * 5 + ["Failed"] + ["Drafted"] * 2
    assert {path.name: path.read_bytes() for path in [source.with_name("small.lock"), *Path("dist").iterdir()]
            if path.name != "small-draft.apkg"} == released
    assert (project / "cardsrc" / ".builder-cache" / "small.yaml.renders").is_file()  # drafts use the render cache
    release = CliRunner().invoke(cli, ["diff"])
    assert release.stdout == "small: 1.0.0 -> 1.0.1, patch\n  ~ learn-one: tags\n  ~ quiz-one: Answer\n"


@pytest.mark.parametrize(("outcome", "expected"), [
    (Drafted(SMALL, "small", "2.0.0", Path("dist/small-draft.apkg"), 1, 2, 4, 3, 1.234, True),
     ["Draft of small 2.0.0: 1 added, 2 changed, 4 moved, 3 retired (1.23 s) -> dist/small-draft.apkg"]),
    (Drafted(SMALL, "small", "2.0.0", Path("dist/small-draft.apkg"), 0, 0, 0, 0, 0.004, False),
     ["Unchanged draft of small 2.0.0: 0 added, 0 changed, 0 moved, 0 retired (0.00 s) -> dist/small-draft.apkg"]),
    (Failed(SMALL, ("Error: cardsrc/small.yaml: no such file: check the path",), 0.5),
     ["Error: cardsrc/small.yaml: no such file: check the path",
      "Not rebuilt cardsrc/small.yaml (0.50 s): fix it and save again"]),
])
def test_describe(outcome: Outcome, expected: list[str]) -> None:
    assert describe(outcome) == expected


def test_missing_watchfiles_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "watchfiles", None)
    with pytest.raises(BuilderError, match=r"^builder watch needs the 'watchfiles' package: "
                                           r"\.venv/bin/pip install -e '\.\[watch\]'$"):
        next(file_changes([tmp_path], lambda: None))


def test_cli_watch_prints_rebuilds_and_stops_on_ctrl_c(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                       edit_source: Callable[[Path, str, str], None]) -> None:
    def fake_changes(roots: list[Path], ready: Callable[[], None]) -> Iterator[set[Path]]:
        assert roots == [Path("cardsrc")]
        ready()
        yield set()
        edit_source(project / SMALL, QUIZ_ANSWER, "    answer: Better answers.\n")
        yield {project / SMALL}
        raise KeyboardInterrupt

    monkeypatch.setattr(watch_module, "file_changes", fake_changes)
    result = CliRunner().invoke(cli, ["watch"])
    assert result.exit_code == 0, result.output
    assert re.sub(r"\(\d+\.\d\d s\)", "(T)", result.stdout).splitlines() == [
        "Watching cardsrc/*.yaml (Ctrl-C to stop)",
        "Draft of small 1.0.0: 6 added, 0 changed, 0 moved, 0 retired (T) -> dist/small-draft.apkg",
        "Draft of small 1.0.0: 6 added, 0 changed, 0 moved, 0 retired (T) -> dist/small-draft.apkg",
        "Stopped watching.",
    ]
    assert result.stderr == ""


def test_cli_watch_lists_fifty_problems_and_counts_the_rest(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = SMALL_SOURCE.replace("tags: [testing]\n", "tags: [testing]\n" + "".join(f"x{n}: y\n" for n in range(60)))
    (project / SMALL).write_text(text, encoding="utf-8")

    def one_batch(roots: list[Path], ready: Callable[[], None]) -> Iterator[set[Path]]:
        ready()
        yield set()
        raise KeyboardInterrupt

    monkeypatch.setattr(watch_module, "file_changes", one_batch)
    result = CliRunner().invoke(cli, ["watch"])
    lines = re.sub(r"\(\d+\.\d\d s\)", "(T)", result.stderr).splitlines()
    assert lines[0] == f"{SMALL}:6:1: E101 unknown key 'x0' in the deck: allowed keys: title, slug, deck, version, " \
                       "description, tags, source, allow_html, additions, tts, lint, note_types, notes"
    assert lines[50:] == [f"{SMALL}: ... and 10 more problems", f"Not rebuilt {SMALL} (T): fix it and save again"]


def test_cli_watch_needs_an_existing_folder(project: Path) -> None:
    result = CliRunner().invoke(cli, ["watch", "nowhere/deck.yaml"])
    assert result.exit_code == 1
    assert result.stderr == "Error: nowhere/ does not exist: name a source in an existing folder\n"


def test_real_watch_rebuilds_on_save_and_exits_cleanly_on_sigint(project: Path) -> None:
    """The one test with real file events: a subprocess, an edit, a rebuild line, then Ctrl-C."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "builder", "watch", str(SMALL)], cwd=project, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # Ctrl-C as at a terminal, even when the suite runs as a background job (which ignores SIGINT).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line.rstrip("\n")) for line in process.stdout or ()])
    reader.start()

    def next_line() -> str:
        try:
            return lines.get(timeout=120)  # a hang guard, not a speed requirement
        except queue.Empty:
            process.kill()
            raise AssertionError(f"builder watch printed nothing more; stderr: {process.communicate()[1]}") from None

    try:
        assert next_line() == "Watching cardsrc/small.yaml (Ctrl-C to stop)"
        assert next_line().startswith("Draft of small 1.0.0: 6 added, 0 changed, 0 moved, 0 retired (")
        source = project / SMALL
        source.write_text(source.read_text(encoding="utf-8").replace(QUIZ_ANSWER, "    answer: Saved.\n"),
                          encoding="utf-8")
        assert re.fullmatch(r"Draft of small 1\.0\.0: 6 added, 0 changed, 0 moved, 0 retired "
                            r"\(\d+\.\d\d s\) -> dist/small-draft\.apkg", next_line())
        process.send_signal(signal.SIGINT)
        assert next_line() == "Stopped watching."
        stderr = process.communicate(timeout=120)[1]
    finally:
        if process.poll() is None:
            process.kill()
        reader.join()
    assert process.returncode == 0
    assert "Traceback" not in stderr
    assert sorted(path.name for path in (project / "dist").iterdir()) == ["small-draft.apkg"]


def test_watch_never_drafts_through_an_out_that_is_a_symbolic_link(project: Path) -> None:
    (project / "elsewhere").mkdir()
    (project / "dist").symlink_to("elsewhere")
    outcome = draft_source(SMALL, Path("dist"))
    assert outcome == Failed(SMALL, ("Error: dist: this is a symbolic link to 'elsewhere', which builder never writes "
                                     "through: make it a folder of its own, or build into another one",),
                             outcome.seconds)
    assert list((project / "elsewhere").iterdir()) == []
