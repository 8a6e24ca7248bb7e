"""``builder pull``: what learners changed inside Anki, note by note and field by field, against the source.

A learner's note is found by its GUID (``Deck.guid``: the note's ``guid:``, else
made from the deck's slug and the note's id). Fields of the built-in types map
to their source keys; fields of a type the source declares are its ``fields:``
by name, and a raw HTML one (``{html: ...}``) takes the learner's HTML exactly.
A field is *not* an edit when it is one the note was ever shipped with (the lock
keeps every state, :class:`builder.lock.EarlierState`: a learner still on an old
release has edited nothing), or when it equals the source's field once what
Anki's editor changes without meaning to is taken out
(:func:`builder.htmlnorm.normalised`). Anything else is the learner's edit:

* an *edit* when the source has not changed that field since the state the
  learner's copy comes from (the states their untouched fields and tags still
  match); it goes back as Markdown only when that Markdown renders to the same
  HTML again (:func:`builder.htmlmd.markdown_for`), else it is *refused* (or,
  with ``as_html``, written as raw HTML in a declared type's field);
* a *conflict* when the source changed the field too: never applied;
* *kept* (reported, never written) for what the source does not own: Anki's
  personal tags ``marked`` and ``leech``, the tags every note gets (slug and
  kind when the deck's ``additions`` has ``tags``; deck-wide tags), the
  generated Source field, retired notes and their tombstones, notes the deck
  does not know, and a note whose type was changed.

Tags merge by set: the learner's added and removed tags, against the state
they started from, are carried into the note's ``tags``; that never conflicts.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

from msgspec import Struct

from .assemble import RETIRED_TAG, AnkiNote, assemble, nfc, own_names, plain_summary
from .declared import html_risks
from .errors import BuilderError, Location
from .export import ExportedNote
from .formats import TAG_RE, UNHELD_RE, tag_key
from .htmlmd import Context, Unconvertible, markdown_for
from .htmlnorm import normalised
from .htmlrisk import REMOTE, shown_media
from .layout import lock_path, media_folder
from .lock import EarlierState, LockedNote
from .lockgate import foreign_lock
from .lockread import read_lock
from .media import media_folder_files
from .render import Renderer
from .source import Deck, Note, load_deck
from .sourceformat import CLOZE_RE, NOTE_KINDS

PERSONAL_TAGS = frozenset({"marked", "leech"})
"""Tags Anki itself gives a learner's note (the Mark command, a leech): theirs, not the deck's."""
OPTIONAL_KEYS = frozenset({"extra"})
"""Source keys a learner may empty: the key is then removed. Emptying any other is refused."""


class Finding(Struct, frozen=True):
    """One thing a learner changed, and what ``builder pull`` makes of it."""

    note_id: str
    where: Location
    subject: str
    """The Anki field's name, "tags", or "note"."""
    status: str
    """"edit" (``--apply`` writes it), "conflict", "refused" or "kept" (reported only)."""
    reason: str = ""
    old: str = ""
    """The source's text (Markdown)."""
    new: str = ""
    """The learner's text: Markdown when it converts, else the HTML Anki holds."""
    key: str | tuple[str, ...] = ""
    """The source key an edit writes: text, question, answer, extra or tags; for a note type the source
    declares, the path ``("fields", name)``, or ``("fields", name, "html")`` for raw HTML."""
    value: str | tuple[str, ...] = ""
    """What an edit writes: the Markdown or raw HTML (empty: remove the key), or the note's new tag list."""
    order: tuple[str, ...] = ()
    """A declared type's field names in order: where a field the note lacks is added."""


class PullReport(Struct, frozen=True):
    source: Path
    deck: Deck
    found: int
    """Notes of this deck the export holds."""
    released: int
    """Notes of this deck ever released (in the lock)."""
    findings: tuple[Finding, ...] = ()

    def having(self, status: str) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.status == status)


