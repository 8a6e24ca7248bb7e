"""Loading and validating sources: a table of good and bad sources with exact errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.errors import InvalidSource, SourceError
from builder.source import load_deck
from tests.conftest import SMALL_SOURCE, write_source


def variant(old: str, new: str) -> str:
    assert SMALL_SOURCE.count(old) == 1, old
    return SMALL_SOURCE.replace(old, new)


DECK_HINT = (": write it on one line without tabs, parts separated by '::', "
             "none empty or starting or ending with a space or ':'")
ONE_TAG = ": Anki takes them for one tag and keeps one spelling for both; write them the same way"
SLUG_HINT = "use lowercase letters, digits and single dashes, e.g. 'linchpin-dsl'"

BAD_SOURCES = [
    ("missing-key", variant("slug: small\n", ""),
     "1: the deck is missing the required key 'slug': Short name used in file names and ids; never change it."),
    ("misspelled-key", variant("tags: [testing]", "tag: [testing]"),
     "5: unknown key 'tag' in the deck: did you mean 'tags'?"),
    ("misspelled-note-key", variant("    extra: Extra context.", "    extar: Extra context."),
     "24: unknown key 'extar' in note 'quiz-one': did you mean 'extra'?"),
    ("wrong-type-list", variant("title: Small deck", "title: [Small, deck]"),
     "1: 'title' in the deck must be text, not a list"),
    ("wrong-type-notes", variant("notes:\n", "notes: 3\nx:\n"), "11: 'notes' must be a list"),
    ("duplicate-id", variant("  - id: quiz-two", "  - id: quiz-one"),
     "25: duplicate note id 'quiz-one' (first on line 20): ids must be unique, give this note a new one"),
    ("empty-answer", variant('answer: "2015"', 'answer: ""'),
     "28: 'answer' in note 'quiz-two' is empty: write it or remove the key"),
    ("null-answer", variant('answer: "2015"', "answer:"),
     "28: 'answer' in note 'quiz-two' is empty: give it a value or remove the key"),
    ("cloze-without-deletion", variant("text: Second learning about {{c1::caching}}.",
                                       "text: Second learning about caching."),
     "19: note 'learn-two' has no cloze deletion: mark a key term as {{c1::term}}"),
    ("unbalanced-cloze", variant("about {{c1::caching}}.", "about {{c1::caching}."),
     "19: note 'learn-two' has unbalanced cloze braces: every '{{' needs a '}}'"),
    ("bad-slug", variant("slug: small", "slug: Small Deck"),
     "2: 'slug' in the deck is 'Small Deck': use lowercase letters, digits and single dashes, e.g. 'linchpin-dsl'"),
    ("bad-note-id", variant("id: quiz-two", "id: Quiz_2"),
     "25: 'id' in note 'Quiz_2' is 'Quiz_2': use lowercase letters, digits and single dashes, e.g. 'linchpin-dsl'"),
    ("bad-kind", variant("kind: deep-dive\n    question", "kind: trivia\n    question"),
     "30: 'kind' in note 'deep-one' is 'trivia': use one of learning, quiz, deep-dive"),
    ("tag-with-space", variant("tags: [alpha]", "tags: [alpha beta]"),
     "16: 'tags' entry 'alpha beta' in note 'learn-one' is not a valid Anki tag: no spaces or control "
     "characters (use - or ::)"),
    ("bad-date", variant("date: 2025-01-31", "date: 2025-02-30"),
     "9: 'date' in 'source' is '2025-02-30', which is not a real date"),
    ("bad-url", variant("url: https://example.org/article", "url: example.org"),
     "10: 'url' in 'source' is 'example.org': write a full http:// or https:// link"),
    ("bad-version", variant("version: 1.0.0", "version: 1.0"),
     "4: 'version' in the deck is '1.0': write a semantic version such as 1.0.0"),
    ("quiz-with-text", variant("question: What is the first quiz question about?",
                               "text: The {{c1::x}}.\n    question: What is the first quiz question about?"),
     "20: note 'quiz-one' is a quiz question: give it 'question' and 'answer', not 'text'"),
    ("learning-with-question", variant("text: Second learning about {{c1::caching}}.", "question: Why?"),
     "17: note 'learn-two' is a learning: give it 'text' with {{c1::...}} deletions"),
    ("quiz-missing-answer", variant('    answer: "2015"\n', ""),
     "25: note 'quiz-two' is missing 'answer': write it"),
    ("deep-dive-both", variant("    text: Scorpion was written in {{c1::C++}}.",
                               "    text: Scorpion was written in {{c1::C++}}.\n    question: Q?\n    answer: A."),
     "33: note 'deep-two' has both 'text' and a question: a note is cloze or Q/A, not both"),
    ("duplicate-yaml-key", variant("title: Small deck\n", "title: Small deck\ntitle: Again\n"),
     "2: duplicate key 'title' (first on line 1): remove or rename one, YAML would silently keep only the last"),
    ("source-missing-author", variant("  author: Ada Author\n", ""),
     "7: 'source' is missing the required key 'author': Its author."),
    ("bad-deck-name", variant("deck: Small Deck", "deck: Small::::Deck"),
     f"3: 'deck' in the deck is 'Small::::Deck': Anki would name it 'Small::blank::Deck'{DECK_HINT}"),
]


# A value must match whole: a trailing line break (a quoted "\n", or the one a | block keeps)
# once passed as if it were not there, and "n2\n" beside "n2" made two notes.
LINE_BREAKS = [
    ("slug", variant("slug: small", 'slug: "small\\n"'), f"2: 'slug' in the deck is 'small\\n': {SLUG_HINT}"),
    ("note-id", variant("id: quiz-two", 'id: "quiz-one\\n"'),
     f"25: 'id' in note 'quiz-one\\n' is 'quiz-one\\n': {SLUG_HINT}"),
    ("note-id-block", variant("  - id: quiz-two\n", "  - id: |\n      quiz-one\n"),
     f"25: 'id' in note 'quiz-one\\n' is 'quiz-one\\n': {SLUG_HINT}"),
    ("version", variant("version: 1.0.0", 'version: "1.0.0\\n"'),
     "4: 'version' in the deck is '1.0.0\\n': write a semantic version such as 1.0.0"),
    ("url", variant("url: https://example.org/article", 'url: "https://example.org/article\\n"'),
     "10: 'url' in 'source' is 'https://example.org/article\\n': write a full http:// or https:// link"),
    ("date", variant("date: 2025-01-31", 'date: "2025-01-31\\n"'),
     "9: 'date' in 'source' is '2025-01-31\\n': write the date as YYYY-MM-DD"),
    ("tts", variant("tags: [testing]", 'tags: [testing]\ntts: "en_US\\n"'),
     "6: 'tts' in the deck is 'en_US\\n': write a language code such as en_US"),
    ("kind", variant("kind: deep-dive\n    question", 'kind: "deep-dive\\n"\n    question'),
     "30: 'kind' in note 'deep-one' is 'deep-dive\\n': use one of learning, quiz, deep-dive"),
    ("deck-tag", variant("tags: [testing]", 'tags: ["testing\\n"]'),
     "5: 'tags' entry 'testing\\n' in the deck is not a valid Anki tag: no spaces or control "
     "characters (use - or ::)"),
    ("note-tag", variant("tags: [alpha]", 'tags: ["alpha\\n"]'),
     "16: 'tags' entry 'alpha\\n' in note 'learn-one' is not a valid Anki tag: no spaces or control "
     "characters (use - or ::)"),
    ("lint-code", variant("tags: [testing]", 'tags: [testing]\nlint: {ignore: ["W201\\n"]}'),
     "6: 'ignore' entry 'W201\\n' in 'lint' is not a lint code like W201"),
    ("count", variant("tags: [testing]", 'tags: [testing]\nlint: {answer_max_words: "40\\n"}'),
     "6: 'answer_max_words' in 'lint' is '40\\n': write a whole number from 1 to 99999"),
    ("deck-name", variant("deck: Small Deck", 'deck: "Small Deck\\n"'),
     f"3: 'deck' in the deck is 'Small Deck\\n': Anki would name it 'Small Deck'{DECK_HINT}"),
    ("unicode-digit-version", variant("version: 1.0.0", "version: 1.0.1\u0661"),
     "4: 'version' in the deck is '1.0.1\u0661': write a semantic version such as 1.0.0"),
    ("unicode-digit-count", variant("tags: [testing]", "tags: [testing]\nlint: {answer_max_words: 4\u0660}"),
     "6: 'answer_max_words' in 'lint' is '4\u0660': write a whole number from 1 to 99999"),
]

# Names Anki would silently change on import (measured in tests/test_formats.py).
ANKI_WOULD_CHANGE = [
    ("deck-tab", variant("deck: Small Deck", 'deck: "Small\\tDeck"'),
     f"3: 'deck' in the deck is 'Small\\tDeck': Anki would name it 'SmallDeck'{DECK_HINT}"),
    ("deck-carriage-return", variant("deck: Small Deck", 'deck: "Small\\rDeck"'),
     f"3: 'deck' in the deck is 'Small\\rDeck': Anki would name it 'SmallDeck'{DECK_HINT}"),
    ("deck-triple-colon", variant("deck: Small Deck", "deck: Small:::Deck"),
     f"3: 'deck' in the deck is 'Small:::Deck': Anki would name it 'Small::Deck'{DECK_HINT}"),
    ("deck-colon-at-the-end", variant("deck: Small Deck", "deck: 'Small::Deck:'"),
     f"3: 'deck' in the deck is 'Small::Deck:': Anki would name it 'Small::Deck'{DECK_HINT}"),
    ("tag-empty-first-part", variant("tags: [alpha]", "tags: ['::x']"),
     "16: 'tags' entry '::x' in note 'learn-one' has an empty part: Anki would store it as 'blank::x'; "
     "separate parts with a single '::'"),
    ("tag-empty-middle-part", variant("tags: [alpha]", "tags: ['a::::b']"),
     "16: 'tags' entry 'a::::b' in note 'learn-one' has an empty part: Anki would store it as 'a::blank::b'; "
     "separate parts with a single '::'"),
    ("tag-empty-last-part", variant("tags: [testing]", "tags: ['testing::']"),
     "5: 'tags' entry 'testing::' in the deck has an empty part: Anki would store it as 'testing::blank'; "
     "separate parts with a single '::'"),
    ("tag-case-across-notes", variant("    extra: Extra context.", "    extra: Extra context.\n    tags: [ALPHA]"),
     f"25: tag 'ALPHA' differs only in case from 'alpha' (line 16){ONE_TAG}"),
    ("tag-case-accents", variant("tags: [alpha]", "tags: [école, ÉCOLE]"),
     f"16: tag 'ÉCOLE' differs only in case from 'école' (line 16){ONE_TAG}"),
    ("tag-case-folded", variant("tags: [alpha]", "tags: [straße, STRASSE]"),
     f"16: tag 'STRASSE' differs only in case from 'straße' (line 16){ONE_TAG}"),
    ("tag-case-deck-and-note", variant("tags: [alpha]", "tags: [Testing]"),
     f"16: tag 'Testing' differs only in case from 'testing' (line 5){ONE_TAG}"),
    ("tag-case-of-the-kind", variant("tags: [alpha]", "tags: [Quiz]"),
     f"16: tag 'Quiz' differs only in case from 'quiz', the tag every quiz note gets{ONE_TAG}"),
    ("tag-case-of-the-slug", variant("tags: [testing]", "tags: [SMALL]"),
     f"5: tag 'SMALL' differs only in case from 'small', the tag every note gets{ONE_TAG}"),
]


@pytest.mark.parametrize(("name", "text", "expected"), LINE_BREAKS + ANKI_WOULD_CHANGE,
                         ids=[case[0] for case in LINE_BREAKS + ANKI_WOULD_CHANGE])
def test_values_must_match_whole_and_as_anki_keeps_them(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = write_source(tmp_path, text)
    with pytest.raises(InvalidSource) as caught:
        load_deck(path)
    assert [str(caught.value)] == [f"{path}:{expected}"]
    assert len(caught.value.problems) == 1


@pytest.mark.parametrize(("name", "text", "expected"), BAD_SOURCES, ids=[case[0] for case in BAD_SOURCES])
def test_bad_sources_fail_with_the_exact_line_and_message(
    tmp_path: Path, name: str, text: str, expected: str | None
) -> None:
    path = write_source(tmp_path, text)
    with pytest.raises(SourceError) as caught:
        load_deck(path)
    if expected is not None:
        assert str(caught.value) == f"{path}:{expected}"


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    text = variant("tags: [testing]", "tag: [testing]").replace('answer: "2015"', 'answer: ""')
    with pytest.raises(InvalidSource) as caught:
        load_deck(write_source(tmp_path, text))
    assert [(p.where.line, p.code) for p in caught.value.problems] == [(5, "E101"), (28, "E120")]


GOOD_VARIANTS = [
    ("as-shipped", SMALL_SOURCE),
    ("no-optional-keys", variant("version: 1.0.0\ntags: [testing]\n", "")),
    ("single-tag-scalar", variant("tags: [alpha]", "tags: alpha")),
    ("yes-no-stay-text", variant('answer: "2015"', "answer: no")),
    ("block-scalars", variant("    answer: Answers.", "    answer: |\n      - one\n      - two")),
    ("crlf", SMALL_SOURCE.replace("\n", "\r\n")),
    ("bom", "\ufeff" + SMALL_SOURCE),
    ("hierarchical-tags", variant("tags: [alpha]", "tags: [era::2014-2015, system::linchpin]")),
]


@pytest.mark.parametrize(("name", "text"), GOOD_VARIANTS, ids=[case[0] for case in GOOD_VARIANTS])
def test_good_sources_load(tmp_path: Path, name: str, text: str) -> None:
    deck = load_deck(write_source(tmp_path, text))
    assert deck.slug == "small" and len(deck.notes) == 6


def test_scalars_stay_text_and_values_are_typed(tmp_path: Path) -> None:
    deck = load_deck(write_source(tmp_path, variant('answer: "2015"', "answer: no")))
    quiz_two = next(note for note in deck.notes if note.id == "quiz-two")
    assert quiz_two.fields["answer"].text == "no"
    assert deck.source.date == "2025-01-31" and deck.version == "1.0.0"
    assert [note.kind for note in deck.notes] == ["learning", "learning", "quiz", "quiz", "deep-dive", "deep-dive"]
    assert deck.subdeck("deep-dive") == "Small Deck::3 Deep dive"


def test_loading_never_mutates_and_is_repeatable(tmp_path: Path) -> None:
    path = write_source(tmp_path)
    assert load_deck(path) == load_deck(path)


# --- a deck taken over from another tool (#16): guid, deck, optional kind and source, raw HTML, additions ---

TAKEN = """\
title: Taken over
slug: taken
deck: Taken
additions: []
note_types:
  - id: basic
    name: Basic
    anki_id: 1559383000
    fields: [Front, Back]
    templates:
      - name: Card 1
        front: "{{Front}}"
        back: "{{FrontSide}}<hr id=answer>{{Back}}"
    css: ""
