"""One error family for the whole core.

Every failure a user can cause is a :class:`BuilderError` that knows where it
happened, so the CLI can print ``Error: file:line: message`` and exit 1 without
a traceback. Code below the CLI never prints and never exits.
"""

from __future__ import annotations

import re
from pathlib import Path

from msgspec import Struct

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` as one line a terminal shows as-is: controls, line breaks and bidi overrides escaped.

    Messages quote values (and paths) from sources anyone may send; printed raw,
    a newline would forge an extra ``Error:`` line and ``\\x1b[`` would drive
    the terminal.
    """
    return _UNPRINTABLE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


# gc=False here and on Problem: one per finding (a big deck's check makes tens of thousands), holding
# text, numbers and a path, never in a cycle.
class Location(Struct, frozen=True, gc=False):
    """A place in a source file; ``line`` and ``column`` are 1-based, 0 = unknown."""

    path: Path | str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        """``file:line`` as build errors show it."""
        return f"{self.path}:{self.line}" if self.line else str(self.path)

    def with_column(self) -> str:
        """``file:line:col`` as ``builder check`` shows it, like a compiler."""
        if self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        return str(self)

    def shifted(self, lines: int) -> Location:
        """The same file ``lines`` further down, for positions inside a multi-line value."""
        return Location(self.path, self.line + lines if self.line else 0, 0)


class BuilderError(Exception):
    """A problem the user can fix; ``str()`` is the whole one-line message."""

    def __init__(self, message: str, where: Location | Path | str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if where is not None and not isinstance(where, Location):
            where = Location(where)
        self.where: Location | None = where

    def __str__(self) -> str:
        if self.where is None:
            return printable(self.message)
        return printable(f"{self.where}: {self.message}")


class SourceError(BuilderError):
    """The YAML source is unreadable, unsafe or does not follow the format."""


class RenderError(BuilderError):
    """A field cannot be turned into card HTML (bad media path, missing image, ...)."""


class MediaError(RenderError):
    """A media file the package cannot hold, with the check code ``builder check`` reports it under.

    The build prints it as any error (``Error: file:line: message``); ``builder check`` finds the same
    error through the same code and reports it as ``file:line: CODE message`` (see :mod:`builder.mediagate`).
    """

    def __init__(self, code: str, message: str, where: Location | Path | str) -> None:
        super().__init__(message, where)
        self.code = code

    def problem(self) -> Problem:
        """This error as a ``builder check`` finding."""
        assert self.where is not None
        return Problem(self.where, self.code, self.message)


class LockError(BuilderError):
    """The lock file is damaged or disagrees with what was released."""


class ReleaseError(BuilderError):
    """Writing the release would overwrite or lose something."""


class Interrupted(BuilderError):
    """Ctrl-C stopped a build; the message says what state the release was left in."""


class Problem(Struct, frozen=True, gc=False):
    """One finding about a source: a validation error or a lint warning.

    Reports sort them by place so they read top to bottom like a compiler's.
    """

    where: Location
    code: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return printable(f"{self.where.with_column()}: {self.code} {self.message}")


class InvalidSource(SourceError):
    """Validation found one or more problems; the first is the message."""

    def __init__(self, problems: list[Problem]) -> None:
        ordered = sorted(problems, key=_problem_order)
        first = ordered[0]
        super().__init__(first.message, first.where)
        self.problems = tuple(ordered)


def _problem_order(problem: Problem) -> tuple[str, int, int, str]:
    where = problem.where
    return (str(where.path), where.line, where.column, problem.code)


class Unreleasable(ReleaseError):
    """``builder check`` finds errors in a valid source: it may be drafted, not released.

    A release lands in learners' collections for good, so it must not carry a
    placeholder, a duplicate question or an empty card; the findings are the
    ones ``builder check`` prints, with the same codes and places.
    """

    def __init__(self, problems: list[Problem], path: Path) -> None:
        count = f"{len(problems)} error{'s' * (len(problems) != 1)}"
        super().__init__(
            f"not released: 'builder check {path}' finds {count} (above); fix {'them' if len(problems) > 1 else 'it'}, "
            "or try the deck "
            "with 'builder build --draft' (warnings never block a release)",
            path,
        )
        self.problems = tuple(sorted(problems, key=_problem_order))
