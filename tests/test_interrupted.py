"""Interrupted and concurrent builds lose nothing.

A release replaces three files in two folders (the .apkg and changelog in
``dist/``, the lock beside the source). Here builds are killed with SIGKILL,
at every file operation in turn and at 50 random moments, and after each kill
the project must hold exactly the previous release or exactly the new one
(once the journal is replayed, as the next build does first), never a partial
file under its final name; the next build must then succeed and leave no
temporary behind. Two builds started together must agree.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from builder.build import recover_interrupted
from builder.files import JOURNAL_MARK, LOCK_MARK, TEMP_MARK
from tests.conftest import SMALL_SOURCE
from tests.helpers.fileops import signal_at_file_operation

REPO = Path(__file__).resolve().parent.parent
SOURCE = Path("cardsrc/deck.yaml")
T1, T2 = "1700000000", "1700100000"
KILLS = 50
Snapshot = dict[str, str]

HEADER = SMALL_SOURCE[: SMALL_SOURCE.index("notes:\n")] + "notes:\n"


def deck_text(notes: int, edited: bool) -> str:
    """A deck of ``notes`` notes; ``edited`` changes a few and adds ten (a minor release)."""
    parts = [HEADER]
    for n in range(notes + (10 if edited else 0)):
        word = "changed" if edited and n % 97 == 0 else "plain"
        parts.append(f"  - id: n{n}\n")
        if n % 2:
            parts.append(f"    kind: learning\n    text: Fact {n} is {{{{c1::{word} {n}}}}}, with *emphasis*.\n")
        else:
            parts.append(f"    kind: quiz\n    question: What is **{n}**?\n    answer: It is {word} {n}.\n")
    return "".join(parts)


def snapshot(root: Path) -> tuple[Snapshot, list[str]]:
    """sha256 of every file under a final name, and the names of temporaries, journals and build locks.

    The render cache (``.builder-cache``) is left out: it can only speed a build up.
    """
    finals: Snapshot = {}
    temporaries: list[str] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or ".builder-cache" in path.parts:
            continue
        name = str(path.relative_to(root))
        if TEMP_MARK in path.name or path.name.endswith((JOURNAL_MARK, LOCK_MARK)):
            temporaries.append(name)
        else:
            finals[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return finals, temporaries


def run_build(root: Path, epoch: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(builder_command(), cwd=root, env=build_env(epoch), capture_output=True, text=True,
                          check=False)


def builder_command(*prefix: str) -> list[str]:
    return [sys.executable, *prefix, "-m", "builder", "build", str(SOURCE), "--out", "dist"]


def build_env(epoch: str) -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": epoch, "PYTHONPATH": str(REPO)}


@dataclass(frozen=True)
class Project:
    """A released deck about to get its next release, and the states that release may end in."""

    template: Path
    before: Snapshot
    after: dict[str, Snapshot]
    """The complete next release, built at T1 (the killed builds) and at T2 (the builds after them)."""
    run_time: float

    def fresh(self, where: Path) -> Path:
        shutil.rmtree(where, ignore_errors=True)
        shutil.copytree(self.template, where, symlinks=True)
        return where


def make_project(root: Path, notes: int) -> Project:
    template = root / "template"
    (template / "cardsrc").mkdir(parents=True)
    (template / SOURCE).write_text(deck_text(notes, edited=False), encoding="utf-8")
    first = run_build(template, "1690000000")
    assert first.returncode == 0, first.stderr
    (template / SOURCE).write_text(deck_text(notes, edited=True), encoding="utf-8")
    before, stray = snapshot(template)
    assert not stray
    after: dict[str, Snapshot] = {}
    run_time = 0.0
    for epoch in (T1, T2):
        work = root / f"after-{epoch}"
        shutil.copytree(template, work)
        started = time.monotonic()
        done = run_build(work, epoch)
        run_time = max(run_time, time.monotonic() - started)
        assert done.returncode == 0, done.stderr
        after[epoch], stray = snapshot(work)
        assert not stray
    assert before != after[T1] != after[T2]
    return Project(template, before, after, run_time)


@pytest.fixture(scope="module")
def small_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return make_project(tmp_path_factory.mktemp("small"), notes=20)


@pytest.fixture(scope="module")
def big_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return make_project(tmp_path_factory.mktemp("big"), notes=2000)


def check_after_kill(project: Project, work: Path, what: str) -> str:
    """Assert what must hold after a kill; return which release the project holds."""
    finals, _ = snapshot(work)
    for name, digest in finals.items():  # before any recovery: whatever is there is whole
        assert digest in (project.before.get(name), project.after[T1].get(name)), f"{what}: {name} is partial"
    recover_interrupted(work / SOURCE, work / "dist")  # what the next build does first
    finals, _ = snapshot(work)
    state = "before" if finals == project.before else "after" if finals == project.after[T1] else "neither"
    assert state != "neither", f"{what}: after recovery the project is a mix: {sorted(finals.items())}"
    following = run_build(work, T2)
    assert following.returncode == 0, f"{what}: the next build failed: {following.stderr}"
    finals, temporaries = snapshot(work)
    assert temporaries == [], f"{what}: the next build left {temporaries}"
    expected = project.after[T1] if state == "after" else project.after[T2]
    assert finals == expected, f"{what}: the next build did not finish the release cleanly"
    return state


# --- a crash at every file operation, deterministically -----------------------------------
CRASH_AT = signal_at_file_operation("SIGKILL")


@pytest.mark.slow
def test_a_crash_at_every_file_operation_leaves_the_old_or_the_new_release(
    small_project: Project, tmp_path: Path
) -> None:
    counting = subprocess.run([sys.executable, "-c", CRASH_AT, "0", "build", str(SOURCE), "--out", "dist"],
                              cwd=small_project.fresh(tmp_path / "count"), env=build_env(T1), capture_output=True,
                              text=True, check=False)
    assert counting.returncode == 0, counting.stderr
    operations = int(counting.stderr.rsplit("file operations: ", 1)[1])
    assert operations >= 6  # at least: three temporaries synced, the journal, three renames
    states = []
    for target in range(1, operations + 1):
        work = small_project.fresh(tmp_path / "work")
        done = subprocess.run([sys.executable, "-c", CRASH_AT, str(target), "build", str(SOURCE), "--out", "dist"],
                              cwd=work, env=build_env(T1), capture_output=True, text=True, check=False)
        assert done.returncode == -signal.SIGKILL, done.stderr
        states.append(check_after_kill(small_project, work, f"crash at file operation {target}/{operations}"))
    print(f"\ncrashes survived: {operations}, one at each file operation of a build "
          f"({states.count('before')} before, {states.count('after')} after)")
    assert "before" in states and "after" in states  # the commit point lies between the operations


# --- SIGKILL at 50 random moments of a big build --------------------------------------------
def wait_for_writes(work: Path, process: subprocess.Popen[bytes], limit: float) -> float:
    """Wait until the build's first temporary appears (its write phase began); return when."""
    deadline = time.monotonic() + limit
    folders = [work / "dist", work / "cardsrc"]
    while time.monotonic() < deadline and process.poll() is None:
        for folder in folders:
            if folder.is_dir() and any(TEMP_MARK in name for name in os.listdir(folder)):
                return time.monotonic()
        time.sleep(0.0005)
    return time.monotonic()


