"""The personal "prepared for" block, measured in the PDF, for every mix of fields.

For each combination of client details (name only, name and note, ..., very long
name or note, accents), on letter and A4, in standard and large print, the page is
made twice: by a full render and by the per-client fast path (which must give the
same bytes). Each PDF is then measured with pdfplumber: no two words overprint,
the heading and every detail sit inside the block's drawn frame, every word of the
client's details is there in order, nothing leaves the page or its margins, and
nothing touches the page counter.

Every page is rendered once per paper and print size (module-scoped fixtures) and
measured once (``_measured``), so the many small tests below only compare numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from handouts.commands.init import init_project
from handouts.project.load import load_project
from handouts.render.compose import compose
from handouts.render.engine import pdf
from handouts.render.fitting import render_page
from handouts.render.personal import PersonalCopies
from handouts.variants.clients import Client
from handouts.variants.plan import Variant

HANDOUT = "hand-self-massage"
PAPERS = ("letter", "a4")
PRINTS = ("standard", "large")
#: The theme's page margins (left/right, top) in pt: 16 mm and 13 mm, 18 mm in large print.
SIDE_MARGIN = {"standard": 16 * 72 / 25.4, "large": 18 * 72 / 25.4}
TOP_MARGIN = {"standard": 13 * 72 / 25.4, "large": 18 * 72 / 25.4}
#: Printers leave the last few millimetres of a sheet blank: no text there.
EDGE = 2 * 72 / 25.4
TOLERANCE = 0.5
#: The theme's primary colour (the starter project's), which draws the block's frame.
PRIMARY = (0x1F / 255, 0x5F / 255, 0x5B / 255)

LONG_NOTE = ("Keep the pressure light on the left shoulder, and stop if you feel any "
             "tingling or numbness in the fingers. Warm the cream in your hands first; "
             "cold cream makes the muscles tense. Work slowly from the wrist towards the "
             "elbow, never the other way. Two short sessions a day help more than one "
             "long one, so try the morning and the evening. Drink a glass of water "
             "afterwards. If the swelling comes back, or the skin looks red the next "
             "morning, call us before your next visit so we can adjust the plan. Bring "
             "the exercise sheet to your next appointment, and write down which "
             "movements were easy and which ones hurt.")
COMBINATIONS: dict[str, Client] = {
    "name": Client("Jane Doe"),
    "name+note": Client("Jane Doe", "Gentle on the left shoulder, use light pressure."),
    "name+therapist": Client("Jane Doe", therapist="Ana Ruiz"),
    "name+appointment": Client("Jane Doe", next_appointment=dt.date(2026, 12, 1)),
    "all fields": Client("Jane Doe", "Gentle on the left shoulder.", "Ana Ruiz",
                         dt.date(2026, 12, 1)),
    "long name": Client("Maximiliana Alexandrina Theodora Wilhelmina Fitzgerald-Montgomery",
                        "Gentle on the left shoulder.", "Bartholomew Featherstonehaugh"),
    "long word": Client("Pneumonoultramicroscopicsilicovolcanoconiosis Smith",
                        therapist="Ana Ruiz"),
    "long note": Client("Jane Doe", LONG_NOTE, "Ana Ruiz", dt.date(2026, 12, 1)),
    "note with newlines": Client("Jane Doe", "Morning: warm up first.\nEvening: ice for "
                                 "ten minutes.\n\nCall us if it swells."),
    "accents": Client("Zoë O'Brien-Núñez", "Ça va mieux ? Très bien.", "José Ñúñez-Öberg",
                      dt.date(2026, 3, 9)),
}
assert len(COMBINATIONS["long name"].name) >= 60
assert max(len(w) for w in COMBINATIONS["long word"].name.split()) >= 40
assert len(LONG_NOTE) >= 600


def twin(client: Client) -> Client:
    """Another client with a block of the same shape (so the fast path can reuse it)."""
    swap = str.maketrans("aoAO", "oaOa")
    return replace(client, name=client.name.translate(swap),
                   note=client.note.translate(swap) if client.note else None)


# ---- measuring a PDF page -------------------------------------------------------

Box = tuple[float, float, float, float]  # x0, top, x1, bottom


@dataclass
class Measured:
    """What pdfplumber sees on one page: its size, words, and the block's frame."""

    width: float
    height: float
    words: list[dict[str, Any]]
    frame: Box | None  # inside edge of the block's border, when the page has one
    #: Whether the block is after the "Stop right away if" callout, on page 2.
    late: bool = False

    def inside(self, box: Box) -> list[dict[str, Any]]:
        """The words lying within ``box``."""
        return [w for w in self.words if _within(_box(w), box, TOLERANCE)]

    def counter(self) -> list[dict[str, Any]]:
        """The words of the "Page X of Y" counter at the bottom right."""
        page_words = [w for w in self.words if w["text"] == "Page" and w["x0"] > self.width / 2
                      and w["top"] > self.height * 0.75]
        assert len(page_words) == 1, "no page counter found"
        first = page_words[0]
        return [w for w in self.words if abs(w["top"] - first["top"]) < 1
                and w["x0"] >= first["x0"] - TOLERANCE]


