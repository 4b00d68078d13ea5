"""What ``handouts serve`` keeps between requests, and that it never answers from a stale
or too-broad copy: the worker's per-version checks and layouts, and the server's
project version while the file watcher runs."""

from __future__ import annotations

import re
import threading
import time
import types
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import handouts.web
from handouts.checks import gate
from handouts.checks.content import add_months
from handouts.checks.gate import CheckedVariants, refuse_on_check_errors
from handouts.errors import ValidationError
from handouts.project.load import load_project
from handouts.variants.plan import Variant
from handouts.web import VERSION_TTL, create_app, preview, site_of
from handouts.web.workers import RenderPool, project_version

from ..helpers import edit, pdf_text, squeeze

NAME = "Zoë Example-Client"
FIELDS = {"client": NAME, "note": "Keep the pressure gentle on the left side.",
          "therapist": "Ana Ruiz", "next_appointment": "2099-03-14"}
CONTENT = "content/back-massage.yaml"
#: Characters no font of the theme or the installed script fonts has (as in test_routes).
UNPRINTABLE = "\u2ff0\U0001D11E"


def post_copy(browser: FlaskClient, **fields: str) -> tuple[int, str, bytes]:
    """POST the form for a named PDF: (status, HTML or "", PDF bytes or b"")."""
    html = browser.get("/h/back-massage").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token, html
    response = browser.post("/h/back-massage/pdf",
                           data={**FIELDS, **fields, "csrf_token": token.group(1)},
                           follow_redirects=True)
    if response.mimetype == "application/pdf":
        return response.status_code, "", response.data
    return response.status_code, response.get_data(as_text=True), b""


# ----------------------------------------------------------------- in the worker

def test_an_edited_content_file_changes_the_next_named_copy(client: FlaskClient,
                                                            example: Path) -> None:
    status, html, pdf = post_copy(client)
    assert status == 200, html
    assert "A gentle back massage can help" in pdf_text(pdf)
    edit(example / CONTENT, "A gentle back massage can help", "A calm back massage can help")
    status, html, pdf = post_copy(client, client="Another Client")
    assert status == 200, html
    text = pdf_text(pdf)
    assert "A calm back massage can help" in text
    assert "A gentle back massage can help" not in text
    assert "Another Client" in text


def test_a_check_error_made_by_an_edit_refuses_the_next_copy(client: FlaskClient,
                                                            example: Path) -> None:
    status, html, _ = post_copy(client)
    assert status == 200, html  # the worker now keeps this version's check result
    edit(example / CONTENT, "reviewed: 2026-11-02", "reviewed: 2001-01-02")
    status, html, pdf = post_copy(client)
    assert status == 422 and not pdf
    assert "last reviewed 2001-01-02; a review was due" in html
    assert "review.reviewed" in html


def test_a_kept_check_error_still_refuses_every_copy(client: FlaskClient,
                                                     example: Path) -> None:
    edit(example / CONTENT, "reviewed: 2026-11-02", "reviewed: 2001-01-02")
    answers = [post_copy(client, client=name) for name in ("First Client", "Second Client")]
    for status, html, pdf in answers:
        assert status == 422 and not pdf
        assert "last reviewed 2001-01-02; a review was due" in html


def test_a_client_character_no_font_has_is_refused_after_the_checks_were_kept(
        client: FlaskClient) -> None:
    status, html, _ = post_copy(client)
    assert status == 200, html
    status, html, pdf = post_copy(client, client=f"Ana {UNPRINTABLE}")
    assert status == 422 and not pdf
    assert "Client’s name</a>: has 1 character that no font can print" in squeeze(html)
    status, html, pdf = post_copy(client, client="Ana", note=f"Ice {UNPRINTABLE}")
    assert status == 422 and not pdf
    assert "Personal note</a>: has 1 character that no font can print" in squeeze(html)
    # The same worker still makes copies for printable names afterwards.
    status, html, pdf = post_copy(client, client="Bea Example")
    assert status == 200 and "Bea Example" in pdf_text(pdf)


def test_kept_check_results_hold_no_client_details(client: FlaskClient, example: Path) -> None:
    from handouts.web import workers

    assert post_copy(client)[0] == 200
    assert post_copy(client, client=f"Ana {UNPRINTABLE}")[0] == 422
    kept = workers.desk_workers()["back-massage"].checked
    text = repr(vars(kept))
    # The checks were kept (their key names the variant: "max_pages" alone would only
    # show the loaded project, which is there before any check)...
    assert "Variant(handout='back-massage'" in text
    for value in (NAME, "Zo", FIELDS["note"], FIELDS["therapist"], UNPRINTABLE):
        assert value not in text  # ...and nothing of a client with them


def _variant(root: Path) -> tuple[object, list[object], Variant]:
    whole = load_project(root, ("back-massage",))
    project, documents = whole.project, whole.documents
    doc = documents[0]
    return project, documents, Variant(doc.name, "general", "en", "letter", "standard", None)


