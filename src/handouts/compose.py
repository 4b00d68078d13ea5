"""From a variant to the HTML page: translate, tailor to the audience, fill the template.

Everything here is cheap and pure-Python; the expensive PDF step is in
:mod:`handouts.render`.
"""

from __future__ import annotations

from handouts.checks.glyphs import page_fonts
from handouts.clients import Client
from handouts.config import Project
from handouts.content import Document
from handouts.errors import Problem, Severity
from handouts.i18n import language_name, theme_languages, translate, translation_path
from handouts.plan import GENERAL, Variant
from handouts.tailor import tailor
from handouts.theme import Page, make_page


def compose(project: Project, document: Document, variant: Variant,
            client: Client | None = None) -> tuple[Page | None, list[Problem]]:
    """The template's view of ``variant``, or None and the reasons it cannot be made."""
    problems: list[Problem] = []
    handout = document.handout
    language = variant.language
    if language not in theme_languages():
        problems.append(project.problem(("batch", "languages"), (
            f"the theme has no {language_name(language)} words yet (available: "
            f"{', '.join(sorted(theme_languages()))})")))
    if language != handout.language:
        po = translation_path(document.path, language)
        result = translate(handout, po, f"content/{po.name}", language)
        problems.extend(result.problems)
        handout = result.handout  # type: ignore[assignment]
    audience_text = None
    if variant.audience != GENERAL:
        audience = project.config.audiences.get(variant.audience)
        audience_text = audience.text(language) if audience else None
        if audience is None:
            problems.append(project.problem(("audiences",),
                                            f"unknown audience '{variant.audience}'"))
        elif audience_text is None:
            problems.append(project.problem(
                ("audiences", variant.audience, "translations"),
                f"no {language_name(language)} label for this audience"))
    clinic = project.config.clinic
    if variant.location is not None and variant.location not in clinic.locations:
        problems.append(project.problem(("clinic", "locations"), (
            f"unknown location '{variant.location}' (known: "
            f"{', '.join(clinic.locations) or 'none: the clinic has no locations'})")))
        return None, problems
    # The template sees one clinic: the location's address, phone and links in place
    # of the clinic's, so it needs no notion of locations.
    clinic, untranslated = clinic.at(variant.location).in_language(
        language, project.config.defaults.language)
    if untranslated:
        problems.append(project.problem(
            ("clinic", "translations"),
            f"no {language_name(language)} {', '.join(untranslated)} for the clinic "
            f"(add clinic.translations.{language}"
            f"{'.locations.' + variant.location if variant.location else ''})"))
    if handout is None or any(p.severity is Severity.ERROR for p in problems):
        return None, problems
    page = make_page(tailor(handout, variant.audience), clinic,
                     paper=variant.paper, large_print=variant.large_print,
                     audience=audience_text, client=client,
                     fonts=page_fonts(project, language))
    return page, problems