def measure(data: bytes, page_numbers: tuple[int, ...] | None = None) -> list[Measured]:
    """Measure the pages of a PDF (all, or those numbered from 0 in ``page_numbers``)."""
    with pdfplumber.open(io.BytesIO(data)) as document:
        pages = document.pages
        chosen = [pages[i] for i in page_numbers] if page_numbers is not None else pages
        return [Measured(float(p.width), float(p.height),
                         p.extract_words(keep_blank_chars=False), _frame(p))
                for p in chosen]


def _close_colour(colour: Any, target: tuple[float, float, float]) -> bool:
    return (isinstance(colour, tuple | list) and len(colour) == 3
            and all(abs(a - b) < 0.01 for a, b in zip(colour, target, strict=True)))


def _frame(page: Any) -> Box | None:
    """The inside of the block's frame: WeasyPrint fills a border as the region between
    two paths, so the frame is the inner one of the two page-wide primary-coloured
    paths (small primary shapes are step numbers; the masthead rule is a thin rect)."""
    paths = [_box(c) for c in page.curves
             if _close_colour(c.get("non_stroking_color"), PRIMARY)
             and c["x1"] - c["x0"] > page.width / 2 and c["bottom"] - c["top"] > 10]
    if not paths:
        return None
    outer = max(paths, key=_area)
    inner = [p for p in paths if p != outer and _within(p, outer, 0)]
    return max(inner, key=_area) if inner else outer


def _box(item: dict[str, Any]) -> Box:
    return (float(item["x0"]), float(item["top"]), float(item["x1"]), float(item["bottom"]))


