"""A client's home program: what is given (handouts, each with a dose and a note), to
whom, in which version, and how its words read in the program's language.

Pure functions and frozen models; the packet itself is laid out by
:mod:`handouts.render.program`. The dose is worded from the theme's own catalogs, so
a Spanish program says "3 series de 10, 2 veces al día".
"""

from __future__ import annotations

import datetime as dt
import gettext
from dataclasses import dataclass, field
from pathlib import Path

from handouts.errors import Problem
from handouts.project.programs import Dosage
from handouts.project.schema import Paper, PrintSize
from handouts.variants.clients import Client, composed
from handouts.variants.i18n import theme_translations
from handouts.variants.plan import GENERAL

#: The most weeks a tracking sheet covers when no item says (one week's sheet).
DEFAULT_WEEKS = 1


@dataclass(frozen=True)
class ProgramItem:
    """One handout of a program, with its dose and the therapist's note for it."""

    handout: str
    dosage: Dosage = field(default_factory=Dosage)
    note: str | None = None
    #: Which of the therapist's changes gave or changed it (1-based: ``--item N``, the
    #: basket's row N), for messages; None: the clinic program's item as it is.
    given_as: int | None = field(default=None, compare=False)
    #: Which of its words (``note``, ``text``: its dose's) are its clinic program's own,
    #: as the file gives them: checked with that file, at their line, not again as the
    #: therapist's words.
    clinic_words: frozenset[str] = field(default=frozenset(), compare=False)

    def __post_init__(self) -> None:
        if self.note:  # the therapist's words, typed anywhere: as a client's (see composed)
            object.__setattr__(self, "note", composed(self.note))


@dataclass(frozen=True)
class Program:
    """One client's program, in one version (audience, language, paper, print size,
    location): the items in the order they are given."""

    items: tuple[ProgramItem, ...]
    client: Client
    language: str
    audience: str = GENERAL
    paper: Paper = "letter"
    print_size: PrintSize = "standard"
    location: str | None = None
    #: The clinic program it started from (its title is printed on the cover).
    title: str | None = None
    #: The day it is given: the cover's date and the tracking sheet's first day.
    given: dt.date = field(default_factory=dt.date.today)
    #: Weeks on the tracking sheet; None: the longest item's ``weeks``, else one.
    weeks: int | None = None
    #: Start each handout on a right-hand (odd) page, for double-sided printing.
    right_hand: bool = False
    #: Warnings found as it was planned (its clinic program's words with no translation
    #: in its language, a dose longer than its sheet), given with the packet's own.
    notices: tuple[Problem, ...] = field(default=(), compare=False)
    #: The clinic program's title as the clinic wrote it (``title`` is in the program's
    #: language): the record for the clinic's own files is in the clinic's words.
    own_title: str | None = None

    @property
    def tracking_weeks(self) -> int:
        """How many weeks the tracking sheet covers."""
        if self.weeks is not None:
            return self.weeks
        return max((i.dosage.weeks or 0 for i in self.items), default=0) or DEFAULT_WEEKS


def _plural(words: gettext.NullTranslations, count: int, one: str, many: str) -> str:
    # The theme's catalogs hold plain words (no msgid_plural): each phrase has a "1"
    # form and a form for every other count; a translator may word the second so that
    # it reads right for every count of their language.
    return words.gettext(one) if count == 1 else words.gettext(many) % {"count": count}


def duration(words: gettext.NullTranslations, seconds: int) -> str:
    """``30 seconds``, ``2 minutes``, ``1 minute 30 seconds`` in the catalog's words."""
    minutes, rest = divmod(seconds, 60)
    parts = []
    if minutes:
        parts.append(_plural(words, minutes, "1 minute", "%(count)s minutes"))
    if rest or not minutes:
        parts.append(_plural(words, rest, "1 second", "%(count)s seconds"))
    return " ".join(parts)


