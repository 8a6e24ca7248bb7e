"""``builder new``: a first source from an article's summary page, or an empty skeleton.

The page is the text a summary site shows for an article (see
``tests/fixtures/summary-page.txt``): the title, a "Summary" paragraph, a "Key
Learnings" list and "Test Your Knowledge" questions, each question after a
line holding only "?". What the page does not give (author, date, link,
answers, which words to hide) becomes a placeholder that builds but that
``builder check`` reports (``builder.releasegate``: L301, L304, L305): the author can
build and try the deck at once, and ``check`` lists what is left to do.

The title is the line before "Read Full Article", else the line after "N min
read", else the first line. A list item loses its bullet and its number; a
number glued to the text ("1Adoption of ...") is dropped only when it is the
item's position and every item of the list starts with its position: "35G
networks" as item 3 of such a list becomes "5G networks", while "1 in 5 teams"
keeps its "1" in a list whose other items are not numbered.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import unicodedata
from pathlib import Path

from msgspec import Struct

from .craft import significant
from .errors import BuilderError, InvalidSource, Location
from .formats import SLUG_RE
from .lintrules import PLACEHOLDER_DATE, PLACEHOLDER_URL, TODO_MARK
from .source import deck_from_tree
from .yamlsafe import parse

SCHEMA_FILE = Path("schema/deck.schema.json")
LEARNINGS = "Key Learnings"
QUESTIONS = "Test Your Knowledge"
_HEADINGS = ("summary", "key learnings", "who should read this", "test your knowledge", "topics")
_READ_LINK = re.compile(r"^read (?:the )?full article\b", re.IGNORECASE)
_READ_TIME = re.compile(r"^\d+\s*min(?:ute)?s?\s+read$", re.IGNORECASE)
_BULLET = re.compile(r"^[•◦▪‣·*\-–—]\s*")
_UNPRINTABLE = re.compile("[^\t\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
"""Characters YAML cannot hold unescaped (and the BOM): they never belong in a card."""
_LAST_WORD = re.compile(r"[^\W_][\w'’-]*(?=[^\w]*$)")
_PLAIN_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,'()/&+_-]*[A-Za-z0-9.)]|[A-Za-z0-9]")
_YAML_WORDS = frozenset({"null", "true", "false", "yes", "no", "on", "off", "y", "n"})
_WIDTH = 78
_LATIN_LETTERS = str.maketrans({
    "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ẞ": "SS", "ð": "d", "Ð": "D",
    "þ": "th", "Þ": "TH", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ı": "i", "ħ": "h", "Ħ": "H", "ŋ": "ng",
    "Ŋ": "NG", "ĸ": "k", "ŧ": "t", "Ŧ": "T",
})
"""Latin letters that are no base letter plus accents, so NFKD leaves them whole: spelled as ASCII writes them."""


class ScaffoldError(BuilderError):
    """The summary page lacks something ``builder new`` needs, or the target exists."""


class SummaryPage(Struct, frozen=True):
    title: str
    summary: str | None
    learnings: tuple[str, ...]
    questions: tuple[str, ...]


class Created(Struct, frozen=True):
    path: Path
    learnings: int
    questions: int


def read_summary(path: Path) -> SummaryPage:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScaffoldError("no such file: check the path of the summary page", path) from None
    except OSError as exc:
        raise ScaffoldError(f"cannot read the summary page: {exc.strerror or exc}", path) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScaffoldError("is not UTF-8 text: save the summary page as UTF-8", path) from None
    return parse_summary(text, path)


def parse_summary(text: str, path: Path) -> SummaryPage:
    lines = [_clean(line) for line in text.splitlines()]
    sections: dict[str, tuple[int, list[str]]] = {}
    current: list[str] | None = None
    for number, line in enumerate(lines, start=1):
        heading = line.rstrip(":").casefold()
        if heading in _HEADINGS:
            current = []
            sections.setdefault(heading, (number, current))
        elif _READ_LINK.match(line):
            current = None
        elif current is not None and line:
            current.append(line)
    learnings = _items(sections, LEARNINGS, path, "one learning per line")
    questions = _items(sections, QUESTIONS, path, "each question on its own line")
    summary = " ".join(sections["summary"][1]) if "summary" in sections else None
    return SummaryPage(_title(lines, path), summary or None, learnings, questions)


def new_from_summary(summary: Path, folder: Path, slug: str | None = None) -> Created:
    page = read_summary(summary)
    return _create(page, slug or slug_for(page.title, summary), folder)


def skeleton_title(title: str) -> str:
    """``title`` as a skeleton's title (one line, printable); a :class:`ScaffoldError` when nothing is left."""
    title = _clean(title)
    if not title:
        raise ScaffoldError("the title is empty: give the deck a title with --title")
    return title


