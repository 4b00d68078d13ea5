"""Text from the starter project still in a real project: every clinic detail that
``handouts init`` put there as an example (name, tagline, address, phone, email, web
addresses), the sample handout and its reviewer, and handouts from the starter library
(``handouts add``) that the clinic has not reviewed.

The starter text is read from the skeleton ``init`` copies and from the library ``add``
copies (never a hand-written copy), so the check follows them when they change.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from handouts.errors import Problem, Severity
from handouts.paths import LIBRARY_CLINIC_WORDS, LIBRARY_DIR, SKELETON_DIR
from handouts.project.config import CONFIG_NAME, Project
from handouts.project.content import Document
from handouts.project.sourcefile import format_loc, read_yaml

#: What belongs in each of the starter's clinic fields, for the message. Every text
#: value under ``clinic:`` in the starter's handouts.yaml is checked (see
#: :func:`_skeleton`); a field missing here gets a generic hint.
HINTS: dict[str, str] = {
    "name": "put your clinic's name here",
    "tagline": "write your clinic's own line under its name, or delete it",
    "street": "put your clinic's street address here",
    "city": "put your clinic's city here",
    "region": "put your clinic's state or region here (or delete it)",
    "postal_code": "put your clinic's postal code here",
    "phone": "put your clinic's phone number here",
    "email": "put your clinic's email address here",
    "website": "put your clinic's web address here",
    "booking_url": "put your clinic's booking page here",
}
#: Starter values a clinic may well keep, so they are not flagged: the theme's default
#: colours (a design choice, equal to what no ``colors:`` at all gives) and the general
#: disclaimer (sound wording for any clinic; this repository's example prints it as is).
KEPT: tuple[tuple[str, ...], ...] = (("clinic", "colors"), ("clinic", "disclaimer"))
#: Content fields: who signed the sample handout's review.
CONTENT_FIELDS: dict[tuple[str, ...], str] = {
    ("review", "reviewer"): "put the name of the person who reviewed this handout",
}
#: Fields of a library handout that stay placeholders until the clinic reviews it,
#: checked on the handout of the same name (another handout may share the date).
LIBRARY_FIELDS: dict[tuple[str, ...], str] = {
    ("review", "reviewed"): "put the date your clinic reviewed this handout",
}
#: What to do with a library handout marked ``starter: true``.
LIBRARY_HINT = ("is starter text from the handouts library that your clinic has not reviewed "
                "yet (its PDFs print no review line); have a therapist check it and "
                "change what you need, then set review.reviewed and review.reviewer and delete "
                "'starter: true'")


def _at(data: Any, loc: tuple[str, ...]) -> Any:
    for part in loc:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _leaves(data: Any, loc: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every scalar value under ``data``, with its location."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*loc, str(key)))
    elif not isinstance(data, list):
        yield loc, data


@functools.cache
def _skeleton() -> tuple[dict[tuple[str, ...], str], dict[tuple[str, ...], str], dict[str, bytes]]:
    """The starter's config values, content values and sample handout files.

    The config values are every text value ``init`` writes under ``clinic:`` (so a field
    added to the starter is checked without a change here), except :data:`KEPT`.
    """
    problems: list[Problem] = []
    samples = {p.name: p.read_bytes() for p in (SKELETON_DIR / "content").glob("*.yaml")}
    content = [read_yaml(SKELETON_DIR / "content" / name, name, problems) for name in samples]
    config_values = {loc: value for loc, value in _skeleton_clinic().items()
                     if not any(loc[:len(k)] == k for k in KEPT)}
    content_values = {loc: str(_at(c.data, loc)) for c in content if c is not None
                      for loc in CONTENT_FIELDS if _at(c.data, loc) is not None}
    return config_values, content_values, samples


@functools.cache
def _library(name: str) -> dict[tuple[str, ...], str]:
    """The placeholder values (:data:`LIBRARY_FIELDS`) of the library handout ``name``
    (none when the library has no such handout): only that file is read."""
    path = LIBRARY_DIR / f"{name}.yaml"
    source = read_yaml(path, path.name, []) if path.is_file() else None
    if source is None:
        return {}
    return {loc: str(_at(source.data, loc)) for loc in LIBRARY_FIELDS
            if _at(source.data, loc) is not None}


@functools.cache
def _library_words() -> dict[tuple[str, ...], str]:
    """The clinic's words in the library's other languages as ``init --library`` writes
    them (``clinic.translations.es.tagline``...), by where they are in handouts.yaml."""
    text = textwrap.dedent(LIBRARY_CLINIC_WORDS.read_text(encoding="utf-8"))
    data = yaml.safe_load(text) or {}
    return {("clinic", *loc): str(value) for loc, value in _leaves(data, ())
            if value is not None}


def _starter_translations(source: Any) -> list[Problem]:
    """A warning for each of the library's starter translations of the clinic's words
    left under ``clinic.translations`` once the clinic's own words replaced the English
    they translate: its Spanish handouts printed the starter's tagline and disclaimer
    under a clinic's own English ones, and nothing said so."""
    english = {loc: value for loc, value in _skeleton_clinic().items() if len(loc) == 2}
    found = []
    for loc, value in _library_words().items():
        own = ("clinic", loc[-1])  # clinic.translations.es.tagline -> clinic.tagline
        if str(_at(source.data, loc)) != value or own not in english:
            continue
        if str(_at(source.data, own)) == english[own]:
            continue  # the English is the starter's too: its translation still fits
        found.append(Problem(CONFIG_NAME, source.lines.line_of(loc), format_loc(loc), (
            f"still the starter's translation '{value[:60]}' of the starter's English "
            f"{loc[-1]}, which is your own now: translate your {loc[-1]} here"),
            Severity.WARNING))
    return found