def dosage_parts(dosage: Dosage, language: str, root: Path | None = None) -> list[str]:
    """The dose as short phrases in ``language`` (the theme's words, with the project's
    ``locale/<language>.po`` over them), in a fixed order."""
    words = theme_translations(language, root)
    parts: list[str] = []
    if dosage.sets and dosage.reps:
        one, many = "1 set of %(reps)s", "%(count)s sets of %(reps)s"
        parts.append(words.gettext(one) % {"reps": dosage.reps} if dosage.sets == 1 else
                     words.gettext(many) % {"count": dosage.sets, "reps": dosage.reps})
    elif dosage.sets:
        parts.append(_plural(words, dosage.sets, "1 set", "%(count)s sets"))
    elif dosage.reps:
        parts.append(_plural(words, dosage.reps, "1 repetition", "%(count)s repetitions"))
    if dosage.hold:
        parts.append(words.gettext("hold %(time)s") % {"time": duration(words, dosage.hold)})
    if dosage.minutes:
        parts.append(words.gettext("for %(time)s") % {
            "time": duration(words, dosage.minutes * 60)})
    if dosage.rest:
        parts.append(words.gettext("rest %(time)s between sets") % {
            "time": duration(words, dosage.rest)})
    if dosage.side:
        parts.append(words.gettext({"left": "left side", "right": "right side",
                                    "both": "both sides", "each": "each side"}[dosage.side]))
    if dosage.per_day:
        parts.append(words.gettext("once a day") if dosage.per_day == 1 else
                     words.gettext("twice a day") if dosage.per_day == 2 else
                     words.gettext("%(count)s times a day") % {"count": dosage.per_day})
    if dosage.days_per_week:
        parts.append(words.gettext("every day") if dosage.days_per_week == 7 else
                     _plural(words, dosage.days_per_week, "1 day a week",
                             "%(count)s days a week"))
    if dosage.weeks:
        parts.append(_plural(words, dosage.weeks, "for 1 week", "for %(count)s weeks"))
    if dosage.text:
        parts.append(dosage.text)
    return parts


def describe_dosage(dosage: Dosage, language: str, root: Path | None = None) -> str:
    """The whole dose as one phrase: ``3 sets of 10, hold 30 seconds, twice a day``
    (joined with the catalog's separator); empty for no dose."""
    parts = dosage_parts(dosage, language, root)
    if not parts:
        return ""
    # Joined with the catalog's own separator (Arabic "،", Chinese "，"): Babel's list
    # patterns are for measurements ("3 feet 7 inches") and lack or garble several of
    # these languages.
    join = theme_translations(language, root).gettext("%(first)s, %(next)s")
    text = parts[0]
    for part in parts[1:]:
        text = join % {"first": text, "next": part}
    return text


def tick_boxes(dosage: Dosage) -> int:
    """How many boxes one day of the tracking sheet has for an item: one per time a
    day (at most 4 fit a cell; more are ticked as one)."""
    return min(dosage.per_day or 1, 4)


#: Where a dose of fewer days than a working week falls in a five-day one (indices into
#: it): "3 days a week" is Monday, Wednesday and Friday where the week works Monday to
#: Friday; "2 days" Monday and Thursday.
_SPREAD = {1: (0,), 2: (0, 3), 3: (0, 2, 4), 4: (0, 1, 3, 4)}


def week_days(per_week: int | None, weekend: tuple[int, int] = (5, 6)) -> frozenset[int]:
    """The weekdays (0 = Monday) a dose of ``per_week`` days asks for, in a week whose
    weekend runs from ``weekend[0]`` to ``weekend[1]`` (the clinic's; Babel's
    numbering): every day (7, or no number); all but the weekend's last day (6); the
    working days (5); else days spread over the working week. Counted from the sheet's
    first day, "5 days a week" rested on a Wednesday and a Saturday."""
    count = per_week or 7
    if count >= 7:
        return frozenset(range(7))
    first, last = weekend
    off = {(first + k) % 7 for k in range(((last - first) % 7) + 1)}
    working = [day for day in ((last + 1 + k) % 7 for k in range(7)) if day not in off]
    if count == 6:
        return frozenset(set(range(7)) - {last})
    if count >= len(working):
        return frozenset(working) | frozenset(sorted(off)[:count - len(working)])
    picks = _SPREAD[count] if len(working) == 5 else \
        tuple(round(i * len(working) / count) for i in range(count))
    return frozenset(working[i] for i in picks)


def planned_days(dosage: Dosage, weeks: int, first_day: dt.date,
                 weekend: tuple[int, int] = (5, 6)) -> tuple[tuple[bool, ...], ...]:
    """For each of ``weeks`` weeks from ``first_day``, whether the sheet asks for the
    item on each of its seven days: on :func:`week_days` (by the calendar), and on none
    after the item's own ``weeks`` (an item "for 1 week" on a 4-week sheet asked for
    ticks all four)."""
    last = dosage.weeks or weeks
    days = week_days(dosage.days_per_week, weekend)
    return tuple(tuple(week < last and (first_day + dt.timedelta(days=7 * week + offset)
                                        ).weekday() in days for offset in range(7))
                 for week in range(weeks))
