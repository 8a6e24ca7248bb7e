"""Cloze fields written as raw HTML (``{html: ...}``) are held to what Anki's engine does with them.

Raw HTML reaches Anki as written, so builder refuses only what the engine was
measured to lose (``anki`` 26.9.3, a built package imported and its cards
rendered):

* ``{{c70000::b}}``: a number above 65535 is text to Anki; the card shows
  ``{{c70000::b}}``, braces and all, and no card comes of it (E132).
* ``{{c1::a}} and {{c2::b``: a deletion never closed is dropped, its text and its
  card; the card shows ``[...] and`` (E131). A stray ``}}`` or ``{{`` is shown as
  written and loses nothing: it builds.
* ``<a href="https://{{c1::paris}}.com">city</a>``: Anki puts its blank's
  ``<span class="cloze" ...>`` into the attribute, so ``href`` becomes
  ``https://<span class=`` and the card shows ``[...].com">city`` (E133).
* only ``{{c0::x}}``: Anki imports the note without a card, so it never shows
  (L308, as a note of a declared cloze type without a deletion).
* ``{{c65535::d}}``: Anki keeps 500 cloze cards, so the card is card c500's, here
  an error card ("No cloze 500 found on card") (L306, as in a Markdown text).

Each is refused by ``check`` and ``build`` with one line, dist/ and the lock
untouched; what builds gives the cards the engine generates, on the table and on
generated texts (the oracle of ``tests/test_cloze_oracle.py``, raw).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st

from builder.build import build_deck
from builder.cli import cli
from builder.cloze import card_numbers, raw_problems
from builder.identity import note_guid
from tests.ankitools import import_apkg, note_by_guid, open_collection
from tests.test_cloze_oracle import BUDGET, NOW, SLUGS, texts

HEADER = """\
title: Raw cloze
slug: {slug}
deck: Raw cloze
additions: []
lint: {{ignore: [{ignore}]}}
note_types:
  - id: stock
    name: Cloze
    cloze: true
    fields: [Text, Back Extra]
    templates:
      - name: Cloze
        front: "{{{{cloze:Text}}}}"
        back: "{{{{cloze:Text}}}}<br>{{{{Back Extra}}}}"
notes:
  - id: good
    type: stock
    deck: Raw cloze
    fields:
      Text: {{html: "The {{{{c1::Seine}}}} flows through <b>Paris</b>."}}
"""
NOTE = """\
  - id: n{index}
    type: stock
    deck: Raw cloze
    fields:
      Text: {{html: {text}}}
"""
LINE = HEADER.count("\n") + NOTE.count("\n")
"""The line of the first added note's Text."""


def source(items: list[str], slug: str = "raw", ignore: str = "W201") -> str:
    return HEADER.format(slug=slug, ignore=ignore) + "".join(
        NOTE.format(index=index, text=json.dumps(text, ensure_ascii=False)) for index, text in enumerate(items))


# --- what check and build refuse ----------------------------------------------------
BIG = ("E132", "note 'n0' has the cloze number c70000, above 65535, the highest Anki reads: Anki shows "
               "'{{c70000::' as written, braces and all, and makes no card of it; number the deletions c1, c2, ...")
UNCLOSED = ("E131", "note 'n0' has a cloze deletion that is never closed: Anki drops it, its text and its card; "
                    "close it with '}}'")


def in_tag(tag: str) -> tuple[str, str]:
    return ("E133", f"note 'n0' has a deletion inside the HTML tag {tag}: Anki puts the blank's <span> into the "
                    "tag, which breaks it (the attribute is lost and '\">' shows as text); put the deletion in the "
                    "element's text, <a href=\"...\">{{c1::text}}</a>")


NO_CARD = ("L308", "note 'n0' of the cloze type 'stock' has no deletion that makes a card ({{c0::...}} makes none), "
                   "so it makes no card: mark a key term as {{c1::term}}")
BEYOND = ("L306", "note 'n0' has the cloze number c65535, above 500: Anki keeps 500 cloze cards at most and makes "
                  "the card of c65535 a copy of card c500, so c65535 never shows a blank of its own; number the "
                  "deletions c1, c2, ...")
