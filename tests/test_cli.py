"""The command line: exit codes and exact messages, through Click's CliRunner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import cli
from tests.conftest import SMALL_SOURCE, write_source


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_build_defaults_to_every_source_into_dist(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    assert result.output == "Built dist/small-1.0.0.apkg: 6 notes, 7 cards (version 1.0.0)\n"
    assert (project / "dist" / "small-1.0.0.apkg").is_file()
    assert (project / "cardsrc" / "small.lock").is_file()
    again = runner.invoke(cli, ["build"])
    assert again.output == "Unchanged dist/small-1.0.0.apkg: 6 notes, 7 cards (version 1.0.0)\n"


def test_build_with_explicit_source_and_out(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(cli, ["build", "cardsrc/small.yaml", "--out", "elsewhere"])
    assert result.exit_code == 0
    assert result.output == "Built elsewhere/small-1.0.0.apkg: 6 notes, 7 cards (version 1.0.0)\n"


def test_python_dash_m_works(project: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "builder", "--version"], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
    assert done.stdout.startswith("builder, version ")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("tags: [testing]", "tag: [testing]",
         "cardsrc/small.yaml:5: unknown key 'tag' in the deck: did you mean 'tags'?"),
        ('answer: "2015"', 'answer: ""',
         "cardsrc/small.yaml:28: 'answer' in note 'quiz-two' is empty: write it or remove the key"),
        ("  - id: quiz-two", "  - id: quiz-one",
         "cardsrc/small.yaml:25: duplicate note id 'quiz-one' (first on line 20): "
         "ids must be unique, give this note a new one"),
        ("about {{c1::caching}}", "about caching",
         "cardsrc/small.yaml:19: note 'learn-two' has no cloze deletion: mark a key term as {{c1::term}}"),
        ("title: Small deck", "title: [a]", "cardsrc/small.yaml:1: 'title' in the deck must be text, not a list"),
    ],
    ids=["misspelled-key", "empty-answer", "duplicate-id", "cloze-without-deletion", "wrong-type"],
)
def test_bad_source_fails_with_one_error_line_and_writes_nothing(
    runner: CliRunner, project: Path, old: str, new: str, message: str
) -> None:
    write_source(project / "cardsrc", SMALL_SOURCE.replace(old, new))
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {message}\n"
    assert result.stdout == ""
    assert not (project / "dist").exists()
    assert not (project / "cardsrc" / "small.lock").exists()


def test_missing_source_and_no_sources(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(cli, ["build", "nope.yaml"])
    assert (result.exit_code, result.stderr) == (1, "Error: nope.yaml: no such file: check the path\n")
    (project / "cardsrc" / "small.yaml").unlink()
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no sources found in cardsrc/: name a .yaml file or run from the project folder\n"
    )


def test_usage_errors_exit_2(runner: CliRunner, project: Path) -> None:
    assert runner.invoke(cli, ["build", "--nope"]).exit_code == 2
    assert runner.invoke(cli, ["frobnicate"]).exit_code == 2


def test_diff_reports_changes_and_exit_code(runner: CliRunner, project: Path) -> None:
    first = runner.invoke(cli, ["diff", "--exit-code"])
    assert (first.exit_code, first.output) == (1, "small: first release 1.0.0 (6 notes)\n")
    runner.invoke(cli, ["build"])
    clean = runner.invoke(cli, ["diff", "--exit-code"])
    assert (clean.exit_code, clean.output) == (0, "small: no changes (version 1.0.0)\n")
    source = project / "cardsrc" / "small.yaml"
    text = source.read_text().replace("answer: Answers.", "answer: New.").replace("tags: [alpha]", "tags: [beta]")
    text = text.replace("  - id: deep-two\n    kind: deep-dive\n    text: Scorpion was written in {{c1::C++}}.\n", "")
    source.write_text(text + "  - id: added\n    kind: quiz\n    question: Q?\n    answer: A.\n")
    changed = runner.invoke(cli, ["diff", "--exit-code"])
    assert changed.exit_code == 1
    assert changed.output == (
        "small: 1.0.0 -> 2.0.0, major\n"
        "  ~ learn-one: tags\n"
        "  ~ quiz-one: Answer\n"
        "  + added\n"
        "  - deep-two (retired)\n"
    )
    assert runner.invoke(cli, ["diff"]).exit_code == 0


def test_refusing_to_overwrite_a_release_is_an_error_line(runner: CliRunner, project: Path) -> None:
    runner.invoke(cli, ["build"])
    with (project / "dist" / "small-1.0.0.apkg").open("ab") as released:
        released.write(b"changed after the release")
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: cardsrc/small.yaml: dist/small-1.0.0.apkg already exists with other content and releases "
        "are immutable: raise 'version' in the source for a new release, or delete the file if it was "
        "never shared\n"
    )


@pytest.mark.parametrize("edited", [False, True], ids=["same-source", "edited-source"])
def test_a_lost_lock_is_named_when_dist_holds_the_release(runner: CliRunner, project: Path, edited: bool) -> None:
    runner.invoke(cli, ["build"])
    (project / "cardsrc" / "small.lock").unlink()
    source = project / "cardsrc" / "small.yaml"
    if edited:
        source.write_text(source.read_text().replace("answer: Answers.", "answer: Other."))
    before = sorted((path, path.read_bytes()) for path in project.rglob("*") if path.is_file())
    result = runner.invoke(cli, ["build", "--no-cache"])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", (
        "Error: cardsrc/small.yaml: the lock cardsrc/small.lock is missing, but dist holds releases of this deck "
        "(small-1.0.0.apkg): restore the lock from version control and build again, or delete those releases "
        "if they were never shared\n"
    ))
    assert sorted((path, path.read_bytes()) for path in project.rglob("*") if path.is_file()) == before


def test_a_lost_lock_is_named_when_dist_holds_only_later_releases(runner: CliRunner, project: Path) -> None:
    (project / "dist").mkdir()
    for name in ("small-1.0.9.apkg", "small-1.0.10.apkg", "small-draft.apkg", "smaller-2.0.0.apkg"):
        (project / "dist" / name).write_bytes(b"released before the lock was lost")
    result = runner.invoke(cli, ["build"])  # it would have released a second, different 1.0.0
    assert (result.exit_code, result.stderr) == (1, (
        "Error: cardsrc/small.yaml: the lock cardsrc/small.lock is missing, but dist holds releases of this deck "
        "(small-1.0.10.apkg and 1 more): restore the lock from version control and build again, or delete those "
        "releases if they were never shared\n"
    ))
    assert not (project / "dist" / "small-1.0.0.apkg").exists()


# --- a lock git could not merge -----------------------------------------------------------
def conflicted_project(runner: CliRunner, project: Path) -> tuple[str, int]:
    """The small deck released, then its lock as a merge of two releasing branches leaves it."""
    assert runner.invoke(cli, ["build"]).exit_code == 0
    lock = project / "cardsrc" / "small.lock"
    text = lock.read_text(encoding="utf-8")
    version = ' "version": "1.0.0",\n'
    lock.write_text(text.replace(version, f'<<<<<<< HEAD\n{version}=======\n "version": "1.1.0",\n>>>>>>> branch\n'),
                    encoding="utf-8")
    return (
        "the lock holds a git merge conflict ('<<<<<<<'): never merge a lock by hand; take it whole from the side "
        "whose release was published (usually the main branch: git checkout main -- cardsrc/small.lock), then run "
        "builder build, which releases the merged source on top of it"
    ), text[: text.index(version)].count("\n") + 1


def test_a_conflicted_lock_stops_the_build_with_how_to_resolve_it(runner: CliRunner, project: Path) -> None:
    message, line = conflicted_project(runner, project)
    before = sorted((path, path.read_bytes()) for path in project.rglob("*") if path.is_file())
    result = runner.invoke(cli, ["build"])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: cardsrc/small.lock:{line}: {message}\n")
    assert sorted((path, path.read_bytes()) for path in project.rglob("*") if path.is_file()) == before


def test_check_does_not_pass_a_conflicted_lock(runner: CliRunner, project: Path) -> None:
    message, line = conflicted_project(runner, project)
    result = runner.invoke(cli, ["check", "cardsrc/small.yaml"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, f"cardsrc/small.lock:{line}: E160 {message}\n", "Found 1 error and 0 warnings in 1 source.\n"
    )


def test_diff_exit_code_tells_an_error_from_changes(runner: CliRunner, project: Path) -> None:
    """Like diff(1): 0 the same, 1 changes, 2 trouble; without --exit-code an error exits 1 as everywhere."""
    assert runner.invoke(cli, ["diff", "--exit-code"]).exit_code == 1  # the first release is a change
    message, line = conflicted_project(runner, project)
    error = f"Error: cardsrc/small.lock:{line}: {message}\n"
    trouble = runner.invoke(cli, ["diff", "--exit-code"])
    assert (trouble.exit_code, trouble.stdout, trouble.stderr) == (2, "", error)
    plain = runner.invoke(cli, ["diff"])
    assert (plain.exit_code, plain.stderr) == (1, error)
    (project / "cardsrc" / "small.yaml").unlink()
    nothing = runner.invoke(cli, ["diff", "--exit-code"])
    assert (nothing.exit_code, nothing.stderr) == (
        2, "Error: no sources found in cardsrc/: name a .yaml file or run from the project folder\n"
    )


# --- output folders that are symbolic links ---------------------------------------------------
def test_a_dangling_out_link_is_named(runner: CliRunner, project: Path) -> None:
    (project / "shelf").symlink_to("gone")
    result = runner.invoke(cli, ["build", "--out", "shelf/dist"])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", (
        "Error: shelf: this is a symbolic link to 'gone', which does not exist: create that folder, "
        "or build into another one\n"
    ))
    assert sorted(path.name for path in project.iterdir()) == ["cardsrc", "shelf"]
    assert [path.name for path in (project / "cardsrc").iterdir() if path.name != ".builder-cache"] == ["small.yaml"]


@pytest.mark.parametrize("command", [["build"], ["build", "--draft"], ["preview"]])
@pytest.mark.parametrize("target", ["elsewhere", "gone"])
def test_an_out_folder_that_is_a_symbolic_link_is_never_written_through(
    runner: CliRunner, project: Path, command: list[str], target: str
) -> None:
    """A pull request can turn dist/ (only its README.md is tracked) into a link to anywhere: refused, dangling too."""
    if command == ["preview"]:
        pytest.importorskip("anki")
    (project / "elsewhere").mkdir()
    (project / "dist").symlink_to(target)
    result = runner.invoke(cli, [*command, "--out", "dist"])
    hint = "choose another --out" if command == ["preview"] else "build into another one"
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", (
        f"Error: dist: this is a symbolic link to '{target}', which builder never writes through: make it a folder "
        f"of its own, or {hint}\n"
    ))
    assert list((project / "elsewhere").iterdir()) == []
    assert sorted(path.name for path in project.iterdir()) == ["cardsrc", "dist", "elsewhere"]
    assert [path.name for path in (project / "cardsrc").iterdir() if path.name != ".builder-cache"] == ["small.yaml"]


def test_check_reports_a_source_it_cannot_check_and_goes_on_like_every_command(
    runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure that is no finding (here a planted one) is an Error: line through the shared loop, exit 1."""
    from builder import lint
    from builder.errors import ReleaseError

    write_source(project / "cardsrc", SMALL_SOURCE.replace('answer: "2015"', "answer: TODO"))
    other = write_source(project / "cardsrc" / "other", SMALL_SOURCE)
    real_check_source = lint.check_source

    def one_fails(path: Path, **options: bool) -> list[object]:
        if path == other:
            raise ReleaseError("cannot be checked", path)
        return real_check_source(path, **options)  # type: ignore[return-value]

    monkeypatch.setattr(lint, "check_source", one_fails)
    result = runner.invoke(cli, ["check", str(other), "cardsrc/small.yaml"])
    assert result.exit_code == 1
    assert result.stdout == ("cardsrc/small.yaml:28:13: L301 'answer' of note 'quiz-two' is still TODO: "
                             "write the answer\n")
    assert result.stderr == (f"Error: {other}: cannot be checked\n"
                             "Found 1 error and 0 warnings in 2 sources.\n")


