"""The Dask executor: a batch rendered on a ``dask.distributed`` cluster.

Imported only when a batch names one (``--executor dask://HOST:PORT`` or
``$DASK_SCHEDULER_ADDRESS``, see :func:`handouts.commands.executors.executor_for`):
importing Dask costs a quarter of a second that a local batch should not pay.

A worker plugin ships the project's files (the inputs of the batch's variants, listed
by :mod:`handouts.commands.inputs`: a few hundred kB) to every worker once and warms
the engine there; tasks then carry only small chunks of variants, a bounded number in
flight, and return PDF bytes for the coordinator (:mod:`handouts.commands.batch`) to
write. Each batch registers its own plugin (:func:`plugin_name`), so batches of
different projects, or of one project from two places, share a cluster without taking
each other's project away. While one is loaded, Dask's own profiler is paused on the
worker (see :func:`pause_profiler`); a batch that ends, finished or not, unregisters its
plugin, so the workers drop the project and, after the last, profile again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import itertools
import logging
import os
import queue
import secrets
import shutil
import tarfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from handouts import __version__
from handouts.commands.execution import ExecutorLost, ExecutorUnavailable, Todo
from handouts.commands.fitting import read_kept
from handouts.commands.inputs import project_inputs
from handouts.commands.timeouts import Timeouts
from handouts.commands.worker import VariantResult, Worker
from handouts.errors import Problem
from handouts.project.config import CONFIG_NAME, Project
from handouts.project.content import Document
from handouts.render.result import Fitting
from handouts.variants.plan import Variant

T = TypeVar("T")

try:  # optional: only a Dask batch needs it
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover - exercised only without the extra
    WorkerPlugin = object  # type: ignore[assignment,misc]

#: Variants per Dask task: one variant per task costs ~10 ms of scheduling each
#: (measured: +8–11 ms on ~100 ms renders); a chunk spreads that over many.
CHUNK_MAX = 20
#: Tasks in flight per worker thread: enough to keep every worker busy while
#: results travel back, few enough that the coordinator never holds many PDFs.
IN_FLIGHT_PER_THREAD = 2
#: Times a task is retried after its worker died (on top of Dask's own
#: ``allowed-failures`` count for lost workers).
RETRIES = 2
#: One render at a time in a worker process, the engine's caches being per process: one
#: lock for the process, not per plugin (two batches' chunks on one worker must not
#: overlap).
RENDER_LOCK = threading.Lock()
#: How the name of every batch's worker plugin begins (see :func:`plugin_name`).
PLUGIN_PREFIX = "handouts-project-"


def plugin_name() -> str:
    """A new name for one batch's worker plugin, never shared. With one name for all,
    a second batch on the cluster replaced the first's plugin: the first's chunks then
    failed on every worker (another project's), or rendered with a plugin being torn
    down, and the first batch to end took the project from the other."""
    return f"{PLUGIN_PREFIX}{secrets.token_hex(8)}"


def snapshot(project: Project, documents: Iterable[Document],
             variants: Iterable[Variant]) -> bytes:
    """The project files a worker needs for ``variants`` as one uncompressed tar: exactly
    the inputs :func:`~handouts.commands.inputs.project_inputs` lists (never the output
    folder, a client list or anything outside the project). Links become the files they
    point to; times and owners are left out, so the same files give the same bytes."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in project_inputs(project, documents, variants):
            data = path.read_bytes()
            info = tarfile.TarInfo(path.relative_to(project.root).as_posix())
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class ProjectPlugin(WorkerPlugin):  # type: ignore[misc,valid-type]
    """Runs once on every worker (and again on a restarted or late worker): unpacks the
    project into the worker's local directory and keeps a :class:`Worker` for it (the
    project loaded, the engine warm) that every task there uses."""

    def __init__(self, files: bytes, fittings: dict[str, Fitting] | None = None,
                 hints: dict[str, Fitting] | None = None) -> None:
        self.files = files
        #: The fitting decisions kept for this batch's variants (fitting paid once), and
        #: their last decisions by path (tried first after an edit).
        self.fittings = fittings or {}
        self.hints = hints or {}
        self.token = hashlib.sha256(files).hexdigest()[:16]
        #: The coordinator's handouts version: a worker with another one would make
        #: different PDFs under the same input hashes.
        self.version = __version__
        #: Set on the worker by :meth:`setup`.
        self.worker: Worker | None = None
        #: Dask's profiler's callback on this worker, paused by :meth:`setup`.
        self.paused: Any = None

    def __getstate__(self) -> dict[str, Any]:
        """Only the files and their identity travel; the worker is made where it runs."""
        return {"files": self.files, "token": self.token, "version": self.version,
                "fittings": self.fittings, "hints": self.hints}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, worker=None, paused=None)

    def setup(self, worker: Any) -> None:
        """Unpack, load and warm up; the project is then used by every task here."""
        root = Path(worker.local_directory) / f"handouts-project-{self.token}"
        if not (root / CONFIG_NAME).is_file():
            staging = root.with_name(root.name + f".{os.getpid()}.tmp")
            shutil.rmtree(staging, ignore_errors=True)
            with tarfile.open(fileobj=io.BytesIO(self.files)) as tar:
                tar.extractall(staging, filter="data")
            os.replace(staging, root)
        if self.version != __version__:
            return  # render_chunk refuses with the reason
        self.worker = Worker.load(root)
        self.worker.fittings.update(self.fittings)
        self.worker.hints.update(self.hints)
        self.paused = pause_profiler(worker)

    def teardown(self, worker: Any) -> None:
        """Forget the project. Dask's profiler, if :meth:`setup` paused it, goes to
        another batch's plugin still loaded on this worker, or starts again after the
        last (a batch unregisters its plugin when it ends)."""
        self.worker = None
        if self.paused is None:
            return
        others = [p for p in getattr(worker, "plugins", {}).values()
                  if isinstance(p, ProjectPlugin) and p is not self and p.worker is not None]
        if others:
            others[0].paused = self.paused
        else:
            self.paused.start()
        self.paused = None


