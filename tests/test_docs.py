"""The reference pages are generated from the code's own tables and stay in step with it."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from builder.cli import cli
from builder.lintrules import LINT_RULES, LOADER_RULES, Rule
from builder.sourceformat import DECK_KEYS, NOTE_KEYS, Key
from docs.generate import REFERENCE, TYPE_WORDS, main, pages


def all_keys(keys: tuple[Key, ...]) -> list[Key]:
    return [item for key in keys for item in (key, *all_keys(key.keys))]


@pytest.mark.parametrize("path", sorted(pages()), ids=lambda path: path.name)
def test_committed_file_is_what_make_docs_writes(path: Path) -> None:
    assert path.exists(), f"{path} is missing: run 'make docs'"
    assert path.read_text(encoding="utf-8") == pages()[path], f"{path} is stale: run 'make docs'"


def test_check_mode_names_a_stale_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("docs.generate.REFERENCE", tmp_path)
    monkeypatch.setattr("docs.generate.pages", lambda: {tmp_path / "cli.md": "new\n"})
    (tmp_path / "cli.md").write_text("old\n", encoding="utf-8")
    assert main(["--check"]) == 1
    assert "cli.md is stale: run 'make docs'" in capsys.readouterr().err
    assert main([]) == 0
    assert (tmp_path / "cli.md").read_text(encoding="utf-8") == "new\n"


COMMANDS = cli.commands if isinstance(cli, click.Group) else {}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_and_option_says_what_it_does(name: str) -> None:
    command = COMMANDS[name]
    assert command.help, f"builder {name} has no help text"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"builder {name} {param.opts[0]} has no help text"
    assert f"## builder {name}\n" in pages()[REFERENCE / "cli.md"]


@pytest.mark.parametrize("key", all_keys(DECK_KEYS) + all_keys(NOTE_KEYS), ids=lambda key: key.name)
def test_every_source_key_is_documented(key: Key) -> None:
    assert key.doc.strip(), f"source key '{key.name}' has no description"
    assert key.type in TYPE_WORDS, f"docs/generate.py has no words for the value type '{key.type}'"
    if key.name != "notes":
        page = pages()[REFERENCE / "format.md"]
        assert f"`{key.name}`" in page or f".{key.name}`" in page


@pytest.mark.parametrize("rule", LOADER_RULES + LINT_RULES, ids=lambda rule: rule.code)
def test_every_check_code_is_documented(rule: Rule) -> None:
    assert rule.summary.strip()
    assert f"| {rule.code} | {rule.severity} |" in pages()[REFERENCE / "checks.md"]


DOC_PAGES = [REFERENCE.parent.parent / "README.md", *sorted(REFERENCE.parent.glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda page: page.name)
def test_every_link_between_the_pages_leads_somewhere(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name} links to {target}, which does not exist"
        if anchor:
            headings = {_anchor(line) for line in linked.read_text(encoding="utf-8").splitlines()
                        if line.startswith("#")}
            assert anchor in headings, f"{page.name} links to {target}: no such heading"


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = heading.lstrip("#").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def test_the_readme_stays_short_and_starts_with_the_two_commands() -> None:
    readme = (REFERENCE.parent.parent / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 170
    top = "\n".join(readme.splitlines()[:8])
    assert "make deck" in top and "make test" in top


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda page: page.name)
def test_every_test_file_the_pages_name_exists(page: Path) -> None:
    """A promise points at the tests that hold it: those files must be there."""
    root = REFERENCE.parent.parent
    for name in re.findall(r"`((?:tests|bench)/[\w/]+\.py)", page.read_text(encoding="utf-8")):
        assert (root / name).is_file(), f"{page.name} names {name}, which does not exist"


MODULES = sorted(path.stem for path in (REFERENCE.parent.parent / "builder").glob("*.py")
                 if path.stem not in ("__init__", "__main__"))


@pytest.mark.parametrize("module", MODULES)
def test_every_module_has_its_own_test_file(module: str) -> None:
    """docs/development.md: tests mirror the modules, so whoever changes builder/x.py finds its tests in
    tests/test_x.py (other files may test it too, through the commands or beside other modules)."""
    tests = REFERENCE.parent.parent / "tests" / f"test_{module}.py"
    assert tests.is_file(), f"builder/{module}.py has no tests/test_{module}.py: give its tests a file of their own"


def _stray_table_rows(text: str) -> list[str]:
    """Lines that look like table rows but render as paragraph text (a table broken by a line between its rows)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    stray = []
    for opening, inline in itertools.pairwise(tokens):
        if opening.type == "paragraph_open" and inline.type == "inline":
            stray += [line for line in inline.content.splitlines() if line.lstrip().startswith("|")]
    return stray


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda page: page.name)
def test_every_table_renders_as_a_table(page: Path) -> None:
    """A paragraph between two rows of a table cut it short: the rows after it showed as text."""
    assert _stray_table_rows(page.read_text(encoding="utf-8")) == []


def test_readme_commands_table_lists_every_command() -> None:
    from markdown_it import MarkdownIt

    readme = (REFERENCE.parent.parent / "README.md").read_text(encoding="utf-8")
    cells = [token.content for token in MarkdownIt("commonmark").enable("table").parse(readme)
             if token.type == "inline" and token.content.startswith("`builder ")]
    assert sorted(cells) == sorted(f"`builder {name}`" for name in COMMANDS)


def test_a_row_after_a_paragraph_is_found() -> None:
    broken = "| a | b |\n| --- | --- |\n| 1 | 2 |\n\nsome text\n| builder schema | x |\n"
    assert _stray_table_rows(broken) == ["| builder schema | x |"]
    assert _stray_table_rows(broken.replace("\nsome text\n", "")) == []


def test_readme_install_hint_names_every_extra_a_quickstart_command_needs() -> None:
    """`make deck` installs no extra: the hint must cover watch (the Quickstart's) and the engine commands."""
    readme = (REFERENCE.parent.parent / "README.md").read_text(encoding="utf-8")
    hint = re.search(r"pip install -e '\.\[([\w,]+)\]'", readme)
    assert hint is not None
    assert set(hint.group(1).split(",")) == {"watch", "preview", "pull", "import"}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_cli_page_shows_help_as_a_terminal_does(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrapped where a user's `builder NAME --help` wraps (80 columns, however wide the terminal), not at 100."""
    monkeypatch.setenv("COLUMNS", "200")
    shown = CliRunner().invoke(cli, [name, "--help"], prog_name="builder").stdout
    assert f"```text\n{shown}```" in pages()[REFERENCE / "cli.md"]
    assert max(len(line) for line in shown.splitlines()) <= 80
