"""No-op rebuilds: skipped only while every input and released file is exactly as last built."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from builder.build import build_deck
from builder.cache import read_checked, write_checked
from builder.errors import ReleaseError
from builder.lastbuild import inputs_hash
from builder.layout import CACHE_FOLDER, last_build_path
from tests.helpers.images import write_png

T1 = 1_700_000_000
T2 = T1 + 86_400
Edit = Callable[[Path, str, str], None]


def files_state(*folders: Path) -> dict[Path, tuple[bytes, int]]:
    return {path: (path.read_bytes(), path.stat().st_mtime_ns)
            for folder in folders for path in sorted(folder.iterdir()) if path.is_file()}


def test_an_unchanged_rebuild_is_skipped_and_touches_nothing(small_source: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    first = build_deck(small_source, out, now=T1, reuse=True)
    before = files_state(out, small_source.parent, small_source.parent / CACHE_FOLDER)
    again = build_deck(small_source, out, now=T2, reuse=True)
    assert again.plan is None, "the rebuild should have been skipped"
    assert (again.apkg, again.sha256, again.written) == (first.apkg, first.sha256, ())
    assert (again.version, again.note_count, again.card_count) == ("1.0.0", 6, 7)
    assert files_state(out, small_source.parent, small_source.parent / CACHE_FOLDER) == before


def remove_apkg(out: Path, source: Path) -> None:
    next(out.glob("*.apkg")).unlink()


def remove_changelog(out: Path, source: Path) -> None:
    next(out.glob("*-CHANGELOG.md")).unlink()


def damage_record(out: Path, source: Path) -> None:
    last_build_path(source).write_bytes(last_build_path(source).read_bytes()[:-2])


def edit_lock(out: Path, source: Path) -> None:
    lock = source.with_name("small.lock")
    lock.write_text(lock.read_text() + " ")


def remove_cache(out: Path, source: Path) -> None:
    for item in (source.parent / CACHE_FOLDER).iterdir():
        item.unlink()


@pytest.mark.parametrize("change", [remove_apkg, remove_changelog, damage_record, edit_lock, remove_cache])
def test_anything_missing_or_different_means_a_full_build(
    small_source: Path, tmp_path: Path, change: Callable[[Path, Path], None]
) -> None:
    out = tmp_path / "dist"
    first = build_deck(small_source, out, now=T1, reuse=True)
    change(out, small_source)
    again = build_deck(small_source, out, now=T2, reuse=True)
    assert again.plan is not None, "a full build was expected"
    assert again.sha256 == first.sha256 and next(out.glob("*.apkg")).read_bytes() == first.apkg.read_bytes()
    assert len(list(out.glob("*-CHANGELOG.md"))) == 1
    assert build_deck(small_source, out, now=T2, reuse=True).plan is None, "and then a skip again"


def test_a_released_file_changed_in_dist_is_still_refused(small_source: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    first = build_deck(small_source, out, now=T1, reuse=True)
    first.apkg.write_bytes(first.apkg.read_bytes() + b"tampered")
    with pytest.raises(ReleaseError, match="already exists with other content"):
        build_deck(small_source, out, now=T2, reuse=True)


def test_an_edited_source_is_built_and_released(small_source: Path, tmp_path: Path, edit_source: Edit) -> None:
    out = tmp_path / "dist"
    build_deck(small_source, out, now=T1, reuse=True)
    edit_source(small_source, "answer: Answers.", "answer: Better answers.")
    again = build_deck(small_source, out, now=T2, reuse=True)
    assert again.plan is not None and again.version == "1.0.1" and again.apkg.name == "small-1.0.1.apkg"
    assert build_deck(small_source, out, now=T2, reuse=True).plan is None


def test_another_out_folder_is_a_full_build(small_source: Path, tmp_path: Path) -> None:
    build_deck(small_source, tmp_path / "a", now=T1, reuse=True)
    elsewhere = build_deck(small_source, tmp_path / "b", now=T2, reuse=True)
    assert elsewhere.plan is not None and elsewhere.apkg.is_file()


IMAGE_PLACES = {
    "answer": ("answer: Answers.", "answer: '![a pic](pic.png)'"),
    "description": ("tags: [testing]", "tags: [testing]\ndescription: '![a pic](pic.png)'"),
}


@pytest.mark.parametrize("place", IMAGE_PLACES)
def test_an_edited_image_is_packed_again(small_source: Path, tmp_path: Path, edit_source: Edit, place: str) -> None:
    out = tmp_path / "dist"
    write_png(small_source.parent / "pic.png", 2, 2)
    edit_source(small_source, *IMAGE_PLACES[place])
    first = build_deck(small_source, out, now=T1, reuse=True)
    assert build_deck(small_source, out, now=T1, reuse=True).plan is None
    write_png(small_source.parent / "pic.png", 5, 5)
    again = build_deck(small_source, out, now=T2, reuse=True)
    assert again.plan is not None and again.version == "1.0.1" and again.sha256 != first.sha256


def test_the_record_names_outputs_relative_to_the_out_folder(small_source: Path, tmp_path: Path) -> None:
    build_deck(small_source, tmp_path / "dist", now=T1, reuse=True)
    header, body = last_build_path(small_source).read_bytes().split(b"\n", 1)
    record = json.loads(body)
    assert (record["apkg"], record["changelog"]) == ("small-1.0.0.apkg", "small-CHANGELOG.md")
    assert header.startswith(b"builder-cache last-build 1 ")


@pytest.mark.parametrize(
    ("slug_line", "skipped"),
    [("slug: small", True), ("slug: small  # never change it", True), ('slug: "small"', False),
     ("slug: 'small'", False)],
)
def test_only_a_slug_found_without_parsing_lets_a_rebuild_be_skipped(
    small_source: Path, tmp_path: Path, edit_source: Edit, slug_line: str, skipped: bool
) -> None:
    edit_source(small_source, "slug: small", slug_line)
    first = build_deck(small_source, tmp_path / "dist", now=T1, reuse=True)
    again = build_deck(small_source, tmp_path / "dist", now=T2, reuse=True)
    assert (again.plan is None, again.sha256, again.written) == (skipped, first.sha256, ())


def test_windows_line_endings_still_allow_a_skip(small_source: Path, tmp_path: Path) -> None:
    small_source.write_bytes(small_source.read_bytes().replace(b"\n", b"\r\n"))
    build_deck(small_source, tmp_path / "dist", now=T1, reuse=True)
    assert build_deck(small_source, tmp_path / "dist", now=T2, reuse=True).plan is None


# --- the record is read back, so it may only name what the build itself computes ------------
def resign(source: Path, change: Callable[[dict[str, Any], Path], None]) -> None:
    """Change the last record as someone with this machine's key could, the inputs hash kept right."""
    record = read_checked(last_build_path(source), "last-build")
    change(record, source)
    out = source.parent.parent / "dist"
    record["inputs"] = inputs_hash(hashlib.sha256(source.read_bytes()).digest(), source.with_name("small.lock"),
                                   out, tuple(record["media"]))
    write_checked(last_build_path(source), "last-build", record)


