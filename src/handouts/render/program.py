"""A home program's packet: a cover, each handout with its "Your plan" box, a
tracking sheet, numbered as one document ("Page 3 of 9"), written as one PDF.

Each handout is fitted on its own, as a named copy is (its page limit, its "Stop
right away if" callout on its first page); the packet is then laid out once more,
numbered, and written once, so fonts are embedded once for the whole packet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date, format_interval, format_skeleton

from handouts.errors import Problem, Severity, errors_only
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.render import runner
from handouts.render.compose import compose
from handouts.render.fitting import fit_personal, page_over_limit
from handouts.render.overrides import TemplateFailure
from handouts.render.personal import PERSONAL_CLASS, lay_out_block, split_personal
from handouts.render.result import Rendered
from handouts.render.theme import (
    STAND_IN_DATE,
    STAND_INS,
    TEMPLATE_NAME,
    Page,
    PlanBox,
    environment,
    fill,
    render_html,
    said_of_stand_ins,
    with_stand_ins,
)
from handouts.variants.clients import Client
from handouts.variants.dates import clinic_locale
from handouts.variants.plan import Variant
from handouts.variants.program import (
    Program,
    ProgramItem,
    describe_dosage,
    planned_days,
    tick_boxes,
)

#: The packet's own pages, from the theme (a project may override it like any template).
PROGRAM_TEMPLATE = "program.html.j2"
#: Writing lines the tracking sheet's Notes box has when it fits (see _tracking_tail).
NOTE_LINES = 3
#: What follows the tracking sheet's grid, from fullest to least: the Notes box's
#: writing lines (0: no box) and whether the line with the clinic's phone is printed.
TAILS = (*((lines, True) for lines in range(NOTE_LINES, -1, -1)), (0, False))
#: How the cover gives the clinic's contact, from fullest to none: the panel with the
#: booking QR code, one line with the phone, or nothing but the footer every page has
#: (see _cover_contact).
CONTACTS = ("panel", "line", "footer")
#: Names the packet's own pages in the engine's problems.
PROGRAM_SOURCE = "the home program's cover and tracking sheet"


@dataclass(frozen=True)
class Row:
    """One item as the cover's table and the tracking sheet print it."""

    number: int
    title: str
    dose: str
    note: str | None
    #: The packet page the handout starts on.
    page: int
    #: Tick boxes a day (one per time a day).
    boxes: int
    #: For each day of the sheet's first week, whether the item is planned that day
    #: (kept for project templates made before :attr:`by_week`).
    planned: tuple[bool, ...]
    #: For each week of the sheet, whether the item is planned on each of its days
    #: (none after the item's own weeks).
    by_week: tuple[tuple[bool, ...], ...] = ()


@dataclass(frozen=True)
class Day:
    """One column of the tracking sheet."""

    weekday: str
    date: str


@dataclass(frozen=True)
class ProgramView:
    """What the program's own pages print (the template's ``view``)."""

    title: str | None
    client_name: str
    therapist: str | None
    note: str | None
    given: dt.date
    next_appointment: dt.date | None
    rows: tuple[Row, ...]
    weeks: tuple[tuple[Day, ...], ...]
    tracking_page: int
    #: Each week's days, as the week's caption gives them ("Dec 7 – 13").
    spans: tuple[str, ...] = ()
    #: Writing lines in the tracking sheet's Notes box (0: no Notes box).
    note_lines: int = NOTE_LINES
    #: Whether the tracking sheet ends with a line giving the clinic's phone.
    tracking_call: bool = True
    #: Whether a week's grid may break across pages (one is taller than a page).
    grid_breaks: bool = False
    #: How the cover gives the clinic's contact (one of :data:`CONTACTS`).
    contact: str = CONTACTS[0]
    #: The handouts' keywords, each once (the packet's metadata, like a handout's).
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProgramPage(Page):
    """A page of the packet that is not a handout: ``part`` is ``cover``,
    ``tracking`` or ``blank``."""

    part: str = "cover"
    view: ProgramView | None = None


@dataclass
class _Fitted:
    item: ProgramItem
    document: Document
    #: The page as fitted (its fitting classes and size are the decision's).
    page: Page
    pages: int
    #: The client's block laid out alone in this page, and its height (None: unknown).
    piece: Any = None
    height: float | None = None
    #: The hash of the page without its block, fitting or numbering (see _shell).
    shell: str | None = None


