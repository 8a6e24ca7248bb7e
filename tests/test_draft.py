"""Drafts: what the next release would hold, written where no release can be, under ids no release uses."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from builder.build import build_deck
from builder.cli import cli
from builder.draft import build_draft
from tests.ankitools import import_apkg, open_collection
from tests.helpers.images import write_png
from tests.test_rebuild import snapshot

T1 = 1_700_000_000
T2 = T1 + 86_400
Edit = Callable[[Path, str, str], None]


def test_build_draft_writes_only_the_draft(project: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["build"]).exit_code == 0
    source = project / "cardsrc" / "small.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("answer: Answers.", "answer: Drafted."),
                      encoding="utf-8")
    before = snapshot(project / "dist", project / "cardsrc")
    result = runner.invoke(cli, ["build", "--draft"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "Drafted dist/small-draft.apkg: 6 notes, 7 cards (draft of version 1.0.1, not a release)\n"
    after = snapshot(project / "dist", project / "cardsrc")
    assert {name for name in after if after[name] != before.get(name)} == {
        "dist/small-draft.apkg", "cardsrc/.builder-cache/small.yaml.renders"}


def release_state(col: Any, guids: set[str]) -> dict[str, Any]:
    """Everything a release put into a collection, keyed by what does not depend on import order."""
    decks = {deck["id"]: deck["name"] for deck in col.decks.all()}
    notes = {row[1]: row for row in col.db.all("select * from notes") if row[1] in guids}
    note_ids = {row[0]: guid for guid, row in notes.items()}
    cards = sorted((note_ids[row[1]], decks[row[2]], *row[3:])  # ids are Anki's, given at import
                   for row in col.db.all("select * from cards") if row[1] in note_ids)
    types = {row[2] for row in notes.values()}
    return {
        "notes": {guid: row[2:] for guid, row in notes.items()},  # all but Anki's own note id
        "cards": cards,
        "note_types": [json.dumps(col.models.get(type_id), sort_keys=True) for type_id in sorted(types)],
        # deck ids and mod are Anki's own, given at import
        "decks": sorted(json.dumps({**deck, "id": 0, "mod": 0}, sort_keys=True) for deck in col.decks.all()
                        if deck["name"] == "Small Deck" or deck["name"].startswith("Small Deck::")),
        "media": sorted(path.name for path in Path(col.media.dir()).iterdir()),
    }


def test_importing_drafts_first_leaves_the_release_exactly_as_importing_it_alone(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    out = tmp_path / "dist"
    write_png(small_source.with_name("chart.png"), 4, 3)
    edit_source(small_source, "extra: Extra context.", "extra: \"![chart](chart.png)\"")
    original = small_source.read_text(encoding="utf-8")
    edit_source(small_source, "answer: Answers.", "answer: A draft's answer.")
    with small_source.open("a", encoding="utf-8") as handle:
        handle.write("  - id: draft-only\n    kind: quiz\n    question: Only in a draft?\n    answer: Yes.\n")
    first_draft = build_draft(small_source, out, now=T1)
    assert first_draft.apkg.name == "small-draft.apkg" and not small_source.with_name("small.lock").exists()
    drafts = tmp_path / "first-draft.apkg"
    drafts.write_bytes(first_draft.apkg.read_bytes())
    small_source.write_text(original, encoding="utf-8")
    second_draft = build_draft(small_source, out, now=T1 + 5).apkg
    release = build_deck(small_source, out, now=T1 + 10)

    alone = open_collection(tmp_path / "alone.anki2")
    import_apkg(alone, release.apkg)
    after_drafts = open_collection(tmp_path / "after-drafts.anki2")
    assert len(import_apkg(after_drafts, drafts).new) == 7
    assert len(import_apkg(after_drafts, second_draft).updated) == 6  # a newer draft updates the older one
    log = import_apkg(after_drafts, release.apkg)
    assert (len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting)) == (6, 0, 0, 0)

    guids = {row[0] for row in alone.db.all("select guid from notes")}
    draft_guids = {row[0] for row in after_drafts.db.all("select guid from notes")} - guids
    assert len(guids) == 6 and len(draft_guids) == 7
    assert release_state(after_drafts, guids) == release_state(alone, guids)
    assert len(release_state(alone, guids)["media"]) == 1  # the image both drafts and the release hold
    names = sorted(name.name for name in after_drafts.decks.all_names_and_ids())
    assert [name for name in names if "draft" in name] == [
        "Small Deck (draft)", "Small Deck (draft)::1 Key learnings", "Small Deck (draft)::2 Quiz",
        "Small Deck (draft)::3 Deep dive"]
    assert sorted(m.name for m in after_drafts.models.all_names_and_ids() if "draft" in m.name) == [
        "Builder Cloze (small draft)", "Builder Q&A (small draft)"]
    alone.close()
    after_drafts.close()
