"""Fitting: the search for a clean layout of a page.

Every variant is laid out, measured and judged
(:mod:`handouts.render.layout`): a runt last page, a gap or a picture apart from its
step makes the renderer lay it out again with the theme's fitting classes that the
problem calls for (a box split, a smaller picture, tighter spacing, then the most
compact layout), stopping at the first clean layout; for ``fit: shrink`` only, the
body size is then binary-searched down to a floor. A runt that nothing pulls back is
balanced: the page before ends early so the last page holds real content.
``fit: shrink`` keeps its meaning for page limits: a handout over its limit gets the
largest body size (on a 0.25 pt grid) that fits it. Only the chosen layout is
written, so extra tries cost layout time, not PDF writing.

The search's outcome is a :class:`~handouts.render.result.Fitting` (the chosen
classes and body size). Given back with the same page (``decision=``), it is laid out
once and written as it is: the same layout, so the same bytes, without searching
again. Whoever passes it keys it by every input that shapes the page (the batch:
:mod:`handouts.commands.fitting`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handouts.errors import Problem, errors_only
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.render import runner
from handouts.render.layout import (
    FIXABLE,
    GAP,
    MOVABLE,
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
from handouts.render.limits import BASE_SIZE, MIN_SIZE, max_pages, over_limit
from handouts.render.result import Fitting, Rendered
from handouts.render.theme import (
    BREAK_PREFIX,
    SHORT_PREFIX,
    Page,
    TemplateFailure,
    break_blocks,
    render_html,
)

#: Steps (pt) of the body size when ``fit: shrink`` searches for a smaller one.
SHRINK_STEP = 0.25

#: The theme's fitting classes (see handout.css, "automatic fitting"); a try uses the
#: ones its problem calls for (:func:`targeted`).
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




def render_page(project: Project, document: Document, page: Page, *,
                decision: Fitting | None = None, hint: Fitting | None = None) -> Rendered:
    """Render ``page`` to PDF bytes, fitted as described above (with an earlier
    ``decision`` for the same inputs: without searching again; with a ``hint``, the
    decision for this version before an edit: tried first, see :func:`fit_page`);
    writes nothing. A page with a client's block keeps the "Stop right away if" callout
    on its first page (see :func:`fit_personal`); its ``hint`` is the version's own
    decision (the page without the block), tried first."""
    if page.client is not None:
        return fit_personal(project, document, page, hint=hint)[0]
    return fit_page(project, document, page, decision=decision, hint=hint)[0]


def page_over_limit(project: Project, document: Document, page: Page,
                    output: Rendered) -> list[Problem]:
    """:func:`~handouts.render.limits.over_limit` for ``output``, the render of
    ``page``. When a page with a client's block is over its limit but the handout
    without that block is not, the problem says so: the therapist's note (or the
    plan's) is what to shorten, not the handout. That costs one more layout search,
    only for a page already refused."""
    found = over_limit(project, document, page, output)
    if not found or page.client is None:
        return found
    plain = dataclasses.replace(page, client=None, plan=None, personal_late=False,
                                numbering=None)
    alone = fit_page(project, document, plain, write=False)[0]
    if errors_only(alone.problems) or alone.pages > max_pages(project, document,
                                                              page.large_print):
        return found
    return over_limit(project, document, page, output, alone=alone.pages)


#: The measured block that holds a handout's "Stop right away if" callout.
STOP_BLOCK = "stop-first"


def stop_moved(document: Document, output: Rendered) -> bool:
    """Whether the handout has a "Stop right away if" callout that is not whole on its
    first page in ``output`` (an unmeasured layout counts as not moved)."""
    if not document.handout.precautions.stop or not output.measure:
        return False
    for block in output.measure[0].blocks:
        if block.get("name") == STOP_BLOCK:
            return not block.get("ends", False)
    return True


def fit_personal(project: Project, document: Document, page: Page, *, write: bool = True,
                 hint: Fitting | None = None) -> tuple[Rendered, Any, Page]:
    """:func:`fit_page` for a page with a client's block (a named copy, a program's
    handout), which must not push the "Stop right away if" callout off the first page:
    a safety rule, whatever the client's note. When it would, the block goes after the
    callout (``personal_late``). When even that does not keep the callout there, the
    handout's own text pushes it off (the block is not the cause, and the page is kept
    as designed: the handout's checks speak of its length). Returns the output, its
    layout and the page as laid out.

    ``hint``: the fitting decision of the version this page is a copy of (fitting paid
    once: the first named copy of a fitted version tried its search again). Tried first
    and kept when it holds for this page (see :meth:`Search.holds`), else the search
    runs as without it."""
    output, layout = fit_page(project, document, page, write=write, hint=hint)
    if errors_only(output.problems) or not stop_moved(document, output):
        return output, layout, page
    late = dataclasses.replace(page, personal_late=True)
    retry, retry_layout = fit_page(project, document, late, write=write, hint=hint)
    if errors_only(retry.problems) or stop_moved(document, retry):
        return output, layout, page
    return retry, retry_layout, late


@dataclass
class Try:
    """One candidate layout: its page, laid-out document, measure and verdict."""

    page: Page
    layout: Any
    measure: list[PageMeasure]
    problems: list[LayoutProblem]

    @property
    def pages(self) -> int:
        """How many pages the layout has."""
        return len(self.measure)


class Search:
    """The layouts of one page tried so far, in order, and how to judge them.

    Each try lays the page out again with other fitting classes (or body size);
    :meth:`attempt` records it, and keeps the failure of one that could not be laid
    out (a template's mistake, a timeout), which is the answer when even the first
    fails.
    """

    def __init__(self, project: Project, document: Document, page: Page) -> None:
        self.project = project
        self.document = document
        self.page = page
        #: The page limit, and whether the handout may shrink to meet it.
        self.limit = max_pages(project, document, page.large_print)
        self.shrink = document.handout.fit == "shrink"
        #: Every layout made, in order (the first is the theme's own).
        self.tries: list[Try] = []
        #: The last try that could not be laid out, as a failed render.
        self.failure: Rendered | None = None
        #: The fitting classes worth trying for this page (no smaller pictures
        #: without pictures).
        self.steps = [s for s in FIT_STEPS
                      if s != "fit-small-figure" or any(st.image for st in page.handout.steps)]

    def attempt(self, candidate: Page, html: str | None = None) -> Try | None:
        """Lay ``candidate`` out (from ``html`` when already made), measure and judge
        it, and record the try; None when it could not be laid out. A candidate already
        tried (a hint the search comes back to) is not laid out again."""
        for earlier in self.tries:
            if (earlier.page.fit, earlier.page.base_size) == (candidate.fit,
                                                             candidate.base_size):
                return earlier
        if html is None:
            try:
                html = render_html(candidate, self.project.templates_dir,
                                   self.project.pinned_templates)
            except TemplateFailure as exc:
                self.failure = Rendered(b"", 0, exc.problems)
                return None
        # The page's language is the translation's: right to left adds rtl.css.
        layout = runner.lay_out(self.project, self.document.display, html,
                                candidate.language or self.document.handout.language)
        if isinstance(layout, Rendered):  # timed out: reported as a problem
            self.failure = layout
            return None
        measure = _measure(layout)
        result = Try(candidate, layout, measure, judge(measure) if measure else [])
        self.tries.append(result)
        return result

    def good(self, t: Try) -> bool:
        """Whether ``t`` needs no more fitting: no layout problem, within the page limit
        when the handout may shrink."""
        return clean(t.problems) and (not self.shrink or t.pages <= self.limit)

    def worth_searching(self, first: Try) -> bool:
        """Whether fitting can do better than the first layout."""
        return not self.good(first) and bool(first.measure) and (
            (self.shrink and first.pages > self.limit)
            or worth_fitting(first.measure, first.problems, self.page.large_print))

    def best(self, first: Try) -> Try:
        """The first clean layout among the fittings ``first``'s problems call for;
        else the best scored (or, for ``fit: shrink``, a smaller body size)."""
        queue = targeted(first, self.steps, self.page.large_print)
        followed = False
        while queue:
            fit = queue.pop(0)
            tried = self.attempt(dataclasses.replace(self.page, fit=fit))
            if tried is not None and self.good(tried):
                return tried
            more = repairs(tried, self.steps) if tried is not None and not followed else ()
            if more:
                # This try moved the problem: e.g. the tighter layout put the page break
                # on the safety box, or the box split and a picture then fell apart
                # from its step. Once, the same with what the new problems call for,
                # before the most compact layout (whose other classes may undo it).
                followed = True
                queue.insert(0, tuple(s for s in FIT_STEPS if s in fit or s in more))
            if tried is not None and fit == ("fit-tight",) and self._hopeless_runt(tried):
                break
        best = min(self.tries, key=lambda t: score(t.measure, t.problems))
        if self.shrink:
            return shrunk(self.page, tuple(self.steps), self.tries, self.attempt,
                          self.limit) or best
        return best

    def holds(self, t: Try, hint: Fitting) -> bool:
        """Whether ``t``, laid out with ``hint`` (this version's decision from before an
        edit), is kept as it is (fitting paid once; see :func:`fit_page`).

        It must be good as it is. Classes that only make the page more compact never
        give more pages than the theme's own layout. Split boxes (the standard-print
        safety columns are then set one after another: taller) and a balanced last
        page (content carried over) can keep a page that the edit made unnecessary
        (QA: five steps deleted, three pages where the search now makes two). Such a
        layout is kept only when the edit took nothing away: the same pages as when it
        was chosen, with at least as much content (the search then chose this page
        count for less), and its balancing still holds (the last page no runt, the
        page before at least half full). A handout that may shrink searches again.
        """
        fit = t.page.fit
        if set(fit) <= COMPACTING:
            return self.good(t)
        if self.shrink or not hint.pages or t.pages != hint.pages or \
                content_height(t.measure) < hint.content - CONTENT_SLACK:
            return False
        problems = t.problems
        if any(e.startswith((BREAK_PREFIX, SHORT_PREFIX)) for e in fit):
            if t.pages < 2 or t.measure[-2].fullness < BALANCED_FULLNESS:
                return False
            moved = break_blocks(fit)
            problems = explain_balance(problems, t.measure, moved[0] if moved else None)
        if not clean(problems):
            return False
        t.problems = problems
        return True

    def _hopeless_runt(self, tight: Try) -> bool:
        """Whether the tighter layout ``tight`` ends on a runt that what the other
        classes save cannot pull back (it has already re-flowed into what free space it
        could)."""
        return (not self.shrink
                and {p.kind for p in tight.problems if p.kind in FIXABLE} == {RUNT}
                and not worth_fitting(tight.measure, tight.problems, self.page.large_print,
                                      saving=REST_SAVING[self.page.large_print], usable=0))

    def balance(self, chosen: Try) -> Try:
        """``chosen``, or a balanced layout with fewer problems (see :func:`balanced`)."""
        base = balance_base(self.tries, chosen)
        found = balanced(base, self.attempt) if base is not None else None
        if found is not None and _fixable(found.problems) < _fixable(chosen.problems):
            return found
        return chosen


def fit_page(project: Project, document: Document, page: Page, *, fitting: bool = True,
             decision: Fitting | None = None, hint: Fitting | None = None,
             write: bool = True) -> tuple[Rendered, Any]:
    """The fitted :class:`Rendered` of ``page`` and the layout written (None on failure).

    Deterministic: the tries and the choice depend only on the laid-out input (and the
    ``hint``, when one is given). Without
    ``fitting``, the first layout is written as it is (what fitting costs is measured
    against that: benchmarks/run.py). With ``decision`` (the :attr:`Rendered.decision`
    of an earlier search on exactly these inputs), that layout is made and written
    without a search: the bytes are the search's. The caller answers for the inputs
    being the same; a decision for other inputs still gives a valid PDF, laid out as
    decided (it may then end on a runt, say). Without ``write``, nothing is written: the
    result has no bytes, only the chosen layout's pages, measure and decision (a home
    program lays its handouts out again, numbered, and writes the packet once).

    With a ``hint`` (the decision this version had before an edit to its files: fitting
    paid once), that layout is tried first and kept when it still holds (see
    :meth:`Search.holds`: good as it is, and no page more than the handout now needs):
    a small edit costs one layout, and the sheet keeps the look it had. Otherwise the
    search runs as without it, reusing the hinted layout if it comes to it. A hint with
    a smaller body size is not tried (after an edit it may no longer be needed).
    """
    hinted = decision is not None and decision.hinted
    if decision is not None and fitting:
        page = dataclasses.replace(page, fit=decision.fit, base_size=decision.base_size)
        fitting = False  # decided: the one layout is the chosen one
    search = Search(project, document, page)
    first: Try | None = None
    if fitting and hint is not None and hint.base_size is None:
        first = search.attempt(dataclasses.replace(page, fit=hint.fit))
        if first is None:
            assert search.failure is not None
            return search.failure, None
        if search.holds(first, hint):
            fitting, hinted = False, bool(hint.fit)  # still good: kept, no search
        elif first.page.fit != page.fit:
            first = None  # the search starts from the theme's own layout
    if first is None:
        try:
            html = render_html(page, project.templates_dir, project.pinned_templates)
        except TemplateFailure as exc:  # this variant fails alone, with the template's line
            return Rendered(b"", 0, exc.problems), None
        first = search.attempt(page, html)
    if first is None:
        assert search.failure is not None
        return search.failure, None
    chosen = first
    if fitting and search.worth_searching(first):
        chosen = search.best(first)
    if fitting and not clean(chosen.problems):
        chosen = search.balance(chosen)
    extra = len(search.tries) - 1
    decided = Fitting(chosen.page.fit, chosen.page.base_size, hinted, chosen.pages,
                      content_height(chosen.measure))
    if not write:
        return Rendered(b"", chosen.pages, list(chosen.layout.problems), fit=chosen.page.fit,
                        extra_renders=extra, measure=chosen.measure,
                        layout_problems=chosen.problems, decision=decided), chosen.layout
    output = _write(project, document, chosen, extra=extra)
    output.tried = tried_words([t.page for t in search.tries if t is not first])
    output.decision = decided
    return output, chosen.layout


def content_height(measure: list[PageMeasure]) -> float:
    """A layout's content height: the points used on its pages, summed (rounded: the
    measure of the same layout is the same on every machine's run)."""
    return round(sum(m.used for m in measure), 1)


