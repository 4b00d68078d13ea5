"""The starter library (issue 22): twelve handouts in English and Spanish that pass every
check in every version, copied by ``handouts init --library`` and ``handouts add`` without
touching a file the clinic already has, and never presented as reviewed."""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from handouts.checks.starter import LIBRARY_HINT
from handouts.commands.build import build
from handouts.commands.check import check
from handouts.commands.init import ClinicDetails, init_project
from handouts.commands.starter import choose, library, recolour
from handouts.paths import LIBRARY_DIR
from handouts.project.config import Clinic, Colors
from handouts.project.load import load_project
from handouts.render.theme import palette

from .helpers import edit, line_of, pdf_text, run

NAMES = ("after-your-massage", "breathing-to-relax", "desk-stretches", "foam-rolling",
         "foot-calf-self-massage", "gentle-walking-plan", "hand-wrist-stretches", "ice-or-heat",
         "moving-someone-safely", "neck-shoulder-self-massage", "sleeping-positions",
         "tension-headache-self-care")
#: The one warning about a draft the project cannot fix in its content: the built-in
#: Spanish theme words wait for a native speaker's review (like every built-in catalog).
THEME_DRAFT = ("handouts/locale/es/LC_MESSAGES/handouts.po: warning: the Spanish theme words "
               "are a draft that needs a native speaker's review (X-Review-Status); once a "
               "native speaker has checked them, record it: handouts translate --theme es "
               "--reviewed-by NAME")
#: Where each library handout says it is starter text (after the 3-line header comment).
STARTER_LINE = 4
KNOWN = ("choose from all, none or " + ", ".join(NAMES)
         + " (handouts add --list shows their titles)")
#: What ``handouts add`` offers: 'none' is init's word for no handouts, not a name to add.
KNOWN_TO_ADD = ("choose from all or " + ", ".join(NAMES)
                + " (handouts add --list shows their titles)")


def _clinic(root: Path, **replace: str) -> None:
    """Give the project a real clinic's details, so no starter config text is left."""
    for old, new in {
        "  email: hello@yourclinic.example": "  email: desk@brighthands.example",
        "  website: https://yourclinic.example": "  website: https://brighthands.example",
        "  booking_url: https://yourclinic.example/book":
            "  booking_url: https://brighthands.example/book",
        "    street: 100 Main Street": "    street: 1250 East Apache Boulevard, Suite 104",
        "  tagline: Massage and physiotherapy\n": "  tagline: Massage and physiotherapy in Tempe\n",
        **replace}.items():
        edit(root / "handouts.yaml", old, new, every=True)
    # Springfield's state and postal code, or (init with the clinic's own city) their
    # lines left for the owner.
    config = root / "handouts.yaml"
    text = config.read_text(encoding="utf-8")
    for starter, left, own in (('    postal_code: "62701"',
                                "    # postal_code: ...          # your postal code",
                                '    postal_code: "85281"'),
                               ("    region: IL",
                                "    # region: ...          # your state or region",
                                "    region: AZ")):
        edit(config, starter if starter in text else left, own)
    if "      tagline: Masaje y fisioterapia\n" in text:  # the library's Spanish, too
        edit(config, "      tagline: Masaje y fisioterapia\n",
             "      tagline: Masaje y fisioterapia en Tempe\n")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """A new clinic's project with the whole library."""
    root = tmp_path / "clinic"
    init_project(root, details=ClinicDetails("Bright Hands Massage", "(480) 555-0134", "Tempe"),
                 library=["all"])
    _clinic(root)
    return root


# ----------------------------------------------------------------- every version passes

