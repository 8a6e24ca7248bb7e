"""Note types declared in the source, proven in the real Anki engine: cards, rendering, updates and refusals."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from builder.build import build_deck
from builder.cli import cli
from builder.errors import InvalidSource, ReleaseError
from builder.identity import note_guid, note_type_id
from tests.ankitools import import_apkg, note_by_guid, open_collection, visible_text
from tests.conftest import write_source
from tests.test_cardtemplates import FIELDS, fronts

T1 = 1_700_000_000
T2 = T1 + 86_400
T3 = T2 + 86_400
CSS = ".card { font-size: 21px; color: #123456; }"
SOURCE = f"""\
title: French words
slug: french
deck: French
source:
  title: A word list
  author: Ada Author
  date: 2025-01-31
  url: https://example.org/words
note_types:
  - id: vocab
    name: French vocabulary
    fields: [Word, Meaning, Example]
    templates:
      - name: Recognise
        front: "<div class=word>{{{{Word}}}}</div>"
        back: "{{{{FrontSide}}}}<hr id=answer>{{{{Meaning}}}}"
      - name: In context
        front: "{{{{#Example}}}}<div class=example>{{{{Example}}}}</div>{{{{/Example}}}}"
        back: "{{{{FrontSide}}}}<hr id=answer>{{{{Word}}}}: {{{{Meaning}}}}"
    css: "{CSS}"
  - id: sentence
    name: French sentences
    cloze: true
    fields: [Sentence, Notes]
    templates:
      - name: Cloze
        front: "{{{{cloze:Sentence}}}}"
        back: "{{{{cloze:Sentence}}}}<div class=notes>{{{{Notes}}}}</div>"
  - id: unused
    name: Not used yet
    fields: [Front]
    templates:
      - name: Card
        front: "{{{{Front}}}}"
        back: "{{{{Front}}}}"
notes:
  - id: chat
    kind: learning
    type: vocab
    fields:
      Word: le chat
      Meaning: the cat
      Example: Le *chat* dort.
  - id: chien
    kind: quiz
    type: vocab
    fields:
      Word: le chien
      Meaning: the dog
  - id: dort
    kind: deep-dive
    type: sentence
    fields:
      Sentence: Le chat {{{{c1::dort}}}} sur le {{{{c2::lit}}}}.
      Notes: dormir, to sleep
