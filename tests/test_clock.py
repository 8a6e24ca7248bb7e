"""Times from the future: no build stamps a ``mod`` more than a minute ahead of this computer's clock.

Anki updates a note only from a newer ``mod``. A release stamped a day ahead
(a ``SOURCE_DATE_EPOCH`` in the future, or a lock written on a machine whose
clock ran ahead) makes every later import overwrite what a learner changed in
Anki during that day. So both stop the build, with one line that says why and
until when; the learner's side is proven in the real engine.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner, Result

from builder import clock as clock_module
from builder.build import build_deck
from builder.cli import cli
from builder.errors import ReleaseError
from builder.identity import note_guid
from tests.ankitools import import_apkg, note_by_guid, open_collection

DAY = 86_400
FUTURE_SDE = ("lies more than a minute ahead of this computer's clock: changed notes would carry that time, "
              "and Anki would let them overwrite learners' edits until then; use a time that has passed, or unset it")


def build(monkeypatch: pytest.MonkeyPatch, epoch: str | None, command: str = "build") -> Result:
    if epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    result = CliRunner().invoke(cli, [command])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def utc(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


@pytest.mark.parametrize(("epoch", "message"), [
    ("1e20", "SOURCE_DATE_EPOCH='1e20' is not a whole number of seconds"),
    (" 1700000000", "SOURCE_DATE_EPOCH=' 1700000000' is not a whole number of seconds"),
    ("1_700_000_000", "SOURCE_DATE_EPOCH='1_700_000_000' is not a whole number of seconds"),
    ("-1", "SOURCE_DATE_EPOCH='-1' is not a whole number of seconds"),
    ("\u0661\u0667", "SOURCE_DATE_EPOCH='\u0661\u0667' is not a whole number of seconds"),
    ("100000000000000000000", f"SOURCE_DATE_EPOCH=100000000000000000000 {FUTURE_SDE}"),
    ("253402300800", f"SOURCE_DATE_EPOCH=253402300800 {FUTURE_SDE}"),  # the year 10000
    ("9" * 5000, f"SOURCE_DATE_EPOCH={'9' * 5000} {FUTURE_SDE}"),  # beyond int()'s 4,300 digits
    ("tomorrow", "SOURCE_DATE_EPOCH='tomorrow' is not a whole number of seconds"),
    ("a day ahead", None),
], ids=["exponent", "space", "underscores", "negative", "arabic-digits", "1e20", "year-10000", "5000-digits",
        "word", "a-day-ahead"])
def test_a_bad_or_future_source_date_epoch_is_one_line_and_writes_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch, epoch: str, message: str | None
) -> None:
    if message is None:  # computed at run time: one day after this computer's clock
        epoch = str(int(time.time()) + DAY)
        message = f"SOURCE_DATE_EPOCH={epoch} {FUTURE_SDE}"
    before = files(project)
    result = build(monkeypatch, epoch)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")
    assert files(project) == before
    checked = build(monkeypatch, epoch, "check")  # check fails where build refuses, with the same line, once
    assert (checked.exit_code, checked.stdout, checked.stderr) == (1, "", f"Error: {message}\n")


def test_a_source_date_epoch_less_than_a_minute_ahead_is_taken(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    epoch = int(time.time()) + 30  # clocks differ a little
    assert build(monkeypatch, str(epoch)).exit_code == 0
    lock = json.loads((project / "cardsrc" / "small.lock").read_text(encoding="utf-8"))
    assert {note["mod"] for note in lock["notes"].values()} == {epoch}


def skewed(project: Path, *, ahead: int, note_types: bool = False) -> int:
    """Move the lock's times as if it was written on a machine whose clock ran ``ahead`` seconds ahead."""
    lock_file = project / "cardsrc" / "small.lock"
    lock = json.loads(lock_file.read_text(encoding="utf-8"))
    latest = int(time.time()) + ahead
    for item in lock["note_types" if note_types else "notes"].values():
        item["mod"] = latest
    lock_file.write_text(json.dumps(lock, indent=1), encoding="utf-8")
    source = project / "cardsrc" / "small.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("answer: Answers.", "answer: Edited."),
                      encoding="utf-8")
    return latest


