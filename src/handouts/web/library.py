"""The front desk: the library of handouts, and a named copy of one.

A copy is asked for with a POST (client details never go into a URL), rendered in
memory by the worker pool and sent back with ``Cache-Control: no-store``: as page
images to check (:func:`preview_copy`), or as the PDF itself (:func:`pdf_copy`),
byte for byte what ``handouts build --client ...`` writes for the same choices.

The page's script sends the form with ``fetch()`` and asks for JSON, so a copy adds
no history entry holding the POST body (which Chromium keeps in its session files
for "restore tabs"); without the script the same routes answer with the page.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from babel import Locale
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from handouts.checks.glyphs import FONT_HINT, check_client
from handouts.commands.merge import available_languages
from handouts.errors import Problem, Severity
from handouts.project.config import CONFIG_NAME, Project
from handouts.project.content import Document
from handouts.project.languages import has_theme_words, language_name
from handouts.render.limits import WITH_CLIENT
from handouts.render.result import Rendered
from handouts.variants.clients import Client, text_problem
from handouts.variants.dates import (
    UnreadableDate,
    before_given,
    clinic_locale,
    far_from_today,
    read_date,
)
from handouts.variants.dates import example as date_example
from handouts.variants.i18n import clinic_texts, progress, translate
from handouts.variants.plan import GENERAL
from handouts.web import answers
from handouts.web.answers import SettingsBroken, Unavailable, beside_fields, wants_json
from handouts.web.security import PDF_FRAME_CSP
from handouts.web.workers import PREVIEW_SCALE, THUMB_SCALE, Selection, record_of, render

bp = Blueprint("library", __name__)

#: The form's client fields and their labels: every message about them uses the label,
#: never an option name or a content file (the person at the desk sees only the form).
CLIENT_FIELDS = {"client": "Client’s name", "note": "Personal note",
                 "therapist": "Therapist", "next_appointment": "Next appointment"}
#: Labels of the version fields, for the same reason.
VERSION_FIELDS = {"audience": "For", "language": "Language", "paper": "Paper",
                  "print_size": "Print size", "location": "Location"}
PAPERS = {"letter": "US Letter", "a4": "A4"}
PRINTS = {"standard": "Standard print", "large": "Large print"}
#: Longest accepted text in a client field: a name or a short note, never a document.
MAX_FIELD = {"client": 200, "note": 2000, "therapist": 200, "next_appointment": 40}


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
    #: The clinic's locations (empty: one location, no choice to make).
    locations: list[tuple[str, str]] = field(default_factory=list)
    default_location: str | None = None
    #: How a date may be written at this clinic (its language and phone region).
    date_example: str = ""
    #: The locations each language is not ready for yet (their words not translated):
    #: the form's script takes that language off while such a location is chosen.
    language_off_at: dict[str, list[str]] = field(default_factory=dict)


def options(document: Document, project: Project | None = None) -> Options:
    """The choices the project allows for ``document`` (in ``project``, or as loaded now).

    A language whose translation has errors is left out (the owner sees why on the
    library card); the others stay.
    """
    site = _site()
    loaded = site.loaded()
    project = project or loaded.project
    config = project.config
    audiences = [(GENERAL, "Everyone")] + [(key, a.label) for key, a in config.audiences.items()]
    off = off_languages(document)
    languages = [(code, language_name(code)) for code in available_languages(document)
                 if code not in off]
    places = config.clinic.locations
    locations = [(key, location_label(key, place)) for key, place in places.items()]
    default_location = site.default_location(project)
    locale = clinic_locale(config)
    return Options(audiences, languages, list(PAPERS.items()), list(PRINTS.items()),
                   config.defaults.paper, document.handout.language, locations,
                   default_location, date_example(locale), location_gaps(document))


def choices_json(lists: dict[str, list[tuple[str, str]]],
                 off: dict[str, dict[str, list[str]]] | None = None) -> dict[str, Any]:
    """The version lists of a form as its script refreshes them (see ``refreshChoices``
    in desk.js): each select's ``[value, label]`` pairs now, and for the language list
    the locations each language is not ready for. Nothing personal."""
    return {key: {"values": [list(pair) for pair in values], **(
        {"off": off[key]} if off and key in off else {})} for key, values in lists.items()}


def handout_choices(document: Document) -> dict[str, Any]:
    """:func:`choices_json` of a handout's page, from :func:`options` now."""
    offered = options(document)
    return choices_json({"audience": offered.audiences, "language": offered.languages,
                         "paper": offered.papers, "print_size": offered.prints,
                         "location": offered.locations},
                        {"language": offered.language_off_at})