@pytest.mark.slow
def test_every_version_of_the_library_passes_every_check(clinic: Path) -> None:
    """Both languages, both papers, both print sizes: no error and no warning but the
    starter flag (and the built-in Spanish theme words' draft status); the reading
    level at grade 6 or below in every section; the page limit kept without shrinking
    and without a layout warning."""
    report = check(load_project(clinic, NAMES), today=dt.date(2026, 12, 4))
    assert report.coverage is not None
    assert report.coverage.describe() == (
        "checked 12 handouts × en, es × letter, a4 × standard, large (96 versions)")
    assert [p.format() for p in report.problems] == [
        f"content/{name}.yaml:{STARTER_LINE}: warning: starter: {LIBRARY_HINT}"
        for name in NAMES] + [THEME_DRAFT]
    assert len(report.pages) == 96
    for page in report.pages:
        assert page["shrunk_to"] is None, page
        assert page["pages"] <= page["max_pages"], page
        if page["variant"].endswith("standard"):
            assert page["max_pages"] == 2 and page["pages"] == 2, page
    grades = {(g["handout"], g["language"], g["section"]): g["grade"] for g in report.grades}
    assert {(h, lang) for h, lang, _ in grades} == {(h, lang) for h in NAMES
                                                    for lang in ("en", "es")}
    assert max(grades.values()) <= 6, sorted(grades.items(), key=lambda kv: -kv[1])[:3]


# ----------------------------------------------------------------- never shown as reviewed

def test_starter_text_prints_no_review_line_until_the_flag_is_gone(clinic: Path) -> None:
    name = "after-your-massage"
    pdf = build(load_project(clinic, (name,))).built[0].path
    printed = pdf_text(pdf, squeezed=True)
    assert "Sources:" in printed and "Reviewed on" not in printed
    assert "Your Clinic team" not in printed
    content = clinic / f"content/{name}.yaml"
    edit(content, "starter: true\n", "")
    assert "Reviewed on December 1, 2026 by Your Clinic team." in pdf_text(
        build(load_project(clinic, (name,))).built[0].path, squeezed=True)


def test_check_flags_starter_text_until_a_reviewer_and_date_are_set(clinic: Path) -> None:
    name = "ice-or-heat"
    content = clinic / f"content/{name}.yaml"
    later = dt.date(2030, 1, 1)  # long after the placeholder date: a review would be overdue

    def own_warnings() -> list[str]:
        report = check(load_project(clinic, (name,)), render=False, quick=True, today=later)
        return [p.format() for p in report.problems if p.path == f"content/{name}.yaml"]

    assert own_warnings() == [f"content/{name}.yaml:{STARTER_LINE}: warning: starter: "
                              f"{LIBRARY_HINT}"]
    text = content.read_text(encoding="utf-8")
    unflagged = text.replace("starter: true\n", "")
    content.write_text(unflagged, encoding="utf-8")
    line = unflagged.splitlines().index("  reviewed: 2026-12-01          # placeholder: the "
                                        "date your clinic reviewed this text") + 1
    assert own_warnings() == [
        f"content/{name}.yaml:{line}: review.reviewed: last reviewed 2026-12-01; a "
        "review was due 2027-12-01 (every 12 months, checks.review_months)",
        f"content/{name}.yaml:{line}: warning: review.reviewed: still the starter text "
        "'2026-12-01'; put the date your clinic reviewed this handout",
        f"content/{name}.yaml:{line + 1}: warning: review.reviewer: still the starter text "
        "'Your Clinic team'; put the name of the person who reviewed this handout"]
    content.write_text(text.replace("starter: true\n", "").replace(
        "reviewed: 2026-12-01", "reviewed: 2029-10-15").replace(
        "reviewer: Your Clinic team", "reviewer: Ana Ruiz, PT"), encoding="utf-8")
    assert own_warnings() == []


# ----------------------------------------------------------------- handouts add

