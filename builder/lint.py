"""``builder check``: the build's own validation, then flashcard lint rules.

A source that the loader rejects is reported with the loader's problems (its
E-codes) and linting stops there for that file, because the rules below need a
typed ``Deck``. Linting works on the parsed tree as well as on the deck so
every finding can point at a line *and* a column, like a compiler.

Codes: ``E1xx`` are the loader's, ``L3xx`` are lint errors (a card is broken
or unfinished: a placeholder, a duplicate, an empty front) and ``W2xx`` are
warnings (W206-W209 are flashcard craft, measured in ``craft.py``). An E or L
code blocks a release: ``builder build`` refuses the source through
:func:`release_problems`, the same rules ``check`` reports, while drafts and
``watch`` accept it. ``W2xx``/``L3xx`` can be silenced per note or per deck
with ``lint: {ignore: [CODE]}``; ``E1xx`` cannot.

The L rules are cheap and look for a finding's column only when they report
one, so a release pays for them without parsing the source a second time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .cloze import LAST_ORD, around, card_numbers, outside, source_view, unshield
from .craft import (
    MAX_SET_ITEMS,
    TYPED_MAX_WORDS,
    answer_key,
    card_answers,
    common_word,
    deletions,
    joins_names_like_code,
    set_size,
    significant,
    stale_time_words,
    typed_answer_problem,
    words,
)
from .declared import template_risks
from .errors import BuilderError, InvalidSource, Location, LockError, Problem, SourceError, Unreleasable
from .layout import lock_path
from .lockread import read_lock
from .places import Places
from .siblings import shared_slug_problem
from .source import Deck, Note, deck_from_tree
from .typeids import deck_type_id_problem
from .yamlsafe import parse, read_source_text

DEFAULT_ANSWER_MAX_WORDS = 40

TODO_MARK = "TODO"
"""What ``builder new`` writes where only the author can fill in a value."""
PLACEHOLDER_DATE = "1970-01-01"
"""``builder new``'s source date: a valid date nobody would publish on."""
PLACEHOLDER_URL = "https://example.invalid/TODO"
"""``builder new``'s source link: ``.invalid`` can never resolve (RFC 2606)."""


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    """"error" or "warning"."""
    summary: str
    """One line for the check-code reference (docs/reference/checks.md, generated)."""


