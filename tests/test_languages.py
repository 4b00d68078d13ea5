"""Every language the clinic's clients read: theme catalogs, review status, project
catalogs, script fonts, right-to-left layout, CJK line breaking, mixed scripts.

Needs Debian's fonts-noto-core and fonts-noto-cjk (src/handouts/system-packages.txt,
installed by dev.sh); the font tests are skipped, saying so, on a machine without them.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import unicodedata
from pathlib import Path
from typing import Any

import pdfplumber
import pikepdf
import pypdf
import pytest

from handouts.commands.build import build
from handouts.commands.check import check
from handouts.project import languages
from handouts.project.load import load_project
from handouts.project.pofile import read_catalog
from handouts.render import scripts
from handouts.variants import i18n
from handouts.variants.clients import Client

from .helpers import copy_example, pdf_text, run_in

REPO = Path(__file__).resolve().parent.parent
NEW_CATALOGS = ("zh", "zh_Hant", "vi", "fil", "ko", "ru", "ar", "ht", "pt", "fr")
CJK = scripts.SCRIPT_FONTS[-1]
ARABIC = scripts.SCRIPT_FONTS[1]
needs_fonts = pytest.mark.skipif(not (CJK.installed and ARABIC.installed),
                                 reason="fonts-noto-core and fonts-noto-cjk are not installed")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the example project."""
    return copy_example(tmp_path / "p")


def _ids(po: Path) -> tuple[set[str], dict[str, str]]:
    catalog, problems = read_catalog(po, str(po), None)
    assert catalog is not None, problems
    messages = [m for m in catalog if m.id]
    return {str(m.id) for m in messages}, {str(m.id): str(m.string) for m in messages}


@pytest.mark.parametrize("code", NEW_CATALOGS)
def test_every_catalog_is_complete_and_a_draft(code: str) -> None:
    spanish, _ = _ids(languages.builtin_catalog("es"))
    po = languages.builtin_catalog(code)
    ids, strings = _ids(po)
    assert ids == spanish
    assert all(strings[i] for i in ids), [i for i in ids if not strings[i]]
    assert i18n.review_status(po) == "draft, needs a native speaker's review"
    assert languages.has_theme_words(code.replace("_", "-"))


def test_aliases_pick_the_right_catalog() -> None:
    assert i18n.theme_translations("zh-Hans").gettext("Step by step") == "操作步骤"
    assert i18n.theme_translations("zh-Hant").gettext("Step by step") == "操作步驟"
    assert i18n.theme_translations("tl").gettext("Step by step") == "Hakbang-hakbang"


@pytest.mark.parametrize(("code", "base"), [
    ("es-MX", "es"), ("es-419", "es"), ("pt-BR", "pt"), ("en-US", "en"), ("fr_CA", "fr"),
    ("es", None), ("zh-Hant", None), ("sr-Latn", None), ("zh-Hant-TW", None)])
def test_a_regional_code_is_its_language_s_regional_usage(code: str, base: str | None) -> None:
    """A region (two letters, or three digits) adds a usage, never another writing: a
    script (``zh-Hant``, ``sr-Latn``) is not its base language."""
    assert languages.regional_base(code) == base


def test_a_regional_code_prints_its_language_s_theme_words() -> None:
    """``es-MX``, ``pt-BR``: the theme's words of Spanish and Portuguese (no catalog of
    their own); ``en-US`` is English. Before, each was "the theme has no Spanish (Mexico)
    words yet", although every message gives ``pt-BR`` as a valid code."""
    spanish = i18n.theme_translations("es").gettext("Step by step")
    assert spanish != "Step by step"
    assert i18n.theme_translations("es-MX").gettext("Step by step") == spanish
    assert i18n.theme_translations("pt-BR").gettext("Step by step") == \
        i18n.theme_translations("pt").gettext("Step by step") != "Step by step"
    assert i18n.theme_translations("en-US").gettext("Step by step") == "Step by step"
    assert all(languages.has_theme_words(code) for code in ("es-MX", "pt-BR", "en-US"))
    assert not languages.has_theme_words("de-AT")
    assert languages.no_theme_words("Spanish") == (
        "'Spanish' is not a language code handouts knows (e.g. es, fr, pt-BR, zh-Hant); "
        "did you mean 'es'?")


