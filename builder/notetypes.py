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
from dataclasses import dataclass, replace

from .identity import note_type_id
from .style import CSS

SOURCE_FIELD = "Source"
"""The built-in types' last field: the deck's source line, the same on every card."""
ALWAYS_PACKAGED = ("cloze", "qa")
"""Types every release carries even when no note uses them: every package and lock made
before note types were data holds both, and dropping one would change a release's bytes."""


@dataclass(frozen=True)
class CardTemplate:
    name: str
    front: str
    back: str


@dataclass(frozen=True)
class NoteType:
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

    @property
    def template_names(self) -> tuple[str, ...]:
        return tuple(template.name for template in self.templates)

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


def _qa_templates(tts_lang: str | None) -> tuple[CardTemplate, ...]:
    question = '<div class="card-body question">{{Question}}</div>'
    back = (question + '<hr id="answer">' + '<div class="card-body answer">{{Answer}}</div>'
            + _tts("Answer", tts_lang) + _EXTRA + _SOURCE)
    return (CardTemplate("Recall", question, back),)


@dataclass(frozen=True)
class _Builtin:
    label: str
    inputs: tuple[tuple[str, str], ...]
    templates: Callable[[str | None], tuple[CardTemplate, ...]]
    is_cloze: bool = False


_BUILTINS: dict[str, _Builtin] = {
    "cloze": _Builtin("Cloze", (("text", "Text"), ("extra", "Extra")), _cloze_templates, is_cloze=True),
    "qa": _Builtin("Q&A", (("question", "Question"), ("answer", "Answer"), ("extra", "Extra")), _qa_templates),
}
BUILTIN_TYPES = tuple(_BUILTINS)


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
        css=CSS,
        is_cloze=spec.is_cloze,
        inputs=spec.inputs,
        source_field=SOURCE_FIELD,
        label=spec.label,
    )


def default_type(kind: str, has_text: bool) -> str:
    """The type of a note that names none: cloze for text with deletions, question/answer otherwise."""
    return "cloze" if kind == "learning" or (kind == "deep-dive" and has_text) else "qa"


def draft_variant(note_type: NoteType, slug: str) -> NoteType:
    """The same type under a draft's own id and name, so importing a draft never touches the release's."""
    name = f"Builder {note_type.label} ({slug} draft)" if note_type.label else f"{note_type.name} (draft)"
    return replace(note_type, id=note_type_id(f"{slug}/draft", note_type.key), name=name)