LOADER_RULES = (
    Rule("E100", "error", "The file cannot be read or is not safe YAML: syntax error, duplicate key, "
         "anchor/alias, tag, not UTF-8, empty."),
    Rule("E101", "error", "Unknown key; the message suggests the closest known one (\"did you mean\")."),
    Rule("E102", "error", "A required key is missing, or a note's keys are not the ones its `type` takes "
         "(without a `type`: not exactly one of cloze `text` or `question` and `answer`, as its `kind` requires)."),
    Rule("E103", "error", "A value has the wrong shape: a list or mapping where text belongs, "
         "or the reverse."),
    Rule("E104", "error", "An invalid value: slug or note id that is not a slug, version, url, date, "
         "language, kind, note type, deck name (also one Anki would change: a tab or line break, `A:::B`), lint code, "
         "true/false or count; values match whole (a trailing line break is refused)."),
    Rule("E110", "error", "Two notes share an id."),
    Rule("E120", "error", "A key is given but empty."),
    Rule("E130", "error", "A cloze text has no `{{c1::...}}` deletion that makes a card (`c0` makes none)."),
    Rule("E131", "error", "A cloze text has unbalanced `{{`/`}}` braces."),
    Rule("E132", "error", "A cloze number is above 65535, the highest Anki can import (it would refuse the whole "
         "package)."),
    Rule("E133", "error", "A cloze deletion sits in a link or image address, where Markdown drops it."),
    Rule("E140", "error", "A tag contains spaces or quotes (use `-` or `::`), or an empty part between `::` "
         "(`::x`, `a::::b`), which Anki would fill in as `blank`."),
    Rule("E141", "error", "Two tags differ only in case (`ML`, `ml`; `straße`, `STRASSE`): Anki takes them "
         "for one tag and keeps one spelling for both."),
    Rule("E150", "error", "Another source in the same folder has the same slug, so the two would share "
         "a lock and their notes' identities."),
    Rule("E160", "error", "The deck's lock cannot be used, so the build refuses too: it is damaged, holds a git "
         "merge conflict (take it whole from the side whose release was published, then build), or is not a "
         "plain file."),
    Rule("E151", "error", "Another source in the same folder claims a note type id this one claims (an "
         "`anki_id` repeating another deck's type): learners who import both would get one note type for two."),
    Rule("E170", "error", "A note type in `note_types` is one Anki would refuse or change: a template that does not "
         "parse, names a field the type does not have or shows no field on its front; two fronts alike; a cloze "
         "type without `{{cloze:Field}}` or with more than one template; field names Anki rewrites (`:{}\"`, a "
         "leading `#/^`), a template name with `\"`, two field or template names differing only in case; an id "
         "another type has."),
)
LINT_RULES = (
    Rule("W201", "warning", "An answer (or a cloze deletion) is longer than `lint: {answer_max_words: N}` "
         f"words (default {DEFAULT_ANSWER_MAX_WORDS}): too long to recall."),
    Rule("W202", "warning", "The question already shows its answer: the answer's words appear in the "
         "question, or a cloze deletion's words appear elsewhere on its card."),
    Rule("W205", "warning", "`lint: {ignore: [...]}` names a code that no lint rule has (E-codes cannot be "
         "silenced)."),
    Rule("W206", "warning", f"An answer is a set of more than {MAX_SET_ITEMS} items, which learners recall "
         "badly: a Markdown list, an enumeration like `A, B, C and D`, or a cloze card hiding that many. "
         "E.g. `answer: Spark, Ray, Airflow and Kubernetes`: ask for the one that matters, or one note per item."),
    Rule("W207", "warning", "Two notes have the same answer (a cloze card's answer is its deletions), ignoring "
         "case, spacing and punctuation. E.g. `answer: 16%` on two notes: the learner recalls the figure, "
         "not which fact it belongs to; ask about different facts or merge the notes."),
    Rule("W208", "warning", "A field uses a time word that goes stale: today, currently, recently, nowadays, "
         "now, so far, this year and the like (quotations, code and URLs are skipped). E.g. "
         "`question: How many GPUs does it use today?`: write `as of 2025` instead."),
    Rule("W209", "warning", "A cloze deletion is a single very common word (builder's stop-word list, "
         "`builder/stopwords.txt`), guessed from the grammar rather than recalled. E.g. "
         "`Ray {{c1::and}} Spark`: delete the key term instead."),
    Rule("W210", "warning", "With `allow_html: true`, a field holds HTML that sanitising removes: scripts, "
         "event handlers, `javascript:` or relative links, remote images, styles beyond colour, weight and "
         "alignment, elements like `<iframe>`. E.g. `<img src=\"pic.png\" onerror=\"...\">` loses `onerror`."),
    Rule("W211", "warning", "A `::` in a cloze deletion that Anki reads as the start of a hint but that joins "
         "two names the way code does, or a second `::`. E.g. `{{c1::std::vector}}` shows `std` with the hint "
         "`vector`: write it as code, ``{{c1::`std::vector`}}``."),
    Rule("W212", "warning", "A note type in `note_types` has a script, an event handler, a `javascript:` link, an "
         "element that loads or redirects (`<meta>`, `<iframe>`...) or a remote load in its templates (entities "
         "decoded), or markup or a backslash escape in its CSS: Anki would run or fetch it on every learner's "
         "device, so a build refuses it without `--unsafe-html`."),
    Rule("L301", "error", f"A field is still a {TODO_MARK} placeholder (`answer: {TODO_MARK}`, "
         f"`{TODO_MARK}: ...`)."),
    Rule("L302", "error", "Two notes ask the same question (or have the same cloze text), ignoring case "
         "and spacing."),
    Rule("L303", "error", "A card's front shows nothing but its blank: a deletion covers the whole text, or a "
         "deletion in `extra` makes a card of its own."),
    Rule("L304", "error", f"Source metadata still holds a `builder new` placeholder ({TODO_MARK}, "
         f"{PLACEHOLDER_URL}, date {PLACEHOLDER_DATE})."),
    Rule("L305", "error", "A cloze deletion is still `builder new`'s placeholder "
         f"`{{{{c1::word::{TODO_MARK}}}}}`: mark the key term instead."),
    Rule("L306", "error", "A cloze number above 500: Anki keeps 500 cloze cards at most, so the deletion's card "
         "is a copy of card `c500` and never shows its blank."),
    Rule("L307", "error", "The answer of a `type: type-in` note is not short plain text: more than one line, "
         f"formatting (a list, emphasis, code, a link, an image) or more than {TYPED_MAX_WORDS} words. The learner "
         "types it and Anki compares it letter by letter."),
)
RULES = {rule.code: rule for rule in LOADER_RULES + LINT_RULES}
_SET_ADVICE = "sets are hard to recall, ask for the one that matters or give each item its own note"

