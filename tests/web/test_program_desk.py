"""The front desk's home-program basket (``/program``) through Flask's test client: the
basket edited without JavaScript, the packet read back from its PDF, the messages beside
their fields, JSON answers, a broken handout file; and the form reader on its own."""

from __future__ import annotations

import html as html_lib
import json
import logging
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel import Locale
from flask.testing import FlaskClient

from handouts.commands.packet import ItemChange
from handouts.commands.program import plan
from handouts.errors import Problem
from handouts.project.load import load_project
from handouts.project.programs import ClinicProgram, Dosage, ProgramFile, ProgramItemSpec
from handouts.project.sourcefile import LineMap
from handouts.variants.clients import Client
from handouts.web.basket import (
    Item,
    Offer,
    addable,
    edit,
    for_the_basket,
    labels,
    read_basket,
    read_items,
)
from handouts.web.workers import Selection
from tests.helpers import line_of, pdf_pages, pdf_text
from tests.web.conftest import REPO

NAME = "Zoë Example-Client"
NOTE = "Go easy on the left shoulder this week."
THERAPIST = "Sam Lee"
STRETCH = "A 5-minute stretch break for desk workers"
MASSAGE = "How to give a back massage"


@pytest.fixture
def example(example: Path) -> Path:
    """The example project with its clinic programs (programs/*.yaml)."""
    shutil.copytree(REPO / "programs", example / "programs")
    return example


class _Form(HTMLParser):
    """The fields the basket's form sends, as a browser sends them (in page order)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._first: str | None = None
        self._chosen = False
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and "name" in a and (a.get("type") != "checkbox" or "checked" in a):
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._first, self._chosen = a["name"], None, False
        elif tag == "option" and self._select is not None:
            if self._first is None:
                self._first = a.get("value", "")
            if "selected" in a:
                self.fields.append((self._select, a.get("value", "")))
                self._chosen = True
        elif tag == "textarea" and "name" in a:
            self._textarea, self._text = a["name"], ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            if not self._chosen:
                self.fields.append((self._select, self._first or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data


def page_form(html: str, **changes: str) -> dict[str, str]:
    """The basket's form as the page shows it, with ``changes`` typed in."""
    start = html.index('<form class="panel" id="program-form"')
    parser = _Form()
    parser.feed(html[start:html.index("</form>", start)])
    return {**dict(parser.fields), **changes}


def legends(html: str) -> list[str]:
    """The basket's items as the page lists them."""
    return re.findall(r'<legend id="item-\d+-handout" tabindex="-1">([^<]+)</legend>', html)


def problems_shown(html: str) -> list[str]:
    """The "Please fix these first" list, as text."""
    box = re.search(r'<section class="problems".*?</section>', html, re.S)
    assert box, "no problems shown"
    return [html_lib.unescape(re.sub(r"<[^>]+>|\s+", " ", li)).strip().replace(" :", ":")
            for li in re.findall(r"<li[^>]*>(.*?)</li>", box.group(0), re.S)]


def started(client: FlaskClient, program: str = "desk-worker-week-1", **changes: str
            ) -> dict[str, str]:
    """The basket started from a clinic program, with the client's details typed."""
    response = client.get(f"/program?start={program}")
    assert response.status_code == 200
    typed = {"client": NAME, "note": NOTE, "therapist": THERAPIST,
             "next_appointment": "2026-12-15"}
    return page_form(response.get_data(as_text=True), **{**typed, **changes})