def new_skeleton(title: str, folder: Path, slug: str | None = None) -> Created:
    title = skeleton_title(title)
    page = SummaryPage(
        title,
        None,
        (f"{TODO_MARK}: write one fact to remember, then hide its key word",),
        (f"{TODO_MARK}: ask a question the article answers?",),
    )
    return _create(page, slug or slug_for(title), folder)


def slug_for(title: str, where: Path | None = None) -> str:
    """A slug from a title: ASCII words joined by dashes, at most about 50 characters."""
    slug = ""
    for word in _ascii_words(title):
        if slug and len(slug) + len(word) >= 50:
            break
        slug = f"{slug}-{word}" if slug else word
    if not slug:
        raise ScaffoldError(f"cannot make a slug from the title '{title}' (it has no Latin letters or digits): "
                            "give one with --slug", where)
    return slug


def _clean(line: str) -> str:
    return " ".join(_UNPRINTABLE.sub("", line).split())


def _title(lines: list[str], path: Path) -> str:
    """The title, from the lines above the first section."""
    header: list[str] = []
    for line in lines:
        if line.rstrip(":").casefold() in _HEADINGS:
            break
        if line:
            header.append(line)
    for index, line in enumerate(header):
        if _READ_LINK.match(line) and index > 0:
            return _checked_title(header[index - 1], path)
    for index, line in enumerate(header[:-1]):
        if _READ_TIME.match(line):
            return _checked_title(header[index + 1], path)
    titles = [line for line in header if not (_READ_LINK.match(line) or _READ_TIME.match(line))]
    return _checked_title(titles[0] if titles else "", path)


def _checked_title(line: str, path: Path) -> str:
    if not line:
        raise ScaffoldError("no title found: put the article's title on the page's first line", path)
    return line


def _items(sections: dict[str, tuple[int, list[str]]], heading: str, path: Path, shape: str) -> tuple[str, ...]:
    if heading.casefold() not in sections:
        raise ScaffoldError(
            f"no '{heading}' section: the page needs a line '{heading}' followed by {shape}", path
        )
    line, raw = sections[heading.casefold()]
    items = [line for line in (_BULLET.sub("", line.removeprefix("?").strip()) for line in raw) if line]
    if all(item.startswith(str(position)) for position, item in enumerate(items, start=1)):
        items = [re.sub(rf"^{position}[.)]?\s*", "", item) for position, item in enumerate(items, start=1)]
    items = [item for item in items if item]
    if not items:
        raise ScaffoldError(f"the '{heading}' section is empty: list {shape} under it", Location(path, line))
    return tuple(items)


def _ascii_words(text: str) -> list[str]:
    """The words of ``text`` in ASCII: accents dropped (NFKD), ø, æ, ß and the like spelled out, anything else
    (Greek, CJK, ...) left out."""
    folded = unicodedata.normalize("NFKD", text.translate(_LATIN_LETTERS)).encode("ascii", "ignore").decode("ascii")
    return re.findall(r"[a-z0-9]+", folded.lower())


def _note_id(prefix: str, text: str, taken: set[str], words: int) -> str:
    chosen = [word for word in _ascii_words(" ".join(significant(text))) if word != TODO_MARK.lower()]
    base = "-".join([prefix, *chosen[:words]])
    note_id, n = base, 2
    while note_id in taken:
        note_id, n = f"{base}-{n}", n + 1
    taken.add(note_id)
    return note_id


def _placeholder_cloze(text: str) -> str:
    """``text`` with its last word as a ``TODO`` deletion the author moves (lint L305)."""
    match = _LAST_WORD.search(text)
    start, end = (match.start(), match.end()) if match else (0, len(text))
    return f"{text[:start]}{{{{c1::{text[start:end]}::{TODO_MARK}}}}}{text[end:]}"


