"""The languages the theme can print: its built-in word catalogs and a project's own.

Read while a project loads (a handout in a language the theme has no words for is a
problem of its content file, located at its ``language:`` line), so this sits below
the variants that translate with those catalogs (:mod:`handouts.variants.i18n`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable
from pathlib import Path

from babel import Locale, UnknownLocaleError

from handouts.errors import Severity
from handouts.paths import LOCALE_DIR

#: The gettext domain of the theme's catalogs.
DOMAIN = "handouts"
SOURCE_LANGUAGE = "en"


def language_name(language: str, in_language: str = SOURCE_LANGUAGE) -> str:
    """``es`` → ``Spanish`` (in English), for messages."""
    try:
        return Locale.parse(language.replace("-", "_")).get_display_name(in_language) or language
    except (UnknownLocaleError, ValueError):
        return language


def is_known_language(language: str) -> bool:
    """Whether Babel knows ``language`` (needed for dates and plural rules)."""
    try:
        Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return False
    return True


def canonical_language(language: str) -> str:
    """``language`` in the case BCP 47 writes it: ``es``, ``zh-Hant``, ``pt-BR``."""
    first, *rest = re.split(r"([_-])", language)
    out = [first.lower()]
    for separator, part in zip(rest[::2], rest[1::2], strict=True):
        if len(part) == 4 and part.isalpha():  # a script
            part = part.title()
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            part = part.upper()  # a region
        else:
            part = part.lower()
        out += [separator, part]
    return "".join(out)


def miswritten(language: str) -> str | None:
    """The message for a language code written in another case than its own (``ES``):
    file names (``content/NAME.es.po``, ``locale/es.po``) and the batch's folders use
    the code as written, so ``ES`` would be a language of its own, never printed."""
    canonical = canonical_language(language)
    if canonical == language or not _is_code(canonical):
        return None  # right, or no code in any case (Spanish: see not_a_language)
    return f"'{language}' is written '{canonical}' (language codes are written in the " \
        "case of es, fr, pt-BR, zh-Hant)"


def _is_code(language: str) -> bool:
    """Whether ``language`` is a language code Babel knows, in any case."""
    return is_known_language(language) and re.fullmatch(
        r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*", language) is not None


def not_a_language(language: str) -> str | None:
    """Why ``language`` cannot be used as a language code (None when it can): the one
    message for ``--language``, ``--theme`` and ``handouts translate``'s argument."""
    if _is_code(language):
        return miswritten(language)
    return f"'{language}' is not a language code handouts knows (e.g. es, fr, pt-BR, zh-Hant)"


def _babel_language(code: str) -> str | None:
    """The language Babel reads ``code`` as (``spa``, ``es-MX``: ``es``), None when it
    reads none."""
    try:
        return str(Locale.parse(code.replace("-", "_")).language)
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def closest_language(code: str, languages: Iterable[str]) -> str | None:
    """The one of ``languages`` that ``code`` most likely meant, None when none is close:
    the same language written another way (``spa``, ``es-MX``: ``es``), a code that
    starts the language's name in English or in itself (``sp``: Spanish, ``esp``:
    español), else the nearest spelling (as every other did-you-mean of handouts).
    Two-letter codes are too short for spelling alone: ``de`` is not a typo of ``es``."""
    options = sorted(languages)
    meant = _babel_language(code)
    if meant is not None:
        same = [language for language in options if _babel_language(language) == meant]
        if same:
            return same[0]
    folded = code.strip().casefold()
    if len(folded) >= 2 and folded.isalpha():
        for language in options:
            names = (language_name(language), language_name(language, language))
            if any(name.casefold().startswith(folded) for name in names):
                return language
    close = difflib.get_close_matches(code, options, n=1)
    return close[0] if close else None


def translation_language_problem(code: str, languages: Collection[str] | None
                                 ) -> tuple[str, Severity] | None:
    """What is wrong with ``code`` naming the language of a file's own words in other
    languages (a program file's ``translations:`` key), None when nothing is. A warning
    when it is not a language code (:func:`not_a_language`, the rule of ``--language``)
    or no handout is in that language (``languages``: the languages the project's
    handouts are in; None or empty: not known, not judged), since those words are then
    never printed; an error only for a code in the wrong case, refused before. Each
    says the language it most likely meant."""
    close = closest_language(code, languages) if languages else None
    meant = f"; did you mean '{close}'?" if close and close != code else ""
    wrong = not_a_language(code)
    if wrong and wrong == miswritten(code):
        # A code in the wrong case (refused before there was this check) says its
        # right spelling.
        return wrong, Severity.ERROR
    if wrong:
        # A warning, not an error: a program file with such a key printed before this
        # check existed, and a project that built must still build.
        return wrong + ", so these words are never printed" + meant, Severity.WARNING
    if not languages or code in languages or any(
            regional_base(language) == code for language in languages):
        return None  # es: read by the es-MX handouts too (see words_key)
    if (spelled := written_otherwise(code, languages)) is not None:
        # ``spa``, ``es-MX``: the project's Spanish is written ``es`` (QA: "no handout
        # is in Spanish", beside "did you mean 'es'?", of a project with Spanish).
        return spelled, Severity.WARNING
    return (f"no handout of this project is in {language_name(code)}, so these words are "
            "never printed" + (meant or f" (the project's languages: "
                                        f"{', '.join(sorted(languages))})"),
            Severity.WARNING)


