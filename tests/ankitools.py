"""Drive the real Anki engine (the `anki` package) the way a user's Anki does.

Tests import packages into fresh collections, review cards with the scheduler
and read what the importer reported, instead of peeking into the zip.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, NamedTuple

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.consts import CARD_TYPE_NEW
from anki.scheduler.v3 import CardAnswer

_TAG = re.compile(r"<[^>]+>")


def open_collection(path: Path) -> Collection:
    return Collection(str(path))


def import_apkg(col: Collection, apkg: Path, **options: Any) -> Any:
    """Import with the options a user gets by clicking through the dialog, unless overridden."""
    request = ImportAnkiPackageRequest(
        package_path=str(apkg), options=ImportAnkiPackageOptions(**options)
    )
    return col.import_anki_package(request).log


def visible_text(markup: str) -> str:
    """What a reader sees: tags (and their attributes, e.g. data-cloze) removed."""
    text = re.sub(r"<style.*?</style>", "", markup, flags=re.S)
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def note_by_guid(col: Collection, guid: str) -> Any:
    note_id = col.db.scalar("select id from notes where guid=?", guid)
    return None if note_id is None else col.get_note(note_id)


def review_everything(col: Collection, rating: int = CardAnswer.EASY) -> int:
    """Answer every due card once so each has review history; returns how many."""
    for conf in col.decks.all_config():
        conf["new"]["perDay"] = 9999
        conf["rev"]["perDay"] = 9999
        col.decks.update_config(conf)
    answered = 0
    for deck in col.decks.all_names_and_ids():
        col.decks.select(deck.id)
        while True:
            queued = col.sched.get_queued_cards(fetch_limit=1)
            if not queued.cards:
                break
            top = queued.cards[0]
            card = col.get_card(top.card.id)
            card.start_timer()
            col.sched.answer_card(col.sched.build_answer(card=card, states=top.states, rating=rating))
            answered += 1
    return answered


def next_day(col: Collection) -> Collection:
    """The same collection on the scheduler's next day: today's limits reset, due reviews appear.

    Anki counts days from the collection's creation time, so moving that back one
    day is what the scheduler sees after a night; the collection is reopened so
    the engine reads it again.
    """
    col.db.execute("update col set crt = crt - 86400")
    path = col.path
    col.close()
    return open_collection(Path(path))


class Served(NamedTuple):
    """One card as the reviewer showed it."""

    guid: str
    ord: int
    deck: str
    new: bool


def study_day(col: Collection, deck_id: int, rating: int = CardAnswer.EASY) -> list[Served]:
    """Study ``deck_id`` (its subdecks included) until Anki has nothing left today; the cards served."""
    col.decks.select(deck_id)
    served = []
    while True:
        queued = col.sched.get_queued_cards(fetch_limit=1)
        if not queued.cards:
            return served
        top = queued.cards[0]
        card = col.get_card(top.card.id)
        served.append(Served(card.note().guid, card.ord, col.decks.name(card.did), card.type == CARD_TYPE_NEW))
        card.start_timer()
        col.sched.answer_card(col.sched.build_answer(card=card, states=top.states, rating=rating))
