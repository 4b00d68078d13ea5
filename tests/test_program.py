"""Home programs (``handouts program``): the packet read back from the PDF, the dose
in words, the clinic programs, the command line and the record paragraph."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import re
import time
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from click.testing import Result

from handouts.commands.init import init_project
from handouts.commands.packet import ItemChange, make_program, parse_item, plan_program, record
from handouts.commands.starter import add_handouts, choose
from handouts.errors import RenderError, ValidationError
from handouts.project.load import load_project
from handouts.project.programs import (
    Dosage,
    dosage_from,
    load_clinic_programs,
    load_programs,
    parse_dosage,
    read_seconds,
)
from handouts.render import program as program_module
from handouts.render.engine import pdf
from handouts.render.program import ProgramLayouts
from handouts.variants.clients import Client
from handouts.variants.program import describe_dosage

from .helpers import REPO, copy_example, edit, error_lines, line_of, pdf_pages, run_in

CLIENT = Client("Ana Ruiz", "Go easy this week.", "Sam Lee", dt.date(2026, 12, 15))
GIVEN = dt.date(2026, 12, 7)  # a Monday


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("program"))
    (root / "programs").mkdir()
    for path in (REPO / "programs").iterdir():
        (root / "programs" / path.name).write_bytes(path.read_bytes())
    return root


def _with_program(path: Path, name: str, text: str) -> Path:
    """A copy of the example at ``path`` with one clinic program, ``programs/NAME.yaml``."""
    root = copy_example(path)
    (root / "programs").mkdir()
    (root / "programs" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


def _packet(root: Path, *changes: ItemChange, **options: object) -> tuple[bytes, object]:
    whole = load_project(root)
    project, loaded = whole.project, whole.documents
    documents = {d.name: d for d in loaded}
    program = plan_program(project, documents, client=CLIENT, changes=changes,
                           **{"given": GIVEN, **options})  # type: ignore[arg-type]
    return make_program(project, documents, program).pdf, program


TWO = (ItemChange("desk-stretch-break", Dosage(sets=3, reps=10, per_day=2),
                  "Keep the shoulders low."),
       ItemChange("back-massage", Dosage(minutes=5, side="right", days_per_week=3)))


#: Five starter-library handouts: in large print on Letter, one week's grid of them is
#: taller than what is left below the tracking sheet's title.
FIVE = ("desk-stretches", "neck-shoulder-self-massage", "hand-wrist-stretches",
        "foam-rolling", "after-your-massage")


#: The example's "Back care, two weeks" items: long doses, so in large print its cover's
#: table and pointer fill the first page.
BACK_CARE = (ItemChange("back-massage", Dosage(minutes=5, per_day=1, days_per_week=7,
                                               weeks=2, text="in the evening")),
             ItemChange("desk-stretch-break", Dosage(sets=2, reps=5, hold=20, rest=30,
                                                     per_day=2, weeks=2)))


@pytest.fixture(scope="module")
def standard(project: Path) -> bytes:
    return _packet(project, *TWO, weeks=2)[0]


@pytest.fixture(scope="module")
def large(project: Path) -> bytes:
    return _packet(project, *TWO, print_size="large")[0]


def _starts(texts: list[str], title: str) -> int:
    """The 1-based page that starts the handout ``title``: the first after the cover
    that holds its title (its h1)."""
    for number, text in enumerate(texts, start=1):
        if title in text and number > 1:
            return number
    raise AssertionError(f"{title!r} starts on no page")


def test_the_cover_lists_each_item_with_its_dose_and_true_page(standard: bytes) -> None:
    texts = pdf_pages(standard, by_position=True)
    cover = texts[0]
    assert "Your home program" in cover
    assert "Prepared for Ana Ruiz" in cover and "Sam Lee" in cover
    assert "December 7, 2026" in cover and "December 15, 2026" in cover
    assert "Go easy this week." in cover
    stretch = _starts(texts, "A 5-minute stretch break for desk workers")
    massage = _starts(texts, "How to give a back massage")
    with pdfplumber.open(io.BytesIO(standard)) as doc:
        words = doc.pages[0].extract_words()
    # The table's rows as read off the page: the words at the height of each number.
    header = next(w for w in words if w["text"] == "HANDOUT")
    rows = []
    for number in ("1", "2"):
        cell = next(w for w in words if w["text"] == number and w["top"] > header["bottom"]
                    and w["x0"] < header["x0"])
        rows.append(" ".join(w["text"] for w in words if abs(w["top"] - cell["top"]) < 2))
    assert rows == [f"1 A 5-minute stretch break for desk 3 sets of 10, twice a day {stretch}",
                    f"2 How to give a back massage for 5 minutes, right side, 3 days a {massage}"]
    assert "workers" in cover and "week" in cover  # the cells' second lines
    assert massage == stretch + 2  # the stretch break takes its two pages
    tracking = len(texts)
    assert f"tracking sheet, page {tracking}." in cover


def test_pages_are_numbered_over_the_whole_packet(standard: bytes) -> None:
    texts = pdf_pages(standard, by_position=True)
    for number, text in enumerate(texts, start=1):
        assert re.findall(r"Page \d+ of \d+", text) == [f"Page {number} of {len(texts)}"]


def test_each_plan_box_is_on_its_handouts_first_page_with_the_stop_callout(
        standard: bytes) -> None:
    texts = pdf_pages(standard, by_position=True)
    for title, dose in (("A 5-minute stretch break for desk workers", "3 sets of 10, twice a day"),
                        ("How to give a back massage", "for 5 minutes, right side, 3 days a week")):
        first = texts[_starts(texts, title) - 1]
        assert "YOUR PLAN" in first  # the box's heading, upper-cased by the theme
        assert dose in first
        assert "Stop right away if" in first
    stretch = texts[_starts(texts, "A 5-minute stretch break for desk workers") - 1]
    assert "Keep the shoulders low." in stretch
    # The cover holds the therapist and the note: the handouts do not repeat them.
    assert "Sam Lee" not in stretch and "Go easy this week." not in stretch


def test_a_handout_given_with_no_dose_and_no_note_has_no_empty_plan_box(
        project: Path) -> None:
    """It printed the "Your plan" heading over nothing; the cover's table says "—"."""
    data, _ = _packet(project, ItemChange("back-massage", Dosage()),
                      ItemChange("desk-stretch-break", Dosage(per_day=2)))
    texts = pdf_pages(data, by_position=True)
    assert "YOUR PLAN" not in texts[_starts(texts, "How to give a back massage") - 1]
    assert "YOUR PLAN" in texts[_starts(texts, "A 5-minute stretch break for desk workers") - 1]
    assert "Prepared for Ana Ruiz" in texts[_starts(texts, "How to give a back massage") - 1]


def test_the_phone_reads_left_to_right_in_an_arabic_program(project: Path) -> None:
    """"Questions? Call …" on the cover and the tracking sheet: in Arabic the number
    ran backwards (".5050-992 (480)"), as plain text inside right-to-left words."""
    data, _ = _packet(project, ItemChange("back-massage", Dosage(sets=3)), language="ar")
    texts = pdf_pages(data, by_position=True)
    for text in (texts[0], texts[-1]):
        calls = [line for line in text.splitlines() if "992" in line and "لصتا" in line]
        assert calls and all("992-5050" in line for line in calls), calls


@pytest.mark.parametrize("sentences", [11, 13])
def test_a_long_note_on_the_cover_starts_on_the_first_page(project: Path,
                                                           sentences: int) -> None:
    """A long note from the therapist in large print: the whole card moved on, leaving
    the first page with the letterhead alone (and, longer, a second page with only the
    title). The card now starts under the title and goes on over the page."""
    note = "Keep your knees soft and breathe out as you press, then rest for a moment " \
        "before the next one. " * sentences
    whole = load_project(project)
    documents = {d.name: d for d in whole.documents}
    program = plan_program(whole.project, documents,
                           client=dataclasses.replace(CLIENT, note=note.strip()),
                           changes=TWO[1:], given=GIVEN, print_size="large")
    texts = pdf_pages(make_program(whole.project, documents, program).pdf,
                      by_position=True)
    assert "Your home program" in texts[0] and "Prepared for Ana Ruiz" in texts[0]
    assert "Keep your knees soft" in texts[0]


def test_the_tracking_sheet_has_a_row_per_item_and_a_column_per_day(standard: bytes) -> None:
    with pdfplumber.open(io.BytesIO(standard)) as doc:
        page = doc.pages[-1]
        text = page.extract_text()
        tables = page.find_tables()
        # Each tick box is a small rounded square (4.2 mm).
        boxes = [c for c in page.curves if 10 < c["width"] < 14 and 10 < c["height"] < 14]
    assert "Tracking sheet" in text and "Week 1" in text and "Week 2" in text
    assert len(tables) == 2  # one per week
    for table in tables:
        rows = table.extract()
        assert len(rows) == 1 + 2  # the header, then one row per item
        assert len(rows[0]) == 1 + 7  # what to do, then one column per day
        assert rows[0][1].split() == ["Mon", str(7 + 7 * tables.index(table))]
    # Twice a day every day (2 × 7) and once on 3 days (3), for two weeks.
    assert len(boxes) == (2 * 7 + 3) * 2
    assert "Questions? Call (480) 992-5050." in text


@pytest.mark.parametrize(("given", "per_week", "days"), [
    (GIVEN, 5, ["Mon", "Tue", "Wed", "Thu", "Fri"]),  # the working week: rest at the weekend
    (GIVEN, 3, ["Mon", "Wed", "Fri"]),
    (GIVEN, 6, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]),
    (GIVEN + dt.timedelta(days=2), 3, ["Wed", "Fri", "Mon"]),  # a sheet from a Wednesday
])
def test_days_a_week_fall_on_the_days_a_clinic_means(
        project: Path, given: dt.date, per_week: int, days: list[str]) -> None:
    """"5 days a week" rested on a Wednesday and a Saturday (the days were spread from
    the sheet's first day). They follow the calendar and the clinic's weekend now."""
    data, _ = _packet(project, ItemChange("desk-stretch-break",
                                          Dosage(per_day=1, days_per_week=per_week)),
                      given=given)
    with pdfplumber.open(io.BytesIO(data)) as doc:
        [table] = doc.pages[-1].find_tables()
        rows = table.extract()
    weekdays = [cell.split()[0] for cell in rows[0][1:]]
    assert [day for day, cell in zip(weekdays, rows[1][1:], strict=True)
            if cell != "–"] == days


def test_a_clinic_whose_weekend_is_friday_and_saturday_rests_then() -> None:
    from handouts.variants.program import week_days

    friday_saturday = (4, 5)  # Babel's numbering, 0 = Monday (ar_SA, he_IL)
    assert week_days(5, friday_saturday) == {6, 0, 1, 2, 3}  # Sunday to Thursday
    assert week_days(6, friday_saturday) == {6, 0, 1, 2, 3, 4}  # all but Saturday
    assert week_days(3, friday_saturday) == {6, 1, 3}  # Sunday, Tuesday, Thursday
    assert week_days(None) == week_days(7) == set(range(7))