def _scalar(text: str) -> str:
    """A one-line value: plain when nothing in it means anything to YAML, else double-quoted."""
    if _PLAIN_SAFE.fullmatch(text) and text.casefold() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def _block(key: str, text: str, indent: int) -> list[str]:
    """``key: >-`` and ``text`` wrapped below it; folding joins the lines with single spaces."""
    pad = " " * (indent + 2)
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= _WIDTH:
            lines[-1] += f" {word}"
        else:
            lines.append(pad + word)
    return [f"{' ' * indent}{key}: >-", *lines]


def _render(page: SummaryPage, slug: str, folder: Path) -> str:
    deck_name = " ".join(page.title.replace("::", ":").split())
    out = [
        _schema_line(folder),
        f"title: {_scalar(page.title)}",
        f"slug: {slug}",
        f"deck: {_scalar(deck_name)}",
    ]
    if page.summary:
        out += _block("description", page.summary, 0)
    out += [
        "source:",
        f"  title: {_scalar(page.title)}",
        f"  author: {TODO_MARK}  # {TODO_MARK}: the article's author",
        f"  date: {PLACEHOLDER_DATE}  # {TODO_MARK}: its publication date, YYYY-MM-DD",
        f"  url: {PLACEHOLDER_URL}  # {TODO_MARK}: the link to the article",
        "notes:",
        f"  # {LEARNINGS}: move each {{{{c1::...::{TODO_MARK}}}}} onto the words to remember.",
    ]
    taken: set[str] = set()
    for learning in page.learnings:
        out += [f"  - id: {_note_id('learning', learning, taken, 3)}", "    kind: learning"]
        out += _block("text", learning if "{{c" in learning else _placeholder_cloze(learning), 4)
    out.append(f"  # {QUESTIONS}: write each answer ('builder check' lists the {TODO_MARK}s).")
    for question in page.questions:
        out += [f"  - id: {_note_id('quiz', question, taken, 4)}", "    kind: quiz"]
        out += [*_block("question", question, 4), f"    answer: {TODO_MARK}"]
    return "\n".join(out) + "\n"


def _schema_line(folder: Path) -> str:
    """The first line: the schema for editors, where it is; else how to get one, never a dead path.

    Only the project's own ``schema/deck.schema.json`` (under the working folder, beside the new
    source's folder tree) is referred to; outside such a project the line says how to make one.
    """
    here = Path.cwd()
    if folder.absolute().is_relative_to(here) and (here / SCHEMA_FILE).is_file():
        relative = Path(os.path.relpath(here / SCHEMA_FILE, folder.absolute()))
        return f"# yaml-language-server: $schema={relative.as_posix()}"
    return "# Completion in editors: builder schema > deck.schema.json, then $schema=deck.schema.json on this line."


def _create(page: SummaryPage, slug: str, folder: Path) -> Created:
    if not SLUG_RE.fullmatch(slug):
        raise ScaffoldError(f"'{slug}' is not a valid slug: use lowercase letters, digits and single dashes")
    target = folder / f"{slug}.yaml"
    text = _render(page, slug, folder)
    if target.exists():
        raise ScaffoldError(
            "already exists: builder new never overwrites a source; pick another --slug or remove it", target
        )
    try:
        deck_from_tree(parse(text, target), target)
    except InvalidSource as error:  # the page held something the format refuses
        raise ScaffoldError(f"the generated source would be invalid: {error.message}", error.where) from None
    _write_new(target, text.encode("utf-8"))
    return Created(target, len(page.learnings), len(page.questions))


def _write_new(target: Path, data: bytes) -> None:
    """Write ``target`` complete or not at all, and never over a file that appeared meanwhile."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.new-{os.getpid()}")
        try:
            temp.write_bytes(data)
            os.link(temp, target)
        finally:
            with contextlib.suppress(OSError):
                temp.unlink()
    except FileExistsError:
        raise ScaffoldError("already exists: builder new never overwrites a source", target) from None
    except OSError as exc:
        raise ScaffoldError(f"cannot write: {exc.strerror or exc}", target) from None