_TODO_FIELD = re.compile(rf"^{TODO_MARK}\b")
_TODO_WORD = re.compile(rf"\b{TODO_MARK}\b")


@dataclass(frozen=True)
class CheckReport:
    problems: tuple[Problem, ...]
    sources: int

    @property
    def errors(self) -> int:
        return sum(problem.severity == "error" for problem in self.problems)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors

    def failed(self, *, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))


def check_sources(paths: Iterable[Path]) -> CheckReport:
    """Check every source; problems of all files come back in file, line, column order."""
    problems: list[Problem] = []
    count = 0
    for path in paths:
        problems += check_source(path)
        count += 1
    return CheckReport(tuple(sorted(problems, key=_order)), count)


def check_source(path: Path) -> list[Problem]:
    try:
        text = read_source_text(path)
        root = parse(text, path)
        deck = deck_from_tree(root, path)
    except SourceError as error:
        return problems_of(error, path)
    found = [problem for problem in (shared_slug_problem(path, deck.slug), deck_type_id_problem(deck),
                                     _lock_problem(path, deck.slug)) if problem]
    return found + _lint_deck(deck, Places(path, (root, text.splitlines())))


def _lock_problem(source: Path, slug: str) -> Problem | None:
    """An E160 where the lock the build would read is unusable (damaged, a merge conflict), else None."""
    lock_file = lock_path(source, slug)
    try:
        read_lock(lock_file)
    except LockError as error:
        return Problem(error.where or Location(lock_file), "E160", error.message)
    return None


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


def problems_of(error: SourceError, path: Path) -> list[Problem]:
    """A loader failure as check findings: its own problems, or one E100 when the file is unreadable."""
    if isinstance(error, InvalidSource):
        return list(error.problems)
    return [Problem(error.where or Location(path), "E100", error.message)]


def _lint_deck(deck: Deck, places: Places) -> list[Problem]:
    found = release_problems(deck, places)
    found += [problem for problem in _deck_problems(deck, places) if problem.code not in deck.lint_ignore]
    for note in deck.notes:
        silenced = note.lint_ignore | deck.lint_ignore
        found += [problem for problem in _note_problems(deck, note, places) if problem.code not in silenced]
        if deck.allow_html and "W210" not in silenced:
            found += _sanitised_away(deck, note, places)
    return found


def _sanitised_away(deck: Deck, note: Note, places: Places) -> Iterator[Problem]:
    """W210 for each field whose HTML the build would sanitise (see :mod:`builder.htmlsafe`)."""
    from .htmlsafe import removed_by_sanitising
    from .markdown import author_html

    for name, field in note.fields.items():
        removed = removed_by_sanitising(author_html(field.text))
        if removed:
            shown = ", ".join(removed[:5]) + f" and {len(removed) - 5} more" * (len(removed) > 5)
            yield _problem(places.key(deck, *note.key_path(name), note=note), "W210",
                           f"'{name}' of note '{note.id}' has HTML that sanitising removes: {shown}; "
                           "allow_html keeps formatting, tables, images and links, never scripts or remote "
                           "loads: remove it, or build with --unsafe-html if every learner can trust this source")


