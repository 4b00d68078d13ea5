"""The real server on loopback: open event streams and stalled clients never starve the
pages, HTTPS, and the library's badges are exactly what ``handouts check`` says."""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from handouts.commands.check import check
from handouts.project.load import load_project
from handouts.web import Server, make_server, server, site_of
from handouts.web.streams import MAX_STREAMS
from handouts.web.workers import RenderPool

from .conftest import stop_server


def _serve(server: Server) -> threading.Thread:
    thread = threading.Thread(target=server.run, name="test-server", daemon=True)
    thread.start()
    return thread


@pytest.fixture
def running(example: Path) -> Iterator[tuple[str, Server]]:
    """The server on 127.0.0.1 (renders inline: these tests only ask for pages)."""
    server = make_server(example, port=0, pool=RenderPool(inline=True), watch=False,
                         checks=False)
    thread = _serve(server)
    yield f"http://127.0.0.1:{server.effective_port}", server
    site_of(server.handouts_app).stop()
    server.close()
    thread.join(10)


def _open_stream(port: int) -> tuple[socket.socket, str]:
    """A browser's EventSource, by hand: the request, then the first event."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
    data = b""
    while b"retry:" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    time.sleep(0.01)
    try:
        sock.settimeout(0.2)
        data += sock.recv(4096)
    except OSError:
        pass
    return sock, data.decode("latin-1")


def test_fifty_open_streams_leave_the_pages_fast(running: tuple[str, Server]) -> None:
    url, server = running
    site = site_of(server.handouts_app)
    streams = [_open_stream(server.effective_port) for _ in range(50)]
    try:
        held = [s for s, first in streams if "event: hello" in first]
        turned_away = [s for s, first in streams if "retry: 5000" in first]
        assert len(held) == MAX_STREAMS and len(turned_away) == 50 - MAX_STREAMS
        assert site.streams.open == MAX_STREAMS
        for path in ("/", "/static/style.css", "/h/back-massage"):
            started = time.monotonic()
            with urllib.request.urlopen(url + path, timeout=10) as response:
                assert response.status == 200
            assert time.monotonic() - started < 2.0, path
        # A change reaches every held stream.
        site.notify(time.monotonic())
        for sock in held[:3]:
            sock.settimeout(5)
            assert b"event: change" in sock.recv(4096)
    finally:
        for sock, _ in streams:
            sock.close()
    # Closed browsers give their places back (noticed at the next write).
    site.notify(time.monotonic())
    deadline = time.monotonic() + 10
    while site.streams.open and time.monotonic() < deadline:
        time.sleep(0.05)
        site.notify(time.monotonic())
    assert site.streams.open == 0


def _stall(port: int, kind: int) -> socket.socket:
    """A client that connects and then sends nothing, half a request line, or a form's
    headers and part of its body."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    if kind == 1:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8")
    elif kind == 2:
        sock.sendall(b"POST /h/back-massage/pdf HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 500\r\n\r\nclient=Ze")
    return sock


def test_clients_that_stall_or_trickle_cannot_hold_the_desk(
        running: tuple[str, Server], monkeypatch: pytest.MonkeyPatch) -> None:
    """More stalled clients than the server has threads, some sending a byte every half
    second (each byte used to restart cheroot's 30 s timeout): a page still answers
    within the request deadline, and every stalled connection is closed by then."""
    monkeypatch.setattr(server, "READ_DEADLINE", 2.0)
    url, running_server = running
    port = running_server.effective_port
    stalled = [_stall(port, i % 3) for i in range(server.PAGE_THREADS + MAX_STREAMS + 10)]
    done = threading.Event()

    def trickle() -> None:
        while not done.wait(0.5):
            for sock in stalled[1::3]:
                with contextlib.suppress(OSError):  # the server shut it: as it should
                    sock.sendall(b"x")

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        started = time.monotonic()
        with urllib.request.urlopen(url + "/", timeout=20) as response:
            assert response.status == 200
        assert time.monotonic() - started < 2.0 + 3.0
        for sock in stalled:
            sock.settimeout(5)
            try:
                answer = sock.recv(64)
            except ConnectionResetError:
                answer = b""
            assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer
    finally:
        done.set()
        trickler.join(5)
        for sock in stalled:
            sock.close()


