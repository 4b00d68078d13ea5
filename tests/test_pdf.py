"""The PDF engine wrapper: restricted fetching, captured engine messages, limits."""

from __future__ import annotations

import gc
import io
import socket
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from handouts.render.engine import pdf
from handouts.render.engine.timelimit import RenderTimeout, run_limited, time_limit
from handouts.render.theme import THEME_DIR

from .helpers import pdf_text, render_body

SECRET = "TOPSECRET-4242"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


@pytest.fixture
def listener():
    """A loopback server that records every connection it gets (there must be none)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    hits: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            hits.append(conn.recv(1024))
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join()
    server.close()


def _leaks(data: bytes, secret: str) -> bool:
    """Whether ``secret`` is anywhere in the PDF: raw bytes, any decoded stream, or its text."""
    if secret.encode() in data:
        return True
    with pikepdf.open(io.BytesIO(data)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    if secret.encode() in obj.read_bytes():
                        return True
                except pikepdf.PdfError:
                    continue
    return secret in pdf_text(data)


def test_leak_detector_finds_a_secret_in_compressed_text(tmp_path: Path) -> None:
    # The detector itself must work, or the tests below prove nothing.
    assert _leaks(render_body(f"<p>{SECRET}</p>", tmp_path).pdf, SECRET)


def _attacks(secret: Path, port: int) -> list[str]:
    url = secret.as_uri()
    return [
        f'<img src="{url}" alt="x">',
        '<img src="project/../secret.txt" alt="x">',
        f'<object data="{url}"></object>',
        f'<embed src="{url}">',
        f'<link rel="attachment" href="{url}">',
        f'<a rel="attachment" href="{url}">a</a>',
        f'<div style="background: url({url})">x</div>',
        f'<style>@import url("{url}");</style>',
        f'<link rel="stylesheet" href="{url}">',
        f'<style>@font-face {{ font-family: X; src: url("{url}"); }}'
        ' p { font-family: X }</style>',
        f'<img src="http://127.0.0.1:{port}/x.png" alt="x">',
        f'<style>@import url("http://127.0.0.1:{port}/x.css");</style>',
        '<img src="file:///dev/urandom" alt="x">',
        '<img src="ftp://127.0.0.1/x.png" alt="x">',
    ]


def test_every_hostile_resource_is_refused_and_reported(tmp_path: Path, secret_file: Path,
                                                        listener) -> None:
    port, hits = listener
    root = tmp_path / "project"
    root.mkdir()
    for attack in _attacks(secret_file, port):
        result = render_body(f"<p>hello</p>{attack}", root)
        assert not _leaks(result.pdf, SECRET), attack
        refused = [p for p in result.problems if "refused to load" in p.message
                   or "Failed to load" in p.message]
        assert refused, attack
        assert all(p.severity.value == "error" for p in refused), attack
    assert hits == []


def test_symlink_pointing_out_of_the_project_is_refused(tmp_path: Path,
                                                       secret_file: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "logo.png").symlink_to(secret_file)
    result = render_body('<img src="logo.png" alt="logo">', root)
    assert not _leaks(result.pdf, SECRET)
    assert any("it is outside the project folder" in p.message for p in result.problems)


def test_files_inside_the_project_and_data_uris_load(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4), "red").save(tmp_path / "dot.png")
    result = render_body('<img src="dot.png" alt="dot"><img alt="d" src="data:image/svg+xml,'
                     '%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%221%22 '
                     'height=%221%22/%3E">', tmp_path)
    assert result.problems == []
    assert result.pages == 1


def test_decompression_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    # A 1-bit PNG of 10000 x 10000 is tiny on disk but 100 million pixels.
    Image.new("1", (10_000, 10_000)).save(tmp_path / "bomb.png", optimize=True)
    result = render_body('<img src="bomb.png" alt="b">', tmp_path)
    assert any("100,000,000 pixels; the limit is 40,000,000" in p.message
               for p in result.problems)
    # Past Pillow's own limit (twice 89 million pixels) too: its error read as "not a
    # readable image".
    Image.new("1", (20_000, 20_000)).save(tmp_path / "huge.png", optimize=True)
    result = render_body('<img src="huge.png" alt="h">', tmp_path)
    assert any("400,000,000 pixels; the limit is 40,000,000 (resize it)" in p.message
               for p in result.problems), result.problems


def test_engine_css_errors_become_problems(tmp_path: Path) -> None:
    result = render_body('<p style="color: notacolour">x</p>', tmp_path)
    assert [(p.path, p.field, p.severity.value) for p in result.problems] == [
        ("content/x.yaml", "render", "warning")]
    assert "notacolour" in result.problems[0].message


def test_time_limit_stops_a_slow_render(tmp_path: Path) -> None:
    html = "<table>" + "<tr><td>x</td></tr>" * 20000 + "</table>"
    with pytest.raises(RenderTimeout), time_limit(0.2):
        pdf.engine().render(html, base_dir=tmp_path, stylesheet=THEME_DIR / "handout.css",
                            source="content/x.yaml", roots=(tmp_path, THEME_DIR))


def test_a_timeout_frees_what_it_interrupted_without_a_warning(tmp_path: Path) -> None:
    """The alarm may land between a file's open and its close (WeasyPrint reading a
    stylesheet): that file is closed when the timeout is handled, and its
    ResourceWarning (an error in this test run) never reaches a later test."""
    path = tmp_path / "sheet.css"
    path.write_bytes(b"p {}")
    opened: list[weakref.ref[io.BufferedReader]] = []

    def interrupted() -> None:
        handle = path.open("rb")  # never closed here: the alarm comes first
        opened.append(weakref.ref(handle))
        while True:
            time.sleep(0.01)

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert run_limited(0.05, interrupted) is None  # as every render runs
        assert opened and opened[0]() is None  # freed (and closed) already
        gc.collect()
    assert [w for w in seen if issubclass(w.category, ResourceWarning)] == []


@contextmanager
def _unraisable() -> Iterator[list[BaseException | None]]:
    """What reaches ``sys.unraisablehook`` meanwhile, with ResourceWarning an error (as
    in this test run: a leaked file is then reported as "unraisable")."""
    reported: list[BaseException | None] = []
    previous = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: reported.append(unraisable.exc_value)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ResourceWarning)
            yield reported
    finally:
        sys.unraisablehook = previous


def test_a_file_closed_as_the_timeout_unwinds_is_not_reported(tmp_path: Path) -> None:
    """A file only on the interrupted frame's stack (``open(...).read()`` style, as
    WeasyPrint reads a stylesheet) is closed while the timeout unwinds, inside the time
    limit: its ResourceWarning, an error where warnings are errors, came out as an
    "unraisable" exception and failed whichever test ran then (CI, stop 36)."""
    path = tmp_path / "sheet.css"
    path.write_bytes(b"p {}")

    def spin() -> None:
        while True:
            time.sleep(0.01)

    def interrupted() -> None:
        [path.open("rb"), spin()]  # the file waits on the stack while spin() runs

    with _unraisable() as reported:
        assert run_limited(0.05, interrupted) is None
        gc.collect()
    assert reported == []


def test_a_resource_warning_before_the_timeout_is_still_reported(tmp_path: Path) -> None:
    """Only what the interruption leaks is quiet: a file leaked by the render itself,
    before any alarm, is reported as it always was."""
    path = tmp_path / "sheet.css"
    path.write_bytes(b"p {}")

    def leaks() -> int:
        path.open("rb")  # dropped at once: a real leak
        return 1

    with _unraisable() as reported:
        assert run_limited(5, leaks) == 1
    assert [type(error) for error in reported] == [ResourceWarning]


def test_engine_info_reports_versions() -> None:
    info = pdf.engine_info()
    assert info.weasyprint.split(".")[0].isdigit() and int(info.weasyprint.split(".")[0]) >= 70
    assert info.pango.count(".") == 2
    assert info.harfbuzz_subset is True


def test_listed_remote_host_is_allowed_and_others_are_not(tmp_path: Path) -> None:
    import http.server
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    served: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(buffer.getvalue())

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/logo.png"
        html = f'<html lang="en"><head><title>t</title></head><body><img src="{url}" alt="l">'
        allowed = pdf.engine().render(html, base_dir=tmp_path,
                                      stylesheet=THEME_DIR / "handout.css", source="c.yaml",
                                      roots=(tmp_path, THEME_DIR),
                                      allowed_hosts=("127.0.0.1",))
        assert allowed.problems == [] and served == ["/logo.png"]
        refused = pdf.engine().render(html.replace("127.0.0.1", "localhost"),
                                      base_dir=tmp_path, stylesheet=THEME_DIR / "handout.css",
                                      source="c.yaml", roots=(tmp_path, THEME_DIR),
                                      allowed_hosts=("127.0.0.1",))
        assert served == ["/logo.png"]
        assert [p.message for p in refused.problems] == [
            f"refused to load {url.replace('127.0.0.1', 'localhost')}: remote resources are "
            "off (list the host under resources.allowed_hosts in handouts.yaml to allow it)"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