def apkg_outside(record: dict[str, Any], source: Path) -> None:
    outside = source.parent.parent / "outside"
    outside.mkdir()
    shutil.copy(source.parent.parent / "dist" / "small-1.0.0.apkg", outside)
    record["apkg"] = "../outside/small-1.0.0.apkg"


def apkg_absolute(record: dict[str, Any], source: Path) -> None:
    record["apkg"] = str(source.parent.parent / "dist" / "small-1.0.0.apkg")


def apkg_of_another_version(record: dict[str, Any], source: Path) -> None:
    record["version"] = "9.9.9"


def changelog_elsewhere(record: dict[str, Any], source: Path) -> None:
    shutil.copy(source.parent.parent / "dist" / "small-CHANGELOG.md", source.parent / "small-CHANGELOG.md")
    record["changelog"] = "../cardsrc/small-CHANGELOG.md"


def count_is_true(record: dict[str, Any], source: Path) -> None:
    record["notes"] = True


def count_is_negative(record: dict[str, Any], source: Path) -> None:
    record["cards"] = -7


def count_is_huge(record: dict[str, Any], source: Path) -> None:
    record["cards"] = 10**30


def media_outside(record: dict[str, Any], source: Path) -> None:
    record["media"] = ["/etc/hostname"]


def media_with_dotdot(record: dict[str, Any], source: Path) -> None:
    record["media"] = [str(source.parent.resolve() / ".." / "x.png")]


BAD_RECORDS = [apkg_outside, apkg_absolute, apkg_of_another_version, changelog_elsewhere, count_is_true,
               count_is_negative, count_is_huge, media_outside, media_with_dotdot]


@pytest.mark.parametrize("change", BAD_RECORDS)
def test_a_record_naming_what_no_build_writes_is_ignored(
    small_source: Path, tmp_path: Path, change: Callable[[dict[str, Any], Path], None]
) -> None:
    out = tmp_path / "dist"
    first = build_deck(small_source, out, now=T1, reuse=True)
    resign(small_source, lambda record, source: None)
    assert build_deck(small_source, out, now=T2, reuse=True).plan is None  # a record re-signed as is: still used
    resign(small_source, change)
    again = build_deck(small_source, out, now=T2, reuse=True)
    assert again.plan is not None, "a full build was expected"
    assert (again.apkg, again.version, again.note_count, again.card_count) == (first.apkg, "1.0.0", 6, 7)
