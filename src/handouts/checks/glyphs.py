"""Glyphs that exist: every printed character must be in a font the handout embeds.

A character none of the embedded fonts has is printed as an empty box, or drawn
with whatever font the machine happens to have (fontconfig's fallback), silently.
This check reads the character map (cmap) of every font the theme declares with
``@font-face`` and of the project's own fonts (``fonts:`` in ``handouts.yaml``)
and reports, before anything is rendered, each field holding a character that no
font has.

What a page prints and which fonts it uses are read the same way the page is made
(:mod:`handouts.render.fonts`), so what this check accepts, the page can draw.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path

from fontTools import unicodedata as ucd

from handouts.errors import Problem
from handouts.project.config import CONFIG_NAME, Project
from handouts.project.content import Document
from handouts.project.fonts import read_cmap
from handouts.project.languages import DOMAIN, SOURCE_LANGUAGE, language_name, words_key
from handouts.project.pofile import read_catalog
from handouts.project.programs import ClinicProgram
from handouts.project.sourcefile import format_loc
from handouts.render import scripts
from handouts.render.fonts import (
    printed,
    printed_fields,
    theme_fonts,
)
from handouts.render.theme import stylesheet_path
from handouts.variants.clients import Client
from handouts.variants.i18n import LOCALE_DIR, clinic_texts, translate
from handouts.variants.plan import GENERAL, Variant

#: Characters listed in one message; the rest are counted.
LISTED = 5


@dataclass(frozen=True)
class Coverage:
    """What the theme's and the project's fonts can print."""

    theme: frozenset[int]
    fallback: frozenset[int]
    by_language: tuple[tuple[str, frozenset[int]], ...]
    #: The installed script fonts (:mod:`handouts.render.scripts`): every page falls back
    #: to them for the characters its other fonts lack.
    installed: tuple[scripts.ScriptFont, ...] = ()

    @cached_property
    def scripts(self) -> frozenset[int]:
        """What the installed script fonts print: read only when a text has a character
        the theme's and the project's fonts lack (the CJK font's map alone is 45,000
        code points, a tenth of a second to read: an English build never needs it)."""
        return frozenset().union(*(font.cmap() for font in self.installed))

    def declared(self, language: str) -> frozenset[int]:
        """Code points the theme's and the project's fonts print in ``language``."""
        # Asked once per printed field: the union is made once per coverage and language.
        union = self._unions.get(language)
        if union is None:
            extra = [cmap for lang, cmap in self.by_language if lang == language]
            union = self._unions[language] = self.theme.union(self.fallback, *extra)
        return union

    def lacks(self, text: str, language: str, *, private_use: bool = False) -> list[str]:
        """The distinct characters of ``text`` no font of a page in ``language`` has, in
        order of appearance (private-use ones too with ``private_use``)."""
        chars = missing(text, self.declared(language), private_use=private_use)
        return [ch for ch in chars if ord(ch) not in self.scripts] if chars else []

    @cached_property
    def _unions(self) -> dict[str, frozenset[int]]:
        return {}

    @property
    def anywhere(self) -> frozenset[int]:
        """Code points some font (for some language) has."""
        return self.theme.union(self.fallback, *(cmap for _, cmap in self.by_language))


def coverage(project: Project) -> Coverage:
    """The character maps of the theme's fonts and the project's fonts (cached)."""
    stylesheet = stylesheet_path(project.templates_dir)
    # Keyed by the files' versions too: a long-running process sees a replaced font.
    entries = tuple((e.file, tuple(e.languages or ()), _version(project.root / e.file))
                    for e in project.config.fonts)
    declared = _coverage(project.root, stylesheet, stylesheet.stat().st_mtime_ns, entries)
    return _with_scripts(declared, scripts.installed_fonts())


def _version(path: Path) -> int:
    """The file's modification time (-1: it is gone)."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


@lru_cache(maxsize=16)
def _with_scripts(declared: Coverage, installed: tuple[scripts.ScriptFont, ...]) -> Coverage:
    # Cached, so each named copy neither reads the script fonts' maps again nor loses
    # the per-language unions kept on the Coverage (tens of thousands of code points).
    return dataclasses.replace(declared, installed=installed)