def location_label(key: str, place: Any) -> str:
    """``Downtown · (480) 555-0134``: the name staff know, and the phone that will print
    (not the clinic's name, which every location shares: on a phone's screen it pushed
    the phone out of the list)."""
    name = place.name_suffix or key.replace("-", " ").title()
    return f"{name} · {place.phone}"


# ------------------------------------------------------------ what is off the desk

def language_off(files: list[str]) -> str:
    """Why a language chosen on a form cannot be used now: its translation ``files``
    have errors (the copy form and the basket say it alike)."""
    return (f"is not available now: {', '.join(files)} "
            f"{'has' if len(files) == 1 else 'have'} errors (the clinic owner can fix them); "
            "choose another language")


def off_languages(document: Document) -> dict[str, list[Problem]]:
    """The translations of ``document`` that cannot be used now, with their problems."""
    return _translations(document)[1]


def _translations(document: Document) -> tuple[list[Any], dict[str, list[Problem]]]:
    """Each usable translation's handout, and the problems of each unusable one (read
    once per loaded project: the library, its search and each form ask)."""
    cache = _site().loaded().extras.setdefault("translations", {})
    if document.name not in cache:
        cache[document.name] = _read_translations(document)
    return cache[document.name]  # type: ignore[no-any-return]


def _read_translations(document: Document) -> tuple[list[Any], dict[str, list[Problem]]]:
    usable, off = [], {}
    for code in available_languages(document):
        if code == document.handout.language:
            continue
        po = document.translation(code)
        result = translate(document.handout, po, po.relative_to(document.path.parents[1])
                           .as_posix(), code)
        if result.handout is None:
            off[code] = [p for p in result.problems if p.severity is Severity.ERROR]
        else:
            usable.append(result.handout)
    return usable, off


def location_gaps(document: Document) -> dict[str, list[str]]:
    """For each usable translation of ``document``, the locations it is not ready for
    yet (a text of theirs, such as the opening hours, not translated in handouts.yaml
    or the ``.po`` file). Read once per loaded project."""
    cache = _site().loaded().extras.setdefault("location_gaps", {})
    if document.name not in cache:
        cache[document.name] = _location_gaps(document)
    return cache[document.name]  # type: ignore[no-any-return]


def _location_gaps(document: Document) -> dict[str, list[str]]:
    project = _site().loaded().project
    if project is None:
        return {}
    clinic, source = project.config.clinic, project.config.defaults.language
    off = off_languages(document)
    gaps: dict[str, list[str]] = {}
    for code in available_languages(document):
        if code == document.handout.language or code in off:
            continue
        po = document.translation(code)
        display = po.relative_to(document.path.parents[1]).as_posix()
        for place in clinic.locations:
            done = progress(document.handout, po, display, code,
                            clinic_texts(clinic, code, source, at=place))
            if done is not None and done.first_missing is not None:
                gaps.setdefault(code, []).append(place)
    return gaps


def _folded(text: str) -> str:
    """Lower case without accents: "Masaje en la ESPALDA" → "masaje en la espalda"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_text(document: Document) -> str:
    """Everything a search looks in: the title and keywords, in every language."""
    handouts = [document.handout, *_translations(document)[0]]
    return " ".join(_folded(" ".join([h.title, *h.keywords])) for h in handouts)


def matches(query: str, text: str) -> bool:
    """Whether every word of ``query`` appears in ``text`` (any order, accents ignored)."""
    words = _folded(query).split()
    return all(word in text for word in words)


# ------------------------------------------------------------------ the form

def _document(name: str) -> Document:
    """The handout called ``name``; 409 with its problems while its file has errors,
    404 for anything else (no path is built from it)."""
    loaded = _site().loaded()
    document = loaded.documents.get(name)
    if document is None:
        if name in loaded.broken:  # the owner's file has errors: say which, and where
            raise Unavailable(_title_of(name), loaded.broken[name])
        if loaded.project is None:  # no handout at all can be made: say why, not "none"
            raise SettingsBroken(loaded.problems)
        abort(404, "There is no handout with that name.")
    return document


def _title_of(name: str) -> str:
    """A broken handout's title as last loaded, else its name."""
    document, _ = _site().last_good(name)
    return document.handout.title if document is not None else name


