"""The clinic programs (``programs/*.yaml``), checked against every handout of the project."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from handouts.errors import Problem
from handouts.project.content import discover
from handouts.project.programs import ClinicProgram, load_programs


def program_problems(root: Path, languages: Collection[str] | None = None
                     ) -> tuple[dict[str, ClinicProgram], list[Problem]]:
    """The project's clinic programs (``programs/*.yaml``) that load, and every problem
    of their files (``languages``: those the handouts are in, to judge each program's
    ``translations:``; see :func:`~handouts.project.programs.load_programs`)."""
    problems: list[Problem] = []
    programs = load_programs(root, set(discover(root / "content")), problems,
                             languages=languages)
    return programs, problems
