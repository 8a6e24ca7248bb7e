"""Reading a lock back (builder/lockread.py): every value checked, a damaged one is one line naming it,
git conflict markers say how to resolve them, and a lock that is not a plain file is never followed."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.build import build_deck
from builder.cli import cli
from builder.errors import LockError
from builder.identity import note_guid
from builder.lockread import read_lock
from tests.conftest import write_source

T1 = 1_700_000_000


RESTORE = ": restore it from version control"
DAMAGED = "Error: cardsrc/small.lock: the lock is damaged: "
EARLIER = "notes.quiz-one.earlier"
FIELD_NAMES = "Answer, Extra, Question, Source"


@pytest.mark.parametrize(
    ("earlier", "problem"),
    [
        ({"until": "1.0.0"}, f'{EARLIER} is {{"until": "1.0.0"}}, not a list'),
        (["1.0.0"], f'{EARLIER}[0] is "1.0.0", not an object'),
        ([{"until": "1.0.0", "fields": {}, "tags": [], "more": 1}],
         f'{EARLIER}[0] has the key "more", which is not until, fields or tags'),
        ([{"until": "1.0", "fields": "HASHES", "tags": []}],
         f'{EARLIER}[0].until is "1.0", not a version such as 1.0.0'),
        ([{"until": "1.0.0\n", "fields": "HASHES", "tags": []}],
         f'{EARLIER}[0].until is "1.0.0\\n", not a version such as 1.0.0'),
        ([{"until": "1.0.0", "fields": {"Question": "0123456789abcdef"}, "tags": []}],
         f'{EARLIER}[0].fields is {{"Question": "0123456789abcdef"}}, not hashes of the note\'s fields {FIELD_NAMES}'),
        ([{"until": "1.0.0", "fields": "BAD-HASH", "tags": []}],
         f'{EARLIER}[0].fields.Question is "xxxxxxxxxxxxxxxx", not a hash (16 hex digits)'),
        ([{"until": "1.0.0", "fields": "HASHES", "tags": "quiz"}], f'{EARLIER}[0].tags is "quiz", not a list'),
        ([{"until": "1.0.0", "fields": "HASHES", "tags": ["quiz", 7]}], f"{EARLIER}[0].tags[1] is 7, not a tag"),
        ([{"until": "1.0.0", "fields": "HASHES", "tags": ["quiz", ""]}], f'{EARLIER}[0].tags[1] is "", not a tag'),
    ],
    ids=["not-a-list", "not-an-object", "unknown-key", "bad-version", "version-with-newline", "missing-field",
         "not-a-hash", "tags-not-a-list", "tag-not-text", "tag-empty"],
)
def test_damaged_earlier_states_are_one_error_and_change_nothing(
    project: Path, earlier: object, problem: str
) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["build"]).exit_code == 0
    lock_file = project / "cardsrc" / "small.lock"
    data = json.loads(lock_file.read_text(encoding="utf-8"))
    hashes = data["notes"]["quiz-one"]["fields"]
    if isinstance(earlier, list) and isinstance(earlier[0], dict):
        earlier[0]["fields"] = {**hashes, "Question": "x" * 16} if earlier[0]["fields"] == "BAD-HASH" else (
            hashes if earlier[0]["fields"] == "HASHES" else earlier[0]["fields"])
    data["notes"]["quiz-one"]["earlier"] = earlier
    lock_file.write_text(json.dumps(data, indent=1), encoding="utf-8")
    (project / "cardsrc" / "small.yaml").write_text(
        (project / "cardsrc" / "small.yaml").read_text().replace("answer: Answers.", "answer: More."))
    before = {path: path.read_bytes() for path in (project / "cardsrc").iterdir() if path.is_file()}
    for command in (["build"], ["diff"]):
        result = runner.invoke(cli, command)
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"{DAMAGED}{problem}{RESTORE}\n")
    assert {path: path.read_bytes() for path in (project / "cardsrc").iterdir() if path.is_file()} == before
    assert sorted(path.name for path in (project / "dist").iterdir()) == ["small-1.0.0.apkg", "small-CHANGELOG.md"]


# --- reading a lock: every value checked, one line for a bad one -------------------------------------


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose small deck has one release, and a source edit waiting for the next."""
    root = tmp_path_factory.mktemp("released")
    write_source(root / "cardsrc")
    build_deck(root / "cardsrc" / "small.yaml", root / "dist", now=T1)
    source = root / "cardsrc" / "small.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("answer: Answers.", "answer: Edited."),
                      encoding="utf-8")
    return root