def test_an_item_asks_for_ticks_only_in_its_own_weeks(project: Path) -> None:
    """"For 1 week" on a three-week sheet: its row has tick boxes in week 1 only, then a
    dash each day (it asked for ticks every week of the sheet)."""
    data, _ = _packet(project, ItemChange("desk-stretch-break", Dosage(per_day=1, weeks=1)),
                      ItemChange("back-massage", Dosage(per_day=2, weeks=3)))
    with pdfplumber.open(io.BytesIO(data)) as doc:
        texts = [page.extract_text() for page in doc.pages]
        sheet = [page for page, text in zip(doc.pages, texts, strict=True)
                 if "Tracking sheet" in text or "Week 3" in text]
        weeks = [table.extract() for page in sheet for table in page.find_tables()]
        boxes = sum(len([c for c in page.curves if 10 < c["width"] < 14
                         and 10 < c["height"] < 14]) for page in sheet)
    assert len(weeks) == 3
    stretch = [[cell for cell in rows[1][1:]] for rows in weeks]
    assert stretch[0] == [""] * 7  # boxes (drawn, no text)
    assert stretch[1] == stretch[2] == ["–"] * 7
    assert [rows[2][1:] for rows in weeks] == [[""] * 7] * 3
    assert boxes == 7 + 3 * 7 * 2


@pytest.mark.parametrize("language", ["ar", "es", "en"])
def test_the_day_headers_never_run_into_each_other(project: Path, language: str) -> None:
    """Large print on A4, the narrowest day columns: each header word stays inside its
    own column (Arabic's full weekday and month names ran into the next one), and the
    week's caption gives its dates once ("Week 1 · Dec 7 – 13")."""
    pdf, _ = _packet(project, TWO[1], weeks=1, paper="a4", print_size="large",
                     language=language)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[-1]
        table = page.find_tables()[0]
        header = table.rows[0]
        words = page.extract_words(use_text_flow=False)
        text = page.extract_text()
    columns = [cell for cell in header.cells if cell is not None][1:]  # the 7 days
    assert len(columns) == 7
    inside = 0
    for word in words:
        if not header.bbox[1] <= word["top"] < header.bbox[3]:
            continue
        for x0, _, x1, _ in columns:
            if x0 - 0.5 <= word["x0"] < x1:
                assert word["x1"] <= x1 + 0.5, (word["text"], word["x1"], x1)
                inside += 1
    assert inside >= 14  # a weekday and a day of the month in each
    if language == "en":
        assert "Week 1 · Dec 7 – 13" in text


def test_the_notes_box_gives_way_rather_than_fill_a_page_alone(
        project: Path, standard: bytes) -> None:
    """Four weeks on A4 leave no room for the Notes box below the grid: the sheet drops
    it rather than print a page holding only empty lines, and keeps the clinic's phone;
    where it fits (two weeks on Letter) it stays."""
    texts = pdf_pages(standard, by_position=True)
    assert "Notes" in texts[-1] and "Week 2" in texts[-1]
    packet = _packet(project, *TWO, weeks=4, paper="a4")[0]
    texts = pdf_pages(packet, by_position=True)
    last = texts[-1]
    assert "Tracking sheet" in last and "Week 4" in last  # the sheet is one page
    assert "Questions? Call (480) 992-5050." in last
    assert "Notes" not in last
    assert f"tracking sheet, page {len(texts)}." in texts[0]  # the cover counts the same
    with pdfplumber.open(io.BytesIO(packet)) as doc:
        page = doc.pages[-1]
        call = next(w for w in page.extract_words() if w["text"] == "Questions?")
    assert call["bottom"] < page.height - 15 * 72 / 25.4  # above the footer, on the page


def test_the_phone_line_gives_way_rather_than_take_a_page_alone(project: Path) -> None:
    """One item for four weeks on Letter: the grid and the Notes box fill the sheet's
    page and the line with the clinic's phone would go on a page of its own; the Notes
    box gives up a line and the sheet stays one page, the phone line on it."""
    pdf, _ = _packet(project, TWO[0], weeks=4)
    texts = pdf_pages(pdf, by_position=True)
    last = texts[-1]
    assert "Tracking sheet" in last and "Week 4" in last and "Notes" in last
    assert "Questions? Call (480) 992-5050." in last
    assert f"tracking sheet, page {len(texts)}." in texts[0]


def test_the_outline_has_one_entry_per_handout(standard: bytes) -> None:
    with pikepdf.open(io.BytesIO(standard)) as pdf, pdf.open_outline() as outline:
        top = [item.title for item in outline.root]
    assert top == ["Your home program", "A 5-minute stretch break for desk workers",
                   "How to give a back massage", "Tracking sheet"]


def test_the_packet_is_tagged_titled_and_names_nobody_in_its_metadata(standard: bytes) -> None:
    with pikepdf.open(io.BytesIO(standard)) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "en"
        info = {str(k): str(v) for k, v in pdf.docinfo.items()}
        assert info["/Title"] == "Your home program"
        # Like a handout's: what it is about, to find it on a shared drive.
        assert info["/Subject"] == ("A 5-minute stretch break for desk workers; "
                                    "How to give a back massage")
        assert "back massage" in info["/Keywords"].split(", ")
        assert not any("Ana" in value for value in info.values())
        assert b"Ana Ruiz" not in bytes(pdf.open_metadata().get("dc:title", ""), "utf-8")


def test_large_print_keeps_its_sizes(large: bytes) -> None:
    with pdfplumber.open(io.BytesIO(large)) as doc:
        sizes = {round(c["size"], 1) for page in doc.pages for c in page.chars
                 if c["text"].strip()}
        tracking = doc.pages[-1].extract_words(extra_attrs=["size"])
        cover = doc.pages[0].extract_words(extra_attrs=["size"])
    assert min(sizes) >= 14  # footer and fine print, as in every large-print handout
    title = [w for w in tracking if w["text"] in ("stretch", "massage")]
    assert title and min(round(w["size"], 1) for w in title) >= 18
    dose = [w for w in cover if w["text"] == "sets"]
    assert dose and round(dose[0]["size"], 1) >= 18


def test_large_print_sets_every_word_of_the_packets_own_pages_at_18_pt(large: bytes) -> None:
    """QA: the tracking sheet's days, dates and each row's dose (what the client ticks
    against), the cover's column labels and the plan box's heading were 14-16 pt in
    large print. Only the footer, in the page margin, is smaller (14 pt)."""
    with pdfplumber.open(io.BytesIO(large)) as doc:
        own = [page for page in doc.pages if any(
            words in (page.extract_text() or "") for words in ("Your home program",
                                                               "Tracking sheet"))]
        plans = [page for page in doc.pages
                 if "your plan" in (page.extract_text() or "").lower()]
        assert len(own) >= 2 and plans
        for page in own + plans:
            # The footer's top: its first line is level with the page counter.
            footer = min(w["top"] for w in page.extract_words()
                         if w["text"] == "Page" and w["top"] > page.height * 0.8)
            small = {c["text"] for c in page.chars if c["text"].strip()
                     and c["top"] < footer - 2 and round(c["size"], 1) < 18}
            if page in plans and page not in own:  # a handout page: its plan box only
                box = [w for w in page.extract_words(extra_attrs=["size"])
                       if w["text"].lower() in ("your", "plan")]
                assert min(round(w["size"], 1) for w in box) >= 18
                continue
            assert not small, (page.page_number, sorted(small))


def test_each_weeks_caption_stays_with_its_grid(project: Path) -> None:
    """In large print on A4 the second week's grid goes to the next page: its caption
    ("Week 2") goes with it, right above the grid's header, never alone at a page's foot."""
    pdf, _ = _packet(project, *BACK_CARE, weeks=2, paper="a4", print_size="large")
    captions, headers = [], []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        first = next(n for n, page in enumerate(doc.pages)
                     if n and "Tracking sheet" in (page.extract_text() or ""))
        for number, page in enumerate(doc.pages[first:], start=first + 1):
            words = page.extract_words()
            for word, after in itertools.pairwise(words):
                if word["text"] == "Week" and after["text"].isdigit():
                    captions.append((number, word["top"], after["text"]))
                if word["text"] == "What" and after["text"] == "to":
                    headers.append((number, word["top"]))
    assert [c[2] for c in captions] == ["1", "2"]
    for number, top, _ in captions:
        below = [t for n, t in headers if n == number and t > top]
        assert below and min(below) - top < 30 * 72 / 25.4, (captions, headers)
    assert len({c[0] for c in captions}) > 1, captions  # the case this test is about


@pytest.mark.parametrize(("items", "first", "contact"), [
    # One line fits where the panel did not.
    (TWO, "A 5-minute stretch break", "Questions? Call (480) 992-5050."),
    # Not even that: the masthead and the footer give the phone.
    ((BACK_CARE[0], ItemChange("desk-stretch-break", Dosage(
        sets=2, reps=5, hold=20, rest=30, per_day=2, weeks=2, text="in the evening"))),
     "How to give a back massage", None),
])
def test_the_covers_contact_panel_gives_way_rather_than_take_a_page_alone(
        project: Path, items: tuple[ItemChange, ...], first: str, contact: str | None
) -> None:
    """In large print on A4 the panel would take a cover page of its own."""
    pdf, _ = _packet(project, *items, weeks=2, paper="a4", print_size="large")
    texts = pdf_pages(pdf, by_position=True)
    cover = texts[0]
    assert "Tick what you did each day on the tracking sheet" in cover
    assert "Questions? We are here to help." not in "".join(texts[:2])
    assert _starts(texts, first) == 2  # the cover is one page
    assert ("Questions? Call" in cover) == bool(contact)
    assert contact is None or contact in cover
    assert "(480) 992-5050" in cover and "hello@massagemesa.example" in cover


def test_a_cover_with_room_keeps_its_contact_panel(standard: bytes) -> None:
    cover = pdf_pages(standard, by_position=True)[0]
    assert "Questions? We are here to help." in cover and "Questions? Call" not in cover


def test_a_grid_taller_than_the_room_below_the_title_breaks_between_rows(
        tmp_path: Path) -> None:
    """Five handouts in large print: kept whole, the week's grid left the sheet's first
    page holding only its title and the next one only "Week 1". It now starts under
    the title and goes on, row by row, under its repeated header."""
    init_project(tmp_path)
    add_handouts(tmp_path, choose(FIVE, "test"))
    changes = tuple(ItemChange(name, Dosage(sets=2, reps=5, hold=20, rest=30, per_day=2))
                    for name in FIVE)
    pdf, _ = _packet(tmp_path, *changes, weeks=1, print_size="large")
    texts = pdf_pages(pdf, by_position=True)
    first = max(n for n, text in enumerate(texts) if "Tracking sheet" in text)
    sheet = texts[first:]
    assert len(sheet) >= 2
    assert "Week 1" in sheet[0] and "What to do" in sheet[0] and "1 A 5-minute" in sheet[0]
    assert all("What to do" in page for page in sheet)  # each page has grid, header on top
    assert "5 After your" in "".join(sheet[1:])