@pytest.mark.parametrize("note_types", [False, True], ids=["note-mods", "note-type-mods"])
def test_a_lock_from_a_clock_that_ran_ahead_stops_the_build_until_its_time(
    project: Path, monkeypatch: pytest.MonkeyPatch, note_types: bool
) -> None:
    assert build(monkeypatch, None).exit_code == 0
    latest = skewed(project, ahead=DAY, note_types=note_types)
    before = files(project)
    result = build(monkeypatch, None)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", (
        f"Error: cardsrc/small.lock: holds times up to {utc(latest)}, more than a minute ahead of this computer's "
        "clock, as if written on a machine whose clock ran ahead: notes changed now would be stamped later still, "
        f"and Anki would let them overwrite learners' edits until then; build again after {utc(latest)}, "
        "or set this computer's clock right if it is the one that is wrong\n"))
    assert files(project) == before


def test_a_lock_less_than_a_minute_ahead_is_built_on(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert build(monkeypatch, None).exit_code == 0
    latest = skewed(project, ahead=30)
    assert build(monkeypatch, None).exit_code == 0
    lock = json.loads((project / "cardsrc" / "small.lock").read_text(encoding="utf-8"))
    assert lock["notes"]["quiz-one"]["mod"] == latest + 1  # still strictly newer, and within the minute


def test_a_learners_edit_survives_where_a_day_ahead_build_would_have_lost_it(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The scenario from the issue, in the real engine: the future build is refused, the honest one keeps the edit."""
    ahead = build(monkeypatch, str(int(time.time()) + DAY))
    assert ahead.exit_code == 1 and not (project / "dist").exists()
    first = build(monkeypatch, None)
    assert first.exit_code == 0, first.stderr
    col = open_collection(tmp_path / "learner.anki2")
    import_apkg(col, next((project / "dist").glob("small-1.0.0.apkg")))
    mine = note_by_guid(col, note_guid("small", "deep-one"))
    mine["Answer"] = "My own wording."
    col.update_note(mine)
    source = project / "cardsrc" / "small.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("answer: Answers.", "answer: Edited."),
                      encoding="utf-8")
    second = build(monkeypatch, None)
    assert second.exit_code == 0, second.stderr
    log = import_apkg(col, project / "dist" / "small-1.0.1.apkg")
    assert [note.fields[0] for note in log.updated] == ["What is the first quiz question about?"]
    assert note_by_guid(col, note_guid("small", "deep-one"))["Answer"] == "My own wording."
    assert "Edited." in note_by_guid(col, note_guid("small", "quiz-one"))["Answer"]
    col.close()


def test_why_a_release_from_a_clock_a_day_ahead_is_refused(
    small_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a machine whose clock runs a day ahead, two honest-looking releases lose a learner's edit in Anki,
    to a note the author never touched; a machine with the right clock then refuses that lock."""
    ahead = int(time.time()) + DAY
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setattr(clock_module, "time", SimpleNamespace(time=lambda: ahead))
    out = tmp_path / "dist"
    col = open_collection(tmp_path / "learner.anki2")
    import_apkg(col, build_deck(small_source, out).apkg)
    mine = note_by_guid(col, note_guid("small", "deep-one"))
    mine["Answer"] = "My own wording."
    col.update_note(mine)  # stamped with the learner's (right) clock
    small_source.write_text(small_source.read_text(encoding="utf-8").replace("answer: Answers.", "answer: Edited."),
                            encoding="utf-8")
    second = build_deck(small_source, out)
    log = import_apkg(col, second.apkg)
    # the changed note, and the learner's note: its day-ahead mod is newer than the learner's edit
    assert sorted(note.fields[0] for note in log.updated) == ["What is the first quiz question about?",
                                                              "Who built Linchpin?"]
    assert note_by_guid(col, note_guid("small", "deep-one"))["Answer"] != "My own wording."
    col.close()
    monkeypatch.undo()
    with pytest.raises(ReleaseError, match="more than a minute ahead of this computer's clock"):
        build_deck(small_source, out)
