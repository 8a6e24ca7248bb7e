"""Packages other tools make, for the ``builder import`` tests: genanki's, made here in the test run.

:func:`genanki_package` holds what a deck taken over meets: genanki's Basic,
Basic-and-reversed and Cloze types, a type of three fields and two templates,
an image used by a field, tags with ``::`` and capitals, two decks, HTML that
Markdown can write and HTML it cannot, and a note that breaks a lint rule
(two notes asking the same question); :func:`unfinished_note` adds one that
builder's release gate stops (a field that is still "TODO", L301).
"""

from __future__ import annotations

import zlib
from pathlib import Path

import genanki

TIMESTAMP = 1_700_000_000
"""Every note's and note type's ``mod`` in the package (genanki stamps them all with this)."""
VOCAB = genanki.Model(
    1_700_000_123, "Vocabulary",
    fields=[{"name": "Word"}, {"name": "Meaning"}, {"name": "Example"}],
    templates=[
        {"name": "Recognise", "qfmt": "{{Word}}", "afmt": "{{FrontSide}}<hr id=answer>{{Meaning}}<br>{{Example}}"},
        {"name": "Recall", "qfmt": "{{Meaning}}", "afmt": "{{FrontSide}}<hr id=answer>{{Word}}"},
    ],
    css=".card { font-family: serif; }\n",
)


def png(color: int) -> bytes:
    """A valid 1x1 PNG of one grey level."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = chunk(b"IHDR", (1).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0]))
    pixels = chunk(b"IDAT", zlib.compress(bytes([0, color])))
    return b"\x89PNG\r\n\x1a\n" + header + pixels + chunk(b"IEND", b"")


def genanki_notes() -> list[genanki.Note]:
    basic, both, cloze = genanki.BASIC_MODEL, genanki.BASIC_AND_REVERSED_CARD_MODEL, genanki.CLOZE_MODEL
    return [
        genanki.Note(model=basic, guid="basic-1", fields=["What is the capital of France?", "Paris"],
                     tags=["geo::europe", "Capitals"]),
        genanki.Note(model=basic, guid="basic-2", fields=["What is <b>2 + 2</b>?", "<i>four</i>, not five"],
                     tags=["maths"]),
        genanki.Note(model=basic, guid="basic-3", fields=['Which flag? <img src="flag.png">', "Blue"]),
        genanki.Note(model=basic, guid="basic-4", fields=["What is the capital of France?", "Still Paris"]),
        genanki.Note(model=both, guid="both-1", fields=["chien", "dog"], tags=["french"]),
        genanki.Note(model=both, guid="both-2", fields=['<span style="color: red">rouge</span>', "red"],
                     tags=["french"]),
        genanki.Note(model=cloze, guid="cloze-1", fields=["The {{c1::Seine}} flows through {{c2::Paris}}.", ""]),
        genanki.Note(model=cloze, guid="cloze-2", fields=["{{c1::Lyon}} is in France<br>on the Rhône", "Extra"],
                     tags=["geo::europe"]),
        genanki.Note(model=VOCAB, guid="vocab-1", fields=["maison", "house", "La maison est grande."],
                     tags=["french", "nouns"]),
        genanki.Note(model=VOCAB, guid="vocab-2", fields=["chat", "cat", ""]),
    ]


def cardless_note() -> genanki.Note:
    """A cloze note without a deletion: Anki keeps it without a card (measured); builder's gate says L308."""
    return genanki.Note(model=genanki.CLOZE_MODEL, guid="cloze-3", fields=["No deletion in this one", ""])


def unfinished_note() -> genanki.Note:
    """A note whose last field is still "TODO": builder's release gate (L301) would stop a deck holding it."""
    return genanki.Note(model=VOCAB, guid="vocab-3", fields=["chose", "thing", "TODO"], tags=["french"])


def genanki_package(folder: Path, name: str = "genanki-deck.apkg", *, extra: tuple[genanki.Note, ...] = (),
                    description: str = "") -> Path:
    """The package, written to ``folder``: notes in ``Languages::French`` and ``Languages`` (and ``extra``);
    ``description`` is the ``Languages`` deck's."""
    main = genanki.Deck(2_000_000_001, "Languages", description=description)
    sub = genanki.Deck(2_000_000_002, "Languages::French")
    for note in [*genanki_notes(), *extra]:
        (sub if "french" in note.tags else main).add_note(note)
    image = folder / "flag.png"
    image.write_bytes(png(90))
    path = folder / name
    genanki.Package([main, sub], media_files=[str(image)]).write_to_file(path, timestamp=TIMESTAMP)
    return path


def empty_package(path: Path) -> Path:
    """A package with a deck and no note: nothing to take over."""
    genanki.Package(genanki.Deck(2_000_000_009, "Empty")).write_to_file(path, timestamp=TIMESTAMP)
    return path


def duplicated_guid_package(path: Path) -> Path:
    """Two notes with one GUID, which Anki would merge into one: a package that cannot be taken over as it is."""
    deck = genanki.Deck(2_000_000_010, "Twice")
    for front in ("first", "second"):
        deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, guid="same", fields=[front, "x"]))
    genanki.Package(deck).write_to_file(path, timestamp=TIMESTAMP)
    return path