#: How much less content (points) an edit may leave for a split or balanced decision
#: to be kept: the measure's rounding, never a line of text.
CONTENT_SLACK = 0.5

#: The fitting classes that only make a page more compact (less space, smaller
#: pictures, compact fine print): a layout with them never has more pages than without.
COMPACTING = frozenset({"fit-tight", "fit-small-figure", "fit-compact-fineprint"})


def valid_decision(decision: Fitting) -> bool:
    """Whether ``decision`` is one fitting could make: the theme's classes, balancing's
    entries with page numbers and points in range, a body size from the smallest
    allowed to the theme's. A kept decision read back from a file is checked with this
    (a hand-edited one could hold anything the page's ``class`` accepts)."""
    if decision.base_size is not None and not (
            min(MIN_SIZE.values()) <= decision.base_size <= max(BASE_SIZE.values())):
        return False
    return all(entry in FIT_STEPS or _BALANCE_ENTRY.fullmatch(entry)
               for entry in decision.fit)


#: Balancing's entries as :func:`balanced` writes them: a page break before a block it
#: moves (``fit-break-benefits``, ``fit-break-step-7``), or page P ending S points
#: early (``fit-short-2-96``; less than a page's height).
_BALANCE_ENTRY = re.compile(
    rf"{BREAK_PREFIX}(?:{'|'.join(sorted(MOVABLE))}|step-[1-9][0-9]{{0,2}})"
    rf"|{SHORT_PREFIX}[1-9][0-9]?-(?:[0-9]|[1-9][0-9]{{1,2}}|1[0-9]{{3}})")


