"""One error family for everything a user can get wrong.

Every problem carries the file, line and field it is about, so the CLI can print
``content/back-massage.yaml:14: steps[2].text: must not be empty`` and the user
can jump straight to it. Problems are collected, never raised one at a time, so a
single run reports everything that is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import click


class Severity(StrEnum):
    """How bad a problem is: errors stop a build, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    path: str
    line: int | None
    field: str
    message: str
    severity: Severity = Severity.ERROR
    #: Optional lines shown under the message (the offending source line with a caret
    #: under the column), already indented. Not part of the one-line :meth:`format`.
    excerpt: str = field(default="", compare=False)

    def format(self) -> str:
        """Render as ``path:line: field: message`` (parts we do not know are left out)."""
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{where}: {prefix}{what}" if where else f"{prefix}{what}"

    def format_full(self) -> str:
        """:meth:`format`, followed by the excerpt lines when there are any."""
        return f"{self.format()}\n{self.excerpt}" if self.excerpt else self.format()


class HandoutsError(click.ClickException):
    """Base of every error we report to the user; the CLI never shows a traceback.

    Subclassing ``click.ClickException`` means Click prints it and exits with
    ``exit_code`` without any try/except in the command functions.
    """

    exit_code = 1
    #: Printed after the problems; subclasses say what happened to the output.
    outcome = "nothing was written."

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", None, "", problems)]
        # The same problem found through several pages (a broken logo on every
        # handout) is one thing to fix: said once.
        self.problems: list[Problem] = in_file_order(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

    def show(self, file: object = None) -> None:
        """Print every problem on its own line, then a one-line summary, to stderr."""
        for problem in self.problems:
            click.echo(problem.format_full(), err=True)
        errors = sum(p.severity is Severity.ERROR for p in self.problems)
        click.echo(f"{errors} error{'s' if errors != 1 else ''}; {self.outcome}", err=True)


class OptionError(HandoutsError):
    """A command-line option (or argument) has a value that cannot be used: a usage
    mistake, so the exit status is 2, like Click's own; the CLI shows it as a
    ``click.UsageError``, with the command's usage line. Each problem's path is the
    option (``--location``)."""

    exit_code = 2


class ValidationError(HandoutsError):
    """The project's config or content is invalid; nothing was rendered."""


class RenderError(HandoutsError):
    """A handout could not be turned into a PDF (missing image, refused resource...)."""


class OutputError(HandoutsError):
    """The output could not be written (read-only folder, full disk...)."""

    outcome = "files that could not be written keep their previous version."


def in_file_order(problems: Iterable[Problem]) -> list[Problem]:
    """``problems`` once each, by file, then line, then field (numbers as numbers), as
    every command lists them: the order a user fixes them in."""
    return sorted(dict.fromkeys(problems), key=_sort_key)


def _sort_key(p: Problem) -> tuple[Any, ...]:
    return (_natural(p.path), p.line or 0, _natural(p.field))


def _natural(text: str) -> tuple[str | int, ...]:
    """``text`` with its numbers compared as numbers: ``--item 2`` before ``--item 10``,
    ``items[2]`` before ``items[10]``."""
    return tuple(int(part) if n % 2 else part
                 for n, part in enumerate(re.split(r"(\d+)", text)))


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that must stop a build."""
    return [p for p in problems if p.severity is Severity.ERROR]
