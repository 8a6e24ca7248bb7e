"""A source that is a symbolic link is refused unread, by every command that reads sources.

Sources come from anyone's pull request. A ``cardsrc/*.yaml`` that is a link could make a build or a CI
``builder check`` read any file on the machine and report it key by key (``unknown key 'api_token'``), so,
as for locks, media, images and caches, a link is never followed: one line names it, nothing is read.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import cli
from tests.conftest import SMALL_SOURCE

LINKED = ("is a symbolic link, which builder never reads through (a source may come from anyone): "
          "put the source file itself here")
SECRETS = "api_token: sk-live-0123456789\npassword: hunter2\n"


def tree(root: Path) -> dict[str, str]:
    found = {}
    for path in sorted(root.rglob("*")):
        if ".builder-cache" in path.parts:
            continue
        name = str(path.relative_to(root))
        if path.is_symlink():
            found[name] = "link:" + os.readlink(path)
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[name] = "other"
    return found


def to_secrets(root: Path) -> None:
    (root / "outside").mkdir()
    (root / "outside" / "secrets.yaml").write_text(SECRETS)
    Path("cardsrc/evil.yaml").symlink_to(root / "outside" / "secrets.yaml")


def to_etc_passwd(root: Path) -> None:
    Path("cardsrc/evil.yaml").symlink_to("/etc/passwd")


def to_a_valid_source(root: Path) -> None:
    (root / "outside").mkdir()
    (root / "outside" / "deck.yaml").write_text(SMALL_SOURCE.replace("slug: small", "slug: evil"))
    Path("cardsrc/evil.yaml").symlink_to("../outside/deck.yaml")


def dangling(root: Path) -> None:
    Path("cardsrc/evil.yaml").symlink_to("gone.yaml")


LINKS = [("secrets", to_secrets), ("etc-passwd", to_etc_passwd), ("valid-source", to_a_valid_source),
         ("dangling", dangling)]


@pytest.fixture
def linked(project: Path, request: pytest.FixtureRequest) -> Path:
    make: Callable[[Path], None] = request.param
    make(project)
    return project


@pytest.mark.parametrize("linked", [make for _, make in LINKS], ids=[name for name, _ in LINKS], indirect=True)
@pytest.mark.parametrize("named", [True, False], ids=["named", "globbed"])
@pytest.mark.parametrize("command", [["check"], ["build"], ["diff"], ["build", "--draft"], ["preview"]])
def test_a_linked_source_is_refused_unread_by_every_command(linked: Path, named: bool, command: list[str]) -> None:
    before = tree(linked)
    args = [*command, "cardsrc/evil.yaml"] if named else command
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    output = result.stdout + result.stderr
    if command == ["check"]:
        assert f"cardsrc/evil.yaml: E100 {LINKED}\n" in result.stdout
    else:
        assert f"Error: cardsrc/evil.yaml: {LINKED}\n" in result.stderr
    assert [line for line in output.splitlines() if "evil" in line] == [
        f"cardsrc/evil.yaml: E100 {LINKED}" if command == ["check"] else f"Error: cardsrc/evil.yaml: {LINKED}"]
    for secret in ("api_token", "password", "hunter2", "root:", "sk-live"):
        assert secret not in output
    if named:  # the other source, globbed, is built as usual; named alone, nothing is written
        assert tree(linked) == before


def test_a_linked_sibling_is_never_read_for_its_claims(project: Path) -> None:
    """A link beside a source is no other source: its target's slug and ids are never read."""
    (project / "outside").mkdir()
    (project / "outside" / "deck.yaml").write_text(SMALL_SOURCE)  # the same slug: a clash, if it were read
    Path("cardsrc/evil.yaml").symlink_to("../outside/deck.yaml")
    result = CliRunner().invoke(cli, ["build", "cardsrc/small.yaml"])
    assert (result.exit_code, result.stderr) == (0, ""), result.output
