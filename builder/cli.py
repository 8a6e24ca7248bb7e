"""The command line: the only module that imports Click and prints.

Each command parses its arguments, calls the core, prints what happened and
turns a ``BuilderError`` into ``Error: file:line: message`` with exit code 1.
"""

from __future__ import annotations

import atexit
import gc
import itertools
import os
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn, TextIO, TypeVar

import click

from . import __version__
from .errors import BuilderError, Interrupted, InvalidSource, Problem, Unreleasable, printable

F = TypeVar("F", bound=Callable[..., Any])
INTERRUPTED_EXIT = 130
"""A build stopped by Ctrl-C exits as shells report SIGINT (128 + 2)."""
DEFAULT_SOURCES = Path("cardsrc")


def sources_argument(func: F) -> F:
    return click.argument(
        # readable=False: an unreadable source is the core's one-line error (exit 1), not a usage error
        "sources", nargs=-1, type=click.Path(path_type=Path, dir_okay=True, exists=False, readable=False)
    )(func)


def unsafe_html_option(func: F) -> F:
    return click.option(
        "--unsafe-html", is_flag=True,
        help="Keep the HTML of allow_html sources raw, scripts included, instead of sanitised. "
             "Only for sources you trust with every learner's Anki; no source can set this.",
    )(func)


def out_option(help_text: str, default: Path | None = Path("dist")) -> Callable[[F], F]:
    """``--out``, spelled and typed the same for every command that writes somewhere."""
    return click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=default,
                        show_default=default is not None, help=help_text)


def each_source(sources: Iterable[Path], work: Callable[[Path], None]) -> bool:
    """Run ``work`` on every source, reporting a failed one and going on; True if any failed."""
    failed = False
    for source in sources:
        try:
            work(source)
        except Interrupted as error:  # Ctrl-C in a build: where its release stands; no further source
            click.echo(printable(f"Interrupted: {error}"), err=True)
            sys.exit(INTERRUPTED_EXIT)
        except BuilderError as error:
            report(error)
            failed = True
    return failed


def resolve_sources(sources: tuple[Path, ...]) -> list[Path]:
    """The sources named, or every ``cardsrc/*.yaml`` when none is."""
    if sources:
        return list(sources)
    found = sorted(DEFAULT_SOURCES.glob("*.yaml"))
    if not found:
        raise click.ClickException(
            f"no sources found in {DEFAULT_SOURCES}/: name a .yaml file or run from the project folder"
        )
    return found


MAX_PROBLEM_LINES = 50
"""Problems listed per source. A source with 100,000 unknown keys printed 100,000 lines, and the
first ones already say what is wrong; the rest are counted."""


def capped(lines: list[str], more: Callable[[int], str]) -> list[str]:
    """The first ``MAX_PROBLEM_LINES`` of ``lines``, then ``more(count of the rest)`` if any are left."""
    if len(lines) <= MAX_PROBLEM_LINES:
        return lines
    return [*lines[:MAX_PROBLEM_LINES], more(len(lines) - MAX_PROBLEM_LINES)]


def _more_problems(path: object, prefix: str = "") -> Callable[[int], str]:
    return lambda count: printable(f"{prefix}{path}: ... and {count:,} more {'problem' if count == 1 else 'problems'}")


def report(error: BuilderError) -> None:
    """Print the problems of a failed source, one ``Error:`` line each (at most ``MAX_PROBLEM_LINES``)."""
    if isinstance(error, Unreleasable):  # check's findings with their codes, then what to do
        lines = [printable(f"Error: {finding.where}: {finding.code} {finding.message}") for finding in error.problems]
        for line in capped(lines, _more_problems(error.where.path if error.where else "", "Error: ")):
            click.echo(line, err=True)
        click.echo(f"Error: {error}", err=True)
        return
    problems = error.problems if isinstance(error, InvalidSource) else None
    if problems:
        lines = [printable(f"Error: {problem.where}: {problem.message}") for problem in problems]
        for line in capped(lines, _more_problems(problems[0].where.path, "Error: ")):
            click.echo(line, err=True)
    else:
        click.echo(f"Error: {error}", err=True)


@click.group()
@click.version_option(__version__, prog_name="builder")
def cli() -> None:
    """Build Anki decks (.apkg) from YAML sources in cardsrc/.

    \b
    Example:
        builder build                  # every cardsrc/*.yaml into dist/
        builder diff --exit-code       # what the next build would change
    """


