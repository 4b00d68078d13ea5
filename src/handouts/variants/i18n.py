"""Languages: the theme's own words through gettext catalogs, and content translations.

Theme words ("Step by step", "Page 1 of 2") live in standard gettext ``.po`` files
under ``handouts/locale``. A handout's translation is a ``.po`` file beside it,
``content/<handout>.<lang>.po``, so translators can use the tools they know
(Poedit, Weblate...). Each entry's ``msgctxt`` is the field it translates
(``steps[3].text``) and its ``msgid`` the source text it was translated from: when
the source changes, the entry no longer matches and we warn that the translation
is out of date instead of silently printing the old text.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import gettext
import io
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import normalize, write_po

from handouts.errors import (
    HandoutsError,
    OptionError,
    Problem,
    Severity,
    ValidationError,
    errors_only,
)
from handouts.paths import LOCALE_DIR
from handouts.project import markdown
from handouts.project.config import Clinic, ClinicText, LocationText, no_project
from handouts.project.content import Handout
from handouts.project.languages import (
    DOMAIN,
    PROJECT_LOCALE_DIR,
    SOURCE_LANGUAGE,
    builtin_catalog,
    catalog_code,
    has_theme_words,
    is_source_language,
    language_name,
    no_theme_words,
    not_a_language,
    own_catalog,
    project_catalog,
    words_key,
)
from handouts.project.pofile import read_catalog
from handouts.project.schema import validate
from handouts.project.sourcefile import LineMap, SourceFile, format_loc

#: The header field of a theme catalog that says whether a native speaker reviewed it.
REVIEW_HEADER = "X-Review-Status"
#: The header value ``handouts translate --theme`` writes into a new catalog.
DRAFT_STATUS = "draft, needs a native speaker's review"


def theme_translations(language: str, root: Path | None = None) -> gettext.NullTranslations:
    """The theme's words for ``language``: the built-in catalog with the project's
    ``locale/<language>.po`` merged over it (a project entry with a translation wins)."""
    own = own_catalog(root, language) if root is not None else None
    if own is None or not own.is_file():
        return _theme_translations(language, None, 0)
    return _theme_translations(language, own, own.stat().st_mtime_ns)


@cache
def _theme_translations(language: str, own: Path | None,
                        mtime_ns: int) -> gettext.NullTranslations:
    """The merged catalog, compiled in memory (cached per project file version)."""
    messages = dict(theme_words(language, own))
    if not messages:
        return gettext.NullTranslations()
    catalog = Catalog(locale=None, fuzzy=False)
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


#: Tests and long-running processes empty the cache through the public function.
theme_translations.cache_clear = _theme_translations.cache_clear  # type: ignore[attr-defined]


def theme_words(language: str, own: Path | None) -> list[tuple[str, str]]:
    """(msgid, msgstr) of every translated theme word: built-in, then the project's.

    A word whose translation formats differently from its English is dropped (it
    stays in English): Jinja's gettext formats every word with ``%``, and a stray
    ``%`` or a renamed ``%(name)s`` would crash the render.
    """
    words: dict[str, str] = {}
    for po, display in _theme_catalogs(language, own):
        catalog, problems = read_catalog(po, display, None)
        if catalog is None:
            raise HandoutsError(problems)
        for message in catalog:
            if message.id and isinstance(message.id, str) and message.string \
                    and _same_placeholders(message.id, message.string):
                words[message.id] = str(message.string)
    return list(words.items())


def _theme_catalogs(language: str, own: Path | None) -> list[tuple[Path, str]]:
    """The theme's catalogs for ``language`` that exist, built-in first, then the
    project's own (``own``), each with the name messages give it."""
    if is_source_language(language):
        return []
    sources = [(builtin_catalog(language),
                f"handouts/locale/{catalog_code(language)}/LC_MESSAGES/{DOMAIN}.po")]
    if own is not None:
        sources.append((own, f"{PROJECT_LOCALE_DIR}/{own.name}"))
    return [(po, display) for po, display in sources if po.is_file()]


def theme_word_problems(language: str, root: Path | None = None) -> list[Problem]:
    """The theme's words in ``language`` (the built-in catalog and the project's
    ``locale/<language>.po``) checked like any printed text: a translation with raw HTML
    is an error at its line (see :func:`handouts.project.markdown.text_problems`; theme
    words are plain text), and so is a catalog that cannot be read."""
    own = own_catalog(root, language) if root is not None else None
    if own is None or not own.is_file():
        return list(_theme_word_problems(language, None, 0))
    return list(_theme_word_problems(language, own, own.stat().st_mtime_ns))


@cache
def _theme_word_problems(language: str, own: Path | None,
                         mtime_ns: int) -> tuple[Problem, ...]:
    """Cached per project file version, like the words themselves."""
    problems: list[Problem] = []
    for po, display in _theme_catalogs(language, own):
        catalog, unreadable = read_catalog(po, display, None)
        problems += unreadable
        for message in catalog or ():
            if message.id and isinstance(message.string, str) and message.string:
                # Every mistake of the text at once, as for a content file's text.
                problems += [Problem(display, message.lineno, "msgstr", found)
                             for found in markdown.text_problems(message.string,
                                                                 markdown=False)]
                if isinstance(message.id, str) and \
                        not _same_placeholders(message.id, message.string):
                    problems.append(_fields_problem(display, message.lineno, message.id))
    return tuple(problems)


def _fields_problem(display: str, line: int | None, msgid: str) -> Problem:
    """A theme word whose translation changed its fields: the built-in translation (or
    the English word) is printed meanwhile (a warning, so a project that built keeps
    building)."""
    fields = _fields(msgid)
    keep = (f"keep the English word's fields exactly as written ({fields}), and write "
            "a percent sign as %%") if fields else \
        "the English word has no fields: write a percent sign as %% and use no {braces}"
    return Problem(display, line, "msgstr", f"{keep}; until then this translation of "
                   f"\"{msgid}\" is not used", Severity.WARNING)


#: Emptied together with :func:`theme_translations`'s cache (tests that swap catalogs).
theme_word_problems.cache_clear = _theme_word_problems.cache_clear  # type: ignore[attr-defined]


def review_status(po: Path) -> str | None:
    """The ``X-Review-Status`` header of a catalog, or None without one."""
    try:
        text = po.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    found = re.search(rf'^"{REVIEW_HEADER}:\s*(.*?)\s*(?:\\n)?"\s*$', text,
                      re.MULTILINE | re.IGNORECASE)
    return found.group(1) if found else None


