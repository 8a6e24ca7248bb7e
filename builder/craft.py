"""Flashcard craft: the text analysis behind the lint rules about what makes a card recallable.

Pure functions over a field's Markdown, kept apart from ``lint.py`` (which knows
codes, places and messages) so each measure can be tested on its own table of
good and bad examples. The measures are deliberately conservative: a warning an
author learns to ignore is worse than none, so each one says why it skips what
it skips (quotations, code, URLs, "up to date").
"""

from __future__ import annotations

import re
from functools import cache

from .cloze import has_opener, parse, source_view, unshield, walk

MAX_SET_ITEMS = 3
"""Answers listing more items than this are sets, which learners recall badly."""
TYPED_MAX_WORDS = 5
"""A type-in answer longer than this is more typing than recall, and one slip fails it."""

_WORD = re.compile(r"[^\W_]+")
_LIST_ITEM = re.compile(r"^(?:[-*+]|\d{1,9}[.)])[ \t]+\S")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_PARENTHESES = re.compile(r"\([^()]*\)")
_SEPARATOR = re.compile(r"[,;]\s+")
_FINAL_CONJUNCTION = re.compile(r"^(.*\S)\s+(?:and|or)\s+(\S.*)$", re.DOTALL)
_LEADING_CONJUNCTION = re.compile(r"^(?:and|or)\s+", re.IGNORECASE)
_MAX_ITEM_WORDS = 4
"""An enumeration's items are short; longer comma-separated parts are clauses of a sentence."""

_STALE_TERMS = (
    "today", "currently", "recently", "nowadays", "now", "presently", "lately", "soon", "yesterday", "tomorrow",
    "these days", "at present", "at the moment", "so far", "to date", "this year", "last year", "next year",
)
_NOT_STALE = ("up to date",)
"""Phrases that contain a stale phrase but say nothing about when: "kept up to date"."""
_UNQUOTED = re.compile(
    # Code spans and fenced blocks (a fence's backticks pair up the same way), link targets,
    # autolinks and tags, bare URLs, quotations (which keep the speaker's words and time).
    # No part can scan past a character that ends it, so a hostile field is still read in linear time.
    r"`[^`]*`|^~~~[^~]*~~~|\]\([^()\n]*\)|<[^<>\n]*>|https?://\S+"
    r'|"[^"\n]*"|“[^“”\n]*”',
    re.MULTILINE,
)


def words(text: str) -> list[str]:
    """Lowercase words of ``text``, punctuation and Markdown marks dropped."""
    return _WORD.findall(text.casefold())


@cache
def stopwords() -> frozenset[str]:
    """builder's list of very common English words (package data ``stopwords.txt``).

    ``importlib.resources`` is imported here, not with the module: a build imports
    this module for its release gate and never needs the list.
    """
    from importlib.resources import files

    text = files("builder").joinpath("stopwords.txt").read_text(encoding="utf-8")
    return frozenset(word for line in text.splitlines() if (word := line.split("#", 1)[0].strip()))


def significant(text: str) -> list[str]:
    """The words of ``text`` that carry meaning: stop words dropped."""
    common = stopwords()
    return [word for word in words(text) if word not in common]


def deletions(text: str) -> list[tuple[int, str, str | None]]:
    """Each cloze deletion as Anki reads it (``builder.cloze``), once per card number: (number, content, hint)."""
    return [
        (number, unshield(deletion.answer), None if deletion.hint is None else unshield(deletion.hint))
        for deletion in walk(parse(source_view(text).text))
        for number in deletion.numbers
    ]


def card_answers(text: str) -> dict[int, list[str]]:
    """What each card of a cloze text asks for: its deletions' contents, by card number."""
    answers: dict[int, list[str]] = {}
    for number, content, _ in deletions(text):
        answers.setdefault(number, []).append(content)
    return answers


def set_size(answer: str) -> int:
    """How many items ``answer`` asks a learner to recall: list items, or a short enumeration's parts.

    A Markdown list counts its top-level items (nested ones elaborate an item);
    a one-paragraph answer counts as a set when it reads "A, B, C and D" with
    every part a few words long. Anything else is one item.
    """
    items = _list_items(answer)
    if items:
        return items
    return _enumeration_size(answer)


