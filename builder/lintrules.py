"""Every check code ``builder check`` reports, as data: the loader's E codes, the lint rules' W and L codes.

One table, so the reference page (docs/reference/checks.md, written by
``make docs``), the severity of each finding and the codes an author may
silence never disagree. The checks themselves: the warnings in
``builder.lint``, the L codes in ``builder.releasegate``, the E codes in the
loader (``builder.source``). Also here: the placeholders ``builder new``
writes, which the L rules find until the author replaces them.
"""

from __future__ import annotations

import re

from msgspec import Struct

from .craft import MAX_SET_ITEMS, TYPED_MAX_WORDS
from .errors import Location, Problem

DEFAULT_ANSWER_MAX_WORDS = 40

TODO_MARK = "TODO"
"""What ``builder new`` writes where only the author can fill in a value."""
PLACEHOLDER_DATE = "1970-01-01"
"""``builder new``'s source date: a valid date nobody would publish on."""
PLACEHOLDER_URL = "https://example.invalid/TODO"
"""``builder new``'s source link: ``.invalid`` can never resolve (RFC 2606)."""
TODO_FIELD = re.compile(rf"^{TODO_MARK}\b")
"""A field that is still ``builder new``'s placeholder (L301)."""
TODO_WORD = re.compile(rf"\b{TODO_MARK}\b")


class Rule(Struct, frozen=True):
    code: str
    severity: str
    """"error" or "warning"."""
    summary: str
    """One line for the check-code reference (docs/reference/checks.md, generated)."""


