"""A clinic owner on their own: versions never overwrite each other silently, dates as
people type them, options where people put them, a helpful ``init``, starter text
flagged, CSV lines called lines."""

from __future__ import annotations

from pathlib import Path

from .helpers import edit, pdf_text, run

HANDOUT = "hand-self-massage"


#: The first line of `check --no-render` on the starter project.
COVERAGE = ("checked 1 handout × en × letter, a4 × standard, large (4 versions) "
            "(not rendered: page fit skipped)")


# --- 2. no silent overwrite ------------------------------------------------------------

def test_other_paper_goes_to_its_own_name(project: Path) -> None:
    out = project / "output"
    first = run("-C", str(project), "build")
    assert first.output == f"wrote {out / (HANDOUT + '.pdf')} (2 pages)\n"
    letter = (out / f"{HANDOUT}.pdf").read_bytes()
    a4 = run("-C", str(project), "build", "--paper", "a4")
    assert a4.exit_code == 0, a4.output
    assert a4.output == f"wrote {out / 'en/general' / (HANDOUT + '-a4-standard.pdf')} (2 pages)\n"
    assert (out / f"{HANDOUT}.pdf").read_bytes() == letter  # the letter PDF is untouched
    same = run("-C", str(project), "build", "--paper", "letter")  # the default, named
    assert same.output == f"wrote {out / (HANDOUT + '.pdf')} (2 pages)\n"


def test_replacing_a_different_version_is_said(project: Path) -> None:
    out = project / "output"
    assert run("-C", str(project), "build").exit_code == 0
    # The clinic changes its default paper.
    edit(project / "handouts.yaml", "  paper: letter", "  paper: a4")
    result = run("-C", str(project), "build")
    assert result.exit_code == 0, result.output
    pdf = out / f"{HANDOUT}.pdf"
    assert result.output == (f"wrote {pdf} (2 pages)\n"
                             f"replaced {pdf} (it was the letter version)\n")
    again = run("-C", str(project), "build")  # the same version again: nothing to say
    assert again.output == f"wrote {pdf} (2 pages)\n"


# --- 4. global options after the command -----------------------------------------------

def test_project_option_after_the_command(project: Path, tmp_path: Path) -> None:
    result = run("build", "-C", str(project))
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {project / 'output' / (HANDOUT + '.pdf')} (2 pages)\n"
    # given in both places, the one after the command wins
    both = run("-C", str(tmp_path / "nowhere"), "check", "--no-render", "-C", str(project))
    assert both.exit_code == 0, both.output


def test_verbose_and_quiet_after_the_command(project: Path) -> None:
    verbose = run("-C", str(project), "check", "--no-render", "-v")
    assert verbose.exit_code == 0, verbose.output
    assert "0 error(s)" in verbose.stdout
    quiet = run("-C", str(project), "check", "--no-render", "-q")
    assert quiet.exit_code == verbose.exit_code
    assert "error(s)" not in quiet.stdout  # -q: the problems only, no summary
    built = run("build", "-C", str(project), "-v")
    assert built.output.splitlines()[-1].startswith("1 PDF(s) in ")
    assert run("-v", "build", "-C", str(project), "-q").output == ""  # after wins
    loud = run("-q", "build", "-C", str(project), "-v")
    assert loud.output.splitlines()[-1].startswith("1 PDF(s) in ")


def test_batch_quiet_after_the_command(project: Path) -> None:
    before = run("-C", str(project), "-q", "batch")
    after = run("batch", "-C", str(project), "-q")
    assert after.exit_code == before.exit_code
    assert after.stdout == before.stdout == ""
    assert after.stderr == before.stderr


# --- 5. init asks or takes options -----------------------------------------------------

def _clinic_lines(root: Path) -> list[str]:
    return [line.strip() for line in (root / "handouts.yaml").read_text().splitlines()
            if line.strip().startswith(("name:", "phone:", "city:"))]


def test_init_takes_the_clinic_details_as_options(tmp_path: Path) -> None:
    root = tmp_path / "new"
    result = run("init", str(root), "--name", "Bright Hands: Massage", "--phone",
                 "+1 480 992 5050", "--city", "Tempe")
    assert result.exit_code == 0, result.output
    assert _clinic_lines(root) == ['name: "Bright Hands: Massage"',
                                   'city: "Tempe"', 'phone: "+1 480 992 5050"']
    assert (root / "assets/README.md").is_file()
    assert (root / "content/images/README.md").is_file()
    check = run("-C", str(root), "check", "--no-render")
    assert "error" not in check.stderr and check.exit_code == 0, check.output


