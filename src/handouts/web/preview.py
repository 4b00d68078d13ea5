"""The owner's live preview: a handout's pages, redrawn within a second of each save.

A background thread watches the project (content, translations, handouts.yaml,
templates, assets; not the output folder) with watchfiles and pushes a server-sent
event to every open live page; the page's script then asks for the new state. The
state lists every problem (validation, the fast checks of ``handouts check``, page
fit) with ``file:line``, and while the handout has errors the last good pages stay.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from handouts.errors import Severity
from handouts.project.config import Project
from handouts.project.content import Document, discover
from handouts.render.result import Rendered
from handouts.web.library import options
from handouts.web.streams import BUSY_RETRY_MS, HEARTBEAT, MAX_AGE, RETRY_MS
from handouts.web.workers import WATCHED, Selection, live

bp = Blueprint("preview", __name__)
log = logging.getLogger("handouts.web")



def _site() -> Any:
    return current_app.extensions["handouts"]


def _known(name: str) -> tuple[Document | None, Project | None]:
    """The handout ``name`` (as now, or as last loaded without errors, while its files have
    errors); 404 unless ``content/`` has a file of that name."""
    site = _site()
    if name not in discover(site.root / "content"):
        abort(404, "There is no handout with that name.")
    return site.last_good(name)  # type: ignore[no-any-return]


def _choices(name: str) -> Selection:
    """The version asked for in the query string (not personal), checked against the project."""
    document, project = _known(name)
    if document is None:  # never loaded without errors: its everyday version
        return Selection()
    allowed = options(document, project)
    picked: list[Any] = []
    # The location too: its hours or address may push a sheet over its page limit.
    place = _site().shown_location(project)
    for key, values, default in (("audience", allowed.audiences, "general"),
                                 ("language", allowed.languages, allowed.default_language),
                                 ("paper", allowed.papers, allowed.default_paper),
                                 ("print_size", allowed.prints, "standard"),
                                 ("location", allowed.locations, place)):
        value = request.args.get(key, default)
        picked.append(value if value in {v for v, _ in values} else default)
    return Selection(*picked)


def live_status(ok: bool, pages: int, errors: int) -> str:
    """The live preview's status sentence, the one rule for the page as first sent and
    for the script's updates (it shows the state's ``status``, so the two never differ).

    ``ok``: the shown version was made now; ``pages``: the pages shown (the last good
    ones while it cannot be made); ``errors``: every error listed, which may concern
    other versions (another language's ``.po``, a location's details). Only the shown
    version failing is "cannot be made": errors elsewhere said so too, beside pages
    that were fine.
    """
    if not ok:
        return ("The file has errors: showing the last good version." if pages
                else "This version cannot be made.")
    if not pages:  # made, yet nothing to show: as good as not made, for the owner
        return "This version cannot be made."
    if errors:
        return (f"Up to date. {errors} problem{'s' if errors != 1 else ''} in other "
                "versions (see below).")
    return "Up to date. Save a file to see the change here."


def _state(name: str, choices: Selection) -> dict[str, Any]:
    """Render (once per project version) and remember the last good pages."""
    site = _site()
    version = site.version()
    states = site.extras.setdefault("live", {})
    good = site.extras.setdefault("good", {})
    key = (name, choices)
    cached = states.get(key)
    if cached is None or cached[0] != version:
        result: Rendered = site.pool.run(live, str(site.root), version, name, choices,
                                       deadline=site.deadline())
        if result.ok:
            good[key] = (version, result.images)
        cached = states[key] = (version, result)
        # Keep only this version's states (older ones are never asked for again).
        for other in [k for k, v in states.items() if v[0] != version]:
            states.pop(other, None)
    _, result = cached
    shown_version, images = good.get(key, (None, []))
    query = {"audience": choices.audience, "language": choices.language,
             "paper": choices.paper, "print_size": choices.print_size,
             **({"location": choices.location} if choices.location else {})}
    errors = sum(p.severity is Severity.ERROR for p in result.problems)
    return {
        "version": shown_version or version,
        "ok": result.ok,
        "stale": not result.ok and bool(images),
        "errors": errors,
        "status": live_status(result.ok, len(images), errors),
        "problems": [{"where": p.path if p.line is None else f"{p.path}:{p.line}",
                      "field": p.field, "severity": p.severity.value, "message": p.message}
                     for p in result.problems],
        "images": [url_for("preview.page_image", name=name, number=i + 1, v=shown_version,
                           **query) for i in range(len(images))],
    }


@bp.get("/live/<name>")
def live_page(name: str) -> str:
    """The live preview page of one handout."""
    document, project = _known(name)
    choices = _choices(name)
    if document is None:
        return render_template("error.html", code=422, title="This handout has errors",
                               message="Fix the problems below, then reload this page.",
                               problems=_site().loaded().broken.get(name) or
                               _site().loaded().problems)
    return render_template("live.html", doc=document, options=options(document, project),
                           choices=choices, state=_state(name, choices),
                           generation=_site().generation)


@bp.get("/live/<name>/state")
def live_state(name: str) -> Response:
    """The preview's state as JSON (asked for by the page's script after each change)."""
    _known(name)
    return current_app.json.response(_state(name, _choices(name)))


@bp.get("/live/<name>/page/<int:number>.png")
def page_image(name: str, number: int) -> Response:
    """Page ``number`` of the last good preview (a fixed, validated route: no paths)."""
    _known(name)
    good = _site().extras.get("good", {})
    _, images = good.get((name, _choices(name)), (None, []))
    if not 1 <= number <= len(images):
        abort(404, "No such page.")
    return Response(images[number - 1], mimetype="image/png")


@bp.get("/events")
def events() -> Response:
    """Server-sent events: ``change`` whenever a project file is saved.

    Bounded (see :mod:`handouts.web.streams`): a place in the stream budget is taken
    when the stream starts and given back when it ends, both inside the generator, so a
    browser that goes away before the first byte holds nothing. The first event,
    ``hello``, carries the current generation: a page that reconnects after missing a
    change sees that it differs from its own and asks for the new state.
    """
    site = _site()
    budget = site.streams

    def stream() -> Iterator[str]:
        if not budget.acquire():
            yield f"retry: {BUSY_RETRY_MS}\n\n"
            return
        try:
            seen = site.generation
            yield f"retry: {RETRY_MS}\n\nevent: hello\ndata: {seen}\n\n"
            ends = time.monotonic() + MAX_AGE
            while not site.stopping.is_set():
                left = ends - time.monotonic()
                if left <= 0:
                    return  # the browser reconnects by itself after RETRY_MS
                with site.changed:
                    site.changed.wait_for(lambda last=seen: site.generation != last or
                                          site.stopping.is_set(), timeout=min(HEARTBEAT, left))
                    generation = site.generation
                if site.stopping.is_set():
                    return
                if generation != seen:
                    seen = generation
                    yield f"event: change\ndata: {generation}\n\n"
                else:
                    yield ": keep-alive\n\n"
        finally:
            budget.release()

    response = Response(stream(), mimetype="text/event-stream")
    response.headers["X-Accel-Buffering"] = "no"
    return response


def _relevant(root: Path) -> Any:
    tops = [root / name for name in WATCHED]

    def keep(change: Any, path: str) -> bool:
        target = Path(path)
        return any(target == top or top in target.parents for top in tops)
    return keep


def start_watcher(site: Any) -> threading.Thread:
    """Watch the project's input files in a daemon thread; notify ``site`` on changes."""
    import watchfiles

    def run() -> None:
        site.watching.set()
        try:
            for _changes in watchfiles.watch(site.root, watch_filter=_relevant(site.root),
                                             debounce=50, step=20, stop_event=site.stopping,
                                             rust_timeout=500, yield_on_timeout=False):
                site.notify(time.monotonic())
                # Each save is judged as it is made, so the last good version the desk
                # falls back on is the last good one saved, not the last one a request
                # happened to see (a half-saved file, then the whole file, then a typo).
                try:
                    site.loaded()
                except Exception as exc:  # the next request loads and says what is wrong
                    log.warning("could not load the project after a change (%s)",
                                type(exc).__name__)
        except Exception as exc:  # no live reload, but the pages still work
            log.warning("file watcher stopped (%s)", type(exc).__name__)
        finally:  # nobody reports changes now: the version is digested every time again
            site.watching.clear()

    thread = threading.Thread(target=run, name="handouts-watcher", daemon=True)
    thread.start()
    return thread
