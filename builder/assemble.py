"""Turn a validated deck into exactly what each note will hold in Anki.

This is the single place that decides a note's fields, tags and deck, so the
lock's content hash, ``builder diff`` and the package all see the same thing.
Text is normalised to NFC here because Anki normalises on import: hashing
anything else would report phantom changes.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct

from .cloze import Card, card_numbers, may_drop_deletions, source_view
from .errors import Location, RenderError
from .media import MediaFile
from .notetypes import NoteType
from .render import Renderer
from .source import Deck, Note
from .sourcevalues import Field

if TYPE_CHECKING:
    from .render import RenderedLike

RETIRED_TAG = "builder::retired"


class AnkiNote(Struct, frozen=True, dict=True):
    """One note as Anki will store it; ``fields`` follow the note type's field order."""

    # dict=True: a __dict__ for ``cards`` (a cached_property) to keep its value in.

    note_id: str
    guid: str
    note_type: NoteType
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str
    media: tuple[MediaFile, ...] = ()
    kind_tag: bool = False
    """Whether builder gave the note its kind tag (the ``tags`` addition), which goes with the subdeck."""

    @property
    def field_names(self) -> tuple[str, ...]:
        return self.note_type.fields

    @cached_property
    def cards(self) -> tuple[Card, ...]:
        """The cards Anki generates for this note: the package holds these, and counts count these."""
        return self.note_type.cards(self.fields, has_tags=bool(self.tags))

    def field_hashes(self) -> dict[str, str]:
        return {name: _hash(value) for name, value in zip(self.field_names, self.fields, strict=True)}

    def content_hash(self) -> str:
        """Hash of everything the note puts into Anki, its deck included: a change here is a change to release.

        Whether learners' notes must be updated for it is the plan's call
        (:func:`builder.plan.same_in_anki`): a note that only moves is not.
        """
        return _hash(json.dumps([self.note_type.key, self.fields, self.tags, self.deck], ensure_ascii=False))

    def summary(self) -> str:
        """The first field as short plain text, for humans reading the lock or a diff."""
        return plain_summary(self.fields[0])


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


_MARKUP = re.compile(r"<[^>]*(?:>|\Z)|>")
"""A tag (or a ``<`` left open to the end), or a stray ``>``: nothing a reader sees."""