def review_problems(root: Path | None, languages: set[str] | list[str]) -> list[Problem]:
    """A warning for each theme catalog used by ``languages`` that no native speaker
    has reviewed (its ``X-Review-Status`` is not ``reviewed``), never silently.

    A project's reviewed ``locale/<language>.po`` that holds every theme word (what
    ``handouts translate --theme LANGUAGE --reviewed-by NAME`` writes) is all that is
    printed: the built-in catalog's status then no longer matters.
    """
    problems: list[Problem] = []
    for language in sorted(set(languages)):
        if is_source_language(language):
            continue
        name = language_name(language)
        candidates = [(builtin_catalog(language),
                       f"handouts/locale/{catalog_code(language)}/LC_MESSAGES/{DOMAIN}.po")]
        if root is not None:
            own = own_catalog(root, language)
            candidates.append((own, f"{PROJECT_LOCALE_DIR}/{own.name}"))
            if _reviewed(own) and not _not_in(own):
                continue
        for po, display in candidates:
            if not po.is_file() or _reviewed(po):
                continue
            what = ("are a draft that needs a native speaker's review" if review_status(po)
                    else "have no review status")
            problems.append(Problem(display, None, "", (
                f"the {name} theme words {what} ({REVIEW_HEADER}); once a native speaker has "
                f"checked them, record it: handouts translate --theme {language} "
                "--reviewed-by NAME"), Severity.WARNING))
    return problems


def _reviewed(po: Path) -> bool:
    status = review_status(po) if po.is_file() else None
    return status is not None and status.lower().startswith("reviewed")


def _all_theme_words() -> list[str]:
    """Every word of the theme (the msgids its catalogs translate), in their order."""
    source = next(iter(sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))))
    return list(_theme_word_list(source, source.stat().st_mtime_ns))


@lru_cache(maxsize=4)
def _theme_word_list(source: Path, mtime_ns: int) -> tuple[str, ...]:
    """The msgids of the built-in catalog ``source`` (read once per version of it: a
    check asks for them several times, and the desk checks each handout)."""
    template, problems = read_catalog(source, str(source), None)
    if template is None:
        raise HandoutsError(problems)
    return tuple(str(m.id) for m in template if m.id and isinstance(m.id, str))


def _not_in(po: Path) -> list[str]:
    """The theme words ``po`` (a project's catalog) does not translate usably: those are
    printed from the built-in catalog, or in English."""
    catalog, _ = read_catalog(po, po.name, None)
    own = {str(m.id): m.string for m in catalog or () if m.id and isinstance(m.id, str)}
    return [word for word in _all_theme_words()
            if not own.get(word) or not _same_placeholders(word, own[word])]


@dataclass(frozen=True)
class ThemeReview:
    """What :func:`review_theme_catalog` wrote."""

    path: Path
    words: int
    #: Words the file did not have, filled in from the built-in catalog as printed.
    added: int


def review_theme_catalog(root: Path, language: str, reviewer: str,
                         day: dt.date) -> ThemeReview:
    """Record that ``reviewer`` checked the theme's words in ``language`` as printed.

    ``locale/<language>.po`` then holds every theme word as it is printed now (the
    project's own translation, else the built-in one) and says ``X-Review-Status:
    reviewed by NAME on YYYY-MM-DD``, so ``check`` no longer warns about a draft. The
    reviewed words are the project's from then on: a later version's change to a
    built-in word does not replace them, and a theme word added later is warned about
    until it is reviewed too (see :func:`review_problems`).

    Raises :class:`ValidationError` (and writes nothing) for a language without theme
    words, a reviewer's name that cannot go in a header, words not translated yet (a
    review of English would mean nothing) or a project file that cannot be read.
    """
    po = project_catalog(root, language)
    display = f"{PROJECT_LOCALE_DIR}/{po.name}"
    name = " ".join(reviewer.split())
    problems: list[Problem] = []
    missing = no_project(root)
    if missing is not None:  # never a locale/ folder outside a project
        raise ValidationError([missing])
    if is_source_language(language) or not has_theme_words(language, root):
        problems.append(Problem("--theme", None, "", (
            "English is the theme's own language: there is nothing to review" if
            is_source_language(language) else no_theme_words(language, root))))
    if not name or markdown.text_problems(name, markdown=False) or '"' in name or \
            "\\" in name:
        problems.append(Problem("--reviewed-by", None, "", (
            "give the reviewer's name as plain text (no quotes, backslashes or tags)")))
    if problems:  # the command line's values: a usage mistake (exit 2), as for --theme
        raise OptionError(problems)
    old: Catalog | None = None
    if po.exists():
        old, unreadable = read_catalog(po, display, language.replace("-", "_"))
        if old is None:
            raise ValidationError(unreadable)
    unfit = errors_only(theme_word_problems(language, root))
    if unfit:  # a review never records words the page would refuse
        raise ValidationError(unfit)
    words = dict(theme_words(language, po if po.is_file() else None))
    every = _all_theme_words()
    missing = [word for word in every if not words.get(word)]
    if missing:
        raise ValidationError([Problem(display, None, "", (
            f"{len(missing)} theme word{'s are' if len(missing) != 1 else ' is'} not "
            f"translated yet (first: \"{missing[0]}\"); translate "
            f"{'them' if len(missing) != 1 else 'it'} in {display} before recording a "
            "review"))])
    catalog = Catalog(locale=language.replace("-", "_"), project="handouts", fuzzy=False)
    catalog.header_comment = old.header_comment if old is not None else \
        _theme_header(language, display)
    added = 0
    for word in every:
        mine = old.get(word) if old is not None else None
        own = mine.string if mine is not None else ""
        kept = bool(own) and _same_placeholders(word, own)
        added += not kept
        catalog.add(word, own if kept else words[word],
                    user_comments=list(mine.user_comments) if mine is not None else [])
    for message in old or ():  # the project's other entries are kept as they are
        if message.id and isinstance(message.id, str) and message.id not in every:
            catalog[message.id] = message
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, omit_header=False, sort_output=False)
    text = buffer.getvalue().decode("utf-8").replace(
        '"Generated-By:', f'"{REVIEW_HEADER}: reviewed by {name} on {day.isoformat()}\\n"\n'
                          '"Generated-By:', 1)
    from handouts.output import write_atomic

    write_atomic(po, text.encode("utf-8"))
    return ThemeReview(po, len(every), added)


