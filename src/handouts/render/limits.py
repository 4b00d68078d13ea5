"""The page-limit policy: how many pages a handout may have, the body text sizes
fitting may use, and the problem with a handout over its limit."""

from __future__ import annotations

from handouts.errors import Problem, Severity
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.render.result import Rendered
from handouts.render.theme import Page

#: Body text sizes (pt): the theme's size, and the smallest ``fit: shrink`` may use.
BASE_SIZE = {False: 12.0, True: 18.0}
MIN_SIZE = {False: 11.0, True: 18.0}


def max_pages(project: Project, document: Document, large_print: bool) -> int:
    """The page limit for this handout at this print size."""
    checks = project.config.checks
    if large_print:
        return checks.max_pages_large
    return document.handout.max_pages or checks.max_pages



#: What a page-limit message says when the client's details are what does not fit (the
#: handout alone fits): the desk then asks staff to shorten what they typed.
WITH_CLIENT = "with the client's details and notes"


def over_limit(project: Project, document: Document, page: Page,
               output: Rendered, *, alone: int | None = None) -> list[Problem]:
    """The problem with ``output`` having more pages than its limit, if it has.

    An error unless ``checks.over_limit: warning`` is set: a handout that overflows
    its sheet must not be printed by surprise. It says how many pages it needs (at the
    smallest text size ``fit: shrink`` may use, when it shrank) and what to change.
    ``alone``: the pages of the same handout without its client's details, when those
    fit (the client's note or plan is then what does not).
    """
    limit = max_pages(project, document, page.large_print)
    if output.pages <= limit:
        return []
    checks = project.config.checks
    # The setting that holds this limit: large print has its own, in handouts.yaml.
    limit_setting = "checks.max_pages_large" if page.large_print else "max_pages"
    if alone is not None:
        needs = (f"needs {output.pages} pages {WITH_CLIENT} "
                 f"({alone} without them); the limit is {limit}")
        # Only a note staff typed can be shortened at the desk; a block with none (a
        # name and a dose) is what the handout cannot take on this paper.
        noted = bool((page.client and page.client.note) or (page.plan and page.plan.note))
        fixes = ["shorten the note"] * noted + [f"raise {limit_setting}"]
    elif page.large_print:
        needs = f"needs {output.pages} pages in large print; the limit is {limit} " \
                f"({limit_setting})"
        fixes = ["shorten the text", f"raise {limit_setting}"]
    elif document.handout.fit == "shrink":  # it shrank as far as it may
        needs = (f"needs {output.pages} pages at the smallest allowed text size "
                 f"({MIN_SIZE[False]:g} pt); the limit is {limit}")
        fixes = ["shorten the text", "raise max_pages"]
    else:
        needs = f"needs {output.pages} pages; the limit is {limit}"
        fixes = ["shorten the text", "add 'fit: shrink'", "raise max_pages"]
    warn = checks.over_limit == "warning"
    if warn:
        needs += "; written anyway (checks.over_limit: warning)"
        fix = f"{', '.join(fixes[:-1])} or {fixes[-1]}" if len(fixes) > 1 else fixes[0]
    else:
        fix = ", ".join([*fixes, "or set checks.over_limit: warning in handouts.yaml"])
    message = f"{needs} \N{EM DASH} {fix}"
    return [Problem(document.display, document.lines.lines.get(("max_pages",)), "max_pages",
                    message, Severity.WARNING if warn else Severity.ERROR)]

