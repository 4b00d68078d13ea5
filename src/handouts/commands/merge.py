"""``handouts merge``: one personal handout per row of a CSV file (mail merge), and
home programs.

Columns (header row required; only ``client`` and ``handout`` must be filled):
``client, handout, audience, language, paper, large_print, therapist,
next_appointment, note, location``. A bad row is reported with its line number and the
good rows are still built. Reading and checking the CSV is
:mod:`handouts.variants.clientcsv`; its messages never repeat a value from a row.

Home programs come from three more columns: ``program`` (a clinic program,
``programs/<name>.yaml``), ``dose`` (the row's handout's dose as ``key=value`` words:
``sets=3 reps=10 hold="30 s" per-day=2``) and ``item_note`` (the therapist's note for
that handout). A row with a ``program`` name starts a program; a row with a ``dose`` or
an ``item_note`` continues the program of the row just above if it is the same
client's, else starts one; its handout adjusts the clinic program's item for it or is
added after the items, in the file's order. The rows of one program must agree on the
therapist, next appointment, note and version, and be together in the file (the full
rule, and each ambiguity it refuses: :func:`~handouts.variants.clientcsv.split_programs`).
Rows without those columns' values are copies of their own, as before.

A file whose header names a program column is all or nothing: every row is read, every
program planned and checked, then every PDF rendered in memory, and only when nothing is
wrong is anything written (a program must never go out without a row that had a typo).
Each program is one PDF, ``<out>/clients/program-row<N>-<hash>.pdf`` (``N``: its first
row; the hash hides who it is for), unless ``--name-pattern`` says otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from handouts.checks.gate import refuse_broken_templates, refuse_on_check_errors
from handouts.checks.glyphs import check_client
from handouts.commands.fitting import read_kept
from handouts.commands.inmemory import variant_pdf
from handouts.commands.inputs import Inputs
from handouts.commands.packet import ITEM_PART, ItemChange, make_program, plan_program
from handouts.errors import HandoutsError, Problem, Severity, errors_only
from handouts.output import write_all, write_atomic
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.project.load import Loaded
from handouts.project.namekey import name_key
from handouts.project.programs import (
    ClinicProgram,
    Dosage,
    discover_programs,
    languages_in_use,
    load_programs,
)
from handouts.render.limits import WITH_CLIENT
from handouts.render.personal import PersonalCopies
from handouts.render.runner import settle
from handouts.variants.clientcsv import Choices, ProgramRows, Row, read_table, split_programs
from handouts.variants.clients import Client
from handouts.variants.dates import before_given, clinic_locale
from handouts.variants.naming import check_pattern, client_filename
from handouts.variants.plan import GENERAL, Variant
from handouts.variants.program import Program

#: Client details checked for printable characters, and their CSV columns.
CSV_FIELDS = {"name": "client", "note": "note", "therapist": "therapist"}
#: The CSV column for each field a program's planning and checks name (they name the
#: command line's options; a CSV row names its columns).
PROGRAM_FIELDS = {"--client": "client", "--note": "note", "--therapist": "therapist",
                  "--weeks": "program", "--item": "handout", "note": "item_note",
                  "text": "dose", "weeks": "dose", "name": "client"}
#: A program row whose clinic program's file has errors (said at their own lines).
_FILE_HAS_ERRORS = "the program file it names has errors (see its problems); fix them first"


@dataclass(frozen=True)
class MergedProgram:
    """A home program written by :func:`merge`: its rows, file, handouts and pages."""

    first: int
    last: int
    path: Path
    handouts: int
    pages: int


@dataclass
class MergeResult:
    """PDFs written (by CSV line) and every problem found."""

    written: list[tuple[int, Path, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    programs: list[MergedProgram] = field(default_factory=list)
    #: The file names a program column: nothing was written unless every row was right.
    all_or_nothing: bool = False

    @property
    def ok(self) -> bool:
        """True when every row was built."""
        return not errors_only(self.problems)


def available_languages(document: Document) -> list[str]:
    """The handout's own language and every language it has a ``.po`` translation for."""
    stem = document.path.stem
    found = {document.handout.language}
    for po in document.path.parent.glob("*.po"):
        parts = po.name.split(".")
        if len(parts) == 3 and parts[0] == stem:
            found.add(parts[1])
    return sorted(found)


