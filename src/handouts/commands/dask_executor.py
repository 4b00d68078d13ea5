"""The Dask executor: a batch rendered on a ``dask.distributed`` cluster.

Imported only when a batch names one (``--executor dask://HOST:PORT`` or
``$DASK_SCHEDULER_ADDRESS``, see :func:`handouts.commands.executors.executor_for`):
importing Dask costs a quarter of a second that a local batch should not pay.

A worker plugin ships the project's files (the inputs of the batch's variants, listed
by :mod:`handouts.commands.inputs`: a few hundred kB) to every worker once and warms
the engine there; tasks then carry only small chunks of variants, a bounded number in
flight, and return PDF bytes for the coordinator (:mod:`handouts.commands.batch`) to
write.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import shutil
import tarfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from handouts import __version__
from handouts.commands.executors import ExecutorLost, Todo
from handouts.commands.inputs import project_inputs
from handouts.commands.worker import VariantResult, Worker
from handouts.errors import HandoutsError, Problem
from handouts.project.config import CONFIG_NAME, Project
from handouts.project.content import Document
from handouts.variants.plan import Variant

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
#: Seconds to wait for the scheduler when connecting.
CONNECT_TIMEOUT = 10
#: The name the project's worker plugin is registered under (a later batch replaces it).
PLUGIN_NAME = "handouts-project"


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

    def __init__(self, files: bytes) -> None:
        self.files = files
        self.token = hashlib.sha256(files).hexdigest()[:16]
        #: The coordinator's handouts version: a worker with another one would make
        #: different PDFs under the same input hashes.
        self.version = __version__
        #: Set on the worker by :meth:`setup`.
        self.worker: Worker | None = None
        self.lock: threading.Lock | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Only the files and their identity travel; the worker is made where it runs."""
        return {"files": self.files, "token": self.token, "version": self.version}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, worker=None, lock=None)

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
        # One render at a time per worker process: the engine's caches are per process.
        self.lock = threading.Lock()
        self.worker = Worker.load(root)

    def teardown(self, worker: Any) -> None:
        """Forget the project (a later batch registers its own)."""
        self.worker = None


def render_chunk(chunk: Todo, token: str) -> list[tuple[VariantResult, bytes]]:
    """Render a chunk of variants on a Dask worker (task function)."""
    from distributed import get_worker

    plugin = get_worker().plugins.get(PLUGIN_NAME)
    if isinstance(plugin, ProjectPlugin) and plugin.version != __version__:
        raise RuntimeError(f"this worker has handouts {__version__}, the batch needs "
                           f"{plugin.version}: install the same version everywhere")
    if not isinstance(plugin, ProjectPlugin) or plugin.token != token or \
            plugin.worker is None or plugin.lock is None:
        # The plugin of this batch has not run here: never render another project.
        raise RuntimeError("this worker has not loaded the batch's project")
    with plugin.lock:
        return [plugin.worker.render_variant(variant, digest) for variant, digest in chunk]


class DaskExecutor:
    """A ``dask.distributed`` cluster at ``address`` (``tcp://HOST:PORT``)."""

    def __init__(self, address: str) -> None:
        self.address = address

    def _problem(self, message: str) -> Problem:
        return Problem(self.address.replace("tcp://", "dask://"), None, "executor", message)

    def render(self, project: Project, documents: dict[str, Document], out_dir: Path,
               todo: Todo, jobs: int | None) -> Iterator[tuple[VariantResult, bytes]]:
        """See :class:`Executor`; every PDF comes back as bytes for the coordinator."""
        try:
            from distributed import Client
            from distributed import as_completed as dask_completed
        except ImportError:
            raise HandoutsError([self._problem(
                "needs dask.distributed on this machine: pip install 'handouts[dask]'")]) \
                from None
        if not todo:
            return
        try:
            client = Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ExecutorLost([self._problem(
                f"cannot connect to the scheduler ({type(exc).__name__}); is it running?")]) \
                from None
        from distributed.client import FutureCancelledError
        from distributed.comm import CommClosedError

        lost = (FutureCancelledError, CommClosedError, OSError, TimeoutError)
        done = 0
        try:
            plugin = ProjectPlugin(snapshot(project, documents.values(), [v for v, _ in todo]))
            client.register_plugin(plugin, name=PLUGIN_NAME)
            threads = sum(client.nthreads().values()) or 1
            size = max(1, min(CHUNK_MAX, len(todo) // (threads * 4) or 1))
            chunks = iter([todo[i:i + size] for i in range(0, len(todo), size)])
            waiting = dask_completed(loop=client.loop)
            submitted: dict[Any, Todo] = {}

            def submit(n: int) -> None:
                for chunk in itertools.islice(chunks, n):
                    future = client.submit(render_chunk, chunk, plugin.token, pure=False,
                                           retries=RETRIES)
                    submitted[future] = chunk
                    waiting.add(future)

            submit(threads * IN_FLIGHT_PER_THREAD)
            for future in waiting:
                chunk = submitted.pop(future)
                for pair in self._results(future, chunk, lost):
                    done += 1
                    yield pair
                future.release()
                submit(1)
        except lost as exc:  # the scheduler went away: stop, keep what is done
            raise self._lost(done, len(todo), exc) from None
        finally:
            client.close(timeout=CONNECT_TIMEOUT)

    def _results(self, future: Any, chunk: Todo,
                 lost: tuple[type[BaseException], ...]) -> list[tuple[VariantResult, bytes]]:
        """A finished task's results; a task that failed on the cluster fails its variants."""
        try:
            return future.result()  # type: ignore[no-any-return]
        except lost:
            raise
        except Exception as exc:  # KilledWorker after every retry, or a worker-side crash
            message = (f"could not be rendered on the cluster: {type(exc).__name__}: "
                       f"{str(exc)[:200]}")
            return [(VariantResult(v, "failed", problems=[self._problem(
                f"{v.describe()}: {message}")]), b"") for v, _ in chunk]

    def _lost(self, done: int, total: int, exc: BaseException) -> ExecutorLost:
        return ExecutorLost([self._problem(
            f"lost the connection to the scheduler after {done} of {total} variant(s) "
            f"({type(exc).__name__}); the "
            "finished PDFs are kept: run the batch again to render the rest")])
