"""The front desk's home-program basket: its form, read, edited and checked.

The basket page (:mod:`handouts.web.program`) keeps the whole basket in its form, so
it works without JavaScript: every item is a group of fields named ``item-N-PART``
(``item-0-handout``, ``item-0-sets``, ``item-0-note``...), and the "add", "remove",
"up" and "down" buttons post the form back to be shown again, edited. Everything here
is a plain function of the posted fields (a mapping of names to text) and of an
:class:`Offer` (what the project offers), so it is tested without Flask.

:func:`read_basket` turns the form into what
:func:`handouts.commands.packet.plan_program` takes (a
:class:`~handouts.web.workers.ProgramAsked`), with every problem at once, each tied
to its field; messages never repeat what was typed about a client.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from babel import Locale

from handouts.checks.glyphs import FONT_HINT
from handouts.commands.packet import ITEM_PART, ItemChange
from handouts.errors import Problem
from handouts.project.programs import (
    MAX_DOSE_TEXT,
    MAX_ITEMS,
    MAX_NOTE,
    MAX_WEEKS,
    ClinicProgram,
    Dosage,
    dosage_from,
)
from handouts.variants.clients import text_problem
from handouts.variants.plan import GENERAL
from handouts.web.library import (
    CLIENT_FIELDS,
    DESK_FONT_HINT,
    VERSION_FIELDS,
    language_not_ready,
    language_off,
    limit_words,
    read_client,
)
from handouts.web.workers import ProgramAsked, Selection

#: Each item's dose fields, in the order the form shows them, with their labels.
DOSE_FIELDS = {"sets": "Sets", "reps": "Repetitions", "hold": "Hold each time",
               "minutes": "Minutes", "rest": "Rest between sets", "per_day": "Times a day",
               "days_per_week": "Days a week", "weeks": "For how many weeks",
               "side": "Side", "text": "Other instructions"}
#: Every field of an item but its handout.
ITEM_FIELDS = {**DOSE_FIELDS, "note": "Note for this handout"}
#: The sides a dose may name, as the form offers them.
SIDES = [("", "Not said"), ("left", "Left side"), ("right", "Right side"),
         ("both", "Both sides"), ("each", "Each side")]
#: Longest text kept in an item's field (longer is refused, and never shown again).
MAX_ITEM_FIELD = {"note": MAX_NOTE, "text": MAX_DOSE_TEXT}
#: Longest text of a number-like field (a dose part such as "1 min 30 s").
MAX_SHORT = 20
#: The program-wide fields' labels (the client's fields are the copy form's).
PROGRAM_FIELDS = {**CLIENT_FIELDS, **VERSION_FIELDS, "weeks": "Weeks on the tracking sheet",
                  "right_hand": "Start each handout on a right-hand page",
                  "add": "Add a handout", "start": "Start from a clinic program"}

_ITEM_KEY = re.compile(r"^item-(\d{1,3})-handout$")
_ACTION = re.compile(r"^(remove|up|down)-(\d{1,3})$")


def field_name(index: int, part: str) -> str:
    """The form field of part ``part`` of item ``index`` (0-based): ``item-0-sets``."""
    return f"item-{index}-{part}"


def limit(part: str) -> int:
    """The longest text an item's field ``part`` keeps."""
    return MAX_ITEM_FIELD.get(part, MAX_SHORT)


@dataclass
class Item:
    """One item of the basket as the form holds it: the handout and each field's text
    as typed (a dose is read only when the program is made)."""

    handout: str
    values: dict[str, str] = field(default_factory=dict)

    def value(self, part: str) -> str:
        """The text of ``part``, or nothing when it is over its limit (never echoed)."""
        text = self.values.get(part, "")
        return text if len(text) <= limit(part) else ""


@dataclass(frozen=True)
class Offer:
    """What the form may choose from: the project as the desk loaded it."""

    #: Handouts that load, by name: their titles (in the library's order).
    handouts: dict[str, str]
    #: Handouts that do not load, by name: their content file.
    broken: dict[str, str]
    #: Clinic programs that load, by name.
    programs: dict[str, ClinicProgram]
    #: The languages each handout can be made in now.
    languages: dict[str, tuple[str, ...]]
    audiences: list[tuple[str, str]]
    papers: list[tuple[str, str]]
    prints: list[tuple[str, str]]
    default_paper: str
    #: The clinic's locations (empty: one location, no choice to make).
    locations: list[tuple[str, str]] = field(default_factory=list)
    default_location: str | None = None
    #: The clinic's date habits (the next appointment is read as the client CSV reads it).
    locale: Locale = field(default_factory=lambda: Locale.parse("en_US"))
    #: For each handout, its translations that have errors now: language -> file.
    off_languages: dict[str, dict[str, str]] = field(default_factory=dict)


