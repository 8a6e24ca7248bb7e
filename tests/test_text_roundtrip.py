"""Text arrives in Anki exactly as the builder rendered it, whatever the script.

Emoji, CJK, right-to-left text, combining marks, joiners and other invisible
characters go through YAML, Markdown, the package and Anki's importer; the
fields in a real collection must be byte-identical to what ``assemble``
produced (NFC, as Anki normalises), and the reader must see the text itself.
What Anki cannot hold (U+001F splits fields, NUL, controls it drops) is
refused with a clear error instead of being lost on the way.
"""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.assemble import assemble
from builder.build import build_deck
from builder.cli import cli
from builder.formats import UNHELD_RE
from builder.source import load_deck
from tests.ankitools import import_apkg, note_by_guid, open_collection, visible_text

Trips = list[tuple[tuple[str, ...], list[str], str]]
"""Per note: the fields ``assemble`` made, the fields Anki holds, and the answer side as shown."""

TEXTS = {
    "emoji": "Deploy 🚀 then 🎉; family 👩‍👩‍👧‍👦, skin tone 👍🏽, flag 🇳🇿, keycap 1️⃣",
    "cjk": "机器学习平台 と 機械学習 그리고 기계 학습",
    "arabic": "منصة الذكاء الاصطناعي في بنترست",
    "hebrew-with-latin": "פלטפורמת ML של Pinterest בשנת 2025",
    "combining-marks": "cafe\u0301 na\u0308ive A\u030a e\u0323\u0302 (decomposed, Anki stores NFC)",
    "zero-width": "zero\u200bwidth space, non\u200cjoiner, joiner\u200d, word\u2060joiner, soft\u00adhyphen",
    "bidi-marks": "left\u200emark right\u200fmark \u202aembedded\u202c \u2067isolate\u2069",
    "variation-selectors": "text \u2764\ufe0e emoji \u2764\ufe0f",
    "c1-controls-anki-keeps": "next\x85line \x80\x9f",
    "line-separators": "one\u2028two\u2029three",
    "private-use-and-astral": "\ue000 \U0001d54f \U00010348 \U000e0061",
    "noncharacters": "\ufdd0 \ufffe \U0001fffe",
    "tab": "column\tcolumn",
}


def deck_source(texts: dict[str, str]) -> str:
    notes: list[dict[str, str]] = []
    for number, text in enumerate(texts.values()):
        notes.append({"id": f"quiz-{number}", "kind": "quiz", "question": f"Q {text}", "answer": f"A {text}",
                      "extra": f"E {text}"})
        notes.append({"id": f"cloze-{number}", "kind": "learning", "text": f"T {text} is {{{{c1::{text}}}}}"})
    return yaml.safe_dump({
        "title": "Round trip", "slug": "roundtrip", "deck": "Round trip",
        "source": {"title": "Text", "author": "Ada", "date": "2025-01-31", "url": "https://example.org/"},
        "notes": notes,
    }, allow_unicode=True, sort_keys=False)


def round_trip(texts: dict[str, str], folder: Path) -> Trips:
    source = folder / "roundtrip.yaml"
    source.write_text(deck_source(texts), encoding="utf-8")
    built = assemble(load_deck(source))
    result = build_deck(source, folder / "dist", now=1700000000)
    col = open_collection(folder / "collection.anki2")
    try:
        import_apkg(col, result.apkg)
        out = []
        for note in built:
            held = note_by_guid(col, note.guid)
            assert held is not None, note.note_id
            out.append((note.fields, list(held.fields), held.cards()[0].render_output().answer_text))
        return out
    finally:
        col.close()


@pytest.fixture(scope="module")
def shipped_texts(tmp_path_factory: pytest.TempPathFactory) -> Trips:
    return round_trip(TEXTS, tmp_path_factory.mktemp("texts"))


def test_every_script_arrives_byte_identical(shipped_texts: Trips) -> None:
    for (expected, held, _), name in zip(shipped_texts, [n for n in TEXTS for _ in "qc"], strict=True):
        assert held == list(expected), name
        assert all(field == unicodedata.normalize("NFC", field) for field in held), name


@pytest.mark.parametrize("name", TEXTS)
def test_the_reader_sees_the_text_itself(name: str, shipped_texts: Trips) -> None:
    index = list(TEXTS).index(name)
    quiz_answer, cloze_answer = shipped_texts[2 * index][2], shipped_texts[2 * index + 1][2]
    text = " ".join(unicodedata.normalize("NFC", TEXTS[name]).split())
    assert f"A {text}" in visible_text(quiz_answer)
    assert f"T {text} is {text}" in visible_text(cloze_answer)


# Anything a YAML file can carry and a field can hold: no surrogates, none of the refused controls.
field_text = st.text(
    st.characters(exclude_categories=["Cs"]).filter(lambda char: not UNHELD_RE.match(char)), min_size=1, max_size=30
).filter(lambda text: text.strip() and "{{" not in text and "}}" not in text)


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(field_text, min_size=1, max_size=6))
def test_any_holdable_text_arrives_byte_identical(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="roundtrip-") as folder:
        for expected, held, _ in round_trip({str(n): text for n, text in enumerate(texts)}, Path(folder)):
            assert held == list(expected)


@pytest.mark.parametrize(
    ("escape", "message"),
    [
        ("\\x1f", "contains U+001F, the character Anki separates fields with: remove it"),
        ("\\0", "contains a NUL character (U+0000): remove it"),
        ("\\x01", "contains the control character U+0001, which Anki would silently drop: remove it"),
        ("\\b", "contains the control character U+0008, which Anki would silently drop: remove it"),
        ("\\x7f", "contains the control character U+007F, which Anki would silently drop: remove it"),
    ],
    ids=["field-separator", "nul", "start-of-heading", "backspace", "delete"],
)
def test_what_anki_cannot_hold_is_refused(escape: str, message: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = deck_source({"x": "PLACEHOLDER"}).replace("A PLACEHOLDER", f'"A {escape}"', 1)
    Path("deck.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "deck.yaml"])
    assert (result.exit_code, result.stderr) == (1, f"Error: deck.yaml:13: 'answer' in note 'quiz-0' {message}\n")
    assert not Path("dist").exists()
