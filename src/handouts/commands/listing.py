"""``handouts list``: what handouts a project has."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handouts.project.load import load_project


@dataclass(frozen=True)
class HandoutRow:
    """One line of ``handouts list``."""

    name: str
    title: str
    steps: int
    reviewed: str
    #: Starter text from the library, not yet reviewed (``reviewed`` is a placeholder).
    starter: bool = False


def list_handouts(root: Path) -> list[HandoutRow]:
    """Every handout in the project, validated, in name order."""
    _, documents = load_project(root)
    return [HandoutRow(d.name, d.handout.title, len(d.handout.steps),
                       d.handout.review.reviewed.isoformat(), d.handout.starter)
            for d in documents]


@dataclass(frozen=True)
class ProgramRow:
    """One clinic program in ``handouts list``."""

    name: str
    title: str
    handouts: int


def list_programs(root: Path) -> list[ProgramRow]:
    """Every clinic program (``programs/*.yaml``), validated, in name order; raises
    :class:`~handouts.errors.ValidationError` when one has a problem."""
    from handouts.project.programs import load_clinic_programs

    _, documents = load_project(root)
    return [ProgramRow(name, p.program.title, len(p.program.items))
            for name, p in load_clinic_programs(root, documents).items()]
