"""Note types as data: what a note of each type holds in Anki and how it is shown.

A note type owns its field names, which source keys fill them, its card
templates and CSS, whether it is a cloze type, and its frozen schema. Every
other module asks it instead of knowing "cloze" or "Q/A" itself, so a new
built-in type is one entry in ``_BUILTINS`` (plus its tests).

The author's *category* (``kind``: learning, quiz, deep-dive) is another
matter: it picks a note's subdeck and tag, and, when the note names no
``type``, its default type.

The field and template *names* are frozen: Anki imports a note type whose
names changed as a copy ("Name+") and skips every existing note, so the lock
records them and a build refuses a change. Template *text* and CSS may change
freely: Anki updates them in place when the type's ``mod`` is newer.
"""

from __future__ import annotations

from collections.abc import Callable

from msgspec import Struct
from msgspec.structs import replace

from .cardtemplates import card_ordinals
from .cloze import Card, card_numbers, cloze_cards
from .identity import note_type_id
from .style import CSS

SOURCE_FIELD = "Source"
"""The built-in types' last field: the deck's source line, the same on every card."""
ALWAYS_PACKAGED = ("cloze", "qa")
"""Types every release carries even when no note uses them: every package and lock made
before note types were data holds both, and dropping one would change a release's bytes."""


class CardTemplate(Struct, frozen=True):
    name: str
    front: str
    back: str


class NoteType(Struct, frozen=True):
    """One note type of a deck, with the id and name it has in Anki."""

    key: str
    """What a note's ``type`` says and the lock records: ``cloze``, ``qa``, ..."""
    id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[CardTemplate, ...]
    css: str
    is_cloze: bool = False
    inputs: tuple[tuple[str, str], ...] = ()
    """(source key, field name) for each field a note fills from its own keys."""
    source_field: str | None = None
    """The field that shows the deck's source line, filled by the build, not by the note."""
    label: str | None = None
    """A built-in type's word in its per-deck name, ``Builder <label> (<slug>)``."""
    required: tuple[str, ...] = ()
    """Source keys every note of this type must give."""
    builder_css: bool = False
    """Styled by builder (``style.CSS``): the package adds the code-highlighting rules its fields need."""

    @property
    def template_names(self) -> tuple[str, ...]:
        return tuple(template.name for template in self.templates)

    @property
    def form(self) -> str | None:
        """``cloze`` (``text``) or ``qa`` (``question`` and ``answer``) for the built-in types, whose
        fields the lint rules know; None for a type declared in the source."""
        keys = {key for key, _ in self.inputs}
        return "cloze" if "text" in keys else "qa" if {"question", "answer"} <= keys else None

    def makes_a_card(self, filled: set[str]) -> bool:
        """Whether a note whose fields ``filled`` are the non-empty ones shows something on a card's front."""
        if self.is_cloze:
            return True  # one card per deletion, which the loader asks of the note itself
        values = tuple("x" if name in filled else "" for name in self.fields)
        fronts = tuple(template.front for template in self.templates)
        return card_ordinals(fronts, self.fields, values, True, at_least_one=False) != ()

    def cards(self, fields: tuple[str, ...], *, has_tags: bool = True) -> tuple[Card, ...]:
        """The cards Anki generates for a note of this type with these fields (HTML as Anki holds it).

        A cloze type makes one per deletion number (:mod:`builder.cloze`); any
        other type one per template whose front shows a non-empty field
        (:mod:`builder.cardtemplates`). A note of a cloze type declared in the
        source that has no deletion at all makes none: a package says which cards
        a note has, and Anki keeps such a note of someone else's package without a
        card (measured); a deck taken over ships it the same way (the release gate
        says L308 unless the note silences it).
        """
        if self.is_cloze:
            made = cloze_cards(fields)
            if self.label is None and made == (Card(0, 0),) and not any(card_numbers(field) for field in fields):
                return ()  # a declared cloze note without a deletion: see below
            return made
        fronts = tuple(template.front for template in self.templates)
        return tuple(Card(ordinal, ordinal) for ordinal in card_ordinals(fronts, self.fields, fields, has_tags))

    def tombstone_fields(self, title: str, notice: str) -> tuple[str, ...]:
        """What a retired note of this type holds: its summary up front, the notice below it.

        The first field keeps one deletion on a cloze type (a cloze note without
        one shows an error card); the source line is emptied.
        """
        values: list[str] = []
        for index, name in enumerate(self.fields):
            if index == 0:
                values.append(f"{{{{c1::Retired}}}}: {title}" if self.is_cloze else f"Retired: {title}")
            elif name == self.source_field:
                values.append("")
            elif name == "Extra":
                values.append(notice)
            else:
                values.append("Retired")
        return tuple(values)


_EXTRA = '{{#Extra}}<div class="extra">{{Extra}}</div>{{/Extra}}'
_SOURCE = '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}'


def _tts(field: str, lang: str | None) -> str:
    return f'<div class="tts">{{{{tts {lang}:{field}}}}}</div>' if lang else ""


