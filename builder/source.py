"""Deck sources: a YAML source -> the typed, validated deck the build works from.

``load_deck`` reads a source and returns a ``Deck`` (its notes, its
``Article``) or raises ``InvalidSource`` listing every problem, each with its
line and a hint, because fixing one error per build run is slow for an author.

Where the rest lives: the keys a source may have are the tables in
``builder.sourceformat``; each value is checked by its type's checker in
``builder.sourcevalues``; note types a source declares are checked in
``builder.typecheck``. This module checks what spans keys: which type a note
takes and the fields it needs for it, duplicate ids, tag spellings.
"""

from __future__ import annotations

from pathlib import Path

from msgspec import Struct, field

from .errors import InvalidSource, Location
from .formats import tag_key, tag_refusal
from .identity import note_guid
from .notetypes import BUILTIN_FIELD_KEYS, BUILTIN_TYPES, NoteType, builtin_note_types, default_type
from .sourceformat import ADDITIONS, DECK_KEYS, NOTE_KEYS
from .sourcevalues import Field
from .typecheck import DeclaredTypeChecks
from .yamlsafe import Mapping, Node, Scalar, Sequence, load

SUBDECKS = {"learning": "1 Key learnings", "quiz": "2 Quiz", "deep-dive": "3 Deep dive"}
"""Subdeck of each kind, numbered because Anki gathers new cards subdeck by subdeck in name order:
studying the parent deck serves key learnings, then quiz, then deep dive (tests/test_deck_study_order.py)."""


# gc=False: one per note, holding text, numbers and Fields, never in a cycle.
class Note(Struct, frozen=True, gc=False):
    id: str
    kind: str | None
    """The author's category: it picks the subdeck and the kind tag, not the fields. None only for a
    note with its own ``deck``."""
    type: str
    """The note type's key in ``Deck.note_types``."""
    fields: dict[str, Field]
    """By source key (``text``, ``question``...)."""
    tags: tuple[str, ...]
    line: int
    lint_ignore: frozenset[str] = frozenset()
    form: str | None = None
    """``cloze`` (a ``text``) or ``qa`` (a ``question`` and ``answer``): which lint rules apply.
    None for a type declared in the source, whose ``fields`` are keyed by field name."""
    guid: str | None = None
    """The GUID the source gives (a note taken over); None: made from slug and id (``identity.note_guid``)."""
    deck: str | None = None
    """The note's own deck, full name; None: the deck's subdeck for its kind."""

    def key_path(self, name: str) -> tuple[str, ...]:
        """Where the field ``name`` of ``fields`` is written in the note: its key, or under ``fields``."""
        return (name,) if self.form else ("fields", name)


class Article(Struct, frozen=True):
    """The article or book the deck comes from (the source's ``source`` key)."""


    title: str
    author: str
    date: str
    url: str


class Deck(Struct, frozen=True):
    path: Path
    title: str
    slug: str
    deck_name: str
    version: str | None
    source: Article | None
    """None only in a deck none of whose notes has a built-in type (they show it)."""
    notes: tuple[Note, ...]
    description: Field | None = None
    tags: tuple[str, ...] = ()
    allow_html: bool = False
    tts: str | None = None
    answer_max_words: int | None = None
    lint_ignore: frozenset[str] = frozenset()
    key_lines: dict[str, int] = field(default_factory=dict)
    note_types: dict[str, NoteType] = field(default_factory=dict)
    """Every note type a note of this deck may use, by key, with its id and name in Anki."""
    additions: frozenset[str] = frozenset(ADDITIONS)
    """Which of builder's own additions (``tags``, ``subdecks``, ``hashed-media``) its notes get."""

    def subdeck(self, kind: str) -> str:
        return f"{self.deck_name}::{SUBDECKS[kind]}"

    def note_deck(self, note: Note) -> str:
        """Where ``note`` goes in Anki: its own deck, else its kind's subdeck, else (no ``subdecks``) the deck."""
        if note.deck is not None:
            return note.deck
        assert note.kind is not None  # the loader asks for a kind where there is no deck
        return self.subdeck(note.kind) if "subdecks" in self.additions else self.deck_name

    def guid(self, note: Note) -> str:
        """The note's GUID in Anki: the one it gives, else made from the slug and its id."""
        return note_guid(self.slug, note.id, note.guid)

    def where(self, line: int = 0) -> Location:
        return Location(self.path, line)


def load_deck(path: Path, data: bytes | None = None) -> Deck:
    """Load, validate and type one source (``data``: its bytes, if read already).

    Raises ``InvalidSource`` listing every problem.
    """
    return _Validator(path).deck(load(path, data))


def deck_from_tree(root: Node, path: Path) -> Deck:
    """Validate an already parsed source: ``builder check`` keeps the tree for its columns."""
    return _Validator(path).deck(root)


