"""Formats of the values a source (and a lock) holds, and what Anki makes of names.

Each pattern must match a value whole (``fullmatch``): with ``match`` and
``$``, "ab\n" passes as "ab", and ``id: "n2\n"`` beside ``n2`` made a second
note. The patterns are written in the regular-expression syntax Python and
ECMA-262 (editors reading the JSON Schema) share, with the same meaning in
both: ``[0-9]``, not ``\\d`` (any Unicode digit in Python), and spaces spelt
out, as ``\\s`` differs between the two (U+0085, U+FEFF).

Anki imports some names other than they were written, without a word (measured
with its engine, ``anki`` 26.9): it removes tabs and line breaks from deck
names, trims spaces and a ``:`` next to ``::`` from each part, fills an empty
part of a deck name or tag with "blank" (``::x`` becomes ``blank::x``), and takes
tags that differ only in case for one. The loader refuses every such name and
says what Anki would make of it; ``tests/test_formats.py`` holds these
functions to the real engine.
"""

from __future__ import annotations

import re

SPACE = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""Unicode's White_Space: what Python's ``str.strip`` and Anki's trimming remove (bar U+001C-1F, refused anyway)."""
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 100
"""The longest slug (a deck's, a note's or a note type's id) a source may give, in characters (ASCII: bytes). A
deck's names its files: with it, ``<slug>-<version>-CHANGELOG.md`` and the temporaries beside the lock
(``.<slug>.lock.builder-tmp-<pid>``) stay far under the 255 bytes a file name may have."""
TAG_SEPARATORS = " \u3000"
"""What Anki splits a note's tags at (an ASCII and an ideographic space); every other space it keeps in a tag."""
TAG_PART = rf"(?:(?!::)[^{TAG_SEPARATORS}\x00-\x1f\x7f])+"
TAG_RE = re.compile(rf"{TAG_PART}(?:::{TAG_PART})*")
"""Every tag Anki keeps as written (a deck taken over keeps its tags exactly): no space Anki splits tags at, no
control character (Anki drops them), no empty part between ``::`` (Anki would fill it with "blank")."""
VERSION_DIGITS = 9
"""The most digits each of a source's version numbers may have: a version is part of the release's file names."""
_PART = rf"(0|[1-9][0-9]{{0,{VERSION_DIGITS - 1}}})"
VERSION_RE = re.compile(rf"{_PART}\.{_PART}\.{_PART}")
"""A version a source may give: semver ``X.Y.Z``, each number at most ``VERSION_DIGITS`` digits."""
SEMVER_RE = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
"""Any semver ``X.Y.Z``: a version too long for ``VERSION_RE`` is still told apart from one that is no version."""
_LOCKED_PART = r"(0|[1-9][0-9]{0,17})"
LOCKED_VERSION_RE = re.compile(rf"{_LOCKED_PART}\.{_LOCKED_PART}\.{_LOCKED_PART}")
"""A version a lock may record: a source's, raised by one a release (so a 10th digit can come), never longer than
18 digits, whatever a hand-edited lock says: it names files, and a file name has at most 255 bytes."""
LANG_RE = re.compile(r"[a-z]{2,3}(?:_[A-Z]{2})?")
LINT_CODE_RE = re.compile(r"[A-Z][0-9]{3}")
URL_RE = re.compile(rf"https?://[^{SPACE}\x00-\x1f\x7f]+")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
COUNT_RE = re.compile(r"[1-9][0-9]{0,4}")
TYPE_ID_RE = re.compile(r"[1-9][0-9]{0,18}")
"""A note type's id in Anki: a positive whole number (Anki stores it in 64 bits)."""
GUID_RE = re.compile(r"[!-~]{1,100}")
"""A note's GUID as a source or lock may give it: 1 to 100 printable ASCII characters, no space.
Anki's own (base91) and genanki's are 10; other tools write hex, UUIDs or their own ids."""
UNHELD_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Characters a field cannot hold: Anki drops these controls on import, and U+001F splits fields."""

_REMOVED_FROM_DECK_NAMES = str.maketrans("", "", "\t\r\n")


def anki_deck_name(name: str) -> str:
    """The deck name Anki creates for ``name``: ``A:::B`` becomes ``A::B``, ``A\\tB`` becomes ``AB``."""
    parts = name.translate(_REMOVED_FROM_DECK_NAMES).split("::")
    return "::".join(part.strip().strip(":").strip() or "blank" for part in parts)


def anki_tag(tag: str) -> str:
    """The tag Anki stores for ``tag`` (spaces aside, which split tags): ``a::::b`` becomes ``a::blank::b``."""
    return "::".join(part or "blank" for part in tag.split("::"))


def tag_key(tag: str) -> str:
    """Tags with the same key are one tag to Anki: it compares them ignoring case (``straße`` is ``STRASSE``)."""
    return tag.casefold()


def tag_refusal(tag: str) -> str | None:
    """Why Anki would not keep ``tag`` as written, or None."""
    if TAG_RE.fullmatch(tag):
        return None
    if TAG_RE.fullmatch(anki_tag(tag)):
        return f"has an empty part: Anki would store it as '{anki_tag(tag)}'; separate parts with a single '::'"
    return "is not a valid Anki tag: no spaces or control characters (use - or ::)"


def deck_name_refusal(name: str) -> str | None:
    """Why Anki would not keep ``name`` as written, or None."""
    anki = anki_deck_name(name)
    if anki == name:
        return None
    return (
        f"Anki would name it '{anki}': write it on one line without tabs, parts separated by '::', "
        "none empty or starting or ending with a space or ':'"
    )
