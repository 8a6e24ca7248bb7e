"""`builder build` with its cache and progress bar, through Click's CliRunner."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import ProgressBar, cli
from builder.layout import CACHE_FOLDER


def test_build_keeps_its_cache_beside_the_source(project: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["build"]).exit_code == 0
    assert sorted(p.name for p in (project / "cardsrc" / CACHE_FOLDER).iterdir()) == [
        "small.yaml.last-build", "small.yaml.renders"
    ]
    (project / "dist" / "small-1.0.0.apkg").unlink()
    again = runner.invoke(cli, ["build"])
    assert again.output == "Built dist/small-1.0.0.apkg: 6 notes, 7 cards (version 1.0.0)\n"
    unchanged = runner.invoke(cli, ["build"])
    assert unchanged.output == "Unchanged dist/small-1.0.0.apkg: 6 notes, 7 cards (version 1.0.0)\n"


def test_no_cache_builds_in_full_and_leaves_no_cache(project: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["build", "--no-cache"])
    again = runner.invoke(cli, ["build", "--no-cache"])
    assert (first.exit_code, again.exit_code) == (0, 0)
    assert again.output == "Unchanged dist/small-1.0.0.apkg: 6 notes, 7 cards (version 1.0.0)\n"
    assert not (project / "cardsrc" / CACHE_FOLDER).exists()


def test_diff_reads_the_cache_but_never_writes_it(project: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["diff"]).exit_code == 0
    assert not (project / "cardsrc" / CACHE_FOLDER).exists()
    runner.invoke(cli, ["build"])
    before = {p.name: p.read_bytes() for p in (project / "cardsrc" / CACHE_FOLDER).iterdir()}
    result = runner.invoke(cli, ["diff", "--exit-code"])
    assert (result.exit_code, result.output) == (0, "small: no changes (version 1.0.0)\n")
    assert {p.name: p.read_bytes() for p in (project / "cardsrc" / CACHE_FOLDER).iterdir()} == before


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_on_a_terminal_and_erases_itself() -> None:
    stream = Terminal()
    drawn = threading.Event()
    with ProgressBar("deck", stream, delay=0) as bar:
        bar("rendering", 250, 1000)
        original_write = stream.write

        def write(text: str) -> int:
            drawn.set()
            return original_write(text)

        stream.write = write  # type: ignore[method-assign]
        assert drawn.wait(5), "the bar was never drawn"
    assert "deck: [#######.......................] rendering 250/1,000 notes" in stream.getvalue()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_bar_stays_silent_off_a_terminal_and_for_quick_builds() -> None:
    pipe = io.StringIO()
    with ProgressBar("deck", pipe, delay=0) as bar:
        bar("rendering", 1, 2)
    quick = Terminal()
    with ProgressBar("deck", quick, delay=60) as bar:
        bar("rendering", 1, 2)
    assert (pipe.getvalue(), quick.getvalue()) == ("", "")


@pytest.mark.parametrize(
    ("state", "line"),
    [
        (("reading", 0, 0), "deck: reading..."),
        (("rendering", 0, 4), "deck: [....] rendering 0/4 notes"),
        (("rendering", 3, 4), "deck: [###.] rendering 3/4 notes"),
        (("packaging", 12000, 12000), "deck: [####] packaging 12,000/12,000 notes"),
    ],
)
def test_progress_bar_line(state: tuple[str, int, int], line: str) -> None:
    bar = ProgressBar("deck", io.StringIO(), width=4)
    bar(*state)
    assert bar.line() == line


def test_the_real_command_exits_with_its_output_and_code(project: Path) -> None:
    """`builder build` ends its process without the interpreter's teardown: nothing may be lost."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    ok = subprocess.run([sys.executable, "-m", "builder", "build"], capture_output=True, text=True, env=env)
    assert (ok.returncode, ok.stdout, ok.stderr) == (
        0, "Built dist/small-1.0.0.apkg: 6 notes, 7 cards (version 1.0.0)\n", ""
    )
    assert (project / "cardsrc" / "small.lock").is_file() and (project / "dist" / "small-CHANGELOG.md").is_file()
    bad = subprocess.run([sys.executable, "-m", "builder", "build", "cardsrc/small.yaml", "missing.yaml"],
                         capture_output=True, text=True, env=env)
    assert (bad.returncode, bad.stdout) == (1, "Unchanged dist/small-1.0.0.apkg: 6 notes, 7 cards (version 1.0.0)\n")
    assert bad.stderr == "Error: missing.yaml: no such file: check the path\n"


def test_exit_handlers_still_run_after_a_build(project: Path) -> None:
    import os
    import subprocess
    import sys

    script = ("import atexit, sys; atexit.register(lambda: print('exit handler ran', file=sys.stderr)); "
              "from builder.cli import main; sys.argv = ['builder', 'build']; main()")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert (done.returncode, done.stderr) == (0, "exit handler ran\n")
