"""How a batch's local worker processes start: forked from a fork server that has
already imported the engine, and started early.

Kept apart from :mod:`handouts.commands.executors` (which imports the worker, and with
it the renderer) so that the command line can start the fork server before it imports
anything heavy: see :func:`start_early`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.context
import os
import signal

#: The environment variable Dask itself reads for the scheduler's address.
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"

#: What the fork server imports once, so the workers forked from it start with the
#: engine's modules (WeasyPrint, the Pango bindings, fontTools) already loaded.
WORKER_PRELOAD = ["handouts.commands.worker", "handouts.render.engine.pdf"]


def executor_spec(spec: str | None) -> str:
    """The executor asked for: ``spec``, else ``$DASK_SCHEDULER_ADDRESS`` when it is
    set, else ``local``."""
    return spec or os.environ.get(SCHEDULER_ENV) or "local"


def pool_context() -> multiprocessing.context.BaseContext:
    """How pool workers start: forked from a fork server, never from this process.

    A worker forked from this process inherits whatever it holds; after any render
    here that includes the PDF engine, whose font folder WeasyPrint fills with each
    ``@font-face`` font under a name made from the rule, skipping a name that exists.
    Two workers meeting the same new rule (a project's stylesheet) both wrote that
    file, one truncating it while the other was reading it: the reader died of a bus
    error (SIGBUS in ``FcConfigAppFontAddFile``) and the pool broke. Forked from the
    fork server, which only imported the engine, each worker makes its own engine.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")  # no fork server: a fresh interpreter
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_PRELOAD)
    if not forkserver_runs():
        return multiprocessing.get_context("spawn")
    return context


def forkserver_runs() -> bool:
    """Start the fork server (if it is not running yet); whether it runs.

    It listens on a socket in the temporary folder, whose path may have at most 107
    bytes: with a long ``TMPDIR`` it cannot start, and ``batch -j 2`` ended in a
    traceback (``AF_UNIX path too long``). Workers then start as fresh interpreters.
    """
    from multiprocessing import forkserver

    try:
        forkserver.ensure_running()  # spawns the server and returns: it imports on its own
    except OSError:
        return False
    return True


def stop_stuck_forkserver() -> None:
    """Kill this process's fork server, which does not answer (a worker's start waits
    on it for good). Its worker starts under way then fail at once, and multiprocessing
    starts a new fork server for the next (``ensure_running`` sees this one gone)."""
    from multiprocessing import forkserver

    # The stdlib keeps the server's pid on its module-level instance (not public API:
    # if a release renames it, nothing is killed and the start stays counted missing).
    pid = getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)
    if pid:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def start_early(spec: str | None, jobs: int | None) -> bool:
    """Start the fork server now when a batch with executor ``spec`` and ``jobs`` will
    render in local worker processes; whether it was started (or already ran).

    Its import of the engine (about 0.4 s) then runs beside this process's own work
    before the first hand-out (loading the project, the fast checks, hashing) instead
    of after it, where the first PDF waited for it. Nothing is forked yet: a batch with
    nothing to render costs only that import, on another core.
    """
    if jobs == 1 or (jobs is None and (os.cpu_count() or 1) < 2):
        return False
    if executor_spec(spec) != "local":
        return False
    return pool_context().get_start_method() == "forkserver"  # started by pool_context


__all__ = ["SCHEDULER_ENV", "WORKER_PRELOAD", "executor_spec", "forkserver_runs",
           "pool_context", "start_early", "stop_stuck_forkserver"]
