"""Translations: theme words through gettext, content through .po files."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from babel.messages.pofile import read_po, write_po

from handouts.commands.build import build
from handouts.commands.init import init_project
from handouts.errors import RenderError
from handouts.project.load import load_project
from handouts.project.pofile import read_catalog
from handouts.variants.i18n import LOCALE_DIR, theme_translations, update_catalog

from .helpers import edit, pdf_text, run_in
from .variant_project import make_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "p")


def test_spanish_pdf_has_spanish_words_content_and_lang(project: Path) -> None:
    result = build(load_project(project), language="es", audience="caregivers")
    pdf = result.built[0].path
    assert pdf == project / "output/es/caregivers/hand-self-massage-letter-standard.pdf"
    text = pdf_text(pdf)
    for words in ("Paso a paso", "Pare de inmediato si", "Esta versión es para: Cuidadores",
                  "ES A 3-minute hand massage", "ES Check the skin", "Página 1 de",
                  "1 de noviembre de 2026"):
        assert words in text
    assert "Step by step" not in text
    with pikepdf.open(pdf) as doc:
        assert str(doc.Root.Lang) == "es"
    assert result.warnings == []


def test_missing_translation_is_an_error_naming_the_field(project: Path) -> None:
    po = project / "content/hand-self-massage.es.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    catalog.get("Do the same steps on your other hand.", context="steps[4].text").string = ""
    with po.open("wb") as handle:
        write_po(handle, catalog, width=0)
    with pytest.raises(RenderError) as caught:
        build(load_project(project), language="es")
    lines = [p.format() for p in caught.value.problems]
    # One summary for the file, pointing at the entry's msgid line.
    line = po.read_text(encoding="utf-8").split("\n").index('msgctxt "steps[4].text"') + 2
    assert lines == [
        f"content/hand-self-massage.es.po: 1 text is not translated yet (steps[4].text at "
        f"line {line}); run 'handouts translate hand-self-massage es' and fill in the msgstr "
        "lines, or preview with --draft"]
    assert not (project / "output").exists()


def test_changed_source_makes_translation_out_of_date(project: Path) -> None:
    content = project / "content/hand-self-massage.yaml"
    content.write_text(content.read_text(encoding="utf-8").replace(
        "Do the same steps on your other hand.", "Now do your other hand."), encoding="utf-8")
    result = build(load_project(project), language="es")
    [warning] = result.warnings
    assert warning.format().startswith("content/hand-self-massage.es.po:")
    assert warning.format().endswith(
        ": warning: steps[4].text: the Spanish translation is out of date: the English text "
        "changed after it was translated (\"Do the same steps on your other hand.\" is now "
        "\"Now do your other hand.\"); update it")
    assert "ES Do the same steps" in pdf_text(result.built[0].path)


def test_update_catalog_adds_new_and_marks_changed_fuzzy(project: Path) -> None:
    content = project / "content/hand-self-massage.yaml"
    content.write_text(content.read_text(encoding="utf-8").replace(
        "Do the same steps on your other hand.", "Now do your other hand.").replace(
        "    - Take off rings and watches.", "    - Take off rings and watches.\n    - Sit down."),
        encoding="utf-8")
    [doc] = load_project(project, ("hand-self-massage",)).documents
    po = doc.translation("es")
    update = update_catalog(doc.handout, po, "es")
    assert (update.created, update.new, update.changed) == (False, 1, 1)
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    changed = catalog.get("Now do your other hand.", context="steps[4].text")
    assert changed.fuzzy
    assert changed.string == "ES Do the same steps on your other hand."
    assert '#| msgid "Do the same steps on your other hand."' in po.read_text(encoding="utf-8")
    assert catalog.get("Sit down.", context="precautions.before[2].text").string == ""


def test_a_long_text_s_previous_english_is_one_gettext_line_kept_by_the_next_update(
        project: Path) -> None:
    """babel wrapped the "#| msgid" of a long text like a comment, its quoted text split
    over two lines: gettext's tools (msgfmt, Poedit) refused the file, and the next
    update dropped the broken lines, the translator's record of what changed."""
    content = project / "content/hand-self-massage.yaml"
    text = content.read_text(encoding="utf-8")
    step = "Use slow, firm strokes from your wrist toward your fingertips, one finger at a time."
    content.write_text(text.replace("Do the same steps on your other hand.", step),
                       encoding="utf-8")
    [doc] = load_project(project, ("hand-self-massage",)).documents
    update_catalog(doc.handout, doc.translation("es"), "es")
    longer = step.replace("slow, firm strokes", "slow, firm and even strokes") + \
        " Keep going for about two minutes on each hand, then rest."
    content.write_text(text.replace("Do the same steps on your other hand.", longer),
                       encoding="utf-8")
    for _ in range(2):  # written, then kept by the next update
        [doc] = load_project(project, ("hand-self-massage",)).documents
        update_catalog(doc.handout, doc.translation("es"), "es")
        lines = doc.translation("es").read_text(encoding="utf-8").split("\n")
        at = lines.index('msgctxt "steps[4].text"')
        assert lines[at - 2:at] == ["#, fuzzy", f'#| msgid "{step}"']
    catalog, _ = read_catalog(doc.translation("es"), "es.po", "es")
    assert catalog is not None
    entry = catalog.get(longer, context="steps[4].text")
    assert entry.fuzzy and entry.previous_id == [step]


