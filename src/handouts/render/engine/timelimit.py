"""The time limit of one render (``defaults.render_timeout``), by a timer signal."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class RenderTimeout(BaseException):
    """The render ran past its time limit (a BaseException so WeasyPrint cannot swallow it)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`RenderTimeout` in this (main) thread after ``seconds``."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield  # signals only work in the main thread; workers run tasks there
        return

    def expire(signum: int, frame: object) -> None:
        raise RenderTimeout

    def ignore_timeout(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, RenderTimeout):
            previous_hook(unraisable)

    # If the alarm lands in a callback from C (Pango, cffi), Python cannot raise it
    # there and reports it as "unraisable"; so the timer repeats every 50 ms until the
    # exception lands in ordinary Python code, and those swallowed ones are not shown.
    previous_hook = sys.unraisablehook
    sys.unraisablehook = ignore_timeout
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.unraisablehook = previous_hook

