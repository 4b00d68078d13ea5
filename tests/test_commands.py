"""The command line: exit codes, messages on stderr, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from handouts import __version__

from .helpers import edit, pdf_text, run, run_in


def test_build_writes_and_reports(project: Path) -> None:
    result = run("-C", str(project), "build")
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {project / 'output/hand-self-massage.pdf'} (2 pages)\n"
    quiet = run("-C", str(project), "-q", "build", "--paper", "a4")
    assert quiet.exit_code == 0 and quiet.output == ""


def test_invalid_content_exits_1_with_located_messages(project: Path) -> None:
    content = project / "content/hand-self-massage.yaml"
    edit(content, "    text: Do the same steps on your other hand.", "    text: ''")
    result = run("-C", str(project), "build")
    assert result.exit_code == 1
    assert result.stderr == (
        "content/hand-self-massage.yaml:21: steps[4].text: must not be empty\n"
        "1 error; nothing was written.\n")
    assert "Traceback" not in result.output
    assert not (project / "output").exists()


@pytest.mark.parametrize("args", [["build", "--paper", "a5"], ["frobnicate"],
                                  ["build", "--jobs", "2"], ["batch", "--jobs", "0"]])
def test_usage_errors_exit_2(project: Path, args: list[str]) -> None:
    result = run("-C", str(project), *args)
    assert result.exit_code == 2
    assert "Usage:" in result.stderr


def test_unknown_handout_exits_1(project: Path) -> None:
    result = run("-C", str(project), "build", "nope")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "content/nope.yaml: no such handout (available: hand-self-massage)\n")


def test_list(project: Path) -> None:
    result = run("-C", str(project), "list")
    assert result.exit_code == 0
    assert result.output == ("hand-self-massage         4 steps  reviewed 2026-11-01  "
                             "A 3-minute hand massage you can do yourself\n")


def test_init_creates_a_project_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "new"
    first = run("init", str(target))
    assert first.exit_code == 0
    assert (target / "handouts.yaml").is_file()
    assert (target / "content/hand-self-massage.yaml").is_file()
    assert (target / "templates").is_dir()
    second = run("init", str(target))
    assert second.exit_code == 1
    assert f"{target / 'handouts.yaml'}: already exists; init never overwrites files " \
        "(use an empty folder)" in second.stderr


def test_init_never_follows_a_link_out_of_its_folder(tmp_path: Path) -> None:
    """A dangling handouts.yaml link, or a content/ folder that links elsewhere, would make
    init write outside the folder it was given: refused, located, nothing written."""
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "new"
    target.mkdir()
    (target / "handouts.yaml").symlink_to(outside / "handouts.yaml")  # dangling
    (target / "content").symlink_to(outside, target_is_directory=True)
    result = run("init", str(target))
    assert result.exit_code == 1
    reason = (f"is a link to a place outside {target}; init never follows links out of the "
              "folder (remove the link, or use an empty folder)")
    assert result.stderr.splitlines()[:2] == [f"{target / 'content'}: {reason}",
                                              f"{target / 'handouts.yaml'}: {reason}"]
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in target.iterdir()) == ["content", "handouts.yaml"]
    # A link that stays inside the folder is followed like the folder itself.
    (target / "handouts.yaml").unlink()
    (target / "content").unlink()
    (target / "pages").mkdir()
    (target / "content").symlink_to(target / "pages", target_is_directory=True)
    assert run("init", str(target)).exit_code == 0
    assert (target / "pages/hand-self-massage.yaml").is_file()
    assert list(outside.iterdir()) == []


def test_doctor(project: Path) -> None:
    result = run("doctor")
    assert result.exit_code == 0
    for what in ("Python", "WeasyPrint", "Pango", "HarfBuzz subsetting", "Bundled fonts"):
        assert f"[ok  ] {what}: " in result.output


def test_version_and_python_m() -> None:
    assert run("--version").output == f"handouts, version {__version__}\n"
    out = subprocess.run([sys.executable, "-m", "handouts", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout == f"handouts, version {__version__}\n"


def test_translate_creates_a_po_file(project: Path) -> None:
    result = run("-C", str(project), "translate", "hand-self-massage", "es")
    assert result.exit_code == 0
    po = project / "content/hand-self-massage.es.po"
    # 28 texts of the handout less the reviewer's name (a name may stay as written), and
    # the clinic's tagline and disclaimer (handouts.yaml does not translate them).
    assert result.output == "created content/hand-self-massage.es.po (29 texts to translate)\n"
    assert 'msgctxt "steps[2].tip"\nmsgid "Press only as hard as feels good."\nmsgstr ""' \
        in po.read_text(encoding="utf-8")


def test_translate_and_check_count_the_same_texts(project: Path) -> None:
    """A name left as written is not a text to translate: `translate` once counted it
    (30), while `check` did not (0 of 29)."""
    created = run_in(project, "translate", "hand-self-massage", "es")
    assert created.output == "created content/hand-self-massage.es.po (29 texts to translate)\n"
    checked = run_in(project, "check", "hand-self-massage", "--no-render")
    assert "content/hand-self-massage.es.po: warning: 0 of 29 texts translated; first " \
        "missing: title at line 36\n" in checked.output


def test_translate_into_the_handouts_own_language_is_refused(project: Path) -> None:
    """content/x.en.po for an English handout would never be read: a usage mistake."""
    result = run_in(project, "translate", "hand-self-massage", "en")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: LANGUAGE: hand-self-massage is written in English (language: en); "
        "translate it into another language, e.g. es")
    assert not (project / "content/hand-self-massage.en.po").exists()


NO_GERMAN = ("content/hand-self-massage.de.po: warning: the theme has no German words yet "
             "(available: ar, en, es, fil, fr, ht, ko, pt, ru, vi, zh, zh-Hant); add them in "
             "locale/de.po: 'handouts translate --theme de'")


def test_translate_warns_up_front_when_the_theme_has_no_words(project: Path) -> None:
    """The file is made (a volunteer can start), but the advice `build --language de`
    would give only at the end is said at once, and by `check`."""
    result = run_in(project, "translate", "hand-self-massage", "de")
    assert result.exit_code == 0
    assert result.stderr == NO_GERMAN + "\n"
    assert result.stdout == "created content/hand-self-massage.de.po (29 texts to translate)\n"
    assert (project / "content/hand-self-massage.de.po").is_file()
    checked = run_in(project, "check", "hand-self-massage", "--no-render")
    assert NO_GERMAN + "\n" in checked.output


#: Every command's options with a value that cannot be used, and the one message each
#: gives: a usage mistake, so exit 2 with the command's usage line (``{p}``: the project).
BAD_OPTIONS = [
    (["build", "--location", "paris"],
     "--location: unknown location 'paris' (known: none: handouts.yaml defines no "
     "clinic.locations)"),
    (["build", "--audience", "nurses"],
     "--audience: unknown audience 'nurses' (this project has only the general audience; "
     "define others under audiences: in handouts.yaml)"),
    (["build", "--language", "xx"],
     "--language: 'xx' is not a language code handouts knows (e.g. es, fr, pt-BR, zh-Hant)"),
    (["build", "--language", "fi"],
     "--language: the theme has no Finnish words yet (available: ar, en, es, fil, fr, ht, "
     "ko, pt, ru, vi, zh, zh-Hant); add them in locale/fi.po: 'handouts translate --theme "
     "fi'"),
    (["build", "--client", "A", "--name-pattern", "../{client}"],
     "--name-pattern: '../{client}' is not a valid file-name pattern: use only {client}, "
     "{handout}, {audience}, {language}, {paper}, {print}, {hash}, {row} and plain text, "
     "without slashes"),
    (["build", "--client", "A", "--next-appointment", "13/13/2026"],
     "Invalid value for '--next-appointment': is not a day of the calendar (that month has "
     "fewer days, or there is no such month); check the day and the month"),
    (["build", "--paper", "a5"],
     "Invalid value for '--paper': 'a5' is not one of 'letter', 'a4'."),
    (["batch", "--executor", "spark://x"],
     "--executor: 'spark://x' is not an executor: use local or dask://HOST:PORT "
     "(e.g. dask://scheduler.clinic.lan:8786)"),
    (["batch", "--jobs", "0"],
     "Invalid value for '--jobs' / '-j': 0 is not in the range x>=1."),
    (["merge", "{p}/handouts.yaml", "--name-pattern", "{secret}"],
     "--name-pattern: '{secret}' is not a valid file-name pattern: use only {client}, "
     "{handout}, {audience}, {language}, {paper}, {print}, {hash}, {row} and plain text, "
     "without slashes"),
    (["program", "--client", "A", "--item", "hand-self-massage", "--location", "paris"],
     "--location: unknown location 'paris' (known: none: handouts.yaml defines no "
     "clinic.locations)"),
    (["program", "--client", "A", "--item", "hand-self-massage", "--audience", "nurses"],
     "--audience: unknown audience 'nurses' (this project has only the general audience; "
     "define others under audiences: in handouts.yaml)"),
    (["program", "--client", "A", "--item", "hand-self-massage", "--language", "es-ZZZZZZZZZ"],
     "--language: 'es-ZZZZZZZZZ' is not a language code handouts knows (e.g. es, fr, pt-BR, "
     "zh-Hant)"),
    (["program", "--client", "A", "--item", "hand-self-massage", "--given", "someday"],
     "Invalid value for '--given': is not a date handouts can read; write it as "
     "12/15/2026 or 2026-12-15"),
    (["program", "--client", "A", "--item", "hand-self-massage sets=many"],
     "--item 1: sets: must be a whole number"),
    (["init", "{p}/new", "--phone", "12"],
     "--phone: '12' is not a valid phone number for region US; write it as (480) 992-5050 "
     "or +1 480 992 5050"),
    (["init", "{p}/new", "--library", "none,ice-or-heat"],
     "--library: 'none' cannot be combined with handout names"),
    (["serve", "--cert", "{p}/nope.pem"],
     "--cert: no such file: {p}/nope.pem"),
    (["serve", "--allow-host", "https://desk.myclinic.example/"],
     "--allow-host: 'https://desk.myclinic.example/' is not a host name: give the name "
     "alone, without http://, a port or a path (e.g. desk.myclinic.example)"),
    (["translate", "hand-self-massage", "xx-notalang"],
     "LANGUAGE: 'xx-notalang' is not a language code handouts knows (e.g. es, fr, pt-BR, "
     "zh-Hant)"),
    (["translate", "hand-self-massage", "ES"],
     "LANGUAGE: 'ES' is written 'es' (language codes are written in the case of es, fr, "
     "pt-BR, zh-Hant)"),
    (["build", "--language", "zh-hant"],
     "--language: 'zh-hant' is written 'zh-Hant' (language codes are written in the case of "
     "es, fr, pt-BR, zh-Hant)"),
    (["translate", "--theme", "zz"],
     "--theme: 'zz' is not a language code handouts knows (e.g. es, fr, pt-BR, zh-Hant)"),
    (["check", "--format", "xml"],
     "Invalid value for '--format': 'xml' is not one of 'text', 'json'."),
]


@pytest.mark.parametrize(("args", "message"), BAD_OPTIONS,
                         ids=[" ".join(args[:2]) for args, _ in BAD_OPTIONS])
def test_a_bad_option_value_is_a_usage_error(project: Path, args: list[str],
                                             message: str) -> None:
    args = [a.replace("{p}", str(project)) for a in args]
    result = run("-C", str(project), *args)
    assert result.exit_code == 2, result.output
    command = args[0]
    assert result.stderr.startswith(f"Usage: handouts {command} ")
    error = result.stderr.split("\nError: ", 1)[1]
    assert error.splitlines()[0] == message.replace("{p}", str(project))
    assert "Traceback" not in result.output
    assert not (project / "output").exists() and not (project / "new").exists()


#: Several bad option values in one command: every one is said, in one usage error.
SEVERAL_BAD = [
    (["build", "--client", "A", "--next-appointment", "soon", "--name-pattern", "{x}"],
     ["Invalid value for '--next-appointment': is not a date handouts can read; write it "
      "as 12/15/2026 or 2026-12-15",
      "--name-pattern: '{x}' is not a valid file-name pattern: use only {client}, "
      "{handout}, {audience}, {language}, {paper}, {print}, {hash}, {row} and plain text, "
      "without slashes"]),
    (["program", "--client", "A", "--item", "hand-self-massage sets=many",
      "--next-appointment", "soon", "--given", "2026-02-30"],
     ["Invalid value for '--next-appointment': is not a date handouts can read; write it "
      "as 12/15/2026 or 2026-12-15",
      "Invalid value for '--given': is not a day of the calendar (that month has fewer "
      "days, or there is no such month); check the day and the month",
      "--item 1: sets: must be a whole number"]),
]


@pytest.mark.parametrize(("args", "messages"), SEVERAL_BAD, ids=["build", "program"])
def test_several_bad_option_values_are_said_at_once(project: Path, args: list[str],
                                                    messages: list[str]) -> None:
    """One bad date used to hide the bad --name-pattern or --item beside it: fixed, the
    command then refused the next. Every bad value found before loading is said."""
    result = run("-C", str(project), *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.split("\nError: ", 1)[1].splitlines() == messages
    assert not (project / "output").exists()


def test_a_project_folder_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-clinic"
    result = run("-C", str(missing), "build")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '--project' / '-C': Directory '{missing}' does not exist.")


def test_the_paper_options_offer_the_papers_of_the_schema() -> None:
    from handouts.cli import PAPER_CHOICES
    from handouts.project.schema import PAPERS

    assert PAPER_CHOICES == PAPERS


@pytest.mark.parametrize("args", [["build", "--client", "   ", "--note", "Light pressure"],
                                  ["program", "--client", "", "--item", "hand-self-massage"]])
def test_a_blank_client_name_is_refused_not_printed_as_prepared_for_nobody(
        project: Path, args: list[str]) -> None:
    result = run("-C", str(project), *args)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == ["--client: must not be empty",
                                          "1 error; nothing was written."]
    assert not (project / "output").exists()


def test_check_on_files_that_do_not_load_says_no_check_was_run(project: Path) -> None:
    edit(project / "content" / "hand-self-massage.yaml", "title: ", "title: [")
    result = run("-C", str(project), "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "1 error; no check was run."


def test_doctor_q_prints_only_what_is_not_ok(tmp_path: Path) -> None:
    """-q is "print only problems": doctor printed every [ok] line at every verbosity."""
    everything = run("-C", str(tmp_path), "doctor").stdout.splitlines()
    quiet = run("-C", str(tmp_path), "-q", "doctor").stdout.splitlines()
    assert any(line.startswith("[ok") for line in everything)
    assert not any(line.startswith("[ok") for line in quiet)
    assert quiet == [line for line in everything if not line.startswith("[ok")]


def test_init_s_next_step_can_be_pasted_for_a_folder_with_spaces(tmp_path: Path) -> None:
    folder = tmp_path / "Mi Clínica"
    result = run("init", str(folder), "--name", "A", "--phone", "(480) 555-0134",
                 "--city", "B")
    assert result.exit_code == 0
    line = result.stdout.splitlines()[-1]
    assert line == f"Next: cd '{folder}' && handouts build"
    done = subprocess.run(["bash", "-c", line.removeprefix("Next: ").split(" && ")[0]
                           + " && pwd"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(folder)


def test_theme_words_are_started_only_in_a_project_and_never_for_english(
        tmp_path: Path) -> None:
    """QA: outside a project, translate --theme made a locale/ folder there; for English
    it made locale/en.po "63 theme words to translate", which nothing reads."""
    outside = run("-C", str(tmp_path), "translate", "--theme", "es")
    assert outside.exit_code == 1 and "handouts.yaml: not found in" in outside.stderr
    assert list(tmp_path.iterdir()) == []
    project = tmp_path / "p"
    assert run("init", str(project)).exit_code == 0
    english = run_in(project, "translate", "--theme", "en")
    assert english.exit_code == 2
    assert "--theme: 'en' is the theme's own language: its words are printed as they are " \
        "written, so there is nothing to translate" in english.stderr
    assert not (project / "locale").exists()


@pytest.mark.parametrize("in_the_way", ["afile/sub", "clinic/content", "clinic/assets"])
def test_init_with_a_file_where_a_folder_goes_is_one_message_and_writes_nothing(
        tmp_path: Path, in_the_way: str) -> None:
    """QA: a file where init needs a folder (a part of the path, or content/ or assets/)
    was a traceback, after half the project was written; the next init then refused
    the files the first had left."""
    file = tmp_path / in_the_way if in_the_way != "afile/sub" else tmp_path / "afile"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text("", encoding="utf-8")
    target = tmp_path / ("afile/sub" if in_the_way == "afile/sub" else "clinic")
    before = sorted(tmp_path.rglob("*"))
    result = run("init", str(target), "--name", "A", "--phone", "(480) 555-0134",
                 "--city", "B")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines() == [
        f"{file}: is a file where init needs a folder; move it away, or use an empty folder",
        "1 error; nothing was written."]
    assert sorted(tmp_path.rglob("*")) == before


def test_a_clinic_outside_the_us_gives_its_phone_s_country(tmp_path: Path) -> None:
    """QA: a London number was refused with US-only advice and init had no way to say
    the country; 'phone_region: UK' blamed the (right) phone; and a Mexico City number
    written the local way was read as a US one, "(551) 234-5678", without a word."""
    london = tmp_path / "london"
    refused = run("init", str(london), "--name", "Calm Hands", "--phone", "020 7946 0958",
                  "--city", "London")
    assert refused.exit_code == 2
    assert "'020 7946 0958' is not a valid phone number for region US, but it is one for " \
        "GB: write it with its country code (+44 20 7946 0958), or set --phone-region GB" \
        in refused.stderr
    wrong = run("init", str(london), "--name", "Calm Hands", "--phone", "020 7946 0958",
                "--city", "London", "--phone-region", "UK")
    assert wrong.exit_code == 2 and "did you mean 'GB'?" in wrong.stderr
    assert "--phone:" not in wrong.stderr  # the phone is not judged by US rules
    made = run("init", str(london), "--name", "Calm Hands", "--phone", "020 7946 0958",
               "--city", "London", "--phone-region", "gb")
    assert made.exit_code == 0, made.output
    assert "  phone_region: GB\n" in (london / "handouts.yaml").read_text(encoding="utf-8")
    config = london / "handouts.yaml"
    edit(config, "  phone_region: GB", "  phone_region: UK")
    said = run_in(london, "-q", "build")
    line = next(n for n, text in enumerate(config.read_text(encoding="utf-8").splitlines(),
                                           start=1) if text == "  phone_region: UK")
    assert said.exit_code == 1
    assert f"handouts.yaml:{line}: clinic.phone_region: 'UK' is not a country code for " \
        "phone numbers; write the country's two letters (ISO 3166): did you mean 'GB'?" \
        in said.stderr and "clinic.phone:" not in said.stderr
    mexico = tmp_path / "mexico"
    assert run("init", str(mexico), "--name", "Masajes", "--phone", "55 1234 5678",
               "--city", "CDMX").exit_code == 0
    warned = run_in(mexico, "-q", "build")
    assert warned.exit_code == 0
    assert "clinic.phone: '55 1234 5678' is read as a US number and printed (551) 234-5678, " \
        "since no phone_region is set; written this way it is a number in MX: if the " \
        "clinic is there, add phone_region: MX under clinic" in warned.stderr
    edit(mexico / "handouts.yaml", '  phone: "55 1234 5678"\n',
         '  phone: "55 1234 5678"\n  phone_region: MX\n')
    assert "phone_region" not in run_in(mexico, "-q", "build").stderr


def test_init_refuses_a_clinic_name_no_font_can_print(tmp_path: Path) -> None:
    """QA: ``init --name "Bright Hands 🙌"`` wrote the project, whose every build then
    refused the name (no font has the emoji). Now init says so, and writes nothing; a
    name in another Latin alphabet is printed as it is."""
    target = tmp_path / "clinic"
    refused = run("init", str(target), "--name", "Bright Hands 🙌", "--city", "Tempe 🌵")
    assert refused.exit_code == 2 and not target.exists()
    for option, char in (("--name", "'🙌' (U+1F64C, Emoticons)"),
                         ("--city", "'🌵' (U+1F335, Miscellaneous Symbols and Pictographs)")):
        assert f"{option}: cannot print {char}: no font of the theme has it; leave it out " \
            "(once the project exists, a font that has it can be added under fonts: in " \
            "handouts.yaml) (Debian: fonts-noto-color-emoji)" in refused.stderr
    made = run("init", str(target), "--name", "Mãos Leves Żółć", "--city", "Łódź")
    assert made.exit_code == 0, made.output
    assert run_in(target, "-q", "build").exit_code == 0
    assert "Mãos Leves Żółć" in pdf_text(target / "output" / "hand-self-massage.pdf")
