"""What a package becomes: readable, valid, unique ids; Markdown only where it gives the same HTML back."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import Location
from builder.importdecide import field_value, note_id_text, slugify, unique
from builder.render import Renderer


@pytest.mark.parametrize(("text", "limit", "slug"), [
    ("Languages::French", 50, "languages-french"),
    ("Ça va? Très bien!", 50, "ca-va-tres-bien"),
    ("What is the capital of France, and why is it Paris?", 30, "what-is-the-capital-of-france"),
    ("Supercalifragilisticexpialidocious", 10, "supercalif"),
    ("日本語", 40, ""),
    ("", 40, ""),
    ("--A__b--", 40, "a-b"),
])
def test_slugify_keeps_whole_words_up_to_the_limit(text: str, limit: int, slug: str) -> None:
    assert slugify(text, limit) == slug


def test_unique_numbers_the_second_and_later() -> None:
    taken = {"cloze"}
    assert [unique(name, taken) for name in ("cloze", "note", "note", "note", "note-2")] == [
        "cloze-2", "note", "note-2", "note-3", "note-2-2"]


@pytest.mark.parametrize(("field", "text"), [
    ("{{c1::Lyon}} is in France<br>on the Rh&ocirc;ne", "Lyon is in France on the Rhône"),
    ("{{c2::Paris::city}} <b>is</b> big", "Paris is big"),
    ("<img src=x.png>", ""),
])
def test_a_note_id_is_made_of_the_first_fields_visible_words(field: str, text: str) -> None:
    assert note_id_text(field) == text


def render(markdown: str) -> str:
    return Renderer().field(markdown, Location(Path("x.yaml")), base_dir=Path(".")).html


@pytest.mark.parametrize(("html", "text", "raw"), [
    ("Paris", "Paris", False),
    ("The {{c1::Seine}} flows through {{c2::Paris}}.", "The {{c1::Seine}} flows through {{c2::Paris}}.", False),
    ("<em>four</em>, not five", "*four*, not five", False),
    ("<ul>\n<li>one</li>\n<li>two</li>\n</ul>", "- one\n- two", False),
    ("<i>four</i>, not five", "<i>four</i>, not five", True),  # Markdown would write <em>
    ("a<br>b", "a<br>b", True),
    ('<span style="color: red">rouge</span>', '<span style="color: red">rouge</span>', True),
    ('<img src="flag.png">', '<img src="flag.png">', True),
    ("a < b", "a < b", True),  # the renderer escapes it: learners' HTML has it raw
    ("a &lt; b", "a < b", False),
    ("   ", "   ", True),
])
def test_markdown_only_where_it_renders_back_exactly(html: str, text: str, raw: bool) -> None:
    value = field_value(html, render)
    assert (value.text, value.raw) == (text, raw)
    if not raw:
        assert render(value.text) == html