REFUSED = [
    ("{{c1::a}} and {{c70000::b}}", [BIG]),
    ("{{c70000::b}} alone", [BIG]),
    ("{{c1,70000::a}} and {{c70000::b}}", [("E132", BIG[1].replace("c70000, above", "c1,70000, above")
                                            .replace("'{{c70000::'", "'{{c1,70000::'"))]),
    ("{{c1::a}} and {{c2::b", [UNCLOSED]),
    ("{{c1::a", [UNCLOSED]),
    ("{{c1::a {{c2::b}}", [UNCLOSED]),
    ('<a href="https://{{c1::paris}}.com">city</a> is {{c2::big}}',
     [in_tag('<a href="https://{{c1::paris}}.com">')]),
    ('<span title="{{c1::secret}}">shown</span>', [in_tag('<span title="{{c1::secret}}">')]),
    ('<img src="{{c1::x.png}}"> and {{c2::y}}', [in_tag('<img src="{{c1::x.png}}">')]),
    ("{{c0::x}} only", [NO_CARD]),
    ("{{c1::a}} {{c65535::b}}", [BEYOND]),
    ("{{c0::x}} and }} a stray", [NO_CARD]),
]


def project(tmp_path: Path) -> Path:
    """A released deck of one good raw cloze note: dist/ and its lock exist."""
    (tmp_path / "cardsrc").mkdir()
    (tmp_path / "cardsrc" / "raw.yaml").write_text(source([]), encoding="utf-8")
    assert run(tmp_path, "build")[0] == 0
    return tmp_path


def run(folder: Path, *args: str) -> tuple[int, str]:
    """``builder <args> cardsrc/raw.yaml`` run in ``folder``, as an author runs it."""
    here = Path.cwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(cli, [*args, "cardsrc/raw.yaml"], env={"SOURCE_DATE_EPOCH": str(NOW)})
    finally:
        os.chdir(here)
    return result.exit_code, result.stdout + result.stderr


def written(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file() and ".builder-cache" not in path.parts and path.name != "raw.yaml"}


@pytest.mark.parametrize(("text", "expected"), REFUSED, ids=[text for text, _ in REFUSED])
def test_check_and_build_refuse_what_anki_would_lose(
    tmp_path: Path, text: str, expected: list[tuple[str, str]]
) -> None:
    folder = project(tmp_path)
    before = written(folder)
    (folder / "cardsrc" / "raw.yaml").write_text(source([text]), encoding="utf-8")
    path = "cardsrc/raw.yaml"
    gate = expected[0][0].startswith("L")  # the release gate's: with a column, and its code on build
    code, output = run(folder, "check")
    assert code == 1
    column = 7 if expected[0][0] == "L308" else 13  # the note's 'Text:', or its value
    place = f"{path}:{LINE}:{column}" if gate else f"{path}:{LINE}"
    assert [line for line in output.splitlines() if line.startswith(path)] == [
        f"{place}: {rule} {message}" for rule, message in expected]
    code, output = run(folder, "build")
    assert code == 1
    place = f"{path}:{LINE}"
    assert output.startswith(f"Error: {place}: {expected[0][0] + ' ' if gate else ''}{expected[0][1]}\n")
    assert written(folder) == before, "a refused build wrote something"


def test_a_taken_over_card_less_note_may_silence_l308(tmp_path: Path) -> None:
    """A deck taken over keeps a note Anki holds without a card: L308 is the rule it may silence, as import does."""
    folder = project(tmp_path)
    (folder / "cardsrc" / "raw.yaml").write_text(source(["{{c0::x}} only"], ignore="L308"), encoding="utf-8")
    assert run(folder, "check") == (0, "All checks passed (1 source).\n")


# --- what builds: the cards the engine generates ------------------------------------
BUILDS = [
    "{{c1::a}} and }} b",  # a stray closer is shown as written
    "{{c1::a}} {{ b {{c",
    "{{c1::a::hint}} {{c2::std::vector}}",
    "{{c1,3::a}} {{c2::b {{c4::c}} d}}",
    "{{c1::}} {{c2::x}}",
    "{{c0::x}} {{c2::y}}",
    "<b>{{c1::bold}}</b> <a href=\"https://example.org\">{{c2::link}}</a>",
    "{{c1::<i>a</i>}} &#123;&#123;c3::entity}}",
    "{{c500::a}} {{c499::b}} {{c501::c}} {{c65535::d}}",
    "".join(f"{{{{c{n}::{n}" for n in range(1, 13)) + "}}" * 12,
]


