"""Judging a laid-out handout the way a designer would: no runt pages, no gaps.

Pure: it reads the plain per-page measure that :func:`handouts.render.engine.internals.measure`
takes from the engine's boxes (body height, height used, which blocks start and end
on each page) and says what is wrong, naming the page and the block. The renderer
(:mod:`handouts.render.fitting`) uses the verdict to choose a better fitting; ``handouts
check`` reports what is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: A last page less full than this is a runt.
RUNT_FULLNESS = 1 / 3
#: A page before the last less full than this leaves a gap.
GAP_FULLNESS = 0.75
#: Blocks that alone on the last page make it a runt, however tall they are.
TAIL_BLOCKS = frozenset({"fine-print", "contact"})

#: What a reader calls each measured block (messages are in the project's language,
#: English, like every other message of ``handouts check``).
BLOCK_NAMES = {
    "masthead": "the masthead", "prepared-for": "the personal block",
    "stop-first": 'the "Stop right away if" callout', "intro": "the introduction",
    "needs": 'the "What you need" box', "steps": "the steps",
    "precautions": 'the safety box ("Stay safe")', "benefits": 'the "Why it helps" list',
    "contact": "the contact box", "fine-print": "the sources and disclaimer",
}

#: Kinds of problem; the first three make a layout unclean (fitting tries to fix them).
RUNT, GAP, PICTURE_APART, ONE_WORD_LINE = "runt", "gap", "picture-apart", "one-word-line"
FIXABLE = (RUNT, GAP, PICTURE_APART)
#: A gap left on purpose: a block moved to the last page so it is not a runt (explained,
#: not a problem).
BALANCED = "balanced"


@dataclass(frozen=True)
class PageMeasure:
    """One page of a layout, as measured from the engine's boxes (points)."""

    height: float
    used: float
    blocks: tuple[dict[str, Any], ...] = ()
    one_word_lines: tuple[str, ...] = ()

    @property
    def fullness(self) -> float:
        """The share of the body area used, 0 to 1."""
        return self.used / self.height if self.height > 0 else 1.0


@dataclass(frozen=True)
class LayoutProblem:
    """One thing a designer would not sign: what, on which page (1-based), and why."""

    kind: str
    page: int
    message: str
    block: str | None = None


def pages_from(measure: Sequence[dict[str, Any]]) -> list[PageMeasure]:
    """The plain data of :func:`handouts.render.engine.internals.measure` as
    :class:`PageMeasure` s."""
    return [PageMeasure(p["height"], p["used"], tuple(p["blocks"]),
                        tuple(p.get("one_word_lines", ()))) for p in measure]


def describe(name: str) -> str:
    """A block's name for a reader: ``step 3``, ``the picture of step 3``, a section."""
    if name.startswith("picture "):
        return f"the picture of step {name.split()[1]}"
    return BLOCK_NAMES.get(name, name)


def judge(pages: Sequence[PageMeasure]) -> list[LayoutProblem]:
    """Every runt, gap, stray picture and one-word first line of a layout, page by page."""
    problems: list[LayoutProblem] = []
    last = len(pages) - 1
    for index, page in enumerate(pages):
        number = index + 1
        if index < last and page.fullness < GAP_FULLNESS:
            pushed = _first_starting(pages[index + 1])
            why = (f"{describe(pushed)} did not fit in the space left and starts page "
                   f"{number + 1}" if pushed else f"the text goes on to page {number + 1}")
            problems.append(LayoutProblem(
                GAP, number, f"page {number} is only {page.fullness:.0%} full: {why}", pushed))
        for block in page.blocks:
            name = block["name"]
            if name.startswith("picture ") and block["starts"] and block["top"] < 2.0:
                step = _block(page, "step " + name.split()[1])
                if step is not None and not step["starts"]:
                    problems.append(LayoutProblem(
                        PICTURE_APART, number,
                        f"{describe(name)} is on page {number}, apart from its text on "
                        f"page {number - 1}", name))
        for word in page.one_word_lines:
            problems.append(LayoutProblem(
                ONE_WORD_LINE, number,
                f'a paragraph on page {number} has only "{word}" on its first line '
                "(a line-breaking bug of the engine, Pango 1.50)", None))
    if last > 0:
        tail = pages[last]
        names = {b["name"] for b in tail.blocks}
        if tail.fullness < RUNT_FULLNESS or (names and names <= TAIL_BLOCKS):
            held = ", ".join(describe(n) for n in sorted(names)) or "little"
            problems.append(LayoutProblem(
                RUNT, last + 1,
                f"the last page (page {last + 1}) is only {tail.fullness:.0%} full and "
                f"holds {held}", None))
    return problems


def clean(problems: Sequence[LayoutProblem]) -> bool:
    """Whether a layout has nothing that fitting could fix."""
    return not any(p.kind in FIXABLE for p in problems)


def score(pages: Sequence[PageMeasure], problems: Sequence[LayoutProblem]) -> tuple[int, int]:
    """Sort key of candidate layouts: fewer pages first, then fewer fixable problems."""
    return (len(pages), sum(p.kind in FIXABLE for p in problems))


def _first_starting(page: PageMeasure) -> str | None:
    """The first block that starts on ``page`` (the one that was pushed onto it)."""
    return next((b["name"] for b in page.blocks if b["starts"] and b["name"] != "masthead"),
                None)


def _block(page: PageMeasure, name: str) -> dict[str, Any] | None:
    return next((b for b in page.blocks if b["name"] == name), None)