def plain_summary(field_html: str, limit: int = 80) -> str:
    """Visible text of a field, tags removed, cut to ``limit`` characters."""
    text = " ".join(html.unescape(_MARKUP.sub("", field_html)).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def source_field(deck: Deck) -> str:
    """The Source line every card of a built-in type shows: linked title, author and date ("" without a source,
    which only a deck with no note of a built-in type may lack)."""
    src = deck.source
    if src is None:
        return ""
    return (
        f'<a href="{html.escape(src.url)}">{html.escape(src.title)}</a>'
        f" · {html.escape(src.author)} · {html.escape(src.date)}"
    )


def note_tags(deck: Deck, note: Note) -> tuple[str, ...]:
    """Slug and kind (builder's ``tags`` addition), deck-wide and note tags, de-duplicated in that order."""
    own = () if "tags" not in deck.additions else (deck.slug,) if note.kind is None else (deck.slug, note.kind)
    return tuple(dict.fromkeys((*own, *deck.tags, *note.tags)))


def assemble_note(deck: Deck, note: Note, source_html: str, renderer: Renderer | None = None) -> AnkiNote:
    renderer = renderer or Renderer()
    note_type = deck.note_types[note.type]
    values: list[str] = []
    media: list[MediaFile] = []
    for name, field in note_fields(deck, note):
        if name == note_type.source_field:
            values.append(source_html)
            continue
        if field is None:
            values.append("")
            continue
        if field.raw:
            values.append(nfc(_raw_field(note, name, field, Location(deck.path, field.line), renderer)))
            continue
        rendered = render_note_field(deck, field, renderer)
        if note_type.is_cloze and may_drop_deletions(field.text):  # Anki reads deletions in every field
            _check_deletions_kept(note, field.text, rendered.html, Location(deck.path, field.line))
        values.append(nfc(rendered.html))
        media += rendered.media
    return AnkiNote(
        note_id=note.id,
        guid=deck.guid(note),
        note_type=note_type,
        fields=tuple(values),
        tags=tuple(nfc(tag) for tag in note_tags(deck, note)),
        deck=nfc(deck.note_deck(note)),
        media=by_name(media),
        kind_tag="tags" in deck.additions and note.kind is not None,
    )


def note_fields(deck: Deck, note: Note) -> list[tuple[str, Field | None]]:
    """Each field of the note's type in the type's order, with the source's value for it (None if none)."""
    note_type = deck.note_types[note.type]
    keys = {name: key for key, name in note_type.inputs}
    return [(name, note.fields.get(keys.get(name, name))) for name in note_type.fields]


def render_note_field(deck: Deck, field: Field, renderer: Renderer) -> RenderedLike:
    """A note's Markdown field as the package holds it, with the images it packs (named by hash with
    ``hashed-media``, else by their own names): the build and ``builder check`` ask here.
    """
    rendered = renderer.field(field.text, Location(deck.path, field.line), base_dir=deck.path.parent,
                              allow_html=deck.allow_html)
    return rendered if "hashed-media" in deck.additions else own_names(rendered)


def by_name(media: Iterable[MediaFile]) -> tuple[MediaFile, ...]:
    """A note's media files (``media`` in the order its fields show them) in name order, as it carries them.

    Each file once, at its first use; two different files under one name both, in the order shown, so the
    package's gate (:func:`builder.mediagate.media_clash`) sees them: keyed by name, one would silently replace
    the other and every card would show the same picture.
    """
    distinct: dict[tuple[str, Path], MediaFile] = {}
    for item in media:
        distinct.setdefault((item.name, item.source), item)
    return tuple(sorted(distinct.values(), key=lambda item: item.name))


def _raw_field(note: Note, name: str, field: Field, where: Location, renderer: Renderer) -> str:
    """A field written ``{html: ...}``, as written; scripts and remote loads only with ``--unsafe-html``."""
    from .declared import html_risks  # only for a deck with raw HTML fields

    risks = [] if renderer.unsafe_html else html_risks(field.text)
    if risks:
        raise RenderError(
            f"note '{note.id}': field '{name}' is raw HTML with {risks[0]}: Anki would run or fetch it on every "
            "learner's device; remove it, or build with --unsafe-html if every learner can trust this source", where)
    return field.text


class _Named:
    """A rendered field whose images keep their own file names (a deck without ``hashed-media``)."""

    def __init__(self, html_text: str, media: tuple[MediaFile, ...]) -> None:
        self.html = html_text
        self.media = media


def own_names(rendered: RenderedLike) -> RenderedLike:
    """``rendered`` with each image named by its file's own name instead of a hash of its bytes.

    ``src="b-<hash>.<ext>"`` is only ever written by the renderer (text has ``&quot;``).
    """
    text = rendered.html
    for item in rendered.media:
        text = text.replace(f'src="{item.name}"', f'src="{html.escape(item.source.name)}"')
    return _Named(text, tuple(MediaFile(item.source.name, item.source, item.where) for item in rendered.media))


def _check_deletions_kept(note: Note, text: str, field_html: str, where: Location) -> None:
    """Refuse a deletion that Markdown rewrote away, which would silently lose its card."""
    lost = sorted(card_numbers(source_view(text).text) - card_numbers(field_html))
    if lost:
        names = ", ".join(f"c{number}" for number in lost)
        raise RenderError(
            f"note '{note.id}': deletion {names} is lost when the Markdown is rendered (inside a link or image"
            " address, say), so Anki would make no card of it; put the deletion in the link's text instead",
            where,
        )


def assemble(
    deck: Deck, *, renderer: Renderer | None = None, progress: Callable[[str, int, int], None] | None = None
) -> tuple[AnkiNote, ...]:
    """Every note of the deck, in source order (which is also the new-card order)."""
    renderer = renderer or Renderer()
    source_html = nfc(source_field(deck))
    notes: list[AnkiNote] = []
    total = len(deck.notes)
    for note in deck.notes:
        notes.append(assemble_note(deck, note, source_html, renderer))
        if progress is not None and not len(notes) % 500:
            progress("rendering", len(notes), total)
    return tuple(notes)


def tombstone(note_id: str, guid: str, note_type: NoteType, deck: str, summary: str, version: str) -> AnkiNote:
    """A removed note, kept so the user's copy is marked rather than orphaned.

    Its GUID is unchanged, so importing updates the user's note in place with a
    visible "retired" line and the ``builder::retired`` tag to search for.
    """
    notice = (
        f'<div class="retired">Retired in {html.escape(version)}: this note was removed from the deck. '
        f"In Anki's browser, search <code>tag:{RETIRED_TAG}</code> and suspend these notes "
        "(Cards &gt; Toggle Suspend): if one comes back later, it keeps its history.</div>"
    )
    return AnkiNote(
        note_id=note_id,
        guid=guid,
        note_type=note_type,
        fields=tuple(nfc(value) for value in note_type.tombstone_fields(html.escape(summary), notice)),
        tags=(RETIRED_TAG,),
        deck=deck,
    )