def _problem(where: Location, code: str, message: str) -> Problem:
    return Problem(where, code, message, RULES[code].severity)


def _deck_problems(deck: Deck, places: Places) -> Iterator[Problem]:
    if deck.lint_ignore:
        yield from _unknown_codes(deck.lint_ignore, places.key(deck, "lint", "ignore"), "the deck")
    yield from _duplicate_answers(deck, places)
    for note_type in deck.note_types.values():
        if note_type.label is None:  # declared in the source
            yield from (_problem(places.key(deck, "note_types"), "W212",
                                 f"note type '{note_type.key}' has {risk}: a build refuses it without --unsafe-html, "
                                 "as Anki would run or fetch it on every learner's device")
                        for risk in template_risks(note_type))
    if deck.description:
        yield from _stale(deck, places.key(deck, "description"), "description", deck.description.text)


def _unfinished_deck(deck: Deck, places: Places) -> Iterator[Problem]:
    """The deck-wide L rules: repeated questions and ``builder new``'s source placeholders."""
    yield from _duplicate_questions(deck, places)
    source = deck.source
    for name in ("title", "author", "url"):
        value = getattr(source, name)
        if _TODO_WORD.search(value) or (name == "url" and _is_placeholder_url(value)):
            yield _problem(places.key(deck, "source", name), "L304",
                           f"source {name} is still a placeholder ('{value}'): fill in the article's {name}")
    if source.date == PLACEHOLDER_DATE:
        yield _problem(places.key(deck, "source", "date"), "L304",
                       f"source date {PLACEHOLDER_DATE} is builder new's placeholder: "
                       "write the publication date")


def _unfinished_note(deck: Deck, note: Note, places: Places) -> Iterator[Problem]:
    """A note's L rules: a TODO field, a card with nothing but its blank, a placeholder deletion, c501 and up."""
    for name, field in note.fields.items():
        if _TODO_FIELD.match(field.text.strip()):
            yield _problem(places.key(deck, *note.key_path(name), note=note), "L301",
                           f"'{name}' of note '{note.id}' is still {TODO_MARK}: write the {name}")
    if note.type == "type-in":
        yield from _typed_answer(deck, note, places)
    if note.form != "cloze":
        return
    text = note.fields["text"].text
    yield from _empty_fronts(deck, note, places)
    for number, content, hint in deletions(text) if f"::{TODO_MARK}" in text else ():
        if hint == TODO_MARK:
            yield _problem(places.key(deck, "text", note=note), "L305",
                           f"note '{note.id}' still has the placeholder deletion "
                           f"'{{{{c{number}::{content}::{hint}}}}}': mark the key term "
                           f"as {{{{c{number}::...}}}} and drop '::{TODO_MARK}'")


def _typed_answer(deck: Deck, note: Note, places: Places) -> Iterator[Problem]:
    """L307: a type-in answer the learner could never type back exactly."""
    answer = note.fields["answer"]
    if _TODO_FIELD.match(answer.text.strip()):
        return  # L301 already
    from .render import render_field  # markdown-it, only for decks with type-in notes

    try:
        shown = render_field(answer.text, deck.where(answer.line), base_dir=deck.path.parent,
                             allow_html=deck.allow_html).html
    except BuilderError:
        shown = "<unrenderable>"  # the build names the problem itself
    why = typed_answer_problem(answer.text, shown)
    if why is not None:
        yield _problem(places.key(deck, "answer", note=note), "L307",
                       f"the answer of type-in note '{note.id}' {why}: the learner types it and Anki compares "
                       "it letter by letter; keep it to a few plain words and move the rest to 'extra'")