class _Validator(DeclaredTypeChecks):
    """The deck-level checks: the notes, the type each note takes and its fields, tag spellings."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.note_types: dict[str, NoteType] = {}
        self.declared: set[str] = set()
        self.builtins_shipped = True

    def deck(self, root: Node) -> Deck:
        values = self.mapping(root, DECK_KEYS, "the deck") or {}
        # Without a source no note may have a built-in type, and no package carries one: a declared type may then
        # have the id a built-in type would (a builder-made deck taken over under its own slug).
        self.builtins_shipped = isinstance(root, Mapping) and "source" in root.items
        tts = values.get("tts")
        self.note_types = builtin_note_types(str(values.get("slug", "")), tts if isinstance(tts, str) else None)
        if isinstance(values.get("note_types"), Sequence):
            self.declare(values["note_types"], str(values.get("slug", "")))  # type: ignore[arg-type]
        notes = self.notes(values.get("notes"))
        additions = values.get("additions", frozenset(ADDITIONS))
        assert isinstance(additions, frozenset)
        if isinstance(root, Mapping):
            added = "tags" in additions
            self.tag_spellings(root, values.get("slug") if added else None,
                               {note.kind for note in notes if note.kind} if added else set())
            self.source_needed(root, notes)
            self.guids_unique(str(values.get("slug", "")), notes)
        if self.problems:
            raise InvalidSource(self.problems)
        source = values.get("source")
        assert isinstance(source, dict | None) and isinstance(root, Mapping)
        lint = values.get("lint") or {}
        assert isinstance(lint, dict)
        title = values["title"]
        assert isinstance(title, Field)
        return Deck(
            path=self.path,
            title=title.text,
            slug=str(values["slug"]),
            deck_name=str(values["deck"]),
            version=values.get("version"),  # type: ignore[arg-type]
            source=None if source is None else Article(**{name: _plain(value) for name, value in source.items()}),
            notes=notes,
            description=values.get("description"),  # type: ignore[arg-type]
            tags=values.get("tags", ()),  # type: ignore[arg-type]
            allow_html=bool(values.get("allow_html", False)),
            tts=values.get("tts"),  # type: ignore[arg-type]
            answer_max_words=lint.get("answer_max_words"),
            lint_ignore=frozenset(lint.get("ignore", ())),
            key_lines={name: line for name, (line, _) in root.key_lines.items()},
            note_types=self.note_types,
            additions=additions,
        )

    def source_needed(self, root: Mapping, notes: tuple[Note, ...]) -> None:
        """E102 when no ``source`` is given but a note has a built-in type, whose cards show the source line."""
        if "source" in root.items:
            return
        builtin = next((note for note in notes if note.type in BUILTIN_TYPES), None)
        if builtin is not None:
            self.problem("E102", f"the deck is missing the key 'source' (the article or book it comes from): note "
                                 f"'{builtin.id}' has the built-in type {builtin.type}, whose cards show it; give "
                                 "'source', or give the note a type declared in note_types", root)

    def guids_unique(self, slug: str, notes: tuple[Note, ...]) -> None:
        """E111 for a note whose GUID another note of the source has: Anki would take the two for one."""
        if all(note.guid is None for note in notes):
            return  # GUIDs made from one slug and distinct ids never repeat
        first: dict[str, Note] = {}
        for note in notes:
            guid = note_guid(slug, note.id, note.guid)
            other = first.setdefault(guid, note)
            if other is not note:
                self.problem("E111", f"note '{note.id}' has the GUID {guid}, which note '{other.id}' (line "
                                     f"{other.line}) has too: Anki would take the two for one note; a GUID belongs "
                                     "to one note", (note.line, 0))

    def notes(self, node: object) -> tuple[Note, ...]:
        if not isinstance(node, Sequence):
            return ()
        notes: list[Note] = []
        first_line: dict[str, int] = {}
        for index, item in enumerate(node.items, start=1):
            what = f"note {index}"
            if isinstance(item, Mapping) and isinstance(item.items.get("id"), Scalar):
                what = f"note '{item.items['id'].text}'"  # type: ignore[union-attr]
            values = self.mapping(item, NOTE_KEYS, what)
            if values is not None and "id" in values and not _given(item, "kind") and not _given(item, "deck"):
                self.problem("E102", f"{what} is missing the required key 'kind': learning (cloze), quiz "
                                     "(question/answer) or deep-dive (either); or give it its own 'deck'", item)
                continue
            if values is None or "id" not in values or (_given(item, "kind") and "kind" not in values) \
                    or (_given(item, "deck") and "deck" not in values):
                continue
            note_id = str(values["id"])
            if note_id in first_line:
                self.problem(
                    "E110",
                    f"duplicate note id '{note_id}' (first on line {first_line[note_id]}): "
                    "ids must be unique, give this note a new one",
                    item,
                )
                continue
            first_line[note_id] = item.line
            note = self.note(item, values, what)
            if note is not None:
                notes.append(note)
        return tuple(notes)

    def note(self, item: Node, values: dict[str, object], what: str) -> Note | None:
        kind = values.get("kind")
        assert kind is None or isinstance(kind, str)
        fields = {name: value for name, value in values.items() if isinstance(value, Field)}
        if _given(item, "type"):
            type_key = self.chosen_type(item, values, what)
            if type_key is not None and self.note_types[type_key].label is None:
                fields = values.get("fields", {})  # type: ignore[assignment]
                type_key = self.declared_fields(item, self.note_types[type_key], fields, what)
            elif type_key is not None:
                type_key = self.typed_fields(item, type_key, fields, what)
        else:
            type_key = self.default_fields(item, kind, fields, what)
        if type_key is None:
            return None
        lint = values.get("lint") or {}
        assert isinstance(lint, dict) and isinstance(item, Mapping)
        return Note(
            id=str(values["id"]),
            kind=kind,
            type=type_key,
            fields=fields,
            tags=values.get("tags", ()),  # type: ignore[arg-type]
            line=item.line,
            lint_ignore=frozenset(lint.get("ignore", ())),
            form=self.note_types[type_key].form,
            guid=values.get("guid"),  # type: ignore[arg-type]
            deck=values.get("deck"),  # type: ignore[arg-type]
        )

    def typed_fields(self, item: Node, type_key: str, fields: dict[str, Field], what: str) -> str | None:
        """The note's type when its keys are the ones ``type: <type_key>`` takes; else report and None."""
        note_type = self.note_types[type_key]
        takes = [key for key, _ in note_type.inputs]
        for key in (*BUILTIN_FIELD_KEYS, "fields"):
            if _given(item, key) and key not in takes:
                self.problem("E102", f"{what} is a {type_key} note: it takes {_listed(takes)}, not '{key}'", item)
                return None
        for key in note_type.required:
            if not _given(item, key):
                self.problem("E102", f"{what} is a {type_key} note: give it '{key}'", item)
                return None
        if any(_given(item, key) and key not in fields for key in takes):
            return None  # an empty field was already reported
        if note_type.is_cloze and not self.cloze_ok(fields["text"], item, what):
            return None
        return type_key

    def default_fields(self, item: Node, kind: str | None, fields: dict[str, Field], what: str) -> str | None:
        """The type of a note that names none, from its keys and kind; else report and None."""
        if _given(item, "fields"):
            self.problem("E102", f"{what} has 'fields', which notes of a type declared in note_types have: "
                                 "name that type with 'type'", item)
            return None
        has_text = "text" in fields or _given(item, "text")
        has_qa = any(_given(item, name) for name in ("question", "answer"))
        if kind == "learning" and (has_qa or not has_text):
            self.problem("E102", f"{what} is a learning: give it 'text' with {{{{c1::...}}}} deletions", item)
            return None
        if kind == "quiz" and (has_text or not has_qa):
            self.problem("E102", f"{what} is a quiz question: give it 'question' and 'answer', not 'text'", item)
            return None
        if has_text and has_qa:
            self.problem("E102", f"{what} has both 'text' and a question: a note is cloze or Q/A, not both", item)
            return None
        if not has_text and not has_qa:
            self.problem("E102", f"{what} needs 'text' (cloze) or 'question' and 'answer'", item)
            return None
        for name in ("question", "answer") if has_qa else ():
            if name not in fields and not _given(item, name):
                self.problem("E102", f"{what} is missing '{name}': write it", item)
                return None
        if "text" in fields and not self.cloze_ok(fields["text"], item, what):
            return None
        if any(_given(item, name) and name not in fields for name in ("text", "question", "answer")):
            return None  # an empty field was already reported
        return default_type(kind, "text" in fields)

    def tag_spellings(self, root: Mapping, slug: object, kinds: set[str]) -> None:
        """Refuse two spellings of one tag (E141): Anki compares tags ignoring case and keeps one spelling."""
        first: dict[str, tuple[str, str]] = {}
        for implicit, who in [(slug, "every note"), *((kind, f"every {kind} note") for kind in sorted(kinds))]:
            if isinstance(implicit, str):
                first.setdefault(tag_key(implicit), (implicit, f"'{implicit}', the tag {who} gets"))
        for tag in _tag_scalars(root):
            spelling, earlier = first.setdefault(tag_key(tag.text), (tag.text, f"'{tag.text}' (line {tag.line})"))
            if spelling != tag.text:
                self.problem("E141", f"tag '{tag.text}' differs only in case from {earlier}: Anki takes them for "
                                     "one tag and keeps one spelling for both; write them the same way", tag)



def _tag_scalars(root: Mapping) -> list[Scalar]:
    """The deck's tags, then each note's, as written and valid: the order Anki meets them in."""
    notes = root.items.get("notes")
    owners = [root, *(notes.items if isinstance(notes, Sequence) else ())]
    found: list[Scalar] = []
    for owner in owners:
        tags = owner.items.get("tags") if isinstance(owner, Mapping) else None
        entries = tags.items if isinstance(tags, Sequence) else [tags] if isinstance(tags, Scalar) else []
        found += [tag for tag in entries
                  if isinstance(tag, Scalar) and not tag.is_null and tag_refusal(tag.text) is None]
    return found


def _given(item: Node, name: str) -> bool:
    return isinstance(item, Mapping) and name in item.items


def _listed(keys: list[str]) -> str:
    quoted = [f"'{key}'" for key in keys]
    return ", ".join(quoted[:-1]) + f" and {quoted[-1]}" if len(quoted) > 1 else quoted[0]


def _plain(value: object) -> str:
    return value.text if isinstance(value, Field) else str(value)
