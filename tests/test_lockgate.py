"""What a source may not do against its lock: ``builder check`` reports exactly what ``builder build`` refuses.

Each case releases a deck, edits its source, and asks both commands: check
names the refusal with its code at file:line:col and exits 1; the build
refuses with the same message at the same line, writing nothing. Why Anki
makes each of them a refusal is shown in the real engine where the rule was
made (tests/test_builtin_types.py, tests/test_declared_types.py,
tests/test_takeover.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from builder.cli import cli
from builder.identity import note_guid, note_type_id
from builder.lockgate import lock_problems
from builder.lockread import read_lock
from builder.source import load_deck
from tests.conftest import SMALL_SOURCE, write_source
from tests.test_declared_types import SOURCE as FRENCH

QUIZ_ONE = "  - id: quiz-one\n    kind: quiz\n"
VOCAB_ID = note_type_id("french", "vocab")
RENAMED = [("fields: [Word, Meaning, Example]", "fields: [Word, Meaning, Sentence]"), ("Example}}", "Sentence}}"),
           ("Example: Le", "Sentence: Le")]
SCHEMA = ("the vocab note type's field or template names would change; Anki would import a copy ('Name+') and skip "
          "every existing note. If you really mean it, build with --allow-schema-change and import with 'Merge note "
          "types' (see docs/rebuild-loop.md)")

SENTENCE_TYPE = FRENCH[FRENCH.index("  - id: sentence\n    name"):FRENCH.index("  - id: unused")]
QUIZ_ONE_GUID = note_guid("small", "quiz-one")
VOCAB_NAME = "    name: French vocabulary\n"
DEEP_ONE = "  - id: deep-one\n    kind: deep-dive\n"

CASES = [
    ("E162-type", "small", [(QUIZ_ONE, QUIZ_ONE + "    type: reverse\n")],
     "small.yaml:20:5: E162 note 'quiz-one' changed its type from qa to reverse: Anki never changes a note's type "
     "on import and would skip this note as conflicting, so no learner would get it; keep type qa, or give the "
     "note a new id (the old one is retired)"),
    ("E161-guid", "small", [(QUIZ_ONE, QUIZ_ONE + '    guid: "other"\n')],
     f"small.yaml:20:5: E161 note 'quiz-one': the lock gives it GUID {note_guid('small', 'quiz-one')}; a GUID "
     "never changes, or learners get a duplicate and lose its history: give it "
     f"'guid: {note_guid('small', 'quiz-one')}', or the GUID it had"),
    ("E163-guid-taken", "small", [("  - id: quiz-one\n", f'  - id: quiz-new\n    guid: "{QUIZ_ONE_GUID}"\n')],
     f"small.yaml:20:5: E163 note 'quiz-new' has the GUID {note_guid('small', 'quiz-one')}, which note 'quiz-one' "
     "has in the lock: Anki would take the two for one note; give it a GUID of its own"),
    ("E164-type-id", "french", [(VOCAB_NAME, VOCAB_NAME + "    anki_id: 1234567\n")],
     f"french.yaml:10:5: E164 note type 'vocab' had the id {VOCAB_ID} in the last release and would have 1234567: "
     f"Anki would take it for another type and skip every note of it as conflicting; keep its id "
     f"(anki_id: {VOCAB_ID})"),
    ("E165-type-gone", "french", [(SENTENCE_TYPE, ""), (FRENCH[FRENCH.index("  - id: dort"):], "")],
     "french.yaml:10:3: E165 notes of the last release have the note type 'sentence', which this deck does not "
     "have: keep its declaration in note_types (retired notes keep their type too)"),
    ("E166-schema", "french", RENAMED, f"french.yaml:10:5: E166 {SCHEMA}"),
]


def released(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deck: str) -> Path:
    """A project whose deck ``deck`` (the small or the French one) has one release, as the working directory."""
    source = write_source(tmp_path / "cardsrc", SMALL_SOURCE if deck == "small" else FRENCH, f"{deck}.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert CliRunner().invoke(cli, ["build"]).exit_code == 0
    return source


def edited(source: Path, edits: list[tuple[str, str]]) -> None:
    text = source.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    source.write_text(text, encoding="utf-8")


def files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file() and ".builder-cache" not in path.parts}


@pytest.mark.parametrize(("deck", "edits", "finding"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_check_reports_what_the_build_refuses_against_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deck: str, edits: list[tuple[str, str]], finding: str
) -> None:
    source = released(tmp_path, monkeypatch, deck)
    edited(source, edits)
    before = files(tmp_path)
    checked = CliRunner().invoke(cli, ["check"])
    assert (checked.exit_code, checked.stdout) == (1, f"cardsrc/{finding}\n")
    where, _, message = finding.partition(": ")
    line = where.rsplit(":", 1)[0]
    built = CliRunner().invoke(cli, ["build"])
    assert (built.exit_code, built.stdout, built.stderr) == (1, "", f"Error: cardsrc/{line}: {message[5:]}\n")
    assert files(tmp_path) == before  # neither wrote anything


def test_a_schema_change_the_flag_allows_is_a_warning_with_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check --allow-schema-change`` passes what ``build --allow-schema-change`` builds, and says what it means."""
    source = released(tmp_path, monkeypatch, "french")
    edited(source, RENAMED)
    checked = CliRunner().invoke(cli, ["check", "--allow-schema-change"])
    assert (checked.exit_code, checked.stdout) == (0, (
        "cardsrc/french.yaml:10:5: W215 the vocab note type's field or template names change: a major release, "
        "which learners must import with 'Merge note types', or Anki would import a copy ('Name+') and skip every "
        "existing note (see docs/rebuild-loop.md)\n"))
    assert CliRunner().invoke(cli, ["check", "--allow-schema-change", "--strict"]).exit_code == 1
    built = CliRunner().invoke(cli, ["build", "--allow-schema-change"])
    assert (built.exit_code, built.stdout) == (0, "Built dist/french-2.0.0.apkg: 3 notes, 5 cards (version 2.0.0)\n")
    # the lock that release wrote reads back: its notes' earlier states named the fields before the rename
    assert CliRunner().invoke(cli, ["check"]).exit_code == 0
    again = CliRunner().invoke(cli, ["build", "--no-cache"])
    assert (again.exit_code, again.stdout) == (
        0, "Unchanged dist/french-2.0.0.apkg: 3 notes, 5 cards (version 2.0.0)\n")