def _theme_header(language: str, display: str) -> str:
    """The header comment of a project's theme catalog: what it is, how to fill it in."""
    return "\n".join([
        f"# {language_name(language)} words of the handouts theme for this project ({display}).",
        "# These words are printed on every handout in this language: headings such",
        '# as "Step by step", "Page 1 of 2", the contact box. Write each translation',
        '# between the quotes of msgstr "". Keep every %(name)s and {name} exactly as',
        "# it is: the handout fills them in. A word left empty is printed from the",
        "# built-in catalog when there is one, else in English. This file's entries win",
        "# over the built-in ones. When a native speaker has reviewed every entry, record",
        f"# it: handouts translate --theme {language} --reviewed-by NAME",
        f"# Check with: handouts check (it warns while {REVIEW_HEADER} is a draft)."])


@dataclass(frozen=True)
class ThemeCatalog:
    """What :func:`start_theme_catalog` wrote."""

    path: Path
    #: Whether the file is new (else the words it lacked were added to it).
    created: bool
    #: Words added: every one for a new file.
    added: int
    #: Of those, words of the project's own templates (see :func:`template_words`).
    own: int = 0


#: The gettext functions a project's template translates a word with (Jinja's i18n).
TEMPLATE_KEYWORDS = ("_", "gettext")
#: The files of ``templates/`` read as templates (the rest are stylesheets, images).
TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2", ".html", ".htm")


@dataclass(frozen=True)
class TemplateWord:
    """A word a project's own template prints through ``_()``, where it first is."""

    word: str
    display: str
    line: int


def template_words(root: Path) -> list[TemplateWord]:
    """The words the project's own templates (``templates/``) print with ``_("...")``
    that the theme does not have, each once, in file and line order. A template with a
    mistake is skipped here: loading the project reports it."""
    from jinja2.ext import babel_extract

    folder = root / "templates"
    if not folder.is_dir():
        return []
    theme = set(_all_theme_words())
    found: dict[str, TemplateWord] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in TEMPLATE_SUFFIXES:
            continue
        display = path.relative_to(root).as_posix()
        try:
            with path.open("rb") as source:
                extracted = list(babel_extract(source, TEMPLATE_KEYWORDS, [], {}))
        except Exception:  # a syntax error or another encoding: the loader says so
            continue
        for line, _function, message, _comments in extracted:
            if isinstance(message, str) and message.strip() and message not in theme \
                    and message not in found:
                found[message] = TemplateWord(message, display, line)
    return list(found.values())


def template_word_problems(root: Path, languages: set[str]) -> list[Problem]:
    """A warning at each word of the project's own templates that ``locale/<code>.po``
    does not translate, for each of ``languages`` (the project's handouts in it print
    the word in English), with the command that adds it."""
    words = template_words(root)
    problems: list[Problem] = []
    for language in sorted(languages):
        if not words or is_source_language(language):
            continue
        own = own_catalog(root, language)
        translated = dict(theme_words(language, own if own.is_file() else None))
        for word in words:
            if translated.get(word.word):
                continue
            problems.append(Problem(word.display, word.line, "", (
                f"\"{word.word}\" has no {language_name(language)} translation, so "
                f"{language_name(language)} handouts print it in English; add it to "
                f"{PROJECT_LOCALE_DIR}/{own.name}: handouts translate --theme {language}"),
                Severity.WARNING))
    return problems


def untranslated_theme_words(root: Path, languages: set[str]) -> list[Problem]:
    """A warning for each of ``languages`` whose theme words are printed partly in
    English: neither the built-in catalog nor the project's ``locale/<code>.po`` has
    them (a project catalog made by an older version lacks the words added since: a
    German project's program pages printed "Your plan" in English, and nothing said
    so). A language with no theme words at all is refused elsewhere."""
    problems: list[Problem] = []
    every = _all_theme_words()
    for language in sorted(languages):
        if is_source_language(language) or not has_theme_words(language, root):
            continue
        own = own_catalog(root, language)
        translated = dict(theme_words(language, own if own.is_file() else None))
        missing = [word for word in every if not translated.get(word)]
        if not missing:
            continue
        name = language_name(language)
        display = f"{PROJECT_LOCALE_DIR}/{own.name}"
        problems.append(Problem(display, None, "", (
            f"{len(missing)} of {len(every)} theme words have no {name} translation (first: "
            f"\"{missing[0]}\"), so {name} handouts and home programs print them in "
            f"English; 'handouts translate --theme {language}' adds them to {display} to "
            "translate"), Severity.WARNING))
    return problems


def start_theme_catalog(root: Path, language: str) -> ThemeCatalog:
    """Write ``locale/<language>.po`` for a project: every theme word and every word of
    the project's own templates (see :func:`template_words`) with an empty translation,
    instructions in the header, review status draft. When the file exists, the words it
    lacks are added to it (empty), and nothing it has is changed: a translator's work
    is never overwritten.

    Raises :class:`ValidationError` for a language Babel does not know (its dates and
    plural rules come from Babel), English, a file that cannot be read, or outside a
    project.
    """
    po = project_catalog(root, language)
    display = f"{PROJECT_LOCALE_DIR}/{po.name}"
    wrong = not_a_language(language)
    if wrong:  # dates and plural rules come from Babel: it must know the language
        raise OptionError([Problem("--theme", None, "", wrong)])
    if is_source_language(language):  # its words are printed as written: nothing reads it
        raise OptionError([Problem("--theme", None, "", (
            f"'{language}' is the theme's own language: its words are printed as they are "
            "written, so there is nothing to translate"))])
    missing = no_project(root)
    if missing is not None:  # never a locale/ folder outside a project
        raise ValidationError([missing])
    own_words = template_words(root)
    wanted = [(word, []) for word in _all_theme_words()] + [
        (w.word, [(w.display, w.line)]) for w in own_words]
    from handouts.output import write_atomic

    if po.exists():
        old, unreadable = read_catalog(po, display, language.replace("-", "_"))
        if old is None:
            raise ValidationError(unreadable)
        lacking = [(word, where) for word, where in wanted if old.get(word) is None]
        if not lacking:
            return ThemeCatalog(po, created=False, added=0)
        # Added at the end as empty entries, so the file's own lines and order stay.
        # As bytes: the file keeps its own line endings (a Windows editor's CRLF).
        text = po.read_bytes().decode("utf-8")
        newline = "\r\n" if "\r\n" in text else "\n"
        added = Catalog(locale=language.replace("-", "_"), fuzzy=False)
        for word, where in lacking:
            added.add(word, "", locations=where)
        buffer = io.BytesIO()
        write_po(buffer, added, width=0, omit_header=True, sort_output=False)
        entries = buffer.getvalue().decode("utf-8").lstrip("\n").replace("\n", newline)
        write_atomic(po, (text.rstrip("\r\n") + newline * 2 + entries).encode("utf-8"))
        own = sum(1 for word, where in lacking if where)
        return ThemeCatalog(po, created=False, added=len(lacking), own=own)
    catalog = Catalog(locale=language.replace("-", "_"), project="handouts", fuzzy=False)
    catalog.header_comment = _theme_header(language, display)
    for word, where in wanted:
        catalog.add(word, "", locations=where)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, omit_header=False, sort_output=False)
    text = buffer.getvalue().decode("utf-8")
    # Babel writes only the headers it knows: the review status goes in by hand.
    text = text.replace('"Generated-By:', f'"{REVIEW_HEADER}: {DRAFT_STATUS}\\n"\n"Generated-By:',
                        1)
    write_atomic(po, text.encode("utf-8"))
    return ThemeCatalog(po, created=True, added=len(wanted), own=len(own_words))


