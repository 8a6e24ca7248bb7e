"""The importer's YAML: every value reads back exactly as it was, in the plainest style that holds it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.importdecide import FieldValue, ImportedNote, ImportedSource, ImportedType
from builder.importread import PackageNote, PackageNoteType, PackageTemplate
from builder.importyaml import IMPORT_COMMENT, key, scalar, source_text
from builder.yamlsafe import Mapping, Scalar, Sequence, parse


def read_value(text: str) -> str:
    root = parse(f"k: {text}\n", Path("t.yaml"))
    assert isinstance(root, Mapping)
    value = root.items["k"]
    assert isinstance(value, Scalar) and not value.is_null
    return value.text


@pytest.mark.parametrize(("text", "written"), [
    ("plain words", "plain words"),
    ("Top::Sub", "Top::Sub"),
    ("{{Front}}", '"{{Front}}"'),
    ("yes", '"yes"'),
    ("1.0", '"1.0"'),
    ("", '""'),
    ("a: b", '"a: b"'),
    ("x #y", '"x #y"'),
    ("line\nline", "|-\n    line\n    line"),
    ("line\nline\n", "|\n    line\n    line"),
    ("line\nline\n\n", "|+\n    line\n    line\n"),
    ("  indented\nsecond", '"  indented\\nsecond"'),
    ("a\r\nb", '"a\\r\\nb"'),
    ("a\u2028b", '"a\\Lb"'),
    ("tab\there", '"tab\\there"'),
    ("text\n   \nmore", '"text\\n   \\nmore"'),
])
def test_each_value_takes_the_plainest_style_that_reads_back(text: str, written: str) -> None:
    assert scalar(text, 2) == written
    assert read_value(scalar(text, 0)) == text


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00")))
def test_any_text_reads_back_exactly(text: str) -> None:
    assert read_value(scalar(text, 0)) == text


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1))
def test_any_field_name_reads_back_as_a_key(name: str) -> None:
    root = parse(f"{key(name)}: v\n", Path("t.yaml"))
    assert isinstance(root, Mapping) and list(root.items) == [name]


def _source() -> ImportedSource:
    kind = PackageNoteType(1607392319, "Basic: two", ("Front", "Back side"),
                           (PackageTemplate("Card 1", "{{Front}}", "{{FrontSide}}\n<hr id=answer>\n{{Back side}}"),),
                           ".card {\n  color: black;\n}\n", False, 1700000000)
    note = PackageNote("a$b#c", 1607392319, ("What?", "<b>It</b>\r\n"), ("t::a", "B"), "Top::Sub", 1700000000)
    odd = PackageNote("g2", 1607392319, ("x", ""), ("with,comma", "q\"uote"), "Top", 1700000001)
    notes = (ImportedNote("what", note, "basic-two", {"Front": FieldValue("What?", False),
                                                      "Back side": FieldValue("<b>It</b>\r\n", True)}, ("L303",),
                          "Top::Sub"),
             ImportedNote("x", odd, "basic-two", {"Front": FieldValue("x", False)}, deck="Top"))
    return ImportedSource("top", "Top", "Top::Sub", (ImportedType("basic-two", kind),), notes, "deck.apkg", "ab" * 32)


def test_a_whole_source_reads_back_as_decided() -> None:
    text = source_text(_source())
    root = parse(text, Path("top.yaml"))
    assert isinstance(root, Mapping)
    assert {name: node.text for name, node in root.items.items() if isinstance(node, Scalar)} == {
        "title": "Top", "slug": "top", "deck": "Top::Sub", "version": "1.0.0"}
    additions = root.items["additions"]
    assert isinstance(additions, Sequence) and additions.items == []
    (kind,) = root.items["note_types"].items  # type: ignore[union-attr]
    assert isinstance(kind, Mapping)
    assert kind.items["css"].text == ".card {\n  color: black;\n}\n"  # type: ignore[union-attr]
    template = kind.items["templates"].items[0]  # type: ignore[union-attr]
    assert template.items["back"].text == "{{FrontSide}}\n<hr id=answer>\n{{Back side}}"  # type: ignore[union-attr]
    first, second = root.items["notes"].items  # type: ignore[union-attr]
    assert isinstance(first, Mapping) and isinstance(second, Mapping)
    assert first.items["guid"].text == "a$b#c"  # type: ignore[union-attr]
    fields = first.items["fields"]
    assert isinstance(fields, Mapping)
    assert fields.items["Front"].text == "What?"  # type: ignore[union-attr]
    assert fields.items["Back side"].items["html"].text == "<b>It</b>\r\n"  # type: ignore[union-attr]
    assert [tag.text for tag in second.items["tags"].items] == ["with,comma", 'q"uote']  # type: ignore[union-attr]
    assert f"    lint: {{ignore: [L303]}}  {IMPORT_COMMENT}\n" in text
