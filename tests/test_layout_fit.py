"""Layout measure, judge and automatic fitting, on the stress set in tests/layout_stress/."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from handouts.commands.build import load
from handouts.commands.check import layout_problems
from handouts.render.compose import compose
from handouts.render.layout import FIXABLE, GAP, RUNT, PageMeasure, judge, worth_fitting
from handouts.render.render import render_page
from handouts.variants.plan import plan_matrix

STRESS = Path(__file__).resolve().parent / "layout_stress"
STOP = {"en": "Stop right away if", "es": "Pare de inmediato si"}


@pytest.fixture(scope="module")
def rendered() -> list[tuple[Any, Any, Any]]:
    """Every variant of the stress set, rendered in-process with one engine."""
    project, documents = load(STRESS)
    docs = {d.name: d for d in documents}
    out = []
    for variant in plan_matrix(project.config.batch, list(docs)):
        page, problems = compose(project, docs[variant.handout], variant)
        assert page is not None and not problems
        out.append((variant, docs[variant.handout],
                    render_page(project, docs[variant.handout], page)))
    return out


def test_stop_list_is_on_page_one_of_every_version(rendered: list[Any]) -> None:
    for variant, _, output in rendered:
        first = pdfplumber.open(io.BytesIO(output.pdf)).pages[0].extract_text()
        assert STOP[variant.language] in first, variant.describe()


def test_measure_reads_every_page(rendered: list[Any]) -> None:
    for variant, _, output in rendered:
        assert len(output.measure) == output.pages, variant.describe()
        for page in output.measure:
            assert 0 < page.used <= page.height
        names = [b["name"] for p in output.measure for b in p.blocks if b["starts"]]
        assert names[:1] == ["masthead"] and "fine-print" in names and "steps" in names


def test_no_runt_or_gap_without_a_reason(rendered: list[Any]) -> None:
    unexplained, fitted = [], 0
    for variant, document, output in rendered:
        fitted += bool(output.fit)
        warned = layout_problems(document, variant, output)
        for problem in output.layout_problems:
            if problem.kind in (RUNT, GAP):
                text = next(w.message for w in warned if problem.message in w.message)
                if "fitting" not in text:
                    unexplained.append(text)
    assert unexplained == []
    assert fitted >= 1  # some variant of the stress set needed fitting and got it


def test_large_print_has_no_half_empty_page_and_no_picture_apart(rendered: list[Any]) -> None:
    for variant, _, output in rendered:
        if not variant.large_print:
            continue
        kinds = [p.kind for p in output.layout_problems]
        assert "picture-apart" not in kinds, variant.describe()
        for number, page in enumerate(output.measure[:-1], start=1):
            assert page.fullness >= 0.5, f"{variant.describe()} page {number}"


def test_fitting_is_deterministic(rendered: list[Any]) -> None:
    project, documents = load(STRESS)
    docs = {d.name: d for d in documents}
    for variant, _, output in rendered:
        if output.fit:
            page, _ = compose(project, docs[variant.handout], variant)
            assert render_page(project, docs[variant.handout], page).pdf == output.pdf
            return
    pytest.fail("nothing was fitted")


def _page(used: float, *names: str, starts: bool = True) -> PageMeasure:
    blocks = tuple({"name": n, "top": 0.0, "bottom": 10.0, "starts": starts, "ends": True}
                   for n in names)
    return PageMeasure(100.0, used, blocks)


def test_judge_names_runts_and_the_block_that_left_a_gap() -> None:
    problems = judge([_page(95, "masthead"), _page(60, "steps"),
                      _page(80, "precautions"), _page(20, "fine-print")])
    assert [(p.kind, p.page, p.block) for p in problems if p.kind in FIXABLE] == [
        (GAP, 2, "precautions"), (RUNT, 4, None)]
    assert "the safety box" in problems[0].message
    # a well-filled last page holding only the contact box and fine print is a runt too
    assert [p.kind for p in judge([_page(90, "steps"), _page(50, "contact", "fine-print")])] \
        == [RUNT]
    assert judge([_page(90, "steps"), _page(50, "benefits", "contact")]) == []


def test_hopeless_runt_is_not_laid_out_again() -> None:
    full = [_page(100, "steps"), _page(100, "steps"), _page(30, "contact")]
    assert not worth_fitting(full, judge(full), large_print=False)
    loose = [_page(80, "steps"), _page(80, "steps"), _page(10, "fine-print")]
    assert worth_fitting(loose, judge(loose), large_print=False)
