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

import gettext
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from handouts.content import Handout
from handouts.errors import HandoutsError, Problem, Severity, ValidationError
from handouts.pofile import read_catalog
from handouts.schema import validate
from handouts.sourcefile import LineMap, SourceFile, format_loc

LOCALE_DIR = Path(__file__).parent / "locale"
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


def theme_languages() -> set[str]:
    """Languages the built-in theme's words are translated into (English is the source)."""
    return {SOURCE_LANGUAGE} | {p.name for p in LOCALE_DIR.iterdir()
                                if (p / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()}


@cache
def theme_translations(language: str) -> gettext.NullTranslations:
    """The theme's catalog for ``language``, compiled in memory from its ``.po`` file."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == SOURCE_LANGUAGE or not po.is_file():
        return gettext.NullTranslations()
    catalog, problems = read_catalog(po, f"{po.parent.parent.name}/{po.name}", language)
    if catalog is None:
        raise HandoutsError(problems)
    for message in list(catalog):
        if message.id and not _same_placeholders(str(message.id), message.string):
            # Jinja's gettext formats every word with ``%``: a stray ``%`` or a renamed
            # ``%(name)s`` would crash the render, so that word stays in English.
            message.string = ""
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def _same_placeholders(msgid: str, translation: object) -> bool:
    """Whether ``translation`` formats with exactly the ``%(name)s`` fields of ``msgid``."""
    if not isinstance(translation, str):
        return False
    if "%" in _PLACEHOLDER.sub("", translation):
        return False
    names = {name for name in _PLACEHOLDER.findall(translation) if name}
    return names == {name for name in _PLACEHOLDER.findall(msgid) if name}


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
    out += [(("sources", i, "title"), s.title) for i, s in enumerate(handout.sources)]
    return out


@dataclass(frozen=True)
class Translated:
    """A handout in another language, and what was wrong with its translation."""

    handout: Handout | None
    problems: list[Problem]


def translate(handout: Handout, po_path: Path, display: str, language: str) -> Translated:
    """Apply the translation in ``po_path`` to ``handout``.

    Missing entries are errors (the handout is never printed half in English);
    entries whose source text changed since translation, or marked fuzzy, are used
    with a warning that they are out of date.
    """
    name = language_name(language)
    if not po_path.is_file():
        return Translated(None, [Problem(display, None, "", (
            f"no {name} translation; create it with 'handouts translate "
            f"{po_path.name.split('.')[0]} {language}'"))])
    catalog, problems = read_catalog(po_path, display, language.replace("-", "_"))
    if catalog is None:
        return Translated(None, problems)
    values: dict[tuple[str | int, ...], str] = {}
    lines = LineMap()
    for loc, text, entry, exact in entries(handout, catalog):
        field = format_loc(loc)
        picked = chosen(entry, exact)
        if picked is not None:
            values[loc] = str(picked.string)
            lines.lines[loc] = picked.lineno or 0
        if picked is not None and (picked is not exact or picked.fuzzy):
            problems.append(Problem(display, picked.lineno, field, (
                f"the {name} translation is out of date: the English text changed after it "
                f"was translated; update it (now: \"{_short(text)}\")"), Severity.WARNING))
        elif picked is None:
            problems.append(Problem(display, entry.lineno if entry else None, field,
                                    f"no {name} translation of \"{_short(text)}\""))
    if any(p.severity is Severity.ERROR for p in problems):
        return Translated(None, problems)
    translated = _apply(handout, values, language, SourceFile(po_path, display, None, lines, b""),
                        problems)
    return Translated(translated, problems)


def entries(handout: Handout, catalog: Catalog) -> list[tuple[
        tuple[str | int, ...], str, Message | None, Message | None]]:
    """For every translatable text: its location, the text, the catalog entry for its
    field, and the entry translating exactly this text (either may be None).

    The field's entry (``msgctxt``) is preferred; a text that moved to another field
    keeps its translation through its ``msgid``.
    """
    # Plural entries (msgid_plural) never translate a handout's text.
    messages = [m for m in catalog if m.id and isinstance(m.id, str)
                and isinstance(m.string, str)]
    by_text = {m.id: m for m in messages if m.string}
    by_field = {m.context: m for m in messages if m.context}
    out: list[tuple[tuple[str | int, ...], str, Message | None, Message | None]] = []
    for loc, text in translatable(handout):
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


def update_catalog(handout: Handout, po_path: Path, language: str,
                   display: str | None = None) -> tuple[int, int]:
    """Create or refresh ``po_path`` so it lists every text of ``handout``.

    Keeps existing translations, adds missing entries with an empty translation and
    marks entries whose source text changed as fuzzy (with the previous text), the
    usual gettext workflow. Returns (entries added, entries marked out of date).
    Raises :class:`ValidationError` (and leaves the file as it is) when the existing
    file cannot be read: rewriting it would throw the translator's work away.
    """
    old: Catalog | None = None
    if po_path.exists():
        old, problems = read_catalog(po_path, display or f"content/{po_path.name}",
                                     language.replace("-", "_"))
        if old is None:
            raise ValidationError(problems)
    catalog = Catalog(locale=language.replace("-", "_"), project="handouts",
                      header_comment=f"# {language_name(language)} translation of "
                                     f"{po_path.name.split('.')[0]}.",
                      fuzzy=False)
    if old is not None:  # keep the translator's header (names, dates, comments)
        catalog.header_comment = old.header_comment
        for attr in ("project", "version", "last_translator", "language_team",
                     "creation_date", "revision_date"):
            setattr(catalog, attr, getattr(old, attr))
    added = stale = 0
    for loc, text in translatable(handout):
        field = format_loc(loc)
        previous = old.get(text, context=field) if old else None
        if previous is None and old is not None:
            previous = next((m for m in old if m.context == field), None)
        if previous is not None and not (isinstance(previous.id, str)
                                         and isinstance(previous.string, str)):
            previous = None  # a plural entry never translates a handout's text
        if previous is not None and previous.id == text:
            catalog.add(text, previous.string, context=field, flags=previous.flags)
        elif previous is not None and previous.string:
            catalog.add(text, previous.string, context=field, flags={"fuzzy"},
                        previous_id=previous.id)
            stale += 1
        else:
            catalog.add(text, "", context=field)
            added += 1
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, omit_header=False, include_previous=True,
             sort_output=False)
    from handouts.output import write_atomic

    write_atomic(po_path, buffer.getvalue())
    return added, stale
