"""``builder check``: the build's own validation, then flashcard lint rules.

A source that the loader rejects is reported with the loader's problems (its
E-codes) and linting stops there for that file, because the rules below need a
typed ``Deck``. Linting works on the parsed tree as well as on the deck so
every finding can point at a line *and* a column, like a compiler.

Codes: ``E1xx`` are the loader's (``E161``-``E166`` what the build refuses
against the deck's lock, decided in ``builder.lockgate``; ``E169``, ``E171`` and
``E172`` the media it refuses, decided in ``builder.mediagate``), ``L3xx`` are lint errors (a card is broken
or unfinished: a placeholder, a duplicate, an empty front) and ``W2xx`` are
warnings (W206-W209 are flashcard craft, measured in ``craft.py``). The
table of every code is ``builder.lintrules``; the W rules are here, the L rules
in ``builder.releasegate``, since an E or L code blocks a release: ``builder
build`` refuses the source through the same rules ``check`` reports, while
drafts and ``watch`` accept it. ``W2xx``/``L3xx`` can be silenced per note or
per deck with ``lint: {ignore: [CODE]}``; ``E1xx`` cannot.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from msgspec import Struct

from .clock import clock_now, refuse_future_times
from .cloze import around, card_numbers, source_view, unshield
from .craft import (
    MAX_SET_ITEMS,
    answer_key,
    card_answers,
    common_word,
    deletions,
    joins_names_like_code,
    set_size,
    significant,
    stale_time_words,
    words,
)
from .declared import html_risks, template_filters, template_risks
from .errors import BuilderError, InvalidSource, Location, LockError, Problem, ReleaseError, SourceError
from .journal import Recovery
from .layout import journal_path, lock_path
from .lintrules import DEFAULT_ANSWER_MAX_WORDS, RULES, TODO_FIELD, TODO_MARK, finding
from .lockgate import lock_problems
from .lockread import read_lock
from .mediagate import media_problems
from .places import Places
from .releasegate import release_problems
from .siblings import own_claims, sibling_problems
from .source import Deck, Note, deck_from_tree
from .yamlsafe import parse, read_source_text

_SET_ADVICE = "sets are hard to recall, ask for the one that matters or give each item its own note"



class CheckReport(Struct, frozen=True):
    problems: tuple[Problem, ...]
    sources: int

    @classmethod
    def of(cls, problems: Iterable[Problem], sources: int) -> CheckReport:
        """The findings of ``sources`` checked sources, in file, line, column order."""
        return cls(tuple(sorted(problems, key=_order)), sources)

    @property
    def errors(self) -> int:
        return sum(problem.severity == "error" for problem in self.problems)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors

    def failed(self, *, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))


def check_source(path: Path, *, allow_schema_change: bool = False, unsafe_html: bool = False,
                 out_dir: Path = Path("dist")) -> list[Problem]:
    """Every finding of one source; a source the loader refuses is findings too (its E codes), not an error.

    ``allow_schema_change``, ``unsafe_html`` and ``out_dir`` are the build's: with a flag, what the build then lets
    through is a warning (W215; W212, W213), without it an error (E166; E167, E168), as the build refuses it.
    """
    found = journal_problems(path, out_dir)
    try:
        text = read_source_text(path)
        root = parse(text, path)
        deck = deck_from_tree(root, path)
    except SourceError as error:
        return found + problems_of(error, path)
    places = Places(path, (root, text.splitlines()))
    found += sibling_problems(path, own_claims(deck))
    found += _lock_problems(deck, places, allow_schema_change=allow_schema_change)
    found += media_problems(deck, places, unsafe_html=unsafe_html)
    found += _lint_deck(deck, places, unsafe_html=unsafe_html)
    if not any(problem.severity == "error" for problem in found):  # the build's last gate, after all the others
        found += _reproduction_problems(deck, allow_schema_change=allow_schema_change, unsafe_html=unsafe_html)
    return found


def _reproduction_problems(deck: Deck, *, allow_schema_change: bool, unsafe_html: bool) -> list[Problem]:
    """An E160 where a build would re-create the release the lock records and get other bytes or another lock
    (:func:`builder.build.refuse_unreproduced`): the source is planned and packaged in memory, nothing written."""
    from .build import unreproduced_release

    lock_file = lock_path(deck.path, deck.slug)
    if not lock_file.is_file():
        return []
    try:
        unreproduced_release(deck.path, allow_schema_change=allow_schema_change, unsafe_html=unsafe_html)
    except ReleaseError as error:
        if error.where is not None and error.where.path == lock_file:
            return [Problem(error.where, "E160", error.message)]
    except BuilderError:
        pass  # what else the build would refuse is reported by its own check above
    return []


def _lock_problems(deck: Deck, places: Places, *, allow_schema_change: bool) -> list[Problem]:
    """An E160 where the lock the build would read is unusable (damaged, a merge conflict, another deck's, times
    ahead of this clock); else what the build refuses against it (:mod:`builder.lockgate`): a released note's
    type or GUID, a type's id or schema."""
    lock_file = lock_path(deck.path, deck.slug)
    try:
        previous = read_lock(lock_file)
        if previous is not None:
            refuse_future_times(previous, lock_file, clock_now())
    except (LockError, ReleaseError) as error:
        return [Problem(error.where or Location(lock_file), "E160", error.message)]
    return lock_problems(deck, previous, places, allow_schema_change=allow_schema_change)


