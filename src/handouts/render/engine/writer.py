"""pydyf, WeasyPrint's PDF writer, made faster without changing what a PDF holds.

Four changes, each applied once when this module is imported (by
:mod:`handouts.render.engine.pdf`, before anything is written), each measured on a
13-page home program and the example batch (docs/benchmarks-serve.md):

* every object is serialised and compressed once per write, not twice
  (:func:`serialise_once`);
* the tuple of every page's reference is built once per page count
  (:func:`page_references_once`);
* streams are compressed at zlib's default level, not 9
  (:func:`compress_at_default_level`): the one change that changes bytes, once;
* numbers become bytes by their exact type first (:func:`numbers_by_type`).

pyproject.toml pins the pydyf versions tested; ``tests/test_engine_internals.py``
compares the bytes each change writes with pydyf's own.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from typing import Any

import pydyf

# ------------------------------------------------------- serialising a PDF once

#: Set while this thread is inside ``pydyf.PDF.write``: only then is an object's
#: serialised form kept (with the objects that keep one, to forget it afterwards).
_WRITING = threading.local()


def serialise_once() -> None:
    """Make WeasyPrint's PDF writer (pydyf) serialise and compress each object once.

    With a file identifier (handouts gives one, so that a build is byte-identical to
    the last), ``pydyf.PDF.write`` serialises every object a second time to hash it:
    every page's content stream and the tag tree's object stream are compressed twice,
    about a tenth of a home program's time. Within a write, nothing changes an object
    after its first serialisation, so the second reads the first; outside a write
    nothing is kept. The bytes written are the same
    (``tests/test_engine_internals.py`` compares them).
    """
    if getattr(pydyf.PDF.write, "_handouts_once", False):
        return
    for cls in (pydyf.Stream, pydyf.Dictionary, pydyf.Array):
        cls.data = property(_kept(cls.data.fget))  # type: ignore[method-assign]
    write = pydyf.PDF.write

    def write_once(self: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(_WRITING, "kept", None) is not None:  # a write inside a write
            return write(self, *args, **kwargs)
        _WRITING.kept = []
        try:
            return write(self, *args, **kwargs)
        finally:
            for obj in _WRITING.kept:
                obj.__dict__.pop("_handouts_data", None)
            _WRITING.kept = None

    write_once._handouts_once = True  # type: ignore[attr-defined]
    write_once.__wrapped__ = write  # type: ignore[attr-defined]
    pydyf.PDF.write = write_once  # type: ignore[method-assign]


def _kept(serialise: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
    def data(self: Any) -> bytes:
        kept = getattr(_WRITING, "kept", None)
        if kept is None:
            return serialise(self)
        found = self.__dict__.get("_handouts_data")
        if found is None:
            found = self.__dict__["_handouts_data"] = serialise(self)
            kept.append(self)
        return found
    return data


serialise_once()


def page_references_once() -> None:
    """Make ``pydyf.PDF.page_references`` build its tuple once per page count.

    WeasyPrint's tag tree asks it for every element it tags (thousands per page), and
    pydyf builds a new tuple of every page's reference each time: quadratic in the
    pages, about 10 ms of a 13-page home program. Pages are only ever appended, so the
    tuple is kept until the count changes. The bytes written are the same
    (``tests/test_engine_internals.py``).
    """
    build = pydyf.PDF.page_references.fget
    if getattr(build, "_handouts_once", False):
        return

    def page_references(self: Any) -> tuple[bytes, ...]:
        kids = self.pages["Kids"]
        kept = self.__dict__.get("_handouts_pages")
        if kept is None or kept[0] is not kids or kept[1] != len(kids):
            kept = self.__dict__["_handouts_pages"] = (kids, len(kids), build(self))
        return kept[2]

    page_references._handouts_once = True  # type: ignore[attr-defined]
    page_references.__wrapped__ = build  # type: ignore[attr-defined]
    pydyf.PDF.page_references = property(page_references)  # type: ignore[method-assign]


page_references_once()


# ------------------------------------------------------- compressing streams

#: The zlib level of a PDF's compressed streams (zlib's own default).
STREAM_LEVEL = 6


class _StreamZlib:
    """zlib as pydyf sees it, with its streams compressed at :data:`STREAM_LEVEL`."""

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level: int = -1, *args: Any, **kwargs: Any) -> Any:
        """``zlib.compressobj`` at :data:`STREAM_LEVEL` at most."""
        return zlib.compressobj(min(level, STREAM_LEVEL), *args, **kwargs)


def compress_at_default_level() -> None:
    """Compress every stream of a PDF at zlib's default level, not pydyf's level 9.

    Level 9 spends its time on the most repetitive stream: the tag tree, in one object
    stream of every tagged PDF. On a 13-page home program that stream (208 KB) took
    17 ms at level 9 and 4 ms at level 6; over the whole packet level 6 writes it 21 ms
    sooner (295 -> 274 ms) for 1.9 % more bytes, and five named copies 10 ms sooner for
    1.4 % more (docs/benchmarks-serve.md). Still deterministic: the same input
    gives the same bytes.
    """
    if not isinstance(pydyf.zlib, _StreamZlib):
        pydyf.zlib = _StreamZlib()  # type: ignore[assignment]


compress_at_default_level()


# ------------------------------------------------------- numbers and names as bytes

def _float_bytes(item: float) -> bytes:
    # pydyf's own rule, kept exactly: whole numbers without a point, others with at
    # most six decimals and no trailing zeros.
    if item.is_integer():
        return str(int(item)).encode("ascii")
    return f"{item:f}".rstrip("0").encode("ascii")


#: Serialised floats of this process (coordinates, widths and colours repeat across
#: pages and documents). Bounded: cleared when full.
_FLOATS: dict[float, bytes] = {}
_FLOATS_KEPT = 50_000


def pdf_bytes(item: Any) -> bytes:
    """``pydyf._to_bytes``, dispatched on the exact type first: the same bytes."""
    kind = type(item)
    if kind is bytes:
        return item
    if kind is float:
        found = _FLOATS.get(item)
        if found is None:
            if len(_FLOATS) >= _FLOATS_KEPT:
                _FLOATS.clear()
            found = _FLOATS[item] = _float_bytes(item)
        return found
    if kind is int or kind is str:
        return str(item).encode("ascii")
    # Subclasses and PDF objects: pydyf's own order of tests.
    if isinstance(item, bytes):
        return item
    if isinstance(item, float):
        return _float_bytes(item)
    if isinstance(item, pydyf.Object):
        return item.data
    return str(item).encode("ascii")


def numbers_by_type() -> None:
    """Make pydyf turn numbers into bytes without its chain of ``isinstance`` tests.

    Every drawing operator's operand and every key and value of the tag tree goes
    through ``pydyf._to_bytes``: about 26,000 calls to write a tracking sheet, over a
    quarter of the write's time. Testing the exact type first (and keeping the bytes of
    floats already seen) gives the same bytes (``tests/test_engine_internals.py``
    compares them with pydyf's own on every kind of value and on a whole PDF).
    """
    if pydyf._to_bytes is not pdf_bytes:
        pdf_bytes.__wrapped__ = pydyf._to_bytes  # type: ignore[attr-defined]
        # Through the module's namespace: the name is pydyf's, not one handouts defines.
        vars(pydyf)["_to_bytes"] = pdf_bytes


numbers_by_type()
