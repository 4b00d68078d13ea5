"""The client CSV for ``handouts merge``: strict about its shape, silent about the people in it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import handouts.variants.clientcsv as clientcsv
from handouts.commands.merge import merge
from handouts.project.load import load_project
from handouts.variants.clientcsv import COLUMNS, KNOWN_COLUMNS, Choices, read_rows

from .fuzz import fuzz
from .helpers import pdf_text, run_in

HEADER = ",".join(COLUMNS)
HANDOUTS = {"back-massage": ["en", "es"], "desk-stretch-break": ["en"]}
CHOICES = Choices(HANDOUTS, ["general", "desk-workers"], "en", "letter")
ALL_COLUMNS = ", ".join(KNOWN_COLUMNS)
SAVE_AS = "save the file as CSV with commas, semicolons or tabs"


def _read(tmp_path: Path, text: str | bytes) -> tuple[list[clientcsv.Row], list[str]]:
    path = tmp_path / "clients.csv"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    rows, problems = read_rows(path, "clients.csv", CHOICES)
    return rows, [p.format() for p in problems]


def _row(**cells: str) -> str:
    return ",".join(cells.get(c, "") for c in COLUMNS)


GOOD = _row(client="Ann Lee", handout="back-massage")


# --- delimiters --------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_files_work(tmp_path: Path, delimiter: str) -> None:
    text = (HEADER + "\n" + _row(client="Ann Lee", handout="back-massage", language="es",
                                 paper="a4", note="Hello, world") + "\n").replace(",", delimiter)
    text = text.replace("Hello" + delimiter + " world", '"Hello, world; ok"')
    rows, problems = _read(tmp_path, text)
    assert problems == []
    [row] = rows
    assert (row.client.name, row.variant.handout, row.variant.language, row.variant.paper) == \
        ("Ann Lee", "back-massage", "es", "a4")
    assert row.client.note == "Hello, world; ok"


def test_headers_as_spreadsheets_write_them_name_the_same_columns(tmp_path: Path) -> None:
    rows, problems = _read(tmp_path, "Client, Handout ,Next Appointment,Large-Print,NOTE\n"
                                     "Ann Lee,back-massage,2026-12-15,yes,Gently\n")
    assert problems == []
    [row] = rows
    assert (row.client.name, row.variant.handout, str(row.client.next_appointment),
            row.variant.print, row.client.note) == \
        ("Ann Lee", "back-massage", "2026-12-15", "large", "Gently")


def test_delimiter_is_counted_outside_quotes(tmp_path: Path) -> None:
    # The semicolons inside the quoted header cell do not outvote the real commas.
    text = '"client;;;;;;;",handout\n"Ann Lee",back-massage\n'
    _, problems = _read(tmp_path, text)
    assert problems == ["clients.csv:1: column 1: is not a known column "
                        f"(choose from {ALL_COLUMNS})", "clients.csv:1: client: column is missing"]


def test_other_separators_are_refused_by_name(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, HEADER.replace(",", "|") + "\nAnn Lee|back-massage\n")
    assert problems == [f"clients.csv:1: the columns are separated by '|'; {SAVE_AS}"]
    _, problems = _read(tmp_path, "client handout\nAnn Lee back-massage\n")
    assert problems == [f"clients.csv:1: cannot tell what separates the columns; {SAVE_AS}"]


# --- field counts ------------------------------------------------------------------------


def test_rows_with_the_wrong_number_of_fields_are_not_built(tmp_path: Path) -> None:
    text = "\n".join([
        HEADER,
        GOOD,
        _row(client="Bo Diaz", handout="back-massage", note="Sore hip, worse at night, x"),
        "Cy Ng",  # the handout (a required column) is not there at all
        "",
        _row(client="Di Fox", handout="desk-stretch-break"),
        _row(client="Ed Ray", handout="back-massage") + ",,x",
        "",
    ])
    rows, problems = _read(tmp_path, text)
    assert problems == [
        "clients.csv:3: has 12 fields, the header has 10 — an unquoted comma?",
        "clients.csv:4: has 1 field, the header has 10 — a missing column?",
        "clients.csv:7: has 12 fields, the header has 10 — an unquoted comma?",
    ]
    assert [(r.line, r.client.name) for r in rows] == [(2, "Ann Lee"), (6, "Di Fox")]


def test_a_comma_in_a_note_before_an_empty_last_cell_is_not_taken_for_padding(
        tmp_path: Path) -> None:
    """A note with an unquoted comma and no therapist after it: the row's one extra
    cell is empty, as padding would be, but the other rows have none, so its cells
    shifted (before, the PDF printed "Your therapist: slow pressure."). Padding that
    every row has, or that the header has too, is a spreadsheet's and is dropped."""
    header = "client,handout,note,therapist"
    shifted = "\n".join([header, "Sam Lee,back-massage,Use light, slow pressure.,",
                         "Ann Bee,back-massage,Go slowly,Ana Ruiz", ""])
    rows, problems = _read(tmp_path, shifted)
    assert problems == ["clients.csv:2: has 5 fields, the header has 4 — an unquoted comma?"]
    assert [r.line for r in rows] == [3]
    padded = "\n".join([header, "Sam Lee,back-massage,Use light,,", "Ann Bee,back-massage,x,Ana,",
                        ""])
    rows, problems = _read(tmp_path, padded)
    assert problems == []
    assert [(r.client.note, r.client.therapist) for r in rows] == [("Use light", None),
                                                                   ("x", "Ana")]
    rows, problems = _read(tmp_path, "\n".join([header + ",,", "Sam Lee,back-massage,a,,,",
                                                "Ann Bee,back-massage,b,Ana", ""]))
    assert problems == [] and len(rows) == 2