@lru_cache(maxsize=16)
def _coverage(root: Path, stylesheet: Path, mtime_ns: int,
              entries: tuple[tuple[str, tuple[str, ...], int], ...]) -> Coverage:
    theme: set[int] = set()
    for _, path in theme_fonts(stylesheet):
        try:
            theme |= read_cmap(path)
        except ValueError:
            continue  # a broken theme font is reported when rendering
    fallback: set[int] = set()
    by_language: dict[str, set[int]] = {}
    for file, languages, _ in entries:
        try:
            cmap = read_cmap(root / file)  # validated with the config
        except (OSError, ValueError):
            # Gone or no longer a font since (the desk runs on its last good settings):
            # its characters are missing, as the renderer leaves it out too.
            continue
        if not languages:
            fallback |= cmap
        for language in languages:
            by_language.setdefault(language, set()).update(cmap)
    return Coverage(frozenset(theme), frozenset(fallback),
                    tuple((k, frozenset(v)) for k, v in sorted(by_language.items())))


# ----------------------------------------------------------------- characters


def missing(text: str, covered: frozenset[int], *, private_use: bool = False) -> list[str]:
    """The distinct characters of ``text`` that ``covered`` lacks, in order of appearance."""
    return list(dict.fromkeys(ch for ch in printed(text, private_use=private_use)
                              if ord(ch) not in covered))


def _is_emoji(ch: str) -> bool:
    return ucd.block(ch) in _EMOJI_BLOCKS or 0x1F1E6 <= ord(ch) <= 0x1F1FF


_EMOJI_BLOCKS = {"Emoticons", "Miscellaneous Symbols and Pictographs",
                 "Supplemental Symbols and Pictographs", "Transport and Map Symbols",
                 "Symbols and Pictographs Extended-A", "Miscellaneous Symbols", "Dingbats",
                 "Enclosed Alphanumeric Supplement", "Enclosed Ideographic Supplement",
                 "Chess Symbols"}
_CJK_SCRIPTS = {"Hani", "Hira", "Kana", "Hang", "Bopo"}


def script_of(ch: str) -> str:
    """A reader's name for the writing system of ``ch``: ``Devanagari``, ``emoji``..."""
    if _is_emoji(ch):
        return "emoji"
    code = ucd.script(ch)
    return "symbols" if code in ("Zyyy", "Zinh", "Zzzz") else ucd.script_name(code)


def debian_package(ch: str) -> str:
    """The Debian/Ubuntu font package that covers ``ch``."""
    if _is_emoji(ch):
        return "fonts-noto-color-emoji"
    if ucd.script(ch) in _CJK_SCRIPTS:
        return "fonts-noto-cjk"
    return "fonts-noto-core"


def _describe(ch: str) -> str:
    return f"'{ch}' (U+{ord(ch):04X}, {ucd.block(ch)})"


def _message(chars: list[str], language: str, cover: Coverage, *,
             new_project: bool = False) -> str:
    """``cannot print '漢' (U+6F22, CJK Unified Ideographs): no font ... has it — ...``."""
    listed = ", ".join(_describe(ch) for ch in chars[:LISTED])
    more = f" and {len(chars) - LISTED} more" if len(chars) > LISTED else ""
    what = listed if len(chars) == 1 else f"{len(chars)} characters: {listed}{more}"
    it = "it" if len(chars) == 1 else "them"
    packages = ", ".join(dict.fromkeys(debian_package(ch) for ch in chars))
    absent = [f for f in dict.fromkeys(scripts.font_of(ch) for ch in chars)
              if f is not None and not f.installed]
    if absent:  # the theme prints this script once the package is installed
        names = " ".join(dict.fromkeys(f.package for f in absent))
        return (f"cannot print {what}: the {', '.join(f.family for f in absent)} font is "
                f"not installed — sudo apt-get install {names} (Debian: {packages})")
    if any(ord(ch) in cover.anywhere for ch in chars):
        # A font for another language has it: the fix is a languages: entry.
        why = (f"no font for {language_name(language)} ({language}) has {it}; add "
               f"'{language}' to the languages of a font that has {it}, or add a font "
               f"under fonts: in {CONFIG_NAME}")
    elif new_project:  # handouts init: there is no handouts.yaml to add a font to yet
        why = (f"no font of the theme has {it}; leave {it} out (once the project "
               f"exists, a font that has {it} can be added under fonts: in {CONFIG_NAME})")
    else:
        why = (f"no font in the theme or the project has {it} — add one under fonts: in "
               f"{CONFIG_NAME}")
    return f"cannot print {what}: {why} (Debian: {packages})"