#: How much of the content height the fitting classes can take away at most (tighter
#: spacing, compact fine print), and how much of the free space before the last page a
#: re-flow can use (blocks move whole): the estimate that saves hopeless tries.
FIT_SAVING, FREE_USABLE = 0.06, 0.5
#: Boxes that ``fit-split`` lets continue on the next page.
SPLITTABLE = frozenset({"needs", "stop-first", "precautions", "prepared-for"})


def split_class(name: str) -> str | None:
    """The fitting class that lets the block ``name`` continue on the next page, if any.

    ``fit-split`` for the long boxes; ``fit-split-steps`` for a step: a long step (ten
    lines are common at 18 pt) kept whole left a third of a page empty. Split, a step's
    heading stays with its first lines and at least two lines go on each page. Two
    classes, because balancing lets boxes split without re-flowing every step.
    """
    if name in SPLITTABLE:
        return "fit-split"
    if name == "steps" or name.startswith("step "):  # "steps": its first step, with the heading
        return "fit-split-steps"
    return None


def worth_fitting(pages: Sequence[PageMeasure], problems: Sequence[LayoutProblem],
                  large_print: bool, saving: float = FIT_SAVING,
                  usable: float = FREE_USABLE) -> bool:
    """Whether fitting may fix ``problems``: a layout is laid out again only if so.

    A runt goes only if the last page's content fits into what fitting frees on the
    pages before it; a gap closes only if the block pushed off the page can split, or
    (tightened) fit in the space left; a picture apart can always be tried. ``saving``:
    the share of the content's height the classes still to try may take away;
    ``usable``: the share of the free space before the last page a re-flow can use.
    """
    if not pages:
        return False
    total = sum(p.used for p in pages)
    for problem in problems:
        if problem.kind == PICTURE_APART:
            return True
        if problem.kind == RUNT:
            free = sum(p.height - p.used for p in pages[:-1])
            if pages[-1].used <= usable * free + saving * total:
                return True
        if problem.kind == GAP:
            name = problem.block or ""
            if split_class(name) or name.startswith("picture "):
                return True
            page, following = pages[problem.page - 1], pages[problem.page]
            block = _block(following, name)
            height = (block["bottom"] - block["top"]) if block else following.used
            if height <= page.height - page.used + saving * total:
                return True
    return False


#: Blocks a page break may go before when balancing the last two pages: a section, or
#: a step (step 1 goes with its section's heading). Never the personal block, the
#: masthead or the stop callout (page 1 keeps them), nor the tail blocks themselves.
MOVABLE = frozenset({"needs", "steps", "precautions", "benefits"})
#: The last page after balancing should be at least this full (a margin over the runt
#: threshold for the estimate's error), and may fill to this much of its height.
BALANCE_LOW, BALANCE_HIGH = RUNT_FULLNESS + 0.04, 0.92


def balance_candidates(pages: Sequence[PageMeasure]) -> list[str]:
    """Blocks to start on the last page so that it is no runt, best first.

    A designer's fix when the content cannot be pulled back a page: carry a block of
    the page before over to the last page, so the last page holds real content and is
    at least a third full. Estimated from the measure: moving the block at height
    ``top`` of the page before moves ``used - top`` of content. The latest block that
    is enough comes first (it keeps the page before fullest); each must still fit
    the last page.
    """
    if len(pages) < 2:
        return []
    before, last = pages[-2], pages[-1]
    height = last.height
    found: list[tuple[float, str]] = []
    for block in before.blocks:
        name = block["name"]
        if not block["starts"] or block["top"] < 0.15 * height:
            continue
        if name == "step 1":
            continue  # its section's heading goes with it: "steps" is the candidate
        if name not in MOVABLE and not name.startswith("step "):
            continue
        moved = before.used - block["top"]
        if last.used + moved < BALANCE_LOW * height:
            continue
        if last.used + moved > BALANCE_HIGH * height:
            continue
        found.append((block["top"], name))
    return [name for _top, name in sorted(found, reverse=True)]


#: The least a page is shortened by to balance (points): about two lines, so that at
#: least one line or item of the content moves on.
MIN_SHORTENING = 24.0


def balance_shortening(pages: Sequence[PageMeasure]) -> float | None:
    """How much shorter (points) the page before the last should be so that enough of
    its content flows on to a runt last page, or None when that cannot work.

    Finer than a page break before a block: the engine moves whatever no longer fits,
    line by line where boxes may split, with every keep-together rule applied.
    """
    if len(pages) < 2:
        return None
    before, last = pages[-2], pages[-1]
    need = max(BALANCE_LOW * last.height - last.used, MIN_SHORTENING)
    if last.used + need > BALANCE_HIGH * last.height:
        return None
    # The page's body ends ``need`` above the bottom of what it holds now.
    return float(round(before.height - before.used + need))


def explain_balance(problems: Sequence[LayoutProblem], pages: Sequence[PageMeasure],
                    block: str | None) -> list[LayoutProblem]:
    """``problems`` of a balanced layout, its gap on the page before the last explained:
    ``block`` was moved to the last page (None: the page was ended early)."""
    before = len(pages) - 1
    moved = (f"{describe(block)} starts page {before + 1}" if block
             else f"page {before} ends early")
    result = []
    for problem in problems:
        if problem.kind == GAP and problem.page == before:
            problem = LayoutProblem(
                BALANCED, before,
                f"page {before} is {pages[before - 1].fullness:.0%} full: {moved} so that "
                "the last page holds more than the contact box and the sources", block)
        result.append(problem)
    return result