def test_rows_that_leave_out_trailing_optional_cells_are_built(tmp_path: Path) -> None:
    """Hand-written CSV often stops after the last cell it needs: nothing can have
    shifted, so the row is read with the left-out optional cells empty."""
    text = "\n".join([
        "client,handout,language,large_print,note",
        "Ann Lee,back-massage",
        "Bo Diaz,back-massage,es",
        "Cy Ng,desk-stretch-break,en,yes",
        "Di Fox,back-massage,es,no,Light pressure",
        "",
    ])
    rows, problems = _read(tmp_path, text)
    assert problems == []
    assert [(r.line, r.client.name, r.variant.language, r.variant.print, r.client.note)
            for r in rows] == [
        (2, "Ann Lee", "en", "standard", None), (3, "Bo Diaz", "es", "standard", None),
        (4, "Cy Ng", "en", "large", None), (5, "Di Fox", "es", "standard", "Light pressure")]


@pytest.mark.parametrize(("words", "large"), [
    (["yes", "Y", "sí", "SI", "si", "oui", "Ja", "true", "TRUE", "1", "x", " X "], True),
    (["no", "N", "non", "Nein", "false", "0", ""], False),
])
def test_large_print_yes_and_no_in_the_clinics_languages(tmp_path: Path, words: list[str],
                                                         large: bool) -> None:
    text = "client,handout,large_print\n" + "".join(
        f"Client {i},back-massage,{word}\n" for i, word in enumerate(words))
    rows, problems = _read(tmp_path, text)
    assert problems == []
    assert [r.variant.print for r in rows] == ["large" if large else "standard"] * len(words)


def test_too_many_fields_hint_names_the_delimiter(tmp_path: Path) -> None:
    text = HEADER.replace(",", ";") + "\n" + GOOD.replace(",", ";") + ";Oops;\n"
    _, problems = _read(tmp_path, text)
    assert problems == ["clients.csv:2: has 12 fields, the header has 10 — an unquoted semicolon?"]


# --- messages never repeat a value -------------------------------------------------------

SECRET = "Maria Secreta"


