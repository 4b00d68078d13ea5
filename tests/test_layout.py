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


def test_a_logo_keeps_its_own_shape_in_the_masthead(tmp_path: Path) -> None:
    """QA: a wide wordmark (10:1) was squashed into the 12 mm square. Now a logo is as
    tall as the masthead allows and as wide as its shape (at most 50 mm): never
    stretched, and the phone stays on the page. A square logo is the 12 mm square."""
    import pdfplumber
    from PIL import Image

    from handouts.commands.build import build
    from handouts.commands.init import ClinicDetails, init_project

    from .helpers import edit

    root = tmp_path / "clinic"
    init_project(root, details=ClinicDetails("Calm Hands", "(480) 555-0134", "Tempe"))
    Image.new("RGB", (2000, 200), "navy").save(root / "assets-wide.png")
    Image.new("RGB", (300, 300), "teal").save(root / "assets-square.png")
    edit(root / "handouts.yaml", "  # logo: assets/logo.svg", "  logo: assets-wide.png  #")
    edit(root / "handouts.yaml", "  # logo_alt: Your Clinic logo", "  logo_alt: Calm Hands logo")
    mm = 72 / 25.4
    for logo, width, height in (("assets-wide.png", 50, 5), ("assets-square.png", 12, 12)):
        config = root / "handouts.yaml"
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("assets-wide.png", logo), encoding="utf-8")
        [built] = build(load_project(root)).built
        with pdfplumber.open(built.path) as pdf:
            page = pdf.pages[0]
            [image] = page.images
            assert abs(image["width"] - width * mm) < 1 and abs(image["height"] - height * mm) < 1
            phone = next(w for w in page.extract_words() if w["text"] == "555-0134")
            assert phone["x1"] <= page.width - 15 * mm  # inside the page's margin
            name = next(w for w in page.extract_words() if w["text"] == "Calm")
            assert name["x0"] > image["x1"]  # beside the logo, never under it
