"""WeasyPrint, imported with its C libraries opened by their Linux names at once.

WeasyPrint opens GObject, Pango, HarfBuzz and fontconfig trying each under every
platform's name in turn (``libpango-1.0-0``, ``pango-1.0-0``, ``pango-1.0``, then the
Linux soname ``libpango-1.0.so.0``). cffi hands every name that ``dlopen`` cannot open
to ``ctypes.util.find_library``, which on Linux runs ``ldconfig -p``, then ``gcc`` and
``ld`` when they are installed, to look for it: about twenty subprocesses, 0.2-0.4 s
at the start of every process that renders (a build, each batch and desk worker), as
long as laying out a page.

While WeasyPrint is imported, ``find_library`` answers "not found" at once: the names
that reach it are the other platforms' and are not found anyway, and the soname is
then opened by ``dlopen`` itself, searching where it always does (``LD_LIBRARY_PATH``,
the linker cache, the system folders). Other systems import WeasyPrint unchanged.
Every module of :mod:`handouts.render.engine` that imports WeasyPrint imports this
module first; ``tests/test_engine_internals.py`` checks that importing the engine
starts no process and still opens every library (HarfBuzz's subsetter included).
"""

from __future__ import annotations

import ctypes.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from handouts.startup import importing


@contextmanager
def sonames_only() -> Iterator[None]:
    """``ctypes.util.find_library`` finds nothing while the block runs (on Linux)."""
    if not sys.platform.startswith("linux"):
        yield
        return
    real = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = real


if "weasyprint" not in sys.modules:
    # Without collections while it loads (see handouts.startup): about 30 ms.
    with sonames_only(), importing():
        import weasyprint  # noqa: F401  (the import is what this module is for)
