"""The console script starts in builder.launch, which pauses the cyclic collector before anything is imported."""

from __future__ import annotations

import gc
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner

import builder.watch as watch_module
from builder.cli import cli
from tests.conftest import REPO, write_source

COUNT_PASSES = """
import atexit, gc, sys
from {module} import main  # compiling it on a first run may pass; what counts is what main does
passes = []
gc.callbacks.append(lambda phase, info: passes.append(info["generation"]) if phase == "start" else None)
atexit.register(lambda: print("collector passes:", len(passes), "enabled:", gc.isenabled(), file=sys.stderr))
sys.argv = ["builder", *{args!r}]
main()
"""


def collector_passes(module: str, args: list[str], cwd: Path) -> str:
    """What a command's process reported at exit about the collector, started as ``module``'s ``main``."""
    result = subprocess.run([sys.executable, "-c", COUNT_PASSES.format(args=args, module=module)], cwd=cwd,
                            capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin",
                                                                 "SOURCE_DATE_EPOCH": "1700000000"})
    assert result.returncode == 0, result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_the_console_script_and_python_m_start_in_the_launcher() -> None:
    (script,) = entry_points(group="console_scripts", name="builder")
    assert script.value == "builder.launch:main"
    assert (REPO / "builder" / "__main__.py").read_text(encoding="utf-8").startswith("from .launch import main\n")


def test_a_build_started_by_the_launcher_runs_no_collector_pass(tmp_path: Path) -> None:
    write_source(tmp_path / "cardsrc")
    args = ["build", "cardsrc/small.yaml"]
    assert collector_passes("builder.launch", args, tmp_path) == "collector passes: 0 enabled: False"
    assert any((tmp_path / "dist").glob("small-*.apkg"))


def test_the_probe_is_not_blind(tmp_path: Path) -> None:
    """Started without the launcher, the same command's imports do trigger passes."""
    write_source(tmp_path / "cardsrc")
    reported = collector_passes("builder.cli", ["build", "cardsrc/small.yaml"], tmp_path)
    assert reported.startswith("collector passes: ") and reported != "collector passes: 0 enabled: True"
    assert int(reported.split()[2]) > 0


def test_watch_turns_the_collector_back_on(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It runs for hours: cyclic garbage from each draft must be freed."""
    seen: list[bool] = []

    def no_changes(roots: list[Path], ready: object) -> object:
        seen.append(gc.isenabled())
        raise KeyboardInterrupt
        yield  # pragma: no cover  (a generator, like the real one)

    monkeypatch.setattr(watch_module, "file_changes", no_changes)
    gc.disable()
    try:
        result = CliRunner().invoke(cli, ["watch"])
    finally:
        gc.enable()
    assert result.exit_code == 0, result.output
    assert seen == [True]