def field_hash(text: str) -> str:
    """The lock's per-field hash (as :meth:`builder.assemble.AnkiNote.field_hashes` computes it)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def pull_source(source: Path, exported: Sequence[ExportedNote], *, as_html: bool = False,
                unsafe_html: bool = False) -> PullReport:
    """What the learner whose Anki ``exported`` holds changed in the notes of ``source``.

    ``as_html``: an edit no Markdown gives back, in a field of a type the source declares, is an edit
    that writes the field as raw HTML (``{html: ...}``) instead of a refusal. ``unsafe_html``: the deck
    is built with ``--unsafe-html``, so its notes are assembled as that build assembles them.
    """
    deck = load_deck(source)
    lock = read_lock(lock_path(source, deck.slug))
    if lock is None:
        raise BuilderError("has no lock: it was never built, so no learner has its notes; nothing to pull", source)
    foreign = foreign_lock(deck, lock)
    if foreign:
        raise BuilderError(foreign, source)
    renderer = Renderer(unsafe_html=unsafe_html)
    current = {note.note_id: note for note in assemble(deck, renderer=renderer)}
    by_guid = {note.guid: note for note in exported}
    findings: list[Finding] = []
    found = 0
    for note in deck.notes:
        locked, theirs = lock.notes.get(note.id), by_guid.get(deck.guid(note))
        if locked is not None and theirs is not None:
            found += 1
            findings += _NoteReader(deck, note, locked, current[note.id], renderer, as_html).findings(theirs)
    in_source = {note.id for note in deck.notes}
    for note_id, locked in sorted(lock.notes.items()):
        theirs = by_guid.get(locked.guid)
        if note_id not in in_source and theirs is not None:
            found += 1
            findings += _retired(deck, note_id, locked, theirs)
    known = {locked.guid for locked in lock.notes.values()} | {deck.guid(note) for note in deck.notes}
    findings += [_unknown(deck, theirs) for theirs in exported if theirs.guid not in known and _ours(deck, theirs)]
    return PullReport(source, deck, found, len(lock.notes), tuple(findings))


def _ours(deck: Deck, note: ExportedNote) -> bool:
    """Whether a note the deck does not know sits in the deck's decks or uses its note types."""
    types = {note_type.name for note_type in deck.note_types.values()}
    decks = {deck.deck_name, *(own.deck for own in deck.notes if own.deck)}
    return note.note_type.rstrip("+") in types or any(
        name in decks or name.startswith(deck.deck_name + "::") for name in note.decks)


def _unknown(deck: Deck, note: ExportedNote) -> Finding:
    summary = plain_summary(note.fields[0] if note.fields else "", 60)
    return Finding("", deck.where(), "note", "kept",
                   f"a note the deck does not know ('{summary}', added in Anki): add it to the source by hand")


def _edited(names: Sequence[str], theirs: ExportedNote, states: Sequence[EarlierState]) -> list[str]:
    return [name for name, value in zip(names, theirs.fields, strict=True)
            if field_hash(value) not in {state.fields.get(name) for state in states}]


def _states(locked: LockedNote) -> list[EarlierState]:
    """Every state the note was shipped with, oldest first; the current one has no ``until``."""
    return [*locked.earlier, EarlierState("", locked.fields, tuple(locked.tags))]


def _retired(deck: Deck, note_id: str, locked: LockedNote, theirs: ExportedNote) -> list[Finding]:
    names = list(locked.fields)
    if set(theirs.field_names) != set(names):
        return []
    edited = _edited(theirs.field_names, theirs, _states(locked))
    if not edited:
        return []
    what = "the tombstone of a note" if RETIRED_TAG in theirs.tags else "a note"
    return [Finding(note_id, deck.where(), ", ".join(edited), "kept",
                    f"{what} retired in {locked.retired_in}: edits to it are not pulled; put the note back in the "
                    f"source with id '{note_id}' and copy them in by hand")]


