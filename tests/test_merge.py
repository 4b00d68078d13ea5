"""Named clients and mail merge: the "prepared for" block, bad rows, and privacy."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from handouts.commands.build import build
from handouts.commands.inmemory import build_in_memory
from handouts.commands.merge import merge
from handouts.project.load import load_project
from handouts.render.personal import PersonalCopies
from handouts.variants.clients import Client

from .helpers import edit, pdf_pages, pdf_text, run_in
from .variant_project import make_project

NAME = "Zelda Quintanilla"
NOTE = "Gentle on the left shoulder after surgery"

CSV = f"""client,handout,audience,language,paper,large_print,therapist,next_appointment,note
{NAME},hand-self-massage,caregivers,es,a4,yes,Ana Ruiz,2099-12-01,{NOTE}
Bob Marsh,hand-self-masage,general,en,letter,no,,,
Carla Diaz,hand-self-massage,general,en,a5,maybe,,2026-13-01,
Dan Ortiz,hand-self-massage,,,,,,,
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "p")


def test_merge_builds_good_rows_and_reports_bad_ones(project: Path, tmp_path: Path) -> None:
    csv_path = tmp_path / "clients.csv"
    csv_path.write_text(CSV, encoding="utf-8")
    result = merge(load_project(project), csv_path)
    assert [p.format() for p in result.problems] == [
        # Messages name the line and column, never the value (see test_client_csv.py).
        "clients.csv:3: handout: is not a handout of this project (choose from "
        "hand-self-massage)",
        "clients.csv:4: paper: must be letter or a4",
        "clients.csv:4: large_print: must be yes or no (also sí/no, oui/non, ja/nein, "
        "true/false, 1/0, x or empty)",
        "clients.csv:4: next_appointment: is not a day of the calendar (that month has "
        "fewer days, or there is no such month); check the day and the month",
    ]
    assert [line for line, _, _ in result.written] == [2, 5]
    first = result.written[0][1]
    assert first.parent == project / "output/clients"
    text = pdf_text(first)
    assert f"Preparado para {NAME}" in text
    assert "Ana Ruiz" in text and "1 de diciembre de 2099" in text
    assert NOTE in text.replace("\n", " ")


