"""The proof of #16 in the real engine: a deck taken over with ``builder import`` and built changes nothing.

For each package (made by genanki here, the same deck as Anki itself exports
it, made by markdown-anki-decks and committed, and the shipped deck's own
release): import it into a fresh
collection and review every card; ``builder import`` it; ``builder build`` the
new source; import that release into the reviewed collection with the options
a user clicks through. Nothing may be new, updated or conflicting, no note type
may come in as a "+" copy, and every card's scheduling, the review log and
every field stay as they were. Then one field is edited in the source: the
next release updates exactly that note, and the cards keep their history.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from anki.collection import ExportAnkiPackageOptions
from click.testing import CliRunner

from builder.cli import cli
from builder.identity import note_guid
from builder.source import load_deck
from tests.ankitools import import_apkg, open_collection, review_everything
from tests.conftest import SHIPPED_SOURCE
from tests.helpers.importpackages import cardless_note, genanki_package, unfinished_note

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
CARD_STATE = "select id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses, left from cards order by id"
REVLOG = "select id, cid, ease, ivl, lastIvl, factor, time, type from revlog order by id"


def snapshot(col: Any) -> dict[str, Any]:
    """What a learner would lose: scheduling, review log, every note's fields and tags, the note types, the decks'
    descriptions."""
    notes = {}
    for note_id in col.find_notes(""):
        note = col.get_note(note_id)
        notes[note.guid] = (tuple(note.fields), tuple(note.tags), note.mod)
    return {"cards": col.db.all(CARD_STATE), "revlog": col.db.all(REVLOG), "notes": notes,
            "types": sorted((int(kind["id"]), kind["name"]) for kind in col.models.all()),
            "descriptions": {deck.name: col.decks.get(deck.id).get("desc", "")  # Anki replaces them on import
                             for deck in col.decks.all_names_and_ids()}}


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def built(source: Path, out: Path) -> Path:
    run("build", str(source), "--out", str(out), "--no-cache")
    (release,) = sorted(out.glob("*.apkg"), key=lambda path: path.stat().st_mtime_ns)[-1:]
    return release


def shipped_release(tmp_path: Path) -> Path:
    folder = tmp_path / "shipped"
    folder.mkdir()
    for item in SHIPPED_SOURCE.parent.iterdir():
        if item.suffix in (".yaml", ".lock"):
            shutil.copy(item, folder / item.name)
    return built(folder / SHIPPED_SOURCE.name, tmp_path / "shipped-dist")


def genanki_made(tmp_path: Path) -> Path:
    return genanki_package(tmp_path, extra=(unfinished_note(), cardless_note()),
                           description="French and geography, <b>for beginners</b>.")


def anki_exported(tmp_path: Path) -> Path:
    """The genanki deck as Anki itself exports it (File > Export, current format, with media)."""
    col = open_collection(tmp_path / "author.anki2")
    import_apkg(col, genanki_package(tmp_path))
    out = tmp_path / "exported.apkg"
    col.export_anki_package(out_path=str(out), limit=None, options=ExportAnkiPackageOptions(
        with_scheduling=False, with_media=True, legacy=False))
    col.close()
    return out


def markdown_anki_decks_made(tmp_path: Path) -> Path:
    return FIXTURES / "markdown-anki-decks.apkg"


PACKAGES = {
    "genanki": (genanki_made, "      Back: Paris\n", "      Back: Paris, on the Seine\n"),  # L301 and L308 notes
    "anki-export": (anki_exported, "      Back: Paris\n", "      Back: Paris, on the Seine\n"),
    "markdown-anki-decks": (markdown_anki_decks_made, "<em>Ruritania</em>", "<em>Ruritania</em>, made up"),
    "shipped-release": (shipped_release, "{{c1::alignment}}", "{{c1::alignment}} (edited)"),
}


@pytest.mark.parametrize("made", list(PACKAGES))
def test_a_deck_taken_over_builds_into_no_change_for_its_learners(tmp_path: Path, made: str) -> None:
    make, old, new = PACKAGES[made]
    package = make(tmp_path)
    col = open_collection(tmp_path / "learner.anki2")
    first = import_apkg(col, package)
    assert len(first.new) > 0 and not first.conflicting
    assert review_everything(col) == col.card_count() > 0
    before = snapshot(col)

    into = tmp_path / "cardsrc"
    into.mkdir()
    run("import", str(package), "--into", str(into))
    (source,) = into.glob("*.yaml")
    if made == "shipped-release":  # the notes come in the order learners meet their new cards: the source's
        shipped = [note_guid("pinterest-ai-platform", note.id) for note in load_deck(SHIPPED_SOURCE).notes]
        assert [note.guid for note in load_deck(source).notes] == shipped
    if made == "genanki":  # its "TODO" field and its cloze note without a card would stop the release: silenced
        written = source.read_text(encoding="utf-8")
        assert 'description:\n  html: "French and geography, <b>for beginners</b>."\n' in written
        assert "    lint: {ignore: [L301]}  # came with the import\n" in written
        assert "    lint: {ignore: [L308]}  # came with the import\n" in written
    release = built(source, tmp_path / "dist")

    newcomer = open_collection(tmp_path / "newcomer.anki2")  # a learner who starts with builder's first release
    import_apkg(newcomer, release)
    assert snapshot(newcomer)["descriptions"] == before["descriptions"]
    newcomer.close()

    log = import_apkg(col, release)
    assert (len(log.new), len(log.updated), len(log.conflicting), len(log.missing_notetype)) == (0, 0, 0, 0)
    assert len(log.duplicate) == len(before["notes"])
    assert snapshot(col) == before  # no "+" type, no card moved, no review lost, every field as it was
    assert not any(name.endswith("+") for _, name in snapshot(col)["types"])

    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1
    source.write_text(text.replace(old, new), encoding="utf-8")
    edited = built(source, tmp_path / "dist")
    log = import_apkg(col, edited)
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
    after = snapshot(col)
    assert after["cards"] == before["cards"] and after["revlog"] == before["revlog"]
    changed = [guid for guid, note in after["notes"].items() if note[:2] != before["notes"][guid][:2]]
    assert len(changed) == 1
