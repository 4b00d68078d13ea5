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

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess
from pathlib import Path

from handouts.commands.execution import Executor, ExecutorLost, Todo
from handouts.commands.processes import SCHEDULER_ENV, executor_spec, pool_context
from handouts.commands.timeouts import Timeouts
from handouts.commands.worker import VariantResult, Worker, render_in_worker, start
from handouts.errors import OptionError, Problem
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.render.runner import settle


def executor_for(spec: str | Executor | None, timeouts: Timeouts | None = None) -> Executor:
    """``local``, ``dask://HOST:PORT`` (or ``tcp://``, ``tls://``); None: ``local``, or
    the Dask scheduler named by ``$DASK_SCHEDULER_ADDRESS`` when it is set. An
    :class:`Executor` object is used as it is (benchmarks, embedding). ``timeouts``
    bound every wait for a cluster (default: :class:`Timeouts`)."""
    if spec is not None and not isinstance(spec, str):
        return spec
    spec = executor_spec(spec)
    if spec == "local":
        return LocalExecutor()
    for scheme in ("dask://", "tcp://", "tls://"):
        if spec.startswith(scheme) and len(spec) > len(scheme):
            address = spec if scheme != "dask://" else "tcp://" + spec[len(scheme):]
            from handouts.commands.dask_executor import DaskExecutor  # dask: only if used

            return DaskExecutor(address, timeouts or Timeouts())
    raise OptionError([Problem("--executor", None, "", (
        f"'{spec}' is not an executor: use local or dask://HOST:PORT "
        "(e.g. dask://scheduler.clinic.lan:8786)"))])


# ------------------------------------------------------------------------ local

#: Seconds a batch's workers get to finish the PDF in hand after Ctrl-C.
STOP_GRACE = 5.0


class LocalExecutor:
    """Worker processes on this machine (or this process alone with one job)."""

    def render(self, project: Project, documents: dict[str, Document], out_dir: Path,
               todo: Todo, jobs: int | None) -> Iterator[tuple[VariantResult, bytes]]:
        """See :class:`Executor`; worker processes write their own PDFs."""
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        if workers == 1:
            # In-process: no start-up cost for a single worker, and no second load.
            worker = Worker(project, documents)
            worker.remember(out_dir)  # fitting decisions of earlier batches
            settle()
            for variant, digest in todo:
                yield worker.render_variant(variant, digest)
            return
        others = set(multiprocessing.active_children())
        pool = ProcessPoolExecutor(workers, mp_context=pool_context(), initializer=start,
                                   initargs=(str(project.root), str(out_dir)))
        # Each worker writes its own PDFs: sending them back to be written here would
        # cost the busy cores more than the disk wait it hides.
        futures = [pool.submit(render_in_worker, v, d, str(out_dir / v.relpath))
                   for v, d in todo]
        # Every worker has started by now (one per task until there are ``workers``):
        # the ones to stop on Ctrl-C, never another pool's of the same process.
        mine = [c for c in multiprocessing.active_children() if c not in others]
        done = 0
        try:
            for future in as_completed(futures):
                yield future.result()
                done += 1
        except BrokenProcessPool:  # killed (out of memory, kill -9), or failed to start
            raise ExecutorLost([Problem("local", None, "executor", (
                f"a worker process died after {done} of {len(todo)} variant(s) "
                "(killed, out of memory, or it could not start); the finished PDFs are "
                "kept: run the batch again to render the rest"))]) from None
        except BaseException:  # Ctrl-C, or the caller stopped reading
            stop_workers(pool, mine)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def stop_workers(pool: ProcessPoolExecutor, children: list[BaseProcess],
                 grace: float = STOP_GRACE) -> None:
    """Stop a batch's workers now: nothing more is handed out, and ``children`` (its
    worker processes) are given ``grace`` seconds to finish their PDF (each writes it
    whole or not at all), then killed; a second Ctrl-C meanwhile kills them at once.
    Waiting for every queued variant (what leaving the pool does) took seconds, and a
    second Ctrl-C in that wait left the command hanging with its workers alive. Only
    the batch's own workers: a desk's renderers in the same process are not its own."""
    pool.shutdown(wait=False, cancel_futures=True)

    def kill(*_: object) -> None:
        for child in children:
            child.kill()

    previous = signal.getsignal(signal.SIGINT) \
        if threading.current_thread() is threading.main_thread() else None
    if previous is not None:
        signal.signal(signal.SIGINT, kill)
    try:
        end = time.monotonic() + grace
        for child in children:
            child.join(max(end - time.monotonic(), 0.0))
        kill()
        for child in children:
            child.join(1.0)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


__all__ = ["SCHEDULER_ENV", "LocalExecutor", "executor_for", "stop_workers"]