class _NoteReader:
    """Compares one learner's note with the states the lock knows and the source's current note."""

    def __init__(self, deck: Deck, note: Note, locked: LockedNote, current: AnkiNote, renderer: Renderer,
                 as_html: bool = False) -> None:
        self.deck, self.note, self.locked, self.current, self.renderer = deck, note, locked, current, renderer
        self.as_html = as_html
        self.where = deck.where(note.line)

    def findings(self, theirs: ExportedNote) -> list[Finding]:
        names = self.current.field_names
        if theirs.field_names != names:
            return [Finding(self.note.id, self.where, "note", "kept",
                            f"its note type was changed in Anki (fields {', '.join(theirs.field_names)}): not pulled")]
        states = _states(self.locked)
        html = dict(zip(names, self.current.fields, strict=True))
        hashes = {name: field_hash(value) for name, value in zip(names, theirs.fields, strict=True)}
        edited = [name for name in _edited(names, theirs, states)
                  if normalised(dict(zip(names, theirs.fields, strict=True))[name]) != normalised(html[name])]
        matched = {name: digest for name, digest in hashes.items() if any(s.fields[name] == digest for s in states)}
        candidates = [s for s in states if all(s.fields[name] == digest for name, digest in matched.items())]
        candidates = candidates or states
        same_tags = [s for s in candidates if {tag_key(t) for t in s.tags} == {tag_key(t) for t in theirs.tags}]
        out: list[Finding] = []
        if RETIRED_TAG in theirs.tags and edited:
            return [Finding(self.note.id, self.where, ", ".join(edited), "kept",
                            "the learner's copy is still a tombstone (this note was retired, then put back): "
                            "edits to a tombstone are not pulled")]
        for name, value in zip(names, theirs.fields, strict=True):
            if name in edited:
                conflict = any(s.fields[name] != field_hash(html[name]) for s in same_tags or candidates)
                out.append(self.field_finding(name, value, html[name], conflict))
        if not same_tags:
            out += self.tag_findings(theirs, candidates)
        return out

    def field_finding(self, name: str, value: str, old_html: str, conflict: bool) -> Finding:
        note_type = self.current.note_type
        declared = self.note.form is None  # a type the source declares: its fields are keyed by name
        key = name if declared else {field: key for key, field in note_type.inputs}.get(name)
        source_field = self.note.fields.get(key) if key else None
        where = self.deck.where(source_field.line) if source_field else self.where
        old = source_field.text if source_field else ""
        if key is None:
            made = ("the Source field is made from the deck's 'source:'; edit that instead"
                    if name == note_type.source_field else "no source key fills this field")
            return Finding(self.note.id, where, name, "kept", made, old_html, value)
        raw = source_field is not None and source_field.raw
        path: str | tuple[str, ...] = key if not declared else ("fields", name, "html") if raw else ("fields", name)
        order = note_type.fields if declared else ()

        def found(status: str, reason: str, new: str, written: str = "") -> Finding:
            if conflict and status in ("edit", "refused"):
                status, reason, written = "conflict", _CONFLICT, ""
            return Finding(self.note.id, where, name, status, reason, old, new, path, written, order)

        def raw_html(reason: str) -> Finding:
            """The learner's HTML exactly as Anki holds it, unless a source cannot hold it, it adds a script, or
            it shows a media file the deck does not have."""
            problem = (_field_problem(value, False) or _new_risk(value, old, self.media_folder)
                       or self.missing_media(value, old))
            return found("refused", problem, value) if problem else found("edit", reason, value, value)

        if not normalised(value):
            if not declared and key not in OPTIONAL_KEYS:
                return Finding(self.note.id, where, name, "refused", f"'{key}' cannot be empty", old, "", key)
            return found("edit", "", "")
        if raw:
            return raw_html("")
        remote = _new_remote_load(value, old_html, None)
        if remote:  # no Markdown or raw HTML a build releases holds it: say why, not what Markdown cannot write
            return found("refused", remote, value)
        try:
            markdown = self.markdown(value, old, old_html, where)
        except (Unconvertible, BuilderError) as exc:
            if not declared or conflict:
                return found("refused", str(exc), value)
            if not self.as_html:
                return found("refused", f"{exc} (--as-html writes it as raw HTML)", value)
            path = ("fields", name, "html")  # the Markdown field becomes {html: ...}
            return raw_html(_AS_HTML)
        problem = _field_problem(markdown, note_type.is_cloze and not declared and key == note_type.inputs[0][0])
        return found("refused", problem, markdown) if problem else found("edit", "", markdown, markdown)

    @property
    def media_folder(self) -> Path:
        return media_folder(self.deck.path, self.deck.slug)

    def missing_media(self, value: str, old: str) -> str:
        """Why raw HTML showing a file the deck's package would not hold is refused (a picture pasted in Anki
        lives in that learner's media only: pull never unpacks media), or ""."""
        new = set(shown_media(value)) - set(shown_media(old)) - {media.name for media in self.current.media}
        if not new:
            return ""
        folder = self.media_folder
        missing = sorted(new - {media.name for media in media_folder_files(folder)})
        if not missing:
            return ""
        return (f"it shows {', '.join(map(repr, missing))}, which {folder}/ does not have: copy the file there "
                "from the learner's Anki (its collection.media folder), then pull again")

    def markdown(self, value: str, old: str, old_html: str, where: Location) -> str:
        base = self.deck.path.parent

        def render(text: str) -> str:
            rendered = self.renderer.field(text, where, base_dir=base, allow_html=self.deck.allow_html)
            return nfc((rendered if "hashed-media" in self.deck.additions else own_names(rendered)).html)

        root = base.resolve()
        images = {media.name: Path(os.path.relpath(media.source, root)).as_posix() for media in self.current.media}
        from markdown_it import MarkdownIt

        fences = tuple(token.info.strip() for token in MarkdownIt("commonmark").parse(old) if token.type == "fence")
        return markdown_for(value, old, old_html, Context(images, fences, self.deck.allow_html), render)

    def tag_findings(self, theirs: ExportedNote, candidates: Sequence[EarlierState]) -> list[Finding]:
        mine = {tag_key(tag) for tag in theirs.tags}

        def distance(state: EarlierState) -> int:
            return len(mine ^ {tag_key(tag) for tag in state.tags})

        base = min(reversed(candidates), key=distance)  # the nearest state; the newest of equals
        had = {tag_key(tag) for tag in base.tags}
        changes = [f"+{tag}" for tag in theirs.tags if tag_key(tag) not in had]
        changes += [f"-{tag}" for tag in base.tags if tag_key(tag) not in mine]
        added = (self.deck.slug, *NOTE_KINDS) if "tags" in self.deck.additions else ()
        generated = {tag_key(tag) for tag in (*added, *self.deck.tags, RETIRED_TAG)}
        personal = [change for change in changes if tag_key(change[1:]) in PERSONAL_TAGS]
        deckwide = [change for change in changes if tag_key(change[1:]) in generated]
        own = [change for change in changes if change not in personal and change not in deckwide]
        where = self.where
        out = []
        if personal:
            out.append(Finding(self.note.id, where, "tags", "kept",
                               f"{' '.join(personal)}: Anki's own tags for this learner's reviews, not the deck's"))
        if deckwide:
            out.append(Finding(self.note.id, where, "tags", "kept",
                               f"{' '.join(deckwide)}: tags the build gives notes (slug, kind, deck-wide 'tags:'), "
                               "not this note's own"))
        bad = [change for change in own if not TAG_RE.fullmatch(change[1:])]
        if bad:
            out.append(Finding(self.note.id, where, "tags", "refused",
                               f"{' '.join(bad)}: not a tag a source can hold (no spaces or control characters)"))
            own = [change for change in own if change not in bad]
        removed = {tag_key(change[1:]) for change in own if change[0] == "-"}
        tags = [tag for tag in self.note.tags if tag_key(tag) not in removed]
        tags += [change[1:] for change in own if change[0] == "+" and tag_key(change[1:]) not in map(tag_key, tags)]
        if own and tuple(tags) != self.note.tags:
            out.append(Finding(self.note.id, where, "tags", "edit", "", " ".join(self.note.tags), " ".join(tags),
                               "tags", tuple(tags)))
        return out