_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")
#: The other kind of field a theme word may have: ``Page {page} of {pages}``.
_BRACED = re.compile(r"\{(\w*)\}")


def _same_placeholders(msgid: str, translation: object) -> bool:
    """Whether ``translation`` formats with exactly the fields of ``msgid``: its
    ``%(name)s`` fields (with no stray ``%``) and its ``{name}`` fields."""
    if not isinstance(translation, str):
        return False
    if "%" in _PLACEHOLDER.sub("", translation):
        return False
    if set(_BRACED.findall(translation)) != set(_BRACED.findall(msgid)):
        return False
    names = {name for name in _PLACEHOLDER.findall(translation) if name}
    return names == {name for name in _PLACEHOLDER.findall(msgid) if name}


def _fields(msgid: str) -> str:
    """The fields of a theme word, as a translator must keep them: ``%(name)s, {page}``."""
    found = [f"%({name})s" for name in _PLACEHOLDER.findall(msgid) if name]
    found += [f"{{{name}}}" for name in _BRACED.findall(msgid)]
    return ", ".join(dict.fromkeys(found))


def translation_path(content_path: Path, language: str) -> Path:
    """``content/back-massage.yaml`` → ``content/back-massage.es.po``."""
    return content_path.with_name(f"{content_path.stem}.{language}.po")


# Fields that are translated, as (location, text) pairs, in document order.
def translatable(handout: Handout) -> list[tuple[tuple[str | int, ...], str]]:
    """Every piece of text a translation must cover, located like validation errors."""
    out: list[tuple[tuple[str | int, ...], str]] = [(("title",), handout.title),
                                                      (("intro",), handout.intro)]
    if handout.summary:
        out.append((("summary",), handout.summary))
    out += [(("keywords", i), k) for i, k in enumerate(handout.keywords)]
    out += [(("you_need", i, "text"), x.text) for i, x in enumerate(handout.you_need)]
    for i, step in enumerate(handout.steps):
        for key in ("title", "text", "tip", "alt"):
            value = getattr(step, key)
            if value:
                out.append((("steps", i, key), value))
    for group in ("before", "stop", "call"):
        items = getattr(handout.precautions, group)
        out += [(("precautions", group, i, "text"), x.text) for i, x in enumerate(items)]
    for i, benefit in enumerate(handout.benefits):
        out += [(("benefits", i, "title"), benefit.title), (("benefits", i, "text"), benefit.text)]
    for i, source in enumerate(handout.sources):
        out.append((("sources", i, "title"), source.title))
        if source.publisher:
            out.append((("sources", i, "publisher"), source.publisher))
    # Printed under the sources ("Reviewed on ... by <reviewer>"): a team's name is
    # words to translate; a person's name is simply copied.
    out.append((("review", "reviewer"), handout.review.reviewer))
    return out


Loc = tuple[str | int, ...]

# How a translation may leave a text out. This is the rule for every change to the
# formats (the README's "Rule for future format changes"): an upgrade never breaks a
# translation that built before.
#: A name (a source's publisher, the reviewer, a location's name) may stay as it is: with
#: no translation it is printed as written, without a warning, and not counted as missing.
NAME = "name"
#: A text that became translatable in a later version than a file may have been made
#: with: when the file has no entry for it, it is printed in the source language, with a
#: warning, until it is translated (never an error; an entry left empty is a translation
#: still to do, as any text's). Each one is listed in :data:`LATER`.
LATER_TEXT = "later"
#: Every other text must be translated: missing, it is an error (outside ``--draft``).
REQUIRED = "required"
#: Names, as locations with ``*`` for any list position or location.
NAMES: tuple[Loc, ...] = (("sources", "*", "publisher"), ("review", "reviewer"),
                          ("clinic", "locations", "*", "name_suffix"))
#: Texts that became translatable after translations existed, and the version in which
#: they did (``("steps", "*", "caption"): "0.3"``). The clinic's own words joined the
#: handouts' translation files after the first translations were made (QA: a Spanish
#: file made by the first version no longer built, at the batch, the desk and merge).
LATER: dict[Loc, str] = {
    **{("clinic", key): "0.1" for key in ("tagline", "disclaimer", "logo_alt", "hours")},
    **{("clinic", "locations", "*", key): "0.1" for key in ("hours", "logo_alt")},
}


def _matches(loc: Loc, pattern: Loc) -> bool:
    return len(loc) == len(pattern) and all(
        want == "*" or want == part for part, want in zip(loc, pattern, strict=True))


def text_kind(loc: Loc, entry: Message | None = None) -> str:
    """:data:`NAME`, :data:`LATER_TEXT` or :data:`REQUIRED`: how the text at ``loc`` may
    be left untranslated by a file whose entry for it is ``entry`` (a text of
    :data:`LATER` is one only where the file has no entry: an empty one is work to do)."""
    if any(_matches(loc, pattern) for pattern in NAMES):
        return NAME
    if entry is None and any(_matches(loc, pattern) for pattern in LATER):
        return LATER_TEXT
    return REQUIRED


