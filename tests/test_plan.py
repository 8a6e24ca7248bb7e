"""The release rules of :mod:`builder.plan`, one row per kind of change.

Semver from what a learner's collection would see: a retired note is major, a new
or restored note minor, anything else Anki would update (fields, tags, templates,
the deck's details, a note's placement) a patch; a higher ``version`` in the
source wins; nothing changed, no release.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from builder.build import build_deck, plan_deck
from tests.conftest import write_source

T1 = 1_700_000_000
T2 = T1 + 86_400

Edit = Callable[[str], str]


def replace(old: str, new: str) -> Edit:
    def edit(text: str) -> str:
        assert text.count(old) == 1, old
        return text.replace(old, new)

    return edit


ADD_NOTE = "  - id: quiz-three\n    kind: quiz\n    question: Is this a third question?\n    answer: Yes.\n"
DROP_DEEP_TWO = replace("  - id: deep-two\n    kind: deep-dive\n    text: Scorpion was written in {{c1::C++}}.\n", "")

VERSION_RULES: list[tuple[str, list[Edit], str | None, str]] = [
    ("nothing changed", [], None, "1.0.0"),
    ("a field edited", [replace("Second learning about", "The second learning is about")], "patch", "1.0.1"),
    ("extra edited", [replace("Extra context.", "More context.")], "patch", "1.0.1"),
    ("a note's tag added", [replace("tags: [alpha]", "tags: [alpha, beta]")], "patch", "1.0.1"),
    ("deck-wide tag added", [replace("tags: [testing]", "tags: [testing, more]")], "patch", "1.0.1"),
    ("deck renamed", [replace("deck: Small Deck", "deck: Renamed Deck")], "patch", "1.0.1"),
    ("a note moves subdeck", [replace("id: deep-one\n    kind: deep-dive", "id: deep-one\n    kind: quiz")],
     "patch", "1.0.1"),
    ("description added", [replace("tags: [testing]\n", "tags: [testing]\ndescription: About it.\n")],
     "patch", "1.0.1"),
    ("a note added", [lambda text: text + ADD_NOTE], "minor", "1.1.0"),
    ("a note retired", [DROP_DEEP_TWO], "major", "2.0.0"),
    ("one added, one retired", [DROP_DEEP_TWO, lambda text: text + ADD_NOTE], "major", "2.0.0"),
    ("higher version in the source wins", [replace("version: 1.0.0", "version: 3.0.0")], None, "3.0.0"),
    ("higher version with an edit", [replace("version: 1.0.0", "version: 3.0.0"),
                                     replace("Second learning about", "The second learning is about")],
     "patch", "3.0.0"),
    ("lower version than computed is ignored", [replace("version: 1.0.0", "version: 0.9.0"),
                                                lambda text: text + ADD_NOTE], "minor", "1.1.0"),
]


@pytest.mark.parametrize(("name", "edits", "level", "version"), VERSION_RULES, ids=[row[0] for row in VERSION_RULES])
def test_version_rule(tmp_path: Path, name: str, edits: list[Edit], level: str | None, version: str) -> None:
    source = write_source(tmp_path / "cardsrc")
    build_deck(source, tmp_path / "dist", now=T1)
    text = source.read_text(encoding="utf-8")
    for edit in edits:
        text = edit(text)
    source.write_text(text, encoding="utf-8")
    plan = plan_deck(source, now=T2)
    assert (plan.level, plan.version) == (level, version)


def test_a_restored_note_is_a_minor_release(tmp_path: Path) -> None:
    source = write_source(tmp_path / "cardsrc")
    original = source.read_text(encoding="utf-8")
    build_deck(source, tmp_path / "dist", now=T1)
    source.write_text(DROP_DEEP_TWO(original), encoding="utf-8")
    assert build_deck(source, tmp_path / "dist", now=T2).version == "2.0.0"
    source.write_text(original, encoding="utf-8")
    plan = plan_deck(source, now=T2 + 60)
    assert (plan.level, plan.version) == ("minor", "2.1.0")
    assert [(change.note_id, change.status) for change in plan.changes] == [("deep-two", "restored")]


@pytest.mark.parametrize(("source_version", "expected"), [(None, "1.0.0"), ("0.1.0", "0.1.0"), ("2.5.1", "2.5.1")])
def test_the_first_release_takes_the_source_version_or_1_0_0(
    tmp_path: Path, source_version: str | None, expected: str
) -> None:
    source = write_source(tmp_path / "cardsrc")
    text = source.read_text(encoding="utf-8").replace("version: 1.0.0\n", "")
    if source_version:
        text = text.replace("tags: [testing]\n", f"tags: [testing]\nversion: {source_version}\n")
    source.write_text(text, encoding="utf-8")
    plan = plan_deck(source, now=T1)
    assert (plan.version, plan.previous) == (expected, None)
    assert {change.status for change in plan.changes} == {"added"}


@pytest.mark.parametrize(("edited", "kept"), [(True, False), (False, True)])
def test_only_a_changed_note_gets_a_new_mod(tmp_path: Path, edited: bool, kept: bool) -> None:
    """An unchanged note keeps its mod, so an import leaves a learner's own edit to it alone."""
    source = write_source(tmp_path / "cardsrc")
    first = build_deck(source, tmp_path / "dist", now=T1)
    assert first.plan is not None
    before = {packaged.note.note_id: packaged.mod for packaged in first.plan.notes}
    if edited:
        source.write_text(replace("Second learning about", "Learning about")(source.read_text("utf-8")), "utf-8")
    source.write_text(source.read_text("utf-8") + ADD_NOTE, "utf-8")
    after = {packaged.note.note_id: packaged.mod for packaged in plan_deck(source, now=T2).notes}
    assert (after["learn-two"] == before["learn-two"]) is kept
    assert after["learn-one"] == before["learn-one"]
    assert after["quiz-three"] == T2


