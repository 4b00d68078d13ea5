"""The fonts of a page: ``@font-face`` rules and the font-family stack.

The theme's fonts (from its stylesheet), the project's own (``fonts:``) and, when a
page's text needs them, Debian's Noto script fonts (:mod:`handouts.render.scripts`).
The glyph check (:mod:`handouts.checks.glyphs`) uses the same reading of what a
page prints, so what it accepts is what the page can draw.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from babel import UnknownLocaleError
from babel.dates import format_date

from handouts.project import markdown
from handouts.project.config import AudienceText, Clinic, FontEntry, Project
from handouts.project.content import Handout
from handouts.project.fonts import font_info, read_cmap
from handouts.render import scripts
from handouts.render.theme import THEME_DIR, FontFace, stylesheet_path
from handouts.variants.clients import Client

#: Added to a project font's family name in the page's CSS, so that a font installed
#: on the machine under the same name can never stand in for the project's file.
FAMILY_SUFFIX = " handouts"


_FONT_FACE = re.compile(r"@font-face\s*\{([^}]*)\}", re.IGNORECASE)


_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)", re.IGNORECASE)


_FAMILY = re.compile(r"font-family\s*:\s*(['\"]?)([^;'\"]+)\1", re.IGNORECASE)


_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def theme_fonts(stylesheet: Path) -> list[tuple[str, Path]]:
    """(family, file) of every ``@font-face`` in the theme stylesheet, in order."""
    stat = stylesheet.stat()
    return list(_theme_fonts(stylesheet, stat.st_mtime_ns))


@lru_cache(maxsize=16)
def _theme_fonts(stylesheet: Path, mtime_ns: int) -> tuple[tuple[str, Path], ...]:
    text = _COMMENT.sub("", stylesheet.read_text(encoding="utf-8"))
    found: list[tuple[str, Path]] = []
    for rule in _FONT_FACE.finditer(text):
        family = _FAMILY.search(rule.group(1))
        for url in _URL.finditer(rule.group(1)):
            if ":" in url.group(2):  # data: or remote: not the theme's own files
                continue
            path = stylesheet.parent / url.group(2)
            if not path.exists() and stylesheet.parent != THEME_DIR:
                # A copied theme stylesheet in templates/ uses the theme's fonts, as the
                # renderer's fetcher does for a file missing from the override folder.
                path = THEME_DIR / url.group(2)
            if path.is_file():  # a missing file is reported by the renderer
                found.append((family.group(2).strip() if family else "", path))
    return tuple(found)


@dataclass(frozen=True)
class ProjectFont:
    """One entry of ``fonts:`` with the defaults filled in from the font file."""

    index: int
    path: Path
    file: str
    family: str
    weight: int
    languages: tuple[str, ...]


def project_fonts(root: Path, entries: Iterable[FontEntry]) -> list[ProjectFont]:
    """The validated ``fonts:`` entries, with family and weight read from the file if unset.

    A file gone or no longer a font since ``handouts.yaml`` was validated (deleted or
    half-copied while the desk runs on its last good settings) is left out: the pages
    that need it are refused for their missing characters, every other page prints (a
    missing font stopped every page, in every language)."""
    out: list[ProjectFont] = []
    for i, entry in enumerate(entries):
        path = root / entry.file
        try:
            family, weight = font_info(path)
            read_cmap(path)
        except (OSError, ValueError):
            continue
        out.append(ProjectFont(i, path, entry.file, entry.family or family,
                               entry.weight or weight, tuple(entry.languages or ())))
    return out


def page_fonts(project: Project, language: str,
               text: str = "") -> tuple[tuple[FontFace, ...], tuple[str, ...]]:
    """The ``@font-face`` rules and font-family stack of a page in ``language``.

    Fonts for the language come first (a CJK font's own Latin matches its ideographs):
    the project's, then the installed script font of the language's writing system
    (:mod:`handouts.render.scripts`); then the theme's families, then the project's fallbacks
    for every language, then any other installed script font that ``text`` (all the
    page prints) needs, so a Chinese name in an English handout is printed, character
    by character, in the CJK font. Without project fonts, for a language the theme's
    fonts print, nothing changes: the theme's stylesheet alone decides.
    """
    fonts = project_fonts(project.root, project.config.fonts)
    own = [f for f in fonts if f.languages and language in f.languages]
    fallback = [f for f in fonts if not f.languages]
    theme_families = theme_fonts(stylesheet_path(project.templates_dir))
    script = scripts.font_for(language)
    first = [script] if script is not None and script.installed else []
    covered: set[int] = set()
    for _, path in theme_families:
        try:
            covered |= read_cmap(path)
        except ValueError:
            continue
    for font in [*own, *fallback]:
        covered |= read_cmap(font.path)
    for font in first:
        covered |= font.cmap()
    extra: list[scripts.ScriptFont] = []
    needed = {ord(ch) for ch in printed(text)} - covered
    for font in scripts.installed_fonts():
        if needed and font not in first and needed & font.cmap():
            extra.append(font)
            needed -= font.cmap()
    if not fonts and not first and not extra:
        return (), ()
    faces = tuple(FontFace(css_family(f), quote(f.file), f.weight) for f in own) + \
        tuple(FontFace(*rule) for font in first for rule in scripts.face_rules(font)) + \
        tuple(FontFace(css_family(f), quote(f.file), f.weight) for f in fallback) + \
        tuple(FontFace(*rule) for font in extra for rule in scripts.face_rules(font))
    stack = [css_family(f) for f in own] + [f.css_family for f in first] + \
        [family for family, _ in theme_families] + [css_family(f) for f in fallback] + \
        [f.css_family for f in extra]
    return faces, tuple(dict.fromkeys(s for s in stack if s))


def page_text(handout: Handout, clinic: Clinic, audience: AudienceText | None = None,
              client: Client | None = None) -> str:
    """Everything a page prints, in one string, to choose its fonts (kept in memory only:
    it may hold a client's details)."""
    parts = [text for _, text in printed_fields(handout)]
    address = clinic.address.one_line(clinic.phone_region)
    parts += [str(v) for v in (clinic.name, clinic.tagline, clinic.disclaimer, clinic.phone_display,
                               clinic.email, clinic.website, address) if v]
    if audience is not None:
        parts += [audience.label or "", audience.description or ""]
    if client is not None:
        parts += [client.name or "", client.note or "", client.therapist or ""]
    return "\n".join(parts)


def css_family(font: ProjectFont) -> str:
    """The family name a project font gets in the page: ``Noto Sans SC handouts``.

    WeasyPrint writes it, unescaped, into the PDF's font names, where brackets,
    slashes and non-ASCII letters would corrupt the file: only ASCII letters, digits,
    spaces and dashes are kept.
    """
    clean = " ".join(re.sub(r"[^0-9A-Za-z -]", " ", font.family).split())
    return (clean or f"font {font.index + 1}") + FAMILY_SUFFIX


#: Characters that select or join glyphs but are not drawn themselves.
_INVISIBLE = {0x034F, 0x180E, 0x2060, 0xFEFF} | set(range(0xFE00, 0xFE10)) | \
    set(range(0xE0100, 0xE01F0)) | set(range(0x180B, 0x1810))


def printed(text: str, *, private_use: bool = False) -> Iterator[str]:
    """The characters of ``text`` that need a glyph (not spaces, controls or joiners).

    Private-use and unassigned code points print as a box unless a font has them;
    ``private_use`` counts them (a client's details: a desk must never print a wrong
    name). Content does not count them yet: a project that built with them, with the
    engine's warning, keeps building.
    """
    skipped = ("Cc", "Cf", "Zs", "Zl", "Zp", "Cs") if private_use else \
        ("Cc", "Cf", "Zs", "Zl", "Zp", "Cs", "Co", "Cn")
    for ch in text:
        if ch.isspace() or ord(ch) in _INVISIBLE:
            continue
        if unicodedata.category(ch) in skipped:
            continue
        yield ch


def _shown(text: str, is_markdown: bool) -> str:
    """The text as printed: Markdown rendered (curly quotes, dashes), markup removed."""
    if not is_markdown:
        return text
    return html.unescape(re.sub(r"<[^>]*>", "", markdown.render_inline(text)))


def printed_fields(handout: Handout) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every field of ``handout`` printed on the page (not alt text or PDF metadata)."""
    yield ("title",), handout.title
    yield ("intro",), _shown(handout.intro, True)
    for i, item in enumerate(handout.you_need):
        yield ("you_need", i, "text"), _shown(item.text, True)
    for i, step in enumerate(handout.steps):
        if step.title:
            yield ("steps", i, "title"), step.title
        yield ("steps", i, "text"), _shown(step.text, True)
        if step.tip:
            yield ("steps", i, "tip"), _shown(step.tip, True)
    for group in ("before", "stop", "call"):
        for i, item in enumerate(getattr(handout.precautions, group)):
            yield ("precautions", group, i, "text"), _shown(item.text, True)
    for i, benefit in enumerate(handout.benefits):
        yield ("benefits", i, "title"), benefit.title
        yield ("benefits", i, "text"), _shown(benefit.text, True)
    for i, source in enumerate(handout.sources):
        for key in ("title", "publisher", "url"):
            value = getattr(source, key)
            if value:
                yield ("sources", i, key), value
    yield ("review", "reviewer"), handout.review.reviewer
    try:  # month names are the language's own words (Babel's)
        date = format_date(handout.review.reviewed, format="long",
                           locale=handout.language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return  # an unknown language is reported elsewhere
    yield ("review", "reviewed"), date
