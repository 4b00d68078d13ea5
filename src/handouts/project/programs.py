"""Home programs: several handouts with the therapist's dosage, given to one client.

A clinic keeps its usual programs as files, ``programs/<name>.yaml``::

    title: Low back, week 1
    weeks: 1
    items:
      - handout: back-massage
        dosage: {minutes: 10, per_day: 1, days_per_week: 5}
        note: Ask your partner to use the flat of the hand.
      - handout: desk-stretch-break
        dosage: {sets: 3, reps: 10, hold: 30 s, per_day: 2}

This module holds the dosage and program models (validated like content files:
every problem at once, located by file, line and field) and reads the files. The
same :class:`Dosage` is read from the command line (:func:`parse_dosage`) and from
a client CSV, so one set of rules and messages covers every way a dose arrives.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BeforeValidator, Field, StringConstraints, model_validator

from handouts.errors import Problem, Severity, ValidationError, errors_only
from handouts.project.content import Document
from handouts.project.languages import translation_language_problem, words_key
from handouts.project.schema import Model, PlainText, Slug, Text, describe_error, validate
from handouts.project.sourcefile import LineMap, SourceFile, format_loc, read_yaml

#: Where a project keeps its clinic programs.
PROGRAMS_DIR = "programs"
#: Program names become part of commands and addresses: the same rule as handout names.
PROGRAM_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
#: What is said of a dose (``--item``, a CSV's ``dose``) whose quote is never closed.
UNCLOSED_QUOTE = "cannot be read: a quote (\" or ') is not closed"
#: The most handouts one program may hold (a packet a client can still follow).
MAX_ITEMS = 12
#: The most weeks a tracking sheet covers.
MAX_WEEKS = 12
#: The longest note for one handout of a program, however it arrives (a program file,
#: ``--item note=``, a client CSV's ``item_note``, the desk's form): one limit, so a
#: note that prints from one place prints from every other.
MAX_NOTE = 300
#: The longest dose text (``text: before bed``), likewise everywhere.
MAX_DOSE_TEXT = 200

_UNITS = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
          "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60}
_PART = re.compile(r"(\d+)\s*([a-z]*)")
#: The longest hold or rest, in seconds (one hour), and how messages say the range.
MAX_SECONDS = 3600
_RANGE = "must be from 1 s to 60 min"


def whole_number(value: Any) -> Any:
    """A count as a clinic writes it: a whole number, in any script's digits (``3``,
    ``٣``); YAML's true/false and yes/no are not numbers (they would print as 1)."""
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())  # any script's digits; never "1_0" or "+3"
    if isinstance(value, str) and value.strip().startswith("-") and \
            value.strip()[1:].strip().isdecimal():
        return -int(value.strip()[1:])  # a whole number: its range says what is wrong
    if isinstance(value, str):
        raise ValueError("must be a whole number")
    return value  # pydantic says what is wrong with a fraction, a list or a mapping


def _duration_parts(text: str) -> list[tuple[int, int]] | None:
    """``text`` (folded) as its ``(number, seconds per unit)`` parts, in order (a bare
    number is seconds); None when it is not made of such parts. Raises for a unit
    that is not one (``3 fortnights``), with the message every reader gives."""
    parts, pos = [], 0
    for match in _PART.finditer(text):
        if text[pos:match.start()].strip(" ,") or not match.group(0):
            break
        unit = match.group(2) or "s"
        if unit not in _UNITS:
            raise ValueError(f"has an unknown unit '{match.group(2)}': write seconds "
                             "(30 s) or minutes (2 min)")
        parts.append((int(match.group(1)), _UNITS[unit]))
        pos = match.end()
    return parts if text and pos and not text[pos:].strip() else None


