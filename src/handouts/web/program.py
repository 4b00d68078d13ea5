"""The front desk's home-program page: a basket of handouts, each with its dose, made
into one packet for one client (``/program``), as ``handouts program`` makes it.

The basket lives in the page's form (see :mod:`handouts.web.basket`): without
JavaScript every button posts the form and the page comes back edited; with it, the
page's script sends the same posts with ``fetch()`` and swaps in the answer, so no
history entry holds the client's details. The packet is rendered by the worker pool
(:func:`handouts.web.workers.program`, the library's :func:`make_program`) and sent
with ``Cache-Control: no-store``, under a file name that names nobody. Every page
also answers JSON when asked (``Accept: application/json``).
"""

from __future__ import annotations

import base64
from typing import Any

from flask import Blueprint, current_app, render_template, request

from handouts.commands.merge import available_languages
from handouts.errors import Problem, errors_only
from handouts.project.programs import (
    MAX_ITEMS,
    MAX_WEEKS,
    ClinicProgram,
    languages_in_use,
    load_programs,
)
from handouts.render.result import Rendered
from handouts.variants.dates import clinic_locale
from handouts.variants.dates import example as date_example
from handouts.variants.i18n import language_name
from handouts.variants.plan import GENERAL
from handouts.web import basket
from handouts.web.answers import beside_fields
from handouts.web.library import (
    MAX_FIELD,
    PAPERS,
    PRINTS,
    answered_by_get,
    appointment_notice,
    choices_json,
    hand_over,
    kept_url,
    location_label,
    off_languages,
    problem_json,
    refusal_status,
    typed_unprintable,
    wants_json,
)
from handouts.web.workers import PREVIEW_SCALE, program, record_of

bp = Blueprint("program", __name__)

#: The packet's file name: which document it is, never whose.
FILENAME = "home-program.pdf"
#: The language list's default (value ""): each handout in its own language, the cover
#: in the first handout's. Short enough for the select on a 390-px-wide phone.
EACH_OWN_LANGUAGE = "Each handout’s own language"


def _site() -> Any:
    return current_app.extensions["handouts"]


def clinic_programs() -> tuple[dict[str, ClinicProgram], list[Problem]]:
    """The project's clinic programs that load, and the problems of those that do not
    (read once per loaded project version). A program naming a handout whose file has
    errors still loads: the page says which of its handouts cannot be given."""
    loaded = _site().loaded()
    kept = loaded.extras.get("programs")
    if kept is None:
        problems: list[Problem] = []
        names = set(loaded.documents) | set(loaded.broken)
        programs = load_programs(_site().root, names, problems,
                                 languages=languages_in_use(loaded.documents.values())) \
            if loaded.project else {}
        kept = loaded.extras["programs"] = (programs, problems)
    return kept  # type: ignore[no-any-return]


def held_back(problems: list[Problem]) -> tuple[list[Problem], list[Problem]]:
    """Program files' problems as the owner's banners list them: every problem of each
    file with an error (it is not offered), then the warnings of the other files (their
    programs are offered and work: a plain notice, not an alert that they are held back)."""
    held = {p.path for p in errors_only(problems)}
    return [p for p in problems if p.path in held], [p for p in problems if p.path not in held]


def offer() -> basket.Offer:
    """What the basket may choose from, as the project is loaded now."""
    site = _site()
    loaded = site.loaded()
    if loaded.project is None:  # handouts.yaml has errors and never loaded: nothing to offer
        return basket.Offer({}, {}, {}, {}, [(GENERAL, "Everyone")], list(PAPERS.items()),
                            list(PRINTS.items()), next(iter(PAPERS)))
    config = loaded.project.config
    programs, _ = clinic_programs()
    places = config.clinic.locations
    locations = [(key, location_label(key, place)) for key, place in places.items()]
    languages = {name: tuple(code for code in available_languages(doc)
                             if code not in off_languages(doc))
                 for name, doc in loaded.documents.items()}
    return basket.Offer(
        {name: doc.handout.title for name, doc in loaded.documents.items()},
        {name: f"content/{name}.yaml" for name in loaded.broken},
        programs, languages,
        [(GENERAL, "Everyone")] + [(k, a.label) for k, a in config.audiences.items()],
        list(PAPERS.items()), list(PRINTS.items()), config.defaults.paper, locations,
        site.default_location(loaded.project),
        clinic_locale(config),
        {name: {code: next((p.path for p in found if p.path), f"content/{name}.{code}.po")
                for code, found in off_languages(doc).items()}
         for name, doc in loaded.documents.items()})


def _unloaded() -> list[Problem]:
    """Why nothing can be offered, when handouts.yaml has errors and has never loaded
    (with a last good version, that one serves and the banner says so)."""
    loaded = _site().loaded()
    return list(loaded.problems) if loaded.project is None else []


