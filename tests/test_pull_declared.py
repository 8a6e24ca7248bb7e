"""builder pull on note types the source declares, proven with the real Anki engine.

Two decks: one builder-made with a declared note type (fields filled by name,
Markdown), and one taken over from another tool (``additions: []``, notes with
``guid:`` and ``deck:``, raw HTML fields ``{html: ...}``, tags of its own that
happen to be the slug). A learner imports release 1.0.0, reviews every card,
edits fields inside Anki and exports the deck; ``builder pull --apply`` writes
the edits into the source (Markdown where it renders back to the learner's
HTML, raw HTML exactly as Anki holds it), and the next release, imported into
the learner's collection, updates exactly the edited notes, keeps their review
history and leaves the learner's fields as they edited them.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import DeckIdLimit, ExportAnkiPackageOptions
from click.testing import CliRunner

from builder.build import build_deck
from builder.cli import cli
from builder.htmlnorm import normalised
from builder.identity import note_guid
from tests.ankitools import import_apkg, note_by_guid, open_collection, review_everything
from tests.conftest import write_source
from tests.helpers.importpackages import png

T1 = 1_700_000_000

VOCAB = """\
title: Vocab deck
slug: vocab
deck: Vocab Deck
note_types:
  - id: word
    name: Word (vocab)
    fields: [Word, Meaning, Example]
    templates:
      - name: Recall
        front: '{{Word}}'
        back: '{{FrontSide}}<hr id=answer>{{Meaning}}<br>{{Example}}'
notes:
  - id: chat
    kind: quiz
    type: word
    fields:
      Word: chat
      Meaning: cat   # the author's comment stays
  - id: chien
    kind: quiz
    type: word
    fields:
      Word: chien
      Meaning: |
        a **dog**
  - id: maison
    kind: quiz
    type: word
    fields:
      Word: maison
      Meaning: house
      Example: La *maison* est grande.
  - id: arbre
    kind: quiz
    type: word
    fields:
      Word: arbre
      Meaning: tree
"""
TAKEN = """\
title: Taken
slug: taken
deck: Taken
additions: []
note_types:
  - id: basic
    name: Basic (taken)
    anki_id: 1500000001
    fields: [Front, Back]
    templates:
      - name: Card 1
        front: '{{Front}}'
        back: '{{FrontSide}}<hr id=answer>{{Back}}'
    css: ""
notes:
  - id: one
    guid: "g#1"
    type: basic
    deck: Taken::Sub
    fields:
      Front:
        html: 'What is <u>one</u>?'
      Back: One.
    tags: [taken, t::a]
  - id: two
    guid: g2
    type: basic
    deck: Taken
    fields:
      Front: {html: "Two?"}
      Back:
        html: |
          <div>two</div>
    tags: [Mixed]
  - id: three
    type: basic
    deck: Taken
    fields:
      Front: Three?
      Back: Three.
  - id: four
    guid: g4
    type: basic
    deck: Taken
    fields:
      Front: {html: "<b>Four</b>?"}
      Back: Four.
  - id: five
    guid: g5
    type: basic
    deck: Taken
    fields:
      Front: Which flag?
      Back: "![flag](flag.png)"
