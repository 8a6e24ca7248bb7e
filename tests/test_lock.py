"""The lock's text: the fast writer must give json.dumps(indent=1)'s bytes, so no lock ever changes."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from builder.lock import dumps_indented

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
                             ("t1", "t2")),
        "a-note": LockedNote("g1", "cloze", "h1", {"Text": "x"}, 5, "s", "D", (), retired_in="1.1.0"),
    }
    types = {"qa": LockedNoteType(1, "Q", ("Question", "Answer"), ("Recall",), "hq", 3),
             "cloze": LockedNoteType(2, "C", ("Text",), ("Cloze",), "hc", 4)}
    lock = Lock("s", "D", "1.1.0", "s-1.1.0.apkg", "ab", notes, types,
                (Release("1.0.0", "2025-01-01", added=("a-note",), summary="First."),), {"description": "e"})
    expected = {
        "format": 1, "slug": "s", "deck": "D", "version": "1.1.0", "apkg": "s-1.1.0.apkg", "apkg_sha256": "ab",
        "extra": {"description": "e"},
        "note_types": {kind: types[kind].to_json() for kind in sorted(types)},
        "notes": {note_id: notes[note_id].to_json() for note_id in sorted(notes)},
        "history": [release.to_json() for release in lock.history],
    }
    assert lock.to_text() == json.dumps(expected, indent=1, ensure_ascii=False) + "\n"
    assert lock.to_bytes() == lock.to_text().encode("utf-8")
    empty = Lock("s", "D", "1.0.0", "s-1.0.0.apkg", "", {}, {})
    assert json.loads(empty.to_text())["notes"] == {} and '"notes": {}' in empty.to_text()


@given(
    st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=4),
    st.lists(st.text(max_size=5), max_size=4).map(tuple),
    st.none() | st.text(max_size=5),
    st.text(max_size=10),
    st.integers(min_value=0),
)
def test_a_note_is_written_as_its_json(
    fields: dict[str, str], tags: tuple[str, ...], retired_in: str | None, summary: str, mod: int
) -> None:
    from builder.lock import LockedNote

    note = LockedNote("g\u00e9", "qa", "h", fields, mod, summary, "Deck::\u2028Sub", tags, retired_in)
    for newline in ("\n  ", "\n"):
        assert note.json_text(newline) == dumps_indented(note.to_json(), newline)