@pytest.mark.slow
def test_sigkill_at_50_random_moments(big_project: Project, tmp_path: Path) -> None:
    """Half the kills fall anywhere in the run, half in its short write phase, where the danger is."""
    chance = random.Random(20261127)
    write_phase = 0.05
    states: dict[str, int] = {}
    for kill in range(KILLS):
        work = big_project.fresh(tmp_path / "work")
        process = subprocess.Popen(builder_command(), cwd=work, env=build_env(T1),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if kill % 2 == 0:
            delay = chance.uniform(0, 1.1) * big_project.run_time
            time.sleep(delay)
            when = f"{delay:.3f}s into the run"
        else:
            started = wait_for_writes(work, process, 3 * big_project.run_time)
            delay = chance.uniform(0, 1.0) * write_phase
            time.sleep(max(0.0, started + delay - time.monotonic()))
            when = f"{delay * 1000:.1f}ms into the write phase"
        finished = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = check_after_kill(big_project, work, f"kill {kill + 1} at {when}")
        key = f"{state}{' (build had finished)' if finished else ''}"
        states[key] = states.get(key, 0) + 1
    print(f"\nkills survived: {KILLS} ({', '.join(f'{n} {s}' for s, n in sorted(states.items()))})")
    assert states.get("before", 0) and states.get("after", 0)


# --- two builds at once ---------------------------------------------------------------------
def test_two_builds_at_once_agree(small_project: Project, tmp_path: Path) -> None:
    for round_ in range(3):
        work = small_project.fresh(tmp_path / f"race-{round_}")
        first, second = (subprocess.Popen(builder_command(), cwd=work, env=build_env(epoch), text=True,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) for epoch in (T1, T2))
        outputs = [process.communicate(timeout=120) for process in (first, second)]
        assert [first.returncode, second.returncode] == [0, 0], outputs
        verbs = sorted(out.split(" ", 1)[0] for out, _ in outputs)
        assert verbs == ["Built", "Unchanged"], outputs  # one waited for the other, then had nothing to do
        finals, temporaries = snapshot(work)
        assert temporaries == []
        assert finals in (small_project.after[T1], small_project.after[T2])


# --- a second build waits even when the source was replaced under the first -----------------
PAUSING = textwrap.dedent("""\
    import fcntl, os, sys, time
    from pathlib import Path
    name, signals = sys.argv.pop(1), Path(os.environ["BUILDER_TEST_SIGNALS"])
    real_flock = fcntl.flock
    def flock(handle, operation):
        if operation == fcntl.LOCK_EX:  # say so when the lock is taken: then a wait is about to start
            try:
                return real_flock(handle, operation | fcntl.LOCK_NB)
            except BlockingIOError:
                (signals / f"{name}-waits").touch()
        return real_flock(handle, operation)
    fcntl.flock = flock
    import builder.build
    real_replace = builder.build.replace_together
    def paused(*args, **kwargs):  # after the immutability check, before anything is written
        (signals / f"{name}-paused").touch()
        while not (signals / "go").exists():
            time.sleep(0.01)
        return real_replace(*args, **kwargs)
    builder.build.replace_together = paused
    from builder.cli import main
    sys.argv[0] = "builder"
    main()
""")


def wait_for(process: subprocess.Popen[str], *signals: Path) -> Path:
    """The first of ``signals`` to appear; fails if the process ends first."""
    deadline = time.monotonic() + 300  # a guard against a hang, not a measurement
    while time.monotonic() < deadline:
        for signal_file in signals:
            if signal_file.exists():
                return signal_file
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    raise AssertionError(f"none of {signals} appeared")


def test_a_second_build_waits_even_after_an_atomic_save_of_the_source(small_project: Project, tmp_path: Path) -> None:
    work = small_project.fresh(tmp_path / "work")
    signals = tmp_path / "signals"
    signals.mkdir()
    env = {**build_env(T1), "BUILDER_TEST_SIGNALS": str(signals)}
    command = [sys.executable, "-c", PAUSING, "{name}", "build", str(SOURCE), "--out", "dist"]

    def start(name: str, epoch: str) -> subprocess.Popen[str]:
        return subprocess.Popen([name if part == "{name}" else part for part in command], cwd=work,
                                env={**env, "SOURCE_DATE_EPOCH": epoch}, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    first = start("a", T1)
    second = None
    try:
        wait_for(first, signals / "a-paused")
        saved = work / "cardsrc" / ".deck.yaml.swp"  # an editor's atomic save: a new file renamed over the source
        saved.write_text(deck_text(20, edited=True).replace("Fact 1 is", "Fact one is"), encoding="utf-8")
        os.replace(saved, work / SOURCE)
        second = start("b", T2)
        wait_for(second, signals / "b-waits", signals / "b-paused")
    finally:
        (signals / "go").touch()
        outputs = [process.communicate(timeout=300) for process in (first, second) if process is not None]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    built = [out.split(":")[0] for out, _ in outputs]
    assert built == ["Built dist/small-1.1.0.apkg", "Built dist/small-1.1.1.apkg"], outputs  # each version once
    assert (signals / "b-waits").exists()
    finals, temporaries = snapshot(work)
    assert temporaries == []
    assert finals["dist/small-1.1.0.apkg"] == small_project.after[T1]["dist/small-1.1.0.apkg"]  # the first's