@pytest.mark.slow
def test_a_clinic_program_with_a_changed_dose_is_one_numbered_pdf(client: FlaskClient) -> None:
    form = started(client, **{"item-1-per_day": "2", "item-0-note": "Set a timer."})
    assert form["item-0-handout"] == "desk-stretch-break" and form["item-0-hold"] == "10 s"
    assert form["program"] == "desk-worker-week-1" and form["weeks"] == "1"
    response = client.post("/program/pdf", data=form, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == 'inline; filename="home-program.pdf"'
    texts = pdf_pages(response.data)
    cover = " ".join(texts[0].split())
    assert "Your home program" in cover and "Desk worker, week 1" in cover
    assert f"Prepared for {NAME}" in cover and NOTE in cover and "December 15, 2026" in cover
    # The cover's table: each handout with its dose and the page it starts on, in order.
    stretch = next(n for n, t in enumerate(texts, start=1) if n > 1 and STRETCH in t)
    massage = next(n for n, t in enumerate(texts, start=1) if n > 1 and MASSAGE in t)
    assert (f"# HANDOUT HOW MUCH PAGE 1 {STRETCH} 5 repetitions, hold 10 seconds, 3 times a "
            f"day, 5 days a week {stretch} 2 {MASSAGE} for 10 minutes, twice a day, 3 days a "
            f"week {massage}") in cover
    assert 1 < stretch < massage < len(texts)
    # Each handout's plan box on its first page, in the program's order.
    assert "5 repetitions, hold 10 seconds, 3 times a day, 5 days a week" in \
        " ".join(texts[stretch - 1].split())
    assert "Set a timer." in texts[stretch - 1]
    assert "for 10 minutes, twice a day, 3 days a week" in " ".join(texts[massage - 1].split())
    assert "Tracking sheet" in texts[-1]
    for number, text in enumerate(texts, start=1):
        assert re.findall(r"Page \d+ of \d+", text) == [f"Page {number} of {len(texts)}"]


def test_a_spanish_program_gives_the_dose_in_spanish(client: FlaskClient) -> None:
    html = client.get("/program?add=back-massage").get_data(as_text=True)
    assert legends(html) == [f"1. {MASSAGE}"]
    form = page_form(html, client=NAME, language="es", **{
        "item-0-sets": "3", "item-0-reps": "10", "item-0-per_day": "2"})
    response = client.post("/program/pdf", data=form, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    texts = pdf_pages(response.data)
    assert "Su programa para casa" in texts[0]
    assert "3 series de 10, 2 veces al día" in " ".join(texts[0].split())
    assert re.findall(r"Página \d+ de \d+", texts[0]) == [f"Página 1 de {len(texts)}"]


#: A clinic program with its title in Spanish (its only handout has a Spanish version).
ESPALDA = """title: Back care
items:
  - handout: back-massage
    dosage: {minutes: 5}
translations:
  es:
    title: Cuidado de la espalda
"""


def test_a_translated_clinic_program_prints_its_translated_title(
        client: FlaskClient, example: Path) -> None:
    """QA: started at the desk and made in Spanish, the cover gave the clinic's own
    title ("Back care") where ``handouts program --language es`` prints the Spanish one.
    The record, for the clinic's own files, names it in the clinic's words, as there."""
    (example / "programs" / "espalda.yaml").write_text(ESPALDA, encoding="utf-8")
    form = started(client, "espalda", language="es")
    body = client.post("/program/pdf", data=form,
                       headers={"Accept": "application/json"}).get_json()
    assert body["ok"] is True, body
    cover = pdf_pages(client.get(body["url"]).data, by_position=True)[0]
    assert "Cuidado de la espalda" in cover and "Back care" not in cover
    assert body["record"].startswith("Home program (Back care) given "), body["record"]
    assert "Cuidado" not in body["record"]
    # In the clinic's language the title is as the clinic wrote it.
    form = started(client, "espalda")
    response = client.post("/program/pdf", data=form, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    cover = pdf_pages(response.data, by_position=True)[0]
    assert "Back care" in cover and "Cuidado" not in cover


#: A clinic program with its own words in English and Spanish: title, note, dose text.
NOCHE = """title: Back care
items:
  - handout: back-massage
    dosage: {minutes: 5, text: in the evening}
    note: Use light pressure only.
translations:
  es:
    title: Cuidado de la espalda
    notes:
      back-massage: Use poca presión.
    texts:
      back-massage: por la noche
"""


def _desk_pdf(client: FlaskClient, form: dict[str, str]) -> tuple[str, list[str]]:
    """The desk's packet for ``form``: its text (folded) and its problems as the CLI
    says them (``path:line: warning: field: message``)."""
    body = client.post("/program/pdf", data=form,
                       headers={"Accept": "application/json"}).get_json()
    assert body["ok"] is True, body
    said = [f"{p['where']}: {'warning: ' if p['severity'] == 'warning' else ''}"
            f"{p['message']}" for p in body["problems"] if p["where"]]
    return pdf_text(client.get(body["url"]).data, squeezed=True, by_position=True), said


def _cli_warnings(root: Path, name: str, language: str) -> list[str]:
    """What ``handouts program NAME --language LANGUAGE`` says of the program's words."""
    program, _ = plan(load_project(root), client=Client("Ana"), program_name=name,
                      language=language)
    return [p.format() for p in program.notices]


def test_a_translated_clinic_programs_note_and_dose_text_print_in_its_language(
        client: FlaskClient, example: Path) -> None:
    """QA: started at the desk and made in Spanish, the packet printed the program's
    English note and dose text (the basket holds them as the clinic wrote them) where
    ``handouts program --language es`` prints its Spanish ones; and where the program
    has no Spanish words for one, the desk said nothing of what the CLI warns about."""
    (example / "programs" / "espalda.yaml").write_text(NOCHE, encoding="utf-8")
    (example / "programs" / "sin-texto.yaml").write_text(
        NOCHE.replace("    texts:\n      back-massage: por la noche\n", ""), encoding="utf-8")
    form = started(client, "espalda", language="es")
    assert (form["item-0-note"], form["item-0-text"]) == (
        "Use light pressure only.", "in the evening")  # the clinic's own words, as sent
    text, said = _desk_pdf(client, form)
    assert "Use poca presión." in text and "por la noche" in text
    assert "light pressure" not in text and "in the evening" not in text
    assert said == _cli_warnings(example, "espalda", "es") == []
    # A word with no Spanish: printed as written, with the CLI's warning at its line.
    text, said = _desk_pdf(client, started(client, "sin-texto", language="es"))
    assert "Use poca presión." in text and "in the evening" in text
    assert said == _cli_warnings(example, "sin-texto", "es") == [
        "programs/sin-texto.yaml:4: warning: items[1].dosage.text: has no es words "
        "(translations.es); printed in en as written"]


def test_a_clinic_programs_note_changed_at_the_desk_prints_as_typed(
        client: FlaskClient, example: Path) -> None:
    """Words staff changed are theirs, in any language: printed as typed, and nothing is
    said of the program's words they replaced (they are not printed). The dose text
    left as it was is still the program's, in Spanish."""
    (example / "programs" / "sin-texto.yaml").write_text(
        NOCHE.split("    notes:")[0], encoding="utf-8")  # its Spanish title only
    (example / "programs" / "espalda.yaml").write_text(NOCHE, encoding="utf-8")
    form = started(client, "espalda", language="es",
                   **{"item-0-note": "Use light pressure, please."})
    text, said = _desk_pdf(client, form)
    assert "Use light pressure, please." in text and "poca presión" not in text
    assert "por la noche" in text and said == []
    form = started(client, "sin-texto", language="es",
                   **{"item-0-note": "Suave, por favor.", "item-0-text": "antes de dormir"})
    text, said = _desk_pdf(client, form)
    assert "Suave, por favor." in text and "antes de dormir" in text
    assert "light pressure" not in text and "in the evening" not in text
    assert said == []  # its untranslated note and text are not printed: nothing to say


def test_a_translated_clinic_programs_words_in_english_are_as_written(
        client: FlaskClient, example: Path) -> None:
    """In the clinic's own language the program's note and dose text print as written
    (its translations are not used), as before."""
    (example / "programs" / "espalda.yaml").write_text(NOCHE, encoding="utf-8")
    text, said = _desk_pdf(client, started(client, "espalda"))
    assert "Use light pressure only." in text and "in the evening" in text
    assert "poca presión" not in text and "por la noche" not in text and said == []


def test_a_language_one_handout_lacks_is_named_beside_the_language(client: FlaskClient) -> None:
    form = started(client, language="es")
    response = client.post("/program/preview", data=form, follow_redirects=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert problems_shown(html) == [
        f"Language: is not available for Handout 1 ({STRETCH}): choose another language or "
        "remove that handout"]
    assert 'id="language" name="language" aria-invalid="true" aria-describedby=' \
           '"language-error"' in html


class _Selects(HTMLParser):
    """Every select of a page: its id, then each option's value and whether it is
    selected, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.selects: list[tuple[str, list[tuple[str, bool]]]] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "select":
            self.selects.append((a.get("id", ""), []))
            self._open = True
        elif tag == "option" and self._open:
            self.selects[-1][1].append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._open = False


@pytest.mark.parametrize("path", ["/h/back-massage", "/program", "/program?add=back-massage",
                                  "/program?start=desk-worker-week-1", "/program (posted)",
                                  "/live/back-massage"])
def test_no_select_of_a_desk_page_has_two_choices_at_once(
        client: FlaskClient, path: str) -> None:
    """The basket's language list had "Choose one" and "Each handout's own" both with
    the value "" and both selected; a select must start on one option, each a
    different value."""
    if path == "/program (posted)":  # the page comes back after an edit, without JS
        form = page_form(client.get("/program").get_data(as_text=True),
                         add="back-massage", action="add")
        html = client.post("/program", data=form, follow_redirects=True).get_data(as_text=True)
    else:
        html = client.get(path).get_data(as_text=True)
    parser = _Selects()
    parser.feed(html)
    assert parser.selects, "no select on the page"
    for key, options in parser.selects:
        values = [value for value, _ in options]
        assert len(values) == len(set(values)), f"#{key}: the same value twice: {values}"
        assert sum(chosen for _, chosen in options) <= 1, f"#{key}: {options}"
    if path.startswith("/program"):
        language = dict(parser.selects)["language"]
        assert language[0] == ("", True) and "Choose one" not in html
        assert "Each handout’s own language</option>" in html


def test_add_remove_and_reorder_without_javascript(client: FlaskClient) -> None:
    token_page = client.get("/program").get_data(as_text=True)
    assert "No handouts yet" in token_page and legends(token_page) == []
    form = page_form(token_page, client=NAME, note=NOTE, add="back-massage", action="add")
    html = client.post("/program", data=form, follow_redirects=True).get_data(as_text=True)
    assert legends(html) == [f"1. {MASSAGE}"]
    assert 'id="item-0-sets"' in html and "autofocus" in html.split('id="item-0-sets"')[1] \
        .split(">")[0]  # the new item's first field has the focus
    # What was typed stays (this page is the form itself, sent back to the same browser).
    assert f'value="{NAME}"' in html and f">{NOTE}</textarea>" in html
    form = page_form(html, add="desk-stretch-break", action="add",
                     **{"item-0-minutes": "5"})
    html = client.post("/program", data=form, follow_redirects=True).get_data(as_text=True)
    assert legends(html) == [f"1. {MASSAGE}", f"2. {STRETCH}"]
    # Only the buttons that make sense: no "up" on the first, no "down" on the last.
    assert "up-0" not in html and "down-1" not in html and "down-0" in html
    html = client.post("/program", data=page_form(html, action="up-1"),
                       follow_redirects=True).get_data(as_text=True)
    assert legends(html) == [f"1. {STRETCH}", f"2. {MASSAGE}"]
    assert page_form(html)["item-1-minutes"] == "5"  # each dose moved with its handout
    # The same handout twice is refused beside the "add" field.
    form = page_form(html, add="back-massage", action="add")
    response = client.post("/program", data=form, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert legends(html) == [f"1. {STRETCH}", f"2. {MASSAGE}"]
    assert problems_shown(html) == ["Add a handout: is already handout 2 of this program"]
    html = client.post("/program", data=page_form(html, action="remove-0"),
                       follow_redirects=True).get_data(
        as_text=True)
    assert legends(html) == [f"1. {MASSAGE}"]
    assert page_form(html)["item-0-minutes"] == "5"
    # Starting from a clinic program replaces the items and keeps the client's details.
    html = client.post("/program", data=page_form(
        html, action="start", start="back-care-2-weeks"),
                       follow_redirects=True).get_data(as_text=True)
    assert legends(html) == [f"1. {MASSAGE}", f"2. {STRETCH}"]
    form = page_form(html)
    assert form["client"] == NAME and form["weeks"] == "2"
    assert form["item-0-text"] == "in the evening" and form["item-1-rest"] == "30 s"


def add_choices(html: str) -> list[str]:
    """The handouts "Add a handout" lists, by name."""
    select = re.search(r'<select id="add" name="add"[^>]*>(.*?)</select>', html, re.S)
    assert select, "no add list"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_add_a_handout_lists_only_those_not_in_the_basket(client: FlaskClient) -> None:
    """It listed the handouts already in the basket, and choosing one answered "is
    already handout 1 of this program". Without JavaScript (the page) and with it (the
    JSON the script rebuilds the list from)."""
    html = client.get("/program").get_data(as_text=True)
    assert add_choices(html) == ["back-massage", "desk-stretch-break"]
    assert re.search(r'<p class="hint" id="add-none" hidden>', html)
    html = client.get("/program?add=back-massage").get_data(as_text=True)
    assert add_choices(html) == ["desk-stretch-break"]
    html = client.post("/program", data=page_form(html, add="desk-stretch-break",
                                                  action="add"),
                       follow_redirects=True).get_data(as_text=True)
    assert legends(html) == [f"1. {MASSAGE}", f"2. {STRETCH}"] and add_choices(html) == []
    assert re.search(r'<p class="hint" id="add-none">Every handout', html)
    html = client.post("/program", data=page_form(html, action="remove-0"),
                       follow_redirects=True).get_data(
        as_text=True)
    assert add_choices(html) == ["back-massage"]
    # The JSON answers: the page's own (GET) and each edit's, refused or not.
    asks = {"Accept": "application/json"}
    body = client.get("/program?add=back-massage", headers=asks).get_json()
    assert body["addable"] == [{"name": "desk-stretch-break", "title": STRETCH}]
    assert [h["name"] for h in body["handouts"]] == ["back-massage", "desk-stretch-break"]
    body = client.post("/program", data=started(client, action="remove-1"),
                       headers=asks).get_json()
    assert body["ok"] and body["addable"] == [{"name": "back-massage", "title": MASSAGE}]
    body = client.post("/program", data=started(client, action="add", add="back-massage"),
                       headers=asks).get_json()
    assert not body["ok"] and body["addable"] == []
    # The rule on its own: the library's order, the basket's handouts left out.
    offer = Offer({"a": "A", "b": "B", "c": "C"}, {}, {}, {}, [], [], [], "letter")
    assert addable([Item("c"), Item("a")], offer) == {"b": "B"}
    assert addable([], offer) == {"a": "A", "b": "B", "c": "C"}


def test_every_bad_field_is_named_at_once_without_quoting_the_client(
        client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    form = started(client, next_appointment="not a day", weeks="13", **{
        "item-0-sets": "50", "item-0-hold": "forever", "item-1-per_day": "0",
        "item-1-side": "up", "item-1-note": "Ana\x07 knows", "item-1-reps": "ten"})
    form["client"] = NAME + "\u202e"
    response = client.post("/program/preview", data=form, follow_redirects=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert problems_shown(html) == [
        f"Handout 1 ({STRETCH}), Sets: must be at most 20",
        f"Handout 1 ({STRETCH}), Hold each time: is not a duration: write seconds "
        "(30 s), minutes (2 min) or both (1 min 30 s)",
        f"Handout 2 ({MASSAGE}), Note for this handout: has an invisible control character "
        "(U+0007) at character 4; retype it without that character",
        f"Handout 2 ({MASSAGE}), Repetitions: must be a whole number",
        f"Handout 2 ({MASSAGE}), Times a day: must be at least 1",
        f"Handout 2 ({MASSAGE}), Side: must be one of 'left', 'right', 'both' or 'each'",
        "Client’s name: has a text-direction control character (U+202E) at character 19, "
        "which would print the text in another order; retype it without that character",
        "Next appointment: is not a date handouts can read; write it as 12/15/2026 or "
        "2026-12-15",
        "Weeks on the tracking sheet: must be a number of weeks from 1 to 12"]
    # Each message beside its field, tied to it for screen readers.
    assert 'id="item-0-sets" name="item-0-sets" type="text" autocomplete="off" ' \
           'maxlength="20" inputmode="numeric" value="50" aria-describedby=' \
           '"item-0-sets-error" aria-invalid="true"' in html
    assert '<p class="field-error" id="item-1-per_day-error">must be at least 1</p>' in html
    # The same as JSON: no message repeats what was typed about the client.
    answer = client.post("/program/preview", data=form,
                         headers={"Accept": "application/json"})
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["ok"] is False
    assert [(p["field"], p["label"]) for p in body["problems"]][:2] == [
        ("item-0-sets", f"Handout 1 ({STRETCH}), Sets"),
        ("item-0-hold", f"Handout 1 ({STRETCH}), Hold each time")]
    text = json.dumps(body, ensure_ascii=False)
    for secret in (NAME[:3], "Example", NOTE, THERAPIST, "knows", "not a day"):
        assert secret not in text
        assert secret not in caplog.text


@pytest.mark.slow
def test_the_record_holds_only_what_was_given(client: FlaskClient) -> None:
    form = started(client, **{"item-0-note": "Quietly private words."})
    body = client.post("/program/pdf", data=form,
                       headers={"Accept": "application/json"}).get_json()
    assert body["ok"] is True and body["filename"] == "home-program.pdf"
    assert body["url"].startswith("/copy/") and "Zo" not in body["url"]
    record = body["record"]
    assert re.fullmatch(
        r"Home program \(Desk worker, week 1\) given \d{4}-\d\d-\d\d by Sam Lee, English: "
        rf"{STRETCH} — content reviewed 2026-11-02 — 5 repetitions, hold 10 seconds, 3 times "
        rf"a day, 5 days a week; {MASSAGE} — content reviewed 2026-11-02 — for 10 minutes, "
        r"once a day, 3 days a week\.", record), record
    for detail in (NAME, "Zo", NOTE, "2026-12-15", "Quietly"):
        assert detail not in record
    kept = client.get(body["url"])
    assert kept.mimetype == "application/pdf" and kept.headers["Cache-Control"] == "no-store"
    assert kept.headers["Content-Disposition"] == 'inline; filename="home-program.pdf"'
    assert len(pdf_pages(kept.data)) == body["pages"]
    # Without the script, the preview page shows the same paragraph, read-only.
    html = client.post("/program/preview", data=form, follow_redirects=True).get_data(as_text=True)
    assert f'<textarea id="record" rows="5" readonly autocomplete="off">{record}</textarea>' in html
    assert html.count('<img class="page"') == body["pages"]


def test_a_clinic_program_with_a_handout_taken_out_is_no_longer_named(
        client: FlaskClient) -> None:
    """Started from "Desk worker, week 1", then its back massage taken out: the cover
    and the record no longer give the clinic program's title (they did)."""
    form = {k: v for k, v in started(client).items() if not k.startswith("item-1-")}
    body = client.post("/program/pdf", data=form,
                       headers={"Accept": "application/json"}).get_json()
    assert body["ok"] is True, body
    assert body["record"].startswith("Home program given "), body["record"]
    assert "Desk worker, week 1" not in body["record"]
    assert "Desk worker, week 1" not in pdf_pages(client.get(body["url"]).data)[0]


def test_every_page_answers_json(client: FlaskClient) -> None:
    body = client.get("/program?start=back-care-2-weeks",
                      headers={"Accept": "application/json"}).get_json()
    assert [p["name"] for p in body["programs"]] == ["back-care-2-weeks", "desk-worker-week-1"]
    assert body["programs"][0] == {
        "name": "back-care-2-weeks", "title": "Back care, two weeks", "weeks": 2,
        "handouts": ["back-massage", "desk-stretch-break"], "unusable": []}
    assert [h["name"] for h in body["handouts"]] == ["back-massage", "desk-stretch-break"]
    assert body["broken"] == [] and body["problems"] == []
    assert [(i["handout"], i["minutes"], i["text"]) for i in body["items"]] == [
        ("back-massage", "5", "in the evening"), ("desk-stretch-break", "", "")]
    form = started(client, action="down-0")
    body = client.post("/program", data=form, headers={"Accept": "application/json"}).get_json()
    assert body["ok"] is True and body["focus"] == "item-1-up"
    assert [i["handout"] for i in body["items"]] == ["back-massage", "desk-stretch-break"]
    assert legends(body["html"]) == [f"1. {MASSAGE}", f"2. {STRETCH}"]
    assert NAME not in json.dumps(body, ensure_ascii=False)  # only the basket comes back
    body = client.post("/program/preview", data=started(client),
                       headers={"Accept": "application/json"}).get_json()
    assert body["ok"] is True and body["record"].startswith("Home program (Desk worker")
    assert len(body["pages"]) == 7 and body["pages"][0].startswith("data:image/png;base64,")


def test_a_broken_handout_affects_only_the_programs_that_use_it(
        client: FlaskClient, example: Path) -> None:
    source = example / "content" / "desk-stretch-break.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("title: ", "title: [", 1),
                      encoding="utf-8")
    response = client.get("/program")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    for title in ("Back care, two weeks", "Desk worker, week 1"):
        assert (f"{title} uses content/desk-stretch-break.yaml, which has errors the clinic "
                "must fix first") in text
    assert '<option value="desk-stretch-break">' not in html  # not offered to add
    form = started(client)
    response = client.post("/program/pdf", data=form, follow_redirects=True)
    assert response.status_code == 422
    assert problems_shown(response.get_data(as_text=True)) == [
        "Handout 1 (desk-stretch-break): cannot be given now: content/desk-stretch-break.yaml "
        "has errors the clinic must fix first; remove it from this program"]
    # The other handout still makes a program.
    html = client.post("/program", data={**form, "action": "remove-0"},
                       follow_redirects=True).get_data(as_text=True)
    response = client.post("/program/pdf", data=page_form(html), follow_redirects=True)
    assert response.status_code == 200
    assert MASSAGE in pdf_pages(response.data)[0]


def test_no_client_detail_goes_into_an_address(client: FlaskClient) -> None:
    html = client.get("/program").get_data(as_text=True)
    assert re.search(r'<form[^>]+id="program-form"[^>]+method="post"', html)
    for field in ("client", "note", "therapist", "next_appointment"):
        assert re.search(rf'<(input|textarea) id="{field}" name="{field}"[^>]*'
                         r'autocomplete="off"', html), field
    assert "Make a home program" in client.get("/").get_data(as_text=True)
    assert "/program?add=back-massage" in client.get("/h/back-massage").get_data(as_text=True)


def test_no_field_of_the_desk_is_kept_by_the_browser(client: FlaskClient) -> None:
    """Every text field of the handout and program pages, the record for the client's
    file included, has ``autocomplete="off"``: Chromium keeps other fields' text in its
    session files for restoring tabs (QA found the record, with the therapist and the
    dose, in ``Sessions/Session_*`` after a restart)."""
    for address in ("/program", "/h/back-massage"):
        html = client.get(address).get_data(as_text=True)
        fields = re.findall(r"<(?:input|textarea)\b[^>]*>", html)
        typed = [f for f in fields if not re.search(r'type="(hidden|submit|button|checkbox|'
                                                    r'radio)"', f)]
        assert any('id="record"' in f for f in typed), address
        assert [f for f in typed if 'autocomplete="off"' not in f] == [], address


# ------------------------------------------------------------ the form reader alone

BACK_PLAN = ClinicProgram("p", Path("programs/p.yaml"), "programs/p.yaml", ProgramFile(
    title="Back plan", items=[ProgramItemSpec(handout="back-massage")]), LineMap())
OFFER = Offer({"back-massage": MASSAGE, "knee": "Knee"}, {"neck": "content/neck.yaml"},
              {"p": BACK_PLAN}, {"back-massage": ("en", "es"), "knee": ("en",)},
              [("general", "Everyone")], [("letter", "US Letter"), ("a4", "A4")],
              [("standard", "Standard"), ("large", "Large")], "letter",
              locale=Locale.parse("en_US"))


def test_the_form_reads_into_what_plan_program_takes() -> None:
    form = {"item-3-handout": "knee", "item-3-sets": "2", "item-3-reps": "8",
            "item-1-handout": "back-massage", "item-1-hold": "1 min 30 s",
            "item-1-side": "each", "item-1-note": "Slowly.", "client": "Ana",
            "next_appointment": "12/15/2026", "weeks": "3", "right_hand": "1",
            "paper": "a4", "program": "p"}
    asked, problems = read_basket(form, OFFER)
    assert problems == [] and asked is not None
    assert asked.items == (ItemChange("back-massage", Dosage(hold=90, side="each"), "Slowly."),
                           ItemChange("knee", Dosage(sets=2, reps=8)))
    assert asked.client.name == "Ana" and str(asked.client.next_appointment) == "2026-12-15"
    assert asked.choices == Selection("general", None, "a4", "standard", None)
    assert (asked.weeks, asked.right_hand, asked.program) == (3, True, BACK_PLAN)
    # Without its handout the basket is no longer that clinic program.
    del form["item-1-handout"]
    asked, _ = read_basket(form, OFFER)
    assert asked is not None and asked.program is None


def test_the_form_names_every_problem_at_its_field() -> None:
    form = {"item-0-handout": "neck", "item-1-handout": "gone", "item-2-handout": "knee",
            "item-2-rest": "3 hrs", "item-3-handout": "knee", "language": "es"}
    asked, problems = read_basket(form, OFFER)
    assert asked is None
    assert [(p.field, p.message) for p in problems] == [
        ("item-0-handout", "cannot be given now: content/neck.yaml has errors the clinic "
         "must fix first; remove it from this program"),
        ("item-1-handout", "is not a handout of this library; remove it from this program"),
        ("item-2-rest", "has an unknown unit: write seconds (30 s) or minutes (2 min)"),
        ("item-3-handout", "is already handout 3 of this program; remove one"),
        ("language", "is not available for Handout 3 (Knee), Handout 4 (Knee): choose "
         "another language or remove that handout"),
        ("client", "is needed: the program's cover says whom it is for")]
    # A posted value that names no handout is never repeated back, in labels or legends.
    named = labels([Item(form[f"item-{i}-handout"]) for i in range(4)], OFFER)
    assert [named[f"item-{i}-handout"] for i in range(4)] == [
        "Handout 1 (neck)", "Handout 2 (not in this library)", "Handout 3 (Knee)",
        "Handout 4 (Knee)"]


def test_editing_moves_items_and_the_focus() -> None:
    items = [Item("back-massage", {"sets": "2"}), Item("knee")]
    moved, focus, problems = edit(items, "down-0", None, OFFER)
    assert [i.handout for i in moved] == ["knee", "back-massage"] and not problems
    assert focus == "item-1-up"  # the last has no "down": the focus stays on its item
    moved, focus, _ = edit(items, "remove-1", None, OFFER)
    assert [i.handout for i in moved] == ["back-massage"] and focus == "item-0-remove"
    _, focus, problems = edit(items, "add", "neck", OFFER)
    assert focus == "add" and [p.message for p in problems] == [
        "has errors the clinic must fix first"]
    assert edit(items, "up-7", None, OFFER)[0] == items  # a stale page's button
    assert read_items({"item-0-handout": "knee", "item-0-sets": " 3 "})[0].values["sets"] == "3"


def test_the_programs_messages_come_back_to_the_forms_fields() -> None:
    found = for_the_basket([
        Problem("", None, "--item 2", "no such handout 'x'"),
        Problem("", None, "--item 1 note", "has an invisible control character"),
        Problem("--item 3 text", None, "", "has 2 characters that no font can print"),
        Problem("", None, "--client", "has a control character"),
        Problem("therapist", None, "", "has 1 character that no font can print"),
        Problem("content/knee.yaml", 4, "steps", "is too long")])
    assert [(p.path, p.field) for p in found] == [
        ("form", "item-1-handout"), ("form", "item-0-note"), ("form", "item-2-text"),
        ("form", "client"), ("form", "therapist"), ("content/knee.yaml", "steps")]


def test_starting_a_clinic_program_whose_file_just_broke_says_why(
        client: FlaskClient, example: Path) -> None:
    """The page listed it; then the owner's edit broke its file: pressing Start says so,
    with the file's own problem, and keeps the basket (it came back empty and silent)."""
    page = client.get("/program").get_data(as_text=True)
    form = page_form(page, start="back-care-2-weeks", action="start")
    (example / "programs" / "back-care-2-weeks.yaml").write_text(
        "title: Back care\nitems:\n  - handout: back-massage\n    dosage: {sets: 50}\n",
        encoding="utf-8")
    body = client.post("/program", data=form, headers={"Accept": "application/json"}
                       ).get_json()
    assert body["ok"] is False
    messages = [(p["where"], p["message"]) for p in body["problems"]]
    assert messages[0][1].startswith("this clinic program's file has errors now")
    assert any(where == "programs/back-care-2-weeks.yaml:4" and "at most 20" in message
               for where, message in messages), messages
    html = client.post("/program", data=form, follow_redirects=True).get_data(as_text=True)
    assert "this clinic program&#39;s file has errors now" in html
    assert "programs/back-care-2-weeks.yaml:4" in html


def test_a_program_files_problem_is_listed_once_without_javascript(
        client: FlaskClient, example: Path) -> None:
    """QA: Start pressed (without the script) on a clinic program whose file has errors
    listed each of its problems twice: in the owner's banner and under the refusal.
    Each is on the page once; another broken program stays in the banner."""
    page = client.get("/program").get_data(as_text=True)
    form = page_form(page, start="back-care-2-weeks", action="start")
    (example / "programs" / "back-care-2-weeks.yaml").write_text(
        "title: Back care\nitems:\n  - handout: no-such-handout\n"
        "  - handout: back-massage\n    dosage: {minutes: 500}\n", encoding="utf-8")
    other = example / "programs" / "desk-worker-week-1.yaml"
    other.write_text(other.read_text(encoding="utf-8").replace("reps: 5", "reps: 500"),
                     encoding="utf-8")
    html = client.post("/program", data=form, follow_redirects=True).get_data(as_text=True)
    assert "this clinic program&#39;s file has errors now" in html
    text = html_lib.unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))
    for line in ("programs/back-care-2-weeks.yaml:3 items[1].handout : no such handout "
                 "'no-such-handout'",
                 "programs/back-care-2-weeks.yaml:5 items[2].dosage.minutes : must be at "
                 "most 120",
                 f"programs/desk-worker-week-1.yaml:{line_of(other, 'reps: 500')} "
                 "items[1].dosage.reps : must be at most 100"):
        assert text.count(line) == 1, (line, text)
    assert html.count("programs/back-care-2-weeks.yaml") == 2  # its two lines, once each
    # Before Start, the banner alone lists them, once.
    page = client.get("/program").get_data(as_text=True)
    assert page.count("programs/back-care-2-weeks.yaml") == 2


#: A clinic program with a warning only: a Spanish note for a handout it does not have.
STRAY = """title: Back care
items:
  - handout: back-massage
    dosage: {minutes: 5}
translations:
  es:
    notes:
      desk-stretch-break: Nunca impreso.
"""


def _owner_banners(html: str) -> list[tuple[str, str, list[str]]]:
    """The owner's banners of a page: each one's role (empty: none), heading, and the
    places of the problems it lists."""
    return [(role or "", html_lib.unescape(heading),
             re.findall(r"<li class=\"\w+\"><code>([^<]+)</code>", body))
            for role, heading, body in re.findall(
                r'<section class="banner[^"]*"(?: role="(\w+)")?[^>]*>\s*<h2[^>]*>(.*?)</h2>'
                r"(.*?)</section>", html, re.S)]


def test_a_clinic_program_with_warnings_only_is_a_notice_not_an_alert(
        client: FlaskClient, example: Path) -> None:
    """QA: a program file with only a warning (a translated note for a handout it does
    not have) got the alert "some clinic programs have errors and are not offered",
    while the program was offered and worked. Its warning is a plain notice saying so."""
    (example / "programs" / "espalda.yaml").write_text(STRAY, encoding="utf-8")
    html = client.get("/program").get_data(as_text=True)
    assert _owner_banners(html) == [(
        "", "For the clinic owner: the clinic programs are offered and work as they are; "
        "when you can, fix these warnings in their files", ["programs/espalda.yaml:8"])]
    assert 'role="alert"' not in html and "are not offered" not in html
    assert '<option value="espalda">Back care (1 handout)</option>' in html
    body = client.post("/program/pdf", data=started(client, "espalda"),
                       headers={"Accept": "application/json"}).get_json()
    assert body["ok"] is True, body


def test_a_clinic_program_with_errors_is_an_alert_and_another_with_warnings_a_notice(
        client: FlaskClient, example: Path) -> None:
    """A file with errors is held back (the alert lists its problems, warnings too);
    another file's warnings are under the notice, each banner with its own files."""
    broken = example / "programs" / "back-care-2-weeks.yaml"
    broken.write_text(  # an error, and a warning: its handout given twice
        "title: Back care\nitems:\n  - handout: back-massage\n    dosage: {minutes: 500}\n"
        "  - handout: back-massage\n", encoding="utf-8")
    html = client.get("/program").get_data(as_text=True)
    assert _owner_banners(html) == [(
        "alert", "For the clinic owner: some clinic programs have errors and are not offered",
        ["programs/back-care-2-weeks.yaml:4", "programs/back-care-2-weeks.yaml:5"])]
    assert '<option value="back-care-2-weeks">' not in html
    (example / "programs" / "espalda.yaml").write_text(STRAY, encoding="utf-8")
    html = client.get("/program").get_data(as_text=True)
    assert _owner_banners(html) == [
        ("alert", "For the clinic owner: some clinic programs have errors and are not "
         "offered", ["programs/back-care-2-weeks.yaml:4", "programs/back-care-2-weeks.yaml:5"]),
        ("", "For the clinic owner: the other clinic programs are offered and work as they "
         "are; when you can, fix these warnings in their files", ["programs/espalda.yaml:8"])]


def test_a_language_whose_translation_broke_names_the_file(
        client: FlaskClient, example: Path) -> None:
    po = example / "content" / "back-massage.es.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "', 'msgstr "\\q', 1),
                  encoding="utf-8")
    form = started(client, "back-care-2-weeks", language="es")
    body = client.post("/program/preview", data=form,
                       headers={"Accept": "application/json"}).get_json()
    assert body["ok"] is False
    assert [p["message"] for p in body["problems"] if p["field"] == "language"] == [
        "is not available now: content/back-massage.es.po has errors (the clinic owner can "
        "fix them); choose another language"]


