"""Planning: which PDFs to make, and what each is called. A pure function, easy to test."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from handouts.content import Document


@dataclass(frozen=True)
class Job:
    """One PDF to render: a handout in one variant, and where it goes."""

    document: Document
    paper: Literal["letter", "a4"]
    large_print: bool
    output: Path

    @property
    def name(self) -> str:
        """The handout's name (its content file's stem)."""
        return self.document.name


def plan_build(documents: list[Document], *, paper: Literal["letter", "a4"],
               out_dir: Path) -> list[Job]:
    """One job per handout: ``<out_dir>/<handout>.pdf`` at the given paper size."""
    return [Job(doc, paper, False, out_dir / f"{doc.name}.pdf") for doc in documents]
