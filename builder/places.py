"""Where a ``builder check`` finding is: the line and column of a key in a valid source.

A typed ``Deck`` keeps lines but not columns, so findings are placed from the
parsed tree. It is parsed only when first asked for: the release gate runs the
lint errors on the deck the build loaded and parses the source again only to
place something it found.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from .errors import Location
from .source import Deck, Note
from .yamlsafe import Mapping, Node, Scalar, Sequence, parse, read_source_text


class Places:
    """Lines and columns of notes, fields and source keys, from the parsed tree (parsed when first asked)."""

    def __init__(self, path: Path, tree: tuple[Node, list[str]] | None = None) -> None:
        self.path = path
        self._tree = tree

    @cached_property
    def root(self) -> Mapping:
        if self._tree is None:
            text = read_source_text(self.path)
            self._tree = parse(text, self.path), text.splitlines()
        root = self._tree[0]
        assert isinstance(root, Mapping)  # the deck validated
        return root

    @cached_property
    def lines(self) -> list[str]:
        self.root  # noqa: B018 - parses the source if nobody has yet
        assert self._tree is not None
        return self._tree[1]

    @cached_property
    def notes(self) -> dict[str, Mapping]:
        notes = self.root.items.get("notes")
        found: dict[str, Mapping] = {}
        for item in notes.items if isinstance(notes, Sequence) else ():
            note_id = item.items.get("id") if isinstance(item, Mapping) else None
            if isinstance(item, Mapping) and isinstance(note_id, Scalar):
                found[note_id.text] = item
        return found

    def note_type(self, deck: Deck, key: str) -> Location | None:
        """Where the ``note_types`` entry with the id ``key`` starts; None for a type the source does not declare."""
        declared = self.root.items.get("note_types")
        for item in declared.items if isinstance(declared, Sequence) else ():
            type_id = item.items.get("id") if isinstance(item, Mapping) else None
            if isinstance(item, Mapping) and isinstance(type_id, Scalar) and type_id.text == key:
                return Location(deck.path, item.line, item.column)
        return None

    def key(self, deck: Deck, *names: str, note: Note | None = None) -> Location:
        """Where the value of ``root[names[0]][names[1]]...`` (or of a note's keys) starts."""
        node: Node = self.root if note is None else self.notes[note.id]
        for name in names:
            assert isinstance(node, Mapping)
            node = node.items[name]
        if isinstance(node, Scalar):
            return self._scalar(deck, node)
        return Location(deck.path, node.line, node.column)

    def _scalar(self, deck: Deck, value: Scalar) -> Location:
        if value.content_line == value.line:
            return Location(deck.path, value.line, value.column)
        line = self.lines[value.content_line - 1] if value.content_line <= len(self.lines) else ""
        return Location(deck.path, value.content_line, len(line) - len(line.lstrip(" ")) + 1)
