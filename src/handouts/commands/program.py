"""``handouts program``: a client's home program written as one PDF, with the record
for the clinic's own files (the packet itself: :mod:`handouts.commands.packet`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from handouts.commands.options import version_options
from handouts.commands.packet import (
    ItemChange,
    make_program,
    plan_program,
    record,
    weeks_as_filed,
)
from handouts.errors import Problem, Severity, ValidationError, in_file_order
from handouts.output import write_atomic
from handouts.project.load import Loaded
from handouts.project.namekey import name_key
from handouts.project.programs import (
    PROGRAM_NAME_RE,
    ClinicProgram,
    discover_programs,
    languages_in_use,
    load_clinic_programs,
    load_programs,
    outlasting_item,
)
from handouts.project.schema import Paper, PrintSize
from handouts.render.result import Rendered
from handouts.variants.clients import Client
from handouts.variants.plan import GENERAL
from handouts.variants.program import Program


@dataclass(frozen=True)
class Written:
    """A program written by :func:`write_program`."""

    path: Path
    output: Rendered
    record: str


def program_uses(root: Path, program_name: str | None,
                 changes: tuple[ItemChange, ...]) -> Callable[[set[str]], set[str]]:
    """The handouts a program uses, for :func:`~handouts.project.load.load_used`: those
    the changes name, and the clinic program's items (read against ``names``, every
    handout of the project; a program file with errors adds none, and is reported
    when the program is made)."""
    def uses(names: set[str]) -> set[str]:
        used = {change.handout for change in changes}
        if program_name is not None:
            clinic = load_programs(root.resolve(), names, []).get(program_name)
            if clinic is not None:
                used |= {item.handout for item in clinic.program.items}
        return used
    return uses


def plan(loaded: Loaded, *, client: Client, program_name: str | None = None,
         changes: tuple[ItemChange, ...] = (), audience: str = GENERAL,
         language: str | None = None, paper: Paper | None = None,
         print_size: PrintSize = "standard", location: str | None = None,
         weeks: int | None = None, right_hand: bool = False,
         given: dt.date | None = None) -> tuple[Program, list[Problem]]:
    """The program planned from the loaded project (every check made before anything
    is rendered; else a :class:`~handouts.errors.HandoutsError` with every problem),
    and the warnings its clinic program's file gets (those ``list`` and ``check``
    give)."""
    project = loaded.project
    documents = {d.name: d for d in loaded.documents}
    version_options(project, audience=audience, language=language, location=location)
    clinic_program = None
    file_warnings: list[Problem] = []
    if program_name is not None:
        programs = load_clinic_programs(project.root, loaded.documents, only=program_name)
        clinic_program = programs.get(program_name)
        if clinic_program is not None:  # what list and check warn about it, said here too
            found: list[Problem] = []
            load_programs(project.root, {d.name for d in loaded.documents}, found,
                          only={program_name},
                          languages=languages_in_use(loaded.documents))
            file_warnings = [p for p in found if p.severity is Severity.WARNING]
        if clinic_program is None:
            # Every program file, those that do not load now too: the name is the question.
            known = ", ".join(discover_programs(project.root)) or \
                "none: add programs/<name>.yaml"
            if not PROGRAM_NAME_RE.match(program_name):  # a path, not a program's name
                raise ValidationError([Problem("PROGRAM", None, "", (
                    f"'{program_name}' is not the name of a clinic program (a file "
                    f"programs/<name>.yaml of this project; available: {known})"))])
            raise ValidationError([Problem(f"programs/{program_name}.yaml", None, "",
                                           f"no such program (available: {known})")])
    program = plan_program(project, documents, client=client,
                           clinic_program=clinic_program, changes=changes,
                           audience=audience, language=language, paper=paper,
                           print_size=print_size, location=location, weeks=weeks,
                           right_hand=right_hand, given=given)
    if clinic_program is not None:
        file_warnings = [p for p in file_warnings
                         if not _sheet_not_printed(p, clinic_program, program)]
    return program, file_warnings


def _sheet_not_printed(problem: Problem, clinic_program: ClinicProgram,
                       program: Program) -> bool:
    """Whether ``problem`` is the file's own "dose longer than the program's weeks"
    for a sheet or a dose this program does not print (``--weeks`` gave the sheet
    other weeks, ``--item`` the dose other weeks, or the item was left out): the
    planned program is judged as printed instead (``packet.doses_beyond_sheet``, by
    the same rule, ``packet.weeks_as_filed``). QA: ``--weeks 3`` still printed the
    file's warning against its 1 week, and ``--weeks 2`` said one dose twice."""
    index = outlasting_item(problem)
    own = clinic_program.program.items
    if index is None or not 0 <= index < len(own):
        return False
    handout = own[index].handout
    planned = next((i for i in program.items if i.handout == handout), None)
    return planned is None or not weeks_as_filed(clinic_program, handout,
                                                 planned.dosage.weeks, program.weeks)


def write_program(loaded: Loaded, *, client: Client, program_name: str | None = None,
                  changes: tuple[ItemChange, ...] = (), audience: str = GENERAL,
                  language: str | None = None, paper: Paper | None = None,
                  print_size: PrintSize = "standard", location: str | None = None,
                  weeks: int | None = None, right_hand: bool = False,
                  given: dt.date | None = None, out: Path | None = None) -> Written:
    """Make the program from the loaded project (every handout; see :func:`plan`) and
    write it to ``<out>/clients/program-<hash>.pdf`` (the hash hides who it is for).
    Nothing is written unless everything validates and renders."""
    project = loaded.project
    documents = {d.name: d for d in loaded.documents}
    program, file_warnings = plan(loaded, client=client, program_name=program_name,
                                  changes=changes, audience=audience, language=language,
                                  paper=paper, print_size=print_size, location=location,
                                  weeks=weeks, right_hand=right_hand, given=given)
    output = make_program(project, documents, program)
    if file_warnings:  # listed with the packet's own, in file order (as `check` lists them)
        output = dataclasses.replace(output, problems=in_file_order(
            file_warnings + list(output.problems)))
    digest = client.fingerprint(name_key(project.root), "program",
                                *(f"{i.handout}:{i.dosage!r}:{i.note}" for i in program.items),
                                program.language, program.audience, program.paper,
                                program.print_size, str(program.location))
    target = project.output_dir(out) / "clients" / f"program-{digest}.pdf"
    write_atomic(target, output.pdf)
    return Written(target, output, record(project, documents, program))


