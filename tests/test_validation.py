"""Validation of config and content: every problem at once, located, worded for people."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from handouts.project.load import load_project

from .helpers import copy_example, edit, line_of, load_problems, run_in

CONTENT = "content/hand-self-massage.yaml"


def test_starter_project_is_valid(project: Path) -> None:
    whole = load_project(project)
    config, documents = whole.project, whole.documents
    assert config.config.clinic.phone_display == "(217) 555-0142"
    assert config.config.clinic.phone_uri == "tel:+12175550142"
    assert [d.name for d in documents] == ["hand-self-massage"]


@pytest.mark.parametrize(("typed", "shown", "uri"), [
    ("(480) 555-0134 ext. 22", "(480) 555-0134 ext. 22", "tel:+14805550134;ext=22"),
    ("480-555-0134 x22", "(480) 555-0134 ext. 22", "tel:+14805550134;ext=22")])
def test_a_phone_extension_is_dialled_by_its_link(project: Path, typed: str, shown: str,
                                                  uri: str) -> None:
    """QA: the extension was printed but dropped from the link a client taps."""
    edit(project / "handouts.yaml", "  phone: (217) 555-0142", f'  phone: "{typed}"')
    clinic = load_project(project).project.config.clinic
    assert (clinic.phone_display, clinic.phone_uri) == (shown, uri)


def test_every_problem_in_every_file_at_once(project: Path) -> None:
    edit(project / "handouts.yaml", "  phone: (217) 555-0142", "  phone: 555-01")
    edit(project / "handouts.yaml", 'primary: "#1F5F5B"', 'primary: "teal"')
    edit(project / "handouts.yaml", "  website: https://yourclinic.example",
          "  website: yourclinic.example")
    edit(project / "handouts.yaml", "  tagline:", "  tagline_text:")
    edit(project / CONTENT, "    text: Do the same steps on your other hand.", "    text: ''")
    edit(project / CONTENT, "  - title: Stretch each finger", "  - titel: Stretch each finger")
    edit(project / CONTENT, "  reviewed: 2026-11-01", "  reviewed: last week")
    edit(project / CONTENT, "keywords: [hands, self-care, massage]", "keywords: 3")
    (project / "content/broken.yaml").write_text("title: [unclosed\nintro: x\n",
                                                 encoding="utf-8")
    (project / "content/empty-ish.yaml").write_text("title: Only a title\n", encoding="utf-8")
    assert load_problems(project) == [
        "content/broken.yaml:1: the list that starts here with '[' is not closed; end it "
        "with ']' on the same line, or put the whole text in quotes",
        "content/empty-ish.yaml:1: intro: is required",
        "content/empty-ish.yaml:1: precautions: is required",
        "content/empty-ish.yaml:1: review: is required",
        "content/empty-ish.yaml:1: steps: is required",
        f"{CONTENT}:7: keywords: must be a list: start each item on its own line "
        "with '- '",
        f"{CONTENT}:18: steps[3].titel: unknown key (did you mean 'title'?); allowed keys: "
        "alt, audiences, except, id, image, replaces, text, tip, title",
        f"{CONTENT}:21: steps[4].text: must not be empty",
        f"{CONTENT}:39: review.reviewed: must be a date written as YYYY-MM-DD",
        "handouts.yaml:5: clinic.tagline_text: unknown key (did you mean 'tagline'?); allowed "
        "keys: address, booking_url, colors, disclaimer, email, hours, locations, logo, "
        "logo_alt, name, phone, phone_region, tagline, translations, website",
        "handouts.yaml:11: clinic.phone: '555-01' is not a valid phone number for region US; "
        "write it as (480) 992-5050 or +1 480 992 5050",
        "handouts.yaml:13: clinic.website: must be a web address starting with https:// "
        "(got 'yourclinic.example')",
        "handouts.yaml:18: clinic.colors.primary: must be a colour written as #RRGGBB, e.g. "
        "#1F5F5B (got 'teal')",
    ]


def test_a_wrong_language_is_said_with_the_file_s_other_mistakes(project: Path) -> None:
    """``language: english`` beside a misspelt key: both in one run, the language with
    the code it most likely meant (before, it was said only once the key was fixed)."""
    edit(project / CONTENT, "language: en", "language: english")
    edit(project / CONTENT, "  - title: Stretch each finger", "  - titel: Stretch each finger")
    assert load_problems(project) == [
        f"{CONTENT}:{line_of(project / CONTENT, 'language:')}: language: 'english' is not a "
        "language code handouts knows (e.g. es, fr, pt-BR, zh-Hant); did you mean 'en'?",
        f"{CONTENT}:18: steps[3].titel: unknown key (did you mean 'title'?); allowed keys: "
        "alt, audiences, except, id, image, replaces, text, tip, title",
    ]


def test_a_template_s_mistake_is_said_with_the_files_mistakes(project: Path) -> None:
    """A project template with a syntax error and a mistake in handouts.yaml: one run of
    any command says both, at the same exit status at every verbosity (before, the
    template's error came only after handouts.yaml was fixed)."""
    from handouts.paths import THEME_DIR

    template = project / "templates/handout.html.j2"
    lines = (THEME_DIR / "handout.html.j2").read_text(encoding="utf-8").splitlines()
    lines[49] += "{% if x %}"
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    edit(project / "handouts.yaml", "  paper: letter", "  papr: letter")
    line = line_of(project / "handouts.yaml", "papr:")
    for args in (["-q", "build"], ["build"], ["-v", "build"], ["check"], ["list"]):
        result = run_in(project, *args)
        assert result.exit_code == 1, args
        said = [x for x in result.stderr.splitlines() if ": warning: " not in x]
        assert said[0].startswith(f"handouts.yaml:{line}: defaults.papr: unknown key"), args
        assert said[1].startswith("templates/handout.html.j2:"), args
        assert "the 'if' block opened on line 50 was never closed" in said[1], args
        assert said[2].startswith("2 errors;"), args
    assert not (project / "output").exists()


def test_missing_and_wrong_type_in_config(project: Path) -> None:
    edit(project / "handouts.yaml", "  name: Your Clinic Name\n", "")
    edit(project / "handouts.yaml", "  paper: letter", "  paper: legal")
    assert load_problems(project) == [
        "handouts.yaml:3: clinic.name: is required",
        "handouts.yaml:24: defaults.paper: must be one of 'letter' or 'a4'",
    ]


def test_missing_image_image_without_alt_and_bad_type(project: Path) -> None:
    (project / "content/images").mkdir()
    Image.new("RGB", (2, 2), "tan").save(project / "content/images/hands.png")
    edit(project / CONTENT, "  - title: Warm up\n",
          "  - title: Warm up\n    image: images/missing.png\n    alt: Hands\n")
    edit(project / CONTENT, "  - title: Press the palm\n",
          "  - title: Press the palm\n    image: images/hands.png\n")
    edit(project / CONTENT, "  - title: Switch hands\n",
          "  - title: Switch hands\n    image: images/hands.bmp\n    alt: x\n")
    edit(project / CONTENT, "  - title: Stretch each finger\n",
          "  - title: Stretch each finger\n    image: images/gone.png\n")
    assert load_problems(project) == [
        f"{CONTENT}:14: steps[1].image: image file 'images/missing.png' does not exist "
        "(paths are relative to the content folder)",
        f"{CONTENT}:17: steps[2].alt: is required when a step has an image: describe what "
        "the picture shows for people who cannot see it",
        # A picture that does not exist still needs its alt text: both said at once.
        f"{CONTENT}:21: steps[3].alt: is required when a step has an image: describe what "
        "the picture shows for people who cannot see it",
        f"{CONTENT}:22: steps[3].image: image file 'images/gone.png' does not exist "
        "(paths are relative to the content folder)",
        f"{CONTENT}:25: steps[4].image: 'images/hands.bmp' is not a supported image type "
        "(.gif, .jpeg, .jpg, .png, .svg, .webp)",
    ]


def test_logo_must_exist_and_have_alt_text(project: Path) -> None:
    edit(project / "handouts.yaml", "  # logo: assets/logo.svg     # an SVG or PNG (square or "
          "wide), relative to this folder", "  logo: assets/nope.svg")
    assert load_problems(project) == [  # both at once: the alt text is needed either way
        "handouts.yaml:3: clinic.logo_alt: is required when a logo is set (describe the "
        "logo for screen readers, e.g. 'Massage Mesa logo')",
        "handouts.yaml:15: clinic.logo: file 'assets/nope.svg' does not exist"]
    (project / "assets").mkdir()
    (project / "assets/nope.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>",
                                             encoding="utf-8")
    assert load_problems(project) == [
        "handouts.yaml:3: clinic.logo_alt: is required when a logo is set (describe the "
        "logo for screen readers, e.g. 'Massage Mesa logo')"]


def test_duplicate_keys_and_unknown_manifest_references(project: Path) -> None:
    edit(project / CONTENT, "language: en\n", "language: en\nlanguage: es\n")
    config = project / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8")
                      + "batch:\n  audiences: [general, caregiver]\n  handouts: [hand-massage]\n",
                      encoding="utf-8")
    assert load_problems(project) == [
        f"{CONTENT}:9: language: appears twice (first on line 8); keep one of them",
        "handouts.yaml:28: batch.audiences[2]: unknown audience 'caregiver' (known: general)",
        "handouts.yaml:29: batch.handouts[1]: no such handout 'hand-massage' (did you mean "
        "'hand-self-massage'?)",
    ]


