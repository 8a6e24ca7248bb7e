"""Deck sources: the format as data, and YAML -> typed, validated dataclasses.

The format is declared once in ``DECK_KEYS``/``NOTE_KEYS``; the validator here
and the JSON Schema (``builder.schema``) are both derived from it, so editors
and the build can never disagree about what a source may contain.

Validation collects every problem before failing, each with its line and a
hint, because fixing one error per build run is slow for an author.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .cloze import text_problems
from .errors import InvalidSource, Location, Problem
from .formats import (
    COUNT_RE,
    DATE_RE,
    LANG_RE,
    LINT_CODE_RE,
    SLUG_RE,
    TYPE_ID_RE,
    UNHELD_RE,
    URL_RE,
    VERSION_RE,
    deck_name_refusal,
    tag_key,
    tag_refusal,
)
from .notetypes import BUILTIN_FIELD_KEYS, NoteType, builtin_note_types, default_type
from .typecheck import DeclaredTypeChecks
from .yamlsafe import Mapping, Node, Scalar, Sequence, load

NOTE_KINDS = ("learning", "quiz", "deep-dive")
SUBDECKS = {"learning": "1 Key learnings", "quiz": "2 Quiz", "deep-dive": "3 Deep dive"}
"""Subdeck of each kind, numbered because Anki gathers new cards subdeck by subdeck in name order:
studying the parent deck serves key learnings, then quiz, then deep dive (tests/test_deck_study_order.py)."""
CLOZE_RE = re.compile(r"\{\{c[\d,]*\d[\d,]*::")
"""Roughly what opens a deletion; ``builder.cloze`` has Anki's exact rules. For the JSON Schema."""


@dataclass(frozen=True)
class Key:
    """One key of the format; ``type`` names a checker in ``_CHECKERS``."""

    name: str
    type: str
    doc: str
    required: bool = False
    keys: tuple[Key, ...] = ()


SOURCE_KEYS = (
    Key("title", "text", "Title of the article or book the deck comes from.", required=True),
    Key("author", "text", "Its author.", required=True),
    Key("date", "date", "Publication date, YYYY-MM-DD.", required=True),
    Key("url", "url", "Link to the original (http or https).", required=True),
)
LINT_DECK_KEYS = (
    Key("answer_max_words", "count", "Answers longer than this many words get a warning (default 40)."),
    Key("ignore", "codes", "Lint codes silenced for the whole deck."),
)
LINT_NOTE_KEYS = (Key("ignore", "codes", "Lint codes silenced for this note."),)
NOTE_KEYS = (
    Key("id", "slug", "Stable note id (a-z, 0-9, -): the note's identity in Anki forever.", required=True),
    Key("kind", "kind", "learning (cloze), quiz (question/answer) or deep-dive (either).", required=True),
    Key("type", "notetype", "Note type: cloze, qa, reverse (a second card asks for the question) or type-in "
        "(the learner types the answer). Default: cloze for 'text', qa for 'question' and 'answer'."),
    Key("text", "text", "Cloze text in Markdown with {{c1::deletions}}."),
    Key("question", "text", "The question, in Markdown."),
    Key("answer", "text", "The answer, in Markdown: a few points a learner can recall."),
    Key("extra", "text", "Optional context shown on the answer side, in Markdown."),
    Key("fields", "fieldvalues", "The fields of a note whose type is declared in note_types, by name, in Markdown."),
    Key("tags", "tags", "Tags for this note (no spaces; :: for hierarchy)."),
    Key("lint", "map", "Lint settings for this note.", keys=LINT_NOTE_KEYS),
)
TEMPLATE_KEYS = (
    Key("name", "text", "The card template's name; frozen once released.", required=True),
    Key("front", "template", "The question side in Anki's template language: {{Field}} shows a field.", required=True),
    Key("back", "template", "The answer side; {{FrontSide}} shows the front.", required=True),
)
NOTE_TYPE_KEYS = (
    Key("id", "slug", "What notes name in 'type'; with the deck's slug it makes the type's id in Anki.", required=True),
    Key("name", "text", "The note type's name in Anki.", required=True),
    Key("fields", "fieldnames", "Its field names, in order; frozen once released.", required=True),
    Key("templates", "templates", "Its card templates, in order: one card per template whose front shows a "
        "filled field.", required=True, keys=TEMPLATE_KEYS),
    Key("css", "css", "Its CSS (default: builder's own)."),
    Key("cloze", "bool", "true for a cloze type: one template, with {{cloze:Field}}; one card per deletion."),
    Key("anki_id", "typeid", "The id the type already has in learners' collections (a deck taken over); "
        "default: made from the deck's slug and the type's id."),
)
DECK_KEYS = (
    Key("title", "text", "Title of the deck.", required=True),
    Key("slug", "slug", "Short name used in file names and ids; never change it.", required=True),
    Key("deck", "deckname", "Deck name in Anki; notes go into subdecks by kind.", required=True),
    Key("version", "version", "First version (semver); later versions follow from the lock."),
    Key("description", "text", "Markdown shown in the deck's description."),
    Key("tags", "tags", "Tags added to every note."),
    Key("source", "map", "The article or book the deck comes from.", required=True, keys=SOURCE_KEYS),
    Key("allow_html", "bool", "Keep HTML in fields, sanitised: formatting, tables, images and links, "
        "never scripts or remote loads."),
    Key("tts", "lang", "Add a text-to-speech button on the answer side, e.g. en_US."),
    Key("lint", "map", "Lint settings for the whole deck.", keys=LINT_DECK_KEYS),
    Key("note_types", "notetypes", "Note types of this deck's own, which notes name in 'type'.", keys=NOTE_TYPE_KEYS),
    Key("notes", "notes", "The notes.", required=True),
)