def in_copy(released: Path, where: Path) -> Path:
    shutil.copytree(released, where)
    return where


def files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def set_value(path: str, value: object) -> Callable[[Any], Any]:
    """A change to one value of the lock's JSON, by a dotted path (``notes.quiz-one.mod``, ``history.0.date``)."""
    *parents, last = path.split(".")

    def change(data: Any) -> Any:
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is DELETE:
            del node[last]
        else:
            node[int(last) if isinstance(node, list) else last] = value
        return data

    return change


DELETE = object()


def as_imported(data: Any) -> Any:
    """The lock as builder import writes it: no version, package or history, the package it came from."""
    kept = {key: value for key, value in data.items() if key not in ("version", "apkg", "apkg_sha256")}
    return {**kept, "history": [], "imported": {"package": "shared deck.apkg", "sha256": "a" * 64}}
A_GUID = "a GUID (1 to 100 printable ASCII characters, no space)"
HOSTILE_VALUES: list[tuple[str, Callable[[Any], Any], str]] = [
    ("version-two-parts", set_value("version", "1.0"), 'version is "1.0", not a version such as 1.0.0'),
    ("version-garbage", set_value("version", "garbage"), 'version is "garbage", not a version such as 1.0.0'),
    ("version-line-break", set_value("version", "1.0.0\n"), 'version is "1.0.0\\n", not a version such as 1.0.0'),
    # it names the release's files: a hand-edited lock must not make one too long to write
    ("version-19-digits", set_value("version", "1." + "9" * 19 + ".0"),
     'version is "1.' + "9" * 19 + '.0", not a version such as 1.0.0'),
    ("mod-too-big", set_value("notes.quiz-one.mod", 10**19),
     "notes.quiz-one.mod is 10000000000000000000, not a time (whole seconds from 1970 to the end of 9999)"),
    ("mod-year-10000", set_value("notes.quiz-one.mod", 253402300800),
     "notes.quiz-one.mod is 253402300800, not a time (whole seconds from 1970 to the end of 9999)"),
    ("mod-negative", set_value("notes.quiz-one.mod", -1),
     "notes.quiz-one.mod is -1, not a time (whole seconds from 1970 to the end of 9999)"),
    ("mod-fraction", set_value("notes.quiz-one.mod", 1.5),
     "notes.quiz-one.mod is 1.5, not a time (whole seconds from 1970 to the end of 9999)"),
    ("mod-text", set_value("notes.quiz-one.mod", "1700000000"),
     'notes.quiz-one.mod is "1700000000", not a time (whole seconds from 1970 to the end of 9999)'),
    ("mod-boolean", set_value("notes.quiz-one.mod", True),
     "notes.quiz-one.mod is true, not a time (whole seconds from 1970 to the end of 9999)"),
    ("mod-missing", set_value("notes.quiz-one.mod", DELETE), "notes.quiz-one.mod is missing"),
    ("note-type-mod-too-big", set_value("note_types.qa.mod", 10**19),
     "note_types.qa.mod is 10000000000000000000, not a time (whole seconds from 1970 to the end of 9999)"),
    ("note-type-id-zero", set_value("note_types.qa.id", 0),
     "note_types.qa.id is 0, not an id Anki can store (1 to 2^63-1)"),
    ("note-type-id-too-big", set_value("note_types.qa.id", 2**63),
     "note_types.qa.id is 9223372036854775808, not an id Anki can store (1 to 2^63-1)"),
    ("note-type-not-a-key", set_value("notes.quiz-one.type", "Basic type"),
     'notes.quiz-one.type is "Basic type", not a note type key'),
    ("guid-number", set_value("notes.quiz-one.guid", 5), f"notes.quiz-one.guid is 5, not {A_GUID}"),
    ("guid-empty", set_value("notes.quiz-one.guid", ""), f'notes.quiz-one.guid is "", not {A_GUID}'),
    ("guid-space", set_value("notes.quiz-one.guid", "a b"), f'notes.quiz-one.guid is "a b", not {A_GUID}'),
    ("guid-field-separator", set_value("notes.quiz-one.guid", "a\x1fb"),
     f'notes.quiz-one.guid is "a\\u001fb", not {A_GUID}'),
    ("guid-not-ascii", set_value("notes.quiz-one.guid", "é"), f'notes.quiz-one.guid is "é", not {A_GUID}'),
    ("guid-too-long", set_value("notes.quiz-one.guid", "x" * 101),
     f'notes.quiz-one.guid is "{"x" * 38}…, not {A_GUID}'),
    ("guid-of-another-note", set_value("notes.quiz-one.guid", note_guid("small", "quiz-two")),
     f"notes.quiz-two.guid is {json.dumps(note_guid('small', 'quiz-two'))}, not a GUID of its own "
     "(note quiz-one has it too)"),
    ("guid-missing", set_value("notes.quiz-one.guid", DELETE), "notes.quiz-one.guid is missing"),
    ("summary-number", set_value("notes.quiz-one.summary", 5), "notes.quiz-one.summary is 5, not text"),
    ("summary-list", set_value("notes.quiz-one.summary", ["a"]), 'notes.quiz-one.summary is ["a"], not text'),
    ("deck-empty", set_value("notes.quiz-one.deck", " "), 'notes.quiz-one.deck is " ", not a deck name'),
    ("deck-field-separator", set_value("notes.quiz-one.deck", "A\x1fB"),
     'notes.quiz-one.deck is "A\\u001fB", not a deck name'),
    ("tags-not-a-list", set_value("notes.quiz-one.tags", "x"), 'notes.quiz-one.tags is "x", not a list'),
    ("tag-number", set_value("notes.quiz-one.tags", [5]), "notes.quiz-one.tags[0] is 5, not a tag"),
    ("field-hash", set_value("notes.quiz-one.fields.Answer", "zz"),
     'notes.quiz-one.fields.Answer is "zz", not a hash (16 hex digits)'),
    ("fields-list", set_value("notes.quiz-one.fields", []), "notes.quiz-one.fields is [], not an object"),
    ("retired-in", set_value("notes.quiz-one.retired_in", "one"),
     'notes.quiz-one.retired_in is "one", not a version such as 1.0.0'),
    ("note-id-path", lambda data: {**data, "notes": {**data["notes"], "../../x": data["notes"]["quiz-one"]}},
     'notes has the key "../../x", which is not a note id'),
    ("note-type-key", lambda data: {**data, "note_types": {**data["note_types"], "../basic": {}}},
     'note_types has the key "../basic", which is not a note type key'),
    ("note-not-an-object", set_value("notes.quiz-one", 5), "notes.quiz-one is 5, not an object"),
    ("history-not-a-list", set_value("history", 5), "history is 5, not a list"),
    ("history-date", set_value("history.0.date", "2023-02-30"), 'history[0].date is "2023-02-30", not a real date'),
    ("history-id", set_value("history.0.added", ["Bad Id"]), 'history[0].added[0] is "Bad Id", not a note id'),
    ("cards-zero", set_value("notes.learn-one.cards", [0, 1]),
     "notes.learn-one.cards is [0, 1], not a sorted list of distinct cloze numbers (1 to 65535)"),
    ("cards-unsorted", set_value("notes.learn-one.cards", [2, 1]),
     "notes.learn-one.cards is [2, 1], not a sorted list of distinct cloze numbers (1 to 65535)"),
    ("cards-boolean", set_value("notes.learn-one.cards", [True]),
     "notes.learn-one.cards is [true], not a sorted list of distinct cloze numbers (1 to 65535)"),
    ("cards-text", set_value("notes.learn-one.cards", "1"), 'notes.learn-one.cards is "1", not a list'),
    ("restored-id", set_value("history.0.restored", ["Bad Id"]), 'history[0].restored[0] is "Bad Id", not a note id'),
    ("for-learners-number", set_value("history.0.for_learners", [5]),
     "history[0].for_learners[0] is 5, not a sentence for learners"),
    ("for-learners-escape", set_value("history.0.for_learners", ["\x1b[2J"]),
     'history[0].for_learners[0] is "\\u001b[2J", not a sentence for learners'),
    ("apkg-name", set_value("apkg", "../other.apkg"),
     'apkg is "../other.apkg", not small-1.0.0.apkg as its slug and version say'),
    ("apkg-sha256", set_value("apkg_sha256", "x"), 'apkg_sha256 is "x", not a sha256 (64 hex digits)'),
    ("slug-number", set_value("slug", 5), "slug is 5, not a slug"),
    ("extra-number", set_value("extra.description", 5), "extra.description is 5, not text"),
    ("format-boolean", set_value("format", True), "format is true, not a format number such as 2"),
    ("whole-file-a-list", lambda data: [data],
     'the file is [{"format": 2, "slug": "small", "deck":…, not an object'),
    ("long-value-cut", set_value("version", "9" * 100), 'version is "' + "9" * 38 + "…, not a version such as 1.0.0"),
    # a lock builder import wrote: no release yet
    ("imported-with-version", lambda data: {**as_imported(data), "version": "1.0.0"},
     "version is set, but a lock that builder import wrote (imported) has no release yet"),
    ("imported-with-apkg-sha256", lambda data: {**as_imported(data), "apkg_sha256": "0" * 64},
     "apkg_sha256 is set, but a lock that builder import wrote (imported) has no release yet"),
    ("imported-with-history", lambda data: {**as_imported(data), "history": data["history"]},
     "history is not [], as it must be in a lock that builder import wrote (no release yet)"),
    ("imported-not-an-object", lambda data: {**as_imported(data), "imported": "x.apkg"},
     'imported is "x.apkg", not an object'),
    ("imported-package-path", lambda data: set_value("imported.package", "../x.apkg")(as_imported(data)),
     'imported.package is "../x.apkg", not a package\'s file name'),
    ("imported-package-empty", lambda data: set_value("imported.package", "")(as_imported(data)),
     'imported.package is "", not a package\'s file name'),
    ("imported-sha256", lambda data: set_value("imported.sha256", "abc")(as_imported(data)),
     'imported.sha256 is "abc", not a sha256 (64 hex digits)'),
    ("imported-sha256-missing", lambda data: set_value("imported.sha256", DELETE)(as_imported(data)),
     "imported.sha256 is missing"),
    ("imported-unknown-key", lambda data: set_value("imported.version", "1.0.0")(as_imported(data)),
     'imported has the key "version", which is not package or sha256'),
]


