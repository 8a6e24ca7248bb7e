"""The lock's text: the fast writer must give json.dumps(indent=1)'s bytes, so no lock ever changes."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from builder.lock import dumps_indented

scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_same_text_as_json_dumps(value: object) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=1, ensure_ascii=False)


def test_tuples_and_unicode_as_json_writes_them() -> None:
    value = {"tags": ("a", "é\u2028"), "fields": {}, "history": [], "n": [1, None, True, "\x00\"\\"]}
    assert dumps_indented(value) == json.dumps(value, indent=1, ensure_ascii=False)
