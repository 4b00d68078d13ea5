"""The gate before rendering: the checks that need no rendering, run before anything is
rendered or written, and their answers kept per variant and day.

``build``, ``batch``, ``merge``, ``program`` and the front desk refuse to render a
version while a check finds an error in it; ``handouts check`` runs the same checks
and reports them (:mod:`handouts.commands.check`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from handouts.checks import glyphs, integrity, starter
from handouts.checks.colours import colour_contrast
from handouts.checks.content import review_dates, safety
from handouts.checks.findings import Findings
from handouts.checks.glyphs import check_client
from handouts.checks.wording import plain_words, reading_level
from handouts.errors import Problem, ValidationError
from handouts.project.config import Project
from handouts.project.content import Document, Handout
from handouts.render import scripts
from handouts.render.compose import compose
from handouts.render.theme import validate_templates
from handouts.variants.clients import Client, client_text_problems
from handouts.variants.plan import GENERAL, Variant, plan_matrix
from handouts.variants.tailor import tailor

#: The client's details as the command line names them, in every message about them
#: (the desk's forms name the same fields without the dashes).
CLIENT_FLAGS = {"name": "--client", "note": "--note", "therapist": "--therapist"}


def template_problems(root: Path) -> list[Problem]:
    """Every problem of the override templates of the project in ``root`` (syntax,
    missing includes, links out of the project), found before anything is rendered."""
    return validate_templates(root / "templates")


def refuse_broken_templates(project: Project) -> None:
    """Raise :class:`ValidationError` with every problem of the override templates."""
    problems = template_problems(project.root)
    if problems:
        raise ValidationError(problems)


class CheckedVariants:
    """The fast checks' errors for one loaded project, kept per variant and day.

    The fast checks read only the project as loaded (never a client's details), so a
    process that keeps a loaded project (a ``handouts serve`` worker, per project
    version) runs them once per variant and day instead of for every named copy. The
    day is part of the key because a review date falls due at midnight, and so are the
    script fonts installed on this machine, which the glyph check reads. Nothing
    personal is kept: the client's characters are checked on every copy.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self._errors: dict[tuple[Any, ...], list[Problem]] = {}

    def errors(self, project: Project, documents: list[Document], variants: list[Variant],
               today: dt.date) -> list[Problem] | None:
        """The kept errors of these variants on ``today`` (None when not checked yet)."""
        if project is not self.project:  # another load of the project: never its answer
            return None
        found = self._errors.get(self._key(documents, variants, today))
        return None if found is None else list(found)

    def keep(self, project: Project, documents: list[Document], variants: list[Variant],
             today: dt.date, errors: list[Problem]) -> None:
        """Remember the errors of these variants on ``today``."""
        if project is self.project:
            self._errors[self._key(documents, variants, today)] = list(errors)

    @staticmethod
    def _key(documents: list[Document], variants: list[Variant], today: dt.date
             ) -> tuple[Any, ...]:
        # The glyph check also reads the script fonts installed on this machine.
        fonts = tuple(font.css_family for font in scripts.installed_fonts())
        return tuple(d.name for d in documents), tuple(variants), today, fonts


def refuse_on_check_errors(project: Project, documents: list[Document],
                           variants: list[Variant], *,
                           checked: CheckedVariants | None = None) -> None:
    """Run the fast checks (no rendering) and raise if any finds an error.

    Problems that belong to a single variant (a missing translation) are left to the
    render step, which reports them per variant. With ``checked``, variants already
    checked today for this loaded project are not checked again.
    """
    today = dt.date.today()
    errors = None if checked is None else checked.errors(project, documents, variants, today)
    if errors is None:
        # A broken template override fails every variant: said alone, before the checks.
        # Pinned templates were checked when they were last good (see Project).
        broken = template_problems(project.root) if project.pinned_templates is None else []
        errors = broken or fast_checks(project, documents, variants, today).errors()
        if checked is not None:
            checked.keep(project, documents, variants, today, errors)
    if errors:
        raise ValidationError(errors)


def refuse_before_rendering(project: Project, documents: list[Document],
                             variants: list[Variant], client: Client | None,
                             checked: CheckedVariants | None = None) -> None:
    """The fast checks, and the client's characters, before anything is rendered."""
    refuse_on_check_errors(project, documents, variants, checked=checked)
    if client is not None:  # personal data: checked here, named by option, never quoted
        wrong = client_text_problems(client, CLIENT_FLAGS, "")
        if wrong:
            raise ValidationError(wrong)
        found = dict.fromkeys(p for v in variants
                              for p in check_client(project, client, v.language, None, None,
                                                    CLIENT_FLAGS))
        if found:
            raise ValidationError(list(found))


def text_variants(project: Project, documents: list[Document]) -> list[Variant]:
    """One variant per (handout, audience, language) of the manifest: the texts to read."""
    names = [d.name for d in documents]
    seen: dict[tuple[str, str, str], Variant] = {}
    for v in plan_matrix(project.config.batch, names):
        if v.handout in names:
            seen.setdefault((v.handout, v.audience, v.language), v)
    for doc in documents:  # the everyday version is always checked
        v = Variant(doc.name, GENERAL, doc.handout.language, project.config.defaults.paper)
        seen.setdefault((v.handout, v.audience, v.language), v)
    return sorted(seen.values())


def fast_checks(project: Project, documents: Iterable[Document],
                variants: Iterable[Variant], today: dt.date | None = None,
                report: Findings | None = None) -> Findings:
    """Every check that needs no rendering, for the given text variants (added to
    ``report`` when given)."""
    report = Findings() if report is None else report
    today = today or dt.date.today()
    variants = list(variants)  # read twice: by the text checks and the glyph check
    docs = {d.name: d for d in documents}
    colour_contrast(project, report)
    for doc in docs.values():
        review_dates(project, doc, today, report)
    words_checked: set[tuple[str, str]] = set()
    for variant in variants:
        doc = docs[variant.handout]
        handout = _text_of(project, doc, variant, report)
        first = (doc.name, variant.language) not in words_checked
        words_checked.add((doc.name, variant.language))
        if first:
            # Even when the version cannot be composed because its translation is
            # unfinished (a --draft build): a link to a foreign host is an error anyway.
            report.problems += integrity.translation_problems(
                doc, variant.language, unfinished_only=handout is None)
        if handout is None:
            continue
        tailored = tailor(handout, variant.audience)
        safety(doc, variant, tailored, report)
        reading_level(project, doc, variant, tailored, report)
        if first:
            plain_words(project, doc, handout, variant.language, report)
    # Every printed character must be in an embedded font (never a machine's fallback).
    report.problems += glyphs.check_variants(project, docs.values(), variants)
    report.problems += starter.starter_problems(project, docs.values())
    return report


def _text_of(project: Project, document: Document, variant: Variant,
             report: Findings) -> Handout | None:
    page, problems = compose(project, document, variant)
    # Kept apart: build and batch report these per variant when they render.
    report.variant_problems.extend(p for p in problems if p not in report.variant_problems)
    return page.handout if page is not None else None
