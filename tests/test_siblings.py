"""What sources in one folder claim is each one's own: slug (E150), note-type ids (E151), GUIDs (E152).

Refused by every command, even when one source is named. A copied deck file keeps
the slug: without this check one build retires the other file's notes (a major
release per file per build), and equal ids make both files write the same GUIDs.
A note taken over keeps its GUID (``guid:``), which no other source's note may have.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder import siblings
from builder.cache import write_checked
from builder.cli import cli
from builder.identity import note_guid, note_type_id
from builder.layout import CACHE_FOLDER
from builder.siblings import SIBLING_CACHE, Declared, claimed_ids, declarations_in, sibling_problems
from builder.watch import WatchSet, describe, draft_source, watch_loop
from tests.conftest import SMALL_SOURCE

SLUGS = [
    ("plain", b"title: T\nslug: mini\nnotes: []\n", ("mini", 2, 7)),
    ("single-quoted", b"slug: 'mini'\n", ("mini", 1, 7)),
    ("double-quoted", b'slug: "mini"  # the deck\'s name\n', ("mini", 1, 7)),
    ("commented", b"# slug: other\ntitle: T # slug: other\nslug: mini # not 'other'\n", ("mini", 3, 7)),
    ("crlf", b"title: T\r\nslug: mini\r\n", ("mini", 2, 7)),
    ("bom", b"\xef\xbb\xbfslug: mini\n", ("mini", 1, 7)),
    ("flow", b"{title: T, slug: mini, notes: []}\n", ("mini", 1, 18)),
    ("after-the-notes", b"notes:\n  - id: a\n    slug: inner\nsource: {slug: no}\nslug: mini\n", ("mini", 5, 7)),
    ("block-scalar", b"slug: >-\n  mini\n", ("mini", 1, 7)),
    ("document-marker", b"---\nslug: mini\n...\n", ("mini", 2, 7)),
    ("only-nested", b"source:\n  slug: mini\nnotes:\n  - slug: mini\n", None),
    ("key-as-value", b"title: slug\ndeck: [slug, mini]\n", None),
    ("a-list", b"slug: [mini]\n", None),
    ("a-mapping", b"slug: {a: mini}\n", None),
    ("an-alias", b"x: &a mini\nslug: *a\n", None),
    ("after-an-alias", b"x: &a mini\ny: *a\nslug: mini\n", ("mini", 3, 7)),
    ("no-slug", b"title: T\n", None),
    ("a-list-document", b"- slug: mini\n", None),
    ("syntax-error-first", b"title: [T\nslug: mini\n", None),
    ("empty", b"", None),
]


@pytest.mark.parametrize(("data", "expected"), [case[1:] for case in SLUGS], ids=[case[0] for case in SLUGS])
def test_slug_is_parsed_not_matched(data: bytes, expected: tuple[str, int, int] | None) -> None:
    found = declarations_in(data)
    assert ((found.slug, *found.slug_at) if found.slug else None) == expected


@pytest.mark.parametrize(("text", "types", "notes"), [
    ("slug: a\nnotes: []\n", (), None),
    ("notes: [{fields: {id: x}}]\nnote_types:\n  - {id: v, anki_id: 12}\n  - name: X\n    id: w\nslug: 'a'\n",
     ("v=12", "w"), None),
    ("slug: a\nnote_types: {id: v}\n", (), None),
    ("slug: a\nnote_types:\n  - id: v\n  - : broken", ("v",), None),
    ("slug: a\nnotes:\n  - {id: n1, guid: 'abc'}\n  - id: n2\n  - {guid: x}\n  - id: [n4]\n", (),
     (("n1", "abc"), ("n2", ""))),
    ("notes:\n  - id: n1\n    fields: {guid: x}\n  - guid: y\n    id: n2\nslug: a\n", (), (("n1", ""), ("n2", "y"))),
])
def test_a_sibling_s_declarations_are_read_event_by_event(
    text: str, types: tuple[str, ...], notes: tuple[tuple[str, str], ...] | None
) -> None:
    assert declarations_in(text.encode()) == Declared("a", (text.split("\n").index(
        next(line for line in text.split("\n") if line.startswith("slug"))) + 1, 7), types, notes)


def test_without_guid_in_its_bytes_a_sibling_is_read_to_its_slug_unless_its_note_ids_are_asked_for() -> None:
    text = b"slug: a\nnotes:\n  - id: n1\n"
    assert declarations_in(text).notes is None
    assert declarations_in(text, notes=True).notes == (("n1", ""),)


def test_claimed_ids_are_the_built_ins_and_each_declared_type() -> None:
    claims = claimed_ids(Declared("a", (1, 7), ("v=12", "w", "bad=1x", "../x")))
    assert claims[12] == "note type 'v'" and claims[note_type_id("a", "w")] == "note type 'w'"
    assert claims[note_type_id("a", "cloze")] == "the cloze type"
    assert len(claims) == 6  # four built-ins, v and w; what no build could use is left out
    assert claimed_ids(Declared()) == {}


COPY = Path("cardsrc/copy.yaml")
SMALL = Path("cardsrc/small.yaml")


def copy_of_small(project: Path, text: str = SMALL_SOURCE) -> str:
    """``builder new``'s way to start a deck: copy one and change the ids (but not the slug)."""
    copied = text.replace("id: learn-", "id: copied-learn-").replace("id: quiz-", "id: copied-quiz-")
    (project / COPY).write_text(copied, encoding="utf-8")
    return copied


