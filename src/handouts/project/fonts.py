"""Font files of a project (``fonts:`` in handouts.yaml) and of the theme: what they hold.

Read with fontTools and cached per file version: the character map (which
characters a font can draw), and the family and weight it declares.
"""

from __future__ import annotations

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
    return frozenset(_open_font(path)[0])


@lru_cache(maxsize=64)
def _font_names(path: Path, mtime_ns: int, size: int) -> tuple[str, int]:
    return _open_font(path)[1:]


def _open_font(path: Path) -> tuple[dict[int, str], str, int]:
    """(cmap, family name, CSS weight 400/700) read with fontTools."""
    try:
        # Our own handle: TTFont leaves the file open when the header is not a font's.
        with path.open("rb") as handle, TTFont(handle, lazy=True) as font:
            cmap = font.getBestCmap()
            if cmap is None:
                raise ValueError("it has no character map")
            name = font["name"]
            family = str(name.getDebugName(16) or name.getDebugName(1) or path.stem)
            weight = 700 if "OS/2" in font and font["OS/2"].usWeightClass >= 600 else 400
            return dict(cmap), family, weight
    except Exception as exc:
        # fontTools raises many kinds of errors for a damaged file (TTLibError, KeyError,
        # struct.error, AssertionError, ImportError for woff2 without brotli): one for all.
        raise ValueError(f"cannot be read as a font ({exc or type(exc).__name__})") from exc


def font_info(path: Path) -> tuple[str, int]:
    """The family name and CSS weight (400 or 700) recorded in the font file."""
    stat = path.stat()
    return _font_names(path.resolve(), stat.st_mtime_ns, stat.st_size)