def test_a_mexican_spanish_version_uses_the_project_s_spanish_words(root: Path) -> None:
    """A clinic adds ``es-MX`` translations: the theme, the clinic's tagline and the
    audience's label print in Spanish from the ``es`` words the project has (its own
    ``es-MX:`` words would win), and the PDF's language is ``es-MX``. An ``en-US``
    handout of an ``en`` clinic prints the clinic's own words."""
    content = root / "content"
    (content / "back-massage.es-MX.po").write_bytes(
        (content / "back-massage.es.po").read_bytes())
    result = build(load_project(root, ("back-massage",)), language="es-MX",
                   audience="caregivers")
    assert [p.format() for p in result.warnings if "es-MX" in p.format()] == []
    [built] = result.built
    assert built.path.parent == root / "output/es-MX/caregivers"
    words = pdf_text(built.path)
    for spanish in ("Pare de inmediato si", "Masaje terapéutico en Mesa, Arizona",
                    "Cuidadores"):
        assert spanish in words
    assert str(pypdf.PdfReader(built.path).trailer["/Root"]["/Lang"]) == "es-MX"
    source = content / "desk-stretch-break.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "language: en", "language: en-US", 1), encoding="utf-8")
    [built] = build(load_project(root, ("desk-stretch-break",))).built
    assert "Therapeutic massage in Mesa, Arizona" in pdf_text(built.path)
    assert str(pypdf.PdfReader(built.path).trailer["/Root"]["/Lang"]) == "en-US"


def test_a_language_written_the_gettext_way_is_a_bcp_47_tag_in_the_pdf(root: Path) -> None:
    """``es_MX`` (as gettext and many editors write it) names files and folders as
    written, and the PDF's /Lang is the BCP 47 tag ``es-MX`` that screen readers read
    (QA: /Lang es_MX)."""
    content = root / "content"
    (content / "back-massage.es_MX.po").write_bytes(
        (content / "back-massage.es.po").read_bytes())
    [built] = build(load_project(root, ("back-massage",)), language="es_MX").built
    assert built.path.parent == root / "output/es_MX/general"
    assert "Pare de inmediato si" in pdf_text(built.path)
    assert str(pypdf.PdfReader(built.path).trailer["/Root"]["/Lang"]) == "es-MX"


@pytest.mark.parametrize(("written", "canonical"), [
    ("es", "es"), ("ES", "es"), ("Es", "es"), ("zh-hant", "zh-Hant"), ("ZH-HANT", "zh-Hant"),
    ("pt-br", "pt-BR"), ("pt_br", "pt_BR"), ("es-419", "es-419"), ("fil", "fil")])
def test_language_codes_are_written_in_their_own_case(written: str, canonical: str) -> None:
    assert languages.canonical_language(written) == canonical
    assert (languages.miswritten(written) is None) == (written == canonical)


@pytest.mark.parametrize(("written", "meant"), [
    ("sp", "es"), ("esp", "es"), ("Sp", "es"), ("spa", "es"), ("es-MX", "es"),
    ("ch", "zh"), ("zh-Hans", "zh"), ("de", None), ("fr", None), ("xx", None), ("jp", None),
])
def test_the_language_a_code_most_likely_meant(written: str, meant: str | None) -> None:
    """The same language written another way, the start of its name (``sp``: Spanish),
    never a two-letter code one letter away from another language's (``de``, ``es``)."""
    assert languages.closest_language(written, {"ar", "en", "es", "zh"}) == meant