def journal_problems(source: Path, out_dir: Path) -> list[Problem]:
    """The journal a killed build of ``source`` left, judged by the build's own function, touching nothing:
    E173 with the build's line where it refuses the journal, W216 where it would finish or undo the release."""
    from .build import examine_interrupted_release

    try:
        recovery = examine_interrupted_release(source, out_dir)
    except ReleaseError as error:
        return [Problem(error.where or Location(journal_path(source)), "E173", error.message)]
    if recovery is None:
        return []
    return [finding(Location(recovery.journal), "W216", interrupted_release(recovery))]


def interrupted_release(recovery: Recovery) -> str:
    """What ``builder build`` does with a journal a killed build left, in one line."""
    if recovery.committed:
        return ("a build of this deck stopped while writing its release, after the lock: 'builder build' "
                "finishes the release")
    return ("a build of this deck stopped while writing its release, before the lock: 'builder build' deletes "
            "what it left, and the previous release stands")


def problems_of(error: SourceError, path: Path) -> list[Problem]:
    """A loader failure as check findings: its own problems, or one E100 when the file is unreadable."""
    if isinstance(error, InvalidSource):
        return list(error.problems)
    return [Problem(error.where or Location(path), "E100", error.message)]


def _lint_deck(deck: Deck, places: Places, *, unsafe_html: bool) -> list[Problem]:
    found = release_problems(deck, places)
    found += [problem for problem in _deck_problems(deck, places) if problem.code not in deck.lint_ignore]
    for note in deck.notes:
        silenced = note.lint_ignore | deck.lint_ignore
        found += [problem for problem in _note_problems(deck, note, places) if problem.code not in silenced]
        if deck.allow_html and "W210" not in silenced:
            found += _sanitised_away(deck, note, places)
    return found + list(_unsafe(deck, places, unsafe_html=unsafe_html))


def _unsafe(deck: Deck, places: Places, *, unsafe_html: bool) -> Iterator[Problem]:
    """What runs or loads on a learner's device, in a declared type's templates or CSS or a raw HTML field.

    The build refuses it without ``--unsafe-html``, so without the flag it is an error (E167 in a note type,
    E168 in a field): check passing means the build takes the source. With the flag (``check --unsafe-html``,
    as the build is given it) it ships, and is a warning saying so (W212, W213), which may be silenced.
    """
    tail = (": built with --unsafe-html, Anki runs or fetches it on every learner's device; keep it only if every "
            "learner can trust this source") if unsafe_html else (
        ": a build refuses it without --unsafe-html, as Anki would run or fetch it on every learner's device")
    for note_type in deck.note_types.values():
        risks = template_risks(note_type) if note_type.label is None else []  # declared in the source
        if not risks or (unsafe_html and "W212" in deck.lint_ignore):
            continue
        where = places.note_type(deck, note_type.key) or places.key(deck, "note_types")
        for risk in risks:
            yield finding(where, "W212" if unsafe_html else "E167", f"note type '{note_type.key}' has {risk}{tail}")
    for note in deck.notes:
        if unsafe_html and "W213" in note.lint_ignore | deck.lint_ignore:
            continue
        for name, field in note.fields.items():
            for risk in html_risks(field.text) if field.raw else ():
                yield finding(places.key(deck, *note.key_path(name), note=note), "W213" if unsafe_html else "E168",
                              f"'{name}' of note '{note.id}' is raw HTML with {risk}{tail}")
    description = deck.description
    if description is not None and description.raw and not (unsafe_html and "W213" in deck.lint_ignore):
        for risk in html_risks(description.text):
            yield finding(places.key(deck, "description"), "W213" if unsafe_html else "E168",
                          f"the deck's description is raw HTML with {risk}{tail}")


def _sanitised_away(deck: Deck, note: Note, places: Places) -> Iterator[Problem]:
    """W210 for each field whose HTML the build would sanitise (see :mod:`builder.htmlsafe`)."""
    from .htmlsafe import removed_by_sanitising
    from .markdown import author_html

    for name, field in note.fields.items():
        removed = removed_by_sanitising(author_html(field.text))
        if removed:
            shown = ", ".join(removed[:5]) + f" and {len(removed) - 5} more" * (len(removed) > 5)
            yield finding(places.key(deck, *note.key_path(name), note=note), "W210",
                           f"'{name}' of note '{note.id}' has HTML that sanitising removes: {shown}; "
                           "allow_html keeps formatting, tables, images and links, never scripts or remote "
                           "loads: remove it, or build with --unsafe-html if every learner can trust this source")


