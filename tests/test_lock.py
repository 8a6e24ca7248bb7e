"""The lock: its text (the fast writer gives json.dumps(indent=1)'s bytes, so no lock ever changes),
the earlier states of every note across releases, the format-1 upgrade, and damaged values."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from builder.build import build_deck
from builder.cli import cli
from builder.lock import LOCK_FORMAT, EarlierState, dumps_indented, read_lock

T1 = 1_700_000_000
FIXTURES = Path(__file__).parent / "fixtures" / "locks"
Edit = Callable[[Path, str, str], None]

scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_same_text_as_json_dumps(value: object) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=1, ensure_ascii=False)


def test_tuples_and_unicode_as_json_writes_them() -> None:
    value = {"tags": ("a", "é\u2028"), "fields": {}, "history": [], "n": [1, None, True, "\x00\"\\"]}
    assert dumps_indented(value) == json.dumps(value, indent=1, ensure_ascii=False)


def test_a_whole_lock_is_written_as_json_dumps_would() -> None:
    from builder.lock import Lock, LockedNote, LockedNoteType, Release

    notes = {
        "b-note": LockedNote("g2", "qa", "h2", {"Question": "q", "Answer": "a"}, 7, "Summary with … and é", "D::Quiz",
                             ("t1", "t2"), earlier=(EarlierState("1.0.1", {"Question": "q", "Answer": "o"}, ("t1",)),)),
        "a-note": LockedNote("g1", "cloze", "h1", {"Text": "x"}, 5, "s", "D", (), retired_in="1.1.0"),
    }
    types = {"qa": LockedNoteType(1, "Q", ("Question", "Answer"), ("Recall",), "hq", 3),
             "cloze": LockedNoteType(2, "C", ("Text",), ("Cloze",), "hc", 4)}
    lock = Lock("s", "D", "1.1.0", "s-1.1.0.apkg", "ab", notes, types,
                (Release("1.0.0", "2025-01-01", added=("a-note",), summary="First."),), {"description": "e"})
    expected = {
        "format": 2, "slug": "s", "deck": "D", "version": "1.1.0", "apkg": "s-1.1.0.apkg", "apkg_sha256": "ab",
        "extra": {"description": "e"},
        "note_types": {kind: types[kind].to_json() for kind in sorted(types)},
        "notes": {note_id: notes[note_id].to_json() for note_id in sorted(notes)},
        "history": [release.to_json() for release in lock.history],
    }
    assert lock.to_text() == json.dumps(expected, indent=1, ensure_ascii=False) + "\n"
    assert lock.to_bytes() == lock.to_text().encode("utf-8")
    empty = Lock("s", "D", "1.0.0", "s-1.0.0.apkg", "", {}, {})
    assert json.loads(empty.to_text())["notes"] == {} and '"notes": {}' in empty.to_text()


earlier_states = st.lists(
    st.builds(EarlierState, st.text(max_size=5), st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=3),
              st.lists(st.text(max_size=4), max_size=3).map(tuple)),
    max_size=3,
).map(tuple)


@given(
    st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=4),
    st.lists(st.text(max_size=5), max_size=4).map(tuple),
    st.none() | st.text(max_size=5),
    st.text(max_size=10),
    st.integers(min_value=0),
    earlier_states,
)
def test_a_note_is_written_as_its_json(
    fields: dict[str, str], tags: tuple[str, ...], retired_in: str | None, summary: str, mod: int,
    earlier: tuple[EarlierState, ...],
) -> None:
    from builder.lock import LockedNote

    note = LockedNote("g\u00e9", "qa", "h", fields, mod, summary, "Deck::\u2028Sub", tags, retired_in, earlier)
    for newline in ("\n  ", "\n"):
        assert note.json_text(newline) == dumps_indented(note.to_json(), newline)


def test_every_state_a_release_shipped_is_kept_and_unchanged_notes_keep_none(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    """Fields or tags a release replaced stay in the lock with the release that replaced them."""
    out = tmp_path / "dist"
    build_deck(small_source, out, now=T1)
    v1 = read_lock(small_source.with_name("small.lock"))
    edit_source(small_source, "answer: Answers.", "answer: Better answers.")
    build_deck(small_source, out, now=T1 + 10)  # 1.0.1
    v2 = read_lock(small_source.with_name("small.lock"))
    edit_source(small_source, "answer: Better answers.", "answer: The best answers.\n    tags: [fixed]")
    edit_source(small_source, "  - id: quiz-two\n    kind: quiz", "  - id: quiz-two\n    kind: deep-dive")
    edit_source(small_source, "  - id: deep-two\n    kind: deep-dive\n    text: Scorpion was written in {{c1::C++}}.\n",
                "")
    build_deck(small_source, out, now=T1 + 20)  # 2.0.0: a note retired
    v3 = read_lock(small_source.with_name("small.lock"))
    assert v1 is not None and v2 is not None and v3 is not None and v3.version == "2.0.0"

    def state(lock: object, note_id: str, until: str) -> EarlierState:
        note = lock.notes[note_id]  # type: ignore[attr-defined]
        return EarlierState(until, note.fields, note.tags)

    assert v3.notes["quiz-one"].earlier == (state(v1, "quiz-one", "1.0.1"), state(v2, "quiz-one", "2.0.0"))
    assert v3.notes["quiz-two"].earlier == (state(v1, "quiz-two", "2.0.0"),)  # the kind tag went with the move
    assert v3.notes["deep-two"].earlier == (state(v1, "deep-two", "2.0.0"),)  # what learners had before the tombstone
    assert v3.notes["deep-two"].retired_in == "2.0.0"
    assert {note_id for note_id, note in v3.notes.items() if note.earlier} == {"quiz-one", "quiz-two", "deep-two"}
    text = small_source.with_name("small.lock").read_text(encoding="utf-8")
    assert json.loads(text)["format"] == LOCK_FORMAT == 2
    assert text.count('"earlier"') == 3  # written only where there is one


def test_a_format_1_lock_reads_as_before_and_its_state_seeds_the_history(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    lock_file = small_source.with_name("small.lock")
    shutil.copy(FIXTURES / "small-1.0.1.lock", lock_file)  # written by the builder of 3f9624e
    old = read_lock(lock_file)
    assert old is not None and all(not note.earlier for note in old.notes.values())
    edit_source(small_source, "answer: Answers.", "answer: Newer answers.")
    assert build_deck(small_source, tmp_path / "dist", now=T1 + 100).version == "1.0.2"
    new = read_lock(lock_file)
    assert new is not None
    quiz = old.notes["quiz-one"]
    assert new.notes["quiz-one"].earlier == (EarlierState("1.0.2", quiz.fields, quiz.tags),)  # replaced in 1.0.2


DAMAGED = "Error: cardsrc/small.lock: the lock is damaged (ValueError: {}): restore it from version control\n"


@pytest.mark.parametrize(
    ("earlier", "problem"),
    [
        ({"until": "1.0.0"}, "a note's earlier states are dict, not a list"),
        (["1.0.0"], "an earlier state is not {until, fields, tags}"),
        ([{"until": "1.0.0", "fields": {}, "tags": [], "more": 1}], "an earlier state is not {until, fields, tags}"),
        ([{"until": "1.0", "fields": "HASHES", "tags": []}], "an earlier state's 'until' is '1.0', not a version"),
        ([{"until": "1.0.0\n", "fields": "HASHES", "tags": []}],
         "an earlier state's 'until' is '1.0.0\\n', not a version"),
        ([{"until": "1.0.0", "fields": {"Question": "0123456789abcdef"}, "tags": []}],
         "an earlier state's fields are not hashes of the note's fields ['Answer', 'Extra', 'Question', 'Source']"),
        ([{"until": "1.0.0", "fields": "BAD-HASH", "tags": []}],
         "an earlier state's fields are not hashes of the note's fields ['Answer', 'Extra', 'Question', 'Source']"),
        ([{"until": "1.0.0", "fields": "HASHES", "tags": "quiz"}], "an earlier state's tags are not a list of tags"),
        ([{"until": "1.0.0", "fields": "HASHES", "tags": ["quiz", 7]}],
         "an earlier state's tags are not a list of tags"),
    ],
    ids=["not-a-list", "not-an-object", "unknown-key", "bad-version", "version-with-newline", "missing-field",
         "not-a-hash", "tags-not-a-list", "tag-not-text"],
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
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", DAMAGED.format(problem))
    assert {path: path.read_bytes() for path in (project / "cardsrc").iterdir() if path.is_file()} == before
    assert sorted(path.name for path in (project / "dist").iterdir()) == ["small-1.0.0.apkg", "small-CHANGELOG.md"]
