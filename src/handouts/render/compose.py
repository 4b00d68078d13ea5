"""From a variant to the HTML page: translate, tailor to the audience, fill the template.

Everything here is cheap and pure-Python; the expensive PDF step is in
:mod:`handouts.render.fitting`.
"""

from __future__ import annotations

from dataclasses import dataclass

from handouts.errors import Problem, Severity
from handouts.project.config import AudienceText, Project
from handouts.project.content import Document
from handouts.project.languages import (
    has_theme_words,
    language_name,
    miswritten,
    no_theme_words,
    not_a_language,
)
from handouts.render.fonts import page_fonts, page_text
from handouts.render.theme import Page, PlanBox, make_page
from handouts.variants.clients import Client
from handouts.variants.i18n import (
    clinic_texts,
    draft_mark,
    theme_word_problems,
    translate,
    translation_path,
)
from handouts.variants.plan import GENERAL, Variant
from handouts.variants.tailor import tailor


@dataclass(frozen=True)
class DraftPage(Page):
    """A preview of a partial translation (``build --draft``): the theme prints a
    "Draft" banner, and untranslated texts are in the source language, tagged."""

    #: Always true here; templates test ``page.draft is defined``.
    draft: bool = True
    #: How many texts are printed in the source language, and their tag (``[EN]``).
    untranslated: int = 0
    mark: str = ""


def compose(project: Project, document: Document, variant: Variant,
            client: Client | None = None, *,
            draft: bool = False, plan: PlanBox | None = None
            ) -> tuple[Page | None, list[Problem]]:
    """The template's view of ``variant``, or None and the reasons it cannot be made.

    ``plan`` is the dose and note of a handout given in a home program (with a client).

    With ``draft``, texts a translation lacks are printed in the source language and
    the page is a :class:`DraftPage` (never for a batch or a final build).
    """
    problems: list[Problem] = []
    in_source = 0  # texts a draft prints in the source language
    handout = document.handout
    language = variant.language
    clinic = project.config.clinic
    if not has_theme_words(language, project.root):
        problems.append(project.problem(("batch", "languages"),
                                        no_theme_words(language, project.root)))
        wrong = not_a_language(language)
        if wrong is not None and wrong != miswritten(language):
            # No language code at all (Spanish): that is all there is to say; the
            # translation's advice ('handouts translate NAME Spanish') is refused.
            return None, problems
    else:  # the theme's words are printed text too: the same rules, at their .po line
        problems += theme_word_problems(language, project.root)
    translated = language != handout.language
    if translated:
        # The translation file also carries the clinic's words that handouts.yaml does
        # not translate: they are counted, tagged in a draft and reported with the rest
        # (this location's only: one location's missing hours never stop another's).
        po = translation_path(document.path, language)
        result = translate(handout, po, f"content/{po.name}", language, draft=draft,
                           clinic=clinic_texts(clinic, language,
                                               project.config.defaults.language,
                                               at=variant.location))
        problems.extend(result.problems)
        in_source = result.untranslated
        handout = result.handout  # type: ignore[assignment]
        clinic = clinic.with_words(language, result.clinic)
    audience_text = None
    if variant.audience != GENERAL:
        audience = project.config.audiences.get(variant.audience)
        audience_text = audience.text(language) if audience else None
        if audience is None:
            problems.append(project.problem(("audiences",),
                                            f"unknown audience '{variant.audience}'"))
        elif audience_text is None and draft:  # a draft shows the source words, tagged
            # In the handout's own language: ``handout`` is the translation by now.
            audience_text = _tagged(audience.text(document.handout.language), document)
            in_source += 1
        elif audience_text is None:
            problems.append(project.problem(
                ("audiences", variant.audience, "translations"),
                f"no {language_name(language)} label for this audience"))
    if variant.location is not None and variant.location not in clinic.locations:
        problems.append(project.problem(("clinic", "locations"), (
            f"unknown location '{variant.location}' (known: "
            f"{', '.join(clinic.locations) or 'none: the clinic has no locations'})")))
        return None, problems
    # The template sees one clinic: the location's address, phone and links in place
    # of the clinic's, so it needs no notion of locations.
    clinic, untranslated = clinic.at(variant.location).in_language(
        language, project.config.defaults.language)
    if translated:
        pass  # anything the file lacks was reported (or tagged and counted) by translate()
    elif untranslated and draft:  # a draft shows the clinic's source words, tagged
        mark = draft_mark(document.handout.language)
        clinic = clinic.model_copy(update={f: mark + getattr(clinic, f) for f in untranslated})
        in_source += len(untranslated)
    elif untranslated:
        problems.append(project.problem(
            ("clinic", "translations"),
            f"no {language_name(language)} {', '.join(untranslated)} for the clinic "
            f"(add clinic.translations.{language}"
            f"{'.locations.' + variant.location if variant.location else ''})"))
    if handout is None or any(p.severity is Severity.ERROR for p in problems):
        return None, problems
    tailored = tailor(handout, variant.audience)
    page = make_page(tailored, clinic,
                     paper=variant.paper, large_print=variant.large_print,
                     audience=audience_text, client=client,
                     fonts=page_fonts(project, language,
                                      page_text(tailored, clinic, audience_text, client) +
                                      ("" if plan is None else
                                       f"\n{plan.dose}\n{plan.note or ''}")),
                     plan=plan)
    if draft:
        page = DraftPage(**{f: getattr(page, f) for f in page.__dataclass_fields__},
                         untranslated=in_source,
                         mark=draft_mark(document.handout.language).strip())
    return page, problems


def _tagged(text: AudienceText | None, document: Document) -> AudienceText | None:
    """An audience's source-language words marked as untranslated, for a draft."""
    if text is None:
        return None
    mark = draft_mark(document.handout.language)
    return text.model_copy(update={"label": mark + text.label})
