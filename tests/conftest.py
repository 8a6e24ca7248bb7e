"""Shared fixtures: small valid sources and a project-like folder to build in."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHIPPED_SOURCE = REPO / "cardsrc" / "pinterest-ai-platform.yaml"

SMALL_SOURCE = """\
title: Small deck
slug: small
deck: Small Deck
version: 1.0.0
tags: [testing]
source:
  title: An Article
  author: Ada Author
  date: 2025-01-31
  url: https://example.org/article
notes:
  - id: learn-one
    kind: learning
    text: The {{c1::first}} learning has {{c2::two}} deletions.
    extra: Context for the first learning.
    tags: [alpha]
  - id: learn-two
    kind: learning
    text: Second learning about {{c1::caching}}.
  - id: quiz-one
    kind: quiz
    question: What is the first quiz question about?
    answer: Answers.
    extra: Extra context.
  - id: quiz-two
    kind: quiz
    question: Which year did the thing happen?
    answer: "2015"
  - id: deep-one
    kind: deep-dive
    question: Who built Linchpin?
    answer: A senior staff engineer in Home Feed.
  - id: deep-two
    kind: deep-dive
    text: Scorpion was written in {{c1::C++}}.
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that drives Chromium is a browser test, so ``make test-fast`` can leave it out."""
    for item in items:
        if "card_browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def write_source(folder: Path, text: str = SMALL_SOURCE, name: str = "small.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def small_source(tmp_path: Path) -> Path:
    return write_source(tmp_path / "cardsrc")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder laid out like the repository, as the working directory, with a fixed clock."""
    write_source(tmp_path / "cardsrc")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return tmp_path


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """The shipped deck (and its lock, if committed) copied into a scratch folder."""
    folder = tmp_path / "cardsrc"
    folder.mkdir()
    for item in SHIPPED_SOURCE.parent.iterdir():
        if item.suffix in (".yaml", ".lock"):
            shutil.copy(item, folder / item.name)
    return folder / SHIPPED_SOURCE.name


@pytest.fixture
def edit_source() -> Callable[[Path, str, str], None]:
    """Replace one exact snippet of a source (failing loudly if it is not there)."""

    def edit(path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"snippet not found exactly once: {old!r}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return edit
