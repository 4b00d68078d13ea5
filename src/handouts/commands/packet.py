"""A client's home program as one packet: planning it from a clinic program and the
therapist's changes (:func:`plan_program`: every problem at once, located), making it
in memory (:func:`make_program`), and the record paragraph for the clinic's own files
(:func:`record`). Shared by ``handouts program``, ``merge`` and the front desk.
Nothing here stores a client's detail anywhere but the requested PDF.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from handouts.checks.gate import CLIENT_FLAGS, CheckedVariants, refuse_on_check_errors
from handouts.checks.glyphs import check_client, check_program
from handouts.commands.options import version_options
from handouts.errors import Problem, RenderError, Severity, ValidationError
from handouts.project.config import Project
from handouts.project.content import NAME_RE, Document
from handouts.project.programs import (
    MAX_ITEMS,
    MAX_WEEKS,
    UNCLOSED_QUOTE,
    ClinicProgram,
    Dosage,
    longer_than_sheet,
    note_problem,
    parse_dosage,
)
from handouts.project.schema import Paper, PrintSize
from handouts.render.program import ProgramLayouts, program_pdf
from handouts.render.result import Rendered
from handouts.variants.clients import Client, client_text_problems, text_problem
from handouts.variants.dates import in_range, out_of_range
from handouts.variants.plan import GENERAL, Variant
from handouts.variants.program import Program, ProgramItem
from handouts.variants.records import program_record

#: How the command line names a program's parts (for messages).
ITEM_FLAG = "--item"
#: How messages name a part of one of the therapist's changes (``--item 2``, ``--item 2
#: note``, ``--item 2 weeks``): what a client CSV and the desk's form read back into
#: their own row and column, or field (group 1: N, group 2: the part, if any).
ITEM_PART = re.compile(rf"^{re.escape(ITEM_FLAG)} (\d+)(?: (note|text|weeks))?$")
#: A program with no handout at all (no clinic program, no --item that could be read).
NO_HANDOUTS = ("a program needs at least one handout: name a clinic program or give "
               "--item HANDOUT")


@dataclass(frozen=True)
class ItemChange:
    """The therapist's change to a program: a handout with a dose and a note. For a
    handout already in the clinic program, the parts given replace its default's."""

    handout: str
    dosage: Dosage = field(default_factory=Dosage)
    #: The therapist's note; None keeps the clinic program's, an empty one clears it.
    note: str | None = None
    #: Its place among the changes as given (``--item N``), when some were left out
    #: (one that names no handout); None: its place in the sequence.
    number: int | None = None


def item_handout(spec: str) -> str | None:
    """The handout an ``--item`` names: its first word, None when it has none (an
    unclosed quote, a first word that is a ``key=value`` part)."""
    try:
        words = shlex.split(spec)
    except ValueError:
        return None
    return words[0] if words and "=" not in words[0] else None


def _quoted(handout: str) -> str | None:
    """``handout`` quoted for a message when it has a handout name's form
    (:data:`~handouts.project.content.NAME_RE`); None for any other word, which is never
    repeated (a client's name or part of a note typed in the wrong place)."""
    return f"'{handout}'" if NAME_RE.match(handout) else None


def parse_item(spec: str, number: int, where: str = "") -> tuple[ItemChange | None,
                                                                  list[Problem]]:
    """One ``--item``: a handout's name, then its dose as ``key=value`` words and an
    optional ``note=...``: ``desk-stretch-break sets=3 reps=10 per-day=2 note="Go slow"``
    (``note=""``: no note for this handout, not even the clinic program's).
    Problems are named ``--item N`` (the value may hold a note: never repeated)."""
    field = f"{ITEM_FLAG} {number}"
    try:
        words = shlex.split(spec)
    except ValueError:  # an unclosed quote: said as for a CSV's dose, not shlex's words
        return None, [Problem(where, None, field, UNCLOSED_QUOTE)]
    if item_handout(spec) is None:
        return None, [Problem(where, None, field,
                              "must start with a handout's name, e.g. --item "
                              "'back-massage sets=3 reps=10'")]
    note = None
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if sep and key.strip().casefold() == "note":
            # Kept empty when typed empty: the therapist clears the clinic program's note.
            note = value.strip()
    # Words are numbered as typed: the handout's name is word 1.
    dosage, problems = parse_dosage(shlex.join(words[1:]), where, field, first=2,
                                    ignore=("note",))
    if dosage is None:
        return None, problems
    return ItemChange(words[0], dosage, note), []


