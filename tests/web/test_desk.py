"""The front desk the way a busy clinic uses it: broken files, locations, odd characters,
labelled messages, search in every language, the fetch() answers and the network cookie.

Routes through Flask's test client (renders run in this thread, through the worker's
own task and caches).
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from handouts.commands.build import build
from handouts.commands.merge import merge
from handouts.errors import HandoutsError
from handouts.project.load import load_project
from handouts.variants.clients import Client
from handouts.web import create_app
from handouts.web.program import EACH_OWN_LANGUAGE
from handouts.web.security import TOKEN_COOKIE, TOKEN_MAX_AGE
from handouts.web.workers import RenderPool

from ..helpers import pdf_text, run_in
from .conftest import REPO
from .test_program_desk import started
from .test_routes import csrf

NAME = "Zoë Example-Client"
JSON = {"Accept": "application/json"}
#: Two locations of one clinic, each with its own phone.
LOCATIONS = """  locations:
    downtown:
      name_suffix: Downtown
      address: {street: 1 Center Plaza, city: Mesa, region: AZ, postal_code: "85201"}
      phone: (480) 555-0101
    north:
      name_suffix: North
      address: {street: 77 Lake Road, city: Scottsdale, region: AZ, postal_code: "85251"}
      phone: (480) 555-0177