@pytest.mark.parametrize(("column", "message"), [
    ("handout", "is not a handout of this project (choose from back-massage, "
                "desk-stretch-break)"),
    ("audience", "is not an audience of this project (choose from general, desk-workers)"),
    ("language", "back-massage is not available in this language (choose from en, es)"),
    ("paper", "must be letter or a4"),
    ("large_print", "must be yes or no (also sí/no, oui/non, ja/nein, true/false, 1/0, x "
                    "or empty)"),
])
def test_no_column_echoes_its_value(tmp_path: Path, column: str, message: str) -> None:
    cells = {"client": "Ann Lee", "handout": "back-massage", column: SECRET}
    rows, problems = _read(tmp_path, f"{HEADER}\n{_row(**cells)}\n{GOOD}\n")
    assert problems == [f"clients.csv:2: {column}: {message}"]
    assert [r.line for r in rows] == [3]


def test_unknown_handout_empty_cells_and_bad_date(tmp_path: Path) -> None:
    row = _row(client=" ", handout="", language="Secreta", next_appointment="Maria 2026")
    _, problems = _read(tmp_path, f"{HEADER}\n{row}\n")
    assert problems == [
        "clients.csv:2: client: must not be empty",
        "clients.csv:2: handout: must not be empty (choose from back-massage, "
        "desk-stretch-break)",
        "clients.csv:2: language: no handout of this project is available in this language "
        "(choose from en, es)",
        "clients.csv:2: next_appointment: is not a date handouts can read; write it as "
        "12/15/2026 or 2026-12-15",
    ]


def test_a_next_appointment_before_today_is_a_warning_and_the_row_is_made(
        tmp_path: Path) -> None:
    """Last year's date typed in January: the row is still made (it prints as typed),
    with a warning at its line and column that never repeats the date; today's is
    fine."""
    from .helpers import copy_example

    root = copy_example(tmp_path / "p")
    today = dt.date.today()
    (root / "clients.csv").write_text(
        "client,handout,next_appointment\n"
        f"Ann Lee,back-massage,{(today - dt.timedelta(days=300)).isoformat()}\n"
        f"Bo Chan,back-massage,{today.isoformat()}\n", encoding="utf-8")
    result = run_in(root, "merge", str(root / "clients.csv"))
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if "next_appointment" in line] == [
        f"clients.csv:2: warning: next_appointment: is before the day it is given "
        f"({today.isoformat()}); check the year and the month (it prints as typed)"]
    assert len(list((root / "output" / "clients").iterdir())) == 2


def test_language_is_matched_without_regard_to_case(tmp_path: Path) -> None:
    rows, problems = _read(tmp_path, f"{HEADER}\n"
                                     f"{_row(client='A', handout='back-massage', language='ES')}\n")
    assert problems == []
    assert rows[0].variant.language == "es"


def test_header_is_named_by_position_never_by_value(tmp_path: Path) -> None:
    # A file without its header row: the first line is a client's.
    _, problems = _read(tmp_path, f"{GOOD}\n")
    assert problems == [f"clients.csv:1: the first line must be a header naming the columns "
                        f"({ALL_COLUMNS}); this one names none of them"]
    _, problems = _read(tmp_path, "client,Maria Secreta,,note,note\nAnn,x,y,z,w\n")
    assert problems == [
        f"clients.csv:1: column 2: is not a known column (choose from {ALL_COLUMNS})",
        f"clients.csv:1: column 3: has no name (choose from {ALL_COLUMNS})",
        "clients.csv:1: note: appears twice in the header (columns 4 and 5)",
        "clients.csv:1: handout: column is missing",
    ]


# --- line numbers and multi-line notes ---------------------------------------------------


def test_problems_name_the_line_where_the_row_starts(tmp_path: Path) -> None:
    note = '"First line, with a comma\nSecond ""quoted"" line\nThird"'
    text = "\n".join([
        "", HEADER,                                                   # header on line 2
        _row(client="Ann Lee", handout="back-massage", note=note),    # lines 3-5
        _row(client="Bo Diaz", handout="nope", note=note),            # lines 6-8
        _row(client="Cy Ng", handout="back-massage") + ",x",          # line 9
        "",
    ])
    rows, problems = _read(tmp_path, text)
    assert problems == [
        "clients.csv:6: handout: is not a handout of this project "
        "(choose from back-massage, desk-stretch-break)",
        "clients.csv:9: has 11 fields, the header has 10 — an unquoted comma?",
    ]
    [row] = rows
    assert row.line == 3
    assert row.client.note == 'First line, with a comma\nSecond "quoted" line\nThird'