"""
RISKY = TAKEN.replace("title: Taken\nslug: taken\ndeck: Taken\n", "title: Risky\nslug: risky\ndeck: Taken\n").replace(
    '      Front: {html: "Two?"}', """      Front: {html: '<span onclick="hint()">Two?</span>'}""")
"""The taken-over deck with a script in a raw field: it builds only with --unsafe-html."""
DECKS = {"vocab": (VOCAB, "Vocab Deck"), "taken": (TAKEN, "Taken"), "risky": (RISKY, "Taken")}


def guid_of(slug: str, note_id: str) -> str:
    given = {"one": "g#1", "two": "g2", "four": "g4", "five": "g5"}
    return given.get(note_id, note_guid(slug, note_id)) if slug in ("taken", "risky") else note_guid(slug, note_id)


class Learner:
    """One project folder with one deck released as 1.0.0, and a learner who imported and reviewed it."""

    def __init__(self, root: Path, slug: str, *, unsafe_html: bool = False) -> None:
        text, self.deck_name = DECKS[slug]
        self.slug, self.root = slug, root
        self.source = write_source(root / "cardsrc", text, f"{slug}.yaml")
        (root / "cardsrc" / "flag.png").write_bytes(png(90))
        release = build_deck(Path(f"cardsrc/{slug}.yaml"), Path("dist"), now=T1, unsafe_html=unsafe_html)
        assert release.version == "1.0.0"
        self.col = open_collection(root / "learner.anki2")
        import_apkg(self.col, root / "dist" / f"{slug}-1.0.0.apkg")
        assert review_everything(self.col) > 0

    def note(self, note_id: str) -> Any:
        return note_by_guid(self.col, guid_of(self.slug, note_id))

    def edit(self, fields: dict[str, dict[str, str]], tags: dict[str, tuple[list[str], list[str]]] | None = None
             ) -> None:
        for note_id, values in fields.items():
            note = self.note(note_id)
            for name, value in values.items():
                note[name] = value
            self.col.update_note(note)
        for note_id, (added, removed) in (tags or {}).items():
            note = self.note(note_id)
            note.tags = [tag for tag in note.tags if tag not in removed] + added
            self.col.update_note(note)

    def export(self) -> Path:
        out = self.root / "export.apkg"
        options = ExportAnkiPackageOptions(with_scheduling=False, with_media=True, legacy=False)
        self.col.export_anki_package(out_path=str(out), options=options,
                                     limit=DeckIdLimit(deck_id=self.col.decks.id_for_name(self.deck_name)))
        return out

    def state(self) -> dict[str, tuple[Any, ...]]:
        return {row[0]: row[1:] for row in self.col.db.all("select guid, mod, flds, tags from notes")}

    def history(self) -> list[tuple[Any, ...]]:
        return self.col.db.all("select c.id, c.ivl, c.due, c.reps, (select count() from revlog r where r.cid = c.id)"
                               " from cards c order by c.id")


@pytest.fixture
def vocab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Learner]:
    monkeypatch.chdir(tmp_path)
    learner = Learner(tmp_path, "vocab")
    yield learner
    learner.col.close()


@pytest.fixture
def taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Learner]:
    monkeypatch.chdir(tmp_path)
    learner = Learner(tmp_path, "taken")
    yield learner
    learner.col.close()


def pull(*args: str) -> Any:
    return CliRunner().invoke(cli, ["pull", *args])


def hunks(old: str, new: str) -> list[list[str]]:
    """The changed lines of a unified diff, hunk by hunk, without context."""
    out: list[list[str]] = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith("@@"):
            out.append([])
        elif out:
            out[-1].append(line)
    return out


def release_and_import(learner: Learner, edited: set[str]) -> None:
    """Build the next release, import it with the options a user clicks through: exactly ``edited`` update,
    their cards and review log as they were, their fields as the learner edited them (up to the editor's
    noise: ``<b>`` comes back as ``<strong>``)."""
    before, history = learner.state(), learner.history()
    fields = {note_id: learner.note(note_id).fields for note_id in edited}
    release = build_deck(Path(f"cardsrc/{learner.slug}.yaml"), Path("dist"), now=int(time.time()) + 60)
    assert release.version == "1.0.1"
    log = import_apkg(learner.col, release.apkg)
    guids = {guid_of(learner.slug, note_id) for note_id in edited}
    assert {entry.id.nid for entry in log.updated} == {note_by_guid(learner.col, key).id for key in guids}
    assert (len(log.new), len(log.conflicting)) == (0, 0)
    after = learner.state()
    assert {key for key in after if after[key] != before[key]} == guids
    assert learner.history() == history
    for note_id, values in fields.items():
        assert [normalised(field) for field in learner.note(note_id).fields] == [normalised(v) for v in values]


VOCAB_EDITS = {
    "chat": {"Meaning": "cat (a <b>male</b> one)"},
    "chien": {"Example": "Le <i>chien</i> aboie."},  # a field the source leaves empty
    "maison": {"Meaning": ""},  # emptied: the key goes
    "arbre": {"Meaning": "a <u>tree</u>"},  # no Markdown gives <u>
}
VOCAB_OUTPUT = [
    "vocab: 3 edits, 1 refused (the export holds 4 of its 4 released notes)",
    "  ~ cardsrc/vocab.yaml:18: chat: Meaning",
    "      - cat",
    "      + cat (a **male** one)",
    "  ~ cardsrc/vocab.yaml:19: chien: Example",
    "      - (empty)",
    "      + Le *chien* aboie.",
    "  ~ cardsrc/vocab.yaml:31: maison: Meaning",
    "      - house",
    "      + (empty)",
    "  ? cardsrc/vocab.yaml:38: arbre: Meaning: it has <u>, which Markdown cannot write (--as-html writes it as "
    "raw HTML)",
    "      - tree",
    "      + a <u>tree</u>",
]


def test_edits_to_a_declared_type_are_pulled_as_markdown_and_released(vocab: Learner) -> None:
    vocab.edit(VOCAB_EDITS)
    package = vocab.export()
    old = vocab.source.read_text(encoding="utf-8")
    shown = pull(package.name)
    assert (shown.exit_code, shown.stderr) == (0, "")
    assert shown.stdout.splitlines() == [
        *VOCAB_OUTPUT, "To write 3 edits into the sources: builder pull export.apkg --apply"]
    assert vocab.source.read_text(encoding="utf-8") == old

    applied = pull(package.name, "--apply")
    assert (applied.exit_code, applied.stderr) == (  # like a merge with conflicts: a script can tell
        1, "Error: export.apkg: 1 refused not written: merge it into the sources by hand (builder pull shows what "
           "is left)\n")
    assert applied.stdout.splitlines() == [
        *VOCAB_OUTPUT,
        "Wrote 3 edits to cardsrc/vocab.yaml: 'builder diff' lists them, 'builder build' releases them."]
    assert hunks(old, vocab.source.read_text(encoding="utf-8")) == [
        ["-      Meaning: cat   # the author's comment stays",
         "+      Meaning: cat (a **male** one)   # the author's comment stays"],
        ["+      Example: Le *chien* aboie."],
        ["-      Meaning: house"],
    ]
    assert pull(package.name).stdout.splitlines()[:1] == [
        "vocab: 1 refused (the export holds 4 of its 4 released notes)"]
    release_and_import(vocab, {"chat", "chien", "maison"})


TAKEN_EDITS = {
    "one": {"Front": "What is <u>one</u>, really?", "Back": "One, <b>surely</b>."},
    "two": {"Back": "<div>two</div><div>and more</div>"},
    "three": {"Front": "Three, <i>now</i>?"},  # no guid: the one slug and id give
    "four": {"Front": "<b>Four</b>?<img src=x onerror=alert(1)>", "Back": "<font color=red>Four</font>."},
}
TAKEN_TAGS = {"one": (["own"], ["taken"])}
TAKEN_OUTPUT = [
    "taken: 6 edits, 2 refused (the export holds 5 of its 5 released notes)",
    "  ~ cardsrc/taken.yaml:22: one: Front",
    "      - What is <u>one</u>?",
    "      + What is <u>one</u>, really?",
    "  ~ cardsrc/taken.yaml:23: one: Back",
    "      - One.",
    "      + One, **surely**.",
    "  ~ cardsrc/taken.yaml:16: one: tags",
    "      - taken t::a",
    "      + t::a own",
    "  ~ cardsrc/taken.yaml:33: two: Back",
    "      - <div>two</div>",
    "      + <div>two</div><div>and more</div>",
    "  ~ cardsrc/taken.yaml:39: three: Front",
    "      - Three?",
    "      + Three, *now*?",
    "  ? cardsrc/taken.yaml:46: four: Front: it has a script, which Anki would run or fetch on every learner's "
    "device (a build refuses it without --unsafe-html): copy it in by hand if every learner can trust it",
    "      - <b>Four</b>?",
    "      + <b>Four</b>?<img src=x onerror=alert(1)>",
    "  ? cardsrc/taken.yaml:47: four: Back: it has <font color>, which Markdown cannot write (--as-html writes it "
    "as raw HTML)",
    "      - Four.",
    "      + <font color=red>Four</font>.",
    "  ~ cardsrc/taken.yaml:54: five: Back",  # Markdown with an image named as the deck packs it (no hashed-media)
    "      - ![flag](flag.png)",
    "      + ![flag](flag.png) Blue.",
]


def test_a_deck_taken_over_is_pulled_by_guid_with_raw_html_kept_exactly(taken: Learner) -> None:
    taken.edit({**TAKEN_EDITS, "five": {"Back": taken.note("five")["Back"] + " Blue."}}, TAKEN_TAGS)
    package = taken.export()
    old = taken.source.read_text(encoding="utf-8")
    applied = pull(package.name, "--apply")
    assert applied.exit_code == 1
    assert applied.stdout.splitlines() == [
        *TAKEN_OUTPUT,
        "Wrote 6 edits to cardsrc/taken.yaml: 'builder diff' lists them, 'builder build' releases them."]
    expected = old
    for before, after in [
        ("html: 'What is <u>one</u>?'", "html: 'What is <u>one</u>, really?'"),
        ("Back: One.", "Back: One, **surely**."),
        ("tags: [taken, t::a]", "tags: [t::a, own]"),
        ("html: |\n          <div>two</div>\n", "html: |-\n          <div>two</div><div>and more</div>\n"),
        ("Front: Three?", "Front: Three, *now*?"),
        ('Back: "![flag](flag.png)"', 'Back: "![flag](flag.png) Blue."'),
    ]:
        assert expected.count(before) == 1
        expected = expected.replace(before, after)
    assert taken.source.read_text(encoding="utf-8") == expected
    assert pull(package.name).stdout.splitlines()[:1] == [
        "taken: 2 refused (the export holds 5 of its 5 released notes)"]
    release_and_import(taken, {"one", "two", "three", "five"})
    assert (taken.note("one")["Front"], taken.note("two")["Back"]) == (  # raw HTML: byte for byte
        "What is <u>one</u>, really?", "<div>two</div><div>and more</div>")


def test_as_html_writes_an_edit_markdown_cannot_give_back_as_raw_html(vocab: Learner) -> None:
    vocab.edit({"arbre": {"Meaning": "a <u>tree</u>", "Example": "<span style=\"color: green\">vert</span>"}})
    package = vocab.export()
    old = vocab.source.read_text(encoding="utf-8")
    applied = pull(package.name, "--apply", "--as-html")
    assert (applied.exit_code, applied.stderr) == (0, "")
    assert applied.stdout.splitlines() == [
        "vocab: 2 edits (the export holds 4 of its 4 released notes)",
        "  ~ cardsrc/vocab.yaml:38: arbre: Meaning: no Markdown renders it back, so it is written as raw HTML "
        "{html: ...} (--as-html)",
        "      - tree",
        "      + a <u>tree</u>",
        "  ~ cardsrc/vocab.yaml:33: arbre: Example: no Markdown renders it back, so it is written as raw HTML "
        "{html: ...} (--as-html)",
        "      - (empty)",
        '      + <span style="color: green">vert</span>',
        "Wrote 2 edits to cardsrc/vocab.yaml: 'builder diff' lists them, 'builder build' releases them.",
    ]
    assert vocab.source.read_text(encoding="utf-8") == old.replace(
        "      Meaning: tree\n",
        "      Meaning:\n        html: a <u>tree</u>\n      Example:\n"
        "        html: '<span style=\"color: green\">vert</span>'\n")
    release_and_import(vocab, {"arbre"})
    assert vocab.note("arbre").fields[1:] == ["a <u>tree</u>", '<span style="color: green">vert</span>']


def test_a_deck_built_with_unsafe_html_is_pulled_with_unsafe_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    monkeypatch.chdir(tmp_path)
    risky = Learner(tmp_path, "risky", unsafe_html=True)
    try:
        risky.edit({"two": {"Back": "<div>two</div><div>and more</div>"}})
        package = risky.export()
        refused = pull(package.name, "cardsrc/risky.yaml")
        assert (refused.exit_code, refused.stdout) == (1, "")
        assert refused.stderr == (
            "Error: cardsrc/risky.yaml:30: note 'two': field 'Front' is raw HTML with a script: Anki would run or "
            "fetch it on every learner's device; remove it, or build with --unsafe-html if every learner can trust "
            "this source\n")
        shown = pull(package.name, "cardsrc/risky.yaml", "--unsafe-html")
        assert (shown.exit_code, shown.stderr) == (0, "")
        assert shown.stdout.splitlines()[:2] == [
            "risky: 1 edit (the export holds 5 of its 5 released notes)", "  ~ cardsrc/risky.yaml:33: two: Back"]
    finally:
        risky.col.close()


def test_an_unwritten_edit_is_lost_in_anki_when_the_release_updates_its_note(vocab: Learner) -> None:
    """Why --apply exits 1: Anki replaces every field of a note a release updates, the refused one too."""
    vocab.edit({"arbre": {"Meaning": "a <u>tree</u>", "Example": "Un <i>arbre</i>."}})
    package = vocab.export()
    applied = pull(package.name, "--apply")
    assert applied.exit_code == 1
    assert applied.stdout.splitlines()[-1] == (
        "Wrote 1 edit to cardsrc/vocab.yaml: 'builder diff' lists them, 'builder build' releases them.")
    release = build_deck(Path("cardsrc/vocab.yaml"), Path("dist"), now=int(time.time()) + 60)
    import_apkg(vocab.col, release.apkg)
    assert vocab.note("arbre").fields == ["arbre", "tree", "Un <em>arbre</em>."]


@pytest.mark.parametrize(
    ("field", "value", "line", "keep"),
    [
        ("Front", '<b>Four</b>?<img src="https://example.org/four.png">', 46,
         "download the file into cardsrc/taken.media/ and refer to it by name"),
        ("Back", 'Four. <img src="https://example.org/four.png">', 47,
         "download the file beside the source and show it as a Markdown image, ![...](its name)"),
    ],
    ids=["raw-field", "markdown-field"],
)
def test_a_picture_loaded_from_the_web_is_refused_for_what_it_is(
    taken: Learner, field: str, value: str, line: int, keep: str
) -> None:
    """Not a media file the deck lacks, nor Markdown's limit (--as-html would not help): a remote load, which a
    build refuses because every learner's device would fetch it; --as-html refuses it the same way."""
    taken.edit({"four": {field: value}})
    package = taken.export()
    old = taken.source.read_bytes()
    for extra in ([], ["--as-html"]):
        result = pull(package.name, "--apply", *extra)
        assert (result.exit_code, result.stdout.splitlines()) == (1, [
            "taken: 1 refused (the export holds 5 of its 5 released notes)",
            f"  ? cardsrc/taken.yaml:{line}: four: {field}: it loads 'https://example.org/four.png' from the network, "
            "on every learner's device each time the card shows (a build refuses a remote load): "
            f"{keep}, or leave it out",
            f"      - {'<b>Four</b>?' if field == 'Front' else 'Four.'}",
            f"      + {value}",
        ])
        assert taken.source.read_bytes() == old
