"""Who may talk to ``handouts serve``, and what every response says about itself.

* Host header check (as Jupyter does): a page on another site cannot reach this server
  through DNS rebinding, because its requests carry that site's name as Host.
* An access token when bound to anything but loopback: printed once as a URL, then
  swapped for an HttpOnly, SameSite=Strict cookie.
* A CSRF token on every POST (per browser session, compared in constant time).
* Strict security headers on every response, and no caching of anything dynamic.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from typing import Any

from flask import Flask, Response, abort, redirect, request, session
from werkzeug.wrappers import Response as BaseResponse

TOKEN_COOKIE = "handouts_token"
CSRF_FIELD = "csrf_token"
LOOPBACK = ("127.0.0.1", "localhost", "::1")

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
    """The name part of a Host header (``[::1]:8000`` -> ``::1``, ``a:80`` -> ``a``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


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
    names, when bound to every address). ``secret`` signs the session (and so the CSRF
    token): kept across restarts by ``handouts serve``, an open form still works after
    the server restarts. With ``tls`` every cookie is ``Secure``.
    """
    allowed = {host_name(host), *LOOPBACK, *(host_name(a) for a in also)}
    app.config.update(SECRET_KEY=secret or secrets.token_bytes(32),
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      SESSION_COOKIE_SECURE=tls, SESSION_COOKIE_NAME="handouts_session")
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["CSRF_FIELD"] = CSRF_FIELD

    @app.before_request
    def check_request() -> BaseResponse | None:
        if host_name(request.host) not in allowed:
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
    """This computer's host name and addresses (accepted when bound to 0.0.0.0 or ::)."""
    import socket

    names = {socket.gethostname(), socket.getfqdn()}
    with contextlib.suppress(OSError):  # a host name that does not resolve
        names.update(socket.gethostbyname_ex(socket.gethostname())[2])
    return tuple(sorted(n for n in names if n))


def loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this computer only."""
    return host_name(host) in LOOPBACK or host_name(host).startswith("127.")


__all__: list[Any] = ["install", "loopback", "new_token", "own_names"]