# ------------------------------------------------------------ the basket's items

def read_items(form: Mapping[str, str]) -> list[Item]:
    """The basket's items in the form's order (by their number), as typed."""
    numbers = sorted({int(m.group(1)) for key in form if (m := _ITEM_KEY.match(key))})
    items = []
    for number in numbers[:MAX_ITEMS * 2]:  # a form holds at most MAX_ITEMS: no more work
        handout = (form.get(field_name(number, "handout")) or "").strip()
        if handout:
            items.append(Item(handout[:80], {part: (form.get(field_name(number, part)) or "")
                                             .strip() for part in ITEM_FIELDS}))
    return items


def seconds_text(seconds: int) -> str:
    """Seconds as a clinic writes them, and :func:`read_seconds` reads them back:
    ``30 s``, ``2 min``, ``1 min 30 s``."""
    minutes, rest = divmod(seconds, 60)
    parts = ([f"{minutes} min"] if minutes else []) + ([f"{rest} s"] if rest or not minutes
                                                        else [])
    return " ".join(parts)


def dose_values(dosage: Dosage) -> dict[str, str]:
    """A dose as the form's fields show it."""
    values = {}
    for part in DOSE_FIELDS:
        value = getattr(dosage, part)
        if value is None:
            continue
        values[part] = seconds_text(value) if part in ("hold", "rest") else str(value)
    return values


def clinic_items(program: ClinicProgram) -> list[Item]:
    """A clinic program's items with their usual dose and note, to start a basket."""
    return [Item(spec.handout, {**dose_values(spec.dosage), "note": spec.note or ""})
            for spec in program.program.items]


def addable(items: list[Item], offer: Offer) -> dict[str, str]:
    """The handouts "Add a handout" offers, by name: their titles (the library's order),
    leaving out those already in the basket (adding one again is refused, so listing it
    only led to that refusal)."""
    chosen = {item.handout for item in items}
    return {name: title for name, title in offer.handouts.items() if name not in chosen}


def edit(items: list[Item], action: str, add: str | None, offer: Offer
         ) -> tuple[list[Item], str | None, list[Problem]]:
    """The basket after ``action`` (``add`` with the handout ``add``, ``remove-N``,
    ``up-N``, ``down-N``), the field to move the focus to, and what was refused."""
    items = list(items)
    if action == "add":
        if not add or add not in offer.handouts:
            why = "has errors the clinic must fix first" if add in offer.broken else \
                "choose one of the listed handouts"
            return items, "add", [Problem("form", None, "add", why)]
        if any(item.handout == add for item in items):
            number = next(n for n, i in enumerate(items, start=1) if i.handout == add)
            return items, "add", [Problem("form", None, "add",
                                          f"is already handout {number} of this program")]
        if len(items) >= MAX_ITEMS:
            return items, "add", [Problem("form", None, "add",
                                          f"a program holds at most {MAX_ITEMS} handouts")]
        items.append(Item(add))
        return items, field_name(len(items) - 1, "sets"), []
    match = _ACTION.match(action)
    if match is None or not 0 <= int(match.group(2)) < len(items):
        return items, None, []  # a stale page's button: show the basket as it is
    verb, index = match.group(1), int(match.group(2))
    if verb == "remove":
        items.pop(index)
        if not items:
            return items, "add", []
        return items, field_name(min(index, len(items) - 1), "remove"), []
    other = index - 1 if verb == "up" else index + 1
    if not 0 <= other < len(items):
        return items, field_name(index, verb), []
    items[index], items[other] = items[other], items[index]
    # Keep the focus on the same button, which moved with its item (at the edge of the
    # list, on the other one).
    edge = (verb == "up" and other == 0) or (verb == "down" and other == len(items) - 1)
    return items, field_name(other, "down" if verb == "up" else "up") if edge \
        else field_name(other, verb), []


# ------------------------------------------------------------ reading the form

