"""`make bench`: builder against its floors and a peer, side by side in one run.

P1  the shipped deck's `builder build` into a fresh folder vs `python -c "import genanki, yaml"`
P2  a rebuild with nothing changed vs the same floor
P3  synthetic decks of 10 to 50,000 notes, built from scratch, vs bench/floor.py (C YAML
    loader + genanki) on the same file, with peak RSS and the 10k -> 50k growth
P4  10,000 question/answer cards: markdown-anki-decks (own venv under bench/work/) vs builder

Every figure is the median of several runs (fewer for big decks), each a fresh
process timed by wall clock; builder and its floor alternate so background load
hits both alike. Nothing in the repository changes: decks are copied into
bench/work/ first. Prints the table and writes it to bench/RESULTS.md.

Usage: python bench/run.py [--quick]   (--quick: 10 and 1,000 notes only, fewer runs)
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "work"
VENV_BIN = Path(sys.executable).parent
BUILDER = VENV_BIN / "builder"
SHIPPED = REPO / "cardsrc" / "pinterest-ai-platform.yaml"
PEER_VENV = WORK / "peer-venv"
PEER_REQUIREMENTS = ("markdown-anki-decks==1.1.1", "typer<0.8", "click<8.2")
SIZES = (10, 1_000, 10_000, 50_000)
RUNS = {10: 7, 1_000: 5, 10_000: 5, 50_000: 5}
PEER_SIZE = 10_000
CACHE_DIR = ".builder-cache"
GNU_TIME = shutil.which("time", path="/usr/bin:/bin")
"""For peak RSS; without it the figure includes the forked copy of this script."""

sys.path.insert(0, str(HERE))
from decks import write_decks  # noqa: E402


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float


@dataclass(frozen=True)
class Row:
    target: str
    measure: str
    ours: str
    other: str
    ratio: str
    goal: str
    met: bool | None
    """None for figures shown for context, with no target of their own."""
    verdict: str = ""

    def cells(self) -> list[str]:
        verdict = self.verdict or ("" if self.met is None else "met" if self.met else "NOT MET")
        return [self.target, self.measure, self.ours, self.other, self.ratio, self.goal, verdict]


def environment() -> dict[str, str]:
    """The user's environment, but with bytecode caching on, as on an author's machine."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["SOURCE_DATE_EPOCH"] = "1700000000"
    return env


