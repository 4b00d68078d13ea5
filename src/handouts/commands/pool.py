"""Worker processes that cannot hang their caller: deadlines, replacement, recycling.

The desk's renderers (:mod:`handouts.web.workers`) and a batch's local workers
(:mod:`handouts.commands.executors`) both run here.

``concurrent.futures.ProcessPoolExecutor(max_tasks_per_child=...)`` can deadlock on
Python 3.11 when a worker retires while tasks are queued (cpython gh-115634): the pool
ends with no live worker and every later request waits forever. So this pool manages
its processes itself, one pipe each:

* a request takes an idle worker (waiting at most until its deadline), sends the task
  and waits for the answer at most until the deadline;
* a worker is judged by its own clock, not the request's: one that has not answered
  ``run_limit`` seconds after it got the task is killed (SIGKILL) and replaced, and the
  request gets :class:`Stuck`. A request that waited long for a free worker (a queue
  of heavy tasks) and reaches its deadline first gets :class:`Busy`; its worker, healthy,
  is left to finish and goes back to work (a short-lived thread waits for it, at most
  until its own limit), so an overload never kills workers that are not stuck;
* one that died (kill -9, a crash in C) is replaced and the task is tried again (at most
  once per worker, and once more) while time remains, else :class:`Died`;
* a busy worker sends a sign of life ten times per ``stall_limit`` (a thread of its
  own, which runs while the engine works); one silent for ``stall_limit`` seconds is
  frozen (``kill -STOP``, a machine that suspended it, a hang that holds the
  interpreter) and is handled as one that died: replaced, the task tried again on a
  fresh one. Without it a frozen worker held its request until the run limit (75 s at
  the desk) and then failed it (QA);
* after ``recycle_after`` tasks a worker is retired and a fresh one takes its place,
  which bounds any slow leak; retiring is done by the request that finished the task,
  so there is no background thread that could stall.

A task's exception never crosses the pipe as text (its message could quote a client's
name): only its type's name does (:class:`TaskFailed`).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from handouts.commands.processes import pool_context, stop_stuck_forkserver

#: Where a replaced worker is logged unless the pool's owner gives its own logger.
log = logging.getLogger("handouts.pool")

#: Seconds a retiring worker gets to exit by itself before it is killed.
RETIRE_GRACE = 2.0
#: Seconds a new worker may take to be started (forked by the fork server: a few
#: milliseconds). A fork server that does not answer (stopped, SIGSTOP) made the start
#: wait for good, with the pool's lock held: every request then hung.
SPAWN_LIMIT = 10.0


class PoolError(Exception):
    """A task did not give an answer; the message is safe to show (nothing personal)."""


class Busy(PoolError):
    """No worker became free, or none answered, before the request's deadline (the
    workers are healthy: they are working through other requests)."""


#: What a request that could not be served in time is told (nothing personal).
BUSY = "every renderer is busy; please try again in a moment"


class Stuck(PoolError):
    """The worker did not answer before the deadline; it was replaced."""


class Died(PoolError):
    """The worker stopped while working (twice, or with no time left to try again)."""


class TaskFailed(PoolError):
    """The task raised; only the exception's type name is known here."""


#: Seconds :meth:`ProcessPool.warm` waits for the workers to start (a cold machine
#: loading the engine takes a few).
WARM_LIMIT = 120.0

#: Seconds without a sign of life after which a busy worker counts as frozen.
STALL_LIMIT = 10.0
#: Signs of life a busy worker sends per stall limit: many, so a loaded machine (a
#: batch on every core) never makes a working one look frozen.
BEATS_PER_LIMIT = 10
#: A worker's sign of life (an answer is always a tuple).
BEAT = "beat"


class _Stalled(Exception):
    """A busy worker gave no sign of life for the pool's stall limit."""


