"""Run ``handouts serve``: bind, print the address once, serve until Ctrl+C."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

from handouts.errors import Problem, ValidationError
from handouts.project.config import CONFIG_NAME
from handouts.web import make_server, site_of
from handouts.web.security import loopback, new_token, own_names


def serve(root: Path, *, host: str = "127.0.0.1", port: int = 8000,
          say: Callable[[str], None] = print) -> None:
    """Serve the project in ``root`` on ``host:port`` until interrupted.

    On loopback no token is needed; on any other address a fresh token is made and
    printed once, in the address to open.
    """
    if not (root / CONFIG_NAME).is_file():  # other problems are shown in the pages
        raise ValidationError([Problem(CONFIG_NAME, None, "", (
            f"not found in {root}; run this in a project folder or use --project"))])
    token = None if loopback(host) else new_token()
    # Bound to every address: browsers elsewhere name this computer, so accept its names.
    everywhere = host in ("0.0.0.0", "::", "")
    names = own_names() if everywhere else ()
    server = make_server(root, host=host, port=port, token=token, also_hosts=names)
    site = site_of(server.handouts_app)
    shown = next((n for n in names if n[0].isdigit() and not n.startswith("127.")),
                 "127.0.0.1") if everywhere else host
    shown = f"[{shown}]" if ":" in shown else shown
    address = f"http://{shown}:{server.effective_port}/"
    say(f"Serving {root.resolve()} at {address}{f'?token={token}' if token else ''}")
    say("Press Ctrl+C to stop.")
    site.pool.warm()
    # A service manager stops with SIGTERM: shut down the same way as Ctrl+C, so the
    # render workers and the watcher end cleanly instead of being left behind.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        site.stop()
        server.close()
        site.pool.close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
