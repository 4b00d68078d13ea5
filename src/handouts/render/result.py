"""What a render gives back, in memory: :class:`Rendered` (the one result type), and
the fitting :class:`Fitting` decided.

Its own module, without WeasyPrint, so that everything that passes results around
(the commands, the batch's executors, the desk's workers) can use it without
importing the engine at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from handouts.errors import Problem
from handouts.render.layout import LayoutProblem, PageMeasure


@dataclass(frozen=True)
class Fitting:
    """What fitting decided for a page: the fitting classes of the chosen layout
    (balancing's included) and its body size (None: the theme's). Laying the same page
    out with them gives the chosen layout again (see
    :func:`handouts.render.fitting.fit_page`)."""

    fit: tuple[str, ...] = ()
    base_size: float | None = None
    #: Kept from before an edit (a hint still good), not searched for these inputs:
    #: ``batch --force`` searches again (see :mod:`handouts.commands.fitting`).
    hinted: bool = False
    #: The chosen layout's pages and content height (points, summed over its pages;
    #: 0: not known): what an edit is measured against before the decision is kept
    #: for the edited page (see :meth:`handouts.render.fitting.Search.holds`). They
    #: follow from the decision and the inputs, so they are no part of its identity.
    pages: int = field(default=0, compare=False)
    content: float = field(default=0.0, compare=False)


@dataclass
class Rendered:
    """One render in memory: the PDF bytes (empty when it failed), its page count and
    every problem, with what fitting did (a handout), where each part starts (a home
    program's packet) and page pictures (the desk's previews) when those apply."""

    pdf: bytes = b""
    pages: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: The text laid out on each page (margin boxes included), for checks.
    texts: list[str] = field(default_factory=list)

    # --- fitting (see handouts.render.fitting)
    #: The body size ``fit: shrink`` chose, or None when the theme's size was kept.
    shrunk_to: float | None = None
    #: The fitting classes of the chosen layout (empty: the theme's own layout).
    fit: tuple[str, ...] = ()
    #: Layouts made beyond the first, while fitting, and what they tried (in words).
    extra_renders: int = 0
    tried: tuple[str, ...] = ()
    #: The chosen layout, measured and judged (empty when it could not be measured).
    measure: list[PageMeasure] = field(default_factory=list)
    layout_problems: list[LayoutProblem] = field(default_factory=list)
    #: The decision to give back to skip the search next time (None: not laid out).
    decision: Fitting | None = None

    # --- a home program's packet (see handouts.render.program)
    #: The page each handout starts on (1-based), in order.
    starts: tuple[int, ...] = ()
    #: The tracking sheet's first page (0: none).
    tracking_page: int = 0

    # --- the desk (see handouts.web.workers)
    #: PNG pictures of the first pages, when asked for.
    images: list[bytes] = field(default_factory=list)
    #: True when no answer came from the renderer (busy, stuck, stopped): not the
    #: handout's fault, so pages keep what they showed last.
    failed: bool = False

    @property
    def ok(self) -> bool:
        """True when there is a PDF."""
        return bool(self.pdf)
