"""The ``handouts`` command: Click only, a few lines per command.

Each command calls one library function; errors are :class:`HandoutsError`
subclasses (Click exceptions), so no command needs a try/except. A bad option value
(:class:`~handouts.errors.OptionError`) is shown as a ``click.UsageError``: exit 2.

Start-up is fast because each command imports its library (and so pydantic, Jinja,
Babel, WeasyPrint...) inside the command, as mkdocs does: ``handouts --help`` loads
only Click (``tests/test_startup.py`` checks what ``import handouts.cli`` loads).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import shlex
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from handouts.commands.timeouts import Timeouts
from handouts.errors import (
    HandoutsError,
    OptionError,
    Problem,
    Severity,
    ValidationError,
    errors_only,
)
from handouts.variants.plan import GENERAL

if TYPE_CHECKING:
    from handouts.commands.batch import VariantResult
    from handouts.project.load import Loaded


class _State:
    """The project folder and how much to print, from the options on either side of the command.

    ``-C``, ``-v`` and ``-q`` may be given before the command (``handouts -C dir build``)
    or after it (``handouts build -C dir``); a value given in both places: the one after
    the command wins.
    """

    def __init__(self) -> None:
        self.root = Path(".")
        #: ``(verbose, quiet)`` given at each level: 0 before the command, 1 after it.
        self._levels: dict[int, tuple[int, bool]] = {}

    @property
    def verbosity(self) -> int:
        """-1 with -q, else the number of -v (the options after the command win)."""
        verbose, quiet = self._levels[max(self._levels)] if self._levels else (0, False)
        return -1 if quiet else verbose

    def set_output(self, depth: int, verbose: int | None, quiet: bool | None) -> None:
        """Record -v/-q given at ``depth`` (a part not given keeps what was given there)."""
        old_verbose, old_quiet = self._levels.get(depth, (0, False))
        self._levels[depth] = (old_verbose if verbose is None else verbose,
                               old_quiet if quiet is None else quiet)

    def say(self, message: str, level: int = 0) -> None:
        """Print ``message`` unless it is more detailed than -q/-v allow."""
        if self.verbosity >= level:
            click.echo(message)


#: The paper sizes, as the options offer them: ``handouts.project.schema.PAPERS``, which
#: is not imported here (it loads pydantic); tests/test_commands.py checks they agree.
PAPER_CHOICES = ("letter", "a4")
PROJECT = click.Path(file_okay=False, path_type=Path)
OUT = click.Path(file_okay=False, path_type=Path)
#: A time limit: more than zero seconds.
SECONDS = click.FloatRange(min=0, min_open=True)


def _depth(ctx: click.Context) -> int:
    return 0 if ctx.parent is None else 1


def _store_project(ctx: click.Context, _: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.ensure_object(_State).root = value


def _store_verbose(ctx: click.Context, _: click.Parameter, value: int) -> None:
    if value:
        ctx.ensure_object(_State).set_output(_depth(ctx), value, None)


def _store_quiet(ctx: click.Context, _: click.Parameter, value: bool | None) -> None:
    if value:
        ctx.ensure_object(_State).set_output(_depth(ctx), None, True)


def global_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """-C/--project, -v and -q: one definition, on the group and on every command.

    The options store into the shared :class:`_State` as they are parsed, so the ones
    after the command (parsed later) win.
    """
    options = [
        click.option("--project", "-C", type=PROJECT, default=None, expose_value=False,
                     callback=_store_project,
                     help="The project folder (the one with handouts.yaml; default: here)."),
        click.option("-v", "--verbose", count=True, expose_value=False,
                     callback=_store_verbose, help="Say more (repeat for engine details)."),
        click.option("-q", "--quiet", is_flag=True, default=None, expose_value=False,
                     callback=_store_quiet, help="Print only problems."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def pass_state(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give ``command`` the state (with logging set for the final -v/-q) and the global options."""
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        context = click.get_current_context()
        state = context.ensure_object(_State)
        _configure_logging(state.verbosity)
        if context.command.name != "init" and not state.root.is_dir():
            # Judged here, not by the option's type: a later -C (after the command)
            # replaces an earlier one, and only the one used must exist.
            raise click.BadParameter(f"Directory '{state.root}' does not exist.",
                                     ctx=context, param_hint="'--project' / '-C'")
        try:
            return command(state, *args, **kwargs)
        except OptionError as error:  # a usage mistake: Click's usage line, exit 2
            raise click.UsageError("\n".join(p.format() for p in error.problems),
                                   ctx=context) from None
    return global_options(run)