@dataclass(frozen=True)
class _Decided:
    """A handout's fitting in a program, as decided for a page and a block height."""

    fit: tuple[str, ...]
    base_size: float | None
    #: Whether the client's block went after the "Stop right away if" callout.
    late: bool
    pages: int
    #: What fitting it reported (never about a client: the engine's and page limits).
    problems: tuple[Problem, ...]


class ProgramLayouts:
    """What one process keeps between programs so the next is quick (a desk worker).

    A handout in a program differs from one client to the next only in its block ("Prepared
    for", the plan). So, as :class:`~handouts.render.personal.PersonalCopies` does for named
    copies, the fitting of each handout page is kept by the page without its block and the
    block's height; and each numbered layout is kept, so the next program with the same
    handout in the same place lays out only the client's block and swaps it in. Kept in
    memory for the life of this object only (the layouts hold the last client's block);
    at most ``limit`` layouts, the least recently used dropped first.
    """

    def __init__(self, limit: int = 32) -> None:
        self.limit = limit
        #: Decisions by (page without block, fitting, size, block height).
        self._decided: dict[tuple[str, tuple[str, ...], float | None, float], _Decided] = {}
        #: The last decision's fitting and size for each page without block.
        self._last: dict[str, tuple[tuple[str, ...], float | None]] = {}
        #: Numbered layouts by (part, page without block, block height, late).
        self._bases: OrderedDict[tuple[str, str, float, bool], Any] = OrderedDict()
        #: Pages of the cover and tracking sheet by what shapes them (never a client's).
        self._own: dict[tuple[Any, ...], int] = {}
        #: Hashes of numbered pages without their block (see numbered_shell).
        self._numbered: dict[tuple[Any, ...], str] = {}
        #: Whether the templates print a page's plan box (see plan_not_printed), by the
        #: page without its block and the plan's parts.
        self._plans: dict[tuple[str, bool, bool], Problem | None] = {}
        #: Handouts laid out from a kept layout (the rest were laid out in full).
        self.swapped = 0

    def decided(self, shell: str, height: float, fit: tuple[str, ...],
                base_size: float | None) -> _Decided | None:
        """The decision kept for this page, block height and fitting, if any."""
        return self._decided.get((shell, fit, base_size, height))

    def last(self, shell: str) -> tuple[tuple[str, ...], float | None] | None:
        """The fitting and size last decided for this page without its block."""
        return self._last.get(shell)

    def keep_decision(self, shell: str, height: float, decided: _Decided) -> None:
        """Keep ``decided`` for this page and block height."""
        if len(self._decided) >= 16 * self.limit:
            self._decided.pop(next(iter(self._decided)))
        self._decided[(shell, decided.fit, decided.base_size, height)] = decided
        self._last[shell] = (decided.fit, decided.base_size)

    def base(self, key: tuple[str, str, float, bool]) -> Any:
        """The kept numbered layout for ``key``, if any (now the most recently used)."""
        layout = self._bases.get(key)
        if layout is not None:
            self._bases.move_to_end(key)
        return layout

    def keep_base(self, key: tuple[str, str, float, bool], layout: Any) -> None:
        """Keep a numbered layout, dropping the least recently used beyond the limit."""
        self._bases[key] = layout
        self._bases.move_to_end(key)
        while len(self._bases) > self.limit:
            self._bases.popitem(last=False)

    def numbered_shell(self, memo: tuple[Any, ...]) -> str | None:
        """The hash of a numbered handout page without its block, kept for ``memo``
        (the page's hash without block, fitting and numbering; its fitting, size,
        numbering and where its block goes)."""
        return self._numbered.get(memo)

    def keep_numbered_shell(self, memo: tuple[Any, ...], numbered: str) -> None:
        """Keep a numbered page's hash without its block (see :meth:`numbered_shell`)."""
        if len(self._numbered) >= 16 * self.limit:
            self._numbered.pop(next(iter(self._numbered)))
        self._numbered[memo] = numbered

    def plan_answer(self, key: tuple[str, bool, bool]) -> Problem | tuple[()] | None:
        """What :func:`plan_not_printed` said for this page and plan, ``()`` if not asked."""
        return self._plans.get(key, ())

    def keep_plan_answer(self, key: tuple[str, bool, bool], answer: Problem | None) -> None:
        """Keep what :func:`plan_not_printed` said for this page and plan."""
        if len(self._plans) >= 16 * self.limit:
            self._plans.pop(next(iter(self._plans)))
        self._plans[key] = answer

    @property
    def kept(self) -> int:
        """How many numbered layouts are kept now (at most :attr:`limit`)."""
        return len(self._bases)

    def own_pages(self, key: tuple[Any, ...]) -> int | None:
        """What the cover or tracking sheet had last time for ``key``: its pages (or,
        under ``("notes", ...)``, the tracking sheet's note lines)."""
        return self._own.get(key)

    def keep_own_pages(self, key: tuple[Any, ...], pages: int) -> None:
        """Remember a cover's or tracking sheet's page count."""
        self._own[key] = pages