def test_add_copies_handouts_and_never_touches_existing_files(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    init_project(root)
    (root / "content/ice-or-heat.yaml").write_bytes(b"# our own ice sheet\n")  # not valid yet
    (root / "content/images").mkdir(parents=True, exist_ok=True)
    mine = root / "content/images/neck-shoulder-self-massage-neck.svg"
    mine.write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    before = _files(root)
    result = run("-C", str(root), "add", "neck-shoulder-self-massage", "ice-or-heat")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "added content/images/ice-or-heat-wrap.svg\n"
        "added content/neck-shoulder-self-massage.yaml\n"
        "added content/neck-shoulder-self-massage.es.po\n"
        "added content/images/neck-shoulder-self-massage-squeeze.svg\n"
        "4 file(s) added, 3 skipped\n")
    kept = "already exists and was kept (add never overwrites files; delete it first to get " \
        "the library's version)"
    assert result.stderr == (
        f"content/ice-or-heat.yaml: warning: {kept}\n"
        "content/ice-or-heat.es.po: warning: not added: the project already has a handout "
        "'ice-or-heat' (content/ice-or-heat.yaml), and this is a translation of the "
        "library's text\n"
        f"content/images/neck-shoulder-self-massage-neck.svg: warning: {kept}\n"
        "handouts.yaml: warning: clinic.translations.es: add the clinic's tagline, disclaimer "
        "in Spanish here, or the Spanish versions of the added handouts print them in "
        "English\n")
    after = _files(root)
    assert {path: after[path] for path in before} == before  # every old file as it was
    assert sorted(set(after) - set(before)) == [
        "content/images/ice-or-heat-wrap.svg",
        "content/images/neck-shoulder-self-massage-squeeze.svg",
        "content/neck-shoulder-self-massage.es.po", "content/neck-shoulder-self-massage.yaml"]
    for path in set(after) - set(before):  # the default colours: the library's own bytes
        assert after[path] == (LIBRARY_DIR / path.removeprefix("content/")).read_bytes()
    again = run("-C", str(root), "add", "neck-shoulder-self-massage")
    assert again.exit_code == 0
    assert again.stdout == "0 file(s) added, 4 skipped\n"
    assert _files(root) == after