def test_right_hand_pages_start_each_handout_on_an_odd_page(project: Path) -> None:
    pdf, _ = _packet(project, *TWO, right_hand=True)
    texts = pdf_pages(pdf, by_position=True)
    starts = [_starts(texts, "A 5-minute stretch break for desk workers"),
              _starts(texts, "How to give a back massage")]
    assert all(start % 2 == 1 for start in starts), starts
    tracking = next(n for n, t in enumerate(texts, start=1) if "Tracking sheet" in t
                    and n > 1)
    assert tracking % 2 == 1 and tracking == len(texts)


def test_a_long_note_moves_the_plan_below_the_stop_callout(project: Path) -> None:
    note = "Breathe out slowly as you move. " * 9  # 287 characters: a note holds 300
    pdf, _ = _packet(project, ItemChange("back-massage", Dosage(sets=2, reps=8), note.strip()),
                     print_size="large")
    texts = pdf_pages(pdf, by_position=True)
    start = _starts(texts, "How to give a back massage")
    assert "Stop right away if" in texts[start - 1]
    both = texts[start - 1] + texts[start]  # the plan follows, on this page or the next
    assert both.index("Stop right away if") < both.index("Your plan")  # own case: large


QA_NOTE = ("Keep your shoulders relaxed and breathe out slowly as you stretch. " * 5).strip()


@pytest.mark.parametrize(("audience", "paper", "note"), [
    ("general", "letter", QA_NOTE[:300]), ("desk-workers", "letter", QA_NOTE[:296]),
    ("general", "a4", QA_NOTE[:300]), ("desk-workers", "a4", QA_NOTE[:278])])
def test_a_long_item_note_in_large_print_keeps_the_plan_on_the_handouts_first_page(
        project: Path, audience: str, paper: str, note: str) -> None:
    """QA: a note of about 300 characters (one a clinic program's check passes) put the
    whole "Prepared for / Your plan" block on the handout's second page, and left its
    first page a third empty. The block now continues on the next page: its name, plan
    heading and dose stay on the first, with the note's start."""
    pdf, _ = _packet(project, ItemChange("desk-stretch-break", Dosage(reps=5), note),
                     print_size="large", audience=audience, paper=paper)
    texts = pdf_pages(pdf, by_position=True)
    start = _starts(texts, "A 5-minute stretch break")
    first = texts[start - 1]
    assert "Stop right away if" in first and "Your plan" in first
    assert "5 repetitions" in first
    # The note whole, on this page or the next: split, it broke mid-sentence (QA).
    words = r"\s+".join(re.escape(w) for w in note.split())
    assert any(re.search(words, page) for page in texts[start - 1:start + 1]), note


def test_a_long_dose_in_large_print_starts_on_the_handouts_first_page(
        project: Path) -> None:
    """QA: every dose part with its longest text, in large print: the dose alone is
    eight lines at 20 pt and was kept whole, so the whole "Prepared for / Your plan"
    block went to the handout's second page and the first said neither whom it was for
    nor the dose. The dose now continues, at least two lines on each page."""
    text = ("before bed and after lunch " * 8)[:200].strip()
    dosage = Dosage(sets=3, reps=10, hold=90, rest=90, minutes=120, per_day=12,
                    days_per_week=3, weeks=12, side="each", text=text)
    pdf, _ = _packet(project, ItemChange("desk-stretch-break", dosage, QA_NOTE[:300]),
                     print_size="large")
    texts = pdf_pages(pdf, by_position=True)
    # The handout's first page (the cover's table, two pages here, names it too).
    start = next(n for n, page in enumerate(texts) if "Stop right away if" in page)
    first = texts[start]
    assert "Prepared for Ana Ruiz" in first
    assert "Your plan" in first and "3 sets of 10" in first
    both = re.sub(r"\s+", " ", first + " " + texts[start + 1])
    assert text.split()[-1] in both and QA_NOTE[:300].split()[-1] in both


def test_the_dose_in_words() -> None:
    assert describe_dosage(Dosage(sets=3, reps=10, per_day=2), "en") == \
        "3 sets of 10, twice a day"
    assert describe_dosage(Dosage(hold=90, rest=30, per_day=1, weeks=1), "en") == \
        "hold 1 minute 30 seconds, rest 30 seconds between sets, once a day, for 1 week"
    assert describe_dosage(Dosage(reps=1, days_per_week=7, side="each"), "en") == \
        "1 repetition, each side, every day"
    assert describe_dosage(Dosage(), "en") == ""


@pytest.mark.parametrize(("text", "seconds"), [
    (30, 30), ("30", 30), ("30 s", 30), ("45sec", 45), ("2 min", 120),
    ("1 min 30 s", 90), ("1 minute, 30 seconds", 90)])
def test_durations_as_clinics_write_them(text: object, seconds: int) -> None:
    assert read_seconds(text) == seconds


@pytest.mark.parametrize(("values", "messages"), [
    # A repeated or overflowing part is a typo, not a sum.
    # (Typed beside a client's details: never repeated; a program file's are.)
    ({"hold": "30 s 30 s"}, ["is not a duration: write seconds (30 s), minutes "
                             "(2 min) or both (1 min 30 s)"]),
    ({"rest": "2 min 90 s"}, ["is not a duration: write seconds (30 s), "
                              "minutes (2 min) or both (1 min 30 s)"]),
    # The range in the units the clinic writes, not in seconds.
    ({"hold": "61 min"}, ["must be from 1 s to 60 min"]),
    ({"rest": 0}, ["must be from 1 s to 60 min"]),
    # YAML's true and yes are not 1; a fraction, "1_0" and "+3" are not counts.
    ({"per_day": True, "days_per_week": "yes"}, ["must be a whole number"] * 2),
    ({"reps": 2.5, "sets": "1_0", "weeks": "+3"}, ["must be a whole number"] * 3),
    ({"text": "x" * 201}, ["is too long (at most 200 characters)"]),
])
def test_a_dose_is_read_strictly_and_said_in_its_own_units(
        values: dict[str, object], messages: list[str]) -> None:
    dosage, problems = dosage_from(values, "programs/p.yaml", "dosage")
    assert dosage is None and [p.message for p in problems] == messages


def test_a_program_file_that_printed_before_still_prints_with_warnings(
        tmp_path: Path) -> None:
    """What the last version read and the strict reading refuses (YAML's true as 1, a
    duration added up from repeated parts) is read as before, with a warning at its
    line: a new requirement arrives as a warning first."""
    root = _with_program(tmp_path / "p", "old",
        "title: Old\nweeks: true\nitems:\n  - handout: back-massage\n"
        "    dosage: {per_day: yes, hold: 30 s 30 s, rest: 2 min 90 s}\n")
    result = run_in(root, "program", "old", "--client", "Ana Ruiz", "--record")
    assert result.exit_code == 0, result.output
    assert "programs/old.yaml:2: warning: weeks: true is read as 1, as before; write the " \
        "number: a later version will refuse it" in result.output
    assert "programs/old.yaml:5: warning: items[1].dosage.hold: is read as 60 seconds, as " \
        "before; write minutes, then seconds: a later version will refuse it" in result.output
    assert "hold 1 minute, rest 3 minutes 30 seconds between sets, once a day" in result.output


def test_a_decimal_duration_in_a_program_file_is_read_as_its_decimal(
        tmp_path: Path) -> None:
    """``hold: "1,5 min"`` (a clinic's decimal comma) is a minute and a half, with a
    warning: the old reading added up its parts as 1 s + 5 min and printed a hold three
    times too long. A decimal without its unit (``1, 5``) is refused, not guessed."""
    root = _with_program(tmp_path / "p", "comma",
        'title: Comma\nitems:\n  - handout: back-massage\n'
        '    dosage: {sets: 3, hold: "1,5 min", rest: "1.25 min"}\n')
    result = run_in(root, "program", "comma", "--client", "Ana Ruiz", "--record")
    assert result.exit_code == 0, result.output
    assert "programs/comma.yaml:4: warning: items[1].dosage.hold: is read as 90 seconds; " \
        "write whole minutes, then seconds (1 min 30 s): a later version will refuse it" \
        in result.output
    assert "hold 1 minute 30 seconds, rest 1 minute 15 seconds between sets" in result.output
    edit(root / "programs/comma.yaml", '"1,5 min"', '"1, 5"')
    result = run_in(root, "program", "comma", "--client", "Ana Ruiz")
    assert result.exit_code == 1
    assert "programs/comma.yaml:4: items[1].dosage.hold: '1, 5' is not a duration" \
        in result.output


def test_any_scripts_digits_count_the_same_in_every_part() -> None:
    dosage, problems = dosage_from({"sets": "٣", "hold": "٣٠", "reps": " 10 "}, "", "")
    assert not problems and dosage == Dosage(sets=3, hold=30, reps=10)


def test_dosage_problems_are_all_named_at_once() -> None:
    dosage, problems = parse_dosage('sets=0 hold="3 hrs" per-day=13 side=up bogus', "",
                                    "--item 1")
    assert dosage is None
    assert [p.format() for p in problems] == [
        "--item 1: word 5 is not a dosage part: write key=value with the keys sets, reps, "
        "hold, minutes, rest, per-day, days-per-week, weeks, side, text, and put a value "
        'with spaces in quotes (text="before bed")',
        "--item 1: sets: must be at least 1",
        "--item 1: hold: has an unknown unit: write seconds (30 s) or minutes (2 min)",
        "--item 1: per-day: must be at most 12",
        "--item 1: side: must be one of 'left', 'right', 'both' or 'each'"]
    dosage, problems = parse_dosage('sets=0 hold="3 hrs" per-day=13 side=up', "", "--item 1")
    assert [p.format() for p in problems] == [
        "--item 1: sets: must be at least 1",
        "--item 1: hold: has an unknown unit: write seconds (30 s) or minutes (2 min)",
        "--item 1: per-day: must be at most 12",
        "--item 1: side: must be one of 'left', 'right', 'both' or 'each'"]


def test_an_item_on_the_command_line() -> None:
    change, problems = parse_item('back-massage reps=5 note="Go slow" text="before bed"', 1)
    assert not problems and change is not None
    assert change.handout == "back-massage" and change.note == "Go slow"
    assert change.dosage == Dosage(reps=5, text="before bed")
    _, problems = parse_item("reps=5", 2)
    assert [p.format() for p in problems] == [
        "--item 2: must start with a handout's name, e.g. --item 'back-massage sets=3 "
        "reps=10'"]


def test_a_mistyped_item_never_repeats_the_note_or_dose(project: Path) -> None:
    """A note typed without quotes splits into words that are not dosage parts: each is
    named by its place as typed, never repeated (the note is health information), and
    so is a duration that cannot be read."""
    result = run_in(project, "program", "--client", "Zed Q", "--item",
                    "back-massage note=HIV positive, avoid deep", "--item",
                    'desk-stretch-break hold="Zed swollen" text="x"')
    assert result.exit_code == 2, result.output
    for private in ("HIV", "positive", "avoid", "deep", "Zed", "swollen"):
        assert private not in result.output
    assert "--item 1: words 3, 4 and 5 are not dosage parts: " in result.output
    assert "--item 2: hold: is not a duration: write seconds (30 s), minutes (2 min) or " \
        "both (1 min 30 s)" in result.output


