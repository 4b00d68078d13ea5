"""What every executor of a batch shares: the work it is given, how long it may wait, the
:class:`Executor` protocol and the errors that stop a batch.

Kept apart from both executors (:mod:`handouts.commands.executors` for local worker
processes, :mod:`handouts.commands.dask_executor` for a cluster) so that each imports
it and neither imports the other: the Dask one is imported only when it is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from handouts.commands.worker import VariantResult
from handouts.errors import HandoutsError
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.variants.plan import Variant

Todo = list[tuple[Variant, str]]


class Executor(Protocol):
    """Renders variants somewhere; see the module docstring."""

    def render(self, project: Project, documents: dict[str, Document], out_dir: Path,
               todo: Todo, jobs: int | None) -> Iterator[tuple[VariantResult, bytes]]:
        """Each variant rendered: bytes for the coordinator to write, or b"" when the
        variant failed or the executor already wrote it."""
        ...


class ExecutorLost(HandoutsError):
    """The executor failed as a whole (no scheduler, a lost connection, no results in
    time, a dead worker process): the batch stops; a rerun finishes it."""

    outcome = "the PDFs finished before are kept and recorded; a rerun renders the rest."


class ExecutorUnavailable(ExecutorLost):
    """No usable executor at all (no scheduler there, a wrong kind of server): the
    batch stops before rendering anything."""

    outcome = "nothing was rendered."