_AS_HTML = "no Markdown renders it back, so it is written as raw HTML {html: ...} (--as-html)"
_CONFLICT = "changed in Anki and in the source since the learner's copy: not applied, merge it by hand"


def _new_risk(html_text: str, old: str, folder: Path) -> str:
    """Why raw HTML with a script or remote load the source's field did not have is refused, or ""."""
    risks = [risk for risk in html_risks(html_text) if risk not in html_risks(old)]
    if not risks:
        return ""
    if risks[0] == REMOTE:
        return _new_remote_load(html_text, old, folder)
    return (f"it has {risks[0]}, which Anki would run or fetch on every learner's device (a build refuses it "
            "without --unsafe-html): copy it in by hand if every learner can trust it")


_REMOTE_SRC = re.compile(r"""\b(?:src|srcset|poster|data)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""", re.IGNORECASE)


def _new_remote_load(html_text: str, old: str, folder: Path | None) -> str:
    """Why HTML that loads from the network (``<img src="https://...">``), which the source's field did not, is
    refused, and how to keep the picture: a file of the deck (the media folder's, by name, for a raw field,
    ``folder``; beside the source as a Markdown image otherwise); or ""."""
    if REMOTE not in html_risks(html_text) or REMOTE in html_risks(old):
        return ""
    address = _REMOTE_SRC.search(html_text)
    what = f"'{address.group(1)}'" if address else "a file"
    keep = (f"download the file into {folder}/ and refer to it by name" if folder is not None
            else "download the file beside the source and show it as a Markdown image, ![...](its name)")
    return (f"it loads {what} from the network, on every learner's device each time the card shows (a build "
            f"refuses a remote load): {keep}, or leave it out")


def _field_problem(markdown: str, cloze_text: bool) -> str:
    """Why the source could not hold ``markdown`` (as its loader would say), or ""."""
    if UNHELD_RE.search(markdown):
        return "it holds a control character a source cannot"
    if cloze_text and not CLOZE_RE.search(markdown):
        return "a cloze text needs a {{c1::...}} deletion"
    if cloze_text and markdown.count("{{") != markdown.count("}}"):
        return "its cloze braces are unbalanced"
    return ""
