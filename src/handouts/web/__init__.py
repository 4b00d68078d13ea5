"""``handouts serve``: the front desk's and the owner's pages, over the same library.

:func:`create_app` is a Flask app factory; :func:`make_server` wraps it in waitress.
Pages are server-rendered; the only script reloads the owner's live preview.

Personal details (client name, note, therapist, next appointment) arrive only in POST
bodies, are rendered in memory by :mod:`handouts.web.workers` and leave only in the
response, sent with ``Cache-Control: no-store``. No log line carries a request body
or a form value: waitress is run without an access log and errors are logged by type.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from handouts.commands.build import load
from handouts.errors import HandoutsError, Problem
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.web import security
from handouts.web.workers import RenderPool, project_version

log = logging.getLogger("handouts.web")

#: Longest time (seconds) a project version is reused while the watcher runs, so an
#: edit shows up within a second even if the watcher missed it.
VERSION_TTL = 0.5


@dataclass
class Loaded:
    """The project as last loaded in the server (for listing and forms, not rendering)."""

    version: str
    project: Project | None = None
    documents: dict[str, Document] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    checks: list[Problem] = field(default_factory=list)


class Site:
    """What the pages share: the project folder, the render pool, changes and batches."""

    def __init__(self, root: Path, pool: RenderPool) -> None:
        self.root = root.resolve()
        self.pool = pool
        self._loaded: Loaded | None = None
        #: The last load without errors: the live preview keeps its choices meanwhile.
        self.good: Loaded | None = None
        self._lock = threading.Lock()
        #: Bumped by the file watcher; server-sent events wait on ``changed``.
        self.generation = 0
        self.changed = threading.Condition()
        #: time.monotonic() of the watcher's last change (for tests and benchmarks).
        self.changed_at = 0.0
        self.stopping = threading.Event()
        #: Set while the file watcher runs: only then may :meth:`version` be reused.
        self.watching = threading.Event()
        #: (generation, time.monotonic(), version) of the last digest made while watching.
        self._version: tuple[int, float, str] | None = None
        self.extras: dict[str, Any] = {}

    def version(self) -> str:
        """The current project version (see :func:`project_version`).

        Every page asks for it, and the digest stats every project file: while the
        watcher runs, it is made again only after the watcher reports a change, or
        after :data:`VERSION_TTL` seconds in case a change was missed (an edit made
        while the watcher was starting). Without the watcher, every time.
        """
        if not self.watching.is_set():
            return project_version(self.root)
        # Read before the files: a change made after this read bumps the generation,
        # so a digest of files older than the change is never kept past it.
        generation = self.generation
        now = time.monotonic()
        kept = self._version
        if kept is not None and kept[0] == generation and now - kept[1] < VERSION_TTL:
            return kept[2]
        version = project_version(self.root)
        self._version = (generation, now, version)
        return version

    def loaded(self) -> Loaded:
        """The project, loaded again when any of its files changed."""
        version = self.version()
        with self._lock:
            if self._loaded is None or self._loaded.version != version:
                self._loaded = self._load(version)
                if self._loaded.project is not None:
                    self.good = self._loaded
            return self._loaded

    def _load(self, version: str) -> Loaded:
        from handouts.commands.check import check

        try:
            project, documents = load(self.root)
        except HandoutsError as exc:
            return Loaded(version, problems=exc.problems)
        try:
            checks = check(self.root, render=False).problems
        except HandoutsError as exc:  # pragma: no cover - load() passed, so rare
            checks = exc.problems
        return Loaded(version, project, {d.name: d for d in documents}, checks=checks)

    def notify(self, when: float) -> None:
        """Tell every open live page that a project file changed."""
        with self.changed:
            self.generation += 1
            self.changed_at = when
            self.changed.notify_all()

    def stop(self) -> None:
        """Stop the watcher and event streams (the pool is closed by its owner)."""
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()


def create_app(root: Path, *, host: str = "127.0.0.1", token: str | None = None,
               pool: RenderPool | None = None, watch: bool = True,
               also_hosts: tuple[str, ...] = ()) -> Flask:
    """The web app for the project in ``root``.

    ``host`` is the address the server is bound to (its name is accepted in the Host
    header, with localhost and 127.0.0.1); ``token``, when given, is required from
    every browser (as ``?token=`` once, then a cookie); ``also_hosts`` are more names
    accepted in the Host header (this computer's, when bound to every address).
    ``pool`` renders (default: two worker processes); ``watch`` starts the file
    watcher for the live preview.
    """
    from handouts.web import batch, library, preview

    app = Flask(__name__)
    site = Site(root, pool or RenderPool())
    app.extensions["handouts"] = site
    security.install(app, host=host, token=token, also=also_hosts)
    app.register_blueprint(library.bp)
    app.register_blueprint(preview.bp)
    app.register_blueprint(batch.bp)

    @app.context_processor
    def clinic() -> dict[str, Any]:
        loaded = site.loaded()
        name = loaded.project.config.clinic.name if loaded.project else "Handouts"
        return {"clinic_name": name}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str, int]:
        return render_template("error.html", code=exc.code, title=exc.name,
                               message=exc.description), exc.code or 500

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[str, int]:
        # The type only: a message could quote a form value (personal data).
        log.error("unexpected %s while serving a page", type(exc).__name__)
        return render_template("error.html", code=500, title="Something went wrong",
                               message="The page could not be made. Please try again; "
                                       "if it keeps happening, run 'handouts check'."), 500

    if watch:
        preview.start_watcher(site)
    return app


def make_server(root: Path, *, host: str = "127.0.0.1", port: int = 8000,
                token: str | None = None, pool: RenderPool | None = None,
                watch: bool = True, threads: int = 16,
                also_hosts: tuple[str, ...] = ()) -> Any:
    """A waitress server for :func:`create_app` (``port=0`` picks a free port).

    Returns the server; ``server.effective_port`` is the port, ``server.run()`` serves
    and ``server.close()`` stops. Waitress has no access log (none is added), so no
    request line or body is ever logged.
    """
    from waitress.server import create_server

    app = create_app(root, host=host, token=token, pool=pool, watch=watch,
                     also_hosts=also_hosts)
    server = create_server(app, host=host, port=port, threads=threads,
                           ident="handouts", clear_untrusted_proxy_headers=True,
                           expose_tracebacks=False)
    server.handouts_app = app
    return server


def site_of(app: Flask) -> Site:
    """The :class:`Site` of an app made by :func:`create_app`."""
    return app.extensions["handouts"]  # type: ignore[no-any-return]


__all__ = ["RenderPool", "Site", "create_app", "make_server", "site_of"]