TOO_LONG = {
    # a slug names the deck's files: 300 characters ended as 'E160 cannot read the lock: File name too long'
    "slug-300": ("slug: small", "slug: " + "a" * 300, "2:7", "'slug' in the deck is 300 characters long, more than "
                 "the 100 a slug may have (a deck's names its files): shorten it"),
    "slug-101": ("slug: small", "slug: " + "a" * 101, "2:7", "'slug' in the deck is 101 characters long, more than "
                 "the 100 a slug may have (a deck's names its files): shorten it"),
    "note-id-101": ("  - id: quiz-two", "  - id: " + "q" * 101, "25:9", f"'id' in note '{'q' * 101}' is 101 characters "
                    "long, more than the 100 a slug may have: shorten it"),
    # each version number is part of the release's file names: 300 nines ended as 'dist/...: File name too long'
    "version-300-nines": ("version: 1.0.0", "version: " + "9" * 300 + ".0.0", "4:10", "'version' in the deck has a "
                          "number of 300 digits, more than the 9 a version's numbers may have (it names the release's "
                          "files): write a semantic version such as 1.0.0"),
    "patch-10-digits": ("version: 1.0.0", "version: 1.0.1234567890", "4:10", "'version' in the deck has a number of "
                        "10 digits, more than the 9 a version's numbers may have (it names the release's files): write "
                        "a semantic version such as 1.0.0"),
}