def _at_its_limit_of_two(example: Path) -> None:
    """"A 5-minute stretch break" with the limit it had: its two pages fill it."""
    stretch = example / "content" / "desk-stretch-break.yaml"
    stretch.write_text(stretch.read_text(encoding="utf-8").replace(
        "max_pages: 3", "max_pages: 2"), encoding="utf-8")


def test_a_handout_pushed_over_its_page_limit_is_said_at_its_note(
        client: FlaskClient, example: Path) -> None:
    """The long note makes "A 5-minute stretch break" need a third page: said at that
    handout's note, in staff's words (it was the owner's max_pages message, beside no
    field)."""
    _at_its_limit_of_two(example)
    note = ("Keep the shoulders low and breathe out slowly as you turn; stop if it "
            "pinches. ") * 4
    form = started(client, **{"item-0-note": note[:300]})
    body = client.post("/program/preview", data=form,
                       headers={"Accept": "application/json"}).get_json()
    assert body["ok"] is False
    assert [(p["field"], p["message"]) for p in body["problems"]] == [(
        "item-0-note", "with its plan and this version's details the handout is longer "
        "than its limit of 2 pages: shorten this note or the plan's other instructions, "
        "choose another version, or ask the clinic owner")]


def test_a_handout_pushed_over_its_limit_with_no_note_is_said_at_the_handout(
        client: FlaskClient, example: Path) -> None:
    """No note to shorten: the message is at the handout and asks for a shorter plan or
    another version (it pointed at the empty note and asked to shorten it)."""
    _at_its_limit_of_two(example)
    text = ("after lunch, standing at the desk, slowly, both sides, eyes closed, "
            "breathing out ") * 2
    form = started(client, **{"item-0-note": "", "item-0-text": text[:200],
                              "item-0-rest": "45 s", "item-0-side": "both"})
    body = client.post("/program/preview", data=form,
                       headers={"Accept": "application/json"}).get_json()
    assert body["ok"] is False
    assert [(p["field"], p["message"]) for p in body["problems"]] == [(
        "item-0-handout", "with its plan and this version's details the handout is longer "
        "than its limit of 2 pages: shorten the plan's instructions, choose another "
        "version, or ask the clinic owner")]