def _unusable(programs: dict[str, ClinicProgram], offered: basket.Offer
              ) -> dict[str, list[str]]:
    """Each clinic program that names a handout that cannot be given now: its files."""
    found = {}
    for name, clinic in programs.items():
        files = [offered.broken[i.handout] for i in clinic.program.items
                 if i.handout in offered.broken]
        if files:
            found[name] = list(dict.fromkeys(files))
    return found


def _page(items: list[basket.Item], form: dict[str, str], status: int = 200, *,
          problems: list[Problem] | None = None, focus: str | None = None,
          **extra: Any) -> tuple[str, int]:
    offered = offer()
    programs, program_problems = clinic_programs()
    problems = (problems or []) + _unloaded()
    # A Start refused for its file's errors lists them under the refusal: the owner's
    # banner, which lists every program file's problems, leaves those out (each line
    # was on the page twice).
    listed = set(problems)
    held, warned = held_back([p for p in program_problems if p not in listed])
    return render_template(
        "program.html", items=items, form=form, offer=offered, problems=problems,
        **beside_fields(problems),
        labels=basket.labels(items, offered), focus=focus, max_field=MAX_FIELD,
        dose_fields=basket.DOSE_FIELDS, sides=basket.SIDES, field_name=basket.field_name,
        item_title=basket.item_title,
        limit=basket.limit, max_items=MAX_ITEMS, max_weeks=MAX_WEEKS,
        addable=basket.addable(items, offered),
        languages=_languages(offered),
        programs=programs, unusable=_unusable(programs, offered),
        held_programs=held, program_warnings=warned,
        date_example=date_example(offered.locale), **extra), status


def _languages(offered: basket.Offer) -> list[tuple[str, str]]:
    """The program's language list: each handout's own, then every language one has."""
    languages = sorted({code for codes in offered.languages.values() for code in codes},
                       key=lambda code: (language_name(code), code))
    return [("", EACH_OWN_LANGUAGE)] + [(code, language_name(code)) for code in languages]


def _choices() -> dict[str, Any]:
    """The basket page's version lists as they are now (see
    :func:`~handouts.web.library.choices_json`), in every JSON answer."""
    offered = offer()
    return choices_json({"audience": offered.audiences, "language": _languages(offered),
                         "paper": offered.papers, "print_size": offered.prints,
                         "location": offered.locations})


def _items_html(items: list[basket.Item], problems: list[Problem]) -> str:
    """The basket's items alone (what the page's script swaps in after an edit)."""
    offered = offer()
    return render_template(
        "_basket_items.html", items=items, offer=offered, **beside_fields(problems),
        dose_fields=basket.DOSE_FIELDS, sides=basket.SIDES, field_name=basket.field_name,
        item_title=basket.item_title,
        limit=basket.limit, max_items=MAX_ITEMS, focus=None)


def _summary() -> dict[str, Any]:
    """What the page offers, as JSON (nothing personal)."""
    offered = offer()
    programs, problems = clinic_programs()
    unusable = _unusable(programs, offered)
    return {
        "programs": [{"name": name, "title": p.program.title,
                      "handouts": [i.handout for i in p.program.items],
                      "weeks": p.program.weeks,
                      "unusable": unusable.get(name, [])} for name, p in programs.items()],
        "handouts": [{"name": name, "title": title} for name, title in offered.handouts.items()],
        "broken": [{"name": name, "file": file} for name, file in offered.broken.items()],
        "problems": problem_json(_unloaded() + problems)}


def _basket_json(items: list[basket.Item]) -> dict[str, Any]:
    """The basket's items as JSON (their handouts and fields as typed), and the
    handouts that may still be added to it (the page's script rebuilds its "Add a
    handout" list from these)."""
    return {"items": [{"handout": item.handout,
                       **{part: item.value(part) for part in basket.ITEM_FIELDS}}
                      for item in items],
            "addable": [{"name": name, "title": title}
                        for name, title in basket.addable(items, offer()).items()]}


# ------------------------------------------------------------------ the pages

@bp.get("/program")
def basket_page() -> Any:
    """The basket: empty, or started from a clinic program (``?start=NAME``) or with one
    handout (``?add=NAME``, from a handout's page). Neither names a client."""
    programs, _ = clinic_programs()
    offered = offer()
    start, add = request.args.get("start", ""), request.args.get("add", "")
    form: dict[str, str] = {}
    items: list[basket.Item] = []
    if start in programs:
        items = basket.clinic_items(programs[start])
        form = {"program": start, "start": start,
                "weeks": str(programs[start].program.weeks or "")}
    elif add in offered.handouts:
        items = [basket.Item(add)]
    if wants_json():
        return current_app.json.response({**_summary(), **_basket_json(items)})
    return _page(items, form)


