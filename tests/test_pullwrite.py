"""Writing pulled edits: the file's encoding, line endings and mode are kept; what it cannot take is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import BuilderError, Location
from builder.pull import Finding, PullReport
from builder.pullwrite import apply_report
from builder.source import load_deck
from tests.conftest import SMALL_SOURCE, write_source


def report(source: Path, *edits: tuple[str, str, str | tuple[str, ...]]) -> PullReport:
    findings = tuple(Finding(note_id, Location(source), key, "edit", key=key, value=value)
                     for note_id, key, value in edits)
    return PullReport(source, load_deck(source), 6, 6, findings)


def test_bom_crlf_and_mode_are_kept(tmp_path: Path) -> None:
    source = write_source(tmp_path, SMALL_SOURCE)
    source.write_bytes(b"\xef\xbb\xbf" + source.read_bytes().replace(b"\n", b"\r\n"))
    source.chmod(0o640)
    written, refused = apply_report(report(source, ("quiz-one", "answer", "Better answers.")))
    assert (len(written), refused) == (1, ())
    data = source.read_bytes()
    assert data.startswith(b"\xef\xbb\xbftitle: Small deck\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert b"    answer: Better answers.\r\n" in data
    assert source.stat().st_mode & 0o777 == 0o640


def test_an_edit_the_file_cannot_take_is_refused_and_the_others_written(tmp_path: Path) -> None:
    source = write_source(tmp_path, SMALL_SOURCE.replace(
        "  - id: quiz-two\n    kind: quiz\n    question: Which year did the thing happen?\n    answer: \"2015\"\n",
        "  - {id: quiz-two, kind: quiz, question: Which year did the thing happen?, answer: \"2015\"}\n"))
    written, refused = apply_report(report(source, ("quiz-one", "answer", "Better."), ("quiz-two", "answer", "2016")))
    assert [finding.note_id for finding in written] == ["quiz-one"]
    assert [(finding.note_id, finding.status, finding.reason) for finding in refused] == [
        ("quiz-two", "refused", "cannot be written in place: note 'quiz-two' is written as a flow mapping {...}: "
                                "edit it by hand")]
    deck = load_deck(source)
    assert {note.id: note.fields.get("answer").text for note in deck.notes if note.id.startswith("quiz")} == {
        "quiz-one": "Better.", "quiz-two": "2015"}


def test_a_symlinked_source_is_refused(tmp_path: Path) -> None:
    real = write_source(tmp_path / "real", SMALL_SOURCE)
    link = tmp_path / "small.yaml"
    link.symlink_to(real)
    before = real.read_bytes()
    with pytest.raises(BuilderError) as unread:  # pull reads the source through open_source: refused unread
        load_deck(link)
    assert str(unread.value) == (f"{link}: is a symbolic link, which builder never reads through (a source may come "
                                 "from anyone): put the source file itself here")
    pulled = report(real, ("quiz-one", "answer", "Better."))
    with pytest.raises(BuilderError) as refused:  # and the writer's own guard, should a link get this far
        apply_report(PullReport(link, pulled.deck, 6, 6, pulled.findings))
    assert str(refused.value) == (
        f"{link}: is a symbolic link: name the file it points to, so the link stays a link")
    assert link.is_symlink() and real.read_bytes() == before


def test_a_source_changed_meanwhile_is_not_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_source(tmp_path, SMALL_SOURCE)
    pulled = report(source, ("quiz-one", "answer", "Better."))
    import builder.pullwrite as pullwrite

    real = pullwrite.edit_values

    def edit_then_author_saves(*args: object, **kwargs: object) -> str:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        source.write_text(SMALL_SOURCE.replace("Answers.", "The author's own edit."), encoding="utf-8")
        return result

    monkeypatch.setattr(pullwrite, "edit_values", edit_then_author_saves)
    with pytest.raises(BuilderError) as refused:
        apply_report(pulled)
    assert str(refused.value) == f"{source}: changed while the pull was reading it: run builder pull again"
    assert "The author's own edit." in source.read_text(encoding="utf-8")
