"""A deck taken over from another tool, proven in the real Anki engine: its first release updates nothing.

A genanki package (Basic, Basic-and-reversed, Cloze and a three-field type of
two templates; tags with ``::`` and capitals; an image; two decks) is imported
into a fresh collection and every card reviewed. A builder source that says
exactly what the package holds (``guid:``, ``deck:``, raw HTML fields,
``additions: []``, the package's note types with their ``anki_id``, CSS and
templates, the image in ``<slug>.media/``) and the lock :func:`seed_lock` makes
from it are written by hand here, as ``builder import`` writes them. Then
``builder build``, and the release imported into the reviewed collection with
the options a user clicks through: nothing new, nothing updated, nothing
conflicting, no "+" note type, every card's interval and the review log as they
were. One field edited, rebuilt and imported: exactly one note updated.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import genanki
import pytest
from click.testing import CliRunner

from builder.cli import cli
from builder.errors import BuilderError, InvalidSource
from builder.lockread import read_lock
from builder.takeover import seed_lock
from tests.ankitools import import_apkg, note_by_guid, open_collection, review_everything
from tests.helpers.importpackages import TIMESTAMP, VOCAB, genanki_notes, genanki_package

LATER = TIMESTAMP + 90 * 86_400
"""When the deck is built: months after the package was made."""


def _q(value: str) -> str:
    """A YAML double-quoted scalar: JSON's string syntax is YAML's, every character kept."""
    return json.dumps(value, ensure_ascii=False)


def _types() -> dict[int, tuple[str, genanki.Model]]:
    models = (genanki.BASIC_MODEL, genanki.BASIC_AND_REVERSED_CARD_MODEL, genanki.CLOZE_MODEL, VOCAB)
    return {model.model_id: (key, model) for key, model in zip(("basic", "both", "gap", "vocab"), models,
                                                                strict=True)}


def source_text() -> str:
    """The source ``builder import`` would write for :func:`genanki_package`, every field raw HTML."""
    lines = ["title: Languages", "slug: languages", "deck: Languages", "additions: []", "note_types:"]
    for anki_id, (key, model) in _types().items():
        lines += [f"  - id: {key}", f"    name: {_q(model.name)}", f"    anki_id: {anki_id}",
                  f"    fields: [{', '.join(_q(field['name']) for field in model.fields)}]", "    templates:"]
        for template in model.templates:
            lines += [f"      - name: {_q(template['name'])}", f"        front: {_q(template['qfmt'])}",
                      f"        back: {_q(template['afmt'])}"]
        lines += [f"    css: {_q(model.css)}"]
        if model.model_type == genanki.Model.CLOZE:
            lines.append("    cloze: true")
    lines.append("notes:")
    for note in genanki_notes():
        key, model = _types()[note.model.model_id]
        deck = "Languages::French" if "french" in note.tags else "Languages"
        lines += [f"  - id: {note.guid}", f"    guid: {_q(note.guid)}", f"    deck: {_q(deck)}", f"    type: {key}"]
        if note.tags:
            lines.append(f"    tags: [{', '.join(_q(tag) for tag in note.tags)}]")
        lines.append("    fields:")
        lines += [f"      {_q(field['name'])}: {{html: {_q(value)}}}"
                  for field, value in zip(model.fields, note.fields, strict=True) if value]
        if note.guid == "basic-4":  # the package asks basic-1's question again
            lines.append("    lint: {ignore: [L302]}  # came with the import")
    return "\n".join(lines) + "\n"


def take_over(project: Path, package: Path) -> Path:
    """Write the source, its media folder and the seeded lock into ``project/cardsrc``, as the importer does."""
    folder = project / "cardsrc"
    (folder / "languages.media").mkdir(parents=True)
    shutil.copy(package.parent / "flag.png", folder / "languages.media" / "flag.png")
    source = folder / "languages.yaml"
    source.write_text(source_text(), encoding="utf-8")
    mods = {note.guid: TIMESTAMP for note in genanki_notes()}
    seed = seed_lock(source, mods, dict.fromkeys(_types(), TIMESTAMP), package.name,
                     hashlib.sha256(package.read_bytes()).hexdigest(), now=LATER)
    (folder / "languages.lock").write_bytes(seed.lock_text)
    return source


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return genanki_package(tmp_path_factory.mktemp("package"))


def history(col: Any) -> tuple[int, list[tuple[Any, ...]]]:
    """The review log's length, and every card's scheduling, by note GUID and card ordinal."""
    cards = col.db.all("select n.guid, c.ord, c.ivl, c.due, c.type, c.queue, c.reps, c.did from cards c "
                       "join notes n on n.id = c.nid order by n.guid, c.ord")
    return col.db.scalar("select count() from revlog"), cards


def notes_held(col: Any) -> dict[str, tuple[Any, ...]]:
    return {guid: (list(note.fields), sorted(note.tags), note.mod) for guid in col.db.list("select guid from notes")
            for note in [note_by_guid(col, guid)]}


def build(project: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(LATER))
    result = CliRunner().invoke(cli, ["build"])
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return result.stdout


def test_the_first_release_of_a_deck_taken_over_updates_nothing_and_an_edit_updates_one_note(
    package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    col = open_collection(tmp_path / "learner.anki2")
    first = import_apkg(col, package)
    assert len(first.new) == 10
    assert review_everything(col) == 15  # 4 Basic, 2 x 2 reversed, 3 deletions, 2 x 2 vocabulary cards
    before_history, before_notes = history(col), notes_held(col)
    before_types = sorted(model["name"] for model in col.models.all())
    descriptions = {name: col.decks.by_name(name)["desc"] for name in ("Languages", "Languages::French")}
    assert descriptions == {"Languages": "", "Languages::French": ""}

    project = tmp_path / "project"
    take_over(project, package)
    assert build(project, monkeypatch) == "Built dist/languages-1.0.0.apkg: 10 notes, 15 cards (version 1.0.0)\n"
    lock = read_lock(project / "cardsrc" / "languages.lock")
    assert lock is not None and lock.imported is None and lock.version == "1.0.0"
    assert {note.mod for note in lock.notes.values()} == {kind.mod for kind in lock.note_types.values()} == {TIMESTAMP}

    log = import_apkg(col, project / "dist" / "languages-1.0.0.apkg")
    counts = {name: len(getattr(log, name)) for name in ("new", "updated", "conflicting", "first_field_match",
                                                          "missing_notetype", "duplicate")}
    # Anki lists the matched notes it left alone (not newer) as "duplicate": all ten
    assert counts == {**dict.fromkeys(counts, 0), "duplicate": 10}
    col.close()
    col = open_collection(tmp_path / "learner.anki2")  # the note-type cache is stale after an import
    assert sorted(model["name"] for model in col.models.all()) == before_types  # no "+" copy, no builder type
    assert (history(col), notes_held(col)) == (before_history, before_notes)
    # Anki copies a package's deck description over the learner's: without builder's lines it stays as it was
    assert {name: col.decks.by_name(name)["desc"] for name in descriptions} == descriptions

    source = project / "cardsrc" / "languages.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("<i>four</i>, not five", "<i>four</i>"),
                      encoding="utf-8")
    assert build(project, monkeypatch) == "Built dist/languages-1.0.1.apkg: 10 notes, 15 cards (version 1.0.1)\n"
    log = import_apkg(col, project / "dist" / "languages-1.0.1.apkg")
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
    assert note_by_guid(col, "basic-2")["Back"] == "<i>four</i>"
    assert history(col) == before_history
    col.close()


def test_the_seed_says_what_each_note_holds_and_the_lock_reads_back(package: Path, tmp_path: Path) -> None:
    source = take_over(tmp_path, package)
    lock_file = source.with_name("languages.lock")
    lock = read_lock(lock_file)
    assert lock is not None and lock.version is None and lock.history == ()
    assert lock.imported is not None and lock.imported.package == "genanki-deck.apkg"
    assert lock_file.read_bytes() == lock.to_bytes()
    seed = seed_lock(source, {note.guid: TIMESTAMP + index for index, note in enumerate(genanki_notes())},
                     {}, "x.apkg", "0" * 64, now=LATER)
    by_id = {note.note_id: note for note in seed.notes}
    assert by_id["basic-3"].fields == {"Front": 'Which flag? <img src="flag.png">', "Back": "Blue"}
    assert by_id["cloze-1"].fields == {"Text": "The {{c1::Seine}} flows through {{c2::Paris}}.", "Back Extra": ""}
    assert (by_id["both-1"].tags, by_id["both-1"].deck) == (("french",), "Languages::French")
    assert (by_id["basic-1"].tags, by_id["basic-1"].deck) == (("geo::europe", "Capitals"), "Languages")
    assert by_id["vocab-2"].mod == TIMESTAMP + 9 and by_id["vocab-2"].type_id == VOCAB.model_id
    assert {kind.mod for kind in seed.lock.note_types.values()} == {LATER}  # no package mod given: now


@pytest.mark.parametrize(("change", "message"), [
    (lambda mods: mods.pop("basic-1"), "cardsrc/languages.yaml:{line}: note 'basic-1' has the GUID basic-1, "
                                       "which no note of the package has"),
    (lambda mods: mods.update({"basic-1": -1}), "the package gives note basic-1 the mod -1, not a time Anki keeps"),
])
def test_a_seed_without_the_package_s_times_is_refused(
    package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Any, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    take_over(Path("."), package)
    mods = {note.guid: TIMESTAMP for note in genanki_notes()}
    change(mods)
    with pytest.raises(BuilderError) as raised:
        seed_lock(Path("cardsrc/languages.yaml"), mods, {}, "p.apkg", "0" * 64, now=LATER)
    line = source_text().splitlines().index("  - id: basic-1") + 1
    assert str(raised.value) == message.format(line=line)


def test_a_seed_refuses_a_guid_another_source_in_the_target_folder_has(package: Path, tmp_path: Path) -> None:
    source = take_over(tmp_path / "staging", package)
    target = tmp_path / "target"
    target.mkdir()
    (target / "other.yaml").write_text(source_text().replace("slug: languages", "slug: other"), encoding="utf-8")
    with pytest.raises(InvalidSource) as raised:
        seed_lock(source, {}, {}, "p.apkg", "0" * 64, now=LATER, into=target)
    other = target / "other.yaml"
    assert raised.value.problems[0].message == (
        f"note type id 1485830179 (note type 'both') is also the id of note type 'both' in {other}: a learner who "
        "imports both decks would get one note type for two, each import replacing the other's templates; change "
        "or remove the anki_id that repeats it")
    assert [problem.code for problem in raised.value.problems] == ["E151", "E152"]
    assert raised.value.problems[1].message == (
        f"note 'basic-1' has the GUID basic-1, which note 'basic-1' of {other} has too: Anki would "
        "take the two for one note, each deck's import overwriting the other's; a GUID belongs to one note of one deck")


# --- what a source taken over may say, and what a build refuses (no engine needed) ---------------------------

SMALL_TAKEN = """\
title: Small taken
slug: taken
deck: Taken
additions: []
note_types:
  - id: basic
    name: Basic
    anki_id: 1559383000
    fields: [Front, Back]
    templates:
      - name: Card 1
        front: "{{Front}}"
        back: "{{FrontSide}}<hr id=answer>{{Back}}"