def test_a_miswritten_batch_language_is_one_problem_not_a_cascade(root: Path) -> None:
    """``languages: [en, ES]`` is one located problem of the config, before anything is
    written: not "no Spanish translation; create it with 'handouts translate back-massage
    ES'" (advice that makes a file never used), "no Spanish label" for every audience,
    and the English PDFs written besides."""
    config = root / "handouts.yaml"
    text = config.read_text(encoding="utf-8")
    assert "  languages: [en, es, ar, zh]\n" in text
    config.write_text(text.replace("  languages: [en, es, ar, zh]\n",
                                   "  languages: [en, ES, ar, zh]\n"), encoding="utf-8")
    line = text.splitlines().index("  languages: [en, es, ar, zh]") + 1
    for args in (["batch"], ["build"], ["check"]):  # refused as the config is read
        result = run_in(root, *args)
        assert result.exit_code == 1, args
        assert result.stderr.splitlines() == [
            f"handouts.yaml:{line}: batch.languages[2]: 'ES' is written 'es' (language codes "
            "are written in the case of es, fr, pt-BR, zh-Hant)",
            "1 error; no check was run." if args == ["check"] else
            "1 error; nothing was written."], args
    assert not (root / "output").exists()


def test_french_content_is_accepted_and_its_draft_words_are_warned_about(root: Path) -> None:
    (root / "content" / "back-massage.yaml").write_text(
        (root / "content" / "back-massage.yaml").read_text(encoding="utf-8")
        .replace("language: en", "language: fr", 1), encoding="utf-8")
    report = check(load_project(root, ("back-massage",)), render=False, quick=True)
    lines = [p.format() for p in report.problems]
    assert ("handouts/locale/fr/LC_MESSAGES/handouts.po: warning: the French theme words are "
            "a draft that needs a native speaker's review (X-Review-Status); once a native "
            "speaker has checked them, record it: handouts translate --theme fr --reviewed-by "
            "NAME") in lines
    assert not any("has no French words" in line for line in lines)


def test_a_project_catalog_adds_german(root: Path) -> None:
    result = run_in(root, "translate", "--theme", "de")
    assert result.exit_code == 0, result.output
    po = root / "locale" / "de.po"
    assert "created locale/de.po (63 theme words to translate)" in result.output
    assert i18n.review_status(po) == "draft, needs a native speaker's review"
    assert "Keep every %(name)s" in po.read_text(encoding="utf-8")
    text = po.read_text(encoding="utf-8").replace(
        'msgid "Step by step"\nmsgstr ""', 'msgid "Step by step"\nmsgstr "Schritt für Schritt"'
    ).replace('msgid "Stay safe"\nmsgstr ""', 'msgid "Stay safe"\nmsgstr "Sicherheit zuerst"')
    po.write_text(text, encoding="utf-8")
    content = root / "content" / "back-massage.yaml"
    content.write_text(content.read_text(encoding="utf-8").replace("language: en", "language: de",
                                                                   1), encoding="utf-8")
    config = root / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("  translations:\n    es:", (
        "  translations:\n    de:\n      tagline: Massage in Mesa\n      disclaimer: "
        "Allgemeine Informationen.\n      logo_alt: Logo\n    es:"), 1), encoding="utf-8")
    out = root / "out"
    build(load_project(root, ("back-massage",)), out=out)
    with pdfplumber.open(out / "back-massage.pdf") as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "Schritt für Schritt" in text and "Sicherheit zuerst" in text
    assert "Step by step" not in text  # the project's word replaced the English one
    lines = [p.format() for p in check(load_project(root, ("back-massage",)), render=False,
                                       quick=True).problems]
    assert ("locale/de.po: warning: the German theme words are a draft that needs a native "
            "speaker's review (X-Review-Status); once a native speaker has checked them, "
            "record it: handouts translate --theme de --reviewed-by NAME") in lines
    again = run_in(root, "translate", "--theme", "de")
    assert again.exit_code == 0
    assert again.output == "locale/de.po already has every word of the theme and of " \
        "templates/; translate them there\n"
    assert "Schritt für Schritt" in po.read_text(encoding="utf-8")  # the work is kept


def test_project_entries_win_over_the_builtin_ones(root: Path) -> None:
    (root / "locale").mkdir()
    (root / "locale" / "es.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"X-Review-Status: reviewed\\n"\n\nmsgid "Step by step"\nmsgstr "Pasito a pasito"\n',
        encoding="utf-8")
    words = i18n.theme_translations("es", root)
    assert words.gettext("Step by step") == "Pasito a pasito"
    assert words.gettext("Stay safe") == "Por su seguridad"  # built-in, not overridden
    assert not [p for p in i18n.review_problems(root, {"es"}) if p.path == "locale/es.po"]