def release(client: Any, name: str, limit: float) -> bool:
    """Unregister the batch's plugin ``name`` (:func:`plugin_name`); whether it was.
    Best effort within ``limit``: a cluster that does not answer keeps the plugin
    until its workers restart. Another batch's plugin, of this project or another, is
    its own and stays."""
    try:
        within(limit, lambda: client.unregister_worker_plugin(name))
    except Exception:  # the batch is over: nothing here may fail it or hide its reason
        return False
    return True


def pause_profiler(worker: Any) -> Any:
    """Stop the Dask worker's statistical profiler if it runs; return its callback (to
    start again), or None.

    By default Dask samples a running task's stack every 10 ms to profile it; over
    WeasyPrint's deep layouts that cost the workers 3–4 % more CPU for the same batch
    (two workers, 336 PDFs, with ``distributed.worker.profile.enabled`` on and off:
    52.5 against 50.6 worker CPU-seconds, 27.9 against 26.7 s), about what a Dask batch
    took longer than the local pool (3–5 s of 55–90 s). Setup runs on the worker's
    event loop, where its callbacks may be stopped."""
    callback = getattr(worker, "periodic_callbacks", {}).get("profile")
    if callback is None or not callback.is_running():
        return None
    callback.stop()
    return callback


#: A chunk holds at most 1/CHUNK_SHARE of what remains per worker thread.
CHUNK_SHARE = 4


