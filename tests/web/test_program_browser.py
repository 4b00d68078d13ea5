"""The home-program basket in a real browser: Debian's Chromium driven by Playwright,
offline, against ``handouts serve`` with its pool of worker processes (as
``test_browser.py`` does). ``HANDOUTS_SCREENSHOTS=1`` also saves the guide's
screenshots (docs/desk-program-390.png and -1280.png)."""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from handouts.commands.starter import add_handouts, choose
from handouts.web import make_server, site_of
from handouts.web.workers import RenderPool
from tests.helpers import pdf_pages
from tests.web.conftest import CHROMIUM, REPO, copy_example
from tests.web.test_browser import Server, axe, shoot

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Chromium is not installed ({CHROMIUM}); run ./dev.sh test, or "
           "apt-get install -y --no-install-recommends chromium")]

Page = Any  # playwright.sync_api.Page (imported by pytest-playwright)
NAME = "Marisol Quintero-Vega"
STRETCH = "A 5-minute stretch break for desk workers"
MASSAGE = "How to give a back massage"
ICE = "Ice or heat? Easing sore muscles at home"
#: Every control a finger taps (the hidden default button excepted: it is never shown).
TAPPABLE = "#program-form :is(button, select, input:not([type=hidden]):not([type=checkbox]), " \
           "textarea, label.check):not(.visually-hidden)"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``handouts serve`` on 127.0.0.1 (port 0) on the example project with its clinic
    programs and one starter-library handout to add."""
    root = copy_example(tmp_path_factory.mktemp("program-web") / "clinic")
    shutil.copytree(REPO / "programs", root / "programs")
    add_handouts(root, choose(["ice-or-heat"], "handouts add"))
    pool = RenderPool()
    httpd = make_server(root, host="127.0.0.1", port=0, pool=pool, checks=False)
    site = site_of(httpd.handouts_app)
    pool.warm()
    thread = threading.Thread(target=httpd.run, name="test-server", daemon=True)
    thread.start()
    yield Server(f"http://127.0.0.1:{httpd.effective_port}", root, site)
    site.stop()
    httpd.close()
    pool.close()
    thread.join(5)


def legends(page: Page) -> list[str]:
    return page.locator("#basket-items legend").all_inner_texts()


def add_choices(page: Page) -> list[str]:
    """The handouts "Add a handout" lists now, by name."""
    return page.evaluate(  # type: ignore[no-any-return]
        "() => [...document.querySelectorAll('#add option')].map(o => o.value)")


def fits(page: Page) -> None:
    """No sideways scrolling, and every control at least 44 px each way."""
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    small = page.evaluate("""s => [...document.querySelectorAll(s)]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.id || e.name || e.textContent.trim(), e.getBoundingClientRect()])
        .filter(([, r]) => r.width < 44 || r.height < 44)
        .map(([n, r]) => `${n} ${Math.round(r.width)}x${Math.round(r.height)}`)""", TAPPABLE)
    assert small == []


def make_program(page: Page, url: str) -> None:
    """The basket flow, as a therapist does it: a clinic program, a dose changed, a
    handout added, the client's details."""
    page.goto(url + "/program")
    page.select_option("#start", "desk-worker-week-1")
    page.click("#start-button")
    page.locator("#item-1-per_day").wait_for()
    assert legends(page) == [f"1. {STRETCH}", f"2. {MASSAGE}"]
    assert page.evaluate("() => document.activeElement.id") == "item-0-sets"
    # "Add a handout" leaves out the handouts now in the basket (it listed them).
    assert add_choices(page) == ["ice-or-heat"]
    page.fill("#item-1-per_day", "2")
    page.select_option("#add", "ice-or-heat")
    page.click("#add-button")
    page.locator("#item-2-sets").wait_for()
    assert legends(page) == [f"1. {STRETCH}", f"2. {MASSAGE}", f"3. {ICE}"]
    assert add_choices(page) == [] and page.is_visible("#add-none")
    # Nothing left to add: no empty list, no button that could only be refused.
    assert not page.is_visible("#add-field") and not page.is_visible("#add-button")
    assert page.input_value("#item-1-per_day") == "2"  # the dose typed before stays
    page.fill("#item-2-minutes", "15")
    page.click("#item-2-up")  # reorder with a button, never only by dragging
    _until(page, "() => document.getElementById('item-1-handout').textContent.includes('Ice')")
    assert legends(page) == [f"1. {STRETCH}", f"2. {ICE}", f"3. {MASSAGE}"]
    assert page.input_value("#item-1-minutes") == "15"
    page.fill("#client", NAME)
    page.fill("#therapist", "Ana Ruiz")
    page.fill("#next_appointment", "2099-04-21")