def test_a_section_written_twice_is_one_problem_at_the_second(project: Path) -> None:
    """A second ``precautions:`` (or ``clinic:``) pasted at the end: one problem at its
    line naming the first's; the first is read and checked as written, so there is no
    "precautions.stop: is required" at the line of the first's ``stop:``."""
    content = project / CONTENT
    content.write_text(content.read_text(encoding="utf-8")
                       + "precautions:\n  before:\n    - Wash your hands.\n", encoding="utf-8")
    config = project / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "clinic:\n  name: Other\n",
                      encoding="utf-8")
    first = line_of(content, "precautions:")
    second = len(content.read_text(encoding="utf-8").splitlines()) - 2
    clinic = len(config.read_text(encoding="utf-8").splitlines()) - 1
    assert load_problems(project) == [
        f"{CONTENT}:{second}: precautions: appears twice (first on line {first}); keep one "
        "of them",
        f"handouts.yaml:{clinic}: clinic: appears twice (first on line "
        f"{line_of(config, 'clinic:')}); keep one of them",
    ]


def test_a_misspelt_batch_audience_is_one_error_not_excludes_pointing_at_it(
        tmp_path: Path) -> None:
    """``batch.audiences: [general, caregiver, ...]``: the one error at the list; the
    excludes naming ``caregivers`` (written right) are not told "did you mean
    'caregiver'?", which invited copying the typo into each of them."""
    root = copy_example(tmp_path / "p")
    edit(root / "handouts.yaml", "  audiences: [general, caregivers, desk-workers, cancer-care]",
         "  audiences: [general, caregiver, desk-workers, cancer-care]")
    line = line_of(root / "handouts.yaml", "  audiences: [general, caregiver,")
    assert load_problems(root) == [
        f"handouts.yaml:{line}: batch.audiences[2]: unknown audience 'caregiver' (did you "
        "mean 'caregivers'?)"]


