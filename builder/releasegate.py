"""The release gate: the lint errors (L codes) that keep a valid source from being released.

A card that is broken or unfinished (a placeholder left from ``builder new``, a
question asked twice, a front that shows nothing, a type-in answer no learner
could type) is an error, not a warning: ``builder build`` refuses the source
through :func:`refuse_unreleasable`, and ``builder check`` reports exactly
these among its findings (:func:`release_problems`), so the two never disagree.
Drafts and ``watch`` accept such a source.

The rules are cheap and look for a finding's column only when they report
one, so a release pays for them without parsing the source a second time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .cloze import LAST_ORD, around, card_numbers, has_opener, outside, source_view, unshield
from .craft import deletions, typed_answer_problem, words
from .errors import BuilderError, Location, Problem, Unreleasable
from .lintrules import PLACEHOLDER_DATE, TODO_FIELD, TODO_MARK, TODO_WORD, finding
from .places import Places
from .source import Deck, Note
from .sourcevalues import Field


def refuse_unreleasable(deck: Deck) -> None:
    """The release gate: raise ``Unreleasable`` when ``builder check`` would report an L code."""
    problems = release_problems(deck)
    if problems:
        raise Unreleasable(problems, deck.path)


def release_problems(deck: Deck, places: Places | None = None) -> list[Problem]:
    """The lint errors (L codes) of a valid deck, which keep it from being released.

    ``builder check`` reports exactly these among its errors and ``builder build``
    refuses a deck that has any, so the two can never disagree. Without
    ``places``, the source is parsed again for columns only if something is found.
    """
    places = places or Places(deck.path)
    found = [problem for problem in _unfinished_deck(deck, places) if problem.code not in deck.lint_ignore]
    for note in deck.notes:
        silenced = note.lint_ignore | deck.lint_ignore
        found += [problem for problem in _unfinished_note(deck, note, places) if problem.code not in silenced]
    return found


def _unfinished_deck(deck: Deck, places: Places) -> Iterator[Problem]:
    """The deck-wide L rules: repeated questions and ``builder new``'s source placeholders."""
    yield from _duplicate_questions(deck, places)
    source = deck.source
    if source is None:
        return
    for name in ("title", "author", "url"):
        value = getattr(source, name)
        if TODO_WORD.search(value) or (name == "url" and _is_placeholder_url(value)):
            yield finding(places.key(deck, "source", name), "L304",
                           f"source {name} is still a placeholder ('{value}'): fill in the article's {name}")
    if source.date == PLACEHOLDER_DATE:
        yield finding(places.key(deck, "source", "date"), "L304",
                       f"source date {PLACEHOLDER_DATE} is builder new's placeholder: "
                       "write the publication date")


def _unfinished_note(deck: Deck, note: Note, places: Places) -> Iterator[Problem]:
    """A note's L rules: a TODO field, a card with nothing but its blank, a placeholder deletion, c501 and up (in
    any cloze field, a declared type's raw HTML too), a note of a declared cloze type without a deletion (L308)."""
    for name, field in note.fields.items():
        if TODO_FIELD.match(field.text.strip()):
            yield finding(places.key(deck, *note.key_path(name), note=note), "L301",
                           f"'{name}' of note '{note.id}' is still {TODO_MARK}: write the {name}")
    if note.type == "type-in":
        yield from _typed_answer(deck, note, places)
    if note.form is None and deck.note_types[note.type].is_cloze and not any(map(_makes_cards, note.fields.values())):
        zero = any(field.raw and has_opener(field.text) for field in note.fields.values())
        yield finding(places.key(deck, "fields", note=note), "L308",
                       f"note '{note.id}' of the cloze type '{note.type}' has no deletion "
                       + ("that makes a card ({{c0::...}} makes none)" if zero else "in any field")
                       + ", so it makes no card: mark a key term as {{c1::term}}")
    if note.form is None and deck.note_types[note.type].is_cloze:
        for name, field in note.fields.items():
            numbers = card_numbers(field.text if field.raw else source_view(field.text).text) if "{{c" in field.text \
                else frozenset()
            beyond = sorted(number for number in numbers if number > LAST_ORD + 1)
            if beyond:
                yield _beyond_last_card(places.key(deck, *note.key_path(name), note=note), note, beyond[0])
    if note.form != "cloze":
        return
    text = note.fields["text"].text
    yield from _empty_fronts(deck, note, places)
    for number, content, hint in deletions(text) if f"::{TODO_MARK}" in text else ():
        if hint == TODO_MARK:
            yield finding(places.key(deck, "text", note=note), "L305",
                           f"note '{note.id}' still has the placeholder deletion "
                           f"'{{{{c{number}::{content}::{hint}}}}}': mark the key term "
                           f"as {{{{c{number}::...}}}} and drop '::{TODO_MARK}'")