def test_the_findings_need_no_rendering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case at once, found from the deck and the lock alone: no field is rendered to decide them."""
    from builder import render

    source = released(tmp_path, monkeypatch, "small")
    edited(source, [(QUIZ_ONE, QUIZ_ONE + "    type: reverse\n"), (DEEP_ONE, DEEP_ONE + '    guid: "x"\n')])

    def no_rendering(*args: object, **kwargs: object) -> None:
        raise AssertionError("rendered")

    monkeypatch.setattr(render.Renderer, "field", no_rendering)
    monkeypatch.setattr(render, "render_field", no_rendering)
    deck = load_deck(source)
    found = lock_problems(deck, read_lock(source.with_name("small.lock")))
    assert [(problem.code, problem.where.line) for problem in found] == [("E162", 20), ("E161", 30)]
    assert lock_problems(deck, None) == []


def test_a_rebuild_with_nothing_to_report_parses_the_source_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Places parse the source again only to place a finding: a clean rebuild of a released deck has none."""
    from builder import places

    source = released(tmp_path, monkeypatch, "french")  # a declared type and built-in ones, all in the lock
    parsed: list[Path] = []
    real_parse = places.parse
    monkeypatch.setattr(places, "parse", lambda text, path: parsed.append(path) or real_parse(text, path))
    assert lock_problems(load_deck(source), read_lock(source.with_name("french.lock"))) == []
    assert parsed == []
    edited(source, RENAMED)  # the probe is not blind: a finding is placed from a second parse
    assert [problem.code for problem in lock_problems(load_deck(source), read_lock(source.with_name("french.lock")))] \
        == ["E166"]
    assert parsed == [source]