def program_pdf(project: Project, documents: dict[str, Document], program: Program,
                layouts: ProgramLayouts | None = None
                ) -> tuple[Rendered | None, list[Problem]]:
    """The packet of ``program`` (None when it cannot be made) and every problem; the
    packet's problems are its warnings, its ``starts`` where each handout starts.

    The caller has checked the program's inputs (handouts exist, the client's text);
    here each handout is composed and fitted in the program's version, and a handout
    whose "Stop right away if" callout would leave its first page gets the personal
    block after that callout; if it still does not fit, that is an error naming it.
    With ``layouts`` (kept by a process between programs), what an earlier program
    decided and laid out for the same handout page is reused: see :class:`ProgramLayouts`.
    """
    from handouts.render.engine.pdf import engine as the_engine
    from handouts.render.engine.timelimit import run_limited

    problems: list[Problem] = []
    fitted: list[_Fitted] = []
    # The therapist, the next appointment and the note are on the cover: each handout
    # says only whom it is for, above its plan, so the plan costs it few lines.
    client = Client(program.client.name)
    for item in program.items:
        document = documents[item.handout]
        variant = Variant(item.handout, program.audience, program.language, program.paper,
                          program.print_size, program.location)
        one, found = fit_item(project, document, variant, client, item, layouts)
        problems += found
        if one is not None:
            fitted.append(_Fitted(item, document, *one))
    if errors_only(problems) or len(fitted) != len(program.items):
        return None, problems

    engine = the_engine()
    first = fitted[0].page
    # The clinic's weekend: "5 days a week" rests on it (see week_days).
    locale = clinic_locale(project.config)
    weekend = (locale.weekend_start, locale.weekend_end)
    own_key = (len(fitted), program.tracking_weeks, program.right_hand, program.language,
               program.paper, program.print_size, program.location, program.audience)
    cover_pages = layouts.own_pages(("cover", *own_key)) if layouts else None
    tracking_pages = layouts.own_pages(("tracking", *own_key)) if layouts else None
    tail = layouts.own_pages(("tail", *own_key)) if layouts else None
    contact = layouts.own_pages(("contact", *own_key)) if layouts else None
    breaks = layouts.own_pages(("breaks", *own_key)) if layouts else None
    if None in (cover_pages, tracking_pages, tail, contact, breaks):
        # Lay the cover and the tracking sheet out once to count their pages (neither's
        # length depends on the page numbers it prints).
        view = _view(program, fitted, starts=(0,) * len(fitted), tracking=0,
                     weekend=weekend)
        counted = [_lay_out(project, engine, _own_page(first, part, view))
                   for part in ("cover", "tracking")]
        if any(isinstance(layout, Rendered) for layout in counted):
            return None, problems + [p for x in counted if isinstance(x, Rendered)
                                     for p in x.problems]
        contact, cover_pages = _cover_contact(project, engine, first, view, counted[0])
        breaks, tracking = _grid_breaks(project, engine, first, view, counted[1])
        view = dataclasses.replace(view, grid_breaks=bool(breaks))
        tail, tracking_pages = _tracking_tail(project, engine, first, view, tracking)
    starts, blanks, number = [], [], cover_pages + 1
    for item in fitted:
        blank = program.right_hand and number % 2 == 0
        blanks.append(blank)
        number += blank
        starts.append(number)
        number += item.pages
    tracking_start = number + (program.right_hand and number % 2 == 0)
    total = tracking_start + tracking_pages - 1
    view = _view(program, fitted, tuple(starts), tracking_start, tail=tail, contact=contact,
                 weekend=weekend,
                 grid_breaks=bool(breaks))

    cover = _lay_out(project, engine, dataclasses.replace(
        _own_page(first, "cover", view), numbering=(1, total)), layouts=layouts)
    parts: list[Any] = [cover]
    for item, start, blank in zip(fitted, starts, blanks, strict=True):
        if blank:
            parts.append(_lay_out(project, engine, dataclasses.replace(
                _own_page(first, "blank", view), numbering=(start - 1, total))))
        parts.append(_numbered(project, engine, item,
                               dataclasses.replace(item.page, numbering=(start, total)),
                               layouts))
    if tracking_start > number:
        parts.append(_lay_out(project, engine, dataclasses.replace(
            _own_page(first, "blank", view), numbering=(number, total))))
    tracking = _lay_out(project, engine, dataclasses.replace(
        _own_page(first, "tracking", view), numbering=(tracking_start, total)),
        layouts=layouts)
    parts.append(tracking)
    failed = [p for x in parts if isinstance(x, Rendered) for p in x.problems]
    if failed:
        return None, problems + failed
    if layouts is not None:
        if (cover.pages, tracking.pages) != (cover_pages, tracking_pages):
            # Counted for another program of the same shape (a longer name wrapped the
            # cover's heading, say): count afresh, once, with this program's pages.
            layouts.keep_own_pages(("cover", *own_key), cover.pages)
            layouts.keep_own_pages(("tracking", *own_key), tracking.pages)
            layouts.keep_own_pages(("tail", *own_key), tail)
            layouts.keep_own_pages(("contact", *own_key), contact)
            layouts.keep_own_pages(("breaks", *own_key), breaks)
            return program_pdf(project, documents, program, None)
        layouts.keep_own_pages(("cover", *own_key), cover_pages)
        layouts.keep_own_pages(("tracking", *own_key), tracking_pages)
        layouts.keep_own_pages(("tail", *own_key), tail)
        layouts.keep_own_pages(("contact", *own_key), contact)
        layouts.keep_own_pages(("breaks", *own_key), breaks)
    packet = engine.combine(parts)
    defaults = project.config.defaults
    written = run_limited(defaults.render_timeout, lambda: engine.write(
        packet, source=PROGRAM_SOURCE, archive=defaults.archive))
    if written is None:  # one located problem, never a traceback
        return None, problems + runner.timed_out(PROGRAM_SOURCE,
                                                 defaults.render_timeout).problems
    problems += written.problems
    if written.pages != total:  # the numbers printed must be the packet's own
        problems.append(Problem(PROGRAM_SOURCE, None, "", (
            f"was laid out with {written.pages} pages but numbered for {total}; "
            "please report this")))
    if errors_only(problems):
        return None, problems
    return Rendered(written.pdf, written.pages,
                    [p for p in problems if p.severity is Severity.WARNING],
                    starts=tuple(starts), tracking_page=tracking_start), problems