@dataclass(frozen=True)
class Field:
    """A field's Markdown and the line its content starts on."""

    text: str
    line: int


@dataclass(frozen=True)
class Note:
    id: str
    kind: str
    """The author's category: it picks the subdeck and the kind tag, not the fields."""
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

    def key_path(self, name: str) -> tuple[str, ...]:
        """Where the field ``name`` of ``fields`` is written in the note: its key, or under ``fields``."""
        return (name,) if self.form else ("fields", name)


@dataclass(frozen=True)
class SourceInfo:
    title: str
    author: str
    date: str
    url: str


@dataclass(frozen=True)
class Deck:
    path: Path
    title: str
    slug: str
    deck_name: str
    version: str | None
    source: SourceInfo
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

    def subdeck(self, kind: str) -> str:
        return f"{self.deck_name}::{SUBDECKS[kind]}"

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
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.note_types: dict[str, NoteType] = {}
        self.declared: set[str] = set()
        self.note_type_keys = NOTE_TYPE_KEYS

    def problem(self, code: str, message: str, node: Node | tuple[int, int]) -> None:
        line, column = node if isinstance(node, tuple) else (node.line, node.column)
        self.problems.append(Problem(Location(self.path, line, column), code, message))

    def mapping(self, node: Node, keys: tuple[Key, ...], what: str) -> dict[str, object] | None:
        """Check a mapping against its keys; return checked values by name."""
        if not isinstance(node, Mapping):
            self.problem("E103", f"{what} must be a mapping of keys to values", node)
            return None
        known = {key.name: key for key in keys}
        values: dict[str, object] = {}
        for name, value in node.items.items():
            key = known.get(name)
            if key is None:
                guess = difflib.get_close_matches(name, list(known), n=1)
                hint = f"did you mean '{guess[0]}'?" if guess else f"allowed keys: {', '.join(known)}"
                self.problem("E101", f"unknown key '{name}' in {what}: {hint}", node.key_lines[name])
                continue
            if isinstance(value, Scalar) and value.is_null:
                self.problem("E120", f"'{name}' in {what} is empty: give it a value or remove the key", value)
                continue
            checked = _CHECKERS[key.type](self, value, key, what)
            if checked is not None:
                values[name] = checked
        for key in keys:
            if key.required and key.name not in node.items:
                self.problem("E102", f"{what} is missing the required key '{key.name}': {key.doc}", node)
        return values

    def scalar(self, node: Node, key: Key, what: str) -> Scalar | None:
        if isinstance(node, Scalar):
            return node
        shape = "a list" if isinstance(node, Sequence) else "a mapping"
        self.problem("E103", f"'{key.name}' in {what} must be text, not {shape}", node)
        return None

    def matching(self, node: Node, key: Key, what: str, pattern: re.Pattern[str], hint: str) -> str | None:
        scalar = self.scalar(node, key, what)
        if scalar is None:
            return None
        if not pattern.fullmatch(scalar.text):
            self.problem("E104", f"'{key.name}' in {what} is '{scalar.text}': {hint}", scalar)
            return None
        return scalar.text

    def text(self, node: Node, key: Key, what: str) -> Field | None:
        scalar = self.scalar(node, key, what)
        if scalar is None:
            return None
        if not scalar.text.strip():
            self.problem("E120", f"'{key.name}' in {what} is empty: write it or remove the key", scalar)
            return None
        unheld = UNHELD_RE.search(scalar.text)
        if unheld:
            self.problem("E104", f"'{key.name}' in {what} {_unheld(unheld.group())}: remove it", scalar)
            return None
        return Field(scalar.text.strip("\n"), scalar.content_line)

    def sequence_of(
        self, node: Node, key: Key, what: str, refusal: Callable[[str], str | None], code: str
    ) -> tuple[str, ...] | None:
        """A list (or one value) of text; ``refusal`` says what is wrong with an entry, or None."""
        if isinstance(node, Scalar):
            node = Sequence([node], node.line, node.column)  # a single tag may stand alone
        if not isinstance(node, Sequence):
            self.problem("E103", f"'{key.name}' in {what} must be a list", node)
            return None
        items: list[str] = []
        for item in node.items:
            if not isinstance(item, Scalar) or item.is_null:
                self.problem("E103", f"each entry of '{key.name}' in {what} must be text", item)
            elif (why := refusal(item.text)) is not None:
                self.problem(code, f"'{key.name}' entry '{item.text}' in {what} {why}", item)
            else:
                items.append(item.text)
        return tuple(dict.fromkeys(items))

    def deck(self, root: Node) -> Deck:
        values = self.mapping(root, DECK_KEYS, "the deck") or {}
        tts = values.get("tts")
        self.note_types = builtin_note_types(str(values.get("slug", "")), tts if isinstance(tts, str) else None)
        if isinstance(values.get("note_types"), Sequence):
            self.declare(values["note_types"], str(values.get("slug", "")))  # type: ignore[arg-type]
        notes = self.notes(values.get("notes"))
        if isinstance(root, Mapping):
            self.tag_spellings(root, values.get("slug"), {note.kind for note in notes})
        if self.problems:
            raise InvalidSource(self.problems)
        source = values["source"]
        assert isinstance(source, dict) and isinstance(root, Mapping)
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
            source=SourceInfo(**{name: _plain(value) for name, value in source.items()}),
            notes=notes,
            description=values.get("description"),  # type: ignore[arg-type]
            tags=values.get("tags", ()),  # type: ignore[arg-type]
            allow_html=bool(values.get("allow_html", False)),
            tts=values.get("tts"),  # type: ignore[arg-type]
            answer_max_words=lint.get("answer_max_words"),
            lint_ignore=frozenset(lint.get("ignore", ())),
            key_lines={name: line for name, (line, _) in root.key_lines.items()},
            note_types=self.note_types,
        )

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
            if values is None or "id" not in values or "kind" not in values:
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
        kind = str(values["kind"])
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

    def default_fields(self, item: Node, kind: str, fields: dict[str, Field], what: str) -> str | None:
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

    def cloze_ok(self, text: Field, item: Node, what: str) -> bool:
        problems = text_problems(text.text)
        for code, message in problems:
            self.problem(code, f"{what} {message}", (text.line, 0))
        return not problems


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