def read_form(document: Document, form: MultiDict[str, str]
              ) -> tuple[Selection, Client | None, list[Problem]]:
    """The choices and client details of a posted form, and what is wrong with them.

    Each problem's field is the form field's name (its label is in
    :data:`CLIENT_FIELDS`); messages never repeat a value (it may be personal).
    """
    allowed = options(document)
    problems: list[Problem] = []
    off = off_languages(document)

    def pick(key: str, values: list[tuple[str, str]], default: str | None) -> str | None:
        value = form.get(key) or default
        if values and value not in {v for v, _ in values}:
            # A language taken off since the page was shown: why, as the basket says.
            broken = off.get(value or "") if key == "language" else None
            problems.append(Problem("form", None, key, language_off([broken[0].path])
                                    if broken else "choose one of the listed options"))
            return default
        return value

    choices = Selection(pick("audience", allowed.audiences, GENERAL) or GENERAL,
                      pick("language", allowed.languages, allowed.default_language),
                      pick("paper", allowed.papers, allowed.default_paper),
                      pick("print_size", allowed.prints, "standard") or "standard",
                      pick("location", allowed.locations, allowed.default_location)
                      if allowed.locations else None)
    config = _site().loaded().project.config
    client, problems_client = read_client(
        form, clinic_locale(config))
    problems += problems_client
    return choices, client, problems


def read_client(form: Mapping[str, str], locale: Locale) -> tuple[Client | None, list[Problem]]:
    """The client's details of a posted form (the copy form's and the home program's),
    and what is wrong with them: each field's length and characters, and the next
    appointment read as the client CSV reads dates in ``locale`` (the clinic's).

    No client name gives None (with a problem when other details were given). Each
    problem's field is the form field's name; messages never repeat a value.
    """
    problems: list[Problem] = []
    values = {key: (form.get(key) or "").strip() for key in CLIENT_FIELDS}
    for key, value in values.items():
        message = None
        if len(value) > MAX_FIELD[key]:
            message = f"is too long: at most {MAX_FIELD[key]:,} characters"
        elif value and key != "next_appointment":
            message = text_problem(value, lines=key == "note")
        if message:
            problems.append(Problem("form", None, key, message))
    appointment = None
    if values["next_appointment"] and not any(p.field == "next_appointment" for p in problems):
        try:  # the same dates as the client CSV, in the clinic's locale
            appointment = read_date(values["next_appointment"], locale)
        except UnreadableDate as exc:
            problems.append(Problem("form", None, "next_appointment", str(exc)))
    if not values["client"]:
        if any(values[k] for k in ("note", "therapist", "next_appointment")):
            problems.append(Problem("form", None, "client",
                                    "is needed for a note, a therapist or a next appointment"))
        return None, problems
    return Client(values["client"], values["note"] or None, values["therapist"] or None,
                  appointment), problems


#: What staff can do about a character no font has (see FONT_HINT for the owner's).
DESK_FONT_HINT = "leave it out and try again (the clinic owner can add a font that has it)"


def typed_unprintable(words: dict[str, str], language: str | None) -> list[Problem]:
    """What no font can print in the words typed on a form that has other mistakes
    (``words``: each option's text as the command line names it, ``--client``,
    ``--item 2 note``), so that they are said with those mistakes, not once they are
    fixed: the same check and message as when the copy or program is made (see
    :func:`~handouts.checks.gate.refuse_before_rendering`), never naming the characters.
    ``language``: the version's, or the project's own when it was not chosen right."""
    project = _site().loaded().project
    chosen = language if language and has_theme_words(language, project.root) else \
        project.config.defaults.language
    found: list[Problem] = []
    for flag, text in words.items():
        if text.strip():
            found += check_client(project, Client(text), chosen, None, None, {"name": flag})
    return found


