"""Property-based fuzzing: whatever a source holds, the loader and the CLI end cleanly.

Every generated source (random text and bytes, YAML of the wrong shape,
mutations of the shipped deck) must either load/build, or fail with a
``BuilderError`` printed as one ``Error: file[:line]: ...`` line, exit code 1.
Any other exception is a bug, and Hypothesis shrinks it to a small source.

Two example budgets (Hypothesis profiles, chosen with ``HYPOTHESIS_PROFILE``):
``ci`` (the default, a few thousand examples, derandomized so CI is stable)
and ``fuzz`` (``make fuzz``, over 100,000 random ones). The number run is
printed at the end of the module.
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.assemble import assemble
from builder.cli import cli
from builder.errors import BuilderError, InvalidSource, printable
from builder.source import load_deck
from tests.conftest import SHIPPED_SOURCE

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
pytestmark = pytest.mark.slow  # about half a minute in the ci profile: make test runs it, make test-fast does not
_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
}
_PROFILE_SETTINGS: dict[str, Any] = {"ci": {"derandomize": True, "database": None}, "fuzz": {}}[PROFILE]

SHIPPED_TEXT = SHIPPED_SOURCE.read_text(encoding="utf-8")
SHIPPED_TREE: dict[str, Any] = yaml.safe_load(SHIPPED_TEXT)
RUN_COUNT: dict[str, int] = {}
BUILT: dict[str, int] = {}


def budget(ci: int, fuzz: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Examples for this test in the active profile: ~2,650 in all for ci (under a minute), 102,000 for fuzz."""
    return settings(max_examples=ci if PROFILE == "ci" else fuzz, **_COMMON, **_PROFILE_SETTINGS)


def counted(name: str, outcome: str) -> None:
    RUN_COUNT[name] = RUN_COUNT.get(name, 0) + 1
    BUILT[name] = BUILT.get(name, 0) + (outcome == "ok")


@pytest.fixture(scope="module", autouse=True)
def report_count(pytestconfig: pytest.Config) -> Iterator[None]:
    yield
    total = sum(RUN_COUNT.values())
    detail = ", ".join(f"{name} {count} ({BUILT[name]} ok)" for name, count in sorted(RUN_COUNT.items()))
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nfuzz: {total} examples run (profile {PROFILE}): {detail}")


# --- what every outcome must look like ------------------------------------------
def error_line(path: Path) -> re.Pattern[str]:
    return re.compile(rf"Error: {re.escape(str(path))}(?::(?P<line>\d+))?: \S[^\n]*")


def line_count(data: bytes) -> int:
    """Lines as YAML counts them (it also breaks on \\r, NEL and U+2028), plus one for the end."""
    return len(data.decode("utf-8", "replace").splitlines()) + 1


def assert_clean_error(message: str, path: Path, data: bytes) -> None:
    match = error_line(path).fullmatch(message)
    assert match, f"not one 'Error: file:line: ...' line: {message!r}"
    assert int(match["line"] or 0) <= line_count(data), f"line beyond the end of the file: {message!r}"


def load_outcome(data: bytes) -> str:
    """Load and assemble ``data`` as a source: "ok", or "error" after checking the error's shape."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / "deck.yaml"
        path.write_bytes(data)
        try:
            assemble(load_deck(path))  # rendering every field too: Markdown is input as well
        except BuilderError as error:
            problems = error.problems if isinstance(error, InvalidSource) else ()
            for line in [f"Error: {error}", *(printable(f"Error: {p.where}: {p.message}") for p in problems)]:
                assert_clean_error(line, path, data)
            return "error"
    return "ok"


def cli_outcome(data: bytes) -> str:
    """Build ``data`` with the real CLI into a fresh folder; check exit code and every output line."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / "deck.yaml"
        path.write_bytes(data)
        out = Path(folder) / "dist"
        result = CliRunner().invoke(cli, ["build", str(path), "--out", str(out)])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code in (0, 1), (result.exit_code, result.output)
        if result.exit_code == 0:
            assert re.fullmatch(rf"Built {re.escape(str(out))}/[a-z0-9-]+-\d+\.\d+\.\d+\.apkg: .*\n", result.stdout)
            return "ok"
        assert result.stdout == ""
        assert result.stderr.endswith("\n")
        for line in result.stderr[:-1].split("\n"):
            assert_clean_error(line, path, data)
        assert not out.exists() or not any(out.iterdir()), "a failed build wrote files"
        return "error"


