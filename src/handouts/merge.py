"""``handouts merge``: one personal handout per row of a CSV file (mail merge).

Columns (header row required; only ``client`` and ``handout`` must be filled):
``client, handout, audience, language, paper, large_print, therapist,
next_appointment, note``. A bad row is reported with its line number and the good
rows are still built. Messages never repeat a row's personal fields.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
from dataclasses import dataclass, field
from pathlib import Path

from handouts.build import load, refuse_on_check_errors
from handouts.clients import Client
from handouts.compose import compose
from handouts.errors import HandoutsError, Problem, Severity, errors_only
from handouts.naming import check_pattern, client_filename
from handouts.output import write_atomic
from handouts.plan import GENERAL, Variant
from handouts.render import PersonalCopies, over_limit, settle

COLUMNS = ("client", "handout", "audience", "language", "paper", "large_print", "therapist",
           "next_appointment", "note")
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class Row:
    """One valid CSV row, ready to render."""

    line: int
    variant: Variant
    client: Client


@dataclass
class MergeResult:
    """PDFs written (by CSV line) and every problem found."""

    written: list[tuple[int, Path, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every row was built."""
        return not errors_only(self.problems)


def _hint(value: str, options: list[str]) -> str:
    close = difflib.get_close_matches(value, options, n=1)
    return f" (did you mean '{close[0]}'?)" if close else f" (choose from {', '.join(options)})"


def read_rows(csv_path: Path, display: str, handouts: list[str], audiences: list[str],
              default_language: str, default_paper: str) -> tuple[list[Row], list[Problem]]:
    """Parse and check the CSV; returns the good rows and a problem for each bad cell."""
    problems: list[Problem] = []
    try:
        text = csv_path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return [], [Problem(display, None, "", f"cannot be read: {exc.strerror or exc}")]
    except UnicodeDecodeError:
        return [], [Problem(display, None, "", "is not UTF-8 text; export it as 'CSV UTF-8'")]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    for name in header:
        if name not in COLUMNS:
            hint = _hint(name, list(COLUMNS))
            problems.append(Problem(display, 1, name, "unknown column" + hint))
    for required in ("client", "handout"):
        if required not in header:
            problems.append(Problem(display, 1, required, "column is missing"))
    if problems:
        return [], problems
    rows: list[Row] = []
    line = 1
    for record in reader:
        line = reader.line_num
        cells = {k: (v or "").strip() for k, v in record.items() if k is not None}
        bad: list[Problem] = []

        def err(column: str, message: str, line: int = line, bad: list[Problem] = bad) -> None:
            bad.append(Problem(display, line, column, message))

        if not cells.get("client"):
            err("client", "must not be empty")
        handout = cells.get("handout", "")
        if handout not in handouts:
            err("handout", f"no such handout '{handout}'" + _hint(handout, handouts))
        audience = cells.get("audience") or GENERAL
        if audience not in audiences:
            err("audience", f"unknown audience '{audience}'" + _hint(audience, audiences))
        paper = (cells.get("paper") or default_paper).lower()
        if paper not in ("letter", "a4"):
            err("paper", f"must be letter or a4, not '{paper}'")
        large = cells.get("large_print", "").lower()
        if large not in _TRUE | _FALSE:
            err("large_print", f"must be yes or no, not '{large}'")
        appointment = None
        if cells.get("next_appointment"):
            try:
                appointment = dt.date.fromisoformat(cells["next_appointment"])
            except ValueError:
                err("next_appointment", "must be a date written as YYYY-MM-DD")
        if bad:
            problems += bad
            continue
        variant = Variant(handout, audience, cells.get("language") or default_language,
                          paper, "large" if large in _TRUE else "standard")  # type: ignore[arg-type]
        client = Client(cells["client"], cells.get("note") or None,
                        cells.get("therapist") or None, appointment)
        rows.append(Row(line, variant, client))
    if line == 1 and not rows and not problems:
        problems.append(Problem(display, None, "", "has no rows"))
    return rows, problems


def merge(root: Path, csv_path: Path, *, out: Path | None = None,
          name_pattern: str | None = None) -> MergeResult:
    """Render one personal PDF per good row of ``csv_path`` into ``<out>/clients/``."""
    if name_pattern is not None:
        check_pattern(name_pattern)
    project, documents = load(root)
    docs = {d.name: d for d in documents}
    defaults = project.config.defaults
    display = csv_path.name
    rows, problems = read_rows(csv_path, display, list(docs),
                               [GENERAL, *project.config.audiences], defaults.language,
                               defaults.paper)
    refuse_on_check_errors(project, documents, sorted({row.variant for row in rows}))
    result = MergeResult(problems=problems)
    out_dir = project.output_dir(out) / "clients"
    copies = PersonalCopies(project)
    settle()
    for row in rows:
        doc = docs[row.variant.handout]
        page, found = compose(project, doc, row.variant, row.client)
        # Problems from the content (a missing translation) are about that file, but
        # the user needs to know which CSV row asked for it.
        result.problems += [Problem(display, row.line, p.field or "handout",
                                    f"{p.path}: {p.message}", p.severity) for p in found]
        if page is None:
            continue
        output = copies.render(doc, page)
        output.problems += over_limit(project, doc, page, output)
        errors = errors_only(output.problems)
        result.problems += output.problems
        if errors:
            continue
        target = out_dir / client_filename(row.variant, row.client, name_pattern, row.line)
        try:
            write_atomic(target, output.pdf)
        except HandoutsError as exc:
            result.problems += exc.problems
            continue
        result.written.append((row.line, target, output.pages))
    result.problems.sort(key=lambda p: (p.line or 0, p.severity is not Severity.ERROR))
    return result
