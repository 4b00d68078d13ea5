"""The time limit of one render (``defaults.render_timeout``), by a timer signal."""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class RenderTimeout(BaseException):
    """The render ran past its time limit (a BaseException so WeasyPrint cannot swallow it)."""


class TemplateTimeout(Exception):
    """A template took longer than :data:`TEMPLATE_SECONDS` to fill in (an Exception, so
    that Jinja points its traceback at the template's own line)."""


#: How long filling in a page's templates may take: milliseconds, normally. A loop
#: that runs for ever (``range(100000)`` in ``range(100000)``) held a desk worker until
#: the desk gave up, and ``handouts build`` for good (the render's own limit starts
#: after the HTML is made).
TEMPLATE_SECONDS = 10.0


@contextmanager
def template_time_limit(seconds: float | None = None) -> Iterator[None]:
    """Raise :class:`TemplateTimeout` in this (main) thread after ``seconds`` (default
    :data:`TEMPLATE_SECONDS`; inside a render's own limit, that limit alone holds)."""
    try:
        with time_limit(TEMPLATE_SECONDS if seconds is None else seconds, TemplateTimeout):
            yield
    except TemplateTimeout:
        _unlock_logging()
        raise


@contextmanager
def time_limit(seconds: float, raised: type[BaseException] = RenderTimeout) -> Iterator[None]:
    """Raise ``raised`` (:class:`RenderTimeout`) in this (main) thread after ``seconds``.

    Inside another limit (a timer already runs) this one sets none: the outer limit
    bounds this work too, and replacing its timer would lift it."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield  # signals only work in the main thread; workers run tasks there
        return
    if signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield
        return

    fired = False

    def expire(signum: int, frame: object) -> None:
        nonlocal fired
        fired = True
        raise raised

    def ignore_timeout(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, raised):
            return
        if fired and isinstance(unraisable.exc_value, ResourceWarning):
            return  # a file the interrupted code had open, closed as its frame unwinds
        previous_hook(unraisable)

    # If the alarm lands in a callback from C (Pango, cffi), Python cannot raise it
    # there and reports it as "unraisable"; so the timer repeats every 50 ms until the
    # exception lands in ordinary Python code, and those swallowed ones are not shown.
    # The alarm can also land between a file's ``open`` and the ``with`` that closes
    # it: a file only on the interrupted frame's stack is closed as that frame unwinds,
    # here, with a ResourceWarning that blames nothing but the interruption (raised as
    # "unraisable" where warnings are errors, as in the tests). After the alarm those
    # are not shown; before it they are real and go on as before.
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


def run_limited(seconds: float, call: Callable[[], T]) -> T | None:
    """``call()`` within ``seconds`` (:func:`time_limit`); None when the limit stopped
    it. Every render under the limit goes through here, so what an interrupted render
    held is always freed the same way (:func:`_release`)."""
    try:
        with time_limit(seconds):
            return call()
    except RenderTimeout as stopped:
        _release(stopped)
        return None


#: How many renders run now with the collector paused (threads: the desk's tests render
#: in request threads), and whether it ran before the first of them.
_PAUSED = {"depth": 0, "was_on": False}
_PAUSED_LOCK = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one PDF's work (a batch's version, a
    named copy, a home program: its layouts, however many fitting tries, and its
    write), then collect the young generation once.

    A render makes millions of short-lived objects; with the collector running, its
    young-generation passes kept walking the ones still alive (each layout's boxes)
    and took 6-8 % of a batch's CPU (1.4-1.8 s of 22 s on the example group).
    Reference counting still frees almost everything as it goes; what only the
    collector frees (cycles) waits for the end of the PDF, whose renders are each
    bounded by their time limit, and by then the layouts are gone: one young pass costs
    about half (peak memory 193-211 MB against 199-204 MB; 21.0-21.3 s of CPU against
    21.8-22.9 s). Nested and concurrent uses share one pause; the collector's state
    before the first is restored.
    """
    with _PAUSED_LOCK:
        if _PAUSED["depth"] == 0:
            _PAUSED["was_on"] = gc.isenabled()
            gc.disable()
        _PAUSED["depth"] += 1
    try:
        yield
    finally:
        with _PAUSED_LOCK:
            _PAUSED["depth"] -= 1
            resume = _PAUSED["depth"] == 0 and _PAUSED["was_on"]
            if resume:
                gc.enable()
        if resume:
            gc.collect(0)


def _release(stopped: RenderTimeout) -> None:
    """Free what a render stopped by its time limit held, quietly.

    The alarm lands anywhere: between a file's ``open`` and its ``with`` (WeasyPrint
    reading a stylesheet), say. Such a file is closed only when the interrupted frame
    is freed, with a ResourceWarning that blames nobody's code but the interruption
    (and that a test run turning warnings into errors pins on whatever test runs
    then). So the interrupted frames are freed here, with that warning silenced.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        seen: BaseException | None = stopped
        while seen is not None:
            seen.__traceback__ = None
            seen = seen.__context__
        gc.collect()
    _unlock_logging()


def _unlock_logging() -> None:
    """Release logging's global lock if the interrupted render left it held.

    Python 3.11's logging takes that lock without a ``finally`` in places (setting a
    level walks every logger under it), so an alarm landing there left it held by this
    thread for good: this thread went on, and every other thread that logged (the
    desk's requests, its file watcher) waited forever.
    """
    lock = getattr(logging, "_lock", None)
    owned = getattr(lock, "_is_owned", None)
    while owned is not None and owned():
        lock.release()  # type: ignore[union-attr]
