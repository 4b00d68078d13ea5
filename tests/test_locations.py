"""Clinic groups: every location's own address, phone, links and hours on its handouts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handouts.commands.batch import batch
from handouts.commands.build import build
from handouts.errors import ValidationError
from handouts.project.load import load_project

from .helpers import copy_project, edit, line_of, pdf_text, run_in
from .variant_project import make_project

LOCATIONS = """  locations:
    downtown:
      name_suffix: Downtown
      address: {street: 1 Center Plaza, city: Springfield, region: IL}
      phone: (217) 555-0101
      hours: Mon–Fri 8–18
    north:
      name_suffix: North
      address: {street: 77 Lake Road, city: Rockford, region: IL}
      phone: (815) 555-0177
      booking_url: https://yourclinic.example/book/north
      hours: Mon–Sat 9–17
    london:
      name_suffix: London
      address: {street: 10 Fleet Street, city: London}
      phone_region: GB
      phone: 020 7946 0018
      email: london@yourclinic.example
"""
TRANSLATIONS = """    es:
      tagline: Masaje y fisioterapia
      disclaimer: Esta hoja da información general.
      locations:
        downtown: {hours: Lun–Vie 8–18}
        north: {hours: Lun–Sáb 9–17}
"""
#: One handout, English and Spanish, letter, standard print: 2 variants a location.
SMALL_BATCH = """batch:
  audiences: [general]
  languages: [en, es]
  papers: [letter]
  prints: [standard]
"""
OLD_TRANSLATIONS = ("    es: {tagline: Masaje y fisioterapia, disclaimer: Esta hoja da "
                    "información general.}\n")


def _small(project: Path) -> Path:
    """The test project with a 2-variant manifest (fast to build)."""
    config = project / "handouts.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text[: text.index("batch:")] + SMALL_BATCH, encoding="utf-8")
    return project


def _group(project: Path) -> Path:
    """The project as a three-location clinic group."""
    edit(project / "handouts.yaml", OLD_TRANSLATIONS, TRANSLATIONS + LOCATIONS)
    return project


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A single-location project (no ``locations``), small manifest."""
    return _small(make_project(tmp_path_factory.mktemp("loc") / "p"))


@pytest.fixture(scope="module")
def group(plain: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """The same project as a three-location group, batch-built once."""
    project = tmp_path_factory.mktemp("group") / "p"
    copy_project(plain, project, with_output=True)
    _group(project)
    return project, batch(load_project(project), jobs=2)


def test_one_batch_builds_every_location(group) -> None:
    project, result = group
    assert result.ok, [p.format() for r in result.results for p in r.problems]
    out = project / "output"
    pdfs = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))
    assert pdfs == [f"{place}/{lang}/general/hand-self-massage-letter-standard.pdf"
                    for place in ("downtown", "london", "north") for lang in ("en", "es")]
    north = pdf_text(out / "north/en/general/hand-self-massage-letter-standard.pdf")
    assert "Your Clinic Name North" in north
    assert "77 Lake Road, Rockford, IL" in north
    assert "(815) 555-0177" in north and "(217) 555-0142" not in north
    assert "yourclinic.example/book/north" in north
    assert "Mon–Sat 9–17" in north  # the hours line in the contact box
    north_es = pdf_text(out / "north/es/general/hand-self-massage-letter-standard.pdf")
    assert "Lun–Sáb 9–17" in north_es
    london = pdf_text(out / "london/en/general/hand-self-massage-letter-standard.pdf")
    assert "020 7946 0018" in london  # written the British way: its own phone_region
    assert "london@yourclinic.example" in london
    assert "hello@yourclinic.example" not in london
    assert "yourclinic.example/book" in london  # the clinic's booking link, not overridden
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert sorted({(e["location"], e["language"]) for e in index["variants"]}) == [
        (place, lang) for place in ("downtown", "london", "north") for lang in ("en", "es")]