def test_missing_config(tmp_path: Path) -> None:
    # One problem: no project here (not "no handouts found" beside it).
    assert load_problems(tmp_path) == [
        f"handouts.yaml: not found in {tmp_path}; run 'handouts init DIRECTORY' to create a "
        "project, or pass --project",
    ]


def test_a_command_run_inside_a_project_s_folder_says_where_the_project_is(
        project: Path) -> None:
    """QA: from content/ (where the owner edits files) every command advised 'handouts
    init', which then failed for want of a folder name, and added "no handouts found"."""
    result = run_in(project / "content", "build")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"handouts.yaml: not found in {(project / 'content').resolve()}, which is inside the "
        f"project {project.resolve()}: run the command there, or pass -C {project.resolve()}",
        "1 error; nothing was written."]


@pytest.mark.parametrize("folder", ["/tmp/elsewhere", "../outside", "~/pdfs"])
def test_output_folder_must_stay_inside_the_project(project: Path, folder: str) -> None:
    edit(project / "handouts.yaml", "  output: output", f"  output: {folder}")
    assert load_problems(project) == [
        f"handouts.yaml:26: defaults.output: '{folder}' must be a folder inside the project, "
        "e.g. output (use --out to write elsewhere)"]


@pytest.mark.parametrize(("written", "archive"), [
    ("true", True), ("yes", True), ("ja", True), ("sí", True), ("oui", True), ("'1'", True),
    ("x", True), ("false", False), ("nein", False), ("non", False), ("'0'", False)])