_TRANSLATION = re.compile(r"^content/[a-z0-9-]+\.([A-Za-z_]+)\.po$")


#: The clinic's words a translation's message names (``clinic.locations.north.hours``).
_CLINIC_WORDS = re.compile(r"\bclinic\.[\w.-]*\w")


def language_not_ready(problem: Problem) -> Problem | None:
    """A render's problem saying the chosen language is not ready for this version (its
    translation lacks texts, say a location's hours; an audience has no label in it),
    in the form's words at its Language field; None for any other problem. Staff
    cannot translate: they can choose another language, or tell the owner."""
    if problem.severity is not Severity.ERROR or problem.path == "form":
        return None
    translation = _TRANSLATION.match(problem.path)
    if translation and "not translated yet" in problem.message:
        # The clinic's own words (a location's opening hours) lack a translation: they
        # go in handouts.yaml, so the owner is told both places and which words.
        words = [word for word in dict.fromkeys(_CLINIC_WORDS.findall(problem.message))
                 if not word.startswith("clinic.translations")]  # that is where, not what
        lacks = f"{problem.path} or {CONFIG_NAME} lacks {', '.join(words)}" if words \
            else f"{problem.path} lacks texts"
        return Problem("form", None, "language", (
            f"{language_name(translation.group(1))} is not ready for this version yet "
            f"({lacks}): choose another language, or ask the clinic owner to finish "
            "the translation"))
    if problem.path == CONFIG_NAME and problem.message.endswith(" label for this audience"):
        return Problem("form", None, "language", (
            f"is not ready for this audience yet ({problem.message} in {CONFIG_NAME}): "
            "choose another language or audience, or ask the clinic owner to add it"))
    return None


def limit_words(problem: Problem) -> str:
    """The page limit a max_pages problem names, in words ("2 pages"; "its pages" when
    the message gives none), for the desk's own message about it."""
    limit = problem.message.split("the limit is ", 1)[-1].split(" ")[0].rstrip(";")
    return f"{limit} page{'' if limit == '1' else 's'}" if limit.isdigit() else "its pages"


def for_the_desk(problems: list[Problem], client: Client | None) -> list[Problem]:
    """The render's problems in the words of the form.

    A named copy that passes the page limit without the client's details but not with
    them is too long because of what was typed: that is said of the longest field,
    never as "max_pages" in a content file. A handout too long without them (a
    stylesheet changed since the checks ran) is said as it is: staff cannot fix it.
    """
    out = []
    for problem in problems:
        ready = language_not_ready(problem)
        if ready is not None:
            out.append(ready)
            continue
        # The client checks of build name their field by its option ("client", or
        # "--client"): here it is the form's field.
        field = problem.path.removeprefix("--")
        if client is not None and not problem.field and field in ("client", "note",
                                                                 "therapist"):
            # Staff cannot add a font: they can leave the character out.
            message = problem.message.replace(FONT_HINT, DESK_FONT_HINT)
            out.append(Problem("form", None, field, message, problem.severity))
        elif client is not None and problem.field == "max_pages" and \
                WITH_CLIENT in problem.message:
            # Only when the handout fits without them: a stylesheet or an edit that makes
            # the handout itself too long is the owner's to fix, said as it is.
            longest = max(("note", "client", "therapist"),
                          key=lambda k: len(getattr(client, "name" if k == "client" else k)
                                            or ""))
            out.append(Problem("form", None, longest, (
                f"makes the handout longer than its limit of {limit_words(problem)}; "
                "shorten it"),
                problem.severity))
        else:
            out.append(problem)
    return out


def problem_json(problems: list[Problem], labels: Mapping[str, str] | None = None
                 ) -> list[dict[str, Any]]:
    """Problems as the pages' JSON answers give them (see :func:`answers.problem_json`),
    labelled by ``labels``, else by the copy form's."""
    return answers.problem_json(problems, labels if labels is not None
                                else CLIENT_FIELDS | VERSION_FIELDS)