def test_client_details_go_nowhere_but_the_pdf(project: Path, tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    csv_path = tmp_path / "clients.csv"
    csv_path.write_text(CSV, encoding="utf-8")
    result = run_in(project, "-v", "merge", str(csv_path))
    assert result.exit_code == 1
    batch = run_in(project, "batch", "--jobs", "1")
    assert batch.exit_code == 0
    single = run_in(project, "-v", "build", "--client", NAME,
                    "--note", NOTE)
    assert single.exit_code == 0
    for secret in (NAME, "Zelda", NOTE):
        assert secret not in result.output + batch.output + single.output
        assert secret not in caplog.text
        for path in (project / "output").rglob("*"):
            assert secret.lower().replace(" ", "-") not in path.name.lower()
            assert "zelda" not in path.name.lower()
            if path.is_file() and path.suffix != ".pdf":
                assert secret not in path.read_text(encoding="utf-8")
    # It is in the PDF that was asked for.
    pdfs = list((project / "output/clients").glob("*.pdf"))
    assert any(NAME in pdf_text(p) for p in pdfs)


def test_name_pattern_for_clinics_that_want_names(project: Path) -> None:
    result = build(load_project(project), client=Client("Jane O'Doe/../x"),
                   name_pattern="{client}-{handout}")
    assert result.built[0].path == project / "output/clients/jane-o-doe-x-hand-self-massage.pdf"


def test_a_name_pattern_that_gives_two_rows_one_file_name_never_replaces_a_pdf(
        project: Path, tmp_path: Path) -> None:
    """Two names that become the same slug (written in other capitals), or the same
    client twice: the later row is refused, named by line and never by value; the first
    client's PDF is the only file, and it is the first client's."""
    csv_path = tmp_path / "clients.csv"
    csv_path.write_text("client,handout,note\n"
                        "Li Wei,hand-self-massage,\n"
                        "LI  WEI,hand-self-massage,\n"
                        "Ana Ruiz,hand-self-massage,first\n"
                        "Ana Ruiz,hand-self-massage,second\n", encoding="utf-8")
    result = merge(load_project(project), csv_path, name_pattern="{client}-{handout}")
    clash = ("--name-pattern gives this row the same file name as line {}, so one client's "
             "PDF would replace the other's: add {{row}} or {{hash}} to the pattern")
    assert [p.format() for p in result.problems if "--name-pattern" in p.message] == [
        f"clients.csv:3: client: {clash.format(2)}",
        f"clients.csv:5: client: {clash.format(4)}"]
    assert not any(v in p.format() for p in result.problems for v in ("WEI", "second"))
    assert [line for line, _, _ in result.written if line in (2, 3, 4, 5)] == [2, 4]
    files = sorted(p.name for p in (project / "output/clients").iterdir())
    assert files == ["ana-ruiz-hand-self-massage.pdf", "li-wei-hand-self-massage.pdf"]
    assert "first" in pdf_text(project / "output/clients/ana-ruiz-hand-self-massage.pdf")


def test_a_name_pattern_keeps_the_letters_of_every_script(project: Path) -> None:
    """Only A-Z was kept: "José Núñez" was jos-n-ez, and every Chinese name "x.pdf", so
    the next client's copy replaced the last one's without a word."""
    made = {}
    for name in ("José Núñez", "王小明", "李大华", "+ + +"):
        result = build(load_project(project), client=Client(name), name_pattern="{client}")
        made[name] = result.built[0].path.name
    assert made["José Núñez"] == "josé-núñez.pdf"
    assert (made["王小明"], made["李大华"]) == ("王小明.pdf", "李大华.pdf")
    # Nothing left of the name: the private default name, never one shared by all.
    assert re.fullmatch(r"hand-self-massage-[0-9a-f]{12}\.pdf", made["+ + +"]), made
    long = build(load_project(project), client=Client("明" * 120), name_pattern="{client}")
    assert len(long.built[0].path.name.encode()) <= 204


def test_name_pattern_cannot_escape_or_use_unknown_fields(project: Path) -> None:
    for pattern in ("../{client}", "{secret}", "{client"):
        result = run_in(project, "build", "--client", "A",
                        "--name-pattern", pattern)
        assert result.exit_code == 2, pattern
        assert "--name-pattern" in result.stderr
    assert not (project / "output").exists()


def test_note_without_client_is_a_usage_error(project: Path) -> None:
    result = run_in(project, "build", "--note", "x")
    assert result.exit_code == 2
    assert "--note, --therapist, --next-appointment, --name-pattern and --record need --client" \
        in result.stderr


CAREGIVERS_ES = ("      es: {label: Cuidadores, description: Para quienes cuidan a alguien "
                 "en cama.}\n")


@pytest.mark.usefixtures("no_script_fonts")
def test_merge_goes_on_after_rows_that_cannot_be_built(project: Path, tmp_path: Path) -> None:
    # Row 3's name has letters no font prints; row 4's version cannot be composed (the
    # caregivers audience has no Spanish label). Both are reported; rows 2 and 5 are built.
    edit(project / "handouts.yaml", CAREGIVERS_ES, "      fr: {label: Aidants}\n")
    csv_path = tmp_path / "clients.csv"
    csv_path.write_text("client,handout,audience,language\n"
                        "Ann Lee,hand-self-massage,general,en\n"
                        "Клиника Жива,hand-self-massage,general,en\n"
                        "Bob Marsh,hand-self-massage,caregivers,es\n"
                        "Dan Ortiz,hand-self-massage,general,es\n", encoding="utf-8")
    result = merge(load_project(project), csv_path)
    assert [p.format() for p in result.problems] == [
        "clients.csv:3: client: has 8 characters that no font can print (Cyrillic) "
        "\N{EM DASH} add a font under fonts: in handouts.yaml",
        "clients.csv:4: audiences.caregivers.translations: handouts.yaml: no Spanish label "
        "for this audience"]
    assert [line for line, _, _ in result.written] == [2, 5]


def test_named_copies_show_the_stop_list_on_page_one(project: Path, tmp_path: Path) -> None:
    """``build --client``, ``merge`` and the front desk's in-memory copy (made by the
    per-client fast path) each print the "Stop right away if" callout on page 1."""
    built = run_in(project, "build", "--client", NAME, "--note",
                   NOTE, "--out", str(tmp_path / "built"))
    assert built.exit_code == 0, built.output
    [single] = (tmp_path / "built/clients").glob("*.pdf")
    csv_path = tmp_path / "clients.csv"
    csv_path.write_text(f"client,handout,note\n{NAME},hand-self-massage,{NOTE}\n",
                        encoding="utf-8")
    [(_, merged, _)] = merge(load_project(project), csv_path, out=tmp_path / "merged").written
    whole = load_project(project)
    loaded, [document] = whole.project, whole.documents
    copies = PersonalCopies(loaded)
    build_in_memory(loaded, document, client=Client("Ann Lee", NOTE), copies=copies)
    desk = build_in_memory(loaded, document, client=Client("Ann Lea", NOTE), copies=copies)
    assert copies.swapped == 1  # the desk's second copy came from the fast path
    for pdf in (single.read_bytes(), merged.read_bytes(), desk.pdf):
        page = pdf_pages(pdf, squeezed=True)[0]
        assert "Prepared for" in page
        # The callout's own closing line: the full safety box says "Stop right away if"
        # too, and could move up to page 1 were the callout missing.
        assert "Stop right away if" in page
        assert "You feel pain, numbness or tingling." in page
        assert "More safety advice under “Stay safe”." in page
