"""From a page to PDF bytes, with the engine's messages pointed at content lines.

Also where fitting happens. Every variant is laid out, measured and judged
(:mod:`handouts.render.layout`): a runt last page, a gap or a picture apart from its
step makes the renderer lay it out again with the theme's fitting classes that the
problem calls for (a box split, a smaller picture, tighter spacing, then the most
compact layout), stopping at the first clean layout; for ``fit: shrink`` only, the
body size is then binary-searched down to a floor. A runt that nothing pulls back is
balanced: the page before ends early so the last page holds real content.
``fit: shrink`` keeps its meaning for page limits: a handout over its limit gets the
largest body size (on a 0.25 pt grid) that fits it. Only the chosen layout is
written, so extra tries cost layout time, not PDF writing.

The search's outcome is a :class:`Fitting` (the chosen classes and body size). Given
back with the same page (``decision=``), it is laid out once and written as it is:
the same layout, so the same bytes, without searching again. Whoever passes it keys it
by every input that shapes the page (the batch: :mod:`handouts.commands.fitting`).
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from handouts.errors import Problem, Severity, errors_only
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.render.layout import (
    FIXABLE,
    GAP,
    PICTURE_APART,
    RUNT,
    LayoutProblem,
    PageMeasure,
    balance_candidates,
    balance_shortening,
    clean,
    explain_balance,
    judge,
    pages_from,
    score,
    split_class,
    worth_fitting,
)
from handouts.render.result import Rendered
from handouts.render.theme import (
    BREAK_PREFIX,
    SHORT_PREFIX,
    THEME_DIR,
    Page,
    TemplateFailure,
    render_html,
    stylesheet_paths,
)

#: Body text sizes (pt): the theme's size, and the smallest ``fit: shrink`` may use.
BASE_SIZE = {False: 12.0, True: 18.0}
MIN_SIZE = {False: 11.0, True: 18.0}
SHRINK_STEP = 0.25

#: The theme's fitting classes (see handout.css, "automatic fitting"); a try uses the
#: ones its problem calls for (:func:`targeted_steps`).
FIT_STEPS = ("fit-tight", "fit-split", "fit-split-steps", "fit-small-figure",
             "fit-compact-fineprint")
#: What each fitting class does, for messages.
FIT_WORDS = {"fit-tight": "tighter spacing", "fit-split": "long boxes split across pages",
             "fit-split-steps": "long steps split across pages",
             "fit-small-figure": "smaller step pictures",
             "fit-compact-fineprint": "compact sources and disclaimer"}


def tried_words(pages: list[Page]) -> tuple[str, ...]:
    """What the layouts of ``pages`` (the tries beyond the first) tried, in words, for
    messages: each fitting class once, a smaller body size, balancing."""
    entries = {e for page in pages for e in page.fit}
    words = [FIT_WORDS[name] for name in FIT_STEPS if name in entries]
    if any(page.base_size is not None for page in pages):
        words.append("smaller body text")
    if any(e.startswith((BREAK_PREFIX, SHORT_PREFIX)) for e in entries):
        words.append("carrying content over to the last page")
    return tuple(words)


@dataclass(frozen=True)
class Fitting:
    """What fitting decided for a page: the fitting classes of the chosen layout
    (balancing's included) and its body size (None: the theme's). Laying the same page
    out with them gives the chosen layout again (see :func:`fit_page`)."""

    fit: tuple[str, ...] = ()
    base_size: float | None = None


@dataclass
class Output(Rendered):
    """A rendered PDF, its page count and what the engine reported, with its fitting."""

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


def settle() -> None:
    """Load the engine, then exempt everything loaded from garbage collection.

    Called once before a render loop.

    Every render allocates many short-lived objects, and each full collection would
    walk the modules, fonts and project again: freezing them saves about 5% per PDF.
    """
    from handouts.render import pdf

    pdf.engine()
    gc.collect()
    gc.freeze()


def max_pages(project: Project, document: Document, large_print: bool) -> int:
    """The page limit for this handout at this print size."""
    checks = project.config.checks
    if large_print:
        return checks.max_pages_large
    return document.handout.max_pages or checks.max_pages


def render_page(project: Project, document: Document, page: Page, *,
                decision: Fitting | None = None) -> Output:
    """Render ``page`` to PDF bytes, fitted as described above (with an earlier
    ``decision`` for the same inputs: without searching again); writes nothing."""
    return fit_page(project, document, page, decision=decision)[0]


@dataclass
class FitTry:
    """One candidate layout: its page, laid-out document, measure and verdict."""

    page: Page
    layout: Any
    measure: list[PageMeasure]
    problems: list[LayoutProblem]

    @property
    def pages(self) -> int:
        return len(self.measure)


def fit_page(project: Project, document: Document, page: Page, *, fitting: bool = True,
             decision: Fitting | None = None, write: bool = True) -> tuple[Output, Any]:
    """The fitted :class:`Output` of ``page`` and the layout written (None on failure).

    Deterministic: the tries and the choice depend only on the laid-out input. Without
    ``fitting``, the first layout is written as it is (what fitting costs is measured
    against that: benchmarks/run.py). With ``decision`` (the :attr:`Output.decision` of
    an earlier search on exactly these inputs), that layout is made and written without
    a search: the bytes are the search's. The caller answers for the inputs being the
    same; a decision for other inputs still gives a valid PDF, laid out as decided (it
    may then end on a runt, say). Without ``write``, nothing is written: the output has
    no bytes, only the chosen layout's pages, measure and decision (a home program lays
    its handouts out again, numbered, and writes the packet once).
    """
    if decision is not None and fitting:
        page = dataclasses.replace(page, fit=decision.fit, base_size=decision.base_size)
        fitting = False  # decided: the one layout is the chosen one
    try:
        html = render_html(page, project.templates_dir)
    except TemplateFailure as exc:  # this variant fails alone, with the template's line
        return Output(b"", 0, exc.problems), None
    tries: list[FitTry] = []
    failed: list[Output] = []

    def attempt(candidate: Page, source: str | None = None) -> FitTry | None:
        if source is None:
            try:
                source = render_html(candidate, project.templates_dir)
            except TemplateFailure as exc:
                failed.append(Output(b"", 0, exc.problems))
                return None
        layout = _lay_out(project, document, source, candidate.language)
        if isinstance(layout, Output):  # timed out: reported as a problem
            failed.append(layout)
            return None
        measure = _measure(layout)
        result = FitTry(candidate, layout, measure, judge(measure) if measure else [])
        tries.append(result)
        return result

    limit = max_pages(project, document, page.large_print)
    shrink = document.handout.fit == "shrink"

    def good(t: FitTry) -> bool:
        return clean(t.problems) and (not shrink or t.pages <= limit)

    first = attempt(page, html)
    if first is None:
        return failed[-1], None
    chosen = first
    if fitting and not good(first) and first.measure and (
            (shrink and first.pages > limit)
            or worth_fitting(first.measure, first.problems, page.large_print)):
        steps = [s for s in FIT_STEPS
                 if s != "fit-small-figure" or any(st.image for st in page.handout.steps)]
        found: FitTry | None = None
        queue = targeted_steps(first, steps, page.large_print)
        followed = False
        while queue:
            fit = queue.pop(0)
            tried = attempt(dataclasses.replace(page, fit=fit))
            if tried is not None and good(tried):
                found = tried
                break
            more = repairs(tried, steps) if tried is not None and not followed else ()
            if more:
                # This try moved the problem: e.g. the tighter layout put the page break
                # on the safety box, or the box split and a picture then fell apart
                # from its step. Once, the same with what the new problems call for,
                # before the most compact layout (whose other classes may undo it).
                followed = True
                queue.insert(0, tuple(s for s in FIT_STEPS if s in fit or s in more))
            if (tried is not None and fit == ("fit-tight",) and not shrink
                    and {p.kind for p in tried.problems if p.kind in FIXABLE} == {RUNT}
                    and not worth_fitting(tried.measure, tried.problems, page.large_print,
                                          saving=REST_SAVING[page.large_print], usable=0)):
                # What the other classes save cannot pull the last page back (the
                # tighter layout has already re-flowed into what free space it could).
                break
        if found is not None:
            chosen = found
        else:
            best = min(tries, key=lambda t: score(t.measure, t.problems))
            chosen = best
            if shrink:
                chosen = _shrunk(page, tuple(steps), tries, attempt, limit) or best
    if fitting and not clean(chosen.problems):
        base = balance_base(tries, chosen)
        found = balanced_try(base, attempt) if base is not None else None
        if found is not None and _fixable(found.problems) < _fixable(chosen.problems):
            chosen = found
    if not write:
        return Output(b"", chosen.pages, list(chosen.layout.problems), fit=chosen.page.fit,
                      extra_renders=len(tries) - 1, measure=chosen.measure,
                      layout_problems=chosen.problems,
                      decision=Fitting(chosen.page.fit, chosen.page.base_size)), chosen.layout
    output = _write(project, document, chosen, extra=len(tries) - 1)
    output.tried = tried_words([t.page for t in tries[1:]])
    return output, chosen.layout


#: What the fitting classes other than tighter spacing save at most, as a share of the
#: content's height, by print size (measured on the example and stress sets: in large
#: print the smaller pictures and compact fine print count; in standard print little).
REST_SAVING = {False: 0.015, True: 0.05}


def _splits(t: FitTry) -> tuple[str, ...]:
    """The split classes (FIT_STEPS order) that ``t``'s gaps call for and it lacks."""
    wanted = {split_class(p.block or "") for p in t.problems if p.kind == GAP}
    return tuple(s for s in FIT_STEPS if s in wanted and s not in t.page.fit)