def test_a_quote_that_is_never_closed_is_located(tmp_path: Path) -> None:
    text = f'{HEADER}\n{GOOD}\n{_row(client="Bo", handout="back-massage", note=chr(34) + "x")}' \
           f"\n{GOOD}\n"
    rows, problems = _read(tmp_path, text)
    assert problems == ['clients.csv:3: a quote (") opened in this row is never closed']
    assert [r.line for r in rows] == [2]


def test_text_after_a_closing_quote_is_located(tmp_path: Path) -> None:
    text = f'{HEADER}\n{_row(client=chr(34) + "Bo" + chr(34) + " Diaz", handout="back-massage")}' \
           f"\n{GOOD}\n"
    rows, problems = _read(tmp_path, text)
    assert problems == ["clients.csv:2: a quoted cell has text after its closing quote; quote "
                        'the whole cell and double any quote inside it ("")']
    assert [r.line for r in rows] == [3]


# --- encodings, sizes, empty files -------------------------------------------------------


def test_bom_and_windows_line_endings_load(tmp_path: Path) -> None:
    text = f'{HEADER}\r\n\r\n{_row(client="Ann Lee", handout="back-massage", note=chr(34) + "a" + chr(13) + chr(10) + "b" + chr(34))}\r\n{GOOD}\r\n'  # noqa: E501
    rows, problems = _read(tmp_path, b"\xef\xbb\xbf" + text.encode())
    assert problems == []
    assert [(r.line, r.client.note) for r in rows] == [(3, "a\nb"), (5, None)]


def test_files_that_are_not_utf8(tmp_path: Path) -> None:
    latin1 = f"{HEADER}\n{GOOD}\nJos\xe9 P\xe9rez,back-massage,,,,,,,\n".encode("latin-1")
    assert _read(tmp_path, latin1) == \
        ([], ["clients.csv:3: is not UTF-8 text; export it as 'CSV UTF-8'"])
    # Classic Mac Excel ends lines with CR alone: the line is still the byte's own.
    mac = f"{HEADER}\r{GOOD}\rJos\xe9 P\xe9rez,back-massage,,,,,,,\r".encode("mac_roman")
    assert _read(tmp_path, mac) == \
        ([], ["clients.csv:3: is not UTF-8 text; export it as 'CSV UTF-8'"])
    utf16 = f"{HEADER}\n{GOOD}\n".encode("utf-16")  # with its byte-order mark
    assert _read(tmp_path, utf16) == \
        ([], ["clients.csv: is UTF-16 text, not UTF-8; export it as 'CSV UTF-8'"])
    no_bom = f"{HEADER}\n{GOOD}\n".encode("utf-16-le")
    assert _read(tmp_path, no_bom) == ([], [
        "clients.csv:1: contains NUL bytes: the file looks like UTF-16 ('Unicode text'); "
        "export it as 'CSV UTF-8'"])


def test_nul_in_a_row_is_refused_for_that_row(tmp_path: Path) -> None:
    text = f"{HEADER}\n{_row(client='Ann', handout='back-massage', note='a' + chr(0) + 'b')}" \
           f"\n{GOOD}\n"
    rows, problems = _read(tmp_path, text)
    assert problems == ["clients.csv:2: note: contains a NUL character; export it as 'CSV UTF-8'"]
    assert [r.line for r in rows] == [3]


