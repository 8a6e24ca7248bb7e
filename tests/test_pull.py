"""builder pull, proven with the real Anki engine: a learner's edits come back into the source.

A learner imports release 1.0.0, edits notes inside Anki (plain text, Markdown,
a cloze, tags) and exports the deck the ways Anki can; ``builder pull`` must show
each edit, ``--apply`` must change only those values, and the next release,
imported into the learner's collection, must update those notes and no other.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions
from click.testing import CliRunner

from builder.build import build_deck
from builder.cli import cli
from builder.errors import BuilderError
from builder.htmlnorm import normalised
from builder.identity import note_guid
from tests.ankitools import import_apkg, note_by_guid, open_collection
from tests.conftest import write_source

T1 = 1_700_000_000
SOURCE = "cardsrc/pulled.yaml"
PULLED = """\
title: Pull deck
slug: pulled
deck: Pull Deck
tags: [testing]
source:
  title: An Article
  author: Ada Author
  date: 2025-01-31
  url: https://example.org/article
notes:
  - id: plain-one
    kind: quiz
    question: What is plain?
    answer: Plain answer.   # the author's comment stays
  - id: markdown-one
    kind: quiz
    question: Which tools run the jobs?
    answer: |
      - **Spark** for batch
      - `Ray` for training
  - id: cloze-one
    kind: learning
    text: Caching lives at the {{c1::edge}}.
    extra: 'Quoted extra.'
  - id: tagged-one
    kind: deep-dive
    question: Who built the platform?
    answer: "A small team."
    tags:
      - alpha
      - beta
  - id: untouched
    kind: quiz
    question: Is this one untouched?
    answer: It is.
"""
EDITS = {
    # what Anki's editor stores: <b>, &nbsp;, no newlines between list items
    "plain-one": {"Answer": "Plain answer, fixed in Anki.&nbsp;"},
    "markdown-one": {"Answer": "<ul><li><b>Spark</b> for batch jobs</li><li><code>Ray</code> for training</li>"
                               "<li>and <code>Airflow</code> to schedule</li></ul>",
                     "Extra": "Spark <i>and</i> Ray, both."},  # a field the source leaves empty
    "cloze-one": {"Text": "Caching lives at the {{c1::network edge}}."},
}
TAGS = {"tagged-one": (["gamma", "marked"], ["beta"])}
Learner = Callable[..., Path]


def guid(note_id: str) -> str:
    return note_guid("pulled", note_id)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_source(tmp_path / "cardsrc", PULLED, "pulled.yaml")
    monkeypatch.chdir(tmp_path)
    assert build_deck(Path(SOURCE), Path("dist"), now=T1).version == "1.0.0"
    return tmp_path


@pytest.fixture
def learner(folder: Path) -> Iterator[Collection]:
    """A learner's collection with release 1.0.0 imported."""
    col = open_collection(folder / "learner.anki2")
    import_apkg(col, folder / "dist" / "pulled-1.0.0.apkg")
    yield col
    col.close()


def edit_in_anki(col: Collection, fields: dict[str, dict[str, str]], tags: dict[str, tuple[list[str], list[str]]]
                 ) -> None:
    for note_id, values in fields.items():
        note = note_by_guid(col, guid(note_id))
        for name, value in values.items():
            note[name] = value
        col.update_note(note)
    for note_id, (added, removed) in tags.items():
        note = note_by_guid(col, guid(note_id))
        note.tags = [tag for tag in note.tags if tag not in removed] + added
        col.update_note(note)


def export(col: Collection, out: Path, *, legacy: bool = False, scheduling: bool = False) -> Path:
    options = ExportAnkiPackageOptions(with_scheduling=scheduling, with_media=True, legacy=legacy)
    col.export_anki_package(out_path=str(out), options=options, limit=DeckIdLimit(deck_id=col.decks.id_for_name(
        "Pull Deck")))
    return out


def pull(*args: str) -> Any:
    return CliRunner().invoke(cli, ["pull", *args])


