"""The build's time, and the one rule about it: no ``mod`` stamped more than a minute ahead of this clock.

Anki updates a note only from a newer ``mod``, so a note stamped ahead of time
overwrites, on every later import, the edits a learner makes to it meanwhile.
``build_time`` is the time a build stamps (``SOURCE_DATE_EPOCH`` for
reproducible builds); ``refuse_future_times`` stops a build that would carry a
lock's times from a clock that ran ahead. The plan (``builder.plan``)
reads no clock: it is given both times.
"""

from __future__ import annotations

import datetime as _dt
import os
import time
from pathlib import Path

from .errors import BuilderError, ReleaseError
from .lock import Lock

AHEAD_ALLOWED = 60
"""Seconds a ``mod`` may lie ahead of this computer's clock. Anki updates a note only from a newer
``mod``, so a note stamped a day ahead overwrites, on every later import, the edits a learner makes
to it that day. A minute covers clocks that differ a little (and many builds in one second)."""


def clock_now() -> int:
    """This computer's clock, in whole seconds since the epoch."""
    return int(time.time())


def build_time() -> int:
    """Seconds since the epoch: ``SOURCE_DATE_EPOCH`` when set, for reproducible builds; never the future."""
    clock = clock_now()
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return clock
    if not (value.isascii() and value.isdigit()):  # int() also takes " 5", "1_0" and non-ASCII digits
        raise BuilderError(f"SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds")
    if len(value) > 15 or int(value) > clock + AHEAD_ALLOWED:
        raise BuilderError(
            f"SOURCE_DATE_EPOCH={value} lies more than a minute ahead of this computer's clock: changed notes "
            "would carry that time, and Anki would let them overwrite learners' edits until then; "
            "use a time that has passed, or unset it"
        )
    return int(value)


def refuse_future_times(lock: Lock, where: Path, clock: int) -> None:
    """Stop before stamping after times that a clock ahead of ``clock`` wrote into the lock.

    A changed note gets at least its old ``mod`` + 1, so a lock from a machine
    whose clock ran a day ahead would carry its future on into every release.
    """
    latest = max([note.mod for note in lock.notes.values()] + [kind.mod for kind in lock.note_types.values()],
                 default=0)
    if latest > clock + AHEAD_ALLOWED:
        raise ReleaseError(
            f"holds times up to {_utc(latest)}, more than a minute ahead of this computer's clock, as if written "
            "on a machine whose clock ran ahead: notes changed now would be stamped later still, and Anki would "
            f"let them overwrite learners' edits until then; build again after {_utc(latest)}, "
            "or set this computer's clock right if it is the one that is wrong",
            where,
        )


def _utc(seconds: int) -> str:
    return _dt.datetime.fromtimestamp(seconds, tz=_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