def _area(box: Box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _within(inner: Box, outer: Box, tolerance: float) -> bool:
    return (inner[0] >= outer[0] - tolerance and inner[1] >= outer[1] - tolerance
            and inner[2] <= outer[2] + tolerance and inner[3] <= outer[3] + tolerance)


def overlapping_words(words: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Pairs of words whose boxes intersect by more than the tolerance (overprinting)."""
    found = []
    ordered = sorted(words, key=lambda w: w["top"])
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b["top"] >= a["bottom"] - TOLERANCE:
                break
            if (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > TOLERANCE
                    and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > TOLERANCE):
                found.append((a["text"], b["text"]))
    return found


def outside_page(page: Measured, print_size: str) -> list[str]:
    """Words not inside the page's side margins, above its top margin, or at its edge."""
    side, top = SIDE_MARGIN[print_size], TOP_MARGIN[print_size]
    area = (side, top, page.width - side, page.height - EDGE)
    return [w["text"] for w in page.words if not _within(_box(w), area, TOLERANCE)]


def touching_counter(page: Measured) -> list[str]:
    """Words other than the page counter's that intersect the counter's box."""
    counter = page.counter()
    box = (min(w["x0"] for w in counter), min(w["top"] for w in counter),
           max(w["x1"] for w in counter), max(w["bottom"] for w in counter))
    return [w["text"] for w in page.words if w not in counter
            and min(w["x1"], box[2]) - max(w["x0"], box[0]) > -TOLERANCE
            and min(w["bottom"], box[3]) - max(w["top"], box[1]) > -TOLERANCE]


def squeezed(text: str) -> str:
    """``text`` without whitespace and zero-width breaks, to compare across line breaks."""
    return re.sub(r"[\s\u200b]+", "", text)


# ---- rendering ------------------------------------------------------------------

@dataclass
class Copy:
    """One client's page made both ways."""

    full: bytes
    fast: bytes
    swapped: bool  # the fast path reused a kept layout (it did not just render in full)


@pytest.fixture(scope="module")
def project_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The starter project, shared by every test in this module (nothing edits it)."""
    root = tmp_path_factory.mktemp("block") / "p"
    init_project(root)
    return root


def render_copies(root: Path, paper: str, print_size: str,
                  clients: dict[str, Client]) -> dict[str, Copy]:
    """Each client's page by a full render and by the fast path (after its twin, so
    the fast path has a layout with a block of the same size to reuse)."""
    loaded = load_project(root)
    project, documents = loaded.project, loaded.documents
    document = next(d for d in documents if d.name == HANDOUT)
    variant = Variant(HANDOUT, "general", "en", paper, print_size)
    copies = PersonalCopies(project)
    made = {}
    for key, client in clients.items():
        pages = []
        for person in (twin(client), client):
            page, problems = compose(project, document, variant, person)
            assert page is not None and not problems
            pages.append(page)
        copies.render(document, pages[0])
        before = copies.swapped
        fast = copies.render(document, pages[1])
        full = render_page(project, document, pages[1])
        assert not fast.problems and not full.problems
        made[key] = Copy(full.pdf, fast.pdf, copies.swapped > before)
    return made


@pytest.fixture(scope="module")
def rendered(project_root: Path) -> Iterator[dict[tuple[str, str], dict[str, Copy]]]:
    """Every combination on every paper and print size, rendered on first use."""
    pdf.engine()  # one engine (fonts, parsed CSS) for the whole module
    cache: dict[tuple[str, str], dict[str, Copy]] = {}

    class Lazy(dict):  # type: ignore[type-arg]
        def __missing__(self, key: tuple[str, str]) -> dict[str, Copy]:
            cache[key] = render_copies(project_root, *key, COMBINATIONS)
            self[key] = cache[key]
            return cache[key]

    yield Lazy()


_MEASURED: dict[bytes, Measured] = {}


def _measured(rendered: dict[tuple[str, str], dict[str, Copy]], combination: str, paper: str,
              print_size: str, path: str) -> Measured:
    """Page 1 (where the block is) of one copy, measured once for all the tests (and
    once for both paths when they gave the same bytes, as they should)."""
    copy = rendered[paper, print_size][combination]
    data = copy.fast if path == "fast" else copy.full
    if data not in _MEASURED:
        first, second = measure(data, (0, 1))
        # A note long enough to push the "Stop right away if" callout off page 1 puts
        # the block after the callout, at the top of page 2 (a safety rule).
        late = first.frame is None and second.frame is not None
        _MEASURED[data] = replace(second, late=True) if late else first
    return _MEASURED[data]


CASES = [pytest.param(c, paper, size, path, id=f"{c}-{paper}-{size}-{path}".replace(" ", "_"))
         for c in COMBINATIONS for paper in PAPERS for size in PRINTS
         for path in ("full", "fast")]


# ---- the tests ------------------------------------------------------------------

@pytest.mark.parametrize(("combination", "paper", "print_size"), [
    pytest.param(c, paper, size, id=f"{c}-{paper}-{size}".replace(" ", "_"))
    for c in COMBINATIONS for paper in PAPERS for size in PRINTS])
@pytest.mark.slow
def test_the_fast_path_gives_the_full_renders_bytes(rendered: Any, combination: str,
                                                    paper: str, print_size: str) -> None:
    copy = rendered[paper, print_size][combination]
    assert copy.swapped, "the twin's layout was not reused: the fast path was not tested"
    assert copy.fast == copy.full


@pytest.mark.parametrize(("combination", "paper", "print_size", "path"), CASES)
def test_no_two_words_overprint(rendered: Any, combination: str, paper: str,
                                print_size: str, path: str) -> None:
    page = _measured(rendered, combination, paper, print_size, path)
    assert overlapping_words(page.words) == []


@pytest.mark.parametrize(("combination", "paper", "print_size", "path"), CASES)
def test_the_heading_and_details_are_inside_the_frame(rendered: Any, combination: str,
                                                      paper: str, print_size: str,
                                                      path: str) -> None:
    page = _measured(rendered, combination, paper, print_size, path)
    assert page.frame is not None, "the block's frame was not found"
    inside = squeezed(" ".join(w["text"] for w in page.inside(page.frame)))
    client = COMBINATIONS[combination]
    assert inside.startswith(squeezed(f"Prepared for {client.name}"))
    for text in (client.therapist, client.note):
        if text:
            assert squeezed(text) in inside
    if client.next_appointment:
        assert squeezed(client.next_appointment.strftime("%B %-d, %Y")) in inside
    if client.note:
        assert inside.endswith(squeezed(client.note))
    # Nothing of the block outside its frame: the words just above and below the
    # frame are the title and the introduction (or the footer, when the block
    # fills the page).
    above = [w for w in page.words if w["bottom"] <= page.frame[1] + TOLERANCE]
    below = [w for w in page.words if w["top"] >= page.frame[3] - TOLERANCE]
    assert len(above) + len(page.inside(page.frame)) + len(below) == len(page.words)
    if page.late:  # at the top of page 2, after the callout that ends page 1
        assert above == []
        assert client.note and len(client.note) > 200 and print_size == "large"
        return
    assert squeezed(" ".join(w["text"] for w in above)).endswith("youcandoyourself")
    footer_top = page.counter()[0]["top"] - 1
    body_below = squeezed(" ".join(w["text"] for w in below if w["top"] < footer_top))
    assert body_below == "" or body_below.startswith("Yourhandsworkhard")


@pytest.mark.parametrize(("combination", "paper", "print_size", "path"), CASES)
def test_every_word_is_there_in_order(rendered: Any, combination: str, paper: str,
                                      print_size: str, path: str) -> None:
    page = _measured(rendered, combination, paper, print_size, path)
    text = squeezed(" ".join(w["text"] for w in page.words))
    client = COMBINATIONS[combination]
    expected = [f"Prepared for {client.name}"]
    if client.therapist:
        # Labels in capitals in standard print; in large print in their own case
        # (capitals are harder to read for low vision).
        label = "Your therapist" if print_size == "large" else "YOUR THERAPIST"
        expected += [label, client.therapist]
    if client.next_appointment:
        expected.append(client.next_appointment.strftime("%B %-d, %Y"))
    if client.note:
        expected += ["Note from your therapist:", client.note]
    position = 0
    for part in expected:
        found = text.find(squeezed(part), position)
        assert found >= 0, f"{part!r} missing or out of order"
        position = found + len(squeezed(part))


@pytest.mark.parametrize(("combination", "paper", "print_size", "path"), CASES)
def test_every_word_is_inside_the_page_and_its_margins(rendered: Any, combination: str,
                                                       paper: str, print_size: str,
                                                       path: str) -> None:
    page = _measured(rendered, combination, paper, print_size, path)
    assert outside_page(page, print_size) == []


@pytest.mark.parametrize(("combination", "paper", "print_size", "path"), CASES)
def test_nothing_touches_the_page_counter(rendered: Any, combination: str, paper: str,
                                          print_size: str, path: str) -> None:
    page = _measured(rendered, combination, paper, print_size, path)
    assert page.counter()[0]["text"] == "Page"
    assert touching_counter(page) == []


def test_no_empty_details_list_and_the_markers_stay(project_root: Path) -> None:
    from handouts.render.personal import split_personal
    from handouts.render.theme import render_html

    loaded = load_project(project_root)
    project, documents = loaded.project, loaded.documents
    document = next(d for d in documents if d.name == HANDOUT)
    variant = Variant(HANDOUT, "general", "en", "letter", "standard")
    for key, client in COMBINATIONS.items():
        page, _ = compose(project, document, variant, client)
        assert page is not None
        html = render_html(page, None)
        assert split_personal(html) is not None
        assert html.count('class="prepared-for"') == 1
        has_details = bool(client.therapist or client.next_appointment)
        assert ("<dl" in html) == has_details, key


# ---- the fast path falls back whenever it could differ from a full render -------

def _override(root: Path, old: str, new: str) -> None:
    """Give the project its own copy of the theme's template with ``old`` replaced (the
    page's <style> lives in the partial the handout and the program pages share)."""
    from handouts.render.theme import TEMPLATE_NAME, THEME_DIR

    name = "page-style.html.j2" if old == "<style>" else TEMPLATE_NAME
    template = (THEME_DIR / name).read_text(encoding="utf-8")
    assert old in template
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / name).write_text(template.replace(old, new), encoding="utf-8")