def test_enormous_cells_are_refused_by_line_and_column(tmp_path: Path) -> None:
    text = "\n".join([
        HEADER,
        _row(client="Ann", handout="back-massage", therapist="t" * 5001),
        _row(client="Bo", handout="back-massage", note='"' + "n" * 200_000 + '"'),
        GOOD,
        "",
    ])
    rows, problems = _read(tmp_path, text)
    assert problems == [
        "clients.csv:2: therapist: is longer than 5,000 characters",
        'clients.csv:3: a cell is far longer than 5,000 characters — a quote (") never closed?',
    ]
    assert [r.line for r in rows] == [4]


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    assert _read(tmp_path, "\n \n") == ([], [
        f"clients.csv: is empty: it needs a header line naming the columns ({ALL_COLUMNS}) "
        "and a line per client"])
    assert _read(tmp_path, f"{HEADER},,\n,,,,\n\n") == \
        ([], ["clients.csv: has no client rows, only the header"])


# --- through merge and the CLI -----------------------------------------------------------

NAME = "Zelda Quintanilla"
SHIFTED = ("Doe", "Jane", "Hip pain", "worse at night")
NOTE = 'Warm up first, then "gentle" strokes;\nstop if it hurts.\n\tBreathe slowly.'


def _merge_csv(tmp_path: Path) -> Path:
    rows = [
        HEADER,
        _row(client=NAME, handout="hand-self-massage", note=_quote(NOTE)),  # lines 2-4
        # An unquoted comma in the name and in the note: 11 fields instead of 9.
        _row(client="Doe, Jane", handout="hand-self-massage", note="Hip pain, worse at night"),
        _row(client="Bob Marsh", handout="hand-self-massage"),
    ]
    path = tmp_path / "clients.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def test_merge_refuses_the_shifted_row_and_builds_the_others(project: Path,
                                                             tmp_path: Path) -> None:
    result = merge(load_project(project), _merge_csv(tmp_path))
    assert [p.format() for p in result.problems] == [
        "clients.csv:5: has 12 fields, the header has 10 — an unquoted comma?"]
    assert not result.ok
    assert [line for line, _, _ in result.written] == [2, 6]
    text = pdf_text(result.written[0][1], squeezed=True)
    assert " ".join(NOTE.split()) in text  # commas, quotes and line breaks all survived
    assert NAME in text
    assert not any(s in pdf_text(result.written[1][1], squeezed=True) for s in SHIFTED)


