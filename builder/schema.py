"""JSON Schema (draft 2020-12) for deck sources, generated from the format tables (``builder.sourceformat``).

Editors (yaml-language-server) use it to complete and check keys as you type;
``schema/deck.schema.json`` is a generated copy and a test keeps the two equal.

The schema describes the same documents the loader accepts, seen two ways:
our loader reads every scalar as text, and so does ``yaml.BaseLoader``, which
the agreement test uses; an editor types ``true``, ``40`` or ``2.5`` as YAML
1.2 booleans and numbers. So each type also admits the editor's typing of the
same text (booleans for ``true``/``false``, integers for counts, numbers and
booleans where any text goes). What JSON Schema cannot say is left to the
loader: unique note ids (E110), balanced cloze braces (E131), duplicate keys,
anchors and tags (E100), and a quoted ``"null"`` (text to the loader, null to
a plain-text reader).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .formats import (
    COUNT_RE,
    GUID_RE,
    LANG_RE,
    LINT_CODE_RE,
    SLUG_MAX,
    SLUG_RE,
    SPACE,
    TAG_RE,
    TYPE_ID_RE,
    UNHELD_RE,
    URL_RE,
    VERSION_RE,
)
from .notetypes import BUILTIN_FIELD_KEYS, builtin_note_types
from .sourceformat import ADDITIONS, CLOZE_RE, DECK_KEYS, NOTE_KEYS, NOTE_KINDS, Key

SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"
NULL_WORDS = ("~", "null", "Null", "NULL")
"""Plain scalars YAML reads as null (the empty one fails every pattern anyway)."""

_ANY_TEXT = ["string", "number", "boolean"]
_BUILTINS = builtin_note_types("")
_UNHELD = UNHELD_RE.pattern.removeprefix("[").removesuffix("]")
_END = r"(?![\s\S])"
"""The end of the value. ``$`` also matches before a final line break in Python, which
jsonschema uses, and ``\\Z`` is not ECMA-262, which editors use; no next character is
the end in both."""


def _whole(pattern: str) -> str:
    """``pattern`` as a JSON Schema pattern that must match the whole value, as ``fullmatch`` does."""
    return f"^(?:{pattern}){_END}"


_TEXT = rf"(?=[\s\S]*[^{SPACE}])[^{_UNHELD}]*"
"""Some non-space character, and none the loader refuses (``UNHELD_RE``)."""
_DECK_EDGE = rf"[^{SPACE}:{_UNHELD}]"
_DECK_PART = rf"{_DECK_EDGE}(?:(?:(?!::)[^\t\r\n{_UNHELD}])*{_DECK_EDGE})?"
_DECK_NAME = rf"{_DECK_PART}(?:::{_DECK_PART})*"
"""What Anki keeps as written (``deck_name_refusal``): on one line without tabs, parts between
``::`` neither empty nor starting or ending with a space or ``:``."""
_DATE = r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"

_TYPES: dict[str, dict[str, Any]] = {
    "text": {"type": _ANY_TEXT, "pattern": _whole(_TEXT)},
    "slug": {"type": "string", "pattern": _whole(SLUG_RE.pattern), "maxLength": SLUG_MAX},
    "deckname": {"type": "string", "pattern": _whole(_DECK_NAME)},
    "version": {"type": "string", "pattern": _whole(VERSION_RE.pattern)},
    "url": {"type": "string", "pattern": _whole(URL_RE.pattern)},
    "lang": {"type": "string", "pattern": _whole(LANG_RE.pattern)},
    "kind": {"enum": list(NOTE_KINDS)},
    "notetype": {"type": "string", "pattern": _whole(SLUG_RE.pattern)},
    "template": {"type": "string", "pattern": _whole(_TEXT)},
    "css": {"type": "string", "pattern": _whole(f"[^{_UNHELD}]*")},
    "typeid": {
        "anyOf": [
            {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
            {"type": "string", "pattern": _whole(TYPE_ID_RE.pattern)},
        ]
    },
    "date": {"type": "string", "pattern": _whole(_DATE), "format": "date"},
    "bool": {"anyOf": [{"type": "boolean"}, {"enum": ["true", "false"]}]},
    "count": {
        "anyOf": [
            {"type": "integer", "minimum": 1, "maximum": 99999},
            {"type": "string", "pattern": _whole(COUNT_RE.pattern)},
        ]
    },
    "tag": {"type": _ANY_TEXT, "pattern": _whole(TAG_RE.pattern)},
    "code": {"type": "string", "pattern": _whole(LINT_CODE_RE.pattern)},
    "guid": {"type": "string", "pattern": _whole(GUID_RE.pattern)},
    "addition": {"enum": list(ADDITIONS)},
    "markup": {"anyOf": [{"$ref": "#/$defs/text"}, {"$ref": "#/$defs/rawhtml"}]},
    "rawhtml": {"type": "object", "properties": {"html": {"type": "string", "minLength": 1,
                                                           "pattern": _whole(f"[^{_UNHELD}]*")}},
                "required": ["html"], "additionalProperties": False},
}
_LISTS = {"tags": "tag", "codes": "code", "additions": "addition"}


def deck_schema() -> dict[str, Any]:
    """The schema as a JSON-ready dict, built from ``DECK_KEYS``."""
    defs: dict[str, Any] = {name: _refusing_null(spec) for name, spec in _TYPES.items()}
    for listed, item in _LISTS.items():
        one = {"$ref": f"#/$defs/{item}"}
        defs[listed] = {"anyOf": [one, {"type": "array", "items": one}]}
    defs["clozeNote"] = {
        "description": "A cloze note: 'text' with deletions, no question or answer.",
        "required": ["text"],
        "properties": {"text": {"pattern": CLOZE_RE.pattern}},
        "not": {"anyOf": [{"required": ["question"]}, {"required": ["answer"]}, {"required": ["fields"]}]},
    }
    defs["qaNote"] = {
        "description": "A question/answer note: 'question' and 'answer', no 'text'.",
        "required": ["question", "answer"],
        "not": {"anyOf": [{"required": ["text"]}, {"required": ["fields"]}]},
    }
    defs["declaredNote"] = {
        "description": "A note of a type declared in note_types: its 'fields' by name.",
        "required": ["type", "fields"],
        "not": {"anyOf": [{"required": [key]} for key in BUILTIN_FIELD_KEYS]},
    }
    defs["fieldnames"] = {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/text"}}
    defs["fieldvalues"] = {"type": "object", "additionalProperties": {
        "anyOf": [{"$ref": "#/$defs/text"}, {"$ref": "#/$defs/rawhtml"}]}}
    forms = {form: [key for key, note_type in _BUILTINS.items() if note_type.form == form] for form in ("cloze", "qa")}
    defs["note"] = {
        **_mapping(NOTE_KEYS, "One note; its id is its identity in Anki forever."),
        "oneOf": [{"$ref": "#/$defs/clozeNote"}, {"$ref": "#/$defs/qaNote"}, {"$ref": "#/$defs/declaredNote"}],
        "allOf": [
            _when_kind("learning", "clozeNote"),
            _when_kind("quiz", "qaNote"),
            *(_when_type(keys, f"{form}Note") for form, keys in forms.items()),
            {"if": {"properties": {"type": {"not": {"enum": list(_BUILTINS)}}}, "required": ["type"]},
             "then": {"$ref": "#/$defs/declaredNote"}},
        ],
    }
    defs["note"]["allOf"].append({"if": {"not": {"required": ["deck"]}}, "then": {"required": ["kind"]}})
    deck = _mapping(DECK_KEYS, "One Anki deck: metadata and notes. Run 'builder check' for the rest.")
    # 'source' is required as soon as one note has a built-in type: any note but one of a declared type
    deck["allOf"] = [{"if": {"required": ["notes"], "properties": {"notes": {"type": "array", "contains": {
        "not": {"$ref": "#/$defs/declaredNote"}}}}}, "then": {"required": ["source"]}}]
    return {
        "$schema": SCHEMA_DRAFT,
        "title": "builder deck source",
        **deck,
        "$defs": defs,
    }


def schema_text() -> str:
    """The schema as shipped in ``schema/deck.schema.json``."""
    return json.dumps(deck_schema(), indent=2, ensure_ascii=False) + "\n"


def _mapping(keys: tuple[Key, ...], description: str) -> dict[str, Any]:
    return {
        "description": description,
        "type": "object",
        "properties": {key.name: _key(key) for key in keys},
        **({"required": required} if (required := [key.name for key in keys if key.required]) else {}),
        "additionalProperties": False,
    }


def _key(key: Key) -> dict[str, Any]:
    if key.type == "map":
        return _mapping(key.keys, key.doc)
    if key.type == "notes":
        return {"description": key.doc, "type": "array", "items": {"$ref": "#/$defs/note"}}
    if key.type in ("notetypes", "templates"):
        one = "A note type of the deck's own." if key.type == "notetypes" else "A card template."
        return {"description": key.doc, "type": "array", **({"minItems": 1} if key.type == "templates" else {}),
                "items": _mapping(key.keys, one)}
    return {"description": key.doc, "$ref": f"#/$defs/{key.type}"}


def _refusing_null(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec``, refusing YAML's null words where its pattern would let one through.

    The loader reports a plain ``~`` or ``null`` as empty (E120); a plain-text
    YAML reader hands them over as the strings ``"~"`` and ``"null"``.
    """
    pattern = spec.get("pattern")
    if pattern is None or not any(re.search(pattern, word) for word in NULL_WORDS):
        return dict(spec)
    return {**spec, "not": {"enum": list(NULL_WORDS)}}


def _when_kind(kind: str, shape: str) -> dict[str, Any]:
    """A note that names no type takes its shape from its kind."""
    return {
        "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"], "not": {"required": ["type"]}},
        "then": {"$ref": f"#/$defs/{shape}"},
    }


def _when_type(keys: list[str], shape: str) -> dict[str, Any]:
    """A note that names a type takes that type's shape, whatever its kind."""
    return {"if": {"properties": {"type": {"enum": keys}}, "required": ["type"]}, "then": {"$ref": f"#/$defs/{shape}"}}
