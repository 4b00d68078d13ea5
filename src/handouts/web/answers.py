"""How the desk answers a request it cannot serve: a page for a browser, JSON for the
pages' script (which asks for it), with the problems that say why.

Every refusal goes through here (:func:`error_answer`, installed by
:func:`handouts.web.create_app`), so the script never receives an HTML error page it
cannot show, and a handout that is off the desk says which file and line to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, render_template, request
from werkzeug.exceptions import HTTPException

from handouts.errors import Problem, Severity


def beside_fields(problems: list[Problem]) -> dict[str, Any]:
    """What a page's form shows beside its fields: each field's message
    (``field_problems``), and the fields whose value is refused (``field_errors``,
    marked invalid for assistive technology). A warning is shown beside its field
    but does not mark it invalid: the PDF is made as it is (a dose longer than the
    program's weeks, a next appointment before the day given)."""
    return {"field_problems": {p.field: p.message for p in problems if p.path == "form"},
            "field_errors": {p.field for p in problems
                             if p.path == "form" and p.severity is Severity.ERROR}}


def wants_json() -> bool:
    """Whether the request asks for JSON (the page's script does) rather than a page."""
    return request.accept_mimetypes.best == "application/json"


def problem_json(problems: list[Problem], labels: Mapping[str, str] | None = None
                 ) -> list[dict[str, Any]]:
    """Problems as the pages' JSON answers give them: a form problem with its field and
    that field's label (from ``labels``), others with where, and the setting or key of
    a file that is wrong in front of the message (``items[1].dosage.reps: must be at
    most 100``), as the pages without script and ``handouts check`` say it."""
    labels = labels or {}
    return [{"field": p.field if p.path == "form" else None,
             "label": labels.get(p.field) if p.path == "form" else None,
             "where": None if p.path in ("form", "") else
             (p.path if p.line is None else f"{p.path}:{p.line}"),
             "severity": p.severity.value,
             "message": p.message if p.path == "form" or not p.field
             else f"{p.field}: {p.message}"} for p in problems]


class Unavailable(HTTPException):
    """A handout that exists but cannot be made now: its files have errors (409)."""

    code = 409

    def __init__(self, title: str, problems: list[Problem]) -> None:
        super().__init__(f"“{title}” cannot be made until the clinic fixes its content "
                         "file. Every other handout can be made as usual.")
        self.problems = problems

    @property
    def name(self) -> str:  # type: ignore[override]
        """The page's heading."""
        return "Not available at the moment"


class SettingsBroken(HTTPException):
    """No handout can be made: ``handouts.yaml`` has errors and never loaded since the
    desk started, so there is no last good version to use (503)."""

    code = 503
    description = ("The clinic's settings (handouts.yaml) have errors, so no handout can "
                   "be made until the clinic owner fixes them. Please ask the owner.")

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__()
        self.problems = problems

    @property
    def name(self) -> str:  # type: ignore[override]
        """The page's heading."""
        return "Not available at the moment"


class PageFailed(HTTPException):
    """A page that failed in an unexpected way (500; its detail is only logged, by type)."""

    code = 500
    description = ("The page could not be made. Please try again; if it keeps happening, "
                   "run 'handouts check'.")

    @property
    def name(self) -> str:  # type: ignore[override]
        """The page's heading."""
        return "Something went wrong"


def error_answer(exc: HTTPException) -> Any:
    """The answer to a refused request: JSON ``{ok, message, problems}`` when asked for,
    else the error page; the problems (file and line) when the refusal has them."""
    problems = list(getattr(exc, "problems", []))
    code = exc.code or 500
    if wants_json():
        return current_app.json.response({"ok": False, "message": exc.description,
                                          "problems": problem_json(problems)}), code
    return render_template("error.html", code=code, title=exc.name,
                           message=exc.description, problems=problems), code


__all__ = ["PageFailed", "SettingsBroken", "Unavailable", "beside_fields", "error_answer",
           "problem_json",
           "wants_json"]