@cli.command()
@sources_argument
@out_option("Folder for the .apkg files and changelogs.")
@click.option("--allow-schema-change", is_flag=True,
              help="Allow renaming note-type fields or templates (users must import with 'Merge note types').")
@click.option("--no-cache", is_flag=True,
              help="Build in full, without reading or updating the cache in .builder-cache/ beside each source.")
@click.option("--draft", is_flag=True,
              help="Write only OUT/<slug>-draft.apkg (own deck, note types and ids): no release, no lock.")
@unsafe_html_option
def build(sources: tuple[Path, ...], out_dir: Path, allow_schema_change: bool, no_cache: bool, draft: bool,
          unsafe_html: bool) -> None:
    """Release each SOURCE (default: cardsrc/*.yaml) as OUT/<slug>-<version>.apkg, or draft it.

    A rebuild with nothing changed is recognised from hashes and writes nothing;
    unchanged fields come from the render cache. Either way the output is the same.
    --draft writes what the release would hold under a draft's own names and
    ids, safe to import for a try, and never touches the lock or a release.

    \b
    Example:
        builder build cardsrc/pinterest-ai-platform.yaml --out dist
        builder build --draft          # try unfinished work in Anki
    """
    from .build import build_deck


    def release(source: Path) -> None:
        if draft:
            from .draft import build_draft

            drafted = build_draft(source, out_dir, use_cache=not no_cache, allow_schema_change=allow_schema_change,
                                  unsafe_html=unsafe_html)
            click.echo(f"Drafted {drafted.apkg}: {drafted.note_count} notes, {drafted.card_count} cards "
                       f"(draft of version {drafted.plan.version}, not a release)")
            blocked = drafted.releasable_line()
            if blocked:
                click.echo(blocked)
            return
        with ProgressBar(source.stem, sys.stderr) as progress:
            result = build_deck(source, out_dir, allow_schema_change=allow_schema_change,
                                reuse=not no_cache, unsafe_html=unsafe_html, progress=progress)
        for warning in result.warnings:
            click.echo(printable(f"Warning: {source}: {warning}"), err=True)
        verb = "Built" if result.apkg in result.written else "Unchanged"
        counts = f"{result.note_count} notes, {result.card_count} cards"
        click.echo(f"{verb} {result.apkg}: {counts} (version {result.version})")

    failed = each_source(resolve_sources(sources), release)
    if _exit_without_teardown:
        _exit_now(1 if failed else 0)
    if failed:
        sys.exit(1)


_exit_without_teardown = False
"""Set by :func:`main` only, so in-process callers (tests, CliRunner) return as usual."""


