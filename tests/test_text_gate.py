"""One gate for text: every way text reaches a handout's page follows the same rules.

Escaped by default, inline Markdown only where documented, links only https, http,
mailto and tel, raw HTML an error with its file and line. Each entry point is tried
with the same three hostile texts: a ``<script>``, a ``javascript:`` link and an
``<img src=file:...>``; the test asserts the located error, or (for the client's
details, which are never refused for what they say) that the PDF shows the text as
written and has no such link.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from handouts.commands.build import build
from handouts.commands.merge import merge
from handouts.project import languages
from handouts.project.load import load_project
from handouts.render import theme
from handouts.render.compose import compose
from handouts.render.fitting import render_page
from handouts.variants import i18n
from handouts.variants.plan import Variant

from .helpers import build_problems, edit, line_of, pdf_text, run_in
from .variant_project import make_project

CONTENT = "content/hand-self-massage.yaml"
PO = "content/hand-self-massage.es.po"
SCRIPT = "<script>alert(1)</script>"
LINK = '<a href="javascript:alert(1)">call us</a>'
IMAGE = '<img src="file:///etc/hostname">'
#: The messages for the three texts, in a plain and in a Markdown field.
PLAIN = "write plain text (this text has no formatting)"
MARKDOWN = "use Markdown (**bold**, *italic*, [text](https://...))"


def _set_msgstr(po: Path, msgid: str, msgstr: str) -> int:
    """Set the translation of ``msgid`` (a theme word) and return its msgid line."""
    text = po.read_text(encoding="utf-8")
    pattern = re.compile(r'(msgid "' + re.escape(msgid) + r'"\nmsgstr )"[^\n]*"')
    assert pattern.search(text), msgid
    escaped = msgstr.replace("\\", "\\\\").replace('"', '\\"')
    po.write_text(pattern.sub(lambda m: m.group(1) + f'"{escaped}"', text, count=1),
                  encoding="utf-8")
    return line_of(po, f'msgid "{msgid}"')


def _set_field(po: Path, field: str, msgstr: str) -> int:
    """Set the translation of ``field`` (a msgctxt) and return its msgid line."""
    text = po.read_text(encoding="utf-8")
    pattern = re.compile(r'(msgctxt "' + re.escape(field) + r'"\nmsgid "[^\n]*"\nmsgstr )"[^\n]*"')
    assert pattern.search(text), field
    escaped = msgstr.replace('"', '\\"')
    po.write_text(pattern.sub(lambda m: m.group(1) + f'"{escaped}"', text, count=1),
                  encoding="utf-8")
    return line_of(po, f'msgctxt "{field}"') + 1


def _by_line(problems: list[str]) -> list[str]:
    """Problems in the order they are reported: by file, then line."""
    return sorted(problems, key=lambda p: (p.split(":")[0], int(p.split(":")[1])))


def _links(pdf: Path) -> list[str]:
    """Every link target in the PDF (from its link annotations)."""
    found = []
    for page in PdfReader(pdf).pages:
        for annotation in page.get("/Annots", []):
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                found.append(str(action["/URI"]))
    return found


def _assert_shown_as_written(pdf: Path, *texts: str) -> None:
    """The PDF prints each text as written and links nowhere but the safe schemes."""
    printed = pdf_text(pdf, squeezed=True)
    for text in texts:
        assert text in printed, text
    assert all(link.startswith(("https:", "http:", "mailto:", "tel:")) for link in _links(pdf))
    data = pdf.read_bytes()
    assert b"/JavaScript" not in data and b"/JS " not in data
    assert b"/Launch" not in data


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The starter project with a caregivers audience and a complete Spanish .po."""
    return make_project(tmp_path / "p")


# ---------------------------------------------------------------- content