def test_add_beside_a_yml_handout_of_the_same_name_adds_only_its_pictures(
        tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    init_project(root)
    (root / "content/desk-stretches.yml").write_bytes(
        (LIBRARY_DIR / "desk-stretches.yaml").read_bytes())
    result = run("-C", str(root), "add", "desk-stretches")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["added content/images/desk-stretches-head-tilt.svg",
                                          "1 file(s) added, 2 skipped"]
    assert result.stderr.splitlines() == [
        "content/desk-stretches.yaml: warning: not added: the project already has a handout "
        "'desk-stretches' (content/desk-stretches.yml)",
        "content/desk-stretches.es.po: warning: not added: the project already has a handout "
        "'desk-stretches' (content/desk-stretches.yml), and this is a translation of the "
        "library's text"]
    assert not (root / "content/desk-stretches.yaml").exists()


def test_add_draws_the_pictures_in_the_clinic_s_colours(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    init_project(root)
    _clinic(root, **{'primary: "#1F5F5B"': 'primary: "#7A3E6C"'})
    assert run("-C", str(root), "add", "breathing-to-relax").exit_code == 0
    svg = (root / "content/images/breathing-to-relax-belly.svg").read_text(encoding="utf-8")
    ours = palette(Clinic.model_validate({
        "name": "x", "phone": "(480) 555-0134", "address": {"city": "Tempe"},
        "colors": {"primary": "#7A3E6C", "accent": "#B5522E"}}))
    default = palette(Clinic.model_validate({
        "name": "x", "phone": "(480) 555-0134", "address": {"city": "Tempe"}}))
    assert set(re.findall(r"#[0-9A-F]{6}", svg)) == {
        ours["primary-dark"], ours["primary-tint"], ours["primary-soft"], ours["accent"]}
    assert default["primary-dark"] not in svg and ours["accent"] == default["accent"]
    # And the page check still passes: recoloured, it is the same well-formed picture.
    report = check(load_project(root, ("breathing-to-relax",)), quick=True)
    assert not report.errors(), [p.format() for p in report.errors()]


def test_add_says_when_the_clinic_has_no_words_in_the_added_language(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    init_project(root)  # no --library: no Spanish tagline or disclaimer in handouts.yaml
    result = run("-C", str(root), "add", "foam-rolling")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "handouts.yaml: warning: clinic.translations.es: add the clinic's tagline, disclaimer "
        "in Spanish here, or the Spanish versions of the added handouts print them in "
        "English\n")


def test_add_refuses_unknown_names_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    init_project(root)
    before = _files(root)
    result = run("-C", str(root), "add", "ice-or-heat", "cupping,hot-stones")
    assert result.exit_code == 2  # a usage mistake
    assert result.stderr.endswith("\nError: NAME: 'cupping', 'hot-stones' are not in the "
                                  f"starter library; {KNOWN_TO_ADD}\n")
    assert _files(root) == before
    typo = run("-C", str(root), "add", "icee-or-heat")  # QA: no "did you mean"
    assert typo.exit_code == 2 and typo.stderr.endswith(
        "\nError: NAME: 'icee-or-heat' (did you mean 'ice-or-heat'?) is not in the starter "
        f"library; {KNOWN_TO_ADD}\n")
    nothing = run("-C", str(root), "add")
    assert nothing.exit_code == 2
    assert "Error: name the handouts to add, or 'all' (handouts add --list shows them)" \
        in nothing.stderr
    outside = run("-C", str(tmp_path / "nowhere"), "add", "ice-or-heat")
    assert outside.exit_code == 2  # no such folder: a usage mistake
    assert outside.stderr.endswith("does not exist.\n")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(("names", "said"), [
    (["none"], "'none' is"),
    (["none", "ice-or-heat"], "'none' is"),
    (["nonee"], "'nonee' is"),
    ([""], "an empty name is"),
    ([","], "an empty name is"),
    (["ice-or-heat", ""], "an empty name is"),
    (["icee-or-heat", ""], "'icee-or-heat' (did you mean 'ice-or-heat'?), an empty name are"),
])
def test_add_refuses_none_and_empty_names_like_any_unknown_name(
        tmp_path: Path, names: list[str], said: str) -> None:
    """'none' means no handouts to init --library; to add it is a name the library does
    not have, refused like a typo (it used to add nothing and succeed), and so is an
    empty name: nothing is copied, the exit status says it was a usage mistake."""
    root = tmp_path / "clinic"
    init_project(root)
    before = _files(root)
    result = run("-C", str(root), "add", *names)
    assert result.exit_code == 2, result.output
    assert result.stderr.endswith(
        f"\nError: NAME: {said} not in the starter library; {KNOWN_TO_ADD}\n")
    assert _files(root) == before


def test_init_library_refuses_an_empty_value(tmp_path: Path) -> None:
    """An empty --library (a shell variable that was not set) is not read as 'none'."""
    result = run("init", str(tmp_path / "empty"), "--library", "")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"\nError: --library: an empty name is not in the starter library; {KNOWN}\n")
    assert not (tmp_path / "empty").exists()


def test_add_list_shows_every_handout_with_its_languages_and_title() -> None:
    result = run("add", "--list")  # no project needed
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(NAMES)
    assert lines[0] == "after-your-massage          en, es  After your massage"
    assert lines[8] == ("moving-someone-safely       en, es  Lifting and moving someone "
                        "safely: tips for caregivers")
    for line, handout in zip(lines, library(), strict=True):
        assert line.endswith(f"en, es  {handout.title}")


def test_list_shows_starter_text_as_not_reviewed(clinic: Path) -> None:
    result = run("-C", str(clinic), "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == ("after-your-massage          6 steps  starter text, not reviewed  "
                        "After your massage")
    assert "hand-self-massage           4 steps  reviewed 2026-11-01  A 3-minute hand " \
        "massage you can do yourself" in lines


# ----------------------------------------------------------------- handouts init --library

def test_init_library_none_is_today_s_project_and_all_is_twelve(tmp_path: Path) -> None:
    plain, none, every = tmp_path / "plain", tmp_path / "none", tmp_path / "all"
    assert run("init", str(plain)).exit_code == 0
    result = run("init", str(none), "--library", "none")
    assert result.exit_code == 0, result.output
    assert _files(none) == _files(plain)
    result = run("init", str(every), "--library", "all")
    assert result.exit_code == 0, result.output
    files = _files(every)
    for name in NAMES:
        assert f"content/{name}.yaml" in files and f"content/{name}.es.po" in files
        assert f"created {every / 'content' / (name + '.yaml')}" in result.stdout
    images = sorted(p for p in files if p.startswith("content/images/") and p.endswith(".svg"))
    assert len(images) == 12
    assert sorted(set(files) - set(_files(plain))) == sorted(
        f"content/{f}" for h in library() for f in h.files)
    config = yaml.safe_load(files["handouts.yaml"])
    assert config["clinic"]["translations"]["es"]["tagline"] == "Masaje y fisioterapia"
    checked = run("-C", str(every), "check", "--no-render")
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.splitlines()[0] == (
        "checked 13 handouts × en, es × letter, a4 × standard, large (100 versions) "
        "(not rendered: page fit skipped)")


def test_init_library_takes_names_and_refuses_unknown_ones(tmp_path: Path) -> None:
    some = tmp_path / "some"
    result = run("init", str(some), "--library", "ice-or-heat,foam-rolling",
                 "--library", "breathing-to-relax")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (some / "content").glob("*.yaml")) == [
        "breathing-to-relax.yaml", "foam-rolling.yaml", "hand-self-massage.yaml",
        "ice-or-heat.yaml"]
    bad = run("init", str(tmp_path / "bad"), "--library", "ice-or-heat,hot-stones")
    assert bad.exit_code == 2
    assert bad.stderr.endswith(
        f"\nError: --library: 'hot-stones' is not in the starter library; {KNOWN}\n")
    assert not (tmp_path / "bad").exists()
    taken = tmp_path / "taken"
    (taken / "content/images").mkdir(parents=True)
    (taken / "content/images/ice-or-heat-wrap.svg").write_bytes(b"ours")
    refused = run("init", str(taken), "--library", "ice-or-heat")
    assert refused.exit_code == 1
    assert refused.stderr == (f"{taken / 'content/images/ice-or-heat-wrap.svg'}: already "
                              "exists; init never overwrites files (use an empty folder)\n"
                              "1 error; nothing was written.\n")
    assert _files(taken) == {"content/images/ice-or-heat-wrap.svg": b"ours"}
    mixed = run("init", str(tmp_path / "mixed"), "--library", "none,ice-or-heat")
    assert mixed.exit_code == 2
    assert "\nError: --library: 'none' cannot be combined with handout names" in mixed.stderr