def timed(command: list[str], cwd: Path | None = None) -> Run:
    """Wall time and peak RSS of one fresh process; a failure stops the benchmark loudly.

    The peak comes from GNU time: the rusage of a child forked from this process
    would also count the copy of this process it starts as (about 60 MB).
    """
    with tempfile.TemporaryDirectory() as scratch:
        output, peak = Path(scratch) / "output", Path(scratch) / "peak"
        prefix = [GNU_TIME, "-f", "%M", "-o", str(peak)] if GNU_TIME else []
        with open(output, "wb") as sink:
            start = time.perf_counter()
            process = subprocess.Popen(prefix + command, cwd=cwd, env=environment(), stdout=sink,
                                       stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            detail = output.read_text(errors="replace")[-3000:]
            raise SystemExit(f"bench: {' '.join(map(str, command))} failed:\n{detail}")
        peak_kb = int(peak.read_text().split()[-1]) if GNU_TIME else usage.ru_maxrss
    return Run(seconds, peak_kb / 1024)


def median(runs: list[Run]) -> Run:
    return Run(statistics.median(r.seconds for r in runs), max(r.peak_mb for r in runs))


def alternate(count: int, *commands: Callable[[], Run]) -> list[Run]:
    """Run each command ``count`` times, interleaved; return each one's median."""
    results: list[list[Run]] = [[] for _ in commands]
    for _ in range(count):
        for index, command in enumerate(commands):
            results[index].append(command())
    return [median(runs) for runs in results]


def fresh_copy(source: Path, name: str, with_cache_from: Path | None = None) -> Path:
    """A scratch folder holding the source (and its lock), optionally a warm render cache."""
    folder = WORK / "runs" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for item in source.parent.glob(f"{source.stem}.*"):
        if item.suffix in (".yaml", ".lock"):
            shutil.copy(item, folder / item.name)
    if with_cache_from is not None and (with_cache_from / CACHE_DIR).is_dir():
        shutil.copytree(with_cache_from / CACHE_DIR, folder / CACHE_DIR)
    return folder / source.name


def build(source: Path) -> Run:
    return timed([str(BUILDER), "build", str(source), "--out", str(source.parent / "dist")])


def cold_build(source: Path, name: str) -> Callable[[], Run]:
    return lambda: build(fresh_copy(source, name))


def warm_build(source: Path, name: str) -> Callable[[], Run]:
    """A fresh folder and dist/, but the render cache a previous build of this source left."""
    template = fresh_copy(source, f"{name}-template")
    build(template)
    return lambda: build(fresh_copy(source, name, with_cache_from=template.parent))


def import_floor() -> Run:
    return timed([sys.executable, "-c", "import genanki, yaml"])


def ratio_row(target: str, measure: str, ours: Run, other: Run, limit: float, floor_name: str = "floor") -> Row:
    ratio = ours.seconds / other.seconds
    return Row(target, measure, f"{ours.seconds:.3f} s", f"{other.seconds:.3f} s ({floor_name})",
               f"{ratio:.2f}x", f"<= {limit}x", ratio <= limit)


def p1_p2(runs: int) -> list[Row]:
    cold, warm, floor = alternate(runs, cold_build(SHIPPED, "p1-cold"), warm_build(SHIPPED, "p1-warm"),
                                  import_floor)
    settled = fresh_copy(SHIPPED, "p2")
    build(settled)
    noop, floor2 = alternate(runs, lambda: build(settled), import_floor)
    return [
        ratio_row("P1", "shipped deck, fresh dist/ and cache", cold, floor, 1.5),
        ratio_row("P1", "shipped deck, fresh dist/, warm cache", warm, floor, 1.5),
        ratio_row("P2", "no-op rebuild", noop, floor2, 1.2),
    ]


def p3(paths: dict[str, Path], sizes: tuple[int, ...], quick: bool) -> tuple[list[Row], dict[int, Run]]:
    rows: list[Row] = []
    ours: dict[int, Run] = {}
    floors: dict[int, Run] = {}
    for size in sizes:
        source = paths[str(size)]
        runs = 2 if quick else RUNS[size]
        print(f"bench: P3 {size} notes, {runs} runs", file=sys.stderr)
        floor_apkg = WORK / "runs" / f"floor-{size}.apkg"
        floor = lambda: timed([sys.executable, str(HERE / "floor.py"), str(source), str(floor_apkg)])  # noqa: B023, E731
        cold, warm, ours_floor = alternate(runs, cold_build(source, f"p3-{size}"),
                                           warm_build(source, f"p3-{size}-warm"), floor)
        ours[size], floors[size] = cold, ours_floor
        judged = size >= 10_000
        for label, run in (("from scratch", cold), ("warm cache", warm)):
            row = ratio_row("P3", f"{size:,} notes, {label}", run, ours_floor, 2.0)
            rows.append(row if judged else replace(row, goal="", met=None))
        rss_goal = 400.0
        rows.append(Row("P3", f"{size:,} notes, peak RSS", f"{cold.peak_mb:.0f} MB",
                        f"{ours_floor.peak_mb:.0f} MB (floor)", "", f"<= {rss_goal:.0f} MB" if size == 50_000 else "",
                        cold.peak_mb <= rss_goal if size == 50_000 else None))
    if 10_000 in ours and 50_000 in ours:
        growth = ours[50_000].seconds / ours[10_000].seconds
        floor_growth = floors[50_000].seconds / floors[10_000].seconds
        rows.append(Row("P3", "growth 10k -> 50k notes", f"{growth:.2f}x", f"{floor_growth:.2f}x (floor)", "",
                        "<= 5.5x (linear: 5x)", growth <= 5.5))
    return rows, ours


def peer_python() -> Path | None:
    """markdown-anki-decks in its own venv (created once); None when it cannot be installed."""
    python = PEER_VENV / "bin" / "python"
    if (PEER_VENV / "bin" / "mdankideck").exists():
        return python
    print("bench: installing markdown-anki-decks into bench/work/peer-venv", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True, capture_output=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEER_REQUIREMENTS], check=True,
                       capture_output=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        print(f"bench: markdown-anki-decks could not be installed: {exc}\n{detail.decode()[-2000:]}",
              file=sys.stderr)
        return None
    return python


def p4(paths: dict[str, Path], runs: int) -> list[Row]:
    def not_measured(why: str) -> list[Row]:
        print(f"bench: P4 not measured: {why}", file=sys.stderr)
        return [Row("P4", f"{PEER_SIZE:,} Q/A cards", "", f"markdown-anki-decks {why}", "", ">= 5x faster", None,
                    verdict="NOT MEASURED")]

    if peer_python() is None:
        return not_measured("could not be installed")
    markdown_dir = paths["qa-markdown"].parent
    out = WORK / "runs" / "peer-out"
    out.mkdir(parents=True, exist_ok=True)
    peer = lambda: timed([str(PEER_VENV / "bin" / "mdankideck"), str(markdown_dir), str(out)])  # noqa: E731
    try:
        ours, theirs = alternate(runs, cold_build(paths["qa-yaml"], "p4"), peer)
    except SystemExit as failure:  # the peer installed but does not run here
        print(failure.code, file=sys.stderr)
        return not_measured("failed to run (its output is above)")
    speedup = theirs.seconds / ours.seconds
    return [Row("P4", f"{PEER_SIZE:,} Q/A cards, from scratch", f"{ours.seconds:.2f} s",
                f"{theirs.seconds:.2f} s (markdown-anki-decks)", f"{speedup:.1f}x faster", ">= 5x faster",
                speedup >= 5)]


def machine() -> list[str]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        f"- CPU: {model}, {os.cpu_count()} cores; {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()} ({sys.executable})",
        f"- PyYAML {yaml.__version__}, C loader (libyaml) available: {getattr(yaml, '__with_libyaml__', False)}",
        f"- SQLite {sqlite3.sqlite_version}",
        f"- Load average when the table was printed: {load}",
    ]


