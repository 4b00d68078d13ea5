"""Running the engine on a project's pages: what it may read, the time limit, and its
problems pointed at content lines.

The fitting search (:mod:`handouts.render.fitting`), named copies
(:mod:`handouts.render.personal`) and home programs (:mod:`handouts.render.program`)
all lay out and write through here. The engine (and so WeasyPrint) is imported only
when something is rendered, never at start-up.
"""

from __future__ import annotations

import dataclasses
import gc
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from handouts.errors import Problem
from handouts.paths import THEME_DIR
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.render.result import Rendered
from handouts.render.theme import stylesheet_paths, stylesheet_references


def settle() -> None:
    """Load the engine, then exempt everything loaded from garbage collection.

    Called once before a render loop.

    Every render allocates many short-lived objects, and each full collection would
    walk the modules, fonts and project again: freezing them saves about 5% per PDF.
    """
    from handouts.render.engine.pdf import engine

    engine()
    gc.collect()
    gc.freeze()


def engine_options(project: Project, source: str, language: str) -> dict[str, Any]:
    """What the engine needs to lay out a page of ``project`` in ``language`` (its
    stylesheets, the folders it may read, the hosts it may fetch from); ``source``
    names the page in the engine's problems."""
    return {"base_dir": project.root,
            "stylesheets": stylesheet_paths(project.templates_dir, language),
            "source": source, "roots": (project.root, THEME_DIR),
            "allowed_hosts": tuple(project.config.resources.allowed_hosts),
            # A copy of the theme's stylesheet in templates/ still finds the theme's fonts.
            "fallbacks": ((project.templates_dir, THEME_DIR),)}


def timed_out(source: str, limit: float) -> Rendered:
    """The failed render of the page ``source`` that ran past ``defaults.render_timeout``."""
    return Rendered(b"", 0, [Problem(source, None, "", (
        f"took longer than {limit:g} s to render and was stopped (defaults.render_timeout "
        "in handouts.yaml)"))])


def lay_out(project: Project, source: str, html: str, language: str, *,
            margin_boxes: bool = True) -> Any:
    """The engine's layout of ``html`` (a page of ``source`` in ``language``; without
    ``margin_boxes``, a block laid out only to be measured and moved), or a failed
    :class:`Rendered` saying it timed out."""
    from handouts.render.engine.pdf import engine
    from handouts.render.engine.timelimit import run_limited

    limit = project.config.defaults.render_timeout
    layout = run_limited(limit, lambda: engine().lay_out(
        html, **engine_options(project, source, language), margin_boxes=margin_boxes))
    return timed_out(source, limit) if layout is None else layout


def write(project: Project, document: Document, layout: Any) -> Rendered:
    """The PDF of ``layout`` (a page of ``document``) as the project asks for it
    (archival or not), its engine problems located; a timeout as a problem."""
    from handouts.render.engine.pdf import engine
    from handouts.render.engine.timelimit import run_limited

    defaults = project.config.defaults
    result = run_limited(defaults.render_timeout, lambda: engine().write(
        layout, source=document.display, archive=defaults.archive))
    if result is None:
        return timed_out(document.display, defaults.render_timeout)
    return Rendered(result.pdf, result.pages,
                    [locate(p, document, project) for p in result.problems],
                    result.texts)


_URL = re.compile(r"file://\S+|data:\S+|https?://\S+")


def locate(problem: Problem, document: Document, project: Project | None = None) -> Problem:
    """Point an engine message about an image or other resource at the line that uses
    it: a step's image in the content file, the clinic's (or a location's) logo in
    handouts.yaml, or a ``url()`` of the project's stylesheets. Otherwise it stays on
    the page's content file, without a line."""
    match = _URL.search(problem.message)
    if not match:
        return problem
    # The engine quotes URLs ('file:///...png'): the quote is not part of it.
    url = match.group(0).rstrip(".,:;'\"")
    message = shown(problem.message, project)
    line, field_name = document.line_of_image(url)
    if line is not None:
        return Problem(problem.path, line, field_name, message, problem.severity)
    where = _used_by(project, url) if project is not None else None
    if where is not None:
        return Problem(*where, message, problem.severity)
    return dataclasses.replace(problem, message=message)


def shown(message: str, project: Project | None) -> str:
    """``message`` with the project's files named as in the project (``content/x.svg``),
    not by their address on this computer (``file:///home/…/content/x.svg``): shorter,
    and the desk's staff are not shown where the server keeps its files."""
    if project is None:
        return message
    for root in dict.fromkeys((project.root, project.root.resolve())):
        message = message.replace(root.as_uri().rstrip("/") + "/", "")
    return message


def _used_by(project: Project, url: str) -> tuple[str, int | None, str] | None:
    """Where the project itself (not a handout) uses the file ``url``: (file, line,
    field), or None."""
    if not url.startswith("file://"):
        return None
    target = Path(unquote(urlsplit(url).path))
    clinic = project.config.clinic
    logos = [(("clinic", "logo"), clinic.logo)] + [
        (("clinic", "locations", name, "logo"), place.logo)
        for name, place in clinic.locations.items()]
    for loc, logo in logos:
        if logo and _same_file(project.root / logo, target):
            found = project.problem(loc, "")
            return found.path, found.line, found.field
    folder = project.templates_dir
    for sheet in sorted(folder.rglob("*.css")) if folder.is_dir() else ():
        try:
            text = sheet.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        for line, name in stylesheet_references(text):
            if _same_file(sheet.parent / unquote(name), target):
                return sheet.relative_to(project.root).as_posix(), line, "url()"
    return None


def _same_file(path: Path, target: Path) -> bool:
    try:
        return path.resolve() == target.resolve()
    except (OSError, RuntimeError):
        return False