# --- strategies -------------------------------------------------------------------
YAML_PUNCTUATION = [*":-[]{}#&*!|>'\"%@`,?~ \n\t\\", "\r\n", "---", "...", "- ", ": ", "  ", "{{c1::", "}}"]
yaml_text = st.lists(
    st.one_of(st.sampled_from(YAML_PUNCTUATION), st.characters(codec="utf-8"), st.sampled_from(list("abcxyz01"))),
    max_size=120,
).map("".join)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40),
    st.sampled_from(["learning", "quiz", "deep-dive", "1.0.0", "2025-01-01", "https://x.org", "{{c1::x}}"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=25,
)
markup = st.sampled_from([
    "**bold**", "*em*", "`code`", " {{c9::more}} ", "\n- item\n- item", "<b>x</b>", " a::b ", "\\(x^2\\)",
    "é", "🙂", "\u200d", "[link](https://example.org)", "```\ncode\n```", " & < > ", "\n\n", "![i](x.png)",
])
huge_strings = st.sampled_from(["x" * 200_000, "é" * 50_000 + "{{c1::y}}", "word " * 40_000, "\n" * 20_000])


def dump(tree: Any, draw: st.DrawFn) -> bytes:
    text = yaml.dump(
        tree,
        Dumper=yaml.CSafeDumper,
        allow_unicode=draw(st.booleans()),
        default_flow_style=draw(st.sampled_from([False, None, True])),
        width=draw(st.sampled_from([80, 40, 10_000])),
        sort_keys=False,
    )
    return text.encode("utf-8")


def nested(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = [value]
    return value


def tree_paths(tree: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every (container path, key) in the tree, so a mutation can pick any one."""
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from tree_paths(child, (*prefix, key))


ALL_PATHS = list(tree_paths(SHIPPED_TREE))


@st.composite
def mutated_tree(draw: st.DrawFn) -> bytes:
    """The shipped deck with 1-3 structural mutations: deletions, wrong types, huge or nested values."""
    tree = copy.deepcopy(SHIPPED_TREE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent = tree
        try:
            for key in path[:-1]:
                parent = parent[key]
            current = parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this part
        if not isinstance(parent, (dict, list)):
            continue
        action = draw(st.sampled_from(
            ["delete", "replace", "huge", "nest", "control", "duplicate-note", "unknown", *["markup"] * 4]
        ))
        if action == "markup" and isinstance(current, str):  # mostly still a deck: reaches the renderer
            cut = draw(st.integers(0, len(current)))
            parent[path[-1]] = current[:cut] + draw(markup) + current[cut:]
        elif action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "huge":
            parent[path[-1]] = draw(huge_strings)
        elif action == "nest":
            parent[path[-1]] = nested(current, draw(st.integers(1, 40)))
        elif action == "control":
            char = draw(st.characters(max_codepoint=0x9F, categories=["Cc"]))
            parent[path[-1]] = f"{current}{char}" if isinstance(current, str) else char
        elif action == "duplicate-note" and isinstance(tree.get("notes"), list) and tree["notes"]:
            tree["notes"].append(copy.deepcopy(draw(st.sampled_from(tree["notes"]))))
        elif isinstance(current, dict):
            current[draw(st.text(max_size=12))] = draw(scalars)
    return dump(tree, draw)


@st.composite
def mutated_text(draw: st.DrawFn) -> bytes:
    """The shipped deck's bytes with 1-3 textual mutations a hand edit or a bad tool makes."""
    data = SHIPPED_TEXT.encode("utf-8")
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(
            ["bom", "crlf", "tabs", "bytes", "control", "truncate", "drop-line", "repeat-line", "yaml-chars"]
        ))
        at = draw(st.integers(0, len(data)))
        if action == "bom":
            data = b"\xef\xbb\xbf" + data
        elif action == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif action == "tabs":
            data = data.replace(b"  ", b"\t", draw(st.integers(1, 50)))
        elif action == "bytes":
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
        elif action == "control":
            data = data[:at] + bytes([draw(st.sampled_from([*range(32), 127]))]) + data[at:]
        elif action == "truncate":
            data = data[:at]
        else:
            lines = data.split(b"\n")
            index = draw(st.integers(0, len(lines) - 1))
            if action == "drop-line":
                del lines[index]
            elif action == "repeat-line":
                lines.insert(index, lines[index])
            else:
                lines[index] += draw(yaml_text).encode("utf-8", "surrogatepass")
            data = b"\n".join(lines)
    return data


# --- the properties -----------------------------------------------------------------
def run_examples(name: str, strategy: st.SearchStrategy[bytes], outcome: Callable[[bytes], str], *,
                 ci: int, fuzz: int) -> float:
    """Run ``outcome`` on ``strategy``'s examples in the active profile; the share that built a deck.

    The property itself (a clean outcome) is asserted inside ``outcome``; the share
    lets each test also assert that its examples get as far as it claims.
    """
    outcomes: list[str] = []

    @budget(ci, fuzz)
    @given(strategy)
    def each(data: bytes) -> None:
        result = outcome(data)
        outcomes.append(result)
        counted(name, result)

    each()
    assert outcomes, "no example ran"
    return outcomes.count("ok") / len(outcomes)


as_bytes = yaml_text.map(lambda text: text.encode("utf-8", "surrogatepass"))


@st.composite
def wrong_shape(draw: st.DrawFn) -> bytes:
    tree = draw(st.one_of(
        values,
        st.fixed_dictionaries({}, optional={key: values for key in SHIPPED_TREE}),
        st.fixed_dictionaries({"notes": st.lists(st.dictionaries(
            st.sampled_from(["id", "kind", "text", "question", "answer", "extra", "tags", "lint"]), values
        ))}, optional={key: st.just(value) for key, value in SHIPPED_TREE.items() if key != "notes"}),
    ))
    return dump(tree, draw)


# Random text, bytes and shapes test the reader and the validator: they are not meant to
# make decks, and none does. Mutations of the shipped deck are the ones that reach the
# renderer, the planner and the packager, so those tests hold a floor on how many do.
def test_loader_on_random_yaml_text() -> None:
    run_examples("random-text", as_bytes, load_outcome, ci=900, fuzz=40_000)


def test_loader_on_random_bytes() -> None:
    run_examples("random-bytes", st.binary(max_size=400), load_outcome, ci=400, fuzz=20_000)


def test_loader_on_valid_yaml_of_the_wrong_shape() -> None:
    run_examples("wrong-shape", wrong_shape(), load_outcome, ci=250, fuzz=8_000)


def test_loader_on_mutated_shipped_deck() -> None:
    assert run_examples("mutated-tree", mutated_tree(), load_outcome, ci=200, fuzz=8_000) >= 0.1


def test_loader_on_text_mutations_of_the_shipped_deck() -> None:
    assert run_examples("mutated-text", mutated_text(), load_outcome, ci=600, fuzz=20_000) >= 0.15


def test_cli_builds_mutated_decks_or_prints_one_error_per_problem() -> None:
    mutations = st.one_of(mutated_tree(), mutated_text())
    assert run_examples("cli-mutated", mutations, cli_outcome, ci=100, fuzz=2_000) >= 0.1


def test_cli_on_random_sources() -> None:
    run_examples("cli-random", st.one_of(as_bytes, st.binary(max_size=200)), cli_outcome, ci=200, fuzz=4_000)


def test_outcome_checks_tell_a_built_deck_from_an_error() -> None:
    """The shares above mean something only if a good source counts as built and a bad one does not."""
    shipped = SHIPPED_TEXT.encode("utf-8")
    assert (load_outcome(shipped), load_outcome(b"\xef\xbb\xbf" + shipped)) == ("ok", "ok")
    assert load_outcome(SHIPPED_TEXT.replace("kind: quiz", "kind: [quiz]", 1).encode("utf-8")) == "error"
    assert (cli_outcome(shipped), cli_outcome(b"notes: 3\n")) == ("ok", "error")