LOADER_RULES = (
    Rule("E100", "error", "The file cannot be read or is not safe YAML: syntax error, duplicate key, "
         "anchor/alias, tag, not UTF-8, empty, or a symbolic link (never read through)."),
    Rule("E101", "error", "Unknown key; the message suggests the closest known one (\"did you mean\")."),
    Rule("E102", "error", "A required key is missing, or a note's keys are not the ones its `type` takes "
         "(without a `type`: not exactly one of cloze `text` or `question` and `answer`, as its `kind` requires)."),
    Rule("E103", "error", "A value has the wrong shape: a list or mapping where text belongs, "
         "or the reverse."),
    Rule("E104", "error", "An invalid value: slug or note id that is not a slug, version, url, date, "
         "language, kind, note type, deck name (also one Anki would change: a tab or line break, `A:::B`), lint code, "
         "true/false or count; values match whole (a trailing line break is refused)."),
    Rule("E110", "error", "Two notes share an id."),
    Rule("E111", "error", "Two notes of the source would have one GUID in Anki (a `guid` repeating another note's)."),
    Rule("E120", "error", "A key is given but empty."),
    Rule("E130", "error", "A cloze text has no `{{c1::...}}` deletion that makes a card (`c0` makes none)."),
    Rule("E131", "error", "A cloze text has unbalanced `{{`/`}}` braces. In a raw HTML field (`{html: ...}`): a "
         "deletion never closed, which Anki drops with its text and card (a stray `}}` shows as written)."),
    Rule("E132", "error", "A cloze number is above 65535, the highest Anki reads: it shows the deletion as "
         "written, braces and all, and makes no card of it (a package with a card for it, as genanki makes, Anki "
         "refuses whole). Raw HTML fields too."),
    Rule("E133", "error", "A cloze deletion sits in a link or image address, where Markdown drops it; in a raw "
         "HTML field, inside a tag (an attribute), where Anki's blank breaks the tag: the attribute is lost and "
         "`\">` shows as text."),
    Rule("E140", "error", "A tag contains a space (use `-` or `::`) or a control character, or an empty part "
         "between `::` "
         "(`::x`, `a::::b`), which Anki would fill in as `blank`."),
    Rule("E141", "error", "Two tags differ only in case (`ML`, `ml`; `straße`, `STRASSE`): Anki takes them "
         "for one tag and keeps one spelling for both."),
    Rule("E150", "error", "Another source in the same folder has the same slug, so the two would share "
         "a lock and their notes' identities."),
    Rule("E152", "error", "A note's `guid` is the GUID of a note of another source in the same folder: Anki would "
         "take the two for one note."),
    Rule("E160", "error", "The deck's lock cannot be used, so the build refuses too: it is damaged (a value "
         "builder never writes, a key it does not define, a key twice), holds a git merge conflict (take it whole "
         "from the side whose release was published, then build), is not a plain file, is another deck's, holds "
         "times more than a minute ahead of this computer's clock, or does not reproduce its release: building the "
         "version it records again (nothing changed) gives another .apkg sha256 or another lock, so it was edited "
         "by hand or written by another builder."),
    Rule("E161", "error", "A released note's GUID differs from the lock's (its `guid`, or the one slug and id give): "
         "learners would get a duplicate and lose its history."),
    Rule("E162", "error", "A released note's `type` differs from the lock's: Anki never changes a note's type on "
         "import and would skip it as conflicting. Keep the type, or give the note a new `id`."),
    Rule("E163", "error", "A note would have the GUID another note has in the lock: Anki would take the two for one "
         "note."),
    Rule("E164", "error", "A released note type's id differs from the lock's (its `anki_id`): Anki would take it "
         "for another type and skip every note of it as conflicting."),
    Rule("E165", "error", "Notes in the lock (retired ones too) have a note type the deck no longer declares in "
         "`note_types`."),
    Rule("E166", "error", "A released note type's field or template names (or whether it is a cloze type) change: "
         "Anki would import a copy (`Name+`) and skip every existing note, so a build refuses it without "
         "`--allow-schema-change` (check with the flag reports W215 instead)."),
    Rule("E151", "error", "Another source in the same folder claims a note type id this one claims (an "
         "`anki_id` repeating another deck's type): learners who import both would get one note type for two."),
    Rule("E167", "error", "A note type in `note_types` has a script, an event handler, a `javascript:` link, an "
         "element that loads or redirects (`<meta>`, `<iframe>`...) or a remote load in its templates (entities "
         "decoded), or markup or a backslash escape in its CSS: Anki would run or fetch it on every learner's "
         "device, so a build refuses it without `--unsafe-html` (check with the flag reports W212 instead)."),
    Rule("E168", "error", "A raw HTML field (`fields: {Name: {html: ...}}`) or deck `description` has a script, an "
         "event handler, a "
         "`javascript:` link, an element that loads or redirects or a remote load (entities decoded): Anki would run "
         "or fetch it on every learner's device, so a build refuses it without `--unsafe-html` (check with the flag "
         "reports W213 instead)."),
    Rule("E169", "error", "An image a field or the `description` shows (Markdown `![alt](file)`, or an `<img>` with "
         "`allow_html`) cannot be packed, so a build refuses it: the file is missing or a folder, lies outside the "
         "source's folder (`..`, an absolute path, a symbolic link out), is a web address or another URL, or is "
         "not the PNG, JPEG, GIF, WebP or SVG image its name says; or two different files would have one name in the "
         "package."),
    Rule("E170", "error", "A note type in `note_types` is one Anki would refuse or change: a template that does not "
         "parse, names a field the type does not have or shows no field on its front; two fronts alike; a cloze "
         "type without `{{cloze:Field}}` or with more than one template; field names Anki rewrites (`:{}\"`, a "
         "leading `#/^`), a template name with `\"`, two field or template names differing only in case; an id "
         "another type has; a field named `FrontSide` (templates show the front for it, never the field); a name "
         "with a line break or another control character; more than 100 templates."),
    Rule("E171", "error", "The deck's media folder `<slug>.media/` is a symbolic link or not a folder, or holds "
         "something a package cannot: a symbolic link, a folder, a pipe or other special file, a name Anki could not "
         "keep (a `/`, `\\`, a leading dot such as `.DS_Store`, over 255 bytes) or a file over 100 MiB; a build "
         "refuses it."),
    Rule("E172", "error", "A raw HTML field (`fields: {Name: {html: ...}}`) shows a media file (a local `src`, "
         "`[sound:...]`) the package would not hold: raw HTML is kept as written, so its files come from the media "
         "folder `<slug>.media/` (or are images the deck's Markdown packs), never from beside the source; Anki would "
         "show it broken, so a build refuses it."),
    Rule("E173", "error", "The journal beside the source (`.<source>.builder-journal`) is not one a killed build "
         "of this deck into the `--out` folder left: it names other files, is damaged, a link or a pipe, or asks "
         "for a state no interruption leaves (such as a temporary to rename over the committed lock). A build "
         "refuses it and changes nothing: delete the journal."),
)
LINT_RULES = (
    Rule("W201", "warning", "An answer (or a cloze deletion) is longer than `lint: {answer_max_words: N}` "
         f"words (default {DEFAULT_ANSWER_MAX_WORDS}): too long to recall."),
    Rule("W202", "warning", "The question already shows its answer: the answer's words appear in the "
         "question, or a cloze deletion's words appear elsewhere on its card."),
    Rule("W205", "warning", "`lint: {ignore: [...]}` names a code that no lint rule has (E-codes cannot be "
         "silenced)."),
    Rule("W206", "warning", f"An answer is a set of more than {MAX_SET_ITEMS} items, which learners recall "
         "badly: a Markdown list, an enumeration like `A, B, C and D`, or a cloze card hiding that many. "
         "E.g. `answer: Spark, Ray, Airflow and Kubernetes`: ask for the one that matters, or one note per item."),
    Rule("W207", "warning", "Two notes have the same answer (a cloze card's answer is its deletions), ignoring "
         "case, spacing and punctuation. E.g. `answer: 16%` on two notes: the learner recalls the figure, "
         "not which fact it belongs to; ask about different facts or merge the notes."),
    Rule("W208", "warning", "A field uses a time word that goes stale: today, currently, recently, nowadays, "
         "now, so far, this year and the like (quotations, code and URLs are skipped). E.g. "
         "`question: How many GPUs does it use today?`: write `as of 2025` instead."),
    Rule("W209", "warning", "A cloze deletion is a single very common word (builder's stop-word list, "
         "`builder/stopwords.txt`), guessed from the grammar rather than recalled. E.g. "
         "`Ray {{c1::and}} Spark`: delete the key term instead."),
    Rule("W210", "warning", "With `allow_html: true`, a field holds HTML that sanitising removes: scripts, "
         "event handlers, `javascript:` or relative links, remote images, styles beyond colour, weight and "
         "alignment, elements like `<iframe>`. E.g. `<img src=\"pic.png\" onerror=\"...\">` loses `onerror`."),
    Rule("W211", "warning", "A `::` in a cloze deletion that Anki reads as the start of a hint but that joins "
         "two names the way code does, or a second `::`. E.g. `{{c1::std::vector}}` shows `std` with the hint "
         "`vector`: write it as code, ``{{c1::`std::vector`}}``."),
    Rule("W212", "warning", "With `--unsafe-html` (on `check`, as on `build`): a note type in `note_types` has what "
         "E167 finds, which then ships: Anki will run or fetch it on every learner's device."),
    Rule("W213", "warning", "With `--unsafe-html` (on `check`, as on `build`): a raw HTML field has what E168 finds, "
         "which then ships: Anki will run or fetch it on every learner's device."),
    Rule("W214", "warning", "A template of a note type in `note_types` uses a filter Anki does not have "
         "(`{{hnit:Field}}`): Anki shows the field as if the filter were not there, unless an add-on on the "
         "learner's device supplies it. Anki's own: `text`, `furigana`, `kanji`, `kana`, `type` (`type:cloze`, "
         "`type:nc`), `hint`, `cloze`, `cloze-only`, `tts <lang>`."),
    Rule("W215", "warning", "With `--allow-schema-change` (on `check`, as on `build`): a released note type's "
         "field or template names change, a major release that learners must import with 'Merge note types'."),
    Rule("W216", "warning", "A build of this deck into the `--out` folder was interrupted while writing its "
         "release and left its journal: `builder build` finishes the release (its lock was written) or undoes it "
         "(it was not). A clean checkout never has one, so `check --strict` fails on it."),
    Rule("L301", "error", f"A field is still a {TODO_MARK} placeholder (`answer: {TODO_MARK}`, "
         f"`{TODO_MARK}: ...`)."),
    Rule("L302", "error", "Two notes ask the same question (or have the same cloze text), ignoring case "
         "and spacing."),
    Rule("L303", "error", "A card's front shows nothing but its blank: a deletion covers the whole text, or a "
         "deletion in `extra` makes a card of its own."),
    Rule("L304", "error", f"Source metadata still holds a `builder new` placeholder ({TODO_MARK}, "
         f"{PLACEHOLDER_URL}, date {PLACEHOLDER_DATE})."),
    Rule("L305", "error", "A cloze deletion is still `builder new`'s placeholder "
         f"`{{{{c1::word::{TODO_MARK}}}}}`: mark the key term instead."),
    Rule("L306", "error", "A cloze number above 500: Anki keeps 500 cloze cards at most, so the deletion's card "
         "is a copy of card `c500` and never shows its blank (an error card when there is no `c500`). In every field "
         "of a cloze type declared in `note_types` too, raw HTML included."),
    Rule("L307", "error", "The answer of a `type: type-in` note is not short plain text: more than one line, "
         "formatting (a list, emphasis, code, a link, an image), a cloze deletion (`{{c1::...}}`, shown as "
         f"written) or more than {TYPED_MAX_WORDS} words. The learner types it and Anki compares it letter by letter."),
    Rule("L308", "error", "A note of a cloze type declared in `note_types` has no deletion that makes a card in any "
         "field (none, or only `c0` in raw HTML), so it makes no card (Anki keeps such a note of a deck taken over "
         "without a card; `builder import` silences it)."),
)
RULES = {rule.code: rule for rule in LOADER_RULES + LINT_RULES}


def finding(where: Location, code: str, message: str) -> Problem:
    """A finding of rule ``code`` at ``where``, with the rule's severity."""
    return Problem(where, code, message, RULES[code].severity)