def _copy(name: str, images: bool) -> tuple[Any, Document, Selection, list[Problem]]:
    document = _document(name)
    choices, client, problems = read_form(document, request.form)
    if problems:
        refused = {p.field for p in problems}
        typed = {f"--{key}": (request.form.get(key) or "") for key in ("client", "note",
                                                                          "therapist")
                 if key not in refused and client is not None}
        return None, document, choices, problems + for_the_desk(
            typed_unprintable(typed, choices.language), client)
    result = _site().make(render, name, choices, client, PREVIEW_SCALE if images else None,
                          None)
    if not result.ok:
        # Its file was saved with a mistake while this was made: said as for any page
        # of a handout whose file has errors (409), not as this copy's own problem.
        _document(name)
    return result, document, choices, for_the_desk(result.problems, client) + \
        appointment_notice(client, None)


def appointment_notice(client: Client | None, given: dt.date | None) -> list[Problem]:
    """A warning beside the next appointment when it is before the day the copy or
    program is given (today unless ``given``), and beside a given day far from today
    (as ``--given``): each prints as typed, never repeated."""
    early = before_given(client.next_appointment if client else None,
                         given or dt.date.today())
    far = far_from_today(given, dt.date.today())
    return [Problem("form", None, field, message, Severity.WARNING)
            for field, message in (("next_appointment", early), ("given", far)) if message]


def _handout_page(document: Document, status: int = 200, **extra: Any) -> tuple[str, int]:
    form = request.form if request.method == "POST" else MultiDict()
    problems = extra.pop("problems", [])
    return render_template("handout.html", doc=document, options=options(document),
                           form=form, labels=CLIENT_FIELDS | VERSION_FIELDS,
                           max_field=MAX_FIELD,
                           problems=problems, **beside_fields(problems),
                           **extra), status


def _refused(document: Document, problems: list[Problem], result: Any = None) -> Any:
    """A copy that could not be made: 422, the problems tied to their fields; 503 (try
    again) when no renderer could make it in time (see :func:`refusal_status`)."""
    status, headers = refusal_status(result)
    if wants_json():
        return current_app.json.response(
            {"ok": False, "problems": problem_json(problems),
             "choices": handout_choices(document)}), status, headers
    page, _ = _handout_page(document, status, problems=problems)
    return page, status, headers


def refusal_status(result: Any) -> tuple[int, dict[str, str]]:
    """The status of a refused request: 503 with ``Retry-After`` when the render pool
    gave no answer (busy, a stuck or dead renderer: nothing wrong with the request),
    else 422 (the request's own problems)."""
    if isinstance(result, Rendered) and result.failed:
        return 503, {"Retry-After": "5"}
    return 422, {}