def message(source: Path, others: str, where: str = "2") -> str:
    return (f"{source}:{where}: slug 'small' is also the slug of {others}: sources in one folder with one slug "
            "share the lock cardsrc/small.lock and their notes' identities in Anki, and would retire or "
            "overwrite each other's notes; give the new deck a slug of its own")


def released(project: Path) -> dict[str, bytes]:
    return {str(path.relative_to(project)): path.read_bytes()
            for folder in (project / "cardsrc", project / "dist") if folder.exists()
            for path in sorted(folder.iterdir()) if path.is_file()}


@pytest.mark.parametrize("args", [["build"], ["build", "--no-cache"]], ids=["build", "no-cache"])
def test_build_of_every_source_refuses_both_and_writes_nothing(project: Path, args: list[str]) -> None:
    copy_of_small(project)
    before = released(project)
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"Error: {message(COPY, 'cardsrc/small.yaml')}\n"
                             f"Error: {message(SMALL, 'cardsrc/copy.yaml')}\n")
    assert released(project) == before and not (project / "dist").exists()


@pytest.mark.parametrize("args", [[], ["--no-cache"]], ids=["cache", "no-cache"])
def test_an_unchanged_release_is_refused_once_a_copy_appears(project: Path, args: list[str]) -> None:
    """The no-op rebuild parses nothing, and still looks at the sources beside it."""
    runner = CliRunner()
    assert runner.invoke(cli, ["build", str(SMALL), *args]).exit_code == 0
    copy_of_small(project)
    before = released(project)
    result = runner.invoke(cli, ["build", str(SMALL), *args])
    expected = f"Error: {message(SMALL, 'cardsrc/copy.yaml')}\n"
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", expected)
    assert released(project) == before


def test_diff_names_both_files(project: Path) -> None:
    copy_of_small(project)
    result = CliRunner().invoke(cli, ["diff", str(COPY), "--exit-code"])
    expected = f"Error: {message(COPY, 'cardsrc/small.yaml')}\n"
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", expected)  # an error, not "changes"


def test_check_reports_e150_at_the_slug(project: Path) -> None:
    copy_of_small(project)
    result = CliRunner().invoke(cli, ["check", str(SMALL)])
    assert result.exit_code == 1
    assert result.stdout == f"{message(SMALL, 'cardsrc/copy.yaml', '2:7').replace(': slug', ': E150 slug', 1)}\n"
    assert result.stderr == "Found 1 error and 0 warnings in 1 source.\n"


def test_watch_reports_it_and_goes_on(project: Path) -> None:
    copy_of_small(project)
    lines: list[str] = []
    watch_loop([set()], WatchSet(named=(SMALL,)), lambda path: draft_source(path, Path("dist")),
               lambda outcome: lines.extend(describe(outcome)))
    assert lines[0] == message(SMALL, "cardsrc/copy.yaml", "2:7").replace(": slug", ": E150 slug", 1)
    assert lines[1].startswith("Not rebuilt cardsrc/small.yaml (")
    assert len(lines) == 2


