"""The rebuild loop, proven in the real Anki engine: edit, rebuild, re-import.

Each test builds with an explicit clock (``now``) so "a later build" and "the
same second" are exact, imports with the options a user gets by default, and
checks what Anki's importer reported and what the collection now holds.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from builder import notetypes
from builder.build import build_deck
from builder.errors import ReleaseError
from builder.identity import note_guid
from tests.ankitools import import_apkg, note_by_guid, open_collection, review_everything, visible_text

T1 = 1_700_000_000
T2 = T1 + 86_400
Edit = Callable[[Path, str, str], None]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(*folders: Path) -> dict[str, str]:
    return {
        str(item.relative_to(folder.parent)): sha(item)
        for folder in folders
        if folder.exists()
        for item in sorted(folder.rglob("*"))
        if item.is_file()
    }


def revlog(col: object, card_ids: list[int]) -> list[tuple[int, int, int]]:
    marks = ",".join("?" * len(card_ids))
    return col.db.all(f"select id, ease, ivl from revlog where cid in ({marks})", *card_ids)  # type: ignore[attr-defined, no-any-return]


def notes_state(col: object) -> dict[str, tuple[int, int, str, str]]:
    """guid -> (note id, mod, fields, tags) for every note in the collection."""
    rows = col.db.all("select guid, id, mod, flds, tags from notes")  # type: ignore[attr-defined]
    return {guid: (nid, mod, flds, tags) for guid, nid, mod, flds, tags in rows}


def test_edit_retag_add_remove_updates_exactly_those_notes(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    out = tmp_path / "dist"
    first = build_deck(small_source, out, now=T1)
    assert first.plan.version == "1.0.0"
    col = open_collection(tmp_path / "user.anki2")
    log = import_apkg(col, first.apkg)
    assert (len(log.new), len(log.updated)) == (6, 0)
    assert review_everything(col) == 7
    guid = note_guid("small", "quiz-one")
    edited = note_by_guid(col, guid)
    card_ids = sorted(card.id for card in edited.cards())
    history = revlog(col, card_ids)
    scheduling = [(c.ivl, c.due, c.type, c.queue) for c in edited.cards()]
    assert history and scheduling[0][0] > 0
    before = notes_state(col)
    types_before = sorted(m.name for m in col.models.all_names_and_ids())

    edit_source(small_source, "answer: Answers.", "answer: Better answers.")
    edit_source(small_source, "text: Second learning about {{c1::caching}}.",
                "text: Second learning about {{c1::caching}}.\n    tags: [beta]")
    edit_source(small_source, "  - id: deep-one\n    kind: deep-dive\n    question: Who built Linchpin?\n"
                "    answer: A senior staff engineer in Home Feed.\n", "")
    with small_source.open("a", encoding="utf-8") as handle:
        handle.write("  - id: deep-three\n    kind: deep-dive\n    question: What replaced EzFlow?\n"
                     "    answer: Airflow.\n")
    second = build_deck(small_source, out, now=T2)
    assert second.plan.version == "2.0.0"  # a removal is a major change
    log = import_apkg(col, second.apkg)
    # Anki lists matched notes it left alone (not newer) as "duplicate": the 3 unchanged ones.
    assert (len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting)) == (1, 3, 3, 0)

    after = notes_state(col)
    touched = {note_guid("small", n) for n in ("quiz-one", "learn-two", "deep-one", "deep-three")}
    for untouched in set(before) - touched:
        assert after[untouched] == before[untouched]
    assert len(after) == 7
    assert sorted(m.name for m in col.models.all_names_and_ids()) == types_before

    edited = note_by_guid(col, guid)
    assert edited.id == before[guid][0]
    assert sorted(card.id for card in edited.cards()) == card_ids
    assert revlog(col, card_ids) == history
    assert [(c.ivl, c.due, c.type, c.queue) for c in edited.cards()] == scheduling
    assert "Better answers." in visible_text(edited.cards()[0].render_output().answer_text)
    assert "beta" in note_by_guid(col, note_guid("small", "learn-two")).tags
    retired = note_by_guid(col, note_guid("small", "deep-one"))
    assert "builder::retired" in retired.tags
    assert "Retired in 2.0.0" in visible_text(retired.cards()[0].render_output().answer_text)
    assert col.find_notes("tag:builder::retired") == [retired.id]

    changelog = (out / "small-CHANGELOG.md").read_text(encoding="utf-8")
    assert "## 2.0.0 (2023-11-15)" in changelog
    assert "- Added: deep-three" in changelog
    assert "- Changed: learn-two, quiz-one" in changelog or "- Changed: quiz-one, learn-two" in changelog
    assert "- Retired: deep-one" in changelog
    col.close()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("answer: Answers.", "answer: Other."), "1.0.1"),
        (("tags: [alpha]", "tags: [alpha, gamma]"), "1.0.1"),
        (("  - id: deep-two\n", "  - id: deep-new\n    kind: quiz\n    question: New?\n    answer: Yes.\n"
          "  - id: deep-two\n"), "1.1.0"),
        (("  - id: deep-two\n    kind: deep-dive\n    text: Scorpion was written in {{c1::C++}}.\n", ""),
         "2.0.0"),
        (("version: 1.0.0", "version: 3.0.0"), "3.0.0"),
        (("answer: Answers.", "answer: Answers."), "1.0.0"),
    ],
    ids=["edit-patch", "retag-patch", "add-minor", "remove-major", "explicit-wins", "same-content"],
)
def test_version_follows_the_kind_of_change(
    small_source: Path, tmp_path: Path, edit_source: Edit, change: tuple[str, str], expected: str
) -> None:
    build_deck(small_source, tmp_path / "dist", now=T1)
    edit_source(small_source, *change)
    assert build_deck(small_source, tmp_path / "dist", now=T2).plan.version == expected


def test_unchanged_rebuild_rewrites_nothing_and_is_byte_identical(small_source: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    first = build_deck(small_source, out, now=T1)
    state = snapshot(out, small_source.parent)
    mtimes = {path: path.stat().st_mtime_ns for path in out.iterdir()}
    again = build_deck(small_source, out, now=T2)
    assert again.written == ()
    assert again.plan.version == first.plan.version and again.sha256 == first.sha256
    assert snapshot(out, small_source.parent) == state
    assert {path: path.stat().st_mtime_ns for path in out.iterdir()} == mtimes


def _build_in_subprocess(source: Path, out: Path, tz: str, epoch: int) -> str:
    env = {**os.environ, "TZ": tz, "SOURCE_DATE_EPOCH": str(epoch)}
    subprocess.run([sys.executable, "-m", "builder", "build", str(source), "--out", str(out)],
                   check=True, env=env, capture_output=True)
    return sha(next(out.glob("*.apkg")))


def test_same_source_and_lock_give_the_same_bytes_in_any_time_zone_and_minute(
    small_source: Path, tmp_path: Path
) -> None:
    reference = _build_in_subprocess(small_source, tmp_path / "a", "UTC", T1)
    lock = small_source.with_name("small.lock").read_text()
    assert _build_in_subprocess(small_source, tmp_path / "b", "Pacific/Kiritimati", T1 + 60) == reference
    assert _build_in_subprocess(small_source, tmp_path / "c", "America/Los_Angeles", T2) == reference
    assert small_source.with_name("small.lock").read_text() == lock
    assert json.loads(lock)["apkg_sha256"] == reference


def test_first_builds_from_scratch_agree_under_source_date_epoch(small_source: Path, tmp_path: Path) -> None:
    first = _build_in_subprocess(small_source, tmp_path / "a", "UTC", T1)
    small_source.with_name("small.lock").unlink()
    assert _build_in_subprocess(small_source, tmp_path / "b", "Asia/Kolkata", T1) == first


def test_css_change_updates_the_note_type_in_place(
    small_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "dist"
    col_path = tmp_path / "user.anki2"
    col = open_collection(col_path)
    import_apkg(col, build_deck(small_source, out, now=T1).apkg)
    types_before = sorted(m.name for m in col.models.all_names_and_ids())
    monkeypatch.setattr(notetypes, "CSS", notetypes.CSS + "\n.card { letter-spacing: 0.01em; }\n")
    second = build_deck(small_source, out, now=T2)
    assert second.plan.version == "1.0.1" and second.plan.note_type_changes == ("cloze", "qa")
    log = import_apkg(col, second.apkg)
    assert (len(log.new), len(log.conflicting)) == (0, 0)
    col.close()
    col = open_collection(col_path)
    assert sorted(m.name for m in col.models.all_names_and_ids()) == types_before
    assert not any(name.endswith("+") for name in types_before)
    for model in col.models.all():
        if model["name"].startswith("Builder"):
            assert "letter-spacing: 0.01em" in model["css"]
    col.close()


def test_two_builds_in_the_same_second_still_deliver_the_edit(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    out = tmp_path / "dist"
    col = open_collection(tmp_path / "user.anki2")
    import_apkg(col, build_deck(small_source, out, now=T1).apkg)
    edit_source(small_source, "answer: Answers.", "answer: Same-second edit.")
    second = build_deck(small_source, out, now=T1)
    log = import_apkg(col, second.apkg)
    assert len(log.updated) == 1
    note = note_by_guid(col, note_guid("small", "quiz-one"))
    assert note.mod == T1 + 1
    assert "Same-second edit." in note["Answer"]
    col.close()


def test_an_edit_made_in_anki_survives_reimporting_a_build_where_that_note_did_not_change(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    out = tmp_path / "dist"
    col = open_collection(tmp_path / "user.anki2")
    import_apkg(col, build_deck(small_source, out, now=T1).apkg)
    mine = note_by_guid(col, note_guid("small", "deep-one"))
    mine["Answer"] = "My own wording."
    col.update_note(mine)
    edit_source(small_source, "answer: Answers.", "answer: Changed elsewhere.")
    log = import_apkg(col, build_deck(small_source, out, now=T2).apkg)
    assert len(log.updated) == 1
    assert note_by_guid(col, note_guid("small", "deep-one"))["Answer"] == "My own wording."
    col.close()


def test_a_released_version_is_never_overwritten(small_source: Path, tmp_path: Path, edit_source: Edit) -> None:
    out = tmp_path / "dist"
    build_deck(small_source, out, now=T1)
    small_source.with_name("small.lock").unlink()  # forget the release, then change content
    edit_source(small_source, "answer: Answers.", "answer: Different content.")
    state = snapshot(out, small_source.parent)
    with pytest.raises(ReleaseError, match=r"the lock .*small\.lock is missing, but .*dist holds releases"):
        build_deck(small_source, out, now=T2)
    assert snapshot(out, small_source.parent) == state


def test_a_note_type_schema_change_is_refused_unless_allowed(small_source: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    build_deck(small_source, out, now=T1)
    lock_file = small_source.with_name("small.lock")
    data = json.loads(lock_file.read_text())
    data["note_types"]["qa"]["fields"] = ["Front", "Back", "Extra", "Source"]  # as if names had changed
    renamed = {"Question": "Front", "Answer": "Back"}
    for note in data["notes"].values():  # and its notes' fields with them, as that release recorded them
        if note["type"] == "qa":
            note["fields"] = {renamed.get(name, name): value for name, value in note["fields"].items()}
    lock_file.write_text(json.dumps(data))
    state = snapshot(out, small_source.parent)
    with pytest.raises(ReleaseError, match=r"qa note type's field or template names would change"):
        build_deck(small_source, out, now=T2)
    assert snapshot(out, small_source.parent) == state
    allowed = build_deck(small_source, out, now=T2, allow_schema_change=True)
    assert allowed.plan.version == "2.0.0" and allowed.plan.schema_changes == ("qa",)


def test_renaming_the_deck_warns_how_to_move_existing_cards(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    build_deck(small_source, tmp_path / "dist", now=T1)
    edit_source(small_source, "deck: Small Deck", "deck: Renamed Deck")
    result = build_deck(small_source, tmp_path / "dist", now=T2)
    assert result.plan.version == "1.0.1"
    assert len(result.plan.warnings) == 1
    assert "renamed from 'Small Deck' to 'Renamed Deck'" in result.plan.warnings[0]
    assert "Change Deck" in result.plan.warnings[0]


def test_a_retired_note_that_comes_back_is_restored_in_place(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    out = tmp_path / "dist"
    original = small_source.read_text()
    col = open_collection(tmp_path / "user.anki2")
    import_apkg(col, build_deck(small_source, out, now=T1).apkg)
    edit_source(small_source, "  - id: deep-two\n    kind: deep-dive\n    text: Scorpion was written in {{c1::C++}}.\n",
                "")
    import_apkg(col, build_deck(small_source, out, now=T2).apkg)
    small_source.write_text(original)
    third = build_deck(small_source, out, now=T2 + 10)
    assert third.plan.version == "2.1.0" and third.plan.ids("restored") == ("deep-two",)
    log = import_apkg(col, third.apkg)
    assert (len(log.new), len(log.updated)) == (0, 1)
    note = note_by_guid(col, note_guid("small", "deep-two"))
    assert "builder::retired" not in note.tags and "Scorpion" in note["Text"]
    col.close()