"""


def _app(root: Path, **options: object) -> FlaskClient:
    app = create_app(root, pool=RenderPool(inline=True), watch=False, checks=False,
                     **options)  # type: ignore[arg-type]
    app.config["TESTING"] = True
    return app.test_client()


def _post(browser: FlaskClient, route: str, name: str = "back-massage", /,
          json: bool = False, **form: str) -> Any:
    token = csrf(browser, f"/h/{name}")
    return browser.post(f"/h/{name}/{route}", data={**form, "csrf_token": token},
                        headers=JSON if json else {}, follow_redirects=True)


# ------------------------------------------------------------ one broken file

def test_a_typo_in_one_content_file_takes_only_that_handout_off_the_desk(
        client: FlaskClient, example: Path) -> None:
    source = example / "content" / "desk-stretch-break.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "title: ", 'title: "unclosed ', 1), encoding="utf-8")
    html = client.get("/").get_data(as_text=True)
    # The other handout is listed and served; the header keeps the clinic's name.
    assert '<a class="brand" href="/">Massage Mesa</a>' in html
    assert "How to give a back massage" in html
    assert "Please fix this first" not in html
    # The broken one is shown to the owner, on its own card, with file and line.
    card = html[html.index('class="card broken"'):]
    assert "content/desk-stretch-break.yaml" in card and "Not available" in card
    assert re.search(r"<code>content/desk-stretch-break\.yaml:\d+</code>", card)
    assert client.get("/h/back-massage").status_code == 200
    response = _post(client, "pdf", client=NAME)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    # Its own page says why, to staff and to the owner: the file and line to fix.
    page = client.get("/h/desk-stretch-break")
    assert page.status_code == 409
    # A form sent to it without the page's script gets that page too, by a GET (the
    # POST with the client's name is not what the history keeps).
    sent = client.post("/h/desk-stretch-break/pdf", data={
        "client": NAME, "csrf_token": csrf(client, "/h/back-massage")})
    assert sent.status_code == 303 and sent.headers["Location"].startswith("/shown/")
    shown = client.get(sent.headers["Location"])
    assert shown.status_code == 409
    assert shown.get_data(as_text=True) == page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert "<h1>Not available at the moment</h1>" in html
    # Never loaded without errors since the desk started: named by its file.
    assert "“desk-stretch-break” cannot be made until the clinic fixes its content file." \
        in html
    assert re.search(r"<code>content/desk-stretch-break\.yaml:\d+</code>", html)
    # The page's script gets JSON it can show, never an HTML error page.
    token = csrf(client, "/h/back-massage")
    answer = client.post("/h/desk-stretch-break/preview", headers=JSON,
                         data={"csrf_token": token, "client": NAME})
    assert answer.status_code == 409 and answer.mimetype == "application/json"
    body = answer.get_json()
    assert body["ok"] is False and body["problems"][0]["where"].startswith(
        "content/desk-stretch-break.yaml:")
    assert NAME not in answer.get_data(as_text=True)
    missing = client.get("/h/no-such-handout", headers=JSON)
    assert missing.status_code == 404 and missing.get_json()["message"] == \
        "There is no handout with that name."


def test_a_warning_in_handouts_yaml_is_shown_to_the_owner_without_holding_anything_back(
        client: FlaskClient, example: Path) -> None:
    """QA: the desk listed handouts.yaml's errors for the owner but not its warnings
    (`sp:` for Spanish under translations printed the English tagline on every Spanish
    handout, and only `handouts check` said so). Now the library lists them in a
    notice, with file, line and field; the desk works as it is."""
    config = example / "handouts.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  translations:\n", "  translations:\n    sp:\n"
                                   "      tagline: Masaje terapéutico\n", 1), encoding="utf-8")
    line = text[:text.index("  translations:\n")].count("\n") + 2
    html = client.get("/").get_data(as_text=True)
    notice = re.search(r'<section class="banner notice" role="status".*?</section>', html, re.S)
    assert notice, html[:3000]
    assert "For the clinic owner: please check this in the project’s settings" in \
        notice.group(0)
    assert f"<code>handouts.yaml:{line}</code> <strong>clinic.translations.sp</strong>: " \
        "&#39;sp&#39; is not a language code" in notice.group(0)
    assert 'class="banner" role="alert"' not in html  # nothing is held back
    assert _post(client, "pdf", client=NAME).mimetype == "application/pdf"


def test_a_broken_handouts_yaml_keeps_the_last_good_project_serving(
        client: FlaskClient, example: Path) -> None:
    before = _post(client, "pdf", client=NAME)
    assert before.status_code == 200
    config = example / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  phone: (480) 992-5050", "  phone: [unclosed", 1), encoding="utf-8")
    html = client.get("/").get_data(as_text=True)
    assert '<a class="brand" href="/">Massage Mesa</a>' in html
    assert "handouts.yaml has errors, so the desk keeps using its last good version" in html
    assert re.search(r"<code>handouts\.yaml:\d+</code>", html)
    assert "How to give a back massage" in html and "A 5-minute stretch break" in html
    after = _post(client, "pdf", client=NAME)
    assert after.status_code == 200
    assert after.data == before.data  # printed with the last good details
    assert "(480) 992-5050" in pdf_text(after.data, by_position=True)


def test_staff_pages_say_when_handouts_yaml_is_held_back(
        client: FlaskClient, example: Path) -> None:
    """QA: only the library said the desk keeps handouts.yaml's last good version, so
    staff making copies did not know their sheets carried the old details."""
    assert client.get("/").status_code == 200
    config = example / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  phone: (480) 992-5050", "  phone: [unclosed", 1), encoding="utf-8")
    notice = ("handouts.yaml has errors: sheets are made with its last good version until "
              "the clinic owner fixes it")
    for route in ("/h/back-massage", "/program"):
        assert notice in client.get(route).get_data(as_text=True), route
    assert notice not in client.get("/").get_data(as_text=True)  # its banner says more
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  phone: [unclosed", "  phone: (480) 992-5050", 1), encoding="utf-8")
    assert notice not in client.get("/h/back-massage").get_data(as_text=True)


def test_a_handout_deleted_while_the_batch_names_it_holds_nothing_back(
        client: FlaskClient, example: Path) -> None:
    """QA: a content file deleted (or renamed) while ``batch.handouts`` still named it
    made the whole of handouts.yaml count as broken: the desk kept its last good
    version, and the phone the owner changed next went out as it was. The batch's list
    is only the batch's: the desk uses the settings as saved, and says what the batch
    will stop on."""
    assert client.get("/").status_code == 200
    config = example / "handouts.yaml"
    text = config.read_text(encoding="utf-8")
    assert "desk-stretch-break" in text.split("batch:")[1]  # the batch names it
    (example / "content" / "desk-stretch-break.yaml").unlink()
    config.write_text(text.replace("  phone: (480) 992-5050", "  phone: (480) 992-5099", 1),
                      encoding="utf-8")
    made = _post(client, "pdf", client=NAME)
    assert made.status_code == 200
    printed = pdf_text(made.data, by_position=True)
    assert "(480) 992-5099" in printed and "(480) 992-5050" not in printed
    library = client.get("/").get_data(as_text=True)
    assert "keeps using its last good version" not in library
    assert "no such handout &#39;desk-stretch-break&#39;" in library
    assert "has errors: sheets are made with" not in client.get("/h/back-massage").get_data(
        as_text=True)
    # The batch and check, which use the list, still stop on it.
    with pytest.raises(HandoutsError) as stopped:
        load_project(example)
    assert any(p.field.startswith("batch.handouts") for p in stopped.value.problems)
    # Building one handout does not use it: said, as a warning.
    one = load_project(example, ("back-massage",))
    assert [(p.severity.value, p.message) for p in one.warnings
            if p.field.startswith("batch.handouts")] == [
        ("warning", "no such handout 'desk-stretch-break' (known: back-massage)")]


def test_while_handouts_yaml_is_broken_content_edits_still_show(
        client: FlaskClient, example: Path) -> None:
    """Only handouts.yaml is held back: a handout edited, added or deleted meanwhile
    shows on the pages as its PDF prints it (the pages kept the old content before)."""
    assert client.get("/").status_code == 200  # a good handouts.yaml, loaded once
    config = example / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  phone: (480) 992-5050", "  phone: [unclosed", 1), encoding="utf-8")
    stretch = example / "content" / "desk-stretch-break.yaml"
    text = stretch.read_text(encoding="utf-8")
    old_title = re.search(r"^title: (.*)$", text, re.M).group(1)  # type: ignore[union-attr]
    stretch.write_text(re.sub(r"^title: .*$", "title: Stretch breaks at work", text,
                              count=1, flags=re.M), encoding="utf-8")
    (example / "content" / "neck-care.yaml").write_text(
        re.sub(r"^title: .*$", "title: Neck care at home", text, count=1, flags=re.M),
        encoding="utf-8")
    library = client.get("/").get_data(as_text=True)
    assert "handouts.yaml has errors, so the desk keeps using its last good version" in library
    assert "Stretch breaks at work" in library and "Neck care at home" in library
    assert old_title not in library
    assert "Stretch breaks at work" in client.get("/h/desk-stretch-break").get_data(
        as_text=True)
    assert client.get("/h/neck-care").status_code == 200
    made = _post(client, "pdf", "desk-stretch-break", client=NAME)
    assert made.status_code == 200
    assert "Stretch breaks at work" in pdf_text(made.data, by_position=True)
    program = client.get("/program", headers=JSON).get_json()
    assert {"name": "neck-care", "title": "Neck care at home"} in program["handouts"]


def test_a_handouts_yaml_broken_from_the_start_is_named_on_every_page(
        example: Path) -> None:
    """No last good version to keep: the pages say what is wrong, never a 500."""
    config = example / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  phone: (480) 992-5050", "  phone: [unclosed", 1), encoding="utf-8")
    browser = _app(example)
    for route in ("/", "/program"):
        page = browser.get(route)
        assert page.status_code == 200, route
        assert re.search(r"handouts\.yaml:\d+", page.get_data(as_text=True)), route
    summary = browser.get("/program", headers=JSON).get_json()
    assert summary["handouts"] == [] and summary["problems"]
    assert summary["problems"][0]["where"].startswith("handouts.yaml:")
    # Said as it is: not "no handouts match" (nobody searched), not "no such handout".
    library = browser.get("/").get_data(as_text=True)
    assert "No handouts match" not in library
    assert "No handout can be shown until the clinic owner fixes the clinic" in library
    handout = browser.get("/h/back-massage")
    assert handout.status_code == 503
    body = handout.get_data(as_text=True)
    assert "have errors, so no handout can be made until the clinic owner fixes them" in body
    assert re.search(r"handouts\.yaml:\d+", body) and "no handout with that name" not in body


def test_a_broken_translation_takes_only_that_language_off_the_desk(
        client: FlaskClient, example: Path) -> None:
    po = example / "content" / "back-massage.es.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "', 'msgstr "\\q', 1),
                  encoding="utf-8")
    page = client.get("/h/back-massage").get_data(as_text=True)
    assert '<option value="es"' not in page and '<option value="en"' in page
    assert '<option value="ar"' in page  # the other translations stay
    library = client.get("/").get_data(as_text=True)
    assert "Spanish is not available</strong> until its translation is fixed" in library
    assert re.search(r"<code>content/back-massage\.es\.po:\d+</code>", library)
    assert _post(client, "pdf", client=NAME).status_code == 200
    refused = _post(client, "pdf", client=NAME, language="es")
    assert refused.status_code == 422


# ---------------------------------------------------------------- locations

@pytest.fixture
def group(example: Path) -> Path:
    config = example / "handouts.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  translations:\n", LOCATIONS + "  translations:\n", 1),
                      encoding="utf-8")
    return example


def test_the_form_offers_the_locations_and_prints_the_chosen_ones_phone(
        group: Path, tmp_path: Path) -> None:
    client = _app(group)
    page = client.get("/h/desk-stretch-break").get_data(as_text=True)
    assert '<select id="location" name="location">' in page
    assert "North · (480) 555-0177" in page
    north = _post(client, "pdf", "desk-stretch-break", client=NAME, location="north")
    assert north.status_code == 200, north.get_data(as_text=True)
    text = pdf_text(north.data, by_position=True)
    assert "(480) 555-0177" in text and "(480) 555-0101" not in text
    assert "-north.pdf" in north.headers["Content-Disposition"]
    expected = build(load_project(group, ("desk-stretch-break",)), out=tmp_path / "o",
                     location="north", client=Client(NAME))
    assert north.data == expected.built[0].path.read_bytes()
    downtown = _post(client, "pdf", "desk-stretch-break", client=NAME)  # the first location
    assert "(480) 555-0101" in pdf_text(downtown.data, by_position=True)
    unknown = _post(client, "pdf", "desk-stretch-break", client=NAME, location="south")
    assert unknown.status_code == 422
    assert "Location</a>: choose one of the listed options" in unknown.get_data(as_text=True)


def test_serve_location_sets_the_desks_default(group: Path) -> None:
    client = _app(group, location="north")
    page = client.get("/h/desk-stretch-break").get_data(as_text=True)
    assert re.search(r'<option value="north" selected>', page)
    default = _post(client, "pdf", "desk-stretch-break", client=NAME)
    assert "(480) 555-0177" in pdf_text(default.data, by_position=True)


def test_a_desk_whose_location_was_renamed_never_prints_another_ones_phone(
        group: Path) -> None:
    """The owner renamed this desk's location while it ran: the form went on the first
    location, and every copy carried Downtown's phone without a word. Now the form has
    no location chosen (staff choose; a copy without one is refused at the field), and
    the owner's banner says why and what to do."""
    client = _app(group, location="north")
    config = group / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("    north:\n",
                                                                 "    uptown:\n"),
                      encoding="utf-8")
    page = client.get("/h/desk-stretch-break").get_data(as_text=True)
    assert '<select id="location" name="location" required>' in page
    assert '<option value="" selected>Choose one</option>' in page
    assert " selected>Downtown" not in page
    refused = _post(client, "pdf", "desk-stretch-break", client=NAME)
    assert refused.status_code == 422
    assert "Location</a>: choose one of the listed options" in refused.get_data(as_text=True)
    chosen = _post(client, "pdf", "desk-stretch-break", client=NAME, location="uptown")
    assert "(480) 555-0177" in pdf_text(chosen.data, by_position=True)
    library = client.get("/").get_data(as_text=True)
    line = next(n for n, text in enumerate(config.read_text(encoding="utf-8").splitlines(),
                                           start=1) if text == "  locations:")
    assert (f"<code>handouts.yaml:{line}</code> <strong>clinic.locations</strong>: has no "
            "location 'north', this desk's own (handouts serve --location): until it is "
            "back, staff choose the location of every copy; or start the desk with "
            "--location and one of: downtown, uptown") in html.unescape(library)
    basket = client.get("/program").get_data(as_text=True)
    assert '<option value="" selected>Choose one</option>' in basket