notes:
  - id: one
    guid: "f{Xq1]x#Ah"
    deck: Taken::Sub
    type: basic
    tags: [Marked, a::b, Ärger]
    fields:
      Front: {html: "<b>one</b>  "}
      Back: Markdown *two*
  - id: two
    guid: b
    kind: quiz
    type: basic
    fields: {Front: {html: "e\\u0301 <i>x</i>"}, Back: y}
"""


def taken(old: str, new: str) -> str:
    assert TAKEN.count(old) == 1, old
    return TAKEN.replace(old, new)


GUID_HINT = "write the GUID the note has in Anki: 1 to 100 printable ASCII characters, no space"
TAKEN_BAD = [
    ("guid-space", taken("guid: b\n", 'guid: "a b"\n'), f"25: 'guid' in note 'two' is 'a b': {GUID_HINT}"),
    ("guid-empty", taken("guid: b\n", 'guid: ""\n'), f"25: 'guid' in note 'two' is '': {GUID_HINT}"),
    ("guid-not-ascii", taken("guid: b\n", "guid: é\n"), f"25: 'guid' in note 'two' is 'é': {GUID_HINT}"),
    ("guid-too-long", taken("guid: b\n", f"guid: {'x' * 101}\n"), f"25: 'guid' in note 'two' is '{'x' * 101}': "
                                                                  f"{GUID_HINT}"),
    ("guid-field-separator", taken("guid: b\n", 'guid: "a\\x1fb"\n'), f"25: 'guid' in note 'two' is 'a\x1fb': "
                                                                      f"{GUID_HINT}"),
    ("guid-a-list", taken("guid: b\n", "guid: [b]\n"), "25: 'guid' in note 'two' must be text, not a list"),
    ("guid-twice", taken("guid: b\n", 'guid: "f{Xq1]x#Ah"\n'),
     "24: note 'two' has the GUID f{Xq1]x#Ah, which note 'one' (line 16) has too: Anki would take the two for one "
     "note; a GUID belongs to one note"),
    ("guid-of-another-notes-id", taken("guid: b\n", "guid: Q!eKj)6Q`B\n").replace("id: one", "id: x"),
     None),  # checked below: a GUID another note's slug and id give
    ("no-kind-no-deck", taken("    kind: quiz\n", ""),
     "24: note 'two' is missing the required key 'kind': learning (cloze), quiz (question/answer) or deep-dive "
     "(either); or give it its own 'deck'"),
    ("bad-note-deck", taken("deck: Taken::Sub", "deck: Taken::::Sub"),
     "18: 'deck' in note 'one' is 'Taken::::Sub': Anki would name it 'Taken::blank::Sub'" + DECK_HINT),
    ("bad-addition", taken("additions: []", "additions: [tags, styles]"),
     "4: 'additions' entry 'styles' in the deck is not one of builder's additions (tags, subdecks, hashed-media, "
     "description)"),
    ("additions-empty", taken("additions: []", "additions:"),
     "4: 'additions' in the deck is empty: give it a value or remove the key"),
    ("raw-empty", taken('{html: "<b>one</b>  "}', '{html: ""}'), "22: 'Front' in note 'one' is empty: write it or "
                                                                 "remove the key"),
    ("raw-other-key", taken('{html: "<b>one</b>  "}', '{html: "a", md: "b"}'),
     "22: 'Front' of note 'one' must be Markdown text or {html: ...} (raw HTML, the one key)"),
    ("raw-a-list", taken('{html: "<b>one</b>  "}', '{html: [a]}'),
     "22: 'Front' of note 'one' must be Markdown text or {html: ...} (raw HTML, the one key)"),
    ("raw-field-separator", taken('{html: "<b>one</b>  "}', '{html: "a\\x1fb"}'),
     "22: 'Front' in note 'one' contains U+001F, the character Anki separates fields with: remove it"),
    ("builtin-note-without-source", taken("    type: basic\n    fields: {Front",
                                          "    question: q\n    answer: a\n    fields: {Front").replace(
                                              "    fields: {Front: {html: \"e\\u0301 <i>x</i>\"}, Back: y}\n", ""),
     "1: the deck is missing the key 'source' (the article or book it comes from): note 'two' has the built-in type "
     "qa, whose cards show it; give 'source', or give the note a type declared in note_types"),
]


@pytest.mark.parametrize(("name", "text", "expected"), [case for case in TAKEN_BAD if case[2]],
                         ids=[case[0] for case in TAKEN_BAD if case[2]])
def test_bad_values_of_a_deck_taken_over_are_one_line_each(tmp_path: Path, name: str, text: str, expected: str
                                                             ) -> None:
    path = write_source(tmp_path, text)
    with pytest.raises(InvalidSource) as caught:
        load_deck(path)
    assert [str(problem.where) + ": " + problem.message for problem in caught.value.problems] == [f"{path}:{expected}"]


def test_a_guid_another_note_s_slug_and_id_give_is_refused_too(tmp_path: Path) -> None:
    from builder.identity import note_guid

    path = write_source(tmp_path, taken("guid: b\n", f"guid: {json.dumps(note_guid('taken', 'three'))}\n")
                        + "  - {id: three, deck: Taken, type: basic, fields: {Front: x}}\n")
    with pytest.raises(InvalidSource) as caught:
        load_deck(path)
    assert [problem.code for problem in caught.value.problems] == ["E111"]
    assert caught.value.problems[0].message.startswith(f"note 'three' has the GUID {note_guid('taken', 'three')}, "
                                                       "which note 'two' (line 24) has too")


def test_a_deck_taken_over_holds_what_it_says_and_nothing_builder_adds(tmp_path: Path) -> None:
    from builder.assemble import assemble

    deck = load_deck(write_source(tmp_path, TAKEN))
    assert deck.source is None and deck.additions == frozenset()
    one, two = deck.notes
    assert (two.kind, two.deck) == ("quiz", None)
    assert (one.guid, one.deck, one.kind, one.tags) == ("f{Xq1]x#Ah", "Taken::Sub", None, ("Marked", "a::b", "Ärger"))
    assert one.fields["Front"].raw and not one.fields["Back"].raw
    assert deck.note_types["basic"].css == "" and deck.note_types["basic"].id == 1559383000
    first, second = assemble(deck)
    assert (first.guid, first.deck, first.tags) == ("f{Xq1]x#Ah", "Taken::Sub", ("Marked", "a::b", "Ärger"))
    assert first.fields == ("<b>one</b>  ", "Markdown <em>two</em>")  # raw: every character kept
    assert (second.guid, second.deck, second.tags) == ("b", "Taken", ())  # no subdeck, no slug or kind tag
    assert second.fields == ("\u00e9 <i>x</i>", "y")  # raw HTML after NFC, as Anki holds it


@pytest.mark.parametrize(("additions", "deck_of_two", "tags_of_two", "tags_of_one"), [
    ("", "Taken::2 Quiz", ("taken", "quiz"), ("taken", "Marked", "a::b", "Ärger")),  # absent: all four, as ever
    ("additions: [tags]\n", "Taken", ("taken", "quiz"), ("taken", "Marked", "a::b", "Ärger")),
    ("additions: [subdecks]\n", "Taken::2 Quiz", (), ("Marked", "a::b", "Ärger")),
    ("additions: hashed-media\n", "Taken", (), ("Marked", "a::b", "Ärger")),
])
def test_each_addition_is_the_author_s_call(tmp_path: Path, additions: str, deck_of_two: str,
                                            tags_of_two: tuple[str, ...], tags_of_one: tuple[str, ...]) -> None:
    from builder.assemble import assemble

    one, two = assemble(load_deck(write_source(tmp_path, taken("additions: []\n", additions))))
    assert (two.deck, two.tags, one.tags, one.deck) == (deck_of_two, tags_of_two, tags_of_one, "Taken::Sub")
