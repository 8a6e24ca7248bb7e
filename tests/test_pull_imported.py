"""#16's promise for pull, in the real engine: a deck taken over with ``builder import`` is an ordinary deck.

A learner has a genanki deck and has reviewed every card. The author takes it
over with ``builder import`` (no build yet). The learner then edits notes
inside Anki: raw HTML fields (one now shows a file of the deck's media
folder), a Markdown field, a field the package left empty (with HTML no
Markdown writes), and tags; and pastes a picture the deck does not have into
a field (refused: pull never unpacks media, so it exits 1). ``builder pull
--apply --as-html`` writes the other edits into the imported source; its first release,
imported into the learner's collection with the options a user clicks
through, updates exactly the edited notes, keeps every card's scheduling and
the review log, and leaves each edited field as the learner has it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from anki.collection import DeckIdLimit, ExportAnkiPackageOptions
from click.testing import CliRunner

from builder.build import build_deck
from builder.cli import cli
from builder.htmlnorm import normalised
from tests.ankitools import import_apkg, note_by_guid, open_collection, review_everything
from tests.helpers.importpackages import genanki_package

SOURCE = Path("cardsrc/languages.yaml")
CARDS = "select id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses, left from cards order by id"
REVLOG = "select id, cid, ease, ivl, lastIvl, factor, time, type from revlog order by id"
FIELDS = {
    "basic-2": {"Back": "<i>four</i>, never five"},  # a raw HTML field: back exactly
    "vocab-1": {"Example": "La maison est <b>très</b> grande."},  # Markdown
    "cloze-1": {"Back Extra": "On the <u>Seine</u>"},  # empty in the package; no Markdown gives <u>
    "basic-3": {"Front": 'Which flag? <img src="flag.png"><img src="paste-9.png">'},  # pasted in Anki
    "both-2": {"Front": '<span style="color: red">rouge</span> <img src="flag.png">'},  # in languages.media/
}
TAGS = {"basic-1": ["geo::europe"], "both-2": ["french", "colours"]}
OUTPUT = [
    "languages: 6 edits, 1 refused (the export holds 10 of its 10 released notes)",
    "  ~ cardsrc/languages.yaml:{  - id: what-is-the-capital-of-france\n}: what-is-the-capital-of-france: tags",
    "      - Capitals geo::europe",
    "      + geo::europe",
    '  ~ cardsrc/languages.yaml:{        html: "<i>four</i>, not five"}: what-is-2-2: Back',
    "      - <i>four</i>, not five",
    "      + <i>four</i>, never five",
    "  ? cardsrc/languages.yaml:{        html: \"Which flag? }: which-flag: Front: it shows 'paste-9.png', which "
    "cardsrc/languages.media/ does not have: copy the file there from the learner's Anki (its collection.media "
    "folder), then pull again",
    '      - Which flag? <img src="flag.png">',
    '      + Which flag? <img src="flag.png"><img src="paste-9.png">',
    "  ~ cardsrc/languages.yaml:{  - id: the-seine-flows-through-paris}: the-seine-flows-through-paris: Back Extra: "
    "no Markdown renders it back, so it is written as raw HTML {{html: ...}} (--as-html)",
    "      - (empty)",
    "      + On the <u>Seine</u>",
    '  ~ cardsrc/languages.yaml:{        html: "<span style=}: rouge: Front',
    '      - <span style="color: red">rouge</span>',
    '      + <span style="color: red">rouge</span> <img src="flag.png">',
    "  ~ cardsrc/languages.yaml:{  - id: rouge}: rouge: tags",
    "      - french",
    "      + french colours",
    "  ~ cardsrc/languages.yaml:{      Example: La maison est grande.}: maison: Example",
    "      - La maison est grande.",
    "      + La maison est **très** grande.",
    "Wrote 6 edits to cardsrc/languages.yaml: 'builder diff' lists them, 'builder build' releases them.",
]
"""What pull prints; ``{snippet}`` is the line the imported source has it on (the importer lays the file out)."""


def with_lines(lines: list[str], text: str) -> list[str]:
    def line_of(match: re.Match[str]) -> str:
        snippet = match.group(1).replace("\\n", "\n")
        assert text.count(snippet) == 1, snippet
        return str(text[:text.index(snippet)].count("\n") + 1)

    return [re.sub(r"(?<!\{)\{([^{}]+)\}(?!\})", line_of, line).replace("{{", "{").replace("}}", "}") for line in lines]


def test_edits_to_a_deck_taken_over_are_pulled_and_its_first_release_updates_only_those_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    package = genanki_package(tmp_path)
    col = open_collection(tmp_path / "learner.anki2")
    try:
        import_apkg(col, package)
        assert review_everything(col) > 0
        (tmp_path / "cardsrc").mkdir()
        taken = CliRunner().invoke(cli, ["import", str(package), "--into", "cardsrc"])
        assert taken.exit_code == 0, taken.output

        for guid, values in FIELDS.items():
            note = note_by_guid(col, guid)
            for name, value in values.items():
                note[name] = value
            col.update_note(note)
        for guid, tags in TAGS.items():
            note = note_by_guid(col, guid)
            note.tags = tags
            col.update_note(note)
        export = tmp_path / "export.apkg"
        col.export_anki_package(out_path=str(export), options=ExportAnkiPackageOptions(legacy=False),
                                limit=DeckIdLimit(deck_id=col.decks.id_for_name("Languages")))
        old = SOURCE.read_text(encoding="utf-8")

        pulled = CliRunner().invoke(cli, ["pull", export.name, "--apply", "--as-html"])
        assert (pulled.exit_code, pulled.stderr) == (1, "Error: export.apkg: 1 refused not written: merge it into "
                                                        "the sources by hand (builder pull shows what is left)\n")
        assert pulled.stdout.splitlines() == with_lines(OUTPUT, old)
        expected = old
        for before, after in [
            ("    tags: [Capitals, geo::europe]\n", "    tags: [geo::europe]\n"),
            ('        html: "<i>four</i>, not five"', '        html: "<i>four</i>, never five"'),
            ('      Text: "The {{c1::Seine}} flows through {{c2::Paris}}."\n',
             '      Text: "The {{c1::Seine}} flows through {{c2::Paris}}."\n'
             "      Back Extra:\n        html: On the <u>Seine</u>\n"),
            ("        html: \"<span style=\\\"color: red\\\">rouge</span>\"\n      Back: red\n    tags: [french]\n",
             "        html: \"<span style=\\\"color: red\\\">rouge</span> <img src=\\\"flag.png\\\">\"\n"
             "      Back: red\n    tags: [french, colours]\n"),
            ("      Example: La maison est grande.", "      Example: La maison est **très** grande."),
        ]:
            assert expected.count(before) == 1, before
            expected = expected.replace(before, after)
        assert SOURCE.read_text(encoding="utf-8") == expected

        edited = {"basic-1", "basic-2", "vocab-1", "cloze-1", "both-2"}
        learner_has = {guid: [normalised(field) for field in note_by_guid(col, guid).fields] for guid in edited}
        before: dict[str, Any] = {"cards": col.db.all(CARDS), "revlog": col.db.all(REVLOG),
                                  "notes": dict(col.db.all("select guid, mod from notes"))}
        release = build_deck(SOURCE, Path("dist"), now=int(time.time()) + 60)
        assert release.version == "1.0.0"
        log = import_apkg(col, release.apkg)
        assert (len(log.new), len(log.conflicting)) == (0, 0)
        assert {entry.id.nid for entry in log.updated} == {note_by_guid(col, guid).id for guid in edited}
        assert (col.db.all(CARDS), col.db.all(REVLOG)) == (before["cards"], before["revlog"])
        after = dict(col.db.all("select guid, mod from notes"))
        assert {guid for guid in after if after[guid] != before["notes"][guid]} == edited
        for guid, fields in learner_has.items():
            assert [normalised(field) for field in note_by_guid(col, guid).fields] == fields
        assert note_by_guid(col, "basic-2")["Back"] == "<i>four</i>, never five"  # raw HTML: byte for byte
        assert note_by_guid(col, "cloze-1")["Back Extra"] == "On the <u>Seine</u>"
        assert sorted(note_by_guid(col, "both-2").tags) == ["colours", "french"]
        assert note_by_guid(col, "both-2")["Front"] == '<span style="color: red">rouge</span> <img src="flag.png">'
        assert note_by_guid(col, "basic-3")["Front"] == FIELDS["basic-3"]["Front"]  # refused: the learner keeps it
    finally:
        col.close()