def test_every_json_answer_carries_the_version_lists_as_they_are_now(group: Path) -> None:
    """The owner renames a location while a handout page and a basket are open: the
    refused answer (and every other) carries the lists as they are now, so the page's
    script offers the new location without a reload (a reload lost what was typed and
    the basket, and the old list offered only what the server now refuses)."""
    client = _app(group)
    config = group / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("    north:\n",
                                                                 "    uptown:\n"),
                      encoding="utf-8")
    refused = _post(client, "preview", "desk-stretch-break", json=True, client=NAME,
                    location="north")
    assert refused.status_code == 422
    body = refused.get_json()
    assert [v[0] for v in body["choices"]["location"]["values"]] == ["downtown", "uptown"]
    assert body["choices"]["location"]["values"][1][1] == "North · (480) 555-0177"
    assert [v[0] for v in body["choices"]["paper"]["values"]] == ["letter", "a4"]
    assert "en" in [v[0] for v in body["choices"]["language"]["values"]]
    made = _post(client, "pdf", "desk-stretch-break", json=True, client=NAME,
                 location="uptown")
    assert made.status_code == 200
    assert [v[0] for v in made.get_json()["choices"]["location"]["values"]] == \
        ["downtown", "uptown"]
    basket = started(client, "desk-worker-week-1")
    basket["location"] = "north"
    program = client.post("/program/preview", data={**basket, "client": NAME},
                          headers=JSON, follow_redirects=True)
    assert program.status_code == 422
    choices = program.get_json()["choices"]
    assert [v[0] for v in choices["location"]["values"]] == ["downtown", "uptown"]
    assert choices["language"]["values"][0] == ["", EACH_OWN_LANGUAGE]


