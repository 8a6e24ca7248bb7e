"""Cloze deletions read exactly the way Anki's engine reads them.

Anki decides which cards a cloze note has, and what each card shows, with the
parser in its Rust core (``rslib/src/cloze.rs`` and ``notetype/cardgen.rs``,
anki 26.9). This module is that parser in Python, so the package holds the
cards Anki itself would generate, and the counts, checks and lint rules all see
the deletions Anki will see. ``tests/test_cloze_oracle.py`` holds it to the real
engine on generated texts. Anki's rules, as measured:

* ``{{cN::`` opens a deletion (``{{c1,3::`` opens one for cards 1 and 3),
  ``}}`` closes the innermost open one; deletions nest, ten deep at most (a
  deeper opener is ignored, its ``}}`` still closes one). A ``}}`` with nothing
  open is text; a deletion still open at the end vanishes, text and card.
* Inside a deletion, the first ``::`` of a run of text starts the hint.
* Numbers are 0 to 65535 (a larger one is not a number, so ``{{c65536::`` is
  text); 0 makes no card. Card N has ordinal N-1, but at most 499: every
  number from 500 up makes another card with ordinal 499. Deletions in every
  field count, not only the one the template shows. A note with none still
  gets one card, ordinal 0.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from msgspec import Struct

HIGHEST_NUMBER = 65535
"""Anki stores cloze numbers as 16-bit; a package with a larger card ordinal does not import."""
LAST_ORD = 499
"""Anki caps card ordinals here; cloze numbers above 500 all land on this one."""
DEPTH_LIMIT = 10
"""Openers nested deeper than this are ignored."""

_MARKER = re.compile(r"(?=[{}])(?:\{\{c([\d,]*)::|(\}\}))")
"""An opener (its digits) or a closer; the lookahead lets the engine skip to braces, 2-8x faster."""
_PLAIN_NUMBER = re.compile(r"[1-9]\d{0,3}")
"""How numbers are nearly always written: one, from 1 to 9999."""
_SIMPLE = re.compile(r"[^{}]*(?:\{\{c[1-9]\d{0,3}::[^{}]*\}\}[^{}]*)*")
"""Deletions one after another, numbered 1 to 9999, and no other brace: nearly every text."""
_SIMPLE_NUMBER = re.compile(r"\{\{c(\d+)::")
_DELETION = re.compile(r"\{\{c\d+::[^{}]*\}\}")
"""A deletion in a ``_SIMPLE`` text."""
_MAYBE_TOO_BIG = re.compile(r"\{\{c[\d,]*\d{5}")
_OPENER = re.compile(r"\{\{c([\d,]*)::")
_CODE_COLON = "&#58;"
_CODE_BRACE = "&#125;"


class Deletion(Struct):
    """One ``{{cN::...}}``: its numbers, its parts (text and nested deletions) and hint."""

    numbers: tuple[int, ...]
    parts: list[str | Deletion]
    hint: str | None = None

    @property
    def answer(self) -> str:
        """The hidden text, nested deletions included, as the card's back shows it."""
        return "".join(part if isinstance(part, str) else part.answer for part in self.parts)


def _numbers(digits: str) -> tuple[int, ...]:
    """Anki's reading of the digits in ``{{c1,2::``: the distinct numbers that fit 16 bits."""
    if _PLAIN_NUMBER.fullmatch(digits):
        return (int(digits),)
    return tuple(sorted({int(item) for item in digits.split(",") if item and not _too_big(item)}))


def _too_big(digits: str) -> bool:
    """Whether a run of digits is above ``HIGHEST_NUMBER`` (without converting thousands of them)."""
    digits = digits.lstrip("0")
    return len(digits) > len(str(HIGHEST_NUMBER)) or int(digits or "0") > HIGHEST_NUMBER


def _tokens(text: str) -> Iterator[tuple[int, int, tuple[int, ...] | None]]:
    """Markers in order: (start, end, numbers) for an opener, (start, end, None) for ``}}``."""
    for match in _MARKER.finditer(text):
        if match.group(1) is None:
            yield match.start(), match.end(), None
            continue
        numbers = _numbers(match.group(1))
        if numbers:  # "{{c::" or "{{c99999::" is plain text to Anki
            yield match.start(), match.end(), numbers


def parse(text: str) -> list[str | Deletion]:
    """The text as Anki's cloze parser sees it: text and deletions (one still open at the end is dropped)."""
    output: list[str | Deletion] = []
    open_: list[Deletion] = []
    done = 0

    def add_text(piece: str) -> None:
        if not piece:
            return
        if not open_:
            output.append(piece)
            return
        current = open_[-1]
        if not piece.startswith("image-occlusion:") and "::" in piece:
            piece, current.hint = piece.split("::", 1)
        current.parts.append(piece)

    for start, end, numbers in _tokens(text):
        add_text(text[done:start])
        done = end
        if numbers is not None:
            if len(open_) < DEPTH_LIMIT:
                open_.append(Deletion(numbers, []))
        elif open_:
            closed = open_.pop()
            (open_[-1].parts if open_ else output).append(closed)
        else:
            output.append("}}")
    add_text(text[done:])
    return output


