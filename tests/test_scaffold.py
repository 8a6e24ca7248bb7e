"""``builder new``: summary pages (the shipped one and variations) into sources that load and lint."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator, FormatChecker

from builder.cli import cli
from builder.errors import BuilderError
from builder.lint import check_source
from builder.scaffold import ScaffoldError, new_from_summary, new_skeleton, parse_summary, slug_for
from builder.schema import deck_schema
from builder.source import load_deck
from tests.conftest import REPO

PAGE = REPO / "tests" / "fixtures" / "summary-page.txt"
SLUG = "a-decade-of-ai-platform-at-pinterest"
LEARNINGS = (
    "Adoption of AI infrastructure is heavily influenced by organizational incentives and alignment with "
    "product goals.",
    "Foundational layers in AI platforms are temporary and must evolve with advancements in technology and "
    "modeling techniques.",
    "Local innovations can drive initial progress but often require a shared foundation to scale effectively "
    "across teams.",
    "Efficiency in AI platforms is achieved through a combination of modeling advancements and platform "
    "improvements working in tandem.",
    "The transition from individual team stacks to a unified platform necessitates overcoming technical and "
    "organizational challenges.",
)
QUESTIONS = (
    "What are the key factors that influenced the adoption of the AI platform at Pinterest?",
    "How did the transition from fragmented ML stacks to a unified platform impact the overall efficiency of AI "
    "model deployment?",
    "What trade-offs did the team face when implementing the Linchpin DSL for feature transformations?",
    "In what ways did organizational structure affect the technical decisions made during the development of the "
    "AI platform?",
    "How did the introduction of AutoML contribute to the scalability of DNNs within Pinterest's infrastructure?",
    "What lessons can be drawn from the challenges faced during the transition years between 2019 and 2020?",
)


def page(learnings: str, questions: str, head: str = "Pinterest\n22 min read\n\nA Title\n\nRead Full Article\n") -> str:
    return f"{head}\nKey Learnings\n\n{learnings}\nWho Should Read This\n\nEngineers.\n\n" \
           f"Test Your Knowledge\n\n{questions}\nTopics\n\nRead Full Article at Somewhere\n"


TWO = ("First learning about caching.", "Second learning: 2019 was the year.")
ASKED = ("Why cache?", "What happened in 2019?")
GLUED = "1First learning about caching.\n2Second learning: 2019 was the year.\n"
PLAIN_QUESTIONS = "Why cache?\nWhat happened in 2019?\n"
VARIATIONS = [
    ("glued numbers and bullets", page("  • 1First learning about caching.\n  • 2Second learning: 2019 was the year.\n",
                                       "?\n\nWhy cache?\n\n?\n\nWhat happened in 2019?\n")),
    ("extra blank lines", page("\n\n1First learning about caching.\n\n\n\n2Second learning: 2019 was the year.\n\n",
                               "\n?\n\n\n\nWhy cache?\n\n\n?\n\nWhat happened in 2019?\n\n\n")),
    ("dash bullets", page("- First learning about caching.\n- Second learning: 2019 was the year.\n",
                          "- Why cache?\n- What happened in 2019?\n")),
    ("bullets without numbers", page("• First learning about caching.\n• Second learning: 2019 was the year.\n",
                                     "• Why cache?\n• What happened in 2019?\n")),
    ("dotted numbers", page("1. First learning about caching.\n2. Second learning: 2019 was the year.\n",
                            "1. Why cache?\n2. What happened in 2019?\n")),
    ("parenthesised numbers", page("1) First learning about caching.\n2) Second learning: 2019 was the year.\n",
                                   "? Why cache?\n? What happened in 2019?\n")),
    ("question marks on the line", page("First learning about caching.\nSecond learning: 2019 was the year.\n",
                                        "? Why cache?\n?What happened in 2019?\n")),
    ("headings with colons and other case", page(GLUED, PLAIN_QUESTIONS)
     .replace("Key Learnings", "KEY LEARNINGS:").replace("Test Your Knowledge", "Test your knowledge:")),
    ("title on the first line only", page(GLUED, PLAIN_QUESTIONS, head="A Title\n")),
    ("title after the reading time", page(GLUED, PLAIN_QUESTIONS, head="Site\n5 min read\n\nA Title\n")),
]


def test_shipped_page() -> None:
    parsed = parse_summary(PAGE.read_text(encoding="utf-8"), PAGE)
    assert parsed.title == "A Decade of AI Platform at Pinterest"
    assert parsed.summary is not None
    assert parsed.summary.startswith("The article chronicles a decade of evolution in Pinterest's AI platform,")
    assert parsed.summary.endswith("shaped the platform's growth and efficiency.")
    assert parsed.learnings == LEARNINGS
    assert parsed.questions == QUESTIONS


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize(("name", "text"), VARIATIONS, ids=[name for name, _ in VARIATIONS])
def test_page_variations(name: str, text: str, crlf: bool) -> None:
    parsed = parse_summary(text.replace("\n", "\r\n") if crlf else text, Path("page.txt"))
    assert (parsed.title, parsed.learnings, parsed.questions) == ("A Title", TWO, ASKED)


@pytest.mark.parametrize(("learnings", "expected"), [
    ("1First\n2Second\n35G networks\n", ("First", "Second", "5G networks")),  # glued: the position goes
    ("1 in 5 teams adopt it.\nMost teams wait.\n", ("1 in 5 teams adopt it.", "Most teams wait.")),  # not a list
    ("2019 was the year.\n2020 followed.\n", ("2019 was the year.", "2020 followed.")),
])
def test_numbers_are_dropped_only_when_they_number_the_list(learnings: str, expected: tuple[str, ...]) -> None:
    assert parse_summary(page(learnings, "Why?\n"), Path("p.txt")).learnings == expected


@pytest.mark.parametrize(("text", "message"), [
    (page("1First\n", "Why?\n").replace("Key Learnings", "Key Points"),
     "p.txt: no 'Key Learnings' section: the page needs a line 'Key Learnings' followed by one learning per line"),
    (page("1First\n", "Why?\n").replace("Test Your Knowledge", "Quiz"),
     "p.txt: no 'Test Your Knowledge' section: the page needs a line 'Test Your Knowledge' followed by each "
     "question on its own line"),
    (page("\n\n", "Why?\n"), "p.txt:8: the 'Key Learnings' section is empty: list one learning per line under it"),
    (page("1First\n", "?\n\n?\n"),
     "p.txt:16: the 'Test Your Knowledge' section is empty: list each question on its own line under it"),
    (page("1First\n", "Why?\n", head=""), "p.txt: no title found: put the article's title on the page's first line"),
])
def test_page_errors(text: str, message: str) -> None:
    with pytest.raises(ScaffoldError) as caught:
        parse_summary(text, Path("p.txt"))
    assert str(caught.value) == message


def test_generated_source_loads_and_check_reports_the_placeholders(tmp_path: Path) -> None:
    created = new_from_summary(PAGE, tmp_path / "cardsrc")
    assert created.path == tmp_path / "cardsrc" / f"{SLUG}.yaml"
    text = created.path.read_text(encoding="utf-8")
    assert text.startswith(  # written outside a project: no schema there to point at
        "# Completion in editors: builder schema > deck.schema.json, then $schema=deck.schema.json on this line.\n")
    deck = load_deck(created.path)
    assert (deck.title, deck.slug, deck.deck_name) == ("A Decade of AI Platform at Pinterest", SLUG, deck.title)
    assert deck.description is not None and deck.description.text.startswith("The article chronicles")
    assert [note.kind for note in deck.notes] == ["learning"] * 5 + ["quiz"] * 6
    assert deck.notes[0].id == "learning-adoption-ai-infrastructure"
    assert deck.notes[0].fields["text"].text == (
        "Adoption of AI infrastructure is heavily influenced by organizational incentives and alignment with "
        "product {{c1::goals::TODO}}."
    )
    assert deck.notes[5].id == "quiz-key-factors-influenced-adoption"
    assert [note.fields["question"].text for note in deck.notes[5:]] == list(QUESTIONS)
    assert len({note.id for note in deck.notes}) == 11
    codes = [problem.code for problem in check_source(created.path)]
    assert sorted(codes) == ["L301"] * 6 + ["L304"] * 3 + ["L305"] * 5
    document = yaml.load(text, Loader=yaml.BaseLoader)
    assert Draft202012Validator(deck_schema(), format_checker=FormatChecker()).is_valid(document)


def test_cli_new_from_page_and_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["new", str(PAGE)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Created cardsrc/{SLUG}.yaml: 5 learnings, 6 questions.\n"
        f"Next: fill in what 'builder check cardsrc/{SLUG}.yaml' lists, then run 'builder build'.\n"
    )
    checked = runner.invoke(cli, ["check"])
    assert checked.exit_code == 1
    assert checked.stdout.splitlines()[-1] == (
        f"cardsrc/{SLUG}.yaml:84:13: L301 'answer' of note 'quiz-lessons-drawn-challenges-faced' is still TODO: "
        "write the answer"
    )
    assert checked.stderr == "Found 14 errors and 0 warnings in 1 source.\n"


def test_never_overwrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "decks" / "mine.yaml"
    target.parent.mkdir()
    target.write_text("my work\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["new", str(PAGE), "--slug", "mine", "--dir", "decks"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: decks/mine.yaml: already exists: builder new never overwrites a source; "
        "pick another --slug or remove it\n"
    )
    assert target.read_text(encoding="utf-8") == "my work\n"
    assert sorted(path.name for path in target.parent.iterdir()) == ["mine.yaml"]


def test_skeleton(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["new", "--title", "Linchpin: a DSL", "--dir", "decks"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "decks" / "linchpin-a-dsl.yaml"
    assert result.stdout.startswith("Created decks/linchpin-a-dsl.yaml: 1 learning, 1 question.\n")
    deck = load_deck(path)
    assert deck.title == deck.source.title == "Linchpin: a DSL"
    assert [note.id for note in deck.notes] == ["learning-write-one-fact", "quiz-ask-question-article-answers"]
    assert sorted(problem.code for problem in check_source(path)) == ["L301"] * 3 + ["L304"] * 3 + ["L305"]


@pytest.mark.parametrize("title", [
    "Linchpin: a DSL", "C++ # tips", '"Quoted" title', "yes", "null", "Ünïcödé 日本語", "A::B", "100%", "- dash",
])
def test_titles_round_trip_through_yaml(tmp_path: Path, title: str) -> None:
    created = new_skeleton(title, tmp_path, slug="deck")
    deck = load_deck(created.path)
    assert deck.title == title
    assert "::" not in deck.deck_name


@pytest.mark.parametrize(("title", "slug"), [
    ("A Decade of AI Platform at Pinterest", SLUG),
    ("Ünïcödé: Naïve Café", "unicode-naive-cafe"),
    ("Ünïcødé", "unicode"),  # ø has no accent to drop: NFKD alone made it 'unicde'
    ("Straße, Œuvre, Łódź, Þing, Ærø", "strasse-oeuvre-lodz-thing-aero"),
    ("Ελληνικά and 日本語 too", "and-too"),  # scripts with no Latin spelling are left out
    ("The quick brown fox jumps over the lazy dog, again and again and again",
     "the-quick-brown-fox-jumps-over-the-lazy-dog-again"),  # cut at a word, under 50 characters
])
def test_slug_for(title: str, slug: str) -> None:
    assert slug_for(title) == slug


def test_slug_needed_when_the_title_has_no_ascii_words(tmp_path: Path) -> None:
    with pytest.raises(BuilderError, match=r"cannot make a slug from the title '日本語' \(it has no Latin letters or "
                                           r"digits\): give one with --slug"):
        new_skeleton("日本語", tmp_path)
    assert new_skeleton("日本語", tmp_path, slug="nihongo").path == tmp_path / "nihongo.yaml"


def test_repeated_questions_get_distinct_ids(tmp_path: Path) -> None:
    summary = tmp_path / "page.txt"
    summary.write_text(page("1First\n", "Why cache?\n?\nWhy cache?\n?\nWhy, cache?\n"), encoding="utf-8")
    deck = load_deck(new_from_summary(summary, tmp_path / "out").path)
    assert [note.id for note in deck.notes] == ["learning-first", "quiz-cache", "quiz-cache-2", "quiz-cache-3"]


@pytest.mark.parametrize(("args", "message"), [
    ([], "Error: give a SUMMARY page, or --title for a skeleton"),
    (["page.txt", "--title", "T"], "Error: give a SUMMARY page or --title, not both"),
    (["--title", "T", "--slug", "Bad Slug"],
     "Error: Invalid value for '--slug': 'Bad Slug' is not a slug: use lowercase letters, digits and single dashes"),
    (["--title", "T", "--slug", "ab\n"],  # once taken as 'ab', and a source 'ab\n.yaml' written
     "Error: Invalid value for '--slug': 'ab\\n' is not a slug: use lowercase letters, digits and single dashes"),
    (["--title", ""], "Error: Invalid value for '--title': the title is empty: give the deck a title"),
    (["--title", " \t\x00 "], "Error: Invalid value for '--title': the title is empty: give the deck a title"),
    (["--title", "日本語"], "Error: Invalid value for '--title': cannot make a slug from the title '日本語' (it has no "
                          "Latin letters or digits): give one with --slug"),
])
def test_usage_errors(args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["new", *args])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("title", "slug", "shown"), [
    ("Ünïcødé", "unicode", "Ünïcødé"),
    ("日本語", "nihongo", "日本語"),  # nothing Latin to make a slug of: --slug gives one
    ("  Solar   System ", "solar-system", "Solar System"),
])
def test_new_with_a_title_writes_its_slug(title: str, slug: str, shown: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["new", "--title", title] + (["--slug", slug] if title == "日本語" else [])
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stdout.splitlines()[0]) == (0, f"Created cardsrc/{slug}.yaml: 1 learning, "
                                                                    "1 question.")
    assert load_deck(tmp_path / "cardsrc" / f"{slug}.yaml").title == shown


@pytest.mark.parametrize(("has_schema", "first_line"), [
    (True, "# yaml-language-server: $schema=../schema/deck.schema.json"),
    (False, "# Completion in editors: builder schema > deck.schema.json, then $schema=deck.schema.json on this line."),
])
def test_the_schema_line_never_points_at_a_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, has_schema: bool, first_line: str
) -> None:
    monkeypatch.chdir(tmp_path)
    if has_schema:
        (tmp_path / "schema").mkdir()
        (tmp_path / "schema" / "deck.schema.json").write_text("{}", encoding="utf-8")
    created = new_from_summary(PAGE, tmp_path / "cardsrc")
    assert created.path.read_text(encoding="utf-8").splitlines()[0] == first_line