def _empty_fronts(deck: Deck, note: Note, places: Places) -> Iterator[Problem]:
    """L303 for each card whose front shows nothing but its blank, L306 for numbers past Anki's last card."""
    view = source_view(note.fields["text"].text).text
    cards = card_numbers(view)
    shown_on_every_card = words(unshield(outside(view)))
    for number in sorted(cards) if not shown_on_every_card else ():
        if number <= LAST_ORD + 1 and not words(unshield(around(view, number))):
            yield _problem(places.key(deck, "text", note=note), "L303",
                           f"card c{number} of note '{note.id}' shows nothing but its blank: "
                           "the deletion covers the whole text, delete only the key term")
    extra = note.fields.get("extra")
    in_extra = card_numbers(source_view(extra.text).text) if extra and "{{c" in extra.text else frozenset()
    for number in sorted(in_extra - cards):
        yield _problem(places.key(deck, "extra", note=note), "L303",
                       f"deletion c{number} in the extra of note '{note.id}' makes a card of its own that "
                       "shows nothing (Anki makes cards of deletions in every field): move it into the text")
    beyond = sorted(number for number in cards | in_extra if number > LAST_ORD + 1)
    if beyond:
        yield _problem(places.key(deck, "text", note=note), "L306",
                       f"note '{note.id}' has the cloze number c{beyond[0]}, above {LAST_ORD + 1}: Anki keeps "
                       f"{LAST_ORD + 1} cloze cards at most and makes the card of c{beyond[0]} a copy of card "
                       f"c{LAST_ORD + 1}, so c{beyond[0]} never shows a blank of its own; number the deletions "
                       "c1, c2, ...")


def _is_placeholder_url(url: str) -> bool:
    host = re.sub(r"^https?://", "", url).split("/", 1)[0].split(":", 1)[0]
    return host == "invalid" or host.endswith(".invalid")


def _unknown_codes(codes: frozenset[str], where: Location, owner: str) -> Iterator[Problem]:
    for code in sorted(codes):
        if code not in RULES:
            yield _problem(where, "W205", f"lint ignore of {owner} names {code}, which is not a lint rule")
        elif code.startswith("E"):
            yield _problem(where, "W205", f"lint ignore of {owner} names {code}, a loader error that "
                                          "cannot be silenced: fix the source instead")


def _note_problems(deck: Deck, note: Note, places: Places) -> Iterator[Problem]:
    if note.lint_ignore:
        where = places.key(deck, "lint", "ignore", note=note)
        yield from _unknown_codes(note.lint_ignore, where, f"note '{note.id}'")
    for name, field in note.fields.items():
        where = places.key(deck, *note.key_path(name), note=note)
        yield from _stale(deck, where, f"{name} of note '{note.id}'", field.text)
    limit = deck.answer_max_words or DEFAULT_ANSWER_MAX_WORDS
    if note.form == "cloze":
        yield from _cloze_problems(deck, note, places, limit)
    if note.form != "qa":
        return
    answer, question = note.fields["answer"], note.fields["question"]
    answer_words = len(answer.text.split())
    if answer_words > limit:
        yield _problem(places.key(deck, "answer", note=note), "W201",
                       f"answer of note '{note.id}' has {answer_words} words (more than {limit}): "
                       "keep it to what a learner can recall, move the rest to 'extra'")
    placeholder = _TODO_FIELD.match(answer.text.strip())
    if significant(answer.text) and not placeholder and _contains(question.text, answer.text):
        yield _problem(places.key(deck, "question", note=note), "W202",
                       f"question of note '{note.id}' already contains its answer: reword one of them")
    items = set_size(answer.text)
    if items > MAX_SET_ITEMS:
        yield _problem(places.key(deck, "answer", note=note), "W206",
                       f"answer of note '{note.id}' lists {items} items (more than {MAX_SET_ITEMS}): {_SET_ADVICE}")