def repairs(t: FitTry, steps: list[str]) -> tuple[str, ...]:
    """The classes ``t`` lacks that would answer each of its gaps and pictures apart
    (a runt aside: balancing answers that), or nothing when one of them has no answer."""
    more = set(_splits(t))
    for problem in t.problems:
        if problem.kind == GAP and split_class(problem.block or "") is None:
            return ()
        if problem.kind == PICTURE_APART:
            if "fit-small-figure" in t.page.fit or "fit-small-figure" not in steps:
                return ()
            more.add("fit-small-figure")
    return tuple(s for s in FIT_STEPS if s in more)


def targeted_steps(first: FitTry, steps: list[str], large_print: bool) -> list[tuple[str, ...]]:
    """The fittings worth trying for ``first``'s problems, in order (search, don't step).

    A gap left by a block that may split (a box, a long step): splitting it alone
    (tighter spacing as well would pull the rest up and leave a runt). A picture apart
    from its step: a smaller picture (beside its text in large print). A runt or
    another gap: tighter spacing, which fixes most. Last, every class at once, the most
    compact layout the theme allows, without letting boxes or steps split unless a
    block of that kind is what is wrong (set as a split list, the standard-print
    safety box is taller).
    """
    kinds = {p.kind for p in first.problems}
    splits = _splits(first)
    wanted: list[tuple[str, ...]] = []
    if splits:
        wanted.append(splits)
    if PICTURE_APART in kinds and "fit-small-figure" in steps:
        wanted.append(("fit-small-figure",))
    wanted.append(("fit-tight",))
    boxes = kinds & {GAP, PICTURE_APART}
    wanted.append(tuple(s for s in steps
                        if (s != "fit-split" or boxes)
                        and (s != "fit-split-steps" or s in splits)))
    return list(dict.fromkeys(wanted))


