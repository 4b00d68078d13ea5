"""What the checks found: problems, reading grades and page measurements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from handouts.errors import Problem, Severity


@dataclass
class Findings:
    """Every problem the checks found, and the measurements behind them (for
    ``check --format json``)."""

    problems: list[Problem] = field(default_factory=list)
    #: Problems that stop a single variant (a missing translation), not the project.
    variant_problems: list[Problem] = field(default_factory=list)
    grades: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    #: Languages checked that have no validated reading-level formula.
    unmeasured: set[str] = field(default_factory=set)

    def layout_notes(self) -> list[str]:
        """What fitting did on purpose that a reader might take for a problem: a page
        ended early so that the last page is not a runt (``balanced``)."""
        return [f"note: layout: {page['variant']}: {item['message']}"
                for page in self.pages for item in page.get("layout", ())
                if item["kind"] == "balanced"]

    def errors(self, strict: bool = False) -> list[Problem]:
        """Problems that fail the check (warnings too with ``strict``).

        Layout warnings (field ``layout``) never fail it: they report what automatic
        fitting could not fix within the theme's rules, which no content edit is
        required to change (a designer's call, not an error in the content)."""
        return [p for p in self.problems
                if p.severity is Severity.ERROR or (strict and p.field != "layout")]
