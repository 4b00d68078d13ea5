"""The clinic programs (``programs/*.yaml``), checked against every handout of the project."""

from __future__ import annotations

from pathlib import Path

from handouts.errors import Problem
from handouts.project.content import discover
from handouts.project.programs import ClinicProgram, load_programs


def program_problems(root: Path) -> tuple[dict[str, ClinicProgram], list[Problem]]:
    """The project's clinic programs (``programs/*.yaml``) that load, and every problem
    of their files."""
    problems: list[Problem] = []
    programs = load_programs(root, set(discover(root / "content")), problems)
    return programs, problems
