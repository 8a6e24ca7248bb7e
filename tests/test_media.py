"""Images a field shows and the deck's media folder (builder/media.py): checked, content-hashed, named."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from builder import media
from builder.errors import Location, RenderError
from builder.media import media_folder_files, media_folder_scan, media_hashes, media_name_refusal, url_scheme
from builder.render import MediaFile, RenderedField, render_field
from tests.helpers.images import GIF, JPEG, PNG, SVG, WEBP, XML_SVG
from tests.test_render import WHERE, _error


# --- an image a field shows: packed under its content hash ----------------------------------------
def _name(data: bytes, suffix: str) -> str:
    return f"b-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"


@pytest.mark.parametrize(
    ("file", "data", "suffix"),
    [
        ("images/x.png", PNG, ".png"),
        ("Photo.JPG", JPEG, ".jpg"),
        ("photo.jpeg", JPEG, ".jpeg"),
        ("anim.gif", GIF, ".gif"),
        ("pic.webp", WEBP, ".webp"),
        ("vector.svg", SVG, ".svg"),
        ("xml.svg", XML_SVG, ".svg"),
    ],
)
def test_image_is_packed_under_its_content_hash(tmp_path: Path, file: str, data: bytes, suffix: str) -> None:
    (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / file).write_bytes(data)
    result = render_field(f"See ![a diagram]({file})", WHERE, base_dir=tmp_path)
    name = _name(data, suffix)
    assert result == RenderedField(
        f'See <img src="{name}" alt="a diagram" />', (MediaFile(name, (tmp_path / file).resolve(), WHERE),)
    )
    assert not name.startswith("_")


def test_same_bytes_under_two_names_share_one_media_name(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "diagram.png").write_bytes(PNG)
    (tmp_path / "copy of diagram.png").write_bytes(PNG)
    first = render_field("![](a/diagram.png)", WHERE, base_dir=tmp_path)
    second = render_field("![](<copy of diagram.png>)\n\n![](copy%20of%20diagram.png)", WHERE, base_dir=tmp_path)
    assert first.media[0].name == second.media[0].name == _name(PNG, ".png")
    assert len(second.media) == 1
    assert second.media[0].source == (tmp_path / "copy of diagram.png").resolve()


def test_image_errors(tmp_path: Path) -> None:
    deck = tmp_path / "deck"
    deck.mkdir()
    (tmp_path / "secret.png").write_bytes(PNG)
    (deck / "out.png").symlink_to(tmp_path / "secret.png")
    (deck / "notes.png").write_bytes(b"just text")
    (deck / "photo.jpg").write_bytes(PNG)
    (deck / "folder").mkdir()
    os.mkfifo(deck / "f.png")
    root = deck.resolve()
    cases = {
        "![x](missing.png)": f"image file 'missing.png' not found (looked for {root / 'missing.png'});"
        " check the path, which is relative to the source's folder",
        "![x](folder)": f"image file 'folder' is a folder (looked for {root / 'folder'});"
        " check the path, which is relative to the source's folder",
        "![x](f.png)": f"image file 'f.png' is a pipe, not a regular file ({root / 'f.png'}): save the image itself"
        " there",
        "![x](../secret.png)": f"image path '../secret.png' goes outside the source's folder {root};"
        " copy the image into that folder",
        "![x](out.png)": f"image path 'out.png' leads outside the source's folder {root} through a symbolic"
        f" link to {(tmp_path / 'secret.png').resolve()}; copy the image into that folder",
        f"![x]({tmp_path / 'secret.png'})": f"image path '{tmp_path / 'secret.png'}' is absolute;"
        f" give it relative to the source's folder {deck}",
        "![x](notes.png)": "image file 'notes.png' is not a PNG, JPEG, GIF, WebP or SVG image;"
        " save it in one of those formats",
        "![x](photo.jpg)": "image file 'photo.jpg' holds PNG data but is named .jpg;"
        " rename it to end in .png so Anki shows it",
        "![x](https://example.org/x.png)": "image 'https://example.org/x.png' is a web address, but cards are"
        " reviewed offline; download it into the deck's folder and give its relative path",
        "![x](<>)": "image has an empty path; give the image file's relative path",
        "![x](a%00b.png)": "image path 'a\\x00b.png' cannot be resolved (embedded null byte); fix the path",
        "![x](ftp://example.org/x.png)": "image 'ftp://example.org/x.png' is a web address, but cards are"
        " reviewed offline; download it into the deck's folder and give its relative path",
        "![x](file:///home/me/x.png)": "image 'file:///home/me/x.png' is a file: URL, not a file;"
        f" save the image in the source's folder {deck} and give its relative path",
        "![x](data:image/png;base64," + "A" * 80 + ")": "image 'data:image/png;base64," + "A" * 38 + "...'"
        f" is a data: URL, not a file; save the image in the source's folder {deck} and give its relative path",
        "![x](C:/pictures/x.png)": "image path 'C:/pictures/x.png' is absolute;"
        f" give it relative to the source's folder {deck}",
    }
    for text, message in cases.items():
        error = _error(text, deck)
        assert (error.message, error.where) == (message, WHERE), text


# --- the pieces: a URL's scheme, a media file's name, the media folder -----------------------------
@pytest.mark.parametrize(("url", "scheme"), [
    ("https://example.org/x.png", "https"),
    ("HTTP://example.org", "http"),
    ("data:image/png;base64,AAAA", "data"),
    ("svn+ssh://host/x", "svn+ssh"),
    ("mailto:me@example.org", "mailto"),
    ("images/x.png", ""),
    ("x.png", ""),
    ("//example.org/x.png", ""),
    ("1http://x", ""),
    ("", ""),
])
def test_url_scheme(url: str, scheme: str) -> None:
    assert url_scheme(url) == scheme


@pytest.mark.parametrize(("name", "why"), [
    ("diagram.png", None),
    ("b-0123456789abcdef.png", None),
    ("with space é.svg", None),
    ("x" * 255, None),
    ("é" * 127, None),  # 254 bytes
    ("a/b.png", "has a '/', '\\' or NUL in it"),
    ("a\\b.png", "has a '/', '\\' or NUL in it"),
    ("a\0b.png", "has a '/', '\\' or NUL in it"),
    (".DS_Store", "starts with a dot (hidden, or a folder's own '.' and '..')"),
    ("..", "starts with a dot (hidden, or a folder's own '.' and '..')"),
    ("x" * 256, "is longer than 255 bytes"),
    ("é" * 128, "is longer than 255 bytes"),  # 256 bytes in UTF-8
])
def test_media_name_refusal(name: str, why: str | None) -> None:
    assert media_name_refusal(name) == why


def test_media_folder_files_are_every_file_in_it_by_name_and_none_without_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "deck.media"
    assert media_folder_files(folder) == ()
    folder.mkdir()
    assert media_folder_files(folder) == ()
    (folder / "b.png").write_bytes(PNG)
    (folder / "a sound.mp3").write_bytes(b"not checked: any file goes in by its name")
    assert media_folder_files(folder) == (MediaFile("a sound.mp3", folder / "a sound.mp3"),
                                          MediaFile("b.png", folder / "b.png"))


def _folder_link(folder: Path) -> None:
    folder.parent.joinpath("real").mkdir()
    folder.symlink_to("real")


def _folder_file(folder: Path) -> None:
    folder.write_bytes(b"")


def _link_inside(folder: Path) -> None:
    folder.mkdir()
    (folder / "x.png").symlink_to(folder.parent / "elsewhere.png")


def _folder_inside(folder: Path) -> None:
    folder.mkdir()
    (folder / "sub").mkdir()


def _pipe_inside(folder: Path) -> None:
    folder.mkdir()
    os.mkfifo(folder / "pipe")


def _socket_inside(folder: Path) -> None:
    folder.mkdir()
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(folder / "sock"))


def _pipe_folder(folder: Path) -> None:
    os.mkfifo(folder)


def _hidden_inside(folder: Path) -> None:
    folder.mkdir()
    (folder / ".hidden").write_bytes(b"")


@pytest.mark.parametrize(("make", "where", "message"), [
    (_folder_link, "", "the media folder is a symbolic link, which builder never follows: make it a folder of the "
                       "deck's media files"),
    (_folder_file, "", "the media folder is a file, not a folder: make it a folder of the deck's media files"),
    (_link_inside, "x.png", "is a symbolic link, which builder never follows: the media folder holds the deck's "
                            "media files themselves, directly in it"),
    (_folder_inside, "sub", "is a folder, not a regular file: the media folder holds the deck's media files "
                            "themselves, directly in it"),
    (_pipe_inside, "pipe", "is a pipe, not a regular file: the media folder holds the deck's media files "
                           "themselves, directly in it"),
    (_socket_inside, "sock", "is a socket, not a regular file: the media folder holds the deck's media files "
                             "themselves, directly in it"),
    (_pipe_folder, "", "the media folder is a pipe, not a folder: make it a folder of the deck's media files"),
    (_hidden_inside, ".hidden", "the media file name '.hidden' starts with a dot (hidden, or a folder's own '.' and "
                                "'..'): Anki could not keep it; rename or remove it"),
], ids=["folder-is-a-link", "folder-is-a-file", "link-inside", "folder-inside", "pipe-inside", "socket-inside",
        "folder-is-a-pipe", "hidden-name"])
def test_a_media_folder_follows_nothing_and_names_what_it_refuses(
    tmp_path: Path, make: Callable[[Path], None], where: str, message: str
) -> None:
    folder = tmp_path / "deck.media"
    make(folder)
    with pytest.raises(RenderError) as error:
        media_folder_files(folder)
    assert (error.value.message, error.value.where) == (message, Location(folder / where if where else folder))


def test_a_media_file_over_the_limit_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(media, "MAX_MEDIA_FILE_BYTES", 10)
    folder = tmp_path / "deck.media"
    folder.mkdir()
    (folder / "ten.bin").write_bytes(b"x" * 10)
    assert [item.name for item in media_folder_files(folder)] == ["ten.bin"]
    (folder / "eleven.bin").write_bytes(b"x" * 11)
    with pytest.raises(RenderError) as error:
        media_folder_files(folder)
    assert (error.value.message, error.value.where) == (
        "is 11 bytes, more than a media file may be (10): make it smaller", Location(folder / "eleven.bin"))


def test_media_hashes_name_each_file_under_media_and_follow_its_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(PNG)
    (tmp_path / "b.txt").write_bytes(b"hello")
    files = (MediaFile("a.png", tmp_path / "a.png"), MediaFile("b.txt", tmp_path / "b.txt"))
    assert media_hashes(files) == {"media/a.png": hashlib.sha256(PNG).hexdigest()[:16],
                                   "media/b.txt": hashlib.sha256(b"hello").hexdigest()[:16]}
    (tmp_path / "b.txt").write_bytes(b"hello again")
    assert media_hashes(files)["media/b.txt"] == hashlib.sha256(b"hello again").hexdigest()[:16]
    assert media_hashes(()) == {}


@pytest.mark.parametrize(("make", "message"), [
    (lambda path: path.unlink(), "cannot be read: No such file or directory"),
    (lambda path: (path.unlink(), path.mkdir()), "is no longer a regular file: build again"),
], ids=["gone", "now-a-folder"])
def test_media_hashes_of_a_file_that_changed_under_the_build(
    tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(PNG)
    make(path)
    with pytest.raises(RenderError) as error:
        media_hashes((MediaFile("a.png", path),))
    assert (error.value.message, error.value.where) == (message, Location(path))


def test_media_folder_scan_lists_every_good_file_and_every_refusal_under_e171(tmp_path: Path) -> None:
    """``builder check`` reports them all; the build raises the first (``media_folder_files``)."""
    folder = tmp_path / "deck.media"
    _folder_inside(folder)
    (folder / ".hidden").write_bytes(b"")
    (folder / "a.png").write_bytes(PNG)
    (folder / "z.txt").write_bytes(b"z")
    files, refused = media_folder_scan(folder)
    assert files == (MediaFile("a.png", folder / "a.png"), MediaFile("z.txt", folder / "z.txt"))
    assert [(error.code, error.where, error.message.split(",")[0]) for error in refused] == [
        ("E171", Location(folder / ".hidden"), "the media file name '.hidden' starts with a dot (hidden"),
        ("E171", Location(folder / "sub"), "is a folder"),
    ]
    with pytest.raises(RenderError) as first:
        media_folder_files(folder)
    assert str(first.value) == str(refused[0])
    assert media_folder_scan(tmp_path / "none.media") == ((), ())
