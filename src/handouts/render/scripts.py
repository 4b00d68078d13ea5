"""Writing systems: which font prints each script, and which languages read right to left.

The bundled Atkinson Hyperlegible covers Latin only. Other scripts are printed with
Noto Sans from Debian's ``fonts-noto-core`` and ``fonts-noto-cjk`` packages, read
from their fixed install paths (never whatever fontconfig finds): the renderer's
fetcher allows exactly these files (:func:`allowed_files`), the glyph check reads
their character maps, and the page declares them with ``@font-face``.

A language's own script font comes first in its page's font stack; any other
installed script font a page's text needs (a Chinese name in an English handout)
is added after the theme's fonts, so mixed text falls back character by character.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

from handouts.project.fonts import code_points

#: Where Debian installs the Noto fonts.
NOTO_TTF = Path("/usr/share/fonts/truetype/noto")
NOTO_OTF = Path("/usr/share/fonts/opentype/noto")
#: Added to the family name in the page, so an installed font of the same name can
#: never stand in for the file we declare.
FAMILY_SUFFIX = " handouts"
#: Languages written right to left (primary subtag).
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb"})


@dataclass(frozen=True)
class ScriptFont:
    """A font for one script: its CSS family, files by weight, and Debian package."""

    script: str
    family: str
    #: (CSS weight, file, face index in a collection).
    files: tuple[tuple[int, Path, int], ...]
    package: str
    #: Languages (primary subtags) whose pages put this font first.
    languages: tuple[str, ...]

    @property
    def css_family(self) -> str:
        """The family name used in the page (see :data:`FAMILY_SUFFIX`)."""
        return self.family + FAMILY_SUFFIX

    @property
    def installed(self) -> bool:
        """Whether the regular file is on this machine."""
        return self.files[0][1].is_file()

    def cmap(self) -> frozenset[int]:
        """Code points the regular face has (empty when not installed)."""
        return _cmap(self.files[0][1], self.files[0][2]) if self.installed else frozenset()


def _noto(name: str) -> tuple[tuple[int, Path, int], ...]:
    return ((400, NOTO_TTF / f"{name}-Regular.ttf", 0), (700, NOTO_TTF / f"{name}-Bold.ttf", 0))


#: The script fonts, in fallback order. The CJK collection's face 2 is "Noto Sans CJK
#: SC"; every face of it has the same glyphs, and the regional forms (SC/TC/KR/JP) are
#: chosen by the page's ``lang`` through the font's ``locl`` feature, so one face
#: serves Chinese, Japanese and Korean. Its bold collection is declared too (20.05 MB,
#: read although over the fetcher's limit, as these exact files are trusted): without
#: it every heading and bold word of a Chinese page printed in the regular weight (the
#: renderer does not embolden). It adds about 0.3 s to a process's first CJK page.
SCRIPT_FONTS: tuple[ScriptFont, ...] = (
    ScriptFont("Latin, Cyrillic, Greek, Vietnamese", "Noto Sans", _noto("NotoSans"),
               "fonts-noto-core", ("ru", "uk", "bg", "sr", "el", "vi", "be", "kk", "mk")),
    ScriptFont("Arabic", "Noto Sans Arabic", _noto("NotoSansArabic"), "fonts-noto-core",
               ("ar", "fa", "ur", "ps", "sd", "ug", "ckb")),
    ScriptFont("Hebrew", "Noto Sans Hebrew", _noto("NotoSansHebrew"), "fonts-noto-core",
               ("he", "yi")),
    ScriptFont("Devanagari", "Noto Sans Devanagari", _noto("NotoSansDevanagari"),
               "fonts-noto-core", ("hi", "mr", "ne", "sa")),
    ScriptFont("Thai", "Noto Sans Thai", _noto("NotoSansThai"), "fonts-noto-core", ("th",)),
    ScriptFont("CJK (Chinese, Japanese, Korean)", "Noto Sans CJK",
               ((400, NOTO_OTF / "NotoSansCJK-Regular.ttc", 2),
                (700, NOTO_OTF / "NotoSansCJK-Bold.ttc", 2)), "fonts-noto-cjk",
               ("zh", "ja", "ko")),
)


def primary(language: str) -> str:
    """``zh-Hant`` → ``zh``, ``pt_BR`` → ``pt``."""
    return language.replace("_", "-").split("-")[0].lower()


def is_rtl(language: str) -> bool:
    """Whether ``language`` is written right to left."""
    return primary(language) in RTL_LANGUAGES


def font_for(language: str) -> ScriptFont | None:
    """The script font a page in ``language`` puts first, if its script needs one."""
    return next((f for f in SCRIPT_FONTS if primary(language) in f.languages), None)


def installed_fonts() -> tuple[ScriptFont, ...]:
    """The script fonts installed on this machine."""
    return tuple(f for f in SCRIPT_FONTS if f.installed)


def allowed_files() -> tuple[Path, ...]:
    """Exactly the script font files the renderer may read (installed or not)."""
    return tuple(path for font in SCRIPT_FONTS for _, path, _ in font.files)


def face_rules(font: ScriptFont) -> list[tuple[str, str, int]]:
    """(family, file URL, weight) of each installed file of ``font``."""
    return [(font.css_family, path.as_uri(), weight) for weight, path, _ in font.files
            if path.is_file()]


@lru_cache(maxsize=16)
def _cmap(path: Path, index: int) -> frozenset[int]:
    """The character map of face ``index`` of ``path`` (a collection or a single font)."""
    try:
        with path.open("rb") as handle, TTFont(handle, lazy=True, fontNumber=index) as font:
            return code_points(font) or frozenset()
    except Exception:  # a damaged system font covers nothing; doctor reports it
        return frozenset()


def font_of(ch: str) -> ScriptFont | None:
    """The first script font (installed or not) whose script is the one of ``ch``.

    Used to name the Debian package for a character no installed font has.
    """
    from fontTools import unicodedata as ucd

    code = ucd.script(ch)
    by_script = {"Arab": "Arabic", "Hebr": "Hebrew", "Deva": "Devanagari", "Thai": "Thai",
                 "Hani": "CJK", "Hira": "CJK", "Kana": "CJK", "Hang": "CJK", "Bopo": "CJK",
                 "Cyrl": "Latin", "Grek": "Latin", "Latn": "Latin"}
    name = by_script.get(code)
    return next((f for f in SCRIPT_FONTS if name and f.script.startswith(name)), None)


__all__ = ["RTL_LANGUAGES", "SCRIPT_FONTS", "ScriptFont", "allowed_files", "face_rules",
           "font_for", "font_of", "installed_fonts", "is_rtl", "primary"]