"""


@pytest.fixture
def french(tmp_path: Path) -> Path:
    return write_source(tmp_path / "cardsrc", SOURCE, "french.yaml")


def lock_of(source: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(source.with_name("french.lock").read_text())  # type: ignore[no-any-return]


def test_a_declared_type_makes_the_cards_anki_makes_rendered_as_declared(french: Path, tmp_path: Path) -> None:
    result = build_deck(french, tmp_path / "dist", now=T1)
    assert result.plan is not None
    col = open_collection(tmp_path / "user.anki2")
    try:
        log = import_apkg(col, result.apkg)
        assert len(log.new) == 3 and not log.conflicting
        chat, chien, dort = (note_by_guid(col, note_guid("french", key)) for key in ("chat", "chien", "dort"))
        vocab = chat.note_type()
        assert (vocab["id"], vocab["name"]) == (note_type_id("french", "vocab"), "French vocabulary")
        assert [field["name"] for field in vocab["flds"]] == ["Word", "Meaning", "Example"]
        assert [template["name"] for template in vocab["tmpls"]] == ["Recognise", "In context"]
        assert vocab["css"] == CSS
        assert [card.ord for card in chat.cards()] == [0, 1]
        assert [card.ord for card in chien.cards()] == [0]  # no Example: the second front is empty
        assert [card.ord for card in dort.cards()] == [0, 1]
        recognise, in_context = sorted(chat.cards(), key=lambda card: card.ord)
        assert visible_text(recognise.question()) == "le chat"
        assert visible_text(recognise.answer()) == "le chat the cat"
        assert '<div class="example">Le <em>chat</em> dort.</div>' in in_context.question().replace("class=example",
                                                                                                    'class="example"')
        assert visible_text(in_context.answer()) == "Le chat dort. le chat: the cat"
        assert visible_text(sorted(dort.cards(), key=lambda c: c.ord)[1].question()) == "Le chat dort sur le [...] ."
        names = {model["name"] for model in col.models.all()}  # type: ignore[attr-defined]
        assert "Not used yet" not in names  # the package carries only the types its notes use
        assert sorted(lock_of(french)["note_types"]) == ["cloze", "qa", "sentence", "vocab"]
        assert lock_of(french)["note_types"]["sentence"]["cloze"] is True
        for note in (chat, chien, dort):  # the oracle: the same fields added with Anki's own card generation
            copy = col.new_note(note.note_type())
            for name, value in note.items():
                copy[name] = value
            col.add_note(copy, 1)
            assert sorted(card.ord for card in copy.cards()) == sorted(card.ord for card in note.cards())
        assert result.card_count == 5
    finally:
        col.close()


def test_editing_the_css_updates_the_type_in_place(french: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    first = build_deck(french, out, now=T1)
    col = open_collection(tmp_path / "user.anki2")
    try:
        import_apkg(col, first.apkg)
        before = lock_of(french)["note_types"]["vocab"]
        french.write_text(french.read_text().replace(CSS, ".card { font-size: 22px; }"))
        second = build_deck(french, out, now=T2)
        assert second.version == "1.0.1" and second.plan and second.plan.note_type_changes == ("vocab",)
        after = lock_of(french)["note_types"]["vocab"]
        assert after["mod"] > before["mod"] and after["id"] == before["id"]
        assert lock_of(french)["note_types"]["sentence"]["mod"] == T1  # unchanged types keep their mod
        log = import_apkg(col, second.apkg)
        assert not log.conflicting and not log.new
        col.models._clear_cache()  # type: ignore[attr-defined]  # the engine's cache is stale after an import
        vocab = col.models.get(note_type_id("french", "vocab"))
        assert vocab is not None and vocab["css"] == ".card { font-size: 22px; }"
        assert [m["name"] for m in col.models.all() if m["name"].startswith("French")] == [  # type: ignore[attr-defined]
            "French sentences", "French vocabulary"]
        unchanged = build_deck(french, out, now=T3)
        assert unchanged.version == "1.0.1" and not unchanged.written
    finally:
        col.close()


RENAMED_FIELD = [("fields: [Word, Meaning, Example]", "fields: [Word, Meaning, Sentence]"),
                 ("Example}}", "Sentence}}"), ("Example: Le", "Sentence: Le")]
NOT_CLOZE = [("    cloze: true\n", ""), ("{{cloze:Sentence}}", "{{Sentence}}"), ("{{c1::dort}}", "dort"),
             ("{{c2::lit}}", "lit")]


@pytest.mark.parametrize(("edits", "schema_change"), [
    (RENAMED_FIELD, "vocab"),
    ([("      - name: In context", "      - name: Context")], "vocab"),
    (NOT_CLOZE, "sentence"),
], ids=["field-renamed", "template-renamed", "no-longer-cloze"])
def test_a_declared_schema_is_frozen_unless_allowed(
    french: Path, tmp_path: Path, edits: list[tuple[str, str]], schema_change: str
) -> None:
    out = tmp_path / "dist"
    build_deck(french, out, now=T1)
    text = french.read_text()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    french.write_text(text)
    lock = french.with_name("french.lock").read_bytes()
    with pytest.raises(ReleaseError, match=f"the {schema_change} note type's field or template names would change"):
        build_deck(french, out, now=T2)
    assert french.with_name("french.lock").read_bytes() == lock
    allowed = build_deck(french, out, now=T2, allow_schema_change=True)
    assert allowed.version == "2.0.0" and allowed.plan and allowed.plan.schema_changes == (schema_change,)


def test_a_type_s_id_never_changes(french: Path, tmp_path: Path) -> None:
    build_deck(french, tmp_path / "dist", now=T1)
    french.write_text(french.read_text().replace("    name: French vocabulary\n",
                                                 "    name: French vocabulary\n    anki_id: 1234567\n"))
    with pytest.raises(ReleaseError) as refused:
        build_deck(french, tmp_path / "dist", now=T2)
    assert refused.value.message == (
        f"note type 'vocab' had the id {note_type_id('french', 'vocab')} in the last release and would have "
        "1234567: Anki would take it for another type and skip every note of it as conflicting; keep its id "
        f"(anki_id: {note_type_id('french', 'vocab')})")


def test_a_released_type_stays_declared(french: Path, tmp_path: Path) -> None:
    build_deck(french, tmp_path / "dist", now=T1)
    text = french.read_text()
    start, end = text.index("  - id: sentence\n    name"), text.index("  - id: unused")
    text = text[:start] + text[end:]
    french.write_text(text[:text.index("  - id: dort")])  # its only note retired, its type gone
    with pytest.raises(ReleaseError, match="notes of the last release have the note type 'sentence', which this "
                                           "deck does not have: keep its declaration in note_types"):
        build_deck(french, tmp_path / "dist", now=T2)


def test_an_imported_type_keeps_its_recorded_id(french: Path, tmp_path: Path) -> None:
    french.write_text(french.read_text().replace("    name: French vocabulary\n",
                                                 "    name: French vocabulary\n    anki_id: 1342697561\n"))
    result = build_deck(french, tmp_path / "dist", now=T1)
    assert lock_of(french)["note_types"]["vocab"]["id"] == 1342697561
    col = open_collection(tmp_path / "user.anki2")
    try:
        import_apkg(col, result.apkg)
        assert note_by_guid(col, note_guid("french", "chat")).note_type()["id"] == 1342697561
    finally:
        col.close()


SCRIPTED = SOURCE.replace('back: "{{FrontSide}}<hr id=answer>{{Meaning}}"',
                          'back: "{{FrontSide}}<hr id=answer>{{Meaning}}<script>speak()</script>"')
SCRIPT_REFUSAL = ("Error: cardsrc/french.yaml: note type 'vocab' has a script in the back of template 'Recognise': "
                  "Anki would run or fetch it on every learner's device; remove it, or build with --unsafe-html "
                  "if every learner can trust this source\n")


def test_a_script_in_a_template_needs_the_unsafe_html_flag(project: Path) -> None:
    write_source(project / "cardsrc", SCRIPTED, "french.yaml")
    runner = CliRunner()
    refused = runner.invoke(cli, ["build", "cardsrc/french.yaml"])
    assert (refused.exit_code, refused.stderr) == (1, SCRIPT_REFUSAL)
    assert not (project / "cardsrc" / "french.lock").exists() and not (project / "dist" / "french-1.0.0.apkg").exists()
    drafted = runner.invoke(cli, ["build", "--draft", "cardsrc/french.yaml"])
    assert (drafted.exit_code, drafted.stderr) == (1, SCRIPT_REFUSAL)
    built = runner.invoke(cli, ["build", "--unsafe-html", "cardsrc/french.yaml"])
    assert built.exit_code == 0, built.output
    checked = runner.invoke(cli, ["check", "cardsrc/french.yaml"])
    assert checked.exit_code == 1  # as the build without the flag
    assert "E167 note type 'vocab' has a script in the back of template 'Recognise'" in checked.stdout
    checked = runner.invoke(cli, ["check", "--unsafe-html", "cardsrc/french.yaml"])
    assert checked.exit_code == 0  # as the build with it
    assert "W212 note type 'vocab' has a script in the back of template 'Recognise'" in checked.stdout


OTHER = """\
title: Taken over
slug: taken-over
deck: Taken over
source:
  title: A word list
  author: Ada Author
  date: 2025-01-31
  url: https://example.org/words
