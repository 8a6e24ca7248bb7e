"""``builder import``: a package becomes ``<into>/<slug>.yaml``, its lock and ``<slug>.media/``, or nothing.

The steps, each in its own module: read the package with Anki's engine
(:mod:`builder.importread`), decide ids and Markdown-or-raw per field
(:mod:`builder.importdecide`), write the YAML (:mod:`builder.importyaml`).
This module settles the source against the loader and the release gate, has
the source side of #16 make the lock (:func:`builder.takeover.seed_lock`, the
same assembly a build runs), checks that every note would reach Anki exactly
as the package has it, and only then writes.

Settling: a Markdown field the loader refuses is kept as raw HTML instead; a
lint rule the original breaks is silenced for that note with
``lint: {ignore: [...]}  # came with the import`` (for the whole deck when it
is about the deck), so the deck passes the release gate as imported.

Writing order: the media folder, then the lock, then the source, each under a
temporary name renamed into place. A source never exists without its lock
(which keeps the package's ``mod`` of every note: without it a build would
re-stamp and update every learner's note); a failure removes what this import
wrote, and an interrupted one leaves at most a lock and media folder, which the
next import names.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct
from msgspec.structs import replace

from .errors import BuilderError, InvalidSource, Location, Problem
from .files import atomic_write, sync_folder, temporary_for, write_synced
from .importdecide import ImportedNote, ImportedSource, decide, default_slug
from .importread import Package, PackageError, open_package
from .importyaml import source_text
from .layout import lock_path, media_folder

if TYPE_CHECKING:
    from .takeover import Seed

_STAGING_PREFIX = ".{slug}.builder-import-"
"""Followed by the importing process's id: a folder beside the target that only that import writes."""
MAX_SETTLING_PASSES = 4
"""Rounds of "load, make refused Markdown raw, silence what the original breaks": two are the most seen."""


class Imported(Struct, frozen=True):
    """What an import wrote, for the command's report."""

    source: Path
    lock: Path
    media: Path | None
    notes: int
    note_types: int
    markdown_fields: int
    raw_fields: int
    silenced: tuple[str, ...]
    """Note ids (or "the deck") given a lint ignore because the original breaks a rule."""
    media_files: int = 0
    risky: int = 0
    """Raw fields and note types with a script or remote load: a build ships them only with ``--unsafe-html``."""


def import_package(package_path: Path, into: Path, slug: str | None = None, *, create: bool = False) -> Imported:
    """Take over the deck in ``package_path`` as ``<into>/<slug>.yaml``; a :class:`BuilderError`, writing nothing,
    when it cannot be done as learners have it. ``create``: a missing ``into`` is made (as ``builder new`` makes
    cardsrc/), and removed again when the import fails; otherwise it must exist."""
    if not into.is_dir():
        if into.exists() or into.is_symlink():
            raise BuilderError("is not a folder: name another with --into", into)
        if not create:
            raise BuilderError("does not exist: create it, or name another with --into", into)
    with open_package(package_path) as package:
        slug = slug or default_slug(package)
        made = _make_folder(into)
        try:
            return _import_into(package, into, slug)
        except BaseException:
            if made:
                with contextlib.suppress(OSError):
                    into.rmdir()  # what failed wrote nothing: the folder is empty again
            raise


def _make_folder(into: Path) -> bool:
    """Create ``into`` if it is missing; True if this call created it."""
    if into.is_dir():
        return False
    try:
        into.mkdir()
    except FileExistsError:  # made meanwhile
        return False
    except OSError as exc:
        raise BuilderError(f"cannot create the folder: {exc.strerror or exc}", into) from None
    return True


def _import_into(package: Package, into: Path, slug: str) -> Imported:
    source = into / f"{slug}.yaml"
    _refuse_existing(source, slug)
    _refuse_taken(source, slug, package)
    _remove_stale_staging(into, slug)
    staging = into / f"{_STAGING_PREFIX.format(slug=slug)}{os.getpid()}"
    try:
        staging.mkdir()
    except OSError as exc:
        raise BuilderError(f"cannot write here: {exc.strerror or exc}", into) from None
    try:
        staged = staging / source.name
        _stage_media(media_folder(staged, slug), package.media)
        try:
            decided, text, lock = _settled_and_seeded(package, slug, staged, into)
        except BuilderError as error:
            raise _at_target(error, staged, source) from None
        _write(source, text.encode("utf-8"), lock, media_folder(staged, slug) if package.media else None, slug)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    fields = [value for note in decided.notes for value in note.fields.values()]
    silenced = tuple(["the deck"] * bool(decided.lint_ignore) + [n.id for n in decided.notes if n.lint_ignore])
    return Imported(source, lock_path(source, slug), media_folder(source, slug) if package.media else None,
                    len(decided.notes), len(decided.note_types), sum(not value.raw for value in fields),
                    sum(value.raw for value in fields), silenced, len(package.media), _risky(decided))


