"""Ctrl-C during a build: one line that says what state the release is in, and that state is true.

Click's own answer to Ctrl-C is a bare "Aborted!", which leaves the author to
guess whether dist/ and the lock hold the old release, the new one or a mix.
A build stopped before its release was written says nothing was released; one
stopped while the files were being renamed finishes or undoes them on the spot
(as the next build would) and says which; one stopped after says the release is
complete. Here SIGINT is sent at every file operation of a real build in turn,
and the project is compared with what the message claims.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from builder import build as build_module
from builder.cli import cli
from tests.conftest import REPO, SMALL_SOURCE, write_source
from tests.helpers.fileops import signal_at_file_operation

NOTHING = "Interrupted: cardsrc/small.yaml: nothing was released; dist/ and the lock are as they were\n"
RELEASED = ("Interrupted: cardsrc/small.yaml: dist/small-1.0.1.apkg was released, with its changelog and lock, "
            "before the build stopped\n")


def finals(root: Path) -> dict[str, str]:
    """sha256 of every file under its final name (the render cache left out: it only saves time)."""
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file() and ".builder-cache" not in path.parts}


@pytest.fixture
def released(project: Path) -> Path:
    """The small deck released once, its source edited for a patch release."""
    assert CliRunner().invoke(cli, ["build"]).exit_code == 0
    source = project / "cardsrc" / "small.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("answer: Answers.", "answer: Edited."),
                      encoding="utf-8")
    return project


def interrupted_build() -> Any:
    result = CliRunner().invoke(cli, ["build"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert (result.exit_code, result.stdout) == (130, "")
    return result


def ctrl_c(*_: object, **__: object) -> None:
    raise KeyboardInterrupt


def test_ctrl_c_before_writing_leaves_everything_as_it_was(released: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = finals(released)
    monkeypatch.setattr(build_module, "plan_deck", ctrl_c)
    assert interrupted_build().stderr == NOTHING
    assert finals(released) == before


def test_ctrl_c_as_the_renames_begin_undoes_them(released: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = finals(released)
    monkeypatch.setattr(build_module, "replace_together", ctrl_c)
    assert interrupted_build().stderr == NOTHING
    assert finals(released) == before


def test_ctrl_c_once_the_release_is_written_says_so(released: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = build_module.replace_together

    def then_ctrl_c(*args: Any) -> None:
        real(*args)
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "replace_together", then_ctrl_c)
    assert interrupted_build().stderr == RELEASED
    assert (released / "dist" / "small-1.0.1.apkg").is_file()


def test_ctrl_c_stops_the_sources_after_it(released: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_source(released / "cardsrc", SMALL_SOURCE.replace("slug: small", "slug: then"), "then.yaml")
    monkeypatch.setattr(build_module, "plan_deck", ctrl_c)
    assert interrupted_build().stderr == NOTHING  # cardsrc/then.yaml comes after small.yaml: not tried
    assert not (released / "dist" / "then-1.0.0.apkg").exists()


SIGINT_AT = signal_at_file_operation("SIGINT")


@pytest.mark.slow
def test_sigint_at_every_file_operation_says_the_state_the_project_is_in(released: Path, tmp_path: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000100", "PYTHONPATH": str(REPO)}
    template = tmp_path / "template"
    shutil.copytree(released, template)
    before = finals(template)

    def run(target: int, where: Path) -> subprocess.CompletedProcess[str]:
        shutil.rmtree(where, ignore_errors=True)
        shutil.copytree(template, where)
        return subprocess.run([sys.executable, "-c", SIGINT_AT, str(target), "build"], cwd=where, env=env,
                              capture_output=True, text=True, check=False)

    counting = run(0, tmp_path / "count")
    assert counting.returncode == 0, counting.stderr
    operations = int(counting.stderr.rsplit("file operations: ", 1)[1])
    after = finals(tmp_path / "count")
    assert before != after
    said: list[str] = []
    for target in range(1, operations + 1):
        work = tmp_path / "work"
        done = run(target, work)
        message = done.stderr.replace(f"file operations: {done.stderr.rsplit('file operations: ', 1)[-1]}", "")
        assert (done.returncode, done.stdout, message) in [(130, "", NOTHING), (130, "", RELEASED)], \
            f"SIGINT at file operation {target}/{operations}: {done.stderr}"
        state = finals(work)
        assert state == (before if message == NOTHING else after), f"SIGINT at {target}: the message is wrong"
        assert not [name for name in state if ".builder-tmp-" in name or name.endswith(".builder-journal")]
        said.append("nothing" if message == NOTHING else "released")
    print(f"\nSIGINT at each of {operations} file operations: {said.count('nothing')} said nothing was released, "
          f"{said.count('released')} said released, each true")
    assert "nothing" in said and "released" in said