#: What the fitting classes other than tighter spacing save at most, as a share of the
#: content's height, by print size (measured on the example and stress sets: in large
#: print the smaller pictures and compact fine print count; in standard print little).
REST_SAVING = {False: 0.015, True: 0.05}


def _splits(t: Try) -> tuple[str, ...]:
    """The split classes (FIT_STEPS order) that ``t``'s gaps call for and it lacks."""
    wanted = {split_class(p.block or "") for p in t.problems if p.kind == GAP}
    return tuple(s for s in FIT_STEPS if s in wanted and s not in t.page.fit)


def repairs(t: Try, steps: list[str]) -> tuple[str, ...]:
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


def targeted(first: Try, steps: list[str], large_print: bool) -> list[tuple[str, ...]]:
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


def balance_base(tries: list[Try], chosen: Try) -> Try | None:
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


def balanced(chosen: Try, attempt: Callable[[Page], Try | None]) -> Try | None:
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


def shrunk(page: Page, steps: tuple[str, ...], tries: list[Try],
            attempt: Callable[[Page], Try | None], limit: int) -> Try | None:
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
    found: Try | None = None
    last: Try | None = None
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




def _measure(layout: Any) -> list[PageMeasure]:
    """The layout measure, or nothing when the engine's boxes cannot be read."""
    from handouts.render.engine.pdf import engine

    try:
        return pages_from(engine().measure(layout))
    except Exception:  # WeasyPrint internals changed: no fitting, the first layout is kept
        return []


def _write(project: Project, document: Document, chosen: Try, extra: int) -> Rendered:
    """Write the chosen layout (without step rules at the top of a page)."""
    from handouts.render.engine.pdf import engine

    engine().hide_rules_at_page_tops(chosen.layout)
    output = runner.write(project, document, chosen.layout)
    output.fit = chosen.page.fit
    if chosen.page.base_size is not None and chosen.page.base_size != BASE_SIZE[
            chosen.page.large_print]:
        output.shrunk_to = chosen.page.base_size
    output.extra_renders = extra
    output.measure = chosen.measure
    output.layout_problems = chosen.problems
    output.decision = Fitting(chosen.page.fit, chosen.page.base_size, False, chosen.pages,
                              content_height(chosen.measure))
    return output