@pytest.mark.parametrize(("copies", "named"), [
    (["copy.yaml", "third.yml"], "cardsrc/copy.yaml and cardsrc/third.yml"),
    (["c1.yaml", "c2.yaml", "c3.yml"], "cardsrc/c1.yaml, cardsrc/c2.yaml and cardsrc/c3.yml"),
    ([f"c{n}.yaml" for n in range(1, 6)], "cardsrc/c1.yaml, cardsrc/c2.yaml, cardsrc/c3.yaml and 2 more"),
])
def test_every_other_source_is_named_up_to_three(project: Path, copies: list[str], named: str) -> None:
    for name in copies:
        (project / "cardsrc" / name).write_text(SMALL_SOURCE.replace("slug: small", 'slug: "small"  # copied'))
    result = CliRunner().invoke(cli, ["build", str(SMALL)])
    assert result.stderr == f"Error: {message(SMALL, named)}\n"


@pytest.mark.parametrize("written", [
    'title: Copy\r\nslug: "small"\r\ndeck: Copy\r\n',  # quoted, CRLF
    "{title: Copy, slug: small, deck: Copy}\n",  # flow style: the rest is refused by its own build
    "title: Copy\n# slug: other\nslug: small # same\nnotes: [\n",  # a half-edited file still has its slug
])
def test_however_the_other_file_writes_its_slug(project: Path, written: str) -> None:
    (project / COPY).write_text(written, encoding="utf-8", newline="")
    result = CliRunner().invoke(cli, ["build", str(SMALL)])
    assert (result.exit_code, result.stderr) == (1, f"Error: {message(SMALL, 'cardsrc/copy.yaml')}\n")


def test_other_slugs_links_to_itself_backups_and_pipes_are_not_others(project: Path) -> None:
    folder = project / "cardsrc"
    (folder / "other.yaml").write_text(SMALL_SOURCE.replace("slug: small", "slug: other"))
    (folder / "alias.yaml").symlink_to("small.yaml")
    os.link(folder / "small.yaml", folder / "hardlink.yaml")
    (folder / ".#small.yaml").write_text(SMALL_SOURCE)  # an editor's lock file
    (folder / "small.yaml.bak").write_text(SMALL_SOURCE)
    (folder / "dangling.yaml").symlink_to("gone.yaml")
    (folder / "folder.yaml").mkdir()
    os.mkfifo(folder / "pipe.yaml")  # opening it for reading would wait forever
    (folder / "sub").mkdir()
    (folder / "sub" / "small.yaml").write_text(SMALL_SOURCE)  # another folder has its own locks
    assert sibling_problems(folder / "small.yaml") == []
    result = CliRunner().invoke(cli, ["build", str(SMALL)])
    assert (result.exit_code, result.stderr) == (0, "")


def test_a_no_op_rebuild_keeps_the_slugs_it_read_and_sees_a_changed_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    (project / "cardsrc" / "other.yaml").write_text(SMALL_SOURCE.replace("slug: small", "slug: other"))
    assert runner.invoke(cli, ["build", str(SMALL)]).exit_code == 0
    reads: list[str] = []
    real_read = siblings._read

    def counted(path: Path, *, notes: bool) -> Declared:
        reads.append(path.name)
        return real_read(path, notes=notes)

    monkeypatch.setattr(siblings, "_read", counted)
    for _ in range(2):
        assert runner.invoke(cli, ["build", str(SMALL)]).stdout.startswith("Unchanged ")
    assert reads == ["small.yaml", "other.yaml"]  # the second no-op rebuild read both from .builder-cache/
    assert (project / "cardsrc" / CACHE_FOLDER / SIBLING_CACHE).is_file()
    (project / "cardsrc" / "other.yaml").write_text(SMALL_SOURCE.replace("id: learn-one", "id: learn-1"))
    result = runner.invoke(cli, ["build", str(SMALL)])
    assert (result.exit_code, result.stderr) == (1, f"Error: {message(SMALL, 'cardsrc/other.yaml')}\n")


