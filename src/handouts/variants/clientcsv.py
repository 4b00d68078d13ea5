"""Reading the client CSV for ``handouts merge``: strict about shape, silent about people.

A client CSV comes from a spreadsheet or a booking system, so it is checked as
hostile input. Every row must have as many fields as the header: a stray unquoted
comma would otherwise shift a client's name or note into another column. Messages
name the line where the row starts and the column, and list the project's valid
choices; they never repeat a value from a row, because after a shift any cell can
hold anything (a name, a note about someone's health).

Home programs come from the same file (see :func:`split_programs` for the rule that
groups rows into one client's program): a ``program`` column names a clinic program
(``programs/<name>.yaml``), a ``dose`` column holds the row's handout's dose as
``key=value`` words (``sets=3 reps=10 hold="30 s"``, read by
:func:`~handouts.project.programs.parse_dosage`) and an ``item_note`` column the
therapist's note for that handout. A row with any of the three is a program row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale

from handouts.errors import Problem
from handouts.project.programs import Dosage, note_problem, parse_dosage, program_name
from handouts.project.schema import PAPERS, YES_NO_CHOICES, read_yes_no
from handouts.variants.clients import Client, composed, text_problem
from handouts.variants.dates import UnreadableDate, date_locale, read_date
from handouts.variants.plan import GENERAL, Variant

COLUMNS = ("client", "handout", "audience", "language", "paper", "large_print", "therapist",
           "next_appointment", "note", "location")
#: The columns that make a row part of a home program (see :func:`split_programs`).
PROGRAM_COLUMNS = ("program", "dose", "item_note")
#: Columns whose mistakes leave a row out of its program's checks (see Table.held): a
#: row whose client cannot be read cannot be told to belong to anyone's program.
UNHELD_COLUMNS = ("client",)
#: Every column a header may name.
KNOWN_COLUMNS = COLUMNS + PROGRAM_COLUMNS
REQUIRED = ("client", "handout")
#: Longest cell we accept; anything longer is a quote that was never closed, or not a note.
MAX_CELL = 5000
DELIMITERS = (",", ";", "\t")  # comma, semicolon (European Excel), tab
_SAVE_AS = "save the file as CSV with commas, semicolons or tabs"
_EXPORT = "export it as 'CSV UTF-8'"
# Excel's first line "sep=;" says which delimiter the file uses (Excel writes it, and
# reads it back): a hint, not a header.
_SEP_LINE = re.compile(r'\A"?sep=(.)"?[ ]*(?=\r\n|\r|\n|\Z)', re.IGNORECASE)
# Why a row may have the wrong number of fields, by delimiter.
_TOO_MANY = {",": "an unquoted comma?", ";": "an unquoted semicolon?", "\t": "a tab inside a cell?"}


@dataclass(frozen=True)
class Row:
    """One valid CSV row, ready to render; ``line`` is where the row starts in the file."""

    line: int
    #: The row's version; for a row that only names a clinic program, ``handout`` is "".
    variant: Variant
    client: Client
    #: The clinic program (``programs/<name>.yaml``) this row starts; None: none.
    program: str | None = None
    #: The dose for the row's handout (the ``dose`` column); None: not given.
    dose: Dosage | None = None
    #: The therapist's note for the row's handout in its program (``item_note``).
    item_note: str | None = None
    #: The columns whose value could not be read (a held row's, see Table.held): they
    #: are not compared with the program's other rows, which would only repeat the mistake.
    unread: frozenset[str] = frozenset()

    @property
    def in_program(self) -> bool:
        """Whether this row is part of a home program rather than a copy of its own."""
        return self.program is not None or self.dose is not None or \
            self.item_note is not None


@dataclass(frozen=True)
class Choices:
    """What the project offers, to check rows against and to list in messages.

    ``handouts`` maps each handout name to the languages it can be printed in
    (its own language and those with a ``.po`` translation beside it).
    """

    handouts: Mapping[str, Sequence[str]]
    audiences: Sequence[str]
    default_language: str
    default_paper: str
    #: The clinic's locale, which decides how an all-numeric date is read (default: US).
    locale: Locale = field(default_factory=lambda: date_locale("en", "US"))
    #: A clinic group's locations (the first is the default); empty: no location column.
    locations: Sequence[str] = ()
    #: The project's clinic programs (``programs/<name>.yaml``) a ``program`` cell may name.
    programs: Sequence[str] = ()

    def languages(self) -> list[str]:
        """Every language some handout is available in."""
        return sorted({lang for langs in self.handouts.values() for lang in langs})


@dataclass(frozen=True)
class Table:
    """A client CSV as read: its good rows, every problem, and the columns its header
    names (so a caller can tell a file with program columns even when every program
    row is bad)."""

    rows: list[Row]
    problems: list[Problem]
    columns: tuple[str, ...] = ()
    #: Rows with problems (in ``problems``) that are still rows of some client: never
    #: made, but checked with their program's other rows (see split_programs), so that a
    #: therapist or paper differing from the program's is said in the same run.
    held: list[Row] = field(default_factory=list)

    @property
    def has_programs(self) -> bool:
        """Whether the header names a program column (``program``, ``dose``, ``item_note``)."""
        return bool(set(self.columns) & set(PROGRAM_COLUMNS))


def read_rows(csv_path: Path, display: str,
              choices: Choices) -> tuple[list[Row], list[Problem]]:
    """Read and check the client CSV: the good rows, and a problem for each bad row or cell.

    Never raises for bad input and never puts a cell's value in a message.
    """
    table = read_table(csv_path, display, choices)
    return table.rows, table.problems


def read_table(csv_path: Path, display: str, choices: Choices) -> Table:
    """:func:`read_rows`, with the header's columns."""
    try:
        data = csv_path.read_bytes()
    except OSError as exc:
        return Table([], [Problem(display, None, "",
                                  f"cannot be read: {exc.strerror or 'error'}")])
    text, problem = _decode(data, display)
    if problem is not None:
        return Table([], [problem])
    return parse_table(text, display, choices)