def _cover_contact(project: Project, engine: Any, first: Page, view: ProgramView,
                   cover: Any) -> tuple[int, int]:
    """How the cover laid out as ``cover`` gives the clinic's contact (an index into
    :data:`CONTACTS`), and its pages.

    A cover whose last page would hold nothing but the contact panel (a few items in
    large print: the table and the pointer to the tracking sheet fill the first page)
    prints a page for a box the footer of every page repeats. Then the panel becomes
    one line with the phone, or, when even that runs over, the footer alone gives the
    contact: whichever first keeps the cover a page shorter. A cover whose table
    itself runs on, or a template without the panel, is left as it is.
    """
    pages = cover.pages
    if pages < 2:
        return 0, pages
    panel = engine.pages_holding(cover, "contact")
    items = engine.pages_holding(cover, "program-items")
    if not panel or not items or pages - 1 in items or min(panel) != pages - 1:
        return 0, pages
    return _first_shorter(project, engine, first, "cover", pages, [
        dataclasses.replace(view, contact=contact) for contact in CONTACTS[1:]])


def _grid_breaks(project: Project, engine: Any, first: Page, view: ProgramView,
                 tracking: Any) -> tuple[int, Any]:
    """Whether the weeks' grids of the tracking sheet laid out as ``tracking`` may break
    across pages (1) or not (0), and the sheet's layout so decided.

    A week's grid is kept whole, on the next page if need be, so that a page never ends
    with half a week. A grid taller than a page (many items in large print) cannot be,
    and one that fits a page but not below the sheet's title should not be: kept whole,
    it would leave the first page holding only the title (and a caption alone at the
    foot of another). Then every week's grid breaks between its rows, under its caption
    and with its header repeated (the weeks have the same rows, so the same height).
    """
    if tracking.pages < 2:
        return 0, tracking
    grid = engine.pages_holding(tracking, "track")
    spread = [engine.pages_holding(tracking, f"week-{number}")
              for number in range(1, len(view.weeks) + 1)]
    if grid is None or None in spread:  # a template without the grids: left as it is
        return 0, tracking
    if 0 in grid and not any(len(pages) > 1 for pages in spread):
        return 0, tracking
    broken = _lay_out(project, engine, _own_page(first, "tracking", dataclasses.replace(
        view, grid_breaks=True)))
    return (0, tracking) if isinstance(broken, Rendered) else (1, broken)