@pytest.mark.parametrize("damage", [
    b"not a cache file",
    [1, 2, 3],
    {"other.yaml": "other"},
    {"other.yaml": [1, 2, "x", "other"]},
    {"other.yaml": [1, 2, 3, 4]},
    {"other.yaml": [1, 2, 3, 4, 5, "other"]},
    {"../../etc/passwd": [1, 2, 3, "small"]},
], ids=["not-a-cache-file", "a-list", "no-stamp", "not-a-number", "slug-not-text", "too-long", "other-path"])
def test_a_damaged_slug_cache_is_read_past_and_rewritten(project: Path, damage: object) -> None:
    runner = CliRunner()
    (project / "cardsrc" / "other.yaml").write_text(SMALL_SOURCE.replace("slug: small", "slug: other"))
    for _ in range(2):  # a build, then a no-op rebuild that writes the slug cache
        assert runner.invoke(cli, ["build", str(SMALL)]).exit_code == 0
    cache_file = project / "cardsrc" / CACHE_FOLDER / SIBLING_CACHE
    good = cache_file.read_bytes()
    if isinstance(damage, bytes):
        cache_file.write_bytes(damage)
    else:
        write_checked(cache_file, SIBLING_CACHE, damage)
    result = runner.invoke(cli, ["build", str(SMALL)])
    assert (result.exit_code, result.stderr) == (0, "") and result.stdout.startswith("Unchanged ")
    assert cache_file.read_bytes() == good


# --- GUIDs (E152): a note taken over keeps its GUID, which no note of another source in the folder may have ---

def with_guid(guid: str) -> str:
    """A deck of its own slug whose note 'quiz-one' gives ``guid``."""
    return SMALL_SOURCE.replace("slug: small", "slug: taken").replace(
        "  - id: quiz-one\n", f"  - id: quiz-one\n    guid: {json.dumps(guid)}\n")


def guid_message(source: Path, other: Path, guid: str, their_note: str, line: int = 20) -> str:
    return (f"{source}:{line}: note 'quiz-one' has the GUID {guid}, which note '{their_note}' of {other} has too: "
            "Anki would take the two for one note, each deck's import overwriting the other's; a GUID belongs to "
            "one note of one deck")


@pytest.mark.parametrize(("guid", "their_note"), [
    (note_guid("small", "deep-one"), "deep-one"),  # the GUID builder derives for another deck's note
    ("shared-guid", "quiz-two"),  # a GUID the other source gives too
], ids=["derived", "given"])
def test_a_guid_another_source_has_is_refused_by_build_check_and_the_no_op_rebuild(
    project: Path, guid: str, their_note: str
) -> None:
    taken = Path("cardsrc/taken.yaml")
    runner = CliRunner()
    if guid == "shared-guid":  # the small deck gives it to one of its notes
        (project / SMALL).write_text(SMALL_SOURCE.replace("  - id: quiz-two\n", "  - id: quiz-two\n    guid: "
                                                          "shared-guid\n"), encoding="utf-8")
    assert runner.invoke(cli, ["build", str(SMALL)]).exit_code == 0  # alone, a GUID of its own
    (project / taken).write_text(with_guid(guid), encoding="utf-8")
    before = released(project)
    result = runner.invoke(cli, ["build", str(taken)])
    assert (result.exit_code, result.stderr) == (1, f"Error: {guid_message(taken, SMALL, guid, their_note)}\n")
    result = runner.invoke(cli, ["check", str(taken)])
    assert result.stdout == guid_message(taken, SMALL, guid, their_note).replace(": note", ": E152 note", 1) + "\n"
    assert released(project) == before
    if guid == "shared-guid":  # the other source's no-op rebuild, which parses nothing, sees it too
        result = runner.invoke(cli, ["build", str(SMALL)])
        assert result.exit_code == 1
        assert result.stderr == (f"Error: {SMALL}: note 'quiz-two' has the GUID shared-guid, which note 'quiz-one' "
                                 f"of {taken} has too: Anki would take the two for one note, each deck's import "
                                 "overwriting the other's; a GUID belongs to one note of one deck\n")


def test_a_guid_another_source_gives_that_this_one_derives_is_refused_from_both_sides(project: Path) -> None:
    """A deck taken over from this deck's own release: its notes give the GUIDs the small deck derives."""
    runner = CliRunner()
    guid = note_guid("small", "quiz-one")
    assert runner.invoke(cli, ["build", str(SMALL)]).exit_code == 0
    (project / "cardsrc" / "taken.yaml").write_text(with_guid(guid), encoding="utf-8")
    for args in (["build", str(SMALL)], ["build", str(SMALL), "--no-cache"]):  # the no-op rebuild's path, then not
        result = runner.invoke(cli, args)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"Error: {SMALL}:")
        assert f"note 'quiz-one' has the GUID {guid}, which note 'quiz-one' of cardsrc/taken.yaml has too" in (
            result.stderr)
    result = runner.invoke(cli, ["check", str(SMALL)])
    assert f"{SMALL}:20: E152 note 'quiz-one' has the GUID {guid}" in result.stdout