def test_yes_no_settings_read_the_clinics_words(project: Path, written: str,
                                                archive: bool) -> None:
    """defaults.archive reads yes and no like the client CSV does (one shared reader)."""
    edit(project / "handouts.yaml", "  output: output", f"  output: output\n  archive: {written}")
    whole = load_project(project)
    loaded, _ = whole.project, whole.documents
    assert loaded.config.defaults.archive is archive


def test_a_yes_no_setting_says_which_words_it_takes(project: Path) -> None:
    edit(project / "handouts.yaml", "  output: output", "  output: output\n  archive: maybe")
    assert load_problems(project) == [
        "handouts.yaml:27: defaults.archive: must be yes or no (also sí/no, oui/non, ja/nein, "
        "true/false, 1/0, x or empty)"]


def test_an_exclude_that_names_nothing_the_batch_makes_is_warned_about(tmp_path: Path) -> None:
    """A typo in batch.exclude used to leave every version it meant to drop in the batch,
    silently; each key is now checked against what the batch makes (a warning, so a
    manifest that built keeps building)."""
    project = copy_example(tmp_path / "clinic")
    config = project / "handouts.yaml"
    edit(config, "    - {handout: desk-stretch-break, audience: caregivers}\n",
         "    - {handout: desk-strech-break, audience: caregiver}\n"
         "    - {language: fr, paper: a4, print: large, location: north}\n")
    line = line_of(config, "desk-strech-break")
    warnings = [p.format() for p in load_project(project).warnings
                if p.path == "handouts.yaml"]
    assert warnings == [
        f"handouts.yaml:{line}: warning: batch.exclude[1].audience: excludes nothing: the "
        "batch makes no audience 'caregiver' (did you mean 'caregivers'? batch.audiences: "
        "general, caregivers, desk-workers, cancer-care)",
        f"handouts.yaml:{line + 1}: warning: batch.exclude[2].language: excludes nothing: "
        "the batch makes no language 'fr' (batch.languages: en, es, ar, zh)",
        f"handouts.yaml:{line + 1}: warning: batch.exclude[2].location: excludes nothing: "
        "the batch makes no location 'north' (clinic.locations is empty)",
        f"handouts.yaml:{line}: warning: batch.exclude[1].handout: excludes nothing: the "
        "batch makes no handout 'desk-strech-break' (did you mean 'desk-stretch-break'? "
        "batch.handouts: back-massage, desk-stretch-break)"]
    result = run_in(project, "check", "--quick")
    assert result.exit_code == 0 and "the batch makes no audience 'caregiver'" in result.output


def test_a_translations_key_that_is_no_language_is_warned_about(tmp_path: Path) -> None:
    """QA: ``clinic.translations: {sp: ...}`` (Spanish meant) was taken silently, and the
    Spanish handouts printed the clinic's English tagline; an audience's ``ES`` too. Each
    key is judged as a program file's are, at its line; a warning (with the language
    meant), since such a file built before: the handouts are still made."""
    project = copy_example(tmp_path / "clinic")
    config = project / "handouts.yaml"
    edit(config, "  translations:\n    es:\n      tagline:",
         "  translations:\n    sp:\n      tagline: Masaje\n    es:\n      tagline:")
    edit(config, "    translations:\n      es:\n        label: Cuidadores",
         "    translations:\n      ES:\n        label: Cuidadores")
    edit(config, "    zh:\n      tagline:", "    ES:\n      tagline: x\n    zh:\n      tagline:")
    clinic, audience = line_of(config, "    sp:"), line_of(config, "      ES:")
    warnings = [p.format() for p in load_project(project).warnings
                if p.field.endswith(("translations.sp", "translations.ES"))
                and not p.field.startswith("clinic.translations.ES")]
    assert warnings == [
        f"handouts.yaml:{clinic}: warning: clinic.translations.sp: 'sp' is not a language "
        "code handouts knows (e.g. es, fr, pt-BR, zh-Hant), so these words are never "
        "printed; did you mean 'es'?",
        f"handouts.yaml:{audience}: warning: audiences.caregivers.translations.ES: 'ES' is "
        "written 'es' (language codes are written in the case of es, fr, pt-BR, zh-Hant)"]
    result = run_in(project, "build", "back-massage", "--language", "es")
    assert result.exit_code == 0, result.output
    assert "clinic.translations.sp" in result.stderr