def test_cli_merge_says_nothing_about_the_clients(project: Path, tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    csv_path = _merge_csv(tmp_path)
    result = run_in(project, "-v", "merge", str(csv_path))
    assert result.exit_code == 1
    assert "clients.csv:5: has 12 fields, the header has 10 — an unquoted comma?" in result.stderr
    assert "2 client PDF(s) written, 1 line(s) with errors" in result.output
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    names = [p.name.lower() for p in (project / "output").rglob("*")]
    assert len([n for n in names if n.endswith(".pdf")]) == 2
    for secret in (NAME, *SHIFTED, "Warm up", "Breathe"):
        assert secret not in result.output
        assert secret not in result.stderr
        assert secret not in logged
        for name in names:
            assert secret.lower() not in name
            assert secret.lower().replace(" ", "-") not in name


# --- property: never raises, never echoes ------------------------------------------------

SPECIAL = st.sampled_from(list(',;\t"\n\r '))
CELL = st.text(st.characters(codec="utf-8") | SPECIAL, max_size=14)
VALID = st.sampled_from(["back-massage", "es", "EN", "a4", "yes", "2026-01-02", "general", ""])
# Mostly rows of the header's width, so they reach the checks of each column.
RECORD = st.lists(CELL | VALID, min_size=len(COLUMNS), max_size=len(COLUMNS)) | \
    st.lists(CELL | VALID, max_size=12)
RANDOM_HEADER = st.lists(CELL | st.sampled_from(COLUMNS), max_size=10)
# Text a message may legitimately contain: the module's own words, project names,
# column names and the file name. A generated value found in a message that is not
# part of these came from the row.
ALLOWED = "\n".join([Path(clientcsv.__file__).read_text(encoding="utf-8"), *HANDOUTS,
                     *CHOICES.audiences, *CHOICES.languages(), "clients.csv",
                     clientcsv.YES_NO_CHOICES])  # the message's own words (in schema.py)


def _tokens(value: str) -> set[str]:
    pieces = [value, *re.split(r'[,;\t"\r\n]+', value)]
    return {p.strip() for p in pieces if len(p.strip()) >= 3}


@fuzz(200)
@given(header=st.just(list(COLUMNS)) | RANDOM_HEADER, records=st.lists(RECORD, max_size=6),
       delimiter=st.sampled_from([",", ";", "\t"]), quoted=st.booleans(), bom=st.booleans())
def test_read_rows_never_raises_and_never_echoes(
        tmp_path_factory: pytest.TempPathFactory, header: list[str], records: list[list[str]],
        delimiter: str, quoted: bool, bom: bool) -> None:
    if quoted:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows([header, *records])
        text = buffer.getvalue()
    else:  # as a careless export would write it: nothing quoted, so rows shift
        text = "\n".join(delimiter.join(r) for r in [header, *records])
    path = tmp_path_factory.getbasetemp() / "clients.csv"  # session-scoped: fine for hypothesis
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    rows, problems = read_rows(path, "clients.csv", CHOICES)
    cells = {c for r in [header, *records] for c in r}
    secrets = {t for c in cells for t in _tokens(c)
               if t not in ALLOWED and not re.fullmatch(r"[\d\s.,:]+", t)}
    for problem in problems:
        shown = problem.format()
        assert not [s for s in secrets if s in shown], shown
    assert all(r.variant.handout in HANDOUTS for r in rows)


def test_excels_sep_line_names_the_delimiter(tmp_path: Path) -> None:
    """QA: a CSV Excel wrote with its "sep=;" first line was refused ("the first line
    must be a header ... names none of them"). It is Excel's delimiter hint: the line is
    skipped, its delimiter used, and every other line keeps its number."""
    rows, problems = _read(tmp_path, "sep=;\r\nclient;handout;paper\r\n"
                                     "Ann Lee;back-massage;letter\r\nBo;back-massage;a5\r\n")
    assert problems == ["clients.csv:4: paper: must be letter or a4"]
    assert [(row.line, row.variant.paper) for row in rows] == [(3, "letter")]
    _, problems = _read(tmp_path, '"sep=|"\nclient|handout\nAnn|back-massage\n')
    assert problems == [f"clients.csv:1: the columns are separated by '|'; {SAVE_AS}"]


def test_audiences_and_locations_as_a_spreadsheet_writes_them(tmp_path: Path) -> None:
    """QA: "London" or "GILBERT" in the location column were refused, while "A4" and
    "EN" in theirs were read; the names are read in any case, with spaces for dashes."""
    choices = Choices(HANDOUTS, ["general", "desk-workers"], "en", "letter",
                      locations=["downtown", "london"])
    path = tmp_path / "clients.csv"
    path.write_text("client,handout,audience,location\n"
                    "Ann Lee,back-massage,Desk workers,London\n"
                    "Bo Diaz,back-massage,GENERAL,DOWNTOWN\n"
                    "Cy Ng,back-massage,nurses,Paris\n", encoding="utf-8", newline="")
    rows, problems = read_rows(path, "clients.csv", choices)
    assert [(r.variant.audience, r.variant.location) for r in rows] == [
        ("desk-workers", "london"), ("general", "downtown")]
    assert [p.format() for p in problems] == [
        "clients.csv:4: audience: is not an audience of this project (choose from general, "
        "desk-workers)",
        "clients.csv:4: location: is not a location of this project (choose from downtown, "
        "london)"]


def test_a_file_s_own_problem_is_not_counted_as_a_line(project: Path, tmp_path: Path) -> None:
    """An empty file was "1 line(s) with errors": no line has one."""
    empty = tmp_path / "clients.csv"
    empty.write_bytes(b"")
    result = run_in(project, "merge", str(empty))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        "0 client PDF(s) written, 0 line(s) with errors, 1 other problem (above)")