def balance_base(tries: list[FitTry], chosen: FitTry) -> FitTry | None:
    """The layout to balance when no try is clean: one that ends on a runt.

    The fewest problems first, then the closest to the theme: the first layout (tighter
    spacing is only worth its look when it pulls a page back), else the try with the
    fewest fitting classes. A try that pulled a picture back to its step or split a
    box, but left a runt, is balanced as well as one that only has a runt. Never one
    longer than ``chosen``, or set at another size (``fit: shrink``'s page limit).
    """
    candidates = [t for t in tries
                  if any(p.kind == RUNT for p in t.problems) and t.pages <= chosen.pages
                  and t.page.base_size == chosen.page.base_size]
    if not candidates:
        return None
    return min(candidates, key=lambda t: (_fixable(t.problems), len(t.page.fit),
                                          tries.index(t)))


#: A balanced page before the last stays at least this full: a page more than half
#: empty reads as the end of the sheet (and large print must have no such page).
BALANCED_FULLNESS = 0.5
#: Balancing lays out at most this many tries: the estimate, the estimate measured
#: again when it moved too little, and a page break before a block.
BALANCE_TRIES = 3


def balanced_try(chosen: FitTry, attempt: Callable[[Page], FitTry | None]) -> FitTry | None:
    """``chosen`` with content carried over to its runt last page, if that is better.

    The last resort for a runt that no fitting pulls back. First the finer way: the
    page before ends early, by as much as the last page lacks (see
    :func:`handouts.render.layout.balance_shortening`), and the engine moves whatever no
    longer fits; else a page break before a block of the page before (see
    :func:`handouts.render.layout.balance_candidates`). Kept only when the page count
    stays, the last page is no runt and nothing else got worse; the gap it may leave
    on the page before is explained, not a problem.
    """
    ways: list[float | str] = []
    shorter = balance_shortening(chosen.measure)
    if shorter is not None:  # first the finer way: the page before ends a little higher
        ways.append(shorter)
    ways += balance_candidates(chosen.measure)
    # Boxes may split while balancing: what moves on is then the least that is enough.
    split = () if "fit-split" in chosen.page.fit else ("fit-split",)
    refined = False
    for _ in range(BALANCE_TRIES):
        if not ways:
            break
        way = ways.pop(0)
        block, shortening = (way, None) if isinstance(way, str) else (None, way)
        entry = (BREAK_PREFIX + block.replace(" ", "-") if block is not None
                 else f"{SHORT_PREFIX}{chosen.pages - 1}-{shortening:.0f}")
        found = attempt(dataclasses.replace(chosen.page,
                                            fit=chosen.page.fit + split + (entry,)))
        if found is None or found.pages != chosen.pages:
            continue
        explained = explain_balance(found.problems, found.measure, block)
        still_runt = any(p.kind == RUNT for p in explained)
        if (not still_runt and found.measure[-2].fullness >= BALANCED_FULLNESS
                and _fixable(explained) < _fixable(chosen.problems)):
            found.problems = explained
            return found
        if still_runt and shortening is not None and not refined:
            # Too little moved: letting boxes split made them shorter, so the page
            # still held them. Once more, from what this try measured.
            again = balance_shortening(found.measure)
            if again is not None and again > shortening + 1:
                refined = True
                ways.insert(0, again)
    return None