def plan_program(project: Project, documents: dict[str, Document], *,
                 client: Client, clinic_program: ClinicProgram | None = None,
                 changes: tuple[ItemChange, ...] = (), audience: str = GENERAL,
                 language: str | None = None, paper: Paper | None = None,
                 print_size: PrintSize = "standard", location: str | None = None,
                 weeks: int | None = None, right_hand: bool = False,
                 given: dt.date | None = None, where: str = "",
                 started_from: ClinicProgram | None = None) -> Program:
    """The program to give: the clinic program's items (if any) in order, each changed
    by the therapist's change for the same handout, then the other changes in order.

    ``started_from`` is the clinic program the changes were started from when they
    already hold every one of its items (the desk's basket, which may reorder them):
    its items are not taken again, but it names the program as ``clinic_program``
    does (its title on the cover, in the program's language; see :func:`program_title`).

    With either, an item's note or dose text that is still the clinic program's own
    (as its file writes it: given unchanged, or not given) is printed as the clinic
    translated it, with a warning when it did not (see :func:`_own_words`); words the
    therapist typed or changed are printed as typed.

    Raises :class:`ValidationError` with every problem: an unknown handout, too many
    items, a client's text or a note that cannot be printed. ``where`` locates the
    problems (empty: the command line; a CSV names its file and row).
    """
    problems: list[Problem] = []
    named = clinic_program or started_from
    items: list[ProgramItem] = []
    # Each item's place among the clinic program's items, whose words it may still hold
    # (None: a handout the therapist added).
    places: list[int | None] = []
    if clinic_program is not None:
        items = [ProgramItem(i.handout, i.dosage, i.note) for i in clinic_program.program.items]
        places = list(range(len(items)))
    # The program's language: the one asked for, else its first handout's file's (the
    # clinic program's first item, else the first change's). A first handout that does
    # not exist is a problem below; meanwhile the project's default stands in.
    first_item = items[0].handout if items else changes[0].handout if changes else None
    printed_in = language or (documents[first_item].handout.language
                              if first_item in documents else None) \
        or project.config.defaults.language
    if named is not None:
        # Its own words' characters, at their lines: the rule `handouts check` applies.
        problems += check_program(project, named, [printed_in])
    changed: dict[str, int] = {}
    #: The change that gave each handout's dose its weeks (``--item N weeks``).
    weeks_given: dict[str, int] = {}
    for place, change in enumerate(changes, start=1):
        number = change.number or place
        if change.handout in changed:
            # Two doses for one handout: which one the therapist meant is not clear.
            problems.append(Problem(where, None, f"{ITEM_FLAG} {number}", (
                f"{_quoted(change.handout) or 'this handout'} is already {ITEM_FLAG} "
                f"{changed[change.handout]}; give each handout once")))
            continue
        changed[change.handout] = number
        if change.dosage.weeks is not None:
            weeks_given[change.handout] = number
        found = next((n for n, item in enumerate(items) if item.handout == change.handout),
                     None)
        if found is None:
            items.append(ProgramItem(change.handout, change.dosage, change.note or None,
                                     number))
            places.append(None if named is None else next(
                (n for n, spec in enumerate(named.program.items)
                 if spec.handout == change.handout), None))
        else:
            old = items[found]
            items[found] = ProgramItem(old.handout, old.dosage.merged(change.dosage),
                                       (change.note or None) if change.note is not None
                                       else old.note, number)
    notices: list[Problem] = []
    if named is not None:
        # Its own words in the program's language, as the clinic translated them.
        items, notices = _own_words(project, named, items, places, printed_in)
    if not items:
        problems.append(Problem(where, None, ITEM_FLAG, NO_HANDOUTS))
    if len(items) > MAX_ITEMS:
        problems.append(Problem(where, None, ITEM_FLAG,
                                f"has {len(items)} handouts; a program holds at most "
                                f"{MAX_ITEMS}"))
    known = ", ".join(sorted(documents)) or "none"
    for number, item in enumerate(items, start=1):
        if item.handout not in documents:
            quoted = _quoted(item.handout)
            said = f"no such handout {quoted}" if quoted else "its first word is no handout's name"
            problems.append(Problem(where, None, item_label(item, number),
                                    f"{said} (available: {known})"))
        if item.note:
            wrong = text_problem(item.note, lines=True) or note_problem(item.note)
            if wrong:  # therapist's words about the client: never repeated
                problems.append(Problem(where, None, f"{item_label(item, number)} note",
                                        wrong))
    if given is not None and not in_range(given):
        problems.append(Problem(where, None, "--given", out_of_range()))
    if weeks is not None and not 1 <= weeks <= MAX_WEEKS:
        problems.append(Problem(where, None, "--weeks",
                                f"must be from 1 to {MAX_WEEKS} weeks"))
    problems += client_text_problems(client, CLIENT_FLAGS, where)
    if problems:
        raise ValidationError(problems)
    defaults = project.config.defaults
    sheet = weeks if weeks is not None else \
        (clinic_program.program.weeks if clinic_program else None)
    notices += doses_beyond_sheet(items, sheet, weeks_given, clinic_program, where)
    return Program(tuple(items), client, printed_in, audience,
                   paper or defaults.paper, print_size,
                   version_options(project, location=location),
                   program_title(project, named, printed_in) if named else None,
                   given or dt.date.today(), sheet,
                   right_hand, tuple(notices),
                   named.program.title if named else None)