def test_content_markdown_fields(project: Path) -> None:
    path = project / CONTENT
    edit(project / CONTENT, "  Your hands work hard all day.", f"  Your hands {SCRIPT} work.")
    edit(project / CONTENT, "    tip: Press only as hard as feels good.",
         "    tip: Press only as hard as [feels good](javascript:alert(1)).")
    edit(project / CONTENT, "  - Take off rings and watches.", f"  - Take off rings {IMAGE}")
    assert build_problems(project) == [
        f"{CONTENT}:3: intro: raw HTML '<script>' is not allowed; {MARKDOWN}",
        f"{CONTENT}:{line_of(path, 'tip:')}: steps[2].tip: link 'javascript:alert(1)' is not "
        "allowed; links must start with https://, http://, mailto: or tel:",
        f"{CONTENT}:{line_of(path, 'Take off rings')}: precautions.before[1].text: raw HTML "
        f"'{IMAGE}' is not allowed; {MARKDOWN}"]


def test_content_plain_fields(project: Path) -> None:
    path = project / CONTENT
    edit(project / CONTENT, "title: A 3-minute hand massage", f"title: A 3-minute {SCRIPT}")
    edit(project / CONTENT, "  - title: Press the palm", f"  - title: '{LINK}'")
    edit(project / CONTENT, "  reviewer: Your Clinic team", f"  reviewer: '{IMAGE}'")
    assert build_problems(project) == [
        f"{CONTENT}:2: title: raw HTML '<script>' is not allowed; {PLAIN}",
        f"{CONTENT}:{line_of(path, 'javascript')}: steps[2].title: raw HTML "
        f"'<a href=\"javascript:alert(1)\">' is not allowed; {PLAIN}",
        f"{CONTENT}:{line_of(path, 'reviewer:')}: review.reviewer: raw HTML '{IMAGE}' is not "
        f"allowed; {PLAIN}"]


def test_a_markdown_link_in_a_plain_field_is_printed_not_linked(project: Path) -> None:
    edit(project / CONTENT, "title: A 3-minute hand massage you can do yourself",
         "title: '[A 3-minute](javascript:alert(1)) hand massage'")
    pdf = build(load_project(project)).built[0].path
    _assert_shown_as_written(pdf, "[A 3-minute](javascript:alert(1)) hand massage")


# ---------------------------------------------------------------- content translations

def test_content_translations(project: Path) -> None:
    po = project / PO
    title = _set_field(po, "title", f"Un masaje {SCRIPT}")
    tip = _set_field(po, "steps[2].tip", "Presione [suave](javascript:alert(1)).")
    alt_text = _set_field(po, "benefits[1].title", IMAGE)
    assert build_problems(project, language="es") == [
        f"{PO}:{title}: title: raw HTML '<script>' is not allowed; {PLAIN}",
        f"{PO}:{tip}: steps[2].tip: link 'javascript:alert(1)' is not allowed; links must "
        "start with https://, http://, mailto: or tel:",
        f"{PO}:{alt_text}: benefits[1].title: raw HTML '{IMAGE}' is not allowed; {PLAIN}"]


def test_the_clinics_words_in_a_translation_file(tmp_path: Path) -> None:
    """The clinic's words that handouts.yaml does not translate go in the handout's .po
    (``msgctxt "clinic.tagline"``): the same rule, at their .po line."""
    root = tmp_path / "p"
    make_project(root)
    config = root / "handouts.yaml"
    edit(config,
         "    es: {tagline: Masaje y fisioterapia, disclaimer: Esta hoja da información general.}",
         "    es: {}")
    edit(config, "  tagline: Massage and physiotherapy\n",
         "  tagline: Massage and physiotherapy\n  hours: Mon-Fri 9-5\n")
    result = run_in(root, "translate", "hand-self-massage", "es")
    assert result.exit_code == 0, result.output
    po = root / PO
    tagline = _set_field(po, "clinic.tagline", f"Masaje {SCRIPT}")
    disclaimer = _set_field(po, "clinic.disclaimer", LINK)
    hours = _set_field(po, "clinic.hours", IMAGE)
    assert build_problems(root, language="es") == [
        f"{PO}:{tagline}: clinic.tagline: raw HTML '<script>' is not allowed; {PLAIN}",
        f"{PO}:{disclaimer}: clinic.disclaimer: raw HTML '<a href=\"javascript:alert(1)\">' "
        f"is not allowed; {PLAIN}",
        f"{PO}:{hours}: clinic.hours: raw HTML '{IMAGE}' is not allowed; {PLAIN}"]


