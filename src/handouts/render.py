"""From a page to PDF bytes, with the engine's messages pointed at content lines.

Also where ``fit: shrink`` happens: a handout over its page limit is rendered again
with the body text a little smaller, step by step, down to a floor.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from handouts.config import Project
from handouts.content import Document
from handouts.errors import Problem
from handouts.theme import THEME_DIR, Page, render_html, stylesheet_path

#: Body text sizes (pt): the theme's size, and the smallest ``fit: shrink`` may use.
BASE_SIZE = {False: 12.0, True: 18.0}
MIN_SIZE = {False: 11.0, True: 18.0}
SHRINK_STEP = 0.25


@dataclass
class Output:
    """A rendered PDF, its page count and what the engine reported."""

    pdf: bytes
    pages: int
    problems: list[Problem] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    #: The body size ``fit: shrink`` chose, or None when the theme's size was kept.
    shrunk_to: float | None = None


def max_pages(project: Project, document: Document, large_print: bool) -> int:
    """The page limit for this handout at this print size."""
    checks = project.config.checks
    if large_print:
        return checks.max_pages_large
    return document.handout.max_pages or checks.max_pages


def render_page(project: Project, document: Document, page: Page) -> Output:
    """Render ``page`` to PDF bytes (shrinking to fit when the handout asks); writes nothing."""
    output = _render(project, document, page)
    if document.handout.fit != "shrink":
        return output
    limit = max_pages(project, document, page.large_print)
    size = BASE_SIZE[page.large_print]
    while output.pages > limit and size - SHRINK_STEP >= MIN_SIZE[page.large_print]:
        size -= SHRINK_STEP
        output = _render(project, document, dataclasses.replace(page, base_size=size))
        output.shrunk_to = size
    return output


def _render(project: Project, document: Document, page: Page) -> Output:
    from handouts import pdf  # WeasyPrint is heavy: import it only when rendering

    html = render_html(page, project.templates_dir)
    limit = project.config.defaults.render_timeout
    try:
        result = pdf.engine().render(
            html, base_dir=project.root, stylesheet=stylesheet_path(project.templates_dir),
            source=document.display, roots=(project.root, THEME_DIR),
            allowed_hosts=tuple(project.config.resources.allowed_hosts), timeout=limit,
            archive=project.config.defaults.archive)
    except pdf.RenderTimeout:
        return Output(b"", 0, [Problem(document.display, None, "", (
            f"took longer than {limit:g} s to render and was stopped (defaults.render_timeout "
            "in handouts.yaml)"))])
    return Output(result.pdf, result.pages, [_locate(p, document) for p in result.problems],
                  result.texts)


_URL = re.compile(r"file://\S+|data:\S+|https?://\S+")


def _locate(problem: Problem, document: Document) -> Problem:
    """Point an engine message about an image at the content line that uses it."""
    match = _URL.search(problem.message)
    if match:
        line, field_name = document.line_of_image(match.group(0).rstrip(".,:;"))
        if line is not None:
            return Problem(problem.path, line, field_name, problem.message, problem.severity)
    return problem