def _decode(data: bytes, display: str) -> tuple[str, Problem | None]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "", Problem(display, None, "", f"is UTF-16 text, not UTF-8; {_EXPORT}")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        # Lines end in LF, CR LF, or CR alone (classic Mac Excel): each counts once.
        before = data[: exc.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        return "", Problem(display, before.count(b"\n") + 1, "", f"is not UTF-8 text; {_EXPORT}")


def parse_rows(text: str, display: str, choices: Choices) -> tuple[list[Row], list[Problem]]:
    """:func:`read_rows` on text already decoded (the file's name is ``display``)."""
    table = parse_table(text, display, choices)
    return table.rows, table.problems


def _known(header: list[str]) -> tuple[str, ...]:
    return tuple(name for name in header if name in KNOWN_COLUMNS)


def parse_table(text: str, display: str, choices: Choices) -> Table:
    """:func:`read_table` on text already decoded (the file's name is ``display``)."""
    text = text.removeprefix("\ufeff")
    hint = _SEP_LINE.match(text)
    if hint is not None:  # the line is left blank, so every other keeps its number
        text = text[hint.end():]
    if not text.strip():
        return Table([], [Problem(display, None, "", (
            f"is empty: it needs a header line naming the columns "
            f"({', '.join(KNOWN_COLUMNS)}) and a line per client"))])
    header_line, header_text = _header_line(text)
    if "\x00" in header_text:
        return Table([], [Problem(display, header_line, "", (
            f"contains NUL bytes: the file looks like UTF-16 ('Unicode text'); {_EXPORT}"))])
    delimiter, problem = _delimiter(header_text)
    if hint is not None:
        delimiter, problem = hint[1], None
        if delimiter not in DELIMITERS:
            problem = f"the columns are separated by {delimiter!r}; {_SAVE_AS}"
            return Table([], [Problem(display, 1, "", problem)])
    if problem:
        return Table([], [Problem(display, header_line, "", problem)])
    records = _records(text, delimiter)
    header: list[str] = []
    for line, fields, error in records:
        if error is None and not "".join(fields).strip(" \t,;"):  # as _header_line skips
            continue
        if error is not None:
            return Table([], [Problem(display, line, "", error)])
        header, header_line = [column_name(f) for f in fields], line
        break
    padded = len(header)
    while header and not header[-1]:  # spreadsheets pad the header with empty columns
        header.pop()
    problems = _check_header(header, display, header_line)
    if problems:
        return Table([], problems, _known(header))
    rest = list(records)
    # Empty cells after the header's last column are a spreadsheet's padding when the
    # header has them too, or when every row has them; a row with more than the others
    # had a cell split by an unquoted comma whose last part was empty (a note with a
    # comma, no therapist): taking its first cells would print the wrong words.
    padded = max(padded, min((len(f) for _, f, e in rest if e is None and not _blank(f)),
                             default=0))
    rows: list[Row] = []
    held: list[Row] = []
    seen = False
    for line, fields, error in rest:
        if error is not None:
            seen = True
            problems.append(Problem(display, line, "", error))
            continue
        if _blank(fields):
            continue
        seen = True
        row, bad = _row(line, fields, header, delimiter, display, choices, padded)
        problems += bad
        if row is not None:
            (held if bad else rows).append(row)  # held: see Table.held
    if not seen:
        problems.append(Problem(display, None, "", "has no client rows, only the header"))
    return Table(rows, problems, _known(header), held)


def column_name(text: str) -> str:
    """A header cell as the column it names: spreadsheets and people write ``Client``,
    ``Next appointment`` or ``large-print`` for ``client``, ``next_appointment`` and
    ``large_print``."""
    return re.sub(r"[\s-]+", "_", text.strip().casefold())


def _header_line(text: str) -> tuple[int, str]:
    """The first line with any text (number, text), up to a line break outside quotes."""
    line, start, quoted, i = 1, 0, False, 0
    while i < len(text):
        char = text[i]
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            if text[start:i].strip(" \t,;"):  # the csv reader skips ",,," lines too
                return line, text[start:i]
            if char == "\r" and text.startswith("\n", i + 1):
                i += 1
            line += 1
            start = i + 1
        i += 1
    return line, text[start:]


def _delimiter(header: str) -> tuple[str, str | None]:
    """Which of comma, semicolon or tab separates the header's columns (outside quotes)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    others: dict[str, int] = {}
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in counts:
            counts[char] += 1
        elif not (char.isalnum() or char in "_- "):
            others[char] = others.get(char, 0) + 1
    used = [d for d in DELIMITERS if counts[d]]
    if len(used) > 1:
        # Prefer the delimiter that splits the header into the most known column names.
        def known(d: str) -> tuple[int, int]:
            try:
                cells = next(csv.reader([header], delimiter=d))
            except csv.Error:
                cells = []
            return sum(c.strip() in KNOWN_COLUMNS for c in cells), counts[d]
        used.sort(key=known, reverse=True)
    if used:
        return used[0], None
    if header.strip() in KNOWN_COLUMNS:  # one column: the missing columns say the rest
        return ",", None
    if others:
        other = max(others, key=lambda c: others[c])
        return ",", f"the columns are separated by {other!r}; {_SAVE_AS}"
    return ",", f"cannot tell what separates the columns; {_SAVE_AS}"


Record = tuple[int, list[str], str | None]


def _records(text: str, delimiter: str) -> Iterator[Record]:
    """(line the record starts on, fields, error) for each record, blank ones included.

    ``reader.line_num`` is the line a record *ends* on; a quoted note can span
    several lines, so the start is one after where the previous record ended.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    end = 0
    while True:
        start = end + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = reader.line_num
            yield start, [], _csv_error(str(exc), delimiter)
            continue
        end = reader.line_num
        yield start, fields, None


def _csv_error(error: str, delimiter: str) -> str:
    # The csv module's messages hold no cell values, but ours say what to do.
    if "end of data" in error:
        return 'a quote (") opened in this row is never closed'
    if "field limit" in error:
        return f'a cell is far longer than {MAX_CELL:,} characters — a quote (") never closed?'

    if "expected after" in error:
        return ('a quoted cell has text after its closing quote; quote the whole cell and '
                'double any quote inside it ("")')
    return f"is not valid CSV ({error})"


def _slug(cell: str, names: Sequence[str]) -> str:
    """``cell`` as the one of ``names`` it writes in another case or with spaces
    (``London``: ``london``, ``Desk workers``: ``desk-workers``), else as it is."""
    folded = "-".join(cell.strip().lower().split())
    return folded if folded in names and cell not in names else cell


def _blank(fields: list[str]) -> bool:
    return all(not f.strip() for f in fields)


def _check_header(header: list[str], display: str, line: int) -> list[Problem]:
    """Unknown, unnamed, repeated and missing columns; the header is never echoed.

    With no header row the first line is a client's row, so even header cells are
    named by position, not by value.
    """
    problems: list[Problem] = []
    known = ", ".join(KNOWN_COLUMNS)
    if not any(name in KNOWN_COLUMNS for name in header):
        return [Problem(display, line, "", f"the first line must be a header naming the "
                                           f"columns ({known}); this one names none of them")]
    first: dict[str, int] = {}
    for position, name in enumerate(header, 1):
        where = f"column {position}"
        if not name:
            problems.append(Problem(display, line, where, f"has no name (choose from {known})"))
        elif name not in KNOWN_COLUMNS:
            problems.append(Problem(display, line, where,
                                    f"is not a known column (choose from {known})"))
        elif name in first:
            problems.append(Problem(display, line, name, f"appears twice in the header "
                                                         f"(columns {first[name]} and "
                                                         f"{position})"))
        else:
            first[name] = position
    for required in REQUIRED:
        if required not in header:
            problems.append(Problem(display, line, required, "column is missing"))
    return problems


def _row(line: int, fields: list[str], header: list[str], delimiter: str, display: str,
         choices: Choices, padded: int) -> tuple[Row | None, list[Problem]]:
    """Check one record; a row is built only if nothing is wrong with it. Empty cells
    after the header's columns are dropped up to ``padded`` cells in all (the file's
    padding, see :func:`parse_table`)."""
    width = len(header)
    if width < len(fields) <= padded and _blank(fields[width:]):
        fields = fields[:width]  # trailing empty cells, as spreadsheets write them
    if len(fields) < width and not set(header[len(fields):]) & set(REQUIRED):
        # Trailing optional cells left out, as hand-written CSV often does: nothing can
        # have shifted, since every cell up to the last one written is in its column.
        fields = fields + [""] * (width - len(fields))
    if len(fields) != width:
        why = _TOO_MANY[delimiter] if len(fields) > width else "a missing column?"
        count = f"{len(fields)} field{'s' if len(fields) != 1 else ''}"
        return None, [Problem(display, line, "", f"has {count}, the header has {width} — {why}")]
    bad: list[Problem] = []

    def err(column: str, message: str) -> None:
        bad.append(Problem(display, line, column, message))

    cells: dict[str, str] = {}
    for column, value in zip(header, fields, strict=True):
        if len(value) > MAX_CELL:
            err(column, f"is longer than {MAX_CELL:,} characters")
        elif "\x00" in value:
            err(column, f"contains a NUL character; {_EXPORT}")
        else:
            # Keep a multi-line note's line breaks, in one spelling; each letter in one
            # spelling too (see composed: a name from a Mac was another client).
            cells[column] = composed(value.replace("\r\n", "\n").strip())
    failed = {p.field for p in bad}

    def get(column: str) -> str:
        return cells.get(column, "")

    if "client" not in failed and not get("client"):
        err("client", "must not be empty")
    handout = get("handout")
    # A row that names a clinic program may leave the handout out: the program names its own.
    if "handout" not in failed and handout not in choices.handouts and \
            not (get("program") and not handout):
        options = ", ".join(sorted(choices.handouts))
        err("handout", f"must not be empty (choose from {options})" if not handout else
            f"is not a handout of this project (choose from {options})")
    # Audiences and locations are names written in lower case with dashes in
    # handouts.yaml; a spreadsheet writes them as people do ("London", "Desk workers").
    audience = _slug(get("audience"), choices.audiences) or GENERAL
    if "audience" not in failed and audience not in choices.audiences:
        err("audience", f"is not an audience of this project "
                        f"(choose from {', '.join(choices.audiences)})")
    language = get("language") or choices.default_language
    language_read = True  # whether the language is one of the project's (see Row.unread)
    if get("language") and "language" not in failed:
        language, message = _language(get("language"), handout, choices)
        if message:
            err("language", message)
            # A language of the project that this handout lacks is still read: compared
            # with its program's, a difference is often the real mistake.
            known = {lang.lower(): lang for lang in choices.languages()}
            if language.lower() in known:
                language = known[language.lower()]
            else:
                language_read = False
    paper = (get("paper") or choices.default_paper).lower()
    if "paper" not in failed and paper not in PAPERS:
        err("paper", f"must be {' or '.join(PAPERS)}")
    large = read_yes_no(get("large_print"))
    if "large_print" not in failed and large is None:
        err("large_print", f"must be {YES_NO_CHOICES}")
    appointment = None
    if get("next_appointment"):
        try:
            appointment = read_date(get("next_appointment"), choices.locale)
        except UnreadableDate as exc:  # the cell is never quoted: it may hold anything
            err("next_appointment", str(exc))
    location = _slug(get("location"), choices.locations) or \
        (choices.locations[0] if choices.locations else None)
    if "location" not in failed and get("location") and location not in choices.locations:
        err("location", f"is not a location of this project (choose from "
                        f"{', '.join(choices.locations)})" if choices.locations else
            "must be empty: this project has no locations (clinic.locations)")
    for column in ("client", "note", "therapist"):  # the same rule as --client and the desk
        message = text_problem(get(column), lines=column == "note") if column not in failed \
            else None
        if message:
            err(column, message)
    program, dose, item_note = _program_cells(get, failed, err, display, line, choices)
    variant = Variant(handout, audience, language, paper,  # type: ignore[arg-type]
                      "large" if large else "standard", location)
    client = Client(get("client"), get("note") or None, get("therapist") or None, appointment)
    columns = {p.field.partition(":")[0] for p in bad}
    if bad and not columns & set(UNHELD_COLUMNS):
        # Still a client's row, so the program's own checks (its therapist, its version,
        # a handout given twice) are said in this run too, not after this row's mistakes
        # are fixed: every check runs on its own. It is never made (see Table.held). A
        # dose or note that could not be read still makes it a program row.
        unread = frozenset(columns - {"language"} if language_read else columns)
        return Row(line, variant, client, program,
                   dose if dose is not None else (Dosage() if get("dose") else None),
                   item_note, unread), bad
    if bad:
        return None, bad
    return Row(line, variant, client, program, dose, item_note), []


def _program_cells(get: Callable[[str], str], failed: set[str],
                   err: Callable[[str, str], None], display: str, line: int,
                   choices: Choices) -> tuple[str | None, Dosage | None, str | None]:
    """The row's ``program``, ``dose`` and ``item_note`` (None when empty); each
    problem goes to ``err`` (column, message)."""
    program = program_name(get("program")) or None  # also as its file's name
    if program is not None and "program" not in failed and program not in choices.programs:
        err("program", f"is not a program of this project (choose from "
                       f"{', '.join(choices.programs)})" if choices.programs else
            "must be empty: this project has no programs (programs/<name>.yaml)")
    dose = None
    if get("dose") and "dose" not in failed:
        dose, found = parse_dosage(get("dose"), display, "dose")
        for problem in found:  # never repeating the cell (see parse_dosage)
            err(problem.field, problem.message)
    item_note = get("item_note") or None
    if item_note is not None and "item_note" not in failed:
        # The same rule as a client's note, and the same length as a program file's.
        message = text_problem(item_note, lines=True) or note_problem(item_note)
        if message:
            err("item_note", message)
    if not get("handout") and program is not None:
        for column in ("dose", "item_note"):
            if get(column) and column not in failed:
                err(column, "is for this row's handout, and the row names none: fill in "
                            "the handout column (the program's own doses are in its file)")
    return program, dose, item_note


def _language(value: str, handout: str, choices: Choices) -> tuple[str, str | None]:
    """The project's spelling of the row's language, or why it cannot be used."""
    if handout in choices.handouts:
        available = sorted(choices.handouts[handout])
        what = f"{handout} is not available in this language"
    else:
        available = choices.languages()
        what = "no handout of this project is available in this language"
    for language in available:
        if language.lower() == value.lower():
            return language, None
    return value, f"{what} (choose from {', '.join(available)})"


# --- home programs ------------------------------------------------------------------------

#: What every row of one program must agree on: it is printed once, for one client, in
#: one version (the columns, and how a row's value is read).
SHARED: dict[str, Callable[[Row], object]] = {
    "therapist": lambda row: row.client.therapist,
    "next_appointment": lambda row: row.client.next_appointment,
    "note": lambda row: row.client.note,
    "audience": lambda row: row.variant.audience,
    "language": lambda row: row.variant.language,
    "paper": lambda row: row.variant.paper,
    "large_print": lambda row: row.variant.print,
    "location": lambda row: row.variant.location,
}


@dataclass(frozen=True)
class ProgramRows:
    """The rows of one client's home program, in the file's order."""

    rows: tuple[Row, ...]

    @property
    def first(self) -> Row:
        """The row the program starts at (its client, version and clinic program)."""
        return self.rows[0]

    @property
    def last_line(self) -> int:
        """Where the program's last row starts."""
        return self.rows[-1].line


def _who(row: Row) -> str:
    # The same client however the name is spaced or capitalised, so that a difference
    # is reported rather than silently starting a second program.
    return " ".join(row.client.name.split()).casefold()


def split_programs(rows: Sequence[Row], display: str
                   ) -> tuple[list[ProgramRows], list[Row], list[Problem]]:
    """The programs, the rows that are copies of their own, and every ambiguity.

    The rule, row by row in the file's order (blank and bad rows are skipped):

    * A row with none of ``program``, ``dose``, ``item_note`` is a copy of its own, as
      before programs existed.
    * A row with a ``program`` name starts a new program: that clinic program's items,
      changed or extended by this row's handout (if any) with its dose and note.
    * A row with a ``dose`` or an ``item_note`` but no ``program`` continues the program
      of the row just above when that row is in a program for the same client; else it
      starts a new program of its own handouts. Each continuing row's handout adjusts
      the clinic program's item for it (the parts of the dose it gives, its note) or is
      added after the items, in the file's order.

    Errors, each at its row and column, never quoting a value: a continuing row whose
    therapist, next appointment, note or version (audience, language, paper,
    large_print, location) differs from the program's first row, or whose client is
    written differently; a handout given twice in one program; a program row for a
    client whose program ended above (its rows are not together); and a plain row
    right next to a program row of the same client (is it part of the program or a
    copy of its own?).
    """
    programs: list[list[Row]] = []
    singles: list[Row] = []
    problems: list[Problem] = []
    ended: dict[str, tuple[int, int]] = {}  # client → (program's first row, row after it)
    current: list[Row] | None = None
    previous: Row | None = None

    def err(row: Row, column: str, message: str) -> None:
        problems.append(Problem(display, row.line, column, message))

    for row in rows:
        continues = current is not None and row.in_program and row.program is None and \
            _who(row) == _who(current[0])
        if current is not None and not continues:
            ended[_who(current[0])] = (current[0].line, row.line)
            current = None
        if current is not None:  # the next row of the program above
            first = current[0]
            if row.client.name != first.client.name:
                err(row, "client", f"is written differently from row {first.line}, where "
                                   "this client's program starts; write it the same way on "
                                   "every row")
            for column, value in SHARED.items():
                if column in row.unread or column in first.unread:
                    continue  # its own mistake is said at its row; a difference adds nothing
                if value(row) != value(first):
                    err(row, column, f"differs from row {first.line}, where this client's "
                                     "program starts; a program is printed once, so its rows "
                                     f"must have the same {column}")
            same = next((r for r in current if row.variant.handout and
                         r.variant.handout == row.variant.handout), None)
            if same is not None:
                err(row, "handout", f"is already in this program, at row {same.line}; give "
                                    "each handout one row")
            current.append(row)
        elif row.in_program:
            if row.program is None and _who(row) in ended:
                start, interrupted = ended[_who(row)]
                err(row, "client", f"this client's program started at row {start} and was "
                                   f"interrupted by row {interrupted}; keep a program's rows "
                                   "together")
            if previous is not None and not previous.in_program and row.program is None \
                    and _who(previous) == _who(row):
                err(previous, "client", _NEXT_TO.format(where="in the next row",
                                                        line=row.line))
            current = [row]
            programs.append(current)
        else:
            if previous is not None and previous.in_program and _who(previous) == _who(row):
                err(row, "client", _NEXT_TO.format(where="just above", line=previous.line))
            singles.append(row)
        previous = row
    return [ProgramRows(tuple(p)) for p in programs], singles, problems


_NEXT_TO = ("has no program, dose or item_note, yet this client's program is {where} "
            "(row {line}): to put this row's handout in the program, give it a dose or an "
            "item_note; for a copy of its own, move the row away from the program's rows")