def table(rows: list[Row]) -> list[str]:
    head = ["Target", "Measure", "builder", "compared with", "ratio", "goal", "verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 and 1,000 notes only, fewer runs")
    args = parser.parse_args()
    started = time.perf_counter()
    sizes = SIZES[:2] if args.quick else SIZES
    print("bench: generating decks", file=sys.stderr)
    paths = write_decks(WORK / "decks", sizes, PEER_SIZE)
    build(fresh_copy(SHIPPED, "warm-up"))  # compiles builder's bytecode once, as any install does
    print("bench: P1, P2", file=sys.stderr)
    rows = p1_p2(3 if args.quick else 9)
    p3_rows, _ = p3(paths, sizes, args.quick)
    rows += p3_rows
    if not args.quick:
        print("bench: P4", file=sys.stderr)
        rows += p4(paths, 2)  # markdown-anki-decks takes about 40 s a run here
    elapsed = time.perf_counter() - started
    report = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/run.py); medians of several fresh processes, wall clock.",
        "Floors: P1/P2 `python -c \"import genanki, yaml\"`; P3 bench/floor.py (PyYAML C loader + genanki",
        "build and write of the same notes). \"From scratch\" builds have no lock, no dist/ and no render",
        "cache; \"warm cache\" builds have only the render cache a previous build left. Peak RSS is GNU",
        "time's maximum resident set size of the build process. Bytecode caching is on for every process",
        "(PYTHONDONTWRITEBYTECODE is dropped from their environment), as on an author's machine. Builder",
        "and its floor alternate run by run, so other work on the machine slows both, but on a shared",
        "2-core machine the ratios still move by a few tenths between runs: see the load average below.",
        "",
        *table(rows),
        "",
        "Machine:",
        *machine(),
        f"- Benchmark wall time: {elapsed:.0f} s{' (--quick)' if args.quick else ''}",
        "",
    ]
    text = "\n".join(report)
    print(text)
    if not args.quick:
        (HERE / "RESULTS.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
