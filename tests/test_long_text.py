"""Long clinic details in the masthead and the running footer, measured in the PDF.

An 80-character clinic name, a long street address, a 50-character e-mail address
and a long web address must wrap so that every character stays on the page, inside
its side margins, above its bottom edge, clear of the "Page X of Y" counter, on
every page; letter and A4, standard and large print; by a full render and by the
per-client fast path. Each variant is rendered once (module-scoped fixture).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from handouts.commands.init import init_project
from handouts.render.engine import pdf
from handouts.variants.clients import Client
from tests.test_personal_block import (
    EDGE,
    PAPERS,
    PRINTS,
    Measured,
    measure,
    outside_page,
    overlapping_words,
    render_copies,
    squeezed,
    touching_counter,
)

NAME = "The Springfield Integrative Massage Therapy, Physiotherapy and Wellness Centre Ltd"
STREET = "Suite 1200, Building C, 12345 North Scottsdale Professional Plaza Boulevard"
EMAIL = "appointments.and.questions@springfield-wellness.example"
WEBSITE = "https://www.springfield-integrative-massage-therapy.example/clinic/welcome-page"
assert len(NAME) >= 80 and len(EMAIL) >= 50
CLIENT = Client("Zoë O'Brien-Núñez", "Gentle on the left shoulder.", "Ana Ruiz",
                dt.date(2026, 12, 1))


@pytest.fixture(scope="module")
def long_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The starter project with very long clinic details."""
    root = tmp_path_factory.mktemp("long") / "p"
    init_project(root)
    config = root / "handouts.yaml"
    text = config.read_text(encoding="utf-8")
    for old, new in (("name: Your Clinic Name", f"name: {NAME}"),
                     ("street: 100 Main Street", f"street: {STREET}"),
                     ("email: hello@yourclinic.example", f"email: {EMAIL}"),
                     ("website: https://yourclinic.example", f"website: {WEBSITE}")):
        assert old in text
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def pages(long_project: Path) -> Iterator[dict[tuple[str, str, str], list[Measured]]]:
    """Every page of each variant, measured, by ``(paper, print, path)``; made on first use."""
    pdf.engine()

    class Lazy(dict):  # type: ignore[type-arg]
        def __missing__(self, key: tuple[str, str, str]) -> list[Measured]:
            paper, size, _ = key
            copy = render_copies(long_project, paper, size, {"client": CLIENT})["client"]
            assert copy.swapped and copy.fast == copy.full
            self[paper, size, "full"] = measure(copy.full)
            self[paper, size, "fast"] = (self[paper, size, "full"] if copy.fast == copy.full
                                         else measure(copy.fast))
            return self[key]

    yield Lazy()


CASES = [pytest.param(paper, size, path, id=f"{paper}-{size}-{path}")
         for paper in PAPERS for size in PRINTS for path in ("full", "fast")]


def _footer(page: Measured) -> list[dict[str, Any]]:
    """The footer's words: from the counter's line down, left of the counter."""
    counter = page.counter()
    return [w for w in page.words if w["top"] >= counter[0]["top"] - 1 and w not in counter]


@pytest.mark.parametrize(("paper", "print_size", "path"), CASES)
def test_the_footer_keeps_every_character_on_every_page(pages: Any, paper: str,
                                                        print_size: str, path: str) -> None:
    expected = squeezed(" · ".join([NAME, f"{STREET}, Springfield, IL 62701", "(217) 555-0142",
                                    EMAIL, WEBSITE.removeprefix("https://")]))
    measured = pages[paper, print_size, path]
    assert len(measured) >= 2
    for page in measured:
        # Only what is printed counts: text cut off below the sheet is still in the PDF.
        printed = [w for w in _footer(page) if w["bottom"] <= page.height - EDGE]
        assert squeezed(" ".join(w["text"] for w in printed)) == expected


@pytest.mark.parametrize(("paper", "print_size", "path"), CASES)
def test_the_masthead_shows_the_whole_name(pages: Any, paper: str, print_size: str,
                                           path: str) -> None:
    first = pages[paper, print_size, path][0]
    text = squeezed(" ".join(w["text"] for w in first.words))
    # The phone sits beside the name, centred on it, so it may come between its lines.
    phone = "(217)555-0142"
    assert phone in text[:len(squeezed(NAME)) + len(phone)]
    assert text.replace(phone, "", 1).startswith(squeezed(f"{NAME} Massage and physiotherapy"))


@pytest.mark.parametrize(("paper", "print_size", "path"), CASES)
def test_no_two_words_overprint(pages: Any, paper: str, print_size: str, path: str) -> None:
    for page in pages[paper, print_size, path]:
        assert overlapping_words(page.words) == []


@pytest.mark.parametrize(("paper", "print_size", "path"), CASES)
def test_every_word_is_inside_the_page_and_its_margins(pages: Any, paper: str,
                                                       print_size: str, path: str) -> None:
    for page in pages[paper, print_size, path]:
        assert outside_page(page, print_size) == []


@pytest.mark.parametrize(("paper", "print_size", "path"), CASES)
def test_nothing_touches_the_page_counter(pages: Any, paper: str, print_size: str,
                                          path: str) -> None:
    for page in pages[paper, print_size, path]:
        assert touching_counter(page) == []
        footer = _footer(page)
        counter_left = min(w["x0"] for w in page.counter())
        assert max(w["x1"] for w in footer) < counter_left


#: How close to the paper's edge the footer may print: laser printers clip the last
#: 4-5 mm (a two-line footer once ended 3.9 mm from it).
PRINTABLE = 4.2 * 72 / 25.4


@pytest.mark.parametrize(("paper", "print_size", "path"), CASES)
def test_the_footer_stays_clear_of_the_paper_s_edge(pages: Any, paper: str,
                                                     print_size: str, path: str) -> None:
    """QA: a footer of two lines ended 3.9 mm from the paper's edge (three in large
    print: 2.3 mm), where printers clip the web address. Every line of it ends at
    least 4.2 mm above the edge (a sixth of an inch, what laser printers leave), however
    many lines the clinic's details take."""
    for page in pages[paper, print_size, path]:
        lowest = max(w["bottom"] for w in _footer(page))
        assert page.height - lowest >= PRINTABLE, (page.height - lowest) * 25.4 / 72


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("print_size", PRINTS)
def test_the_starter_s_two_line_footer_stays_clear_of_the_edge(
        tmp_path: Path, paper: str, print_size: str) -> None:
    """The starter's details wrap to two footer lines (three in large print on A4): the
    case every new clinic printed first."""
    root = tmp_path / "p"
    init_project(root)
    copy = render_copies(root, paper, print_size, {"client": CLIENT})["client"]
    for page in measure(copy.full):
        lowest = max(w["bottom"] for w in _footer(page))
        assert page.height - lowest >= PRINTABLE, (page.height - lowest) * 25.4 / 72
