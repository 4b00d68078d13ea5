"""Run ``handouts serve``: bind, print the address once, serve until Ctrl+C or SIGTERM."""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import os
import re
import secrets
import signal
from collections.abc import Callable
from pathlib import Path

from handouts.errors import OptionError, Problem, ValidationError
from handouts.project.config import CONFIG_NAME
from handouts.web import make_server, site_of
from handouts.web.security import EVERYWHERE, lan_address, loopback, own_names

#: One label of a host name: letters, digits, hyphens (not first or last) and, as some
#: clinics' Windows networks name their computers, underscores.
_LABEL = r"(?!-)[a-z0-9_-]{1,63}(?<!-)"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?", re.IGNORECASE)


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
          new_token: bool = False, allow_hosts: tuple[str, ...] = ()) -> None:
    """Serve the project in ``root`` on ``host:port`` until interrupted.

    On loopback no token is needed; on any other address the token kept for this
    project (see :func:`kept_secrets`) is required, printed once in the address to
    open. ``location``: the desk's default location; ``cert``/``key``: serve HTTPS;
    ``allow_hosts``: more names browsers may use for this server (``--allow-host``: a
    reverse proxy's, a DNS name the clinic's IT set up), host names or IP addresses.
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
    problems.extend(Problem("--allow-host", None, "", wrong)
                    for wrong in map(allow_host_problem, allow_hosts) if wrong)
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
    # Its IP addresses are checked as they come (security.own_address).
    everywhere = host in EVERYWHERE
    names = (*(own_names() if everywhere else ()), *allow_hosts)
    server = make_server(root, host=host, port=port, token=token_needed, also_hosts=names,
                         location=location, secret=secret, cert=cert, key=key)
    site = site_of(server.handouts_app)
    scheme = "https" if cert else "http"
    query = f"?token={token_needed}" if token_needed else ""

    def address(shown: str) -> str:
        shown = f"[{shown}]" if ":" in shown else shown
        return f"{scheme}://{shown}:{server.effective_port}/{query}"

    # Bound to every address, 127.0.0.1 opens it on this computer only: first say the
    # address the other computers of the clinic open.
    say(f"Serving {root.resolve()} at {address(lan_address() if everywhere else host)}")
    if everywhere:
        say(f"On this computer also {address('127.0.0.1')}")
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


def allow_host_problem(value: str) -> str | None:
    """What is wrong with an ``--allow-host`` value (None: a plain host name or IP
    address, as a browser sends it in the Host header without its port)."""
    name = value.strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]  # an IPv6 address as written in an address bar
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(name)
        return None
    if len(name) <= 254 and _HOST_NAME.fullmatch(name):
        return None
    return (f"{value!r} is not a host name: give the name alone, without http://, a port "
            "or a path (e.g. desk.myclinic.example)")


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