def _unheld(char: str) -> str:
    """Why ``char`` (only ever written as an escape in double quotes) cannot reach Anki."""
    if char == "\x1f":
        return "contains U+001F, the character Anki separates fields with"
    if char == "\x00":
        return "contains a NUL character (U+0000)"
    return f"contains the control character U+{ord(char):04X}, which Anki would silently drop"


def _plain(value: object) -> str:
    return value.text if isinstance(value, Field) else str(value)


def _check_date(v: _Validator, node: Node, key: Key, what: str) -> str | None:
    text = v.matching(node, key, what, DATE_RE, "write the date as YYYY-MM-DD")
    if text is None:
        return None
    try:
        _dt.date.fromisoformat(text)
    except ValueError:
        v.problem("E104", f"'{key.name}' in {what} is '{text}', which is not a real date", node)
        return None
    return text


def _check_bool(v: _Validator, node: Node, key: Key, what: str) -> bool | None:
    scalar = v.scalar(node, key, what)
    if scalar is None:
        return None
    if scalar.text not in ("true", "false"):
        v.problem("E104", f"'{key.name}' in {what} is '{scalar.text}': write true or false", scalar)
        return None
    return scalar.text == "true"


def _check_count(v: _Validator, node: Node, key: Key, what: str) -> int | None:
    text = v.matching(node, key, what, COUNT_RE, "write a whole number from 1 to 99999")
    return None if text is None else int(text)