def answered_by_get(view: Callable[..., Any]) -> Callable[..., Any]:
    """``view`` (a form's POST route) with its page answers, when the page's script
    did not ask for JSON, kept a while and the browser sent on to them (303 See Other;
    see :func:`kept_page`). The form carries the client's details: a POST answered in
    place stays in the browser's history and session files with them, and a reload or
    Back sends them again. A GET of a kept page holds only a random key."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            answer = view(*args, **kwargs)
        except HTTPException as exc:  # its page too (a handout taken off since)
            answer = current_app.handle_http_exception(exc)
        response = current_app.make_response(answer)
        if (wants_json() or response.mimetype != "text/html"
                or 300 <= response.status_code < 400):  # JSON, a PDF, already sent on
            return response
        kept = {name: response.headers[name] for name in ("Retry-After",)
                if name in response.headers}
        key = _site().extras.setdefault("pages", Copies()).keep(
            response.get_data(), json.dumps([response.status_code, kept]))
        return redirect(url_for("library.kept_page", key=key), 303)
    return wrapped


@bp.get("/shown/<key>")
def kept_page(key: str) -> Any:
    """A page answering a form a moment ago (see :func:`answered_by_get`), with the
    status it was given (422 for a form with mistakes, 503 to try again)."""
    found = _site().extras.setdefault("pages", Copies()).get(key)
    if found is None:
        abort(404, "This page is no longer kept (it holds a client's details only for a "
                   "moment). Go back to the handout or the program and send it again.")
    body, meta = found
    status, headers = json.loads(meta)
    return Response(body, status, headers, mimetype="text/html")


# ------------------------------------------------------------------ the pages

@bp.get("/")
def index() -> str:
    """The library: every handout, searchable by title and keyword in any of its
    languages (``?q=``: all words, any order, accents ignored)."""
    site = _site()
    loaded = site.loaded()
    query = request.args.get("q", "").strip()[:200]
    index_text = loaded.extras.setdefault("search", {})
    rows = []
    for name, doc in loaded.documents.items():
        if query:
            if name not in index_text:
                index_text[name] = search_text(doc)
            if not matches(query, index_text[name]):
                continue
        checked = site.checker.result(loaded.version, name) if site.checker else None
        off = off_languages(doc)
        rows.append({"name": name, "doc": doc, "checks": checked,
                     "errors": [p for p in checked or [] if p.severity is Severity.ERROR],
                     "warnings": [p for p in checked or [] if p.severity is Severity.WARNING],
                     "off": [(language_name(code), found) for code, found in off.items()],
                     "languages": [language_name(c) for c in available_languages(doc)
                                   if c not in off]})
    # A handout whose file has errors cannot be searched by its words, but by its name
    # it is still found, as not available (it was left out, as if it did not exist).
    broken = [{"name": name, "problems": found} for name, found in sorted(loaded.broken.items())
              if not query or matches(query, name.replace("-", " "))]
    audiences = ["Everyone"]
    if loaded.project is not None:
        audiences += [a.label for a in loaded.project.config.audiences.values()]
    return render_template("library.html", rows=rows, broken=broken, query=query,
                           audiences=audiences, problems=loaded.problems,
                           notices=loaded.notices, held=loaded.held,
                           built_in=loaded.built_in, unloaded=loaded.project is None,
                           total=len(loaded.documents), checking=site.checker is not None)


@bp.get("/thumb/<name>.png")
def thumbnail(name: str) -> Response:
    """The first page of a handout's everyday version, small (not personal)."""
    _document(name)
    site = _site()
    version = site.loaded().version
    cache = site.extras.setdefault("thumbs", {})
    png = cache.get((name, version))
    if png is None:
        result = site.make(render, name, Selection(location=_default_location()), None,
                           THUMB_SCALE, 1)
        if not result.images:
            abort(404, "This handout cannot be rendered at the moment.")
        png = cache[(name, version)] = result.images[0]
    return Response(png, mimetype="image/png")


def _default_location() -> str | None:
    site = _site()
    return site.shown_location(site.loaded().project)


@bp.get("/h/<name>")
def handout(name: str) -> tuple[str, int]:
    """A handout's page: the version choices and the client's details."""
    return _handout_page(_document(name))


@bp.post("/h/<name>/preview")
@answered_by_get
def preview_copy(name: str) -> Any:
    """The named copy's pages as images, in the page (nothing kept on the server)."""
    result, document, _, problems = _copy(name, images=True)
    if result is None or not result.ok:
        return _refused(document, problems, result)
    pages = [base64.b64encode(png).decode() for png in result.images]
    if wants_json():
        return current_app.json.response({
            "ok": True, "problems": problem_json(problems),
            "pages": [f"data:image/png;base64,{png}" for png in pages],
            "record": record_of(result), "choices": handout_choices(document)})
    return _handout_page(document, pages=pages, problems=problems, record=record_of(result))


@bp.post("/h/<name>/pdf")
@answered_by_get
def pdf_copy(name: str) -> Any:
    """The named copy as a PDF, shown in the browser to print or save.

    The page's script asks for JSON and gets a short-lived address instead (see
    :class:`Copies`), so the PDF opens, prints or downloads without a POST in the
    browser's history.
    """
    result, document, choices, problems = _copy(name, images=False)
    if result is None or not result.ok:
        return _refused(document, problems, result)
    language = choices.language or document.handout.language
    paper = choices.paper or "letter"
    where = f"-{choices.location}" if choices.location else ""
    # A default name that says which version this is, never whose.
    filename = f"{name}-{language}-{choices.audience}-{paper}-{choices.print_size}{where}.pdf"
    if wants_json():
        return current_app.json.response({
            "ok": True, "problems": problem_json(problems), "filename": filename,
            "url": kept_url(result.pdf, filename), "record": record_of(result),
            "choices": handout_choices(document)})
    return hand_over(result.pdf, filename, download=request.form.get("action") == "download")