def test_starting_a_clinic_program_with_a_broken_handout_is_refused_at_start(
        client: FlaskClient, example: Path) -> None:
    """Its handout's file broke: Start said nothing and filled the basket, then every
    Preview and Print failed. Now Start says why, as adding that handout does."""
    page = client.get("/program").get_data(as_text=True)
    form = page_form(page, start="desk-worker-week-1", action="start")
    (example / "content" / "desk-stretch-break.yaml").write_text(
        "title: [unclosed\n", encoding="utf-8")
    body = client.post("/program", data=form, headers={"Accept": "application/json"}
                       ).get_json()
    assert body["ok"] is False and body["items"] == []
    assert [(p["field"], p["message"]) for p in body["problems"]] == [(
        "start", "cannot be started now: its handout 'desk-stretch-break' has errors the "
        "clinic must fix first (content/desk-stretch-break.yaml); start another, or add "
        "the handouts one by one")]


def test_a_programs_next_appointment_before_the_day_given_is_a_warning(
        client: FlaskClient) -> None:
    form = started(client, next_appointment="2020-01-02")
    answer = client.post("/program/pdf", data=form,
                         headers={"Accept": "application/json"}).get_json()
    assert answer["ok"], answer
    said = [p for p in answer["problems"] if p.get("field") == "next_appointment"]
    assert len(said) == 1 and "2020" not in str(answer["problems"])


