"""The HTTP(S) server under ``handouts serve``: cheroot, with no access log.

cheroot (the CherryPy project's server) is a pure-Python, thread-pool WSGI server that
speaks TLS itself, so names typed at a desk on the clinic network can travel
encrypted without a proxy in front. Idle keep-alive connections wait in a selector,
not in a thread; but cheroot gives a *new* connection a thread to read its request,
and its timeout starts again at every byte, so clients that connect and send nothing,
or a byte now and then, could hold every thread and stop the desk. So:

* a connection gets a thread only once its request's line, headers and body (its
  first 64 kB) have arrived (looked at without reading them, :class:`_Gate`); until
  then it waits in the gate's selector, holding no thread, and is closed after
  :data:`READ_DEADLINE` seconds;
* a request must arrive whole (line, headers and body) within :data:`READ_DEADLINE`
  seconds of a thread starting to read it, or its connection is shut (:class:`_Request`
  arms the deadline, :func:`read_whole` reads the body under it before the app runs).

Over TLS the handshake is left to that thread too (cheroot did it while accepting, so
one silent client stopped every new connection for :data:`SOCKET_TIMEOUT` seconds), and
a connection goes to a thread once its first bytes (the handshake's) have come: the
request inside cannot be looked at before it is decrypted.
Its error log is replaced by one that records the kind of error only:
a request line or body (personal data) never reaches a log.
"""

from __future__ import annotations

import contextlib
import io
import logging
import select
import selectors
import socket
import ssl
import threading
import time
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
#: Seconds :meth:`Server.close` waits for the server to stop: requests still running
#: after cheroot's own grace (2 s) are left to end with the process.
STOP_DEADLINE = 5.0
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


#: Connections at most waiting in the gate for their request (beyond: the oldest goes).
GATE_LIMIT = 512
#: Seconds between looks at connections whose request has begun to arrive.
GATE_TICK = 0.05
_END_OF_HEADERS = b"\r\n\r\n"
#: Bytes looked at: a request whose headers are longer goes to a thread (to be refused).
_PEEK = 16384


def _arrived(sock: socket.socket) -> bool | None:
    """Whether the request's line, headers and body (its first :data:`_BODY_PEEK`
    bytes) are in ``sock``'s buffer (True; also when the peer closed it or sent more
    than a request's headers: a thread deals with it),
    only part of them (False) or nothing yet (None). Nothing is read. Over TLS: whether
    anything has come (its bytes are the handshake's, or encrypted)."""
    if isinstance(sock, ssl.SSLSocket):
        try:
            if sock.pending():
                return True
            poller = select.poll()  # not select(): no limit on the descriptor's number
            poller.register(sock, select.POLLIN)
            return True if poller.poll(0) else None
        except (OSError, ValueError):
            return True  # closed: the thread reads the error and closes it
    try:
        data = _peek(sock, _PEEK)
    except OSError:
        return True  # reset: the thread reads the error and closes it
    if data is None:
        return None
    if not data:
        return True
    # A bare "\n\n" ends headers too for lenient clients; cheroot answers them either way.
    ends = [(i, len(sep)) for sep in (_END_OF_HEADERS, b"\n\n") if (i := data.find(sep)) >= 0]
    if not ends:
        return len(data) >= _PEEK or False
    end, sep = min(ends)
    total = _body_length(data[:end])
    if total is None:
        return True
    # The body too: a client that sends its headers and then trickles its form would
    # otherwise hold a thread until the read deadline (QA: 80 of them stopped the desk).
    # Past the window, what has come fills it (a desk's forms are a few kilobytes).
    wanted = min(end + sep + total, _BODY_PEEK)
    if len(data) >= wanted:
        return True
    try:
        more = _peek(sock, wanted)
    except OSError:
        return True
    return more is not None and len(more) >= wanted


def _peek(sock: socket.socket, size: int) -> bytes | None:
    """Up to ``size`` bytes waiting in ``sock``, left there (b"" when the peer closed
    it); None when nothing has come. Raises OSError when the connection was reset."""
    # With a timeout set, Python waits for data before it peeks (MSG_DONTWAIT or not):
    # look without waiting, then give the socket its timeout back.
    timeout = sock.gettimeout()
    try:
        sock.settimeout(0.0)
        return sock.recv(size, socket.MSG_PEEK)
    except (BlockingIOError, InterruptedError):
        return None
    finally:
        with contextlib.suppress(OSError):
            sock.settimeout(timeout)


#: Bytes of a request's body waited for before it gets a thread (see :func:`_arrived`).
_BODY_PEEK = 65536