def _pdf(path: Path) -> pdfplumber.PDF:
    return pdfplumber.open(path)


@needs_fonts
def test_arabic_page_is_right_to_left_with_its_font_in_logical_order(root: Path) -> None:
    out = root / "out"
    build(load_project(root, ("back-massage",)), language="ar", out=out)
    pdf_path = out / "ar" / "general" / "back-massage-letter-standard.pdf"
    with _pdf(pdf_path) as pdf:
        page = pdf.pages[0]
        fonts = {c["fontname"].split("+")[1] for c in page.chars}
        assert "Noto-Sans-Arabic-handouts" in fonts
        assert all(f.startswith(("Noto-Sans-Arabic-handouts", "Atkinson-Hyperlegible"))
                   for f in fonts), fonts
        # The step number "1" sits to the RIGHT of its title's text.
        number = next(c for c in page.chars if c["text"] == "1" and 10 < c["size"] < 13)
        title = [c for c in page.chars if abs(c["top"] - number["top"]) < 8
                 and "\u0600" <= c["text"] <= "\u06ff"]
        assert title  # the first step's title, on the number's line
        assert number["x0"] > max(c["x1"] for c in title)
    text = pypdf.PdfReader(pdf_path).pages[0].extract_text()
    assert "كيف تقدّم تدليكًا للظهر" in text  # logical (reading) order
    assert "(480) 992-5050" in text  # the phone stays left to right


@needs_fonts
def test_chinese_page_breaks_between_characters_never_before_closing_punctuation(
        root: Path) -> None:
    out = root / "out"
    build(load_project(root, ("back-massage",)), language="zh", out=out)
    with _pdf(out / "zh" / "general" / "back-massage-letter-standard.pdf") as pdf:
        page = pdf.pages[0]
        assert all(c["fontname"].split("+")[1].startswith("Noto-Sans-CJK-handouts")
                   for c in page.chars if "\u4e00" <= c["text"] <= "\u9fff")
        lines = (page.extract_text() or "").splitlines()
    # Text without spaces wraps between two ideographs (step 1's text does, after
    # "用指尖把"), and no line starts with closing punctuation.
    def ideograph(ch: str) -> bool:
        return "\u4e00" <= ch <= "\u9fff"

    assert any(ideograph(a[-1]) and ideograph(b[0])
               for a, b in itertools.pairwise(lines) if a and b)
    assert not any(line[:1] in "，。、：；！？）" for line in lines)


@needs_fonts
def test_a_chinese_page_prints_its_headings_and_bold_words_in_bold(root: Path) -> None:
    """QA: a Chinese page printed every heading and bold word in the regular weight
    (only the CJK collection's regular face was declared, and the renderer does not
    embolden): its title looked like its body. The bold face is declared too."""
    out = root / "out"
    [built] = build(load_project(root, ("back-massage",)), language="zh", out=out).built
    with _pdf(built.path) as pdf:
        chars = [c for c in pdf.pages[0].chars if "\u4e00" <= c["text"] <= "\u9fff"]
    size = max(c["size"] for c in chars)  # the title
    title = {c["fontname"] for c in chars if c["size"] == size}
    every = {c["fontname"] for c in chars}

    def weights(names: set[str]) -> set[int]:
        """The weight classes of the fonts embedded under ``names`` (the renderer names
        a font "-Bold" when bold is asked for, whichever face it then embeds)."""
        from fontTools.ttLib import TTFont
        found = set()
        with pikepdf.open(built.path) as document:
            for font in document.pages[0].Resources.Font.values():
                if str(font.BaseFont)[1:] in names:
                    descriptor = font.DescendantFonts[0].FontDescriptor
                    data = descriptor.FontFile3.read_bytes()
                    found.add(TTFont(io.BytesIO(data))["OS/2"].usWeightClass)
        return found

    assert weights(title) == {700} and weights(every) == {400, 700}