def test_init_asks_and_asks_again_for_a_bad_phone(tmp_path: Path) -> None:
    root = tmp_path / "new"
    result = run("init", str(root), "--ask",
                 input="Bright Hands\n555\n(480) 992-5050\nTempe\nnone\n")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Your clinic's name: Bright Hands\nIts phone number: 555\n"
        "Error: '555' is not a valid phone number for region US; write it as (480) 992-5050 "
        "or +1 480 992 5050\nIts phone number: (480) 992-5050\nIts city: Tempe\n")
    assert _clinic_lines(root) == ['name: "Bright Hands"', 'city: "Tempe"',
                                   'phone: "(480) 992-5050"']


def test_init_without_a_terminal_keeps_the_placeholders(tmp_path: Path) -> None:
    root = tmp_path / "new"
    result = run("init", str(root))  # CliRunner's input is not a terminal
    assert result.exit_code == 0, result.output
    assert _clinic_lines(root) == ["name: Your Clinic Name", "city: Springfield",
                                   "phone: (217) 555-0142"]
    assert f"created {root / 'assets/README.md'}" in result.output


def test_init_refuses_a_bad_phone_option_before_writing(tmp_path: Path) -> None:
    root = tmp_path / "new"
    result = run("init", str(root), "--phone", "12")
    assert result.exit_code == 2
    assert "\nError: --phone: '12' is not a valid phone number for region US" in result.stderr
    assert not root.exists()


def test_init_refuses_a_name_or_city_the_project_could_not_build_with(tmp_path: Path) -> None:
    """An HTML name and an empty city were written, exit 0, into a project whose every
    command then failed on them: every such option is refused at once, nothing made."""
    root = tmp_path / "new"
    result = run("init", str(root), "--name", "Spa <i>", "--phone", "(480) 555-0134",
                 "--city", " ")
    assert result.exit_code == 2
    assert "--city: must not be empty" in result.stderr
    assert "--name: raw HTML '<i>' is not allowed" in result.stderr
    assert not root.exists()


# --- 3. dates as people type them --------------------------------------------------------

CSV_HEAD = "client,handout,next_appointment\n"


def _appointments(cells: list[str], language: str, region: str) -> tuple[list, list[str]]:
    from handouts.variants.clientcsv import Choices, parse_rows
    from handouts.variants.dates import date_locale

    choices = Choices({HANDOUT: ["en"]}, ["general"], "en", "letter",
                      date_locale(language, region))
    text = CSV_HEAD + "".join(f'Client {i},{HANDOUT},"{cell}"\n' for i, cell in enumerate(cells))
    rows, problems = parse_rows(text, "clients.csv", choices)
    return ([r.client.next_appointment.isoformat() for r in rows],
            [p.format() for p in problems])


def test_dates_in_the_clinic_s_own_order() -> None:
    cells = ["2026-12-15", "12/15/2026", "15/12/2026", "3/4/2026", "Dec 15, 2026"]
    assert _appointments(cells, "en", "US") == (
        ["2026-12-15", "2026-12-15", "2026-12-15", "2026-03-04", "2026-12-15"], [])
    cells = ["2026-12-15", "15/12/2026", "3/4/2026", "15 dic 2026", "12/15/2026"]
    assert _appointments(cells, "es", "ES") == (
        ["2026-12-15", "2026-12-15", "2026-04-03", "2026-12-15", "2026-12-15"], [])


def test_a_dotted_date_is_day_first_in_every_clinic() -> None:
    """8.12.2026 is written day first (Germany, Russia...); no month-first country writes
    dots: a US clinic printed "August 12", and 8.1.2027 as August 1 without a word."""
    cells = ["8.12.2026", "8.1.2027", "12/8/2026"]
    assert _appointments(cells, "en", "US") == (["2026-12-08", "2027-01-08", "2026-12-08"], [])
    assert _appointments(cells[:2], "de", "DE") == (["2026-12-08", "2027-01-08"], [])


def test_an_unreadable_date_is_refused_with_an_example_not_echoed() -> None:
    cells = ["15/12/26", "next Tuesday", "31/02/2026"]
    assert _appointments(cells, "en", "US") == ([], [
        "clients.csv:2: next_appointment: is not a date handouts can read; write it as "
        "12/15/2026 or 2026-12-15",
        "clients.csv:3: next_appointment: is not a date handouts can read; write it as "
        "12/15/2026 or 2026-12-15",
        "clients.csv:4: next_appointment: is not a day of the calendar (that month has "
        "fewer days, or there is no such month); check the day and the month"])
    assert _appointments(["3/4/26"], "es", "ES")[1] == [
        "clients.csv:2: next_appointment: is not a date handouts can read; write it as "
        "15/12/2026 or 2026-12-15"]