def walk(nodes: Iterable[str | Deletion]) -> Iterator[Deletion]:
    """Every deletion, outer before inner, in text order."""
    for node in nodes:
        if isinstance(node, Deletion):
            yield node
            yield from walk(node.parts)


class Outline(Struct, frozen=True):
    """What the card rules need of a text, found in one pass without building the tree."""

    numbers: frozenset[int]
    """Card-making numbers of the deletions Anki keeps (closed ones): every one but 0."""
    zero: bool = False
    """A kept deletion numbered 0, which makes no card."""
    unclosed: int = 0
    stray: bool = False
    """A ``}}`` with no deletion open, which Anki shows as text."""


@lru_cache(maxsize=4096)
def outline(text: str) -> Outline:
    """The deletions of ``text`` as Anki keeps them; cached for the fields every note shares.

    Most texts hold a few deletions one after another and no other brace
    (``{{c1::a}} {{c2::b}}``), which two regular expressions settle; anything
    else (nesting, ``c0``, ``c1,2``, math) takes the marker-by-marker walk.
    """
    if _SIMPLE.fullmatch(text):
        return Outline(frozenset(map(int, _SIMPLE_NUMBER.findall(text))))
    markers = _MARKER.findall(text)
    found: set[int] = set()
    open_: list[set[int]] = []
    stray = False
    for digits, close in markers:
        numbers = () if close else _numbers(digits)
        if numbers:
            if len(open_) < DEPTH_LIMIT:
                open_.append(set(numbers))
        elif close and open_:
            closed = open_.pop()
            (open_[-1] if open_ else found).update(closed)
        elif close:
            stray = True
    return Outline(frozenset(found - {0}), 0 in found, len(open_), stray)


def outside(text: str) -> str:
    """The text outside every deletion Anki keeps: what every card of the note shows."""
    if _SIMPLE.fullmatch(text):
        return _DELETION.sub("", text)
    return "".join(node for node in parse(text) if isinstance(node, str))


def may_drop_deletions(markdown: str) -> bool:
    """Whether rendering could lose a deletion: only link, image and HTML syntax can (``[``, ``<``)."""
    return "[" in markdown or "<" in markdown


def card_numbers(text: str) -> frozenset[int]:
    """The numbers that make cards: every one but 0."""
    return outline(text).numbers


class Card(Struct, frozen=True):
    ord: int
    """The template ordinal Anki stores: the cloze number - 1, at most ``LAST_ORD``."""
    key: int
    """Tells a note's cards apart: the cloze number - 1 (cards above ``LAST_ORD`` share an ord)."""


def cloze_cards(fields: Iterable[str]) -> tuple[Card, ...]:
    """The cards Anki generates for a cloze note with these fields, in ordinal order."""
    numbers = frozenset().union(*(card_numbers(field) for field in fields))
    if not numbers:
        return (Card(0, 0),)
    return tuple(Card(min(number - 1, LAST_ORD), number - 1) for number in sorted(numbers))


def around(text: str, number: int) -> str:
    """The text card ``number`` shows around its blanks (each blank a space), other deletions as text."""

    def show(nodes: list[str | Deletion]) -> str:
        return "".join(
            node if isinstance(node, str) else " " if number in node.numbers else show(node.parts)
            for node in nodes
        )

    return show(parse(text))


_KEPT_THROUGH_SANITISING = ((":" + _CODE_COLON, ":\ufdd0"), ("}" + _CODE_BRACE, "}\ufdd1"))
"""An HTML sanitiser decodes entities; Unicode noncharacters, reserved for uses like this one, it keeps."""


def before_sanitising(html: str) -> str:
    """Shielded HTML whose shields survive an HTML sanitiser (undo with :func:`after_sanitising`)."""
    for entity, mark in _KEPT_THROUGH_SANITISING:
        html = html.replace(entity, mark)
    return html


def after_sanitising(html: str) -> str:
    for entity, mark in _KEPT_THROUGH_SANITISING:
        html = html.replace(mark, entity)
    return html


def unshield(text: str) -> str:
    """``text`` with the entities :func:`shield` wrote read back, for messages and word counts."""
    return text.replace(":" + _CODE_COLON, "::").replace("}" + _CODE_BRACE, "}}")


def has_opener(text: str) -> bool:
    """Whether Anki reads a deletion opener in ``text``: only then does its parser look at the rest.

    The renderer shields code and math only in such fields, so a description or
    a question with ``a::b`` in code keeps the HTML it always had.
    """
    return any(_numbers(match.group(1)) for match in _OPENER.finditer(text))