def item_label(number: int, title: str | None, part: str | None = None) -> str:
    """How a message names an item's field: ``Handout 2 (How to give a back massage),
    Sets`` (``number`` from 1, as the page shows it)."""
    name = f"Handout {number}" + (f" ({title})" if title else "")
    return name if part is None or part == "handout" else f"{name}, {ITEM_FIELDS[part]}"


def item_title(item: Item, offer: Offer) -> str:
    """How the page names an item's handout: its title, a broken one's file name, and
    never a posted value that is neither (it is not repeated back)."""
    if item.handout in offer.handouts:
        return offer.handouts[item.handout]
    return item.handout if item.handout in offer.broken else "not in this library"


def labels(items: list[Item], offer: Offer) -> dict[str, str]:
    """Every field's label, by field name, for the messages."""
    found = dict(PROGRAM_FIELDS)
    for index, item in enumerate(items):
        title = item_title(item, offer)
        for part in ("handout", *ITEM_FIELDS):
            found[field_name(index, part)] = item_label(index + 1, title, part)
    return found


def read_basket(form: Mapping[str, str], offer: Offer, items: list[Item] | None = None
                ) -> tuple[ProgramAsked | None, list[Problem]]:
    """The program the form asks for (None when anything is wrong) and every problem,
    each tied to its field (``path`` "form", ``field`` the field's name).

    The checks are those of ``handouts program`` (the same dose model and client rules);
    besides, a handout that does not load, a language a handout lacks and a handout
    given twice are named here, where staff can fix them.
    """
    items = read_items(form) if items is None else items
    problems: list[Problem] = []
    changes: list[ItemChange] = []
    if not items:
        problems.append(Problem("form", None, "add", "a program needs at least one handout: "
                                "start from a clinic program or add a handout"))
    elif len(items) > MAX_ITEMS:
        problems.append(Problem("form", None, "add",
                                f"has {len(items)} handouts; a program holds at most "
                                f"{MAX_ITEMS}"))
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        at = field_name(index, "handout")
        if item.handout in offer.broken:
            problems.append(Problem("form", None, at, (
                f"cannot be given now: {offer.broken[item.handout]} has errors the clinic "
                "must fix first; remove it from this program")))
        elif item.handout not in offer.handouts:
            problems.append(Problem("form", None, at, "is not a handout of this library; "
                                    "remove it from this program"))
        elif item.handout in seen:
            problems.append(Problem("form", None, at, (
                f"is already handout {seen[item.handout] + 1} of this program; remove one")))
        seen.setdefault(item.handout, index)
        change = _read_item(index, item, problems)
        if change is not None:
            changes.append(change)
    choices = _read_choices(form, offer, items, problems)
    client, found = read_client(form, offer.locale)
    problems += found
    if client is None and not any(p.field == "client" for p in found):
        problems.append(Problem("form", None, "client",
                                "is needed: the program's cover says whom it is for"))
    weeks = None
    text = (form.get("weeks") or "").strip()
    if text:
        if text.isdigit() and 1 <= int(text) <= MAX_WEEKS:
            weeks = int(text)
        else:
            problems.append(Problem("form", None, "weeks",
                                    f"must be a number of weeks from 1 to {MAX_WEEKS}"))
    if problems or client is None:
        return None, problems
    started = offer.programs.get(form.get("program") or "")
    # It names the program (its title on the cover and in the record) only while every
    # one of its handouts is still in the basket (others may be added): with one taken
    # out, it is no longer that program.
    given = {change.handout for change in changes}
    kept = started is not None and {i.handout for i in started.program.items} <= given
    return ProgramAsked(tuple(changes), client, choices, weeks,
                        (form.get("right_hand") or "") in ("1", "on", "yes"),
                        started if kept else None), []


def _read_item(index: int, item: Item, problems: list[Problem]) -> ItemChange | None:
    """One item's dose and note, adding what is wrong to ``problems``."""
    wrong = len(problems)
    values = {}
    for part in ITEM_FIELDS:
        text = item.values.get(part, "")
        if not text:
            continue
        at = field_name(index, part)
        if len(text) > limit(part):
            problems.append(Problem("form", None, at,
                                    f"is too long: at most {limit(part)} characters"))
        elif part in ("note", "text") and text_problem(text, lines=part == "note"):
            # The therapist's words about the client: the rule (and message) of the
            # client's own fields, which never repeats the text.
            problems.append(Problem("form", None, at, text_problem(text, lines=part == "note")
                                    or ""))
        elif part != "note":
            values[part] = text
    dosage, found = dosage_from(values, "form", "")
    for problem in found:
        part = problem.field.replace("-", "_")
        problems.append(Problem("form", None, field_name(index, part), problem.message))
    if dosage is None or len(problems) > wrong:
        return None
    return ItemChange(item.handout, dosage, item.values.get("note") or None)