def test_a_text_moved_and_reworded_keeps_its_translation_marked_out_of_date(
        project: Path) -> None:
    """Authors reorder and polish in one edit: the reworded text was "new" with an empty
    translation and its own old one went to the obsolete lines; it is offered, marked
    out of date, as msgmerge does (the same edit without the move always was)."""
    content = project / "content/hand-self-massage.yaml"
    text = content.read_text(encoding="utf-8")
    call = "    - Your hand is swollen, red or hot.\n"
    assert call in text
    reworded = "    - Your hand is swollen, red, or hot to the touch.\n"
    content.write_text(text.replace(call, "").replace("  call:\n", "  call:\n" + reworded),
                       encoding="utf-8")
    [doc] = load_project(project, ("hand-self-massage",)).documents
    update = update_catalog(doc.handout, doc.translation("es"), "es")
    assert (update.new, update.changed, update.removed) == (0, 1, 0)
    catalog, _ = read_catalog(doc.translation("es"), "es.po", "es")
    assert catalog is not None
    entry = catalog.get("Your hand is swollen, red, or hot to the touch.",
                        context="precautions.call[1].text")
    assert entry.fuzzy and entry.string == "ES Your hand is swollen, red or hot."
    assert entry.previous_id == ["Your hand is swollen, red or hot."]
    assert not catalog.obsolete


def test_an_update_keeps_an_editor_s_byte_order_mark_and_line_endings(project: Path) -> None:
    po = project / "content/hand-self-massage.es.po"
    po.write_bytes(b"\xef\xbb\xbf" + po.read_bytes().replace(b"\n", b"\r\n"))
    edit(project / "content/hand-self-massage.yaml", "Do the same steps on your other hand.",
         "Now do your other hand.")
    [doc] = load_project(project, ("hand-self-massage",)).documents
    assert update_catalog(doc.handout, po, "es").changed == 1
    raw = po.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf#") and b"\r\n" in raw
    assert raw.count(b"\n") == raw.count(b"\r\n")


def test_a_translation_marked_as_needing_work_says_so_not_that_the_english_changed(
        project: Path) -> None:
    """Poedit saves "Needs work" as "#, fuzzy" on an entry whose English never changed."""
    po = project / "content/hand-self-massage.es.po"
    text = po.read_text(encoding="utf-8")
    assert 'msgctxt "steps[4].text"' in text
    po.write_text(text.replace('msgctxt "steps[4].text"', '#, fuzzy\nmsgctxt "steps[4].text"'),
                  encoding="utf-8")
    result = build(load_project(project), language="es")
    assert [p.format().split(": warning: ")[1] for p in result.warnings] == [
        "steps[4].text: the Spanish translation is marked as needing work (fuzzy); check it, "
        "then delete its '#, fuzzy' line or run 'handouts translate hand-self-massage es "
        "--accept steps[4].text'"]


