"""The clinic programs (``programs/*.yaml``), checked against every handout of the project."""

from __future__ import annotations

from pathlib import Path

from handouts.errors import Problem
from handouts.project.content import discover
from handouts.project.programs import load_programs


def program_problems(root: Path) -> list[Problem]:
    """Every problem of the project's clinic programs (``programs/*.yaml``)."""
    problems: list[Problem] = []
    load_programs(root, set(discover(root / "content")), problems)
    return problems