def _list_items(answer: str) -> int:
    count, fenced = 0, False
    for line in answer.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and _LIST_ITEM.match(line):
            count += 1
    return count


def _enumeration_size(answer: str) -> int:
    text = _PARENTHESES.sub("", " ".join(answer.split())).strip().rstrip(".")
    parts = [part.strip() for part in _SEPARATOR.split(text)]
    if len(parts) < 2:
        return 1
    last = _FINAL_CONJUNCTION.match(parts[-1])
    if _LEADING_CONJUNCTION.match(parts[-1]):
        parts[-1] = _LEADING_CONJUNCTION.sub("", parts[-1])
    elif last:
        parts[-1:] = [last.group(1), last.group(2)]
    else:
        return 1  # "A, B, C" without a closing "and"/"or" is more often a sentence than a set
    if all(0 < len(words(part)) <= _MAX_ITEM_WORDS for part in parts):
        return len(parts)
    return 1


def answer_key(answer: str) -> str:
    """An answer as compared across notes: case, spacing, punctuation and Markdown marks ignored."""
    return " ".join(words(answer))


def stale_time_words(text: str) -> list[str]:
    """Time words in ``text`` that go stale ("today", "currently", "so far"), in order of appearance.

    Quotations, code, URLs and link targets are skipped: they are someone
    else's words or not prose at all.
    """
    sentence = f" {' '.join(words(_UNQUOTED.sub(' ', text)))} "
    for phrase in _NOT_STALE:
        sentence = sentence.replace(f" {phrase} ", " ")
    places = {term: sentence.find(f" {term} ") for term in _STALE_TERMS}
    return sorted((term for term, place in places.items() if place >= 0), key=places.__getitem__)


def common_word(content: str) -> str | None:
    """The word, when a deletion's content is a single very common word, else None."""
    found = words(content)
    if len(found) == 1 and found[0] in stopwords():
        return found[0]
    return None


_NAME_BEFORE = re.compile(r"(?<!\w)[A-Za-z_][A-Za-z0-9_]*\Z")
_NAME_AFTER = re.compile(r"~?[A-Za-z_][A-Za-z0-9_]*")
_CODE_STYLE = re.compile(r"_|\d|[a-z][A-Z]")
"""snake_case, digits or camelCase: names that code has and prose does not."""
_CODE_FOLLOWS = ("(", "<", "[", ".", "->", "!")
_NAMESPACE = re.compile(r"[a-z]{1,5}")
"""``std``, ``fs``, ``io``, ``boost``: the short lowercase module names paths start with."""


def joins_names_like_code(content: str, hint: str) -> bool:
    """Whether ``content::hint`` reads as one name of code (``std::vector``, ``HashMap::new()``).

    Only the author knows whether ``{{c1::Paris::city}}`` means a hint, so a
    capitalised word before a plain word passes; snake_case, camelCase, digits,
    a call or template after the name, or a short lowercase module name
    (``std``, ``fs``) before a lone name do not.
    """
    before, after = _NAME_BEFORE.search(content), _NAME_AFTER.match(hint)
    if before is None or after is None:
        return False
    rest = hint[after.end():]
    return bool(_CODE_STYLE.search(f"{before.group()} {after.group()}") or rest.startswith(_CODE_FOLLOWS)
                or (_NAMESPACE.fullmatch(before.group()) and not rest))


def typed_answer_problem(answer: str, answer_html: str) -> str | None:
    """Why a type-in answer (its Markdown, and the HTML Anki will hold) cannot be typed back, or None.

    Anki compares what the learner types with the field's text letter by
    letter: it must be one line of a few words that shows as written, with
    no list, emphasis, code, link or image around it.
    """
    if "\n" in answer.strip():
        return "has more than one line"
    if has_opener(answer):
        return "has a cloze deletion ({{c1::...}}), which a type-in note shows as written, braces and all"
    if "<" in answer_html:
        return "has formatting (a list, emphasis, code, a link or an image)"
    count = len(answer.split())
    if count > TYPED_MAX_WORDS:
        return f"has {count} words (more than {TYPED_MAX_WORDS})"
    return None