def imported(tmp_path: Path, items: list[str], ignore: str = "W201") -> list[tuple[str, list[int], list[int]]]:
    """Build raw cloze notes and import the package into a fresh collection: per note, its text, the package's
    card ordinals and those Anki generates for a copy of it (an empty list for a note the package has no card of)."""
    slug = next(SLUGS)
    path = tmp_path / f"{slug}.yaml"
    path.write_text(source(items, slug=slug, ignore=ignore), encoding="utf-8")
    result = build_deck(path, tmp_path / "dist", now=NOW)
    col = open_collection(tmp_path / "user.anki2")
    try:
        import_apkg(col, result.apkg)
        assert col.card_count() == result.card_count, "the build reported a card count other than Anki's"
        rows = []
        for index, text in enumerate(items):
            note: Any = note_by_guid(col, note_guid(slug, f"n{index}"))
            copy = col.new_note(note.note_type())
            for name, value in note.items():
                copy[name] = value
            col.add_note(copy, 1)
            rows.append((text, sorted(card.ord for card in note.cards()), sorted(card.ord for card in copy.cards())))
        return rows
    finally:
        col.close()


def test_raw_cloze_notes_build_with_the_cards_anki_generates(tmp_path: Path) -> None:
    for text, package, anki in imported(tmp_path, BUILDS, ignore="W201, L306"):
        assert package == anki, f"text {text!r}: package has ords {package}, Anki makes {anki}"


RAW_PIECES = ['<a href="https://example.org">', "</a>", '<span title="a::b">', "</span>", "<br>", "&#123;&#123;",
              "&#125;&#125;", "<!-- {{c1::x}} -->", "<i>", "</i>"]
raw_texts = st.lists(st.one_of(texts(), st.sampled_from(RAW_PIECES)), min_size=1, max_size=4).map("".join)
"""The oracle's author texts (typos and all) with HTML around and between them."""


@pytest.mark.slow
@given(st.lists(raw_texts.filter(lambda text: text != "" and not raw_problems(text)), min_size=5, max_size=20))
@BUDGET
@example(BUILDS)
def test_generated_raw_cloze_fields_make_the_cards_anki_generates(
    tmp_path_factory: pytest.TempPathFactory, items: list[str]
) -> None:
    for text, package, anki in imported(tmp_path_factory.mktemp("raw"), items, ignore="W201, L302, L306, L308"):
        if card_numbers(text):
            assert package == anki, f"text {text!r}: package has ords {package}, Anki makes {anki}"
        else:  # Anki gives a note it adds a card anyway; a package's note without a deletion has none (L308)
            assert package == [], f"text {text!r}: package has ords {package} for a note without a deletion"


# --- a deck taken over: what learners' Anki already holds ---------------------------
@pytest.mark.parametrize(("text", "outcome"), [
    ("{{c0::x}} only", "L308"),  # Anki holds it without a card: silenced, as a note without a deletion
    ("{{c1::a}} and {{c2::b", UNCLOSED[1].replace("'n0'", "'a-and-c2-b'")),
])
def test_builder_import_silences_l308_and_refuses_what_a_build_would(tmp_path: Path, text: str, outcome: str) -> None:
    """``builder import`` silences the release gate's L rules the original breaks, but a loader error (E131) is the
    package's to fix in Anki: one line, nothing written."""
    import genanki

    from tests.helpers.importpackages import genanki_package

    (tmp_path / "cardsrc").mkdir()
    note = genanki.Note(model=genanki.CLOZE_MODEL, guid="taken-cloze", fields=[text, ""])
    package = genanki_package(tmp_path, extra=(note,))
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(cli, ["import", str(package)], env={"SOURCE_DATE_EPOCH": str(NOW)})
    finally:
        os.chdir(here)
    if outcome == "L308":
        assert result.exit_code == 0, result.output
        written = (tmp_path / "cardsrc" / "languages.yaml").read_text(encoding="utf-8")
        assert '        html: "{{c0::x}} only"\n    lint: {ignore: [L308]}  # came with the import\n' in written
    else:
        assert result.exit_code == 1
        assert f"(E131 {outcome})" in result.stderr
        assert list((tmp_path / "cardsrc").iterdir()) == []