def _since(loc: Loc) -> str:
    return next(version for pattern, version in LATER.items() if _matches(loc, pattern))


#: ``clinic_texts(..., at=EVERY_LOCATION)``: the words of every location.
EVERY_LOCATION = "*"


def clinic_texts(clinic: Clinic, language: str, source: str,
                 at: str | None = EVERY_LOCATION) -> list[tuple[Loc, str]]:
    """The clinic's own words (handouts.yaml) printed on handouts in ``language`` that
    ``clinic.translations`` does not translate: a handout's translation file carries
    them (``msgctxt "clinic.tagline"``), so a translator finds every printed text there.

    ``at``: the location a page is printed for (None: the clinic's own details), whose
    words alone that page needs; by default every location's, as the file offers them.
    None when ``language`` is the clinic's own (``source``).
    """
    key = words_key(clinic.translations, language, source)
    if key is None:
        return []
    words = clinic.translations.get(key) or ClinicText()
    out: list[tuple[Loc, str]] = [
        (("clinic", key), getattr(clinic, key))
        for key in ("tagline", "disclaimer", "logo_alt", "hours")
        if getattr(clinic, key) and not getattr(words, key)]
    for name, place in clinic.locations.items():
        if at != EVERY_LOCATION and name != at:
            continue  # another location's words are not on this page
        own = words.locations.get(name) or LocationText()
        out += [(("clinic", "locations", name, key), getattr(place, key))
                for key in ("name_suffix", "hours", "logo_alt")
                if getattr(place, key) and not getattr(own, key)]
    return out


def po_texts(handout: Handout, clinic: list[tuple[Loc, str]] | tuple[()] = ()
             ) -> list[tuple[Loc, str]]:
    """Every text of a handout's translation file: the handout's, then the clinic's
    words it prints (see :func:`clinic_texts`)."""
    return [*translatable(handout), *clinic]


@dataclass(frozen=True)
class Translated:
    """A handout in another language, and what was wrong with its translation."""

    handout: Handout | None
    problems: list[Problem]
    #: Texts a draft prints in the source language because they are not translated yet.
    untranslated: int = 0
    #: The clinic's words from the file (see :func:`clinic_texts`), for
    #: :meth:`~handouts.project.config.Clinic.with_words`.
    clinic: dict[Loc, str] = field(default_factory=dict)


def draft_mark(source_language: str) -> str:
    """The tag a draft puts before a text still in the source language, e.g. ``[EN] ``."""
    return f"[{source_language.upper()}] "


def translate(handout: Handout, po_path: Path, display: str, language: str, *,
              draft: bool = False, clinic: list[tuple[Loc, str]] | tuple[()] = ()
              ) -> Translated:
    """Apply the translation in ``po_path`` to ``handout`` (and to the clinic's words
    ``clinic``, see :func:`clinic_texts`).

    Missing entries are one error for the whole file (the handout is never printed
    half in English), naming how many and the first few; with ``draft`` they are
    printed in the source language instead, each tagged with :func:`draft_mark`, for
    a translator to preview a partial translation. Entries whose source text changed
    since translation, or marked fuzzy, are used with a warning that they are out of date.
    A name left untranslated is printed as written, and a text that became translatable
    in a later version is printed in the source language with a warning (see
    :func:`text_kind`).
    """
    name = language_name(language)
    if not po_path.is_file():
        return Translated(None, [Problem(display, None, "", (
            f"no {name} translation; create it with 'handouts translate "
            f"{po_path.name.split('.')[0]} {language}'"))])
    catalog, problems = read_catalog(po_path, display, language.replace("-", "_"))
    if catalog is None:
        return Translated(None, problems)
    problems += _header_language(catalog, display, language)
    values: dict[Loc, str] = {}
    lines = LineMap()
    missing: list[tuple[str, int | None]] = []
    later = 0
    source = language_name(handout.language)
    command = f"handouts translate {po_path.name.split('.')[0]} {language}"
    for loc, text, entry, exact in entries(handout, catalog, clinic):
        field = format_loc(loc)
        picked = chosen(entry, exact)
        kind = text_kind(loc, entry)
        if picked is not None:
            values[loc] = str(picked.string)
            lines.lines[loc] = picked.lineno or 0
            if loc[0] == "clinic":  # checked here: the content's are checked by _apply
                # Every mistake of the text at once, as for a content file's text.
                problems += [Problem(display, picked.lineno, field, found) for found in
                             markdown.text_problems(values[loc], markdown=False)]
        if picked is not None and (picked is not exact or picked.fuzzy):
            problems.append(Problem(display, picked.lineno, field, _out_of_date(
                name, text, picked, po_path.name.split(".")[0], language), Severity.WARNING))
        elif picked is None and kind == NAME:
            continue  # a name may stay as it is: printed as written
        elif picked is None and kind == LATER_TEXT:
            later += 1
            values[loc] = draft_mark(handout.language) + text if draft else text
            how = f"run '{command}' to add its entry to the file"
            if loc[0] == "clinic":
                how += f" (or put it in handouts.yaml, under clinic.translations.{language})"
            problems.append(Problem(display, entry.lineno if entry else None, field, (
                f"not translated yet, so it is printed in {source}: this text can be "
                f"translated since handouts {_since(loc)}; {how}"), Severity.WARNING))
        elif picked is None:
            missing.append((field, entry.lineno if entry else None))
            if draft:
                values[loc] = draft_mark(handout.language) + text
    if missing and not draft:
        problems.append(_missing_problem(display, po_path.name.split(".")[0], language,
                                         missing))
    if any(p.severity is Severity.ERROR for p in problems):
        return Translated(None, problems)
    words = {loc: value for loc, value in values.items() if loc[0] == "clinic"}
    content = {loc: value for loc, value in values.items() if loc[0] != "clinic"}
    translated = _apply(handout, content, language,
                        SourceFile(po_path, display, None, lines, b""), problems)
    return Translated(translated, problems, len(missing) + later if draft else 0, words)