def test_batch_locations_picks_some(group, tmp_path: Path) -> None:
    project = tmp_path / "p"
    copy_project(group[0], project)
    edit(project / "handouts.yaml", "  prints: [standard]\n",
         "  prints: [standard]\n  locations: [north]\n")
    result = batch(load_project(project), jobs=1)
    assert sorted(r.variant.relpath for r in result.results) == [
        "north/en/general/hand-self-massage-letter-standard.pdf",
        "north/es/general/hand-self-massage-letter-standard.pdf"]


def test_build_location_option(group, tmp_path: Path) -> None:
    project = tmp_path / "p"
    copy_project(group[0], project)
    result = run_in(project, "build", "--location", "london")
    assert result.exit_code == 0, result.output
    pdf = project / "output/london/hand-self-massage.pdf"
    assert "020 7946 0018" in pdf_text(pdf)
    bad = run_in(project, "build", "--location", "paris")
    assert bad.exit_code == 2
    assert "--location: unknown location 'paris' (known: downtown, north, london)" in bad.output


def test_csv_location_column(group, tmp_path: Path) -> None:
    project = tmp_path / "p"
    copy_project(group[0], project)
    csv = tmp_path / "clients.csv"
    csv.write_text("client,handout,location\nAnn Lee,hand-self-massage,north\n"
                   "Bo Diaz,hand-self-massage,Paris Secret Clinic\n", encoding="utf-8")
    result = run_in(project, "merge", str(csv))
    assert result.exit_code == 1
    assert ("clients.csv:3: location: is not a location of this project "
            "(choose from downtown, north, london)") in result.stderr
    assert "Paris" not in result.output + result.stderr  # the row's value is never repeated
    (pdf,) = (project / "output/clients").glob("*.pdf")
    text = pdf_text(pdf)
    assert "(815) 555-0177" in text and "Your Clinic Name North" in text


def test_csv_location_column_without_locations(plain, tmp_path: Path) -> None:
    project = tmp_path / "p"
    copy_project(plain, project)
    csv = tmp_path / "clients.csv"
    csv.write_text("client,handout,location\nAnn Lee,hand-self-massage,north\n",
                   encoding="utf-8")
    result = run_in(project, "merge", str(csv))
    assert result.exit_code == 1
    assert ("clients.csv:2: location: must be empty: this project has no locations "
            "(clinic.locations)") in result.stderr


def test_every_location_is_validated_with_its_line(plain, tmp_path: Path) -> None:
    project = tmp_path / "p"
    copy_project(plain, project)
    _group(project)
    edit(project / "handouts.yaml", "      phone: (815) 555-0177", "      phone: 555-01")
    edit(project / "handouts.yaml", "      phone: 020 7946 0018", "      phone: (217) 555-0199")
    edit(project / "handouts.yaml", "      booking_url: https://yourclinic.example/book/north",
         "      booking_url: yourclinic.example/north\n      logo: assets/north.svg")
    edit(project / "handouts.yaml", "      email: london@yourclinic.example",
         "      email: london-at-clinic")
    with pytest.raises(ValidationError) as caught:
        build(load_project(project))
    got = [p.format() for p in caught.value.problems]
    line = lambda needle: line_of(project / "handouts.yaml", needle)  # noqa: E731
    assert got == [
        # A logo that does not exist still needs its alt text: both at once.
        f"handouts.yaml:{line('name_suffix: North') - 1}: clinic.locations.north."
        "logo_alt: is required "
        "when a logo is set (describe the logo for screen readers, e.g. 'Massage Mesa logo')",
        f"handouts.yaml:{line('phone: 555-01')}: clinic.locations.north.phone: '555-01' is not "
        "a valid phone number for region US; write it as (480) 992-5050 or +1 480 992 5050",
        f"handouts.yaml:{line('yourclinic.example/north')}: clinic.locations.north.booking_url:"
        " must be a web address starting with https:// (got 'yourclinic.example/north')",
        f"handouts.yaml:{line('assets/north.svg')}: clinic.locations.north.logo: file "
        "'assets/north.svg' does not exist",
        f"handouts.yaml:{line('(217) 555-0199')}: clinic.locations.london.phone: "
        # A US number at the London location: said to be one, and how to keep it.
        "'(217) 555-0199' is not a valid phone number for region GB, but it is one for US: "
        "write it with its country code (+1 217-555-0199), or set phone_region: US",
        f"handouts.yaml:{line('london-at-clinic')}: clinic.locations.london.email: must be an "
        "email address like info@clinic.com (got 'london-at-clinic')",
    ]