def test_the_owners_live_preview_shows_the_desks_location_and_offers_the_others(
        group: Path) -> None:
    """The live preview had no location and always showed the first one's details: the
    owner could not see a location's hours push a sheet over its limit."""
    client = _app(group, location="north")
    page = client.get("/live/desk-stretch-break").get_data(as_text=True)
    assert re.search(r'<option value="north" selected>', page)
    assert "location=north" in page  # the state the page's script asks for
    state = client.get("/live/desk-stretch-break/state?location=downtown").get_json()
    assert state["ok"] and all("location=downtown" in url for url in state["images"])
    north = client.get("/live/desk-stretch-break/state?location=north").get_json()
    assert north["images"] and north["images"] != state["images"]
    # Each location's own details on the page (its phone): the images differ.
    assert client.get(north["images"][0]).data != client.get(state["images"][0]).data


# ------------------------------------------------------- client text, one rule

@pytest.mark.parametrize(("value", "code"), [
    ("Ana \x07John", "U+0007"), ("Ana \x1b[31mJohn", "U+001B"), ("Ana \u202eJohn", "U+202E"),
    ("Ana \u2066John", "U+2066"), ("Ana \x85John", "U+0085")])
def test_control_and_direction_characters_are_refused_at_every_entry_point(
        client: FlaskClient, example: Path, tmp_path: Path, value: str, code: str) -> None:
    # 1. The front desk: named by the field's label, never quoted.
    response = _post(client, "preview", client=value)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<a href="#client">Client’s name</a>: has a' in html and f"({code})" in html
    # 2. build --client (the library function and the command).
    with pytest.raises(HandoutsError) as refused:
        build(load_project(example, ("back-massage",)), out=tmp_path / "o", client=Client(value))
    [problem] = refused.value.problems
    assert problem.field == "--client" and f"({code})" in problem.message
    result = run_in(example, "build", "back-massage",
                    "--client", value, "--out", str(tmp_path / "o"))
    assert result.exit_code == 1 and "--client: has a" in result.output
    assert value not in result.output
    # 3. merge: that row is refused with row and column, the others are still made.
    rows = tmp_path / "clients.csv"
    rows.write_text(f"client,handout\nAna Ruiz,back-massage\n{value},back-massage\n",
                    encoding="utf-8")
    merged = merge(load_project(example), rows, out=tmp_path / "m")
    assert not merged.ok and [line for line, _, _ in merged.written] == [2]
    messages = [p.format() for p in merged.problems]
    assert any(m.startswith("clients.csv:3: client: has a") and f"({code})" in m
               for m in messages), messages
    assert len(list((tmp_path / "m" / "clients").glob("*.pdf"))) == 1
    assert not any(value in m for m in messages)