def _cloze_templates(tts_lang: str | None) -> tuple[CardTemplate, ...]:
    body = '<div class="card-body cloze-card">{{cloze:Text}}</div>'
    back = body + _tts("cloze-only:Text", tts_lang) + '<hr id="answer">' + _EXTRA + _SOURCE
    return (CardTemplate("Cloze", body, back),)


def _prompt(field: str) -> str:
    """What a card asks: classed ``question`` whichever field it shows, as the CSS and tests expect."""
    return f'<div class="card-body question">{{{{{field}}}}}</div>'


def _response(field: str) -> str:
    return f'<div class="card-body answer">{{{{{field}}}}}</div>'


def _card(name: str, asked: str, told: str, tts_lang: str | None) -> CardTemplate:
    """A question/answer card: ``asked`` on the front; on the back it again, then ``told`` and the context."""
    back = _prompt(asked) + '<hr id="answer">' + _response(told) + _tts(told, tts_lang) + _EXTRA + _SOURCE
    return CardTemplate(name, _prompt(asked), back)


def _qa_templates(tts_lang: str | None) -> tuple[CardTemplate, ...]:
    return (_card("Recall", "Question", "Answer", tts_lang),)


def _reverse_templates(tts_lang: str | None) -> tuple[CardTemplate, ...]:
    """The question/answer card, and one that shows the answer and asks for the question."""
    return _card("Recall", "Question", "Answer", tts_lang), _card("Reverse", "Answer", "Question", tts_lang)


def _type_in_templates(tts_lang: str | None) -> tuple[CardTemplate, ...]:
    """Anki's type-in card: an input box under the question, and on the back how the typing compares."""
    typed = '<div class="card-body type-answer">{{type:Answer}}</div>'
    back = _prompt("Question") + '<hr id="answer">' + typed + _tts("Answer", tts_lang) + _EXTRA + _SOURCE
    return (CardTemplate("Type", _prompt("Question") + typed, back),)


_TYPE_IN_CSS = """.type-answer { margin-top: 16px; }
#typeans { font-family: inherit; font-size: 18px; }
input#typeans {
  box-sizing: border-box;
  width: 100%;
  padding: 8px;
  color: var(--builder-fg);
  background-color: var(--builder-bg);
  border: 1px solid var(--builder-rule);
  border-radius: 6px;
}
"""
"""The answer box at 18 px (phones zoom into inputs under 16 px), as wide as the card."""


class _Builtin(Struct, frozen=True):
    label: str
    inputs: tuple[tuple[str, str], ...]
    templates: Callable[[str | None], tuple[CardTemplate, ...]]
    is_cloze: bool = False
    css: str = ""
    """Rules only this type needs, after the shared CSS (which must not change for the others' sake)."""


_QUESTION_ANSWER = (("question", "Question"), ("answer", "Answer"), ("extra", "Extra"))
_BUILTINS: dict[str, _Builtin] = {
    "cloze": _Builtin("Cloze", (("text", "Text"), ("extra", "Extra")), _cloze_templates, is_cloze=True),
    "qa": _Builtin("Q&A", _QUESTION_ANSWER, _qa_templates),
    "reverse": _Builtin("Reverse", _QUESTION_ANSWER, _reverse_templates),
    "type-in": _Builtin("Type-in", _QUESTION_ANSWER, _type_in_templates, css=_TYPE_IN_CSS),
}
BUILTIN_TYPES = tuple(_BUILTINS)
BUILTIN_FIELD_KEYS = tuple(dict.fromkeys(key for spec in _BUILTINS.values() for key, _ in spec.inputs))
"""The note keys that fill a built-in type's fields: ``text``, ``extra``, ``question``, ``answer``."""


def builtin_note_types(slug: str, tts_lang: str | None = None) -> dict[str, NoteType]:
    """The built-in note types of the deck ``slug``, in a fixed order; ``tts_lang`` adds a speak button."""
    return {key: _builtin(key, slug, tts_lang) for key in _BUILTINS}


def _builtin(key: str, slug: str, tts_lang: str | None) -> NoteType:
    spec = _BUILTINS[key]
    return NoteType(
        key=key,
        id=note_type_id(slug, key),
        name=f"Builder {spec.label} ({slug})",
        fields=(*(name for _, name in spec.inputs), SOURCE_FIELD),
        templates=spec.templates(tts_lang),
        css=CSS + spec.css,
        is_cloze=spec.is_cloze,
        inputs=spec.inputs,
        source_field=SOURCE_FIELD,
        label=spec.label,
        required=tuple(key for key, _ in spec.inputs if key != "extra"),
        builder_css=True,
    )


def default_type(kind: str | None, has_text: bool) -> str:
    """The type of a note that names none: cloze for text with deletions, question/answer otherwise."""
    return "cloze" if kind == "learning" or (kind != "quiz" and has_text) else "qa"


def draft_variant(note_type: NoteType, slug: str) -> NoteType:
    """The same type under a draft's own id and name, so importing a draft never touches the release's."""
    name = f"Builder {note_type.label} ({slug} draft)" if note_type.label else f"{note_type.name} (draft)"
    return replace(note_type, id=note_type_id(f"{slug}/draft", note_type.key), name=name)
