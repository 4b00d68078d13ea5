"""Run ``handouts serve``: bind, print the address once, serve until Ctrl+C or SIGTERM."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
from collections.abc import Callable
from pathlib import Path

from handouts.errors import OptionError, Problem, ValidationError
from handouts.project.config import CONFIG_NAME
from handouts.web import make_server, site_of
from handouts.web.security import loopback, own_names


def state_file(root: Path) -> Path:
    """Where this project's server keeps its access token and session key.

    In the user's state folder (``$XDG_STATE_HOME``, else ``~/.local/state``), never in
    the project (which may be shared or synced): one file per project folder.
    """
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return base / "handouts" / f"serve-{digest}.json"


def kept_secrets(root: Path, *, new_token: bool = False) -> tuple[str, bytes]:
    """The access token and session key, the same after a restart.

    So staff do not open the printed address again after every restart of the server
    (their cookie still holds the token), and a form left open stays valid.
    ``new_token`` makes a fresh token (everyone must open the new address once).
    Written owner-only (0600); a damaged file is replaced.
    """
    path = state_file(root)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        token, secret = str(data["token"]), bytes.fromhex(data["secret"])
        if new_token or len(token) < 24 or len(secret) < 32:
            raise ValueError("renew")
        return token, secret
    except (OSError, ValueError, KeyError, TypeError):
        pass
    token, secret = secrets.token_urlsafe(24), secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"token": token, "secret": secret.hex()}, handle)
    os.replace(temporary, path)
    return token, secret


def serve(root: Path, *, host: str = "127.0.0.1", port: int = 8000,
          say: Callable[[str], None] = print, location: str | None = None,
          cert: Path | None = None, key: Path | None = None,
          new_token: bool = False) -> None:
    """Serve the project in ``root`` on ``host:port`` until interrupted.

    On loopback no token is needed; on any other address the token kept for this
    project (see :func:`kept_secrets`) is required, printed once in the address to
    open. ``location``: the desk's default location; ``cert``/``key``: serve HTTPS.
    """
    if not (root / CONFIG_NAME).is_file():  # other problems are shown in the pages
        raise ValidationError([Problem(CONFIG_NAME, None, "", (
            f"not found in {root}; run this in a project folder or use --project"))])
    problems = []
    if (cert is None) != (key is None):
        problems.append(Problem("--cert" if cert is None else "--key", None, "",
                                "--cert and --key go together (the certificate and its key)"))
    for option, path in (("--cert", cert), ("--key", key)):
        if path is not None and not path.is_file():
            problems.append(Problem(option, None, "", f"no such file: {path}"))
    if problems:
        raise OptionError(problems)
    wrong = _check_location(root, location)
    if wrong is not None:
        # Never refused: a location renamed in handouts.yaml must not keep the desk from
        # starting again (after a power cut, say). The owner's banner says it too.
        say(f"warning: {wrong.format()}: the desk starts without a location of its own; "
            "staff choose the location of every copy")
    token, secret = kept_secrets(root, new_token=new_token)
    token_needed = None if loopback(host) else token
    # Bound to every address: browsers elsewhere name this computer, so accept its names.
    everywhere = host in ("0.0.0.0", "::", "")
    names = own_names() if everywhere else ()
    server = make_server(root, host=host, port=port, token=token_needed, also_hosts=names,
                         location=location, secret=secret, cert=cert, key=key)
    site = site_of(server.handouts_app)
    shown = next((n for n in names if n[0].isdigit() and not n.startswith("127.")),
                 "127.0.0.1") if everywhere else host
    shown = f"[{shown}]" if ":" in shown else shown
    scheme = "https" if cert else "http"
    address = f"{scheme}://{shown}:{server.effective_port}/"
    say(f"Serving {root.resolve()} at {address}"
        f"{f'?token={token_needed}' if token_needed else ''}")
    if token_needed and not cert:
        say("Client names cross the network unencrypted: use --cert and --key for HTTPS.")
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
        if site.checker is not None:
            site.checker.close()


def _check_location(root: Path, location: str | None) -> Problem | None:
    """What is wrong with ``--location`` (None: it names one of the project's
    locations, or handouts.yaml cannot be read now: the pages say why)."""
    if location is None:
        return None
    from handouts.project.config import load_config

    config = load_config(root.resolve(), [])
    if config is None:
        return None
    from handouts.commands.options import location_problem

    return location_problem(config, location)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
