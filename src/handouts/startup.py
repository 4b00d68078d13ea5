"""Start-up without the garbage collector walking what is being imported.

A cold ``handouts build`` imports about 1,500 modules (handouts, pydantic, Jinja,
Babel, then WeasyPrint and its C bindings) before its first page. Imports allocate
many long-lived objects and make almost no garbage, but Python's collector runs on
allocation counts: while they are imported it walks everything imported so far again
and again, about 60-70 ms of a 0.78 s build (``benchmarks/startup.py``).

So collection is paused while a command starts and while WeasyPrint is imported, and
what was imported is then frozen (:func:`gc.freeze`): later collections skip it, as
``handouts.render.runner.settle`` already does for render loops. Collection is never
left off: every command turns it back on once its modules are imported (when its
project is loaded, or by itself when it loads none; ``tests/test_startup.py`` runs
each command), and importing the engine does too. Only the console entry point
pauses it (:func:`pause`); a program that imports handouts as a library keeps its own
collector settings, save that the engine's import is frozen (:func:`importing`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Whether :func:`pause` turned collection off and nothing has turned it back on.
_paused = False


def pause() -> None:
    """Pause collection while a command imports what it needs (the console entry point
    only; :func:`resume` ends it)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """End the pause of :func:`pause`, if any: freeze what was imported (later
    collections skip it) and collect again from here on."""
    global _paused
    if _paused:
        gc.freeze()
        gc.enable()
        _paused = False


@contextmanager
def importing() -> Iterator[None]:
    """Import a large library inside the block without collections, then freeze it.

    Ends a start-up :func:`pause` too: what comes after an import of the engine is
    rendering, which makes garbage.
    """
    enabled = gc.isenabled()  # as the caller had it (off during a pause: resume() ends that)
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        resume()
        if enabled:
            gc.enable()
