"""The YAML reader: located nodes, everything text, nothing unsafe."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import SourceError
from builder.yamlsafe import Mapping, Scalar, Sequence, parse

HERE = Path("deck.yaml")


def test_nodes_carry_their_lines_and_every_scalar_is_text() -> None:
    root = parse("a: 1\nb:\n  - true\n  - ~\nc: |\n  block\n", HERE)
    assert isinstance(root, Mapping)
    a, b, c = root.items["a"], root.items["b"], root.items["c"]
    assert isinstance(a, Scalar) and (a.text, a.line, a.is_null) == ("1", 1, False)
    assert isinstance(b, Sequence) and [item.text for item in b.items if isinstance(item, Scalar)] == ["true", "~"]
    assert isinstance(b.items[1], Scalar) and b.items[1].is_null
    assert isinstance(c, Scalar) and (c.text, c.line, c.content_line) == ("block\n", 5, 6)
    assert root.key_lines["b"][0] == 2


@pytest.mark.parametrize(("text", "message"), [
    ("a: &x 1\nb: *x\n", "deck.yaml:1:"),
    ("a: !!python/object:os.system x\n", "deck.yaml:1:"),
    ("a: 1\na: 2\n", "deck.yaml:2:"),
    ("a: [1\n", "deck.yaml:2:"),
    ("a: 1\n b: 2\n", "deck.yaml:2:"),
])
def test_unsafe_or_broken_yaml_is_one_located_error(text: str, message: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse(text, HERE)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_quoted_null_is_text_not_null() -> None:
    root = parse('a: "null"\nb: null\n', HERE)
    assert isinstance(root, Mapping)
    quoted, plain = root.items["a"], root.items["b"]
    assert isinstance(quoted, Scalar) and not quoted.is_null and quoted.text == "null"
    assert isinstance(plain, Scalar) and plain.is_null