def test_unknown_batch_location_is_located(group, tmp_path: Path) -> None:
    project = tmp_path / "p"
    copy_project(group[0], project)
    edit(project / "handouts.yaml", "  prints: [standard]\n",
         "  prints: [standard]\n  locations: [north, nort]\n")
    with pytest.raises(ValidationError) as caught:
        build(load_project(project))
    assert [p.format() for p in caught.value.problems] == [
        f"handouts.yaml:{line_of(project / 'handouts.yaml', 'locations: [north, nort]')}: "
        "batch.locations[2]: unknown location 'nort' (did you mean 'north'?)"]


@pytest.mark.usefixtures("no_script_fonts")
def test_a_location_character_no_font_has_is_found(group, tmp_path: Path) -> None:
    project = tmp_path / "p"
    copy_project(group[0], project)
    edit(project / "handouts.yaml", "city: Rockford", "city: 東京")
    result = run_in(project, "check", "--no-render")
    assert result.exit_code == 1
    line = line_of(project / "handouts.yaml", "東京")
    assert (f"handouts.yaml:{line}: clinic.locations.north.address.city: cannot print "
            "2 characters: '東' (U+6771" in result.output)


def test_single_location_output_is_unchanged(plain, group, tmp_path: Path) -> None:
    """No ``locations``: no location level in paths or the index. A one-location group
    whose location repeats the clinic's details gives byte-identical PDFs."""
    project = tmp_path / "p"
    copy_project(plain, project)
    assert batch(load_project(project), jobs=1).ok
    out = project / "output"
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))
    assert names == ["en/general/hand-self-massage-letter-standard.pdf",
                     "es/general/hand-self-massage-letter-standard.pdf"]
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert all("location" not in entry for entry in index["variants"])
    same = tmp_path / "same"
    copy_project(plain, same)
    edit(same / "handouts.yaml", OLD_TRANSLATIONS, OLD_TRANSLATIONS + """  locations:
    main:
      address: {street: 100 Main Street, city: Springfield, region: IL, postal_code: "62701"}
      phone: (217) 555-0142
""")
    assert batch(load_project(same), jobs=1).ok
    for name in names:
        assert (same / "output/main" / name).read_bytes() == (out / name).read_bytes()


@pytest.mark.usefixtures("no_starter_warnings")
def test_check_looks_for_each_locations_own_phone(group, tmp_path: Path) -> None:
    project = tmp_path / "p"
    copy_project(group[0], project)
    result = run_in(project, "check", "--format", "json")
    report = json.loads(result.stdout)
    # Every location's pages show that location's phone: nothing is missing.
    assert [p["message"] for p in report["problems"] if "phone" in p["message"]] == []
    described = sorted(p["variant"] for p in report["pages"])
    assert described == sorted(f"{place}/{lang}/general/hand-self-massage-letter-standard"
                               for place in ("downtown", "london", "north")
                               for lang in ("en", "es"))