def _fixable(problems: list[LayoutProblem]) -> int:
    return sum(p.kind in FIXABLE for p in problems)


def _shrunk(page: Page, steps: tuple[str, ...], tries: list[FitTry],
            attempt: Callable[[Page], FitTry | None], limit: int) -> FitTry | None:
    """The best layout with a smaller body size (``fit: shrink``), by binary search.

    The target: within the page limit, and one page fewer than the shortest layout so
    far when that one ends on a runt. The largest size on the 0.25 pt grid that
    reaches it is found in log2 tries (more text per page never adds pages); it is
    kept if it is clean, or shorter than every other try.
    """
    base = page.base_size or BASE_SIZE[page.large_print]
    floor = MIN_SIZE[page.large_print]
    shortest = min(tries, key=lambda t: score(t.measure, t.problems))
    target = min(limit, shortest.pages - (1 if any(p.kind == "runt" for p in shortest.problems)
                                          else 0))
    high = round((base - floor) / SHRINK_STEP)  # steps down from base to the floor
    if high == 0 or target < 1:
        return None
    found: FitTry | None = None
    last: FitTry | None = None
    lo, hi = 1, high
    while lo <= hi:  # the fewest steps down that reach the target
        mid = (lo + hi) // 2
        last = attempt(dataclasses.replace(page, fit=steps, base_size=base - mid * SHRINK_STEP))
        if last is None:
            break
        if last.pages <= target:
            found, hi = last, mid - 1
        else:
            lo = mid + 1
    found = found or last  # none reached it: the floor, tried last
    if found is None:
        return None
    best = min(tries, key=lambda t: score(t.measure, t.problems))
    # Over the limit, the page limit rules as it always did: the smallest size tried
    # (the floor when nothing reached it) is kept.
    keep = shortest.pages > limit or clean(found.problems) or found.pages < shortest.pages
    return found if keep else best


def _timed_out(document: Document, limit: float) -> Output:
    """The failed render of a document that ran past ``defaults.render_timeout``."""
    return Output(b"", 0, [Problem(document.display, None, "", (
        f"took longer than {limit:g} s to render and was stopped (defaults.render_timeout "
        "in handouts.yaml)"))])


def _lay_out(project: Project, document: Document, html: str, language: str) -> Any:
    """The engine's layout of ``html``, or an :class:`Output` saying it timed out."""
    from handouts.render import pdf

    limit = project.config.defaults.render_timeout
    try:
        with pdf.time_limit(limit):
            return pdf.engine().lay_out(html, **_engine_options(project, document, language))
    except pdf.RenderTimeout:
        return _timed_out(document, limit)


