"""The HTTP(S) server under ``handouts serve``: cheroot, with no access log.

cheroot (the CherryPy project's server) is a pure-Python, thread-pool WSGI server that
speaks TLS itself, so names typed at a desk on the clinic network can travel
encrypted without a proxy in front. Idle keep-alive connections wait in a selector,
not in a thread; but cheroot gives a *new* connection a thread to read its request,
and its timeout starts again at every byte, so clients that connect and send nothing,
or a byte now and then, could hold every thread and stop the desk. So a request must
arrive whole (line, headers and body) within :data:`READ_DEADLINE` seconds of the
thread starting to read it, or its connection is shut (:class:`_Request` arms the
deadline, :func:`read_whole` reads the body under it before the app runs).
Its error log is replaced by one that records the kind of error only:
a request line or body (personal data) never reaches a log.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from cheroot import server as cheroot_server
from cheroot import wsgi

log = logging.getLogger("handouts.web")

#: Threads for pages and renders (a render waits on a worker process, not the CPU).
PAGE_THREADS = 48
#: Seconds a connection may stay silent before the server drops it: long enough for a
#: slow phone on Wi-Fi, short enough that a dead one frees its place.
SOCKET_TIMEOUT = 30
#: Seconds a client has to send one whole request once a thread reads it: a desk's
#: form is a few kilobytes, which a slow phone sends in well under a second.
READ_DEADLINE = 10.0
#: The largest request body read (a desk's forms are a few kilobytes; no uploads).
BODY_LIMIT = 1 << 20

_pending = threading.local()


def _shut(sock: socket.socket) -> None:
    """Wake the thread blocked reading ``sock``: its read ends, the connection closes."""
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def _disarm() -> None:
    timer = getattr(_pending, "timer", None)
    if timer is not None:
        timer.cancel()
        _pending.timer = None


class _Request(cheroot_server.HTTPRequest):  # type: ignore[misc]
    """A request whose line and headers must arrive within :data:`READ_DEADLINE`."""

    def parse_request(self) -> None:
        _disarm()
        timer = threading.Timer(READ_DEADLINE, _shut, (self.conn.socket,))
        timer.daemon = True
        _pending.timer = timer
        timer.start()
        try:
            super().parse_request()
        finally:
            if not self.ready:  # nothing more will be read: no deadline left running
                _disarm()


class _Connection(cheroot_server.HTTPConnection):  # type: ignore[misc]
    RequestHandlerClass = _Request


def read_whole(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """``app`` given the request's body already read, under the request's deadline (a
    body larger than :data:`BODY_LIMIT` is refused with 413 without being read)."""
    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]
                ) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        try:
            body = b""
            if 0 <= length <= BODY_LIMIT and (length or environ.get("wsgi.input_terminated")):
                # A chunked body has no length: read one byte past the limit to tell.
                body = environ["wsgi.input"].read(length or BODY_LIMIT + 1)
            if not 0 <= length <= BODY_LIMIT or len(body) > BODY_LIMIT:
                start_response("413 Content Too Large", [("Content-Type", "text/plain"),
                                                         ("Connection", "close")])
                return [b"The request is too large."]
            if body:
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
        finally:
            _disarm()  # read whole: the app's own time limits apply from here
        return app(environ, start_response)
    return guarded


class _Quiet(wsgi.Server):  # type: ignore[misc]
    """cheroot's server, logging only the kind of each error (never request data)."""

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        if level >= logging.ERROR:
            log.warning("server: %s", msg.split(":", 1)[0][:80])


class Server:
    """A WSGI server for one app: bound when made, serving in :meth:`run`.

    ``effective_port`` is the bound port (``port=0`` picks a free one); ``run()``
    serves until :meth:`close`; ``handouts_app`` is the app.
    """

    def __init__(self, app: Any, host: str, port: int, threads: int, *,
                 cert: Path | None = None, key: Path | None = None) -> None:
        self.handouts_app = app
        self.tls = cert is not None
        self._server = _Quiet((host, port), read_whole(app), numthreads=threads,
                              max=threads, server_name="handouts", timeout=SOCKET_TIMEOUT,
                              shutdown_timeout=2, request_queue_size=64)
        self._server.ConnectionClass = _Connection
        if cert is not None:
            from cheroot.ssl.builtin import BuiltinSSLAdapter

            self._server.ssl_adapter = BuiltinSSLAdapter(str(cert), str(key or cert))
        self._server.prepare()

    @property
    def effective_port(self) -> int:
        """The port the server listens on."""
        return int(self._server.bind_addr[1])

    def run(self) -> None:
        """Serve until :meth:`close` (or Ctrl+C)."""
        self._server.serve()

    def close(self) -> None:
        """Stop serving and close the socket."""
        self._server.stop()