def _tracking_tail(project: Project, engine: Any, first: Page, view: ProgramView,
                   tracking: Any) -> tuple[int, int]:
    """What follows the grid of the tracking sheet laid out as ``tracking`` (an index
    into :data:`TAILS`), and its pages.

    A Notes box or the line with the clinic's phone that alone fills the sheet's last
    page prints a page holding nothing but a few empty lines or a phone number the
    footer gives anyway (the grid of a 2-week, 5-item program on Letter leaves about a
    line of room; one item for four weeks on A4 leaves room for the Notes box but not
    the line below it). Then the sheet gets the first of :data:`TAILS` that keeps it a
    page shorter: fewer writing lines, then no Notes box, then no phone line. A sheet
    whose grid itself runs onto its last page, or a template without these parts, is
    left as it is.
    """
    pages = tracking.pages
    if pages < 2:
        return 0, pages
    grid = engine.pages_holding(tracking, "track")
    tail = (engine.pages_holding(tracking, "tracking-notes") or set()) | (
        engine.pages_holding(tracking, "tracking-call") or set())
    if not grid or pages - 1 in grid or pages - 1 not in tail:
        return 0, pages
    return _first_shorter(project, engine, first, "tracking", pages, [
        dataclasses.replace(view, note_lines=lines, tracking_call=call)
        for lines, call in TAILS[1:]])


def _first_shorter(project: Project, engine: Any, first: Page, part: str, pages: int,
                   views: list[ProgramView]) -> tuple[int, int]:
    """The first of ``views`` (numbered from 1: 0 is the view as it was) whose ``part``
    lays out in fewer than ``pages`` pages, and its pages; else ``(0, pages)``."""
    for index, view in enumerate(views, start=1):
        tried = _lay_out(project, engine, _own_page(first, part, view))
        if isinstance(tried, Rendered):
            break  # a template's mistake: reported when the packet is laid out
        if tried.pages < pages:
            return index, tried.pages
    return 0, pages


def fit_item(project: Project, document: Document, variant: Variant, client: Client,
             item: ProgramItem, layouts: ProgramLayouts | None = None
             ) -> tuple[tuple[Page, int, Any, float | None, str | None] | None, list[Problem]]:
    """One program item's handout in ``variant``, for ``client``, with its "Your plan"
    box, composed and fitted (None when it cannot be: over its page limit, say) and
    every problem. ``handouts check`` asks the same of every clinic program's items."""
    dose = describe_dosage(item.dosage, variant.language, project.root)
    # No dose and no note: no "Your plan" box (it printed its heading over nothing).
    plan = PlanBox(dose, item.note) if dose or item.note else None
    page, found = compose(project, document, variant, client, plan=plan)
    if page is None:
        return None, found
    shell = _shell(project, page) if layouts is not None else None
    # Whether the templates print the plan box follows from the page without its block
    # (the template and the handout), kept so a desk worker asks once per page.
    asked = None if shell is None or page.plan is None else \
        (shell, bool(page.plan.dose), bool(page.plan.note))
    unprinted = layouts.plan_answer(asked) if layouts is not None and asked else ()
    if unprinted == ():
        unprinted = plan_not_printed(project, page)
        if layouts is not None and asked:
            layouts.keep_plan_answer(asked, unprinted)
    if unprinted is not None:
        return None, [*found, unprinted]
    one, more = _fit(project, document, page, layouts, shell)
    return one, found + more


