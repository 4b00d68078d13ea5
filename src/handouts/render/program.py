"""A home program's packet: a cover, each handout with its "Your plan" box, a
tracking sheet, numbered as one document ("Page 3 of 9"), written as one PDF.

Each handout is fitted on its own, as a named copy is (its page limit, its "Stop
right away if" callout on its first page); the packet is then laid out once more,
numbered, and written once, so fonts are embedded once for the whole packet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date, format_skeleton

from handouts.errors import Problem, Severity, errors_only
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.render import runner
from handouts.render.compose import compose
from handouts.render.fitting import fit_page
from handouts.render.limits import over_limit
from handouts.render.result import Rendered
from handouts.render.theme import Page, PlanBox, environment, render_html
from handouts.variants.clients import Client
from handouts.variants.plan import Variant
from handouts.variants.program import (
    Program,
    ProgramItem,
    day_planned,
    describe_dosage,
    tick_boxes,
)

#: The packet's own pages, from the theme (a project may override it like any template).
PROGRAM_TEMPLATE = "program.html.j2"
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
    #: For each day of a week, whether the item is planned that day.
    planned: tuple[bool, ...]


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
    page: Page
    output: Rendered


def program_pdf(project: Project, documents: dict[str, Document], program: Program
                ) -> tuple[Rendered | None, list[Problem]]:
    """The packet of ``program`` (None when it cannot be made) and every problem; the
    packet's problems are its warnings, its ``starts`` where each handout starts.

    The caller has checked the program's inputs (handouts exist, the client's text);
    here each handout is composed and fitted in the program's version, and a handout
    whose "Stop right away if" callout would leave its first page gets the personal
    block after that callout; if it still does not fit, that is an error naming it.
    """
    from handouts.render.engine.pdf import engine as the_engine
    from handouts.render.engine.timelimit import time_limit

    problems: list[Problem] = []
    fitted: list[_Fitted] = []
    # The therapist, the next appointment and the note are on the cover: each handout
    # says only whom it is for, above its plan, so the plan costs it few lines.
    client = Client(program.client.name)
    for item in program.items:
        document = documents[item.handout]
        variant = Variant(item.handout, program.audience, program.language, program.paper,
                          program.print_size, program.location)
        plan = PlanBox(describe_dosage(item.dosage, program.language, project.root),
                       item.note)
        page, found = compose(project, document, variant, client, plan=plan)
        problems += found
        if page is None:
            continue
        output, _ = fit_page(project, document, page, write=False)
        if not errors_only(output.problems) and _stop_moved(document, output):
            late = dataclasses.replace(page, personal_late=True)
            retry, _ = fit_page(project, document, late, write=False)
            if not errors_only(retry.problems):
                page, output = late, retry
            if _stop_moved(document, output):
                problems.append(Problem(document.display, None, "", (
                    "its “Stop right away if” callout does not fit on its first page with "
                    "this plan; shorten the note for this handout")))
        problems += [_located(p, document) for p in output.problems]
        problems += over_limit(project, document, page, output)
        fitted.append(_Fitted(item, document, page, output))
    if errors_only(problems) or len(fitted) != len(program.items):
        return None, problems

    engine = the_engine()
    first = fitted[0].page
    view = _view(program, fitted, starts=(0,) * len(fitted), tracking=0)
    tracking = _own_page(first, "tracking", view)
    cover = _own_page(first, "cover", view)
    # Lay the cover and the tracking sheet out once to count their pages (neither's
    # length depends on the page numbers it prints).
    counted = [_lay_out(project, engine, cover), _lay_out(project, engine, tracking)]
    if any(isinstance(layout, Rendered) for layout in counted):
        return None, problems + [p for x in counted if isinstance(x, Rendered) for p in x.problems]
    cover_pages, tracking_pages = (layout.pages for layout in counted)
    starts, blanks, number = [], [], cover_pages + 1
    for item in fitted:
        blank = program.right_hand and number % 2 == 0
        blanks.append(blank)
        number += blank
        starts.append(number)
        number += item.output.pages
    tracking_start = number + (program.right_hand and number % 2 == 0)
    total = tracking_start + tracking_pages - 1
    view = _view(program, fitted, tuple(starts), tracking_start)

    parts: list[Any] = [_lay_out(project, engine, dataclasses.replace(
        _own_page(first, "cover", view), numbering=(1, total)))]
    for item, start, blank in zip(fitted, starts, blanks, strict=True):
        if blank:
            parts.append(_lay_out(project, engine, dataclasses.replace(
                _own_page(first, "blank", view), numbering=(start - 1, total))))
        decided = item.output.decision
        page = dataclasses.replace(item.page, numbering=(start, total),
                                   fit=decided.fit if decided else item.page.fit,
                                   base_size=decided.base_size if decided else None)
        parts.append(_lay_out(project, engine, page, item.document))
    if tracking_start > number:
        parts.append(_lay_out(project, engine, dataclasses.replace(
            _own_page(first, "blank", view), numbering=(number, total))))
    parts.append(_lay_out(project, engine, dataclasses.replace(
        _own_page(first, "tracking", view), numbering=(tracking_start, total))))
    failed = [p for x in parts if isinstance(x, Rendered) for p in x.problems]
    if failed:
        return None, problems + failed
    packet = engine.combine(parts)
    defaults = project.config.defaults
    with time_limit(defaults.render_timeout):
        written = engine.write(packet, source=PROGRAM_SOURCE, archive=defaults.archive)
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


def _stop_moved(document: Document, output: Rendered) -> bool:
    """Whether the handout has a "Stop right away if" callout that is not whole on its
    first page in ``output`` (an unmeasured layout counts as moved only when measured)."""
    if not document.handout.precautions.stop or not output.measure:
        return False
    for block in output.measure[0].blocks:
        if block.get("name") == "stop-first":
            return not block.get("ends", False)
    return True


def _located(problem: Problem, document: Document) -> Problem:
    return problem if problem.path else dataclasses.replace(problem, path=document.display)


def _own_page(first: Page, part: str, view: ProgramView) -> ProgramPage:
    """A page of the packet's own (cover, tracking sheet, blank) in the version of its
    first handout's page: same clinic, language, paper, print size, fonts, colours."""
    fields = {f.name: getattr(first, f.name) for f in dataclasses.fields(Page)}
    fields.update(fit=(), base_size=None, plan=None, personal_late=False, numbering=None)
    return ProgramPage(**fields, part=part, view=view)