def merge(loaded: Loaded, csv_path: Path, *, out: Path | None = None,
          name_pattern: str | None = None) -> MergeResult:
    """Render one personal PDF per good row of ``csv_path``, and one per home program,
    with the loaded project, into ``<out>/clients/`` (a file with program columns: only
    if every row is right).

    ``loaded`` comes from :func:`~handouts.project.load.load_available`: a row (or a
    program) that uses a handout whose file has errors is not made, and those errors
    are reported with it; the other rows are made as usual.
    """
    if name_pattern is not None:
        check_pattern(name_pattern)
    project, documents = loaded.project, loaded.documents
    refuse_broken_templates(project)  # before the client list: as every command does
    docs = {d.name: d for d in documents}
    defaults = project.config.defaults
    display = csv_path.name
    languages = {name: available_languages(doc) for name, doc in docs.items()}
    # A handout whose file has errors stays a name rows may use (its rows are refused
    # below, with its errors), in any language: its own is unknown.
    every_language = sorted({lang for langs in languages.values() for lang in langs})
    languages.update((name, every_language) for name in loaded.broken)
    choices = Choices(languages,
                      [GENERAL, *project.config.audiences], defaults.language, defaults.paper,
                      clinic_locale(project.config),
                      locations=list(project.config.clinic.locations),
                      programs=list(discover_programs(project.root)))
    table = read_table(csv_path, display, choices)
    # Rows with problems are checked with their program's rows, then left out (never
    # made, nor their program, nor as a copy of their own).
    groups, singles, ambiguities = split_programs(
        sorted(table.rows + table.held, key=lambda row: row.line), display)
    held = {row.line for row in table.held}
    # A program with a held row is never made: its other rows' words are checked below
    # with the held rows' (every problem at once), since they are never made either.
    unmade = table.held + [row for g in groups if any(row.line in held for row in g.rows)
                           for row in g.rows if row.line not in held]
    groups = [g for g in groups if not any(row.line in held for row in g.rows)]
    singles = [row for row in singles if row.line not in held]
    # Given today (a CSV has no day of its own): an appointment before it was mistyped.
    early = [Problem(display, row.line, "next_appointment", why, Severity.WARNING)
             for row in table.rows + table.held
             if (why := before_given(row.client.next_appointment, dt.date.today()))]
    result = MergeResult(problems=table.problems + ambiguities + early,
                         all_or_nothing=table.has_programs)
    for row in sorted(unmade, key=lambda row: row.line):
        result.problems += _held_row_glyphs(project, row, display)
    groups, singles = _without_broken(project, loaded.broken, groups, singles, display,
                                      result.problems)
    refuse_on_check_errors(project, documents, sorted(
        {row.variant for rows in ([g.rows for g in groups] + [tuple(singles)])
         for row in rows if row.variant.handout}))
    planned = _plan(project, docs, set(loaded.broken), groups, display, result.problems)
    # A file that cannot be written is still rendered in memory (written nowhere), so
    # the problems only rendering finds (a page limit a long note breaks) come at once.
    out_dir = project.output_dir(out) / "clients"
    copies = PersonalCopies(project)
    # Each copy tries its version's kept fitting decision first, as build --client and
    # the desk do (the same bytes for the same choices); nothing of a client is kept.
    kept, hints = read_kept(project.output_dir(out))
    inputs = Inputs(project)
    settle()
    pending: list[tuple[Path, bytes]] = []  # all-or-nothing: written once all rendered
    # Before anything is rendered: a --name-pattern that gives two rows one file name
    # would have the second client's PDF replace the first's.
    key = name_key(project.root)
    names = [(row.line, client_filename(row.variant, row.client, name_pattern, row.line,
                                        key=key)) for row in singles]
    names += [(group.first.line, client_filename(_program_version(program), program.client,
                                                 name_pattern, group.first.line, key=key))
              for group, program in planned]
    clashing = _clashes(names, display, result.problems)
    for row in singles:
        if row.line in clashing:
            continue
        doc = docs[row.variant.handout]
        unprintable = check_client(project, row.client, row.variant.language, display,
                                   row.line, CSV_FIELDS)
        if unprintable:  # this row only: the others are still built
            result.problems += unprintable
            continue
        output, found = variant_pdf(project, doc, row.variant, row.client, copies=copies,
                                    decision=kept.get(inputs.hash(doc, row.variant)),
                                    hint=hints.get(row.variant.relpath))
        # Problems from the content (a missing translation, a page limit) are about that
        # file, but the user needs to know which CSV line asked for it.
        result.problems += [Problem(display, row.line, _column(p, row),
                                    f"{p.path}: {p.message}", p.severity) for p in found]
        if output is None or errors_only(found):
            continue
        target = out_dir / client_filename(row.variant, row.client, name_pattern, row.line,
                                           key=key)
        if result.all_or_nothing:
            pending.append((target, output.pdf))
        elif not _wrote(target, output.pdf, result.problems):
            continue
        result.written.append((row.line, target, output.pages))
    for group, program in planned:
        if group.first.line in clashing:
            continue
        try:
            packet = make_program(project, docs, program)
        except HandoutsError as exc:
            result.problems += [_at_row(p, group, program, docs, display) for p in exc.problems]
            continue
        # A warning about the clinic program's own file (a word with no translation) is
        # said at that file's line, once, not at each client's row; one about a row's
        # dose (longer than the sheet) at that row.
        result.problems += [p if p in program.notices and p.path != display
                            else _at_row(p, group, program, docs, display)
                            for p in packet.problems]
        target = out_dir / client_filename(_program_version(program), program.client,
                                           name_pattern, group.first.line, key=key)
        pending.append((target, packet.pdf))
        result.programs.append(MergedProgram(group.first.line, group.last_line, target,
                                             len(program.items), packet.pages))
    if result.all_or_nothing and not result.ok:
        result.written, result.programs = [], []
        return _sorted(result, display)
    # All or nothing: a full disk or a folder in the way leaves every file as it was.
    done, failed = write_all(pending)
    result.problems += failed
    written = set(done)
    if pending:
        result.written = [w for w in result.written if w[1] in written]
        result.programs = [p for p in result.programs if p.path in written]
    return _sorted(result, display)