def test_an_item_that_starts_with_its_note_or_a_name_never_repeats_them(
        project: Path) -> None:
    """A note typed first, or a client's name where the handout goes: the --item is
    said to name no handout, and no word of it is repeated (the first word of a
    half-quoted note was taken for a handout: "no such handout 'note="Maria'")."""
    result = run_in(project, "program", "--client", "Zed Q",
                    "--item", 'note="Maria has cancer" back-massage',
                    "--item", "Maria desk-stretch-break sets=3",
                    "--item", "desk-stretch-break reps=2")
    assert result.exit_code == 2, result.output
    for private in ("Maria", "cancer", "has"):
        assert private not in result.output
    lines = result.output.splitlines()
    assert "Error: --item 1: must start with a handout's name, e.g. --item " \
        "'back-massage sets=3 reps=10'" in lines
    assert any(line.startswith("--item 2: its first word is no handout's name (available: ")
               for line in lines)
    assert not any("a program needs at least one handout" in line for line in lines)


def test_item_problems_come_in_the_order_given_and_say_what_is_wrong(
        project: Path) -> None:
    """--item 10 after --item 9 (sorted as text, it came first), and a negative count
    is said to be below its range (it was "must be a whole number")."""
    result = run_in(project, "program", "--client", "Zed Q",
                    *(arg for n in range(11) for arg in (
                        "--item", f"desk-stretch-break sets={-1 if n == 9 else 0}")))
    assert result.exit_code == 2, result.output
    said = [int(line.removeprefix("Error: ").split(":")[0].split()[1])
            for line in result.output.splitlines() if line.startswith(("Error: --item", "--item"))]
    assert said == sorted(said) and said[0] == 1 and said[-1] == 11
    assert "--item 10: sets: must be at least 1" in result.output
    assert "--item 11: sets: must be at least 1" in result.output


def test_a_note_is_named_by_its_own_item_not_by_its_place_in_the_program(
        project: Path) -> None:
    """The first --item changes the clinic program's second handout: a problem with its
    note is that --item's (it was named --item 2, the handout's place in the program)."""
    result = run_in(project, "program", "desk-worker-week-1", "--client", "Sam",
                    "--item", "back-massage note=\"ok \u1c5a\"",
                    "--item", "desk-stretch-break reps=3")
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[0] == (
        "--item 1 note: has 1 character that no font can print (Ol Chiki) \u2014 add a font "
        "under fonts: in handouts.yaml")


def test_a_program_file_may_spell_a_dose_as_the_command_line_does(tmp_path: Path) -> None:
    """The guide lists ``per_day`` (``per-day``); --item and a CSV took both, a program
    file refused ``per-day`` as an unknown key."""
    root = _with_program(tmp_path / "p", "knee",
        "title: Knee\nitems:\n  - handout: back-massage\n"
        "    dosage: {per-day: 2, days-per-week: 3}\n")
    result = run_in(root, "program", "knee", "--client", "Ana", "--record")
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith("twice a day, 3 days a week.")


KNEE = """title: Knee, week 1
description: Gentle work for the knee.
items:
  - handout: back-massage
    dosage: {minutes: 5, per_day: 2, text: in the evening}
    note: Use light pressure only.
translations:
  es:
    title: Rodilla, semana 1
    notes:
      back-massage: Use poca presión.
      desk-stretch-break: Nunca impreso.
"""


def test_a_clinic_program_prints_its_own_words_in_the_programs_language(
        tmp_path: Path) -> None:
    """QA: a Spanish program from a clinic program printed its English title, note and
    dose text. Its translations are used, and each of its words with none is a warning
    at its line (printed as written); in the clinic's language nothing is said."""
    root = _with_program(tmp_path / "p", "knee", KNEE)
    spanish = run_in(root, "program", "knee", "--client", "Ana", "--language", "es")
    assert spanish.exit_code == 0, spanish.output
    warnings = [line for line in spanish.stderr.splitlines() if "warning" in line]
    assert sorted(warnings) == [
        "programs/knee.yaml:12: warning: translations.es.notes.desk-stretch-break: no item "
        "of this program has a note for 'desk-stretch-break': these words are never printed",
        "programs/knee.yaml:5: warning: items[1].dosage.text: has no es words "
        "(translations.es); printed in en as written"]
    (written,) = (root / "output" / "clients").iterdir()
    text = " ".join(" ".join(pdf_pages(written.read_bytes(), by_position=True)).split())
    assert "Rodilla, semana 1" in text and "Use poca presión." in text
    assert "Knee" not in text and "light pressure" not in text
    assert "in the evening" in text  # no translation: as written, and warned about
    with pikepdf.open(written) as doc:
        assert str(doc.docinfo["/Title"]).endswith("Rodilla, semana 1")
    written.unlink()
    english = run_in(root, "program", "knee", "--client", "Ana")
    assert english.exit_code == 0, english.output
    assert [line for line in english.stderr.splitlines() if "has no es words" in line] == []
    (written,) = (root / "output" / "clients").iterdir()
    text = " ".join(" ".join(pdf_pages(written.read_bytes(), by_position=True)).split())
    assert "Knee, week 1" in text and "Use light pressure only." in text


def test_a_clinic_programs_words_given_unchanged_are_its_own_and_replaced_ones_unsaid(
        tmp_path: Path) -> None:
    """One rule with the desk's basket, which sends a program's note and dose text back
    as the clinic wrote them: an ``--item`` giving the program's own words unchanged
    prints their translation (it printed the English note in Spanish); words the
    therapist replaced print as typed, and the replaced words' missing translation is
    not warned about ("printed in en as written": they are not printed at all)."""
    root = _with_program(tmp_path / "p", "knee", KNEE)

    def made(item: str) -> tuple[str, list[str]]:
        run = run_in(root, "program", "knee", "--client", "Ana", "--language", "es",
                     "--item", item)
        assert run.exit_code == 0, run.output
        (written,) = (root / "output" / "clients").iterdir()
        text = " ".join(" ".join(pdf_pages(written.read_bytes(), by_position=True)).split())
        written.unlink()
        return text, [line for line in run.stderr.splitlines() if "has no es words" in line]

    text, warned = made('back-massage note="Use light pressure only." text="in the evening"')
    assert "Use poca presión." in text and "light pressure" not in text
    assert warned == ["programs/knee.yaml:5: warning: items[1].dosage.text: has no es words "
                      "(translations.es); printed in en as written"]
    text, warned = made('back-massage note="Despacio." text="antes de dormir"')
    assert "Despacio." in text and "antes de dormir" in text
    assert "poca presión" not in text and "in the evening" not in text and warned == []


def test_check_names_a_clinic_programs_words_missing_in_a_language_it_covers(
        tmp_path: Path) -> None:
    """``handouts check`` says before the desk does: the knee program can be given in
    Arabic, Spanish and Chinese (its one handout has those versions); its Spanish lacks
    only the dose text, the others everything. The example's programs, with a handout
    in English only, are not given in another language: nothing is said of them."""
    from handouts.commands.check import check

    root = _with_program(tmp_path / "p", "knee", KNEE)
    for path in (REPO / "programs").iterdir():
        (root / "programs" / path.name).write_bytes(path.read_bytes())
    report = check(load_project(root), render=False)
    words = [p.format() for p in report.problems if "words (translations." in p.message]
    missing = {"ar": ("1: warning: title", "5: warning: items[1].dosage.text",
                      "6: warning: items[1].note"),
               "es": ("5: warning: items[1].dosage.text",),
               "zh": ("1: warning: title", "5: warning: items[1].dosage.text",
                      "6: warning: items[1].note")}
    assert sorted(words) == sorted(
        f"programs/knee.yaml:{where}: has no {language} words (translations.{language}); "
        "printed in en as written" for language, places in missing.items() for where in places)


#: A clinic program whose translations name, besides Spanish, codes that are no language
#: (sp, xx) and languages no handout of the example is in (de; spa, Spanish written in
#: three letters): the example's handouts are in en, and back-massage in ar, es, zh.
STRAY_LANGUAGES = """title: Knee
items:
  - handout: back-massage
translations:
  es:
    title: Rodilla
  sp:
    title: Rodilla
  xx:
    title: Knie
  de:
    title: Knie
  spa:
    title: Rodilla
"""
#: What check and program say of each, at the key's line and field.
NOT_A_LANGUAGE = [
    "programs/knee.yaml:7: warning: translations.sp: 'sp' is not a language code handouts "
    "knows (e.g. es, fr, pt-BR, zh-Hant), so these words are never printed; did you mean "
    "'es'?",
    "programs/knee.yaml:9: warning: translations.xx: 'xx' is not a language code handouts "
    "knows (e.g. es, fr, pt-BR, zh-Hant), so these words are never printed"]
UNUSED_LANGUAGE = [
    "programs/knee.yaml:11: warning: translations.de: no handout of this project is in "
    "German, so these words are never printed (the project's languages: ar, en, es, zh)",
    "programs/knee.yaml:13: warning: translations.spa: 'spa' is Spanish written another "
    "way: this project's handouts write it 'es', so these words are never printed"]


def test_check_and_program_name_a_translation_in_an_unknown_language(
        tmp_path: Path) -> None:
    """QA: ``translations: {sp: ...}`` was taken silently, and its words never printed.
    A code that is no language code, or one no handout is in, is a warning (with the
    language meant, where one is close) at the key's line, from ``check`` and
    ``program`` alike; a warning, since such a file printed before (a project that
    built still builds). A code in the wrong case stays an error, as it was."""
    from handouts.commands.check import check

    root = _with_program(tmp_path / "p", "knee", STRAY_LANGUAGES)
    report = check(load_project(root), render=False)
    said = [p.format() for p in report.problems
            if p.path == "programs/knee.yaml" and p.field.startswith("translations.")]
    assert sorted(said) == sorted(NOT_A_LANGUAGE + UNUSED_LANGUAGE)
    assert not [p for p in report.errors() if p.path == "programs/knee.yaml"]
    given = run_in(root, "program", "knee", "--client", "Ana")
    assert given.exit_code == 0, given.output
    assert sorted(line for line in given.stderr.splitlines()
                  if " translations." in line) == sorted(NOT_A_LANGUAGE + UNUSED_LANGUAGE)
    edit(root / "programs" / "knee.yaml", "  sp:\n", "  ES:\n")
    refused = run_in(root, "program", "knee", "--client", "Ana")
    assert refused.exit_code != 0
    assert any("translations.ES" in line for line in error_lines(refused))


