"""From a page to PDF bytes, with the engine's messages pointed at content lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handouts.config import Project
from handouts.content import Document
from handouts.errors import Problem
from handouts.theme import THEME_DIR, Page, render_html, stylesheet_path


@dataclass
class Output:
    """A rendered PDF, its page count and what the engine reported."""

    pdf: bytes
    pages: int
    problems: list[Problem] = field(default_factory=list)


def render_page(project: Project, document: Document, page: Page) -> Output:
    """Render ``page`` to PDF bytes; nothing is written here."""
    from handouts import pdf  # WeasyPrint is heavy: import it only when rendering

    html = render_html(page, project.templates_dir)
    limit = project.config.defaults.render_timeout
    try:
        result = pdf.engine().render(
            html, base_dir=project.root, stylesheet=stylesheet_path(project.templates_dir),
            source=document.display, roots=(project.root, THEME_DIR),
            allowed_hosts=tuple(project.config.resources.allowed_hosts), timeout=limit)
    except pdf.RenderTimeout:
        return Output(b"", 0, [Problem(document.display, None, "", (
            f"took longer than {limit:g} s to render and was stopped (defaults.render_timeout "
            "in handouts.yaml)"))])
    return Output(result.pdf, result.pages, [_locate(p, document) for p in result.problems])


_URL = re.compile(r"file://\S+|data:\S+|https?://\S+")


def _locate(problem: Problem, document: Document) -> Problem:
    """Point an engine message about an image at the content line that uses it."""
    match = _URL.search(problem.message)
    if match:
        line, field_name = document.line_of_image(match.group(0).rstrip(".,:;"))
        if line is not None:
            return Problem(problem.path, line, field_name, problem.message, problem.severity)
    return problem
