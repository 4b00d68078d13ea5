"""``handouts init``: a new, working project from the starter shipped in the package."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from handouts.commands.starter import add_handouts, choose
from handouts.errors import HandoutsError, OptionError, Problem
from handouts.output import write_new
from handouts.paths import LIBRARY_CLINIC_WORDS, SKELETON_DIR
from handouts.project.config import Clinic, region_problem
from handouts.project.config import phone_problem as config_phone_problem
from handouts.project.schema import PlainText, describe_error
from handouts.render.theme import STYLESHEET_NAME, TEMPLATE_NAME, THEME_DIR

#: Put at the top of the theme files ``init --with-theme`` copies, in each file's comment
#: syntax. Jinja drops the comment's line, so the copy renders exactly like the theme.
THEME_COPY_HEADER = (
    "A copy of the built-in theme's {name}, made by 'handouts init --with-theme'.\n"
    "This file replaces the built-in one for this project: edit it freely. Delete it\n"
    "to go back to the built-in theme (and get its future fixes). For a few small\n"
    "changes, templates/extra.css is simpler. See templates/README.md.")
_COMMENTS = {TEMPLATE_NAME: ("{#", "#}"), STYLESHEET_NAME: ("/*", "*/")}

#: Folders the README describes, each with a note saying what goes in it (a note, not an
#: empty folder, so it survives copying and version control).
FOLDER_NOTES = {
    "assets/README.md": (
        "# assets/\n\nYour logo goes here (an SVG or PNG, square or wide, e.g. `logo.svg`).\n"
        "Then set `logo: assets/logo.svg` and `logo_alt: ...` under `clinic:` in\n"
        "handouts.yaml.\n"),
    "content/images/README.md": (
        "# content/images/\n\nPictures for the steps of your handouts go here. In a handout,\n"
        "write `image: images/<file>` under a step, with `alt:` describing the picture.\n"),
}
#: The starter's clinic details that ``init`` can fill in, as they appear in the
#: skeleton's handouts.yaml (``key: value`` lines).
STARTER_LINES = {"name": "  name: ", "phone": "  phone: ", "city": "    city: "}
#: Region used to read the phone number: the starter's (``phone_region`` defaults to US).
STARTER_REGION = "US"
#: Countries (region codes) whose printers take US Letter; everywhere else, A4.
LETTER_COUNTRIES = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "CR", "PR",
                              "DO", "PA", "SV", "NI", "HN", "BZ"})
#: The skeleton's paper line (see _with_details).
LETTER_LINE = "  paper: letter\n"


@dataclass(frozen=True)
class ClinicDetails:
    """What ``init`` can fill in; None keeps the starter's placeholder."""

    name: str | None = None
    phone: str | None = None
    city: str | None = None
    #: The country the phone is written for (``GB``); None: the starter's (US).
    phone_region: str | None = None


def phone_problem(value: str, region: str = STARTER_REGION) -> str | None:
    """Why ``value`` is not a phone number in ``region`` (the config's own rule), or None;
    a number of another country says how init is told it."""
    return config_phone_problem(value, region, "--phone-region {region}")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be the clinic's name or city in handouts.yaml (the rule the
    config reads them with: plain text, not empty), or None."""
    try:
        TypeAdapter(PlainText).validate_python(value)
    except ValidationError as exc:
        return describe_error(exc.errors(include_url=False)[0], Clinic)
    return None


def _unprintable(value: str) -> str | None:
    """Why a new project could not print ``value`` (an emoji in the clinic's name: every
    build refused it), or None."""
    from handouts.checks.glyphs import unprintable_in_new_project

    return unprintable_in_new_project(value)


def _fill(text: str, details: ClinicDetails) -> str:
    """The skeleton's handouts.yaml with the given details in place of its placeholders."""
    lines = text.splitlines(keepends=True)
    for key, start in STARTER_LINES.items():
        value = getattr(details, key)
        if value is None:
            continue
        for i, line in enumerate(lines):
            if line.startswith(start):
                # JSON's double-quoted string is valid YAML, whatever the value holds
                lines[i] = f"{start}{json.dumps(value.strip(), ensure_ascii=False)}\n"
                break
    if details.phone_region is not None:  # under the phone it says how to read
        region = details.phone_region.strip().upper()
        at = next(i for i, line in enumerate(lines) if line.startswith(STARTER_LINES["phone"]))
        lines.insert(at + 1, f"  phone_region: {region}\n")
        if region not in LETTER_COUNTRIES:
            # A clinic in Madrid printed on US Letter until its owner found the setting:
            # the paper of its country is the one in its printer.
            lines = [LETTER_LINE.replace("letter", "a4") if line == LETTER_LINE else line
                     for line in lines]
    if details.city is not None:
        # The starter's state and postal code are Springfield's: beside the clinic's own
        # city they printed "Tempe, IL 62701" on every page. Left for the owner to fill.
        for i, line in enumerate(lines):
            for key, hint in (("region", "your state or region"),
                              ("postal_code", "your postal code")):
                if line.startswith(f"    {key}: "):
                    lines[i] = f"    # {key}: ...          # {hint}\n"
    return "".join(lines)


def _with_library_words(text: str) -> str:
    """The skeleton's handouts.yaml with the clinic's words in the library's other
    languages (Spanish) at the end of its ``clinic:`` section, so that the library's
    translated handouts build in the new project."""
    head, sep, tail = text.partition("\n\ndefaults:")
    if not sep:  # the skeleton changed shape: tests/test_starter_library.py says so
        raise RuntimeError("the skeleton's handouts.yaml has no 'defaults:' after 'clinic:'")
    words = LIBRARY_CLINIC_WORDS.read_text(encoding="utf-8").rstrip("\n")
    return f"{head}\n{words}{sep}{tail}"