@needs_fonts
def test_a_chinese_name_in_an_english_handout_falls_back_to_the_cjk_font(root: Path) -> None:
    out = root / "out"
    build(load_project(root, ("back-massage",)), client=Client("王小明"), out=out)
    pdf_path = next(out.rglob("*.pdf"))
    with _pdf(pdf_path) as pdf:
        chars = pdf.pages[0].chars
    by_char = {c["text"]: c["fontname"].split("+")[1] for c in chars}
    assert all(by_char[ch].startswith("Noto-Sans-CJK-handouts") for ch in "王小明")
    assert by_char["H"].startswith("Atkinson-Hyperlegible")  # English keeps the theme font
    reader = pypdf.PdfReader(io.BytesIO(pdf_path.read_bytes()))
    assert ".notdef" not in str(reader.pages[0].extract_text())


@needs_fonts
def test_example_check_is_clean_apart_from_review_status() -> None:
    report = check(load_project(REPO, ("back-massage",)), render=False)
    bad = [p.format() for p in report.errors(strict=True)
           if "(X-Review-Status)" not in p.message]
    assert bad == []


def test_missing_script_font_names_the_package(root: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    missing = scripts.ScriptFont("CJK", "Noto Sans CJK",
                                 ((400, root / "absent.ttc", 2),), "fonts-noto-cjk", ("zh",))
    monkeypatch.setattr("handouts.render.scripts.SCRIPT_FONTS", (missing,))
    content = root / "content" / "back-massage.yaml"
    content.write_text(content.read_text(encoding="utf-8").replace(
        "title: How to give a back massage", "title: How to give a back massage 按摩", 1),
        encoding="utf-8")
    lines = [p.format() for p in check(load_project(root, ("back-massage",)), render=False,
                                       quick=True).problems]
    assert any("the Noto Sans CJK font is not installed — sudo apt-get install "
               "fonts-noto-cjk" in line for line in lines), lines


def test_rtl_languages_get_the_mirror_stylesheet() -> None:
    from handouts.render.theme import stylesheet_paths

    assert [p.name for p in stylesheet_paths(None, "ar")] == ["handout.css", "rtl.css"]
    assert [p.name for p in stylesheet_paths(None, "he")] == ["handout.css", "rtl.css"]
    assert [p.name for p in stylesheet_paths(None, "zh")] == ["handout.css"]


def _arabic_word_x(page: Any, word: str) -> list[tuple[float, float]]:
    """(x0, top) of each place ``word`` is printed on ``page``: the PDF holds Arabic in
    visual order and presentation forms, so words are compared reversed, NFKC."""
    return [(w["x0"], w["top"]) for w in page.extract_words()
            if unicodedata.normalize("NFKC", w["text"])[::-1] == word]


@needs_fonts
def test_arabic_page_mirrors_step_numbers_pictures_and_columns(root: Path) -> None:
    """Right to left, everything the theme puts at the left is at the right: the step
    numbers inside the text column (not in the page margin), a step's picture to the
    left of its text, the first safety group and the first benefit in the right column."""
    out = root / "out"
    build(load_project(root, ("back-massage",)), language="ar", out=out)
    with _pdf(out / "ar" / "general" / "back-massage-letter-standard.pdf") as pdf:
        first, second = pdf.pages[0], pdf.pages[1]
        column_right = first.width - 16 / 25.4 * 72  # the theme's 16 mm side margins
        numbers = [c for page in (first, second) for c in page.chars
                   if c["text"].isdigit() and 11 < c["size"] < 12]
        assert len(numbers) == 7
        assert all(column_right - 25 < c["x1"] <= column_right for c in numbers)
        [picture] = [r for r in first.rects + first.curves
                     if abs(r["x1"] - r["x0"] - 52 / 25.4 * 72) < 2]
        assert picture["x1"] < min(c["x0"] for c in numbers) - 20
        [(before, top)] = _arabic_word_x(second, "قبل")[:1]
        stop = [x for x, t in _arabic_word_x(second, "توقف") if abs(t - top) < 1]
        call = [x for x, t in _arabic_word_x(second, "اتصل") if abs(t - top) < 1]
        assert stop and call and before > stop[0] > call[0]
        [(eases, row)] = _arabic_word_x(second, "يخفف")
        [(treats, row2)] = _arabic_word_x(second, "يعالج")
        assert abs(row - row2) < 1 and eases > treats


# ---------------------------------------------------------------- recording a review

def _strict(root: Path) -> Any:
    return run_in(root, "check", "--strict", "--no-render")


def test_a_recorded_review_lets_the_example_pass_check_strict(tmp_path: Path) -> None:
    """The example could never pass --strict: its only warnings were the draft theme
    words inside the installed package, which a clinic cannot edit. One command per
    language records the review in the project; the PDFs stay byte for byte the same."""
    root = copy_example(tmp_path / "example")
    before = _strict(root)
    assert before.exit_code == 1
    assert [line.split(": warning: ")[0] for line in before.stderr.splitlines()
            if ": warning: " in line] == [
        f"handouts/locale/{code}/LC_MESSAGES/handouts.po" for code in ("ar", "es", "zh")]
    pdf = build(load_project(root, ("back-massage",)), language="es").built[0].path.read_bytes()
    for code, name in (("ar", "Arabic"), ("es", "Spanish"), ("zh", "Chinese")):
        result = run_in(root, "translate", "--theme", code,
                        "--reviewed-by", "Ana  Ruiz")
        assert result.exit_code == 0, result.output
        assert result.output == (
            f"recorded in locale/{code}.po: the {name} theme words (63) were reviewed by "
            "Ana Ruiz; 63 taken from the built-in catalog as printed\n")
        assert i18n.review_status(root / "locale" / f"{code}.po") == \
            f"reviewed by Ana Ruiz on {dt.date.today().isoformat()}"
    after = _strict(root)
    assert after.exit_code == 0, after.output
    assert after.output.splitlines()[-1] == "0 error(s), 0 warning(s)"
    again = build(load_project(root, ("back-massage",)), language="es")
    assert again.built[0].path.read_bytes() == pdf


def test_a_theme_word_the_review_did_not_cover_brings_the_warning_back(root: Path) -> None:
    """A word added to the theme after the review (here: taken out of the reviewed file)
    is printed from the built-in draft: warned about until it is reviewed too."""
    assert run_in(root, "translate", "--theme", "es",
                  "--reviewed-by", "Ana Ruiz").exit_code == 0
    assert not i18n.review_problems(root, {"es"})
    po = root / "locale" / "es.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgid "Tip:"\nmsgstr "Consejo:"\n', ""), encoding="utf-8")
    assert [p.path for p in i18n.review_problems(root, {"es"})] == [
        "handouts/locale/es/LC_MESSAGES/handouts.po"]
    again = run_in(root, "translate", "--theme", "es",
                   "--reviewed-by", "Ana Ruiz")
    assert again.output.endswith("reviewed by Ana Ruiz; 1 taken from the built-in catalog "
                                 "as printed\n")
    assert not i18n.review_problems(root, {"es"})


def test_a_review_is_refused_when_there_is_nothing_to_review(root: Path) -> None:

    def review(*args: str) -> Any:
        return run_in(root, "translate", *args)

    assert review("--reviewed-by", "Ana").exit_code == 2  # a review of what?
    # The command line's values: usage mistakes, exit 2 (as --theme zz always was).
    result = review("--theme", "en", "--reviewed-by", "Ana")
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        2, "Error: --theme: English is the theme's own language: there is nothing "
           "to review")
    assert review("--theme", "de").exit_code == 0  # started, nothing translated yet
    result = review("--theme", "de", "--reviewed-by", "Ana")
    assert (result.exit_code, result.stderr.splitlines()[0]) == (
        1, 'locale/de.po: 63 theme words are not translated yet (first: "Page {page} of '
           '{pages}"); translate them in locale/de.po before recording a review')
    result = review("--theme", "es", "--reviewed-by", "<b>Ana</b>")
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        2, "Error: --reviewed-by: give the reviewer's name as plain text (no quotes, "
           "backslashes or tags)")
    assert not (root / "locale" / "es.po").exists()