def shield(code: str) -> str:
    """Code or math HTML in which Anki reads no ``::`` or ``}}`` that the code does not mean as cloze syntax.

    In ``{{c1::`std::vector`}}`` Anki would take ``vector`` for a hint; in
    ``\\(\\frac{{1}}{2}\\)`` the ``}}`` would end the deletion. Written as
    entities they look the same once the card is shown, and MathJax reads the
    decoded text. Markers of a deletion that opens inside the same code stay
    (``{{c1::x}}`` inside backticks is still a deletion), with its ``::`` hint.
    """
    out: list[str] = []
    depth = done = 0

    def add_text(piece: str) -> None:
        out.append(piece if depth else piece.replace("::", ":" + _CODE_COLON))

    for start, end, numbers in _tokens(code):
        add_text(code[done:start])
        done = end
        if numbers is not None:
            depth += 1
            out.append(code[start:end])
        elif depth:
            depth -= 1
            out.append("}}")
        else:
            out.append("}" + _CODE_BRACE)
    add_text(code[done:])
    return "".join(out)


def text_problems(markdown: str) -> list[tuple[str, str]]:
    """What keeps a cloze text from making the cards its author wrote, as (code, message) pairs.

    Each message continues a sentence that starts with the note's name.
    """
    view = source_view(markdown)
    found = outline(view.text)
    problems: list[tuple[str, str]] = []
    too_big = _too_big_openers(view.text)
    if too_big:
        problems.append(("E132", f"has the cloze number c{too_big[0]}, above {HIGHEST_NUMBER}, the highest Anki "
                                 "can import: number the deletions c1, c2, ..."))
    for opener in view.in_link_target:
        problems.append(("E133", f"has the deletion {opener}...}}}} inside a link or image address, where "
                                 "Markdown drops it: put the deletion in the link's text, [{{c1::text}}](url)"))
    if found.unclosed or (found.stray and view.text.count("{{") != view.text.count("}}")):
        problems.append(("E131", "has unbalanced cloze braces: every '{{' needs a '}}'"))
    elif not found.numbers and not too_big:
        problems.append(("E130", "has no cloze deletion: mark a key term as {{c1::term}}"
                                 + (" ({{c0::...}} makes no card)" if found.zero else "")))
    return problems


def _too_big_openers(text: str) -> list[str]:
    """The digits of each opener (``{{c70000::``) with a number above ``HIGHEST_NUMBER``, cut short for a message."""
    if not _MAYBE_TOO_BIG.search(text):
        return []
    found = [match.group(1) for match in _OPENER.finditer(text)
             if any(_too_big(item) for item in match.group(1).split(",") if item)]
    return [digits if len(digits) <= 12 else digits[:12] + "..." for digits in found]


def raw_problems(html: str) -> list[tuple[str, str]]:
    """What keeps a cloze field of raw HTML (``{html: ...}``) from making the cards its author wrote.

    Raw HTML reaches Anki as written, so only what Anki itself loses counts
    (measured with the engine, ``tests/test_rawcloze.py``): a number above 65535
    is text to Anki, shown braces and all (E132); a deletion never closed is
    dropped, its text and its card (E131; a stray ``}}`` is shown as written, which
    loses nothing); a deletion inside a tag puts Anki's ``<span>`` into the tag,
    which breaks it: the attribute is lost and ``">`` shows as text (E133). A note
    that makes no card is the release gate's (L308). Each message continues a
    sentence that starts with the note's name.
    """
    problems: list[tuple[str, str]] = []
    too_big = _too_big_openers(html)
    if too_big:
        problems.append(("E132", f"has the cloze number c{too_big[0]}, above {HIGHEST_NUMBER}, the highest Anki "
                                 f"reads: Anki shows '{{{{c{too_big[0]}::' as written, braces and all, and makes no "
                                 "card of it; number the deletions c1, c2, ..."))
    if not has_opener(html):
        return problems
    from .htmlrisk import tags_with  # an HTML parser, only for raw HTML with deletions

    for tag in tags_with(html, has_opener):
        shown = tag if len(tag) <= 60 else tag[:57] + "..."
        problems.append(("E133", f"has a deletion inside the HTML tag {shown}: Anki puts the blank's <span> "
                                 "into the tag, which breaks it (the attribute is lost and '\">' shows as text); "
                                 "put the deletion in the element's text, <a href=\"...\">{{c1::text}}</a>"))
    if outline(html).unclosed:
        problems.append(("E131", "has a cloze deletion that is never closed: Anki drops it, its text and its "
                                 "card; close it with '}}'"))
    return problems