def _header_language(catalog: Catalog, display: str, language: str) -> list[Problem]:
    """A warning when the file's header names another language than its name does (a
    copy of the French file started as the Spanish one): its words may not be Spanish,
    and nothing said so."""
    told = getattr(catalog.locale, "language", None)
    try:
        meant = Locale.parse(language.replace("-", "_")).language
    except (ValueError, UnknownLocaleError):
        return []
    if told is None or told == meant:
        return []
    return [Problem(display, None, "Language", (
        f"the file's header says {language_name(str(catalog.locale))} "
        f"(Language: {catalog.locale}), but its name says {language_name(language)}: is it a "
        f"copy of another language's file? Check that its words are "
        f"{language_name(language)}, then write Language: {language} in the header"),
        Severity.WARNING)]


def where_in_po(field: str, line: int | None) -> str:
    """``steps[2].text at line 41``, or that the file has no entry for it yet."""
    return f"{field} at line {line}" if line else f"{field} (not in the file yet)"


def _missing_problem(display: str, handout: str, language: str,
                     missing: list[tuple[str, int | None]], shown: int = 3) -> Problem:
    """One problem for every untranslated text of a file: a fresh file would otherwise
    give one line per text (34 at once), burying everything else."""
    count = len(missing)
    first = ", ".join(where_in_po(f, line) for f, line in missing[:shown])
    listed = f"first: {first}, ..." if count > shown else \
        (f"first: {first}" if count > 1 else first)
    texts = "1 text is" if count == 1 else f"{count} texts are"
    clinic = any(f.startswith("clinic.") for f, _ in missing)
    return Problem(display, None, "", (
        f"{texts} not translated yet ({listed}); run 'handouts translate {handout} "
        f"{language}' and fill in the msgstr lines, or preview with --draft" + (
            f" (the clinic's words may go in handouts.yaml instead, under "
            f"clinic.translations.{language})" if clinic else "")))


@dataclass(frozen=True)
class Progress:
    """How far a translation file is: texts translated and current, of all texts."""

    total: int
    translated: int
    #: The first text with no translation, and the first out of date: (field, line).
    first_missing: tuple[str, int | None] | None
    first_out_of_date: tuple[str, int | None] | None
    #: The first text that became translatable in a later version and is not translated
    #: yet (printed in the source language, with a warning; see :func:`text_kind`).
    first_later: tuple[str, int | None] | None = None

    @property
    def complete(self) -> bool:
        """Whether every text has a current translation."""
        return self.translated == self.total

    def describe(self) -> str:
        """``29 of 33 texts translated; first missing: steps[2].text at line 41``."""
        parts = [f"{self.translated} of {self.total} texts translated"]
        if self.first_missing:
            parts.append(f"first missing: {where_in_po(*self.first_missing)}")
        if self.first_later:
            parts.append("first printed in the source language until translated: "
                         f"{where_in_po(*self.first_later)}")
        if self.first_out_of_date:
            parts.append(f"first out of date: {where_in_po(*self.first_out_of_date)}")
        return "; ".join(parts)


def progress(handout: Handout, po_path: Path, display: str, language: str,
             clinic: list[tuple[Loc, str]] | tuple[()] = ()) -> Progress | None:
    """How much of ``handout`` (and the clinic's words ``clinic``, see
    :func:`clinic_texts`) the translation in ``po_path`` covers (None when the file is
    missing or cannot be read: those are reported where it is loaded).

    Counted as :func:`translate` prints: a name left as it is is not counted at all.
    """
    if not po_path.is_file():
        return None
    catalog, _ = read_catalog(po_path, display, language.replace("-", "_"))
    if catalog is None:
        return None
    total = translated = 0
    missing: tuple[str, int | None] | None = None
    stale: tuple[str, int | None] | None = None
    later: tuple[str, int | None] | None = None
    for loc, _text, entry, exact in entries(handout, catalog, clinic):
        picked = chosen(entry, exact)
        kind = text_kind(loc, entry)
        if picked is None and kind == NAME:
            continue
        total += 1
        where = (format_loc(loc), entry.lineno if entry else None)
        if picked is None and kind == LATER_TEXT:
            later = later or where
        elif picked is None:
            missing = missing or where
        elif picked is not exact or picked.fuzzy:
            stale = stale or (format_loc(loc), picked.lineno)
        else:
            translated += 1
    return Progress(total, translated, missing, stale, later)


def entries(handout: Handout, catalog: Catalog,
            clinic: list[tuple[Loc, str]] | tuple[()] = ()) -> list[tuple[
        tuple[str | int, ...], str, Message | None, Message | None]]:
    """For every text of the file (:func:`po_texts`): its location, the text, the catalog
    entry for its field, and the entry translating exactly this text (either may be None).

    The field's entry (``msgctxt``) is preferred; a text that moved to another field
    keeps its translation through its ``msgid``.
    """
    # Plural entries (msgid_plural) never translate a handout's text.
    messages = [m for m in catalog if m.id and isinstance(m.id, str)
                and isinstance(m.string, str)]
    by_text = {m.id: m for m in messages if m.string}
    by_field = {m.context: m for m in messages if m.context}
    out: list[tuple[tuple[str | int, ...], str, Message | None, Message | None]] = []
    for loc, text in po_texts(handout, clinic):
        entry = by_field.get(format_loc(loc))
        exact = entry if entry is not None and entry.id == text and entry.string else \
            by_text.get(text)
        out.append((loc, text, entry, exact))
    return out


def chosen(entry: Message | None, exact: Message | None) -> Message | None:
    """The entry :func:`translate` prints: the exact one unless fuzzy, else the field's."""
    if exact is not None and exact.string and not exact.fuzzy:
        return exact
    if entry is not None and entry.string:
        return entry
    return None


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _out_of_date(name: str, text: str, picked: Message, handout: str, language: str) -> str:
    """Why the translation ``picked`` of ``text`` is printed with a warning: the English
    it was made from changed (and how), or the translator marked it as needing work."""
    before = picked.id if picked.id != text else (
        picked.previous_id[0] if picked.previous_id else None)
    if before is None or before == text:
        return (f"the {name} translation is marked as needing work (fuzzy); check it, then "
                "delete its '#, fuzzy' line or run 'handouts translate "
                f"{handout} {language} --accept {picked.context}'")
    was, now = _change(str(before), text)
    return (f"the {name} translation is out of date: the English text changed after it was "
            f"translated (\"{was}\" is now \"{now}\"); update it")


