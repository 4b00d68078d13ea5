"""One handout in one version, made in memory: what ``handouts build`` writes, and what
``merge``, the batch's and the desk's workers make without writing (the same checks,
in the same order, so the same bytes). Shared by those commands: none of them calls
another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handouts.checks.gate import CheckedVariants, refuse_before_rendering
from handouts.commands.options import version_options
from handouts.errors import Problem, RenderError, Severity, errors_only
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.project.schema import Paper, PrintSize
from handouts.render.compose import compose
from handouts.render.fitting import page_over_limit, render_page
from handouts.render.personal import PersonalCopies
from handouts.render.result import Fitting, Rendered
from handouts.variants.clients import Client
from handouts.variants.plan import GENERAL, Variant


def variant_pdf(project: Project, document: Document, variant: Variant,
                    client: Client | None, *, draft: bool = False,
                    copies: PersonalCopies | None = None,
                    decision: Fitting | None = None, hint: Fitting | None = None
                    ) -> tuple[Rendered | None, list[Problem]]:
    """One variant's PDF in memory (None if it could not be composed) and its problems.

    The one place ``build``, ``build_in_memory`` (so ``handouts serve``) and ``merge``
    compose and render a variant and apply its page limit: a named copy made by
    ``copies`` has the same bytes as a full render, only faster. ``decision``, the
    fitting a batch kept for exactly this variant's inputs, skips the search (same
    bytes); ``hint``, the variant's decision before its files changed, is tried first
    (see :func:`~handouts.render.fitting.fit_page`). A named copy's page is not the
    variant's: the variant's decision (else its hint) is only tried first for it.
    """
    page, problems = compose(project, document, variant, client, draft=draft)
    if page is None:
        return None, problems
    if client is not None:
        # Fitting paid once: the version's decision is the copy's first try (the first
        # named copy of a fitted version searched again, at twice the time).
        tried = decision or hint
        output = copies.render(document, page, tried) if copies is not None else \
            render_page(project, document, page, hint=tried)
    else:
        output = render_page(project, document, page, decision=decision, hint=hint)
    return output, problems + output.problems + page_over_limit(project, document, page, output)



@dataclass(frozen=True)
class InMemory:
    """One handout rendered into memory (nothing written): the PDF and its warnings."""

    variant: Variant
    pdf: bytes
    pages: int
    warnings: list[Problem]


def build_in_memory(project: Project, document: Document, *, paper: Paper | None = None,
                    audience: str = GENERAL, language: str | None = None,
                    print_size: PrintSize = "standard", client: Client | None = None,
                    copies: PersonalCopies | None = None,
                    checked: CheckedVariants | None = None,
                    location: str | None = None,
                    decided: Callable[[Variant], tuple[Fitting | None, Fitting | None]]
                    | None = None) -> InMemory:
    """Render one loaded handout in one variant, the way :func:`build` does, into memory.

    ``project`` and ``document`` come from :func:`~handouts.project.load.load_project`.
    The same checks run in the same order (fast checks, the client's characters,
    composing, page limit), so the bytes equal what ``build`` writes for the same
    choices. A named copy is made by ``copies`` when given (same bytes, faster; see
    :class:`PersonalCopies`); with ``checked``, the fast checks of a variant run once a
    day for this loaded project (see :class:`CheckedVariants`); with ``decided``, a copy
    without a client skips the fitting search when it gives the variant's kept
    decision, and tries the hint it gives first (the pair of :func:`variant_pdf`'s
    ``decision`` and ``hint``); a named copy tries either first. Used by ``handouts
    serve``, where personal PDFs must never touch the disk.

    Raises :class:`ValidationError` or :class:`RenderError` like :func:`build`.
    """
    variant = Variant(document.name, audience, language or document.handout.language,
                      paper or project.config.defaults.paper, print_size,
                      version_options(project, location=location))
    refuse_before_rendering(project, [document], [variant], client, checked)
    decision, hint = decided(variant) if decided is not None else (None, None)
    output, problems = variant_pdf(project, document, variant, client, copies=copies,
                                   decision=decision, hint=hint)
    if output is None or errors_only(problems):
        raise RenderError(problems)
    return InMemory(variant, output.pdf, output.pages,
                    [p for p in problems if p.severity is Severity.WARNING])
