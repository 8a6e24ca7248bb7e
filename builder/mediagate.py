"""What a deck's media may not be: decided once, for ``builder build`` and ``builder check``.

A package holds media flat, by name, and a card shows a file the package does
not hold as a broken image. So a build refuses:

* an image a field or the description shows (a Markdown ``![](...)``, or an
  ``<img>`` of an ``allow_html`` source) that cannot be packed: missing, a
  folder, outside the source's folder (``..``, an absolute path, a symbolic
  link out), a URL, or not the image its name says (E169, decided by
  :func:`builder.media.pack_image` while the field renders); and two different
  files that would be one name in the package (E169, :func:`media_clash`): the
  media folder's, the description's and every note's, each image where it is
  shown, so two in one note are seen as surely as two in two notes;
* what the deck's media folder ``<slug>.media/`` holds that a package cannot:
  a symbolic link, a folder, a pipe, a name Anki could not keep (``.DS_Store``),
  a file over 100 MiB, or the folder itself a link (E171,
  :func:`builder.media.media_folder_scan`);
* a raw HTML field (``{html: ...}``) whose ``src`` or ``[sound:...]`` names a
  file the package does not hold (E172): raw HTML is kept as written, so its
  media come from the media folder (or are images other fields pack), never
  from beside the source. ``builder pull`` refuses such an edit for the same
  reason, asking :func:`builder.htmlrisk.shown_media` what the HTML shows.

The build meets them as a :class:`builder.errors.MediaError` (the first one
stops it); :func:`media_problems` is ``builder check``'s view of the same
functions, rendering only the fields that can show an image at all.
"""

from __future__ import annotations

import filecmp
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from .assemble import by_name, nfc, note_fields, render_note_field
from .errors import MediaError, Problem
from .layout import media_folder
from .lintrules import finding
from .media import IMAGE_CODE, MediaFile, media_folder_scan
from .places import Places
from .render import Renderer
from .source import Deck

UNHELD_CODE = "E172"
def package_problems(deck: Deck, folder_files: tuple[MediaFile, ...], description_media: tuple[MediaFile, ...],
                     note_media: Iterable[MediaFile], places: Places | None = None) -> list[Problem]:
    """What the package's media would get wrong: two files under one name (E169), then each name a raw HTML field
    shows that the package does not hold (E172). ``note_media`` is each note's media, in note order."""
    note_media = tuple(note_media)
    found: list[Problem] = []
    if folder_files or "hashed-media" not in deck.additions:  # else every name is its bytes' hash
        clash = media_clash(deck, folder_files, description_media, note_media)
        if clash is not None:
            found.append(clash.problem())
    held = {nfc(item.name) for item in (*folder_files, *note_media)}
    return found + list(_unheld(deck, held, places or Places(deck.path)))


def refuse_package_problems(deck: Deck, folder_files: tuple[MediaFile, ...], description_media: tuple[MediaFile, ...],
                            note_media: Iterable[MediaFile]) -> None:
    """The build's gate over :func:`package_problems`: the first one, raised."""
    for problem in package_problems(deck, folder_files, description_media, note_media):
        raise MediaError(problem.code, problem.message, problem.where)


def media_clash(deck: Deck, folder_files: tuple[MediaFile, ...], description_media: tuple[MediaFile, ...],
                note_media: tuple[MediaFile, ...]) -> MediaError | None:
    """An error at the second use when two different files would go into the package under one name, else None.

    A package holds media flat, by name (as Anki keeps them, NFC), so one would replace the other and every card
    showing either would show the same picture. The same file shown twice, or two files of identical bytes, is
    one file in the package and no clash. ``note_media`` is each note's media in note order, as the build packs
    them after the media folder's files and the description's images.
    """
    seen: dict[str, MediaFile] = {}
    uses = [(item, False) for item in (*folder_files, *description_media)] + [(item, True) for item in note_media]
    for item, in_note in uses:
        first = seen.setdefault(nfc(item.name), item)
        if first.source == item.source or filecmp.cmp(first.source, item.source, shallow=False):
            continue
        was = f"shown at {first.where}" if first.where is not None else "in the media folder"
        fix = "rename one of them"
        if in_note and "hashed-media" not in deck.additions:  # a note's image then takes its bytes' hash for name
            fix += ", or add hashed-media to the source's additions (images then named by their bytes)"
        return MediaError(IMAGE_CODE, f"two different files would be the package's media file {item.name!r}: "
                          f"{_shown_path(deck, item.source)}, shown here, and {_shown_path(deck, first.source)}, "
                          f"{was}; Anki keeps one file per name, so both would show the same picture: {fix}",
                          item.where or item.source)
    return None