def templates_print_plans(project: Project, document: Document, variant: Variant
                          ) -> Problem | None:
    """A warning when the project's templates would print no "Your plan" box on
    ``document``'s pages in ``variant`` (see :func:`plan_not_printed`): ``handouts
    check`` says it before any program is made, clinic programs or not (the desk's
    basket makes them too)."""
    page, _ = compose(project, document, variant, Client(STAND_INS["name"]),
                      plan=PlanBox(STAND_INS["dose"], STAND_INS["plan_note"]))
    found = plan_not_printed(project, page) if page is not None else None
    return None if found is None else dataclasses.replace(
        found, severity=Severity.WARNING, message=found.message.replace(
            "would be left out of the program", "would be left out of every home program"))


#: What the plan box is tried with (see :func:`plan_not_printed`): found in the page's
#: HTML in any case, whatever a template's filters do to the case.
PLAN_MARKS = ("zqxplandose", "zqxplannote")


def plan_not_printed(project: Project, page: Page) -> Problem | None:
    """A problem when the project's templates print no part of ``page``'s "Your plan"
    box (its dose, its note): a handout template copied before programs existed has
    none, and a program made with it lost every dose and note without a word. Tried
    with marks in place of the plan's words, so that nothing personal is looked for."""
    if page.plan is None:
        return None
    marked = dataclasses.replace(page, plan=PlanBox(
        PLAN_MARKS[0] if page.plan.dose else "", PLAN_MARKS[1] if page.plan.note else None))
    try:
        html = render_html(marked, project.templates_dir, project.pinned_templates).lower()
    except TemplateFailure:
        return None  # the template's own mistake: reported when the page is rendered
    lost = [part for part, mark, given in (("dose", PLAN_MARKS[0], page.plan.dose),
                                           ("note", PLAN_MARKS[1], page.plan.note))
            if given and mark not in html]
    if not lost:
        return None
    own = project.templates_dir / TEMPLATE_NAME
    where = f"templates/{TEMPLATE_NAME}" if own.is_file() else "templates/"
    return Problem(where, None, "", (
        f"prints no \"Your plan\" box (page.plan), so each handout's {' and '.join(lost)} "
        "would be left out of the program; add the {% if page.plan %} block of the "
        f"built-in {TEMPLATE_NAME} to it ('handouts init NEW --with-theme' copies that "
        "template into NEW/templates/), or delete the copy to use the built-in design"))


def _fit(project: Project, document: Document, page: Page, layouts: ProgramLayouts | None,
         shell: str | None = None
         ) -> tuple[tuple[Page, int, Any, float | None, str | None] | None, list[Problem]]:
    """``page`` fitted (as decided before for the same page and block, if kept), its
    page count, the client's block laid out alone, its height and the page's hash
    without the block (``shell``, see :func:`_shell`); and the problems."""
    if layouts is not None and shell is not None and (last := layouts.last(shell)):
        fit, base_size = last
        tried = dataclasses.replace(page, fit=fit, base_size=base_size)
        piece, height = lay_out_block(project, document, tried)
        decided = layouts.decided(shell, height, fit, base_size) if height else None
        if decided is not None:
            return ((dataclasses.replace(tried, personal_late=decided.late), decided.pages,
                     piece, height, shell), list(decided.problems))
    output, _, page = fit_personal(project, document, page, write=False)
    problems: list[Problem] = []
    problems += [_located(p, document) for p in output.problems]
    problems += page_over_limit(project, document, page, output)
    if errors_only(problems) or output.decision is None:
        return None, problems
    page = dataclasses.replace(page, fit=output.decision.fit,
                               base_size=output.decision.base_size)
    piece, height = None, None
    if layouts is not None and shell is not None:
        piece, height = lay_out_block(project, document, page)
        if height is not None:
            layouts.keep_decision(shell, height, _Decided(
                page.fit, page.base_size, page.personal_late, output.pages, tuple(problems)))
    return (page, output.pages, piece, height, shell), problems


def _shell(project: Project, page: Page) -> str | None:
    """A hash of ``page``'s HTML without the client's block, numbering or fitting (None
    when the template has no block to take out)."""
    try:
        html = render_html(dataclasses.replace(page, fit=(), base_size=None, numbering=None,
                                               personal_late=False), project.templates_dir,
                           project.pinned_templates)
    except TemplateFailure:
        return None
    parts = split_personal(html)
    return None if parts is None else hashlib.sha256(parts[0].encode()).hexdigest()


