"""Anki's card template language, read the way Anki's engine reads it.

Two decisions depend on it and must be Anki's own: which cards a note of a
standard (non-cloze) type has, and whether a template names only fields its
note type has (a template naming any other fails on every card). This follows
``rslib/src/template.rs`` and ``notetype/cardgen.rs`` of anki 26.9:

* ``{{...}}`` runs to the first ``}}``; ``<!--...-->`` is a comment whose
  content is never read; a template starting with ``{{=<% %>=}}`` uses ``<%``
  and ``%>`` instead (the legacy syntax older decks have).
* Inside, leading ``{`` and surrounding spaces go; ``#name`` and ``^name``
  open a section shown when the field is non-empty (or empty), ``/name``
  closes it; anything else is a replacement ``filter:...:field``.
* A card exists for a template when its front renders some non-empty field:
  a replacement of one, or a section on one that does; a ``^`` section counts
  only while its own field is empty. The special fields (``Deck``, ``Tags``
  and the like, but not ``FrontSide``) count as non-empty unless the note
  type has a field of that name; ``Tags`` only when the note has tags. A note
  whose fronts all render empty still gets its first card.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from functools import lru_cache

from msgspec import Struct

SPECIAL_FIELDS = frozenset({"FrontSide", "Card", "CardFlag", "Deck", "Subdeck", "Tags", "Type", "CardID"})
"""Names every template may use besides the note type's own fields."""
BUILTIN_FILTERS = frozenset({"text", "furigana", "kanji", "kana", "type", "hint", "cloze", "cloze-only", ""})
"""The filters Anki's engine applies (``{{text:Field}}``), besides ``tts <lang>`` and ``nc`` after ``type``
(``{{type:nc:Field}}``). Any other it skips, showing the field as if the filter were not there, unless an
add-on on the learner's device supplies it (``tests/test_cardtemplates.py`` renders each in the engine)."""
_LEGACY = "{{=<% %>=}}"
_EMPTY_FIELD = re.compile(r"(?:[ \t\n\x0b\f\r]|</?(?:br|div) ?/?>)*", re.IGNORECASE)
"""Anki's ``[[:space:]]`` is ASCII white space only: a no-break space is content."""


class Replacement(Struct, frozen=True):
    """``{{filter:field}}``: shows ``key`` through ``filters`` (outermost first)."""

    key: str
    filters: tuple[str, ...]
    offset: int
    """Where the ``{{`` starts in the template text, for messages."""


class Section(Struct, frozen=True):
    """``{{#key}}...{{/key}}``, or ``{{^key}}`` when ``negated``."""

    key: str
    negated: bool
    children: tuple[Replacement | Section, ...]
    offset: int


Node = Replacement | Section
"""Text and comments are left out: they never decide a card or name a field."""


class TemplateSyntaxError(ValueError):
    """A template Anki cannot render: every card of it would show an error instead."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def _tokens(text: str) -> Iterator[tuple[str, int]]:
    """Each ``{{...}}`` of ``text`` (its inside, and where it starts), comments skipped."""
    start_tag, end_tag, base = "{{", "}}", 0
    if text.lstrip().startswith(_LEGACY):
        base = len(text) - len(text.lstrip()) + len(_LEGACY)
        start_tag, end_tag = "<%", "%>"
    position = base
    while True:
        handle, comment = text.find(start_tag, position), text.find("<!--", position)
        if handle < 0 and comment < 0:
            return
        if handle >= 0 and (comment < 0 or handle < comment):
            end = text.find(end_tag, handle + len(start_tag))
            if end < 0:
                position = handle + 1  # no closing: this one is text, a comment further on still counts
                continue
            yield text[handle + len(start_tag):end], handle
            position = end + len(end_tag)
        else:
            end = text.find("-->", comment + 4)
            if end < 0:
                position = comment + 1
                continue
            position = end + 3


@lru_cache(maxsize=256)
def parse(text: str) -> tuple[Node, ...]:
    """The template's replacements and sections; ``TemplateSyntaxError`` where Anki's parser fails."""
    stack: list[tuple[str, bool, int, list[Node]]] = [("", False, 0, [])]
    for inside, offset in _tokens(text):
        handle = inside.lstrip("{").strip()
        head, rest = handle[:1], handle[1:].lstrip()
        if len(handle) >= 2 and head in "#^":
            stack.append((rest, head == "^", offset, []))
        elif len(handle) >= 2 and head == "/":
            key, negated, opened, children = stack[-1]
            if len(stack) == 1 or key != rest:
                expected = f": '{{{{/{key}}}}}' is still open" if len(stack) > 1 else ""
                raise TemplateSyntaxError(f"'{{{{/{rest}}}}}' closes no open section{expected}", offset)
            stack.pop()
            stack[-1][3].append(Section(key, negated, tuple(children), opened))
        else:
            *filters, key = handle.split(":")
            stack[-1][3].append(Replacement(key, tuple(filters), offset))
    if len(stack) > 1:
        key, _, opened, _ = stack[-1]
        raise TemplateSyntaxError(f"section '{{{{#{key}}}}}' is never closed with '{{{{/{key}}}}}'", opened)
    return tuple(stack[0][3])


def unknown_filters(filters: tuple[str, ...]) -> list[str]:
    """The filters of a replacement (outermost first) that Anki's engine does not have: it skips them."""
    return [name for index, name in enumerate(filters)
            if name not in BUILTIN_FILTERS and not name.startswith("tts ")
            and not (name == "nc" and index and filters[index - 1] == "type")]


def renders_with(nodes: tuple[Node, ...], nonempty: Collection[str]) -> bool:
    """Whether a front made of ``nodes`` shows something when the fields in ``nonempty`` are filled."""
    for node in nodes:
        if isinstance(node, Replacement):
            if node.key in nonempty:
                return True
        elif node.negated and node.key in nonempty:
            continue
        elif (node.negated or node.key in nonempty) and renders_with(node.children, nonempty):
            return True
    return False


def walk(nodes: tuple[Node, ...]) -> Iterator[Node]:
    """Every replacement and section, nested ones included, in the order written."""
    for node in nodes:
        yield node
        if isinstance(node, Section):
            yield from walk(node.children)


def field_is_empty(field_html: str) -> bool:
    """Anki's test: nothing but white space and empty ``<br>``/``<div>`` tags."""
    return bool(_EMPTY_FIELD.fullmatch(field_html))


def card_ordinals(fronts: tuple[str, ...], field_names: tuple[str, ...], fields: tuple[str, ...],
                  has_tags: bool, *, at_least_one: bool = True) -> tuple[int, ...]:
    """The template ordinals Anki makes cards of for a note of a standard type with these fields.

    Anki gives a note whose fronts all render empty its first card anyway
    (blank); ``at_least_one=False`` says there is none instead.
    """
    nonempty = {name for name, value in zip(field_names, fields, strict=True) if not field_is_empty(value)}
    nonempty |= SPECIAL_FIELDS - {"FrontSide"} - set(field_names) - (set() if has_tags else {"Tags"})
    ordinals = []
    for ordinal, front in enumerate(fronts):
        try:
            nodes = parse(front)
        except TemplateSyntaxError:
            continue  # Anki cannot render it, so makes no card of it
        if renders_with(nodes, nonempty):
            ordinals.append(ordinal)
    return tuple(ordinals) or ((0,) if at_least_one else ())