PULL_OUTPUT = [
    "pulled: 5 edits{kept} (the export holds 5 of its 5 released notes)",
    "  ~ cardsrc/pulled.yaml:14: plain-one: Answer",
    "      - Plain answer.",
    "      + Plain answer, fixed in Anki.",
    "  ~ cardsrc/pulled.yaml:19: markdown-one: Answer",
    "      - - **Spark** for batch",
    "      - - `Ray` for training",
    "      + - **Spark** for batch jobs",
    "      + - `Ray` for training",
    "      + - and `Airflow` to schedule",
    "  ~ cardsrc/pulled.yaml:15: markdown-one: Extra",
    "      - (empty)",
    "      + Spark *and* Ray, both.",
    "  ~ cardsrc/pulled.yaml:23: cloze-one: Text",
    "      - Caching lives at the {{c1::edge}}.",
    "      + Caching lives at the {{c1::network edge}}.",
]
TAG_LINES = [
    "  ~ cardsrc/pulled.yaml:25: tagged-one: tags",
    "      - alpha beta",
    "      + alpha gamma",
]
MARKED = ("  = cardsrc/pulled.yaml:25: tagged-one: tags: +marked: Anki's own tags for this learner's reviews, "
          "not the deck's")


@pytest.mark.parametrize(
    ("legacy", "scheduling"), [(False, False), (False, True), (True, False), (True, True)],
    ids=["anki21b", "anki21b-scheduling", "legacy-anki21", "legacy-anki21-scheduling"],
)
def test_pull_shows_each_edit_from_every_kind_of_package(
    folder: Path, learner: Collection, legacy: bool, scheduling: bool
) -> None:
    edit_in_anki(learner, EDITS, TAGS)
    package = export(learner, folder / "export.apkg", legacy=legacy, scheduling=scheduling)
    before = (folder / SOURCE).read_bytes()
    result = pull(package.name)
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    # Anki's exporter drops 'marked' and 'leech' unless the export includes scheduling
    head = [PULL_OUTPUT[0].format(kept=", 1 not pulled" if scheduling else "")]
    tags = [MARKED, *TAG_LINES] if scheduling else TAG_LINES
    assert result.stdout.splitlines() == [
        *head, *PULL_OUTPUT[1:], *tags, "To write 5 edits into the sources: builder pull export.apkg --apply"]
    assert (folder / SOURCE).read_bytes() == before


def test_a_collection_file_is_read_from_a_copy(folder: Path, learner: Collection) -> None:
    edit_in_anki(learner, EDITS, TAGS)
    learner.close()
    collection = folder / "learner.anki2"
    before = (collection.read_bytes(), collection.stat().st_mtime_ns, sorted(path.name for path in folder.iterdir()))
    result = pull(str(collection), SOURCE)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:len(PULL_OUTPUT)] == [
        PULL_OUTPUT[0].format(kept=", 1 not pulled"), *PULL_OUTPUT[1:]]
    after = (collection.read_bytes(), collection.stat().st_mtime_ns, sorted(path.name for path in folder.iterdir()))
    assert after == before
    learner.reopen()


def hunks(old: str, new: str) -> list[list[str]]:
    """The changed lines of a unified diff, hunk by hunk, without context."""
    out: list[list[str]] = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith("@@"):
            out.append([])
        elif out:
            out[-1].append(line)
    return out