def _change(old: str, new: str, around: int = 3) -> tuple[str, str]:
    """What differs between ``old`` and ``new``: whole when both are short, else the
    words that changed with ``around`` words each side ("…" where cut), so that a
    message shows the change itself, not the start of a long step."""
    if len(old) <= 60 and len(new) <= 60:
        return old, new
    a, b = old.split(" "), new.split(" ")
    changes = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
               if op[0] != "equal"]
    if not changes:  # only the spacing changed
        return _short(old, 100), _short(new, 100)
    first, last = changes[0], changes[-1]

    def part(words: list[str], start: int, end: int) -> str:
        low, high = max(0, start - around), min(len(words), end + around)
        shown = " ".join(words[low:high])
        return ("…" if low else "") + _short(shown, 100) + ("…" if high < len(words) else "")

    return part(a, first[1], last[2]), part(b, first[3], last[4])


def _apply(handout: Handout, values: dict[tuple[str | int, ...], str], language: str,
           source: SourceFile, problems: list[Problem]) -> Handout | None:
    """The handout with ``values`` in place, validated exactly like the content file.

    A translated text gets the same checks as the English one (raw HTML, unsafe
    links, empty text...), reported at the translation's line in the ``.po`` file.
    """
    data: Any = handout.model_dump(by_alias=True, exclude_none=True)
    for loc, value in values.items():
        target = data
        for part in loc[:-1]:
            target = target[part]
        target[loc[-1]] = value
    data["language"] = language
    source.data = data
    return validate(Handout, source, problems)


#: Where ``handouts translate`` writes its instructions in a file's header; on each
#: update the lines between these markers are replaced, the translator's own kept.
_HOWTO_START = "---- How to translate this file (written by 'handouts translate') ----"
_HOWTO_END = "---- End of how to translate ----"
#: The translator comment on an entry added by the latest update.
NEW_MARK = "new in this update"


def _notes(loc: Loc, language: str) -> list[str]:
    """What a translator needs to know about one entry (``#.`` lines above it)."""
    notes = ["a name: leave msgstr empty to print it as written"] \
        if text_kind(loc) == NAME else []
    if loc[0] == "clinic":
        # Short: Babel wraps comments at 76 characters.
        notes.append(f"the clinic's words, from handouts.yaml (clinic.translations.{language} "
                     "wins)")
    return notes


def instructions(handout: str, language: str, source: str = SOURCE_LANGUAGE) -> list[str]:
    """Plain steps for a volunteer translator, written at the top of the ``.po`` file."""
    name, original = language_name(language), language_name(source)
    return [
        _HOWTO_START,
        "Any text editor works (or Poedit). Each text has three lines:",
        "  msgctxt: where the text is printed (do not change it)",
        f"  msgid:   the {original} text (do not change it)",
        f'  msgstr:  your {name} translation: write it between the quotes of msgstr ""',
        'A text with an empty msgstr "" is not translated yet, except a name (marked',
        '"#. a name"): left empty, it is printed as written.',
        f'"#. {NEW_MARK}" marks a text added since the last update.',
        f'"#, fuzzy" marks a translation whose {original} text changed; the old text',
        'is on the "#| msgid" line. Update your msgstr, then mark the text done:',
        '  delete its "#, fuzzy" line (and its "#| msgid" lines), or run',
        f"  handouts translate {handout} {language} --accept FIELD   (FIELD is its msgctxt,",
        "  e.g. steps[2].text; --accept-all marks every reviewed text done)",
        f"Preview (texts not yet translated are printed in {original}, tagged "
        f"{draft_mark(source).strip()}):",
        f"  handouts build {handout} --language {language} --draft",
        "See how much is left, and any mistakes:",
        f"  handouts check {handout}",
        _HOWTO_END,
    ]


def _header(old: str | None, handout: str, language: str, source: str) -> str:
    """The header comment: the title, the current instructions and the translator's
    own lines from ``old`` (anything outside the instructions block is kept)."""
    own: list[str] = []
    inside = False
    for line in (old or "").splitlines():
        text = line[1:].strip() if line.startswith("#") else line.strip()
        if text == _HOWTO_START:
            inside = True
        elif text == _HOWTO_END:
            inside = False
        elif not inside:
            own.append(line)
    title = f"# {language_name(language)} translation of {handout}."
    if not own or own[0] != title:
        own.insert(0, title)
    steps = instructions(handout, language, source)
    return "\n".join([own[0], *(f"# {t}".rstrip() for t in steps), *own[1:]])


@dataclass(frozen=True)
class CatalogUpdate:
    """What :func:`update_catalog` did to a translation file."""

    created: bool
    #: Texts added (empty translation), texts whose English changed (marked fuzzy),
    #: and texts as they were.
    new: int
    changed: int
    unchanged: int
    #: Fields whose reviewed translation was accepted (fuzzy flag removed).
    accepted: tuple[str, ...] = ()
    #: Translations of texts the handout no longer has, kept at the end of the file as
    #: obsolete (``#~``) entries: a step taken out by mistake and put back gets its
    #: translation again.
    removed: int = 0
    #: Texts that came back, given their translation from the obsolete (``#~``) lines.
    restored: int = 0

    @property
    def total(self) -> int:
        """Every text of the handout."""
        return self.new + self.changed + self.unchanged


