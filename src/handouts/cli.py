"""The ``handouts`` command: Click only, a few lines per command.

Each command calls one library function; errors are :class:`HandoutsError`
subclasses (Click exceptions), so no command needs a try/except.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from handouts import __version__
from handouts.batch import VariantResult, summarize
from handouts.batch import batch as run_batch
from handouts.build import build as build_handouts
from handouts.clients import Client
from handouts.doctor import diagnose
from handouts.listing import list_handouts
from handouts.merge import merge as run_merge
from handouts.plan import GENERAL
from handouts.quality import check as run_check
from handouts.scaffold import init_project
from handouts.translations import update_translation


class _State:
    def __init__(self, root: Path, verbosity: int) -> None:
        self.root = root
        self.verbosity = verbosity

    def say(self, message: str, level: int = 0) -> None:
        """Print ``message`` unless it is more detailed than -q/-v allow."""
        if self.verbosity >= level:
            click.echo(message)


pass_state = click.make_pass_decorator(_State)
PROJECT = click.Path(file_okay=False, path_type=Path)
OUT = click.Path(file_okay=False, path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="handouts")
@click.option("--project", "-C", type=PROJECT, default=Path("."), show_default=True,
              help="The project folder (the one with handouts.yaml).")
@click.option("-v", "--verbose", count=True, help="Say more (repeat for engine details).")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@click.pass_context
def cli(ctx: click.Context, project: Path, verbose: int, quiet: bool) -> None:
    """Branded, accessible PDF handouts from plain content files."""
    verbosity = -1 if quiet else verbose
    logging.basicConfig(level=logging.DEBUG if verbosity >= 2 else logging.CRITICAL,
                        format="%(name)s: %(message)s")
    _show_engine_log(verbosity >= 2)
    ctx.obj = _State(project, verbosity)


class _EngineLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Prints the PDF engine's own lines (``-vv``) to stderr."""


class _EngineLogFormatter(logging.Formatter):
    """``name: message``; an exception the engine attached is shown as one line."""

    def format(self, record: logging.LogRecord) -> str:
        """The line for ``record`` (never a Python traceback, even with -vv)."""
        # Built here rather than with Formatter's cached exc_text, which another
        # handler may already have filled with the full traceback.
        line = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[0] is not None:
            line += f"  ({record.exc_info[0].__name__}: {record.exc_info[1]})"
        return line


def _show_engine_log(show: bool) -> None:
    """With -vv, print every line the PDF engine logged during each render.

    Detail only: the engine's messages are captured and judged in handouts.pdf
    whatever is set here, so the exit status never depends on -v.
    """
    logger = logging.getLogger("handouts.engine")
    for handler in [h for h in logger.handlers if isinstance(h, _EngineLogHandler)]:
        logger.removeHandler(handler)  # a second run in the same process (tests)
    if show:
        handler = _EngineLogHandler()  # sys.stderr as it is now (Click's runner swaps it)
        handler.setFormatter(_EngineLogFormatter())
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if show else logging.WARNING)


@cli.command()
@click.argument("handout", nargs=-1)
@click.option("--paper", type=click.Choice(["letter", "a4"]), default=None,
              help="Paper size (default: from handouts.yaml).")
@click.option("--out", type=OUT, default=None, help="Output folder (default: from handouts.yaml).")
@click.option("--audience", default=GENERAL, show_default=True,
              help="Build the version for this audience (defined in handouts.yaml).")
@click.option("--language", default=None, help="Build the translation into this language, e.g. es.")
@click.option("--large-print", is_flag=True, help="Build the large-print version.")
@click.option("--client", default=None, help="Client name for the 'prepared for' block.")
@click.option("--note", default=None, help="A personal note from the therapist (needs --client).")
@click.option("--therapist", default=None, help="The therapist's name (needs --client).")
@click.option("--next-appointment", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Next appointment date, YYYY-MM-DD (needs --client).")
@click.option("--name-pattern", default=None,
              help="File name for client copies, e.g. '{client}-{handout}' (default: a hash).")
@click.option("--location", default=None,
              help="The clinic location to build for (clinic.locations in handouts.yaml).")
@pass_state
def build(state: _State, handout: tuple[str, ...], paper: str | None, out: Path | None,
          audience: str, language: str | None, large_print: bool, client: str | None,
          note: str | None, therapist: str | None, next_appointment: dt.datetime | None,
          name_pattern: str | None, location: str | None) -> None:
    """Render HANDOUT(s) to PDF (all handouts when none are named)."""
    if client is None and (note or therapist or next_appointment or name_pattern):
        raise click.UsageError("--note, --therapist, --next-appointment and --name-pattern "
                               "need --client")
    person = None if client is None else Client(
        client, note, therapist, next_appointment.date() if next_appointment else None)
    started = time.perf_counter()
    result = build_handouts(state.root, handout, paper=paper, out=out,  # type: ignore[arg-type]
                            audience=audience, language=language,
                            print_size="large" if large_print else "standard", client=person,
                            name_pattern=name_pattern, location=location)
    for problem in result.warnings:
        click.echo(problem.format(), err=True)
    for item in result.built:
        state.say(f"wrote {item.path} ({_pages(item.pages)})")
    state.say(f"{len(result.built)} PDF(s) in {time.perf_counter() - started:.2f}s", 1)


def _pages(n: int) -> str:
    return f"{n} page{'s' if n != 1 else ''}"


@cli.command()
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: one per CPU core).")
@click.option("--force", is_flag=True, help="Render every variant, even unchanged ones.")
@click.option("--clean", is_flag=True,
              help="Delete PDFs of variants that are no longer in the manifest.")