def _load(state: _State, names: tuple[str, ...] = (), *, say_warnings: bool = True,
          uses: Callable[[set[str]], set[str]] | None = None,
          available: bool = False, even_if_none: bool = False) -> Loaded:
    """The project at ``-C``, loaded and validated for a command: every problem at once,
    else :class:`~handouts.errors.ValidationError` (exit 1).

    What loading warns about (a ``batch.exclude`` that excludes nothing, say) is printed
    here, so every command says it; ``build``, ``batch`` and ``check`` pass
    ``say_warnings=False`` because their results carry these warnings with their own.
    With ``uses`` (see :func:`~handouts.project.load.load_used`), only the handouts the
    command uses must load; with ``available``
    (:func:`~handouts.project.load.load_available`), the command gets the broken
    handouts' problems to report where it would use them.
    """
    from handouts.project.load import load_available, load_project, load_used

    try:
        if available:
            loaded = load_available(state.root, names, even_if_none=even_if_none)
        else:
            loaded = load_project(state.root, names) if uses is None else \
                load_used(state.root, uses)
    except ValidationError as exc:
        # The project's templates are read whatever the files' mistakes: a template's
        # syntax error is said in the same run (it used to wait until they were fixed).
        from handouts.checks.gate import template_problems

        found = [p for p in template_problems(state.root) if p not in exc.problems]
        if not found:
            raise
        raise ValidationError([*exc.problems, *found]) from None
    finally:
        _imported()
    if say_warnings:
        for problem in loaded.warnings:
            click.echo(problem.format(), err=True)
    return loaded


def _imported() -> None:
    """The command has imported what it needs: collect garbage again (see
    :mod:`handouts.startup`; every command calls this, through :func:`_load` or itself)."""
    from handouts.startup import resume

    resume()


def _pattern(name_pattern: str | None) -> list[Problem]:
    """What is wrong with ``--name-pattern``: a usage mistake, said before the project
    is loaded, with the command's other bad options (see :func:`_refuse`)."""
    if name_pattern is None:
        return []
    from handouts.variants.naming import check_pattern

    try:
        check_pattern(name_pattern)
    except OptionError as error:
        return error.problems
    return []


def _refuse(problems: list[Problem]) -> None:
    """Every bad option value found before loading, at once: a usage mistake (exit 2)."""
    if problems:
        raise OptionError(problems)


def _refuse_after(problems: list[Problem], outcome: str) -> None:
    """The problems of files a command went on without (a handout whose file has errors,
    in ``list``), after its output: errors exit 1, saying ``outcome``; warnings are
    printed."""
    if errors_only(problems):
        error = ValidationError(problems)
        error.outcome = outcome
        raise error
    for problem in problems:
        click.echo(problem.format(), err=True)


def _show_version(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    """``--version``: the installed version, read only when asked for."""
    if not value or ctx.resilient_parsing:
        return
    from handouts import __version__

    click.echo(f"handouts, version {__version__}")
    ctx.exit()


class Stopped(KeyboardInterrupt):
    """The command was told to stop: SIGTERM (a service manager, a CI job cancelled) or
    SIGHUP (its terminal closed). Raised like Ctrl-C's KeyboardInterrupt, so every
    clean-up that runs for Ctrl-C runs (the workers stopped, temporary files removed;
    the default action killed the process with none of it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, _frame: object) -> None:
    raise Stopped(signum)


#: What an interrupted command says (every file it wrote is whole: each is written
#: beside its place and renamed in; see handouts.output).
INTERRUPTED = ("stopped: every file already written is whole, and nothing is half-written; "
               "run the command again to finish")


class _Commands(click.Group):
    """The command group: an interrupted command (Ctrl-C, SIGTERM, SIGHUP) says what
    became of its files and exits with 128 + the signal's number, as shells do (130
    for Ctrl-C), never 1, which says the project has a problem."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            # Stopping now: another Ctrl-C (or SIGTERM) would break the exit itself (the
            # workers' clean-up at exit) with a traceback.
            for other in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(other, signal.SIG_IGN)
            signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
            click.echo(f"\n{INTERRUPTED}", err=True)
            raise click.exceptions.Exit(128 + signum) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_show_version, help="Show the version and exit.")