def _exit_now(code: int) -> NoReturn:
    """End a finished build's process at once.

    Every file it wrote is already complete and synced, and exit handlers still
    run. What is skipped, freeing a big deck's millions of objects one by one and
    tearing the interpreter down, took a second on 50,000 notes and does nothing
    anyone can see.
    """
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class ProgressBar:
    """A one-line progress bar on ``stream`` for builds that run over ``delay`` seconds.

    Only on a terminal, so logs and pipes stay clean. The core reports
    ``(stage, done, total)``; a background thread draws, so the bar appears on
    time even during a long step that reports nothing, and is erased at the end.
    """

    def __init__(self, label: str, stream: TextIO, delay: float = 1.0, width: int = 30) -> None:
        self.label, self.stream, self.delay, self.width = label, stream, delay, width
        self.state: tuple[str, int, int] = ("reading", 0, 0)
        self.shown = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.state = (stage, done, total)

    def line(self) -> str:
        stage, done, total = self.state
        if not total:
            return f"{self.label}: {stage}..."
        filled = self.width * done // total
        return f"{self.label}: [{'#' * filled}{'.' * (self.width - filled)}] {stage} {done:,}/{total:,} notes"

    def _draw(self) -> None:
        if self._stop.wait(self.delay):
            return
        while True:
            self.stream.write(f"\r\x1b[K{self.line()}")
            self.stream.flush()
            self.shown = True
            if self._stop.wait(0.2):
                return

    def __enter__(self) -> ProgressBar:
        isatty = getattr(self.stream, "isatty", None)
        if isatty is not None and isatty():
            self._thread = threading.Thread(target=self._draw, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


@cli.command()
@sources_argument
@click.option("--exit-code", is_flag=True,
              help="Exit with 1 when the next build would change something, 2 when a source or lock has an error.")
@unsafe_html_option
def diff(sources: tuple[Path, ...], exit_code: bool, unsafe_html: bool) -> None:
    """Show what the next build of each SOURCE changes against its lock.

    With --exit-code, like diff(1): 0 no changes, 1 changes, 2 trouble (an
    error, so nothing is known about changes); without it, errors exit 1.

    \b
    Example:
        builder diff --exit-code && echo "nothing to release"
    """
    from .build import examine_interrupted_release, plan_deck
    from .cache import CachedRenderer
    from .describe import describe_plan
    from .lint import interrupted_release

    error_code = 2 if exit_code else 1
    try:
        found = resolve_sources(sources)
    except click.ClickException as error:
        error.show()
        sys.exit(error_code)
    changed: list[bool] = []

    def describe(source: Path) -> None:
        recovery = examine_interrupted_release(source, Path("dist"))  # refused as the build refuses it
        if recovery is not None:
            click.echo(printable(f"Warning: {recovery.journal}: {interrupted_release(recovery)}"), err=True)
        renderer = CachedRenderer.for_source(source, unsafe_html=unsafe_html)  # read, never written
        plan = plan_deck(source, renderer=renderer)
        lines, has_changes = describe_plan(plan)
        changed.append(has_changes)
        for line in lines:
            click.echo(line)
        for warning in plan.warnings:
            click.echo(printable(f"Warning: {source}: {warning}"), err=True)

    if each_source(found, describe):
        sys.exit(error_code)
    if exit_code and any(changed):
        sys.exit(1)


@cli.command()
@sources_argument
@click.option("--strict", is_flag=True, help="Exit with 1 on warnings too, not only on errors.")
@click.option("--allow-schema-change", is_flag=True,
              help="Check as 'builder build --allow-schema-change' builds: a note type's schema change is a "
                   "warning (W215), not an error (E166).")
@click.option("--unsafe-html", is_flag=True,
              help="Check as 'builder build --unsafe-html' builds: scripts and remote loads in note types and raw "
                   "HTML fields are warnings (W212, W213), not errors (E167, E168).")
@out_option("Check as 'builder build --out DIR' builds: the journal an interrupted build left beside a source "
            "is judged against DIR (E173, W216).")
def check(sources: tuple[Path, ...], strict: bool, allow_schema_change: bool, unsafe_html: bool,
          out_dir: Path) -> None:
    """Validate each SOURCE like the build does and lint its notes.

    Prints one 'file:line:col: CODE message' per problem (every code is in
    docs/reference/checks.md); exits 1 on errors, or on warnings with --strict.
    Every error is one 'builder build' would refuse the source for.

    \b
    Example:
        builder check cardsrc/pinterest-ai-platform.yaml --strict
    """
    from .clock import build_time
    from .lint import CheckReport, check_source

    try:
        build_time()  # a SOURCE_DATE_EPOCH the build refuses (not a number, ahead of the clock) fails check too
    except BuilderError as error:
        report(error)
        sys.exit(1)
    paths = resolve_sources(sources)
    problems: list[Problem] = []
    failed = each_source(paths, lambda source: problems.extend(
        check_source(source, allow_schema_change=allow_schema_change, unsafe_html=unsafe_html, out_dir=out_dir)))
    result = CheckReport.of(problems, len(paths))
    for path, found in itertools.groupby(result.problems, key=lambda problem: problem.where.path):
        for line in capped([str(problem) for problem in found], _more_problems(path)):
            click.echo(line)
    files = _plural(result.sources, "source")
    if result.problems:
        click.echo(f"Found {_plural(result.errors, 'error')} and {_plural(result.warnings, 'warning')} "
                   f"in {files}.", err=True)
    elif not failed:  # a source that could not be checked at all was reported above, as build reports it
        click.echo(f"All checks passed ({files}).", err=True)
    if failed or result.failed(strict=strict):
        sys.exit(1)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


@cli.command()
def schema() -> None:
    """Print the JSON Schema of deck sources (shipped as schema/deck.schema.json).

    \b
    Example:
        builder schema > schema/deck.schema.json
    """
    from .schema import schema_text

    click.echo(schema_text(), nl=False)


def _slug_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from .formats import SLUG_MAX, SLUG_RE

    if value is not None and not SLUG_RE.fullmatch(value):
        raise click.BadParameter(printable(f"'{value}' is not a slug: use lowercase letters, digits and single dashes"))
    if value is not None and len(value) > SLUG_MAX:
        raise click.BadParameter(f"the slug is {len(value):,} characters long, more than the {SLUG_MAX} a slug may "
                                 "have (it names the deck's files): shorten it")
    return value


@cli.command()
@click.argument("summary", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--title", help="Start an empty skeleton with this title instead of a summary page.")
@click.option("--slug", callback=_slug_option, help="The deck's slug (file name, ids)  [default: from the title]")
@click.option("--dir", "folder", type=click.Path(path_type=Path, file_okay=False), default=Path("cardsrc"),
              show_default=True, help="Folder for the new source.")
def new(summary: Path | None, title: str | None, slug: str | None, folder: Path) -> None:
    """Start a source from a SUMMARY page, or an empty one with --title.

    The page's title, summary, key learnings and questions become the deck's
    metadata and notes; what the page lacks is left as TODO placeholders that
    'builder check' lists. An existing source is never overwritten.

    \b
    Example:
        builder new summary-page.txt --slug pinterest-ai-platform
        builder new --title "A Decade of AI Platform at Pinterest"
    """
    if (summary is None) == (title is None):
        raise click.UsageError(
            "give a SUMMARY page or --title, not both" if summary else "give a SUMMARY page, or --title for a skeleton"
        )
    from .scaffold import ScaffoldError, new_from_summary, new_skeleton, skeleton_title, slug_for

    if title is not None:  # what is wrong with --title is a usage error (2), like a bad --slug
        try:
            title = skeleton_title(title)
            slug = slug or slug_for(title)
        except ScaffoldError as error:
            raise click.BadParameter(printable(error.message.removesuffix(" with --title")),
                                     param_hint="'--title'") from None
    try:
        created = new_from_summary(summary, folder, slug) if summary else new_skeleton(str(title), folder, slug)
    except BuilderError as error:
        report(error)
        sys.exit(1)
    click.echo(f"Created {created.path}: {_plural(created.learnings, 'learning')}, "
               f"{_plural(created.questions, 'question')}.")
    click.echo(f"Next: fill in what 'builder check {created.path}' lists, then run 'builder build'.")


@cli.command()
@sources_argument
@out_option("Folder for the drafts.")
@unsafe_html_option
def watch(sources: tuple[Path, ...], out_dir: Path, unsafe_html: bool) -> None:
    """Draft each SOURCE (default: cardsrc/*.yaml) whenever it, or an image beside it, is saved.

    Each save writes OUT/<slug>-draft.apkg like 'builder build --draft', never
    the lock or a release: 'builder build' releases. Prints one line per draft,
    or the problems that stopped it; keeps watching either way. Ctrl-C stops.
    Needs the watch extra: .venv/bin/pip install -e '.[watch]'.

    \b
    Example:
        builder watch cardsrc/pinterest-ai-platform.yaml
    """
    from .watch import Failed, Outcome, WatchSet, describe, draft_source, file_changes, watch_loop

    gc.enable()  # builder.launch paused it for short commands; this one runs for hours and drafts again and again
    watched = WatchSet(named=sources) if sources else WatchSet(folder=DEFAULT_SOURCES)
    for folder in watched.roots():
        if not folder.is_dir():
            raise click.ClickException(f"{folder}/ does not exist: name a source in an existing folder")

    def show(outcome: Outcome) -> None:
        lines = describe(outcome)
        if isinstance(outcome, Failed):  # the problems, then what to do
            lines = [*capped(lines[:-1], _more_problems(outcome.source)), lines[-1]]
        for line in lines:
            click.echo(line, err=isinstance(outcome, Failed))

    def ready() -> None:
        names = ", ".join(map(str, sources)) if sources else f"{DEFAULT_SOURCES}/*.yaml"
        click.echo(f"Watching {names} (Ctrl-C to stop)")

    try:
        watch_loop(file_changes(watched.roots(), ready), watched,
                   lambda source: draft_source(source, out_dir, unsafe_html=unsafe_html), show)
    except BuilderError as error:
        report(error)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Stopped watching.")


@cli.command()
@sources_argument
@out_option("Gallery folder  [default: preview/<slug>]; takes one SOURCE.", default=None)
@click.option("--png", is_flag=True, help="Also screenshot every card at 390x844 with headless Chromium into OUT/png/.")
@click.option("--open/--no-open", "open_gallery", default=False, show_default=True,
              help="Open the gallery in the web browser.")
@unsafe_html_option
def preview(sources: tuple[Path, ...], out_dir: Path | None, png: bool, open_gallery: bool,
            unsafe_html: bool) -> None:
    """Show every card of each SOURCE as a phone shows it, in a static HTML gallery.

    Builds the deck like 'builder build' (without touching dist/ or the lock),
    renders each card through Anki's engine and writes both sides in 390 px
    frames, light and night mode, to OUT/index.html. Needs the preview extra:
    .venv/bin/pip install -e '.[preview]'.

    \b
    Example:
        builder preview cardsrc/pinterest-ai-platform.yaml --png --open
    """
    from .preview import preview_deck, require_browser, require_engine

    found = resolve_sources(sources)
    if out_dir is not None and len(found) > 1:
        raise click.UsageError("--out names one gallery folder: preview one SOURCE at a time, or leave out --out")
    try:
        require_engine()
        if png:
            require_browser()
    except BuilderError as error:
        report(error)
        sys.exit(1)
    def show(source: Path) -> None:
        result = preview_deck(source, out_dir, png=png, unsafe_html=unsafe_html)
        click.echo(f"Wrote {result.index}: {_plural(result.cards, 'card')} of {_plural(result.notes, 'note')}, "
                   f"question and answer in light and night mode (version {result.version})")
        if result.screenshots:
            click.echo(f"Wrote {len(result.screenshots)} screenshots (390x844) to {result.index.parent / 'png'}/")
        if open_gallery:
            import webbrowser

            if not webbrowser.open(result.index.resolve().as_uri()):
                click.echo(f"Warning: no web browser could be started: open {result.index} yourself", err=True)

    if each_source(found, show):
        sys.exit(1)


@cli.command()
@click.argument("export", type=click.Path(path_type=Path, exists=False, dir_okay=True, readable=False))
@sources_argument
@click.option("--apply", "apply_edits", is_flag=True,
              help="Write the edits into the sources; only the edited values change. Exits 1 when a conflict "
                   "or a refused edit is left for you to merge by hand.")
@click.option("--as-html", is_flag=True,
              help="An edit no Markdown renders back, in a field of a note type the source declares, is "
                   "written as raw HTML {html: ...} instead of refused.")
@unsafe_html_option
def pull(export: Path, sources: tuple[Path, ...], apply_edits: bool, as_html: bool, unsafe_html: bool) -> None:
    """Show what a learner edited inside Anki in the notes of each SOURCE, read from EXPORT.

    EXPORT is a deck exported from Anki, AnkiDroid or AnkiMobile (.apkg, any
    format, with or without scheduling) or a collection file (read from a
    copy). Prints each edited field, and the tags added to or removed from a
    note, with the source's file:line, old and new text; --apply writes them.
    Conflicts, and what the source does not own (Anki's own marked and leech
    tags, the tags every note gets, the Source field, retired notes, unknown
    notes), are reported and never written. With --apply, exits 1 when
    conflicts or refused edits are left unwritten (like a merge with
    conflicts). Pull a deck built with --unsafe-html with --unsafe-html too.
    Needs the pull extra:
    .venv/bin/pip install -e '.[pull]'.

    \b
    Example:
        builder pull ~/Downloads/pinterest.apkg
        builder pull ~/Downloads/pinterest.apkg --apply
        builder pull export.apkg cardsrc/pinterest-ai-platform.yaml --apply
    """
    from .export import read_export

    found = resolve_sources(sources)
    try:
        exported = read_export(export)  # first: it says so when the engine is missing
    except BuilderError as error:
        report(error)
        sys.exit(1)
    from .pull import pull_source
    from .pulltext import describe_report

    matched, pending, unwritten = 0, 0, [0, 0]

    def pull_one(source: Path) -> None:
        nonlocal matched, pending
        result = pull_source(source, exported, as_html=as_html, unsafe_html=unsafe_html)
        if not result.found:
            if sources:
                raise BuilderError(f"holds none of the {result.released} released notes of {source} "
                                   f"('{result.deck.slug}'): export that deck from Anki", export)
            return
        matched += 1
        for line in describe_report(result):
            click.echo(line)
        if apply_edits:
            refused = _write_pulled(result)
            unwritten[0] += len(result.having("conflict"))
            unwritten[1] += len(result.having("refused")) + refused
        else:
            pending += len(result.having("edit"))

    failed = each_source(found, pull_one)
    if not matched and not sources and not failed:
        report(BuilderError(f"holds no note of the decks in {DEFAULT_SOURCES}/: export one of them from Anki, "
                            "or name its source", export))
        failed = True
    if pending:
        click.echo(f"To write {_plural(pending, 'edit')} into the sources: builder pull {export} --apply")
    if any(unwritten):  # like a merge with conflicts: a script must not release as if all were in
        conflicts, refused = unwritten
        left = ", ".join(part for part in (_plural(conflicts, "conflict") * bool(conflicts),
                                           f"{refused} refused" * bool(refused)) if part)
        report(BuilderError(f"{left} not written: merge {'it' if sum(unwritten) == 1 else 'them'} into the "
                            "sources by hand (builder pull shows what is left)", export))
        failed = True
    if failed:
        sys.exit(1)


@cli.command("import")
@click.argument("package", type=click.Path(path_type=Path, exists=False, dir_okay=True, readable=False))
@click.option("--slug", callback=_slug_option, help="The new deck's slug  [default: from the name of its deck]")
@click.option("--into", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_SOURCES, show_default=True,
              help="Folder for the new source, its lock and its media folder.")
def import_deck(package: Path, slug: str | None, into: Path) -> None:
    """Take over a deck made elsewhere: PACKAGE (.apkg) becomes INTO/<slug>.yaml.

    Any .apkg works: exported from Anki or made by genanki, markdown-anki-decks
    or another tool. Every note keeps its GUID, note type, deck, tags and each
    field as learners have it (Markdown where it renders back the same, raw
    HTML otherwise), and the lock keeps every note's mod, so the first build,
    imported over the original, changes nothing and keeps all review history.
    Writes the source, its lock and <slug>.media/ (creating cardsrc/ if it is
    missing; a folder named with --into must exist); never overwrites. Needs the
    import extra: .venv/bin/pip install -e '.[import]'.

    \b
    Example:
        builder import ~/Downloads/spanish.apkg --slug spanish
    """
    from .importread import require_engine

    try:
        require_engine()  # first: it says so when the engine is missing
        from .importdeck import import_package

        # the default cardsrc/ is made as 'builder new' makes it; a folder named with --into must exist
        default = click.get_current_context().get_parameter_source("into") is click.core.ParameterSource.DEFAULT
        result = import_package(package, into, slug, create=default)
    except BuilderError as error:
        report(error)
        sys.exit(1)
    click.echo(f"Imported {_plural(result.notes, 'note')} of {_plural(result.note_types, 'note type')} from "
               f"{package} into {result.source}: {_plural(result.markdown_fields, 'field')} as Markdown, "
               f"{result.raw_fields} as HTML")
    if result.media is not None:
        click.echo(f"Wrote {_plural(result.media_files, 'media file')} to {result.media}/")
    if result.silenced:
        click.echo(f"Lint rules the original breaks are silenced for {', '.join(result.silenced[:5])}"
                   f"{' and more' if len(result.silenced) > 5 else ''} (marked '# came with the import')")
    if result.risky:
        click.echo(f"Warning: {_plural(result.risky, 'field or note type')} of it run scripts or load from the web "
                   f"('builder check {result.source}' lists them): 'builder build' ships them only with --unsafe-html, "
                   "for a deck you trust with every learner's Anki", err=True)
    click.echo(f"Next: 'builder build {result.source}' releases it; imported over the original, it changes nothing.")


def _write_pulled(result: Any) -> int:
    """Write one report's edits and say what was written and what refused; returns how many were refused."""
    from .pulltext import describe_refusal
    from .pullwrite import apply_report

    written, refused = apply_report(result)
    for finding in refused:
        click.echo(describe_refusal(finding))
    if written:
        click.echo(f"Wrote {_plural(len(written), 'edit')} to {result.source}: 'builder diff' lists them, "
                   "'builder build' releases them.")
    return len(refused)


def main() -> None:
    global _exit_without_teardown
    _exit_without_teardown = True
    cli(prog_name="builder")