def _cloze_problems(deck: Deck, note: Note, places: Places, limit: int) -> Iterator[Problem]:
    text = note.fields["text"].text
    where = places.key(deck, "text", note=note)
    found = deletions(text)
    for number, content, hint in found:
        if hint is not None and hint != TODO_MARK and ("::" in hint or joins_names_like_code(content, hint)):
            yield _problem(where, "W211", _hint_meant_as_text(note, number, content, hint))
        size = len(content.split())
        if size > limit:
            yield _problem(where, "W201", f"deletion c{number} of note '{note.id}' has {size} words "
                                          f"(more than {limit}): delete a shorter key term")
        common = common_word(content)
        if common:
            yield _problem(where, "W209", f"deletion c{number} of note '{note.id}' hides only '{common}', "
                                          "a very common word guessed from the grammar: delete the key term "
                                          "instead")
    for number, contents in card_answers(text).items():
        items = sum(set_size(content) for content in contents)
        if items > MAX_SET_ITEMS:
            yield _problem(where, "W206", f"card c{number} of note '{note.id}' hides {items} items "
                                          f"(more than {MAX_SET_ITEMS}): {_SET_ADVICE}")
    view = source_view(text).text
    for number in sorted(card_numbers(view)):
        visible = unshield(around(view, number))
        if any(significant(content) and _contains(visible, content)
               for n, content, _ in found if n == number):
            yield _problem(where, "W202", f"card c{number} of note '{note.id}' shows its own answer "
                                          "outside the deletion: reword the text or delete that too")


def _hint_meant_as_text(note: Note, number: int, content: str, hint: str) -> str:
    written = f"{content}::{hint}"
    as_code = f"{{{{c{number}::`{written}`}}}}"
    if "::" in hint:
        return (f"deletion c{number} of note '{note.id}' has more than one '::', so Anki shows '{content}' "
                f"with the hint '{hint}': to show '{written}', write it as code, {as_code}")
    return (f"deletion c{number} of note '{note.id}' shows '{content}' with the hint '{hint}', since Anki "
            f"starts a hint at the first '::': to show '{written}', write it as code, {as_code} "
            f"(or, if '{hint}' is a hint, silence W211 on this note)")


def _contains(haystack: str, needle: str) -> bool:
    phrase = " ".join(words(needle))
    return bool(phrase) and f" {phrase} " in f" {' '.join(words(haystack))} "


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
            yield _problem(places.key(deck, *note.key_path(name), note=note), "L302",
                           f"note '{note.id}' repeats the {what} of note '{earlier.id}' "
                           f"(line {earlier.fields[name].line}): merge them or reword one")


def _answers(note: Note) -> Iterator[tuple[str, str]]:
    """Each card's answer with how to name it; placeholders (already L301/L305) left out."""
    if note.form == "qa":
        answer = note.fields["answer"].text
        if not _TODO_FIELD.match(answer.strip()):
            yield f"note '{note.id}'", answer
        return
    if note.form != "cloze":
        return
    text = note.fields["text"].text
    for number, contents in card_answers(text).items():
        if not any(n == number and hint == TODO_MARK for n, _, hint in deletions(text)):
            yield f"card c{number} of note '{note.id}'", " ".join(contents)


def _duplicate_answers(deck: Deck, places: Places) -> Iterator[Problem]:
    first: dict[str, tuple[Note, str, int]] = {}
    for note in deck.notes:
        name = "text" if note.form == "cloze" else "answer"
        for label, answer in _answers(note):
            key = answer_key(answer)
            earlier, earlier_label, line = first.setdefault(key, (note, label, note.fields[name].line))
            if key and earlier is not note and "W207" not in note.lint_ignore:
                yield _problem(places.key(deck, *note.key_path(name), note=note), "W207",
                               f"{label} has the same answer as {earlier_label} (line {line}): "
                               "ask each about a different fact, or merge them")


def _stale(deck: Deck, where: Location, what: str, text: str) -> Iterator[Problem]:
    terms = stale_time_words(text)
    if terms:
        quoted = " and ".join(", ".join(f"'{term}'" for term in terms).rsplit(", ", 1))
        verb = "goes" if len(terms) == 1 else "go"
        yield _problem(where, "W208", f"{what} says {quoted}, which {verb} stale: say when instead "
                                      f"(e.g. 'as of {deck.source.date[:4]}')")


def _order(problem: Problem) -> tuple[str, int, int, str, str]:
    where = problem.where
    return (str(where.path), where.line, where.column, problem.code, problem.message)
