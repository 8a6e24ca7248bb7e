"""The deck source format as data: every key a source may have, its value type and its meaning.

Declared once here, and everything else is derived from these tables: the
loader (``builder.source``) checks a source against them, the JSON Schema
(``builder.schema``) lets editors check it too, and ``make docs`` writes the
format reference from them, so the three never disagree about a key.
"""

from __future__ import annotations

import re

from msgspec import Struct

NOTE_KINDS = ("learning", "quiz", "deep-dive")
ADDITIONS = ("tags", "subdecks", "hashed-media", "description")
"""builder's own additions to what a deck's notes hold, which a source may turn off (``additions``)."""
CLOZE_RE = re.compile(r"\{\{c[\d,]*\d[\d,]*::")
"""Roughly what opens a deletion; ``builder.cloze`` has Anki's exact rules. For the JSON Schema."""


class Key(Struct, frozen=True):
    """One key of the format; ``type`` names its value checker in ``builder.sourcevalues.CHECKERS``."""

    name: str
    type: str
    doc: str
    required: bool = False
    keys: tuple[Key, ...] = ()


ARTICLE_KEYS = (
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
    Key("guid", "guid", "The note's GUID in Anki, for a note taken over from another deck: 1 to 100 printable "
        "ASCII characters, no space; never changed once released. Default: made from the deck's slug and the id."),
    Key("kind", "kind", "learning (cloze), quiz (question/answer) or deep-dive (either): picks the subdeck and "
        "the kind tag. Required unless the note has 'deck'."),
    Key("deck", "deckname", "The note's own deck in Anki (its full name, :: for subdecks), instead of the "
        "subdeck of its kind."),
    Key("type", "notetype", "Note type: cloze, qa, reverse (a second card asks for the question) or type-in "
        "(the learner types the answer). Default: cloze for 'text', qa for 'question' and 'answer'."),
    Key("text", "text", "Cloze text in Markdown with {{c1::deletions}}."),
    Key("question", "text", "The question, in Markdown."),
    Key("answer", "text", "The answer, in Markdown: a few points a learner can recall."),
    Key("extra", "text", "Optional context shown on the answer side, in Markdown."),
    Key("fields", "fieldvalues", "The fields of a note whose type is declared in note_types, by name: Markdown, "
        "or {html: ...} for HTML kept exactly as written (a deck taken over)."),
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
    Key("css", "css", "Its CSS (default: builder's own); \"\" for none."),
    Key("cloze", "bool", "true for a cloze type: one template, with {{cloze:Field}}; one card per deletion."),
    Key("anki_id", "typeid", "The id the type already has in learners' collections (a deck taken over); "
        "default: made from the deck's slug and the type's id."),
)
DECK_KEYS = (
    Key("title", "text", "Title of the deck.", required=True),
    Key("slug", "slug", "Short name used in file names and ids; never change it.", required=True),
    Key("deck", "deckname", "Deck name in Anki; notes go into subdecks by kind.", required=True),
    Key("version", "version", "First version (semver); later versions follow from the lock."),
    Key("description", "markup", "Markdown shown in the deck's description, or {html: ...} kept exactly as written "
        "(a deck taken over: Anki replaces a learner's deck description with the package's on every import)."),
    Key("tags", "tags", "Tags added to every note."),
    Key("source", "map", "The article or book the deck comes from; required when a note has a built-in type "
        "(cloze, qa, reverse, type-in), whose cards show it.", keys=ARTICLE_KEYS),
    Key("allow_html", "bool", "Keep HTML in fields, sanitised: formatting, tables, images and links, "
        "never scripts or remote loads."),
    Key("additions", "additions", "builder's own additions: tags (the slug and kind tags on every note), subdecks "
        "(a subdeck by kind), hashed-media (images named by a hash of their bytes), description (the deck "
        "description's title, version and source lines). Default: all four; [] keeps a deck taken over exactly as "
        "learners have it."),
    Key("tts", "lang", "Add a text-to-speech button on the answer side, e.g. en_US."),
    Key("lint", "map", "Lint settings for the whole deck.", keys=LINT_DECK_KEYS),
    Key("note_types", "notetypes", "Note types of this deck's own, which notes name in 'type'.", keys=NOTE_TYPE_KEYS),
    Key("notes", "notes", "The notes.", required=True),
)