def test_a_translations_key_writing_the_project_s_language_another_way_is_warned_about(
        tmp_path: Path) -> None:
    """QA: ``clinic.translations: {es-MX: ...}`` (or an audience's ``spa``) in a project
    whose Spanish handouts are ``es`` is a language code, so it was taken; nothing looks
    it up, so the Spanish handouts printed the clinic's English tagline and ``check``
    only said the tagline was missing. It is said at its line, naming the spelling the
    handouts use; a code of another language (words ready for French handouts to come)
    is not."""
    project = copy_example(tmp_path / "clinic")
    config = project / "handouts.yaml"
    edit(config, "  translations:\n    es:\n      tagline:",
         "  translations:\n    fr:\n      tagline: Massage\n    es-MX:\n      tagline:")
    edit(config, "    translations:\n      es:\n        label: Cuidadores",
         "    translations:\n      spa:\n        label: Cuidadores")
    clinic, audience = line_of(config, "    es-MX:"), line_of(config, "      spa:")
    warnings = [p.format() for p in load_project(project).warnings
                if ".translations." in p.field]
    assert warnings == [
        f"handouts.yaml:{clinic}: warning: clinic.translations.es-MX: 'es-MX' is Spanish "
        "written another way: this project's handouts write it 'es', so these words are "
        "never printed",
        f"handouts.yaml:{audience}: warning: audiences.caregivers.translations.spa: 'spa' "
        "is Spanish written another way: this project's handouts write it 'es', so these "
        "words are never printed"]
    result = run_in(project, "check", "--quick", "--no-render")
    assert "clinic.translations.es-MX: 'es-MX' is Spanish written another way" in \
        result.output
    assert load_project(copy_example(tmp_path / "plain")).warnings == []


#: A run of every command that loads a project (a small batch: one version each).
LOADING_COMMANDS = {
    "list": ("list",), "build": ("build", "desk-stretch-break"),
    "batch": ("batch", "-j", "1"), "check": ("check", "--quick", "--no-render"),
    "merge": ("merge", "clients.csv"), "program": ("program", "--client", "Ann Lee",
                                                   "--item", "desk-stretch-break sets=2"),
    "translate": ("translate", "back-massage", "es"),
}


@pytest.mark.parametrize("command", sorted(LOADING_COMMANDS))
def test_every_command_says_what_loading_warns_about_once(command: str,
                                                          tmp_path: Path) -> None:
    """``list``, ``merge``, ``program`` and ``translate`` used to load a project with a
    warning (a ``batch.exclude`` that excludes nothing) without a word; ``build``,
    ``batch`` and ``check`` said it. Every command says it, once."""
    project = copy_example(tmp_path / "clinic")
    config = project / "handouts.yaml"
    edit(config, "  languages: [en, es, ar, zh]", "  languages: [en]")
    edit(config, "  papers: [letter, a4]", "  papers: [letter]")
    edit(config, "  prints: [standard, large]", "  prints: [standard]")
    edit(config, "  audiences: [general, caregivers, desk-workers, cancer-care]",
         "  audiences: [general]")
    edit(config, "    - {handout: desk-stretch-break, language: es}",
         "    - {handout: desk-strech-break, language: en}")
    (project / "clients.csv").write_text("client,handout\nAnn Lee,desk-stretch-break\n",
                                         encoding="utf-8")
    line = line_of(config, "desk-strech-break")
    warning = (f"handouts.yaml:{line}: warning: batch.exclude[3].handout: excludes nothing: "
               "the batch makes no handout 'desk-strech-break' (did you mean "
               "'desk-stretch-break'? batch.handouts: back-massage, desk-stretch-break)")
    args = [str(project / a) if a == "clients.csv" else a for a in LOADING_COMMANDS[command]]
    result = run_in(project, *args)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines().count(warning) == 1, result.output
    if command != "check":  # check's report is its output; elsewhere a warning is stderr's
        assert warning in result.stderr