def _lay_out(project: Project, engine: Any, page: Page,
             document: Document | None = None) -> Any:
    """The engine's layout of ``page`` (a handout's when ``document`` is given), or a
    failed :class:`Rendered` with the problem (a template's mistake, a timeout)."""
    from handouts.render.overrides import TemplateFailure

    try:
        if isinstance(page, ProgramPage):
            html = _program_html(project, page)
        else:
            html = render_html(page, project.templates_dir)
    except TemplateFailure as exc:
        return Rendered(b"", 0, exc.problems)
    source = document.display if document is not None else PROGRAM_SOURCE
    layout = runner.lay_out(project, source, html, page.language)
    if document is not None and not isinstance(layout, Rendered):
        engine.hide_rules_at_page_tops(layout)
    return layout


def _program_html(project: Project, page: ProgramPage) -> str:
    """The HTML of one of the packet's own pages (see :data:`PROGRAM_TEMPLATE`)."""
    from handouts.render.overrides import TemplateFailure, template_problem
    from handouts.render.theme import with_numbering

    env = environment(project.templates_dir, page.language)
    page = dataclasses.replace(page, project_root=project.root)
    try:
        html = env.get_template(PROGRAM_TEMPLATE).render(
            page=page, view=page.view, clinic=page.clinic)
    except Exception as exc:  # a template is a program: whatever it raises is its mistake
        from handouts.paths import THEME_DIR

        problem = template_problem(exc, project.templates_dir, THEME_DIR, PROGRAM_TEMPLATE)
        # Never a client's name in a message (a template may quote a value).
        view = page.view
        if view is not None:
            for detail in (view.client_name, view.therapist, view.note):
                if detail:
                    problem = dataclasses.replace(
                        problem, message=problem.message.replace(detail, "(client details)"))
        raise TemplateFailure([problem]) from None
    return with_numbering(html, page.numbering)


def _view(program: Program, fitted: list[_Fitted], starts: tuple[int, ...],
          tracking: int) -> ProgramView:
    language = program.language
    locale = language.replace("-", "_")
    rows = []
    for number, (item, start) in enumerate(zip(fitted, starts, strict=True), start=1):
        rows.append(Row(number, item.page.handout.title,
                        item.page.plan.dose if item.page.plan else "", item.item.note,
                        start, tick_boxes(item.item.dosage),
                        tuple(day_planned(item.item.dosage, d) for d in range(7))))
    weeks = []
    for week in range(program.tracking_weeks):
        days = []
        for offset in range(7):
            day = program.given + dt.timedelta(days=7 * week + offset)
            days.append(Day(format_date(day, "EEE", locale=locale),
                            format_skeleton("MMMd", day, locale=locale)))
        weeks.append(tuple(days))
    client = program.client
    return ProgramView(program.title, client.name, client.therapist, client.note,
                       program.given, client.next_appointment, tuple(rows), tuple(weeks),
                       tracking)