def test_joiners_and_direction_marks_that_real_names_need_are_kept(
        client: FlaskClient) -> None:
    # ZWNJ in a Persian name, ZWJ, and the right-to-left mark stay as typed.
    for name in ("Ana Ruiz\u200f", "Ana\u200dRuiz", "Ana\u200cRuiz"):
        assert _post(client, "pdf", client=name).status_code == 200


def test_a_note_may_have_line_breaks_but_a_name_may_not(client: FlaskClient) -> None:
    assert _post(client, "pdf", client=NAME, note="Ice.\r\nThen heat.").status_code == 200
    html = _post(client, "preview", client="Ana\nRuiz").get_data(as_text=True)
    assert "Client’s name</a>: has an invisible control character (U+000A)" in html


# ------------------------------------------------------ messages in form words

def test_a_very_long_name_is_refused_by_its_label_not_by_an_option(client: FlaskClient) -> None:
    response = _post(client, "preview", client="A" * 2000)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<a href=\"#client\">Client’s name</a>: is too long: at most 200 characters" in html
    assert "max_pages" not in html and "--client" not in html and "content/" not in html
    assert "A" * 300 not in html  # the value is never sent back


def test_a_note_that_overflows_the_page_limit_is_blamed_on_the_note(
        client: FlaskClient, example: Path) -> None:
    stretch = example / "content" / "desk-stretch-break.yaml"  # two pages, at its limit
    stretch.write_text(stretch.read_text(encoding="utf-8").replace(
        "max_pages: 3", "max_pages: 2"), encoding="utf-8")
    note = " ".join(["Keep the pressure light and breathe out slowly."] * 40)[:2000]
    response = _post(client, "preview", "desk-stretch-break", client=NAME, note=note)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert re.search(r"Personal note</a>: makes the handout longer than its limit of "
                     r"\d+ pages?; shorten it", html)
    assert "max_pages" not in html and "content/desk-stretch-break.yaml" not in html


def test_a_stylesheet_that_makes_the_handout_too_long_is_not_blamed_on_the_client(
        client: FlaskClient, example: Path) -> None:
    """The owner's stylesheet made every handout too long: staff were told to shorten a
    two-letter name. Now the page limit is said as it is, at the handout's file."""
    sheet = example / "templates" / "extra.css"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\nbody { font-size: 40px }\n",
                     encoding="utf-8")
    response = _post(client, "preview", "desk-stretch-break", client="Al")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422, page
    assert "makes the handout longer" not in page and "Client’s name</a>" not in page
    assert re.search(r"content/desk-stretch-break\.yaml:\d+</code>\s+<strong>max_pages</strong>"
                     r": needs \d+ pages", page), page


def test_a_2mb_field_is_never_repeated_back(client: FlaskClient) -> None:
    response = _post(client, "preview", client="B" * 2_000_000)
    assert response.status_code == 422
    assert len(response.data) < 50_000


@pytest.mark.parametrize("typed", ["12/15/2026", "Dec 15, 2026", "2026-12-15", "15 December 2026"])
def test_the_form_reads_the_same_dates_as_the_client_csv(client: FlaskClient, typed: str) -> None:
    response = _post(client, "pdf", "desk-stretch-break", client=NAME, next_appointment=typed)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "December 15, 2026" in pdf_text(response.data, by_position=True)


def test_an_unreadable_date_says_how_to_write_one(client: FlaskClient) -> None:
    for typed in ("05/06/26", "next tuesday"):
        html = _post(client, "preview", client=NAME, next_appointment=typed).get_data(
            as_text=True)
        assert ("Next appointment</a>: is not a date handouts can read; write it as "
                "12/15/2026 or 2026-12-15") in html
    # Written as a date, of a day that does not exist: said so, not "write it as".
    html = _post(client, "preview", client=NAME, next_appointment="2026-02-30").get_data(
        as_text=True)
    assert ("Next appointment</a>: is not a day of the calendar (that month has fewer days, "
            "or there is no such month); check the day and the month") in html


# ------------------------------------------------------------------- search

@pytest.mark.parametrize(("query", "found"), [
    ("massage back", ["How to give a back massage"]),
    ("BACK   Massage", ["How to give a back massage"]),
    ("espalda", ["How to give a back massage"]),
    ("masaje", ["How to give a back massage"]),
    ("Masáje ESPALDA", ["How to give a back massage"]),
    ("stretch desk", ["A 5-minute stretch break for desk workers"]),
    ("massage zebra", []),
])
def test_search_finds_every_word_in_any_order_language_or_accent(
        client: FlaskClient, query: str, found: list[str]) -> None:
    html = client.get("/", query_string={"q": query}).get_data(as_text=True)
    titles = re.findall(r'<h2><a href="/h/[^"]+">([^<]+)</a></h2>', html)
    assert titles == found