def test_every_image_problem_in_one_run(project: Path) -> None:
    """A picture over the pixel limit and another over checks.image_max_kb: both said
    at once (the size was judged only after the file loaded, so it came a run later)."""
    images = project / "content/images"
    images.mkdir()
    # 81 MP but a few KB on disk (one bit per pixel, all white).
    Image.new("1", (9000, 9000), 1).save(images / "huge.png")
    Image.effect_noise((200, 200), 100).convert("RGB").save(images / "noise.jpg", quality=95)
    with (project / "handouts.yaml").open("a", encoding="utf-8") as config:
        config.write("checks:\n  image_max_kb: 32\n")
    edit(project / CONTENT, "  - title: Stretch each finger\n",
          "  - title: Stretch each finger\n    image: images/huge.png\n    alt: A hand\n")
    edit(project / CONTENT, "  - title: Switch hands\n",
          "  - title: Switch hands\n    image: images/noise.jpg\n    alt: Noise\n")
    size = (images / "noise.jpg").stat().st_size
    assert size > 32 * 1024 and (images / "huge.png").stat().st_size < 32 * 1024
    assert load_problems(project) == [
        f"{CONTENT}:{line_of(project / CONTENT, 'image: images/huge.png')}: steps[3].image: "
        "image file 'images/huge.png' cannot be printed: the image has 81,000,000 pixels; "
        "the limit is 40,000,000 (resize it)",
        f"{CONTENT}:{line_of(project / CONTENT, 'image: images/noise.jpg')}: steps[4].image: "
        f"'images/noise.jpg' is {size / 1024:,.0f} KB; the limit is 32 KB "
        "(checks.image_max_kb): make it smaller",
    ]


def test_batch_references_are_checked_when_other_parts_have_errors(project: Path) -> None:
    """The batch's unknown location was said only once the locations' own errors were
    fixed. A location in the file with errors of its own still counts as known."""
    config = project / "handouts.yaml"
    edit(config, "  colors:\n", (
        "  locations:\n"
        "    tempe:\n"
        "      address: {street: 1 Mill Ave, city: Tempe}\n"
        "      phnoe: (480) 992-5050\n"
        "    scottsdale:\n"
        "      address: {street: 2 Main St}\n"
        "      phone: (480) 992-5051\n"
        "  colors:\n"))
    with config.open("a", encoding="utf-8") as file:
        file.write("batch:\n  locations: [tempe, scotsdale]\n")
    tempe, batch = line_of(config, "tempe:"), line_of(config, "locations: [tempe")
    assert load_problems(project) == [
        f"handouts.yaml:{tempe}: clinic.locations.tempe.phone: is required",
        f"handouts.yaml:{tempe + 2}: clinic.locations.tempe.phnoe: unknown key (did you "
        "mean 'phone'?); allowed keys: address, booking_url, email, hours, logo, logo_alt, "
        "name_suffix, phone, phone_region",
        f"handouts.yaml:{tempe + 4}: clinic.locations.scottsdale.address.city: is required",
        f"handouts.yaml:{batch}: batch.locations[2]: unknown location 'scotsdale' (did you "
        "mean 'scottsdale'?)",
    ]


@pytest.mark.parametrize("out", ["templates/pdfs", "./locale/x"])
def test_an_output_folder_inside_the_design_s_folders_is_refused(project: Path,
                                                                  out: str) -> None:
    """QA: ``--out templates/pdfs`` was accepted, and since every file of templates/ is
    the design's, each later batch rendered everything again."""
    result = run_in(project, "build", "--out", str(project / out))
    assert result.exit_code == 2
    assert f"--out: '{out.removeprefix('./')}' is inside the project's " in result.stderr
    assert not (project / out).exists()
    edit(project / "handouts.yaml", "  output: output", f"  output: {out}")
    assert f"defaults.output: '{out.removeprefix('./')}' is inside the project's" in \
        run_in(project, "build").stderr
