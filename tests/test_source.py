"""Loading and validating sources: a table of good and bad sources with exact errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import InvalidSource, SourceError
from builder.source import load_deck
from tests.conftest import SMALL_SOURCE, write_source


def variant(old: str, new: str) -> str:
    assert SMALL_SOURCE.count(old) == 1, old
    return SMALL_SOURCE.replace(old, new)


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
     "16: 'tags' entry 'alpha beta' in note 'learn-one' is not a valid Anki tag: no spaces or quotes (use - or ::)"),
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
     "3: 'deck' in the deck is 'Small::::Deck': one line, parts separated by '::', none empty"),
]


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
    assert deck.subdeck("deep-dive") == "Small Deck::Deep dive"


def test_loading_never_mutates_and_is_repeatable(tmp_path: Path) -> None:
    path = write_source(tmp_path)
    assert load_deck(path) == load_deck(path)