@pytest.mark.parametrize(("damage", "finding"), [
    (lambda lock: {**lock, "slug": "other", "apkg": "other-1.0.0.apkg"},
     "small.lock: E160 the lock belongs to 'other', not 'small'"),
    (lambda lock: {**lock, "notes": {**lock["notes"], "quiz-one": {**lock["notes"]["quiz-one"], "mod": 4_102_444_800}}},
     "small.lock: E160 holds times up to 2100-01-01 00:00:00 UTC, more than a minute ahead of this computer's "
     "clock, as if written on a machine whose clock ran ahead: notes changed now would be stamped later still, and "
     "Anki would let them overwrite learners' edits until then; build again after 2100-01-01 00:00:00 UTC, or set "
     "this computer's clock right if it is the one that is wrong"),
], ids=["another-deck-s", "times-ahead"])
def test_check_reports_a_lock_the_build_cannot_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: Any, finding: str
) -> None:
    source = released(tmp_path, monkeypatch, "small")
    lock_file = source.with_name("small.lock")
    lock_file.write_text(json.dumps(damage(json.loads(lock_file.read_text()))), encoding="utf-8")
    before = files(tmp_path)
    checked = CliRunner().invoke(cli, ["check"])
    assert (checked.exit_code, checked.stdout) == (1, f"cardsrc/{finding}\n")
    built = CliRunner().invoke(cli, ["build"])
    where, _, message = finding.partition(": ")
    assert (built.exit_code, built.stdout, built.stderr) == (1, "", f"Error: cardsrc/{where}: {message[5:]}\n")
    assert files(tmp_path) == before


# --- a lock tampered with after its release: check and build refuse it alike, nothing written ----------------
DAMAGED = "the lock is damaged: "
RESTORE = ": restore it from version control"
NOT_REPRODUCED = "the lock does not reproduce its release: building version 1.0.0 again "
BY_HAND = "; it was edited by hand or written by another builder: restore it from version control"


def lock_edit(change: Any) -> Any:
    """An edit of the released small deck's lock JSON, written back as builder writes locks."""
    def edit(text: str) -> str:
        return json.dumps(change(json.loads(text)), indent=1, ensure_ascii=False) + "\n"
    return edit


def note_value(note_id: str, key: str, value: object) -> Any:
    return lock_edit(lambda lock: {**lock, "notes": {**lock["notes"], note_id: {**lock["notes"][note_id], key: value}}})


def release_sha(root: Path) -> str:
    return json.loads((root / "cardsrc" / "small.lock").read_text())["apkg_sha256"]  # type: ignore[no-any-return]