@click.option("--out", type=OUT, default=None, help="Output folder (default: from handouts.yaml).")
@click.option("--executor", default=None, metavar="local|dask://HOST:PORT",
              help="Where to render: local worker processes (default), or a Dask cluster "
                   "(default: $DASK_SCHEDULER_ADDRESS when set; needs handouts[dask]).")
@pass_state
def batch(state: _State, jobs: int | None, force: bool, clean: bool, out: Path | None,
          executor: str | None) -> None:
    """Build every variant listed in the batch manifest of handouts.yaml."""
    started = time.perf_counter()
    result = run_batch(state.root, jobs=jobs, force=force, clean=clean, out=out,
                       progress=_progress(state), executor=executor)
    for problem in summarize(result):
        click.echo(problem.format(), err=True)
    for relpath in result.removed:
        state.say(f"removed {relpath} (no longer in the manifest)")
    if result.stale:
        state.say(f"{len(result.stale)} PDF(s) no longer in the manifest were kept; "
                  "use --clean to delete them")
    counts = {s: len(result.with_status(s)) for s in ("rendered", "skipped", "failed")}
    state.say(f"{counts['rendered']} rendered, {counts['skipped']} unchanged, "
              f"{counts['failed']} failed in {time.perf_counter() - started:.1f}s")
    if not result.ok:
        raise click.exceptions.Exit(1)


def _progress(state: _State) -> Callable[[VariantResult, int, int], None] | None:
    """A progress bar on a terminal, plain lines otherwise, nothing with -q."""
    if state.verbosity < 0:
        return None
    if sys.stdout.isatty():
        bar: list[Any] = []

        def update_bar(result: VariantResult, done: int, total: int) -> None:
            if not bar:
                bar.append(click.progressbar(length=total, label="Rendering",
                                             show_pos=True).__enter__())
            bar[0].update(1)
            if done == total:
                bar[0].__exit__(None, None, None)
        return update_bar

    def line(result: VariantResult, done: int, total: int) -> None:
        click.echo(f"[{done}/{total}] {result.status:<8} {result.variant.relpath}")
    return line


@cli.command()
@click.argument("csv_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--out", type=OUT, default=None, help="Output folder (default: from handouts.yaml).")
@click.option("--name-pattern", default=None,
              help="File names, e.g. '{client}-{handout}' (default: row number and a hash).")
@pass_state
def merge(state: _State, csv_file: Path, out: Path | None, name_pattern: str | None) -> None:
    """One personal handout per row of CSV_FILE (see the README for its columns)."""
    result = run_merge(state.root, csv_file, out=out, name_pattern=name_pattern)
    for line, path, pages in result.written:
        state.say(f"row {line}: wrote {path} ({_pages(pages)})")
    for problem in result.problems:
        click.echo(problem.format(), err=True)
    bad = {p.line for p in result.problems if p.severity.value == "error"}
    state.say(f"{len(result.written)} client PDF(s) written, {len(bad)} row(s) with errors")
    if not result.ok:
        raise click.exceptions.Exit(1)


@cli.command()
@click.argument("handout")
@click.argument("language")
@pass_state
def translate(state: _State, handout: str, language: str) -> None:
    """Create or update content/HANDOUT.LANGUAGE.po for a translator to fill in."""
    path, added, stale = update_translation(state.root, handout, language)
    state.say(f"updated {path}: {added} new text(s) to translate, {stale} out of date")


@cli.command("check")
@click.argument("handout", nargs=-1)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: one object with problems, grades and pages.")
@click.option("--no-render", is_flag=True, help="Skip the checks that render PDFs (page fit).")
@pass_state
def check_command(state: _State, handout: tuple[str, ...], strict: bool, fmt: str,
                  no_render: bool) -> None:
    """Check reading level, plain words, contrast, images, safety, page fit and reviews."""
    report = run_check(state.root, handout, render=not no_render)
    failed = report.errors(strict)
    if fmt == "json":
        click.echo(json.dumps({
            "ok": not failed,
            "problems": [{"path": p.path, "line": p.line, "field": p.field,
                          "severity": p.severity.value, "message": p.message}
                         for p in report.problems],
            "grades": report.grades, "pages": report.pages}, indent=2))
    else:
        for problem in report.problems:
            click.echo(problem.format(), err=bool(failed))
        errors = len(report.errors())
        warnings = len(report.problems) - errors
        state.say(f"{errors} error(s), {warnings} warning(s)")
    if failed:
        raise click.exceptions.Exit(1)


@cli.command("list")
@pass_state
def list_command(state: _State) -> None:
    """List the handouts with their title, number of steps and last review."""
    rows = list_handouts(state.root)
    for row in rows:
        click.echo(f"{row.name:<24} {row.steps:>2} steps  reviewed {row.reviewed}  {row.title}")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--with-theme", is_flag=True,
              help="Also copy the theme's handout.html.j2 and handout.css into templates/ "
                   "to start a design from.")
@pass_state
def init(state: _State, directory: Path, with_theme: bool) -> None:
    """Create a new handout project in DIRECTORY from the built-in example."""
    created = init_project(directory, with_theme=with_theme)
    for path in created:
        state.say(f"created {path}")
    state.say(f"Next: cd {directory} && handouts build")


@cli.command()
@pass_state
def doctor(state: _State) -> None:
    """Check that everything handouts needs is installed, and say how to fix what is not."""
    report = diagnose(state.root)
    for line in report.lines:
        click.echo(line)
    if not report.ok:
        raise click.exceptions.Exit(1)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="handouts")