@pytest.mark.parametrize(("kinds", "count"), [
    ((0, 1), 6 * server.PAGE_THREADS),
    ((2,), 2 * (server.PAGE_THREADS + MAX_STREAMS))], ids=["silent", "stalled-body"])
def test_hundreds_of_waiting_connections_take_no_thread_from_the_staff(
        running: tuple[str, Server], monkeypatch: pytest.MonkeyPatch,
        kinds: tuple[int, ...], count: int) -> None:
    """Many more connections than the server has threads, silent, with half a request
    line (a phone's preconnects, a stuck device) or with a POST's headers whole and only
    the start of its form: they wait without a thread, so a page answers at once (it
    waited for them one deadline per thread batch, over a minute for 800 silent ones;
    QA: 80 stalled forms kept every page waiting about 10 s, again and again), and each
    is closed at the read deadline."""
    monkeypatch.setattr(server, "READ_DEADLINE", 3.0)
    url, running_server = running
    port = running_server.effective_port
    waiting = [_stall(port, kinds[i % len(kinds)]) for i in range(count)]
    try:
        time.sleep(0.5)  # every one accepted and waiting
        for _ in range(3):
            started = time.monotonic()
            with urllib.request.urlopen(url + "/", timeout=20) as response:
                assert response.status == 200
            assert time.monotonic() - started < 1.5
        for sock in waiting[:20]:
            sock.settimeout(6)
            try:
                answer = sock.recv(64)
            except ConnectionResetError:
                answer = b""
            assert answer == b"", answer  # closed, not left open
    finally:
        for sock in waiting:
            sock.close()


@pytest.mark.parametrize("size", [40_000, 200_000])
def test_a_whole_form_larger_than_the_window_still_gets_its_answer(
        running: tuple[str, Server], size: int) -> None:
    """The gate waits for a body's first 64 kB only: a larger one (still under the
    limit) goes on once they have come, and is answered (here: refused, no token)."""
    url, _ = running
    request = urllib.request.Request(url + "/program/preview", method="POST",
                                     data=b"x" * size)
    started = time.monotonic()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    refused.value.close()
    assert refused.value.code in (400, 403) and time.monotonic() - started < 3


def test_a_request_body_over_the_limit_is_refused_unread(running: tuple[str, Server]) -> None:
    """Refused from its Content-Length, before one byte of the body is read. (Sending the
    whole body first was flaky under load: the server answers and closes while the
    client still writes, and the client got a broken pipe instead of the answer.)"""
    url, _ = running
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest("POST", "/program/preview")
        connection.putheader("Content-Type", "application/x-www-form-urlencoded")
        connection.putheader("Content-Length", str(server.BODY_LIMIT + 1))
        connection.endheaders()  # and no body: the answer must not wait for it
        response = connection.getresponse()
        response.read()
        assert response.status == 413
    finally:
        connection.close()


