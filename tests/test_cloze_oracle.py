"""The package's cards are Anki's cards: a differential test whose oracle is the real engine.

Anki's .apkg importer copies a package's card rows as they are; it never asks
which cards a note should have. So each note of the package is compared with
a copy of itself that ``col.add_note`` puts into the imported note type, which
makes Anki generate the cards: same ordinals, card for card. The texts are
generated (nesting, empty deletions, numbers 0 to 70000, hints, ``::`` inside,
code spans, MathJax and Markdown around them), many notes to a package, so
one build and one import check a batch.

Budgets follow ``HYPOTHESIS_PROFILE`` like ``tests/test_fuzz.py``: ``ci`` (the
default, derandomized, about 20 s) in ``make test``, ``fuzz`` in ``make fuzz``.
"""

from __future__ import annotations

import html
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from anki.collection import Collection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from builder.build import build_deck
from builder.cloze import text_problems
from builder.identity import note_guid
from tests.ankitools import import_apkg, note_by_guid, open_collection

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
BUDGET = settings(
    max_examples={"ci": 40, "fuzz": 1_000}[PROFILE],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    **({"derandomize": True, "database": None} if PROFILE == "ci" else {}),
)
NOW = 1_700_000_000
DEFAULT_DECK = 1
SLUGS = (f"oracle-{number}" for number in itertools.count())

# --- what a note's text is made of --------------------------------------------------
numbers = st.one_of(
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(0, 12),
    st.sampled_from([0, 9, 10, 11, 499, 500, 501, 600, 65535]),
    st.integers(0, 70_000),
)
PIECES = [
    "word", " ", "Paris", ", ", ".", "::", ":", "}", "{", "}}", "{{", "{{c", "c1", "**", "*", "_", "\n", "\n\n",
    "- ", "> ", "`std::vector`", "`a}}b`", "`{{c2::x}}`", "std::vector", "\\(\\frac{{1}}{2}\\)",
    "\\(\\sqrt{a^{2}}\\)", "\\(x = {{c3::2}}\\)", "[link](https://example.org)", "[x](https://{{c1::a}}.com)",
    "<b>", "&amp;", "\\:", "\n```\nint {{c1::std::vector}} = 0;\n```\n", "image-occlusion:", "é", "中文",
]


openers = st.lists(numbers, min_size=1, max_size=2).map(lambda nums: f"{{{{c{','.join(map(str, nums))}::")
HINTS = ["::hint", "::a word", "::", "::vector", "::x::y"]
tokens = st.one_of(st.sampled_from(PIECES), openers, st.just("}}"), st.sampled_from(HINTS))


@st.composite
def texts(draw: st.DrawFn) -> str:
    """Pieces, openers, ``}}`` and hints in any order, mostly balanced: an author's text, typos and all.

    A ``}}`` with nothing open is kept one time in five, and one text in ten is
    left open at the end; the rest are closed there, like an author would.
    """
    parts = []
    depth = 0
    for part in draw(st.lists(tokens, min_size=1, max_size=24)):
        if part == "}}" and not depth and not draw(st.sampled_from([False] * 4 + [True])):
            continue
        depth = depth + 1 if part.startswith("{{c") else max(0, depth - (part == "}}"))
        parts.append(part)
    if not draw(st.sampled_from([False] * 9 + [True])):
        parts.append("}}" * depth)
    return "".join(parts)


extras = st.one_of(st.just(""), st.sampled_from(["Context.", "See {{c3::x}}.", "{{c1::y}} and {{c7::z}}"]), texts())
notes = st.lists(st.tuples(texts(), extras), min_size=10, max_size=30)


# --- one package of notes, imported -------------------------------------------------
@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    """One collection for the module: each package has its own slug, so its own note types."""
    col = open_collection(tmp_path_factory.mktemp("oracle") / "user.anki2")
    yield col
    col.close()


def source_text(slug: str, items: list[tuple[str, str]]) -> str:
    tree: dict[str, Any] = {
        "title": "Oracle", "slug": slug, "deck": f"Oracle::{slug}",
        "source": {"title": "A", "author": "B", "date": "2025-01-01", "url": "https://example.org/"},
        # Generated texts repeat, hide everything or number past 500: cards all the same.
        "lint": {"ignore": ["L302", "L303", "L306"]},
        "notes": [
            {"id": f"n{index}", "kind": "learning", "text": text, **({"extra": extra} if extra.strip() else {})}
            for index, (text, extra) in enumerate(items)
        ],
    }
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)


