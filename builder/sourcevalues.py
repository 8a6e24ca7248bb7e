"""How each value in a source is checked: one checker per value type of the format tables.

``builder.sourceformat`` gives every key a value type (``slug``, ``date``,
``tags``...); ``CHECKERS`` maps each type to the function that checks a value of
it and returns it typed, or reports a problem with its line and returns None.
``ValueChecks`` holds what the checkers share (a mapping checked against its
keys, text, a pattern, a list); the loader's validator (``builder.source``)
builds on it. Every problem is collected, none raised, so one run reports all.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from pathlib import Path

from msgspec import Struct

from .cloze import raw_problems, text_problems
from .errors import Location, Problem
from .formats import (
    COUNT_RE,
    DATE_RE,
    GUID_RE,
    LANG_RE,
    LINT_CODE_RE,
    SEMVER_RE,
    SLUG_MAX,
    SLUG_RE,
    TYPE_ID_RE,
    UNHELD_RE,
    URL_RE,
    VERSION_DIGITS,
    VERSION_RE,
    deck_name_refusal,
    tag_refusal,
)
from .notetypes import NoteType
from .sourceformat import ADDITIONS, NOTE_KINDS, Key
from .yamlsafe import Mapping, Node, Scalar, Sequence


class Field(Struct, frozen=True):
    """A field's Markdown (or raw HTML) and the line its content starts on."""

    text: str
    line: int
    raw: bool = False
    """Written as ``{html: ...}``: HTML kept exactly as written (after NFC), never rendered as Markdown."""