def read_seconds(value: Any) -> Any:
    """A duration as a clinic writes it: ``30`` (seconds), ``30 s``, ``45 sec``,
    ``2 min``, ``1 min 30 s``; returns whole seconds, or raises a plain message.

    Minutes, then seconds, each at most once (``30 s 30 s`` and ``2 min 90 s`` are
    typos, not sums); from 1 s to 60 min, said in those units."""
    if isinstance(value, bool):
        raise ValueError("must be a duration such as 30 s or 2 min")
    if isinstance(value, int):
        if not 1 <= value <= MAX_SECONDS:
            raise ValueError(_RANGE)
        return value
    if not isinstance(value, str):
        return value  # pydantic says what is wrong with a list or a mapping
    parts = _duration_parts(value.strip().casefold())
    # Each unit smaller than the one before, and a part after the first under 60.
    if parts is None or any(unit >= parts[n - 1][1] or number >= 60
                            for n, (number, unit) in enumerate(parts) if n):
        raise ValueError(f"'{value.strip()}' is not a duration: write seconds (30 s), "
                         "minutes (2 min) or both (1 min 30 s)")
    total = sum(number * unit for number, unit in parts)
    if not 1 <= total <= MAX_SECONDS:
        raise ValueError(_RANGE)
    return total


#: Seconds, from 1 s to one hour, read by :func:`read_seconds`.
Seconds = Annotated[int, BeforeValidator(read_seconds), Field(ge=1, le=MAX_SECONDS)]
#: A count (sets, reps, times a day...), read by :func:`whole_number`.
Count = Annotated[int, BeforeValidator(whole_number)]
Side = Literal["left", "right", "both", "each"]