def init_project(directory: Path, *, with_theme: bool = False,
                 details: ClinicDetails | None = None, folders: bool = False,
                 library: Iterable[str] = ()) -> list[Path]:
    """Copy the starter project into ``directory``; never overwrites an existing file.

    ``with_theme`` also copies the theme's template and stylesheet into the new
    project's ``templates/``, for a designer to start from (they build unchanged).
    ``details`` replace the starter's clinic name, phone and city; a bad phone number
    is refused before anything is written. ``folders`` also creates ``assets/`` and
    ``content/images/``, each with a README saying what goes there (``handouts init``).
    ``library`` adds handouts from the starter library, as ``--library`` names them
    (``all``, ``none`` or names; see :func:`handouts.commands.starter.choose`), and the
    clinic's words in the library's other languages to handouts.yaml.
    """
    details = details or ClinicDetails()
    wrong = [Problem(f"--{key}", None, "", bad) for key in ("name", "city")
             if (value := getattr(details, key)) is not None
             and (bad := text_problem(value) or _unprintable(value)) is not None]
    region: str | None = STARTER_REGION
    if details.phone_region is not None:
        bad = region_problem(details.phone_region)
        if bad is not None:  # the phone is not judged by another country's rules
            wrong.append(Problem("--phone-region", None, "", bad))
        region = None if bad else details.phone_region.strip().upper()
    if details.phone is not None and region is not None and \
            (bad := phone_problem(details.phone, region)) is not None:
        wrong.append(Problem("--phone", None, "", bad))
    if wrong:  # before anything is written: the project would not build
        raise OptionError(wrong)
    chosen = choose(library, "--library")
    sources = sorted(p for p in SKELETON_DIR.rglob("*") if p.is_file())
    targets = [directory / p.relative_to(SKELETON_DIR) for p in sources]
    notes = [directory / name for name in FOLDER_NOTES] if folders else []
    theme_targets = [directory / "templates" / name for name in _COMMENTS] if with_theme else []
    handouts = [directory / "content" / name for h in chosen for name in h.files]
    every = targets + notes + theme_targets + handouts + [directory / "templates"]
    refused = _leads_out(directory, every)
    # A dangling link is "already there" too: writing through it would create its target.
    clashes = [t for t in every[:-1] if os.path.lexists(t) and str(t) not in refused]
    problems = [Problem(str(t), None, "", "already exists; init never overwrites files (use "
                        "an empty folder)") for t in clashes]
    problems += [Problem(where, None, "", why) for where, why in refused.items()]
    problems += [Problem(str(path), None, "", (
        "is a file where init needs a folder; move it away, or use an empty folder"))
        for path in _files_in_the_way(directory, every)]
    if problems:
        raise HandoutsError(problems)
    for source, target in zip(sources, targets, strict=True):
        if source == SKELETON_DIR / "handouts.yaml":
            text = _fill(source.read_text(encoding="utf-8"), details)
            _create(target, (_with_library_words(text) if chosen else text).encode())
        else:
            _create(target, source.read_bytes())
    for target, text in zip(notes, FOLDER_NOTES.values(), strict=False):
        _create(target, text.encode())
    (directory / "templates").mkdir(parents=True, exist_ok=True)
    for target in theme_targets:
        start, end = _COMMENTS[target.name]
        header = f"{start}\n{THEME_COPY_HEADER.format(name=target.name)}\n{end}\n"
        original = (THEME_DIR / target.name).read_text(encoding="utf-8")
        _create(target, (header + original).encode())
    # The same copy as 'handouts add' (pictures in the new project's colours).
    added = add_handouts(directory, chosen).added if chosen else []
    return targets + notes + theme_targets + [directory / path for path in added]


def _files_in_the_way(directory: Path, targets: list[Path]) -> list[Path]:
    """Files that stand where init needs a folder (``content`` as a file, or a part of
    ``directory``'s own path), each once: found before anything is written (writing
    stopped half-way with a traceback, and the second init refused the files the first
    had left)."""
    found: dict[Path, None] = {}
    for target in targets:
        for folder in reversed(target.parents):
            if os.path.lexists(folder) and not folder.is_dir():
                found.setdefault(folder)
                break
    return list(found)


def _leads_out(directory: Path, targets: list[Path]) -> dict[str, str]:
    """Targets (or folders on their way) that are links out of ``directory``, each once,
    with the reason: init writes only inside the folder it was given.

    ``directory`` itself may be a link (the user named it); below it, a link that points
    elsewhere, or nowhere, would make init write outside the folder.
    """
    root = directory.resolve()
    found: dict[str, str] = {}
    for target in targets:
        for part in [*reversed(target.relative_to(directory).parents[:-1]), None]:
            path = target if part is None else directory / part
            if not path.is_symlink():
                continue
            try:
                inside = path.resolve(strict=True).is_relative_to(root)
            except (OSError, RuntimeError):  # dangling, or a loop
                inside = False
            if not inside:
                found.setdefault(str(path), (
                    f"is a link to a place outside {directory}; init never follows links out "
                    "of the folder (remove the link, or use an empty folder)"))
            break
    return found


def _create(target: Path, data: bytes) -> None:
    """Write a new file; never through a link, never over an existing file (one that
    appeared after the checks above included)."""
    if not write_new(target, data):
        raise HandoutsError([Problem(str(target), None, "", (
            "appeared while init was writing; init never overwrites files (use an empty "
            "folder)"))])
