"""One deck's build: the three files of a release, all or nothing, and never over a published one."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.build import build_deck
from builder.errors import BuilderError
from builder.layout import journal_path
from tests.conftest import write_source

T1 = 1_700_000_000


def files(*folders: Path) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for folder in folders if folder.exists()
            for path in sorted(folder.rglob("*")) if path.is_file() and ".builder-cache" not in path.parts}


def test_a_release_is_the_apkg_its_changelog_and_the_lock(tmp_path: Path) -> None:
    source = write_source(tmp_path / "cardsrc")
    result = build_deck(source, tmp_path / "dist", now=T1)
    assert sorted(path.name for path in result.written) == ["small-1.0.0.apkg", "small-CHANGELOG.md", "small.lock"]
    assert (result.version, result.note_count, result.card_count) == ("1.0.0", 6, 7)
    assert not journal_path(source).exists()


def test_a_failed_build_leaves_every_file_as_it_was(tmp_path: Path) -> None:
    source = write_source(tmp_path / "cardsrc")
    build_deck(source, tmp_path / "dist", now=T1)
    before = files(tmp_path / "cardsrc", tmp_path / "dist")
    source.write_text(source.read_text("utf-8").replace("answer: Answers.", "answer: TODO"), "utf-8")
    with pytest.raises(BuilderError):
        build_deck(source, tmp_path / "dist", now=T1 + 60)
    after = files(tmp_path / "cardsrc", tmp_path / "dist")
    del before[str(source)], after[str(source)]
    assert after == before


def test_a_published_release_is_never_overwritten(tmp_path: Path) -> None:
    source = write_source(tmp_path / "cardsrc")
    result = build_deck(source, tmp_path / "dist", now=T1)
    (tmp_path / "cardsrc" / "small.lock").unlink()
    result.apkg.write_bytes(b"someone else's 1.0.0")
    with pytest.raises(BuilderError):
        build_deck(source, tmp_path / "dist", now=T1 + 60)
    assert result.apkg.read_bytes() == b"someone else's 1.0.0"


def test_a_build_reads_its_source_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What is hashed for the next build's skip is what was built: an edit saved meanwhile cannot slip in."""
    import builder.build
    import builder.yamlsafe

    source = write_source(tmp_path / "cardsrc")
    opened: list[Path] = []
    real_open = builder.yamlsafe.open_source

    def counting(path: Path):  # type: ignore[no-untyped-def]
        opened.append(path)
        return real_open(path)

    monkeypatch.setattr(builder.yamlsafe, "open_source", counting)
    monkeypatch.setattr(builder.build, "open_source", counting)
    build_deck(source, tmp_path / "dist", now=T1, reuse=True)
    assert opened.count(source) == 1