def unprintable_in_new_project(text: str, language: str = SOURCE_LANGUAGE) -> str | None:
    """Why ``text`` (a clinic detail ``handouts init`` is given) cannot be printed by a
    new project, which has only the theme's fonts and the script fonts installed here;
    None when it can. The same message as the check of an existing project."""
    stylesheet = stylesheet_path(None)
    cover = _with_scripts(_coverage(stylesheet.parent, stylesheet,
                                    stylesheet.stat().st_mtime_ns, ()),
                          scripts.installed_fonts())
    chars = cover.lacks(text, language)
    return _message(chars, language, cover, new_project=True) if chars else None


def _unnamed(chars: list[str]) -> str:
    """``has 2 characters that no font can print (Cyrillic, emoji) — add a font ...``:
    the characters themselves are never named (see :meth:`GlyphCheck.client`)."""
    written_in = ", ".join(dict.fromkeys(script_of(ch) for ch in chars))
    n = len(chars)
    return (f"has {n} character{'s' if n != 1 else ''} that no font can print "
            f"({written_in}) — {FONT_HINT}")


# ----------------------------------------------------------------- what gets printed


@lru_cache(maxsize=64)
def _po_lines(path: Path, mtime_ns: int) -> dict[str, int]:
    """msgctxt (the field) → line of the entry in a content translation."""
    catalog, _ = read_catalog(path, "", None)  # an invalid file is reported when it is read
    return {str(m.context): m.lineno for m in catalog or () if m.context}