class ValueChecks:
    """The problems found so far, and the checks every value checker builds on."""

    note_types: dict[str, NoteType]
    """The note types a note may name in ``type``: the built-in ones and the source's own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

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
                import difflib  # only a mistyped key needs it: not loaded by a build that has none

                guess = difflib.get_close_matches(name, list(known), n=1)
                hint = f"did you mean '{guess[0]}'?" if guess else f"allowed keys: {', '.join(known)}"
                self.problem("E101", f"unknown key '{name}' in {what}: {hint}", node.key_lines[name])
                continue
            if isinstance(value, Scalar) and value.is_null:
                self.problem("E120", f"'{name}' in {what} is empty: give it a value or remove the key", value)
                continue
            checked = CHECKERS[key.type](self, value, key, what)
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


    def cloze_ok(self, text: Field, item: Node, what: str) -> bool:
        """Whether the cloze deletions of ``text`` (Markdown, or raw HTML) are ones Anki makes cards of; report each
        problem if not."""
        problems = raw_problems(text.text) if text.raw else text_problems(text.text)
        for code, message in problems:
            self.problem(code, f"{what} {message}", (text.line, 0))
        return not problems


def _unheld(char: str) -> str:
    """Why ``char`` (only ever written as an escape in double quotes) cannot reach Anki."""
    if char == "\x1f":
        return "contains U+001F, the character Anki separates fields with"
    if char == "\x00":
        return "contains a NUL character (U+0000)"
    return f"contains the control character U+{ord(char):04X}, which Anki would silently drop"


Checker = Callable[[ValueChecks, Node, Key, str], object]
"""Checks the value ``node`` of ``key`` in ``what`` (e.g. "note 'quiz-one'"): the typed value, or None once
reported."""


def _matching(pattern: re.Pattern[str], hint: str) -> Checker:
    """A checker of text that must match ``pattern`` whole; ``hint`` says how to write it."""

    def check(checks: ValueChecks, node: Node, key: Key, what: str) -> str | None:
        return checks.matching(node, key, what, pattern, hint)

    return check


def _list(name: str) -> Checker:
    """A checker of a list the loader walks itself (notes, note types): only its shape is checked here."""

    def check(checks: ValueChecks, node: Node, key: Key, what: str) -> Sequence | None:
        if isinstance(node, Sequence):
            return node
        checks.problem("E103", f"'{name}' must be a list", node)
        return None

    return check


def _check_slug(checks: ValueChecks, node: Node, key: Key, what: str) -> str | None:
    hint = "use lowercase letters, digits and single dashes, e.g. 'linchpin-dsl'"
    text = checks.matching(node, key, what, SLUG_RE, hint)
    if text is not None and len(text) > SLUG_MAX:
        why = " (a deck's names its files)" if key.name == "slug" else ""
        checks.problem("E104", f"'{key.name}' in {what} is {len(text):,} characters long, more than the {SLUG_MAX} a "
                       f"slug may have{why}: shorten it", node)
        return None
    return text


def _check_version(checks: ValueChecks, node: Node, key: Key, what: str) -> str | None:
    hint = "write a semantic version such as 1.0.0"
    text = checks.matching(node, key, what, SEMVER_RE, hint)
    if text is not None and not VERSION_RE.fullmatch(text):
        longest = max(len(part) for part in text.split("."))
        checks.problem("E104", f"'{key.name}' in {what} has a number of {longest:,} digits, more than the "
                       f"{VERSION_DIGITS} a version's numbers may have (it names the release's files): {hint}", node)
        return None
    return text


def _check_note_type(checks: ValueChecks, node: Node, key: Key, what: str) -> str | None:
    return checks.matching(node, key, what, SLUG_RE, f"use one of {', '.join(checks.note_types)}")


def _check_tags(checks: ValueChecks, node: Node, key: Key, what: str) -> tuple[str, ...] | None:
    return checks.sequence_of(node, key, what, tag_refusal, "E140")


def _check_codes(checks: ValueChecks, node: Node, key: Key, what: str) -> tuple[str, ...] | None:
    return checks.sequence_of(node, key, what, _lint_code_refusal, "E104")


def _lint_code_refusal(code: str) -> str | None:
    return None if LINT_CODE_RE.fullmatch(code) else "is not a lint code like W201"


def _check_date(checks: ValueChecks, node: Node, key: Key, what: str) -> str | None:
    text = checks.matching(node, key, what, DATE_RE, "write the date as YYYY-MM-DD")
    if text is None:
        return None
    try:
        _dt.date.fromisoformat(text)
    except ValueError:
        checks.problem("E104", f"'{key.name}' in {what} is '{text}', which is not a real date", node)
        return None
    return text


def _check_bool(checks: ValueChecks, node: Node, key: Key, what: str) -> bool | None:
    scalar = checks.scalar(node, key, what)
    if scalar is None:
        return None
    if scalar.text not in ("true", "false"):
        checks.problem("E104", f"'{key.name}' in {what} is '{scalar.text}': write true or false", scalar)
        return None
    return scalar.text == "true"


def _check_count(checks: ValueChecks, node: Node, key: Key, what: str) -> int | None:
    text = checks.matching(node, key, what, COUNT_RE, "write a whole number from 1 to 99999")
    return None if text is None else int(text)


def _check_deck_name(checks: ValueChecks, node: Node, key: Key, what: str) -> str | None:
    if checks.text(node, key, what) is None:  # empty, or a character no field can hold: reported
        return None
    assert isinstance(node, Scalar)
    if (why := deck_name_refusal(node.text)) is not None:
        checks.problem("E104", f"'{key.name}' in {what} is '{node.text}': {why}", node)
        return None
    return node.text


def _check_map(checks: ValueChecks, node: Node, key: Key, what: str) -> dict[str, object] | None:
    return checks.mapping(node, key.keys, f"'{key.name}' of {what}" if what != "the deck" else f"'{key.name}'")


def _check_templates(checks: ValueChecks, node: Node, key: Key, what: str) -> list[dict[str, object]] | None:
    if not isinstance(node, Sequence) or not node.items:
        checks.problem("E103", f"'{key.name}' of {what} must be a list of at least one template", node)
        return None
    found = [checks.mapping(item, key.keys, f"template {index} of {what}") for index, item in enumerate(node.items, 1)]
    return [values for values in found
            if values is not None and all(template_key.name in values for template_key in key.keys)]


def _check_template(checks: ValueChecks, node: Node, key: Key, what: str) -> Field | None:
    """Template text or CSS as written: unlike a field, no line break is its own to drop."""
    if checks.text(node, key, what) is None:
        return None
    assert isinstance(node, Scalar)
    return Field(node.text, node.content_line)


def _check_css(checks: ValueChecks, node: Node, key: Key, what: str) -> Field | None:
    """CSS as written, "" too: a type taken over may have none, and it must stay none."""
    scalar = checks.scalar(node, key, what)
    if scalar is None:
        return None
    unheld = UNHELD_RE.search(scalar.text)
    if unheld:
        checks.problem("E104", f"'{key.name}' in {what} {_unheld(unheld.group())}: remove it", scalar)
        return None
    return Field(scalar.text, scalar.content_line)


def _check_field_names(checks: ValueChecks, node: Node, key: Key, what: str) -> tuple[Field, ...] | None:
    if not isinstance(node, Sequence) or not node.items:
        checks.problem("E103", f"'{key.name}' of {what} must be a list of at least one field name", node)
        return None
    names = [checks.text(item, key, what) for item in node.items]
    return tuple(name for name in names if name is not None) if all(names) else None


def _check_field_values(checks: ValueChecks, node: Node, key: Key, what: str) -> dict[str, Field] | None:
    if not isinstance(node, Mapping):
        checks.problem("E103", f"'{key.name}' of {what} must be a mapping of field names to Markdown", node)
        return None
    values = {name: _raw_html(checks, value, name, what) if isinstance(value, Mapping)
              else checks.text(value, Key(name, "text", ""), what) for name, value in node.items.items()}
    return {name: value for name, value in values.items() if value is not None}


def _raw_html(checks: ValueChecks, node: Mapping, name: str, what: str) -> Field | None:
    """A field written ``{html: ...}``: its HTML as written, every character kept (Anki holds it after NFC)."""
    html = node.items.get("html")
    if set(node.items) != {"html"} or not isinstance(html, Scalar):
        checks.problem("E103", f"'{name}' of {what} must be Markdown text or {{html: ...}} (raw HTML, "
                               "the one key)", node)
        return None
    if html.is_null or not html.text:
        checks.problem("E120", f"'{name}' in {what} is empty: write it or remove the key", html)
        return None
    unheld = UNHELD_RE.search(html.text)
    if unheld:
        checks.problem("E104", f"'{name}' in {what} {_unheld(unheld.group())}: remove it", html)
        return None
    return Field(html.text, html.content_line, raw=True)


def _check_markup(checks: ValueChecks, node: Node, key: Key, what: str) -> Field | None:
    """Markdown text, or ``{html: ...}``: raw HTML kept exactly as written."""
    if isinstance(node, Mapping):
        return _raw_html(checks, node, key.name, what)
    return checks.text(node, key, what)


def _check_additions(checks: ValueChecks, node: Node, key: Key, what: str) -> frozenset[str] | None:
    found = checks.sequence_of(node, key, what, _addition_refusal, "E104")
    return None if found is None else frozenset(found)


def _addition_refusal(name: str) -> str | None:
    return None if name in ADDITIONS else f"is not one of builder's additions ({', '.join(ADDITIONS)})"


def _check_type_id(checks: ValueChecks, node: Node, key: Key, what: str) -> int | None:
    text = checks.matching(node, key, what, TYPE_ID_RE, "write the note type's id in Anki, a whole number")
    if text is None:
        return None
    if int(text) >= 1 << 63:
        checks.problem("E104", f"'{key.name}' in {what} is {text}, more than Anki can store (2^63-1)", node)
        return None
    return int(text)


CHECKERS: dict[str, Checker] = {
    "text": ValueChecks.text,
    "slug": _check_slug,
    "version": _check_version,
    "url": _matching(URL_RE, "write a full http:// or https:// link"),
    "lang": _matching(LANG_RE, "write a language code such as en_US"),
    "kind": _matching(re.compile("|".join(NOTE_KINDS)), f"use one of {', '.join(NOTE_KINDS)}"),
    "notetype": _check_note_type,
    "tags": _check_tags,
    "codes": _check_codes,
    "date": _check_date,
    "bool": _check_bool,
    "count": _check_count,
    "deckname": _check_deck_name,
    "map": _check_map,
    "notes": _list("notes"),
    "notetypes": _list("note_types"),
    "templates": _check_templates,
    "template": _check_template,
    "css": _check_css,
    "fieldnames": _check_field_names,
    "fieldvalues": _check_field_values,
    "typeid": _check_type_id,
    "guid": _matching(GUID_RE, "write the GUID the note has in Anki: 1 to 100 printable ASCII characters, no space"),
    "additions": _check_additions,
    "markup": _check_markup,
}
"""Every value type of the format tables, and its checker."""