def _measure(layout: Any) -> list[PageMeasure]:
    """The layout measure, or nothing when the engine's boxes cannot be read."""
    from handouts.render import pdf

    try:
        return pages_from(pdf.measure_layout(layout))
    except Exception:  # WeasyPrint internals changed: no fitting, the first layout is kept
        return []


def _write(project: Project, document: Document, chosen: FitTry, extra: int) -> Output:
    """Write the chosen layout (without step rules at the top of a page)."""
    from handouts.render import pdf

    pdf.hide_rules_at_page_tops(chosen.layout)
    defaults = project.config.defaults
    output = _rendered(project, document, lambda engine: engine.write(
        chosen.layout, source=document.display, archive=defaults.archive))
    output.fit = chosen.page.fit
    if chosen.page.base_size is not None and chosen.page.base_size != BASE_SIZE[
            chosen.page.large_print]:
        output.shrunk_to = chosen.page.base_size
    output.extra_renders = extra
    output.measure = chosen.measure
    output.layout_problems = chosen.problems
    output.decision = Fitting(chosen.page.fit, chosen.page.base_size)
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


def _engine_options(project: Project, document: Document,
                    language: str | None = None) -> dict[str, Any]:
    # The page's language is the translation's: right to left adds rtl.css.
    return engine_options(project, document.display, language or document.handout.language)


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


def _rendered(project: Project, document: Document, work: Callable[[Any], Any]) -> Output:
    """Run ``work`` on the engine; its result as an :class:`Output`, a timeout as a problem."""
    from handouts.render import pdf  # WeasyPrint is heavy: import it only when rendering

    limit = project.config.defaults.render_timeout
    try:
        with pdf.time_limit(limit):
            result = work(pdf.engine())
    except pdf.RenderTimeout:
        return _timed_out(document, limit)
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
    :meth:`handouts.render.pdf.Engine.swap_block`), split across pages, or a handout that
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

    def render(self, document: Document, page: Page) -> Output:
        """The PDF of ``page`` (a page with a client): from a kept layout when possible."""
        from handouts.render import pdf  # WeasyPrint is heavy: import it only when rendering

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
        # The block laid out alone, in the page as the kept layout was fitted (fitting
        # classes may style it: tighter spacing changes its heading's margin).
        fit = self._fits.get(shell_key, ())
        piece, height = self._block(document, page, fit,
                                     piece_html if fit == page.fit else None)
        base = self._bases.get((shell_key, fit, height)) if height is not None else None
        if base is not None and piece is not None:
            swapped = pdf.engine().swap_block(base, piece, PERSONAL_CLASS)
            if swapped is not None:
                defaults = self.project.config.defaults
                try:
                    output = _rendered(self.project, document, lambda e: e.write(
                        swapped, source=document.display, archive=defaults.archive))
                except Exception:  # WeasyPrint internals changed: see swap_block
                    return render_page(self.project, document, page)
                self.swapped += 1
                output.fit = fit
                return output
        output, layout = fit_page(self.project, document, page)
        if output.shrunk_to is not None:
            self._shrinks.add(shell_key)  # shrunk copies are always laid out in full
            return output
        if layout is not None and height is not None and not errors_only(output.problems):
            if output.fit != fit:  # this layout was fitted otherwise: its block's height
                _, height = self._block(document, page, output.fit)
            if height is not None:
                self._bases[(shell_key, output.fit, height)] = layout
                self._fits[shell_key] = output.fit
        return output

    def _block(self, document: Document, page: Page, fit: tuple[str, ...],
               piece_html: str | None = None) -> tuple[Any, float | None]:
        """The client's block laid out alone in ``page`` fitted with ``fit`` (from
        ``piece_html`` when that page's HTML is already split), and its height (rounded
        to 0.001 pt; None when it cannot be laid out or measured)."""
        from handouts.render import pdf

        try:
            if piece_html is None:
                parts = split_personal(render_html(dataclasses.replace(page, fit=fit),
                                                   self.project.templates_dir))
                if parts is None:
                    return None, None
                piece_html = parts[1]
            engine = pdf.engine()
            with pdf.time_limit(self.project.config.defaults.render_timeout):
                piece = engine.lay_out(piece_html, **_engine_options(self.project, document,
                                                                     page.language))
        except (TemplateFailure, pdf.RenderTimeout):
            return None, None
        height = engine.block_height(piece, PERSONAL_CLASS)
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