def _body_length(head: bytes) -> int | None:
    """The body a request's ``head`` announces (its Content-Length) when the gate should
    wait for it; None when a thread should take it at once: no body, a chunked one, one
    over :data:`BODY_LIMIT` (refused unread), a client waiting for ``100 Continue``, or
    a length that cannot be read (cheroot answers those)."""
    length = None
    for line in head.split(b"\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"expect" or name == b"transfer-encoding":
            return None
        if name == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return None
    if length is None or not 0 < length <= BODY_LIMIT:
        return None
    return length


class _Gate:
    """Where a connection waits, holding no thread, until its request has arrived.

    New connections, and kept-alive ones when they become readable, come here first (see
    :meth:`_Quiet.process_conn`). One thread watches them: in a selector while nothing
    has arrived, and every :data:`GATE_TICK` once part of a request has (the unread
    bytes keep the socket readable, so the selector cannot tell more from them). A
    connection whose request is not whole within :data:`READ_DEADLINE` is closed; at
    most :data:`GATE_LIMIT` wait (the oldest closed first).
    """

    def __init__(self, hand_on: Callable[[Any], None]) -> None:
        self._hand_on = hand_on
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()
        #: Connections waiting, by socket, with the time they came and whether part of
        #: their request has arrived.
        self._held: dict[int, tuple[Any, float, bool]] = {}
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="handouts-gate",
                                        daemon=True)
        self._thread.start()

    def hold(self, conn: Any) -> None:
        """Keep ``conn`` until its request has arrived."""
        with self._lock:
            if self._stopped.is_set():
                conn.close()
                return
            while len(self._held) >= GATE_LIMIT:
                oldest = min(self._held, key=lambda fd: self._held[fd][1])
                self._drop(oldest)
            fd = conn.socket.fileno()
            if fd in self._held:  # a number reused: what held it is gone
                self._drop(fd)
            self._held[fd] = (conn, time.monotonic(), False)
            self._selector.register(fd, selectors.EVENT_READ)

    def stop(self) -> None:
        """Close every waiting connection and end the watching thread."""
        self._stopped.set()
        self._thread.join(2)
        with self._lock:
            for fd in list(self._held):
                self._drop(fd)
        with contextlib.suppress(Exception):
            self._selector.close()

    def _drop(self, fd: int) -> None:
        """Forget ``fd`` and close its connection (call with the lock held)."""
        conn = self._release(fd)
        with contextlib.suppress(Exception):
            conn.close()

    def _release(self, fd: int) -> Any:
        """Take ``fd`` out of the gate (call with the lock held); its connection."""
        conn, _, partial = self._held.pop(fd)
        if not partial:
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(fd)
        return conn

    def _watch(self) -> None:
        while not self._stopped.is_set():
            try:
                ready = [key.fd for key, _ in self._selector.select(GATE_TICK)]
            except (OSError, ValueError):
                ready = []
                time.sleep(GATE_TICK)
            ready_set = set(ready)
            now = time.monotonic()
            handed = []
            with self._lock:
                for fd, (conn, since, partial) in list(self._held.items()):
                    if not partial and fd not in ready_set:
                        if now - since > READ_DEADLINE:
                            self._drop(fd)
                        continue
                    arrived = _arrived(conn.socket)
                    if arrived:
                        handed.append(self._release(fd))
                    elif now - since > READ_DEADLINE:
                        self._drop(fd)
                    elif arrived is False and not partial:
                        # Part of it: look again each tick (the selector would only
                        # say "readable" again and again).
                        with contextlib.suppress(KeyError, ValueError):
                            self._selector.unregister(fd)
                        self._held[fd] = (conn, since, True)
            for conn in handed:
                self._hand_on(conn)


class _Quiet(wsgi.Server):  # type: ignore[misc]
    """cheroot's server, logging only the kind of each error (never request data), and
    giving a connection a thread only once its request has arrived (see :class:`_Gate`)."""

    gate: _Gate | None = None

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        if level >= logging.ERROR:
            log.warning("server: %s", msg.split(":", 1)[0][:80])

    def process_conn(self, conn: Any) -> None:
        """Hand ``conn`` to a thread now if its request is there, else to the gate."""
        gate = self.gate
        if gate is None or conn.rfile.has_data() or _arrived(conn.socket):
            super().process_conn(conn)
        else:
            gate.hold(conn)

    def stop(self) -> None:
        """Stop serving; connections still waiting in the gate are closed."""
        if self.gate is not None:
            self.gate.stop()
        super().stop()


def _handshake_later(cert: Path, key: Path) -> Any:
    """cheroot's TLS adapter, wrapping each accepted socket without its handshake: the
    handshake happens on the connection's first read, in its thread, under the read
    deadline (cheroot's own adapter shakes hands in the thread that accepts every
    connection, so a client that sends nothing stopped them all)."""
    from cheroot.ssl.builtin import BuiltinSSLAdapter

    class Adapter(BuiltinSSLAdapter):  # type: ignore[misc]
        def wrap(self, sock: socket.socket) -> tuple[ssl.SSLSocket, dict[str, str]]:
            wrapped = self.context.wrap_socket(sock, do_handshake_on_connect=False,
                                               server_side=True)
            # What the app reads of TLS: that it is on (the cipher is not known yet).
            return wrapped, {"wsgi.url_scheme": "https", "HTTPS": "on",
                             **self._server_env}

    return Adapter(str(cert), str(key))


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
            self._server.ssl_adapter = _handshake_later(cert, key or cert)
        self._server.prepare()
        self._server.gate = _Gate(super(_Quiet, self._server).process_conn)

    @property
    def effective_port(self) -> int:
        """The port the server listens on."""
        return int(self._server.bind_addr[1])

    def run(self) -> None:
        """Serve until :meth:`close` (or Ctrl+C)."""
        self._server.serve()

    def close(self) -> None:
        """Stop serving and close the socket, within :data:`STOP_DEADLINE` seconds.

        cheroot waits for a request still running after its grace with no deadline (it
        shuts the connection, which ends a read or a write, not a wait in the app), so
        a stuck request would keep Ctrl+C from ever ending ``handouts serve``."""
        stopping = threading.Thread(target=self._server.stop, name="handouts-stop",
                                    daemon=True)
        stopping.start()
        stopping.join(STOP_DEADLINE)
        if stopping.is_alive():
            log.warning("server: a request was still running when the server stopped")