@pytest.mark.parametrize(("name", "change", "message"), HOSTILE_VALUES, ids=[case[0] for case in HOSTILE_VALUES])
def test_a_hostile_lock_value_is_one_line_and_nothing_is_written(
    released: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    name: str, change: Callable[[Any], Any], message: str,
) -> None:
    root = in_copy(released, tmp_path / "project")
    lock = root / "cardsrc" / "small.lock"
    lock.write_text(json.dumps(change(json.loads(lock.read_text(encoding="utf-8")))), encoding="utf-8")
    before = files(root)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["build"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"{DAMAGED}{message}{RESTORE}\n")
    assert files(root) == before


@pytest.mark.parametrize(("text", "message"), [
    ('{"format": 3}', "Error: cardsrc/small.lock: lock format 3 is not 2: upgrade builder"),
    ('{"format": 1, "notes": {"a": {"mod": NaN}}}',
     "Error: cardsrc/small.lock: the lock is damaged (not JSON: NaN is not a number): restore it from version control"),
    ("[" * 100_000 + "]" * 100_000,
     "Error: cardsrc/small.lock: the lock is damaged (not JSON: maximum recursion depth exceeded while decoding a "
     "JSON array from a unicode string): restore it from version control"),
], ids=["newer-format", "nan", "deep-nesting"])
def test_a_lock_that_is_not_builders_json_is_one_line(
    released: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    root = in_copy(released, tmp_path / "project")
    (root / "cardsrc" / "small.lock").write_text(text, encoding="utf-8")
    before = files(root)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["build"])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"{message}\n")
    assert files(root) == before