def test_a_theme_word_whose_fields_were_renamed_is_warned_about_by_line(root: Path) -> None:
    """A translator who renames ``{page}`` or ``%(number)s`` gets a warning at the line,
    and the page keeps the built-in words: never "{pagina}" printed, never a crash."""
    assert run_in(root, "translate", "--theme", "es").exit_code == 0
    po = root / "locale" / "es.po"
    text = po.read_text(encoding="utf-8")
    for msgid, msgstr in (("Page {page} of {pages}", "Página {pagina} de {paginas}"),
                          ("Step %(number)s", "Paso %(numero)s")):
        text = text.replace(f'msgid "{msgid}"\nmsgstr ""', f'msgid "{msgid}"\nmsgstr "{msgstr}"')
    po.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    page_line = lines.index('msgid "Page {page} of {pages}"') + 1  # the entry's first line
    step_line = lines.index('msgid "Step %(number)s"') + 1
    result = run_in(root, "build", "back-massage", "--language", "es")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("locale/es.po")]
    assert warnings == [
        f"locale/es.po:{page_line}: warning: msgstr: keep the English word's fields exactly "
        "as written ({page}, {pages}), and write a percent sign as %%; until then this "
        'translation of "Page {page} of {pages}" is not used',
        f"locale/es.po:{step_line}: warning: msgstr: keep the English word's fields exactly "
        'as written (%(number)s), and write a percent sign as %%; until then this '
        'translation of "Step %(number)s" is not used']
    pdf = next((root / "output").rglob("back-massage*.pdf"))
    text = pdf_text(pdf)
    assert "Página 1 de 3" in text and "{pagina}" not in text and "numero" not in text


