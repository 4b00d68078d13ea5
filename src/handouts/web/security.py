"""Who may talk to ``handouts serve``, and what every response says about itself.

* Host header check (as Jupyter does): a page on another site cannot reach this server
  through DNS rebinding, because its requests carry that site's name as Host. Bound to
  every address, this computer's names and its own IP addresses are accepted (a Host
  that is an IP address can only come from a page of that address, never from a
  rebound name), plus the names given with ``--allow-host``.
* An access token when bound to anything but loopback: printed once as a URL, then
  swapped for an HttpOnly, SameSite=Strict cookie.
* A CSRF token on every POST (per browser session, compared in constant time).
* Strict security headers on every response, and no caching of anything dynamic.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import secrets
import socket
from typing import Any

from flask import Flask, Response, abort, redirect, request, session
from werkzeug.wrappers import Response as BaseResponse

TOKEN_COOKIE = "handouts_token"
CSRF_FIELD = "csrf_token"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: The --host values that bind every address of this computer.
EVERYWHERE = ("0.0.0.0", "::", "")

CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
PDF_CSP = ("script-src 'none'; connect-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
           "form-action 'none'")
#: A PDF the desk's own page may show in a frame (to print it).
PDF_FRAME_CSP = PDF_CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def host_name(header: str) -> str:
    """The name part of a Host header (``[::1]:8000`` -> ``::1``, ``A.:80`` -> ``a``).

    Lower-cased and without a trailing dot: ``desk-pc.local.`` is the same name as
    ``desk-pc.local`` (a fully qualified spelling browsers send as typed).
    """
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    name = header.rsplit(":", 1)[0] if header.count(":") == 1 else header
    return name.rstrip(".") if ":" not in name else name


def own_address(name: str) -> bool:
    """Whether ``name`` (a Host header's name part) is an IP address of this computer.

    Only for a server bound to every address: its LAN address (``192.168.1.20``),
    which the names' lookup misses where ``/etc/hosts`` maps the host name to
    127.0.1.1 (Debian). Accepting it keeps DNS rebinding out: a rebound page sends its
    own name as Host, and a page can send an address as Host only if it was loaded from
    that address, that is, from this server.
    """
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    # Binding succeeds for these too, yet none is an address a browser opens.
    if address.is_unspecified or address.is_multicast or \
            address == ipaddress.IPv4Address("255.255.255.255"):
        return False
    return _bindable(address)


def _bindable(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a socket can bind ``address``: true exactly for this computer's own
    addresses (no packet is sent, no name is looked up, nothing is installed).

    Asked afresh each time (a bind costs about 5 microseconds): a desk computer whose
    network gives it a new address during the day is reached at the new one at once,
    which a kept answer refused until the server restarted."""
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((str(address), 0))
    except OSError:
        return False
    return True


def csrf_token() -> str:
    """This browser session's CSRF token (made on first use)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


#: How long a browser keeps the access cookie (Chromium keeps none longer than 400
#: days): staff open the printed address once, not after every browser restart.
TOKEN_MAX_AGE = 400 * 24 * 3600


def install(app: Flask, *, host: str, token: str | None, also: tuple[str, ...] = (),
            secret: bytes | None = None, tls: bool = False) -> None:
    """Add the checks and headers to ``app``; ``token`` is required off loopback.

    The Host header must name ``host``, loopback, or one of ``also`` (this computer's
    names, when bound to every address, and ``--allow-host`` names); bound to every
    address (``host`` 0.0.0.0 or ::), an IP address of this computer too. ``secret``
    signs the session (and so the CSRF token): kept across restarts by ``handouts
    serve``, an open form still works after the server restarts. With ``tls`` every
    cookie is ``Secure``.
    """
    allowed = {host_name(host), *LOOPBACK, *(host_name(a) for a in also)}
    everywhere = host_name(host) in EVERYWHERE
    app.config.update(SECRET_KEY=secret or secrets.token_bytes(32),
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      SESSION_COOKIE_SECURE=tls, SESSION_COOKIE_NAME="handouts_session")
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["CSRF_FIELD"] = CSRF_FIELD

    @app.before_request
    def check_request() -> BaseResponse | None:
        name = host_name(request.host)
        if name not in allowed and not (everywhere and own_address(name)):
            abort(400, "This address is not served here.")
        if token is not None:
            given = request.args.get("token")
            if given is not None and hmac.compare_digest(given.encode(), token.encode()):
                # Swap the URL's token for a cookie, and drop it from the address bar.
                response = redirect(request.path, code=303)
                response.set_cookie(TOKEN_COOKIE, token, max_age=TOKEN_MAX_AGE, httponly=True,
                                    samesite="Strict", secure=tls)
                return response
            cookie = request.cookies.get(TOKEN_COOKIE, "")
            if not hmac.compare_digest(cookie.encode(), token.encode()):
                abort(403, "Open the address (with ?token=) that was printed when "
                           "'handouts serve' started.")
        if request.method == "POST":
            sent = request.form.get(CSRF_FIELD, "")
            expected = session.get("csrf", "")
            if not sent or not expected or not hmac.compare_digest(sent.encode(),
                                                                   str(expected).encode()):
                if request.accept_mimetypes.best == "application/json":
                    # The page's script sends the form again with this fresh token, so
                    # what was typed is never lost (a page left open over a restart).
                    session.pop("csrf", None)
                    return app.json.response({"ok": False, "expired": True,
                                              "csrf": csrf_token()}), 403  # type: ignore[return-value]
                abort(403, "This form has expired. Go back, reload the page and try again.")
        return None

    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if tls:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype == "application/pdf" and \
                response.headers.get("Content-Security-Policy") != PDF_FRAME_CSP:
            # Chromium shows a PDF in a plugin, which object-src/default-src would block;
            # the PDF runs no script of ours, so its policy forbids the rest.
            response.headers["Content-Security-Policy"] = PDF_CSP
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response


def new_token() -> str:
    """A fresh access token for a server bound off loopback."""
    return secrets.token_urlsafe(24)


def own_names() -> tuple[str, ...]:
    """This computer's names and the addresses they resolve to (accepted when bound to
    0.0.0.0 or ::): the host name, its fully qualified name, and ``NAME.local`` (the
    mDNS name other computers of the clinic know it by, as in ``desk-pc.local``).

    Its other IP addresses are accepted by :func:`own_address`.
    """
    host, fqdn = socket.gethostname(), socket.getfqdn()
    names = {host, fqdn, *(f"{n.split('.')[0]}.local" for n in (host, fqdn) if n)}
    with contextlib.suppress(OSError):  # a host name that does not resolve
        names.update(socket.gethostbyname_ex(host)[2])
    return tuple(sorted(n for n in names if n and n != ".local"))


def lan_address() -> str:
    """An address other computers can open this computer by: its first non-loopback
    IPv4 address, else its host name (no network at all: 127.0.0.1).

    Found without sending anything: connecting a UDP socket only picks the route and so
    the source address (192.0.2.1 is a documentation address, never answered).
    """
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))
        address = str(probe.getsockname()[0])
        if not ipaddress.ip_address(address).is_loopback and address != "0.0.0.0":
            return address
    return socket.gethostname() or "127.0.0.1"


def loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this computer only."""
    return host_name(host) in LOOPBACK or host_name(host).startswith("127.")


__all__: list[Any] = ["EVERYWHERE", "install", "lan_address", "loopback", "new_token",
                      "own_address", "own_names"]