class GlyphCheck:
    """One run of the glyph check; each field is reported once however often it is printed."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.cover = coverage(project)
        self.problems: list[Problem] = []
        self._seen: set[tuple[str, str]] = set()
        self._done: set[tuple[str, ...]] = set()

    def _report(self, path: str, line: int | None, field: str, text: str,
                language: str, *, named: bool = True) -> None:
        """The one rule for a printed field: each character ``text`` needs that no font
        of a page in ``language`` has is an error at ``path``, ``line`` and ``field``,
        once per field. Without ``named``, the characters are counted, never repeated,
        and private-use ones count too (a client's details, and the words that stand
        beside them in the same message: a program's notes and dose texts)."""
        if (path, field) in self._seen:
            return
        chars = self.cover.lacks(text, language, private_use=not named)
        if chars:
            self._seen.add((path, field))
            message = _message(chars, language, self.cover) if named else _unnamed(chars)
            self.problems.append(Problem(path, line, field, message))

    def _once(self, *key: str) -> bool:
        if key in self._done:
            return False
        self._done.add(key)
        return True

    def variant(self, document: Document, variant: Variant) -> None:
        """The handout's fields in the variant's language, the clinic, audience and theme."""
        language = variant.language
        self.clinic(language)
        self.theme_words(language)
        if variant.audience != GENERAL:
            self.audience(variant.audience, language)
        if self._once("handout", document.name, language):
            self.handout(document, language)

    def handout(self, document: Document, language: str) -> None:
        """Every printed field of ``document`` in ``language`` (after translation)."""
        if language == document.handout.language:
            for loc, text in printed_fields(document.handout):
                self._report(document.display, document.lines.line_of(loc), format_loc(loc),
                             text, language)
            return
        po = document.translation(language)
        display = f"content/{po.name}"
        config = self.project.config
        result = translate(document.handout, po, display, language,
                           clinic=clinic_texts(config.clinic, language,
                                               config.defaults.language))
        handout = result.handout
        if handout is None:
            return  # the missing translation is reported by the translation step
        lines = _po_lines(po, po.stat().st_mtime_ns)
        for loc, text in result.clinic.items():  # the clinic's words the file translates
            self._report(display, lines.get(format_loc(loc)), format_loc(loc), text,
                         language)
        for loc, text in printed_fields(handout):
            field = format_loc(loc)
            if field in lines:  # a translated text: point at the .po entry
                self._report(display, lines[field], field, text, language)
            else:  # not translated (a URL, the reviewer): the content file's own text
                self._report(document.display, document.lines.line_of(loc), field, text,
                             language)

    def clinic(self, language: str) -> None:
        """The clinic's details as printed on a page in ``language``."""
        if not self._once("clinic", language):
            return
        config = self.project.config
        clinic = config.clinic
        source = config.defaults.language
        key = words_key(clinic.translations, language, source)
        words = clinic.translations.get(key) if key is not None else None
        fields: list[tuple[tuple[str | int, ...], str | None]] = [
            (("clinic", "name"), clinic.name),
            (("clinic", "address", "street"), clinic.address.street),
            (("clinic", "address", "city"), clinic.address.city),
            (("clinic", "address", "region"), clinic.address.region),
            (("clinic", "address", "postal_code"), clinic.address.postal_code),
            (("clinic", "phone"), clinic.phone_display),
            (("clinic", "email"), clinic.email),
            (("clinic", "website"), clinic.website),
            (("clinic", "booking_url"), clinic.booking_url)]
        for key in ("tagline", "disclaimer", "hours", "name"):
            if words is not None and getattr(words, key):
                fields.append((("clinic", "translations", language, key), getattr(words, key)))
            elif key != "name":  # the name itself is checked above
                fields.append((("clinic", key), getattr(clinic, key)))
        # Every location's own details are printed on that location's pages.
        for name, place in clinic.locations.items():
            at = ("clinic", "locations", name)
            own = words.locations.get(name) if words is not None else None
            fields += [
                ((*at, "name_suffix"), place.name_suffix),
                ((*at, "address", "street"), place.address.street),
                ((*at, "address", "city"), place.address.city),
                ((*at, "address", "region"), place.address.region),
                ((*at, "address", "postal_code"), place.address.postal_code),
                ((*at, "phone"), clinic.at(name).phone_display),
                ((*at, "email"), place.email),
                ((*at, "booking_url"), place.booking_url)]
            for key in ("hours", "name_suffix"):
                if own is not None and getattr(own, key):
                    fields.append((("clinic", "translations", language, "locations", name,
                                    key), getattr(own, key)))
                elif key == "hours":  # the name_suffix itself is checked above
                    fields.append(((*at, "hours"), place.hours))
        for loc, text in fields:
            if text:
                self._report(CONFIG_NAME, self.project.lines.line_of(loc), format_loc(loc),
                             text, language)

    def audience(self, name: str, language: str) -> None:
        """An audience's label and description in ``language``."""
        audience = self.project.config.audiences.get(name)
        if audience is None or not self._once("audience", name, language):
            return
        base: tuple[str | int, ...] = ("audiences", name) if language == SOURCE_LANGUAGE \
            else ("audiences", name, "translations", language)
        words = audience.text(language)
        if words is None:
            return  # reported by compose
        for key in ("label", "description"):
            text = getattr(words, key)
            if text:
                loc = (*base, key)
                self._report(CONFIG_NAME, self.project.lines.line_of(loc), format_loc(loc),
                             text, language)

    def theme_words(self, language: str) -> None:
        """The theme's own words (its gettext catalog) and month names in ``language``."""
        if not self._once("theme", language):
            return
        for display, line, field, text in _theme_words(language):
            self._report(display, line, field, text, language)

    def client(self, client: Client, language: str, path: str | None, line: int | None,
               fields: dict[str, str]) -> None:
        """A client's details: personal data, so the characters are never repeated.

        ``fields`` maps ``name``/``note``/``therapist`` to the CSV column or command-line
        option to name; without a ``path`` (options) the message starts with that name.
        """
        for attr, field in fields.items():
            where = (path, line, field) if path is not None else (field, None, "")
            self._report(*where, getattr(client, attr) or "", language, named=False)

    def program(self, program: ClinicProgram, language: str) -> None:
        """A clinic program's own words (title, description, each item's note and dose
        text, as translated under ``translations``) as shown in ``language``, each at
        its line and field of the program file. Said as a note typed at the desk or
        with ``--item`` is (the same field, whichever way it came), so never named."""
        source = self.project.config.defaults.language
        for loc, text in program.words_in(language, source):
            self._report(program.display, program.lines.line_of(loc), format_loc(loc),
                         text, language, named=False)


#: What to do about a client's character that no font has, for whoever owns the project
#: (the front desk says it in its own words: see handouts.web.library.for_the_desk).
FONT_HINT = f"add a font under fonts: in {CONFIG_NAME}"


@cache
def _theme_words(language: str) -> tuple[tuple[str, int | None, str, str], ...]:
    """(file, line, field, text) of every theme word printed in ``language``."""
    out: list[tuple[str, int | None, str, str]] = []
    catalogs = sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    own = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    # English is the catalogs' source text (msgid); other languages their msgstr.
    for po in [own] if own.is_file() else catalogs[:1]:
        display = po.relative_to(LOCALE_DIR.parent.parent).as_posix()
        catalog, _ = read_catalog(po, display, None)
        for message in catalog or ():
            if not message.id:
                continue
            text = str(message.string if own.is_file() else message.id)
            # Placeholders are filled in with checked text; they are not printed.
            text = re.sub(r"%\(\w+\)s|\{\w+\}", "", text)
            out.append((display, message.lineno, "msgstr" if own.is_file() else "msgid", text))
    return tuple(out)


def check_variants(project: Project, documents: Iterable[Document],
                   variants: Iterable[Variant]) -> list[Problem]:
    """Glyph problems of every field printed in ``variants``."""
    docs = {d.name: d for d in documents}
    check = GlyphCheck(project)
    if not check.cover.anywhere:
        return [no_fonts(project)]  # one clear problem, not one per field
    for variant in variants:
        if variant.handout in docs:
            check.variant(docs[variant.handout], variant)
    return check.problems


def no_fonts(project: Project) -> Problem:
    """The problem of a theme stylesheet (an override) that declares no font at all."""
    sheet = stylesheet_path(project.templates_dir)
    where = sheet.relative_to(project.root).as_posix() \
        if sheet.is_relative_to(project.root) else str(sheet)
    return Problem(where, None, "@font-face", (
        "declares no fonts, so the PDF would use whatever fonts this computer has; keep "
        "the built-in theme's @font-face rules (handouts init --with-theme copies them) "
        f"or list fonts under fonts: in {CONFIG_NAME}"))


def check_program(project: Project, program: ClinicProgram,
                  languages: Iterable[str]) -> list[Problem]:
    """Glyph problems of every text field of a clinic program's file as shown in each
    of ``languages``: what ``handouts check`` reports and ``handouts program`` refuses,
    before anything is written."""
    check = GlyphCheck(project)
    if not check.cover.anywhere:
        return [no_fonts(project)]
    for language in languages:
        check.program(program, language)
    return check.problems


def check_client(project: Project, client: Client, language: str, path: str | None,
                 line: int | None, fields: dict[str, str]) -> list[Problem]:
    """Glyph problems of a client's details (never naming the characters)."""
    check = GlyphCheck(project)
    if not check.cover.anywhere:
        return [no_fonts(project)]
    check.client(client, language, path, line, fields)
    return check.problems


__all__ = ["Coverage", "GlyphCheck", "check_client", "check_program", "check_variants",
           "coverage", "no_fonts"]