def test_a_tombstone_worded_anew_is_a_patch_release_never_new_bytes_under_an_old_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newer builder may word the retired card differently; that re-stamps the tombstone, so it must release."""
    import builder.plan
    from builder.assemble import tombstone

    source = write_source(tmp_path / "cardsrc")
    build_deck(source, tmp_path / "dist", now=T1)
    source.write_text(DROP_DEEP_TWO(source.read_text(encoding="utf-8")), encoding="utf-8")
    retired = build_deck(source, tmp_path / "dist", now=T2)
    assert retired.version == "2.0.0"

    def reworded(*args: object) -> object:
        stone = tombstone(*args)  # type: ignore[arg-type]
        return msgspec.structs.replace(stone, fields=tuple(f"{field} (reworded)" for field in stone.fields))

    monkeypatch.setattr(builder.plan, "tombstone", reworded)
    result = build_deck(source, tmp_path / "dist", now=T2 + 60)
    assert (result.version, result.plan.level if result.plan else None) == ("2.0.1", "patch")
    assert result.plan is not None
    mods = {packaged.note.note_id: packaged.mod for packaged in result.plan.notes}
    assert mods["deep-two"] == T2 + 60


@pytest.mark.parametrize(("clock", "refused"), [(T2, False), (T2 - 61, True)])
def test_the_plan_reads_no_clock_of_its_own(tmp_path: Path, clock: int, refused: bool) -> None:
    """make_plan is pure: the clock a lock's times are held against is the one it is given."""
    from builder.assemble import assemble
    from builder.errors import ReleaseError
    from builder.layout import lock_path
    from builder.lockread import read_lock
    from builder.plan import make_plan
    from builder.source import load_deck

    source = write_source(tmp_path / "cardsrc")
    build_deck(source, tmp_path / "dist", now=T1)
    source.write_text(replace("Second learning about", "Learning about")(source.read_text("utf-8")), "utf-8")
    build_deck(source, tmp_path / "dist", now=T2)
    deck = load_deck(source)
    previous = read_lock(lock_path(source, deck.slug))
    if refused:
        with pytest.raises(ReleaseError, match="more than a minute ahead of this computer's clock"):
            make_plan(deck, assemble(deck), previous, now=T2, clock=clock)
    else:
        assert make_plan(deck, assemble(deck), previous, now=T2, clock=clock).version == "1.0.1"