# ------------------------------------------------- the fetch() answers, copies

def test_the_pages_script_gets_json_and_a_one_time_pdf_address(
        client: FlaskClient, example: Path, tmp_path: Path) -> None:
    preview = _post(client, "preview", json=True, client=NAME)
    body = preview.get_json()
    assert body["ok"] and body["pages"][0].startswith("data:image/png;base64,")
    made = _post(client, "pdf", json=True, client=NAME, paper="a4").get_json()
    assert made["ok"] and made["filename"] == "back-massage-en-general-a4-standard.pdf"
    assert re.fullmatch(r"/copy/[A-Za-z0-9_-]{24}\.pdf", made["url"])
    pdf = client.get(made["url"])
    assert pdf.mimetype == "application/pdf" and pdf.headers["Cache-Control"] == "no-store"
    assert pdf.headers["X-Frame-Options"] == "SAMEORIGIN"  # printed from the desk's frame
    expected = build(load_project(example, ("back-massage",)), out=tmp_path / "o", paper="a4",
                     client=Client(NAME))
    assert pdf.data == expected.built[0].path.read_bytes()
    assert client.get("/copy/" + "x" * 24 + ".pdf").status_code == 404
    refused = _post(client, "preview", json=True, client="Ana \x07")
    assert refused.status_code == 422
    [problem] = refused.get_json()["problems"]
    assert problem["field"] == "client" and problem["label"] == "Client’s name"


def test_a_form_still_set_to_a_language_whose_translation_broke_says_why(
        client: FlaskClient, example: Path) -> None:
    """The page was opened in Spanish; then the owner's edit broke the Spanish file: the
    copy form said only "choose one of the listed options" (the basket named the file)."""
    token = csrf(client, "/h/back-massage")
    po = example / "content" / "back-massage.es.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "', 'msgstr "\\q', 1),
                  encoding="utf-8")
    answer = client.post("/h/back-massage/preview", headers=JSON,
                         data={"language": "es", "csrf_token": token})
    assert answer.status_code == 422
    assert [(p["field"], p["message"]) for p in answer.get_json()["problems"]] == [(
        "language", "is not available now: content/back-massage.es.po has errors (the "
        "clinic owner can fix them); choose another language")]


def test_a_half_saved_picture_takes_its_handout_off_the_desk_at_its_line(
        client: FlaskClient, example: Path) -> None:
    """A step's SVG cut short while the desk runs: the library showed the handout as
    ready, and every preview then failed with the file's address on the server. Now its
    card says it is not available, with the content line, as for a deleted picture."""
    picture = example / "content" / "images" / "back-massage-hands.svg"
    picture.write_bytes(picture.read_bytes()[:300])
    html = client.get("/").get_data(as_text=True)
    card = html[html.index('class="card broken"'):]
    assert "Not available" in card
    assert re.search(r"<code>content/back-massage\.yaml:\d+</code>", card)
    assert client.get("/h/back-massage").status_code == 409
    assert _post(client, "pdf", "desk-stretch-break", client=NAME).status_code == 200


def test_an_expired_form_gets_a_fresh_token_so_nothing_typed_is_lost(
        client: FlaskClient) -> None:
    stale = client.post("/h/back-massage/preview", headers=JSON,
                        data={"client": NAME, "csrf_token": "from-before-a-restart"})
    assert stale.status_code == 403
    body = stale.get_json()
    assert body["expired"] and body["csrf"] and NAME not in stale.get_data(as_text=True)
    again = client.post("/h/back-massage/preview", headers=JSON,
                        data={"client": NAME, "csrf_token": body["csrf"]})
    assert again.status_code == 200 and again.get_json()["ok"]


def test_an_open_form_still_works_after_the_server_restarts(example: Path) -> None:
    secret = b"k" * 32
    first = _app(example, secret=secret)
    token = csrf(first)
    cookie = first.get_cookie("handouts_session")
    restarted = _app(example, secret=secret)
    restarted.set_cookie(cookie.key, cookie.value)
    response = restarted.post("/h/back-massage/pdf", data={"client": NAME, "csrf_token": token},
                              follow_redirects=True)
    assert response.status_code == 200


def test_the_access_cookie_outlives_a_browser_restart(example: Path) -> None:
    client = _app(example, host="192.0.2.10", token="t" * 32)
    headers = {"Host": "192.0.2.10:8000"}
    assert client.get("/", headers=headers).status_code == 403
    swap = client.get("/?token=" + "t" * 32, headers=headers)
    cookie = swap.headers["Set-Cookie"]
    assert cookie.startswith(f"{TOKEN_COOKIE}=") and f"Max-Age={TOKEN_MAX_AGE}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert client.get("/", headers=headers).status_code == 200
    tls = _app(example, host="192.0.2.10", token="t" * 32, tls=True)
    assert "Secure" in tls.get("/?token=" + "t" * 32, headers=headers).headers["Set-Cookie"]


def test_a_starter_handout_is_never_shown_as_reviewed(example: Path) -> None:
    from handouts.commands.starter import add_handouts, choose

    add_handouts(example, choose(["ice-or-heat"], "add"))
    html = _app(example).get("/").get_data(as_text=True)
    card = html[html.index("/h/ice-or-heat"):]
    card = card[:card.index("Prepare a copy")]
    assert "Not yet: starter text the clinic must review" in card