def test_an_out_of_date_translation_whose_number_changed_is_a_warning(
        project: Path) -> None:
    """The English changes a number (a dose, a time: the most usual edit): its
    translation, marked out of date by ``translate``, differs by that number of course.
    Printed with warnings until it is updated, as the guide says: it was an error that
    stopped the Spanish version, a --draft preview included."""
    content = project / "content/hand-self-massage.yaml"
    content.write_text(content.read_text(encoding="utf-8").replace(
        "A 3-minute hand massage", "A 4-minute hand massage"), encoding="utf-8")
    [doc] = load_project(project, ("hand-self-massage",)).documents
    assert update_catalog(doc.handout, doc.translation("es"), "es").changed == 1
    result = build(load_project(project), language="es")
    assert [p.format().split(": warning: ")[1] for p in result.warnings] == [
        "title: the Spanish translation is out of date: the English text changed after it "
        'was translated ("A 3-minute hand massage you can do yourself" is now "A 4-minute '
        'hand massage you can do yourself"); update it']
    assert "ES A 3-minute hand massage" in pdf_text(result.built[0].path)
    from handouts.commands.check import check

    said = [p.format() for p in check(load_project(project), render=False).problems]
    assert any(line.endswith("warning: title: the translation has the number 3 where the "
                             "English text has 4 (the English changed since it was "
                             "translated: update it)") for line in said), said
    # Once it is updated (and its fuzzy mark accepted), no warning is left.
    po = doc.translation("es")
    po.write_text(po.read_text(encoding="utf-8").replace(
        "ES A 3-minute hand massage", "ES A 4-minute hand massage"), encoding="utf-8")
    update_catalog(doc.handout, po, "es", accept_all=True)
    assert build(load_project(project), language="es").warnings == []


def test_reordered_steps_keep_their_own_translations(project: Path) -> None:
    """Steps moved in the English keep the translations of their own text (an exact
    match wins over the field's old entry, as with msgmerge): before, each took the
    translation of the step that used to stand there, marked out of date, and the
    Spanish PDF printed them in the wrong steps."""
    content = project / "content/hand-self-massage.yaml"
    text = content.read_text(encoding="utf-8")
    stretch = ("  - title: Stretch each finger\n    text: Hold one finger at the base. Slide "
               "your grip slowly to the tip. Do each finger.\n")
    switch = "  - title: Switch hands\n    text: Do the same steps on your other hand.\n"
    assert stretch + switch in text
    content.write_text(text.replace(stretch + switch, switch + stretch), encoding="utf-8")
    [doc] = load_project(project, ("hand-self-massage",)).documents
    po = doc.translation("es")
    update = update_catalog(doc.handout, po, "es")
    assert (update.new, update.changed, update.removed) == (0, 0, 0)
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    moved = catalog.get("Switch hands", context="steps[3].title")
    assert (moved.string, moved.fuzzy) == ("ES Switch hands", False)
    assert catalog.get("Stretch each finger", context="steps[4].title").string == \
        "ES Stretch each finger"
    result = build(load_project(project), language="es")
    assert result.warnings == []
    words = pdf_text(result.built[0].path)
    assert words.index("ES Switch hands") < words.index("ES Stretch each finger")


def test_a_removed_text_s_translation_is_kept_and_comes_back(project: Path) -> None:
    """A step taken out: its translations are counted as removed and kept at the end
    of the file as obsolete (#~) entries, never printed; put back, it is translated
    again without the volunteer's work."""
    content = project / "content/hand-self-massage.yaml"
    text = content.read_text(encoding="utf-8")
    switch = "  - title: Switch hands\n    text: Do the same steps on your other hand.\n"
    content.write_text(text.replace(switch, ""), encoding="utf-8")
    [doc] = load_project(project, ("hand-self-massage",)).documents
    po = doc.translation("es")
    update = update_catalog(doc.handout, po, "es")
    assert (update.new, update.changed, update.removed) == (0, 0, 2)
    written = po.read_text(encoding="utf-8")
    assert '#~ msgid "Switch hands"\n#~ msgstr "ES Switch hands"' in written
    assert "ES Switch hands" not in pdf_text(
        build(load_project(project), language="es").built[0].path)
    content.write_text(text, encoding="utf-8")
    [doc] = load_project(project, ("hand-self-massage",)).documents
    update = update_catalog(doc.handout, po, "es")
    assert (update.new, update.changed, update.removed, update.restored) == (0, 0, 0, 2)
    assert "#~" not in po.read_text(encoding="utf-8")
    assert "ES Switch hands" in pdf_text(
        build(load_project(project), language="es").built[0].path)


