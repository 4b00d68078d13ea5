"""``handouts list``: what handouts a project has."""

from __future__ import annotations

from dataclasses import dataclass

from handouts.errors import Problem
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
    #: The content file has errors (``title``, ``steps`` and ``reviewed`` are unknown).
    broken: bool = False


def list_handouts(loaded: Loaded) -> list[HandoutRow]:
    """Every handout in name order: those loaded, and those whose file has errors
    (:attr:`~handouts.project.load.Loaded.broken`) as broken rows."""
    rows = [HandoutRow(d.name, d.handout.title, len(d.handout.steps),
                       d.handout.review.reviewed.isoformat(), d.handout.starter)
            for d in loaded.documents]
    rows += [HandoutRow(name, "", 0, "", broken=True) for name in loaded.broken]
    return sorted(rows, key=lambda row: row.name)


@dataclass(frozen=True)
class ProgramRow:
    """One clinic program in ``handouts list``."""

    name: str
    title: str
    handouts: int
    #: The program file has errors (``title`` and ``handouts`` are unknown).
    broken: bool = False


def list_programs(loaded: Loaded) -> tuple[list[ProgramRow], list[Problem]]:
    """Every clinic program (``programs/*.yaml``) of the loaded project in name order,
    validated against its handouts (those whose files have errors too), with every
    problem found: a program whose file has errors is a broken row."""
    from handouts.project.programs import discover_programs, languages_in_use, load_programs

    problems: list[Problem] = []
    names = {d.name for d in loaded.documents} | set(loaded.broken)
    good = load_programs(loaded.root, names, problems,
                         languages=languages_in_use(loaded.documents))
    rows = [ProgramRow(name, good[name].program.title, len(good[name].program.items))
            if name in good else ProgramRow(name, "", 0, broken=True)
            for name in discover_programs(loaded.root)]
    return rows, problems