def kept_url(pdf: bytes, filename: str, *, download: bool = False) -> str:
    """The short-lived address of ``pdf``, kept a while (see :class:`Copies`); with
    ``download`` the browser saves it instead of showing it."""
    key = _site().extras.setdefault("copies", Copies()).keep(pdf, filename)
    return url_for("library.kept_copy", key=key, download=1 if download else None)


def hand_over(pdf: bytes, filename: str, *, download: bool = False) -> Response:
    """A finished PDF asked for by the form itself (the page's script did not run): the
    browser is sent on to its kept address (303 See Other), so the history and the
    session files keep that address, never the POST and the client's details in it; a
    reload fetches the copy again instead of sending the form again."""
    return redirect(kept_url(pdf, filename, download=download), 303)


class Copies:
    """Finished PDFs waiting to be opened, in memory only, under random keys (one
    store; another keeps pages answering a form, see :func:`answered_by_get`, with
    their status where a PDF has its file name).

    A key names nobody and is useless after :data:`COPY_SECONDS` (or when newer copies
    push it out): the browser's history may keep ``/copy/<key>.pdf``, never a name.
    Copies are bounded by their bytes (:data:`COPY_BYTES`), not their number, so a
    busy desk (forty staff printing at once) does not lose a copy before its staff
    member's browser fetched it; the oldest goes first.
    """

    def __init__(self, limit: int = 1024, budget: int | None = None) -> None:
        self.limit = limit
        self.budget = COPY_BYTES if budget is None else budget
        self._kept: dict[str, tuple[float, bytes, str]] = {}
        self._lock = threading.Lock()

    def keep(self, pdf: bytes, filename: str) -> str:
        """Keep ``pdf`` for a while; the key to fetch it with."""
        key = secrets.token_urlsafe(18)
        now = time.monotonic()
        with self._lock:
            self._kept = {k: v for k, v in self._kept.items() if v[0] > now}
            held = sum(len(v[1]) for v in self._kept.values())
            while self._kept and (len(self._kept) >= self.limit
                                  or held + len(pdf) > self.budget):
                held -= len(self._kept.pop(next(iter(self._kept)))[1])
            self._kept[key] = (now + COPY_SECONDS, pdf, filename)
        return key

    def get(self, key: str) -> tuple[bytes, str] | None:
        """The PDF and its file name, while it is kept."""
        with self._lock:
            found = self._kept.get(key)
            if found is None or found[0] <= time.monotonic():
                self._kept.pop(key, None)
                return None
            return found[1], found[2]


#: Seconds a finished PDF can be fetched (the print dialog or a download starts at once).
COPY_SECONDS = 120.0
#: Bytes of finished PDFs kept at most (a copy is 0.1-1 MB; a long program a few MB).
COPY_BYTES = 64 * 1024 * 1024


@bp.get("/copy/<key>.pdf")
def kept_copy(key: str) -> Response:
    """A PDF made a moment ago (see :class:`Copies`)."""
    found = _site().extras.setdefault("copies", Copies()).get(key)
    if found is None:
        abort(404, "This copy is no longer kept. Make it again from the handout's page.")
    pdf, filename = found
    response = Response(pdf, mimetype="application/pdf")
    how = "attachment" if request.args.get("download") else "inline"
    response.headers["Content-Disposition"] = f'{how}; filename="{filename}"'
    # The desk's own page prints it from a hidden frame.
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = PDF_FRAME_CSP
    return response


__all__ = ["CLIENT_FIELDS", "MAX_FIELD", "Copies", "Options", "answered_by_get", "bp",
           "choices_json", "for_the_desk", "hand_over", "handout_choices", "kept_url",
           "matches", "options", "problem_json", "read_client", "read_form", "search_text",
           "wants_json"]