TAMPERED: list[tuple[str, Any, str, bool]] = [
    # (name, edit of the lock's text, the message, whether the released .apkg is deleted from dist/ first)
    ("duplicate-top-key", lambda text: text.replace(' "version": "1.0.0",', ' "version": "1.0.0", "version": "9.0.0",'),
     f'{DAMAGED}the file has the key "version" twice{RESTORE}', False),
    ("duplicate-note-key", lambda text: text.replace('   "mod": 1700000000,', '   "mod": 1700000000,\n   "mod": 1,', 1),
     f'{DAMAGED}notes.deep-one has the key "mod" twice{RESTORE}', False),
    ("unknown-top-key", lock_edit(lambda lock: {**lock, "colour": "red"}),
     f'{DAMAGED}the file has the key "colour", which a lock never holds{RESTORE}', False),
    ("unknown-note-key", note_value("quiz-one", "colour", "red"),
     f'{DAMAGED}notes.quiz-one has the key "colour", which a lock never holds{RESTORE}', False),
    ("unknown-note-type-key", lock_edit(lambda lock: {**lock, "note_types": {
        **lock["note_types"], "qa": {**lock["note_types"]["qa"], "css": ""}}}),
     f'{DAMAGED}note_types.qa has the key "css", which a lock never holds{RESTORE}', False),
    ("unknown-history-key", lock_edit(lambda lock: {**lock, "history": [{**lock["history"][0], "by": "me"}]}),
     f'{DAMAGED}history[0] has the key "by", which a lock never holds{RESTORE}', False),
    ("guid-changed", note_value("quiz-one", "guid", "zzz"),
     f'{DAMAGED}notes.quiz-one.guid is "zzz", not "{QUIZ_ONE_GUID}", the GUID builder gives note \'quiz-one\', '
     "which has no guid in the source: unless the source gave it that guid before, the lock was edited by hand: "
     "restore it from version control", False),
    ("type-unknown", note_value("quiz-one", "type", "zz"),
     f'{DAMAGED}notes.quiz-one.type is "zz", not a note type the lock records (cloze, qa){RESTORE}', False),
    ("type-of-other-fields", note_value("quiz-one", "type", "cloze"),
     f"{DAMAGED}notes.quiz-one.fields names Answer, Extra, Question, Source, not the fields of its type cloze "
     f"(Text, Extra, Source){RESTORE}", False),
    ("mod-before-its-release", note_value("deep-one", "mod", 1_699_000_000),
     f"{DAMAGED}notes.deep-one.mod is 1699000000 (2023-11-03 08:26:40 UTC), before release 1.0.0 of 2023-11-14, "
     f"which changed the note{RESTORE}", True),
    ("mod-lowered", note_value("deep-one", "mod", 1_699_990_000), "SHA", True),
    ("mod-lowered-apkg-kept", note_value("deep-one", "mod", 1_699_990_000), "SHA", False),
    ("mod-raised", note_value("deep-one", "mod", 1_700_000_001), "SHA", True),
    ("apkg-sha256", lock_edit(lambda lock: {**lock, "apkg_sha256": "0" * 64}),
     f"{NOT_REPRODUCED}gives an .apkg whose sha256 is RELEASED…, not the 000000000000… it records{BY_HAND}", True),
    ("apkg-sha256-apkg-kept", lock_edit(lambda lock: {**lock, "apkg_sha256": "0" * 64}),
     f"{NOT_REPRODUCED}gives an .apkg whose sha256 is RELEASED…, not the 000000000000… it records{BY_HAND}", False),
    ("field-hash", lock_edit(lambda lock: {**lock, "notes": {**lock["notes"], "quiz-one": {
        **lock["notes"]["quiz-one"], "fields": {**lock["notes"]["quiz-one"]["fields"], "Extra": "0" * 16}}}}),
     f'{NOT_REPRODUCED}writes notes.quiz-one.fields.Extra as "cc618d9ee3fadaae", where the lock holds '
     f'"0000000000000000"{BY_HAND}', False),
    ("summary", note_value("quiz-one", "summary", "Edited"),
     f'{NOT_REPRODUCED}writes notes.quiz-one.summary as "What is the first quiz question about?", where the lock holds '
     f'"Edited"{BY_HAND}', False),
]


@pytest.mark.parametrize(("edit", "message", "apkg_deleted"), [case[1:] for case in TAMPERED],
                         ids=[case[0] for case in TAMPERED])