def any_json() -> st.SearchStrategy[Any]:
    leaves = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**62, max_value=2**70)
              | st.floats(allow_nan=False) | st.text(max_size=20)
              | st.sampled_from(["", "1.0", "1.0.0", "cloze", "qa", "../x", "a\nb", "\x1f", "2023-02-30"]))
    return st.recursive(leaves, lambda children: st.lists(children, max_size=3)
                        | st.dictionaries(st.text(max_size=6), children, max_size=3), max_leaves=6)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value: each key or index, down to the leaves."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_randomly_damaged_lock_never_makes_a_traceback(released: Path, data: st.DataObject) -> None:
    """Replace, delete or add one value anywhere in a valid lock: the build succeeds or says one line."""
    lock_data = json.loads((released / "cardsrc" / "small.lock").read_text(encoding="utf-8"))
    place = data.draw(st.sampled_from(paths(lock_data)[1:]))
    parent = lock_data
    for part in place[:-1]:
        parent = parent[part]
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        parent[place[-1]] = data.draw(any_json())
    elif action == "delete":
        del parent[place[-1]]
    elif isinstance(parent, dict):
        parent[data.draw(st.text(max_size=6))] = data.draw(any_json())
    else:
        parent.append(data.draw(any_json()))
    with tempfile.TemporaryDirectory() as folder:
        root = in_copy(released, Path(folder) / "project")
        (root / "cardsrc" / "small.lock").write_text(json.dumps(lock_data), encoding="utf-8")
        before = files(root)
        old = os.getcwd()
        os.chdir(root)
        try:
            result = CliRunner().invoke(cli, ["build"])
        finally:
            os.chdir(old)
        assert result.exception is None or isinstance(result.exception, SystemExit), (place, result.exception)
        assert result.exit_code in (0, 1), result.output
        if result.exit_code == 1:
            assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
            assert files(root) == before


