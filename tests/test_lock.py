"""The lock: its text (the fast writer gives json.dumps(indent=1)'s bytes, so no lock ever changes),
the earlier states of every note across releases, the format-1 upgrade, and the lock builder import writes.
Reading one back, every value checked, is tests/test_lockread.py."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from builder.build import build_deck
from builder.lock import LOCK_FORMAT, EarlierState, dumps_indented
from builder.lockread import read_lock
from tests.conftest import write_source

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
    assert lock.to_bytes() == (json.dumps(expected, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    empty = Lock("s", "D", "1.0.0", "s-1.0.0.apkg", "", {}, {})
    assert json.loads(empty.to_bytes())["notes"] == {} and b'"notes": {}' in empty.to_bytes()


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
    st.none() | st.lists(st.integers(min_value=1, max_value=9), max_size=3).map(tuple),
)
def test_a_note_is_written_as_its_json(
    fields: dict[str, str], tags: tuple[str, ...], retired_in: str | None, summary: str, mod: int,
    earlier: tuple[EarlierState, ...], cards: tuple[int, ...] | None,
) -> None:
    from builder.lock import LockedNote

    note = LockedNote("g\u00e9", "qa", "h", fields, mod, summary, "Deck::\u2028Sub", tags, retired_in, earlier,
                      cards)
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


def test_a_lock_that_builder_import_wrote_reads_back_and_its_first_release_keeps_every_mod(tmp_path: Path) -> None:
    """No release yet, every note's ``mod`` the package's: the first build is 1.0.0 and re-stamps nothing.

    Here the "package" is the deck's own first release, so the release made on top of the
    imported lock, a month later, must be that package byte for byte.
    """
    from msgspec.structs import replace

    from builder.lock import Imported

    write_source(tmp_path / "cardsrc")
    source, lock_file = tmp_path / "cardsrc" / "small.yaml", tmp_path / "cardsrc" / "small.lock"
    first = build_deck(source, tmp_path / "dist", now=T1)
    package = first.apkg.read_bytes()
    released = read_lock(lock_file)
    assert released is not None
    imported = replace(released, version=None, apkg=None, apkg_sha256="", history=(),
                       imported=Imported("small deck.apkg", "a" * 64))
    lock_file.write_bytes(imported.to_bytes())
    text = lock_file.read_text(encoding="utf-8")
    assert '"imported": {\n  "package": "small deck.apkg",' in text
    assert not {'"version"', '"apkg"', '"apkg_sha256"'} & set(text.split(":"))
    assert read_lock(lock_file) == imported
    shutil.rmtree(tmp_path / "dist")

    again = build_deck(source, tmp_path / "dist", now=T1 + 30 * 86400)
    after = read_lock(lock_file)
    assert after is not None and after.imported is None
    assert (again.version, again.apkg.name, again.apkg.read_bytes() == package) == ("1.0.0", "small-1.0.0.apkg", True)
    assert {note_id: note.mod for note_id, note in after.notes.items()} == {
        note_id: note.mod for note_id, note in released.notes.items()}
    assert {key: kind.mod for key, kind in after.note_types.items()} == {
        key: kind.mod for key, kind in released.note_types.items()}
    assert [(release.version, release.summary) for release in after.history] == [
        ("1.0.0", released.history[0].summary)]
