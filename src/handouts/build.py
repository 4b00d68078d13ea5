"""The build: load and validate everything, render every PDF in memory, then write.

Two phases, so a problem anywhere means nothing is written and earlier PDFs stay
as they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from handouts.config import Project, load_config
from handouts.content import Document, discover, load_document
from handouts.errors import Problem, RenderError, Severity, ValidationError, errors_only
from handouts.output import write_atomic
from handouts.plan import Job, plan_build
from handouts.theme import THEME_DIR, make_page, render_html, stylesheet_path


@dataclass(frozen=True)
class Built:
    """One PDF written by a build."""

    name: str
    path: Path
    pages: int


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the PDFs written and any warnings."""

    built: list[Built]
    warnings: list[Problem]


def load(root: Path, names: tuple[str, ...] = ()) -> tuple[Project, list[Document]]:
    """Load the config and the named handouts (all when none are named).

    Every file is read and validated even after the first problem, so one run
    reports everything; raises :class:`ValidationError` if anything is wrong.
    """
    root = root.resolve()
    problems: list[Problem] = []
    config = load_config(root, problems)
    available = discover(root / "content")
    wanted = list(names) or list(available)
    if not available and not names:
        problems.append(Problem("content", None, "",
                                "no handouts found; add content/<name>.yaml files"))
    documents: list[Document] = []
    for name in wanted:
        path = available.get(name)
        if path is None:
            known = ", ".join(available) or "none"
            problems.append(Problem(f"content/{name}.yaml", None, "",
                                    f"no such handout (available: {known})"))
            continue
        doc = load_document(name, path, f"content/{path.name}", problems)
        if doc is not None:
            documents.append(doc)
    if errors_only(problems) or config is None:
        raise ValidationError(problems)
    return Project(root, config, "handouts.yaml"), documents


def render_job(project: Project, job: Job) -> tuple[bytes, int, list[Problem]]:
    """Render one job to PDF bytes; engine messages come back as located problems."""
    from handouts import pdf  # WeasyPrint is heavy: import it only when rendering

    page = make_page(job.document.handout, project.config.clinic, paper=job.paper,
                     large_print=job.large_print, base_url=project.root.as_uri() + "/")
    html = render_html(page, project.templates_dir)
    rendered = pdf.engine().render(
        html, base_dir=project.root, stylesheet=stylesheet_path(project.templates_dir),
        source=job.document.display, roots=(project.root, THEME_DIR))
    return rendered.pdf, rendered.pages, [_locate(p, job.document) for p in rendered.problems]


_URL = re.compile(r"file://\S+|data:\S+|https?://\S+")


def _locate(problem: Problem, document: Document) -> Problem:
    """Point an engine message about an image at the content line that uses it."""
    match = _URL.search(problem.message)
    if match:
        line, field = document.line_of_image(match.group(0).rstrip(".,:;"))
        if line is not None:
            return Problem(problem.path, line, field, problem.message, problem.severity)
    return problem


def build(root: Path, names: tuple[str, ...] = (), *,
          paper: Literal["letter", "a4"] | None = None, out: Path | None = None) -> BuildResult:
    """Build the named handouts (all by default) into PDFs.

    Raises :class:`ValidationError` for bad input and :class:`RenderError` when the
    engine reports an error; in both cases no file is written.
    """
    project, documents = load(root, names)
    jobs = plan_build(documents, paper=paper or project.config.defaults.paper,
                      out_dir=project.output_dir(out))
    rendered: list[tuple[Job, bytes, int]] = []
    problems: list[Problem] = []
    for job in jobs:
        data, pages, found = render_job(project, job)
        problems.extend(found)
        rendered.append((job, data, pages))
    if errors_only(problems):
        raise RenderError(problems)
    for job, data, _ in rendered:
        write_atomic(job.output, data)
    built = [Built(job.name, job.output, pages) for job, _, pages in rendered]
    return BuildResult(built, [p for p in problems if p.severity is Severity.WARNING])