def _read_choices(form: Mapping[str, str], offer: Offer, items: list[Item],
                  problems: list[Problem]) -> Selection:
    """The version asked for: each choice one the project offers."""

    def pick(key: str, values: list[tuple[str, str]], default: str | None) -> str | None:
        value = form.get(key) or default
        if values and value not in {v for v, _ in values}:
            problems.append(Problem("form", None, key, "choose one of the listed options"))
            return default
        return value

    language = form.get("language") or None
    if language is not None:
        lacking = [item_label(n, offer.handouts[i.handout])
                   for n, i in enumerate(items, start=1) if i.handout in offer.handouts
                   and language not in offer.languages.get(i.handout, ())]
        known = {code for codes in offer.languages.values() for code in codes}
        broken = sorted({offer.off_languages[i.handout][language] for i in items
                         if language in offer.off_languages.get(i.handout, {})})
        if broken:  # a translation with errors: say which file, not just "choose"
            problems.append(Problem("form", None, "language", language_off(broken)))
            language = None
        elif language not in known:
            problems.append(Problem("form", None, "language",
                                    "choose one of the listed options"))
            language = None
        elif lacking:
            problems.append(Problem("form", None, "language", (
                f"is not available for {', '.join(lacking)}: choose another language or "
                "remove that handout")))
    return Selection(pick("audience", offer.audiences, GENERAL) or GENERAL, language,
                   pick("paper", offer.papers, offer.default_paper),
                   pick("print_size", offer.prints, "standard") or "standard",
                   pick("location", offer.locations, offer.default_location)
                   if offer.locations else None)


def for_the_basket(problems: list[Problem], items: Sequence[Item] = ()) -> list[Problem]:
    """A program's problems (from :func:`plan_program` and :func:`make_program`,
    named as the command line names them) in the words of the form: ``--item 2 note``
    is item 2's note field, ``--client`` the client's name, ``--weeks`` the weeks; a
    handout of ``items`` over its page limit once its plan is in is that item's note
    (the owner's message named max_pages in its content file)."""
    out = []
    for problem in problems:
        ready = language_not_ready(problem)
        if ready is not None:
            out.append(ready)
            continue
        handout = problem.path.removeprefix("content/").removesuffix(".yaml")
        index = next((n for n, item in enumerate(items) if item.handout == handout), None)
        if problem.field == "max_pages" and index is not None:
            # At the note when there is one to shorten; else at the handout (it blamed
            # an empty note).
            noted = bool(items[index].value("note").strip())
            out.append(Problem("form", None, field_name(index, "note" if noted else "handout"), (
                f"with its plan and this version's details the handout is longer than its "
                f"limit of {limit_words(problem)}: "
                + ("shorten this note or the plan's other instructions, "
                   if noted else "shorten the plan's instructions, ")
                + "choose another version, or ask the clinic owner"), problem.severity))
            continue
        # Options are named in the field (plan_program) or, for the client checks of
        # make_program, in the path with no field.
        name = problem.field if problem.field and not problem.path else \
            problem.path if not problem.field else ""
        flag = name.removeprefix("--")
        match = ITEM_PART.match(name)
        # Staff cannot add a font: they can leave the character out (as on a copy's form).
        message = problem.message.replace(FONT_HINT, DESK_FONT_HINT)
        if match:
            part = match.group(2) or "handout"
            out.append(Problem("form", None, field_name(int(match.group(1)) - 1, part),
                               message, problem.severity))
        elif flag in ("client", "name", "note", "therapist", "weeks"):
            out.append(Problem("form", None, "client" if flag == "name" else flag,
                               message, problem.severity))
        else:
            out.append(problem)
    return out


__all__ = ["DOSE_FIELDS", "ITEM_FIELDS", "SIDES", "Item", "Offer", "clinic_items",
           "dose_values", "edit", "field_name", "for_the_basket", "item_label", "labels",
           "read_basket", "read_items", "seconds_text"]
