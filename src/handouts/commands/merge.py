"""``handouts merge``: one personal handout per row of a CSV file (mail merge).

Columns (header row required; only ``client`` and ``handout`` must be filled):
``client, handout, audience, language, paper, large_print, therapist,
next_appointment, note``. A bad row is reported with its line number and the good
rows are still built. Reading and checking the CSV is :mod:`handouts.variants.clientcsv`;
its messages never repeat a value from a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from handouts.checks.glyphs import check_client
from handouts.commands.build import load, refuse_on_check_errors, variant_pdf
from handouts.errors import HandoutsError, Problem, Severity, errors_only
from handouts.output import write_atomic
from handouts.project.content import Document
from handouts.render.render import PersonalCopies, settle
from handouts.variants.clientcsv import Choices, read_rows
from handouts.variants.dates import date_locale
from handouts.variants.naming import check_pattern, client_filename
from handouts.variants.plan import GENERAL

#: Client details checked for printable characters, and their CSV columns.
CSV_FIELDS = {"name": "client", "note": "note", "therapist": "therapist"}


@dataclass
class MergeResult:
    """PDFs written (by CSV line) and every problem found."""

    written: list[tuple[int, Path, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

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


def merge(root: Path, csv_path: Path, *, out: Path | None = None,
          name_pattern: str | None = None) -> MergeResult:
    """Render one personal PDF per good row of ``csv_path`` into ``<out>/clients/``."""
    if name_pattern is not None:
        check_pattern(name_pattern)
    project, documents = load(root)
    docs = {d.name: d for d in documents}
    defaults = project.config.defaults
    display = csv_path.name
    choices = Choices({name: available_languages(doc) for name, doc in docs.items()},
                      [GENERAL, *project.config.audiences], defaults.language, defaults.paper,
                      date_locale(defaults.language, project.config.clinic.phone_region),
                      locations=list(project.config.clinic.locations))
    rows, problems = read_rows(csv_path, display, choices)
    refuse_on_check_errors(project, documents, sorted({row.variant for row in rows}))
    result = MergeResult(problems=problems)
    out_dir = project.output_dir(out) / "clients"
    copies = PersonalCopies(project)
    settle()
    for row in rows:
        doc = docs[row.variant.handout]
        unprintable = check_client(project, row.client, row.variant.language, display,
                                   row.line, CSV_FIELDS)
        if unprintable:  # this row only: the others are still built
            result.problems += unprintable
            continue
        output, found = variant_pdf(project, doc, row.variant, row.client, copies=copies)
        # Problems from the content (a missing translation, a page limit) are about that
        # file, but the user needs to know which CSV line asked for it.
        result.problems += [Problem(display, row.line, p.field or "handout",
                                    f"{p.path}: {p.message}", p.severity) for p in found]
        if output is None or errors_only(found):
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