_FENCE = re.compile(r"^[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)*(`{3,}|~{3,})", re.MULTILINE)
_BACKTICKS = re.compile(r"`+")
_INLINE_START = re.compile(r"(?=[\\`\]])(?:\\[(\[]|\\.|`+|\]\()", re.DOTALL)
"""Where code, math or a link address may start (an escaped character starts nothing)."""


class SourceView(Struct, frozen=True):
    text: str
    """The Markdown with code spans and math shielded as the rendered field has them."""
    in_link_target: tuple[str, ...]
    """Openers (``{{c1::``) that sit in a link or image address, which Markdown does not keep."""


def source_view(markdown: str) -> SourceView:
    """The source text as Anki will parse the rendered field, without rendering it.

    Code spans and ``\\(..\\)``/``\\[..\\]`` math are shielded like the renderer
    does (:func:`shield`); fenced code keeps its markers, as the renderer does.
    A cheap reading of Markdown for ``check``; the build also compares the
    deletions of the rendered field, so anything it misses cannot pass silently.
    """
    if _INLINE_START.search(markdown) is None and "~~~" not in markdown:
        return SourceView(markdown, ())  # no code, math, link or fence: nothing to shield
    out: list[str] = []
    lost: list[str] = []
    pos = 0
    for start, end in _fenced_blocks(markdown):
        _scan_inline(markdown[pos:start], out, lost)
        out.append(markdown[start:end])
        pos = end
    _scan_inline(markdown[pos:], out, lost)
    return SourceView("".join(out), tuple(lost))


def _fenced_blocks(markdown: str) -> Iterator[tuple[int, int]]:
    """Spans of fenced code blocks, from the opening fence's line to the end of the closing one."""
    pos = 0
    while (opening := _FENCE.search(markdown, pos)) is not None:
        fence = opening.group(1)
        closer = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.MULTILINE)
        body = markdown.find("\n", opening.end())
        closing = closer.search(markdown, body) if body >= 0 else None
        end = closing.end() if closing is not None else len(markdown)
        yield opening.start(), end
        pos = end


def _scan_inline(text: str, out: list[str], lost: list[str]) -> None:
    """Append ``text`` with code spans and math shielded; note openers in link addresses.

    Linear in the text however it is built (a source is untrusted): each search
    for a closer either consumes what it found or is remembered as failed.
    """
    paragraphs = _Paragraphs(text)
    runs = _BacktickRuns(text, paragraphs)
    no_closer: dict[str, int] = {}
    """For ``\\)``, ``\\]`` and ``)``: the end of the stretch known to hold none."""
    done = 0
    found = _INLINE_START.search(text)
    while found is not None:
        i, end, resume = found.start(), -1, found.end()
        mark = found.group()
        if mark in ("\\(", "\\["):
            paragraph = paragraphs.end(i)
            closer = "\\)" if mark == "\\(" else "\\]"
            if no_closer.get(closer, -1) < paragraph:
                close = text.find(closer, i + 2, paragraph)
                end = close + 2 if close >= 0 else -1
                if close < 0:
                    no_closer[closer] = paragraph
        elif mark.startswith("`"):
            end = runs.closing(found.start(), len(mark))
        elif mark == "](" and no_closer.get(")", -1) < len(text):
            close = text.find(")", found.end())
            if close < 0:
                no_closer[")"] = len(text)
            target = text[found.end() : close if close >= 0 else len(text)]
            lost += [match.group() for match in _OPENER.finditer(target) if _numbers(match.group(1))]
            resume = close + 1 if close >= 0 else len(text)
        if end < 0:  # an escaped character, a link, or an opener that is never closed
            found = _INLINE_START.search(text, resume)
            continue
        out += (text[done:i], shield(text[i:end]))
        done = end
        found = _INLINE_START.search(text, end)
    out.append(text[done:])


class _Paragraphs:
    """Where each paragraph ends (math and code spans do not cross a blank line), found once."""

    def __init__(self, text: str) -> None:
        self.blanks = [match.start() for match in re.finditer(r"\n\n", text)]
        self.size = len(text)

    def end(self, pos: int) -> int:
        index = bisect.bisect_left(self.blanks, pos)
        return self.blanks[index] if index < len(self.blanks) else self.size


class _BacktickRuns:
    """Every run of backticks in a text, found once, so matching openers to closers stays fast."""

    def __init__(self, text: str, paragraphs: _Paragraphs) -> None:
        self.paragraphs = paragraphs
        self.starts: dict[int, list[int]] = {}
        for run in _BACKTICKS.finditer(text):
            self.starts.setdefault(len(run.group()), []).append(run.start())

    def closing(self, start: int, size: int) -> int:
        """End of the run of exactly ``size`` backticks that closes the span opened at ``start``, or -1."""
        same = self.starts.get(size, [])
        index = bisect.bisect_right(same, start)
        if index == len(same) or same[index] >= self.paragraphs.end(start):
            return -1
        return same[index] + size
