"""``handouts serve``: the front desk's and the owner's pages, over the same library.

:func:`create_app` is a Flask app factory; :func:`make_server` serves it (cheroot).
Pages are server-rendered; the only script reloads the owner's live preview.

Personal details (client name, note, therapist, next appointment) arrive only in POST
bodies, are rendered in memory by :mod:`handouts.web.workers` and leave only in the
response, sent with ``Cache-Control: no-store``. No log line carries a request body
or a form value: the server keeps no access log and errors are logged by type.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException

from handouts.checks.gate import template_problems
from handouts.errors import Problem, Severity
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.project.load import load_each
from handouts.render.overrides import FIELD as TEMPLATE_FIELD
from handouts.render.overrides import Pinned, template_sources
from handouts.render.result import Rendered
from handouts.web import security
from handouts.web.answers import PageFailed, error_answer
from handouts.web.checker import Checker
from handouts.web.server import PAGE_THREADS, Server
from handouts.web.streams import MAX_STREAMS, StreamBudget
from handouts.web.workers import DEADLINE_MARGIN, LastGood, RenderPool, project_version

log = logging.getLogger("handouts.web")

#: Longest time (seconds) a project version is reused while the watcher runs, so an
#: edit shows up within a second even if the watcher missed it.
VERSION_TTL = 0.5


@dataclass
class Served:
    """The project as the desk serves it, as last loaded (for listing and forms, not
    rendering; commands take :class:`handouts.project.load.Loaded`).

    One broken handout is only that handout's problem: it is in ``broken`` with its
    problems, and every other handout stays in ``documents``. While ``handouts.yaml``
    has errors, the last good load keeps serving (``stale`` is set); while a template
    of ``templates/`` has errors, found by validation or while rendering, the last good
    templates are used (``pinned``); ``problems`` says why, for the owner's banner.
    """

    version: str
    project: Project | None = None
    documents: dict[str, Document] = field(default_factory=dict)
    broken: dict[str, list[Problem]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: The project's own warnings (``handouts.yaml``): nothing is held back for them,
    #: but the owner's page lists them, as ``handouts check`` does.
    notices: list[Problem] = field(default_factory=list)
    stale: bool = False
    #: What pages work out once per load (the search index, unusable translations).
    extras: dict[str, Any] = field(default_factory=dict)
    #: The templates of ``templates/`` as this load read them (None: they have errors).
    templates: Pinned | None = None
    #: The last good templates, used instead of the files while those have errors.
    pinned: Pinned | None = None
    #: Whether ``pinned`` is not a last good version (there was none) but the files
    #: without those with errors, the theme's own answering for them.
    built_in: bool = False

    @property
    def held(self) -> list[str]:
        """The files whose last good version the desk uses now (for the banner)."""
        files = (["handouts.yaml"] if self.stale else []) + (
            [p.path for p in self.problems if is_template_problem(p)]
            if self.pinned is not None else [])
        return list(dict.fromkeys(files))

    @property
    def fallback(self) -> LastGood | None:
        """What to render with in place of files that cannot be used (None: the files)."""
        config = self.project.config if self.stale and self.project is not None else None
        if config is None and self.pinned is None:
            return None
        return LastGood(config, self.pinned)


def without(sources: Pinned, problems: list[Problem]) -> Pinned:
    """``sources`` (the files of ``templates/``) without those ``problems`` are about,
    whose names the theme's own templates then answer: the clinic's other templates
    (its stylesheet, its footer) stay in use while one of them has an error."""
    bad = {p.path for p in problems}
    if "templates" in bad:  # the folder itself: none of them
        return ()
    return tuple((name, text) for name, text in sources if f"templates/{name}" not in bad)


def is_template_problem(problem: Problem) -> bool:
    """Whether ``problem`` is a mistake in one of the project's ``templates/`` (found by
    validation or while rendering): the desk then uses the last good templates."""
    return problem.field == TEMPLATE_FIELD and \
        (problem.path == "templates" or problem.path.startswith("templates/"))


class Site:
    """What the pages share: the project folder, the render pool, changes and batches."""

    def __init__(self, root: Path, pool: RenderPool, *, location: str | None = None,
                 checker: Checker | None = None) -> None:
        self.root = root.resolve()
        self.pool = pool
        #: The desk's default location (``serve --location``); None: the project's first.
        self.location = location
        self._loaded: Served | None = None
        #: The last load with a usable ``handouts.yaml``: served while it has errors.
        self.good: Served | None = None
        #: The last templates of ``templates/`` that validated and rendered (or, before
        #: any render, validated), and the problems of those that failed while rendering.
        self.good_templates: Pinned | None = None
        #: The templates good before ``good_templates`` (see :meth:`make`).
        self._earlier_templates: Pinned | None = None
        self._failed_templates: dict[Pinned, list[Problem]] = {}
        #: Each handout as it last loaded without errors, with its project: the live
        #: preview keeps its choices while the handout's file has errors.
        self._good_documents: dict[str, tuple[Document, Project]] = {}
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
        self.streams = StreamBudget()
        #: Runs ``handouts check`` per handout for the library's badges (None: not run).
        self.checker = checker

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

    def default_location(self, project: Project | None) -> str | None:
        """The location a form starts on: this desk's (``serve --location``), or the
        project's first when the desk has none. None when the desk's own is no longer in
        handouts.yaml (renamed, removed): staff then choose, and the owner's banner says
        why; another location's phone is never printed without a word."""
        places = project.config.clinic.locations if project is not None else {}
        if self.location is None:
            return next(iter(places), None)
        return self.location if self.location in places else None

    def shown_location(self, project: Project | None) -> str | None:
        """The location a page shows when nobody chose one (a thumbnail, the owner's
        preview): the form's starting one, else the project's first, so a page always
        shows a location's details even while the desk's own is gone."""
        places = project.config.clinic.locations if project is not None else {}
        return self.default_location(project) or next(iter(places), None)

    def location_problems(self, project: Project | None) -> list[Problem]:
        """What the owner is told when this desk's location is not in handouts.yaml."""
        if project is None or self.location is None:
            return []
        places = list(project.config.clinic.locations)
        if self.location in places:
            return []
        others = (f"start the desk with --location and one of: {', '.join(places)}"
                  if places else "start the desk without --location")
        return [project.problem(("clinic", "locations"), (
            f"has no location '{self.location}', this desk's own (handouts serve "
            f"--location): until it is back, staff choose the location of every copy; "
            f"or {others}"))]

    def loaded(self) -> Served:
        """The project, loaded again when any of its files changed."""
        version = self.version()
        with self._lock:
            if self._loaded is None or self._loaded.version != version:
                self._loaded = self._load(version)
                self._loaded.problems += self.location_problems(self._loaded.project)
                if not self._loaded.stale and self._loaded.project is not None:
                    self.good = self._loaded
                if self._loaded.project is not None:  # loaded with a good handouts.yaml
                    for name, document in self._loaded.documents.items():
                        self._good_documents[name] = (document, self._loaded.project)
                if self.checker is not None:
                    self.checker.start(self.root, self._loaded)
            return self._loaded

    def last_good(self, name: str) -> tuple[Document | None, Project | None]:
        """Handout ``name`` as it loaded now or last without errors, and its project."""
        loaded = self.loaded()
        if name in loaded.documents:
            return loaded.documents[name], loaded.project
        return self._good_documents.get(name, (None, None))

    def _load(self, version: str) -> Served:
        each = load_each(self.root)
        # A broken template would fail every handout: the last good templates serve.
        broken = template_problems(self.root)
        current = None if broken else template_sources(self.root / "templates")
        if current is not None:
            broken = self._failed_templates.get(current, [])
            if self.good_templates is None and not broken:
                self.good_templates = current
        # No good templates yet (the desk started with a typo in one): the others are
        # used, and the theme's own in place of those with errors.
        built_in = bool(broken) and self.good_templates is None
        pinned = (without(template_sources(self.root / "templates"), broken) if built_in
                  else self.good_templates) if broken else None
        if each.project is None:  # keep the last good handouts.yaml
            good = self.good
            if good is None or good.project is None:
                return Served(version, problems=each.problems + broken)
            # Only handouts.yaml is held back: the content files load again with its
            # last good version (as the render workers load them), so the pages show
            # what the PDFs print, a new handout appears and a deleted one goes.
            again = load_each(self.root, config=good.project.config)
            errors = [p for p in again.problems if p.severity is Severity.ERROR]
            return Served(version, good.project, again.documents, again.broken,
                          each.problems + errors + broken, stale=True, templates=current,
                          pinned=pinned, built_in=built_in)
        problems = [p for p in each.problems if p.severity is Severity.ERROR]
        return Served(version, each.project, each.documents, each.broken, problems + broken,
                      [p for p in each.problems if p.severity is Severity.WARNING],
                      templates=current, pinned=pinned, built_in=built_in)

    def make(self, task: Callable[..., Rendered], *args: Any) -> Rendered:
        """Run the render ``task`` (:func:`~handouts.web.workers.render` or
        :func:`~handouts.web.workers.program`) in the pool for the current project
        version, with the last good files in place of any that have errors.

        A template of ``templates/`` that fails while rendering (an undefined name, say)
        is set aside like one that fails validation: the owner's banner names it, and
        this page and every later one are made with the last good templates.
        """
        loaded = self.loaded()
        result = self.pool.run(task, str(self.root), loaded.version, *args, loaded.fallback,
                               deadline=self.deadline())
        if not result.ok and project_version(self.root) != loaded.version:
            # The owner saved a file while this was made: the worker read the new one,
            # maybe half-written or with a typo. Made once more from the desk's view of
            # the files now (a file with errors: its last good version), without waiting
            # for the watcher to tell of the save.
            self.notify(time.monotonic())
            loaded = self.loaded()
            result = self.pool.run(task, str(self.root), loaded.version, *args,
                                   loaded.fallback, deadline=self.deadline())
        current = loaded.templates
        if current is None or loaded.pinned is not None:
            return result
        failures = [p for p in result.problems
                    if p.severity is Severity.ERROR and is_template_problem(p)]
        if not failures:
            if result.ok and self.good_templates != current:
                # It rendered: proven good, as far as this page goes. The templates good
                # before it are kept: a branch only another page takes may still fail.
                self._earlier_templates, self.good_templates = self.good_templates, current
            return result
        with self._lock:
            self._failed_templates[current] = failures
            loaded.problems = list(dict.fromkeys(loaded.problems + failures))  # the banner
            if self.good_templates == current:  # rendered once, fails on another page
                self.good_templates, self._earlier_templates = self._earlier_templates, None
            # Nothing proven good yet: the theme's own in place of the failing ones.
            loaded.built_in = self.good_templates is None
            loaded.pinned = without(current, failures) if loaded.built_in else \
                self.good_templates
        log.warning("a template of templates/ failed while rendering; the desk uses the "
                    "last good templates until it is fixed")
        return self.pool.run(task, str(self.root), loaded.version, *args, loaded.fallback,
                             deadline=self.deadline())

    def deadline(self) -> float:
        """Seconds a request waits for a render: the project's limit plus a margin."""
        loaded = self._loaded
        limit = loaded.project.config.defaults.render_timeout \
            if loaded is not None and loaded.project is not None else 60.0
        return (limit or 60.0) + DEADLINE_MARGIN

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
               also_hosts: tuple[str, ...] = (), location: str | None = None,
               checks: bool = True, secret: bytes | None = None, tls: bool = False) -> Flask:
    """The web app for the project in ``root``.

    ``host`` is the address the server is bound to (its name is accepted in the Host
    header, with localhost and 127.0.0.1); ``token``, when given, is required from
    every browser (as ``?token=`` once, then a long-lived cookie); ``also_hosts`` are
    more names accepted in the Host header (this computer's, when bound to every
    address). ``pool`` renders (default: two worker processes); ``watch`` starts the
    file watcher for the live preview; ``location`` is the desk's default location;
    ``checks`` runs ``handouts check`` per handout in the background for the library's
    badges; ``secret`` signs sessions (random when not given); ``tls``: served over
    HTTPS (cookies are ``Secure``).
    """
    from handouts.web import batch, library, preview, program

    app = Flask(__name__)
    pool = pool or RenderPool()
    site = Site(root, pool, location=location,
                checker=Checker() if checks else None)
    app.extensions["handouts"] = site
    security.install(app, host=host, token=token, also=also_hosts, secret=secret, tls=tls)
    app.register_blueprint(library.bp)
    app.register_blueprint(preview.bp)
    app.register_blueprint(batch.bp)
    app.register_blueprint(program.bp)

    @app.context_processor
    def clinic() -> dict[str, Any]:
        loaded = site.loaded()
        name = loaded.project.config.clinic.name if loaded.project else "Handouts"
        # Every page says when a file is held back: staff making copies see that the
        # sheets carry its last good version (QA: only the library said so, and a
        # phone number the owner had just changed went out as it was).
        return {"clinic_name": name, "labels": {}, "desk_held": loaded.held,
                "desk_built_in": loaded.built_in}

    app.register_error_handler(HTTPException, error_answer)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        # The type only: a message could quote a form value (personal data).
        log.error("unexpected %s while serving a page", type(exc).__name__)
        return error_answer(PageFailed())

    if watch:
        preview.start_watcher(site)
    return app