def test_theme_catalog_translates_page_counter() -> None:
    assert theme_translations("es").gettext("Page {page} of {pages}") == "Página {page} de {pages}"


def test_theme_catalog_gives_every_spanish_word_and_english_unchanged() -> None:
    # Read from the shipped .po, so this checks the compiled catalog, not a copy of it.
    with (LOCALE_DIR / "es/LC_MESSAGES/handouts.po").open("rb") as handle:
        catalog = read_po(handle, locale="es")
    messages = [(m.id, m.string) for m in catalog if m.id and isinstance(m.id, str)]
    assert len(messages) >= 10
    spanish, english = theme_translations("es"), theme_translations("en")
    #: Punctuation only: Spanish joins a dose's parts with the same comma as English.
    same = {"%(first)s, %(next)s"}
    for msgid, msgstr in messages:
        assert msgstr and (msgstr != msgid or msgid in same), msgid  # not left in English
        assert spanish.gettext(msgid) == msgstr
        assert english.gettext(msgid) != msgstr or msgid in same


def test_no_translation_file_is_reported(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", translate=False)
    with pytest.raises(RenderError) as caught:
        build(load_project(project), language="es")
    assert [p.format() for p in caught.value.problems] == [
        "content/hand-self-massage.es.po: no Spanish translation; create it with "
        "'handouts translate hand-self-massage es'"]


def test_clinic_words_are_translated_or_reported(project: Path) -> None:
    text = pdf_text(build(load_project(project), language="es").built[0].path)
    assert "Masaje y fisioterapia" in text and "Esta hoja da información general." in text
    assert "Massage and physiotherapy" not in text
    config = project / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "tagline: Masaje y fisioterapia, ", ""), encoding="utf-8")
    # The clinic's words joined the translation files later: a file without them
    # builds, printing them in English with a warning each (the upgrade rule).
    built = build(load_project(project), language="es")
    assert [p.format() for p in built.warnings if "clinic." in p.format()] == [
        "content/hand-self-massage.es.po: warning: clinic.tagline: not translated yet, so "
        "it is printed in English: this text can be translated since handouts 0.1; run "
        "'handouts translate hand-self-massage es' to add its entry to the file (or put it "
        "in handouts.yaml, under clinic.translations.es)"]
    assert "Massage and physiotherapy" in pdf_text(built.built[0].path)


def test_two_handouts_translating_a_clinic_word_differently_are_warned_by_check(
        project: Path) -> None:
    """The clinic's words are translated in each handout's file: one Spanish packet
    printed two taglines, and nothing said so."""
    from handouts.commands.check import check
    from handouts.commands.translate import update_translation

    edit(project / "handouts.yaml", "tagline: Masaje y fisioterapia, ", "")
    content = project / "content"
    (content / "hand-two.yaml").write_bytes((content / "hand-self-massage.yaml").read_bytes())
    (content / "hand-two.es.po").write_bytes((content / "hand-self-massage.es.po").read_bytes())
    for name, tagline in (("hand-self-massage", "Masaje y fisioterapia"),
                          ("hand-two", "Masajes y fisio")):
        update_translation(load_project(project), name, "es")
        edit(content / f"{name}.es.po", 'msgid "Massage and physiotherapy"\nmsgstr ""',
             f'msgid "Massage and physiotherapy"\nmsgstr "{tagline}"')
    said = [p.format() for p in check(load_project(project), render=False).problems
            if "otherwise" in p.message]
    lines = (content / "hand-self-massage.es.po").read_text(encoding="utf-8").split("\n")
    first = lines.index('msgctxt "clinic.tagline"') + 2  # the msgid's line (1-based)
    other = (content / "hand-two.es.po").read_text(encoding="utf-8").split("\n").index(
        'msgctxt "clinic.tagline"') + 2
    assert said == [
        f"content/hand-two.es.po:{other}: warning: clinic.tagline: translated otherwise than "
        f"in content/hand-self-massage.es.po:{first} (\"Masajes y fisio\" against \"Masaje y "
        "fisioterapia\"): a home program or a batch with both handouts prints both; make "
        "them the same, or translate it once in handouts.yaml under clinic.translations.es"]
    edit(content / "hand-two.es.po", 'msgstr "Masajes y fisio"', 'msgstr "Masaje y fisioterapia"')
    assert not [p for p in check(load_project(project), render=False).problems
                if "otherwise" in p.message]