class Dosage(Model):
    """How much of one handout's technique: every part optional, each in its range."""

    sets: Count | None = Field(None, ge=1, le=20)
    reps: Count | None = Field(None, ge=1, le=100)
    #: How long to hold each stretch or position.
    hold: Seconds | None = None
    #: How long the technique itself takes (a self-massage of 5 minutes).
    minutes: Count | None = Field(None, ge=1, le=120)
    #: Rest between sets.
    rest: Seconds | None = None
    per_day: Count | None = Field(None, ge=1, le=12)
    days_per_week: Count | None = Field(None, ge=1, le=7)
    weeks: Count | None = Field(None, ge=1, le=MAX_WEEKS)
    side: Side | None = None
    #: Anything the parts above cannot say ("before bed"), printed as written.
    text: Annotated[PlainText, StringConstraints(max_length=MAX_DOSE_TEXT)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _dashes(cls, data: Any) -> Any:
        """``per-day`` and ``days-per-week`` as the command line and a CSV write them
        (and the guide shows them): a program file may too. Both spellings of one part
        at once are left as they are, so the unknown key is named."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for key in data:
            if isinstance(key, str) and "-" in key:
                plain = key.replace("-", "_")
                if plain in cls.model_fields and plain not in data:
                    out[plain] = out.pop(key)
        return out

    @property
    def empty(self) -> bool:
        """Whether no part is set (the handout is given without a dose)."""
        return all(getattr(self, name) is None for name in type(self).model_fields)

    def merged(self, other: Dosage) -> Dosage:
        """This dosage with every part ``other`` sets taken from ``other`` (a client's
        adjustment of a clinic program's default)."""
        changes = {name: getattr(other, name) for name in other.model_fields_set
                   if getattr(other, name) is not None}
        return self.model_copy(update=changes)


#: The keys of a dosage, as the command line and a CSV may also spell them.
DOSAGE_KEYS = tuple(Dosage.model_fields)
_ALIASES = {key.replace("_", "-"): key for key in DOSAGE_KEYS}


def note_problem(note: str) -> str | None:
    """What is wrong with a therapist's note for one handout as typed on the command
    line or in a client CSV (None: nothing): the rule a program file's note gets from
    :data:`Note`, in its words. The note itself is never repeated (it is about a client)."""
    return f"is too long (at most {MAX_NOTE} characters)" if len(note) > MAX_NOTE else None


Title = Annotated[PlainText, StringConstraints(max_length=80)]
Description = Annotated[PlainText, StringConstraints(max_length=300)]
Note = Annotated[PlainText, StringConstraints(max_length=MAX_NOTE)]
DoseText = Annotated[PlainText, StringConstraints(max_length=MAX_DOSE_TEXT)]


class ProgramItemSpec(Model):
    """One handout of a program, with its default dosage and a note."""

    handout: Slug
    dosage: Dosage = Dosage()
    note: Note | None = None


class ProgramWords(Model):
    """A clinic program's own words in another language (``translations: {es: ...}``):
    its title and description, and each item's note and dose text by the item's
    handout."""

    title: Title | None = None
    description: Description | None = None
    notes: dict[Slug, Note] = {}
    texts: dict[Slug, DoseText] = {}


class ProgramFile(Model):
    """A clinic program: ``programs/<name>.yaml``."""

    title: Title
    description: Description | None = None
    #: How many weeks the tracking sheet covers (default: the longest item's weeks, else 1).
    weeks: Count | None = Field(None, ge=1, le=MAX_WEEKS)
    items: list[ProgramItemSpec] = Field(min_length=1, max_length=MAX_ITEMS)
    #: The program's words in other languages than the clinic's (``defaults.language``).
    #: Each key is judged by :func:`_translation_languages` as the file is read (a code
    #: that is no language code, or one no handout is in), against the project.
    translations: dict[Text, ProgramWords] = {}


#: Where an item of a program file holds each of its own printed words: its note and
#: its dose's text (named as :attr:`~handouts.variants.program.ProgramItem.clinic_words`
#: names them).
ITEM_WORDS: dict[str, tuple[str, ...]] = {"note": ("note",), "text": ("dosage", "text")}


class ClinicProgram:
    """A loaded, validated clinic program and where it came from."""

    def __init__(self, name: str, path: Path, display: str, program: ProgramFile,
                 lines: LineMap) -> None:
        self.name = name
        self.path = path
        self.display = display
        self.program = program
        self.lines = lines

    def problem(self, loc: tuple[str | int, ...], message: str,
                severity: Severity = Severity.ERROR) -> Problem:
        """A problem at ``loc`` of this file (``("items", 1, "handout")``)."""
        return Problem(self.display, self.lines.line_of(loc), format_loc(loc), message,
                       severity)

    def in_language(self, language: str, source: str, *,
                    unprinted: Collection[tuple[int, str]] = ()
                    ) -> tuple[ProgramFile, list[Problem]]:
        """The program with its own words (title, description, each item's note and
        dose text) in ``language``, from ``translations``; and a warning for each printed
        word that has none there, printed as written in ``source`` (the clinic's
        language). ``unprinted``: the words a packet leaves out, each as its item's
        index and ``"note"`` or ``"text"`` (a note the therapist replaced): nothing is
        said of them, as nothing of them is printed."""
        translated, missing, _ = self._in_language(language, source)
        place = f"translations.{language}"
        left_out = {("items", n, *ITEM_WORDS[part]) for n, part in unprinted}
        return translated, [self.problem(loc, (
            f"has no {language} words ({place}); printed in {source} as written"),
            Severity.WARNING) for loc in missing if loc not in left_out]

    def words_in(self, language: str, source: str) -> list[tuple[tuple[str | int, ...], str]]:
        """Each of the program's own words shown in ``language`` (its title, description,
        each item's note and dose text), with where the file holds the words used: its
        translation under ``translations``, else the words as written (``source``: the
        clinic's language). For the checks of every text field of a program file."""
        return self._in_language(language, source)[2]

    def _in_language(self, language: str, source: str
                     ) -> tuple[ProgramFile, list[tuple[str | int, ...]],
                                list[tuple[tuple[str | int, ...], str]]]:
        # One choice of words for what is printed (in_language) and what is checked
        # (words_in), so the checks read exactly the words the packet prints.
        program = self.program
        key = words_key(program.translations, language, source)
        words = (program.translations.get(key) if key is not None else None) or ProgramWords()
        at = ("translations", key or language)
        missing: list[tuple[str | int, ...]] = []
        used: list[tuple[tuple[str | int, ...], str]] = []

        def said(text: str | None, translated: str | None, loc: tuple[str | int, ...],
                 translated_at: tuple[str | int, ...], *, warn: bool = True) -> str | None:
            if translated:
                used.append((translated_at, translated))
                return translated
            if text and key is not None and warn:
                missing.append(loc)
            if text:
                used.append((loc, text))
            return text

        items = [item.model_copy(update={
            "note": said(item.note, words.notes.get(item.handout),
                         ("items", n, *ITEM_WORDS["note"]), (*at, "notes", item.handout)),
            "dosage": item.dosage.model_copy(update={"text": said(
                item.dosage.text, words.texts.get(item.handout),
                ("items", n, *ITEM_WORDS["text"]), (*at, "texts", item.handout))})})
            for n, item in enumerate(program.items)]
        title = said(program.title, words.title, ("title",), (*at, "title"))
        # Not printed (list and the desk show it): translated when given, never missing.
        description = said(program.description, words.description, ("description",),
                           (*at, "description"), warn=False)
        if key is None:  # the program's own words
            return program, [], used
        translated = program.model_copy(update={
            "title": title, "description": description, "items": items})
        return translated, missing, used


def program_name(text: str) -> str:
    """The program a command line or a CSV cell names, however it was written: its name
    (``desk-worker-week-1``), its file's name (``desk-worker-week-1.yaml``, as shell
    completion and a file browser give it) or its path inside the project
    (``programs/desk-worker-week-1.yml``)."""
    name = text.strip().replace("\\", "/")
    name = name.removeprefix("./").removeprefix(f"{PROGRAMS_DIR}/")
    for suffix in (".yaml", ".yml"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def discover_programs(root: Path, problems: list[Problem] | None = None) -> dict[str, Path]:
    """Program names → files, from ``programs/*.yaml`` (sorted). With ``problems``,
    a file whose name is not a valid program name is reported (never skipped silently)."""
    folder = root / PROGRAMS_DIR
    if not folder.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        if path.suffix.lower() not in (".yaml", ".yml"):
            if problems is not None:
                problems.append(Problem(f"{PROGRAMS_DIR}/{path.name}", None, "",
                                        "is not a program file (programs are "
                                        "programs/<name>.yaml); move or rename it",
                                        severity=Severity.WARNING))
            continue
        if not PROGRAM_NAME_RE.match(path.stem):
            if problems is not None:
                problems.append(Problem(f"{PROGRAMS_DIR}/{path.name}", None, "",
                                        f"'{path.stem}' is not a valid program name: use "
                                        "lower-case letters, digits and dashes "
                                        "(e.g. low-back-week-1)"))
            continue
        found[path.stem] = path
    return found


def languages_in_use(documents: Iterable[Document]) -> set[str]:
    """The languages the project's handouts (``documents``, those that load) are in:
    each one's own language and those of its translation files (``NAME.LANG.po``).
    A program's words in any other language are never printed."""
    return {language for document in documents
            for language in (document.handout.language, *document.translation_languages())}


def load_programs(root: Path, handouts: set[str] | None,
                  problems: list[Problem], *,
                  only: set[str] | None = None,
                  languages: Collection[str] | None = None) -> dict[str, ClinicProgram]:
    """Read and validate every clinic program (or those named in ``only``: a broken
    file that is not used then costs nothing), adding every problem to ``problems``.

    ``handouts`` are the project's handout names: an item naming another is an error
    at its line (None skips that cross-check). ``languages`` are those the handouts are
    in (:func:`languages_in_use`): a ``translations:`` key naming another is a warning
    (None skips that cross-check; a key that is no language code is always said).
    A program with errors is left out.
    """
    programs: dict[str, ClinicProgram] = {}
    found_files: list[Problem] = []
    files = discover_programs(root, found_files)
    if only is None:
        problems += found_files
    for name, path in files.items():
        if only is not None and name not in only:
            continue
        display = f"{PROGRAMS_DIR}/{path.name}"
        found: list[Problem] = []
        source = read_yaml(path, display, found)
        if source is None:
            problems += found
            continue
        _lenient_doses(source, found)
        spec = validate(ProgramFile, source, found)
        found += _translation_languages(source, languages)
        if handouts is not None:  # read from the file as written, so that a program
            # with other mistakes still has its unknown handouts reported with them
            items = source.data.get("items") if isinstance(source.data, dict) else None
            seen: dict[str, int] = {}
            for index, item in enumerate(items if isinstance(items, list) else []):
                wanted = item.get("handout") if isinstance(item, dict) else None
                loc = ("items", index, "handout")
                if isinstance(wanted, str) and wanted not in handouts:
                    known = ", ".join(sorted(handouts)) or "none"
                    found.append(Problem(display, source.lines.line_of(loc), format_loc(loc),
                                         f"no such handout '{wanted}' (available: {known})"))
                elif isinstance(wanted, str) and wanted in seen:
                    # A warning, so a program that printed before still prints.
                    found.append(Problem(
                        display, source.lines.line_of(loc), format_loc(loc),
                        f"'{wanted}' is already item {seen[wanted] + 1} of this program: it "
                        "is printed twice, and a dose changed at the desk or with --item "
                        "changes only the first; give each handout once", Severity.WARNING))
                if isinstance(wanted, str):
                    seen.setdefault(wanted, index)
        if spec is not None:
            found += _stray_words(spec, display, source.lines)
            found += _longer_than_sheet(spec, display, source.lines)
        if spec is not None and not errors_only(found):
            programs[name] = ClinicProgram(name, path, display, spec, source.lines)
        problems += found
    return programs


def _translation_languages(source: SourceFile,
                           languages: Collection[str] | None) -> list[Problem]:
    """A problem at each ``translations:`` key of the file as written (so it is said with
    the file's other mistakes) that names no language handouts knows or one no handout
    is in (a warning; a code in the wrong case, refused before, an error): the rule of
    :func:`~handouts.project.languages.translation_language_problem`."""
    data = source.data if isinstance(source.data, dict) else {}
    words = data.get("translations")
    found = []
    for code in words if isinstance(words, dict) else ():
        if not isinstance(code, str) or not code.strip():
            continue  # not text: said by the validation, as for any key
        wrong = translation_language_problem(code.strip(), languages)
        if wrong is not None:
            loc = ("translations", code)
            found.append(Problem(source.display, source.lines.line_of(loc),
                                 format_loc(loc), *wrong))
    return found


def longer_than_sheet(dose_weeks: int | None, sheet_weeks: int | None) -> str | None:
    """What is said of a dose lasting ``dose_weeks`` when the program's tracking sheet
    covers ``sheet_weeks`` (None: the longest dose's, so never shorter), None when the
    sheet covers it. The one warning however the dose and the weeks arrive (a program
    file, ``--item``/``--weeks``, a client CSV's dose, the desk's form): the packet is
    still made, with a sheet that stops before that dose ends."""
    if dose_weeks is None or sheet_weeks is None or dose_weeks <= sheet_weeks:
        return None
    return (f"is longer than the program's weeks ({sheet_weeks}): the tracking sheet stops "
            f"before this dose ends; make the program's weeks at least {dose_weeks}, or "
            "this dose's weeks shorter")


#: The field of :func:`_longer_than_sheet`'s warning (``items[2].dosage.weeks``).
_DOSE_WEEKS = re.compile(r"items\[(\d+)\]\.dosage\.weeks")


def outlasting_item(problem: Problem) -> int | None:
    """The index of the program file's item whose dose ``problem`` says outlasts the
    tracking sheet (:func:`_longer_than_sheet`, read back from its field), else None."""
    match = _DOSE_WEEKS.fullmatch(problem.field)
    return None if match is None else int(match.group(1)) - 1


def _longer_than_sheet(spec: ProgramFile, display: str, lines: LineMap) -> list[Problem]:
    """A warning for each item whose dose lasts more weeks than the program's ``weeks``
    (:func:`longer_than_sheet`), at the dose's line (a warning: it prints as written)."""
    found = []
    for index, item in enumerate(spec.items):
        message = longer_than_sheet(item.dosage.weeks, spec.weeks)
        if message is not None:
            loc = ("items", index, "dosage", "weeks")
            found.append(Problem(display, lines.line_of(loc), format_loc(loc), message,
                                 Severity.WARNING))
    return found


def _stray_words(spec: ProgramFile, display: str, lines: LineMap) -> list[Problem]:
    """A warning for each translated note or dose text whose handout has no such text
    in the program (a typo in its name, or an item taken out): it is never printed."""
    found = []
    for language, words in spec.translations.items():
        for part, kept in (("notes", "note"), ("texts", "text")):
            have = {i.handout for i in spec.items
                    if (i.note if kept == "note" else i.dosage.text)}
            for handout in getattr(words, part):
                if handout not in have:
                    loc = ("translations", language, part, handout)
                    found.append(Problem(display, lines.line_of(loc), format_loc(loc), (
                        f"no item of this program has a {kept} for '{handout}': these "
                        f"words are never printed"), Severity.WARNING))
    return found


def describe_seconds(seconds: int) -> str:
    """``90`` → ``1 min 30 s``, as a program file writes a duration."""
    minutes, rest = divmod(seconds, 60)
    return " ".join(part for part in (f"{minutes} min" if minutes else "",
                                      f"{rest} s" if rest else "") if part)


#: A number with a decimal comma or point and its unit: ``1,5 min``, ``1.5 min``.
_DECIMAL = re.compile(r"(\d+)\s*[.,]\s*(\d+)\s*([a-z]+)")


def _old_seconds(value: str) -> int | None:
    """``value`` read as durations were before the strict reading: every part added up
    (``30 s 30 s``: 60), or None when even that cannot read it. A decimal with its unit
    (``1,5 min``) is read as the decimal it is (90), never as parts: added up, it was
    1 s + 5 min, a dose three times too long printed with only a warning."""
    text = value.strip().casefold()
    decimal = _DECIMAL.fullmatch(text)
    if decimal is not None:
        whole, fraction, unit = decimal.groups()
        if unit not in _UNITS:
            return None
        seconds = float(f"{whole}.{fraction}") * _UNITS[unit]
        return int(seconds) if seconds.is_integer() and 1 <= seconds <= MAX_SECONDS else None
    if re.search(r"\d\s*[.,]\s*\d", text):
        return None  # 1,5 or 1, 5: a decimal, or two numbers: nothing to add up
    try:
        parts = _duration_parts(text)
    except ValueError:
        return None
    total = sum(number * unit for number, unit in parts or ())
    return total if parts and 1 <= total <= MAX_SECONDS else None


def _lenient_doses(source: SourceFile, problems: list[Problem]) -> None:
    """Read, with a warning, the doses of a program file that the last version read
    and the strict reading refuses, as that version read them, so a project that
    printed still prints (a new requirement arrives as a warning first): YAML's
    true/yes as a count (1) and a duration whose parts repeat or overflow
    (``30 s 30 s``, ``2 min 90 s``: added up)."""
    data = source.data if isinstance(source.data, dict) else {}
    if data.get("weeks") is True:
        data["weeks"] = 1
        problems.append(Problem(source.display, source.lines.line_of(("weeks",)), "weeks",
                                "true is read as 1, as before; write the number: a later "
                                "version will refuse it", Severity.WARNING))
    items = data.get("items")
    for index, item in enumerate(items if isinstance(items, list) else []):
        dosage = item.get("dosage") if isinstance(item, dict) else None
        if not isinstance(dosage, dict):
            continue
        for key, value in list(dosage.items()):
            loc = ("items", index, "dosage", key)
            old: int | None = None
            if isinstance(value, bool) and value and key not in ("side", "text"):
                old, said, plainly = 1, "true is read as 1, as before", "the number"
            elif key in ("hold", "rest") and isinstance(value, str):
                try:
                    read_seconds(value)
                except ValueError:
                    old = _old_seconds(value)
                    said, plainly = f"is read as {old} seconds, as before", \
                        "minutes, then seconds"
                    if _DECIMAL.fullmatch(value.strip().casefold()) and old is not None:
                        said = f"is read as {old} seconds"
                        plainly = f"whole minutes, then seconds ({describe_seconds(old)})"
            if old is None:
                continue
            dosage[key] = old
            problems.append(Problem(
                source.display, source.lines.line_of(loc), format_loc(loc),
                f"{said}; write {plainly}: a later version will refuse it",
                Severity.WARNING))


def parse_dosage(text: str, where: str, field: str, *, first: int = 1,
                 ignore: tuple[str, ...] = ()) -> tuple[Dosage | None, list[Problem]]:
    """A dosage written as ``key=value`` words, as on the command line and in a CSV
    cell: ``sets=3 reps=10 hold="30 s" per-day=2 side=right text="before bed"``.

    Keys are those of :class:`Dosage` (``per_day`` or ``per-day``). Every problem is
    returned at once, located at ``where`` and ``field`` (a CSV row names its column).
    Messages never repeat what was typed: a dose sits beside a client's note (an
    unquoted note's words become stray words), so a stray word is named by its place
    (``word 3``; ``first`` is the number of the text's first word where it was typed).
    Words with a key in ``ignore`` are the caller's (``note=`` on the command line).
    """
    try:
        words = shlex.split(text)
    except ValueError:  # an unclosed quote
        return None, [Problem(where, None, field, UNCLOSED_QUOTE)]
    values: dict[str, str] = {}
    problems: list[Problem] = []
    stray: list[int] = []
    for number, word in enumerate(words, start=first):
        key, sep, value = word.partition("=")
        key = _ALIASES.get(key.strip().casefold(), key.strip().casefold())
        if sep and key in ignore:
            continue
        if not sep or key not in DOSAGE_KEYS:
            stray.append(number)
            continue
        if key in values:
            problems.append(Problem(where, None, field, f"gives {key.replace('_', '-')} twice"))
            continue
        values[key] = value
    if stray:
        # One line for them all ("3 x 30s" gave three near-identical lines).
        places = f"word {stray[0]} is not a dosage part" if len(stray) == 1 else \
            f"words {', '.join(map(str, stray[:-1]))} and {stray[-1]} are not dosage parts"
        problems.insert(0, Problem(where, None, field, (
            f"{places}: write key=value with the keys "
            f"{', '.join(k.replace('_', '-') for k in DOSAGE_KEYS)}, and put a "
            'value with spaces in quotes (text="before bed")')))
    dosage, found = dosage_from(values, where, field)  # the parts read: every mistake at once
    if problems or found:
        return None, problems + found
    return dosage, []


#: Where a dosage message quotes what was written (a duration, a unit): said without
#: it when the dosage was typed beside a client's details (see dosage_from).
_QUOTED = ((re.compile(r"^'.*' (?=is not a duration)", re.DOTALL), ""),
           (re.compile(r" '[^']*'(?=: write)"), ""),
           (re.compile(r"(?<=^raw HTML) (['\"]).*?\1(?= is not allowed)", re.DOTALL), ""))


def _unquoted(message: str) -> str:
    for pattern, instead in _QUOTED:
        message = pattern.sub(instead, message)
    return message


def dosage_from(values: dict[str, Any], where: str, field: str
                ) -> tuple[Dosage | None, list[Problem]]:
    """A :class:`Dosage` from its parts (text or numbers), every problem located at
    ``where`` and named ``field``.``part`` (the form and a CSV name their own fields).
    For a dosage typed at the desk, on the command line or in a client CSV: messages
    never repeat what was typed (it sits beside a client's details)."""
    try:
        return Dosage.model_validate(values), []
    except pydantic.ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            part = ".".join(str(p) for p in err["loc"]).replace("_", "-")
            name = f"{field}: {part}" if field else part
            problems.append(Problem(where, None, name,
                                    _unquoted(describe_error(err, Dosage))))
        return None, problems


def load_clinic_programs(root: Path, documents: list[Document] | None = None, *,
                         only: str | None = None) -> dict[str, ClinicProgram]:
    """Every clinic program of the project, validated against its handouts; raises
    :class:`ValidationError` with every problem when any file is wrong (with ``only``,
    a program's name: when that program's file is wrong, as another program's mistakes
    do not stop it; the programs that load are returned)."""
    problems: list[Problem] = []
    names = {d.name for d in documents} if documents is not None else None
    languages = languages_in_use(documents) if documents is not None else None
    root = root.resolve()
    programs = load_programs(root, names, problems, languages=languages)
    if only is not None:
        path = discover_programs(root).get(only)
        problems = [] if path is None else \
            [p for p in problems if p.path == f"{PROGRAMS_DIR}/{path.name}"]
    if errors_only(problems):
        raise ValidationError(problems)
    return programs
