"""Flashcard-craft measures, each on a table of answers it must and must not flag."""

from __future__ import annotations

import pytest

from builder.craft import (
    answer_key,
    card_answers,
    common_word,
    deletions,
    joins_names_like_code,
    set_size,
    significant,
    stale_time_words,
    stopwords,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("A {{c1::term}} and {{c2::another term::hint}}.", [(1, "term", None), (2, "another term", "hint")]),
    ("{{c3::multi\nline}}", [(3, "multi\nline", None)]),
    ("no deletion", []),
    ("Outer {{c1::a {{c2::b}} c}}", [(1, "a b c", None), (2, "b", None)]),
    ("{{c1::}} and {{c2,3::real}}", [(1, "", None), (2, "real", None), (3, "real", None)]),
    ("{{c1::`std::vector`}} {{c2::std::vector}}", [(1, "`std::vector`", None), (2, "std", "vector")]),
    ("{{c1::\\(\\frac{{1}}{2}\\)}}", [(1, "\\(\\frac{{1}}{2}\\)", None)]),
])
def test_deletions(text: str, expected: list[tuple[int, str, str | None]]) -> None:
    assert deletions(text) == expected


def test_card_answers_group_deletions_by_card() -> None:
    text = "{{c1::Spark}} and {{c2::Ray::engine}} fed {{c1::Airflow}}."
    assert card_answers(text) == {1: ["Spark", "Airflow"], 2: ["Ray"]}


def test_significant_words_drop_stopwords_and_punctuation() -> None:
    assert significant("What is *the* DSL of Home-Feed?") == ["dsl", "home", "feed"]


@pytest.mark.parametrize(("answer", "size"), [
    ("- a\n- b\n- c\n- d", 4),
    ("1. a\n2) b\n3. c\n4. d\n5. e", 5),
    ("* a\n+ b\n- c", 3),
    ("Three parts:\n- a\n- b\n  - nested detail\n- c", 3),  # nested items elaborate, they do not count
    ("```\n- a\n- b\n- c\n- d\n```\n- the only item", 1),  # list marks inside a code block are code
    ("-not a list\n-2 either", 1),
    ("Spark, Ray, Airflow and Kubernetes.", 4),
    ("Spark, Ray, Airflow, and Kubernetes", 4),  # Oxford comma
    ("Spark; Ray; Airflow or Kubernetes", 4),
    ("PySpark, the Training Compute Platform (TCP, on Kubernetes) and ModelHub.", 3),  # parentheses are one item
    ("Home Feed, Related Pins and Ads", 3),
    ("A, B, C, D", 1),  # no closing 'and'/'or': a sentence as often as a set
    ("It was slow, it was hard to debug, every change needed a new release and nobody owned it.", 1),
    ("Hundreds of millions.", 1),
    ("1,000, 2,000, 3,000 and 4,000", 4),  # thousands separators are not item separators
    ("Training-serving skew.", 1),
])
def test_set_size(answer: str, size: int) -> None:
    assert set_size(answer) == size


@pytest.mark.parametrize(("first", "second", "same"), [
    ("16%.", "**16 %**", True),
    ("Training-serving skew.", "training serving SKEW", True),
    ("UFR (Unified Feature Representation).", "UFR", False),
    ("100x", "100 x", False),
    ("Ray", "Spark", False),
])
def test_answer_key_ignores_case_spacing_punctuation_and_markdown(first: str, second: str, same: bool) -> None:
    assert (answer_key(first) == answer_key(second)) is same


@pytest.mark.parametrize(("text", "found"), [
    ("How many GPUs does it use today?", ["today"]),
    ("Today's platform", ["today"]),
    ("It currently spans thousands of GPUs, the largest fleet so far.", ["currently", "so far"]),
    ("Ray is now the default; recently, Spark was.", ["now", "recently"]),
    ("Nowadays, at the moment, these days, at present, to date", ["nowadays", "at the moment", "these days",
                                                                  "at present", "to date"]),
    ("This year and last year, but not next year.", ["this year", "last year", "next year"]),
    ("As of 2025 it serves hundreds of millions of inferences per second.", []),
    ("I know the snowy nowhere of ServiceNow.", []),  # whole words only
    ("Docs kept up to date.", []),  # 'up to date' says nothing about when
    ('He called it "the platform of today".', []),  # quotations keep the speaker's time
    ("He called it “state of the art now”.", []),
    ("Call `now()` or see https://example.com/today or [this](https://x.org/now).", []),
    ("```\nrecently = True\n```", []),
    ("~~~\nnow = 1\n~~~", []),
    ("In 2018 the team was small.", []),
])
def test_stale_time_words(text: str, found: list[str]) -> None:
    assert stale_time_words(text) == found


@pytest.mark.parametrize(("content", "word"), [
    ("the", "the"),
    ("**Not**", "not"),
    ("into ", "into"),
    ("instead of", None),  # two words: a phrase, not a grammar guess
    ("two", None),  # numbers are facts
    ("first", None),
    ("Ray", None),
    ("C++", None),
])
def test_common_word(content: str, word: str | None) -> None:
    assert common_word(content) == word


def test_stopwords_ship_as_package_data() -> None:
    words = stopwords()
    assert {"the", "and", "of", "not", "into"} <= words
    assert not {"one", "two", "first", "ray", "todo", ""} & words
    assert all(word == word.strip().lower() and " " not in word for word in words)


@pytest.mark.parametrize(("content", "hint", "code"), [
    ("std", "vector", True),
    ("HashMap", "new", True),
    ("Vec", "with_capacity", True),
    ("Box", "new()", True),
    ("std", "vector<int>", True),
    ("io_uring", "opcode", True),
    ("Paris", "city", False),  # a hint, as far as anyone can tell
    ("mitochondria", "organelle", False),
    ("a", "b c", False),
    ("Paris ", "city", False),
    ("`a::b`", "path", False),
    ("std", " vector", False),
])
def test_a_double_colon_that_joins_names_like_code(content: str, hint: str, code: bool) -> None:
    assert joins_names_like_code(content, hint) is code
