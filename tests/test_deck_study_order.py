"""The shipped deck's study order in the real engine: a new learner, and one upgrading from 1.0.0.

Anki gathers new cards deck by deck, subdecks in name order, so the subdecks are
numbered (``1 Key learnings``, ``2 Quiz``, ``3 Deep dive``). Everything here runs
under Anki's default deck options (20 new cards a day, gather by deck, sort by
card type then order gathered); days pass with :func:`tests.ankitools.next_day`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from anki.consts import CARD_TYPE_NEW

from builder import source as source_module
from builder.build import build_deck
from builder.identity import note_guid
from builder.source import Deck, load_deck
from tests.ankitools import Served, import_apkg, next_day, open_collection, study_day, visible_text
from tests.conftest import REPO, SHIPPED_SOURCE

KINDS = ("learning", "quiz", "deep-dive")
RELEASE_1_0_0 = REPO / "tests" / "fixtures" / "releases" / "pinterest-ai-platform-1.0.0.yaml"
SUBDECKS_1_0_0 = {"learning": "Key learnings", "quiz": "Quiz", "deep-dive": "Deep dive"}
"""The subdeck names of release 1.0.0, before they were numbered."""
MAX_DAYS = 30


def study_until_nothing_is_new(col: Any, deck_id: int) -> tuple[Any, list[list[Served]]]:
    """Study the deck day after day until no card in it is new; the collection and each day's cards."""
    days: list[list[Served]] = []
    name = col.decks.name(deck_id)
    while col.find_cards(f'"deck:{name}" is:new'):
        assert len(days) < MAX_DAYS, "new cards left after a month of daily study"
        days.append(study_day(col, deck_id))
        col = next_day(col)
    return col, days


def first_cards(days: list[list[Served]]) -> list[Served]:
    """The first card served of every note, in the order served."""
    seen: set[str] = set()
    firsts = []
    for card in (card for day in days for card in day):
        if card.guid not in seen:
            seen.add(card.guid)
            firsts.append(card)
    return firsts


def promised_order(deck: Deck) -> list[str]:
    """Note ids as docs/learners.md promises them: key learnings, quiz, deep dive, each in source order."""
    return [note.id for kind in KINDS for note in deck.notes if note.kind == kind]


def note_ids(deck: Deck, cards: list[Served]) -> list[str]:
    by_guid = {note_guid(deck.slug, note.id): note.id for note in deck.notes}
    return [by_guid[card.guid] for card in cards]


def test_a_new_learner_gets_key_learnings_then_quiz_then_deep_dive_in_source_order(tmp_path: Path) -> None:
    deck = load_deck(SHIPPED_SOURCE)
    source = tmp_path / SHIPPED_SOURCE.name
    source.write_bytes(SHIPPED_SOURCE.read_bytes())
    col = open_collection(tmp_path / "learner.anki2")
    import_apkg(col, build_deck(source, tmp_path / "dist").apkg)
    parent = col.decks.id_for_name(deck.deck_name)
    options = col.decks.config_dict_for_deck_id(parent)
    assert (options["new"]["perDay"], options["newGatherPriority"], options["newSortOrder"]) == (20, 0, 0)

    col, days = study_until_nothing_is_new(col, parent)

    firsts = first_cards(days)
    assert note_ids(deck, firsts) == promised_order(deck)
    assert {card.ord for card in firsts} == {0}
    assert all(card.deck == deck.subdeck(kind) for card, kind in zip(firsts, _kinds(deck, firsts), strict=True))
    position = {note_id: index for index, note_id in enumerate(promised_order(deck))}
    for day in days:  # a cloze note's later cards follow Anki's default "card type, then order gathered"
        new = [card for card in day if card.new]
        served = [(card.ord, position[note_id]) for card, note_id in zip(new, note_ids(deck, new), strict=True)]
        assert served == sorted(served)
    assert len([card for day in days for card in day if card.new]) == col.card_count()


def test_a_learner_of_1_0_0_moves_cards_with_change_deck_once_and_keeps_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / SHIPPED_SOURCE.name
    source.write_bytes(RELEASE_1_0_0.read_bytes())
    with monkeypatch.context() as patch:
        patch.setattr(source_module, "SUBDECKS", SUBDECKS_1_0_0)
        old = build_deck(source, tmp_path / "dist", now=1_790_000_000)
    col = open_collection(tmp_path / "learner.anki2")
    import_apkg(col, old.apkg)
    parent = col.decks.id_for_name(old.plan.deck.deck_name)
    studied = study_day(col, parent)
    assert {card.deck for card in studied} == {"Pinterest AI Platform::Deep dive"}  # why 1.1.0 numbers them
    col = next_day(col)
    history = {cid: col.db.scalar("select count() from revlog where cid=?", cid) for cid in col.find_cards("-is:new")}
    decks_before = {cid: col.get_card(cid).did for cid in col.find_cards("deck:*")}

    source.write_bytes(SHIPPED_SOURCE.read_bytes())
    deck = load_deck(source)
    import_apkg(col, build_deck(source, tmp_path / "dist", now=1_790_100_000).apkg)

    for cid in col.find_cards("deck:*"):  # Anki never moves a card it already had
        card = col.get_card(cid)
        expected = decks_before.get(cid) or col.decks.id_for_name(deck.subdeck(_kind_of(deck, card.note().guid)))
        assert card.did == expected
    description = visible_text(col.decks.get(parent)["desc"])
    for kind, old_name in SUBDECKS_1_0_0.items():
        assert f'deck:"{deck.deck_name}::{old_name}"' in description
        assert deck.subdeck(kind) in description
    assert "Change Deck" in description

    for kind, old_name in SUBDECKS_1_0_0.items():  # the step the description gives, as Browse does it
        old_deck = f"{deck.deck_name}::{old_name}"
        col.set_deck(col.find_cards(f'"deck:{old_deck}"'), col.decks.id_for_name(deck.subdeck(kind)))
        col.decks.remove([col.decks.id_for_name(old_deck)])
    assert {d.name for d in col.decks.all_names_and_ids()} == {"Default", deck.deck_name, *map(deck.subdeck, KINDS)}

    col, days = study_until_nothing_is_new(col, parent)

    for cid, reviews in history.items():
        assert col.db.scalar("select count() from revlog where cid=?", cid) >= reviews
        assert col.get_card(cid).type != CARD_TYPE_NEW
    firsts = [card for card in first_cards(days) if card.guid not in {card.guid for card in studied}]
    kinds = _kinds(deck, firsts)
    assert kinds == sorted(kinds, key=KINDS.index)
    released_before = set(old.plan.lock.notes)
    for group in (released_before, set(promised_order(deck)) - released_before):
        served = [note_id for note_id in note_ids(deck, firsts) if note_id in group]
        assert served == [note_id for note_id in promised_order(deck) if note_id in served]  # source order
    assert set(note_ids(deck, first_cards([studied, *days]))) == set(promised_order(deck))


def _kind_of(deck: Deck, guid: str) -> str:
    return next(note.kind for note in deck.notes if note_guid(deck.slug, note.id) == guid)


def _kinds(deck: Deck, cards: list[Served]) -> list[str]:
    return [_kind_of(deck, card.guid) for card in cards]
