"""The HTTP(S) server under ``handouts serve``: cheroot, with no access log.

cheroot (the CherryPy project's server) is a pure-Python, thread-pool WSGI server that
speaks TLS itself, so names typed at a desk on the clinic network can travel
encrypted without a proxy in front. Idle keep-alive connections wait in a selector,
not in a thread. Its error log is replaced by one that records the kind of error only:
a request line or body (personal data) never reaches a log.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from cheroot import wsgi

log = logging.getLogger("handouts.web")

#: Threads for pages and renders (a render waits on a worker process, not the CPU).
PAGE_THREADS = 16
#: Seconds a connection may stay silent before the server drops it: long enough for a
#: slow phone on Wi-Fi, short enough that a dead one frees its place.
SOCKET_TIMEOUT = 30


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
        self._server = _Quiet((host, port), app, numthreads=threads, max=threads,
                              server_name="handouts", timeout=SOCKET_TIMEOUT,
                              shutdown_timeout=2, request_queue_size=64)
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
