"""What each module and command loads: no import cycles, and no heavy library a command does not use.

Every module is imported alone in a fresh interpreter (the pip-tools habit), which
catches cycles and start-up side effects. The commands are run in a fresh
interpreter too, and the libraries they loaded are read from ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from builder.render import _plain_html
from builder.simplemd import simple_html
from builder.source import load_deck
from tests.conftest import REPO, write_source

MODULES = sorted(f"builder.{path.stem}" for path in (REPO / "builder").glob("*.py") if path.stem != "__main__")
HEAVY = ("genanki", "anki", "markdown_it", "pygments", "click")
PACKAGES = {"builder.packaging", "builder.preview", "builder.draft"}
"""Modules that load genanki when imported: packaging itself, and the draft and preview packagers."""


def modules_after(code: str, cwd: Path = REPO) -> set[str]:
    """Every module that running ``code`` in a fresh interpreter imported."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": "1700000000"})
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def loaded_after(code: str, cwd: Path = REPO) -> set[str]:
    """The top-level packages of ``HEAVY`` that running ``code`` in a fresh interpreter imported."""
    return {name.split(".")[0] for name in modules_after(code, cwd)} & set(HEAVY)


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports_alone(module: str) -> None:
    loaded = loaded_after(f"import {module}")
    if module != "builder.cli":
        assert "click" not in loaded, f"{module} loads Click: only builder.cli may"
    if module not in PACKAGES:
        assert "genanki" not in loaded, f"{module} loads genanki: only builder.packaging may"
    assert "anki" not in loaded, f"{module} loads the Anki engine at import time"


RUN = """
from builder.cli import cli
try:
    cli.main({args!r}, standalone_mode=False)
except SystemExit:
    pass
"""


@pytest.mark.parametrize("command", [["diff"], ["check"], ["diff", "--exit-code"]])
def test_planning_commands_never_load_genanki(tmp_path: Path, command: list[str]) -> None:
    write_source(tmp_path / "cardsrc")
    loaded = loaded_after(RUN.format(args=[*command, "cardsrc/small.yaml"]), cwd=tmp_path)
    assert "genanki" not in loaded
    assert "anki" not in loaded


def test_build_loads_genanki(tmp_path: Path) -> None:
    """The probe above is not blind: the command that packages does load genanki."""
    write_source(tmp_path / "cardsrc")
    assert "genanki" in loaded_after(RUN.format(args=["build", "cardsrc/small.yaml", "--no-cache"]), cwd=tmp_path)


WITH_TABLE = "    extra: |\n      | a | b |\n      | - | - |\n      | 1 | 2 |\n"
WITH_CODE = "    extra: |\n      ```python\n      print(1)\n      ```\n"


@pytest.mark.parametrize(("extra", "expected"), [
    ("", set()),  # every field takes a fast path: no parser, no highlighter
    (WITH_TABLE, {"markdown_it"}),
    (WITH_CODE, {"markdown_it", "pygments"}),
], ids=["plain", "table", "code"])
def test_a_first_build_loads_only_what_its_fields_need(tmp_path: Path, extra: str, expected: set[str]) -> None:
    source = write_source(tmp_path / "cardsrc")
    text = source.read_text(encoding="utf-8").replace("    extra: Extra context.\n", extra or "    extra: Context.\n")
    source.write_text(text, encoding="utf-8")
    loaded = loaded_after(RUN.format(args=["build", "cardsrc/small.yaml", "--no-cache"]), cwd=tmp_path)
    assert (tmp_path / "dist").is_dir() and any((tmp_path / "dist").glob("small-*.apkg"))
    assert loaded & {"markdown_it", "pygments"} == expected


def shipped_deck(tmp_path: Path) -> Path:
    folder = tmp_path / "cardsrc"
    folder.mkdir()
    for name in ("pinterest-ai-platform.yaml", "pinterest-ai-platform.lock"):
        (folder / name).write_bytes((REPO / "cardsrc" / name).read_bytes())
    return folder / "pinterest-ai-platform.yaml"


def test_the_shipped_deck_builds_without_a_parser(tmp_path: Path) -> None:
    """Its note fields and its description (paragraphs with emphasis and code) all take the fast paths."""
    source = shipped_deck(tmp_path)
    loaded = modules_after(RUN.format(args=["build", "cardsrc/pinterest-ai-platform.yaml", "--no-cache"]), cwd=tmp_path)
    assert any((tmp_path / "dist").glob("pinterest-ai-platform-*.apkg"))
    assert {name.split(".")[0] for name in loaded} & {"markdown_it", "pygments"} == set()
    assert "builder.declared" not in loaded, "a deck that declares no note type needs no declared-type checks"
    assert "html.parser" not in loaded, "a deck without raw HTML fields needs no HTML parser"
    deck = load_deck(source)
    texts = [("description", deck.description.text)] if deck.description else []
    texts += [(f"{note.id}.{name}", field.text) for note in deck.notes for name, field in note.fields.items()]
    slow = [where for where, text in texts if _plain_html(text) is None and simple_html(text) is None]
    assert slow == []


BUILD_PATH = ("builder.cli", "builder.build", "builder.plan", "builder.source", "builder.assemble",
              "builder.packaging", "builder.lock")
DATACLASSES = """
import dataclasses, inspect, json, sys
found = sorted(f"{name}.{value.__name__}" for name, module in list(sys.modules.items())
               if name.startswith("builder.") for value in vars(module).values()
               if inspect.isclass(value) and value.__module__ == name and dataclasses.is_dataclass(value))
print(json.dumps(found))
"""


def test_the_build_path_declares_its_records_as_structs_not_dataclasses() -> None:
    """Every builder module a build imports, the ones they import in turn included, checked in a fresh interpreter."""
    probe = "".join(f"import {module}\n" for module in BUILD_PATH) + DATACLASSES
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == [], (f"{', '.join(found)}: a build imports these dataclasses; declare them as msgspec Structs. "
                         "On Python 3.11 a dataclass costs about 0.7 ms at import, a Struct 16 us "
                         "(docs/development.md, Records)")


def test_a_rebuild_with_nothing_to_do_loads_neither_loader_nor_packager(tmp_path: Path) -> None:
    shipped_deck(tmp_path)
    command = RUN.format(args=["build", "cardsrc/pinterest-ai-platform.yaml"])
    assert "builder.packaging" in modules_after(command, cwd=tmp_path)  # the first build: the probe is not blind
    loaded = modules_after(command, cwd=tmp_path)
    assert loaded & {"builder.source", "builder.plan", "builder.assemble", "builder.lock", "builder.packaging"} == set()
    assert "genanki" not in loaded
