"""The README's reliability figures, measured the same way every time.

* Refusing the billion-laughs file and a source over the size limit: wall time
  and peak memory, each in a fresh interpreter (``ru_maxrss`` growth over the
  interpreter with the builder imported, and ``tracemalloc``'s peak), best of 5.
* Fuzz examples run (CI budget, or ``--fuzz`` for ``make fuzz``'s), bad-input
  cases covered, and kills survived: taken from the tests' own output lines.

Usage: python bench/reliability.py [--fuzz]   (from the repository root; ~3 min, ~30 more with --fuzz)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BILLION_LAUGHS = 'lol0: &lol0 "lol"\n' + "".join(
    f"lol{n}: &lol{n} [{', '.join([f'*lol{n - 1}'] * 10)}]\n" for n in range(1, 10)
)
MEASURE = """\
import json, resource, sys, time, tracemalloc
from pathlib import Path
from builder.errors import BuilderError
from builder.source import load_deck
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
started = time.perf_counter()
try:
    load_deck(Path(sys.argv[1]))
    message = "accepted!"
except BuilderError as error:
    message = str(error)
elapsed = time.perf_counter() - started
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
print(json.dumps({"seconds": elapsed, "traced_peak": peak, "rss_growth_kib": grown, "message": message}))
"""


def measure_refusal(path: Path) -> dict[str, object]:
    runs = []
    for _ in range(5):
        done = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True,
                              check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        runs.append(json.loads(done.stdout))
    best = min(runs, key=lambda run: run["seconds"])
    best["traced_peak"] = max(run["traced_peak"] for run in runs)
    best["rss_growth_kib"] = max(run["rss_growth_kib"] for run in runs)
    return best


def pytest_line(args: list[str], pattern: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})}, check=False)
    found = re.findall(pattern, done.stdout)
    if done.returncode != 0 or not found:
        sys.exit(f"pytest {' '.join(args)} failed or printed no figure:\n{done.stdout[-3000:]}")
    return str(found[-1])


def main() -> None:
    fuzz = "--fuzz" in sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="reliability-") as folder:
        bomb = Path(folder) / "billion-laughs.yaml"
        bomb.write_text(BILLION_LAUGHS, encoding="utf-8")
        huge = Path(folder) / "over-the-limit.yaml"
        with open(huge, "wb") as handle:
            handle.write(b"title: x\n")
            handle.truncate(64 * 1024 * 1024 + 1)
        for label, path in (("billion laughs (10^9 'lol's)", bomb), ("64 MiB + 1 byte source", huge)):
            figures = measure_refusal(path)
            print(f"{label}: refused in {figures['seconds'] * 1000:.2f} ms, peak traced memory "
                  f"{figures['traced_peak'] / 1024:.0f} KiB, RSS growth {figures['rss_growth_kib']} KiB: "
                  f"{figures['message']}")
    profile = "fuzz" if fuzz else "ci"
    print(pytest_line(["tests/test_fuzz.py"], r"fuzz: \d+ examples run \(profile \w+\)[^\n]*",
                      {"HYPOTHESIS_PROFILE": profile}))
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "tests/test_hardening.py", "tests/test_hostile.py", "tests/test_text_roundtrip.py"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    ).stdout
    cases = re.search(r"(\d+) tests? collected", collected)
    print(f"bad-input and hostile-content cases: {cases[1] if cases else '?'} tests "
          "(tests/test_hardening.py, tests/test_hostile.py, tests/test_text_roundtrip.py)")
    print(pytest_line(["tests/test_interrupted.py", "-k", "every_file_operation"], r"crashes survived: [^\n]*"))
    print(pytest_line(["tests/test_interrupted.py", "-k", "random_moments"], r"kills survived: [^\n]*"))


if __name__ == "__main__":
    main()