def _program_version(program: Program) -> Variant:
    """The version a program's file is named for (its handout: ``program``)."""
    return Variant("program", program.audience, program.language, program.paper,
                   program.print_size, program.location)


def _clashes(names: list[tuple[int, str]], display: str, problems: list[Problem]) -> set[int]:
    """The lines whose file name an earlier line already has (each one a problem)."""
    first: dict[str, int] = {}
    clashing = set()
    for line, name in sorted(names):
        if name in first:
            clashing.add(line)
            problems.append(Problem(display, line, "client", (
                f"--name-pattern gives this row the same file name as line {first[name]}, "
                "so one client's PDF would replace the other's: add {row} or {hash} to the "
                "pattern")))
        else:
            first[name] = line
    return clashing


def _without_broken(project: Project, broken: dict[str, list[Problem]],
                    groups: list[ProgramRows], singles: list[Row], display: str,
                    problems: list[Problem]) -> tuple[list[ProgramRows], list[Row]]:
    """The programs and copies that use no handout whose file has errors; each one that
    does is a problem at its row (the row naming that handout, else the program's
    first), and that file's own problems are added once."""
    if not broken:
        return groups, singles
    clinic: dict[str, ClinicProgram] = {}
    if any(group.first.program for group in groups):
        clinic = load_programs(project.root, None, [])  # its own errors: reported in _plan
    used: set[str] = set()

    def refused(row: Row, name: str, program: str | None = None) -> None:
        used.add(name)
        whose = f"its program {program} uses" if program else "uses"
        problems.append(Problem(display, row.line, "program" if program else "handout", (
            f"{whose} {_broken_display(name, broken)}, which has errors (reported with "
            "it); fix them first")))

    kept_groups = []
    for group in groups:
        bad = [(row, row.variant.handout, None) for row in group.rows
               if row.variant.handout in broken]
        chosen = clinic.get(group.first.program or "")
        if chosen is not None:
            bad += [(group.first, item.handout, group.first.program)
                    for item in chosen.program.items if item.handout in broken]
        for row, name, program in dict.fromkeys(bad):
            refused(row, name, program)
        if not bad:
            kept_groups.append(group)
    kept_singles = []
    for row in singles:
        if row.variant.handout in broken:
            refused(row, row.variant.handout)
        else:
            kept_singles.append(row)
    problems += [p for name in sorted(used) for p in broken[name]]
    return kept_groups, kept_singles


def _broken_display(name: str, broken: dict[str, list[Problem]]) -> str:
    """The file of broken handout ``name``, as its problems name it."""
    return next((p.path for p in broken[name] if p.path), f"content/{name}.yaml")