def _deck_problems(deck: Deck, places: Places) -> Iterator[Problem]:
    if deck.lint_ignore:
        yield from _unknown_codes(deck.lint_ignore, places.key(deck, "lint", "ignore"), "the deck")
    yield from _duplicate_answers(deck, places)
    for note_type in deck.note_types.values():
        if note_type.label is None:  # declared in the source
            yield from (finding(places.note_type(deck, note_type.key) or places.key(deck, "note_types"), "W214",
                                f"note type '{note_type.key}' uses {filtered}, which Anki does not have: it shows "
                                "the field as if the filter were not there (unless an add-on on the learner's "
                                "device supplies it); check its spelling")
                        for filtered in template_filters(note_type))
    if deck.description:
        yield from _stale(deck, places.key(deck, "description"), "description", deck.description.text)


def _unknown_codes(codes: frozenset[str], where: Location, owner: str) -> Iterator[Problem]:
    for code in sorted(codes):
        if code not in RULES:
            yield finding(where, "W205", f"lint ignore of {owner} names {code}, which is not a lint rule")
        elif code.startswith("E"):
            yield finding(where, "W205", f"lint ignore of {owner} names {code}, a loader error that "
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
        yield finding(places.key(deck, "answer", note=note), "W201",
                       f"answer of note '{note.id}' has {answer_words} words (more than {limit}): "
                       "keep it to what a learner can recall, move the rest to 'extra'")
    placeholder = TODO_FIELD.match(answer.text.strip())
    if significant(answer.text) and not placeholder and _contains(question.text, answer.text):
        yield finding(places.key(deck, "question", note=note), "W202",
                       f"question of note '{note.id}' already contains its answer: reword one of them")
    items = set_size(answer.text)
    if items > MAX_SET_ITEMS:
        yield finding(places.key(deck, "answer", note=note), "W206",
                       f"answer of note '{note.id}' lists {items} items (more than {MAX_SET_ITEMS}): {_SET_ADVICE}")


def _cloze_problems(deck: Deck, note: Note, places: Places, limit: int) -> Iterator[Problem]:
    text = note.fields["text"].text
    where = places.key(deck, "text", note=note)
    found = deletions(text)
    for number, content, hint in found:
        if hint is not None and hint != TODO_MARK and ("::" in hint or joins_names_like_code(content, hint)):
            yield finding(where, "W211", _hint_meant_as_text(note, number, content, hint))
        size = len(content.split())
        if size > limit:
            yield finding(where, "W201", f"deletion c{number} of note '{note.id}' has {size} words "
                                          f"(more than {limit}): delete a shorter key term")
        common = common_word(content)
        if common:
            yield finding(where, "W209", f"deletion c{number} of note '{note.id}' hides only '{common}', "
                                          "a very common word guessed from the grammar: delete the key term "
                                          "instead")
    for number, contents in card_answers(text).items():
        items = sum(set_size(content) for content in contents)
        if items > MAX_SET_ITEMS:
            yield finding(where, "W206", f"card c{number} of note '{note.id}' hides {items} items "
                                          f"(more than {MAX_SET_ITEMS}): {_SET_ADVICE}")
    view = source_view(text).text
    for number in sorted(card_numbers(view)):
        visible = unshield(around(view, number))
        if any(significant(content) and _contains(visible, content)
               for n, content, _ in found if n == number):
            yield finding(where, "W202", f"card c{number} of note '{note.id}' shows its own answer "
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


def _answers(note: Note) -> Iterator[tuple[str, str]]:
    """Each card's answer with how to name it; placeholders (already L301/L305) left out."""
    if note.form == "qa":
        answer = note.fields["answer"].text
        if not TODO_FIELD.match(answer.strip()):
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
                yield finding(places.key(deck, *note.key_path(name), note=note), "W207",
                               f"{label} has the same answer as {earlier_label} (line {line}): "
                               "ask each about a different fact, or merge them")


def _stale(deck: Deck, where: Location, what: str, text: str) -> Iterator[Problem]:
    terms = stale_time_words(text)
    if terms:
        quoted = " and ".join(", ".join(f"'{term}'" for term in terms).rsplit(", ", 1))
        verb = "goes" if len(terms) == 1 else "go"
        yield finding(where, "W208", f"{what} says {quoted}, which {verb} stale: say when instead "
                                      f"(e.g. 'as of {deck.source.date[:4] if deck.source else 2025}')")


def _order(problem: Problem) -> tuple[str, int, int, str, str]:
    where = problem.where
    return (str(where.path), where.line, where.column, problem.code, problem.message)