@pytest.mark.parametrize("case", list(TOO_LONG))
def test_a_value_too_long_for_a_file_name_is_an_error_at_its_line_in_check_and_build(
    runner: CliRunner, project: Path, case: str
) -> None:
    old, new, where, message = TOO_LONG[case]
    source = project / "cardsrc" / "small.yaml"
    source.write_text(SMALL_SOURCE.replace(old, new, 1), encoding="utf-8")
    line, column = where.split(":")
    check = runner.invoke(cli, ["check"])
    assert (check.exit_code, check.stdout) == (1, f"cardsrc/small.yaml:{line}:{column}: E104 {message}\n")
    build = runner.invoke(cli, ["build"])
    assert (build.exit_code, build.stdout, build.stderr) == (1, "", f"Error: cardsrc/small.yaml:{line}: {message}\n")
    assert sorted(path.name for path in project.rglob("*")) == ["cardsrc", "small.yaml"]


def test_the_longest_slug_and_version_build_and_release_again(runner: CliRunner, project: Path) -> None:
    slug, version = "s" * 100, "999999999.999999999.999999999"
    source = project / "cardsrc" / "small.yaml"
    source.write_text(SMALL_SOURCE.replace("slug: small", f"slug: {slug}").replace("version: 1.0.0",
                                                                                    f"version: {version}"),
                      encoding="utf-8")
    result = runner.invoke(cli, ["build"])
    assert (result.exit_code, result.stdout) == (0, f"Built dist/{slug}-{version}.apkg: 6 notes, 7 cards (version "
                                                    f"{version})\n")
    source.write_text(source.read_text(encoding="utf-8").replace("answer: Answers.", "answer: Other answers."),
                      encoding="utf-8")
    again = runner.invoke(cli, ["build"])  # the patch number gets its 10th digit: the lock still reads back
    assert (again.exit_code, again.stdout) == (0, f"Built dist/{slug}-999999999.999999999.1000000000.apkg: 6 notes, "
                                                  "7 cards (version 999999999.999999999.1000000000)\n")
    assert runner.invoke(cli, ["diff", "--exit-code"]).exit_code == 0


def test_a_slug_option_too_long_is_a_usage_error(runner: CliRunner, project: Path) -> None:
    result = runner.invoke(cli, ["new", "--title", "T", "--slug", "a" * 101])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == ("Error: Invalid value for '--slug': the slug is 101 characters long, "
                                              "more than the 100 a slug may have (it names the deck's files): "
                                              "shorten it")
