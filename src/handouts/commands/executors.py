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

import contextlib
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from handouts.commands.execution import Executor, ExecutorLost, Todo
from handouts.commands.pool import Died, PoolError, ProcessPool, Stuck
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
        return LocalExecutor(timeouts)
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
    """Worker processes on this machine (or this process alone with one job).

    The workers are a :class:`~handouts.commands.pool.ProcessPool`, so no variant can
    hold the batch: a worker that has not finished its variant ``timeouts.results``
    seconds after it got it (stuck in the engine) is killed and replaced, and that
    variant fails; a worker that dies (kill -9, out of memory, a crash in the engine)
    is replaced and its variant tried again on a fresh one, failing only a variant
    that kills every worker it is given. The rest of the batch goes on either way.
    """

    def __init__(self, timeouts: Timeouts | None = None) -> None:
        self.timeouts = timeouts or Timeouts()

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
        pool = ProcessPool(workers, initializer=partial(start, str(project.root), str(out_dir)),
                           recycle_after=len(todo) + 1,
                           start_method=pool_context().get_start_method())
        feed = _Feed(pool, out_dir, todo, self.timeouts.results)
        try:
            if not pool.warm():
                raise ExecutorLost([Problem("local", None, "executor", (
                    "no worker process could start (each one stopped as it loaded the "
                    "project); nothing was rendered"))])
            feed.start(workers)
            for _ in todo:
                yield feed.next(), b""
        except KeyboardInterrupt:
            feed.stop(STOP_GRACE)
            for result in feed.finished():  # written in the grace: recorded too
                yield result, b""
            raise
        except BaseException:  # the caller stopped reading (Ctrl-C in its own loop)
            feed.stop(STOP_GRACE)
            raise
        finally:
            pool.close()


class _Feed:
    """Hands a batch's variants to a pool's workers: one thread per worker, each taking
    the next variant as its worker finishes one; results in the order they finish."""

    def __init__(self, pool: ProcessPool, out_dir: Path, todo: Todo, limit: float) -> None:
        self.pool, self.out_dir, self.limit = pool, out_dir, limit
        self._todo = deque(todo)
        self._lock = threading.Lock()
        self._results: queue.Queue[VariantResult] = queue.Queue()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, workers: int) -> None:
        """Start feeding ``workers`` workers."""
        for n in range(workers):
            thread = threading.Thread(target=self._feed, name=f"handouts-feed-{n}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def next(self) -> VariantResult:
        """The next finished variant (every variant gives one: each wait has a limit)."""
        return self._results.get()

    def finished(self) -> list[VariantResult]:
        """The results finished and not yet taken."""
        found = []
        with contextlib.suppress(queue.Empty):
            while True:
                found.append(self._results.get_nowait())
        return found

    def stop(self, grace: float) -> None:
        """Hand out nothing more; the workers get ``grace`` seconds to finish the PDF in
        hand (each writes it whole or not at all), then are killed (by the caller's
        ``pool.close()``); a second Ctrl-C meanwhile ends the wait at once."""
        self._stopping.set()
        end = time.monotonic() + grace
        with contextlib.suppress(KeyboardInterrupt):
            for thread in self._threads:
                thread.join(max(end - time.monotonic(), 0.0))

    def _feed(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                if not self._todo:
                    return
                variant, digest = self._todo.popleft()
            try:
                result, _ = self.pool.run(render_in_worker, variant, digest,
                                          str(self.out_dir / variant.relpath),
                                          deadline=self.limit)
            except Exception as exc:  # every variant gives a result: the batch reads one each
                result = VariantResult(variant, "failed", input_hash=digest, problems=[
                    Problem(variant.describe(), None, "", _lost(exc, self.limit))])
            self._results.put(result)


def _lost(exc: Exception, limit: float) -> str:
    """What a variant whose worker failed is told (the kind of failure only)."""
    if isinstance(exc, Stuck):
        return (f"was not finished {limit:g} s after its worker got it (--result-timeout), "
                "so that worker was stopped and replaced; run the batch again to retry it")
    if isinstance(exc, Died):
        return ("its worker process stopped while making it, and again on a fresh one "
                "(killed, out of memory, or a crash in the PDF engine); run the batch "
                "again to retry it")
    # A task's failure is named by its type (the pool sends only that); never a text
    # that could quote a client.
    kind = str(exc) if isinstance(exc, PoolError) else type(exc).__name__
    return f"could not be made: the worker failed ({kind})"


__all__ = ["SCHEDULER_ENV", "LocalExecutor", "executor_for"]