def _numbered(project: Project, engine: Any, item: _Fitted, page: Page,
              layouts: ProgramLayouts | None) -> Any:
    """The layout of a handout's numbered ``page``: from a kept layout with the client's
    block swapped in when there is one, else laid out in full (and kept)."""
    if layouts is None or item.height is None:
        return _lay_out(project, engine, page, item.document)
    # The numbered page without its block follows from the page without block, fitting
    # and numbering (item.shell hashes everything else it prints, a client's details
    # outside the block included), so its hash is kept, not rendered again.
    memo = None if item.shell is None else (item.shell, page.fit, page.base_size,
                                            page.numbering, page.personal_late)
    numbered = None if memo is None else layouts.numbered_shell(memo)
    if numbered is None:
        try:
            parts = split_personal(render_html(page, project.templates_dir,
                                               project.pinned_templates))
        except TemplateFailure:
            parts = None
        if parts is None:
            return _lay_out(project, engine, page, item.document)
        numbered = hashlib.sha256(parts[0].encode()).hexdigest()
        if memo is not None:
            layouts.keep_numbered_shell(memo, numbered)
    key = ("handout", numbered, item.height, page.personal_late)
    base = layouts.base(key)
    if base is not None and item.piece is not None:
        swapped = engine.swap_block(base, item.piece, PERSONAL_CLASS)
        if swapped is not None and swapped.pages == item.pages:
            layouts.swapped += 1
            return swapped
    layout = _lay_out(project, engine, page, item.document)
    if not isinstance(layout, Rendered) and layout.pages == item.pages:
        layouts.keep_base(key, layout)
    return layout


def _located(problem: Problem, document: Document) -> Problem:
    return problem if problem.path else dataclasses.replace(problem, path=document.display)


def _own_page(first: Page, part: str, view: ProgramView) -> ProgramPage:
    """A page of the packet's own (cover, tracking sheet, blank) in the version of its
    first handout's page: same clinic, language, paper, print size, fonts, colours."""
    fields = {f.name: getattr(first, f.name) for f in dataclasses.fields(Page)}
    fields.update(fit=(), base_size=None, plan=None, personal_late=False, numbering=None)
    return ProgramPage(**fields, part=part, view=view)


#: The class of the element holding the client's details on the packet's own pages.
OWN_BLOCK = {"cover": PERSONAL_CLASS, "tracking": "tracking-for"}


def _lay_out(project: Project, engine: Any, page: Page,
             document: Document | None = None, layouts: ProgramLayouts | None = None) -> Any:
    """The engine's layout of ``page`` (a handout's when ``document`` is given), or an
    failed :class:`Rendered` with the problem (a template's mistake, a timeout). With
    ``layouts``, a cover or tracking sheet laid out before in the same shape is reused,
    with only the client's details laid out anew and swapped in."""
    try:
        if isinstance(page, ProgramPage):
            html = _program_html(project, page)
        else:
            html = render_html(page, project.templates_dir, project.pinned_templates)
    except TemplateFailure as exc:
        return Rendered(b"", 0, exc.problems)
    source = document.display if document is not None else PROGRAM_SOURCE
    css_class = OWN_BLOCK.get(page.part) if isinstance(page, ProgramPage) else None
    parts = split_personal(html) if layouts is not None and css_class else None
    if parts is None:
        return _engine_layout(project, engine, html, source, page.language, document)
    piece = runner.lay_out(project, source, parts[1], page.language, margin_boxes=False)
    height = None if isinstance(piece, Rendered) else engine.block_height(piece, css_class)
    if height is None:
        return _engine_layout(project, engine, html, source, page.language)
    key = (page.part, hashlib.sha256(parts[0].encode()).hexdigest(), round(height, 3), False)
    base = layouts.base(key)
    if base is not None:
        swapped = engine.swap_block(base, piece, css_class)
        if swapped is not None:
            layouts.swapped += 1
            return swapped
    layout = _engine_layout(project, engine, html, source, page.language)
    if not isinstance(layout, Rendered):
        layouts.keep_base(key, layout)
    return layout


