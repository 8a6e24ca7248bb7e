"""The whole version rule: what a release's number says to the learners who import it.

Semver from what a learner's collection would see. A retired note (or a note
type whose field or template names change) is major: something they had goes
away. A new or restored note is minor. Anything else Anki would update, or the
deck's details, is a patch. No change, no release. A higher ``version`` in the
source wins over the computed one; a lower one is ignored, since versions never
go back. The first release is the source's ``version`` or 1.0.0.
"""

from __future__ import annotations

from collections.abc import Collection

FIRST_VERSION = "1.0.0"


def release_level(statuses: Collection[str], *, schema_changed: bool, other_changes: bool) -> str | None:
    """"major", "minor", "patch" or None, from the notes' change statuses and what else changed."""
    if schema_changed or "removed" in statuses:
        return "major"
    if {"added", "restored"} & set(statuses):
        return "minor"
    if statuses or other_changes:
        return "patch"
    return None


def next_version(previous: str | None, level: str | None, requested: str | None) -> str:
    """The version of the next build: ``previous`` raised by ``level``, or ``requested`` if higher."""
    if previous is None:
        return requested or FIRST_VERSION
    computed = bump(previous, level) if level else previous
    if requested and version_key(requested) > version_key(computed):
        return requested
    return computed


def bump(version: str, level: str) -> str:
    """Next semantic version for a change of ``level`` ("major", "minor" or "patch")."""
    major, minor, patch = version_key(version)
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def version_key(version: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in version.split("."))
    return major, minor, patch