def test_a_project_template_s_own_words_are_collected_and_their_gaps_said(root: Path) -> None:
    """A project's own template printing ``_("...")`` words: ``translate --theme`` left
    them out of locale/<code>.po, so the Spanish handouts printed them in English, and
    nothing said so. Now they are collected (run again, the words added since are
    added, the translations kept), and check warns at the template's line."""
    masthead = (languages.LOCALE_DIR.parent / "theme" / "masthead.html.j2").read_text(
        encoding="utf-8")
    own = root / "templates" / "masthead.html.j2"
    own.write_text(masthead.replace("</header>", '  <p>{{ _("Bring this sheet") }}</p>\n'
                                                 "</header>"), encoding="utf-8")
    line = own.read_text(encoding="utf-8").splitlines().index(
        '  <p>{{ _("Bring this sheet") }}</p>') + 1
    said = [p.format() for p in check(load_project(root, ("back-massage",)), render=False,
                                      quick=False).problems]
    assert f"templates/masthead.html.j2:{line}: warning: \"Bring this sheet\" has no " \
        "Spanish translation, so Spanish handouts print it in English; add it to " \
        "locale/es.po: handouts translate --theme es" in said
    made = run_in(root, "translate", "--theme", "es")
    assert made.exit_code == 0, made.output
    assert made.output == "created locale/es.po (64 theme words to translate, 1 of them " \
        "from templates/)\n"
    po = root / "locale" / "es.po"
    assert f'#: templates/masthead.html.j2:{line}\nmsgid "Bring this sheet"\nmsgstr ""' \
        in po.read_text(encoding="utf-8")
    po.write_text(po.read_text(encoding="utf-8").replace(
        'msgid "Bring this sheet"\nmsgstr ""', 'msgid "Bring this sheet"\nmsgstr "Traiga esta '
        'hoja"'), encoding="utf-8")
    out = root / "out"
    [built] = build(load_project(root, ("back-massage",)), out=out, language="es").built
    assert "Traiga esta hoja" in pdf_text(built.path)
    assert not any("Bring this sheet\" has no Spanish" in p.format() for p in check(
        load_project(root, ("back-massage",)), render=False).problems)
    own.write_text(own.read_text(encoding="utf-8").replace(
        "</header>", '  <p>{{ _("Call before you come") }}</p>\n</header>'), encoding="utf-8")
    again = run_in(root, "translate", "--theme", "es")
    assert again.output == "added 1 word to translate to locale/es.po, 1 of them from " \
        "templates/; its translations are kept\n"
    text = po.read_text(encoding="utf-8")
    assert 'msgstr "Traiga esta hoja"' in text and 'msgid "Call before you come"' in text
    catalog, problems = read_catalog(po, "locale/es.po", "es")
    assert problems == [] and catalog is not None and catalog.get("Call before you come")