def _remove_stale_staging(into: Path, slug: str) -> None:
    """Remove what a killed import of ``slug`` left: its staging folder, once its process is gone."""
    prefix = _STAGING_PREFIX.format(slug=slug)
    for item in into.iterdir():
        pid = item.name[len(prefix):]
        if item.name.startswith(prefix) and pid.isdigit() and not _alive(int(pid)) and not item.is_symlink():
            shutil.rmtree(item, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's: alive
    return True


def _risky(decided: ImportedSource) -> int:
    """How many raw fields and note types hold what runs or loads on a learner's device: what ``builder check``
    refuses (E167, E168) and a build ships only with ``--unsafe-html``."""
    from .declared import html_risks, template_risks
    from .notetypes import CardTemplate, NoteType

    fields = sum(bool(html_risks(value.text)) for note in decided.notes for value in note.fields.values()
                 if value.raw)
    kinds = [NoteType(kind.key, kind.package.id, kind.package.name, kind.package.fields,
                      tuple(CardTemplate(t.name, t.front, t.back) for t in kind.package.templates), kind.package.css,
                      is_cloze=kind.package.cloze) for kind in decided.note_types]
    return fields + sum(bool(template_risks(kind)) for kind in kinds)


def _renderer(source: Path) -> Callable[[str], str]:
    """The build's renderer, as :func:`builder.importdecide.field_value` checks Markdown with it."""
    from .assemble import nfc
    from .render import Renderer

    renderer = Renderer()
    return lambda markdown: nfc(renderer.field(markdown, Location(source), base_dir=source.parent).html)


def _refuse_existing(source: Path, slug: str) -> None:
    hint = "builder import never overwrites; choose another slug with --slug"
    if os.path.lexists(source):
        raise BuilderError(f"already exists: {hint}", source)
    lock = lock_path(source, slug)
    if os.path.lexists(lock):
        raise BuilderError(f"already exists (the lock of a deck with slug '{slug}'): {hint}", lock)
    folder = media_folder(source, slug)
    if os.path.lexists(folder):
        raise BuilderError(f"already exists (the media folder of a deck with slug '{slug}'): {hint}", folder)


def _refuse_taken(source: Path, slug: str, package: Package) -> None:
    """Refuse a slug or a GUID that another source in the folder (or its lock) already has."""
    ours = {note.guid for note in package.notes}
    for other, other_slug, guids, type_ids in _siblings(source):
        if other_slug == slug:
            raise BuilderError(f"slug '{slug}' is already the slug of {other}: choose another with --slug", source)
        kind = next((kind for kind in package.note_types if kind.id in type_ids), None)
        if kind is not None:
            raise PackageError(
                f"holds the note type '{kind.name}' (id {kind.id}), which {other} already declares: two sources in "
                "one folder cannot both own a note type (its templates and CSS); import into another folder",
                package.path)
        shared = sorted(ours & guids)
        if shared:
            more = f" (and {len(shared) - 1} more)" if len(shared) > 1 else ""
            raise PackageError(
                f"holds the note GUID '{shared[0]}'{more}, which {other} already uses: one note in Anki would be "
                "fought over by two sources; import into another folder, or take those notes out of one of them",
                package.path)


def _siblings(source: Path) -> list[tuple[Path, str, set[str], set[int]]]:
    """Each other source in ``source``'s folder: its path, slug, the GUIDs its notes (and its lock) give, and the
    note-type ids it claims, read as a build reads its siblings (:mod:`builder.siblings`)."""
    from .errors import LockError
    from .lockread import read_lock
    from .siblings import claimed_ids, declarations_in, other_sources

    found = []
    for name, _ in other_sources(source):
        path = source.parent / name
        try:
            declared = declarations_in(path.read_bytes(), notes=True)
        except OSError:
            continue  # gone meanwhile: nothing to clash with
        guids = set(declared.guids())
        try:
            lock = read_lock(lock_path(path, declared.slug)) if declared.slug else None
        except LockError:
            lock = None  # 'builder check' reports a damaged lock; its source's GUIDs are counted above
        guids |= {locked.guid for locked in lock.notes.values()} if lock else set()
        found.append((path, declared.slug, guids, set(claimed_ids(declared))))
    return found


def _stage_media(folder: Path, media: tuple[Path, ...]) -> None:
    """Copy the package's media beside the staged source, where the lock's media hashes are taken from."""
    if media:
        folder.mkdir()
        for item in media:
            write_synced(folder / item.name, item.read_bytes())


def _settled_and_seeded(package: Package, slug: str, staged: Path, into: Path) -> tuple[ImportedSource, str, bytes]:
    """The source's text and its lock, once every note builds exactly as the package has it."""
    decided = decide(package, slug, _renderer(staged))
    for _ in range(MAX_SETTLING_PASSES):
        decided, text = settle(decided, staged)
        seed = _seed(text, staged, into, package)
        wrong = _differences(decided, seed, package)
        if not wrong:
            return decided, text, seed.lock_text
        decided = decided.with_raw(wrong)
    raise BuilderError("the source it makes would not build as the package has it: report this package to "
                       "builder's maintainers", package.path)


def settle(decided: ImportedSource, source: Path) -> tuple[ImportedSource, str]:
    """``decided`` with refused Markdown made raw and the original's lint findings silenced, and its text,
    written to ``source`` (in the staging folder)."""
    from .releasegate import release_problems
    from .source import load_deck

    for _ in range(MAX_SETTLING_PASSES):
        text = source_text(decided)
        source.write_text(text, encoding="utf-8")  # staged: what reads the source again for columns finds it
        try:
            deck = load_deck(source, text.encode("utf-8"))
        except InvalidSource as error:
            spots = _markdown_at(decided, text, source, error.problems)
            if not spots:
                raise _refused(error.problems[0]) from None
            decided = decided.with_raw(spots)
            continue
        problems = release_problems(deck)
        if not problems:
            return decided, text
        decided = _silenced(decided, text, source, problems)
    raise BuilderError("the source it makes would not settle: report this package to builder's maintainers",
                       decided.package_name)


def _at_target(error: BuilderError, staged: Path, source: Path) -> BuilderError:
    """``error`` naming the place in the source as it will be written, not in the staging folder."""
    where = error.where
    if where is None or not str(where.path).startswith(str(staged.parent)):
        return error
    path = Path(str(where.path).replace(str(staged.parent), str(source.parent), 1))
    return BuilderError(error.message, Location(path, where.line, where.column))


def _refused(problem: Problem) -> BuilderError:
    return BuilderError(f"the source it makes would not load ({problem.code} {problem.message}): this package "
                        "holds something builder cannot take over as it is", problem.where)


class _Places:
    """Which note, and which of its fields, a line of the written source belongs to (parsed once per pass)."""

    def __init__(self, decided: ImportedSource, text: str, source: Path) -> None:
        from .yamlsafe import Mapping, Sequence, parse

        root = parse(text, source)
        assert isinstance(root, Mapping) and isinstance(root.items["notes"], Sequence)
        self.starts: list[int] = []
        self.notes: list[ImportedNote] = []
        self.fields: list[list[tuple[int, int, str]]] = []
        """Per note: (first line, last line, field name) of each field."""
        for note, entry in zip(decided.notes, root.items["notes"].items, strict=True):
            assert isinstance(entry, Mapping)
            self.starts.append(entry.line)
            self.notes.append(note)
            given = entry.items.get("fields")
            keys = sorted(line for line, _ in entry.key_lines.values())
            spans: list[tuple[int, int, str]] = []
            if isinstance(given, Mapping):
                after = [line for line in keys if line > entry.key_lines["fields"][0]]
                end = after[0] - 1 if after else 1 << 62
                lines = sorted((line, name) for name, (line, _) in given.key_lines.items())
                for index, (line, name) in enumerate(lines):
                    last = lines[index + 1][0] - 1 if index + 1 < len(lines) else end
                    spans.append((line, last, name))
            self.fields.append(spans)

    def at(self, line: int) -> tuple[ImportedNote | None, str | None]:
        """The note whose entry holds ``line``, and the field there (None outside any)."""
        index = bisect.bisect_right(self.starts, line) - 1
        if index < 0 or not line:
            return None, None
        name = next((name for first, last, name in self.fields[index] if first <= line <= last), None)
        return self.notes[index], name


def _markdown_at(decided: ImportedSource, text: str, source: Path, problems: Iterable[Problem]) -> set[tuple[str, str]]:
    spots = set()
    places = _Places(decided, text, source)
    for problem in problems:
        note, name = places.at(problem.where.line)
        if note is not None and name is not None and not note.fields[name].raw:
            spots.add((note.id, name))
        elif note is not None and name is None:  # a note-wide problem (a cloze without deletion): Markdown goes raw
            spots |= {(note.id, field) for field, value in note.fields.items() if not value.raw}
    return spots


def _silenced(decided: ImportedSource, text: str, source: Path, problems: Iterable[Problem]) -> ImportedSource:
    by_note: dict[str, set[str]] = {}
    deck_codes = set(decided.lint_ignore)
    places = _Places(decided, text, source)
    for problem in problems:
        note, _ = places.at(problem.where.line)
        if note is None:
            deck_codes.add(problem.code)
        else:
            by_note.setdefault(note.id, set(note.lint_ignore)).add(problem.code)
    notes = tuple(replace(note, lint_ignore=tuple(sorted(by_note[note.id]))) if note.id in by_note else note
                  for note in decided.notes)
    return replace(decided, notes=notes, lint_ignore=tuple(sorted(deck_codes)))


def _seed(text: str, staged: Path, into: Path, package: Package) -> Seed:
    from .clock import build_time
    from .takeover import seed_lock

    try:
        return seed_lock(staged, {note.guid: note.mod for note in package.notes},
                         {kind.id: kind.mod for kind in package.note_types}, package.name, package.sha256,
                         now=build_time(), into=into, data=text.encode("utf-8"))
    except InvalidSource as error:
        raise _refused(error.problems[0]) from None


def _differences(decided: ImportedSource, seed: Seed, package: Package) -> set[tuple[str, str]]:
    """Markdown fields that would not reach Anki as the package has them; an error for anything else that would
    not (a raw field, tags, deck: the source says them as they are, so that is builder's bug)."""
    by_guid = {note.guid: note for note in package.notes}
    by_id = {note.id: note for note in decided.notes}
    wrong: set[tuple[str, str]] = set()
    for built in seed.notes:
        theirs, ours = by_guid[built.guid], by_id[built.note_id]
        names = package.note_type(theirs.type_id).fields
        for name, value in zip(names, theirs.fields, strict=True):
            if built.fields.get(name) != value:
                if name not in ours.fields or ours.fields[name].raw:
                    raise _not_as_packaged(package, built.guid, f"field '{name}'")
                wrong.add((ours.id, name))
        if built.tags != theirs.tags or built.deck != (theirs.deck or ours.deck):  # no cards: no deck of its own
            raise _not_as_packaged(package, built.guid, "tags" if built.tags != theirs.tags else "deck")
    return wrong


def _not_as_packaged(package: Package, guid: str, what: str) -> BuilderError:
    return BuilderError(f"note with GUID '{guid}' would not build as the package has it (its {what} would differ): "
                        "report this package to builder's maintainers", package.path)


def _write(source: Path, text: bytes, lock: bytes, staged_media: Path | None, slug: str) -> None:
    written: list[Path] = []
    try:
        if staged_media is not None:
            folder = media_folder(source, slug)
            sync_folder(staged_media)
            os.rename(staged_media, folder)
            written.append(folder)
        lock_file = lock_path(source, slug)
        atomic_write(lock_file, lock)
        written.append(lock_file)
        temp = temporary_for(source)
        write_synced(temp, text)
        try:
            os.link(temp, source)  # never over a source that appeared meanwhile
        finally:
            temp.unlink()
        sync_folder(source.parent)
    except OSError as exc:
        for path in reversed(written):
            with contextlib.suppress(OSError):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        raise BuilderError(f"cannot write the imported deck: {exc.strerror or exc}", exc.filename or source) from None