BLOCK_START = "<!-- handouts:personal -->"
BLOCK_END = "<!-- /handouts:personal -->"


@pytest.mark.parametrize("change", [
    # The block inside an element that passes on its colour: alone, the note would
    # be black, at the very same size.
    pytest.param((BLOCK_START, f'<div style="color: #7A1F1F">{BLOCK_START}'), id="wrapped"),
    # A rule that picks the block by its neighbour: alone, it has no neighbour.
    pytest.param(("<style>", "<style>\n  h1 + .prepared-for { border-color: #7A1F1F; }"),
                 id="neighbour-rule"),
    # A stylesheet in the body, outside the block: the piece keeps only the <head>.
    pytest.param((BLOCK_END, f"{BLOCK_END}\n<style>.client-note {{ color: #7A1F1F; }}</style>"),
                 id="style-in-body"),
    # Another font (bold) for the note, chosen by where the block is.
    pytest.param(("<style>", "<style>\n  h1 + .prepared-for p { font-weight: 700; }"),
                 id="other-font"),
])
def test_a_block_styled_by_its_place_gets_full_renders(project: Path,
                                                       change: tuple[str, str]) -> None:
    _override(project, *change)
    clients = {key: COMBINATIONS[key] for key in ("name+note", "all fields")}
    for copy in render_copies(project, "letter", "standard", clients).values():
        assert copy.fast == copy.full
        assert not copy.swapped


@pytest.mark.slow
def test_a_block_that_splits_across_pages_gets_full_renders(project: Path) -> None:
    # Too long for one page in large print: the block breaks, so no layout is kept.
    client = Client("Jane Doe", "\n".join([LONG_NOTE] * 3), "Ana Ruiz")
    made = render_copies(project, "a4", "large", {"huge": client})["huge"]
    assert made.fast == made.full
    assert not made.swapped
    pages = measure(made.full)
    assert len(pages) >= 4
    assert all(overlapping_words(page.words) == [] for page in pages)