def test_theme_words_a_project_catalog_lacks_are_said_by_check(root: Path) -> None:
    """QA (upgrades): a locale/de.po made by an older version lacked the 39 theme words
    added since (the program's cover, plan and tracking sheet): German pages printed
    them in English and nothing said so. check says how many, the first, and the
    command that adds them; once every word is translated, nothing."""
    assert run_in(root, "translate", "--theme", "de").exit_code == 0
    po = root / "locale" / "de.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgid "Step by step"\nmsgstr ""',
                               'msgid "Step by step"\nmsgstr "Schritt für Schritt"'),
                  encoding="utf-8")
    content = root / "content" / "back-massage.yaml"
    content.write_text(content.read_text(encoding="utf-8").replace(
        "language: en", "language: de", 1), encoding="utf-8")
    lines = [p.format() for p in check(load_project(root, ("back-massage",)), render=False,
                                       quick=True).problems]
    assert "locale/de.po: warning: 62 of 63 theme words have no German translation " \
        "(first: \"Page {page} of {pages}\"), so German handouts and home programs print " \
        "them in English; 'handouts translate --theme de' adds them to locale/de.po to " \
        "translate" in lines
    catalog, _ = read_catalog(po, "locale/de.po", "de")
    assert catalog is not None
    for message in catalog:
        if message.id and not message.string:
            message.string = f"DE {message.id}"
    from babel.messages.pofile import write_po
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0)
    po.write_bytes(buffer.getvalue())
    lines = [p.format() for p in check(load_project(root, ("back-massage",)), render=False,
                                       quick=True).problems]
    assert not [line for line in lines if "have no German translation" in line]


def test_a_batch_language_that_is_no_code_is_said_once(tmp_path: Path) -> None:
    """QA: ``batch.languages: [en, Spanish]``: beside the right error (did you mean
    'es'?), check and batch told the owner to run 'handouts translate NAME Spanish',
    which refuses such a code. The manifest's error alone is said."""
    from handouts.commands.init import init_project

    root = tmp_path / "p"
    init_project(root)
    config = root / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8")
                      + "batch:\n  languages: [en, Spanish]\n", encoding="utf-8")
    line = len(config.read_text(encoding="utf-8").splitlines())
    said = (f"handouts.yaml:{line}: batch.languages: 'Spanish' is not a language code "
            "handouts knows (e.g. es, fr, pt-BR, zh-Hant); did you mean 'es'?")
    for command in (["check", "--no-render"], ["-q", "batch"]):
        result = run_in(root, *command)
        assert result.exit_code == 1
        assert said in result.output.splitlines()
        assert "Spanish.po" not in result.output and "translate" not in result.output


def test_words_added_to_a_windows_saved_locale_file_keep_its_line_endings(
        root: Path) -> None:
    """A locale file saved by a Windows editor (CRLF): ``translate --theme`` adds the words
    it lacks with the file's own line endings, and leaves every byte it had as it was."""
    assert run_in(root, "translate", "--theme", "de").exit_code == 0
    po = root / "locale" / "de.po"
    before = po.read_bytes().replace(b"\n", b"\r\n")
    po.write_bytes(before)
    masthead = (languages.LOCALE_DIR.parent / "theme" / "masthead.html.j2").read_text(
        encoding="utf-8")
    (root / "templates" / "masthead.html.j2").write_text(masthead.replace(
        "</header>", '<p>{{ _("Bring this sheet") }}</p></header>'), encoding="utf-8")
    assert run_in(root, "translate", "--theme", "de").exit_code == 0
    after = po.read_bytes()
    assert after.startswith(before.rstrip(b"\r\n"))
    assert b'msgid "Bring this sheet"\r\nmsgstr ""\r\n' in after
    assert b"\n" not in after.replace(b"\r\n", b"")
