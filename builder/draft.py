"""Drafts: what the next release would hold, as a package that can never be taken for it.

A release is immutable and lands in learners' collections; an author saving a
half-written source is not releasing. So ``builder build --draft`` and
``builder watch`` plan the next release against the lock exactly as a release
would (same version, same changes, same fields) and then write only
``<out>/<slug>-draft.apkg``: no lock, no changelog, no versioned file.

A draft can be imported to try it, so it has its own identity throughout:
GUIDs and note-type ids come from ``<slug>/draft`` where a release uses
``<slug>`` (a slug and a note id never hold a ``/``, so the two can never meet),
and note types and decks carry "draft" in their names. Importing drafts
therefore leaves the release's notes, cards, note types and deck exactly as
they would be without them. Every note and note type of a draft is stamped with
the build time, so a newer draft updates an older one wherever it was imported.
Retired notes are left out: a draft shows what the source holds.
"""

from __future__ import annotations

from pathlib import Path

from msgspec import Struct
from msgspec.structs import replace

from .build import plan_deck, refuse_linked_out, write_error
from .cache import CachedRenderer
from .clock import build_time
from .contents import DeckEntry, PackagedNote, PackagedNoteType, card_count
from .files import atomic_write, read_bytes_or_none
from .identity import deck_id, note_guid
from .layout import draft_name
from .notetypes import draft_variant
from .plan import Plan
from .releasegate import release_problems
from .render import Renderer


def draft_deck(deck_name: str) -> str:
    return f"{deck_name} (draft)"


class Draft(Struct, frozen=True):
    plan: Plan
    """The release this drafts: its version and changes against the lock."""
    apkg: Path
    wrote: bool
    """False when the draft on disk already had these bytes."""
    note_count: int
    card_count: int
    blockers: int
    """How many errors ``builder check`` finds that keep this source from being released."""

    def releasable_line(self) -> str | None:
        """What still blocks the release, for a draft that could not be released as it is."""
        if not self.blockers:
            return None
        count = f"{self.blockers} error{'s' * (self.blockers != 1)}"
        return f"Not releasable yet: 'builder check {self.plan.deck.path}' finds {count}"


def build_draft(source: Path, out_dir: Path, *, now: int | None = None, use_cache: bool = True,
                allow_schema_change: bool = False, unsafe_html: bool = False) -> Draft:
    """Plan the next release of ``source`` and write it as ``out_dir/<slug>-draft.apkg``, nothing else."""
    stamp = build_time() if now is None else now
    if use_cache:
        renderer: Renderer = CachedRenderer.for_source(source, unsafe_html=unsafe_html)
    else:
        renderer = Renderer(unsafe_html=unsafe_html)
    plan = plan_deck(source, now=stamp, allow_schema_change=allow_schema_change, renderer=renderer)
    renderer.save()
    note_types, decks, notes = draft_contents(plan, stamp)
    from .packaging import build_package  # genanki only once there is a package to write

    data = build_package(note_types, decks, notes)
    refuse_linked_out(out_dir)
    apkg = out_dir / draft_name(plan.deck.slug)
    wrote = read_bytes_or_none(apkg) != data
    if wrote:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            atomic_write(apkg, data)
        except OSError as exc:
            raise write_error(exc, out_dir) from None
    return Draft(plan, apkg, wrote, len(notes), card_count(notes), len(release_problems(plan.deck)))


def draft_contents(
    plan: Plan, stamp: int
) -> tuple[tuple[PackagedNoteType, ...], tuple[DeckEntry, ...], tuple[PackagedNote, ...]]:
    """The plan's note types, decks and current notes under the draft's own names and ids."""
    deck = plan.deck
    namespace = f"{deck.slug}/draft"
    top = draft_deck(deck.deck_name)
    current = {note.id for note in deck.notes}
    notes = tuple(
        PackagedNote(
            replace(packaged.note, guid=note_guid(namespace, packaged.note.note_id),
                    deck=top + packaged.note.deck[len(deck.deck_name):]),
            stamp, packaged.due,
        )
        for packaged in plan.notes
        if packaged.note.note_id in current
    )
    note_types = tuple(PackagedNoteType(draft_variant(packaged.note_type, deck.slug), stamp)
                       for packaged in plan.note_types)
    banner = (f"<p><b>Draft of version {plan.version}, not a release.</b> Import it into a profile for "
              "trying decks, never into one you study with.</p>")
    decks = (
        DeckEntry(deck_id(top), top, banner + plan.decks[0].description, plan.decks[0].media),
        *(DeckEntry(deck_id(name), name, "") for name in sorted({note.note.deck for note in notes} - {top})),
    )
    return note_types, decks, notes
