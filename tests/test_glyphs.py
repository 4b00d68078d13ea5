"""Glyphs that exist: characters no embedded font has are errors, and project fonts.

The theme's font (Atkinson Hyperlegible) has Latin and a few symbols but no
Cyrillic (Ж, К), no Greek letters other than Δ Ω μ π (so α is missing), no CJK,
Devanagari or emoji: :func:`test_the_characters_used_here_are_really_missing`
checks that with fontTools, so the other tests test what they claim.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pdfplumber
import pytest

from handouts.commands.build import build
from handouts.commands.check import check
from handouts.commands.doctor import script_coverage
from handouts.commands.inputs import input_hash
from handouts.commands.merge import merge
from handouts.errors import ValidationError
from handouts.project.fonts import read_cmap
from handouts.project.load import load_project
from handouts.render.fonts import theme_fonts
from handouts.render.theme import THEME_DIR
from handouts.variants.plan import Variant

from .helpers import build_problems, edit, line_of, pdf_fonts, pdf_pages, run_in
from .variant_project import make_project

FONT = Path(__file__).parent / "fixtures" / "fonts" / "HandoutsTestCyrillic.ttf"
CONTENT = "content/hand-self-massage.yaml"
FIX = "add one under fonts: in handouts.yaml"
CYRILLIC_NAME = "Клиника Жива"


#: These tests describe a machine without Debian's Noto script fonts (with them, the
#: theme prints CJK, Cyrillic... by itself: see tests/test_languages.py).
pytestmark = pytest.mark.usefixtures("no_script_fonts")


def _add_font(project: Path, entry: str = "  - file: fonts/HandoutsTestCyrillic.ttf\n") -> None:
    (project / "fonts").mkdir(exist_ok=True)
    shutil.copy(FONT, project / "fonts" / FONT.name)
    with (project / "handouts.yaml").open("a", encoding="utf-8") as handle:
        handle.write("fonts:\n" + entry)


def test_the_characters_used_here_are_really_missing() -> None:
    theme = frozenset().union(*(read_cmap(path) for _, path in theme_fonts(
        THEME_DIR / "handout.css")))
    assert [family for family, _ in theme_fonts(THEME_DIR / "handout.css")] == [
        "Atkinson Hyperlegible"] * 4
    for ch in "漢字😀🙂🎉🌿💪🧘✋रामЖКлиαβ":
        assert ord(ch) not in theme, ch
    assert ord("é") in theme and ord("Ω") in theme  # Latin-1 and a few Greek symbols
    fixture = read_cmap(FONT)
    assert all(ord(ch) in fixture for ch in "КлиникаЖαβ ") and ord("A") not in fixture


def test_chinese_character_in_a_step_is_an_error_naming_line_and_field(project: Path) -> None:
    content = project / CONTENT
    edit(content, "Press your thumb into", "Press your thumb (漢) into")
    line = line_of(content, "Press your thumb")
    expected = (f"{CONTENT}:{line}: steps[2].text: cannot print '漢' (U+6F22, CJK Unified "
                f"Ideographs): no font in the theme or the project has it — {FIX} "
                "(Debian: fonts-noto-cjk)")
    assert build_problems(project, error=ValidationError) == [expected]
    report = check(load_project(project), render=False)
    assert [p.format() for p in report.errors()] == [expected]


def test_emoji_in_a_benefit_title_lists_five_and_counts_the_rest(project: Path) -> None:
    content = project / CONTENT
    edit(content, "title: Looser hands", "title: Looser hands 😀🙂🎉🌿😀💪🧘✋")
    line = line_of(content, "Looser hands")
    result = run_in(project, "build")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{CONTENT}:{line}: benefits[1].title: cannot print 7 characters: "
        "'😀' (U+1F600, Emoticons), '🙂' (U+1F642, Emoticons), "
        "'🎉' (U+1F389, Miscellaneous Symbols and Pictographs), "
        "'🌿' (U+1F33F, Miscellaneous Symbols and Pictographs), "
        "'💪' (U+1F4AA, Miscellaneous Symbols and Pictographs) and 2 more: no font in the "
        f"theme or the project has them — {FIX} (Debian: fonts-noto-color-emoji)",
        "1 error; nothing was written."]


def test_devanagari_client_name_is_refused_without_repeating_it(project: Path) -> None:
    result = run_in(project, "build", "--client", "राम", "--therapist", "Ana Ruiz")
    assert result.exit_code == 1
    # Named by its option, as every other problem of the option is (it was "client:",
    # and a control character in it "--client:").
    assert result.output.splitlines() == [
        "--client: has 3 characters that no font can print (Devanagari) — add a font under "
        "fonts: in handouts.yaml",
        "1 error; nothing was written."]
    assert not (project / "output").exists()


@pytest.mark.parametrize("option", ["--client", "--note", "--therapist"])
def test_a_private_use_character_in_a_client_detail_is_refused_beside_its_option(
        project: Path, option: str) -> None:
    """U+E000 printed as a box ("Prepared for Zelda\u25a1Quixotica") with only a warning
    blaming the content file; it is the client option's problem, never repeated."""
    args = ["--client", "Zelda Quixotica"] if option != "--client" else []
    result = run_in(project, "build", *args, option, "Zelda\ue000Quixotica")
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        f"{option}: has 1 character that no font can print (symbols) — add a font under "
        "fonts: in handouts.yaml",
        "1 error; nothing was written."]
    assert not (project / "output").exists()