def test_init_on_a_terminal_asks_which_handouts(tmp_path: Path) -> None:
    root = tmp_path / "asked"
    answers = "Bright Hands\n(480) 992-5050\nTempe\nhot-stones\nice-or-heat, desk-stretches\n"
    result = run("init", str(root), "--ask", input=answers)
    assert result.exit_code == 0, result.output
    assert ("Its city: Tempe\n"
            "The starter library has 12 handouts, in English and Spanish (handouts add --list "
            "shows them).\n"
            "Add which? all, none, or names separated by commas [all]: hot-stones\n"
            f"Error: 'hot-stones' is not in the starter library; {KNOWN}\n"
            "Add which? all, none, or names separated by commas [all]: "
            "ice-or-heat, desk-stretches\n") in result.output
    assert sorted(p.name for p in (root / "content").glob("*.yaml")) == [
        "desk-stretches.yaml", "hand-self-massage.yaml", "ice-or-heat.yaml"]
    default = run("init", str(tmp_path / "default"), "--ask",
                  input="Bright Hands\n(480) 992-5050\nTempe\n\n")
    assert default.exit_code == 0, default.output
    assert len(list((tmp_path / "default/content").glob("*.yaml"))) == 13


# ----------------------------------------------------------------- the library's own files

def test_every_library_file_is_a_sound_starter() -> None:
    """Marked as unreviewed starter text with placeholder review fields, in English with a
    Spanish translation, sources on public health sites, pictures that exist."""
    assert [h.name for h in library()] == list(NAMES)
    assert choose(["all"], "--library") == list(library())
    for handout in library():
        data = yaml.safe_load((LIBRARY_DIR / f"{handout.name}.yaml").read_text("utf-8"))
        assert data["starter"] is True
        assert data["review"] == {"reviewed": dt.date(2026, 12, 1),
                                  "reviewer": "Your Clinic team"}
        assert handout.languages == ("en", "es")
        assert data["precautions"]["stop"] and data["precautions"]["call"]
        hosts = {re.match(r"https://(?:www\.)?([^/]+)/", s["url"]).group(1)
                 for s in data["sources"]}
        assert hosts <= {"medlineplus.gov", "nccih.nih.gov", "cdc.gov", "nhs.uk"}, hosts
        for image in [f for f in handout.files if f.startswith("images/")]:
            assert image.startswith(f"images/{handout.name}-") and image.endswith(".svg")
    referenced = {f for h in library() for f in h.files if f.startswith("images/")}
    on_disk = {f"images/{p.name}" for p in (LIBRARY_DIR / "images").iterdir()}
    assert referenced == on_disk  # no picture left over, none missing


