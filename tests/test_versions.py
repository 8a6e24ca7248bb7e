"""The version rule as a pure function: tables of changes and the version they give."""

from __future__ import annotations

import pytest

from builder.versions import next_version, release_level


@pytest.mark.parametrize(("statuses", "schema", "other", "level"), [
    (set(), False, False, None),
    (set(), False, True, "patch"),
    ({"changed"}, False, False, "patch"),
    ({"moved"}, False, False, "patch"),
    ({"changed", "added"}, False, False, "minor"),
    ({"restored"}, False, False, "minor"),
    ({"added", "removed"}, False, False, "major"),
    ({"removed"}, False, False, "major"),
    (set(), True, False, "major"),
])
def test_release_level(statuses: set[str], schema: bool, other: bool, level: str | None) -> None:
    assert release_level(statuses, schema_changed=schema, other_changes=other) == level


@pytest.mark.parametrize(("previous", "level", "requested", "version"), [
    (None, "minor", None, "1.0.0"),
    (None, "minor", "0.3.0", "0.3.0"),
    ("1.2.3", None, None, "1.2.3"),
    ("1.2.3", "patch", None, "1.2.4"),
    ("1.2.3", "minor", None, "1.3.0"),
    ("1.2.3", "major", None, "2.0.0"),
    ("1.2.3", "patch", "1.2.4", "1.2.4"),
    ("1.2.3", "patch", "5.0.0", "5.0.0"),
    ("1.2.3", None, "5.0.0", "5.0.0"),
    ("1.2.3", "major", "1.9.0", "2.0.0"),
    ("9.9.9", "patch", "10.0.0", "10.0.0"),
    ("1.10.0", "minor", "1.9.9", "1.11.0"),
])
def test_next_version(previous: str | None, level: str | None, requested: str | None, version: str) -> None:
    assert next_version(previous, level, requested) == version