def test_an_ambiguous_date_is_refused_where_the_clinic_writes_years_first() -> None:
    # zh_CN writes 2026/12/15: in 3/4/2026 either number could be the month, and no
    # habit of the clinic says which; a day above 12 settles it.
    assert _appointments(["15/3/2026", "3/15/2026"], "zh", "CN") == (
        ["2026-03-15", "2026-03-15"], [])
    assert _appointments(["3/4/2026", "2026-03-04"], "zh", "CN") == (["2026-03-04"], [
        "clients.csv:2: next_appointment: is not a date handouts can read; write it as "
        "2026-12-15"])


def test_build_next_appointment_as_people_type_it(project: Path) -> None:
    ok = run("-C", str(project), "build", "--client", "Jane Roe",
             "--next-appointment", "12/15/2026")
    assert ok.exit_code == 0, ok.output
    bad = run("-C", str(project), "build", "--client", "Jane Roe",
              "--next-appointment", "soonish")
    assert bad.exit_code == 2
    assert "'--next-appointment': is not a date handouts can read; write it as 12/15/2026 " \
           "or 2026-12-15" in bad.stderr
    assert "soonish" not in bad.stderr


# --- 6. starter text left in a project --------------------------------------------------

def test_check_flags_starter_text_left_in_the_project(tmp_path: Path) -> None:
    root = tmp_path / "new"
    assert run("init", str(root), "--name", "Bright Hands", "--phone", "(480) 992-5050",
               "--city", "Tempe").exit_code == 0
    config = root / "handouts.yaml"
    edit(config, "  email: hello@yourclinic.example", "  email: desk@brighthands.example")
    edit(config, "    street: 100 Main Street", "    street: 12 Mill Avenue")
    # With --city, the starter's state and postal code (Springfield's) are left out
    # for the owner to fill in, never printed beside the clinic's own city.
    edit(config, "    # postal_code: ...          # your postal code",
         "    postal_code: \"85281\"")
    edit(config, "  website: https://yourclinic.example\n", "")
    edit(config, "  booking_url: https://yourclinic.example/book\n", "")
    edit(config, "  tagline: Massage and physiotherapy", "  tagline: Hands that help")
    edit(config, "    # region: ...          # your state or region", "    region: AZ")
    result = run("-C", str(root), "check", "--no-render")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        COVERAGE,
        "content/hand-self-massage.yaml: warning: is the starter's sample handout, unchanged; "
        "make it your own or delete it",
        "0 error(s), 1 warning(s)"]
    edit(root / f"content/{HANDOUT}.yaml", "title: A 3-minute hand massage",
         "title: A 4-minute hand massage")
    edit(config, "Bright Hands", "Your Clinic Name", every=True)
    result = run("-C", str(root), "check", "--no-render")
    assert result.stdout.splitlines() == [
        COVERAGE,
        "content/hand-self-massage.yaml:40: warning: review.reviewer: still the starter text "
        "'Your Clinic team'; put the name of the person who reviewed this handout",
        "handouts.yaml:4: warning: clinic.name: still the starter text 'Your Clinic Name'; "
        "put your clinic's name here",
        "0 error(s), 2 warning(s)"]


def test_every_starter_value_init_writes_is_flagged(tmp_path: Path) -> None:
    """Each clinic detail the starter writes is flagged while it is left as it is (the
    tagline and 'region: IL' used to pass), read from the starter itself; the theme's
    default colours and the general disclaimer may be kept."""
    root = tmp_path / "new"
    assert run("init", str(root), "--no-ask").exit_code == 0
    result = run("-C", str(root), "check", "--no-render")
    assert result.exit_code == 0, result.output
    flagged = [line.split(": warning: ")[1].split(":")[0] for line in result.stdout.splitlines()
               if line.startswith("handouts.yaml:")]
    assert flagged == ["clinic.name", "clinic.tagline", "clinic.address.street",
                       "clinic.address.city", "clinic.address.region",
                       "clinic.address.postal_code", "clinic.phone", "clinic.email",
                       "clinic.website", "clinic.booking_url"]
    assert "handouts.yaml:9: warning: clinic.address.region: still the starter text 'IL'; " \
           "put your clinic's state or region here (or delete it)" in result.stdout
    assert "handouts.yaml:5: warning: clinic.tagline: still the starter text 'Massage and " \
           "physiotherapy'; write your clinic's own line under its name, or delete it" \
           in result.stdout
    strict = run("-C", str(root), "check", "--no-render", "--strict")
    assert strict.exit_code == 1


