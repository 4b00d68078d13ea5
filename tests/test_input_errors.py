"""Hostile or broken YAML, dates and .po files: located problems, never a traceback."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from handouts.project import languages
from handouts.render import theme
from handouts.variants import i18n

from .helpers import (
    REPO,
    copy_example,
    edit,
    error_lines,
    line_of,
    only_pdf,
    pdf_text,
    run_in,
)
from .variant_project import make_project

CONTENT = "content/hand-self-massage.yaml"
PO = "content/hand-self-massage.es.po"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "p")


# ----------------------------------------------------------------- 1. YAML aliases

LAUGHS = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True))


def test_alias_bombs_are_refused_and_merge_keys_still_work(project: Path) -> None:
    (project / "content/x.yaml").write_text(LAUGHS, encoding="utf-8")
    config = project / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "zz:\n" + "".join(
        "  " + line + "\n" for line in LAUGHS.splitlines()), encoding="utf-8")
    top = line_of(config, "zz:")
    assert error_lines(run_in(project, "check", "--no-render", "x")) == [
        "content/x.yaml:6: uses YAML aliases (& and *) that expand to more than 100,000 values",
        f"handouts.yaml:{top + 6}: uses YAML aliases (& and *) that expand to more than "
        "100,000 values"]
    (project / "content/x.yaml").write_text("a: &a [*a]\n", encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").split("zz:")[0], encoding="utf-8")
    assert error_lines(run_in(project, "check", "--no-render", "x")) == [
        "content/x.yaml:1: uses a YAML alias (*) inside the value it names (&), which would "
        "never end"]
    chain = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 200))
    (project / "content/x.yaml").write_text(chain, encoding="utf-8")
    assert error_lines(run_in(project, "check", "--no-render", "x")) == [
        "content/x.yaml:50: is nested too deeply (more than 50 levels)"]
    # A legitimate merge key is still read: the merged step gets its title from the anchor.
    (project / "content/x.yaml").unlink()
    edit(project / CONTENT, "  - title: Switch hands\n    text: Do the same steps on your other "
         "hand.", "  - &switch {title: Switch hands, text: Do the same steps on your other "
         "hand.}")
    edit(project / CONTENT, "precautions:", "  - <<: *switch\n    text: Then rest.\nprecautions:")
    assert run_in(project, "build", "hand-self-massage").exit_code == 0
    assert pdf_text(only_pdf(project)).count("Switch hands") == 2


# ----------------------------------------------------------------- 2. dates

@pytest.mark.parametrize(("written", "message"), [
    ("2026-02-30", "2026-02-30 is not a date (write YYYY-MM-DD, e.g. 2026-02-28)"),
    ("'2026-04-31'", "2026-04-31 is not a date (write YYYY-MM-DD, e.g. 2026-04-30)"),
    ("2026-13-01", "2026-13-01 is not a date (write YYYY-MM-DD, e.g. 2026-12-01)"),
    ("2026-02-03 10:00:00", "2026-02-03 10:00:00 has a time (write only the date, YYYY-MM-DD, "
                            "e.g. 2026-02-03)"),
    ("2026-02-03 00:00:00", "2026-02-03 00:00:00 has a time (write only the date, YYYY-MM-DD, "
                            "e.g. 2026-02-03)"),
    ("0", "0 is a number, not a date (write YYYY-MM-DD, e.g. 2026-02-28)"),
    ("20260203", "20260203 is a number, not a date (write YYYY-MM-DD, e.g. 2026-02-28)"),
])
def test_bad_review_dates_are_located_plain_problems(project: Path, written: str,
                                                     message: str) -> None:
    edit(project / CONTENT, "reviewed: 2026-11-01", f"reviewed: {written}")
    line = line_of(project / CONTENT, "reviewed:")
    assert error_lines(run_in(project, "check", "--no-render")) == [
        f"{CONTENT}:{line}: review.reviewed: {message}"]


def test_impossible_date_anywhere_in_yaml_is_located(project: Path) -> None:
    edit(project / "handouts.yaml", "clinic:", "when: 2026-02-29\nclinic:")
    edit(project / CONTENT, "  reviewer:", "  2026-06-31: x\n  reviewer:")
    out = error_lines(run_in(project, "check", "--no-render"))
    assert out == [
        f"{CONTENT}:{line_of(project / CONTENT, '2026-06-31')}: review: 2026-06-31 is not a "
        "date (write YYYY-MM-DD, e.g. 2026-06-30)",
        f"handouts.yaml:{line_of(project / 'handouts.yaml', 'when:')}: when: 2026-02-29 is not "
        "a date (write YYYY-MM-DD, e.g. 2026-02-28)"]


def test_an_impossible_date_or_a_key_given_twice_hides_no_other_mistake(
        project: Path) -> None:
    """Each was the only problem said until it was fixed; then the rest came, one run
    later. Now every one comes in the same run, each once."""
    content = project / CONTENT
    text = content.read_text(encoding="utf-8")
    reviewed = re.search(r"reviewed: (\S+)", text).group(1)  # type: ignore[union-attr]
    edit(content, f"reviewed: {reviewed}", "reviewed: 2026-02-30")
    content.write_text(content.read_text(encoding="utf-8") + "bogus: 1\n", encoding="utf-8")
    edit(project / "handouts.yaml", "clinic:", "defaults:\n  paper: a4\nclinic:")
    out = error_lines(run_in(project, "check", "--no-render"))
    assert f"{CONTENT}:{line_of(content, 'reviewed:')}: review.reviewed: 2026-02-30 is not " \
        "a date (write YYYY-MM-DD, e.g. 2026-02-28)" in out
    assert any(line.startswith(f"{CONTENT}:{line_of(content, 'bogus:')}: bogus: unknown key")
               for line in out), out
    assert any(re.search(r"defaults: appears twice \(first on line \d+\); keep one of them$",
                          line) for line in out), out
    assert len([line for line in out if "review.reviewed" in line]) == 1


# ----------------------------------------------------------------- 3. broken .po files

def _po_cases(po: Path) -> dict[str, tuple[str, str, str]]:
    """name → (old text, new text, expected problem after the path and line)."""
    title = 'msgstr "ES A 3-minute hand massage you can do yourself"'
    return {
        "plural": ('"Plural-Forms: nplurals=3;', '"Plural-Forms: nplurals=x;',
                   "Plural-Forms: 'nplurals=x; plural=(n == 1 ? 0 : n != 0 && n % 1000000 == 0 "
                   "? 1 : 2);' cannot be read; write e.g. nplurals=2; plural=(n != 1);"),
        "charset": ("charset=utf-8", "charset=klingon",
                    "Content-Type: charset 'klingon' is not a known text encoding; save the "
                    "file as UTF-8 and write charset=UTF-8"),
        "date": ("POT-Creation-Date: 2", "POT-Creation-Date: yesterday 2",
                 "POT-Creation-Date: 'yesterday 2"),
        "unquoted": (title, 'msgstr ES A 3-minute hand massage',
                     "title: the text must be in double quotes"),
        "unterminated": (title, 'msgstr "ES A 3-minute hand massage',
                         "title: the text has no closing double quote"),
        "garbage": (title, title + "\nthis is not po", "title: 'this is not po' is not a .po "
                    "line: each line is a comment (#), msgctxt, msgid or msgstr followed by "
                    "text in double quotes, or more text in double quotes"),
    }


@pytest.mark.parametrize("case", ["plural", "charset", "date", "unquoted", "unterminated",
                                  "garbage"])
def test_broken_po_is_located_in_build_and_translate_and_kept(project: Path, case: str) -> None:
    po = project / PO
    old, new, message = _po_cases(po)[case]
    edit(po, old, new)
    line = line_of(po, new.splitlines()[-1])
    before = po.read_bytes()
    for args in (("build", "--language", "es"), ("translate", "hand-self-massage", "es")):
        found = error_lines(run_in(project, *args))
        assert len(found) == 1
        assert found[0].startswith(f"{PO}:{line}: {message}")
        assert po.read_bytes() == before  # the translator's work is never overwritten
    assert not (project / "output").exists()


def test_duplicate_entries_and_binary_po_are_located(project: Path) -> None:
    po = project / PO
    first = line_of(po, 'msgid "hands"')
    po.write_text(po.read_text(encoding="utf-8") + '\nmsgctxt "keywords[1]"\nmsgid "hands"\n'
                  'msgstr "manos"\n', encoding="utf-8")
    last = len(po.read_text(encoding="utf-8").splitlines()) - 1
    assert error_lines(run_in(project, "translate", "hand-self-massage", "es")) == [
        f"{PO}:{last}: keywords[1]: is translated twice (also on line {first}); delete one of "
        "them"]
    po.write_bytes(b'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                   b'msgid "x"\nmsgstr "\xff\xfe"\n')
    for args in (("build", "--language", "es"), ("translate", "hand-self-massage", "es")):
        assert error_lines(run_in(project, *args)) == [
            f"{PO}:6: is not utf-8 text (the charset its Content-Type header names); save it "
            "as UTF-8 in your editor"]


def test_po_whose_charset_does_not_match_its_bytes_is_refused(project: Path) -> None:
    """A header saying ISO-8859-1 over a file saved as UTF-8 would turn every "é" into
    "Ã©" in the PDF and in the file 'translate' writes back: refused at the charset's
    line, and the file is left as it is."""
    po = project / PO
    edit(po, 'msgstr "ES A 3-minute hand massage you can do yourself"',
         'msgstr "Un masaje de manos de 3 minutos que usted mismo puede hacer"')
    edit(po, 'msgstr "ES Warm up"', 'msgstr "Caliéntelas"')
    edit(po, "charset=utf-8", "charset=ISO-8859-1")
    header, accented = line_of(po, "charset="), line_of(po, "Caliéntelas")
    before = po.read_bytes()
    for args in (("build", "--language", "es"), ("translate", "hand-self-massage", "es")):
        assert error_lines(run_in(project, *args)) == [
            f"{PO}:{header}: Content-Type: the header says charset=ISO-8859-1, but the file "
            f"is saved as UTF-8 (first non-ASCII text at line {accented}); write "
            "charset=UTF-8"]
        assert po.read_bytes() == before
    assert not (project / "output").exists()
    # Saved in the charset it names, the same file is read as written.
    po.write_bytes(before.decode("utf-8").encode("iso-8859-1"))
    result = run_in(project, "build", "--language", "es")
    assert result.exit_code == 0, result.stderr
    text = pdf_text(only_pdf(project))
    assert "Caliéntelas" in text and "CaliÃ" not in text


def test_po_with_bom_and_windows_line_endings_loads(project: Path) -> None:
    po = project / PO
    po.write_bytes(b"\xef\xbb\xbf" + po.read_bytes().replace(b"\n", b"\r\n"))
    result = run_in(project, "build", "--language", "es")
    assert result.exit_code == 0, result.stderr
    assert "ES A 3-minute hand massage" in pdf_text(only_pdf(project))
    assert run_in(project, "translate", "hand-self-massage", "es").exit_code == 0
    assert "0 new, 0 changed, 30 unchanged" in run_in(
        project, "translate", "hand-self-massage", "es").stdout


# ----------------------------------------------------------------- 4. hostile msgstr

def test_hostile_msgstr_is_treated_like_the_same_text_in_yaml(project: Path) -> None:
    po = project / PO
    intro = 'msgstr "ES Your hands work hard all day.'
    line = line_of(po, intro)
    edit(po, intro, 'msgstr "<script>alert(1)</script> [x](javascript:alert(1))')
    assert error_lines(run_in(project, "build", "--language", "es")) == [
        f"{PO}:{line - 1}: intro: raw HTML '<script>' is not allowed; use Markdown (**bold**, "
        "*italic*, [text](https://...))",
        # Every mistake of the text at once, as in a content file.
        f"{PO}:{line - 1}: intro: link 'javascript:alert(1)' is not allowed; links must "
        "start with https://, http://, mailto: or tel:"]
    edit(project / CONTENT, "intro: >-", "intro: <script>alert(1)</script> x\nold_intro: >-")
    yaml_problem = next(p for p in error_lines(run_in(project, "check", "--no-render"))
                        if ": intro: " in p)
    assert yaml_problem.split(": intro: ")[1] == (
        "raw HTML '<script>' is not allowed; use Markdown (**bold**, *italic*, [text](https://...))")
    # Template and format syntax and escapes are printed as written, in both languages.
    hostile = '{{ 7*7 }} {% if x %} %(name)s {name} %s 100%'
    edit(project / CONTENT, "intro: <script>alert(1)</script> x\nold_intro: >-",
         f"intro: '{hostile}'\nold_intro: >-")
    edit(project / CONTENT, "old_intro: >-", "sources_note: >-")
    text = (project / CONTENT).read_text(encoding="utf-8")
    (project / CONTENT).write_text(re.sub(r"sources_note: >-\n(  .*\n)+", "", text),
                                   encoding="utf-8")
    edit(po, 'msgstr "<script>alert(1)</script> [x](javascript:alert(1))', 'msgstr "ES')
    assert run_in(project, "translate", "hand-self-massage", "es").exit_code == 0
    set_translation(po, "intro", "ES\t" + hostile)
    for language in ("en", "es"):
        shutil.rmtree(project / "output", ignore_errors=True)
        result = run_in(project, "build", "--language", language)
        assert result.exit_code == 0, result.stderr
        text = pdf_text(only_pdf(project))
        assert hostile in text and "49" not in text


def set_translation(po: Path, context: str, text: str) -> None:
    """Translate the entry for field ``context`` as ``text`` (and mark it done)."""
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    [entry] = [m for m in catalog if m.context == context]
    entry.string, entry.flags = text, set()
    with po.open("wb") as handle:
        write_po(handle, catalog, width=0)


def test_a_percent_in_a_theme_word_cannot_crash_rendering(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale)
    po = locale / "es/LC_MESSAGES/handouts.po"
    edit(po, 'msgstr "Paso %(number)s"', 'msgstr "Paso 100% %(numero)s"')
    edit(po, 'msgid "Tip:"\nmsgstr "', 'msgid "Tip:"\nmsgstr "50% ')
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    monkeypatch.setattr(languages, "LOCALE_DIR", locale)  # where builtin_catalog reads
    i18n.theme_translations.cache_clear()
    theme.forget_environments()
    try:
        env = theme.environment(None, "es")
        words = env.from_string('{{ _("Step %(number)s", number=3) }} | {{ _("Tip:") }} | '
                                '{{ _("Step by step") }}').render()
    finally:
        i18n.theme_translations.cache_clear()
        theme.forget_environments()
    assert words == "Step 3 | Tip: | Paso a paso"


# ----------------------------------------------------------------- 5. translation integrity

def test_translation_that_changes_links_numbers_or_bold_is_an_error(project: Path,
                                                                     tmp_path: Path) -> None:
    example = copy_example(tmp_path / "example")
    assert run_in(example, "check", "--no-render").exit_code == 0
    example_po = example / "content/back-massage.es.po"
    edit(example_po, "de forma **pareja**", "de forma pareja [aquí](https://evil.example)")
    line = line_of(example_po, 'msgctxt "steps[1].text"') + 1
    assert error_lines(run_in(example, "build", "--language", "es", "back-massage")) == [
        f"content/back-massage.es.po:{line}: steps[1].text: the translation links to "
        "https://evil.example, which the English text does not",
        f"content/back-massage.es.po:{line}: steps[1].text: the translation has 0 bold (**) "
        "parts where the English text has 1"]

    edit(project / CONTENT, "Keep going until your hands feel warm.",
         "Keep going for 10 seconds, see [this](https://clinic.example/warm).")
    assert run_in(project, "translate", "hand-self-massage", "es").exit_code == 0
    po = project / PO
    set_translation(po, "steps[1].text", "Frote 20 segundos.")
    line = line_of(po, "Keep going for 10 seconds")
    assert error_lines(run_in(project, "batch")) == [
        f"{PO}:{line}: steps[1].text: the translation drops the link to "
        "https://clinic.example/warm",
        f"{PO}:{line}: steps[1].text: the translation has the number 20 where the English text "
        "has 10"]
    assert not (project / "output").exists()


def test_a_bold_marker_left_open_is_an_error_not_asterisks_on_the_page(
        project: Path, tmp_path: Path) -> None:
    """"Use **light pressure" would print two asterisks for the client: in a content
    field and in a translation (of any field), it is refused at its line."""
    edit(project / CONTENT, "Keep going until your hands feel warm.",
         "Keep going until your hands feel **warm.")
    line = line_of(project / CONTENT, "feel **warm.")
    assert error_lines(run_in(project, "build")) == [
        f"{CONTENT}:{line}: steps[1].text: has a '**' that is not closed, which would be "
        "printed as is: bold text needs ** on both sides, e.g. **light pressure**"]
    assert not (project / "output").exists()

    example = copy_example(tmp_path / "example")
    example_po = example / "content/back-massage.es.po"
    edit(example_po, 'msgstr "Caliente el aceite"', 'msgstr "Caliente el **aceite"')
    line = line_of(example_po, 'msgctxt "steps[1].title"') + 1  # its msgid, like the rest
    for verbosity in ("-q", "-v"):
        result = run_in(example, verbosity, "build", "--language", "es", "back-massage")
        assert result.exit_code == 1
        assert error_lines(result) == [
            f"content/back-massage.es.po:{line}: steps[1].title: the translation has a '**' "
            "that is not closed, which would be printed as is: bold text needs ** on both "
            "sides, e.g. **light pressure**"]


def test_a_broken_logo_or_stylesheet_image_is_blamed_on_its_own_line_once(
        tmp_path: Path) -> None:
    """Not on every content file without a line (it is in neither)."""
    root = copy_example(tmp_path / "clinic")
    (root / "assets" / "logo.svg").write_text("not an svg <<", encoding="utf-8")
    logo_line = line_of(root / "handouts.yaml", "logo: assets/logo.svg")
    result = run_in(root, "build")
    logo = "assets/logo.svg"  # as in the project, not its place on disk
    assert error_lines(result) == [
        f"handouts.yaml:{logo_line}: clinic.logo: refused to load {logo}: it is not a "
        "well-formed SVG file (syntax error: line 1, column 0)"]
    shutil.copy(REPO / "assets" / "logo.svg", root / "assets" / "logo.svg")
    sheet = root / "templates" / "extra.css"
    sheet.write_text(sheet.read_text(encoding="utf-8") +
                     "\nbody { background: url('../assets/paper.png') }\n", encoding="utf-8")
    css_line = line_of(sheet, "paper.png")
    result = run_in(root, "build")
    missing = "assets/paper.png"
    assert error_lines(result) == [
        f"templates/extra.css:{css_line}: url(): refused to load {missing}: file not found"]
    assert not (root / "output").exists()