def test_pictures_are_small_safe_and_drawn_in_theme_colours() -> None:
    default = palette(Clinic.model_validate({
        "name": "x", "phone": "(480) 555-0134", "address": {"city": "Tempe"}}))
    for path in sorted((LIBRARY_DIR / "images").glob("*.svg")):
        raw = path.read_bytes()
        assert len(raw) < 4096, path.name
        root = ET.parse(io.BytesIO(raw)).getroot()
        tags = {el.tag.split("}")[-1] for el in root.iter()}
        assert tags <= {"svg", "rect", "path", "circle", "ellipse"}, (path.name, tags)
        for element in root.iter():
            for name, value in element.attrib.items():
                assert not name.startswith("on") and "href" not in name, (path.name, name)
                assert "url(" not in value and "://" not in value, (path.name, name)
        colours = set(re.findall(r"#[0-9A-Fa-f]{6}", raw.decode()))
        assert colours <= set(default.values()) | {"#FFFFFF"}, (path.name, colours)
        # Recolouring maps every theme colour; with the default colours it changes nothing.
        clinic = Clinic.model_validate({"name": "x", "phone": "(480) 555-0134",
                                        "address": {"city": "Tempe"}, "colors": Colors()})
        assert recolour(raw.decode(), clinic) == raw.decode()


def test_the_starter_s_spanish_words_are_flagged_once_the_english_is_the_clinic_s(
        clinic: Path) -> None:
    """QA: init --library wrote the starter's tagline and disclaimer in Spanish; once the
    owner had replaced the English ones (as check said), the Spanish PDFs still printed
    the starter's, and nothing said so. (The fixture's clinic has its own tagline and
    the starter's disclaimer, which may be kept, each with its Spanish.)"""
    config = clinic / "handouts.yaml"

    def flagged() -> list[str]:
        said = run("-C", str(clinic), "check", "--no-render").output
        return [line.split(": warning: ")[1].split(":")[0] for line in said.splitlines()
                if "still the starter's translation" in line]

    assert flagged() == []
    edit(config, "    This sheet gives general information.", "    Our advice is general.")
    assert flagged() == ["clinic.translations.es.disclaimer"]
    edit(config, "      tagline: Masaje y fisioterapia en Tempe\n",
         "      tagline: Masaje y fisioterapia\n")
    assert flagged() == ["clinic.translations.es.tagline", "clinic.translations.es.disclaimer"]
    line = line_of(config, "tagline: Masaje y fisioterapia")
    assert (f"handouts.yaml:{line}: warning: clinic.translations.es.tagline: still the "
            "starter's translation 'Masaje y fisioterapia' of the starter's English tagline, "
            "which is your own now: translate your tagline here") in \
        run("-C", str(clinic), "check", "--no-render").output
