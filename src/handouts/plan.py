"""Planning: which PDFs to make, and what each is called. Pure functions, easy to test."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

from handouts.config import Batch

Paper = Literal["letter", "a4"]
PrintSize = Literal["standard", "large"]
GENERAL = "general"


@dataclass(frozen=True, order=True)
class Variant:
    """One version of one handout: for an audience, in a language, on a paper, at a print size."""

    handout: str
    audience: str = GENERAL
    language: str = "en"
    paper: Paper = "letter"
    print: PrintSize = "standard"

    @property
    def large_print(self) -> bool:
        """Whether this is the large-print version."""
        return self.print == "large"

    @property
    def relpath(self) -> str:
        """Where the batch puts it, under the output folder.

        ``<language>/<audience>/<handout>-<paper>-<print>.pdf``, e.g.
        ``es/caregivers/back-massage-letter-large.pdf``.
        """
        return f"{self.language}/{self.audience}/{self.handout}-{self.paper}-{self.print}.pdf"

    def describe(self) -> str:
        """A short label for progress lines and messages."""
        return self.relpath.removesuffix(".pdf")


def _excluded(variant: Variant, batch: Batch) -> bool:
    for rule in batch.exclude:
        pairs = (
            (rule.handout, variant.handout), (rule.audience, variant.audience),
            (rule.language, variant.language), (rule.paper, variant.paper),
            (rule.print, variant.print),
        )
        if all(want is None or want == have for want, have in pairs):
            return True
    return False


def plan_matrix(batch: Batch, available: list[str]) -> list[Variant]:
    """Every combination of the manifest's lists, minus the excludes, in a stable order.

    ``available`` is the project's handouts, used when the manifest names none.
    """
    handouts = batch.handouts or available
    variants = (
        Variant(h, a, lang, paper, size)
        for h, a, lang, paper, size in itertools.product(
            handouts, batch.audiences, batch.languages, batch.papers, batch.prints)
    )
    return sorted(v for v in variants if not _excluded(v, batch))