# --- a lock that is not what builder wrote: one line, never followed ------------------------
def conflicted(text: str, base: bool = False) -> str:
    """``text`` with its version line as git leaves it after two branches each released."""
    ours = next(line for line in text.splitlines(keepends=True) if line.startswith(' "version"'))
    theirs = ours.replace('"1.0.0"', '"1.1.0"')
    middle = f"||||||| base\n{ours}" if base else ""
    return text.replace(ours, f"<<<<<<< HEAD\n{ours}{middle}=======\n{theirs}>>>>>>> feature-branch\n")


HOW_TO_RESOLVE = (
    "never merge a lock by hand; take it whole from the side whose release was published (usually the main "
    "branch: git checkout main -- {lock}), then run builder build, which releases the merged source on top of it"
)


@pytest.mark.parametrize("base", [False, True], ids=["merge-style", "diff3-style"])
def test_a_lock_with_git_conflict_markers_says_how_to_resolve_it(tmp_path: Path, base: bool) -> None:
    source = write_source(tmp_path)
    build_deck(source, tmp_path / "dist", now=1_700_000_000)
    lock = source.with_name("small.lock")
    text = conflicted(lock.read_text(encoding="utf-8"), base)
    lock.write_text(text, encoding="utf-8")
    line = text.splitlines().index("<<<<<<< HEAD") + 1
    with pytest.raises(LockError) as error:
        read_lock(lock)
    assert str(error.value) == f"{lock}:{line}: the lock holds a git merge conflict ('<<<<<<<'): " + (
        HOW_TO_RESOLVE.format(lock=lock)
    )


def linked_to_a_lock(lock: Path) -> None:
    lock.rename(lock.with_name("elsewhere.json"))
    lock.symlink_to("elsewhere.json")


def a_pipe(lock: Path) -> None:
    lock.unlink()
    os.mkfifo(lock)


@pytest.mark.parametrize(("make", "what"), [
    (linked_to_a_lock, "a symbolic link, which builder never follows"),
    (a_pipe, "a pipe, not a regular file"),
    (lambda lock: (lock.unlink(), lock.mkdir()), "a folder, not a regular file"),
], ids=["symbolic-link", "pipe", "folder"])
def test_a_lock_that_is_not_a_plain_file_is_not_followed(
    tmp_path: Path, make: Callable[[Path], None], what: str
) -> None:
    source = write_source(tmp_path)
    build_deck(source, tmp_path / "dist", now=1_700_000_000)
    lock = source.with_name("small.lock")
    make(lock)
    with pytest.raises(LockError) as error:
        read_lock(lock)  # and a pipe does not hang it
    assert str(error.value) == (f"{lock}: the lock is {what}: put the lock file itself here (restore it from "
                                "version control)")