def imported_and_generated(col: Collection, folder: Path, items: list[tuple[str, str]]) -> list[tuple[Any, ...]]:
    """Build the notes, import the package; per note: text, extra, package's ords, Anki's ords.

    Also checks that the count the build reports is the package's own.
    """
    slug = next(SLUGS)
    source = folder / f"{slug}.yaml"
    source.write_text(source_text(slug, items), encoding="utf-8")
    result = build_deck(source, folder / "dist", now=NOW)
    import_apkg(col, result.apkg)
    rows = []
    packaged = 0
    for index, (text, extra) in enumerate(items):
        note = note_by_guid(col, note_guid(slug, f"n{index}"))
        package_ords = sorted(card.ord for card in note.cards())
        copy = col.new_note(note.note_type())
        for name, value in note.items():
            copy[name] = value
        col.add_note(copy, DEFAULT_DECK)
        rows.append((text, extra, package_ords, sorted(card.ord for card in copy.cards())))
        packaged += len(package_ords)
    assert result.card_count == packaged, "the build reported a card count other than the package's"
    return rows


@pytest.mark.slow
@given(notes)
@BUDGET
@example([("Outer {{c1::a {{c2::b}} c}}", ""), ("{{c1::}} and {{c2::real}}", ""), ("{{c0::x}} {{c1::y}}", "")])
@example([("{{c600::x}} {{c500::y}} {{c499::z}}", ""), ("{{c1,3::x}} {{c3,2::y}}", "See {{c9::x}}.")])
@example([("".join(f"{{{{c{n}::{n}" for n in range(1, 13)) + "}}" * 12, "")])
@example([("{{c1::`std::vector`}} {{c2::\\(\\frac{{1}}{2}\\)}} {{c3::\\(\\sqrt{a^{2}}\\)}}", "")])
def test_package_cards_are_the_cards_anki_generates(
    collection: Collection, tmp_path_factory: pytest.TempPathFactory, items: list[tuple[str, str]]
) -> None:
    valid = [(text, extra) for text, extra in items if not text_problems(text)]
    if not valid:
        return
    for text, extra, package, anki in imported_and_generated(collection, tmp_path_factory.mktemp("b"), valid):
        assert package == anki, f"text {text!r}, extra {extra!r}: package has ords {package}, Anki makes {anki}"


# --- what the cards show, rendered by the engine ------------------------------------
SHOWN = [
    ("Use {{c1::`std::vector`}} for arrays.", "Use [...] for arrays.", "Use std::vector for arrays."),
    ("In C++, {{c1::`std::map<K, V>::iterator`::a type}} walks a map.",
     "In C++, [a type] walks a map.", "In C++, std::map<K, V>::iterator walks a map."),
    ("Its root: {{c1::\\(\\sqrt{a^{2}}\\)}}.", "Its root: [...].", "Its root: \\(\\sqrt{a^{2}}\\)."),
    ("One half is {{c1::\\(\\frac{{1}}{2}\\)}}.", "One half is [...].", "One half is \\(\\frac{{1}}{2}\\)."),
    ("Braces in code: {{c1::`a}}b`}}.", "Braces in code: [...].", "Braces in code: a}}b."),
]


def shown(markup: str) -> str:
    """The text a reader sees, tags dropped without adding space (a blank sits right before a full stop)."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def test_code_and_math_in_a_deletion_show_as_written(collection: Collection, tmp_path: Path) -> None:
    """Anki's renderer shows the code and the MathJax source whole; MathJax reads the decoded text."""
    slug = next(SLUGS)
    source = tmp_path / f"{slug}.yaml"
    source.write_text(source_text(slug, [(text, "") for text, _, _ in SHOWN]), encoding="utf-8")
    import_apkg(collection, build_deck(source, tmp_path / "dist", now=NOW).apkg)
    for index, (text, question, answer) in enumerate(SHOWN):
        cards = note_by_guid(collection, note_guid(slug, f"n{index}")).cards()
        assert len(cards) == 1, text
        output = cards[0].render_output()
        assert shown(output.question_text) == question
        assert shown(output.answer_text).startswith(answer)