def test_a_translation_file_named_otherwise_is_said_at_the_file_only(project: Path) -> None:
    """A stray NAME.spanish.po made check fail with an error at handouts.yaml's
    batch.languages, in a project with no batch section (and at a line of another key);
    NAME.es_MX.po (Poedit's naming) was a second es-MX silently."""
    from handouts.commands.check import check

    edit(project / "handouts.yaml", "batch:\n  audiences: [general, caregivers]\n"
         "  languages: [en, es]\n  papers: [letter, a4]\n  prints: [standard, large]\n", "")
    content = project / "content"
    po = (content / "hand-self-massage.es.po").read_bytes()
    (content / "hand-self-massage.spanish.po").write_bytes(po)
    (content / "hand-self-massage.es_MX.po").write_bytes(po)
    report = check(load_project(project), render=False)
    said = [p.format() for p in report.problems if p.path.startswith(
        ("content/hand-self-massage.spanish", "content/hand-self-massage.es_MX"))]
    assert report.errors() == []
    assert said == [
        "content/hand-self-massage.es_MX.po: warning: 'es_MX' is written 'es-MX' in handouts "
        "(file names, --language, the batch's languages): rename the file to "
        "hand-self-massage.es-MX.po, or its versions are a language of their own "
        "(output/es_MX/)",
        "content/hand-self-massage.spanish.po: warning: 'spanish' is not a language code "
        "handouts knows (e.g. es, fr, pt-BR, zh-Hant); did you mean 'es'?"]
    assert "spanish" not in report.coverage.languages


def test_a_half_done_translation_shows_its_mistakes(tmp_path: Path) -> None:
    """The .po header promises `handouts check` shows any mistakes: the texts already
    translated are checked while others are missing (warnings), and a link to a host the
    English never links to is an error everywhere, a --draft build included."""
    root = tmp_path / "p"
    init_project(root)
    edit(root / "content/hand-self-massage.yaml", "before bed.",
         "before **bed**. See [our site](http://example.com).")
    assert run_in(root, "translate", "hand-self-massage", "es").exit_code == 0
    po = root / "content/hand-self-massage.es.po"
    edit(po, 'before **bed**. See [our site](http://example.com)."\nmsgstr ""',
         'before **bed**. See [our site](http://example.com)."\nmsgstr "Sus manos trabajan '
         'todo el día. Vea [nuestro sitio](http://evil.example)."')
    checked = run_in(root, "check", "hand-self-massage", "--no-render")
    assert checked.exit_code == 1
    lines = checked.output.splitlines()
    where = "content/hand-self-massage.es.po:40"
    assert f"{where}: intro: the translation links to http://evil.example, which the " \
        "English text does not" in lines
    assert f"{where}: warning: intro: the translation drops the link to " \
        "http://example.com" in lines
    assert f"{where}: warning: intro: the translation has 0 bold (**) parts where the " \
        "English text has 1" in lines
    # The unfinished-translation warning is as it was.
    assert "content/hand-self-massage.es.po: warning: 1 of 29 texts translated; first " \
        "missing: title at line 36" in lines
    draft = run_in(root, "build", "hand-self-massage", "--language", "es", "--draft")
    assert draft.exit_code == 1
    assert f"{where}: intro: the translation links to http://evil.example, which the " \
        "English text does not" in draft.stderr.splitlines()
    assert not list(root.rglob("*-draft.pdf"))  # nothing written


def test_a_translation_whose_header_names_another_language_is_warned(project: Path) -> None:
    """A copy of the French file started as the Spanish one was used without a word."""
    po = project / "content/hand-self-massage.es.po"
    text = po.read_text(encoding="utf-8")
    assert '"Language: es\\n"' in text
    po.write_text(text.replace('"Language: es\\n"', '"Language: fr\\n"'), encoding="utf-8")
    result = build(load_project(project), language="es")
    assert [p.format() for p in result.warnings] == [
        "content/hand-self-massage.es.po: warning: Language: the file's header says French "
        "(Language: fr), but its name says Spanish: is it a copy of another language's file? "
        "Check that its words are Spanish, then write Language: es in the header"]