def test_build_says_when_the_pdfs_print_starter_details(tmp_path: Path) -> None:
    """QA: ``init --city Tempe`` kept the starter's street, state and postal code, and
    the first ``build`` printed "100 Main Street, Tempe, IL 62701" on every page
    without a word (only ``check`` named them). Springfield's state and postal code are
    now left out beside the clinic's own city; the starter text still printed is said
    by the build, once, as a warning; once the details are the clinic's own, nothing."""
    root = tmp_path / "clinic"
    assert run("init", str(root), "--name", "Bright Hands", "--phone", "(480) 555-0134",
               "--city", "Tempe").exit_code == 0
    assert run("-C", str(root), "-q", "build").exit_code == 0
    footer = pdf_text(root / "output/hand-self-massage.pdf")
    assert "100 Main Street, Tempe" in footer and "IL" not in footer.split("Tempe")[1][:5]
    warning = ("handouts.yaml: warning: clinic: the PDFs print starter text from 'handouts "
               "init' (tagline, street, email, website, booking url); put your clinic's own "
               "details in handouts.yaml ('handouts check' names each line)")
    for flags in ((), ("-q",)):
        result = run("-C", str(root), *flags, "build")
        assert result.exit_code == 0, result.output
        assert result.stderr.splitlines().count(warning) == 1, result.stderr
    config = root / "handouts.yaml"
    for old, new in (("  tagline: Massage and physiotherapy\n", ""),
                     ("100 Main Street", "12 Mill Avenue"),
                     ("hello@yourclinic.example", "hi@brighthands.example"),
                     ("https://yourclinic.example/book", "https://brighthands.example/book"),
                     ("https://yourclinic.example", "https://brighthands.example")):
        edit(config, old, new)
    result = run("-C", str(root), "build")
    assert result.exit_code == 0 and "starter text" not in result.output, result.output


def test_a_clinic_really_in_the_starter_s_town_is_not_told_its_city_is_starter_text(
        tmp_path: Path) -> None:
    """QA: a clinic at Springfield, IL 62701 (the starter's town) with its own street was
    told on every build that its city, state and postal code were starter text, and
    ``check --strict`` always failed. A street of the clinic's own makes the town its
    own; with the starter's street, they are flagged as before."""
    root = tmp_path / "spr"
    assert run("init", str(root), "--no-ask").exit_code == 0
    config = root / "handouts.yaml"
    for old, new in (("Your Clinic Name", "Lincoln Massage"),
                     ("  tagline: Massage and physiotherapy\n", ""),
                     ("(217) 555-0142", "(217) 555-0100")):
        edit(config, old, new)
    config.write_text(config.read_text(encoding="utf-8").replace(
        "yourclinic.example", "lincolnmassage.example"), encoding="utf-8")
    before = run("-C", str(root), "check", "--no-render")
    assert "clinic.address.city: still the starter text 'Springfield'" in before.stdout
    edit(config, "100 Main Street", "1 Old State Capitol Plaza")
    after = run("-C", str(root), "check", "--no-render")
    assert [line for line in after.stdout.splitlines() if line.startswith("handouts.yaml")] \
        == [], after.stdout
    built = run("-C", str(root), "build")
    assert built.exit_code == 0 and "starter text" not in built.output, built.output
    assert "Springfield, IL 62701" in pdf_text(root / "output/hand-self-massage.pdf")


def test_an_address_is_written_as_letters_are_addressed_in_the_clinic_s_country(
        tmp_path: Path) -> None:
    """A Madrid clinic's footer said "Calle Mayor 5, Madrid, 28013", the US order; Spain
    (and most of Europe and Latin America) writes "28013 Madrid"."""
    from handouts.project.config import Address

    madrid = Address(street="Calle Mayor 5", city="Madrid", postal_code="28013")
    assert madrid.one_line("ES") == "Calle Mayor 5, 28013 Madrid"
    assert madrid.one_line() == madrid.one_line("US") == "Calle Mayor 5, Madrid, 28013"
    mesa = Address(street="12 Mill Ave", city="Tempe", region="AZ", postal_code="85281")
    assert mesa.one_line("US") == "12 Mill Ave, Tempe, AZ 85281"
    root = tmp_path / "sol"
    assert run("init", str(root), "--name", "Clínica Sol", "--phone", "+34 912 345 678",
               "--city", "Madrid", "--phone-region", "ES").exit_code == 0
    config = root / "handouts.yaml"
    edit(config, "    street: 100 Main Street", "    street: Calle Mayor 5")
    edit(config, "    # postal_code: ...          # your postal code",
         "    postal_code: \"28013\"")
    assert run("-C", str(root), "-q", "build").exit_code == 0
    assert "Calle Mayor 5, 28013 Madrid" in pdf_text(root / f"output/{HANDOUT}.pdf")
    # Its printer takes A4, not US Letter: the new project's paper is its country's.
    assert "  paper: a4\n" in config.read_text(encoding="utf-8")
    from pypdf import PdfReader
    box = PdfReader(root / f"output/{HANDOUT}.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
