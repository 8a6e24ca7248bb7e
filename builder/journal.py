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
never the journal's text. Nor is a journal followed in a state no killed build
leaves (:func:`examine_interrupted`): a planted lock to rename over the
committed one, a planted package the committed lock does not describe.
Anything else refuses the whole journal before a single file is touched, the
journal included. ``builder check`` asks :func:`examine_interrupted` too, so it
fails exactly where a build refuses.
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

from msgspec import Struct

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

Vouch = Callable[[Path, Path, bytes], "str | None"]
"""Given the commit file (which holds what the journal commits), a target and the bytes its temporary holds:
None when the commit file describes exactly these bytes for that target, else what they are not (for a message,
"the package the lock describes"); may raise :class:`Refused` when the commit file cannot be read."""


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


class Recovery(Struct, frozen=True):
    """What :func:`finish_interrupted` does with a journal a killed build left: roll forward or back."""

    journal: Path
    renames: tuple[tuple[Path, Path], ...]
    """``(temporary, target)`` pairs, the commit file first: the caller's own paths, never the journal's text."""
    committed: bool
    """The commit file holds what the journal commits: the temporaries still there are renamed, not deleted."""


def finish_interrupted(journal: Path, targets: Targets, vouch: Vouch) -> None:
    """Complete or undo the change ``journal`` describes, then delete it; no journal, no-op.

    Raises :class:`ReleaseError` naming the journal, with nothing touched, when
    :func:`examine_interrupted` refuses it.
    """
    recovery = examine_interrupted(journal, targets, vouch)
    if recovery is not None:
        _finish(list(recovery.renames), journal, committed=recovery.committed)


def examine_interrupted(journal: Path, targets: Targets, vouch: Vouch) -> Recovery | None:
    """What :func:`finish_interrupted` would do with ``journal``, touching nothing; None when there is none.

    A journal is followed only in a state :func:`replace_together` can leave
    when killed at any moment (or :func:`finish_interrupted` itself):

    * every temporary is written and flushed before the journal, so one still
      there holds what it held then: the commit file's hashes to
      ``commit_sha256``, the others are what the commit file describes
      (``vouch``);
    * the renames (or, rolling back, the deletions) go in the journal's order,
      the commit file first, so the temporaries still there are the last ones;
      while the commit file's is there, all are.

    Any other state is not one builder left: it is refused with
    :class:`ReleaseError` naming the journal.
    """
    try:
        data = read_plain_file(journal, MAX_JOURNAL_BYTES)
        if data is None:
            return None
        commit_sha, named = _parse(data)
        finals = list(targets([final for _, final in named]))
        renames = [(_temporary(temp, final_text, final), final)
                   for (temp, final_text), final in zip(named, finals, strict=True)]
        if not isinstance(commit_sha, str) or not _SHA256.fullmatch(commit_sha):
            raise Refused("it is not a journal builder wrote ('commit_sha256' is not a sha256)")
        committed = _sha256_of_commit_file(finals[0]) == commit_sha
        _refuse_impossible(named, renames, commit_sha, committed, vouch)
    except NotAFile as exc:
        raise _refusal(journal, f"it is {exc.what}, not a journal builder wrote") from None
    except Refused as exc:
        raise _refusal(journal, str(exc)) from None
    return Recovery(journal, tuple(renames), committed)


def _refuse_impossible(named: list[tuple[str, str]], renames: list[tuple[Path, Path]], commit_sha: str,
                       committed: bool, vouch: Vouch) -> None:
    """:class:`Refused` unless the temporaries still there are a state a killed build (or recovery) leaves."""
    there = [_plain_bytes(temp) for temp, _ in renames]
    first_there = next((index for index, data in enumerate(there) if data is not None), len(there))
    gone_after = next((index for index in range(first_there, len(there)) if there[index] is None), None)
    if gone_after is not None:
        raise Refused(f"its temporary '{named[first_there][0]}' is there but '{named[gone_after][0]}', which "
                      f"builder renames or deletes after it, is not: {_NOT_LEFT}")
    lock_temp = there[0]
    if lock_temp is not None and hashlib.sha256(lock_temp).hexdigest() != commit_sha:
        raise Refused(f"its temporary '{named[0][0]}' is not what it commits ('commit_sha256'): {_NOT_LEFT}")
    if not committed:
        return  # rolled back: the temporaries are only deleted
    for (written, _), (_, final), temp_data in zip(named[1:], renames[1:], there[1:], strict=True):
        if temp_data is not None:
            what = vouch(renames[0][1], final, temp_data)
            if what is not None:
                raise Refused(f"its temporary '{written}' is not {what}: {_NOT_LEFT}")


_NOT_LEFT = "it is not a journal builder left"


def _plain_bytes(temp: Path) -> bytes | None:
    try:
        return read_plain_file(temp)
    except NotAFile as exc:  # _temporary refused links and folders already; a file replaced since
        raise Refused(f"its temporary '{temp.name}' is {exc.what}, which builder never writes") from None


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