def test_apply_changes_only_the_edited_values_and_the_next_release_updates_only_those_notes(
    folder: Path, learner: Collection
) -> None:
    edit_in_anki(learner, EDITS, TAGS)
    package = export(learner, folder / "export.apkg")
    held = {note_id: note_by_guid(learner, guid(note_id)) for note_id in ("plain-one", "markdown-one", "cloze-one")}
    their_fields = {note_id: [normalised(field) for field in note.fields] for note_id, note in held.items()}
    state = {row[0]: row[1:] for row in learner.db.all("select guid, mod, flds, tags from notes")}
    old = (folder / SOURCE).read_text(encoding="utf-8")

    result = pull(package.name, "--apply")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "Wrote 5 edits to cardsrc/pulled.yaml: 'builder diff' lists them, 'builder build' releases them.")
    new = (folder / SOURCE).read_text(encoding="utf-8")
    assert hunks(old, new) == [
        ["-    answer: Plain answer.   # the author's comment stays",
         "+    answer: Plain answer, fixed in Anki.   # the author's comment stays"],
        ["-      - **Spark** for batch", "+      - **Spark** for batch jobs"],
        ["+      - and `Airflow` to schedule", "+    extra: Spark *and* Ray, both."],
        ["-    text: Caching lives at the {{c1::edge}}.", "+    text: Caching lives at the {{c1::network edge}}."],
        ["-      - beta", "+      - gamma"],
    ]
    diff = CliRunner().invoke(cli, ["diff"])
    assert diff.stdout.splitlines() == [
        "pulled: 1.0.0 -> 1.0.1, patch", "  ~ plain-one: Answer", "  ~ markdown-one: Answer, Extra",
        "  ~ cloze-one: Text", "  ~ tagged-one: tags"]
    assert pull(package.name).stdout.splitlines()[0] == (
        "pulled: no edits in Anki (the export holds 5 of its 5 released notes)")  # nothing left to pull

    release = build_deck(Path(SOURCE), Path("dist"), now=int(time.time()) + 60)
    log = import_apkg(learner, release.apkg)
    pulled = {guid(note_id) for note_id in ("plain-one", "markdown-one", "cloze-one", "tagged-one")}
    assert {entry.id.nid for entry in log.updated} == {note_by_guid(learner, key).id for key in pulled}
    after = {row[0]: row[1:] for row in learner.db.all("select guid, mod, flds, tags from notes")}
    assert {key for key in after if after[key] != state[key]} == pulled
    for note_id, fields in their_fields.items():
        assert [normalised(field) for field in note_by_guid(learner, guid(note_id)).fields] == fields
    assert sorted(note_by_guid(learner, guid("tagged-one")).tags) == [
        "alpha", "deep-dive", "gamma", "pulled", "testing"]


def test_a_tag_the_learner_adds_is_pulled_and_ankis_own_are_not(folder: Path, learner: Collection) -> None:
    """The help, docs/pull.md and the behaviour agree: a tag added in Anki is an edit --apply writes;
    'marked' and 'leech', Anki's markers of one learner's reviews, are reported and never written."""
    edit_in_anki(learner, {}, {"tagged-one": (["mytag", "marked", "leech"], [])})
    package = export(learner, folder / "export.apkg", scheduling=True)
    result = pull(package.name, "--apply")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "pulled: 1 edit, 1 not pulled (the export holds 5 of its 5 released notes)",
        "  = cardsrc/pulled.yaml:25: tagged-one: tags: +leech +marked: Anki's own tags for this learner's reviews, "
        "not the deck's",
        "  ~ cardsrc/pulled.yaml:25: tagged-one: tags",
        "      - alpha beta",
        "      + alpha beta mytag",
        "Wrote 1 edit to cardsrc/pulled.yaml: 'builder diff' lists them, 'builder build' releases them.",
    ]
    assert "      - alpha\n      - beta\n      - mytag\n" in (folder / SOURCE).read_text(encoding="utf-8")
    assert "marked" not in (folder / SOURCE).read_text(encoding="utf-8")
    help_text = " ".join(CliRunner().invoke(cli, ["pull", "--help"]).stdout.split())
    assert "the tags added to or removed from a note, with the source's file:line, old and new text; --apply " \
           "writes them" in help_text
    assert "(Anki's own marked and leech tags, the tags every note gets," in help_text
    assert "personal tags" not in help_text
    docs = " ".join((Path(__file__).parent.parent / "docs" / "pull.md").read_text(encoding="utf-8").split())
    assert "Anki's personal tags `marked` and `leech`" in docs
    assert "tags they added or removed are added to or removed from the note's `tags:`" in docs


def test_a_learner_on_an_older_release_with_no_edits_has_nothing_to_pull(
    folder: Path, learner: Collection, edit_source: Callable[[Path, str, str], None]
) -> None:
    edit_source(folder / SOURCE, "answer: It is.", "answer: It is, since 1.0.1.")
    edit_source(folder / SOURCE, "      - beta\n", "      - beta\n      - delta\n")
    build_deck(Path(SOURCE), Path("dist"), now=T1 + 60)
    edit_source(folder / SOURCE, "{{c1::edge}}", "{{c1::far edge}}")  # and one not released yet
    package = export(learner, folder / "export.apkg", scheduling=True)
    result = pull(package.name)
    assert (result.exit_code, result.stdout) == (
        0, "pulled: no edits in Anki (the export holds 5 of its 5 released notes)\n")