def test_kept_checks_are_run_again_on_the_next_day(example: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A review date falls due at midnight: a worker running for days must see it."""
    project, documents, variant = _variant(example)
    reviewed = documents[0].handout.review.reviewed  # type: ignore[attr-defined]
    last_day = add_months(reviewed, 2 * project.config.checks.review_months)  # type: ignore[attr-defined]
    today = [last_day]

    class Day:
        @staticmethod
        def today() -> object:
            return today[0]

    monkeypatch.setattr(gate, "dt", types.SimpleNamespace(date=Day))
    checked = CheckedVariants(project)  # type: ignore[arg-type]
    refuse_on_check_errors(project, documents, [variant], checked=checked)  # type: ignore[arg-type]
    refuse_on_check_errors(project, documents, [variant], checked=checked)  # type: ignore[arg-type]
    today[0] = last_day.fromordinal(last_day.toordinal() + 1)
    with pytest.raises(ValidationError) as refused:
        refuse_on_check_errors(project, documents, [variant], checked=checked)  # type: ignore[arg-type]
    assert [p.field for p in refused.value.problems] == ["review.reviewed"]


def test_kept_checks_answer_only_for_their_own_load_of_the_project(example: Path) -> None:
    project, documents, variant = _variant(example)
    checked = CheckedVariants(project)  # type: ignore[arg-type]
    refuse_on_check_errors(project, documents, [variant], checked=checked)  # type: ignore[arg-type]
    edit(example / CONTENT, "reviewed: 2026-11-02", "reviewed: 2001-01-02")
    again, documents_again, _ = _variant(example)
    with pytest.raises(ValidationError):
        refuse_on_check_errors(again, documents_again, [variant], checked=checked)  # type: ignore[arg-type]


# ----------------------------------------------------------------- in the server

class Clock:
    """A stand-in for :mod:`time` in :mod:`handouts.web` (monotonic only)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The server's clock, moved by hand."""
    fake = Clock()
    monkeypatch.setattr(handouts.web, "time", fake)
    return fake


def test_without_the_watcher_every_version_is_read_from_the_files(app: Flask, example: Path,
                                                                 clock: Clock) -> None:
    site = site_of(app)
    before = site.version()
    edit(example / CONTENT, "A gentle back massage", "A calm back massage")
    assert site.version() != before
    assert site.version() == project_version(example)


def test_while_watching_a_reported_change_makes_a_new_version(app: Flask, example: Path,
                                                             clock: Clock) -> None:
    site = site_of(app)
    site.watching.set()
    before = site.version()
    edit(example / CONTENT, "A gentle back massage", "A calm back massage")
    site.notify(clock.now)
    assert site.version() == project_version(example) != before


def test_while_watching_a_missed_change_shows_within_a_second(app: Flask, example: Path,
                                                             clock: Clock) -> None:
    site = site_of(app)
    site.watching.set()
    before = site.version()
    edit(example / CONTENT, "A gentle back massage", "A calm back massage")  # never reported
    clock.now += VERSION_TTL
    assert VERSION_TTL <= 1.0
    assert site.version() == project_version(example) != before


def test_a_change_in_the_projects_theme_words_or_fonts_is_a_new_version(example: Path) -> None:
    before = project_version(example)
    (example / "locale").mkdir()
    (example / "locale" / "de.po").write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    with_words = project_version(example)
    (example / "fonts").mkdir()
    (example / "fonts" / "Extra.ttf").write_bytes(b"\0" * 10)
    assert len({before, with_words, project_version(example)}) == 3


def test_the_watcher_says_while_it_runs(example: Path) -> None:
    app = create_app(example, pool=RenderPool(inline=True), watch=False,
                     checks=False)
    site = site_of(app)
    assert not site.watching.is_set()
    thread = preview.start_watcher(site)
    assert site.watching.wait(timeout=10)
    site.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert not site.watching.is_set()
    assert isinstance(thread, threading.Thread)


def test_the_last_good_version_is_the_last_good_one_saved(example: Path) -> None:
    """The owner saves handouts.yaml half-written but valid (its audiences cut off), then
    whole, then with a typo, and no page is asked for meanwhile: the desk fell back on
    the half-written one (the last a request had seen), and a handout that uses those
    audiences was off the desk. Each save is judged as it is made now."""
    app = create_app(example, pool=RenderPool(inline=True), watch=False, checks=False)
    site = site_of(app)
    config = example / "handouts.yaml"
    whole = config.read_text(encoding="utf-8")
    thread = preview.start_watcher(site)
    try:
        assert site.watching.wait(timeout=10)
        assert app.test_client().get("/h/back-massage").status_code == 200

        def saved(text: str) -> None:
            config.write_text(text, encoding="utf-8")
            deadline = time.monotonic() + 15
            # Both saves are valid: the watcher's load makes each the last good one.
            while site.good is None or site.good.version != project_version(example):
                assert time.monotonic() < deadline, "the watcher did not load the save"
                time.sleep(0.05)

        half = whole[: whole.index("\naudiences:") + 1]  # valid YAML, no audiences yet
        saved(half)
        assert site.good is not None and "caregivers" not in site.good.project.config.audiences
        saved(whole)
        config.write_text(whole.replace("  phone: (480) 992-5050", "  phone: [oops", 1),
                          encoding="utf-8")
        page = app.test_client().get("/h/back-massage")
        assert page.status_code == 200, page.get_data(as_text=True)
        assert "caregivers" in page.get_data(as_text=True).lower()
    finally:
        site.stop()
        thread.join(timeout=10)


def test_a_character_no_font_has_is_said_with_the_forms_other_mistakes(
        client: FlaskClient) -> None:
    """A named copy's form with a day that does not exist and an emoji in the note said
    only the date; the emoji came once it was fixed."""
    status, html, pdf = post_copy(client, client="Ana", note=f"Ice {UNPRINTABLE}",
                                  next_appointment="2026-02-30")
    assert status == 422 and not pdf
    shown = squeeze(html)
    assert "Next appointment</a>: is not a day of the calendar" in shown
    assert ("Personal note</a>: has 1 character that no font can print") in shown
    assert "leave it out and try again" in shown  # the typed note stays in its field
