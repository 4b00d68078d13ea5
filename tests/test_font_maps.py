"""A font's character map read from the table's bytes (project/fonts.py: code_points)
is exactly fontTools' ``getBestCmap()``: the glyph check and the page's font stack
depend on it, and it is what every worker reads first."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.ttLib import TTFont

from handouts.paths import THEME_DIR
from handouts.project.fonts import code_points, table_code_points
from handouts.render.scripts import SCRIPT_FONTS

FONT_FILES = [(path, index) for font in SCRIPT_FONTS for _, path, index in font.files
              if path.is_file()] + [(p, 0) for p in sorted((THEME_DIR / "fonts").glob("*.ttf"))]


def _best(font: TTFont) -> frozenset[int] | None:
    cmap = font.getBestCmap()
    return None if cmap is None else frozenset(cmap)


@pytest.mark.parametrize(("path", "index"), FONT_FILES, ids=lambda v: getattr(v, "name", v))
def test_installed_fonts_read_as_fonttools_reads_them(path: Path, index: int) -> None:
    with TTFont(path, lazy=True, fontNumber=index) as font:
        assert table_code_points(font.reader["cmap"]) is not None  # the fast path was taken
        fast = code_points(font)
    with TTFont(path, lazy=True, fontNumber=index) as font:
        assert fast == _best(font)


def _built(mapping: dict[int, str], subtables: list[tuple[int, int, int]] | None = None) -> TTFont:
    """A TrueType font drawing nothing, with ``mapping`` as its character map (formats
    4 and 12 chosen by fontTools, or the (format, platform, encoding) given)."""
    names = [".notdef", *sorted(set(mapping.values()))]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap(mapping)
    if subtables is not None:
        from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

        tables = []
        for kind, platform, encoding in subtables:
            table = CmapSubtable.newSubtable(kind)
            table.platformID, table.platEncID, table.language = platform, encoding, 0
            table.cmap = dict(mapping)
            tables.append(table)
        builder.font["cmap"].tables = tables
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    builder.setupGlyf({name: TTGlyphPen(None).glyph() for name in names})
    builder.setupHorizontalMetrics({name: (500, 0) for name in names})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Test", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    data = io.BytesIO()
    builder.save(data)
    data.seek(0)
    return TTFont(data, lazy=True)


@pytest.mark.parametrize("mapping", [
    {0x41: "A", 0x42: "B", 0x43: "C", 0xE9: "eacute", 0x3000: "space", 0xFFFD: "repl"},
    {0x41: "A", 0x1F600: "smile", 0x20000: "han", 0x20001: "han2", 0x10FFFD: "last"},
    {0x41: "A", 0x43: "A", 0x45: "A"},  # one glyph for several characters, with gaps
], ids=["bmp-format-4", "astral-format-12", "shared-glyph"])
def test_built_fonts_read_as_fonttools_reads_them(mapping: dict[int, str]) -> None:
    font = _built(mapping)
    assert code_points(font) == _best(_built(mapping)) == frozenset(mapping)


def test_a_font_with_no_usable_map_has_none_and_other_formats_are_left_to_fonttools(
) -> None:
    # A symbol font's (3, 0) map is not one fontTools' getBestCmap reads: none.
    symbol = _built({0xF041: "A"}, [(4, 3, 0)])
    assert code_points(symbol) is None and _best(_built({0xF041: "A"}, [(4, 3, 0)])) is None
    # Format 6 (a trimmed table) is not read from bytes here: fontTools reads it.
    trimmed = _built({0x41: "A", 0x42: "B"}, [(6, 3, 1)])
    assert table_code_points(trimmed.reader["cmap"]) is None
    assert code_points(trimmed) == frozenset({0x41, 0x42})


def test_a_damaged_table_is_left_to_fonttools() -> None:
    assert table_code_points(b"\x00\x00\x00\x05") is None  # five records promised, none there
