"""The paragraph for the client's file: what was given, in the clinic's own words.

After a home program or a named copy is made, the command line (``--record``) and the
front desk give one plain paragraph to paste into the clinic's own records system, e.g.
"Home program given 2026-12-04 by Sam Lee, Spanish, large print: How to give a back
massage — content reviewed 2026-11-02 — 3 sets of 10, twice a day; ...". handouts
keeps no record itself. The paragraph holds only what was given: never the client's
name, note or next appointment (it goes into that client's file, which knows who they
are), so it can be pasted anywhere a therapist's notes go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from handouts.project.config import Project
from handouts.project.content import Document
from handouts.project.programs import Dosage
from handouts.variants.i18n import language_name
from handouts.variants.plan import GENERAL, Variant
from handouts.variants.program import Program, describe_dosage


@dataclass(frozen=True)
class Given:
    """One handout given: its document, the version it was made in, and its dose."""

    document: Document
    variant: Variant
    dosage: Dosage | None = None


def version_words(project: Project, variant: Variant) -> list[str]:
    """The version in words, as a clinic's records say it: audience, language, large
    print, the paper when it is not the clinic's usual one, the location."""
    words = [language_name(variant.language)]
    if variant.audience != GENERAL:
        # Its label, as the desk shows it ("Caregivers"), not the key in handouts.yaml.
        audience = project.config.audiences.get(variant.audience)
        words.insert(0, audience.label if audience is not None else variant.audience)
    if variant.print == "large":
        words.append("large print")
    if variant.paper != project.config.defaults.paper:
        words.append("A4" if variant.paper == "a4" else variant.paper)
    if variant.location is not None:
        words.append(variant.location)
    return words


def given_record(project: Project, given: Sequence[Given], *, day: dt.date,
                 therapist: str | None = None, what: str | None = None) -> str:
    """The paragraph for ``given`` (one version: the first item's), made on ``day`` by
    ``therapist``; ``what`` names it ("Home program (Desk worker, week 1)"; default:
    "Handout" or "Handouts")."""
    if what is None:
        what = "Handout" if len(given) == 1 else "Handouts"
    words = project.config.defaults.language
    parts = []
    for item in given:
        handout = item.document.handout
        review = "starter text, not yet reviewed" if handout.starter else \
            f"content reviewed {handout.review.reviewed.isoformat()}"
        dose = describe_dosage(item.dosage, words, project.root) if item.dosage else ""
        parts.append(" — ".join(x for x in (handout.title, review, dose) if x))
    by = f" by {therapist}" if therapist else ""
    version = ", ".join(version_words(project, given[0].variant))
    return f"{what} given {day.isoformat()}{by}, {version}: {'; '.join(parts)}."


def program_record(project: Project, documents: dict[str, Document], program: Program) -> str:
    """The paragraph for a home program: each handout with its dose, in order."""
    given = [Given(documents[item.handout],
                   Variant(item.handout, program.audience, program.language, program.paper,
                           program.print_size, program.location), item.dosage)
             for item in program.items]
    # In the clinic's words, like the handouts' titles and doses beside it (QA: a
    # Spanish program's record mixed its Spanish title with the English handouts).
    own = program.own_title or program.title
    title = f" ({own})" if own else ""
    return given_record(project, given, day=program.given,
                        therapist=program.client.therapist, what=f"Home program{title}")


__all__ = ["Given", "given_record", "program_record", "version_words"]
