"""The ``handouts`` command: Click only, a few lines per command.

Each command calls one library function; errors are :class:`HandoutsError`
subclasses (Click exceptions), so no command needs a try/except.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import click

from handouts import __version__
from handouts.build import build as build_handouts
from handouts.doctor import diagnose
from handouts.listing import list_handouts
from handouts.scaffold import init_project


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
    ctx.obj = _State(project, verbosity)


@cli.command()
@click.argument("handout", nargs=-1)
@click.option("--paper", type=click.Choice(["letter", "a4"]), default=None,
              help="Paper size (default: from handouts.yaml).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: from handouts.yaml).")
@pass_state
def build(state: _State, handout: tuple[str, ...], paper: str | None, out: Path | None) -> None:
    """Render HANDOUT(s) to PDF (all handouts when none are named)."""
    started = time.perf_counter()
    result = build_handouts(state.root, handout, paper=paper, out=out)  # type: ignore[arg-type]
    for problem in result.warnings:
        click.echo(problem.format(), err=True)
    for item in result.built:
        state.say(f"wrote {item.path} ({item.pages} page{'s' if item.pages != 1 else ''})")
    state.say(f"{len(result.built)} PDF(s) in {time.perf_counter() - started:.2f}s", 1)


@cli.command("list")
@pass_state
def list_command(state: _State) -> None:
    """List the handouts with their title, number of steps and last review."""
    rows = list_handouts(state.root)
    for row in rows:
        click.echo(f"{row.name:<24} {row.steps:>2} steps  reviewed {row.reviewed}  {row.title}")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@pass_state
def init(state: _State, directory: Path) -> None:
    """Create a new handout project in DIRECTORY from the built-in example."""
    created = init_project(directory)
    for path in created:
        state.say(f"created {path}")
    state.say(f"Next: cd {directory} && handouts build")


@cli.command()
def doctor() -> None:
    """Check that everything handouts needs is installed, and say how to fix what is not."""
    report = diagnose()
    for line in report.lines:
        click.echo(line)
    if not report.ok:
        raise click.exceptions.Exit(1)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="handouts")
