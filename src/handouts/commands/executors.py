"""Where a batch renders: local worker processes (the default) or a Dask cluster.

An executor turns ``(variant, input hash)`` pairs into ``(result, pdf bytes)``
pairs; it never decides what is stale, never touches the index and (on a cluster)
never writes a PDF: :mod:`handouts.commands.batch`, the coordinator, does all of that, so
incremental reruns, ``--clean``, failure isolation and kill -9 safety are the same
whatever renders.

* ``local``: a process pool on this machine; each worker writes its own PDFs
  (atomically) and returns empty bytes.
* ``dask://HOST:PORT``: a ``dask.distributed`` scheduler (``pip install
  'handouts[dask]'``), in :mod:`handouts.commands.dask_executor`, imported only then.
  A worker plugin ships the project's files to every worker once; tasks carry small
  chunks of variants and return PDF bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Protocol

from handouts.commands.worker import VariantResult, Worker, render_in_worker, start
from handouts.errors import HandoutsError, Problem
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.render.render import settle
from handouts.variants.plan import Variant

Todo = list[tuple[Variant, str]]
#: The environment variable Dask itself reads for the scheduler's address.
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"


class Executor(Protocol):
    """Renders variants somewhere; see the module docstring."""

    def render(self, project: Project, documents: dict[str, Document], out_dir: Path,
               todo: Todo, jobs: int | None) -> Iterator[tuple[VariantResult, bytes]]:
        """Each variant rendered: bytes for the coordinator to write, or b"" when the
        variant failed or the executor already wrote it."""
        ...


def executor_for(spec: str | Executor | None) -> Executor:
    """``local``, ``dask://HOST:PORT`` (or ``tcp://``, ``tls://``); None: ``local``, or
    the Dask scheduler named by ``$DASK_SCHEDULER_ADDRESS`` when it is set. An
    :class:`Executor` object is used as it is (benchmarks, embedding)."""
    if spec is not None and not isinstance(spec, str):
        return spec
    if spec is None:
        spec = os.environ.get(SCHEDULER_ENV) or "local"
    if spec == "local":
        return LocalExecutor()
    for scheme in ("dask://", "tcp://", "tls://"):
        if spec.startswith(scheme) and len(spec) > len(scheme):
            address = spec if scheme != "dask://" else "tcp://" + spec[len(scheme):]
            from handouts.commands.dask_executor import DaskExecutor  # dask: only if used

            return DaskExecutor(address)
    raise HandoutsError([Problem("--executor", None, "", (
        f"'{spec}' is not an executor: use local or dask://HOST:PORT "
        "(e.g. dask://scheduler.clinic.lan:8786)"))])


# ------------------------------------------------------------------------ local

class LocalExecutor:
    """Worker processes on this machine (or this process alone with one job)."""

    def render(self, project: Project, documents: dict[str, Document], out_dir: Path,
               todo: Todo, jobs: int | None) -> Iterator[tuple[VariantResult, bytes]]:
        """See :class:`Executor`; worker processes write their own PDFs."""
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        if workers == 1:
            # In-process: no start-up cost for a single worker, and no second load.
            worker = Worker(project, documents)
            settle()
            for variant, digest in todo:
                yield worker.render_variant(variant, digest)
            return
        # Import the engine before the workers fork: each inherits the loaded modules
        # instead of importing WeasyPrint, Pango bindings and fontTools on its own.
        from handouts.render import pdf  # noqa: F401

        with ProcessPoolExecutor(workers, initializer=start,
                                 initargs=(str(project.root),)) as pool:
            # Each worker writes its own PDFs: sending them back to be written here would
            # cost the busy cores more than the disk wait it hides.
            futures = [pool.submit(render_in_worker, v, d, str(out_dir / v.relpath))
                       for v, d in todo]
            for future in as_completed(futures):
                yield future.result()


class ExecutorLost(HandoutsError):
    """The connection to the cluster was lost: the batch stops; a rerun finishes it."""


__all__ = ["SCHEDULER_ENV", "Executor", "ExecutorLost", "LocalExecutor", "Todo",
           "executor_for"]