def test_a_wrong_choice_is_tied_to_its_select(client: FlaskClient) -> None:
    html = _post(client, "preview", client=NAME, paper="legal").get_data(as_text=True)
    # The posted value is not offered: the select starts on "Choose one", required.
    assert '<select id="paper" name="paper" required aria-invalid="true" ' \
        'aria-describedby="paper-error">' in html
    assert '<option value="" selected>Choose one</option>' in html
    assert '<p class="field-error" id="paper-error">choose one of the listed options</p>' in html


# ------------------------------------------------------- a broken template override

def _masthead(root: Path, extra: str) -> None:
    """Override the theme's masthead with one that prints ``extra`` (a marker or a bug)."""
    theme = Path(__import__("handouts").__file__).parent / "theme" / "masthead.html.j2"
    text = theme.read_text(encoding="utf-8").replace(
        '<p class="clinic-name">{{ clinic.name }}</p>',
        f'<p class="clinic-name">{{{{ clinic.name }}}} {extra}</p>', 1)
    (root / "templates" / "masthead.html.j2").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("bug", ["{% if %}", "{{ clinic.no_such_name }}"],
                         ids=["syntax", "undefined-at-render"])
def test_a_broken_template_override_keeps_the_last_good_templates_serving(
        client: FlaskClient, example: Path, bug: str) -> None:
    shutil.copytree(REPO / "programs", example / "programs")
    _masthead(example, "Approved")
    before = _post(client, "pdf", client=NAME)
    assert before.status_code == 200
    assert "Massage Mesa Approved" in pdf_text(before.data, by_position=True)
    _masthead(example, bug)  # the owner saves a mistake during opening hours
    after = _post(client, "pdf", client=NAME)
    assert after.status_code == 200, after.get_data(as_text=True)
    assert after.data == before.data  # made with the last good templates
    program = client.post("/program/pdf", data=started(client), follow_redirects=True)
    assert program.status_code == 200, program.get_data(as_text=True)
    assert "Massage Mesa Approved" in pdf_text(program.data, by_position=True)
    html = client.get("/").get_data(as_text=True)
    assert ("For the clinic owner: templates/masthead.html.j2 has errors, so the desk keeps "
            "using its last good version") in html
    assert re.search(r"<code>templates/masthead\.html\.j2:\d+</code>", html)
    _masthead(example, "Fixed")  # fixed: the files are used again, and the banner goes
    fixed = _post(client, "pdf", client=NAME)
    assert "Massage Mesa Fixed" in pdf_text(fixed.data, by_position=True)
    assert "For the clinic owner" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("bug", ["{% if %}", "{{ clinic.no_such_name }}"],
                         ids=["syntax", "undefined-at-render"])
def test_a_template_broken_since_the_start_is_shown_with_its_file(example: Path,
                                                                  bug: str) -> None:
    """A desk started (after a power cut, say) with a typo in one template refused every
    copy: no good version to fall back on. Now the theme's own template answers for that
    one, the clinic's others stay in use, and the owner's banner names the file."""
    _masthead(example, bug)
    sheet = example / "templates" / "extra.css"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\n.clinic-name::after "
                     "{ content: ' Styled' }\n", encoding="utf-8")
    browser = _app(example)
    made = _post(browser, "pdf", client=NAME)
    assert made.status_code == 200, made.get_data(as_text=True)
    text = pdf_text(made.data, by_position=True)
    assert "Massage Mesa Styled" in text and NAME in text  # the clinic's stylesheet too
    html = browser.get("/").get_data(as_text=True)
    assert ("For the clinic owner: templates/masthead.html.j2 has errors, so the desk uses "
            "the built-in design in its place until fixed") in html
    assert re.search(r"<code>templates/masthead\.html\.j2:\d+</code>", html)
    _masthead(example, "Fixed")
    fixed = _post(browser, "pdf", client=NAME)
    assert "Massage Mesa Fixed" in pdf_text(fixed.data, by_position=True)
    assert "For the clinic owner" not in browser.get("/").get_data(as_text=True)


def test_search_still_finds_a_handout_whose_file_has_errors(
        client: FlaskClient, example: Path) -> None:
    """By its name, as not available with the reason (it was hidden, as if it did not
    exist, while the unfiltered library showed it)."""
    path = example / "content" / "desk-stretch-break.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title:", "title: [", 1),
                    encoding="utf-8")
    html = client.get("/?q=stretch").get_data(as_text=True)
    assert "0 of 1 handouts match “stretch”, and 1 that is not available now." in html
    assert re.search(r"<code>content/desk-stretch-break\.yaml:\d+</code>", html)
    assert "desk-stretch-break" not in client.get("/?q=massage").get_data(as_text=True)