def test_an_edit_on_both_sides_is_a_conflict_and_a_lossy_one_is_refused(
    folder: Path, learner: Collection, edit_source: Callable[[Path, str, str], None]
) -> None:
    edit_in_anki(learner, {"untouched": {"Answer": "It is, says the learner."},
                           "plain-one": {"Answer": "Plain <u>underlined</u> answer."}}, {})
    edit_source(folder / SOURCE, "answer: It is.", "answer: It is, says the author.")
    package = export(learner, folder / "export.apkg")
    before = (folder / SOURCE).read_bytes()
    result = pull(package.name, "--apply")
    assert (result.exit_code, result.stderr) == (  # like a merge with conflicts: a script can tell
        1, "Error: export.apkg: 1 conflict, 1 refused not written: merge them into the sources by hand (builder "
           "pull shows what is left)\n")
    assert result.stdout.splitlines() == [
        "pulled: 1 conflict, 1 refused (the export holds 5 of its 5 released notes)",
        "  ? cardsrc/pulled.yaml:14: plain-one: Answer: it has <u>, which Markdown cannot write",
        "      - Plain answer.",
        "      + Plain <u>underlined</u> answer.",
        "  ! cardsrc/pulled.yaml:35: untouched: Answer: changed in Anki and in the source since the learner's copy: "
        "not applied, merge it by hand",
        "      - It is, says the author.",
        "      + It is, says the learner.",
    ]
    assert (folder / SOURCE).read_bytes() == before


def test_a_picture_loaded_from_the_web_is_refused_with_the_real_reason(folder: Path, learner: Collection) -> None:
    """A remote <img> pasted in Anki is no file the source lacks: a build refuses it (every learner's device would
    fetch it each time the card shows), so the fix is a downloaded file, or nothing."""
    edit_in_anki(learner, {"plain-one": {"Answer": 'Plain answer. <img src="https://example.org/chart.png">'}}, {})
    package = export(learner, folder / "export.apkg")
    before = (folder / SOURCE).read_bytes()
    result = pull(package.name, "--apply")
    assert (result.exit_code, result.stdout.splitlines()) == (1, [
        "pulled: 1 refused (the export holds 5 of its 5 released notes)",
        "  ? cardsrc/pulled.yaml:14: plain-one: Answer: it loads 'https://example.org/chart.png' from the network, "
        "on every learner's device each time the card shows (a build refuses a remote load): download the file "
        "beside the source and show it as a Markdown image, ![...](its name), or leave it out",
        "      - Plain answer.",
        '      + Plain answer. <img src="https://example.org/chart.png">',
    ])
    assert (folder / SOURCE).read_bytes() == before


def test_what_the_source_does_not_own_is_reported_and_never_written(
    folder: Path, learner: Collection, edit_source: Callable[[Path, str, str], None]
) -> None:
    edit_in_anki(learner, {"plain-one": {"Source": "my own notes"}, "untouched": {"Answer": "It was."}},
                 {"cloze-one": (["leech"], ["testing"])})
    note = learner.new_note(learner.models.by_name("Builder Q&A (pulled)"))
    note["Question"], note["Answer"] = "My own question?", "Mine."
    learner.add_note(note, note_by_guid(learner, guid("plain-one")).cards()[0].did)  # in the deck's Quiz
    edit_source(folder / SOURCE, "  - id: untouched\n    kind: quiz\n    question: Is this one untouched?\n"
                "    answer: It is.\n", "")
    build_deck(Path(SOURCE), Path("dist"), now=T1 + 60)  # 2.0.0 retires it
    package = export(learner, folder / "export.apkg", scheduling=True)
    before = (folder / SOURCE).read_bytes()
    result = pull(package.name, "--apply")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "pulled: 5 not pulled (the export holds 5 of its 5 released notes)",
        "  = cardsrc/pulled.yaml:11: plain-one: Source: the Source field is made from the deck's 'source:'; "
        "edit that instead",
        '      - <a href="https://example.org/article">An Article</a> · Ada Author · 2025-01-31',
        "      + my own notes",
        "  = cardsrc/pulled.yaml:21: cloze-one: tags: +leech: Anki's own tags for this learner's reviews, "
        "not the deck's",
        "  = cardsrc/pulled.yaml:21: cloze-one: tags: -testing: tags the build gives notes (slug, kind, deck-wide "
        "'tags:'), not this note's own",
        "  = cardsrc/pulled.yaml: untouched: Answer: a note retired in 2.0.0: edits to it are not pulled; put the "
        "note back in the source with id 'untouched' and copy them in by hand",
        "  = cardsrc/pulled.yaml: note: a note the deck does not know ('My own question?', added in Anki): add it "
        "to the source by hand",
    ]
    assert (folder / SOURCE).read_bytes() == before


