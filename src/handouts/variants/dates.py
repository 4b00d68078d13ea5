"""Dates as people type them: ISO, the clinic's own numeric order, or with a month name.

``12/15/2026`` is December 15th in the US and ``15/12/2026`` is the same day almost
everywhere else; the clinic's locale (its language and phone region) decides the order
of an all-numeric date. A day above 12 settles the order by itself; a date the locale
cannot settle is refused with an example, never guessed.

One reader (:func:`read_date`) and one message for every place a date is typed: a
command's option, a client CSV's cell, the desk's form.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError

if TYPE_CHECKING:
    from handouts.project.config import Config

#: The date shown in examples: its day (15) cannot be mistaken for a month.
EXAMPLE = dt.date(2026, 12, 15)
#: The years a clinic's date may fall in (first, last): anything else is a typo
#: (``20226``), and a program's tracking sheet counts weeks on from its date.
YEARS = (1900, 2999)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")


def date_locale(language: str, region: str) -> Locale:
    """The locale whose date habits the clinic follows (``en`` + ``US`` → en_US)."""
    for name in (f"{language}_{region}", language, "en_US"):
        try:
            return Locale.parse(name)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en_US")


def clinic_locale(config: Config | None) -> Locale:
    """The locale whose dates the clinic writes: its language and phone region (US
    English without a config)."""
    if config is None:
        return date_locale("en", "US")
    return date_locale(config.defaults.language, config.clinic.phone_region)


class UnreadableDate(ValueError):
    """A date that :func:`read_date` cannot read; its message says how to write one
    (it never repeats the value: a date sits beside a client's details)."""


def read_date(text: str, locale: Locale) -> dt.date:
    """``text`` as a date written the way ``locale`` writes dates, or
    :class:`UnreadableDate` with the one message every reader gives."""
    day = parse_date(text, locale)
    if day is None and _no_such_day(text, locale):
        raise UnreadableDate("is not a day of the calendar (that month has fewer days, or "
                             "there is no such month); check the day and the month")
    if day is None:
        raise UnreadableDate(f"is not a date handouts can read; write it as {example(locale)}")
    if not in_range(day):
        raise UnreadableDate(out_of_range())
    return day


def before_given(appointment: dt.date | None, given: dt.date) -> str | None:
    """Why a next appointment looks mistyped: it is before the day the handout or
    program is given (last year's date typed in January, day and month swapped). A
    warning, never a refusal: it prints as typed (a copy made that way before still
    is). The message never repeats the appointment (a client's detail)."""
    if appointment is None or appointment >= given:
        return None
    return (f"is before the day it is given ({given.isoformat()}); check the year and the "
            "month (it prints as typed)")


#: How far from today a program's given day may be without a warning (days either way).
GIVEN_WINDOW = 30


def far_from_today(given: dt.date | None, today: dt.date) -> str | None:
    """Why a given day looks mistyped: more than :data:`GIVEN_WINDOW` days before or
    after ``today`` (a year typed wrong dates the tracking sheet wrong, and the PDF's
    name does not change with it, so it replaces the client's current program). A
    warning, never a refusal: a program may be planned ahead. Every place that takes a
    given day (a command's ``--given``, the desk's form) says it with this message."""
    if given is None or abs((given - today).days) <= GIVEN_WINDOW:
        return None
    side = "before" if given < today else "after"
    return (f"is more than {GIVEN_WINDOW} days {side} today ({today.isoformat()}); check "
            "the year and the month (it prints as typed)")


def in_range(day: dt.date) -> bool:
    """Whether ``day`` falls in :data:`YEARS`."""
    return YEARS[0] <= day.year <= YEARS[1]


def out_of_range() -> str:
    """The message for a date outside :data:`YEARS` (never repeating it)."""
    return f"must be a date from the year {YEARS[0]} to {YEARS[1]}"


def numeric_order(locale: Locale) -> str:
    """``"md"``, ``"dm"`` or ``"ym"``: what comes first in the locale's short dates."""
    pattern = locale.date_formats["short"].pattern
    positions = {part: pattern.find(part) for part in "dMy" if part in pattern}
    first = min(positions, key=positions.__getitem__) if positions else "M"
    return {"d": "dm", "M": "md", "y": "ym"}[first]


def example(locale: Locale) -> str:
    """How to write a date that this locale reads: ``12/15/2026 or 2026-12-15``."""
    order = numeric_order(locale)
    iso = EXAMPLE.isoformat()
    if order == "ym":
        return iso
    first, second = (EXAMPLE.month, EXAMPLE.day) if order == "md" else (EXAMPLE.day, EXAMPLE.month)
    return f"{first}/{second}/{EXAMPLE.year} or {iso}"


def _months(locale: Locale) -> dict[str, int]:
    """Month names and abbreviations (the locale's and English), lower case, no dots."""
    names: dict[str, int] = {}
    for loc in (Locale.parse("en"), locale):
        for width in ("wide", "abbreviated"):
            for number, name in loc.months["format"][width].items():
                names[name.lower().rstrip(".")] = number
    return names


def parse_date(text: str, locale: Locale) -> dt.date | None:
    """``text`` as a date, or None when it is not one or its order is ambiguous here."""
    text = text.strip()
    try:
        if match := _ISO.match(text):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _NUMERIC.match(text):
            return _numeric(match[1], match[2], match[3], _order(text, locale))
        return _named(text, locale)
    except ValueError:  # 31/02/2026
        return None


def _order(text: str, locale: Locale) -> str:
    """The order of a numeric date's day and month: the locale's, except that a date
    written with dots (8.12.2026) is day first wherever it is written (Germany, Russia,
    and no month-first country writes dots): a US clinic read it as August 12."""
    return "dm" if "." in text else numeric_order(locale)


def _no_such_day(text: str, locale: Locale) -> bool:
    """Whether ``text`` is written as a date (2026-02-30, 31/31/2026) of a day that
    does not exist, rather than written in a way handouts cannot read."""
    text = text.strip()
    if _ISO.match(text):
        return True  # parse_date read its shape and the calendar refused the day
    match = _NUMERIC.match(text)
    return match is not None and (len(match[1]) == 4 or len(match[3]) == 4) and \
        _numeric_shape_only(match[1], match[2], match[3], _order(text, locale))


def _numeric_shape_only(a: str, b: str, c: str, order: str) -> bool:
    """Whether ``_numeric`` failed on the calendar, not on an ambiguous order."""
    try:
        _numeric(a, b, c, order)
    except ValueError:
        return True
    return False


def _numeric(a: str, b: str, c: str, order: str) -> dt.date | None:
    if len(a) == 4:
        return dt.date(int(a), int(b), int(c))
    if len(c) != 4:
        return None  # a two-digit year could be read several ways
    first, second = int(a), int(b)
    if first > 12 or (second <= 12 and order == "dm"):
        day, month = first, second
    elif second > 12 or order == "md":
        month, day = first, second
    else:
        return None  # both could be a month and the locale writes years first
    return dt.date(int(c), month, day)


def _named(text: str, locale: Locale) -> dt.date | None:
    """``Dec 15, 2026``, ``15 dic 2026``, ``15. Dezember 2026``."""
    words = [w for w in re.split(r"[\s,./\-]+", text.lower()) if w and w != "de"]
    months = _months(locale)
    month = [months[w] for w in words if w in months]
    numbers = [w for w in words if w.isdigit()]
    years = [w for w in numbers if len(w) == 4]
    days = [w for w in numbers if len(w) <= 2]
    if len(month) != 1 or len(years) != 1 or len(days) != 1 or \
            len(words) != 3:
        return None
    return dt.date(int(years[0]), month[0], int(days[0]))
