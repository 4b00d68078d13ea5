"""The checks that render: a version's page count against its limit, the layout judge's
findings, and the clinic's phone on every page."""

from __future__ import annotations

from typing import Any

from handouts.checks.findings import Findings
from handouts.errors import Problem, Severity
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.render.compose import compose
from handouts.render.fitting import render_page
from handouts.render.layout import BALANCED, FIXABLE
from handouts.render.limits import max_pages
from handouts.variants.plan import Variant


def page_fit(project: Project, document: Document, variant: Variant,
             report: Findings) -> int | None:
    """Render the variant: page count against the limit, and the phone on every page;
    its page count (None: it could not be rendered)."""
    page, problems = compose(project, document, variant)
    report.problems.extend(problems)
    if page is None:
        return None
    output = render_page(project, document, page)
    report.problems.extend(output.problems)
    limit = max_pages(project, document, variant.large_print)
    report.pages.append({"variant": variant.describe(), "pages": output.pages,
                         "max_pages": limit, "shrunk_to": output.shrunk_to,
                         "fullness": [round(p.fullness, 3) for p in output.measure],
                         "fit": list(output.fit), "extra_renders": output.extra_renders,
                         "layout": [{"kind": p.kind, "page": p.page, "message": p.message}
                                    for p in output.layout_problems]})
    report.problems.extend(layout_problems(document, variant, output))
    if output.shrunk_to is not None:
        report.problems.append(Problem(
            document.display, document.lines.line_of(("fit",)), "fit",
            f"{variant.describe()}: body text shrunk to {output.shrunk_to:g} pt to fit "
            f"{output.pages} page(s)", Severity.WARNING))
    if output.pages > limit:
        hint = "" if document.handout.fit == "shrink" or variant.large_print else \
            "; shorten it, or add 'fit: shrink'"
        line = document.lines.lines.get(("max_pages",))  # None unless the file sets it
        report.problems.append(Problem(
            document.display, line, "max_pages",
            f"{variant.describe()} has {output.pages} pages, more than {limit}{hint}",
            Severity.WARNING if project.config.checks.over_limit == "warning"
            else Severity.ERROR))
    # A location's handouts must show that location's phone, not the group's.
    phone = project.config.clinic.at(variant.location).phone_display
    whose = "the clinic's" if variant.location is None else f"the {variant.location} location's"
    for number, text in enumerate(output.texts, start=1):
        if phone not in text:
            report.problems.append(Problem(
                document.display, None, "render",
                f"{variant.describe()}: page {number} does not show {whose} phone "
                f"{phone}"))
    return output.pages


def layout_problems(document: Document, variant: Variant, output: Any) -> list[Problem]:
    """The layout judge's findings on the fitted PDF (see :mod:`handouts.render.layout`), as
    warnings on the content file, saying what fitting tried when it could not help."""
    tried = ""
    if output.tried:
        *rest, last = output.tried
        tried = ("; fitting tried " + (", ".join(rest) + " and " if rest else "") + last
                 + ", and kept the shortest layout")
    why = {"runt": "; fitting cannot help: the content does not fit one page fewer",
           "gap": "; fitting cannot help: that block cannot split and does not fit the space"}
    return [Problem(document.display, None, "layout",
                    f"{variant.describe()}: {p.message}"
                    + ((tried or why.get(p.kind, "")) if p.kind in FIXABLE else ""),
                    Severity.WARNING)
            for p in output.layout_problems if p.kind != BALANCED]