def _own_words(project: Project, clinic: ClinicProgram, items: list[ProgramItem],
               places: list[int | None], language: str
               ) -> tuple[list[ProgramItem], list[Problem]]:
    """``items`` with each note and dose text that is still ``clinic``'s own in
    ``language``, and the warnings of :meth:`ClinicProgram.in_language` for its words
    printed with no translation there. ``places`` gives each item's place among the
    clinic program's items (None: a handout it does not have).

    A word is the clinic's own when it is exactly what the file writes for that item:
    the CLI's item left unchanged, and the desk's basket, which starts from the file's
    words (in the clinic's language) and sends them back as staff left them. The one
    rule for both: the desk once printed the English note of a Spanish packet that
    ``handouts program --language es`` printed in Spanish, and warned of nothing."""
    specs = clinic.program.items
    kept: list[frozenset[str]] = []
    for item, place in zip(items, places, strict=True):
        spec = specs[place] if place is not None else None
        kept.append(frozenset() if spec is None else frozenset(
            part for part, given, written in (("note", item.note, spec.note),
                                              ("text", item.dosage.text, spec.dosage.text))
            if given is not None and written is not None
            and _same_words(given, written)))
    printed = {(place, part) for place, parts in zip(places, kept, strict=True)
               for part in parts}
    # A word the therapist replaced is not printed: no warning that it prints as written.
    unprinted = [(n, part) for n, spec in enumerate(specs)
                 for part, written in (("note", spec.note), ("text", spec.dosage.text))
                 if written and (n, part) not in printed]
    words, notices = clinic.in_language(language, project.config.defaults.language,
                                        unprinted=unprinted)
    out = []
    for item, place, parts in zip(items, places, kept, strict=True):
        if place is not None and parts:
            said = words.items[place]
            item = dataclasses.replace(
                item, note=said.note if "note" in parts else item.note,
                dosage=item.dosage.model_copy(update={"text": said.dosage.text})
                if "text" in parts else item.dosage, clinic_words=parts)
        out.append(item)
    return out, notices


def _same_words(given: str, written: str) -> bool:
    """Whether ``given`` is the file's ``written`` words: a browser sends a note's
    lines ending in CR LF where the file's end in LF."""
    return given.replace("\r\n", "\n") == written.replace("\r\n", "\n")


def program_title(project: Project, clinic_program: ClinicProgram, language: str) -> str:
    """The clinic program's title as a packet in ``language`` prints it on its cover:
    its translation (``translations.<language>.title``), else as the clinic wrote it.

    The one place the printed title is chosen, for ``handouts program``, ``merge`` and
    the desk's basket alike (the desk once printed the clinic's own title on a Spanish
    cover that ``handouts program --language es`` printed in Spanish)."""
    words, _ = clinic_program.in_language(language, project.config.defaults.language)
    return words.title


