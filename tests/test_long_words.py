"""A word longer than its line (a web address pasted into a step, a long compound in a
title) stays on the page: it breaks where it must, measured in the PDF. It ran under
the step's picture and past the right margin; in the program's cover table it widened
its column and pushed the page numbers off the page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.helpers import copy_example, edit, run_in
from tests.test_personal_block import measure, outside_page, overlapping_words, squeezed

ADDRESS = ("https://www.mesamassageclinicaftercareinstructionsbackmassageathomeforcaregivers"
           "andfamily.example")
COMPOUND = "Rückenmassagebehandlungsanleitungsübersichtsblattvorlagenverzeichnis"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("long") / "clinic")
    content = root / "content" / "back-massage.yaml"
    edit(content, "Rub your hands together to warm it.",
         f"Rub your hands together to warm it. See {ADDRESS} for more.")
    edit(content, "title: How to give a back massage",
         f"title: How to give a {COMPOUND} back massage")
    return root


@pytest.mark.parametrize("print_size", ["standard", "large"])
def test_a_long_address_in_a_step_breaks_inside_the_margins(project: Path,
                                                            print_size: str) -> None:
    args = ["--large-print"] if print_size == "large" else []
    result = run_in(project, "build", "back-massage", "--paper", "a4", *args)
    assert result.exit_code == 0, result.output
    [made] = (project / "output").rglob("back-massage*.pdf")
    data = made.read_bytes()
    made.unlink()  # the other print size's test finds only its own
    pages = measure(data)
    for page in pages:
        assert outside_page(page, print_size) == []
        assert overlapping_words(page.words) == []
    text = squeezed("".join(w["text"] for page in pages for w in page.words))
    assert ADDRESS in text and COMPOUND in text  # all of it, only broken across lines


def test_a_long_title_word_keeps_the_cover_table_on_the_page(project: Path) -> None:
    result = run_in(project, "program", "--item", "back-massage sets=3 reps=10",
                    "--item", "desk-stretch-break per-day=2", "--client", "Ana Test",
                    "--given", dt.date.today().isoformat())
    assert result.exit_code == 0, result.output
    [made] = (project / "output").rglob("program-*.pdf")
    cover, *_, tracking = measure(made.read_bytes())
    for page in (cover, tracking):
        assert outside_page(page, "standard") == []
        assert overlapping_words(page.words) == []
    # The dose keeps its column: one line, as with a short title.
    [sets] = [w for w in cover.words if w["text"] == "sets"]
    assert [w["text"] for w in cover.words if abs(w["top"] - sets["top"]) < 1
            and w["x0"] >= sets["x0"] - 20] == ["3", "sets", "of", "10", "2"]