note_types:
  - id: basic
    name: Basic
    anki_id: {anki_id}
    fields: [Front, Back]
    templates:
      - name: Card 1
        front: "{{{{Front}}}}"
        back: "{{{{Back}}}}"
notes:
  - id: one
    kind: quiz
    type: basic
    fields: {{Front: a, Back: b}}
"""


def test_two_sources_claiming_one_note_type_id_are_refused(project: Path) -> None:
    write_source(project / "cardsrc", SOURCE, "french.yaml")
    runner = CliRunner()
    assert runner.invoke(cli, ["build"]).exit_code == 0  # both decks, each on its own
    taken = note_type_id("french", "vocab")
    write_source(project / "cardsrc", OTHER.format(anki_id=taken), "taken-over.yaml")
    message = (f"note type id {taken} (note type 'basic') is also the id of note type 'vocab' in "
               "cardsrc/french.yaml: a learner who imports both decks would get one note type for two, each "
               "import replacing the other's templates; change or remove the anki_id that repeats it")
    built = runner.invoke(cli, ["build", "cardsrc/taken-over.yaml"])
    assert (built.exit_code, built.stderr) == (1, f"Error: cardsrc/taken-over.yaml:9: {message}\n")
    checked = runner.invoke(cli, ["check", "cardsrc/taken-over.yaml"])
    assert f"cardsrc/taken-over.yaml:9: E151 {message}" in checked.stdout and checked.exit_code == 1
    back = f"note type id {taken} (note type 'vocab') is also the id of note type 'basic' in cardsrc/taken-over.yaml"
    rebuilt = runner.invoke(cli, ["build", "cardsrc/french.yaml"])  # unchanged: the no-op path sees it too
    assert rebuilt.exit_code == 1 and rebuilt.stderr.startswith(f"Error: cardsrc/french.yaml: {back}: ")
    diffed = runner.invoke(cli, ["diff", "cardsrc/french.yaml"])
    assert diffed.exit_code == 1 and diffed.stderr.startswith(f"Error: cardsrc/french.yaml:9: {back}: ")
    fine = OTHER.format(anki_id=1_600_000_000_123)
    (project / "cardsrc" / "taken-over.yaml").write_text(fine)
    assert runner.invoke(cli, ["build"]).exit_code == 0



# --- the differential test: generated templates, packaged and imported ----------------------
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
NAMES = (f"gen-{number}" for number in itertools.count())
FILLS = st.sampled_from([None, "x", "*y*", "`z`"])


@pytest.mark.slow
@given(templates=st.lists(fronts, min_size=1, max_size=3, unique=True),
       notes=st.lists(st.tuples(FILLS, FILLS, FILLS), min_size=1, max_size=5))
@settings(max_examples={"ci": 15, "fuzz": 300}[PROFILE], deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture],
          **({"derandomize": True, "database": None} if PROFILE == "ci" else {}))
def test_packaged_cards_of_declared_types_are_the_cards_anki_generates(
    tmp_path_factory: pytest.TempPathFactory, templates: list[str], notes: list[tuple[str | None, ...]]
) -> None:
    slug = next(NAMES)
    tree: dict[str, Any] = {
        "title": "Generated", "slug": slug, "deck": f"Generated::{slug}",
        "source": {"title": "A", "author": "B", "date": "2025-01-01", "url": "https://example.org/"},
        "note_types": [{"id": "gen", "name": f"Generated {slug}", "fields": list(FIELDS),
                        "templates": [{"name": f"T{i}", "front": front, "back": "{{FrontSide}}"}
                                      for i, front in enumerate(templates)]}],
        "notes": [{"id": f"n{index}", "kind": "quiz", "type": "gen",
                   "fields": {name: value for name, value in zip(FIELDS, fills, strict=True) if value}}
                  for index, fills in enumerate(notes)],
    }
    folder = tmp_path_factory.mktemp(slug)
    source = folder / f"{slug}.yaml"
    source.write_text(yaml.safe_dump(tree, sort_keys=False), encoding="utf-8")
    try:
        result = build_deck(source, folder / "dist", now=T1)
    except InvalidSource:
        assume(False)  # Anki would refuse the type, or a note makes no card: the loader said so
        return
    col = open_collection(folder / "user.anki2")
    try:
        import_apkg(col, result.apkg)
        for index in range(len(notes)):
            note = note_by_guid(col, note_guid(slug, f"n{index}"))
            copy = col.new_note(note.note_type())
            for name, value in note.items():
                copy[name] = value
            copy.tags = note.tags
            col.add_note(copy, 1)
            package, anki = sorted(c.ord for c in note.cards()), sorted(c.ord for c in copy.cards())
            assert package == anki, f"fronts {templates}, fields {note.items()}: package {package}, Anki {anki}"
    finally:
        col.close()


@pytest.mark.slow
def test_anki_refuses_a_package_whose_type_has_more_than_65536_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anki's own limit, measured: a template's ordinal is 16 bits, and one more fails the whole import.
    builder stops far below it (``MAX_TEMPLATES``, E170); lifted here to reach the engine."""
    from anki.errors import BackendError

    from builder import declared

    monkeypatch.setattr(declared, "MAX_TEMPLATES", 70_000)
    header = SOURCE[:SOURCE.index("note_types:")]
    for count, imported in ((65_536, True), (65_537, False)):
        templates = "".join(f'      - {{name: "T{index}", front: "{{{{Word}}}} {index}", back: "{{{{Word}}}}"}}\n'
                            for index in range(count))
        source = write_source(tmp_path / str(count), (
            f"{header}note_types:\n  - id: many\n    name: Many\n    fields: [Word]\n    templates:\n{templates}"
            "notes:\n  - id: one\n    kind: quiz\n    type: many\n    fields: {Word: w}\n"), "many.yaml")
        result = build_deck(source, tmp_path / str(count) / "dist", now=T1)
        col = open_collection(tmp_path / str(count) / "user.anki2")
        try:
            if imported:
                assert len(import_apkg(col, result.apkg).new) == 1
                assert len(col.models.by_name("Many")["tmpls"]) == count  # type: ignore[index]
            else:
                with pytest.raises(BackendError, match="expected u16"):
                    import_apkg(col, result.apkg)
                assert col.note_count() == 0
        finally:
            col.close()