def test_a_lock_tampered_after_its_release_is_refused_by_check_and_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Any, message: str, apkg_deleted: bool
) -> None:
    """Hand edits of a released lock: never 'repaired' silently, never a release of other bytes under its version."""
    source = released(tmp_path, monkeypatch, "small")
    sha = release_sha(tmp_path)
    lock_file = source.with_name("small.lock")
    lock_file.write_text(edit(lock_file.read_text(encoding="utf-8")), encoding="utf-8")
    if apkg_deleted:
        (tmp_path / "dist" / "small-1.0.0.apkg").unlink()
    before = files(tmp_path)
    built = CliRunner().invoke(cli, ["build"])
    assert (built.exit_code, built.stdout) == (1, "")
    if message == "SHA":  # the package's bytes differ from the release's: the sha256 is all there is to compare
        assert built.stderr.startswith(f"Error: cardsrc/small.lock: {NOT_REPRODUCED}gives an .apkg whose sha256 is ")
        assert built.stderr.endswith(f"…, not the {sha[:12]}… it records{BY_HAND}\n")
    else:
        assert built.stderr == f"Error: cardsrc/small.lock: {message.replace('RELEASED', sha[:12])}\n"
    assert files(tmp_path) == before
    checked = CliRunner().invoke(cli, ["check"])
    assert (checked.exit_code, checked.stdout) == (1, f"cardsrc/small.lock: E160 {built.stderr[27:]}")
    assert files(tmp_path) == before


def test_the_same_lock_builds_its_release_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The genuine flow: dist/ lost (a fresh clone), the build makes the release the lock records, byte for byte."""
    source = released(tmp_path, monkeypatch, "small")
    lock_before = source.with_name("small.lock").read_bytes()
    apkg = tmp_path / "dist" / "small-1.0.0.apkg"
    released_bytes = apkg.read_bytes()
    for path in (tmp_path / "dist").iterdir():
        path.unlink()
    built = CliRunner().invoke(cli, ["build", "--no-cache"])
    assert (built.exit_code, built.stdout) == (0, "Built dist/small-1.0.0.apkg: 6 notes, 7 cards (version 1.0.0)\n")
    assert apkg.read_bytes() == released_bytes
    assert source.with_name("small.lock").read_bytes() == lock_before


def test_a_note_taken_over_keeps_the_guid_rule_of_e161(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deck whose notes carry their own GUIDs (taken over): one whose guid line is lost is E161, giving it back."""
    import re

    guided = re.sub(r"(  - id: ([a-z-]+)\n)", r'\1    guid: "own-\2"\n', SMALL_SOURCE)
    write_source(tmp_path / "cardsrc", guided)
    source = tmp_path / "cardsrc" / "small.yaml"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert CliRunner().invoke(cli, ["build"]).exit_code == 0
    edited(source, [('    guid: "own-quiz-one"\n', "")])
    checked = CliRunner().invoke(cli, ["check"])
    assert (checked.exit_code, checked.stdout) == (1, (
        "cardsrc/small.yaml:22:5: E161 note 'quiz-one': the lock gives it GUID own-quiz-one; a GUID never changes, "
        "or learners get a duplicate and lose its history: give it 'guid: own-quiz-one', or the GUID it had\n"))
    assert CliRunner().invoke(cli, ["build"]).exit_code == 1


def test_a_lowered_mod_never_ships_a_changed_note_older_than_learners_have_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next release of a note whose mod was lowered below its release's day would stamp it older than the
    release learners hold when the build's time is older too (SOURCE_DATE_EPOCH): Anki would skip the update."""
    source = released(tmp_path, monkeypatch, "small")
    lock_file = source.with_name("small.lock")
    lock_file.write_text(note_value("deep-one", "mod", 1_699_000_000)(lock_file.read_text()), encoding="utf-8")
    edited(source, [("answer: Answers.", "answer: More.")])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1699500000")
    before = files(tmp_path)
    message = ("the lock is damaged: notes.deep-one.mod is 1699000000 (2023-11-03 08:26:40 UTC), before release "
               "1.0.0 of 2023-11-14, which changed the note: restore it from version control")
    built = CliRunner().invoke(cli, ["build"])
    assert (built.exit_code, built.stdout, built.stderr) == (1, "", f"Error: cardsrc/small.lock: {message}\n")
    checked = CliRunner().invoke(cli, ["check"])
    assert (checked.exit_code, checked.stdout) == (1, f"cardsrc/small.lock: E160 {message}\n")
    assert files(tmp_path) == before
