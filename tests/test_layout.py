"""Where every file of a deck lives (builder/layout.py): each name computed from the source's path, slug and version."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder import layout


@pytest.mark.parametrize(("source", "slug", "expected"), [
    ("cardsrc/small.yaml", "small", {
        "lock": "cardsrc/small.lock",
        "journal": "cardsrc/.small.yaml.builder-journal",
        "build lock": "cardsrc/.small.yaml.builder-lock",
        "media": "cardsrc/small.media",
        "cache": "cardsrc/.builder-cache",
        "renders": "cardsrc/.builder-cache/small.yaml.renders",
        "last build": "cardsrc/.builder-cache/small.yaml.last-build",
    }),
    # The lock and media folder follow the slug, the journal, build lock and caches the source's own file name.
    ("/abs/decks/notes.yml", "solar-system", {
        "lock": "/abs/decks/solar-system.lock",
        "journal": "/abs/decks/.notes.yml.builder-journal",
        "build lock": "/abs/decks/.notes.yml.builder-lock",
        "media": "/abs/decks/solar-system.media",
        "cache": "/abs/decks/.builder-cache",
        "renders": "/abs/decks/.builder-cache/notes.yml.renders",
        "last build": "/abs/decks/.builder-cache/notes.yml.last-build",
    }),
    ("deck.yaml", "a1", {
        "lock": "a1.lock",
        "journal": ".deck.yaml.builder-journal",
        "build lock": ".deck.yaml.builder-lock",
        "media": "a1.media",
        "cache": ".builder-cache",
        "renders": ".builder-cache/deck.yaml.renders",
        "last build": ".builder-cache/deck.yaml.last-build",
    }),
], ids=["relative", "absolute-slug-differs-from-file", "bare-name"])
def test_every_file_beside_a_source(source: str, slug: str, expected: dict[str, str]) -> None:
    path = Path(source)
    assert {
        "lock": layout.lock_path(path, slug),
        "journal": layout.journal_path(path),
        "build lock": layout.build_lock_path(path),
        "media": layout.media_folder(path, slug),
        "cache": layout.cache_folder(path),
        "renders": layout.renders_path(path),
        "last build": layout.last_build_path(path),
    } == {what: Path(name) for what, name in expected.items()}


@pytest.mark.parametrize(("slug", "version", "release", "changelog", "draft"), [
    ("small", "1.0.0", "small-1.0.0.apkg", "small-CHANGELOG.md", "small-draft.apkg"),
    ("pinterest-ai-platform", "2.10.3", "pinterest-ai-platform-2.10.3.apkg", "pinterest-ai-platform-CHANGELOG.md",
     "pinterest-ai-platform-draft.apkg"),
    ("x", "0.0.1", "x-0.0.1.apkg", "x-CHANGELOG.md", "x-draft.apkg"),
])
def test_the_names_in_the_output_folder(slug: str, version: str, release: str, changelog: str, draft: str) -> None:
    assert (layout.release_name(slug, version), layout.changelog_name(slug), layout.draft_name(slug)) == (
        release, changelog, draft)


def test_the_marks_and_the_cache_folder() -> None:
    """Names read back from disk are compared with these, so they are part of the format."""
    assert (layout.CACHE_FOLDER, layout.JOURNAL_MARK, layout.LOCK_MARK) == (
        ".builder-cache", ".builder-journal", ".builder-lock")
