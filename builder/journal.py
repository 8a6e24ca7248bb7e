"""Several files replaced as one change, and the journal that finishes or undoes it.

A release replaces files in two folders (the .apkg and changelog in ``dist/``,
the lock beside the source), and a build killed between two renames would
leave a mix. So :func:`replace_together` first writes every temporary, then a
small journal naming the renames, then renames the *commit file* (the lock)
first and the others after it. :func:`finish_interrupted`, run by the next
build before it reads anything, rolls a committed release forward (the lock
already describes it) and an uncommitted one back (nothing under a final name
was touched yet).

The journal lies beside the source, so it can come from anyone: a pull request
may commit one. It is therefore only a *request*: every target it names must
be one the caller itself would write (see :data:`Targets`), every temporary
must carry builder's temporary name for that target in the same folder and be
a plain file, and the files renamed or deleted are the caller's own paths,
never the journal's text. Anything else refuses the whole journal before a
single file is touched, the journal included.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import ReleaseError
from .files import TEMP_MARK, NotAFile, atomic_write, read_plain_file, sync_folder, temporary_for, write_synced

MAX_JOURNAL_BYTES = 64 * 1024
"""A journal names at most a few files; anything bigger is not one of ours."""

_SHA256 = re.compile(r"[0-9a-f]{64}")


class Refused(ValueError):
    """Why a journal is not followed; :func:`finish_interrupted` turns it into one error line."""


Targets = Callable[[Sequence[str]], Sequence[Path]]
"""Turns the targets a journal names (as written, relative to its folder) into the paths the caller
would write itself, the commit file first, or raises :class:`Refused` naming the first it would not."""


def replace_together(files: Sequence[tuple[Path, bytes]], journal: Path) -> None:
    """Replace every ``(path, data)`` as one change; ``files[0]`` is the commit point.

    Until the first file is renamed a crash leaves all old files (plus
    temporaries); from then on :func:`finish_interrupted` completes the rest.
    """
    temps: list[Path] = []
    try:
        for path, data in files:
            temps.append(temporary_for(path))  # first, so that a failed write is cleaned up too
            write_synced(temps[-1], data)
        here = journal.parent
        record = {
            "commit_sha256": hashlib.sha256(files[0][1]).hexdigest(),
            "renames": [
                [os.path.relpath(temp, here), os.path.relpath(path, here)]
                for temp, (path, _) in zip(temps, files, strict=True)
            ],
        }
        atomic_write(journal, json.dumps(record, indent=1).encode("utf-8"))
    except BaseException:
        for temp in temps:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise
    _finish(list(zip(temps, (path for path, _ in files), strict=True)), journal, committed=True)


def finish_interrupted(journal: Path, targets: Targets) -> None:
    """Complete or undo the change ``journal`` describes, then delete it; no journal, no-op.

    Raises :class:`ReleaseError` naming the journal, with nothing touched, when
    it asks for anything but what ``targets`` allows.
    """
    try:
        data = read_plain_file(journal, MAX_JOURNAL_BYTES)
        if data is None:
            return
        commit_sha, named = _parse(data)
        finals = list(targets([final for _, final in named]))
        renames = [(_temporary(temp, final_text, final), final)
                   for (temp, final_text), final in zip(named, finals, strict=True)]
        if not isinstance(commit_sha, str) or not _SHA256.fullmatch(commit_sha):
            raise Refused("it is not a journal builder wrote ('commit_sha256' is not a sha256)")
        committed = _sha256_of_commit_file(finals[0]) == commit_sha
    except NotAFile as exc:
        raise _refusal(journal, f"it is {exc.what}, not a journal builder wrote") from None
    except Refused as exc:
        raise _refusal(journal, str(exc)) from None
    _finish(renames, journal, committed=committed)


def _finish(renames: list[tuple[Path, Path]], journal: Path, *, committed: bool) -> None:
    for temp, final in renames:
        if committed and temp.exists():
            os.replace(temp, final)
        else:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
    for folder in {final.parent for _, final in renames}:
        sync_folder(folder)
    journal.unlink()
    sync_folder(journal.parent)


def _parse(data: bytes) -> tuple[object, list[tuple[str, str]]]:
    """The commit file's sha256 as written and the ``(temporary, target)`` pairs, in builder's own shape."""
    try:
        record = json.loads(data)
    except ValueError:
        raise Refused("it is not a journal builder wrote (not JSON)") from None
    if not isinstance(record, dict) or set(record) != {"commit_sha256", "renames"}:
        raise Refused("it is not a journal builder wrote (it needs exactly 'commit_sha256' and 'renames')")
    commit_sha, renames = record["commit_sha256"], record["renames"]
    if not isinstance(renames, list) or not renames or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(name, str) for name in pair) for pair in renames
    ):
        raise Refused("it is not a journal builder wrote ('renames' is not a list of [temporary, target] pairs)")
    return commit_sha, [(temp, final) for temp, final in renames]


def _temporary(written: str, final_text: str, final: Path) -> Path:
    """The caller's own temporary for ``final``, if ``written`` names it exactly; else :class:`Refused`."""
    name = os.path.basename(written)
    pattern = re.escape(f".{final.name}{TEMP_MARK}") + r"[0-9]{1,10}"
    if os.path.dirname(written) != os.path.dirname(final_text) or not re.fullmatch(pattern, name):
        raise Refused(f"it names '{written}' as the temporary of '{final_text}', which is not builder's name for it")
    temp = final.with_name(name)
    try:
        mode = os.lstat(temp).st_mode
    except FileNotFoundError:
        return temp
    if not stat.S_ISREG(mode):
        what = "a symbolic link" if stat.S_ISLNK(mode) else "not a plain file"
        raise Refused(f"its temporary '{written}' is {what}, which builder never writes")
    return temp


def _sha256_of_commit_file(path: Path) -> str | None:
    try:
        data = read_plain_file(path)
    except NotAFile as exc:
        raise Refused(f"'{path}' is {exc.what}, where builder writes a plain file") from None
    return None if data is None else hashlib.sha256(data).hexdigest()


def _refusal(journal: Path, reason: str) -> ReleaseError:
    return ReleaseError(f"{reason}; nothing was changed: delete this journal, then build again", journal)
