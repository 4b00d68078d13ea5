"""Personal copies: named-client copies of a handout, laying out only each client's
own "prepared for" block when the rest of the page is one already laid out."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from handouts.errors import errors_only
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.render import runner
from handouts.render.fitting import fit_personal, render_page
from handouts.render.result import Fitting, Rendered
from handouts.render.theme import Page, TemplateFailure, render_html

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
    :meth:`handouts.render.engine.pdf.Engine.swap_block`), split across pages, or a handout that
    had to shrink to fit.

    The kept layouts hold a client's details in memory for the life of this object
    only; nothing is written anywhere but the requested PDF.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        #: Kept layouts, by page (hash, without its block), fitting classes and block
        #: height laid out with those classes.
        self._bases: dict[tuple[str, tuple[str, ...], float], Any] = {}
        #: The fitting classes of each page's last kept layout: a client's block is laid
        #: out with them first (once, when they are the ones its layout needs).
        self._fits: dict[str, tuple[str, ...]] = {}
        #: Pages (by hash, without their block) that had to shrink: always rendered in full.
        self._shrinks: set[str] = set()
        #: How many copies were made by swapping the block (the rest were full renders).
        self.swapped = 0

    def render(self, document: Document, page: Page, hint: Fitting | None = None
               ) -> Rendered:
        """The PDF of ``page`` (a page with a client): from a kept layout when possible,
        else laid out with the version's fitting decision ``hint`` tried first (see
        :func:`~handouts.render.fitting.fit_personal`)."""
        from handouts.render.engine.pdf import engine  # WeasyPrint: only when rendering

        try:
            html = render_html(page, self.project.templates_dir,
                               self.project.pinned_templates)
        except TemplateFailure:
            return render_page(self.project, document, page, hint=hint)  # the template's problem
        parts = split_personal(html)
        if parts is None:
            return render_page(self.project, document, page, hint=hint)
        shell, piece_html = parts
        shell_key = hashlib.sha256(shell.encode()).hexdigest()
        if shell_key in self._shrinks or _styles_in_body(shell):
            return render_page(self.project, document, page, hint=hint)
        # The block laid out alone, in the page as the kept layout was fitted (fitting
        # classes may style it: tighter spacing changes its heading's margin).
        fit = self._fits.get(shell_key, ())
        piece, height = lay_out_block(self.project, document,
                                      dataclasses.replace(page, fit=fit),
                                      piece_html if fit == page.fit else None)
        base = self._bases.get((shell_key, fit, height)) if height is not None else None
        if base is not None and piece is not None:
            swapped = engine().swap_block(base, piece, PERSONAL_CLASS)
            if swapped is not None:
                try:
                    output = runner.write(self.project, document, swapped)
                except Exception:  # WeasyPrint internals changed: see swap_block
                    return render_page(self.project, document, page, hint=hint)
                self.swapped += 1
                output.fit = fit
                return output
        output, layout, page = fit_personal(self.project, document, page, hint=hint)
        if output.shrunk_to is not None:
            self._shrinks.add(shell_key)  # shrunk copies are always laid out in full
            return output
        if layout is not None and height is not None and not errors_only(output.problems):
            if output.fit != fit:  # this layout was fitted otherwise: its block's height
                _, height = lay_out_block(self.project, document,
                                          dataclasses.replace(page, fit=output.fit))
            if height is not None:
                self._bases[(shell_key, output.fit, height)] = layout
                self._fits[shell_key] = output.fit
        return output



def lay_out_block(project: Project, document: Document, page: Page,
                  piece_html: str | None = None) -> tuple[Any, float | None]:
    """The client's block of ``page`` laid out alone (from ``piece_html`` when that
    page's HTML is already split), and its height (rounded to 0.001 pt; None when it
    cannot be laid out or measured). The page's fitting classes may style the block
    (tighter spacing changes its heading's margin), so ``page`` carries the fitting its
    layout has."""
    from handouts.render.engine.pdf import engine

    if piece_html is None:
        try:
            parts = split_personal(render_html(page, project.templates_dir,
                                               project.pinned_templates))
        except TemplateFailure:
            return None, None
        if parts is None:
            return None, None
        piece_html = parts[1]
    piece = runner.lay_out(project, document.display, piece_html,
                           page.language or document.handout.language, margin_boxes=False)
    if isinstance(piece, Rendered):  # it ran past its time limit
        return None, None
    height = engine().block_height(piece, PERSONAL_CLASS)
    return piece, None if height is None else round(height, 3)


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


