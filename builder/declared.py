"""Note types a source declares under ``note_types``: checked the way Anki checks them, then made NoteTypes.

Anki refuses to keep a note type whose front templates name no field or name
one it does not have, whose fronts repeat, whose cloze type has no
``{{cloze:...}}``, or whose templates do not parse; it silently renames
fields and templates whose names hold ``:{}"`` or repeat. A declared type gets
each of these as one problem with its line, before anything is built, so what
a learner's Anki holds is what the source says.

Scripts are another matter: Anki runs a template's JavaScript on every
learner's desktop and phone, so :func:`template_risks` names them, and only
a build with ``--unsafe-html`` (a flag no source can set) ships them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from msgspec import Struct

from .cardtemplates import SPECIAL_FIELDS, Replacement, Section, TemplateSyntaxError, parse, unknown_filters, walk
from .htmlrisk import html_risks as html_risks  # re-exported: lint, assemble, plan, pull and import use it
from .htmlrisk import stylesheet_risks
from .identity import note_type_id
from .notetypes import BUILTIN_TYPES, CardTemplate, NoteType
from .style import CSS

Located = tuple[str, int]
"""A text from the source and the line it starts on."""


class TemplateSpec(Struct, frozen=True):
    name: Located
    front: Located
    back: Located


class TypeSpec(Struct, frozen=True):
    """A ``note_types`` entry whose keys the loader checked one by one."""

    key: Located
    name: Located
    fields: tuple[Located, ...]
    templates: tuple[TemplateSpec, ...]
    css: Located | None = None
    cloze: bool = False
    anki_id: int | None = None


MAX_TEMPLATES = 100
"""The most templates a declared type may have. Anki refuses a whole package at 65,537 (a template's
ordinal is 16 bits; ``tests/test_declared_types.py`` measures it), but every template can make a card
of every note, and each is parsed and checked per note: Anki's own types have one or two, and a type
with more than a hundred is a generated mistake, not a flashcard design."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FIELD_NAME_CHARS = re.compile(r'[:{}"]')
_FIELD_NAME_START = re.compile(r"[#/^\s]")
_CLOZE_CONDITIONAL = re.compile(r"c\d+")
_CARD = re.compile(r"\{\{\s*Card\s*\}\}")
_IGNORING_CASE = " (Anki compares names ignoring case and would add a '+' to one): rename one"


def declared_type(spec: TypeSpec, slug: str) -> tuple[NoteType | None, list[Located]]:
    """The note type ``spec`` declares, or None and each reason Anki would not keep it as written."""
    problems = list(_names_problems(spec))
    fields = [name for name, _ in spec.fields]
    fronts: dict[str, str] = {}
    for template in spec.templates:
        problems += _template_problems(spec, template, fields, fronts)
    key = spec.key[0]
    if key in BUILTIN_TYPES:
        problems.append((f"note type id '{key}' is the name of a built-in type: choose another", spec.key[1]))
    if problems:
        return None, problems
    templates = tuple(CardTemplate(t.name[0], t.front[0], t.back[0]) for t in spec.templates)
    return NoteType(
        key=key,
        id=spec.anki_id if spec.anki_id is not None else note_type_id(slug, key),
        name=spec.name[0],
        fields=tuple(name for name, _ in spec.fields),
        templates=templates,
        css=CSS if spec.css is None else spec.css[0],
        is_cloze=spec.cloze,
        builder_css=spec.css is None,
    ), []


def _names_problems(spec: TypeSpec) -> Iterator[Located]:
    what = f"note type '{spec.key[0]}'"
    if '"' in spec.name[0]:
        yield f"the name of {what} has a '\"', which Anki removes: write it without", spec.name[1]
    if _CONTROL.search(spec.name[0]):
        yield (f"the name of {what} has a line break or another control character: Anki keeps it, but shows "
               "note type names on one line (the note type list, the browser), where it is hidden or garbled; "
               "write the name on one line"), spec.name[1]
    fields: dict[str, str] = {}
    for name, line in spec.fields:
        if _FIELD_NAME_CHARS.search(name) or _FIELD_NAME_START.match(name) or name != name.rstrip():
            yield (f"field name '{name}' of {what} is not one Anki keeps as written (no ':', '{{', '}}' or "
                   "'\"', no '#', '/', '^' or space in front, no space at the end): rename it"), line
        elif name == "FrontSide":
            yield (f"field name 'FrontSide' of {what} is the name Anki's templates give the card's front: "
                   "{{FrontSide}} shows the front, never this field: rename it"), line
        elif name.casefold() in fields:
            yield f"field name '{name}' of {what} repeats '{fields[name.casefold()]}'{_IGNORING_CASE}", line
        else:
            fields[name.casefold()] = name
    templates: dict[str, str] = {}
    for template in spec.templates:
        name, line = template.name
        if '"' in name:
            yield f"template name '{name}' of {what} has a '\"', which Anki removes: write it without", line
        elif name.casefold() in templates:
            yield f"template name '{name}' of {what} repeats '{templates[name.casefold()]}'{_IGNORING_CASE}", line
        else:
            templates[name.casefold()] = name
    if len(spec.templates) > MAX_TEMPLATES:
        yield (f"{what} has {len(spec.templates)} templates, more than {MAX_TEMPLATES}: each can make a card of "
               "every note; split it into note types of their own"), spec.key[1]
    if spec.cloze and len(spec.templates) != 1:
        yield f"{what} is a cloze type with {len(spec.templates)} templates: Anki uses one, write one", spec.key[1]