def weeks_as_filed(clinic_program: ClinicProgram | None, handout: str,
                   dose_weeks: int | None, sheet: int | None) -> bool:
    """Whether ``handout``'s dose weeks and the tracking sheet's weeks are both as
    ``clinic_program``'s file gives them: then the file's own warning (at its line, see
    ``load_programs``) is the one that says a dose outlasts the sheet, and the planned
    program's (:func:`doses_beyond_sheet`) is not; otherwise the other way round."""
    if clinic_program is None:
        return False
    own = clinic_program.program
    filed = next((i for i in own.items if i.handout == handout), None)
    return filed is not None and sheet == own.weeks and dose_weeks == filed.dosage.weeks


def doses_beyond_sheet(items: Sequence[ProgramItem], sheet: int | None,
                       weeks_given: Mapping[str, int],
                       clinic_program: ClinicProgram | None = None,
                       where: str = "") -> list[Problem]:
    """A warning (:func:`~handouts.project.programs.longer_than_sheet`) for each planned
    item whose dose lasts more weeks than the tracking sheet covers (``sheet``: the
    program's weeks, None: the longest dose's), at the change that gave the dose its
    weeks (``--item N weeks``, in ``weeks_given``: a CSV row's dose, the desk's item
    field), else at the clinic program's item (its file's dose, with ``--weeks``).

    A dose and weeks both as ``clinic_program``'s file gives them are not said again:
    its file's own warning says them at their line (see ``load_programs``)."""
    found = []
    for number, item in enumerate(items, start=1):
        message = longer_than_sheet(item.dosage.weeks, sheet)
        if message is None or weeks_as_filed(clinic_program, item.handout,
                                             item.dosage.weeks, sheet):
            continue
        given = weeks_given.get(item.handout)
        filed = None if clinic_program is None or given is not None else next(
            (i for i, x in enumerate(clinic_program.program.items)
             if x.handout == item.handout), None)
        if filed is not None and clinic_program is not None:
            # The dose is the file's (--weeks made the sheet shorter): at its line.
            found.append(clinic_program.problem(("items", filed, "dosage", "weeks"),
                                                message, Severity.WARNING))
            continue
        place = f"{ITEM_FLAG} {given}" if given is not None else \
            f"the clinic program's item {number}"
        found.append(Problem(where, None, f"{place} weeks", message, Severity.WARNING))
    return found


def item_label(item: ProgramItem, number: int) -> str:
    """How messages name a program's item: by the change that gave it (``--item 2``: the
    program's item 1 when the first --item changes a clinic program's second handout),
    else by its place in the clinic program."""
    return f"{ITEM_FLAG} {item.given_as}" if item.given_as is not None else \
        f"the clinic program's item {number}"


def make_program(project: Project, documents: dict[str, Document], program: Program, *,
                 checked: CheckedVariants | None = None,
                 layouts: ProgramLayouts | None = None) -> Rendered:
    """The packet of ``program`` in memory, after the same checks as a named copy (the
    fast checks of every handout's version, the client's and the notes' characters).
    A process making many programs (a desk worker) passes the same ``checked`` and
    ``layouts`` each time, so what does not depend on the client is done once.

    Raises :class:`ValidationError` or :class:`RenderError` with every problem.
    """
    variants = [Variant(i.handout, program.audience, program.language, program.paper,
                        program.print_size, program.location) for i in program.items]
    used = [documents[name] for name in dict.fromkeys(i.handout for i in program.items)]
    refuse_on_check_errors(project, used, list(dict.fromkeys(variants)), checked=checked)
    found = check_client(project, program.client, program.language, None, None,
                         CLIENT_FLAGS)
    for number, item in enumerate(program.items, start=1):
        # A clinic program's own words were checked with its file, at their lines.
        texts = Client("", None if "note" in item.clinic_words else item.note,
                       None if "text" in item.clinic_words else item.dosage.text)
        label = item_label(item, number)
        found += check_client(project, texts, program.language, None, None,
                              {"note": f"{label} note", "therapist": f"{label} text"})
    if found:
        raise ValidationError(list(dict.fromkeys(found)))
    output, problems = program_pdf(project, documents, program, layouts)
    if output is None:
        raise RenderError(problems)
    output.problems = list(program.notices) + output.problems
    return output


def record(project: Project, documents: dict[str, Document], program: Program) -> str:
    """One plain paragraph for the client's file in the clinic's own records: the day,
    the therapist, and each handout given with its version, its review and its dose
    (see :mod:`handouts.variants.records`: never the client's name or notes)."""
    return program_record(project, documents, program)
