"""Stable identities: what Anki matches on when a rebuilt deck is imported again.

Everything here is a pure function of *names the author chose* (the deck slug,
a note's ``id``, a note type's key), never of content or of the clock, so an edited
note keeps its identity across builds, machines and years:

* note GUID = base91(sha256("<slug>/<note id>")[:8]), the same encoding genanki's
  ``guid_for`` uses, so GUIDs look like Anki's own; except for a note taken over
  from another tool, whose source records the GUID learners already have
  (``guid:``): :func:`note_guid` is the one place that decides which;
* note type id = sha256("builder/<slug>/note-type/<type key>") folded into
  [2**30, 2**31), the range genanki recommends for model ids;
* deck id = the same fold of sha256("builder/deck/<full deck name>") (Anki
  matches decks by name anyway; a stable id keeps packages reproducible);
* Anki note and card ids inside the package = a 42-bit fold of the GUID (plus
  the card's ordinal) above 10**12, so no build ever renumbers them.
"""

from __future__ import annotations

import hashlib

_BASE91 = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "!#$%&()*+,-./:;<=>?@[]^_`{|}~"
)


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _fold(text: str, low: int, span: int) -> int:
    return low + int.from_bytes(_digest(text)[:8], "big") % span


def note_guid(slug: str, note_id: str, given: str | None = None) -> str:
    """The note's GUID in Anki: ``given`` (a note's ``guid:``, for a deck taken over), else from slug and id only.

    Every command that names a note to Anki (build, draft, preview, pull, diff)
    asks here, so a note taken over keeps the GUID learners' collections match on.
    """
    if given is not None:
        return given
    number = int.from_bytes(_digest(f"{slug}/{note_id}")[:8], "big")
    chars = []
    while number:
        number, rest = divmod(number, len(_BASE91))
        chars.append(_BASE91[rest])
    return "".join(reversed(chars))


def note_type_id(slug: str, key: str) -> int:
    """Id of a deck's note type, from its key (``cloze``, ``qa``...)."""
    return _fold(f"builder/{slug}/note-type/{key}", 1 << 30, 1 << 30)


def deck_id(deck_name: str) -> int:
    return _fold(f"builder/deck/{deck_name}", 1 << 30, 1 << 30)


def anki_note_id(guid: str) -> int:
    return _fold(f"builder/note/{guid}", 10**12, 1 << 42)


def anki_card_id(guid: str, ordinal: int) -> int:
    return _fold(f"builder/card/{guid}/{ordinal}", 10**12, 1 << 42)