def _shown_path(deck: Deck, path: Path) -> str:
    """``path`` as the source names the files beside it: under the source's folder as given, else as it is."""
    folder = deck.path.parent
    try:
        return str(folder / path.relative_to(folder.resolve()))
    except ValueError:
        return str(path)


def media_problems(deck: Deck, places: Places, *, unsafe_html: bool = False) -> list[Problem]:
    """Every media problem of ``deck`` the build refuses (E169, E171, E172), as ``builder check`` findings.

    Only fields that can show an image are rendered, through the build's own
    :func:`builder.assemble.render_note_field`, so each finding is the build's
    error: the same code, message and place.
    """
    renderer = Renderer(unsafe_html=unsafe_html)
    found: list[Problem] = []
    note_media: list[MediaFile] = []
    for note in deck.notes:
        media: list[MediaFile] = []
        for _, field in note_fields(deck, note):
            if field is None or field.raw or not _may_show_image(field.text, deck.allow_html):
                continue
            try:
                rendered = render_note_field(deck, field, renderer)
            except MediaError as error:
                found.append(error.problem())
                continue
            media += rendered.media
        note_media += by_name(media)
    description = deck.description
    description_media: tuple[MediaFile, ...] = ()
    if description is not None and not description.raw and _may_show_image(description.text, False):
        from .plan import render_description

        try:
            description_media = render_description(deck, renderer).media
        except MediaError as error:
            found.append(error.problem())
    folder_files, refused = media_folder_scan(media_folder(deck.path, deck.slug))
    found += [error.problem() for error in refused]
    if not refused:  # the build stops at the folder: what it holds is not known
        found += package_problems(deck, folder_files, description_media, note_media, places)
    return found


def _may_show_image(text: str, allow_html: bool) -> bool:
    """Whether Markdown ``text`` could show an image: ``![`` starts every Markdown image, ``<img`` an author's."""
    return "![" in text or (allow_html and "<img" in text.lower())


def _unheld(deck: Deck, held: set[str], places: Places) -> Iterator[Problem]:
    if not any(field.raw for note in deck.notes for field in note.fields.values()):
        return  # nothing to parse: a Markdown deck's build never loads an HTML parser
    from .htmlrisk import shown_media

    folder = media_folder(deck.path, deck.slug)
    for note in deck.notes:
        for name, field in note.fields.items():
            for shown in shown_media(field.text) if field.raw else ():
                if nfc(shown) in held:
                    continue
                what = f"'{name}' of note '{note.id}' is raw HTML showing '{shown}'"
                if _beside(deck, shown):
                    why = (f"{what}, which is beside the source but not in the media folder {folder}/: raw HTML is "
                           "kept as written, so its media come from that folder and Anki would show it broken; "
                           "move the file into the folder")
                else:
                    why = (f"{what}, which is not in the media folder {folder}/, so Anki would show it broken: put "
                           "the file there, or fix the name")
                yield finding(places.key(deck, *note.key_path(name), note=note), UNHELD_CODE, why)


def _beside(deck: Deck, name: str) -> bool:
    """Whether ``name`` is a regular file directly beside the source (never followed through a link)."""
    if "/" in name or "\\" in name or name in ("", ".", ".."):
        return False
    try:
        return stat.S_ISREG(os.lstat(deck.path.parent / name).st_mode)
    except (OSError, ValueError):
        return False