def test_a_dose_longer_than_the_programs_weeks_is_a_warning_at_its_field(
        client: FlaskClient) -> None:
    """QA: the form's ``item-N-weeks`` longer than its ``weeks`` made a sheet that stops
    before that dose ends, without a word. The warning ``handouts program`` gives, beside
    the item's weeks field, with and without the page's script; the PDF is made."""
    form = started(client, "back-care-2-weeks", **{"item-1-weeks": "4"})
    assert form["weeks"] == "2" and form["item-1-handout"] == "desk-stretch-break"
    warning = ("is longer than the program's weeks (2): the tracking sheet stops before "
               "this dose ends; make the program's weeks at least 4, or this dose's weeks "
               "shorter")
    answer = client.post("/program/pdf", data=form,
                         headers={"Accept": "application/json"}).get_json()
    assert answer["ok"], answer
    assert [(p["field"], p["severity"], p["message"]) for p in answer["problems"]] == [
        ("item-1-weeks", "warning", warning)]
    page = client.post("/program/preview", data=form, follow_redirects=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True).replace("&#39;", "'")
    assert f'<p class="field-error" id="item-1-weeks-error">{warning}</p>' in html
    # QA: it was listed under "Please fix this first", as an alert, and the field was
    # marked invalid, as if the program could not be printed until the dose changed.
    field = re.search(r'<input[^>]* id="item-1-weeks"[^>]*>', html)
    assert field and "item-1-weeks-error" in field.group()
    assert "aria-invalid" not in field.group()
    assert "Please check this (the PDF is made as it is)" in html
    assert "Please fix" not in html
    assert '<section class="problems notices" role="status"' in html
    pdf = client.post("/program/pdf", data=form, follow_redirects=True)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    # A refused value is still something to fix first, its field marked invalid.
    refused = client.post("/program/preview", data={**form, "item-1-sets": "500"},
                          follow_redirects=True)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Please fix" in html
    assert '<section class="problems" role="alert"' in html
    field = re.search(r'<input[^>]* id="item-1-sets"[^>]*>', html)
    assert field and 'aria-invalid="true"' in field.group()


def test_unprintable_words_are_said_with_the_forms_other_mistakes(client: FlaskClient) -> None:
    """An emoji in a note was said only once a dose out of range was fixed (QA: the desk
    answered 6 problems, none for the emoji), and then in the owner's words (add a font
    to handouts.yaml) where the copy's form gives staff's."""
    emoji = "\N{GRINNING FACE}"
    form = started(client, **{"item-0-sets": "30", "note": f"Ice {emoji}",
                              "item-1-note": f"Slowly {emoji}"})
    body = client.post("/program/pdf", data=form,
                       headers={"Accept": "application/json"}).get_json()
    assert body["ok"] is False
    said = {(p["field"], p["message"]) for p in body["problems"]}
    unprintable = ("has 1 character that no font can print (emoji) \N{EM DASH} leave it out "
                   "and try again (the clinic owner can add a font that has it)")
    assert ("item-0-sets", "must be at most 20") in said, said
    assert ("note", unprintable) in said and ("item-1-note", unprintable) in said, said
    assert not any(emoji in p["message"] for p in body["problems"])