notes:
  - id: one
    guid: "f{Xq1]x#Ah"
    deck: Taken::Sub
    type: basic
    fields:
      Front: {html: "<img src=\\"flag.png\\"> one"}
      Back: two
"""


def project_with(tmp_path: Path, text: str = SMALL_TAKEN, media: dict[str, bytes] | None = None) -> Path:
    from tests.helpers.importpackages import png

    folder = tmp_path / "cardsrc"
    (folder / "taken.media").mkdir(parents=True)
    for name, data in (media or {"flag.png": png(90)}).items():
        (folder / "taken.media" / name).write_bytes(data)
    (folder / "taken.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def run(project: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.chdir(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(LATER))
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file() and ".builder-cache" not in path.parts}


def test_the_media_folder_is_packaged_by_name_and_a_changed_file_is_a_patch_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    from tests.helpers.importpackages import png

    project = project_with(tmp_path, media={"flag.png": png(90), "_font.woff2": b"font"})
    assert run(project, monkeypatch, "build")[0] == 0
    with zipfile.ZipFile(project / "dist" / "taken-1.0.0.apkg") as package:
        index = json.loads(package.read("media"))
        assert {name: package.read(number) for number, name in index.items()} == {
            "_font.woff2": b"font", "flag.png": png(90)}
    lock = read_lock(project / "cardsrc" / "taken.lock")
    assert lock is not None and set(lock.deck_hashes) == {"description", "media/_font.woff2", "media/flag.png"}
    (project / "cardsrc" / "taken.media" / "flag.png").write_bytes(png(200))
    (project / "cardsrc" / "taken.media" / "new.txt").write_bytes(b"new")
    assert run(project, monkeypatch, "diff") == (
        0, "taken: 1.0.0 -> 1.0.1, patch\n  ~ media file flag.png\n  + media file new.txt\n", "")
    assert run(project, monkeypatch, "build")[1] == "Built dist/taken-1.0.1.apkg: 1 notes, 1 cards (version 1.0.1)\n"
    with monkeypatch.context() as no_full_build:  # the no-op rebuild, which parses nothing, sees the folder too
        no_full_build.setattr("builder.build._build_locked", None)
        assert run(project, monkeypatch, "build")[1].startswith("Unchanged dist/taken-1.0.1.apkg")
    (project / "cardsrc" / "taken.media" / "late.txt").write_bytes(b"late")
    assert run(project, monkeypatch, "build")[1].startswith("Built dist/taken-1.0.2.apkg")
    (project / "cardsrc" / "taken.media" / "late.txt").unlink()
    (project / "cardsrc" / "taken.media" / "new.txt").unlink()  # seen by the no-op rebuild too
    assert run(project, monkeypatch, "diff")[1] == (
        "taken: 1.0.2 -> 1.0.3, patch\n  - media file late.txt\n  - media file new.txt\n")
    assert run(project, monkeypatch, "build")[1].startswith("Built dist/taken-1.0.3.apkg")


def _link(folder: Path) -> None:
    (folder / "evil.png").symlink_to("/etc/passwd")


@pytest.mark.parametrize(("damage", "message"), [
    (_link, "{media}/evil.png: is a symbolic link, which builder never follows: the media folder holds the deck's "
            "media files themselves, directly in it"),
    (lambda folder: (folder / "sub").mkdir(), "{media}/sub: is a folder, not a regular file: the media folder "
                                              "holds the deck's media files themselves, directly in it"),
    (lambda folder: os.mkfifo(folder / "pipe"),
     "{media}/pipe: is a pipe, not a regular file: the media folder holds the deck's media files themselves, "
     "directly in it"),
    (lambda folder: (folder / ".DS_Store").write_bytes(b"x"),
     "{media}/.DS_Store: the media file name '.DS_Store' starts with a dot (hidden, or a folder's own '.' and '..'): "
     "Anki could not keep it; rename or remove it"),
    (lambda folder: (shutil.rmtree(folder), folder.symlink_to("/tmp")),
     "{media}: the media folder is a symbolic link, which builder never follows: make it a folder of the deck's "
     "media files"),
], ids=["link", "folder", "pipe", "hidden", "folder-a-link"])
def test_what_a_media_folder_must_not_hold_is_one_line_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: Any, message: str
) -> None:
    project = project_with(tmp_path)
    damage(project / "cardsrc" / "taken.media")
    before = files(project)
    status, stdout, stderr = run(project, monkeypatch, "build")
    assert (status, stdout, stderr) == (1, "", "Error: " + message.format(media="cardsrc/taken.media") + "\n")
    assert files(project) == before


def test_a_released_note_s_guid_never_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = project_with(tmp_path)
    assert run(project, monkeypatch, "build")[0] == 0
    source = project / "cardsrc" / "taken.yaml"
    source.write_text(SMALL_TAKEN.replace('guid: "f{Xq1]x#Ah"', "guid: other"), encoding="utf-8")
    before = files(project)
    expected = ("Error: cardsrc/taken.yaml:15: note 'one': the lock gives it GUID f{Xq1]x#Ah; a GUID never changes, "
                "or learners get a duplicate and lose its history: give it 'guid: f{Xq1]x#Ah', or the GUID it had\n")
    assert run(project, monkeypatch, "build") == (1, "", expected)
    assert run(project, monkeypatch, "diff")[::2] == (1, expected)
    assert run(project, monkeypatch, "check") == (1, expected.removeprefix("Error: ").replace(":15: ", ":15:5: E161 "),
                                                  "Found 1 error and 0 warnings in 1 source.\n")
    source.write_text(SMALL_TAKEN.replace('    guid: "f{Xq1]x#Ah"\n', ""), encoding="utf-8")  # back to a derived one
    assert run(project, monkeypatch, "build")[2].startswith("Error: cardsrc/taken.yaml:15: note 'one': the lock gives "
                                                             "it GUID f{Xq1]x#Ah; a GUID never changes")
    after = files(project)
    assert {**after, "cardsrc/taken.yaml": b""} == {**before, "cardsrc/taken.yaml": b""}  # no release, no lock


def test_raw_html_with_a_script_builds_only_with_unsafe_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = project_with(tmp_path, SMALL_TAKEN.replace("Back: two", "Back: {html: \"<b onclick='x()'>two</b>\"}"))
    assert run(project, monkeypatch, "build") == (
        1, "", "Error: cardsrc/taken.yaml:21: note 'one': field 'Back' is raw HTML with a script: Anki would run or "
               "fetch it on every learner's device; remove it, or build with --unsafe-html if every learner can "
               "trust this source\n")
    assert not (project / "dist").exists()
    status, stdout, _ = run(project, monkeypatch, "build", "--unsafe-html")
    assert (status, stdout) == (0, "Built dist/taken-1.0.0.apkg: 1 notes, 1 cards (version 1.0.0)\n")


def test_without_hashed_media_an_image_keeps_its_name_and_two_files_of_one_name_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    from tests.helpers.importpackages import png

    text = SMALL_TAKEN.replace("Back: two", "Back: \"![a flag](pics/flag.png)\"")
    project = project_with(tmp_path, text)
    (project / "cardsrc" / "pics").mkdir()
    (project / "cardsrc" / "pics" / "flag.png").write_bytes(png(90))  # the same bytes as the media folder's
    assert run(project, monkeypatch, "build")[0] == 0
    with zipfile.ZipFile(project / "dist" / "taken-1.0.0.apkg") as package:
        assert list(json.loads(package.read("media")).values()) == ["flag.png"]
    (project / "cardsrc" / "pics" / "flag.png").write_bytes(png(10))
    status, _, stderr = run(project, monkeypatch, "build")
    assert (status, stderr) == (1, "Error: cardsrc/taken.yaml:21: two different files would be the package's "
                                   "media file 'flag.png': cardsrc/pics/flag.png, shown here, and "
                                   "cardsrc/taken.media/flag.png, in the media folder; Anki keeps one file per name, "
                                   "so both would show the same picture: rename one of them, or add hashed-media to "
                                   "the source's additions (images then named by their bytes)\n")


@pytest.mark.parametrize(("name", "refusal"), [
    ("flag.png", None), ("_font.woff2", None), ("é" * 127, None), ("a b (1).png", None),
    ("é" * 128, "is longer than 255 bytes"), (".hidden", "starts with a dot (hidden, or a folder's own '.' and '..')"),
    ("..", "starts with a dot (hidden, or a folder's own '.' and '..')"),
    ("a\\b.png", "has a '/', '\\' or NUL in it"), ("a/b.png", "has a '/', '\\' or NUL in it"),
    ("a\0b", "has a '/', '\\' or NUL in it"),
])
def test_media_file_names_anki_could_not_keep_are_refused(name: str, refusal: str | None) -> None:
    from builder.media import media_name_refusal

    assert media_name_refusal(name) == refusal


def test_without_builder_s_tags_a_tag_named_like_a_kind_is_the_author_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Builder's kind tag goes with the subdeck, so it alone changing is placement; a deck's own "quiz" tag is not."""
    project = project_with(tmp_path, SMALL_TAKEN.replace("    type: basic\n", "    type: basic\n    tags: [quiz, x]\n"))
    assert run(project, monkeypatch, "build")[0] == 0
    (project / "cardsrc" / "taken.yaml").write_text(SMALL_TAKEN.replace("    type: basic\n", "    type: basic\n"
                                                                        "    tags: [x]\n"), encoding="utf-8")
    assert run(project, monkeypatch, "diff")[1] == "taken: 1.0.0 -> 1.0.1, patch\n  ~ one: tags\n"