def _check_deckname(v: _Validator, node: Node, key: Key, what: str) -> str | None:
    if v.text(node, key, what) is None:  # empty, or a character no field can hold: reported
        return None
    assert isinstance(node, Scalar)
    if (why := deck_name_refusal(node.text)) is not None:
        v.problem("E104", f"'{key.name}' in {what} is '{node.text}': {why}", node)
        return None
    return node.text


def _check_map(v: _Validator, node: Node, key: Key, what: str) -> dict[str, object] | None:
    return v.mapping(node, key.keys, f"'{key.name}' of {what}" if what != "the deck" else f"'{key.name}'")


def _check_templates(v: _Validator, node: Node, key: Key, what: str) -> list[dict[str, object]] | None:
    if not isinstance(node, Sequence) or not node.items:
        v.problem("E103", f"'{key.name}' of {what} must be a list of at least one template", node)
        return None
    found = [v.mapping(item, key.keys, f"template {index} of {what}") for index, item in enumerate(node.items, 1)]
    return [values for values in found if values is not None and all(k.name in values for k in key.keys)]


def _check_template(v: _Validator, node: Node, key: Key, what: str) -> Field | None:
    """Template text or CSS as written: unlike a field, no line break is its own to drop."""
    if v.text(node, key, what) is None:
        return None
    assert isinstance(node, Scalar)
    return Field(node.text, node.content_line)


def _check_field_names(v: _Validator, node: Node, key: Key, what: str) -> tuple[Field, ...] | None:
    if not isinstance(node, Sequence) or not node.items:
        v.problem("E103", f"'{key.name}' of {what} must be a list of at least one field name", node)
        return None
    names = [v.text(item, key, what) for item in node.items]
    return tuple(name for name in names if name is not None) if all(names) else None


def _check_field_values(v: _Validator, node: Node, key: Key, what: str) -> dict[str, Field] | None:
    if not isinstance(node, Mapping):
        v.problem("E103", f"'{key.name}' of {what} must be a mapping of field names to Markdown", node)
        return None
    values = {name: v.text(value, Key(name, "text", ""), what) for name, value in node.items.items()}
    return {name: value for name, value in values.items() if value is not None}


def _check_type_id(v: _Validator, node: Node, key: Key, what: str) -> int | None:
    text = v.matching(node, key, what, TYPE_ID_RE, "write the note type's id in Anki, a whole number")
    if text is None:
        return None
    if int(text) >= 1 << 63:
        v.problem("E104", f"'{key.name}' in {what} is {text}, more than Anki can store (2^63-1)", node)
        return None
    return int(text)


_CHECKERS: dict[str, Callable[[_Validator, Node, Key, str], object]] = {
    "text": _Validator.text,
    "slug": lambda v, n, k, w: v.matching(
        n, k, w, SLUG_RE, "use lowercase letters, digits and single dashes, e.g. 'linchpin-dsl'"
    ),
    "version": lambda v, n, k, w: v.matching(n, k, w, VERSION_RE, "write a semantic version such as 1.0.0"),
    "url": lambda v, n, k, w: v.matching(
        n, k, w, URL_RE, "write a full http:// or https:// link"
    ),
    "lang": lambda v, n, k, w: v.matching(n, k, w, LANG_RE, "write a language code such as en_US"),
    "kind": lambda v, n, k, w: v.matching(
        n, k, w, re.compile("|".join(NOTE_KINDS)), f"use one of {', '.join(NOTE_KINDS)}"
    ),
    "notetype": lambda v, n, k, w: v.matching(n, k, w, SLUG_RE, f"use one of {', '.join(v.note_types)}"),
    "tags": lambda v, n, k, w: v.sequence_of(n, k, w, tag_refusal, "E140"),
    "codes": lambda v, n, k, w: v.sequence_of(
        n, k, w, lambda code: None if LINT_CODE_RE.fullmatch(code) else "is not a lint code like W201", "E104"
    ),
    "date": _check_date,
    "bool": _check_bool,
    "count": _check_count,
    "deckname": _check_deckname,
    "map": _check_map,
    "notes": lambda v, n, k, w: n if isinstance(n, Sequence) else v.problem("E103", "'notes' must be a list", n),
    "notetypes": lambda v, n, k, w: (
        n if isinstance(n, Sequence) else v.problem("E103", "'note_types' must be a list", n)
    ),
    "templates": _check_templates,
    "template": _check_template,
    "css": _check_template,
    "fieldnames": _check_field_names,
    "fieldvalues": _check_field_values,
    "typeid": _check_type_id,
}
