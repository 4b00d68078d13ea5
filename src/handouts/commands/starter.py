"""The starter library: choosing its handouts and copying them into a project (the
library behind ``handouts add`` and ``handouts init --library``).

The library (:data:`handouts.paths.LIBRARY_DIR`) is laid out like a project's
``content/`` folder: ``NAME.yaml``, its translations ``NAME.LANG.po`` and its pictures
``images/NAME-*.svg``. Adding a handout copies those files, never over a file that is
already there, with the pictures drawn in the clinic's colours. Every library handout
is marked ``starter: true`` until the clinic has reviewed it (see
:mod:`handouts.checks.starter`).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from handouts.errors import OptionError, Problem, Severity, ValidationError
from handouts.output import write_new
from handouts.paths import LIBRARY_DIR
from handouts.project.config import Clinic, Colors, load_config
from handouts.project.content import discover
from handouts.project.languages import language_name
from handouts.project.sourcefile import LineMap, read_yaml
from handouts.render.theme import palette

#: The words ``--library`` and ``handouts add`` take besides handout names.
ALL, NONE = "all", "none"
_HEX = re.compile(r"#[0-9A-Fa-f]{6}\b")


@dataclass(frozen=True)
class LibraryHandout:
    """One handout of the starter library."""

    name: str
    title: str
    #: The content's language first, then its translations.
    languages: tuple[str, ...]
    #: Its files, relative to the library (and to a project's ``content/``).
    files: tuple[str, ...]


@functools.cache
def library() -> tuple[LibraryHandout, ...]:
    """Every handout of the starter library, in name order."""
    found = []
    for path in sorted(LIBRARY_DIR.glob("*.yaml")):
        source = read_yaml(path, path.name, [])
        data = source.data if source is not None and isinstance(source.data, dict) else {}
        translations = sorted(p.name for p in LIBRARY_DIR.glob(f"{path.stem}.*.po"))
        images = [str(step["image"]) for step in data.get("steps", [])
                  if isinstance(step, dict) and step.get("image")]
        found.append(LibraryHandout(
            path.stem, str(data.get("title", path.stem)),
            (str(data.get("language", "en")),
             *(name.split(".")[1] for name in translations)),
            (path.name, *translations, *images)))
    return tuple(found)


def choose(values: Iterable[str], where: str, *,
           keywords: tuple[str, ...] = (ALL, NONE)) -> list[LibraryHandout]:
    """The library handouts named by ``values`` (names or one of ``keywords``: ``all``
    and ``none`` for ``--library``, only ``all`` for ``handouts add``; a value may list
    several, separated by commas), in library order.

    Every word that is neither a library name nor one of ``keywords`` is unknown, and so
    is a value that names nothing (``''``, ``,``): all are reported together, located at
    ``where`` (the option or argument they came from), with the names there are, and
    nothing is chosen then. No values at all is no choice (``init`` without
    ``--library``).
    """
    values = list(values)
    words = [w.strip() for value in values for w in value.split(",") if w.strip()]
    known = {h.name: h for h in library()}
    if NONE in keywords and NONE in words and len(set(words)) > 1:
        raise OptionError([Problem(where, None, "", f"'{NONE}' cannot be combined with "
                                     "handout names")])
    # One rule for every word that is not a library name: 'none' where it means nothing
    # (add) and an empty name are refused like a typo, never read as "add nothing".
    unknown = [w for w in dict.fromkeys(words) if w not in known and w not in keywords]
    if any(not value.replace(",", "").strip() for value in values):
        unknown.append("")
    if unknown:
        named = ", ".join(("an empty name" if not name else f"'{name}'") + "".join(
            f" (did you mean '{close}'?)"
            for close in difflib.get_close_matches(name, list(known), n=1))
            for name in unknown)
        raise OptionError([Problem(where, None, "", (
            f"{named} {'is' if len(unknown) == 1 else 'are'} not in the starter library; "
            f"choose from {' or '.join((', '.join(keywords), ', '.join(known)))} "
            "(handouts add --list shows their titles)"))])
    if ALL in words:
        return list(known.values())
    wanted = set(words)
    return [h for h in known.values() if h.name in wanted]


def recolour(svg: str, clinic: Clinic) -> str:
    """A library picture in ``clinic``'s colours.

    The pictures are drawn with the theme's colours for the default brand colours
    (``primary-dark`` lines, ``primary-tint`` background, ``accent`` arrows...); each
    is replaced by the same theme colour derived from the clinic's brand colours,
    so the pictures match the headings and boxes around them.
    """
    default = palette(clinic.model_copy(update={"colors": Colors()}))
    mine = palette(clinic)
    mapping = {default[name]: mine[name] for name in default}
    return _HEX.sub(lambda m: mapping.get(m.group(0).upper(), m.group(0)), svg)


@dataclass
class Added:
    """What :func:`add_handouts` did, as paths relative to the project."""

    added: list[str] = field(default_factory=list)
    #: Files already in the project, left as they were, each with the reason.
    kept: list[Problem] = field(default_factory=list)
    #: Advice that does not stop anything (a language the clinic has no words for).
    notes: list[Problem] = field(default_factory=list)


def add_handouts(root: Path, handouts: Sequence[LibraryHandout]) -> Added:
    """Copy ``handouts`` from the library into the project at ``root``.

    A file that is already there is kept byte for byte and reported. When the project
    already has a handout of that name, only missing pictures are copied: the
    library's translations translate the library's text, which may not be the
    project's, and a ``NAME.yaml`` beside the project's ``NAME.yml`` would be a second
    handout. The project's ``handouts.yaml`` must be valid (its colours are used for
    the pictures).
    """
    problems: list[Problem] = []
    config = load_config(root, problems, LineMap())
    if config is None:
        raise ValidationError(problems)
    content = root / "content"
    existing = discover(content)
    result = Added()
    for handout in handouts:
        own = existing.get(handout.name)  # the project's handout of that name, if any
        for name in handout.files:
            relpath, target = f"content/{name}", content / name
            if own is not None and not target.exists() and not name.startswith("images/"):
                # The project has this handout already (maybe its own text): neither a
                # second copy of it nor a translation of the library's text belongs there.
                why = ", and this is a translation of the library's text" \
                    if name.endswith(".po") else ""
                result.kept.append(Problem(relpath, None, "", (
                    f"not added: the project already has a handout '{handout.name}' "
                    f"(content/{own.name}){why}"), Severity.WARNING))
                continue
            data = (LIBRARY_DIR / name).read_bytes()
            if name.endswith(".svg"):
                data = recolour(data.decode("utf-8"), config.clinic).encode("utf-8")
            if write_new(target, data):
                result.added.append(relpath)
            else:
                result.kept.append(Problem(relpath, None, "", (
                    "already exists and was kept (add never overwrites files; delete it "
                    "first to get the library's version)"), Severity.WARNING))
    source = config.defaults.language
    languages = {lang for h in handouts for lang in h.languages[1:]
                 if any(a.startswith(f"content/{h.name}.{lang}.") for a in result.added)}
    for language in sorted(languages):
        _, missing = config.clinic.in_language(language, source)
        if missing:
            name = language_name(language)
            result.notes.append(Problem(
                "handouts.yaml", None, f"clinic.translations.{language}",
                f"add the clinic's {', '.join(missing)} in {name} here, or the {name} "
                "versions of the added handouts print them in "
                f"{language_name(source)}", Severity.WARNING))
    return result
