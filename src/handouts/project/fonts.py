"""Font files of a project (``fonts:`` in handouts.yaml) and of the theme: what they hold.

Read with fontTools and cached per file version: the character map (which
characters a font can draw), and the family and weight it declares.
"""

from __future__ import annotations

import struct
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

#: Font files ``fonts:`` accepts (what fontTools reads and WeasyPrint embeds).
FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")


def read_cmap(path: Path) -> frozenset[int]:
    """The code points ``path`` has glyphs for; raises ValueError if it is not a font.

    Cached per file version: a CJK font's map has tens of thousands of entries.
    """
    stat = path.stat()
    return _read_cmap(path.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _read_cmap(path: Path, mtime_ns: int, size: int) -> frozenset[int]:
    return _open_font(path)[0]


#: The character map a font is read by, in fontTools' ``getBestCmap`` order: Unicode
#: full repertoire first, then the BMP (Windows and Unicode platforms).
CMAP_PREFERENCES = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))


def code_points(font: TTFont) -> frozenset[int] | None:
    """The code points of ``font``'s best character map (None: it has none), the keys
    of fontTools' ``getBestCmap()``.

    Read from the table's bytes for the two formats fonts use (4 and 12): fontTools
    maps each glyph to its name, which means parsing a CJK font's whole CFF charset
    (about 0.15 s of every worker's first Chinese page) for names nobody reads here.
    Any other format is left to fontTools.
    """
    if "cmap" not in font.reader:
        return None
    found = table_code_points(font.reader["cmap"])
    if found is not None:
        return found
    cmap = font.getBestCmap()
    return None if cmap is None else frozenset(cmap)


def table_code_points(data: bytes) -> frozenset[int] | None:
    """Formats 4 and 12 of the preferred subtable of a ``cmap`` table's bytes, exactly as
    fontTools reads them; None for anything else (another format, a damaged table)."""
    try:
        count = struct.unpack_from(">H", data, 2)[0]
        offsets: dict[tuple[int, int], int] = {}
        for i in range(count):
            platform, encoding, offset = struct.unpack_from(">HHL", data, 4 + 8 * i)
            offsets.setdefault((platform, encoding), offset)
        offset = next((offsets[key] for key in CMAP_PREFERENCES if key in offsets), None)
        if offset is None:
            return None
        points: set[int] = set()
        kind = struct.unpack_from(">H", data, offset)[0]
        if kind == 12:
            groups = struct.unpack_from(">L", data, offset + 12)[0]
            for start, end, _ in struct.iter_unpack(
                    ">LLL", data[offset + 16:offset + 16 + 12 * groups]):
                if end - start > 0x10FFFF:
                    return None  # damaged: let fontTools say what it makes of it
                points.update(range(start, end + 1))
            return frozenset(points)
        if kind == 4:
            segments = struct.unpack_from(">H", data, offset + 6)[0] // 2
            ends = struct.unpack_from(f">{segments}H", data, offset + 14)
            starts = struct.unpack_from(f">{segments}H", data, offset + 16 + 2 * segments)
            # fontTools leaves out the last segment (the 0xFFFF that ends the table).
            for start, end in zip(starts[:-1], ends[:-1], strict=True):
                points.update(range(start, end + 1))
            return frozenset(points)
    except struct.error:
        return None
    return None


@lru_cache(maxsize=64)
def _font_names(path: Path, mtime_ns: int, size: int) -> tuple[str, int]:
    return _open_font(path)[1:]


def _open_font(path: Path) -> tuple[frozenset[int], str, int]:
    """(code points, family name, CSS weight 400/700) read with fontTools."""
    try:
        # Our own handle: TTFont leaves the file open when the header is not a font's.
        with path.open("rb") as handle, TTFont(handle, lazy=True) as font:
            cmap = code_points(font)
            if cmap is None:
                raise ValueError("it has no character map")
            name = font["name"]
            family = str(name.getDebugName(16) or name.getDebugName(1) or path.stem)
            weight = 700 if "OS/2" in font and font["OS/2"].usWeightClass >= 600 else 400
            return cmap, family, weight
    except Exception as exc:
        # fontTools raises many kinds of errors for a damaged file (TTLibError, KeyError,
        # struct.error, AssertionError, ImportError for woff2 without brotli): one for all.
        raise ValueError(f"cannot be read as a font ({exc or type(exc).__name__})") from exc


def font_info(path: Path) -> tuple[str, int]:
    """The family name and CSS weight (400 or 700) recorded in the font file."""
    stat = path.stat()
    return _font_names(path.resolve(), stat.st_mtime_ns, stat.st_size)