@functools.cache
def _skeleton_clinic() -> dict[tuple[str, ...], str]:
    """Every text value under ``clinic:`` in the starter's handouts.yaml, kept or not."""
    config = read_yaml(SKELETON_DIR / CONFIG_NAME, CONFIG_NAME, [])
    clinic = config.data.get("clinic") if config is not None else None
    return {loc: str(value) for loc, value in _leaves(clinic, ("clinic",)) if value is not None}


#: The parts of the address that only say where the street is: a clinic whose street
#: is its own is at its own address, even in the starter's town (QA: a real clinic at
#: Springfield, IL 62701 was told on every build that its city was starter text).
TOWN = ("city", "region", "postal_code")


def _starter_values(data: Any) -> list[tuple[tuple[str, ...], str]]:
    """The clinic's values in handouts.yaml's ``data`` that are still the starter's."""
    config_values = _skeleton()[0]
    street = ("clinic", "address", "street")
    own_street = _at(data, street) is not None and \
        str(_at(data, street)) != config_values.get(street)
    return [(loc, value) for loc, value in config_values.items()
            if str(_at(data, loc)) == value
            and not (own_street and loc[:2] == ("clinic", "address") and loc[-1] in TOWN)]


def _warning(display: str, line: int | None, loc: tuple[str, ...], value: str,
             hint: str) -> Problem:
    return Problem(display, line, format_loc(loc),
                   f"still the starter text '{value}'; {hint}", Severity.WARNING)


def printed_starter(project: Project) -> list[Problem]:
    """One warning when a clinic with its own name prints details that are still the
    starter's (QA: ``init --city Tempe`` kept "100 Main Street ... IL 62701", printed on every
    page of the first PDF without a word; only ``check`` named them). ``check`` names
    each field; this says it where the PDFs are made."""
    source = read_yaml(project.root / CONFIG_NAME, CONFIG_NAME, [])
    if source is None:
        return []
    starter = [loc for loc, _ in _starter_values(source.data)]
    # A project still named "Your Clinic Name" is plainly the sample (every page says
    # so); the danger is a clinic's own name above an address that is not its own.
    if not starter or ("clinic", "name") in starter:
        return []
    fields = [loc[-1].replace("_", " ") for loc in starter]
    return [Problem(CONFIG_NAME, None, "clinic", (
        f"the PDFs print starter text from 'handouts init' ({', '.join(fields)}); put your "
        "clinic's own details in handouts.yaml ('handouts check' names each line)"),
        Severity.WARNING)]


def starter_problems(project: Project, documents: Iterable[Document]) -> list[Problem]:
    """A warning for each piece of starter text still in the project."""
    _, content_values, samples = _skeleton()
    found: list[Problem] = []
    source = read_yaml(project.root / CONFIG_NAME, CONFIG_NAME, [])
    if source is not None:
        for loc, value in _starter_values(source.data):
            hint = HINTS.get(loc[-1], f"put your clinic's own {loc[-1]} here")
            found.append(_warning(CONFIG_NAME, source.lines.line_of(loc), loc, value, hint))
    if source is not None:
        found += _starter_translations(source)
    for doc in documents:
        if doc.handout.starter:  # one warning says it all, the review fields included
            found.append(Problem(doc.display, doc.lines.line_of(("starter",)), "starter",
                                 LIBRARY_HINT, Severity.WARNING))
            continue
        if samples.get(Path(doc.path).name) == doc.raw:
            found.append(Problem(doc.display, None, "",
                                 "is the starter's sample handout, unchanged; make it your "
                                 "own or delete it", Severity.WARNING))
            continue
        data = read_yaml(Path(doc.path), doc.display, [])
        for loc, value in content_values.items():
            if data is not None and str(_at(data.data, loc)) == value:
                found.append(_warning(doc.display, doc.lines.line_of(loc), loc, value,
                                      CONTENT_FIELDS[loc]))
        for loc, value in _library(doc.name).items():
            if data is not None and str(_at(data.data, loc)) == value:
                found.append(_warning(doc.display, doc.lines.line_of(loc), loc, value,
                                      LIBRARY_FIELDS[loc]))
    return found