def test_one_locations_missing_words_are_printed_in_english_with_a_warning(
        group, tmp_path: Path) -> None:
    """North's Spanish hours missing (from handouts.yaml and the translation file):
    north's Spanish pages print its hours as written, with a warning naming them, and
    every other location's Spanish pages are made as before. (They were refused: a
    translation file made before the clinic's words were in it stopped every Spanish
    page of an upgraded project, at the batch and the desk.)"""
    project = copy_project(group[0], tmp_path / "p")
    edit(project / "handouts.yaml", "        north: {hours: Lun–Sáb 9–17}\n", "")
    downtown = run_in(project, "build", "--language", "es", "--location", "downtown")
    assert downtown.exit_code == 0, downtown.output
    assert "clinic.locations.north" not in downtown.output
    assert "Lun–Vie 8–18" in pdf_text(
        project / "output/downtown/es/general/hand-self-massage-letter-standard.pdf")
    north = run_in(project, "build", "--language", "es", "--location", "north")
    assert north.exit_code == 0, north.output
    assert "content/hand-self-massage.es.po: warning: clinic.locations.north.hours: not " \
        "translated yet, so it is printed in English" in north.stderr
    assert "Mon–Sat 9–17" in pdf_text(
        project / "output/north/es/general/hand-self-massage-letter-standard.pdf")
    assert batch(load_project(project), jobs=1).ok


@pytest.mark.usefixtures("no_starter_warnings")
def test_a_location_s_missing_words_are_counted_by_check_as_a_warning(
        group, tmp_path: Path) -> None:
    """North's Spanish hours missing: ``check`` counts them as printed in English until
    translated, a warning whether or not the batch builds north."""
    project = copy_project(group[0], tmp_path / "p")
    config = project / "handouts.yaml"
    edit(config, "        north: {hours: Lun–Sáb 9–17}\n", "")
    message = ("content/hand-self-massage.es.po: warning: 30 of 31 texts translated; first "
               "printed in the source language until translated: "
               "clinic.locations.north.hours (not in the file yet)")
    for places in ("[downtown, london]", "[downtown, london, north]"):
        edit(config, "  prints: [standard]\n", f"  prints: [standard]\n  locations: {places}\n")
        checked = run_in(project, "check", "--no-render")
        assert checked.exit_code == 0, checked.output
        assert message in checked.output.splitlines()
        assert "4 versions" in checked.output or "6 versions" in checked.output
        edit(config, f"  locations: {places}\n", "")


def test_a_location_s_words_under_a_misspelt_name_are_warned_about(group,
                                                                   tmp_path: Path) -> None:
    """QA: North's Spanish hours under ``nort:`` were never printed, and nothing said
    so (check and batch were silent while the translation file asked for them)."""
    project = copy_project(group[0], tmp_path / "p")
    edit(project / "handouts.yaml", "        north: {hours: Lun–Sáb 9–17}",
         "        nort: {hours: Lun–Sáb 9–17}")
    result = run_in(project, "check", "--no-render")
    line = line_of(project / "handouts.yaml", "        nort:")
    assert f"handouts.yaml:{line}: warning: clinic.translations.es.locations.nort: no " \
        "location is called 'nort', so these words are never printed; did you mean " \
        "'north'?" in result.output


def test_a_location_copied_with_another_s_phone_is_warned_about(group,
                                                               tmp_path: Path) -> None:
    """QA: a location copied from another and not given its own number printed the
    other location's phone on every page, without a word. One booking line for every
    location (said on purpose) is not warned about."""
    project = copy_project(group[0], tmp_path / "p")
    config = project / "handouts.yaml"
    edit(config, "      phone: (815) 555-0177", "      phone: 217-555-0101")
    result = run_in(project, "check", "--no-render")
    first, line = line_of(config, "(217) 555-0101"), line_of(config, "217-555-0101")
    assert f"handouts.yaml:{line}: warning: clinic.locations.north.phone: 217-555-0101 is " \
        f"also the phone of location 'downtown' (line {first}), so both print it; give " \
        "'north' its own number (or, for one booking line, give every location the same)" \
        in result.output
    assert result.output.count("is also the phone of") == 1
    edit(config, "      phone: 020 7946 0018", "      phone: +1 217 555 0101")
    same = run_in(project, "check", "--no-render")
    assert "is also the phone of" not in same.output
