"""Fixtures for the web app's tests: a copy of the example project, the app, Chromium."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from handouts.web import create_app, site_of
from handouts.web.workers import RenderPool

from ..helpers import copy_example as copy_with_full_batch

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/lib/chromium/chromium")
AXE = REPO / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
#: One variant only, so a batch started from the page finishes in a second or two.
SMALL_BATCH = """batch:
  handouts: [desk-stretch-break]
  audiences: [general]
  languages: [en]
  papers: [letter]
  prints: [standard]
"""


def copy_example(target: Path) -> Path:
    """The repository's example project (two handouts, a translation, audiences), copied,
    with a one-variant batch."""
    copy_with_full_batch(target)
    config = (target / "handouts.yaml").read_text(encoding="utf-8")
    config = re.sub(r"(?ms)^batch:\n.*?(?=^\S|\Z)", SMALL_BATCH, config)
    (target / "handouts.yaml").write_text(config, encoding="utf-8")
    return target


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A fresh copy of the example project."""
    return copy_example(tmp_path / "clinic")


@pytest.fixture
def app(example: Path) -> Flask:
    """The app on the example project, rendering in the calling thread (through the
    worker's own task and caches), without the file watcher."""
    app = create_app(example, pool=RenderPool(inline=True), watch=False,
                     checks=False)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client (keeps its cookies)."""
    return app.test_client()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium, offline (never a browser downloaded by Playwright)."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM),
            "args": ["--no-sandbox"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Pages 1000 px wide (the README's screenshots)."""
    return {**browser_context_args, "viewport": {"width": 1000, "height": 900}}


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL (pytest-base-url's own fixture warns under this pytest); tests use
    the test server's address."""
    return None


def stop_server(httpd: Any, thread: threading.Thread, wait: float = 10) -> None:
    """Stop a server a test started (:func:`handouts.web.make_server`, run in
    ``thread``): its watcher and streams, the server, then its background check."""
    site = site_of(httpd.handouts_app)
    site.stop()
    httpd.close()
    if site.checker is not None:
        site.checker.close()
    thread.join(wait)
