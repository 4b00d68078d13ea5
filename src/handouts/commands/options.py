"""The command-line options whose values only the project can judge: ``--audience``,
``--language`` and ``--location``.

A value the project has no version for is a usage mistake like ``--paper b5``: it is
named by its option and exits with 2 (:class:`~handouts.errors.OptionError`), all of
them at once, before anything is rendered. Left to the render step, it was blamed on
``handouts.yaml`` (an unknown audience looked like a broken ``audiences:`` section).
What the project lacks for a version it does offer (a handout's translation, an
audience's label in a language) stays a problem of the project's files: exit 1.
"""

from __future__ import annotations

from handouts.errors import OptionError, Problem
from handouts.project.config import Config, Project
from handouts.project.languages import has_theme_words, no_theme_words, not_a_language
from handouts.project.names import GENERAL


def location_problem(config: Config, location: str | None) -> Problem | None:
    """The problem with ``--location`` (None when it names one of the clinic's places,
    or is not given)."""
    places = list(config.clinic.locations)
    if location is None or location in places:
        return None
    known = ", ".join(places) if places else "none: handouts.yaml defines no clinic.locations"
    return Problem("--location", None, "", f"unknown location '{location}' (known: {known})")


def version_options(project: Project, *, audience: str = GENERAL,
                    language: str | None = None, location: str | None = None) -> str | None:
    """Check the version asked for on the command line against ``project``; return the
    location to build for (``--location``, else a clinic group's first location).

    Raises :class:`OptionError` with every bad value at once.
    """
    problems: list[Problem] = []
    known = sorted({GENERAL, *project.config.audiences})
    if audience not in known:
        problems.append(Problem("--audience", None, "", (
            f"unknown audience '{audience}' (defined in handouts.yaml: {', '.join(known)})"
            if len(known) > 1 else f"unknown audience '{audience}' (this project has only "
            "the general audience; define others under audiences: in handouts.yaml)")))
    if language is not None:
        wrong = not_a_language(language)
        if wrong:
            problems.append(Problem("--language", None, "", wrong))
        elif not has_theme_words(language, project.root):
            problems.append(Problem("--language", None, "",
                                    no_theme_words(language, project.root)))
    wrong_place = location_problem(project.config, location)
    if wrong_place is not None:
        problems.append(wrong_place)
    if problems:
        raise OptionError(problems)
    places = list(project.config.clinic.locations)
    return location if location is not None else (places[0] if places else None)
