"""Careful file access: whole writes, and reads that never follow a link or block on a pipe."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from builder.files import (
    NotAFile,
    atomic_write,
    read_plain_file,
    remove_stale_temporaries,
    sha256_or_none,
    temporary_for,
)


def test_atomic_write_replaces_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "deck.lock"
    target.write_bytes(b"old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["deck.lock"]


def test_atomic_write_never_writes_through_a_planted_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    target = tmp_path / "deck.lock"
    temporary_for(target).symlink_to(victim)  # a link where our temporary will go
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert victim.read_bytes() == b"precious"


@pytest.mark.parametrize(("durable", "synced"), [(True, 2), (False, 0)])
def test_atomic_write_syncs_file_and_folder_unless_told_the_write_need_not_survive_a_power_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durable: bool, synced: int
) -> None:
    calls: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda handle: (calls.append(handle), real_fsync(handle))[1])
    target = tmp_path / "renders.json"
    atomic_write(target, (b"header\n", b"body"), durable=durable)
    assert (target.read_bytes(), len(calls)) == (b"header\nbody", synced)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["renders.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "deck.lock"
    target.write_bytes(b"old")

    def full_disk(source: object, destination: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        atomic_write(target, b"new", durable=False)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["deck.lock"]
    assert target.read_bytes() == b"old"


@pytest.mark.parametrize(("make", "what"), [
    (lambda path: path.symlink_to(path.with_name("real")), "a symbolic link"),
    (lambda path: path.mkdir(), "a folder"),
    (lambda path: os.mkfifo(path), "a pipe"),
    (lambda path: path.write_bytes(b"x" * 11), "larger than 10 bytes"),
], ids=["link", "folder", "pipe", "too-big"])
def test_read_plain_file_refuses_what_is_not_a_plain_file(tmp_path: Path, make: object, what: str) -> None:
    (tmp_path / "real").write_bytes(b"real")
    path = tmp_path / "file"
    make(path)  # type: ignore[operator]
    with pytest.raises(NotAFile) as caught:
        read_plain_file(path, limit=10)
    assert caught.value.what == what
    assert sha256_or_none(path) is None or what == "larger than 10 bytes"


def test_read_plain_file_reads_a_file_and_says_none_for_a_missing_one(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"abc")
    assert read_plain_file(tmp_path / "a") == b"abc"
    assert read_plain_file(tmp_path / "missing") is None
    assert sha256_or_none(tmp_path / "missing") is None


def test_stale_temporaries_of_one_deck_never_touch_another_decks(tmp_path: Path) -> None:
    names = [".a-1.0.0.apkg.builder-tmp-12", ".a-b-1.0.0.apkg.builder-tmp-13", "a-1.0.0.apkg", ".a-CHANGELOG.md.x"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    remove_stale_temporaries(tmp_path, re.compile(r"a-\d+\.\d+\.\d+\.apkg"))
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(names[1:])