def _engine_layout(project: Project, engine: Any, html: str, source: str, language: str,
                   document: Document | None = None) -> Any:
    """The engine's layout of ``html`` (with a handout's rules hidden at page tops when
    ``document`` is given), or a failed :class:`Rendered` with the timeout."""
    layout = runner.lay_out(project, source, html, language)
    if document is not None and not isinstance(layout, Rendered):
        engine.hide_rules_at_page_tops(layout)
    return layout


def _program_html(project: Project, page: ProgramPage) -> str:
    """The HTML of one of the packet's own pages (see :data:`PROGRAM_TEMPLATE`)."""
    from handouts.render.theme import with_numbering

    env = environment(project.templates_dir, page.language, project.pinned_templates)
    page = dataclasses.replace(page, project_root=project.root)

    def render(page: ProgramPage) -> str:
        return fill(env, PROGRAM_TEMPLATE, project.templates_dir,
                    files=project.pinned_templates is None, page=page, view=page.view,
                    clinic=page.clinic)

    try:
        html = render(page)
    except TemplateFailure as failure:
        # Never a client's details in a message: said as the stand-ins make it.
        stand_in = with_stand_ins(page)
        if page.view is not None:
            stand_in = dataclasses.replace(stand_in, view=_stand_in_view(page.view))
        raise TemplateFailure([said_of_stand_ins(failure.problems[0],
                                                 lambda: render(stand_in))]) from None
    return with_numbering(html, page.numbering)


def _stand_in_view(view: ProgramView) -> ProgramView:
    """``view`` with the client's details, each item's dose and note replaced by their
    stand-ins (see :func:`handouts.render.theme.said_of_stand_ins`)."""
    rows = tuple(dataclasses.replace(row, dose=STAND_INS["dose"] if row.dose else "",
                                     note=STAND_INS["plan_note"] if row.note else None)
                 for row in view.rows)
    return dataclasses.replace(
        view, client_name=STAND_INS["name"],
        therapist=STAND_INS["therapist"] if view.therapist else None,
        note=STAND_INS["note"] if view.note else None,
        next_appointment=STAND_IN_DATE if view.next_appointment else None, rows=rows)


def _view(program: Program, fitted: list[_Fitted], starts: tuple[int, ...],
          tracking: int, *, tail: int = 0, contact: int = 0,
          weekend: tuple[int, int], grid_breaks: bool = False) -> ProgramView:
    language = program.language
    locale = language.replace("-", "_")
    rows = []
    for number, (item, start) in enumerate(zip(fitted, starts, strict=True), start=1):
        by_week = planned_days(item.item.dosage, program.tracking_weeks, program.given,
                               weekend)
        rows.append(Row(number, item.page.handout.title,
                        item.page.plan.dose if item.page.plan else "", item.item.note,
                        start, tick_boxes(item.item.dosage), by_week[0], by_week))
    # A weekday as the language abbreviates it ("Mon", "lun"), or its shortest form
    # where that abbreviation is a whole word (Arabic's "الخميس" ran into the next column).
    short = "EEE" if max(len(format_date(program.given + dt.timedelta(days=d), "EEE",
                                         locale=locale)) for d in range(7)) <= 4 \
        else "EEEEEE"
    weeks, spans = [], []
    for week in range(program.tracking_weeks):
        days = []
        for offset in range(7):
            day = program.given + dt.timedelta(days=7 * week + offset)
            # The day of the month only: the week's caption gives its months once (a
            # month in each of seven narrow columns ran into the next one in Arabic
            # large print, and is long in Vietnamese or Portuguese).
            days.append(Day(format_date(day, short, locale=locale),
                            format_skeleton("d", day, locale=locale)))
        weeks.append(tuple(days))
        first = program.given + dt.timedelta(days=7 * week)
        spans.append(format_interval(first, first + dt.timedelta(days=6), "MMMd",
                                     locale=locale))
    client = program.client
    note_lines, call = TAILS[tail]
    return ProgramView(program.title, client.name, client.therapist, client.note,
                       program.given, client.next_appointment, tuple(rows), tuple(weeks),
                       tracking, spans=tuple(spans), note_lines=note_lines,
                       tracking_call=call,
                       grid_breaks=grid_breaks, contact=CONTACTS[contact],
                       keywords=tuple(dict.fromkeys(
                           word for item in fitted for word in item.page.handout.keywords)))