@bp.post("/program")
@answered_by_get
def edit_basket() -> Any:
    """The basket edited by one of its buttons: ``start`` (from the clinic program
    chosen), ``add`` (the handout chosen), ``remove-N``, ``up-N``, ``down-N``. The
    page comes back with the basket changed and what was typed kept."""
    form = request.form.to_dict()
    action = form.get("action", "")
    items = basket.read_items(request.form)
    problems: list[Problem] = []
    focus: str | None = None
    if action == "start":
        programs, failing = clinic_programs()
        name = form.get("start", "")
        broken = offer().broken
        unready = [spec.handout for spec in programs[name].program.items
                   if spec.handout in broken] if name in programs else []
        if unready:  # refused now, as adding it is (it was accepted, then every
            # Preview and Print failed)
            problems = [Problem("form", None, "start", (
                f"cannot be started now: its handout '{unready[0]}' has errors the clinic "
                f"must fix first ({broken[unready[0]]}); start another, or add the "
                "handouts one by one"))]
        elif name in programs:
            items = basket.clinic_items(programs[name])
            form.update(program=name, weeks=str(programs[name].program.weeks or ""))
        elif name:  # chosen while its file broke (or went): the basket stays as it was
            own = [p for p in failing if p.path == f"programs/{name}.yaml"]
            problems = [Problem("form", None, "start", (
                "this clinic program's file has errors now, so it cannot be started; "
                "the clinic owner can fix them (listed below)") if own else
                "is no longer a clinic program of this project; choose another"), *own]
        else:  # "empty"
            items = []
            form.update(program="", weeks="")
        focus = "start" if problems else basket.field_name(0, "sets") if items else "add"
    else:
        items, focus, problems = basket.edit(items, action, form.get("add"), offer())
    if wants_json():
        return current_app.json.response({
            "ok": not problems, "problems": problem_json(
                problems, basket.labels(items, offer())),
            "html": _items_html(items, problems), "focus": focus,
            "set": {"program": form.get("program", ""), "weeks": form.get("weeks", "")},
            **_basket_json(items), "choices": _choices()})
    return _page(items, form, problems=problems, focus=focus)


def _make(images: bool) -> tuple[Rendered | None, list[basket.Item], list[Problem]]:
    """Read the form and render the program in the pool; (result, items, problems)."""
    items = basket.read_items(request.form)
    asked, problems = basket.read_basket(request.form, offer(), items)
    if asked is None:
        # What no font can print is said with the form's other mistakes, not after.
        refused = {p.field for p in problems}
        typed = {f"--{key}": request.form.get(key) or "" for key in ("client", "note",
                                                                       "therapist")
                 if key not in refused}
        typed.update((f"--item {n + 1} {part}", item.value(part))
                     for n, item in enumerate(items) for part in ("note", "text")
                     if basket.field_name(n, part) not in refused)
        return None, items, problems + basket.for_the_basket(
            typed_unprintable(typed, request.form.get("language") or None), items)
    result = _site().make(program, asked, PREVIEW_SCALE if images else None)
    return result, items, basket.for_the_basket(result.problems, items) + \
        appointment_notice(asked.client, asked.given)


def _refused(items: list[basket.Item], problems: list[Problem],
             result: Rendered | None = None) -> Any:
    """A program that could not be made: 422, each problem beside its field; 503 (try
    again) when no renderer could make it in time (see :func:`refusal_status`)."""
    status, headers = refusal_status(result)
    if wants_json():
        return current_app.json.response({"ok": False, "problems": problem_json(
            problems, basket.labels(items, offer())), "choices": _choices()}), status, headers
    page, _ = _page(items, request.form.to_dict(), status, problems=problems)
    return page, status, headers


@bp.post("/program/preview")
@answered_by_get
def preview_program() -> Any:
    """The packet's pages as images, with the record paragraph (nothing kept)."""
    result, items, problems = _make(images=True)
    if result is None or not result.ok:
        return _refused(items, problems, result)
    pages = [base64.b64encode(png).decode() for png in result.images]
    labels = basket.labels(items, offer())
    if wants_json():
        return current_app.json.response({
            "ok": True, "problems": problem_json(problems, labels),
            "pages": [f"data:image/png;base64,{png}" for png in pages],
            "record": record_of(result), "choices": _choices()})
    return _page(items, request.form.to_dict(), pages=pages, problems=problems,
                 record=record_of(result))


@bp.post("/program/pdf")
@answered_by_get
def pdf_program() -> Any:
    """The packet as a PDF (``home-program.pdf``), to print or save.

    The page's script asks for JSON and gets a short-lived address and the record
    paragraph instead, so the PDF opens without a POST in the browser's history.
    """
    result, items, problems = _make(images=False)
    if result is None or not result.ok:
        return _refused(items, problems, result)
    if wants_json():
        return current_app.json.response({
            "ok": True, "problems": problem_json(problems, basket.labels(items, offer())),
            "filename": FILENAME, "pages": result.pages,
            "url": kept_url(result.pdf, FILENAME), "record": record_of(result),
            "choices": _choices()})
    return hand_over(result.pdf, FILENAME, download=request.form.get("action") == "download")


__all__ = ["FILENAME", "bp", "clinic_programs", "held_back", "offer"]