def _https_server(example: Path, tmp_path: Path) -> tuple[Path, Server]:
    """The desk over HTTPS with a self-signed certificate (made by openssl), and it."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, make_server(example, host="127.0.0.1", port=0,
                             pool=RenderPool(inline=True), watch=False, checks=False,
                             cert=cert, key=key, token="t" * 32)


def test_a_request_stuck_in_the_app_cannot_keep_the_server_from_stopping() -> None:
    """Ctrl+C while a request waits in the app with no end (a hung render): the server
    stops within its deadline (cheroot waited for that request forever)."""
    entered, release = threading.Event(), threading.Event()

    def stuck(environ: dict[str, object], start_response: Any) -> list[bytes]:
        entered.set()
        release.wait()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"late"]

    stuck_server = Server(stuck, "127.0.0.1", 0, 4)
    thread = _serve(stuck_server)
    client = socket.create_connection(("127.0.0.1", stuck_server.effective_port), timeout=10)
    try:
        client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert entered.wait(10)
        started = time.monotonic()
        stopping = threading.Thread(target=stuck_server.close, daemon=True)
        stopping.start()
        stopping.join(30)
        assert not stopping.is_alive(), "close() still waits for the stuck request"
        assert time.monotonic() - started < server.STOP_DEADLINE + 1
        thread.join(10)
        assert not thread.is_alive()
    finally:
        release.set()
        client.close()


def test_https_with_cert_and_key(example: Path, tmp_path: Path) -> None:
    cert, server = _https_server(example, tmp_path)
    thread = _serve(server)
    try:
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None

        # A subclass of the redirect handler replaces urllib's own (which would follow).
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context),
                                             NoRedirect)
        base = f"https://127.0.0.1:{server.effective_port}"
        with pytest.raises(urllib.error.HTTPError) as swap:
            opener.open(base + "/?token=" + "t" * 32, timeout=10)
        assert swap.value.code == 303
        swap.value.close()
        cookie = swap.value.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie
        assert "max-age=31536000" in swap.value.headers["Strict-Transport-Security"]
        # Plain HTTP to the HTTPS port gets no page.
        with socket.create_connection(("127.0.0.1", server.effective_port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try:
                answer = sock.recv(65536)
            except ConnectionResetError:
                answer = b""
            assert b"Handout library" not in answer
    finally:
        site_of(server.handouts_app).stop()
        server.close()
        thread.join(10)


def test_over_https_a_silent_client_stops_no_one(example: Path, tmp_path: Path) -> None:
    """Devices that open a connection to the HTTPS desk and never start the handshake:
    pages still answer at once (cheroot shook hands in the thread that accepts every
    connection, so each silent one stopped all new ones for 30 s)."""
    cert, server = _https_server(example, tmp_path)
    thread = _serve(server)
    port = server.effective_port
    silent = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(5)]
    try:
        time.sleep(0.3)
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        for _ in range(3):
            started = time.monotonic()
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
                    context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                tls.sendall(b"GET /?token=" + b"t" * 32 + b" HTTP/1.1\r\n"
                            b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
                answer = tls.recv(64)
            assert answer.startswith(b"HTTP/1.1 303"), answer
            assert time.monotonic() - started < 3
    finally:
        for sock in silent:
            sock.close()
        site_of(server.handouts_app).stop()
        server.close()
        thread.join(10)


@pytest.mark.slow
def test_the_library_badge_shows_exactly_what_check_reports(example: Path) -> None:
    # An out-of-date Spanish entry: a warning only the full check (every version) sees.
    po = example / "content" / "back-massage.es.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('\nmsgctxt "title"\n', '\n#, fuzzy\nmsgctxt "title"\n', 1),
                  encoding="utf-8")
    config = example / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "handouts: [desk-stretch-break]", "handouts: [back-massage]").replace(
        "languages: [en]", "languages: [en, es]"), encoding="utf-8")
    expected = check(load_project(example, ("back-massage",))).problems
    assert any("out of date" in p.message for p in expected)
    server = make_server(example, port=0, pool=RenderPool(inline=True), watch=False)
    thread = _serve(server)
    url = f"http://127.0.0.1:{server.effective_port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            with urllib.request.urlopen(url, timeout=10) as response:
                html = response.read().decode()
            if "Being checked" not in html.split("How to give a back massage")[1] \
                    .split("Prepare a copy")[0]:
                break
            assert time.monotonic() < deadline, "the check never finished"
            time.sleep(0.5)
        card = html[html.index("How to give a back massage"):]
        card = card[:card.index("Prepare a copy")]
        errors = sum(p.severity.value == "error" for p in expected)
        warnings = len(expected) - errors
        assert "All checks pass" not in card
        assert f'<span class="badge warn">{warnings} warning{"s" if warnings != 1 else ""}' \
            in card and errors == 0
        listed = re.findall(r'<li class="(?:error|warning)">(.*?)</li>', card, re.S)
        assert len(listed) == len(expected)
        for problem, shown in zip(expected, listed, strict=True):
            assert problem.message.replace('"', "&#34;").replace("'", "&#39;") in shown
    finally:
        stop_server(server, thread)