def _template_problems(spec: TypeSpec, template: TemplateSpec, fields: list[str],
                       fronts: dict[str, str]) -> list[Located]:
    what = f"template '{template.name[0]}' of note type '{spec.key[0]}'"
    problems: list[Located] = []
    sides: list[tuple[str, tuple[Replacement | Section, ...]]] = []
    for side, (text, line) in (("front", template.front), ("back", template.back)):
        try:
            nodes = parse(text)
        except TemplateSyntaxError as error:
            problems.append((f"the {side} of {what}: {error}: Anki shows an error instead of the card",
                             _line_at(text, line, error.offset)))
            continue
        sides.append((side, nodes))
        for node in walk(nodes):
            if isinstance(node, Section) and _CLOZE_CONDITIONAL.fullmatch(node.key):
                continue
            if node.key and node.key not in fields and node.key not in SPECIAL_FIELDS:
                shown = f"{{{{{'#' if isinstance(node, Section) else ''}{node.key}}}}}"
                problems.append((f"the {side} of {what} shows {shown}, a field the type does not have "
                                 f"(its fields: {', '.join(fields)})", _line_at(text, line, node.offset)))
        if side == "front" and not any(node.key for node in walk(nodes)):
            problems.append((f"the front of {what} shows no field, so it never makes a card: show one", line))
        if spec.cloze and not any(isinstance(node, Replacement) and "cloze" in node.filters for node in walk(nodes)):
            problems.append((f"the {side} of {what} has no {{{{cloze:Field}}}}, which a cloze type needs on "
                             "both sides", line))
    front = template.front[0]
    earlier = fronts.setdefault(front, template.name[0])
    if earlier != template.name[0] and not _CARD.search(front):
        problems.append((f"the front of {what} is the front of template '{earlier}': Anki keeps one of them, "
                         "make each card ask something else", template.front[1]))
    return problems


def _line_at(text: str, line: int, offset: int) -> int:
    return line + text.count("\n", 0, offset)


def template_filters(note_type: NoteType) -> list[str]:
    """Each filter in a declared type's templates that Anki's engine does not have, as a phrase saying where.

    Anki skips such a filter and shows the field as it is (``{{hnit:Answer}}`` shows the answer on the
    front), unless an add-on on the learner's device supplies it; a template that does not parse has none.
    """
    found: list[str] = []
    for template in note_type.templates:
        for side, text in (("front", template.front), ("back", template.back)):
            try:
                nodes = parse(text)
            except TemplateSyntaxError:
                continue
            unknown = dict.fromkeys(name for node in walk(nodes) if isinstance(node, Replacement)
                                    for name in unknown_filters(node.filters))
            found += [f"the filter '{name}' in the {side} of template '{template.name}'" for name in unknown]
    return found


def template_risks(note_type: NoteType) -> list[str]:
    """What in a declared type's templates and CSS runs or loads on a learner's device: one phrase each.

    Templates are parsed and held to an allowlist (:mod:`builder.htmlrisk`): what is not known to be safe
    is a risk. In CSS, which Anki puts inside a ``<style>`` element, a ``<`` could close it and a
    backslash escape could spell ``url(`` unseen, so either counts as a risk too.
    """
    found = []
    for template in note_type.templates:
        for side, text in (("front", template.front), ("back", template.back)):
            found += [f"{risk} in the {side} of template '{template.name}'" for risk in html_risks(text)]
    return found + stylesheet_risks(note_type.css)
