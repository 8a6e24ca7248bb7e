"""The package itself: reproducible zip entries and the per-note mod genanki cannot do."""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.build import build_deck, plan_deck
from builder.cli import cli
from builder.draft import build_draft
from builder.packaging import ZIP_DATE, build_package
from tests.ankitools import import_apkg, open_collection
from tests.helpers.images import write_png

T1 = 1_700_000_000


def test_zip_entries_have_fixed_times_permissions_and_order(small_source: Path, tmp_path: Path) -> None:
    result = build_deck(small_source, tmp_path / "dist", now=T1)
    with zipfile.ZipFile(result.apkg) as archive:
        infos = archive.infolist()
        assert [info.filename for info in infos] == ["collection.anki2", "media"]
        assert {info.date_time for info in infos} == {ZIP_DATE}
        assert {info.external_attr >> 16 for info in infos} == {0o644}


def test_package_bytes_depend_only_on_the_plan(small_source: Path) -> None:
    plan = plan_deck(small_source, now=T1)
    first = build_package(plan.note_types, plan.decks, plan.notes)
    second = build_package(plan.note_types, plan.decks, plan.notes)
    assert first == second


def test_each_note_carries_its_own_mod_and_source_order_due(small_source: Path, tmp_path: Path) -> None:
    plan = plan_deck(small_source, now=T1)
    data = build_package(plan.note_types, plan.decks, plan.notes)
    db = tmp_path / "c.anki2"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        db.write_bytes(archive.read("collection.anki2"))
    connection = sqlite3.connect(db)
    try:
        mods = {mod for (mod,) in connection.execute("select mod from notes")}
        order = connection.execute("select n.guid, min(c.due) from cards c join notes n on n.id = c.nid "
                                   "group by n.guid order by min(c.due)").fetchall()
        assert mods == {T1}
        assert [guid for guid, _ in order] == [packaged.note.guid for packaged in plan.notes]
        assert [due for _, due in order] == [1, 2, 3, 4, 5, 6]
    finally:
        connection.close()


@pytest.mark.parametrize("kind", ["release", "draft"])
def test_an_image_in_the_description_is_packed_and_reaches_ankis_media_folder(
    small_source: Path, tmp_path: Path, kind: str
) -> None:
    write_png(small_source.parent / "logo.png", 3, 2)
    text = small_source.read_text(encoding="utf-8")
    small_source.write_text(text.replace("tags: [testing]", "tags: [testing]\ndescription: 'Our ![logo](logo.png)'"),
                            encoding="utf-8")
    if kind == "draft":
        apkg = build_draft(small_source, tmp_path / "dist", now=T1).apkg
        deck_name = "Small Deck (draft)"
    else:
        apkg, deck_name = build_deck(small_source, tmp_path / "dist", now=T1).apkg, "Small Deck"
    with zipfile.ZipFile(apkg) as archive:
        packed = list(json.loads(archive.read("media")).values())
    assert len(packed) == 1 and re.fullmatch(r"_b-[0-9a-f]{16}\.png", packed[0]), packed
    col = open_collection(tmp_path / "collection.anki2")
    try:
        import_apkg(col, apkg)
        description = col.decks.get(col.decks.id_for_name(deck_name))["desc"]
        assert f'<img src="{packed[0]}" alt="logo" />' in description
        media = Path(col.media.dir())
        assert os.listdir(media) == packed
        assert (media / packed[0]).read_bytes() == (small_source.parent / "logo.png").read_bytes()
        assert list(col.media.check().unused) == []  # Check Media would delete an unused file
    finally:
        col.close()


def test_the_printed_card_count_is_the_packages(project: Path) -> None:
    """Nested, empty and far-numbered deletions: the CLI counts the card rows the package holds."""
    source = project / "cardsrc" / "small.yaml"
    text = source.read_text(encoding="utf-8").replace(
        "Second learning about {{c1::caching}}.",
        '"Outer {{c1::a {{c2::b}} c}}, {{c3::}} and {{c600::x}} {{c700::y}}"\n    lint: {ignore: [L306]}',
    )
    source.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(project / "dist" / "small-1.0.0.apkg") as archive:
        db = project / "c.anki2"
        db.write_bytes(archive.read("collection.anki2"))
    connection = sqlite3.connect(db)
    try:
        ords = [ord_ for (ord_,) in connection.execute(
            "select c.ord from cards c join notes n on n.id = c.nid where n.sfld like 'Outer%' order by c.ord")]
        rows = connection.execute("select count(*) from cards").fetchone()[0]
    finally:
        connection.close()
    assert ords == [0, 1, 2, 499, 499]
    assert result.stdout == f"Built dist/small-1.0.0.apkg: 6 notes, {rows} cards (version 1.0.0)\n"
    assert rows == 11