def test_a_deck_description_taken_over_as_raw_html_is_what_learners_keep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anki replaces a deck's description with the package's on every import: ``{html: ...}`` keeps the original."""
    described = "<b>Words</b> by Ada<br>\nsee <i>notes</i>"
    deck = genanki.Deck(2_000_000_077, "Taken", description=described)
    deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, guid="n1", fields=["one", "two"]))
    genanki.Package([deck]).write_to_file(tmp_path / "described.apkg", timestamp=TIMESTAMP)
    col = open_collection(tmp_path / "learner.anki2")
    import_apkg(col, tmp_path / "described.apkg")
    assert col.decks.by_name("Taken")["desc"] == described

    text = SMALL_TAKEN.replace("additions: []\n", f"additions: []\ndescription: {{html: {_q(described)}}}\n")
    text = text.replace("anki_id: 1559383000", "anki_id: 1559383000\n    css: " + _q(genanki.BASIC_MODEL.css))
    text = text.replace("name: Basic\n", f"name: {_q(genanki.BASIC_MODEL.name)}\n").replace(
        "back: \"{{FrontSide}}<hr id=answer>{{Back}}\"", "back: " + _q(genanki.BASIC_MODEL.templates[0]["afmt"]))
    text = text.replace('guid: "f{Xq1]x#Ah"', "guid: n1").replace("deck: Taken::Sub", "deck: Taken").replace(
        '{html: "<img src=\\"flag.png\\"> one"}', "one")
    project = project_with(tmp_path / "p", text)
    source = project / "cardsrc" / "taken.yaml"
    seed = seed_lock(source, {"n1": TIMESTAMP}, {genanki.BASIC_MODEL.model_id: TIMESTAMP}, "described.apkg",
                     "0" * 64, now=LATER)
    source.with_name("taken.lock").write_bytes(seed.lock_text)
    assert run(project, monkeypatch, "build")[0] == 0
    log = import_apkg(col, project / "dist" / "taken-1.0.0.apkg")
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 0)
    assert col.decks.by_name("Taken")["desc"] == described
    col.close()


@pytest.mark.parametrize(("description", "message"), [
    ('{html: "<img src=\\"https://example.com/t.png\\">"}', "a remote load"),
    ('{html: "<script>x()</script>"}', "a script"),
])
def test_a_raw_description_that_runs_or_loads_builds_only_with_unsafe_html(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, description: str, message: str
) -> None:
    text = SMALL_TAKEN.replace("additions: []\n", f"additions: []\ndescription: {description}\n")
    project = project_with(tmp_path, text)
    assert run(project, monkeypatch, "build") == (
        1, "", f"Error: cardsrc/taken.yaml:5: the deck's description is raw HTML with {message}: Anki would run or "
               "fetch it on every learner's device; remove it, or build with --unsafe-html if every learner can "
               "trust this source\n")
    status, stdout, _ = run(project, monkeypatch, "check")
    assert status == 1 and stdout == (
        f"cardsrc/taken.yaml:5:14: E168 the deck's description is raw HTML with {message}: a build refuses it without "
        "--unsafe-html, as Anki would run or fetch it on every learner's device\n")
    assert run(project, monkeypatch, "build", "--unsafe-html")[0] == 0