def test_a_csv_row_with_unprintable_characters_fails_alone(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    csv_path = tmp_path / "clients.csv"
    csv_path.write_text("client,handout,note\n"
                        "Ana Ruiz,hand-self-massage,\n"
                        "राम,hand-self-massage,Светлана 😀\n"
                        "Bob Marsh,hand-self-massage,\n", encoding="utf-8")
    result = merge(load_project(project), csv_path)
    messages = [p.format() for p in result.problems]
    assert messages == [
        "clients.csv:3: client: has 3 characters that no font can print (Devanagari) — add a "
        "font under fonts: in handouts.yaml",
        "clients.csv:3: note: has 8 characters that no font can print (Cyrillic, emoji) — "
        "add a font under fonts: in handouts.yaml"]
    assert [line for line, _, _ in result.written] == [2, 4]
    assert not any(ch in "".join(messages) for ch in "रामСвет😀")


def test_cyrillic_clinic_name_needs_a_font_and_prints_with_one(project: Path) -> None:
    config = project / "handouts.yaml"
    edit(config, "name: Your Clinic Name", f"name: {CYRILLIC_NAME}")
    edit(config, "Massage and physiotherapy", "Massage and physiotherapy (αβ)")
    name_line, tagline_line = line_of(config, "name: "), line_of(config, "tagline:")
    assert build_problems(project, error=ValidationError) == [
        f"handouts.yaml:{name_line}: clinic.name: cannot print 8 characters: "
        "'К' (U+041A, Cyrillic), 'л' (U+043B, Cyrillic), 'и' (U+0438, Cyrillic), "
        "'н' (U+043D, Cyrillic), 'к' (U+043A, Cyrillic) and 3 more: no font in the theme or "
        f"the project has them — {FIX} (Debian: fonts-noto-core)",
        f"handouts.yaml:{tagline_line}: clinic.tagline: cannot print 2 characters: "
        "'α' (U+03B1, Greek and Coptic), 'β' (U+03B2, Greek and Coptic): no font in the "
        f"theme or the project has them — {FIX} (Debian: fonts-noto-core)"]

    _add_font(project)
    built = build(load_project(project)).built
    pdf = built[0].path
    assert pdf_fonts(pdf) == {"Atkinson-Hyperlegible", "Atkinson-Hyperlegible-Bold",
                               "Handouts-Test-Cyrillic-handouts",
                               "Handouts-Test-Cyrillic-handouts-Bold"}
    with pdfplumber.open(pdf) as doc:
        text = doc.pages[0].extract_text()
        chars = [c for page in doc.pages for c in page.chars]
    assert CYRILLIC_NAME in text and "physiotherapy (αβ)" in text
    used = {c["fontname"].split("+", 1)[1] for c in chars}
    assert used <= pdf_fonts(pdf)  # nothing drawn in a font the page did not declare
    by_font = {c["text"]: c["fontname"].split("+", 1)[1] for c in chars if c["text"].strip()}
    assert {by_font[ch] for ch in "Кл" "αβ"} <= {"Handouts-Test-Cyrillic-handouts",
                                                 "Handouts-Test-Cyrillic-handouts-Bold"}
    assert by_font["Y"].startswith("Atkinson-Hyperlegible")  # the theme's font stays first


def test_language_fonts_serve_only_their_languages(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    po = project / "content" / "hand-self-massage.es.po"
    edit(po, 'msgstr "ES Press your thumb', 'msgstr "ES Жми Press your thumb')
    _add_font(project, "  - {file: fonts/HandoutsTestCyrillic.ttf, family: Test Ru, weight: 400, "
                    "languages: [ru]}\n")
    line = line_of(po, 'msgid "Press your thumb')
    assert build_problems(project, error=ValidationError, language="es") == [
        f"content/hand-self-massage.es.po:{line}: steps[2].text: cannot print 3 characters: "
        "'Ж' (U+0416, Cyrillic), 'м' (U+043C, Cyrillic), 'и' (U+0438, Cyrillic): no font "
        "for Spanish (es) has them; add 'es' to the languages of a font that has them, or "
        "add a font under fonts: in handouts.yaml (Debian: fonts-noto-core)"]
    edit(project / "handouts.yaml", "languages: [ru]", "languages: [ru, es]")
    pdf = build(load_project(project), language="es").built[0].path
    assert "ES Жми Press" in pdf_pages(pdf, by_position=True)[0]
    assert "Test-Ru-handouts" in pdf_fonts(pdf)  # embedded under the family given


def test_fonts_config_errors_are_located(project: Path) -> None:
    (project / "fonts").mkdir()
    (project / "fonts" / "broken.ttf").write_bytes(b"not a font at all")
    (project / "fonts" / "notes.txt").write_text("x", encoding="utf-8")
    outside = project.parent / "Outside.ttf"
    shutil.copy(FONT, outside)
    with (project / "handouts.yaml").open("a", encoding="utf-8") as handle:
        handle.write("fonts:\n"
                     "  - file: fonts/missing.otf\n"
                     "  - file: fonts/broken.ttf\n"
                     "  - file: fonts/notes.txt\n"
                     "  - file: ../Outside.ttf\n"
                     "  - {file: fonts/missing.woff2, weight: 500}\n")
    start = line_of(project / "handouts.yaml", "fonts:")
    with pytest.raises(ValidationError) as raised:
        load_project(project)
    messages = [p.format() for p in raised.value.problems]
    assert messages[0] == (f"handouts.yaml:{start + 1}: fonts[1].file: file 'fonts/missing.otf'"
                           " does not exist (paths are relative to the project folder)")
    assert messages[1].startswith(f"handouts.yaml:{start + 2}: fonts[2].file: 'fonts/broken.ttf'"
                                  " cannot be read as a font (")
    assert messages[2:] == [
        f"handouts.yaml:{start + 3}: fonts[3].file: 'fonts/notes.txt' is not a font file this "
        "tool can embed (.ttf, .otf, .woff, .woff2)",
        f"handouts.yaml:{start + 4}: fonts[4].file: '../Outside.ttf' is outside the project "
        "folder; copy the font into the project (e.g. fonts/) and give its path from there",
        f"handouts.yaml:{start + 5}: fonts[5].file: file 'fonts/missing.woff2' does not exist "
        "(paths are relative to the project folder)",
        f"handouts.yaml:{start + 5}: fonts[5].weight: must be one of 400 or 700"]


def test_batch_input_hash_includes_the_project_fonts(project: Path) -> None:
    _add_font(project)
    whole = load_project(project)
    loaded, documents = whole.project, whole.documents
    variant = Variant("hand-self-massage", "general", "en", "letter")
    before = input_hash(loaded, documents[0], variant)
    font = project / "fonts" / FONT.name
    font.write_bytes(font.read_bytes() + b"\0")  # a new version of the font (mtime, size)
    assert input_hash(loaded, documents[0], variant) != before


def test_doctor_reports_scripts_and_debian_packages(project: Path, tmp_path: Path) -> None:
    system = tmp_path / "usr-share-fonts"
    (system / "truetype" / "noto").mkdir(parents=True)
    (system / "truetype" / "noto" / "NotoSans-Regular.ttf").write_bytes(b"")
    lines = script_coverage(project, system)
    assert "[ok  ] Script Latin: Atkinson Hyperlegible" in lines
    assert ("[info] Script Cyrillic: no font; Debian package fonts-noto-core (installed: "
            f"{system}/truetype/noto/NotoSans-Regular.ttf)") in lines
    assert ("[info] Script CJK: no font; Debian package fonts-noto-cjk (not installed: "
            "sudo apt-get install fonts-noto-cjk)") in lines
    _add_font(project)
    lines = script_coverage(project, system)
    assert "[ok  ] Script Cyrillic: Handouts Test Cyrillic" in lines
    assert "[ok  ] Script Greek: Handouts Test Cyrillic" in lines


@pytest.mark.parametrize("damage", ["deleted", "half-copied"])
def test_a_project_font_gone_since_loading_stops_only_the_pages_that_need_it(
        project: Path, damage: str) -> None:
    """The desk runs on the settings it last loaded; the owner then deletes (or is
    still copying) a font they list: every page in every language failed
    ("could not be rendered (FileNotFoundError)"). Pages that do not need the font
    still print; one that does is refused for the character it cannot print."""
    _add_font(project)
    settings = load_project(project).project.config  # the desk's last good ones
    font = project / "fonts" / FONT.name
    if damage == "deleted":
        font.unlink()
    else:
        font.write_bytes(font.read_bytes()[:400])
    made = build(load_project(project, config=settings))  # no Cyrillic in it
    assert [b.pages for b in made.built] == [2] and made.warnings == []
    edit(project / CONTENT, "Press your thumb into", "Press your thumb (Ж) into")
    with pytest.raises(ValidationError) as refused:
        build(load_project(project, config=settings))
    assert [p.message.split(":")[0] for p in refused.value.problems] == [
        "cannot print 'Ж' (U+0416, Cyrillic)"]