def update_catalog(handout: Handout, po_path: Path, language: str,
                   display: str | None = None, *, accept: tuple[str, ...] = (),
                   accept_all: bool = False,
                   clinic: list[tuple[Loc, str]] | tuple[()] = ()) -> CatalogUpdate:
    """Create or refresh ``po_path`` so it lists every text of ``handout`` (and the
    clinic's words ``clinic`` that handouts.yaml does not translate, see
    :func:`clinic_texts`).

    Keeps existing translations (and the translator's comments), adds missing
    entries with an empty translation and a ``#. new in this update`` comment, and
    marks entries whose source text changed as fuzzy with the previous text
    (``#| msgid``), the usual gettext workflow. The header starts with plain
    instructions for a volunteer (:func:`instructions`).

    ``accept`` (fields, i.e. msgctxt values) and ``accept_all`` mark reviewed
    translations done: their fuzzy flag and previous text are removed. Only entries
    already marked fuzzy, with a translation, and whose English did not change in
    this update can be accepted; anything else is a problem.

    Raises :class:`ValidationError` (and leaves the file as it is) when the existing
    file cannot be read (rewriting it would throw the translator's work away) or an
    ``accept`` field cannot be accepted.
    """
    display = display or f"content/{po_path.name}"
    name = po_path.name.split(".")[0]
    old: Catalog | None = None
    raw: bytes | None = None
    if po_path.exists():
        old, problems = read_catalog(po_path, display, language.replace("-", "_"))
        if old is None:
            raise ValidationError(problems)
        raw = po_path.read_bytes()
    catalog = Catalog(locale=language.replace("-", "_"), project="handouts", fuzzy=False)
    catalog.header_comment = _header(old.header_comment if old else None, name, language,
                                     handout.language)
    if old is not None:  # keep the translator's header (names, dates)
        for attr in ("project", "version", "last_translator", "language_team",
                     "creation_date", "revision_date"):
            setattr(catalog, attr, getattr(old, attr))
    new = changed = unchanged = restored = 0
    live = {id(m) for m in old} if old is not None else set()
    accepted: list[str] = []
    acceptable: set[str] = set()
    texts = po_texts(handout, clinic)
    wanted = {text for _, text in texts}
    # Every translation in the old file by its English, whatever its field (obsolete
    # entries too), a finished one before one marked out of date: a text that moved
    # (steps reordered, one put back) keeps its own translation, as with msgmerge.
    by_text: dict[str, Message] = {}
    for message in _translated(old):
        found = by_text.get(message.id)
        if found is None or ("fuzzy" in found.flags and "fuzzy" not in message.flags):
            by_text[message.id] = message
    used: set[str] = set()
    for loc, text in texts:
        field = format_loc(loc)
        notes = _notes(loc, language)
        previous = old.get(text, context=field) if old else None
        if previous is None or not previous.string:
            previous = by_text.get(text, previous)
        if previous is None and old is not None:
            # An old translation of a text like this one that the handout no longer has
            # (reworded, and perhaps moved too), as msgmerge's fuzzy match does; else the
            # field's old entry, as an out-of-date translation of its new English:
            # unless its English is still the handout's (it moved, and is kept there).
            previous = _most_like(text, [m for m in by_text.values() if m.id not in wanted
                                         and m.id not in used]) or next(
                (m for m in old if m.context == field
                 and not (isinstance(m.id, str) and m.id in wanted)), None)
        if previous is not None and not (isinstance(previous.id, str)
                                         and isinstance(previous.string, str)):
            previous = None  # a plural entry never translates a handout's text
        if previous is not None:
            used.add(previous.id)
            restored += old is not None and id(previous) not in live
        comments = list(previous.user_comments) if previous is not None else []
        if previous is not None and previous.id == text:
            flags, previous_id = set(previous.flags), previous.previous_id
            if "fuzzy" in flags and previous.string:
                acceptable.add(field)
                if accept_all or field in accept:
                    flags.discard("fuzzy")
                    previous_id = []
                    accepted.append(field)
            catalog.add(text, previous.string, context=field, flags=flags,
                        previous_id=previous_id or (), user_comments=comments,
                        auto_comments=notes)
            unchanged += 1
        elif previous is not None and previous.string:
            catalog.add(text, previous.string, context=field, flags={"fuzzy"},
                        previous_id=previous.id, user_comments=comments,
                        auto_comments=notes)
            changed += 1
        else:
            # In a new file every text is new: the mark would only be noise there.
            catalog.add(text, "", context=field, user_comments=comments,
                        auto_comments=([NEW_MARK] if old is not None else []) + notes)
            new += 1
    wrong = [Problem(display, None, "--accept", (
        f"{field} is not marked out of date (fuzzy) in this file, so there is nothing to "
        "accept" + (f"; out of date now: {', '.join(sorted(acceptable))}" if acceptable
                    else "")))
        for field in accept if field not in acceptable]
    if wrong:
        raise ValidationError(wrong)
    # A translation nothing uses any more is kept, obsolete, at the end (never lost).
    removed = 0
    for message in by_text.values():
        if message.id not in used:
            catalog.obsolete[(message.id, message.context)] = Message(
                message.id, message.string, context=message.context,
                user_comments=list(message.user_comments))
            removed += id(message) in live  # not already obsolete before
    from handouts.output import write_atomic

    write_atomic(po_path, _po_bytes(catalog, raw))
    return CatalogUpdate(old is None, new, changed, unchanged, tuple(accepted), removed,
                         restored)


#: How alike an old text and a new one must be (difflib's ratio) for the old one's
#: translation to be offered, marked out of date, for the new: gettext's msgmerge uses
#: the same threshold for its fuzzy matches.
ALIKE = 0.6


def _most_like(text: str, candidates: list[Message]) -> Message | None:
    """The candidate whose English is most like ``text`` (at least :data:`ALIKE`)."""
    best, score = None, ALIKE
    for message in candidates:
        matcher = difflib.SequenceMatcher(None, str(message.id), text, autojunk=False)
        if matcher.real_quick_ratio() < score or matcher.quick_ratio() < score:
            continue
        ratio = matcher.ratio()
        if ratio >= score:
            best, score = message, ratio
    return best


def _po_bytes(catalog: Catalog, like: bytes | None) -> bytes:
    """``catalog`` as a .po file, in the way of the file it replaces (``like``): its
    byte order mark and Windows line endings kept, so an editor's file is not rewritten
    line by line.

    Each out-of-date entry's previous English is written as gettext writes it
    (``#| msgid "..."``, long texts on one line): babel wraps it like a comment, which
    split its quoted text over two lines that gettext's tools refuse and that the next
    update dropped.
    """
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, omit_header=False, include_previous=False,
             sort_output=False)
    previous = {f"msgctxt {normalize(m.context, width=0)}": m.previous_id[0]
                for m in catalog if m.context and m.previous_id}
    lines: list[str] = []
    for line in buffer.getvalue().decode("utf-8").split("\n"):
        if line in previous:
            quoted = normalize(previous[line], width=0).split("\n")
            lines += [f"#| msgid {quoted[0]}", *(f"#| {part}" for part in quoted[1:])]
        lines.append(line)
    text = "\n".join(lines)
    if like is not None and b"\r\n" in like:
        text = text.replace("\n", "\r\n")
    bom = codecs.BOM_UTF8 if like is not None and like.startswith(codecs.BOM_UTF8) else b""
    return bom + text.encode("utf-8")


def _translated(catalog: Catalog | None) -> list[Message]:
    """The translated single texts of ``catalog``, its obsolete entries last."""
    if catalog is None:
        return []
    return [m for m in [*catalog, *catalog.obsolete.values()]
            if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string]
