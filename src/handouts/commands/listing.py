"""``handouts list``: what handouts a project has."""

from __future__ import annotations

from dataclasses import dataclass

from handouts.project.load import Loaded


@dataclass(frozen=True)
class HandoutRow:
    """One line of ``handouts list``."""

    name: str
    title: str
    steps: int
    reviewed: str
    #: Starter text from the library, not yet reviewed (``reviewed`` is a placeholder).
    starter: bool = False


def list_handouts(loaded: Loaded) -> list[HandoutRow]:
    """Every loaded handout (:func:`~handouts.project.load.load_project`), in name order."""
    return [HandoutRow(d.name, d.handout.title, len(d.handout.steps),
                       d.handout.review.reviewed.isoformat(), d.handout.starter)
            for d in sorted(loaded.documents, key=lambda d: d.name)]


@dataclass(frozen=True)
class ProgramRow:
    """One clinic program in ``handouts list``."""

    name: str
    title: str
    handouts: int


def list_programs(loaded: Loaded) -> list[ProgramRow]:
    """Every clinic program (``programs/*.yaml``) of the loaded project, validated against
    its handouts, in name order; raises
    :class:`~handouts.errors.ValidationError` when one has a problem."""
    from handouts.project.programs import load_clinic_programs

    return [ProgramRow(name, p.program.title, len(p.program.items))
            for name, p in load_clinic_programs(loaded.root, loaded.documents).items()]