def test_the_basket_flow_end_to_end(server: Server, page: Page, tmp_path: Path) -> None:
    make_program(page, server.url)
    axe(page)
    page.click("#preview-button")
    images = page.locator(".pages img.page")
    images.first.wait_for(timeout=60_000)
    record = page.input_value("#record")
    assert record.startswith("Home program (Desk worker, week 1) given ")
    assert "Marisol" not in record and "for 15 minutes" in record
    assert page.is_visible("#copy-record")
    assert NAME not in page.url  # the details went in POST bodies only
    axe(page)
    with page.expect_download() as download:
        page.click("#download-button")
    assert download.value.suggested_filename == "home-program.pdf"
    assert "/copy/" in download.value.url and "Marisol" not in download.value.url
    pdf = Path(download.value.path()).read_bytes()
    texts = pdf_pages(pdf)
    assert images.count() == len(texts)
    cover = " ".join(texts[0].split())
    assert f"Prepared for {NAME}" in cover
    assert cover.index(STRETCH) < cover.index(ICE) < cover.index(MASSAGE)
    assert "for 15 minutes" in cover and "for 10 minutes, twice a day, 3 days a week" in cover
    assert "Tracking sheet" in texts[-1]
    # A mistake is shown beside its field, and focus goes to the list of problems.
    page.fill("#item-0-sets", "50")
    page.click("#preview-button")
    page.locator("#problems-box").wait_for()
    assert f"Handout 1 ({STRETCH}), Sets: must be at most 20" in page.inner_text("#problems-box")
    assert page.get_attribute("#item-0-sets", "aria-invalid") == "true"
    assert page.inner_text("#item-0-sets-error") == "must be at most 20"
    _until(page, "() => document.activeElement?.id === 'problems-box'")
    axe(page)


def test_the_basket_works_without_javascript(server: Server, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(server.url + "/program")
        page.select_option("#add", "back-massage")
        with page.expect_navigation():
            page.click("#add-button")
        assert legends(page) == [f"1. {MASSAGE}"]
        page.select_option("#add", "ice-or-heat")
        with page.expect_navigation():
            page.click("#add-button")
        with page.expect_navigation():
            page.click("#item-1-up")
        assert legends(page) == [f"1. {ICE}", f"2. {MASSAGE}"]
        page.fill("#client", NAME)
        with page.expect_navigation():
            page.click("#preview-button")
        assert page.locator(".pages img.page").count() > 3
        assert "How to give a back massage" in page.input_value("#record")
        # Each answer was a page the browser was sent on to: reloading it sends no form
        # (the client's name is in no POST the history keeps).
        assert re.fullmatch(r"/shown/[\w-]{24}", page.url.removeprefix(server.url)), page.url
        sent: list[str] = []
        page.on("request", lambda r: sent.append(r.method))
        page.reload()
        assert sent and "POST" not in sent
        assert page.locator(".pages img.page").count() > 3
        # Print opens the packet at its kept address: the POST (the client's name in
        # it) is answered with a redirect, so the new tab's history holds only a GET.
        answers: list[tuple[str, str, int]] = []
        context.on("response", lambda r: r.url.startswith(server.url) and answers.append(
            (r.request.method, r.url.removeprefix(server.url), r.status)))
        with page.expect_popup() as opened:
            page.click("#print-button")
        popup = opened.value
        popup.wait_for_load_state()
        post, kept = answers[-2:]
        assert post[:1] == ("POST",) and post[1:] == ("/program/pdf", 303)
        assert kept[0] == "GET" and re.fullmatch(r"/copy/[\w-]{24}\.pdf", kept[1]), kept
        history = popup.context.new_cdp_session(popup).send("Page.getNavigationHistory")
        assert [e["url"].removeprefix(server.url) for e in history["entries"]][-1] == kept[1]
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_basket_fits_the_screen_and_passes_axe(server: Server, browser: Any, width: int,
                                                   tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    try:
        page.goto(server.url + "/program")
        fits(page)
        axe(page)
        make_program(page, server.url)
        page.click("#preview-button")
        page.locator(".pages img.page").first.wait_for(timeout=60_000)
        _until(page, "() => [...document.images].every(i => i.complete)")
        fits(page)
        axe(page)
        page.locator("#item-0-sets").scroll_into_view_if_needed()
        shoot(page, f"desk-program-{width}.png", tmp_path)
    finally:
        context.close()


def _until(page: Page, function: str, timeout: float = 15.0) -> None:
    """Wait until ``function()`` is true in the page (polled through the debugging
    protocol: the page's Content-Security-Policy forbids compiling it inside)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(function):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {function}"
        time.sleep(0.02)