def guided_chunks(todo: Todo, threads: int) -> list[Todo]:
    """``todo`` cut into chunks, in order, that shrink with what remains (guided
    self-scheduling): each holds the remaining variants / (threads × CHUNK_SHARE), at
    most :data:`CHUNK_MAX`, at least one.

    One size for the whole batch left the batch's end to one worker finishing a whole
    chunk while the others waited: 7 % of a 16-thread batch in
    ``benchmarks/tail_model.py``, against under 1 % with shrinking chunks, for about
    twice as many tasks (~10 ms of scheduling each, spread over the workers).
    """
    chunks, start = [], 0
    while start < len(todo):
        size = max(1, min(CHUNK_MAX, (len(todo) - start) // (threads * CHUNK_SHARE)))
        chunks.append(todo[start:start + size])
        start += size
    return chunks


def render_chunk(chunk: Todo, name: str) -> list[tuple[VariantResult, bytes]]:
    """Render a chunk of variants on a Dask worker with the batch's plugin ``name``
    (task function)."""
    from distributed import get_worker

    plugin = get_worker().plugins.get(name)
    if isinstance(plugin, ProjectPlugin) and plugin.version != __version__:
        raise RuntimeError(f"this worker has handouts {__version__}, the batch needs "
                           f"{plugin.version}: install the same version everywhere")
    # Taken once, before it is checked: the plugin torn down meanwhile (its worker set
    # to None) leaves the chunk the project it started with.
    worker = plugin.worker if isinstance(plugin, ProjectPlugin) else None
    if worker is None:
        # The plugin of this batch has not run here (or is being set up: the task is
        # tried again): never render another project.
        raise RuntimeError("this worker has not loaded the batch's project")
    with RENDER_LOCK:
        return [worker.render_variant(variant, digest) for variant, digest in chunk]


class DaskExecutor:
    """A ``dask.distributed`` cluster at ``address`` (``tcp://HOST:PORT``).

    Every wait has a limit (:class:`~handouts.commands.executors.Timeouts`): connecting
    and the handshake (a wrong kind of server or a silent one is found here, before
    Dask's client is made), the workers loading the project, and each next finished
    chunk (a lost worker, a scheduler killed or gone silent). Past one, the batch stops
    with one message located at ``dask://HOST:PORT``; never a traceback or a hang.
    """

    def __init__(self, address: str, timeouts: Timeouts | None = None) -> None:
        self.address = address
        self.timeouts = timeouts or Timeouts()
        #: The batch's output folder, whose kept fitting decisions travel to the workers.
        self.out_dir: Path | None = None

    def _problem(self, message: str) -> Problem:
        return Problem(self.address.replace("tcp://", "dask://"), None, "executor", message)

    def render(self, project: Project, documents: dict[str, Document], out_dir: Path,
               todo: Todo, jobs: int | None) -> Iterator[tuple[VariantResult, bytes]]:
        """See :class:`Executor`; every PDF comes back as bytes for the coordinator."""
        try:
            from distributed import Client
        except ImportError:
            raise ExecutorUnavailable([self._problem(
                "needs dask.distributed on this machine: pip install 'handouts[dask]'")]) \
                from None
        if not todo:
            return
        self.out_dir = out_dir
        with dask_logs_quiet():
            yield from self._render(Client, project, documents, todo)

    def _render(self, make_client: Any, project: Project, documents: dict[str, Document],
                todo: Todo) -> Iterator[tuple[VariantResult, bytes]]:
        """Check the scheduler, connect, render; every failure is one ExecutorLost."""
        self._check_scheduler()
        connect = self.timeouts.connect
        try:
            client = within(2 * connect, lambda: make_client(
                self.address, timeout=connect, set_as_default=False))
        except Exception as exc:  # the scheduler answered a moment ago: it went away
            raise ExecutorUnavailable([self._problem(
                f"cannot connect to the scheduler ({type(exc).__name__}); is it running?")]) \
                from None
        from distributed.client import FutureCancelledError
        from distributed.comm import CommClosedError

        done, name = 0, plugin_name()
        # Whether the scheduler may still answer: after a lost connection or a silent
        # cluster, unregistering would only add a wait to the batch's end.
        answering = True
        try:
            for pair in self._render_on(client, name, project, documents, todo):
                done += 1
                yield pair
        except TimeoutError:  # before OSError: it is one
            answering = False
            raise self._lost(done, len(todo), (
                f"no result from the cluster in {self.timeouts.results:g} s "
                "(--result-timeout; are its workers running?)")) from None
        except (FutureCancelledError, CommClosedError, OSError) as exc:
            answering = False
            raise self._lost(done, len(todo), (
                f"lost the connection to the scheduler ({type(exc).__name__})")) from None
        except Exception as exc:  # anything else Dask raises: one message, no traceback
            raise self._lost(done, len(todo), (
                f"the cluster failed ({type(exc).__name__}: {str(exc)[:200]})")) from None
        finally:
            if answering:
                # The batch ended (finished, failed on the cluster, or stopped by its
                # caller): the workers drop its project (its memory, the engine's
                # caches) and, once no batch holds one, profile again.
                release(client, name, connect)
            with contextlib.suppress(Exception):  # closing a dead client: nothing to keep
                within(connect, lambda: client.close(timeout=connect))

    def _check_scheduler(self) -> None:
        """Connect, then handshake and ask the server who it is, each within the connect
        limit: Dask's own client waits forever for a silent server, and fails with a
        traceback on one that speaks another protocol (an HTTP server)."""
        from distributed.comm import connect as dask_connect
        from distributed.comm import get_address_host_port

        limit = self.timeouts.connect
        host, port = get_address_host_port(self.address)

        async def reach() -> None:
            _, writer = await asyncio.open_connection(host, port)
            writer.close()

        async def identity() -> Any:
            comm = await dask_connect(self.address, timeout=limit)
            try:
                await comm.write({"op": "identity", "reply": True})
                return await comm.read()
            finally:
                comm.abort()

        try:
            within(limit + 1, lambda: asyncio.run(asyncio.wait_for(reach(), limit)))
        except (OSError, TimeoutError) as exc:  # TimeoutError is an OSError too
            raise ExecutorUnavailable([self._problem(
                f"cannot connect to the scheduler ({type(exc).__name__}); is it running?")]) \
                from None
        try:
            answer = within(limit + 1, lambda: asyncio.run(asyncio.wait_for(identity(), limit)))
        except TimeoutError:
            raise ExecutorUnavailable([self._problem(
                f"the server took the connection but gave no Dask handshake in {limit:g} s "
                "(--connect-timeout): is this the address of a Dask scheduler (usually port "
                "8786)?")]) from None
        except Exception as exc:  # MemoryError: an HTTP reply read as a Dask frame length
            raise ExecutorUnavailable([self._problem(
                f"the server does not speak Dask's protocol ({type(exc).__name__}): is this "
                "the address of a Dask scheduler (usually port 8786)?")]) from None
        kind = answer.get("type") if isinstance(answer, dict) else None
        if kind != "Scheduler":
            raise ExecutorUnavailable([self._problem(
                f"this is not a Dask scheduler (it answers as {kind or 'something else'}): "
                "give the scheduler's address, usually port 8786")])

    def _render_on(self, client: Any, name: str, project: Project,
                   documents: dict[str, Document],
                   todo: Todo) -> Iterator[tuple[VariantResult, bytes]]:
        """Register the project as plugin ``name``, then keep a bounded number of chunks
        in flight; each wait for the cluster is limited to ``timeouts.results``
        (TimeoutError past it)."""
        limit = self.timeouts.results
        kept, hints = read_kept(self.out_dir) if self.out_dir is not None else ({}, {})
        plugin = ProjectPlugin(snapshot(project, documents.values(), [v for v, _ in todo]),
                               {d: kept[d] for _, d in todo if d in kept},
                               {v.relpath: hints[v.relpath] for v, _ in todo
                                if v.relpath in hints})
        within(limit, lambda: client.register_plugin(plugin, name=name))
        threads = sum(within(limit, client.nthreads).values()) or 1
        chunks = iter(guided_chunks(todo, threads))
        submitted: dict[Any, Todo] = {}
        # Dask calls back when a task ends in any way (done, failed, cancelled); a queue
        # gives the wait for the next one a limit (distributed.wait would use the
        # process's default client, which may be another cluster's).
        finished: queue.Queue[Any] = queue.Queue()

        def submit(n: int) -> None:
            for chunk in itertools.islice(chunks, n):
                future = client.submit(render_chunk, chunk, name, pure=False,
                                       retries=RETRIES)
                submitted[future] = chunk
                future.add_done_callback(finished.put)

        submit(threads * IN_FLIGHT_PER_THREAD)
        while submitted:
            try:
                future = finished.get(timeout=limit)
            except queue.Empty:
                raise TimeoutError(f"no finished chunk in {limit:g} s") from None
            chunk = submitted.pop(future)
            yield from self._results(future, chunk)
            future.release()
            submit(1)

    def _results(self, future: Any, chunk: Todo) -> list[tuple[VariantResult, bytes]]:
        """A finished task's results; a task that failed on the cluster fails its variants
        (a lost scheduler raises)."""
        from distributed.client import FutureCancelledError
        from distributed.comm import CommClosedError

        try:
            return future.result(timeout=self.timeouts.results)  # type: ignore[no-any-return]
        except (FutureCancelledError, CommClosedError, OSError, TimeoutError):
            raise
        except Exception as exc:  # KilledWorker after every retry, or a worker-side crash
            message = (f"could not be rendered on the cluster: {type(exc).__name__}: "
                       f"{str(exc)[:200]}")
            return [(VariantResult(v, "failed", problems=[self._problem(
                f"{v.describe()}: {message}")]), b"") for v, _ in chunk]

    def _lost(self, done: int, total: int, what: str) -> ExecutorLost:
        return ExecutorLost([self._problem(
            f"{what}; stopped after {done} of {total} variant(s): the finished PDFs are "
            "kept, run the batch again to render the rest")])


#: Dask's loggers that print on their own (they have handlers and do not propagate).
DASK_LOGGERS = ("distributed", "distributed.client", "distributed.gc", "tornado",
                "tornado.application")


@contextlib.contextmanager
def dask_logs_quiet() -> Iterator[None]:
    """Keep Dask's own log lines off the terminal while a batch uses a cluster: a lost
    scheduler makes its client log a traceback for each reconnect it gives up, and the
    batch's one message says what happened. With ``-vv`` (handouts logging at DEBUG)
    they are shown."""
    if logging.getLogger("handouts").isEnabledFor(logging.DEBUG):
        yield
        return
    loggers = [logging.getLogger(name) for name in DASK_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def within(seconds: float, call: Callable[[], T]) -> T:
    """``call()``, or TimeoutError after ``seconds``. It runs on a daemon thread, so a
    call that never returns (a wait inside Dask without a limit of its own) is left
    behind instead of holding the batch, or the interpreter's exit."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append((False, exc))

    thread = threading.Thread(target=run, name="handouts-dask-wait", daemon=True)
    thread.start()
    thread.join(seconds)
    if not outcome:
        raise TimeoutError(f"no answer in {seconds:g} s")
    ok, value = outcome[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]