def _serve(conn: Connection, initializer: Callable[[], None] | None,
           heartbeat: float, scratch: str | None = None) -> None:
    """A worker's loop: run each ``(task, args)`` received, send back its answer; while
    it works (and while it starts), a thread sends :data:`BEAT` every ``heartbeat``
    seconds.

    The terminal's Ctrl-C reaches every process of the command, workers included: a
    worker ignores it (an idle one printed a traceback as it died, a busy one threw its
    task away), and its owner stops it: the desk at once, a batch after the PDF in
    hand is written."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if scratch is not None:
        # The engine's temporary files (a font folder: 39 MB with the CJK fonts) go in
        # the worker's own folder, which its owner removes once the worker has ended,
        # even when it had to be killed (see _Worker.kill).
        tempfile.tempdir = scratch
    sending = threading.Lock()  # one message at a time on the pipe
    busy = threading.Event()

    def beat() -> None:
        while True:
            busy.wait()
            time.sleep(heartbeat)
            with sending:
                if busy.is_set():
                    try:
                        conn.send(BEAT)
                    except Exception:  # the pipe is gone: the owner went away
                        return

    busy.set()  # starting counts as working: a slow start is no frozen worker
    threading.Thread(target=beat, name="handouts-heartbeat", daemon=True).start()
    if initializer is not None:
        try:
            initializer()
        except BaseException:  # never a traceback on the terminal: the owner sees a
            return  # worker that never got ready (its pipe closes) and says so
    busy.clear()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the server went away
            return
        if message is None:  # retired
            return
        task, args = message
        busy.set()
        try:
            answer: tuple[str, Any] = ("ok", task(*args))
        except BaseException as exc:  # every failure is an answer, even SystemExit
            answer = ("error", type(exc).__name__)
        with sending:  # no sign of life after the answer: the next task's wait is clean
            busy.clear()
            try:
                conn.send(answer)
            except OSError:  # the owner went away (killed): nothing to answer, no traceback
                return
            except Exception as exc:  # an answer that cannot be pickled
                try:
                    conn.send(("error", type(exc).__name__))
                except OSError:
                    return


class _Worker:
    """One process and our end of its pipe."""

    def __init__(self, context: Any, initializer: Callable[[], None] | None,
                 heartbeat: float, scratch: str | None = None) -> None:
        self.scratch = tempfile.mkdtemp(dir=scratch) if scratch is not None else None
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve,
                                       args=(child, initializer, heartbeat, self.scratch),
                                       name="handouts-render", daemon=True)
        self.process.start()
        child.close()
        self.tasks = 0

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        self.process.join(1.0)
        with contextlib.suppress(Exception):
            self.conn.close()
        self._clean()

    def retire(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
        self.process.join(RETIRE_GRACE)
        if self.process.is_alive():
            self.kill()
        with contextlib.suppress(Exception):
            self.conn.close()
        self._clean()

    def _clean(self) -> None:
        """Remove the worker's temporary folder once it has ended (a killed one never
        removes its own)."""
        if self.scratch is not None and not self.process.is_alive():
            shutil.rmtree(self.scratch, ignore_errors=True)


#: The start of a pool's temporary folder's name; the owner's process id follows.
SCRATCH_PREFIX = "handouts-pool-"


def _scratch_folder() -> str:
    """A new temporary folder for a pool's workers, named with this process's id; the
    folders of pools whose owner is gone (killed with kill -9, which runs no clean-up)
    are removed first, so they do not pile up in the temporary folder."""
    root = Path(tempfile.gettempdir())
    for old in root.glob(f"{SCRATCH_PREFIX}*-*"):
        owner = old.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        if owner.isdigit() and not _running(int(owner)):
            shutil.rmtree(old, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: running
        return True
    return True


class ProcessPool:
    """``workers`` processes running picklable module-level tasks, each with a deadline.

    ``initializer`` runs once in every new process (to import and warm the engine);
    ``recycle_after`` tasks later the process is replaced. ``start_method`` is
    ``forkserver`` by default: workers start from a clean process, never a copy of the
    threaded server (a fork would copy held locks and any client data in memory).
    """

    def __init__(self, workers: int = 2, *, initializer: Callable[[], None] | None = None,
                 recycle_after: int = 200, start_method: str | None = None,
                 logger: logging.Logger | None = None,
                 stall_limit: float = STALL_LIMIT) -> None:
        self.workers = workers
        self.stall_limit = stall_limit
        self._log = logger or log
        self.recycle_after = recycle_after
        self._initializer = initializer
        # Default: the fork server (see processes.pool_context: a fresh interpreter
        # where it cannot run).
        self._context = pool_context() if start_method is None else \
            multiprocessing.get_context(start_method)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        #: Workers that could not be started (the forkserver killed as it made them):
        #: started again on the next request.
        self._missing = 0
        #: Workers started in all (the first ``workers`` included): for tests and benchmarks.
        self.started = 0
        #: The workers' temporary folders live here (made when the pool starts, removed
        #: when it closes; see _scratch_folder).
        self._scratch: str | None = None

    # -------------------------------------------------------------- bookkeeping

    def _spawn(self) -> None:
        """Start one worker and make it available (call with ``_lock`` held); when it
        cannot be started (its forkserver was killed as it made it: multiprocessing
        starts a new one next time), it is counted missing, never raised to a request.

        The start runs in a thread given :data:`SPAWN_LIMIT` seconds: a fork server that
        does not answer is killed (the start then fails at once, and multiprocessing
        starts a new fork server for the next worker)."""
        made: list[_Worker] = []
        failed: list[BaseException] = []

        def start() -> None:
            try:
                made.append(_Worker(self._context, self._initializer,
                                    self.stall_limit / BEATS_PER_LIMIT, self._scratch))
            except BaseException as exc:  # said below, in the pool's own thread
                failed.append(exc)

        starter = threading.Thread(target=start, name="handouts-render-start", daemon=True)
        starter.start()
        starter.join(SPAWN_LIMIT)
        if starter.is_alive():
            stop_stuck_forkserver()
            starter.join(SPAWN_LIMIT)
            self._missing += 1
            self._log.warning("a renderer could not be started in %g s (the process that "
                              "starts them did not answer, and was restarted); trying "
                              "again on the next request", SPAWN_LIMIT)
            if made:  # it came after all: not a worker anyone can use now
                made[0].kill()
            return
        if failed:
            exc = failed[0]
            if not isinstance(exc, OSError | EOFError | ValueError | RuntimeError):
                raise exc
            self._missing += 1
            self._log.warning("a renderer could not be started (%s); trying again on the "
                              "next request", type(exc).__name__)
            return
        worker = made[0]
        self._all.add(worker)
        self.started += 1
        self._idle.put(worker)

    def _top_up(self) -> None:
        """Start again the workers that could not be started."""
        with self._lock:
            missing, self._missing = self._missing, 0
            for _ in range(0 if self._closed else missing):
                self._spawn()

    def _ensure_started(self) -> None:
        with self._lock:
            if self._closed:
                raise PoolError("the renderer is shutting down")
            if not self._started:
                self._started = True
                self._scratch = _scratch_folder()
                for _ in range(self.workers):
                    self._spawn()

    def _replace(self, worker: _Worker, *, kill: bool) -> None:
        """Take ``worker`` out (killed, or asked to exit) and start a fresh one."""
        with self._lock:
            closing = self._closed
            self._all.discard(worker)
            if not closing:
                self._spawn()
        # The owner sees it in the server's log (the kind only, as ever); not when the
        # pool itself is stopping its renderers (a normal stop read like a crash).
        if kill and not closing:
            self._log.warning("a renderer stopped (killed, crashed or too slow) and was replaced")
        worker.kill() if kill else worker.retire()

    def _take(self, end: float) -> _Worker:
        """An idle, live worker, waiting until ``end`` at most."""
        if self._missing:
            self._top_up()
        while True:
            if self._closed:  # never wait for a worker that will not come
                raise PoolError("the renderer is shutting down")
            remaining = end - time.monotonic()
            try:
                # In slices, so a wait notices the pool being closed.
                worker = self._idle.get(timeout=min(remaining, 0.5)) if remaining > 0 \
                    else self._idle.get_nowait()
            except queue.Empty:
                if remaining > 0.5:
                    continue
                raise Busy(BUSY) from None
            if worker.process.is_alive():
                return worker
            self._replace(worker, kill=True)  # died while idle (kill -9): never used

    # ------------------------------------------------------------------ the API

    def run(self, task: Callable[..., Any], *args: Any, deadline: float,
            run_limit: float | None = None) -> Any:
        """``task(*args)`` in a worker, answered within ``deadline`` seconds; the worker
        is stuck (killed, replaced) only when the task has run ``run_limit`` seconds
        (default: ``deadline``), however long the request waited for it.

        Raises :class:`Busy`, :class:`Stuck`, :class:`Died` or :class:`TaskFailed`
        (all :class:`PoolError`) instead of waiting longer.
        """
        self._ensure_started()
        limit = deadline if run_limit is None else run_limit
        end = time.monotonic() + deadline
        # A worker found dead is not the task's fault (kill -9 while idle is noticed
        # only when its pipe closes): try again, on each worker at most once more.
        attempts = self.workers + 1
        for attempt in range(attempts):
            worker = self._take(end)
            try:
                worker.conn.send((task, args))
                sent = time.monotonic()
                answer = self._answer(worker, min(end, sent + limit))
                if answer is None:
                    # The request's time is up, not the task's (it waited for a worker):
                    # a healthy worker is not killed for that.
                    if time.monotonic() - sent < limit - min(0.5, limit / 4):
                        self._finish_later(worker, sent + limit)
                        raise Busy(BUSY)
                    self._replace(worker, kill=True)
                    raise Stuck("the handout took too long to make and was stopped; "
                                "please try again")
                status, value = answer
            except (EOFError, OSError, _Stalled):
                self._replace(worker, kill=True)
                if attempt < attempts - 1 and end - time.monotonic() > 0:
                    continue  # killed from outside, most likely: again, on a fresh one
                raise Died("the renderer stopped unexpectedly; please try again") from None
            self._done(worker)
            if status == "error":
                raise TaskFailed(str(value))
            return value
        raise Died("the renderer stopped unexpectedly; please try again")  # pragma: no cover

    def _answer(self, worker: _Worker, stop: float) -> Any:
        """``worker``'s answer, read past its signs of life; None when ``stop`` (a
        monotonic time) comes first. Raises :class:`_Stalled` when it gives no sign of
        life for :attr:`stall_limit` seconds, and EOFError or OSError when it died."""
        alive = time.monotonic()
        while True:
            now = time.monotonic()
            if now >= stop:
                return None
            if now - alive >= self.stall_limit:
                raise _Stalled
            if worker.conn.poll(min(stop - now, alive + self.stall_limit - now)):
                message = worker.conn.recv()
                if message != BEAT:
                    return message
                alive = time.monotonic()

    def _done(self, worker: _Worker) -> None:
        """``worker`` answered: back to work, or retired after ``recycle_after`` tasks."""
        worker.tasks += 1
        if worker.tasks >= self.recycle_after:
            self._replace(worker, kill=False)
        else:
            self._idle.put(worker)

    def _finish_later(self, worker: _Worker, until: float) -> None:
        """Let ``worker`` finish a task its request no longer waits for: its answer is
        read and dropped (it may hold a client's PDF: never kept), then it goes back to
        work; not answered by ``until`` (its own limit), it is stuck and replaced."""
        def wait() -> None:
            try:
                if self._answer(worker, until) is not None:
                    self._done(worker)
                    return
            except (EOFError, OSError, _Stalled):
                pass
            self._replace(worker, kill=True)

        threading.Thread(target=wait, name="handouts-render-finish", daemon=True).start()

    def warm(self) -> int:
        """Start the workers now (and wait until each has run its initializer); how many
        got ready (the others were replaced)."""
        self._ensure_started()
        taken = [self._take(time.monotonic() + WARM_LIMIT) for _ in range(self.workers)]
        ready: list[_Worker] = []
        try:
            for worker in taken:
                worker.conn.send((_nothing, ()))
            end = time.monotonic() + WARM_LIMIT
            for worker in taken:
                # A worker that never gets ready (its start hung) is replaced, never
                # waited for without end.
                with contextlib.suppress(EOFError, OSError, _Stalled):
                    if self._answer(worker, end) is not None:
                        ready.append(worker)
        finally:
            for worker in taken:
                if worker in ready:
                    self._idle.put(worker)
                else:
                    self._replace(worker, kill=True)
        return len(ready)

    def pids(self) -> list[int]:
        """The live workers' process ids."""
        with self._lock:
            return [w.process.pid for w in self._all if w.process.pid is not None]

    def close(self) -> None:
        """Stop every worker: idle ones are asked to exit (so they clean up after
        themselves: the engine's temporary font folder), given :data:`RETIRE_GRACE`
        seconds in all; busy ones, and any still there then, are killed."""
        with self._lock:
            self._closed = True
            workers, self._all = list(self._all), set()
        idle: list[_Worker] = []
        with contextlib.suppress(queue.Empty):
            while True:
                idle.append(self._idle.get_nowait())
        for worker in idle:
            with contextlib.suppress(Exception):
                worker.conn.send(None)
        end = time.monotonic() + RETIRE_GRACE
        for worker in idle:
            worker.process.join(max(end - time.monotonic(), 0.0))
        for worker in workers:
            worker.kill()
        if self._scratch is not None:  # what killed workers left behind
            shutil.rmtree(self._scratch, ignore_errors=True)


def _nothing() -> None:
    """A task that does nothing (used to wait until a worker is ready)."""
