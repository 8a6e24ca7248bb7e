"""The shipped deck: its content, and how it arrives in the real Anki engine."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from builder.build import build_deck
from builder.identity import note_guid
from builder.notetypes import builtin_note_types
from builder.source import load_deck
from tests.ankitools import import_apkg, open_collection, visible_text
from tests.conftest import SHIPPED_SOURCE

DELETION = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}")


def test_shipped_deck_has_the_required_content() -> None:
    deck = load_deck(SHIPPED_SOURCE)
    by_kind = {kind: [n for n in deck.notes if n.kind == kind] for kind in ("learning", "quiz", "deep-dive")}
    assert len(by_kind["learning"]) == 5 and all(n.form == "cloze" for n in by_kind["learning"])
    assert len(by_kind["quiz"]) == 6
    assert all(n.fields["answer"].text.strip() for n in by_kind["quiz"])
    assert len(by_kind["deep-dive"]) >= 20
    kinds = {n.form == "cloze" for n in by_kind["deep-dive"]}
    assert kinds == {True, False}, "deep-dive mixes cloze and question/answer notes"
    text = SHIPPED_SOURCE.read_text(encoding="utf-8")
    assert "TODO" not in text and "placeholder" not in text.lower()
    assert deck.source.author == "David Liu" and deck.source.date == "2025-11-04"
    assert "summary" in by_kind["learning"][4].fields["extra"].text.lower()  # the fifth is not the author's


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object]:
    folder = tmp_path_factory.mktemp("shipped")
    source = folder / SHIPPED_SOURCE.name
    source.write_bytes(SHIPPED_SOURCE.read_bytes())
    lock = SHIPPED_SOURCE.with_name("pinterest-ai-platform.lock")
    if lock.exists():
        source.with_name(lock.name).write_bytes(lock.read_bytes())
    result = build_deck(source, folder / "dist")
    col = open_collection(folder / "user.anki2")
    log = import_apkg(col, result.apkg)
    assert len(log.new) == len(result.plan.notes) and not log.conflicting
    return result, col


def test_counts_decks_and_note_types_arrive_in_anki(imported: tuple[object, object]) -> None:
    result, col = imported
    plan = result.plan  # type: ignore[attr-defined]
    assert col.note_count() == len(plan.notes)  # type: ignore[attr-defined]
    assert col.card_count() == plan.card_count  # type: ignore[attr-defined]
    names = {d.name for d in col.decks.all_names_and_ids()}  # type: ignore[attr-defined]
    assert {"Pinterest AI Platform", "Pinterest AI Platform::1 Key learnings", "Pinterest AI Platform::2 Quiz",
            "Pinterest AI Platform::3 Deep dive"} <= names
    models = {m["name"]: [f["name"] for f in m["flds"]] for m in col.models.all()}  # type: ignore[attr-defined]
    types = builtin_note_types("pinterest-ai-platform")
    assert models["Builder Cloze (pinterest-ai-platform)"] == list(types["cloze"].fields)
    assert models["Builder Q&A (pinterest-ai-platform)"] == list(types["qa"].fields)


def test_every_note_has_its_guid_tags_and_deck(imported: tuple[object, object]) -> None:
    col = imported[1]
    deck = load_deck(SHIPPED_SOURCE)
    for note in deck.notes:
        nid = col.db.scalar("select id from notes where guid=?", note_guid(deck.slug, note.id))  # type: ignore[attr-defined]
        assert nid, note.id
        anki_note = col.get_note(nid)  # type: ignore[attr-defined]
        assert {"pinterest-ai-platform", note.kind, "pinterest", "ml-platform"} <= set(anki_note.tags)
        assert all(" " not in tag for tag in anki_note.tags)
        assert col.decks.name(anki_note.cards()[0].did) == deck.subdeck(note.kind)  # type: ignore[attr-defined]
        assert "David Liu" in anki_note["Source"] and deck.source.url in anki_note["Source"]


def test_every_card_renders_question_hidden_answer_shown(imported: tuple[object, object]) -> None:
    col = imported[1]
    for card_id in col.find_cards("deck:Pinterest*"):  # type: ignore[attr-defined]
        card = col.get_card(card_id)  # type: ignore[attr-defined]
        note = card.note()
        output = card.render_output()
        question, answer = visible_text(output.question_text), visible_text(output.answer_text)
        if "Question" in note:
            assert visible_text(note["Question"]) in question
            assert visible_text(note["Answer"]) in answer
            assert visible_text(note["Question"]) in answer, "the question stays above the answer"
            continue
        ordinal = card.ord + 1
        hidden = [m for m in DELETION.finditer(note["Text"]) if int(m.group(1)) == ordinal]
        assert hidden, (note["Text"], ordinal)
        for match in hidden:
            blank = f"[{match.group(3)}]" if match.group(3) else "[...]"
            assert blank in question
            assert visible_text(match.group(2)) in answer
        assert "[...]" not in answer


def test_new_cards_come_in_source_order(imported: tuple[object, object]) -> None:
    result, col = imported
    order = col.db.list(  # type: ignore[attr-defined]
        "select n.guid from cards c join notes n on n.id = c.nid group by n.id order by min(c.due)"
    )
    assert order == [packaged.note.guid for packaged in result.plan.notes]  # type: ignore[attr-defined]


def test_deck_description_names_source_author_and_version(imported: tuple[object, object]) -> None:
    result, col = imported
    parent = col.decks.by_name("Pinterest AI Platform")  # type: ignore[attr-defined]
    description = parent["desc"]
    assert "David Liu" in description and "medium.com/pinterest-engineering" in description
    assert f"version {result.plan.version}" in description  # type: ignore[attr-defined]


def test_the_shipped_deck_builds_byte_for_byte_as_its_lock_says(tmp_path: Path) -> None:
    """From a copy of its source and lock, with no cache: the released .apkg's sha256, and the lock unchanged.

    What ``make deck`` plus ``git diff --exit-code -- cardsrc/`` check in CI, as a test: every key added to
    the format since (``additions`` absent means all of builder's additions) leaves a release as it was.
    """
    lock = SHIPPED_SOURCE.with_name("pinterest-ai-platform.lock")
    source = tmp_path / SHIPPED_SOURCE.name
    source.write_bytes(SHIPPED_SOURCE.read_bytes())
    (tmp_path / lock.name).write_bytes(lock.read_bytes())
    result = build_deck(source, tmp_path / "dist")
    released = json.loads(lock.read_text(encoding="utf-8"))
    assert (result.apkg.name, result.sha256) == (released["apkg"], released["apkg_sha256"])
    assert (tmp_path / lock.name).read_bytes() == lock.read_bytes()