def test_a_next_appointment_before_the_day_given_is_a_warning(project: Path) -> None:
    """QA: --next-appointment before --given was printed on the cover without a word.
    It is still printed as typed (exit 0), with a warning that does not repeat it; a
    named copy is given today."""
    # Given today (a day far from today is a warning of its own), back a month before.
    today = dt.date.today()
    before = today - dt.timedelta(days=36)
    result = run_in(project, "program", "--client", "Ana", "--item", "back-massage",
                    "--given", today.isoformat(), "--next-appointment", before.isoformat())
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        f"warning: --next-appointment: is before the day it is given ({today.isoformat()}); "
        "check the year and the month (it prints as typed)")
    assert before.isoformat() not in result.output
    assert before.strftime("%B %-d") not in result.output
    same_day = run_in(project, "program", "--client", "Ana", "--item", "back-massage",
                      "--given", today.isoformat(), "--next-appointment", today.isoformat())
    assert same_day.exit_code == 0 and "next-appointment" not in same_day.output
    copy = run_in(project, "build", "back-massage", "--client", "Ana",
                  "--next-appointment", "2020-01-02")
    assert copy.exit_code == 0, copy.output
    assert f"is before the day it is given ({dt.date.today().isoformat()})" in copy.stderr


def test_a_given_day_far_from_today_is_a_warning(project: Path) -> None:
    """QA: --given 2099-01-01 (or 1999-01-01) was taken without a word: the tracking
    sheet was dated wrong, and the PDF's name, the same whatever the day, replaced the
    client's current program. A warning (a program may be planned ahead), as for a next
    appointment before the given day; 30 days either way are fine."""
    from handouts.variants.dates import far_from_today  # here: the test fails, not the file

    today = dt.date.today()
    for given, side in (("2099-01-01", "after"), ("1999-01-01", "before")):
        result = run_in(project, "program", "--client", "Ana", "--item", "back-massage",
                        "--given", given)
        assert result.exit_code == 0, result.output
        assert result.stderr.splitlines()[0] == (
            f"warning: --given: is more than 30 days {side} today ({today.isoformat()}); "
            "check the year and the month (it prints as typed)")
    assert far_from_today(today + dt.timedelta(days=30), today) is None
    assert far_from_today(today - dt.timedelta(days=30), today) is None
    assert far_from_today(today + dt.timedelta(days=31), today) is not None
    assert far_from_today(None, today) is None


def test_a_clinic_program_gives_its_defaults_and_the_therapist_adjusts(project: Path) -> None:
    whole = load_project(project)
    loaded_project, loaded = whole.project, whole.documents
    documents = {d.name: d for d in loaded}
    programs = load_clinic_programs(project, loaded)
    assert list(programs) == ["back-care-2-weeks", "desk-worker-week-1"]
    program = plan_program(loaded_project, documents, client=CLIENT,
                           clinic_program=programs["desk-worker-week-1"],
                           changes=(ItemChange("back-massage", Dosage(per_day=2)),))
    assert [i.handout for i in program.items] == ["desk-stretch-break", "back-massage"]
    massage = program.items[1].dosage
    assert (massage.minutes, massage.per_day, massage.days_per_week) == (10, 2, 3)
    assert program.title == "Desk worker, week 1" and program.tracking_weeks == 1


def _usage_errors(result: Result) -> list[str]:
    """The lines a usage mistake (exit 2) printed after Click's usage and hint lines."""
    return result.stderr.split("\n\n", 1)[1].splitlines()


def test_a_program_named_by_its_file(project: Path) -> None:
    """QA: `handouts program desk-worker-week-1.yaml` (as shell completion gives it)
    said "programs/desk-worker-week-1.yaml.yaml: no such program"; its path inside the
    project too. Both name the program."""
    from handouts.project.programs import program_name  # new: only this test needs it

    assert [program_name(text) for text in (
        "desk-worker-week-1.yaml", "programs/desk-worker-week-1.yml", "desk-worker-week-1",
        "./programs/desk-worker-week-1.YAML")] == ["desk-worker-week-1"] * 4
    result = run_in(project, "program", "programs/desk-worker-week-1.yaml", "--client", "Ana")
    assert result.exit_code == 0, result.output
    assert "wrote " in result.output and "no such program" not in result.output


def test_a_path_is_not_taken_for_a_program_s_name(project: Path) -> None:
    """QA: `handouts program /etc/passwd` said "programs//etc/passwd.yaml: no such
    program", a file name made from a path; it is said to be no program's name."""
    for given in ("/etc/passwd", "../handouts"):
        result = run_in(project, "program", given, "--client", "Ana")
        assert result.exit_code == 1
        assert error_lines(result) == [
            f"PROGRAM: '{given}' is not the name of a clinic program (a file "
            "programs/<name>.yaml of this project; available: back-care-2-weeks, "
            "desk-worker-week-1)"]


def test_an_unclosed_quote_in_an_item_is_said_in_plain_words(project: Path) -> None:
    """QA: --item with a quote never closed said shlex's "No closing quotation"; the
    CSV's dose says it in plain words, and so does --item now. No "a program needs at
    least one handout" beside it: the user did give --item."""
    result = run_in(project, "program", "--client", "Ana",
                    "--item", 'back-massage note="unterminated')
    assert result.exit_code == 2
    assert _usage_errors(result) == [
        "Error: --item 1: cannot be read: a quote (\" or ') is not closed"]


def test_an_empty_item_is_said_once(project: Path) -> None:
    """QA: --item '' said first "--item: a program needs at least one handout: ... give
    --item HANDOUT", which the user did, then what was wrong with it."""
    result = run_in(project, "program", "--client", "Ana", "--item", "")
    assert result.exit_code == 2
    assert _usage_errors(result) == [
        "Error: --item 1: must start with a handout's name, e.g. --item 'back-massage "
        "sets=3 reps=10'"]


def test_an_item_longer_than_its_programs_weeks_is_a_warning(tmp_path: Path) -> None:
    """QA: a program of `weeks: 2` with an item `weeks: 3` was taken without a word, and
    its tracking sheet stopped a week before that dose ended."""
    root = _with_program(tmp_path / "p", "knee",
        "title: Knee\nweeks: 2\nitems:\n  - handout: back-massage\n"
        "    dosage: {minutes: 5, weeks: 2}\n  - handout: desk-stretch-break\n"
        "    dosage:\n      reps: 5\n      weeks: 3\n")
    found: list = []
    assert set(load_programs(root, {"back-massage", "desk-stretch-break"}, found)) == {"knee"}
    assert [p.format() for p in found] == [
        "programs/knee.yaml:9: warning: items[2].dosage.weeks: is longer than the "
        "program's weeks (2): the tracking sheet stops before this dose ends; make the "
        "program's weeks at least 3, or this dose's weeks shorter"]


def _beyond(weeks: int, dose: int) -> str:
    """The one warning for a dose of ``dose`` weeks on a sheet of ``weeks``."""
    return (f"is longer than the program's weeks ({weeks}): the tracking sheet stops before "
            f"this dose ends; make the program's weeks at least {dose}, or this dose's "
            "weeks shorter")


