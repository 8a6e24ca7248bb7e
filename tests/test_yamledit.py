"""Minimal in-place YAML edits: only the edited value changes, in its own style or the nearest that can hold it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.pullwrite import read_back
from builder.source import load_deck
from builder.yamledit import EditRefused, ValueEdit, edit_values

HEAD = """\
# a deck for the edit tests
title: Edits
slug: edits
deck: Edits
source: {title: T, author: A, date: 2025-01-31, url: https://example.org}
notes:
"""
NOTE = """\
  - id: one   # the first note
    kind: quiz
    question: Asked?
{answer}
  - id: two
    kind: quiz
    question: Second?
    answer: Stays.
"""


def edited(answer: str, value: str, key: str = "answer") -> str:
    text = HEAD + NOTE.format(answer=answer)
    new = edit_values(text, [ValueEdit("one", key, value)], read_back(Path("edits.yaml")))
    assert new.startswith(HEAD) and new.endswith("  - id: two\n    kind: quiz\n    question: Second?\n"
                                                  "    answer: Stays.\n")
    return new[len(HEAD):].split("  - id: two\n")[0].split("    question: Asked?\n")[1]


@pytest.mark.parametrize(
    ("answer", "value", "expected"),
    [
        ("    answer: Old.", "New.", "    answer: New.\n"),
        ("    answer: Old.   # why", "New text.", "    answer: New text.   # why\n"),
        ("    answer: Old.", "Note: this", "    answer: 'Note: this'\n"),
        ("    answer: Old.", "- looks like a list", "    answer: '- looks like a list'\n"),
        ("    answer: Old.", "it's #1", "    answer: 'it''s #1'\n"),
        ("    answer: Old.", "null", "    answer: 'null'\n"),
        ("    answer: Old.", "- a\n- b", "    answer: |\n      - a\n      - b\n"),
        ("    answer: Old.  # why", "- a\n- b", "    answer: |  # why\n      - a\n      - b\n"),
        ("    answer: 'Old.'", "It's new.", "    answer: 'It''s new.'\n"),
        ("    answer: 'Old.'", "two\n\nparagraphs", "    answer: |\n      two\n\n      paragraphs\n"),
        ('    answer: "Old."', 'Say "hi"\nthen go', '    answer: "Say \\"hi\\"\\nthen go"\n'),
        ("    answer: |\n      - old\n      - list", "- new\n- list\n- longer",
         "    answer: |\n      - new\n      - list\n      - longer\n"),
        ("    answer: |-\n        deeper", "Deeper still.", "    answer: |-\n        Deeper still.\n"),
        ("    answer: >\n      folded\n      text", "One line\nand another",
         "    answer: >\n      One line\n\n      and another\n"),
        ("    answer: >\n      folded", "plain\n  indented", "    answer: |\n      plain\n        indented\n"),
        ("    answer: |\n      old", "  leading spaces", '    answer: "  leading spaces"\n'),
        ("    answer: Old.", "bell\x85", '    answer: "bell\\u0085"\n'),
    ],
    ids=["plain", "plain-comment", "colon-to-single", "dash-to-single", "plain-hash", "null-word", "plain-to-block",
         "comment-to-block", "single", "single-to-block", "double", "literal", "literal-indent", "folded",
         "folded-to-literal", "block-to-double", "control-to-double"],
)
def test_a_value_keeps_its_style_or_takes_the_nearest_that_holds_it(answer: str, value: str, expected: str) -> None:
    assert edited(answer, value) == expected


def test_a_block_keeps_the_blank_lines_after_it() -> None:
    assert edited("    answer: |\n      old\n\n\n    extra: kept", "new") == (
        "    answer: |\n      new\n\n\n    extra: kept\n")


@pytest.mark.parametrize(
    ("answer", "key", "value", "expected"),
    [
        ("    answer: A.", "extra", "Added context.", "    answer: A.\n    extra: Added context.\n"),
        ("    answer: |\n      - a\n    tags: [x]", "extra", "New\nlines",
         "    answer: |\n      - a\n    extra: |\n      New\n      lines\n    tags: [x]\n"),
        ("    answer: A.\n    extra: Gone.  # and its comment", "extra", "", "    answer: A.\n"),
        ("    answer: A.\n    extra: |\n      gone\n      too\n    tags: [x]", "extra", "",
         "    answer: A.\n    tags: [x]\n"),
        ("    answer: A.", "tags", ("new",), "    answer: A.\n    tags: [new]\n"),
        ("    answer: A.\n    tags: [a, b]", "tags", ("a", "c"), "    answer: A.\n    tags: [a, c]\n"),
        ("    answer: A.\n    tags: [a,b]", "tags", ("b",), "    answer: A.\n    tags: [b]\n"),
        ("    answer: A.\n    tags: ['a', b]  # why", "tags", ("a", "b", "c::d"),
         "    answer: A.\n    tags: ['a', b, c::d]  # why\n"),
        ("    answer: A.\n    tags: solo", "tags", ("solo", "duo"), "    answer: A.\n    tags: [solo, duo]\n"),
        ("    answer: A.\n    tags:\n      - a  # first\n      # between\n      - b", "tags", ("a", "c"),
         "    answer: A.\n    tags:\n      - a  # first\n      # between\n      - c\n"),
        ("    answer: A.\n    tags:\n    - a\n    - b", "tags", ("b", "c", "d"),
         "    answer: A.\n    tags:\n    - b\n    - c\n    - d\n"),
    ],
    ids=["add-extra", "add-extra-block", "remove-extra", "remove-extra-block", "add-tags", "flow-tags",
         "flow-tags-tight", "flow-tags-quoted", "scalar-tag", "block-tags-comments", "block-tags-unindented"],
)
def test_keys_are_added_removed_and_tags_edited_in_place(
    answer: str, key: str, value: str | tuple[str, ...], expected: str
) -> None:
    assert edited(answer, value, key) == expected


def test_line_endings_stay_crlf() -> None:
    text = (HEAD + NOTE.format(answer="    answer: Old.")).replace("\n", "\r\n")
    new = edit_values(text, [ValueEdit("one", "answer", "- a\n- b"), ValueEdit("one", "extra", "E.")],
                      read_back(Path("edits.yaml")))
    assert new == text.replace("    answer: Old.\r\n", "    answer: |\r\n      - a\r\n      - b\r\n    extra: E.\r\n")


@pytest.mark.parametrize(
    ("text", "edit", "reason"),
    [
        (HEAD + "  - {id: one, kind: quiz, question: Q?, answer: A.}\n", ValueEdit("one", "answer", "B."),
         "note 'one' is written as a flow mapping {...}: edit it by hand"),
        (HEAD + NOTE.format(answer="    answer: A."), ValueEdit("three", "answer", "B."),
         "note 'three' is not in the file"),
        (HEAD + NOTE.format(answer="    answer: A.\n    tags: [a, b]"), ValueEdit("one", "tags", ("a", "b", "A")),
         "the edited source would not load: edits.yaml:11: tag 'A' differs only in case from 'a' (line 11): Anki "
         "takes them for one tag and keeps one spelling for both; write them the same way"),
        (HEAD + NOTE.format(answer="    answer: A.\n    tags:\n      - a\n      - b"), ValueEdit("one", "tags",
                                                                                               ("b", "a")),
         "the tags would change order"),
    ],
    ids=["flow-note", "unknown-note", "tag-clash", "tag-order"],
)
def test_what_cannot_be_edited_in_place_is_refused(text: str, edit: ValueEdit, reason: str) -> None:
    with pytest.raises(EditRefused) as refused:
        edit_values(text, [edit], read_back(Path("edits.yaml")))
    assert str(refused.value) == reason


DECLARED = """\
title: Edits
slug: edits
deck: Edits
note_types:
  - id: pair
    name: Pair
    fields: [Front, Back, Note]
    templates:
      - name: Card 1
        front: '{{{{Front}}}} {{{{Note}}}}'
        back: '{{{{Back}}}}'
notes:
  - id: one
    kind: quiz
    type: pair
    fields:
{fields}
    tags: [t]
  - id: two
    kind: quiz
    type: pair
    fields:
      Front: Stays.
"""
ORDER = ("Front", "Back", "Note")


@pytest.mark.parametrize(
    ("fields", "key", "value", "expected"),
    [
        ("      Front: F\n      Back: Old.  # why", ("fields", "Back"), "New.",
         "      Front: F\n      Back: New.  # why"),
        ("      Front: F\n      Note: N", ("fields", "Back"), "- a\n- b",
         "      Front: F\n      Back: |\n        - a\n        - b\n      Note: N"),
        ("      Note: N", ("fields", "Front"), "F.", "      Front: F.\n      Note: N"),
        ("      Front: F\n      Back: B", ("fields", "Back"), "", "      Front: F"),
        ("      Front: F\n      Back:\n        html: |\n          <p>a</p>", ("fields", "Back", "html"), "<p>b</p>",
         "      Front: F\n      Back:\n        html: |-\n          <p>b</p>"),
        ("      Front: F\n      Back:\n        html: x", ("fields", "Back", "html"), "<p>b</p>\n",
         "      Front: F\n      Back:\n        html: |\n          <p>b</p>"),
        ("      Front: F\n      Back:\n        html: |-\n          x", ("fields", "Back", "html"), "a\n\n",
         "      Front: F\n      Back:\n        html: |+\n          a\n"),
        ("      Front: F\n      Back: {html: \"x\"}", ("fields", "Back", "html"), "y\nz",
         "      Front: F\n      Back: {html: \"y\\nz\"}"),
        ("      Front: F\n      Back: {html: x}", ("fields", "Back", "html"), "a, b",
         "      Front: F\n      Back: {html: 'a, b'}"),
        ("      Front: F\n      Back:\n        html: x\n      Note: N", ("fields", "Back", "html"), "",
         "      Front: F\n      Note: N"),
        ("      Front: F\n      Back: {html: x}", ("fields", "Back", "html"), "", "      Front: F"),
        ("      Front: F\n      Back: Old.", ("fields", "Back", "html"), "<u>x</u>",
         "      Front: F\n      Back:\n        html: <u>x</u>"),
        ("      Front: F", ("fields", "Note", "html"), "<u>x</u>\n",
         "      Front: F\n      Note:\n        html: |\n          <u>x</u>"),
    ],
    ids=["markdown", "add-between", "add-first", "remove", "raw-block-exact", "raw-plain-to-block-clip",
         "raw-keep-breaks", "raw-flow-double", "raw-flow-plain-to-single", "remove-raw", "remove-raw-flow",
         "markdown-to-raw", "add-raw"],
)
def test_fields_of_a_declared_type_are_edited_by_path_and_raw_html_reads_back_exactly(
    fields: str, key: tuple[str, ...], value: str, expected: str
) -> None:
    text = DECLARED.format(fields=fields)
    raw = key[-1] == "html"
    new = edit_values(text, [ValueEdit("one", key, value, exact=raw, order=ORDER)], read_back(Path("edits.yaml")))
    assert new == DECLARED.format(fields=expected)


def test_a_declared_field_in_a_flow_mapping_cannot_be_added() -> None:
    text = DECLARED.format(fields="      Front: F").replace("    fields:\n      Front: F\n", "    fields: {Front: F}\n",
                                                          1)
    with pytest.raises(EditRefused) as refused:
        edit_values(text, [ValueEdit("one", ("fields", "Back"), "B", order=ORDER)], read_back(Path("edits.yaml")))
    assert str(refused.value) == "'Back' of note 'one' would go into a flow mapping {...}: edit it by hand"


RAW_STARTS = [
    "      Front: F\n      Back:\n        html: |\n          <p>a</p>",
    "      Front: F\n      Back:\n        html: x  # why",
    '      Front: F\n      Back:\n        html: "x"',
    "      Front: F\n      Back:\n        html: 'x'",
    '      Front: F\n      Back: {html: "x"}',
    "      Front: F\n      Back: {html: x}",
    "      Front: F\n      Back: Markdown",
    "      Front: F",
]
RAW_TEXT = st.lists(st.sampled_from([*"ab <>\"'\n\t#:-|{}[],&*!%@`\\é\u00a0?=/", "<b>", ": ", " #", "\n\n"]),
                    min_size=1, max_size=14).map("".join)


@settings(max_examples=300, deadline=None)
@given(start=st.sampled_from(RAW_STARTS), value=RAW_TEXT)
def test_raw_html_is_never_refused_and_reads_back_exactly(start: str, value: str) -> None:
    """Whatever HTML a learner's field holds, some YAML style holds it byte for byte: pull refuses no raw edit."""
    text = DECLARED.format(fields=start)
    new = edit_values(text, [ValueEdit("one", ("fields", "Back", "html"), value, exact=True, order=ORDER)],
                      read_back(Path("edits.yaml")))
    back = load_deck(Path("edits.yaml"), new.encode("utf-8")).notes[0].fields["Back"]
    assert (back.text, back.raw) == (value, True)