def test_a_language_not_ready_for_a_location_is_said_at_the_language_field(
        group: Path) -> None:
    """North's opening hours wait for their Arabic (the translation file has their
    entry, still empty): an Arabic copy for North is refused at the Language field, in
    staff's words (it was the owner's command-line message, 'run handouts translate',
    beside no field); Downtown's Arabic copy is made. (A file with no entry for them at
    all prints them as written, with a warning: the clinic's words joined translation
    files after the first ones were made.)"""
    config = group / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "      phone: (480) 555-0177\n",
        "      phone: (480) 555-0177\n      hours: Mon–Fri 8am–6pm\n", 1), encoding="utf-8")
    assert run_in(group, "translate", "back-massage", "ar").exit_code == 0
    assert 'msgctxt "clinic.locations.north.hours"' in (
        group / "content/back-massage.ar.po").read_text(encoding="utf-8")
    client = _app(group)
    answer = _post(client, "preview", json=True, client=NAME, language="ar",
                   location="north")
    assert answer.status_code == 422
    problems = answer.get_json()["problems"]
    assert [(p["field"], p["message"]) for p in problems] == [(
        "language", "Arabic is not ready for this version yet (content/back-massage.ar.po "
        "or handouts.yaml lacks clinic.locations.north.hours): choose another language, "
        "or ask the clinic owner to finish the translation")]
    assert _post(client, "preview", json=True, client=NAME, language="ar",
                 location="downtown").status_code == 200
    # The form says it before anyone tries: Arabic is marked as not for North (the
    # script takes it off the list while North is chosen), the others for both.
    page = client.get("/h/back-massage").get_data(as_text=True)
    assert '<option value="ar" data-off="north">' in page
    assert re.search(r'<option value="en"( selected)?>', page)


def test_a_template_that_fails_only_on_some_pages_falls_back_to_the_last_good(
        client: FlaskClient, example: Path) -> None:
    """QA: a saved template rendered a copy without a client, so it was taken for good;
    a named copy then failed in it, and the desk fell back on the built-in design. It
    falls back on the templates good before it ("Approved")."""
    _masthead(example, "Approved")
    assert "Massage Mesa Approved" in pdf_text(_post(client, "pdf").data, by_position=True)
    _masthead(example, "Branch {% if page.client %}{{ clinic.no_such_name }}{% endif %}")
    plain = _post(client, "pdf")
    assert "Massage Mesa Branch" in pdf_text(plain.data, by_position=True)
    named = _post(client, "pdf", client=NAME)
    assert named.status_code == 200, named.get_data(as_text=True)
    assert "Massage Mesa Approved" in pdf_text(named.data, by_position=True)
    html = client.get("/").get_data(as_text=True)
    assert ("For the clinic owner: templates/masthead.html.j2 has errors, so the desk keeps "
            "using its last good version") in html


@pytest.mark.parametrize("saved", ["handouts.yaml", "content/back-massage.yaml"])
def test_a_copy_made_as_the_owner_saves_a_mistake_uses_the_last_good_file(
        example: Path, saved: str) -> None:
    """QA: the desk decided the files were unchanged, then the owner saved a typo
    before the renderer read them: the copy was refused with the owner's error (422).
    It is made again from the desk's view of the files: handouts.yaml's last good
    version; a content file with errors is "not available" (409), as on any page."""
    from handouts.web import site_of

    app = create_app(example, pool=RenderPool(inline=True), watch=False, checks=False)
    app.config["TESTING"] = True
    browser = app.test_client()
    site = site_of(app)
    token = csrf(browser)
    path = example / saved
    good = path.read_text(encoding="utf-8")
    real = site.pool.run
    calls = []

    def saved_meanwhile(*args: Any, **kwargs: Any) -> Any:
        if not calls:  # the owner's save lands between the desk's check and the render
            path.write_text(good.replace("phone: ", "phone: [", 1) if saved == "handouts.yaml"
                            else good.replace("title:", "title: [", 1), encoding="utf-8")
        calls.append(args[0])
        return real(*args, **kwargs)

    site.pool.run = saved_meanwhile  # type: ignore[method-assign]
    made = browser.post("/h/back-massage/pdf", data={"client": NAME, "csrf_token": token},
                        follow_redirects=True)
    assert len(calls) == 2
    if saved == "handouts.yaml":
        assert made.status_code == 200, made.get_data(as_text=True)
        assert NAME in pdf_text(made.data, by_position=True)
    else:
        assert made.status_code == 409, made.get_data(as_text=True)
        assert "Not available at the moment" in made.get_data(as_text=True)


def test_the_json_answers_name_the_setting_that_is_wrong_in_the_owners_file(
        client: FlaskClient, example: Path) -> None:
    """QA: a content file's misspelt key gave ``"message": "is required"`` in the
    script's answer, without saying what is required (the page without script and
    ``handouts check`` say ``review: is required``)."""
    path = example / "content" / "back-massage.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("\nreview:", "\nreveiw:", 1),
                    encoding="utf-8")
    token = csrf(client, "/h/desk-stretch-break")  # the broken handout's page is a 409
    answer = client.post("/h/back-massage/pdf", data={"client": NAME, "csrf_token": token},
                         headers=JSON)
    assert answer.status_code == 409
    messages = [p["message"] for p in answer.get_json()["problems"]]
    assert any(m.startswith("review: is required") for m in messages), messages
    assert any(m.startswith("reveiw: unknown key") for m in messages), messages
