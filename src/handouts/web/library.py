"""The front desk: the library of handouts, and a named copy of one.

A copy is asked for with a POST (client details never go into a URL), rendered in
memory by the worker pool and sent back with ``Cache-Control: no-store``: as page
images to check (:func:`preview_copy`), or as the PDF itself (:func:`pdf_copy`),
byte for byte what ``handouts build --client ...`` writes for the same choices.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from werkzeug.datastructures import MultiDict

from handouts.commands.merge import available_languages
from handouts.errors import Problem, Severity
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.variants.clients import Client
from handouts.variants.i18n import language_name
from handouts.variants.plan import GENERAL
from handouts.web.workers import PREVIEW_SCALE, THUMB_SCALE, Choices, render

bp = Blueprint("library", __name__)

#: The form's client fields, named as ``handouts build`` names their options.
CLIENT_FIELDS = {"client": "--client", "note": "--note", "therapist": "--therapist",
                 "next_appointment": "--next-appointment"}
PAPERS = {"letter": "US Letter", "a4": "A4"}
PRINTS = {"standard": "Standard print", "large": "Large print"}
#: Longest accepted text in a client field (a name, a short note).
MAX_FIELD = 2000


def _site() -> Any:
    return current_app.extensions["handouts"]


@dataclass(frozen=True)
class Options:
    """The versions a handout can be made in: (value, label) pairs for each choice."""

    audiences: list[tuple[str, str]]
    languages: list[tuple[str, str]]
    papers: list[tuple[str, str]]
    prints: list[tuple[str, str]]
    default_paper: str
    default_language: str


def options(document: Document, project: Project | None = None) -> Options:
    """The choices the project allows for ``document`` (in ``project``, or as loaded now)."""
    project = project or _site().loaded().project
    audiences = [(GENERAL, "Everyone")] + [(key, a.label)
                                           for key, a in project.config.audiences.items()]
    languages = [(code, language_name(code)) for code in available_languages(document)]
    return Options(audiences, languages, list(PAPERS.items()), list(PRINTS.items()),
                   project.config.defaults.paper, document.handout.language)


def _document(name: str) -> Document:
    """The handout called ``name``; 404 for anything else (no path is built from it)."""
    document = _site().loaded().documents.get(name)
    if document is None:
        abort(404, "There is no handout with that name.")
    return document


def read_form(document: Document, form: MultiDict[str, str]
              ) -> tuple[Choices, Client | None, list[Problem]]:
    """The choices and client details of a posted form, and what is wrong with them.

    Messages name the field, never its value (it may be personal).
    """
    allowed = options(document)
    problems: list[Problem] = []

    def pick(key: str, values: list[tuple[str, str]], default: str) -> str:
        value = form.get(key, default)
        if value not in {v for v, _ in values}:
            problems.append(Problem("form", None, key,
                                    f"choose one of: {', '.join(v for v, _ in values)}"))
            return default
        return value

    choices = Choices(pick("audience", allowed.audiences, GENERAL),
                      pick("language", allowed.languages, allowed.default_language),
                      pick("paper", allowed.papers, allowed.default_paper),
                      pick("print_size", allowed.prints, "standard"))
    values = {key: form.get(key, "").strip() for key in CLIENT_FIELDS}
    for key, value in values.items():
        if len(value) > MAX_FIELD:
            problems.append(Problem("form", None, CLIENT_FIELDS[key],
                                    f"is too long (at most {MAX_FIELD} characters)"))
    appointment = None
    if values["next_appointment"]:
        try:  # the format handouts build accepts
            appointment = dt.datetime.strptime(values["next_appointment"], "%Y-%m-%d").date()
        except ValueError:
            problems.append(Problem("form", None, "--next-appointment",
                                    "must be a real date written as YYYY-MM-DD"))
    if not values["client"]:
        if any(values[k] for k in ("note", "therapist", "next_appointment")):
            problems.append(Problem("form", None, "--client",
                                    "a note, therapist or next appointment needs the "
                                    "client's name"))
        return choices, None, problems
    client = Client(values["client"], values["note"] or None, values["therapist"] or None,
                    appointment)
    return choices, client, problems


def _copy(name: str, images: bool) -> tuple[Any, Document, Choices, list[Problem]]:
    document = _document(name)
    choices, client, problems = read_form(document, request.form)
    if problems:
        return None, document, choices, problems
    site = _site()
    result = site.pool.run(render, str(site.root), site.version(), name, choices, client,
                           PREVIEW_SCALE if images else None)
    return result, document, choices, result.problems


def _handout_page(document: Document, status: int = 200, **extra: Any) -> tuple[str, int]:
    form = request.form if request.method == "POST" else MultiDict()
    return render_template("handout.html", doc=document, options=options(document),
                           form=form, **extra), status


@bp.get("/")
def index() -> str:
    """The library: every handout, searchable by title and keyword (``?q=``)."""
    loaded = _site().loaded()
    query = request.args.get("q", "").strip()
    rows = []
    for name, doc in loaded.documents.items():
        words = [doc.handout.title, *doc.handout.keywords]
        if query and not any(query.lower() in w.lower() for w in words):
            continue
        mine = [p for p in loaded.checks if p.path.startswith(f"content/{name}.")]
        errors = sum(p.severity is Severity.ERROR for p in mine)
        rows.append({"name": name, "doc": doc, "errors": errors,
                     "warnings": len(mine) - errors,
                     "languages": [language_name(c) for c in available_languages(doc)]})
    audiences = ["Everyone"]
    if loaded.project is not None:
        audiences += [a.label for a in loaded.project.config.audiences.values()]
    return render_template("library.html", rows=rows, query=query, audiences=audiences,
                           problems=loaded.problems, total=len(loaded.documents))


@bp.get("/thumb/<name>.png")
def thumbnail(name: str) -> Response:
    """The first page of a handout's everyday version, small (not personal)."""
    _document(name)
    site = _site()
    version = site.version()
    cache = site.extras.setdefault("thumbs", {})
    png = cache.get((name, version))
    if png is None:
        result = site.pool.run(render, str(site.root), version, name, Choices(), None,
                               THUMB_SCALE, 1)
        if not result.images:
            abort(404, "This handout cannot be rendered at the moment.")
        png = cache[(name, version)] = result.images[0]
    return Response(png, mimetype="image/png")


@bp.get("/h/<name>")
def handout(name: str) -> tuple[str, int]:
    """A handout's page: the version choices and the client's details."""
    return _handout_page(_document(name))


@bp.post("/h/<name>/preview")
def preview_copy(name: str) -> tuple[str, int]:
    """The named copy's pages as images, in the page (nothing kept on the server)."""
    result, document, _, problems = _copy(name, images=True)
    if result is None or not result.ok:
        return _handout_page(document, 422, problems=problems)
    pages = [base64.b64encode(png).decode() for png in result.images]
    return _handout_page(document, pages=pages, problems=problems)


@bp.post("/h/<name>/pdf")
def pdf_copy(name: str) -> Response | tuple[str, int]:
    """The named copy as a PDF, shown in the browser to print or save."""
    result, document, choices, problems = _copy(name, images=False)
    if result is None or not result.ok:
        return _handout_page(document, 422, problems=problems)
    language = choices.language or document.handout.language
    paper = choices.paper or "letter"
    # A default name that says which version this is, never whose.
    filename = f"{name}-{language}-{choices.audience}-{paper}-{choices.print_size}.pdf"
    response = Response(result.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
