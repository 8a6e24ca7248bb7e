"""The render cache: hits only for the very same text and code, never a different build."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from builder import cache as cache_module
from builder.build import build_deck
from builder.cache import CachedRenderer, read_checked, write_checked
from builder.errors import Location
from builder.files import temporary_for
from builder.layout import CACHE_FOLDER
from tests.helpers.images import write_png

T1 = 1_700_000_000
Edit = Callable[[Path, str, str], None]
FIELDS = ("One *emphasised* word.", "Plain text.", "- a list\n- of two", "```python\nx = 1\n```")


def render_all(renderer: CachedRenderer, base_dir: Path) -> list[str]:
    return [renderer.field(text, Location("x.yaml", 1), base_dir=base_dir).html for text in FIELDS]


def test_a_second_renderer_takes_every_field_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / CACHE_FOLDER / "deck.yaml.renders"
    first = CachedRenderer(path)
    expected = render_all(first, tmp_path)
    css = first.css()
    first.save()
    second = CachedRenderer(path)
    assert render_all(second, tmp_path) == expected and second.css() == css
    assert (second.hits, second.misses) == (len(FIELDS), 0)


HTML_MODES = {  # allow_html, unsafe_html -> the field
    (False, False): "&lt;b onclick=&quot;x()&quot;&gt;x&lt;/b&gt;",
    (True, False): "<b>x</b>",
    (True, True): '<b onclick="x()">x</b>',
}


@pytest.mark.parametrize("first_mode", HTML_MODES)
def test_html_mode_is_part_of_the_key(tmp_path: Path, first_mode: tuple[bool, bool]) -> None:
    """A sanitised render is never reused as raw, nor the reverse, nor either as text."""
    path = tmp_path / "renders"
    first = CachedRenderer(path, unsafe_html=first_mode[1])
    first.field('<b onclick="x()">x</b>', Location("x.yaml"), base_dir=tmp_path, allow_html=first_mode[0])
    first.save()
    for (allow_html, unsafe_html), expected in HTML_MODES.items():
        again = CachedRenderer(path, unsafe_html=unsafe_html)
        html = again.field('<b onclick="x()">x</b>', Location("x.yaml"), base_dir=tmp_path, allow_html=allow_html)
        assert (html.html, again.hits) == (expected, int((allow_html, unsafe_html) == first_mode))


def damage_truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-7])


def damage_flip_body_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x01
    path.write_bytes(bytes(data))


def damage_garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xff not a cache at all")


def damage_empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [damage_truncate, damage_flip_body_byte, damage_garbage, damage_empty])
def test_a_damaged_file_is_ignored_and_rewritten(tmp_path: Path, damage: Callable[[Path], None]) -> None:
    path = tmp_path / "renders"
    first = CachedRenderer(path)
    expected = render_all(first, tmp_path)
    first.save()
    damage(path)
    assert read_checked(path, "renders") is None
    again = CachedRenderer(path)
    assert render_all(again, tmp_path) == expected
    assert (again.hits, again.misses) == (0, len(FIELDS))
    again.save()
    healed = CachedRenderer(path)
    assert render_all(healed, tmp_path) == expected and healed.misses == 0


def test_entries_of_another_code_version_are_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "renders"
    first = CachedRenderer(path)
    render_all(first, tmp_path)
    first.save()
    monkeypatch.setattr(cache_module, "code_version", lambda: "another builder")
    assert read_checked(path, "renders") is None
    second = CachedRenderer(path)
    render_all(second, tmp_path)
    assert (second.hits, second.misses) == (0, len(FIELDS))


def test_a_file_that_claims_another_kind_is_not_read(tmp_path: Path) -> None:
    write_checked(tmp_path / "x", "last-build", {"fields": {}})
    assert read_checked(tmp_path / "x", "renders") is None
    assert read_checked(tmp_path / "x", "last-build") == {"fields": {}}


def test_an_unwritable_cache_folder_only_means_no_cache(small_source: Path, tmp_path: Path) -> None:
    (small_source.parent / CACHE_FOLDER).write_text("a file where the folder should be")
    result = build_deck(small_source, tmp_path / "dist", now=T1, reuse=True)
    plain = build_deck(small_source, tmp_path / "plain", now=T1)
    assert result.sha256 == plain.sha256


def test_fields_with_images_are_rendered_every_time(tmp_path: Path) -> None:
    write_png(tmp_path / "pic.png", 2, 2)
    path = tmp_path / "renders"
    first = CachedRenderer(path)
    before = first.field("![a](pic.png)", Location("x"), base_dir=tmp_path)
    first.save()
    write_png(tmp_path / "pic.png", 3, 3)
    second = CachedRenderer(path)
    after = second.field("![a](pic.png)", Location("x"), base_dir=tmp_path)
    assert second.misses == 1
    assert before.media[0].name != after.media[0].name and after.media[0].name in after.html


def test_builds_with_and_without_the_cache_write_the_same_bytes(
    small_source: Path, tmp_path: Path, edit_source: Edit
) -> None:
    cached = build_deck(small_source, tmp_path / "a", now=T1, reuse=True)
    lock = small_source.with_name("small.lock").read_bytes()
    small_source.with_name("small.lock").unlink()
    plain = build_deck(small_source, tmp_path / "b", now=T1)
    assert (cached.sha256, small_source.with_name("small.lock").read_bytes()) == (plain.sha256, lock)
    edit_source(small_source, "answer: Answers.", "answer: Answers, **edited**.")
    warm = build_deck(small_source, tmp_path / "a", now=T1 + 60, reuse=True)
    small_source.with_name("small.lock").write_bytes(lock)
    cold = build_deck(small_source, tmp_path / "c", now=T1 + 60)
    assert warm.plan is not None and warm.plan.version == "1.0.1"
    assert warm.sha256 == cold.sha256


# --- a cache this machine's builder did not write is never used ---------------------------
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def old_style_file(path: Path, fields: dict[str, str]) -> None:
    """A cache file anyone could write who knows the code version: its checksum is a plain sha256."""
    body = json.dumps({"css": None, "fields": fields}, separators=(",", ":")).encode("ascii")
    header = f"builder-cache renders 1 {cache_module.code_version()} {hashlib.sha256(body).hexdigest()}"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(header.encode() + b"\n" + body)


def key_of(text: str) -> str:
    return hashlib.blake2b(f"0{text}".encode(), digest_size=16).hexdigest()  # CachedRenderer's key, HTML escaped


def test_a_cache_file_anyone_could_write_puts_no_html_into_a_card(small_source: Path, tmp_path: Path) -> None:
    """A committed .builder-cache must not smuggle HTML (a script, an event handler) past the renderer."""
    renders = small_source.parent / CACHE_FOLDER / f"{small_source.name}.renders"
    old_style_file(renders, {key_of("Answers."): HOSTILE})
    result = build_deck(small_source, tmp_path / "dist", now=T1, reuse=True)
    assert result.sha256 == build_deck(small_source, tmp_path / "plain", now=T1).sha256
    with zipfile.ZipFile(result.apkg) as package:
        assert b"onerror" not in package.read("collection.anki2")


def test_a_file_signed_on_another_machine_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "their-home"))
    write_checked(tmp_path / "x", "renders", {"fields": {key_of("a"): HOSTILE}})
    assert read_checked(tmp_path / "x", "renders") is not None  # theirs, as they see it
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "my-home"))
    assert read_checked(tmp_path / "x", "renders") is None
    assert CachedRenderer(tmp_path / "x").field("a", Location("x.yaml"), base_dir=tmp_path).html == "a"


def test_the_key_is_kept_private_outside_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))
    assert cache_module.cache_key() is None  # reading never makes one
    key = cache_module.cache_key(create=True)
    path = tmp_path / "home" / "builder" / "cache-key"
    assert key is not None and len(key) == 32 and path.read_bytes() == key
    assert (path.stat().st_mode & 0o777, path.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    assert cache_module.cache_key(create=True) == key and os.listdir(path.parent) == ["cache-key"]


def no_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))


def linked_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "home" / "builder").mkdir(parents=True)
    (tmp_path / "known").write_bytes(b"k" * 32)
    (tmp_path / "home" / "builder" / "cache-key").symlink_to(tmp_path / "known")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))


@pytest.mark.parametrize("setup", [no_home, linked_key], ids=["no-home-folder", "key-is-a-symbolic-link"])
def test_without_a_key_of_its_own_there_is_no_cache(
    small_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setup: Callable[..., None]
) -> None:
    setup(tmp_path, monkeypatch)
    assert cache_module.cache_key(create=True) is None
    write_checked(tmp_path / "x", "renders", {"fields": {}})
    assert not (tmp_path / "x").exists()
    result = build_deck(small_source, tmp_path / "dist", now=T1, reuse=True)
    assert result.sha256 == build_deck(small_source, tmp_path / "plain", now=T1).sha256


def test_a_cache_folder_that_is_a_symbolic_link_is_neither_read_nor_written(
    small_source: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (small_source.parent / CACHE_FOLDER).symlink_to(elsewhere)
    build_deck(small_source, tmp_path / "dist", now=T1, reuse=True)
    assert list(elsewhere.iterdir()) == []
    write_checked(elsewhere / "small.yaml.renders", "renders", {"css": None, "fields": {key_of("Answers."): HOSTILE}})
    assert read_checked(small_source.parent / CACHE_FOLDER / "small.yaml.renders", "renders") is None


def linked_file(path: Path) -> None:
    real = path.with_name("real")
    path.rename(real)
    path.symlink_to(real)


def pipe(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


@pytest.mark.parametrize("replace", [linked_file, pipe], ids=["symbolic-link", "pipe"])
def test_a_cache_file_that_is_not_a_plain_file_is_not_read(tmp_path: Path, replace: Callable[[Path], None]) -> None:
    path = tmp_path / "renders"
    write_checked(path, "renders", {"fields": {}})
    replace(path)
    assert read_checked(path, "renders") is None  # and a pipe does not hang the build


def test_a_cache_file_is_written_through_the_one_atomic_write_under_its_temporary_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One temporary-name pattern for every file builder writes: a killed build's leftovers are recognisable."""
    renamed: list[tuple[str, str]] = []
    real_replace = os.replace

    def replace(source: str, destination: str) -> None:
        renamed.append((os.path.basename(source), os.path.basename(destination)))
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    path = tmp_path / CACHE_FOLDER / "renders.json"
    write_checked(path, "renders", {"fields": {}})
    assert renamed == [(temporary_for(path).name, "renders.json")]
    assert read_checked(path, "renders") == {"fields": {}}
    assert os.listdir(path.parent) == ["renders.json"]


def test_the_code_version_moves_when_a_builder_file_is_rewritten() -> None:
    """It reads sizes and modification times, not contents: an edit (or an upgrade) moves the time."""
    module = Path(cache_module.__file__)
    before, stat = cache_module.code_version.__wrapped__(), module.stat()
    try:
        os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        assert cache_module.code_version.__wrapped__() != before
    finally:
        os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert cache_module.code_version.__wrapped__() == before
