"""From a page to PDF bytes, with the engine's messages pointed at content lines.

Also where ``fit: shrink`` happens: a handout over its page limit is rendered again
with the body text a little smaller, step by step, down to a floor.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from handouts.config import Project
from handouts.content import Document
from handouts.errors import Problem, Severity, errors_only
from handouts.theme import THEME_DIR, Page, TemplateFailure, render_html, stylesheet_paths

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


def settle() -> None:
    """Load the engine, then exempt everything loaded from garbage collection.

    Called once before a render loop.

    Every render allocates many short-lived objects, and each full collection would
    walk the modules, fonts and project again: freezing them saves about 5% per PDF.
    """
    from handouts import pdf

    pdf.engine()
    gc.collect()
    gc.freeze()


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


def over_limit(project: Project, document: Document, page: Page,
               output: Output) -> list[Problem]:
    """The problem with ``output`` having more pages than its limit, if it has.

    An error unless ``checks.over_limit: warning`` is set: a handout that overflows
    its sheet must not be printed by surprise. It says how many pages it needs (at the
    smallest text size ``fit: shrink`` may use, when it shrank) and what to change.
    """
    limit = max_pages(project, document, page.large_print)
    if output.pages <= limit:
        return []
    checks = project.config.checks
    if page.large_print:
        needs = f"needs {output.pages} pages in large print; the limit is {limit} " \
                "(checks.max_pages_large)"
        fixes = ["shorten the text", "raise checks.max_pages_large"]
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
        fix = f"{', '.join(fixes[:-1])} or {fixes[-1]}"
    else:
        fix = ", ".join([*fixes, "or set checks.over_limit: warning in handouts.yaml"])
    message = f"{needs} \N{EM DASH} {fix}"
    return [Problem(document.display, document.lines.lines.get(("max_pages",)), "max_pages",
                    message, Severity.WARNING if warn else Severity.ERROR)]


def _render(project: Project, document: Document, page: Page) -> Output:
    try:
        html = render_html(page, project.templates_dir)
    except TemplateFailure as exc:  # this variant fails alone, with the template's line
        return Output(b"", 0, exc.problems)
    return _rendered(project, document, lambda engine: engine.render(
        html, **_engine_options(project, document, page.language),
        archive=project.config.defaults.archive))


def _engine_options(project: Project, document: Document,
                    language: str | None = None) -> dict[str, Any]:
    # The page's language is the translation's: right to left adds rtl.css.
    return {"base_dir": project.root,
            "stylesheets": stylesheet_paths(project.templates_dir, language or
                                            document.handout.language),
            "source": document.display, "roots": (project.root, THEME_DIR),
            "allowed_hosts": tuple(project.config.resources.allowed_hosts),
            # A copy of the theme's stylesheet in templates/ still finds the theme's fonts.
            "fallbacks": ((project.templates_dir, THEME_DIR),)}


def _rendered(project: Project, document: Document, work: Callable[[Any], Any]) -> Output:
    """Run ``work`` on the engine; its result as an :class:`Output`, a timeout as a problem."""
    from handouts import pdf  # WeasyPrint is heavy: import it only when rendering

    limit = project.config.defaults.render_timeout
    try:
        with pdf.time_limit(limit):
            result = work(pdf.engine())
    except pdf.RenderTimeout:
        return Output(b"", 0, [Problem(document.display, None, "", (
            f"took longer than {limit:g} s to render and was stopped (defaults.render_timeout "
            "in handouts.yaml)"))])
    return Output(result.pdf, result.pages, [_locate(p, document) for p in result.problems],
                  result.texts)


#: The comments around the personal block in the template, and the block's class.
PERSONAL_START, PERSONAL_END = "<!-- handouts:personal -->", "<!-- /handouts:personal -->"
PERSONAL_CLASS = "prepared-for"


class PersonalCopies:
    """Named-client copies of handouts, laying out only each client's own block.

    Copies of one variant differ only in the "prepared for" block. The first client
    whose block has a given size gets a full render, and its layout is kept; a later
    client whose block has the same size gets that layout with only the block laid
    out anew and swapped in, then written. Written by the same engine from the same
    kind of layout, the PDF is what a full render gives: same fonts (subset for this
    client's text), tags and text. Anything unusual falls back to a full render: a
    template without the markers or with stylesheets in its body, a block of another
    size, width or place, styled differently alone than in the page (see
    :meth:`handouts.pdf.Engine.swap_block`), split across pages, or a handout that
    had to shrink to fit.

    The kept layouts hold a client's details in memory for the life of this object
    only; nothing is written anywhere but the requested PDF.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self._bases: dict[tuple[str, float], Any] = {}
        #: Pages (by hash, without their block) that had to shrink: always rendered in full.
        self._shrinks: set[str] = set()
        #: How many copies were made by swapping the block (the rest were full renders).
        self.swapped = 0

    def render(self, document: Document, page: Page) -> Output:
        """The PDF of ``page`` (a page with a client): from a kept layout when possible."""
        from handouts import pdf  # WeasyPrint is heavy: import it only when rendering

        try:
            html = render_html(page, self.project.templates_dir)
        except TemplateFailure:
            return render_page(self.project, document, page)  # reports the template's problem
        parts = split_personal(html)
        if parts is None:
            return render_page(self.project, document, page)
        shell, piece_html = parts
        shell_key = hashlib.sha256(shell.encode()).hexdigest()
        if shell_key in self._shrinks or _styles_in_body(shell):
            return render_page(self.project, document, page)
        options = _engine_options(self.project, document, page.language)
        defaults = self.project.config.defaults
        engine = pdf.engine()
        try:
            with pdf.time_limit(defaults.render_timeout):
                piece = engine.lay_out(piece_html, **options)
        except pdf.RenderTimeout:
            return render_page(self.project, document, page)
        height = engine.block_height(piece, PERSONAL_CLASS)
        key = (shell_key, round(height or -1.0, 3))
        base = self._bases.get(key) if height is not None else None
        if base is not None:
            swapped = engine.swap_block(base, piece, PERSONAL_CLASS)
            if swapped is not None:
                try:
                    output = _rendered(self.project, document, lambda e: e.write(
                        swapped, source=document.display, archive=defaults.archive))
                except Exception:  # WeasyPrint internals changed: see swap_block
                    return render_page(self.project, document, page)
                self.swapped += 1
                return output
        layouts: list[Any] = []

        def keep(engine: Any) -> Any:
            layouts.append(engine.lay_out(html, **options))
            return engine.write(layouts[0], source=document.display, archive=defaults.archive)

        output = _rendered(self.project, document, keep)
        if document.handout.fit == "shrink" and output.pages > max_pages(
                self.project, document, page.large_print):
            self._shrinks.add(shell_key)
            return render_page(self.project, document, page)  # shrinks; not kept
        if layouts and height is not None and not errors_only(output.problems):
            self._bases[key] = layouts[0]
        return output


def _styles_in_body(shell: str) -> bool:
    """Whether the page has stylesheets in its body: the block's piece keeps only the
    ``<head>``, so it would be laid out without them (and could look different)."""
    body = shell[shell.find("<body"):].lower()
    return "<style" in body or "<link" in body


def split_personal(html: str) -> tuple[str, str] | None:
    """The page without its personal block, and a page holding only that block.

    The second keeps the first's ``<head>`` (page size, print size, colours) and the
    ``<main>`` the block sits in, so the block is laid out at the same width.
    """
    start, end = html.find(PERSONAL_START), html.find(PERSONAL_END)
    body = html.find("<body")
    if min(start, end, body) < 0 or not body < start < end:
        return None
    block = html[start + len(PERSONAL_START):end]
    shell = html[:start] + html[end + len(PERSONAL_END):]
    return shell, f"{html[:body]}<body><main>{block}</main></body></html>"


_URL = re.compile(r"file://\S+|data:\S+|https?://\S+")


def _locate(problem: Problem, document: Document) -> Problem:
    """Point an engine message about an image at the content line that uses it."""
    match = _URL.search(problem.message)
    if match:
        # The engine quotes URLs ('file:///...png'): the quote is not part of it.
        line, field_name = document.line_of_image(match.group(0).rstrip(".,:;'\""))
        if line is not None:
            return Problem(problem.path, line, field_name, problem.message, problem.severity)
    return problem