def written_otherwise(code: str, languages: Collection[str]) -> str | None:
    """What to say of words keyed ``code`` when the project's handouts write that same
    language another way (``spa`` or ``es-MX`` where they are ``es``): nothing looks
    those words up, so they are never printed. None when ``code`` is one of
    ``languages`` or another language."""
    if code in languages or any(regional_base(language) == code for language in languages):
        return None
    close = closest_language(code, languages)
    if close is None or _babel_language(close) != _babel_language(code):
        return None
    return (f"'{code}' is {language_name(close)} written another way: this project's "
            f"handouts write it '{close}', so these words are never printed")


#: Language codes written in other ways, and the catalog each one uses. Chinese is
#: ``zh`` (Simplified; Babel's ``zh`` is ``zh_Hans_CN``) and ``zh-Hant`` (Traditional);
#: Tagalog is Babel's ``fil`` (Filipino, the standardised Tagalog), ``tl`` an alias.
LANGUAGE_ALIASES: dict[str, str] = {
    "zh-Hans": "zh", "zh_Hans": "zh", "zh-CN": "zh", "zh_CN": "zh",
    "zh-Hant": "zh_Hant", "zh-TW": "zh_Hant", "zh_TW": "zh_Hant", "tl": "fil",
}
#: Where a project keeps its own theme words: ``locale/<language>.po`` in its folder.
PROJECT_LOCALE_DIR = "locale"


def regional_base(language: str) -> str | None:
    """The language ``language`` names a regional usage of (``es-MX``, ``es-419``:
    ``es``; ``pt-BR``: ``pt``; ``en-US``: ``en``), None when it adds no region, or
    more than one (a script, ``sr-Latn``, is another way of writing: never its base)."""
    match = re.fullmatch(r"([a-z]{2,3})[-_](?:[A-Z]{2}|[0-9]{3})", language)
    return match.group(1) if match else None


def words_key(keys: Collection[str], language: str, source: str) -> str | None:
    """Which of ``keys`` (a ``translations:`` mapping's languages) holds the words for a
    page in ``language``, None when the words written in ``source`` print as they are.
    A regional code uses its own key, else its language's, and prints the source's
    words when it is a regional usage of the source: ``es-MX`` reads ``es:`` when it
    has no ``es-MX:``; ``en-US`` pages of an ``en`` clinic print its own words. When
    nothing holds them, ``language`` itself (reported as missing under its own name)."""
    if language == source:
        return None
    if language in keys:
        return language
    base = regional_base(language)
    if base is not None and base == source:
        return None
    if base is not None and base in keys:
        return base
    return language


def catalog_code(language: str) -> str:
    """The theme catalog's folder name for ``language``: ``zh-Hant`` → ``zh_Hant``; a
    regional code with no catalog of its own uses its language's (``es-MX``: ``es``)."""
    code = LANGUAGE_ALIASES.get(language, language).replace("-", "_")
    base = regional_base(language)
    if base is not None and not _builtin(code).is_file() and _builtin(base).is_file():
        return base
    return code


def _builtin(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def is_source_language(language: str) -> bool:
    """Whether the theme's words print as written for ``language``: English, and a
    regional English (``en-US``, ``en-GB``) with no catalog of its own."""
    return language == SOURCE_LANGUAGE or (
        regional_base(language) == SOURCE_LANGUAGE and not builtin_catalog(language).is_file())


def builtin_catalog(language: str) -> Path:
    """The built-in theme catalog (``.po``) for ``language``; it may not exist."""
    return _builtin(catalog_code(language))


def project_catalog(root: Path, language: str) -> Path:
    """A project's own theme words for ``language``: ``<project>/locale/<language>.po``
    (the file ``handouts translate --theme`` writes; see :func:`own_catalog` to read)."""
    return root / PROJECT_LOCALE_DIR / f"{language}.po"


def own_catalog(root: Path, language: str) -> Path:
    """The project's theme words that print ``language``: its own file, else, for a
    regional code, its language's (``locale/es.po`` prints ``es-MX`` too); it may not
    exist."""
    own = project_catalog(root, language)
    base = regional_base(language)
    if base is not None and not own.is_file() and project_catalog(root, base).is_file():
        return project_catalog(root, base)
    return own


def project_catalogs(root: Path | None) -> set[str]:
    folder = root / PROJECT_LOCALE_DIR if root is not None else None
    if folder is None or not folder.is_dir():
        return set()
    return {p.stem for p in folder.glob("*.po") if p.is_file()}


def theme_languages(root: Path | None = None) -> set[str]:
    """Languages the theme has words for: English (the source), the built-in catalogs
    and the project's ``locale/*.po`` files (aliases such as ``zh-Hans``: see
    :func:`has_theme_words`)."""
    builtin = {p.name.replace("_", "-") for p in LOCALE_DIR.iterdir()
               if (p / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()}
    return {SOURCE_LANGUAGE} | builtin | project_catalogs(root)


def has_theme_words(language: str, root: Path | None = None) -> bool:
    """Whether the theme can print its words in ``language`` (aliases included)."""
    return is_source_language(language) or builtin_catalog(language).is_file() or \
        (root is not None and own_catalog(root, language).is_file())


def no_theme_words(language: str, root: Path | None = None) -> str:
    """The message for a language the theme has no words for, with the way to add them
    (or for a code written in the wrong case: ``ES`` for ``es``)."""
    wrong = not_a_language(language)
    if wrong and wrong != miswritten(language):  # a name (Spanish), not a code
        close = closest_language(language, theme_languages(root))
        return wrong + (f"; did you mean '{close}'?" if close else "")
    if wrong:
        return wrong
    return (f"the theme has no {language_name(language)} words yet (available: "
            f"{', '.join(sorted(theme_languages(root)))}); add them in "
            f"{PROJECT_LOCALE_DIR}/{language}.po: 'handouts translate --theme {language}'")