def _plan(project: Project, docs: dict[str, Document], broken: set[str],
          groups: list[ProgramRows], display: str,
          problems: list[Problem]) -> list[tuple[ProgramRows, Program]]:
    """Each group's program, planned from its clinic program and rows; every problem
    (a program file with errors, too many handouts) is added to ``problems``. ``broken``:
    the handouts whose files have errors (names a program file may use)."""
    clinic: dict[str, ClinicProgram] = {}
    used = {group.first.program for group in groups if group.first.program}
    if used:  # only the programs the file names: a broken one it does not use is no matter
        clinic = load_programs(project.root, set(docs) | broken, problems, only=used,
                               languages=languages_in_use(docs.values()))
    planned = []
    for group in groups:
        first = group.first
        clinic_program = None
        if first.program is not None:
            clinic_program = clinic.get(first.program)
            if clinic_program is None:  # its file's errors are reported on their own
                problems.append(Problem(display, first.line, "program", _FILE_HAS_ERRORS))
                continue
        # A handout on two rows of one program was refused at its second row (see
        # split_programs): the first is planned, so the rest is still checked.
        named = {row.variant.handout: row for row in reversed(group.rows)
                 if row.variant.handout}
        changes = tuple(ItemChange(row.variant.handout, row.dose or Dosage(), row.item_note)
                        for row in group.rows if named.get(row.variant.handout) is row)
        version = first.variant
        try:
            program = plan_program(project, docs, client=first.client,
                                   clinic_program=clinic_program, changes=changes,
                                   audience=version.audience, language=version.language,
                                   paper=version.paper, print_size=version.print,
                                   location=version.location, where=display)
        except HandoutsError as exc:
            # A mistake in the clinic program's own file (a character no font has) is
            # said at that file's line, once however many clients' rows use it, and the
            # row says why it is not made, as for a program file that does not load.
            own = clinic_program.display if clinic_program is not None else None
            in_file = [p for p in exc.problems if p.path == own]
            problems += in_file + [_at_row(p, group, None, docs, display)
                                   for p in exc.problems if p.path != own]
            if in_file:
                problems.append(Problem(display, first.line, "program", _FILE_HAS_ERRORS))
            continue
        planned.append((group, program))
    return planned


def _column(problem: Problem, row: Row) -> str:
    """The CSV column a problem of a row's copy is about: its field, or the handout; a
    page limit that only the client's details break is the note's (the row's longest
    words), not a "max_pages" column the file does not have."""
    if problem.field == "max_pages" and WITH_CLIENT in problem.message:
        return "note" if row.client.note else "client"
    return problem.field or "handout"


def _held_row_glyphs(project: Project, row: Row, display: str) -> list[Problem]:
    """What no font can print in the words of a row that is never made (it has other
    mistakes): said in this run beside them, not in the next once they are fixed
    (every problem at once). Cells that could not be read are left out."""
    unread = row.unread
    language = row.variant.language if "language" not in unread else \
        project.config.defaults.language
    fields = {key: column for key, column in CSV_FIELDS.items() if column not in unread}
    found = check_client(project, row.client, language, display, row.line, fields)
    # An item's words, typed in the same row: its note, and its dose's own text.
    text = row.dose.text if row.dose is not None and "dose" not in unread else None
    note = row.item_note if "item_note" not in unread else None
    if text or note:
        found += check_client(project, Client("", note, text), language, display, row.line,
                              {"note": "item_note", "therapist": "dose"})
    return found


def _at_row(problem: Problem, group: ProgramRows, program: Program | None,
            docs: dict[str, Document], display: str) -> Problem:
    """A problem found while planning or making a program, at the CSV row it is about
    (the row of the handout it names, else the program's first row) and its column."""
    name, path = problem.field, problem.path
    if not name and (path.startswith("--") or path in CSV_FIELDS.values()):
        name, path = path, ""  # the client checks name an option (or column) as the path
    line, column = group.first.line, PROGRAM_FIELDS.get(name, name)
    item = ITEM_PART.match(name)
    handout = None
    if item and program is not None:
        # --item N is the group's Nth change (a row naming a handout), not the program's
        # Nth item: a clinic program's items come first.
        handout = next((i.handout for i in program.items if i.given_as == int(item[1])),
                       None)
        column = PROGRAM_FIELDS[item[2]] if item[2] else "handout"
    elif item:
        column = "handout"
    else:
        handout = next((n for n, doc in docs.items() if doc.display == path), None)
        if handout is None and path.endswith(".po"):  # a translation: content/NAME.LL.po
            stem = path.rpartition("/")[2].split(".", 1)[0]
            handout = stem if stem in docs else None
    row = next((r for r in group.rows if handout and r.variant.handout == handout), None)
    if row is not None:
        line = row.line
    message = problem.message
    if path and path != display:  # about a content or program file
        message = f"{path}: {message}"
        column = name or "handout"
    return Problem(display, line, column, message, problem.severity)


def _wrote(target: Path, pdf: bytes, problems: list[Problem]) -> bool:
    """Write one PDF: True when written, else False with the problem added."""
    try:
        write_atomic(target, pdf)
    except HandoutsError as exc:
        problems += exc.problems
        return False
    return True


def _sorted(result: MergeResult, display: str) -> MergeResult:
    # The CSV's rows in order, then any other file's problems (a program file's), each
    # once (several clients' programs from one clinic program warn alike).
    result.problems = sorted(dict.fromkeys(result.problems),
                             key=lambda p: (p.path != display, p.path, p.line or 0,
                                            p.severity is not Severity.ERROR))
    return result
