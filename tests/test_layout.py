"""Pagination of the default theme: regressions found by looking at the pages."""

from __future__ import annotations

from pathlib import Path

from handouts.project.load import load_project
from handouts.render.compose import compose
from handouts.render.fitting import render_page
from handouts.variants.plan import Variant

REPO = Path(__file__).resolve().parent.parent


def test_steps_start_on_page_one_when_the_last_step_barely_misses_it() -> None:
    # In this variant the fifth step fitted page 1 except for its bottom padding and
    # rule, and WeasyPrint 70 then moved every step to page 2, leaving page 1 about
    # two-thirds empty. The rule between steps is now a top border.
    loaded = load_project(REPO)
    project, documents = loaded.project, loaded.documents
    document = next(d for d in documents if d.name == "back-massage")
    page, problems = compose(project, document,
                             Variant("back-massage", "general", "es", "letter", "standard"))
    assert page is not None and not problems
    output = render_page(project, document, page)
    assert "Paso a paso" in output.texts[0]
    # The first steps follow it on page 1 (the fourth used to, before the "Pare de
    # inmediato si" callout took its place) and page 1 is well filled.
    assert "Empiece abajo" in output.texts[0]  # the third step
    assert output.measure[0].fullness >= 0.85
    assert output.pages <= 3
