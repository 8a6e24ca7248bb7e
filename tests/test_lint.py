"""``builder check``: one fixture per rule with the exact line, column and code it reports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import cli
from builder.lint import check_source
from builder.lintrules import LINT_RULES, LOADER_RULES, RULES
from tests.conftest import REPO, SMALL_SOURCE, write_source

LINT = "tests/fixtures/lint"
SET_ADVICE = "sets are hard to recall, ask for the one that matters or give each item its own note"
BAD = "tests/fixtures/sources/bad"
SHIPPED = ("built with --unsafe-html, Anki runs or fetches it on every learner's device; keep it only if every "
           "learner can trust this source")
UNSAFE = ("w212", "w213")
"""The fixtures of what builds only with --unsafe-html: checked with the flag, as they are built."""
TYPED_ADVICE = ("the learner types it and Anki compares it letter by letter; keep it to a few plain words and move "
                "the rest to 'extra'")
HTML_ADVICE = ("allow_html keeps formatting, tables, images and links, never scripts or remote loads: "
               "remove it, or build with --unsafe-html if every learner can trust this source")


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root so reported paths are the short relative ones."""
    monkeypatch.chdir(REPO)


def check(*args: str) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(cli, ["check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout.splitlines(), result.stderr


LINT_CASES = [
    ("w201-answer-too-long", 0, [
        "18:7: W201 answer of note 'long-answer' has 41 words (more than 40): "
        "keep it to what a learner can recall, move the rest to 'extra'",
    ]),
    ("w201-deck-limit", 0, [
        "18:13: W201 answer of note 'wordy-answer' has 4 words (more than 3): "
        "keep it to what a learner can recall, move the rest to 'extra'",
        "21:11: W201 deletion c1 of note 'wordy-deletion' has 4 words (more than 3): delete a shorter key term",
    ]),
    ("w202-question-contains-answer", 0, [
        "16:15: W202 question of note 'giveaway-question' already contains its answer: reword one of them",
        "21:7: W202 card c1 of note 'giveaway-cloze' shows its own answer outside the deletion: "
        "reword the text or delete that too",
    ]),
    ("w205-unknown-ignored-code", 0, [
        "18:15: W205 lint ignore of note 'odd-ignore' names E110, a loader error that cannot be silenced: "
        "fix the source instead",
        "18:15: W205 lint ignore of note 'odd-ignore' names W299, which is not a lint rule",
    ]),
    ("w206-answer-is-a-set", 0, [
        f"18:7: W206 answer of note 'bullet-set' lists 4 items (more than 3): {SET_ADVICE}",
        f"26:13: W206 answer of note 'inline-set' lists 4 items (more than 3): {SET_ADVICE}",
        f"38:7: W206 card c1 of note 'cloze-set' hides 4 items (more than 3): {SET_ADVICE}",
    ]),
    ("w207-same-answer", 0, [
        "21:13: W207 note 'gpu-engagement-again' has the same answer as note 'gpu-engagement' (line 17): "
        "ask each about a different fact, or merge them",
        "25:7: W207 card c1 of note 'gpu-cloze' has the same answer as note 'gpu-engagement' (line 17): "
        "ask each about a different fact, or merge them",
    ]),
    ("w208-stale-time-word", 0, [
        "5:14: W208 description says 'nowadays', which goes stale: say when instead (e.g. 'as of 2025')",
        "17:15: W208 question of note 'stale-question' says 'today', which goes stale: "
        "say when instead (e.g. 'as of 2025')",
        "19:12: W208 extra of note 'stale-question' says 'currently' and 'so far', which go stale: "
        "say when instead (e.g. 'as of 2025')",
        "27:11: W208 text of note 'stale-cloze' says 'now', which goes stale: say when instead (e.g. 'as of 2025')",
    ]),
    ("w209-common-word-deletion", 0, [
        "16:11: W209 deletion c1 of note 'common-deletion' hides only 'into', a very common word guessed "
        "from the grammar: delete the key term instead",
        "19:11: W209 deletion c1 of note 'marked-common-word' hides only 'not', a very common word guessed "
        "from the grammar: delete the key term instead",
    ]),
    ("w210-html-sanitised-away", 0, [
        f"18:15: W210 'question' of note 'hostile' has HTML that sanitising removes: <script>; {HTML_ADVICE}",
        "20:7: W210 'answer' of note 'hostile' has HTML that sanitising removes: "
        f'<img src="https://example.com/track.png">, <img onerror="alert(1)">, <a href="javascript:alert(1)">; '
        f"{HTML_ADVICE}",
        "22:7: W210 'extra' of note 'hostile' has HTML that sanitising removes: "
        f'<span style="position: fixed">, <iframe>; {HTML_ADVICE}',
    ]),
    ("l301-todo-answer", 1, [
        "17:13: L301 'answer' of note 'todo-answer' is still TODO: write the answer",
        "20:15: L301 'question' of note 'todo-question' is still TODO: write the question",
    ]),
    ("l302-duplicate-question", 1, [
        "21:7: L302 note 'second-question' repeats the question of note 'first-question' (line 16): "
        "merge them or reword one",
    ]),
    ("w211-hint-meant-as-text", 0, [
        "16:11: W211 deletion c1 of note 'glued-path' shows 'std' with the hint 'vector', since Anki starts a hint "
        "at the first '::': to show 'std::vector', write it as code, {{c1::`std::vector`}} "
        "(or, if 'vector' is a hint, silence W211 on this note)",
        "19:11: W211 deletion c1 of note 'code-style-names' shows 'HashMap' with the hint 'new', since Anki starts "
        "a hint at the first '::': to show 'HashMap::new', write it as code, {{c1::`HashMap::new`}} "
        "(or, if 'new' is a hint, silence W211 on this note)",
        "19:11: W211 deletion c2 of note 'code-style-names' shows 'Vec' with the hint 'with_capacity', since Anki "
        "starts a hint at the first '::': to show 'Vec::with_capacity', write it as code, "
        "{{c2::`Vec::with_capacity`}} (or, if 'with_capacity' is a hint, silence W211 on this note)",
        "19:11: W211 deletion c3 of note 'code-style-names' shows 'Box' with the hint 'new()', since Anki starts "
        "a hint at the first '::': to show 'Box::new()', write it as code, {{c3::`Box::new()`}} "
        "(or, if 'new()' is a hint, silence W211 on this note)",
        "22:11: W211 deletion c1 of note 'two-separators' has more than one '::', so Anki shows 'tokio ' with the "
        "hint ' fs::read': to show 'tokio :: fs::read', write it as code, {{c1::`tokio :: fs::read`}}",
    ]),
    ("l303-whole-deletion", 1, [
        "16:11: L303 card c1 of note 'whole-deletion' shows nothing but its blank: "
        "the deletion covers the whole text, delete only the key term",
        "22:11: L303 card c1 of note 'nested-whole-deletion' shows nothing but its blank: "
        "the deletion covers the whole text, delete only the key term",
        "26:12: L303 deletion c2 in the extra of note 'deletion-in-extra' makes a card of its own that shows "
        "nothing (Anki makes cards of deletions in every field): move it into the text",
    ]),
    ("l304-placeholder-metadata", 1, [
        "7:11: L304 source author is still a placeholder ('TODO'): fill in the article's author",
        "8:9: L304 source date 1970-01-01 is builder new's placeholder: write the publication date",
        "9:8: L304 source url is still a placeholder ('https://example.invalid/TODO'): "
        "fill in the article's url",
    ]),
    ("l305-placeholder-cloze", 1, [
        "16:11: L305 note 'placeholder-cloze' still has the placeholder deletion '{{c1::advances::TODO}}': "
        "mark the key term as {{c1::...}} and drop '::TODO'",
    ]),
    ("l306-cloze-number-above-500", 1, [
        "16:11: L306 note 'far-numbers' has the cloze number c501, above 500: Anki keeps 500 cloze cards at most "
        "and makes the card of c501 a copy of card c500, so c501 never shows a blank of its own; "
        "number the deletions c1, c2, ...",
    ]),
    ("l307-type-in-answer", 1, [
        f"20:13: L307 the answer of type-in note 'typed-formatting' has formatting (a list, emphasis, code, a link "
        f"or an image): {TYPED_ADVICE}",
        f"25:13: L307 the answer of type-in note 'typed-sentence' has 8 words (more than 5): {TYPED_ADVICE}",
        f"31:7: L307 the answer of type-in note 'typed-lines' has more than one line: {TYPED_ADVICE}",
        f"42:13: L307 the answer of type-in note 'typed-cloze' has a cloze deletion ({{{{c1::...}}}}), which a "
        f"type-in note shows as written, braces and all: {TYPED_ADVICE}",
    ]),
    ("l308-cloze-without-deletion", 1, [
        "24:7: L308 note 'without-deletion' of the cloze type 'gap' has no deletion in any field, so it makes no "
        "card: mark a key term as {{c1::term}}",
        "30:7: L308 note 'raw-without-deletion' of the cloze type 'gap' has no deletion in any field, so it makes "
        "no card: mark a key term as {{c1::term}}",
    ]),
    ("w212-template-script", 0, [  # checked with --unsafe-html, as it builds only with the flag
        f"11:5: W212 note type 'vocab' has a remote load in its CSS: {SHIPPED}",
        f"11:5: W212 note type 'vocab' has a script in the back of template 'Recognise': {SHIPPED}",
        f"11:5: W212 note type 'vocab' has a script in the front of template 'Recognise': {SHIPPED}",
    ]),
    ("w213-raw-html-script", 0, [  # checked with --unsafe-html
        f"21:13: W213 'Back' of note 'chat' is raw HTML with a remote load: {SHIPPED}",
        f"21:13: W213 'Back' of note 'chat' is raw HTML with a script: {SHIPPED}",
        f"27:14: W213 'Front' of note 'chien' is raw HTML with a script: {SHIPPED}",
    ]),
    ("w214-unknown-filter", 0, [
        f"11:5: W214 note type 'vocab' uses the filter '{name}' in the {side} of template 'Recognise', which Anki "
        "does not have: it shows the field as if the filter were not there (unless an add-on on the learner's "
        "device supplies it); check its spelling"
        for name, side in (("Text", "back"), ("edit", "back"), ("hnit", "front"))
    ]),
    ("ignored-per-note", 0, []),
    ("ignored-per-deck", 0, []),
]

# The loader's own findings for the rules the issue lists, through ``builder check``.
LOADER_CASES = [
    ("e110-duplicate-id", [
        "14:5: E110 duplicate note id 'first-note' (first on line 11): ids must be unique, give this note a new one",
    ]),
    ("e104-bad-note-id", [
        "11:9: E104 'id' in note 'First_Note' is 'First_Note': use lowercase letters, digits and single dashes, "
        "e.g. 'linchpin-dsl'",
    ]),
    ("e140-tag-with-space", [
        "13:12: E140 'tags' entry 'machine learning' in note 'first-note' is not a valid Anki tag: "
        "no spaces or control characters (use - or ::)",
    ]),
    ("e101-unknown-note-key", [
        "14:5: E102 note 'second-note' is missing 'answer': write it",
        "17:5: E101 unknown key 'anwser' in note 'second-note': did you mean 'answer'?",
    ]),
    ("e130-no-deletion", ["13: E130 note 'first-note' has no cloze deletion: mark a key term as {{c1::term}}"]),
    ("e131-unbalanced-braces", [
        "13: E131 note 'first-note' has unbalanced cloze braces: every '{{' needs a '}}'",
    ]),
    ("e130-only-c0", [
        "13: E130 note 'first-note' has no cloze deletion: mark a key term as {{c1::term}} ({{c0::...}} makes no card)",
    ]),
    ("e132-cloze-number-too-big", [
        "13: E132 note 'first-note' has the cloze number c65536, above 65535, the highest Anki can import: "
        "number the deletions c1, c2, ...",
    ]),
    ("e133-deletion-in-link", [
        "13: E133 note 'first-note' has the deletion {{c1::...}} inside a link or image address, where Markdown "
        "drops it: put the deletion in the link's text, [{{c1::text}}](url)",
    ]),
    ("e120-null-answer", ["17:13: E120 'answer' in note 'second-note' is empty: give it a value or remove the key"]),
    ("e102-quiz-missing-answer", ["14:5: E102 note 'second-note' is missing 'answer': write it"]),
    ("e102-reverse-with-text", [
        "14:5: E102 note 'second-note' is a reverse note: it takes 'question', 'answer' and 'extra', not 'text'",
    ]),
    ("e102-type-in-missing-answer", ["14:5: E102 note 'second-note' is a type-in note: give it 'answer'"]),
    ("e102-cloze-type-with-question", [
        "14:5: E102 note 'second-note' is a cloze note: it takes 'text' and 'extra', not 'question'",
    ]),
    ("e104-bad-note-type", [
        "16:11: E104 'type' in note 'second-note' is 'basic': use one of cloze, qa, reverse, type-in",
    ]),
    ("e104-bad-anki-id", ["13:14: E104 'anki_id' in note type 'vocab' is '12ab': write the note type's id in Anki, "
                          "a whole number"]),
    ("e101-unknown-field-in-note", ["24:7: E101 unknown field 'Meanig' in note 'chat', a vocab note: did you mean "
                                    "'Meaning'?"]),
    ("e102-declared-note-no-card", ["19:5: E102 note 'chat' makes no card: each template's front shows a field it "
                                    "leaves empty (it fills Meaning)"]),
    ("e102-declared-note-with-question", ["19:5: E102 note 'chat' is a vocab note: it takes 'fields', not "
                                          "'question'"]),
    ("e170-template-unknown-field", ["17: E170 the back of template 'Recognise' of note type 'vocab' shows "
                                     "{{Meanig}}, a field the type does not have (its fields: Word, Meaning)"]),
    ("e170-cloze-type-without-cloze", ["17: E170 the front of template 'Cloze' of note type 'sentence' has no "
                                       "{{cloze:Field}}, which a cloze type needs on both sides"]),
    ("e100-duplicate-key", [
        "18:5: E100 duplicate key 'answer' (first on line 17): remove or rename one, "
        "YAML would silently keep only the last",
    ]),
]


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize(("name", "exit_code", "lines"), LINT_CASES, ids=[case[0] for case in LINT_CASES])
def test_lint_rule_fixture(name: str, exit_code: int, lines: list[str]) -> None:
    path = f"{LINT}/{name}.yaml"
    code, stdout, _ = check(path, *["--unsafe-html"] * name.startswith(UNSAFE))
    assert stdout == [f"{path}:{line}" for line in lines]
    assert code == exit_code


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize("name", ["w212-template-script", "w213-raw-html-script"])
def test_what_builds_only_with_unsafe_html_is_an_error_without_the_flag(name: str) -> None:
    """The build refuses it without the flag, so check does too: E167 and E168 for W212 and W213, same places."""
    path = f"{LINT}/{name}.yaml"
    code, stdout, _ = check(path)
    (_, _, expected), = (case for case in LINT_CASES if case[0] == name)
    refused = "a build refuses it without --unsafe-html, as Anki would run or fetch it on every learner's device"
    assert code == 1
    assert stdout == [f"{path}:{line}".replace(" W212 ", " E167 ").replace(" W213 ", " E168 ").replace(SHIPPED, refused)
                      for line in expected]


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize(("name", "lines"), LOADER_CASES, ids=[case[0] for case in LOADER_CASES])
def test_loader_problems_are_reported_with_their_codes(name: str, lines: list[str]) -> None:
    path = f"{BAD}/{name}.yaml"
    code, stdout, stderr = check(path)
    assert stdout == [f"{path}:{line}" for line in lines]
    assert code == 1
    assert stderr == f"Found {len(lines)} error{'s' * (len(lines) > 1)} and 0 warnings in 1 source.\n"


TESTED_ELSEWHERE = {"W215", "W216"}
"""Found against a lock with ``check --allow-schema-change``: tests/test_lockgate.py releases a deck first; a
journal a killed build left: tests/test_journal.py leaves a real one."""


def test_every_lint_rule_has_a_fixture() -> None:
    reported = {re.search(r": ([WL]\d{3}) ", line)[1] for _, _, lines in LINT_CASES for line in lines}  # type: ignore[index]
    assert reported | TESTED_ELSEWHERE == {rule.code for rule in LINT_RULES}


def test_clean_source_passes_strict(tmp_path: Path) -> None:
    source = write_source(tmp_path)
    code, stdout, stderr = check("--strict", str(source))
    assert (code, stdout, stderr) == (0, [], "All checks passed (1 source).\n")


@pytest.mark.usefixtures("in_repo")
def test_warnings_fail_only_with_strict() -> None:
    path = f"{LINT}/w201-answer-too-long.yaml"
    assert check(path)[0] == 0
    code, stdout, stderr = check("--strict", path)
    assert code == 1
    assert len(stdout) == 1
    assert stderr == "Found 0 errors and 1 warning in 1 source.\n"


@pytest.mark.usefixtures("in_repo")
def test_problems_of_several_sources_are_sorted_by_file_line_column() -> None:
    paths = [f"{LINT}/l304-placeholder-metadata.yaml", f"{LINT}/l301-todo-answer.yaml", f"{BAD}/e110-duplicate-id.yaml"]
    code, stdout, stderr = check(*paths)
    assert [line.split(": ")[0] for line in stdout] == [
        f"{LINT}/l301-todo-answer.yaml:17:13",
        f"{LINT}/l301-todo-answer.yaml:20:15",
        f"{LINT}/l304-placeholder-metadata.yaml:7:11",
        f"{LINT}/l304-placeholder-metadata.yaml:8:9",
        f"{LINT}/l304-placeholder-metadata.yaml:9:8",
        f"{BAD}/e110-duplicate-id.yaml:14:5",
    ]
    assert code == 1
    assert stderr == "Found 6 errors and 0 warnings in 3 sources.\n"


def test_unreadable_source_is_an_e100_finding_and_the_others_are_still_checked(tmp_path: Path) -> None:
    good = write_source(tmp_path)
    missing = tmp_path / "missing.yaml"
    result = CliRunner().invoke(cli, ["check", str(missing), str(good)])
    assert result.stdout == f"{missing}: E100 no such file: check the path\n"
    assert result.exit_code == 1


def test_check_defaults_to_cardsrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_source(tmp_path / "cardsrc", SMALL_SOURCE.replace('answer: "2015"', "answer: TODO"))
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = check()
    assert code == 1
    assert stdout == ["cardsrc/small.yaml:28:13: L301 'answer' of note 'quiz-two' is still TODO: write the answer"]


@pytest.mark.parametrize(("question", "answer", "flagged"), [
    ("What is the answer?", "The.", False),  # stopwords alone never count
    ("Which system replaced Linchpin?", "UFR", False),
    ("Which system, UFR, replaced Linchpin?", "**UFR**", True),  # Markdown marks are ignored
    ("Was it ufr or not?", "UFR", True),  # case-insensitive
    ("Which team used UFRs?", "UFR", False),  # whole words only
])
def test_question_containing_its_answer(tmp_path: Path, question: str, answer: str, flagged: bool) -> None:
    source = write_source(tmp_path, SMALL_SOURCE.replace(
        "question: Who built Linchpin?\n    answer: A senior staff engineer in Home Feed.",
        f"question: {question}\n    answer: {answer!r}",
    ))
    codes = [problem.code for problem in check_source(source)]
    assert codes == (["W202"] if flagged else [])


def test_the_checks_page_documents_every_rule() -> None:
    page = (REPO / "docs" / "reference" / "checks.md").read_text(encoding="utf-8")
    for rule in LOADER_RULES + LINT_RULES:
        assert f"| {rule.code} | {rule.severity} | {rule.summary} |" in page, rule.code
    assert len(RULES) == len(LOADER_RULES) + len(LINT_RULES)
