"""The content of a handout: picture sizes, the safety precautions every version must
keep, and review dates."""

from __future__ import annotations

import datetime as dt

from handouts.checks.findings import Findings
from handouts.errors import Problem, Severity
from handouts.project.config import Project
from handouts.project.content import Document, Handout
from handouts.project.sourcefile import format_loc
from handouts.variants.plan import Variant


def safety(document: Document, variant: Variant, handout: Handout, report: Findings) -> None:
    """Every version must still say when to stop and when to call a professional."""
    for group, what in (("stop", "when to stop"), ("call", "when to call a professional")):
        if not getattr(handout.precautions, group):
            loc = ("precautions", group)
            report.problems.append(Problem(
                document.display, document.lines.line_of(loc), format_loc(loc),
                f"the {variant.audience} version has no precautions saying {what}"))


def review_dates(project: Project, document: Document, today: dt.date,
                 report: Findings) -> None:
    """Overdue review: a warning; twice the interval: an error.

    Starter text from the library has no review yet, only placeholders: the starter
    check says so (:mod:`handouts.checks.starter`), so its date is not judged here."""
    if document.handout.starter:
        return
    months = project.config.checks.review_months
    reviewed = document.handout.review.reviewed
    loc = ("review", "reviewed")
    if reviewed > today:  # printed as reviewed then, and never due: most likely a typo
        report.problems.append(Problem(
            document.display, document.lines.line_of(loc), format_loc(loc),
            f"{reviewed.isoformat()} is after today ({today.isoformat()}); write the day "
            "the content was last reviewed", Severity.WARNING))
        return
    due = add_months(reviewed, months)
    if today <= due:
        return
    severity = Severity.ERROR if today > add_months(reviewed, 2 * months) else Severity.WARNING
    report.problems.append(Problem(
        document.display, document.lines.line_of(loc), format_loc(loc),
        f"last reviewed {reviewed.isoformat()}; a review was due {due.isoformat()} "
        f"(every {months} months, checks.review_months)", severity))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` months on (the 31st becomes the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
            31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return dt.date(year, month, min(day.day, last))
