"""``builder import``, deciding: the source a package becomes, before a byte of it is written.

Every choice here keeps what learners hold and gives the author names they can
read:

* the deck's slug and title come from the notes' top-level deck, note ids from
  each note's first field and note-type ids from the type's name, all made
  valid (lowercase words joined by ``-``) and unique (``-2``, ``-3``...); a note
  type never takes the id of a built-in one (``cloze``, ``qa``...);
* each field is Markdown only where the build's own renderer turns that
  Markdown back into exactly the HTML Anki holds (the Markdown comes from
  :func:`builder.htmlmd.to_markdown`, which ``builder pull`` uses too);
  anything else is kept as raw HTML, byte for byte. An empty field is left out.
* GUIDs, note-type ids, names, fields, templates and CSS, decks and tags are
  copied as they are: Anki matches on them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable

from msgspec import Struct
from msgspec.structs import replace

from .assemble import nfc, plain_summary
from .formats import SLUG_RE, UNHELD_RE
from .htmlmd import Context, Unconvertible, to_markdown
from .importread import Package, PackageNote, PackageNoteType
from .notetypes import BUILTIN_TYPES

NOTE_ID_LENGTH = 40
"""Longest note id made from a first field: enough words to recognise the note by."""
SLUG_LENGTH = 50
_TAG = re.compile(r"<[^>]*>")
_CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::(.*?))?\}\}", re.S)


class FieldValue(Struct, frozen=True):
    text: str
    raw: bool
    """True: HTML kept as it is (``{html: ...}``); False: Markdown."""


class ImportedType(Struct, frozen=True):
    key: str
    """The note type's ``id`` in the source."""
    package: PackageNoteType


class ImportedNote(Struct, frozen=True):
    id: str
    package: PackageNote
    type_key: str
    fields: dict[str, FieldValue]
    """By field name, in the note type's order; empty fields left out."""
    lint_ignore: tuple[str, ...] = ()
    deck: str = ""
    """Its deck: the package's, or the deck's own for a note without cards (which has none in Anki)."""


class ImportedSource(Struct, frozen=True):
    """What ``<slug>.yaml`` will say, field by field."""

    slug: str
    title: str
    deck: str
    note_types: tuple[ImportedType, ...]
    notes: tuple[ImportedNote, ...]
    package_name: str
    package_sha256: str
    version: str = "1.0.0"
    lint_ignore: tuple[str, ...] = ()
    description: str = ""
    """The HTML description of the deck ``deck`` in the package, kept as it is (``description: {html: ...}``)."""

    def with_raw(self, spots: Iterable[tuple[str, str]]) -> ImportedSource:
        """The same source with the fields ``(note id, field name)`` kept as raw HTML."""
        wanted: dict[str, set[str]] = {}
        for note_id, name in spots:
            wanted.setdefault(note_id, set()).add(name)
        notes = tuple(
            replace(note, fields={name: FieldValue(note.package.fields[_index(self, note, name)], True)
                                  if name in wanted.get(note.id, ()) else value
                                  for name, value in note.fields.items()})
            for note in self.notes)
        return replace(self, notes=notes)


def _index(source: ImportedSource, note: ImportedNote, name: str) -> int:
    kind = next(kind for kind in source.note_types if kind.key == note.type_key)
    return kind.package.fields.index(name)


def slugify(text: str, limit: int) -> str:
    """``text`` as lowercase ASCII words joined by ``-``, whole words up to ``limit`` characters; "" if none."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    out = ""
    for word in words:
        longer = f"{out}-{word}" if out else word
        if len(longer) > limit:
            break
        out = longer
    return out or (words[0][:limit] if words else "")


def unique(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``... whichever is not ``taken``; then it is taken."""
    name, number = wanted, 1
    while name in taken:
        number += 1
        name = f"{wanted}-{number}"
    taken.add(name)
    return name


def top_deck(package: Package) -> tuple[str, str]:
    """The deck's own deck and the most common top-level deck (ties: the first one met). The deck's own is the
    top-level one when every note is in it or under it, else the most common deck of the notes.

    Notes without cards have no deck and do not count; when no note has a card, the package's name stands in.
    """
    placed = [note.deck for note in package.notes if note.deck] or [package.path.stem]
    tops = Counter(deck.split("::")[0] for deck in placed)
    top = tops.most_common(1)[0][0]
    if len(tops) == 1:  # one tree (a builder-made deck's subdecks by kind, say): its root, with its description
        return top, top
    return Counter(placed).most_common(1)[0][0], top


def default_slug(package: Package) -> str:
    """The slug of a deck taken over from ``package``: its top-level deck's name, made a slug."""
    return slugify(top_deck(package)[1], SLUG_LENGTH) or "imported-deck"


def note_id_text(first_field: str) -> str:
    """What a note's id is made from: its first field's visible text, cloze deletions read as their answers.

    Every tag counts as a space (``France<br>on`` is two words), as a reader sees it.
    """
    return plain_summary(_TAG.sub(" ", _CLOZE.sub(lambda match: match.group(1), first_field)), 200)


Render = Callable[[str], str]
"""The build's renderer: Markdown -> the HTML a note holds (NFC); raises a ``BuilderError`` when it cannot."""


def field_value(html: str, render: Render) -> FieldValue:
    """Markdown when rendering it again gives ``html`` exactly, else ``html`` itself, raw."""
    raw = FieldValue(html, True)
    if "<img" in html.lower():  # images keep their names only once hashed media can be turned off
        return raw
    try:
        markdown = to_markdown(html, Context({}))
    except Unconvertible:
        return raw
    if not markdown.strip() or UNHELD_RE.search(markdown) or markdown != markdown.strip("\n"):
        return raw
    from .errors import BuilderError

    try:
        again = nfc(render(markdown))
    except BuilderError:
        return raw
    return FieldValue(markdown, False) if again == html else raw


def decide(package: Package, slug: str | None, render: Render) -> ImportedSource:
    """The source ``package`` becomes under ``slug`` (default: :func:`default_slug`)."""
    deck, title = top_deck(package)
    slug = slug or default_slug(package)
    assert SLUG_RE.fullmatch(slug), slug
    type_keys: set[str] = set(BUILTIN_TYPES)
    types = tuple(ImportedType(unique(slugify(kind.name, NOTE_ID_LENGTH) or "type", type_keys), kind)
                  for kind in package.note_types)
    key_of = {kind.package.id: kind for kind in types}
    note_ids: set[str] = set()
    notes = []
    for note in package.notes:
        kind = key_of[note.type_id]
        first = note.fields[0] if note.fields else ""
        note_id = unique(slugify(note_id_text(first), NOTE_ID_LENGTH) or "note", note_ids)
        values = {name: field_value(value, render)
                  for name, value in zip(kind.package.fields, note.fields, strict=True) if value}
        notes.append(ImportedNote(note_id, note, kind.key, values, deck=note.deck or deck))
    return ImportedSource(slug, title, deck, types, tuple(notes), package.name, package.sha256,
                          description=package.descriptions.get(deck, ""))