# ---------------------------------------------------------------- the theme's words

@pytest.fixture
def builtin_locale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the built-in catalogs, used in their place (caches emptied around it)."""
    copy = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, copy)
    monkeypatch.setattr(i18n, "LOCALE_DIR", copy)
    monkeypatch.setattr(languages, "LOCALE_DIR", copy)  # where builtin_catalog reads
    _forget_catalogs()
    yield copy / "es" / "LC_MESSAGES" / "handouts.po"
    _forget_catalogs()


def _forget_catalogs() -> None:
    i18n.theme_translations.cache_clear()  # type: ignore[attr-defined]
    i18n.theme_word_problems.cache_clear()  # type: ignore[attr-defined]
    theme.forget_environments()


def _hostile_words(po: Path) -> list[int]:
    return [_set_msgstr(po, "Tip:", SCRIPT), _set_msgstr(po, "Call", LINK),
            _set_msgstr(po, "Step by step", IMAGE)]


def test_built_in_theme_words(project: Path, builtin_locale: Path) -> None:
    tip, call, steps = _hostile_words(builtin_locale)
    shown = "handouts/locale/es/LC_MESSAGES/handouts.po"
    assert build_problems(project, language="es") == _by_line([
        f"{shown}:{tip}: msgstr: raw HTML '<script>' is not allowed; {PLAIN}",
        f"{shown}:{call}: msgstr: raw HTML '<a href=\"javascript:alert(1)\">' is not allowed; "
        f"{PLAIN}",
        f"{shown}:{steps}: msgstr: raw HTML '{IMAGE}' is not allowed; {PLAIN}"])


def test_project_theme_words(project: Path) -> None:
    """``locale/es.po``, the README's route for a clinic's own theme words: it used to
    reach the page as HTML (a live javascript: link, a silent <script>)."""
    i18n.start_theme_catalog(project, "es")
    po = project / "locale/es.po"
    tip, call, steps = _hostile_words(po)
    assert build_problems(project, language="es") == _by_line([
        f"locale/es.po:{tip}: msgstr: raw HTML '<script>' is not allowed; {PLAIN}",
        f"locale/es.po:{call}: msgstr: raw HTML '<a href=\"javascript:alert(1)\">' is not "
        f"allowed; {PLAIN}",
        f"locale/es.po:{steps}: msgstr: raw HTML '{IMAGE}' is not allowed; {PLAIN}"])


def test_theme_words_are_escaped_even_past_the_check(project: Path) -> None:
    """The page never depends on the check: words that got past it (here, written after
    the page was composed) are printed as text, with no link and no script."""
    whole = load_project(project)
    loaded, [document] = whole.project, whole.documents
    page, problems = compose(loaded, document, Variant(document.name, "general", "es",
                                                       "letter", "standard"))
    assert page is not None and problems == []
    i18n.start_theme_catalog(project, "es")
    _hostile_words(project / "locale/es.po")
    output = render_page(loaded, document, page)
    pdf = project / "past.pdf"
    pdf.write_bytes(output.pdf)
    _assert_shown_as_written(pdf, SCRIPT, "call us", IMAGE)


# ---------------------------------------------------------------- handouts.yaml

def test_clinic_and_audience_words_in_handouts_yaml(project: Path) -> None:
    config = project / "handouts.yaml"
    edit(project / "handouts.yaml", "  tagline: Massage and physiotherapy",
         f"  tagline: Massage {SCRIPT}\n  hours: '{LINK}'")
    edit(project / "handouts.yaml", "es: {tagline: Masaje y fisioterapia,",
         f"es: {{tagline: '{IMAGE}',")
    edit(project / "handouts.yaml", "    description: For people who care for someone in bed.",
         f"    description: For people {SCRIPT}")
    edit(project / "handouts.yaml", "      es: {label: Cuidadores,",
         "      es: {label: '[Cuidadores](javascript:alert(1)) <i>x</i>',")
    assert build_problems(project) == [
        f"handouts.yaml:5: clinic.tagline: raw HTML '<script>' is not allowed; {PLAIN}",
        f"handouts.yaml:6: clinic.hours: raw HTML '<a href=\"javascript:alert(1)\">' is not "
        f"allowed; {PLAIN}",
        f"handouts.yaml:{line_of(config, 'es: {tagline')}: clinic.translations.es.tagline: raw "
        f"HTML '{IMAGE}' is not allowed; {PLAIN}",
        f"handouts.yaml:{line_of(config, 'description: For people')}: audiences.caregivers."
        f"description: raw HTML '<script>' is not allowed; {PLAIN}",
        f"handouts.yaml:{line_of(config, 'es: {label')}: audiences.caregivers.translations.es."
        f"label: raw HTML '<i>' is not allowed; {PLAIN}"]


def test_locations_in_handouts_yaml(project: Path) -> None:
    config = project / "handouts.yaml"
    edit(project / "handouts.yaml", "  translations:\n", (
        "  locations:\n"
        "    north:\n"
        f"      name_suffix: North {SCRIPT}\n"
        "      address: {city: Springfield}\n"
        "      phone: (217) 555-0143\n"
        f"      hours: '{IMAGE}'\n"
        "  translations:\n"))
    edit(project / "handouts.yaml", "es: {tagline: Masaje y fisioterapia,",
         f"es: {{locations: {{north: {{hours: '{LINK}'}}}}, tagline: Masaje y fisioterapia,")
    assert build_problems(project) == [
        f"handouts.yaml:{line_of(config, 'name_suffix')}: clinic.locations.north.name_suffix: "
        f"raw HTML '<script>' is not allowed; {PLAIN}",
        f"handouts.yaml:{line_of(config, 'hours: ')}: clinic.locations.north.hours: raw HTML "
        f"'{IMAGE}' is not allowed; {PLAIN}",
        f"handouts.yaml:{line_of(config, 'es: {locations')}: clinic.translations.es.locations."
        f"north.hours: raw HTML '<a href=\"javascript:alert(1)\">' is not allowed; {PLAIN}"]


# ---------------------------------------------------------------- the client's details

def test_client_details_from_the_command_line(project: Path) -> None:
    """Personal details are never refused for what they say (nor quoted in a message):
    they are escaped, so the PDF shows them as written and links nowhere."""
    result = run_in(project, "build", "--client", SCRIPT, "--note", LINK, "--therapist", IMAGE)
    assert result.exit_code == 0, result.output
    [pdf] = (project / "output/clients").glob("*.pdf")
    _assert_shown_as_written(pdf, f"Prepared for {SCRIPT}", LINK, IMAGE)


def test_client_details_from_a_csv(project: Path, tmp_path: Path) -> None:
    csv_path = tmp_path / "clients.csv"
    csv_path.write_text('client,handout,note,therapist\n'
                        f'{SCRIPT},hand-self-massage,"{LINK.replace(chr(34), chr(34) * 2)}",'
                        f'"{IMAGE.replace(chr(34), chr(34) * 2)}"\n', encoding="utf-8")
    result = merge(load_project(project), csv_path)
    assert result.problems == [] and len(result.written) == 1
    _assert_shown_as_written(result.written[0][1], f"Prepared for {SCRIPT}", LINK, IMAGE)
