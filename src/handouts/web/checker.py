"""The library's badges: ``handouts check NAME`` for every handout, in the background.

A badge must say exactly what ``handouts check`` says about the handout, and that
check renders every version (page fit), which takes seconds. So it runs here, one
handout at a time, in its own low-priority worker process (never the desk's render
workers), once per project version; until a handout's result is in, its badge says
it is being checked rather than claiming anything. Checks read the project only,
never a client's details.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from handouts.commands.pool import PoolError, ProcessPool
from handouts.errors import Problem

log = logging.getLogger("handouts.web")

#: Seconds one handout's full check may take before it is given up (reported as such).
CHECK_DEADLINE = 600.0


def check_task(root: str, name: str) -> list[Problem]:
    """In the checker process: exactly what ``handouts check NAME`` reports."""
    from handouts.commands.check import check
    from handouts.errors import HandoutsError
    from handouts.project.load import load_project

    try:
        return list(check(load_project(Path(root), (name,))).problems)
    except HandoutsError as exc:
        return list(exc.problems)


def _start_checker() -> None:
    """Checker initializer: lowest CPU priority (the desk's renders come first)."""
    import os

    from handouts.web.workers import warm_up

    os.nice(19)
    warm_up()


class Checker:
    """Runs :func:`check_task` per handout in a background thread, newest version first."""

    def __init__(self, pool: ProcessPool | None = None) -> None:
        self._pool = pool or ProcessPool(1, initializer=_start_checker, recycle_after=50,
                                         logger=log)
        self._results: dict[tuple[str, str], list[Problem]] = {}
        self._wanted: tuple[str, str, tuple[str, ...]] | None = None
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stop = False

    def start(self, root: Path, loaded: Any) -> None:
        """Check every loadable handout of ``loaded`` (a new version replaces the old)."""
        if loaded.stale or loaded.project is None:
            return  # handouts.yaml has errors: the badges of the last good version stay
        with self._wake:
            self._wanted = (str(root), loaded.version, tuple(sorted(loaded.documents)))
            self._wake.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="handouts-checker",
                                                daemon=True)
                self._thread.start()

    def result(self, version: str, name: str) -> list[Problem] | None:
        """The check's problems for ``name`` at ``version`` (None: not checked yet)."""
        return self._results.get((version, name))

    def _next(self) -> tuple[str, str, str] | None:
        with self._wake:
            while not self._stop:
                if self._wanted is not None:
                    root, version, names = self._wanted
                    for name in names:
                        if (version, name) not in self._results:
                            return root, version, name
                self._wake.wait()
        return None

    def _run(self) -> None:
        while (job := self._next()) is not None:
            root, version, name = job
            try:
                problems = self._pool.run(check_task, root, name, deadline=CHECK_DEADLINE)
            except PoolError as exc:
                problems = [Problem(f"content/{name}.yaml", None, "",
                                    f"could not be checked: {exc}")]
            with self._wake:
                # Only the current version's results are kept (older ones are never shown).
                self._results = {k: v for k, v in self._results.items()
                                 if self._wanted is not None and k[0] == self._wanted[1]}
                self._results[(version, name)] = problems

    def close(self) -> None:
        """Stop checking and end the checker process."""
        with self._wake:
            self._stop = True
            self._wake.notify_all()
        self._pool.close()
