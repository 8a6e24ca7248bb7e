"""The P3 floor: the work any YAML-to-Anki builder must do, done the fastest plain way.

Parse the source with PyYAML's C loader, then let genanki build and write the
same notes (raw field text, the deck's tags, stable GUIDs). Nothing is
validated, rendered or locked. The garbage collector is paused, as builder
pauses it, so the ratio compares work rather than collector overhead.

Usage: python floor.py SOURCE.yaml OUT.apkg
"""

from __future__ import annotations

import gc
import sys

import genanki
import yaml

CLOZE = genanki.Model(
    1607392319, "Floor Cloze", fields=[{"name": "Text"}, {"name": "Extra"}],
    templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}<hr>{{Extra}}"}],
    model_type=genanki.Model.CLOZE,
)
QA = genanki.Model(
    1607392320, "Floor Q&A", fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "Extra"}],
    templates=[{"name": "Recall", "qfmt": "{{Question}}", "afmt": "{{FrontSide}}<hr>{{Answer}}{{Extra}}"}],
)


def main(source: str, out: str) -> None:
    gc.disable()
    with open(source, encoding="utf-8") as handle:
        data = yaml.load(handle.read(), Loader=yaml.CSafeLoader)
    deck = genanki.Deck(2059400110, data["deck"])
    for note in data["notes"]:
        tags = [data["slug"], note["kind"], *data.get("tags", ()), *note.get("tags", ())]
        if "text" in note:
            model, fields = CLOZE, [note["text"], note.get("extra", "")]
        else:
            model, fields = QA, [note["question"], note["answer"], note.get("extra", "")]
        guid = genanki.guid_for(data["slug"], note["id"])
        deck.add_note(genanki.Note(model=model, fields=fields, tags=tags, guid=guid))
    genanki.Package(deck).write_to_file(out)


if __name__ == "__main__":
    main(*sys.argv[1:3])
