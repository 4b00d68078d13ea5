"""Planning: which PDFs to make, and what each is called. Pure functions, easy to test."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from handouts.project.names import GENERAL

if TYPE_CHECKING:  # annotations only: planning never needs the models' validators
    from handouts.project.config import Batch
    from handouts.project.schema import Paper, PrintSize


@dataclass(frozen=True, order=True)
class Variant:
    """One version of one handout: for an audience, in a language, on a paper, at a print size,
    and (in a clinic group) for one location."""

    handout: str
    audience: str = GENERAL
    language: str = "en"
    paper: Paper = "letter"
    print: PrintSize = "standard"
    #: One of ``clinic.locations``; None for a clinic without locations.
    location: str | None = None

    @property
    def large_print(self) -> bool:
        """Whether this is the large-print version."""
        return self.print == "large"

    @property
    def relpath(self) -> str:
        """Where the batch puts it, under the output folder.

        ``<language>/<audience>/<handout>-<paper>-<print>.pdf``, e.g.
        ``es/caregivers/back-massage-letter-large.pdf``; a clinic group's variants
        have their location first: ``north/es/caregivers/...``.
        """
        path = f"{self.language}/{self.audience}/{self.handout}-{self.paper}-{self.print}.pdf"
        return path if self.location is None else f"{self.location}/{path}"

    def describe(self) -> str:
        """A short label for progress lines and messages."""
        return self.relpath.removesuffix(".pdf")


def _excluded(variant: Variant, batch: Batch) -> bool:
    for rule in batch.exclude:
        pairs = (
            (rule.handout, variant.handout), (rule.audience, variant.audience),
            (rule.language, variant.language), (rule.paper, variant.paper),
            (rule.print, variant.print), (rule.location, variant.location),
        )
        if all(want is None or want == have for want, have in pairs):
            return True
    return False


def plan_matrix(batch: Batch, available: list[str],
                locations: list[str] | None = None) -> list[Variant]:
    """Every combination of the manifest's lists, minus the excludes, in a stable order.

    ``available`` is the project's handouts, used when the manifest names none;
    ``locations`` the clinic's locations (none: one location, no location level),
    used when the manifest names none.
    """
    handouts = batch.handouts or available
    places: list[str | None] = list(batch.locations or locations or [None])
    variants = (
        Variant(h, a, lang, paper, size, place)
        for h, a, lang, paper, size, place in itertools.product(
            handouts, batch.audiences, batch.languages, batch.papers, batch.prints, places)
    )
    return sorted(v for v in variants if not _excluded(v, batch))
