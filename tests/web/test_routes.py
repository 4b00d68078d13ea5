"""The web app's routes through Flask's test client (renders run in this thread)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from handouts.commands.build import build
from handouts.errors import HandoutsError
from handouts.project.load import load_project
from handouts.variants.clients import Client
from handouts.web import create_app, site_of
from handouts.web.preview import live_status
from handouts.web.workers import RenderPool

from ..helpers import pdf_page_count, pdf_pages

NAME = "Zoë Example-Client"
FIELDS = {"client": NAME, "note": "Keep the pressure gentle on the left side.",
          "therapist": "Ana Ruiz", "next_appointment": "2099-03-14"}
CLIENT = Client(NAME, FIELDS["note"], FIELDS["therapist"], dt.date(2099, 3, 14))




def csrf(client: FlaskClient, path: str = "/h/back-massage") -> str:
    """The CSRF token the page at ``path`` gives this client."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def built_pdf(root: Path, tmp_path: Path, **options: object) -> bytes:
    """What ``handouts build back-massage ...`` writes for the same choices."""
    result = build(load_project(root, ("back-massage",)), out=tmp_path / "built", **options)  # type: ignore[arg-type]
    [item] = result.built
    return item.path.read_bytes()


@pytest.mark.parametrize(("form", "options"), [
    ({}, {}),
    ({"paper": "a4", "language": "es", "audience": "caregivers", "print_size": "large"},
     {"paper": "a4", "language": "es", "audience": "caregivers", "print_size": "large"}),
])
def test_pdf_is_byte_identical_to_handouts_build(client: FlaskClient, example: Path,
                                                 tmp_path: Path, form: dict[str, str],
                                                 options: dict[str, str]) -> None:
    token = csrf(client)
    response = client.post("/h/back-massage/pdf",
                           data={**FIELDS, **form, "csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    # The form's POST is answered with the copy's kept address (see
    # test_a_form_sent_without_the_script_leaves_no_client_details_in_the_history).
    assert [r.status_code for r in response.history] == [303]
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline; filename=") and "back-massage" in disposition
    assert "Zo" not in disposition and "Example" not in disposition
    # The desk's own page may print it from a frame; no other site may frame it.
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.data == built_pdf(example, tmp_path, client=CLIENT, **options)
    text = pdf_pages(response.data)[0]
    assert NAME in text


@pytest.mark.parametrize(("route", "filename"), [
    ("/h/back-massage/pdf", "back-massage-en-general-letter-standard.pdf"),
    ("/program/pdf", "home-program.pdf")])
def test_a_form_sent_without_the_script_leaves_no_client_details_in_the_history(
        client: FlaskClient, route: str, filename: str) -> None:
    """QA: without the page's script, Print and Download posted the form and got the
    PDF as the answer, so the browser's history and its session files kept the POST,
    the client's name and note in it (a reload sent them again). Now the POST is
    answered 303 See Other with the copy's short-lived address, which names nobody:
    the history holds a GET of it. Download saves it, Print shows it."""
    if route == "/program/pdf":
        form = {**FIELDS, "csrf_token": csrf(client, "/program"),
                "item-0-handout": "back-massage", "item-0-reps": "5"}
    else:
        form = {**FIELDS, "csrf_token": csrf(client)}
    for action, how in (("print", "inline"), ("download", "attachment")):
        answer = client.post(route, data={**form, "action": action})
        assert answer.status_code == 303, answer.data[-2000:]
        location = answer.headers["Location"]
        assert re.fullmatch(r"/copy/[A-Za-z0-9_-]{24}\.pdf(\?download=1)?", location), location
        assert (action == "download") == location.endswith("?download=1")
        assert NAME not in answer.get_data(as_text=True)
        for _ in range(2):  # a reload fetches the copy again, without the form
            pdf = client.get(location)
            assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
            assert pdf.headers["Content-Disposition"] == f'{how}; filename="{filename}"'
            assert NAME in pdf_pages(pdf.data)[0]
    # A form that cannot be made: its page (what to fix, what was typed kept) is sent
    # on to the same way, and answers 422 there.
    refused = client.post(route, data={**form, "next_appointment": "2026-02-30"})
    assert refused.status_code == 303
    location = refused.headers["Location"]
    assert re.fullmatch(r"/shown/[A-Za-z0-9_-]{24}", location), location
    for _ in range(2):  # a reload shows it again, without sending the form
        shown = client.get(location)
        assert shown.status_code == 422 and shown.headers["Cache-Control"] == "no-store"
        html = shown.get_data(as_text=True)
        assert "Next appointment" in html and "2026-02-30" in html and NAME in html
    gone = client.get("/shown/" + "x" * 24)  # an old key: kept only for a moment
    assert gone.status_code == 404 and "no longer kept" in gone.get_data(as_text=True)


def test_plain_copy_without_a_client_is_the_everyday_pdf(client: FlaskClient, example: Path,
                                                         tmp_path: Path) -> None:
    response = client.post("/h/desk-stretch-break/pdf",
                           data={"csrf_token": csrf(client, "/h/desk-stretch-break")},
                           follow_redirects=True)
    result = build(load_project(example, ("desk-stretch-break",)), out=tmp_path / "built")
    assert response.data == result.built[0].path.read_bytes()


def test_preview_shows_every_page_as_a_png(client: FlaskClient, example: Path,
                                           tmp_path: Path) -> None:
    response = client.post("/h/back-massage/preview",
                           data={**FIELDS, "csrf_token": csrf(client)}, follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    pages = pdf_page_count(built_pdf(example, tmp_path, client=CLIENT))
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == pages >= 2
    assert f"Page 1 of {pages}" in html


def test_a_named_copy_gives_the_record_for_the_clients_file(client: FlaskClient) -> None:
    """After a named copy, the page (and its JSON) gives the paragraph to paste into the
    client's file: what was given, by whom, when; never the client's name or note."""
    today = dt.date.today().isoformat()
    expected = (f"Handout given {today} by Ana Ruiz, English: How to give a back massage "
                "— content reviewed 2026-11-02.")
    page = client.post("/h/back-massage/preview", data={**FIELDS, "csrf_token": csrf(client)},
                       follow_redirects=True)
    html = page.get_data(as_text=True)
    assert (f'<textarea id="record" rows="3" readonly autocomplete="off">{expected}'
            '</textarea>') in html
    answer = client.post("/h/back-massage/pdf", data={**FIELDS, "csrf_token": csrf(client)},
                         headers={"Accept": "application/json"}).get_json()
    assert answer["record"] == expected
    for detail in (NAME, FIELDS["note"], "2099-03-14"):
        assert detail not in answer["record"]
    plain = client.post("/h/back-massage/pdf", data={"csrf_token": csrf(client)},
                        headers={"Accept": "application/json"}).get_json()
    assert plain["ok"] and plain["record"] == ""  # nothing given to anyone


def test_a_date_that_does_not_exist_is_shown_in_the_page(client: FlaskClient) -> None:
    response = client.post("/h/back-massage/pdf", data={
        **FIELDS, "next_appointment": "2026-02-30", "csrf_token": csrf(client)},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    # In the field's own words: a day that does not exist, said as such.
    assert ('<a href="#next_appointment">Next appointment</a>: is not a day of the calendar '
            '(that month has fewer days, or there is no such month); check the day and the '
            'month') in html
    assert 'aria-invalid="true" aria-describedby="next_appointment-hint next_appointment-error"' \
        not in html  # the date field lists its hint first, then the error
    assert 'aria-describedby="next_appointment-hint next_appointment-error" aria-invalid="true"' \
        in html
    assert "Traceback" not in html
    # The form keeps what was typed, so it can be corrected.
    assert 'value="2026-02-30"' in html


def test_a_character_no_font_has_gets_the_clis_message_with_what_staff_can_do(
        client: FlaskClient, example: Path, tmp_path: Path) -> None:
    """The same problem as the command line, but staff are told to leave the character
    out (they cannot add a font to handouts.yaml, which the owner's message says)."""
    from handouts.checks.glyphs import FONT_HINT
    from handouts.web.library import DESK_FONT_HINT

    name = "Ana \u2ff0\U0001D11E"  # an ideographic description character and a clef
    with pytest.raises(HandoutsError) as cli:
        build(load_project(example, ("back-massage",)), out=tmp_path / "o", client=Client(name))
    response = client.post("/h/back-massage/preview",
                           data={"client": name, "csrf_token": csrf(client)}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert cli.value.problems
    for problem in cli.value.problems:
        assert FONT_HINT in problem.message
        assert problem.message.replace(FONT_HINT, DESK_FONT_HINT).replace(
            "'", "&#39;") in html
    assert "handouts.yaml" not in html.split('id="client"')[1].split("</p>")[0]
    assert name not in html.split('id="client"')[0]  # only in the form's own field


def test_a_note_without_a_name_is_refused(client: FlaskClient) -> None:
    response = client.post("/h/back-massage/preview",
                           data={"note": "Ice after", "csrf_token": csrf(client)},
                           follow_redirects=True)
    assert response.status_code == 422
    assert ('<a href="#client">Client’s name</a>: is needed for a note, a therapist or a '
            'next appointment') in response.get_data(as_text=True)


def test_a_desk_too_busy_to_answer_says_try_again_not_that_the_request_is_wrong(
        client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """No renderer answered in time (the pool's own behaviour: tests/web/test_pool.py):
    503 with Retry-After, for the page and its script, on the copy and the program."""
    from handouts.commands.pool import BUSY
    from handouts.render.result import Rendered
    from handouts.web import Site

    monkeypatch.setattr(Site, "make", lambda self, *args: RenderPool.busy_answer(BUSY))
    token = csrf(client)
    for headers in ({}, {"Accept": "application/json"}):
        answer = client.post("/h/back-massage/pdf", data={**FIELDS, "csrf_token": token},
                             headers=headers, follow_redirects=True)
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
        assert BUSY in answer.get_data(as_text=True)
        program = client.post("/program/pdf", data={
            "csrf_token": csrf(client, "/program"), "client": NAME,
            "item-0-handout": "back-massage", "item-0-reps": "5"}, headers=headers,
            follow_redirects=True)
        assert program.status_code == 503, program.get_data(as_text=True)[-3000:]
        assert program.headers["Retry-After"] == "5"
    # A request's own mistake is still 422.
    assert isinstance(RenderPool.busy_answer(BUSY), Rendered)
    wrong = client.post("/h/back-massage/pdf", data={"note": "x", "csrf_token": token},
                        follow_redirects=True)
    assert wrong.status_code == 422 and "Retry-After" not in wrong.headers


def test_post_without_a_valid_csrf_token_is_refused(client: FlaskClient) -> None:
    csrf(client)  # the session exists, with its token
    assert client.post("/h/back-massage/pdf", data=FIELDS, follow_redirects=True).status_code == 403
    assert client.post("/h/back-massage/pdf",
                       data={**FIELDS, "csrf_token": "forged"},
                       follow_redirects=True).status_code == 403
    assert client.post("/batch", data={"csrf_token": "forged"}).status_code == 403
    # Another browser's token is not this browser's token.
    other = client.application.test_client()
    assert other.post("/h/back-massage/pdf",
                      data={**FIELDS, "csrf_token": csrf(client)},
                      follow_redirects=True).status_code == 403


def test_unknown_host_header_is_refused(client: FlaskClient) -> None:
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400
    assert client.get("/", headers={"Host": "attacker.example:8000"}).status_code == 400
    assert client.get("/", headers={"Host": "localhost:8000"}).status_code == 200
    assert client.get("/", headers={"Host": "127.0.0.1:8000"}).status_code == 200


def test_off_loopback_a_token_is_swapped_for_a_strict_cookie(example: Path) -> None:
    app = create_app(example, host="192.0.2.10", token="s3cret-token",
                     pool=RenderPool(inline=True), watch=False,
                     checks=False)
    client = app.test_client()
    host = {"Host": "192.0.2.10:8000"}
    assert client.get("/", headers=host).status_code == 403
    assert client.get("/?token=wrong", headers=host).status_code == 403
    swapped = client.get("/h/back-massage?token=s3cret-token", headers=host)
    assert swapped.status_code == 303
    assert swapped.headers["Location"].endswith("/h/back-massage")  # token gone from the URL
    cookie = swapped.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/", headers=host).status_code == 200
    assert app.test_client().get("/", headers={"Host": "attacker.example"}).status_code == 400


@pytest.mark.parametrize("path", ["/", "/h/back-massage", "/live/back-massage",
                                  "/static/style.css", "/no-such-page", "/batch"])
def test_every_response_has_the_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    for part in ("default-src 'self'", "img-src 'self' data: blob:", "frame-ancestors 'none'",
                 "form-action 'self'"):
        assert part in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    if not path.startswith("/static"):
        assert response.headers["Cache-Control"] == "no-store"
    response.close()


@pytest.mark.parametrize("path", [
    "/thumb/..%2fhandouts.yaml.png", "/thumb/..%2F..%2Fetc%2Fpasswd.png",
    "/static/..%2fhandouts.yaml", "/static/../../handouts.yaml",
    "/live/..%2fhandouts/page/1.png", "/h/..%2fhandouts", "/live/back-massage/page/0.png",
    "/thumb/no-such-handout.png"])
def test_paths_outside_the_routes_are_refused(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert b"clinic:" not in response.data and b"root:" not in response.data


def test_library_lists_and_searches_by_title_and_keyword(client: FlaskClient) -> None:
    everything = client.get("/").get_data(as_text=True)
    assert "How to give a back massage" in everything
    assert "Massage Mesa" in everything  # the clinic's name heads every page
    assert "English, Spanish" in everything
    by_keyword = client.get("/?q=CAREGIVING").get_data(as_text=True)
    assert "How to give a back massage" in by_keyword
    assert 'href="/h/desk-stretch-break"' not in by_keyword
    assert "No handouts match" in client.get("/?q=zebra").get_data(as_text=True)
    thumb = client.get("/thumb/back-massage.png")
    assert thumb.mimetype == "image/png" and thumb.data.startswith(b"\x89PNG")


def test_handout_page_offers_only_languages_with_a_translation(client: FlaskClient) -> None:
    html = client.get("/h/desk-stretch-break").get_data(as_text=True)
    assert '<option value="en"' in html and '<option value="es"' not in html
    html = client.get("/h/back-massage").get_data(as_text=True)
    assert '<option value="es"' in html and '<option value="caregivers"' in html
    refused = client.post("/h/desk-stretch-break/pdf", data={
        "language": "es", "csrf_token": csrf(client, "/h/desk-stretch-break")},
                          follow_redirects=True)
    assert refused.status_code == 422
    assert "Language</a>: choose one of the listed options" in refused.get_data(as_text=True)


def test_live_state_keeps_the_last_good_pages_while_a_file_has_errors(
        client: FlaskClient, example: Path) -> None:
    good = client.get("/live/back-massage/state").get_json()
    assert good["ok"] and len(good["images"]) >= 2 and good["errors"] == 0
    source = example / "content" / "back-massage.yaml"
    text = source.read_text(encoding="utf-8")
    broken = text.replace("title: How to give a back massage", "title: [unclosed", 1)
    source.write_text(broken, encoding="utf-8")
    bad = client.get("/live/back-massage/state").get_json()
    assert not bad["ok"] and bad["stale"] and bad["errors"] >= 1
    assert bad["images"] == good["images"]  # the last good version stays
    assert any(p["where"].startswith("content/back-massage.yaml:") for p in bad["problems"])
    assert client.get(good["images"][0]).data.startswith(b"\x89PNG")
    source.write_text(text.replace("How to give a back massage", "Giving a back massage", 1),
                      encoding="utf-8")
    fixed = client.get("/live/back-massage/state").get_json()
    assert fixed["ok"] and not fixed["stale"] and fixed["version"] != good["version"]


def test_live_status_says_cannot_be_made_only_when_the_shown_version_failed(
        client: FlaskClient, example: Path) -> None:
    """An error in another version (Spanish, here a character no font has) made the
    English preview say "This version cannot be made." beside its good pages. The page
    as first sent and the state the script updates it from say the same sentence."""
    config = example / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "handouts: [desk-stretch-break]", "handouts: [back-massage]").replace(
        "  languages: [en]\n", "  languages: [en, es]\n"), encoding="utf-8")
    po = example / "content" / "back-massage.es.po"
    po.write_text(po.read_text(encoding="utf-8").replace(
        'msgstr "Cómo dar un masaje de espalda"',
        'msgstr "Cómo dar un masaje de espalda \U0001F642"', 1), encoding="utf-8")
    english = client.get("/live/back-massage/state").get_json()
    assert english["ok"] and english["images"] and english["errors"] == 1
    assert any(p["where"].startswith("content/back-massage.es.po:") for p in english["problems"])
    assert english["status"] == "Up to date. 1 problem in other versions (see below)."
    page = client.get("/live/back-massage").get_data(as_text=True)
    assert '<p id="status" class="status" role="status">Up to date. 1 problem in other ' \
           "versions (see below).</p>" in page
    spanish = client.get("/live/back-massage/state?language=es").get_json()
    assert not spanish["ok"] and not spanish["images"]
    assert spanish["status"] == "This version cannot be made."
    assert '<p id="status" class="status" role="status">This version cannot be made.</p>' \
        in client.get("/live/back-massage?language=es").get_data(as_text=True)
    # One rule: the page's script shows the state's sentence, and has none of its own.
    with client.get("/static/live.js") as response:
        script = response.get_data(as_text=True)
    assert "state.status" in script and "cannot be made" not in script
    # The rule on its own: the last good pages while the file has errors; no pages.
    assert live_status(False, 2, 1) == "The file has errors: showing the last good version."
    assert live_status(True, 0, 0) == "This version cannot be made."
    assert live_status(True, 2, 3) == "Up to date. 3 problems in other versions (see below)."
    assert live_status(True, 2, 0) == "Up to date. Save a file to see the change here."


def test_a_batch_runs_from_the_page_with_progress(client: FlaskClient, example: Path) -> None:
    token = csrf(client, "/live/back-massage")
    started = client.post("/batch", data={"csrf_token": token})
    assert started.status_code == 303 and started.headers["Location"].endswith("/batch")
    deadline = time.monotonic() + 90
    status = client.get("/batch/status").get_json()
    while not status["finished"] and time.monotonic() < deadline:
        time.sleep(0.2)  # waiting for another process, not timing anything
        status = client.get("/batch/status").get_json()
    assert status["finished"] and status["ok"], status
    assert status["total"] == status["done"] == 1
    assert "rendered" in status["lines"][0]
    assert (example / "output" / "en" / "general" /
            "desk-stretch-break-letter-standard.pdf").is_file()


def test_client_details_appear_in_no_log_line(client: FlaskClient,
                                              caplog: pytest.LogCaptureFixture,
                                              capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    token = csrf(client)
    client.post("/h/back-massage/preview", data={**FIELDS, "csrf_token": token},
                follow_redirects=True)
    client.post("/h/back-massage/pdf", data={**FIELDS, "csrf_token": token}, follow_redirects=True)
    client.post("/h/back-massage/pdf",
                data={**FIELDS, "next_appointment": "2026-02-30", "csrf_token": token},
                follow_redirects=True)
    out, err = capfd.readouterr()
    for value in FIELDS.values():
        assert value not in caplog.text and value not in out and value not in err


def test_an_unexpected_failure_is_a_plain_page_without_internals(
        client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"internal detail {NAME}")

    monkeypatch.setattr(site_of(app).pool, "run", explode)
    response = client.post("/h/back-massage/pdf", data={**FIELDS, "csrf_token": csrf(client)},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html and "internal detail" not in html
    assert "Traceback" not in html and NAME not in caplog.text
    assert "unexpected RuntimeError" in caplog.text


class _FakeServer:
    """Stands in for waitress: records that it ran, then stops as Ctrl+C would."""

    effective_port = 8123

    def __init__(self, app: Flask) -> None:
        self.handouts_app = app
        self.closed = False

    def run(self) -> None:
        raise KeyboardInterrupt

    def close(self) -> None:
        self.closed = True


def _serve(example: Path, monkeypatch: pytest.MonkeyPatch, **options: Any
           ) -> tuple[dict[str, object], list[str]]:
    """``serve()`` on ``example`` with a server that stops at once: what it was made with
    (and the server, as "server"), and the lines it said."""
    from handouts.web import serve as serve_module

    monkeypatch.setenv("XDG_STATE_HOME", str(example.parent / "state"))
    made: dict[str, object] = {}

    def fake_make_server(root: Path, **options: object) -> _FakeServer:
        made.update(options)
        for server_only in ("port", "cert", "key"):
            options.pop(server_only)
        app = create_app(root, pool=RenderPool(inline=True), watch=False,
                         **options)  # type: ignore[arg-type]
        made["server"] = server = _FakeServer(app)
        return server

    monkeypatch.setattr(serve_module, "make_server", fake_make_server)
    lines: list[str] = []
    serve_module.serve(example, port=8123, say=lines.append, **options)
    return made, lines


@pytest.mark.parametrize(("host", "needs_token"), [("127.0.0.1", False), ("0.0.0.0", True),
                                                   ("192.0.2.10", True)])
def test_serve_prints_a_token_address_only_off_loopback(
        example: Path, monkeypatch: pytest.MonkeyPatch, host: str, needs_token: bool) -> None:
    made, lines = _serve(example, monkeypatch, host=host)
    assert made["server"].closed  # type: ignore[attr-defined]
    token = made["token"]
    if needs_token:
        assert isinstance(token, str) and len(token) >= 32
        assert lines[0].endswith(f":8123/?token={token}")
        assert "0.0.0.0" not in lines[0]
    else:
        assert token is None
        assert lines[0].endswith("at http://127.0.0.1:8123/")


def lan_ipv4() -> str:
    """This machine's first non-loopback IPv4 address, found without sending anything
    (connecting a UDP socket only picks the route); skips the test if it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            pytest.skip("this machine has no network address besides loopback")
        address = str(probe.getsockname()[0])
    if address.startswith("127.") or address == "0.0.0.0":
        pytest.skip("this machine has no network address besides loopback")
    return address


@pytest.fixture
def debian_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host name resolves as Debian's /etc/hosts has it (``127.0.1.1 desk-pc``):
    its lookup never gives the LAN address."""
    monkeypatch.setattr(socket, "gethostbyname_ex", lambda name: (name, [], ["127.0.1.1"]))


@pytest.mark.usefixtures("debian_hosts")
def test_bound_everywhere_the_lan_address_and_local_names_are_served(
        example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff on other computers opened http://192.168.1.20:8765/ or desk-pc.local (as
    the front-desk guide says) and got "not served here": only the bare host name was
    accepted. Names that are not this computer's stay refused (DNS rebinding)."""
    lan = lan_ipv4()
    made, _ = _serve(example, monkeypatch, host="0.0.0.0")
    app: Flask = made["server"].handouts_app  # type: ignore[attr-defined]
    token = made["token"]
    short = socket.gethostname().split(".")[0]
    for host in (f"{lan}:8123", lan, f"{short}.local:8123", f"{short.upper()}.LOCAL.:8123",
                 f"{socket.gethostname()}:8123"):
        answer = app.test_client().get(f"/?token={token}", headers={"Host": host})
        assert answer.status_code == 303, host  # accepted: the token swapped for a cookie
    for host in ("evil.example", "evil.example:8123", f"{short}.local.evil.example",
                 f"{lan}.evil.example", "203.0.113.254:8123", "224.0.0.1", "[2001:db8::7]:8123"):
        answer = app.test_client().get(f"/?token={token}", headers={"Host": host})
        assert answer.status_code == 400, host
        assert "not served here" in answer.get_data(as_text=True)


@pytest.mark.usefixtures("debian_hosts")
def test_bound_everywhere_the_printed_address_opens_from_other_computers(
        example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It printed http://127.0.0.1:PORT/?token=..., which no other computer can open."""
    lan = lan_ipv4()
    made, lines = _serve(example, monkeypatch, host="0.0.0.0")
    token = made["token"]
    assert lines[0] == f"Serving {example.resolve()} at http://{lan}:8123/?token={token}"
    assert lines[1] == f"On this computer also http://127.0.0.1:8123/?token={token}"


def test_without_a_route_the_printed_address_is_the_host_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from handouts.web.security import lan_address

    class Unrouted(socket.socket):
        def connect(self, address: object) -> None:
            raise OSError("Network is unreachable")

    monkeypatch.setattr(socket, "socket", Unrouted)
    assert lan_address() == socket.gethostname()


def test_allow_host_names_are_served_and_no_others(
        example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A name only the clinic's IT knows (a reverse proxy's): --allow-host."""
    made, _ = _serve(example, monkeypatch, host="127.0.0.1",
                     allow_hosts=("Desk.MyClinic.example.", "10.9.8.7"))
    client = made["server"].handouts_app.test_client()  # type: ignore[attr-defined]
    for host in ("desk.myclinic.example", "DESK.myclinic.example:443", "10.9.8.7:8123"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host
    for host in ("evil.example", "myclinic.example", "desk.myclinic.example.evil.example"):
        assert client.get("/", headers={"Host": host}).status_code == 400, host


@pytest.mark.parametrize("value", ["http://desk.myclinic.example", "desk.myclinic.example:8443",
                                   "desk.myclinic.example/desk", "", "-desk.example",
                                   "desk pc", "*.myclinic.example"])
def test_allow_host_must_be_a_plain_name(example: Path, monkeypatch: pytest.MonkeyPatch,
                                         value: str) -> None:
    from handouts.web.serve import serve

    monkeypatch.setenv("XDG_STATE_HOME", str(example.parent / "state"))
    with pytest.raises(HandoutsError) as error:
        serve(example, say=lambda line: None, allow_hosts=("desk-pc.clinic.lan", value))
    [problem] = error.value.problems
    assert problem.path == "--allow-host"
    assert problem.message == (
        f"{value!r} is not a host name: give the name alone, without http://, a port or "
        "a path (e.g. desk.myclinic.example)")
    assert error.value.exit_code == 2


def test_serve_starts_with_a_location_no_longer_in_the_project_and_warns(
        example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A location renamed in handouts.yaml kept the desk from starting again (exit 2,
    so a service manager left it offline after a power cut): it starts, says why, and
    its pages ask staff to choose (tests/web/test_desk.py)."""
    made, lines = _serve(example, monkeypatch, location="paris")
    assert lines[0] == (
        "warning: --location: unknown location 'paris' (known: none: handouts.yaml defines "
        "no clinic.locations): the desk starts without a location of its own; staff "
        "choose the location of every copy")
    assert lines[1].endswith("at http://127.0.0.1:8123/")
    assert made["location"] == "paris" and made["server"].closed  # type: ignore[attr-defined]


def test_serve_refuses_a_folder_without_a_project(tmp_path: Path) -> None:
    from handouts.web.serve import serve

    with pytest.raises(HandoutsError) as error:
        serve(tmp_path, say=lambda line: None)
    assert error.value.problems[0].path == "handouts.yaml"


@pytest.mark.parametrize("route", ["/h/back-massage/preview", "/h/back-massage/pdf", "/batch"])
def test_every_post_route_refuses_a_missing_or_forged_csrf_token(
        client: FlaskClient, route: str) -> None:
    csrf(client)  # the session exists, with its token
    for form in (FIELDS, {**FIELDS, "csrf_token": "forged"}):
        response = client.post(route, data=form, follow_redirects=True)
        assert response.status_code == 403, route
        assert NAME not in response.get_data(as_text=True)


@pytest.mark.parametrize("route", ["/", "/h/back-massage", "/events", "/live/back-massage",
                                   "/live/back-massage/state", "/thumb/back-massage.png",
                                   "/batch", "/batch/status", "/static/style.css"])
def test_off_loopback_every_route_needs_the_access_token(example: Path, route: str) -> None:
    app = create_app(example, host="192.0.2.10", token="s3cret-token",
                     pool=RenderPool(inline=True), watch=False, checks=False)
    response = app.test_client().get(route, headers={"Host": "192.0.2.10:8000"})
    assert response.status_code == 403, route
    assert b"s3cret" not in response.data


def test_forty_staff_printing_at_once_each_find_their_copy() -> None:
    """Finished PDFs are kept by bytes, not by count: forty at once are all still there
    for their browsers (32 were, the rest answered 404); past the budget the oldest go."""
    from handouts.web.library import Copies

    copies = Copies()
    keys = [copies.keep(bytes([n]) * 300_000, f"copy-{n}.pdf") for n in range(40)]
    assert all(copies.get(key) == (bytes([n]) * 300_000, f"copy-{n}.pdf")
               for n, key in enumerate(keys))
    small = Copies(budget=1_000_000)
    kept = [small.keep(b"x" * 300_000, "a.pdf") for _ in range(4)]
    assert [small.get(key) is not None for key in kept] == [False, True, True, True]


def test_a_next_appointment_before_today_is_a_warning_beside_its_field(
        client: FlaskClient) -> None:
    """The copy is made (it prints as typed) and the answer warns at the field, never
    repeating the date; today's date is fine."""
    today = dt.date.today()
    for day, warned in ((today - dt.timedelta(days=40), True), (today, False)):
        answer = client.post("/h/back-massage/pdf",
                             data={**FIELDS, "next_appointment": day.isoformat(),
                                   "csrf_token": csrf(client)},
                             headers={"Accept": "application/json"}).get_json()
        assert answer["ok"], answer
        said = [p for p in answer["problems"] if p.get("field") == "next_appointment"]
        assert len(said) == warned, answer["problems"]
        if warned:
            assert day.isoformat() not in str(answer)
            assert f"is before the day it is given ({today.isoformat()})" in str(said[0])


def test_an_address_this_computer_gets_later_is_accepted_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A desk computer that the network gives a new address during the day is reached
    at it at once: whether an address is this computer's is asked each time, never
    kept (a kept 'no' refused the new address until the server restarted)."""
    import socket

    from handouts.web.security import own_address

    bound: list[str] = []
    real_bind = socket.socket.bind

    def bind(self: socket.socket, address: tuple[str, int]) -> None:
        if address[0] == "192.0.2.77" and not bound:
            bound.append(address[0])
            raise OSError("Cannot assign requested address")  # not ours yet
        if address[0] == "192.0.2.77":
            return None  # now it is
        return real_bind(self, address)

    monkeypatch.setattr(socket.socket, "bind", bind)
    assert own_address("192.0.2.77") is False
    assert own_address("192.0.2.77") is True