@global_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Branded, accessible PDF handouts from plain content files."""
    ctx.ensure_object(_State)


def _configure_logging(verbosity: int) -> None:
    """Engine details on stderr with -vv; nothing otherwise."""
    level = logging.DEBUG if verbosity >= 2 else logging.CRITICAL
    logging.basicConfig(level=level, format="%(name)s: %(message)s")
    _show_engine_log(verbosity >= 2)


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

    Detail only: the engine's messages are captured and judged in handouts.render.engine.enginelog
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
@click.option("--paper", type=click.Choice(PAPER_CHOICES), default=None,
              help="Paper size (default: from handouts.yaml).")
@click.option("--out", type=OUT, default=None, help="Output folder (default: from handouts.yaml).")
@click.option("--audience", default=GENERAL, show_default=True,
              help="Build the version for this audience (defined in handouts.yaml).")
@click.option("--language", default=None, help="Build the translation into this language, e.g. es.")
@click.option("--large-print", is_flag=True, help="Build the large-print version.")
@click.option("--client", default=None, help="Client name for the 'prepared for' block.")
@click.option("--note", default=None, help="A personal note from the therapist (needs --client).")
@click.option("--therapist", default=None, help="The therapist's name (needs --client).")
@click.option("--next-appointment", default=None,
              help="Next appointment date, e.g. 2026-12-15 or as the clinic writes dates "
                   "(needs --client).")
@click.option("--name-pattern", default=None,
              help="File name for client copies, e.g. '{client}-{handout}' (default: a hash).")
@click.option("--draft", is_flag=True,
              help="Preview a partial translation: untranslated texts in the source "
                   "language, tagged, in a ...-draft.pdf (never for clients).")
@click.option("--location", default=None,
              help="The clinic location to build for (clinic.locations in handouts.yaml).")
@click.option("--record", "show_record", is_flag=True,
              help="With --client: print a paragraph for the client's file in your own "
                   "records system (what was given, never the client's name or note).")
@pass_state
def build(state: _State, handout: tuple[str, ...], paper: str | None, out: Path | None,
          audience: str, language: str | None, large_print: bool, client: str | None,
          note: str | None, therapist: str | None, next_appointment: str | None,
          name_pattern: str | None, draft: bool, location: str | None,
          show_record: bool) -> None:
    """Render HANDOUT(s) to PDF (all handouts when none are named)."""
    from handouts.commands.build import build as build_handouts
    from handouts.variants.clients import Client

    if client is None and (note or therapist or next_appointment or name_pattern
                           or show_record):
        raise click.UsageError("--note, --therapist, --next-appointment, --name-pattern "
                               "and --record need --client")
    if draft and client is not None:
        raise click.UsageError("--draft cannot be used with --client: a client gets only a "
                               "finished handout")
    wrong = _pattern(name_pattern)
    appointment = _dates(state.root, {"--next-appointment": next_appointment}, wrong)
    _refuse(wrong)
    person = None if client is None else Client(client, note, therapist,
                                                appointment["--next-appointment"])
    started = time.perf_counter()
    result = build_handouts(_load(state, handout, say_warnings=False), paper=paper, out=out,  # type: ignore[arg-type]
                            audience=audience, language=language,
                            print_size="large" if large_print else "standard", client=person,
                            name_pattern=name_pattern, draft=draft, location=location)
    for problem in result.warnings:
        click.echo(problem.format(), err=True)
    for item in result.built:
        state.say(f"wrote {item.path} ({_pages(item.pages)})")
        if item.replaced:
            state.say(f"replaced {item.path} (it was {item.replaced})")
    state.say(f"{len(result.built)} PDF(s) in {time.perf_counter() - started:.2f}s", 1)
    if show_record:
        click.echo(result.record)


def _dates(root: Path, options: dict[str, str | None],
           wrong: list[Problem]) -> dict[str, dt.date | None]:
    """Each date option (``--next-appointment``, ``--given``) read as the clinic writes
    dates (its language and phone region, from handouts.yaml, read once); None when
    not given, or when it cannot be read (what is wrong then added to ``wrong``: see
    :func:`_refuse`)."""
    from handouts.project.config import load_config
    from handouts.project.sourcefile import LineMap
    from handouts.variants.dates import (
        UnreadableDate,
        before_given,
        clinic_locale,
        far_from_today,
        read_date,
    )

    dates: dict[str, dt.date | None] = dict.fromkeys(options)
    given = {option: text for option, text in options.items() if text is not None}
    if not given:
        return dates
    locale = clinic_locale(load_config(root.resolve(), [], LineMap()))
    for option, text in given.items():
        # The value is never repeated in a message: it sits beside the client's details.
        try:
            dates[option] = read_date(text, locale)
        except UnreadableDate as exc:
            wrong.append(Problem("", None, "", f"Invalid value for '{option}': {exc}"))
    early = before_given(dates.get("--next-appointment"), dates.get("--given") or dt.date.today())
    if early:  # a warning: it prints as typed
        click.echo(Problem("", None, "--next-appointment", early, Severity.WARNING).format(),
                   err=True)
    far = far_from_today(dates.get("--given"), dt.date.today())
    if far:  # a warning: a program may be planned ahead
        click.echo(Problem("", None, "--given", far, Severity.WARNING).format(), err=True)
    return dates


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
@click.option("--connect-timeout", type=SECONDS, default=Timeouts.connect, show_default=True,
              metavar="SECONDS",
              help="Seconds to wait for a Dask scheduler to accept the connection, and "
                   "again for its handshake.")
@click.option("--result-timeout", type=SECONDS, default=Timeouts.results, show_default=True,
              metavar="SECONDS",
              help="Seconds a local worker may take for one variant (past it, that worker "
                   "is replaced and the variant fails); on a Dask cluster, seconds to wait "
                   "for its workers to load the project, then for each next finished "
                   "chunk of variants (up to 20).")
@pass_state
def batch(state: _State, jobs: int | None, force: bool, clean: bool, out: Path | None,
          executor: str | None, connect_timeout: float, result_timeout: float) -> None:
    """Build every variant listed in the batch manifest of handouts.yaml."""
    from handouts.commands.processes import start_early

    start_early(executor, jobs)  # the workers' fork server imports while this loads
    from handouts.commands.batch import batch as run_batch
    from handouts.commands.batch import summarize
    from handouts.commands.executors import executor_for

    started = time.perf_counter()
    where = executor_for(executor, Timeouts(connect_timeout, result_timeout))
    loaded = _load(state, say_warnings=False)
    result = run_batch(loaded, jobs=jobs, force=force, clean=clean, out=out,
                       progress=_progress(state), executor=where)
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
              help="File names, e.g. '{client}-{handout}' (default: row number and a hash; "
                   "a program's {handout} is 'program').")
@pass_state
def merge(state: _State, csv_file: Path, out: Path | None, name_pattern: str | None) -> None:
    """One personal handout per row of CSV_FILE (its columns: docs/guides/versions.md),
    and home programs (docs/guides/programs.md).

    \b
    Home programs, from three more columns:
      program    a clinic program (programs/NAME.yaml): this row starts a program
      dose       the row's handout's dose: sets=3 reps=10 hold="30 s" per-day=2
      item_note  the therapist's note for the row's handout
    A row with a dose or an item_note continues the program of the row just above when
    it is the same client's, else starts one; its handout changes the clinic program's
    item for it or is added after the items. A program's rows must be together and
    agree on the therapist, next appointment, note and version. Each program is one
    PDF, program-row<N>-<hash>.pdf (N: its first row). A file with these columns is
    written only when every row is right: nothing is written otherwise.
    """
    from handouts.commands.merge import merge as run_merge

    _refuse(_pattern(name_pattern))
    result = run_merge(_load(state, available=True), csv_file, out=out, name_pattern=name_pattern)
    done = [(line, f"line {line}: wrote {path} ({_pages(pages)})")
            for line, path, pages in result.written]
    for program in result.programs:
        rows = f"row {program.first}" if program.first == program.last else \
            f"rows {program.first}\N{EN DASH}{program.last}"
        handouts = f"{program.handouts} handout{'s' if program.handouts != 1 else ''}"
        done.append((program.first, f"{rows}: program ({handouts}, {_pages(program.pages)})"
                                    f" \N{RIGHTWARDS ARROW} {program.path}"))
    for _, message in sorted(done):
        state.say(message)
    for problem in result.problems:
        click.echo(problem.format(), err=True)
    # Lines of the CSV: a content or program file's errors are reported at the rows using it.
    bad = {p.line for p in result.problems
           if p.severity.value == "error" and p.path == csv_file.name and p.line}
    written = len(result.written) + len(result.programs)
    # The file's own problems (empty, not UTF-8, no rows) are no line's: counted as others.
    elsewhere = sum(p.severity.value == "error" and (p.path != csv_file.name or not p.line)
                    for p in result.problems)
    state.say(f"{written} client PDF(s) written, {len(bad)} line(s) with errors" + (
        f", {elsewhere} other problem{'s' if elsewhere != 1 else ''} (above)"
        if elsewhere else ""))
    if result.all_or_nothing and not result.ok:
        state.say("Nothing was written: a file with programs is written only when every "
                  "row is right." if not written else
                  f"Only {written} PDF(s) were written: a file could not be put in place "
                  "(above); run the merge again when it can.")
    if not result.ok:
        raise click.exceptions.Exit(1)


@cli.command()
@click.argument("handout", required=False)
@click.argument("language", required=False)
@click.option("--theme", "theme_language", metavar="LANGUAGE", default=None,
              help="Start locale/LANGUAGE.po: the theme's own words (headings, page "
                   "counter) and those of your templates/ for a language, to translate in "
                   "this project (run again to add words added since).")
@click.option("--accept", "accept", multiple=True, metavar="FIELD",
              help="Mark the reviewed translation of FIELD (its msgctxt, e.g. steps[2].text) "
                   "done: removes its fuzzy flag. Repeat for more fields.")
@click.option("--accept-all", is_flag=True,
              help="Mark every reviewed out-of-date (fuzzy) translation done.")
@click.option("--reviewed-by", "reviewer", metavar="NAME", default=None,
              help="With --theme LANGUAGE: record that NAME (a native speaker) reviewed the "
                   "theme's words in that language, as printed, in locale/LANGUAGE.po.")
@pass_state
def translate(state: _State, handout: str | None, language: str | None,
              theme_language: str | None, accept: tuple[str, ...], accept_all: bool,
              reviewer: str | None) -> None:
    """Create or update content/HANDOUT.LANGUAGE.po for a translator to fill in
    (or, with --theme LANGUAGE, start the theme's words in locale/LANGUAGE.po, and with
    --reviewed-by NAME record their review)."""
    from handouts.commands.translate import (
        before_translating,
        check_language,
        update_translation,
    )
    from handouts.variants.i18n import language_name, review_theme_catalog, start_theme_catalog

    if reviewer is not None and theme_language is None:
        raise click.UsageError("--reviewed-by records the review of the theme's words: "
                               "handouts translate --theme LANGUAGE --reviewed-by NAME")
    if theme_language is not None:
        if handout or language or accept or accept_all:
            raise click.UsageError("--theme takes only the language: handouts translate "
                                   "--theme LANGUAGE")
        if reviewer is not None:
            review = review_theme_catalog(state.root.resolve(), theme_language, reviewer,
                                          dt.date.today())
            filled = f"; {review.added} taken from the built-in catalog as printed" \
                if review.added else ""
            state.say(f"recorded in {review.path.relative_to(state.root.resolve()).as_posix()}"
                      f": the {language_name(theme_language)} theme words ({review.words}) "
                      f"were reviewed by {' '.join(reviewer.split())}{filled}")
            return
        made = start_theme_catalog(state.root, theme_language)
        name = made.path.relative_to(state.root).as_posix()
        own = f", {made.own} of them from templates/" if made.own else ""
        if made.created:
            state.say(f"created {name} ({made.added} theme words to translate{own})")
        elif made.added:
            state.say(f"added {made.added} word{'s' if made.added != 1 else ''} to translate "
                      f"to {name}{own}; its translations are kept")
        else:
            state.say(f"{name} already has every word of the theme and of templates/; "
                      "translate them there")
        return
    if handout is None or language is None:
        raise click.UsageError("give a handout and a language (handouts translate HANDOUT "
                               "LANGUAGE), or --theme LANGUAGE")
    check_language(language)
    loaded = _load(state, (handout,))
    for warning in before_translating(loaded, handout, language):  # up front, not lost
        click.echo(warning.format(), err=True)
    result = update_translation(loaded, handout, language, accept=accept,
                                accept_all=accept_all)
    state.say(result.describe())


@cli.command("check")
@click.argument("handout", nargs=-1)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: one object with problems, grades, pages and "
                                      "coverage.")
@click.option("--no-render", is_flag=True, help="Skip the checks that render PDFs (page fit).")
@click.option("--quick", is_flag=True,
              help="Check only the default version of each handout (default: every "
                   "language, audience, paper and print size the project defines).")
@pass_state
def check_command(state: _State, handout: tuple[str, ...], strict: bool, fmt: str,
                  no_render: bool, quick: bool) -> None:
    """Check reading level, plain words, contrast, images, safety, page fit and reviews."""
    from handouts.commands.check import check as run_check

    try:
        loaded = _load(state, handout, say_warnings=False, available=True)
        report = run_check(loaded, render=not no_render, quick=quick)
    except HandoutsError as error:
        if fmt != "json":
            # check writes nothing ever: say what it could not do instead.
            error.outcome = "no check was run."
            raise
        # A job reading JSON must get JSON whatever happened: the project could not be
        # loaded, so there is nothing covered and every problem is a load problem.
        click.echo(_check_json(False, None, error.problems, [], []))
        raise click.exceptions.Exit(error.exit_code) from None
    failed = report.errors(strict)
    coverage = report.coverage
    if fmt == "json":
        click.echo(_check_json(not failed, coverage.as_json() if coverage else None,
                               report.problems, report.grades, report.pages))
    else:
        if coverage is not None:  # first: what a pass (or a failure) is about
            state.say(coverage.describe())
        for problem in report.problems:
            click.echo(problem.format(), err=bool(failed))
        for note in report.layout_notes():  # deliberate, explained: with -v
            state.say(note, level=1)
        errors = len(report.errors())
        warnings = len(report.problems) - errors
        state.say(f"{errors} error(s), {warnings} warning(s)")
    if failed:
        raise click.exceptions.Exit(1)


def _check_json(ok: bool, coverage: dict[str, Any] | None, problems: list[Problem],
                grades: list[dict[str, Any]], pages: list[dict[str, Any]]) -> str:
    """The one JSON object of ``check --format json``, for a report or a load failure."""
    return json.dumps({
        "ok": ok, "coverage": coverage,
        "problems": [{"path": p.path, "line": p.line, "field": p.field,
                      "severity": p.severity.value, "message": p.message} for p in problems],
        "grades": grades, "pages": pages}, indent=2)


@cli.command("program")
@click.argument("name", required=False, metavar="[PROGRAM]")
@click.option("--item", "items", multiple=True, metavar="'HANDOUT [KEY=VALUE...]'",
              help="A handout with its dose, e.g. --item 'desk-stretch-break sets=3 reps=10 "
                   "hold=\"30 s\" per-day=2 note=\"Go slow\"'. Keys: sets, reps, hold, "
                   "minutes, rest, per-day, days-per-week, weeks, side (left, right, both, "
                   "each), text, note. With PROGRAM, changes that handout's dose (or adds "
                   "it). Repeat for each handout.")
@click.option("--client", required=True, help="Client name, printed on every page's plan.")
@click.option("--therapist", default=None, help="The therapist's name.")
@click.option("--note", default=None, help="A note from the therapist, printed on the cover.")
@click.option("--next-appointment", default=None,
              help="Next appointment date, e.g. 2026-12-15 or as the clinic writes dates.")
@click.option("--given", default=None,
              help="The day the program starts (the cover's date and the tracking "
                   "sheet's first day; default: today).")
@click.option("--weeks", type=int, default=None,
              help="Weeks on the tracking sheet (default: the program's, else the "
                   "longest item's, else 1).")
@click.option("--right-hand", is_flag=True,
              help="Start each handout on a right-hand page (for double-sided printing).")
@click.option("--paper", type=click.Choice(PAPER_CHOICES), default=None,
              help="Paper size (default: from handouts.yaml).")
@click.option("--audience", default=GENERAL, show_default=True,
              help="The audience version of every handout.")
@click.option("--language", default=None, help="The language of the whole program, e.g. es.")
@click.option("--large-print", is_flag=True, help="The large-print version.")
@click.option("--location", default=None,
              help="The clinic location whose address and phone print.")
@click.option("--out", type=OUT, default=None, help="Output folder (default: from handouts.yaml).")
@click.option("--record", "show_record", is_flag=True,
              help="Print a paragraph for the client's file in your own records system "
                   "(what was given, no client name).")
@pass_state
def program_command(state: _State, name: str | None, items: tuple[str, ...], client: str,
                    therapist: str | None, note: str | None, next_appointment: str | None,
                    given: str | None, weeks: int | None, right_hand: bool, paper: str | None,
                    audience: str, language: str | None, large_print: bool,
                    location: str | None, out: Path | None, show_record: bool) -> None:
    """Make a client's home program: a cover, each handout with its dose in a "Your
    plan" box, and a tracking sheet, in one PDF (from PROGRAM, a file in programs/,
    and/or --item)."""
    from handouts.commands.packet import (
        ITEM_FLAG,
        NO_HANDOUTS,
        ItemChange,
        item_handout,
        parse_item,
    )
    from handouts.commands.program import plan, program_uses, write_program
    from handouts.project.programs import MAX_WEEKS, Dosage, program_name
    from handouts.variants.clients import Client

    # Each --item in its place, a bad dose read as none: so what planning says of the
    # others (a handout that does not exist, one given twice) keeps their numbers. With
    # no problem, every --item is read whole.
    changes: list[ItemChange] = []
    problems: list[Problem] = []
    for number, spec in enumerate(items, start=1):
        change, found = parse_item(spec, number)
        problems += found
        handout = item_handout(spec)
        if change is None and handout is not None:
            change = ItemChange(handout, Dosage(), None)
        if change is not None:  # an --item that names no handout is left out, said above
            changes.append(ItemChange(change.handout, change.dosage, change.note, number))
    # Judged here, with every other mistake (Click's range said it alone, first).
    if weeks is not None and not 1 <= weeks <= MAX_WEEKS:
        problems.append(Problem("--weeks", None, "",
                                f"must be a number of weeks from 1 to {MAX_WEEKS}"))
        weeks = None
    # A program named by its file (shell completion adds .yaml) is the same program.
    name = program_name(name) if name is not None else None
    # Bad options are usage mistakes (exit 2), every one of them said at once.
    dates = _dates(state.root, {"--next-appointment": next_appointment, "--given": given},
                   problems)
    person = Client(client, note, therapist, dates["--next-appointment"])
    start = dates["--given"]
    version = {"audience": audience, "language": language, "paper": paper,
               "print_size": "large" if large_print else "standard", "location": location,
               "weeks": weeks, "right_hand": right_hand, "given": start}
    # Only the handouts of this program must load: a typo saved in another one's file
    # stops nothing here (as for `build` of one handout).
    uses = program_uses(state.root, name, tuple(changes))
    try:
        loaded = _load(state, uses=uses, say_warnings=not problems)
    except HandoutsError as exc:
        if problems:  # said with the usage mistakes, not on the next run
            _refuse(problems + exc.problems)
        raise
    # What planning finds of an --item (a handout that does not exist, one given twice)
    # is a bad --item: a usage mistake (exit 2) whatever else is wrong, said with every
    # other. The client's text is judged as `build --client` judges it (exit 1).
    try:
        plan(loaded, client=person, program_name=name, changes=tuple(changes),
             **version)  # type: ignore[arg-type]
    except HandoutsError as exc:
        if problems or any((p.field or p.path).startswith(ITEM_FLAG) for p in exc.problems):
            # --item was given, and what is wrong with it is said: "needs at least one
            # handout" would tell the user to do what they did.
            _refuse(problems + [p for p in exc.problems
                                if not (items and p.message == NO_HANDOUTS)])
        raise
    _refuse(problems)
    written = write_program(loaded, client=person, program_name=name,
                            changes=tuple(changes), out=out, **version)  # type: ignore[arg-type]
    for problem in written.output.problems:
        click.echo(problem.format(), err=True)
    handouts = len(written.output.starts)
    state.say(f"wrote {written.path} ({_pages(written.output.pages)}: cover, {handouts} "
              f"handout{'s' if handouts != 1 else ''}, tracking sheet)")
    if show_record:
        click.echo(written.record)


@cli.command("list")
@pass_state
def list_command(state: _State) -> None:
    """List the handouts with their title, number of steps and last review."""
    from handouts.commands.listing import list_handouts, list_programs

    # Every handout broken: each is still listed as having errors (it printed nothing
    # but the errors, and "nothing was written", which a list never writes).
    loaded = _load(state, available=True, even_if_none=True)
    rows = list_handouts(loaded)
    programs, problems = list_programs(loaded)
    width = max([24, *(len(row.name) for row in rows)])
    for row in rows:
        # Starter text from the library has placeholder review fields: never shown as a review.
        reviewed = "starter text, not reviewed" if row.starter else f"reviewed {row.reviewed}"
        click.echo(f"{row.name:<{width}} has errors (below)" if row.broken else
                   f"{row.name:<{width}} {row.steps:>2} steps  {reviewed}  {row.title}")
    if programs:
        click.echo("\nPrograms (programs/*.yaml):")
        for item in programs:
            count = f"{item.handouts} handout{'s' if item.handouts != 1 else ''}"
            click.echo(f"{item.name:<{width}} has errors (below)" if item.broken else
                       f"{item.name:<{width}} {count:<11} {item.title}")
    _refuse_after([p for found in loaded.broken.values() for p in found] + problems,
                  "the rest is listed above.")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--with-theme", is_flag=True,
              help="Also copy the theme's handout.html.j2 and handout.css into templates/ "
                   "to start a design from.")
@click.option("--name", default=None, help="Your clinic's name.")
@click.option("--phone", default=None, help="Your clinic's phone number.")
@click.option("--city", default=None, help="Your clinic's city.")
@click.option("--phone-region", default=None, metavar="CC",
              help="The country your phone numbers are written for, as two letters: US "
                   "(the default), CA, MX, GB, ES...")
@click.option("--library", "library_values", multiple=True, metavar="all|none|NAME,...",
              help="Also add handouts from the starter library: all, none (the default "
                   "without a terminal) or names; see 'handouts add --list'.")
@click.option("--ask/--no-ask", default=None,
              help="Ask for the details not given (default: when run on a terminal).")
@pass_state
def init(state: _State, directory: Path, with_theme: bool, name: str | None,
         phone: str | None, city: str | None, phone_region: str | None,
         library_values: tuple[str, ...], ask: bool | None) -> None:
    """Create a new handout project in DIRECTORY from the built-in example."""
    from handouts.commands.init import ClinicDetails, init_project
    from handouts.commands.starter import ALL, NONE, library

    _imported()

    if ask is None:
        ask = sys.stdin.isatty()
    if ask:
        name = name or click.prompt("Your clinic's name")
        phone = phone or click.prompt("Its phone number", value_proc=functools.partial(
            _phone, region=phone_region))
        city = city or click.prompt("Its city")
        if not library_values:
            click.echo(f"The starter library has {len(library())} handouts, in English and "
                       "Spanish (handouts add --list shows them).")
            library_values = (click.prompt(
                f"Add which? {ALL}, {NONE}, or names separated by commas", default=ALL,
                value_proc=_library),)
    details = ClinicDetails(name, phone, city, phone_region)
    created = init_project(directory, with_theme=with_theme, details=details,
                           folders=True, library=library_values)
    for path in created:
        state.say(f"created {path}")
    state.say(f"Next: cd {shlex.quote(str(directory))} && handouts build")


def _library(value: str) -> str:
    """Library names accepted by ``--library``, or an error that makes click ask again."""
    from handouts.commands.starter import choose

    try:
        choose([value], "--library")
    except HandoutsError as exc:
        raise click.UsageError("; ".join(p.message for p in exc.problems)) from None
    return value


@cli.command("add")
@click.argument("names", nargs=-1, metavar="[NAME|all]...")
@click.option("--list", "show", is_flag=True,
              help="List the starter library: each handout's name, languages and title.")
@pass_state
def add_command(state: _State, names: tuple[str, ...], show: bool) -> None:
    """Copy handouts from the starter library into this project, with their
    translations and pictures (never over a file that is already there)."""
    from handouts.commands.starter import ALL, add_handouts, choose, library

    _imported()

    if show:
        width = max(len(h.name) for h in library())
        for handout in library():
            click.echo(f"{handout.name:<{width}}  {', '.join(handout.languages):<6}  "
                       f"{handout.title}")
        return
    if not names:
        raise click.UsageError("name the handouts to add, or 'all' (handouts add --list "
                               "shows them)")
    # Only 'all' besides the names: 'none' (init's word for no handouts) is refused here
    # like any other name the library does not have, never read as "add nothing".
    result = add_handouts(state.root, choose(names, "NAME", keywords=(ALL,)))
    for path in result.added:
        state.say(f"added {path}")
    for problem in result.kept + result.notes:
        click.echo(problem.format(), err=True)
    state.say(f"{len(result.added)} file(s) added, {len(result.kept)} skipped")


def _phone(value: str, region: str | None = None) -> str:
    """A phone number accepted by the config (in ``region``, when --phone-region gives
    one that is a region), or an error that makes click ask again."""
    from handouts.commands.init import STARTER_REGION, phone_problem
    from handouts.project.config import region_problem

    code = (region or STARTER_REGION).strip().upper()
    problem = phone_problem(value, STARTER_REGION if region_problem(code) else code)
    if problem is not None:
        raise click.UsageError(problem)
    return value


@cli.command()
@pass_state
def doctor(state: _State) -> None:
    """Check that everything handouts needs is installed, and say how to fix what is not."""
    from handouts.commands.doctor import diagnose

    _imported()

    report = diagnose(state.root)
    shown = True
    for line in report.lines:
        # -q: only what is not ok (a "fix:" line goes with the line it follows).
        if not line.startswith("       "):
            shown = state.verbosity >= 0 or not line.startswith("[ok")
        if shown:
            click.echo(line)
    if not report.ok:
        raise click.exceptions.Exit(1)


def _show_server_log(verbosity: int) -> None:
    """The desk's own warnings (a renderer replaced, an error serving a page: their kind,
    never request data) on stderr unless -q: the owner sees that something went wrong."""
    logger = logging.getLogger("handouts.web")
    for handler in [h for h in logger.handlers if isinstance(h, _ServerLogHandler)]:
        logger.removeHandler(handler)  # a second run in the same process (tests)
    logger.setLevel(logging.NOTSET)
    logger.propagate = True
    if verbosity < 0 or verbosity >= 2:  # -q: nothing; -vv: the root handler shows all
        return
    handler = _ServerLogHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s handouts serve: %(message)s",
                                           "%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbosity >= 1 else logging.WARNING)
    logger.propagate = False


class _ServerLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Prints the desk's warnings to stderr."""


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this computer needs the printed token.")
@click.option("--location", default=None,
              help="This desk's location (a clinic group's clinic.locations name): the form's "
                   "default.")
@click.option("--cert", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Serve HTTPS with this certificate (PEM); needs --key.")
@click.option("--key", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The certificate's private key (PEM).")
@click.option("--new-token", is_flag=True,
              help="Make a new access token (every browser must open the new address once).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Also accept this name for the server (a reverse proxy's, a DNS name set "
                   "up by the clinic's IT); repeatable. Not needed for this computer's own "
                   "names (NAME, NAME.local) and addresses.")
@pass_state
def serve(state: _State, port: int, host: str, location: str | None, cert: Path | None,
          key: Path | None, new_token: bool, allow_hosts: tuple[str, ...]) -> None:
    """Open the front desk and live preview in a web browser."""
    from handouts.web.serve import serve as run_server

    _imported()

    _show_server_log(state.verbosity)
    run_server(state.root, host=host, port=port, say=click.echo, location=location,
               cert=cert, key=key, new_token=new_token, allow_hosts=allow_hosts)


def main() -> None:
    """Console-script entry point."""
    from handouts.startup import pause

    # No collections while the command imports what it needs: its project's loading
    # (or the engine's, or the server's start) turns them back on (handouts.startup).
    pause()
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    cli(prog_name="handouts")