def test_an_edited_tombstone_is_reported_and_never_written(
    folder: Path, learner: Collection, edit_source: Callable[[Path, str, str], None]
) -> None:
    edit_source(folder / SOURCE, "  - id: untouched\n    kind: quiz\n    question: Is this one untouched?\n"
                "    answer: It is.\n", "")
    retiring = build_deck(Path(SOURCE), Path("dist"), now=T1 + 60)
    import_apkg(learner, retiring.apkg)
    edit_in_anki(learner, {"untouched": {"Extra": "I still want this one."}}, {})
    package = export(learner, folder / "export.apkg")
    before = (folder / SOURCE).read_bytes()
    result = pull(package.name, "--apply")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "pulled: 1 not pulled (the export holds 5 of its 5 released notes)",
        "  = cardsrc/pulled.yaml: untouched: Extra: the tombstone of a note retired in 2.0.0: edits to it are not "
        "pulled; put the note back in the source with id 'untouched' and copy them in by hand",
    ]
    assert (folder / SOURCE).read_bytes() == before


def test_apply_refused_for_a_source_is_one_error_line_and_exit_1(
    folder: Path, learner: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write pull --apply cannot make goes through the one per-source loop: the report, then Error:, exit 1."""
    import builder.pullwrite as pullwrite

    edit_in_anki(learner, EDITS, TAGS)
    package = export(learner, folder / "export.apkg")
    old = (folder / SOURCE).read_text(encoding="utf-8")

    def refuse(report: object) -> object:
        raise BuilderError("changed while the pull was reading it: run builder pull again", folder / SOURCE)

    monkeypatch.setattr(pullwrite, "apply_report", refuse)
    result = pull(package.name, "--apply")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == PULL_OUTPUT[0].format(kept="")
    assert result.stderr == f"Error: {folder / SOURCE}: changed while the pull was reading it: run builder pull again\n"
    assert (folder / SOURCE).read_text(encoding="utf-8") == old


def test_apply_exits_1_when_an_edit_cannot_be_written_in_place(folder: Path, learner: Collection) -> None:
    """An edit refused while writing (a note written as a flow mapping) is left unwritten too: exit 1."""
    source = folder / SOURCE
    text = source.read_text(encoding="utf-8")
    block = ("  - id: plain-one\n    kind: quiz\n    question: What is plain?\n"
             "    answer: Plain answer.   # the author's comment stays\n")
    source.write_text(text.replace(block, "  - {id: plain-one, kind: quiz, question: What is plain?, answer: Plain "
                                          "answer.}\n"), encoding="utf-8")
    edit_in_anki(learner, {"plain-one": EDITS["plain-one"], "cloze-one": EDITS["cloze-one"]}, {})
    package = export(learner, folder / "export.apkg")
    result = pull(package.name, "--apply")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-2:] == [
        "  ? cardsrc/pulled.yaml:11: plain-one: Answer: cannot be written in place: note 'plain-one' is written as a "
        "flow mapping {...}: edit it by hand",
        "Wrote 1 edit to cardsrc/pulled.yaml: 'builder diff' lists them, 'builder build' releases them."]
    assert result.stderr == ("Error: export.apkg: 1 refused not written: merge it into the sources by hand "
                             "(builder pull shows what is left)\n")
    assert "{{c1::network edge}}" in source.read_text(encoding="utf-8")