def _warnings(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    assert "wrote " in result.stdout  # a warning never stops the packet
    return [line for line in result.stderr.splitlines() if line.startswith("warning: ")
            or ": warning: " in line]


def test_a_dose_longer_than_the_weeks_given_on_the_command_line_is_a_warning(
        project: Path) -> None:
    """QA: ``--weeks 2 --item 'back-massage weeks=4'`` made a sheet of two weeks without
    a word (a program file's item got the warning). The same warning, at the --item
    that gave the dose its weeks, or at the clinic program's item when --weeks made the
    sheet shorter than its file's dose; the packet is made."""
    assert _warnings(run_in(project, "program", "--client", "Ana", "--weeks", "2",
                            "--item", "desk-stretch-break reps=5",
                            "--item", "back-massage weeks=4")) == [
        f"warning: --item 2 weeks: {_beyond(2, 4)}"]
    # The clinic program's sheet (weeks: 2), a dose made longer with --item.
    assert _warnings(run_in(project, "program", "back-care-2-weeks", "--client", "Ana",
                            "--item", "desk-stretch-break note=Slowly.",
                            "--item", "back-massage weeks=3")) == [
        f"warning: --item 2 weeks: {_beyond(2, 3)}"]
    # Its file's doses (weeks: 2), the sheet made shorter with --weeks (an --item that
    # changes only a note gives no weeks: said at the clinic program's item, at its
    # file's line, as every problem of a program file).
    file = project / "programs/back-care-2-weeks.yaml"
    assert _warnings(run_in(project, "program", "back-care-2-weeks", "--client", "Ana",
                            "--weeks", "1", "--item", "desk-stretch-break note=Slowly.")) == [
        f"programs/back-care-2-weeks.yaml:{line_of(file, 'weeks: 2', handout)}: warning: "
        f"items[{n}].dosage.weeks: {_beyond(1, 2)}"
        for n, handout in ((1, "handout: back-massage"), (2, "handout: desk-stretch-break"))]
    assert _warnings(run_in(project, "program", "--client", "Ana", "--weeks", "4",
                            "--item", "back-massage weeks=4")) == []


def test_a_program_files_own_dose_beyond_its_weeks_is_said_once(tmp_path: Path) -> None:
    """The file's warning (at its line) is not said again for the same dose and weeks,
    however the program is asked for."""
    root = _with_program(tmp_path / "p", "knee",
        "title: Knee\nweeks: 2\nitems:\n  - handout: back-massage\n"
        "    dosage: {minutes: 5, weeks: 3}\n")
    for extra in ((), ("--weeks", "2")):
        assert _warnings(run_in(root, "program", "knee", "--client", "Ana", *extra)) == [
            f"programs/knee.yaml:5: warning: items[1].dosage.weeks: {_beyond(2, 3)}"]


def test_a_program_files_warnings_are_said_in_file_order(tmp_path: Path) -> None:
    """QA: `handouts program` said a file's translations warning (line 7) before its
    doses' (lines 5 and 6), where `check` lists them by line; now both do."""
    root = _with_program(tmp_path / "p", "knee",
        "title: Knee\nweeks: 1\nitems:\n  - handout: back-massage\n"
        "    dosage: {minutes: 5, weeks: 3}\ntranslations:\n  sp:\n    title: Rodilla\n")
    said = _warnings(run_in(root, "program", "knee", "--client", "Ana"))
    assert [line.split(": warning: ")[0] for line in said] == [
        "programs/knee.yaml:5", "programs/knee.yaml:7"]
    checked = run_in(root, "check", "--no-render")  # (it also lists the languages
    # the title is not in: line 1)
    assert [line for line in checked.output.splitlines()
            if line.startswith(("programs/knee.yaml:5:", "programs/knee.yaml:7:"))] == said


def test_a_broken_program_file_is_reported_by_check_with_its_lines(tmp_path: Path) -> None:
    root = _with_program(tmp_path / "p", "knee",
        "title: Knee\nitems:\n  - handout: knee-bends\n  - handout: back-massage\n"
        "    dosage: {sets: 30, hold: forever}\n")
    result = run_in(root, "check", "--no-render")
    assert result.exit_code == 1
    assert "programs/knee.yaml:3: items[1].handout: no such handout 'knee-bends' " \
        "(available: back-massage, desk-stretch-break)" in result.output
    assert "programs/knee.yaml:5: items[2].dosage.sets: must be at most 20" in result.output
    assert "programs/knee.yaml:5: items[2].dosage.hold: 'forever' is not a duration: write " \
        "seconds (30 s), minutes (2 min) or both (1 min 30 s)" in result.output
    # A broken program affects only programs: a handout still builds.
    built = run_in(root, "build", "back-massage")
    assert built.exit_code == 0, built.output


def test_a_handout_given_twice_in_a_program_file_is_warned_about(tmp_path: Path) -> None:
    root = _with_program(tmp_path / "p", "back",
        "title: Back\nitems:\n  - handout: back-massage\n    dosage: {minutes: 5}\n"
        "  - handout: desk-stretch-break\n  - handout: back-massage\n"
        "    dosage: {minutes: 10}\n")
    result = run_in(root, "check", "--no-render")
    assert "programs/back.yaml:6: warning: items[3].handout: 'back-massage' is already " \
        "item 1 of this program: it is printed twice, and a dose changed at the desk or " \
        "with --item changes only the first; give each handout once" in result.output
    assert result.exit_code == 0, result.output  # a warning: a program that printed prints
    made = run_in(root, "program", "back", "--client", "Ana Ruiz")
    assert made.exit_code == 0, made.output  # the program command says it too
    assert "programs/back.yaml:6: warning: items[3].handout: 'back-massage' is already " \
        "item 1 of this program" in made.output


def test_the_command_writes_one_pdf_that_names_nobody(project: Path) -> None:
    result = run_in(project, "program", "desk-worker-week-1", "--client", "Ana Ruiz",
                    "--therapist", "Sam Lee", "--item", "back-massage per-day=2",
                    "--given", dt.date.today().isoformat(), "--record")
    assert result.exit_code == 0, result.output
    written = re.search(r"wrote (\S+) \((\d+) pages: cover, 2 handouts, tracking sheet\)",
                        result.output)
    assert written is not None
    path = Path(written.group(1))
    assert path.parent == project / "output" / "clients" and "Ana" not in path.name
    assert len(pdf_pages(path.read_bytes(), by_position=True)) == int(written.group(2))
    assert "Ana" not in result.output
    assert result.output.splitlines()[-1] == (
        f"Home program (Desk worker, week 1) given {dt.date.today().isoformat()} by Sam Lee, "
        "English: "
        "A 5-minute stretch break for desk workers — content reviewed 2026-11-02 — "
        "5 repetitions, hold 10 seconds, 3 times a day, 5 days a week; "
        "How to give a back massage — content reviewed 2026-11-02 — "
        "for 10 minutes, twice a day, 3 days a week.")


def test_a_spanish_programs_record_is_in_the_clinics_words(tmp_path: Path) -> None:
    """QA: the record of a Spanish program gave its Spanish title beside the English
    handout titles and dose; the record is for the clinic's own files, in its words."""
    root = _with_program(tmp_path / "p", "espalda", (
        "title: Back care\nitems:\n  - handout: back-massage\n    dosage: {minutes: 5}\n"
        "translations:\n  es:\n    title: Cuidado de la espalda\n"))
    result = run_in(root, "program", "espalda", "--client", "Ana Ruiz", "--language", "es",
                    "--record")
    assert result.exit_code == 0, result.output
    line = result.output.splitlines()[-1]
    assert line.startswith("Home program (Back care) given ") and "Cuidado" not in line
    [made] = (root / "output").rglob("program-*.pdf")
    assert "Cuidado de la espalda" in pdf_pages(made.read_bytes(), by_position=True)[0]


def test_the_record_holds_only_what_was_given(project: Path) -> None:
    _, program = _packet(project, *TWO)
    whole = load_project(project)
    loaded_project, loaded = whole.project, whole.documents
    text = record(loaded_project, {d.name: d for d in loaded}, program)  # type: ignore[arg-type]
    for detail in ("Ana", "Ruiz", "Go easy", "Keep the shoulders", "2026-12-15"):
        assert detail not in text
    assert text == ("Home program given 2026-12-07 by Sam Lee, English: "
                    "A 5-minute stretch break for desk workers — content reviewed 2026-11-02 — "
                    "3 sets of 10, twice a day; How to give a back massage — content reviewed "
                    "2026-11-02 — for 5 minutes, right side, 3 days a week.")


def test_the_record_names_the_audience_by_its_label(project: Path) -> None:
    """QA: the record said "caregivers" (the key in handouts.yaml), the desk "Caregivers"."""
    _, program = _packet(project, *TWO, audience="desk-workers")
    whole = load_project(project)
    text = record(whole.project, {d.name: d for d in whole.documents}, program)  # type: ignore[arg-type]
    label = whole.project.config.audiences["desk-workers"].label
    assert label != "desk-workers"
    assert text.startswith(f"Home program given 2026-12-07 by Sam Lee, {label}, English: ")


def test_weeks_out_of_range_is_said_with_the_items_mistakes(project: Path) -> None:
    """QA: --weeks 100 was said alone (Click's range), the --item mistakes only once it
    was fixed."""
    result = run_in(project, "program", "--client", "Ana Ruiz", "--weeks", "100",
                    "--item", "back-massage sets=three")
    assert result.exit_code == 2
    assert result.output.splitlines()[-2:] == [
        "Error: --item 1: sets: must be a whole number",
        "--weeks: must be a number of weeks from 1 to 12"]


def test_bad_options_exit_2_and_name_every_problem(project: Path) -> None:
    result = run_in(project, "program", "--client", "Ana Ruiz",
                    "--item", "back-massage sets=50", "--item", "desk-stretch-break side=up")
    assert result.exit_code == 2
    assert "Error: --item 1: sets: must be at most 20\n" \
        "--item 2: side: must be one of 'left', 'right', 'both' or 'each'" in result.output
    assert "Ana" not in result.output


def test_a_date_past_any_clinics_calendar_is_a_usage_error(project: Path) -> None:
    """Its tracking sheet would count weeks past the last date there is (a traceback
    before): refused as the option's mistake, in every place a date is typed."""
    for option in ("--given", "--next-appointment"):
        for value in ("9999-12-31", "0001-01-01"):
            result = run_in(project, "program", "back-massage", "--client", "Ana Ruiz",
                            option, value)
            assert result.exit_code == 2, result.output
            assert (f"Error: Invalid value for '{option}': must be a date from the year "
                    "1900 to 2999") in result.output
            assert value not in result.output
    with pytest.raises(ValidationError) as raised:
        _packet(project, *TWO, given=dt.date(9999, 12, 31))
    assert [p.format() for p in raised.value.problems] == [
        "--given: must be a date from the year 1900 to 2999"]


def test_one_handout_given_twice_on_the_command_line_is_refused(project: Path) -> None:
    before = sorted(project.rglob("*.pdf"))
    result = run_in(project, "program", "--client", "Ana Ruiz", "--item",
                    "back-massage sets=2", "--item", "back-massage reps=5")
    # A bad --item (exit 2), as when another --item has a bad dose beside it.
    assert result.exit_code == 2
    assert "--item 2: 'back-massage' is already --item 1; give each handout once" \
        in result.output
    assert sorted(project.rglob("*.pdf")) == before


def test_a_bad_dose_hides_no_other_mistake_of_the_command_line(project: Path) -> None:
    """A dose out of range, a handout that does not exist and one given twice: said
    together (the first run named only the dose, the next the rest)."""
    result = run_in(project, "program", "--client", "Ana Ruiz", "--item",
                    "back-massage sets=30", "--item", "nope", "--item", "back-massage reps=2")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert any("--item 1: sets: must be at most 20" in line for line in lines), lines
    assert any("--item 2: no such handout 'nope'" in line for line in lines), lines
    assert any("--item 3: 'back-massage' is already --item 1" in line for line in lines), lines
    assert "Ana Ruiz" not in result.output


def test_unknown_handouts_and_programs_are_errors_and_nothing_is_written(
        tmp_path: Path) -> None:
    root = copy_example(tmp_path / "p")
    result = run_in(root, "program", "--client", "Ana",
                    "--item", "knee-bends reps=5")
    assert result.exit_code == 2  # a bad --item; the same with a bad dose beside it
    assert "--item 1: no such handout 'knee-bends' (available: back-massage, " \
        "desk-stretch-break)" in result.output
    result = run_in(root, "program", "nope",
                    "--client", "Ana")
    assert result.exit_code == 1
    assert "programs/nope.yaml: no such program (available: none: add " \
        "programs/<name>.yaml)" in result.output
    assert not (root / "output").exists()


def test_a_typo_in_another_file_stops_only_the_programs_that_use_it(tmp_path: Path) -> None:
    """The owner saves a typo into one handout and one program file during opening
    hours: a program that uses neither is still made; one that uses either is refused
    at that file's line, and nothing is written for it."""
    root = copy_example(tmp_path / "p")
    (root / "programs").mkdir()
    (root / "programs" / "massage-only.yaml").write_text(
        "title: Massage only\nitems:\n  - handout: back-massage\n", encoding="utf-8")
    (root / "programs" / "both.yaml").write_text(
        "title: Both\nitems:\n  - handout: back-massage\n  - handout: desk-stretch-break\n",
        encoding="utf-8")
    (root / "programs" / "typo.yaml").write_text(
        "title: Typo\nitems:\n  - handout: back-massage\n   oops\n", encoding="utf-8")
    stretch = root / "content" / "desk-stretch-break.yaml"
    stretch.write_text(stretch.read_text(encoding="utf-8").replace(
        "title:", "title: [unclosed", 1), encoding="utf-8")
    for args in (("--item", "back-massage reps=3"), ("massage-only",)):
        result = run_in(root, "program", *args, "--client", "Ana")
        assert result.exit_code == 0, result.output
        assert "wrote " in result.output
    written = set((root / "output" / "clients").iterdir())
    broken = "content/desk-stretch-break.yaml:"
    for args, file in ((("both",), broken), (("--item", "desk-stretch-break reps=3"), broken),
                       (("typo",), "programs/typo.yaml:4:")):
        result = run_in(root, "program", *args, "--client", "Ana")
        assert result.exit_code == 1
        assert result.stderr.startswith(file), result.stderr
        assert "1 error; nothing was written." in result.stderr
    assert set((root / "output" / "clients").iterdir()) == written
    result = run_in(root, "program", "nope", "--client", "Ana")
    assert "programs/nope.yaml: no such program (available: both, massage-only, typo)" \
        in result.output


def test_a_note_with_a_control_character_is_refused_without_quoting_it(project: Path) -> None:
    whole = load_project(project)
    loaded_project, loaded = whole.project, whole.documents
    with pytest.raises(ValidationError) as caught:
        plan_program(loaded_project, {d.name: d for d in loaded}, client=CLIENT,
                     changes=(ItemChange("back-massage", Dosage(), "secret\x07note"),))
    assert [p.format() for p in caught.value.problems] == [
        "--item 1 note: has an invisible control character (U+0007) at character 7; "
        "retype it without that character"]


def test_a_spanish_program_words_the_dose_in_spanish(project: Path) -> None:
    pdf, _ = _packet(project, ItemChange("back-massage", Dosage(sets=3, reps=10, per_day=2)),
                     language="es")
    texts = pdf_pages(pdf, by_position=True)
    assert "Su programa para casa" in texts[0]
    assert "3 series de 10, 2 veces al día" in " ".join(texts[0].split())
    assert re.findall(r"Página \d+ de \d+", texts[0]) == [f"Página 1 de {len(texts)}"]
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert str(doc.Root.Lang) == "es"


@pytest.mark.parametrize(("language", "expected"), [
    ("es", "3 series de 10, 2 veces al día"),
    ("zh", "3 组，每组 10 次，每天 2 次"),
    ("ar", "عدد المجموعات: 3، عدد التكرارات في كل مجموعة: 10، مرتين في اليوم")])
def test_the_dose_is_joined_with_the_languages_own_comma(language: str, expected: str) -> None:
    assert describe_dosage(Dosage(sets=3, reps=10, per_day=2), language) == expected


def test_a_desk_worker_lays_out_only_the_next_clients_details_byte_for_byte(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process making programs one after another (a desk worker) keeps the layouts it
    made: the next client's packet lays out only that client's details and swaps them in
    (the plan boxes' backgrounds placed again), with the bytes of a full render."""
    whole = load_project(project)
    loaded_project, loaded = whole.project, whole.documents
    documents = {d.name: d for d in loaded}

    def plan(client: Client) -> object:
        return plan_program(loaded_project, documents, client=client, changes=TWO,
                            given=GIVEN, weeks=2)

    bounded = ProgramLayouts(limit=3)
    make_program(loaded_project, documents, plan(CLIENT), layouts=bounded)
    assert bounded.kept == 3  # of four (two handouts, the cover, the tracking sheet)
    layouts = ProgramLayouts()
    make_program(loaded_project, documents, plan(CLIENT), layouts=layouts)
    assert (layouts.swapped, layouts.kept) == (0, 4)
    other = Client("Bo Chen", "Rest on Sunday.", "Sam Lee", dt.date(2026, 12, 16))
    rendered = []
    render_html = program_module.render_html
    monkeypatch.setattr(program_module, "render_html",
                        lambda page, *a: rendered.append(page.numbering) or render_html(page, *a))
    made = make_program(loaded_project, documents, plan(other), layouts=layouts)
    monkeypatch.undo()
    assert layouts.swapped == 4
    # Each handout's page is rendered once, for its fitting key (no numbering): the
    # numbered page's key was kept from the first program.
    assert rendered == [None, None]
    assert made.pdf == make_program(loaded_project, documents, plan(other)).pdf
    assert "Ana Ruiz" not in "".join(pdf_pages(made.pdf, by_position=True))
    # A note long enough to change the cover's height: laid out in full where it differs.
    wordy = Client("Cy Dee", "Walk a little every day. " * 12, "Sam Lee")
    swapped = layouts.swapped
    made = make_program(loaded_project, documents, plan(wordy), layouts=layouts)
    assert made.pdf == make_program(loaded_project, documents, plan(wordy)).pdf
    assert layouts.swapped > swapped  # the handouts' blocks are the same height


def test_a_named_copy_gives_its_record_too_and_nothing_of_the_client(project: Path) -> None:
    """``handouts build --client ... --record``: the paragraph for a single named copy,
    in the version made, with the therapist and the day; never the client's details."""
    result = run_in(project, "-q", "build", "back-massage", "--client", "Ana Ruiz",
                    "--therapist", "Sam Lee", "--note", "Go easy this week.",
                    "--language", "es", "--large-print", "--paper", "a4", "--record")
    assert result.exit_code == 0, result.output
    today = dt.date.today().isoformat()
    assert result.stdout == (
        f"Handout given {today} by Sam Lee, Spanish, large print, A4: "
        "How to give a back massage — content reviewed 2026-11-02.\n")
    refused = run_in(project, "build", "back-massage", "--record")
    assert refused.exit_code == 2
    assert "--record need --client" in refused.output


@pytest.mark.slow
def test_a_packet_past_its_time_limit_is_one_located_problem(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing the packet runs under defaults.render_timeout like every render: past it,
    one problem naming the packet (never a RenderTimeout escaping as a traceback)."""
    root = copy_example(tmp_path / "p")
    edit(root / "handouts.yaml", "  output: output", "  output: output\n  render_timeout: 3")
    engine = pdf.engine()

    def stuck(*args: object, **kwargs: object) -> object:
        time.sleep(60)  # the alarm ends it after 3 s
        raise AssertionError("the time limit did not stop the write")

    monkeypatch.setattr(engine, "write", stuck)
    with pytest.raises(RenderError) as caught:
        _packet(root, *TWO)
    assert [p.format() for p in caught.value.problems] == [
        "the home program's cover and tracking sheet: took longer than 3 s to render and "
        "was stopped (defaults.render_timeout in handouts.yaml)"]


def test_two_digit_page_numbers_stay_on_one_line_in_spanish_large_print(
        tmp_path: Path) -> None:
    """"Página 10 de 23" is wider than a fifth of the footer at 14 pt on A4: the page
    number's box takes what its words need, so it never breaks over two lines (it did,
    as "Página 10 de" above "23")."""
    init_project(tmp_path, library=FIVE)  # with the clinic's words in Spanish
    changes = tuple(ItemChange(name, Dosage(sets=2, per_day=2)) for name in FIVE)
    pdf, _ = _packet(tmp_path, *changes, language="es", print_size="large", paper="a4")
    texts = pdf_pages(pdf, by_position=True)
    assert len(texts) >= 20
    for number, text in enumerate(texts, start=1):
        assert re.findall(r"Página \d+ de \d+", text) == [f"Página {number} de {len(texts)}"]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in (doc.pages[9], doc.pages[-1]):
            words = page.extract_words()
            label = next(w for w in words if w["text"] == "Página")
            line = [w for w in words if abs(w["top"] - label["top"]) < 2
                    and w["x0"] >= label["x0"]]
            assert [w["text"] for w in line] == ["Página", str(page.page_number), "de",
                                                 str(len(texts))]
            assert line[-1]["x1"] <= page.width - 50  # within the right margin (18 mm)
            # Nothing of the clinic's footer runs into it.
            assert not [w for w in words if label["top"] - 2 < w["top"] < label["top"] + 40
                        and w["x0"] < label["x0"] < w["x1"]]


# ------------------------------------------- a program file's characters, a note's length

#: A character none of the example's fonts has (an emoji).
EMOJI = "\N{FLEXED BICEPS}"
UNPRINTABLE = ("has 1 character that no font can print (emoji) \N{EM DASH} add a font "
               "under fonts: in handouts.yaml")
#: Every text field of a program file holding the emoji: title (line 1), description
#: (2), a dose text (5), a translated title (8).
EMO = f"""\
title: Stretch {EMOJI}
description: Stretch and rest {EMOJI}
items:
  - handout: back-massage
    dosage: {{minutes: 5, text: before bed {EMOJI}}}
translations:
  es:
    title: Estirar {EMOJI}
"""


def test_a_program_files_note_no_font_can_print_is_said_at_its_line(tmp_path: Path) -> None:
    """QA F1: the note's problem was named "the clinic program's item 1 note", with no
    file or line, as if the therapist had typed it; it is the program file's, at its
    line and field as every other mistake of that file."""
    root = _with_program(tmp_path / "p", "espalda",
                         "title: Espalda\nitems:\n  - handout: back-massage\n"
                         f"    note: Ask your partner to help. {EMOJI}\n")
    result = run_in(root, "program", "espalda", "--client", "Ana Ruiz")
    assert error_lines(result) == [f"programs/espalda.yaml:4: items[1].note: {UNPRINTABLE}"]
    assert not (root / "output").exists()
    assert "Ana" not in result.output


def test_every_text_of_a_program_file_has_the_characters_rule(tmp_path: Path) -> None:
    """QA F2: an emoji in a program's title printed an empty box on the client's cover
    with only the engine's warning, and check said nothing of a program file's
    characters. Both commands now refuse every text field (the title, description, a
    dose text and their translations) at its line, by one rule, before writing."""
    root = _with_program(tmp_path / "p", "emo", EMO)
    at = {1: "title", 2: "description", 5: "items[1].dosage.text", 8: "translations.es.title"}
    expected = {line: f"programs/emo.yaml:{line}: {field}: {UNPRINTABLE}"
                for line, field in at.items()}
    checked = run_in(root, "check", "--no-render")
    assert checked.exit_code == 1, checked.output
    assert [line for line in checked.output.splitlines()
            if line.startswith("programs/emo.yaml") and "warning" not in line] == \
        list(expected.values())
    english = run_in(root, "program", "emo", "--client", "Ana Ruiz")
    assert error_lines(english) == [expected[1], expected[2], expected[5]]
    spanish = run_in(root, "program", "emo", "--client", "Ana Ruiz", "--language", "es")
    # In Spanish its Spanish title is printed; the rest has no Spanish words (as written).
    assert [line for line in error_lines(spanish) if "warning" not in line] == \
        [expected[2], expected[5], expected[8]]
    assert not (root / "output").exists()


def test_a_notes_length_has_one_limit_wherever_it_is_typed(project: Path) -> None:
    """QA F8: a program file's note holds 300 characters, but --item accepted 2,000. The
    same limit and message everywhere (never quoting the note)."""
    note = "Keep the shoulders low. " * 84  # 2,016 characters
    result = run_in(project, "program", "desk-worker-week-1", "--client", "Ana Ruiz",
                    "--item", f'desk-stretch-break note="{note}"')
    assert result.exit_code == 2, result.output
    assert "Error: --item 1 note: is too long (at most 300 characters)\n" in result.output
    assert "Keep the shoulders" not in result.output and "Ana" not in result.output
    whole = load_project(project)
    documents = {d.name: d for d in whole.documents}
    # 300 characters is a note; one more is not, as in a program file.
    plan_program(whole.project, documents, client=CLIENT,
                 changes=(ItemChange("back-massage", Dosage(), "x" * 300),))
    with pytest.raises(ValidationError) as caught:
        plan_program(whole.project, documents, client=CLIENT,
                     changes=(ItemChange("back-massage", Dosage(), "x" * 301),))
    assert [p.format() for p in caught.value.problems] == [
        "--item 1 note: is too long (at most 300 characters)"]


def test_an_empty_note_clears_the_clinic_programs_note_for_this_client(
        project: Path) -> None:
    """QA F9: ``note=""`` kept the program's note (while ``text=""`` is refused); a
    therapist who empties it means this client gets none."""
    kept = "Set a reminder for mid-morning"
    result = run_in(project, "program", "desk-worker-week-1", "--client", "Ana Ruiz",
                    "--item", 'desk-stretch-break note=""', "--given", dt.date.today().isoformat())
    assert result.exit_code == 0, result.output
    written = re.search(r"wrote (\S+) ", result.output)
    assert written is not None
    path = Path(written.group(1))
    text = " ".join(" ".join(pdf_pages(path.read_bytes(), by_position=True)).split())
    path.unlink()
    assert "YOUR PLAN" in text and "5 repetitions" in text  # the plan box, without the note
    assert kept not in text
    # The program's note is printed when the therapist leaves it be.
    whole = load_project(project)
    programs = load_clinic_programs(project, whole.documents)
    program = plan_program(whole.project, {d.name: d for d in whole.documents},
                           client=CLIENT, clinic_program=programs["desk-worker-week-1"],
                           changes=(ItemChange("desk-stretch-break", Dosage(reps=6)),))
    assert program.items[0].note is not None and program.items[0].note.startswith(kept)


#: A one-week program whose doses last three and two weeks.
SHORT_SHEET = """title: Short
weeks: 1
items:
  - handout: back-massage
    dosage: {minutes: 5, weeks: 3}
  - handout: desk-stretch-break
    dosage: {sets: 2, weeks: 2}
"""


def test_the_dose_weeks_warning_judges_the_sheet_that_is_printed(tmp_path: Path) -> None:
    """QA: ``program NAME --weeks 3`` still printed the file's warnings against its 1
    week (the printed sheet covers every dose), and ``--weeks 2`` said the first dose
    twice, against two sheets. The file's own warning is said for the file's sheet
    and doses only; a program printed with other weeks is judged as printed, once."""
    root = _with_program(tmp_path / "p", "short", SHORT_SHEET)

    def said(*options: str) -> list[str]:
        result = run_in(root, "program", "short", "--client", "Ana", *options)
        assert result.exit_code == 0, result.output
        return [line for line in result.stderr.splitlines() if "weeks" in line]

    def file_line(item: int, weeks: int) -> str:
        return (f"programs/short.yaml:{3 + 2 * item}: warning: items[{item}].dosage.weeks: "
                "is longer than the program's weeks (1): the tracking sheet stops before "
                f"this dose ends; make the program's weeks at least {weeks}, or this "
                "dose's weeks shorter")

    assert said() == [file_line(1, 3), file_line(2, 2)]
    assert said("--weeks", "3") == []
    assert said("--weeks", "2") == [
        "programs/short.yaml:5: warning: items[1].dosage.weeks: is longer than the "
        "program's weeks (2): the tracking sheet stops before this dose ends; make the "
        "program's weeks at least 3, or this dose's weeks shorter"]
    assert said("--weeks", "2", "--item", "back-massage weeks=2") == []
    assert said("--item", "back-massage weeks=1") == [file_line(2, 2)]


def test_the_cover_s_table_never_leaves_one_row_alone(project: Path) -> None:
    """QA: in large print, a two-item program's cover table was split one row on each
    page (and a six-item one left its last row alone) under a repeated header. A break
    now keeps two rows at least on each side: this table moves whole, with its
    heading, to the cover's second page."""
    long = (ItemChange("back-massage", Dosage(minutes=10, per_day=2, days_per_week=6, weeks=4,
                                              side="both", text="after a warm shower")),
            ItemChange("desk-stretch-break", Dosage(sets=3, reps=10, hold=30, rest=60,
                                                    per_day=8, days_per_week=5, weeks=4,
                                                    side="each")))
    whole = load_project(project)
    documents = {d.name: d for d in whole.documents}
    program = plan_program(whole.project, documents, client=dataclasses.replace(
        CLIENT, name="Christopher Montgomery-Williamson", therapist="Alexandra Papadopoulos"),
        changes=long, given=GIVEN, print_size="large", weeks=4)
    texts = pdf_pages(make_program(whole.project, documents, program).pdf)
    rows = [n for n, text in enumerate(texts[:2]) for title in (
        "How to give a", "A 5-minute") if title in text]
    assert len(rows) == 2 and rows[0] == rows[1], rows
    assert "What to do" in texts[rows[0]]


def test_a_three_row_large_print_cover_keeps_its_heading_and_header_with_its_rows(
        tmp_path: Path) -> None:
    """QA: three items with ordinary long doses in large print: "two rows at least on
    each side of a break" asked the three to stay together, taller than the page; the
    cover ran to four pages, "What to do" alone on one, the first rows on the next
    without the table's header."""
    dose = Dosage(sets=3, reps=10, hold=30, rest=60, per_day=2, days_per_week=5, weeks=1,
                  side="each", text="Lie on your back with a pillow under your knees and breathe")
    copy_example(tmp_path)
    add_handouts(tmp_path, choose(("foam-rolling",), "test"))
    pdf, _ = _packet(tmp_path, ItemChange("foam-rolling", dose),
                     ItemChange("back-massage", dose), ItemChange("desk-stretch-break", dose),
                     print_size="large")
    texts = pdf_pages(pdf, by_position=True)
    cover = [n for n, text in enumerate(texts[:4]) if "How much" in text]
    heading = next(n for n, text in enumerate(texts) if "What to do" in text)
    rows = (r"1 Foam rolling", r"2 How to give a", r"3 A 5-minute stretch")
    with_rows = sorted({n for n, text in enumerate(texts[:4]) for row in rows
                        if re.search(row, text)})
    assert len(with_rows) >= 1
    assert heading == with_rows[0], (heading, with_rows)  # the heading with its first rows
    assert set(with_rows) <= set(cover)  # the table's header on every page of its rows
    assert max(with_rows) <= 1  # the cover takes two pages at most


def test_a_handout_template_without_the_plan_box_is_said_not_used(tmp_path: Path) -> None:
    """QA (upgrades): a handout.html.j2 copied by ``init --with-theme`` before home
    programs existed has no "Your plan" box: a program made with it printed no dose
    and no note, and nothing said so. The program is refused, naming the template and
    what to add; ``check`` warns before any program is made."""
    root = tmp_path / "p"
    init_project(root, with_theme=True)
    template = root / "templates" / "handout.html.j2"
    text = template.read_text(encoding="utf-8")
    old = re.sub(r"\{% if page\.plan %\}.*?\{% endif %\}\n</section>", "</section>", text,
                 flags=re.S)
    assert old != text
    template.write_text(old, encoding="utf-8")
    made = run_in(root, "program", "--client", "Ana Ruiz", "--item",
                  'hand-self-massage sets=3 reps=10 per-day=2 note="Go slow"')
    assert made.exit_code == 1
    assert made.stderr.splitlines()[-2:] == [
        "templates/handout.html.j2: prints no \"Your plan\" box (page.plan), so each "
        "handout's dose and note would be left out of the program; add the {% if page.plan "
        "%} block of the built-in handout.html.j2 to it ('handouts init NEW --with-theme' "
        "copies that template into NEW/templates/), or delete the copy to use the built-in "
        "design", "1 error; nothing was written."]
    assert not (root / "output").exists()
    checked = run_in(root, "check", "--no-render")
    assert "templates/handout.html.j2: warning: prints no \"Your plan\" box (page.plan), so " \
        "each handout's dose and note would be left out of every home program" \
        in checked.output
    template.write_text(text, encoding="utf-8")  # the copy as init makes it now
    assert run_in(root, "program", "--client", "Ana Ruiz", "--item",
                  'hand-self-massage sets=3 reps=10 per-day=2 note="Go slow"').exit_code == 0
    assert "Your plan" not in run_in(root, "check", "--no-render").output


def _bands(page: pdfplumber.page.Page) -> list[tuple[str, float]]:
    """Each box's coloured band (a border on one side only, 4-6 pt wide), as the side it
    is on and its top: WeasyPrint paints a box's border as the region between two
    paths of the border's colour, its outer edge and its inner one."""
    paths = [c for c in page.curves if c.get("fill") and c["height"] > 10]
    found = []
    for outer, inner in itertools.permutations(paths, 2):
        if (round(outer["top"], 1), round(outer["height"], 1)) != \
                (round(inner["top"], 1), round(inner["height"], 1)) or \
                outer.get("non_stroking_color") != inner.get("non_stroking_color"):
            continue
        left, right = inner["x0"] - outer["x0"], outer["x1"] - inner["x1"]
        if 4 <= left <= 6 and abs(right) < 0.5:
            found.append(("left", round(outer["top"])))
        elif 4 <= right <= 6 and abs(left) < 0.5:
            found.append(("right", round(outer["top"])))
    return found


def test_the_boxes_bands_are_on_the_right_in_an_arabic_program(project: Path) -> None:
    """QA: in Arabic the "Stop right away if" box, the "Your plan" box and the personal
    card kept their coloured band on the left, where a right-to-left reader's eye
    ends, not starts (the tips had it on the right). Every band is on the start side."""
    data, _ = _packet(project, ItemChange("back-massage", Dosage(sets=3), "Despacio."),
                      language="ar")
    english, _ = _packet(project, ItemChange("back-massage", Dosage(sets=3), "Slowly."))
    with pdfplumber.open(io.BytesIO(data)) as arabic, \
            pdfplumber.open(io.BytesIO(english)) as latin:
        start = _starts([p.extract_text() or "" for p in latin.pages], "How to give a back")
        for pdf, side in ((arabic, "right"), (latin, "left")):
            bands = _bands(pdf.pages[start - 1])
            assert len(bands) >= 3, bands  # the card, its plan and the stop box at least
            assert {found for found, _ in bands} == {side}, bands


def test_a_note_in_a_latin_language_ends_with_its_full_stop_on_an_arabic_page(
        project: Path) -> None:
    """QA: an English (or Spanish) note on an Arabic page printed its full stop at its
    start (".Despacio, por favor"): the page's direction took the punctuation at the
    note's ends. The note keeps its own direction: the stop right of the last word."""
    data, _ = _packet(project, ItemChange("back-massage", Dosage(sets=3),
                                          "Despacio, por favor."), language="ar")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            chars = page.chars
            starts = [i for i in range(len(chars) - 1)
                      if chars[i]["text"] == "D" and chars[i + 1]["text"] == "e"]
            if not starts:
                continue
            top = chars[starts[0]]["top"]
            line = [c for c in chars if abs(c["top"] - top) < 7]
            letters = [c for c in line if c["text"].isalpha()]
            stops = [c for c in line if c["text"] == "."]
            assert stops and letters
            assert min(c["x0"] for c in stops) > max(c["x0"] for c in letters), \
                "the full stop is not at the note's end"
            break
        else:
            raise AssertionError("the note is on no page")


def test_checking_one_handout_says_only_the_programs_that_give_it(tmp_path: Path) -> None:
    """QA (the desk): one broken program file put an error on every handout's badge, the
    handouts it never gives included (the badge checks one handout, as ``check NAME``).
    Checking some handouts says the problems of the program files that name one of
    them; checking all says every one."""
    root = _with_program(tmp_path / "p", "back",
        "title: Back\nitems:\n  - handout: back-massage\n    dosage: {sets: 30}\n")
    said = "programs/back.yaml:4: items[1].dosage.sets: must be at most 20"
    assert said in run_in(root, "check", "--no-render").output
    assert said in run_in(root, "check", "back-massage", "--no-render").output
    other = run_in(root, "check", "desk-stretch-break", "--no-render")
    assert "programs/back.yaml" not in other.output
    assert other.exit_code == 0, other.output