def make_server(root: Path, *, host: str = "127.0.0.1", port: int = 8000,
                token: str | None = None, pool: RenderPool | None = None,
                watch: bool = True, threads: int = PAGE_THREADS,
                also_hosts: tuple[str, ...] = (), location: str | None = None,
                checks: bool = True, secret: bytes | None = None,
                cert: Path | None = None, key: Path | None = None) -> Server:
    """A server for :func:`create_app` (``port=0`` picks a free port); HTTPS with
    ``cert`` and ``key`` (PEM files).

    ``threads`` serve pages and renders; the live preview's event streams get threads
    of their own on top (:data:`handouts.web.streams.MAX_STREAMS`), so open previews
    can never take the pages' threads. Returns a :class:`Server`.
    """
    app = create_app(root, host=host, token=token, pool=pool, watch=watch,
                     also_hosts=also_hosts, location=location, checks=checks,
                     secret=secret, tls=cert is not None)
    return Server(app, host, port, threads + MAX_STREAMS, cert=cert, key=key)


def site_of(app: Flask) -> Site:
    """The :class:`Site` of an app made by :func:`create_app`."""
    return app.extensions["handouts"]  # type: ignore[no-any-return]


__all__ = ["RenderPool", "Served", "Server", "Site", "create_app", "is_template_problem",
           "make_server", "site_of"]