def _makes_cards(field: Field) -> bool:
    """Whether a field of a declared cloze type has a deletion: Markdown's are the loader's (E130), raw HTML's are
    Anki's as written, where only a number from 1 makes a card."""
    return bool(card_numbers(field.text)) if field.raw else has_opener(field.text)


def _typed_answer(deck: Deck, note: Note, places: Places) -> Iterator[Problem]:
    """L307: a type-in answer the learner could never type back exactly."""
    answer = note.fields["answer"]
    if TODO_FIELD.match(answer.text.strip()):
        return  # L301 already
    from .render import render_field  # markdown-it, only for decks with type-in notes

    try:
        shown = render_field(answer.text, deck.where(answer.line), base_dir=deck.path.parent,
                             allow_html=deck.allow_html).html
    except BuilderError:
        shown = "<unrenderable>"  # the build names the problem itself
    why = typed_answer_problem(answer.text, shown)
    if why is not None:
        yield finding(places.key(deck, "answer", note=note), "L307",
                       f"the answer of type-in note '{note.id}' {why}: the learner types it and Anki compares "
                       "it letter by letter; keep it to a few plain words and move the rest to 'extra'")


def _empty_fronts(deck: Deck, note: Note, places: Places) -> Iterator[Problem]:
    """L303 for each card whose front shows nothing but its blank, L306 for numbers past Anki's last card."""
    view = source_view(note.fields["text"].text).text
    cards = card_numbers(view)
    shown_on_every_card = words(unshield(outside(view)))
    for number in sorted(cards) if not shown_on_every_card else ():
        if number <= LAST_ORD + 1 and not words(unshield(around(view, number))):
            yield finding(places.key(deck, "text", note=note), "L303",
                           f"card c{number} of note '{note.id}' shows nothing but its blank: "
                           "the deletion covers the whole text, delete only the key term")
    extra = note.fields.get("extra")
    in_extra = card_numbers(source_view(extra.text).text) if extra and "{{c" in extra.text else frozenset()
    for number in sorted(in_extra - cards):
        yield finding(places.key(deck, "extra", note=note), "L303",
                       f"deletion c{number} in the extra of note '{note.id}' makes a card of its own that "
                       "shows nothing (Anki makes cards of deletions in every field): move it into the text")
    beyond = sorted(number for number in cards | in_extra if number > LAST_ORD + 1)
    if beyond:
        yield _beyond_last_card(places.key(deck, "text", note=note), note, beyond[0])


def _beyond_last_card(where: Location, note: Note, number: int) -> Problem:
    """L306: Anki's card for ``number`` is a copy of card c500 (an error card when there is no c500)."""
    return finding(where, "L306", f"note '{note.id}' has the cloze number c{number}, above {LAST_ORD + 1}: Anki "
                                  f"keeps {LAST_ORD + 1} cloze cards at most and makes the card of c{number} a copy "
                                  f"of card c{LAST_ORD + 1}, so c{number} never shows a blank of its own; number the "
                                  "deletions c1, c2, ...")


def _is_placeholder_url(url: str) -> bool:
    host = re.sub(r"^https?://", "", url).split("/", 1)[0].split(":", 1)[0]
    return host == "invalid" or host.endswith(".invalid")


def _duplicate_questions(deck: Deck, places: Places) -> Iterator[Problem]:
    first: dict[tuple[str, str], Note] = {}
    for note in deck.notes:
        if note.form is None:
            continue
        name = "text" if note.form == "cloze" else "question"
        key = (name, " ".join(note.fields[name].text.casefold().split()))
        earlier = first.setdefault(key, note)
        if earlier is not note and "L302" not in note.lint_ignore:
            what = "cloze text" if note.form == "cloze" else "question"
            yield finding(places.key(deck, *note.key_path(name), note=note), "L302",
                           f"note '{note.id}' repeats the {what} of note '{earlier.id}' "
                           f"(line {earlier.fields[name].line}): merge them or reword one")
