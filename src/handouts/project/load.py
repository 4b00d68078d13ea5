"""Loading a project: discover its files once, read and validate each, cross-check them once.

The CLI, the web app and the benchmarks load a project here and hand the
:class:`Loaded` project to a command (as mkdocs' ``config.load_config()`` comes before
``build.build(config)``); nothing here renders, so the checks that need the
render stage (template overrides, the fast checks) run after it, in
:mod:`handouts.checks.gate`, before anything is rendered.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from handouts.errors import Problem, Severity, ValidationError, errors_only
from handouts.project.config import (
    CONFIG_NAME,
    GENERAL,
    Config,
    Project,
    check_batch_handouts,
    load_config,
    translation_keys_against,
)
from handouts.project.content import (
    Document,
    Handout,
    Tagged,
    discover,
    document_from,
    read_content,
)
from handouts.project.languages import has_theme_words, no_theme_words
from handouts.project.sourcefile import LineMap, SourceFile, format_loc


@dataclass(frozen=True)
class Loaded:
    """A project loaded, validated and cross-checked: what every command takes.

    ``documents`` are the handouts asked for, in the order asked (all of them, in name
    order, when none were named); ``warnings`` what loading found that stops nothing
    (a stray file in ``content/``), for the command to report with its own.
    ``broken`` (only from :func:`load_available`) holds each handout whose file has
    errors, with its problems: the command reports them where it would use it.
    """

    project: Project
    documents: list[Document]
    warnings: list[Problem]
    broken: dict[str, list[Problem]] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The project folder (resolved)."""
        return self.project.root

    def document(self, name: str) -> Document:
        """The loaded handout ``name``; :class:`ValidationError` if it was not loaded."""
        for document in self.documents:
            if document.name == name:
                return document
        raise ValidationError([no_such_handout(name, [d.name for d in self.documents])])


def no_such_handout(name: str, known: list[str]) -> Problem:
    """The problem of a handout asked for by a name the project does not have."""
    return Problem(f"content/{name}.yaml", None, "",
                   f"no such handout (available: {', '.join(known) or 'none'})")


def load_project(root: Path, names: tuple[str, ...] = (), *,
                 config: Config | None = None) -> Loaded:
    """Load the config and the named handouts (all when none are named).

    Every file is read and validated even after the first problem, so one run
    reports everything; raises :class:`ValidationError` if anything is wrong.
    ``config``, when given, is used instead of reading ``handouts.yaml`` (``handouts
    serve`` keeps rendering with the last good config while the file has errors).
    """
    each = load_each(root, names, config=config)
    problems = each.problems + [p for found in each.broken.values() for p in found] + \
        [p for found in each.warnings.values() for p in found]
    if errors_only(problems) or each.project is None:
        raise ValidationError(problems)
    return Loaded(each.project, list(each.documents.values()), problems)


def load_used(root: Path, uses: Callable[[set[str]], set[str]]) -> Loaded:
    """The project with every handout that loads, for a command that uses only some of
    them (a home program): ``uses`` takes the names of all handouts (those whose
    files have errors too) and returns the ones the command uses.

    The project's own problems and those of the handouts used stop the command; another
    handout's broken file does not (as ``build`` of one handout ignores the others),
    and is not in ``documents``. Raises :class:`ValidationError` like
    :func:`load_project`.
    """
    each = load_each(root)
    used = uses(set(each.documents) | set(each.broken))
    problems = each.problems + [p for name in sorted(used & set(each.broken))
                                for p in each.broken[name]] + \
        [p for name in sorted(used & set(each.warnings)) for p in each.warnings[name]]
    if errors_only(problems) or each.project is None:
        raise ValidationError(problems)
    return Loaded(each.project, list(each.documents.values()), problems)


def load_available(root: Path, names: tuple[str, ...] = (), *,
                   even_if_none: bool = False) -> Loaded:
    """The project with every handout (every named one) that loads, and in ``broken``
    each handout whose file has errors, with its problems: for a command that reports
    those where it would use them and goes on with the rest (``list``, ``check``,
    ``merge``: one typo does not hide the other handouts).

    The project's own problems (``handouts.yaml``, ``content/``, a name that is not a
    handout) raise :class:`ValidationError` with every problem found, as
    :func:`load_project` does; so do broken handouts when none loads, unless
    ``even_if_none`` (``list`` still lists them, as having errors).
    """
    each = load_each(root, names)
    broken = [p for found in each.broken.values() for p in found]
    if errors_only(each.problems) or each.project is None or \
            (each.broken and not each.documents and not even_if_none):
        raise ValidationError(each.problems + broken +
                              [p for found in each.warnings.values() for p in found])
    return Loaded(each.project, list(each.documents.values()),
                  each.problems + [p for found in each.warnings.values() for p in found],
                  dict(each.broken))


@dataclass
class EachLoaded:
    """A project loaded handout by handout: what loaded, and what did not and why.

    ``problems`` are the project's own (``handouts.yaml``, ``content/``);
    ``broken`` holds each handout that did not load with its problems, ``warnings``
    the warnings of each handout that did. ``project`` is None when ``handouts.yaml``
    has errors (other than the batch naming a handout that is not there: that is in
    ``problems``, and the settings are used).
    """

    project: Project | None
    documents: dict[str, Document]
    broken: dict[str, list[Problem]]
    warnings: dict[str, list[Problem]]
    problems: list[Problem]


def load_each(root: Path, names: tuple[str, ...] = (), *,
              config: Config | None = None) -> EachLoaded:
    """Load the config and each named handout (all when none are named) on its own.

    Nothing is raised: one broken content file puts that handout in ``broken`` and
    leaves the others loaded (``handouts serve`` keeps serving them);
    :func:`load_project` is the all-or-nothing form every command uses.
    """
    root = root.resolve()
    problems: list[Problem] = []
    lines = LineMap()
    read_config = config is None
    if config is None:
        config = load_config(root, problems, lines)
    folder: list[Problem] = []
    available = discover(root / "content", folder)  # the one scan of content/
    manifest: list[Problem] = []
    if read_config and config is not None:
        # A config given by the caller was cross-checked when it was read.
        manifest = check_batch_handouts(config, lines, sorted(available))
        if names:
            # The batch's list of handouts matters to a load of the whole project
            # only: building one handout, or a copy at the desk, does not use it (a
            # handout deleted while the batch still names it stops the batch and
            # ``check``, and is said everywhere else).
            manifest = [dataclasses.replace(p, severity=Severity.WARNING) for p in manifest]
    problems += manifest + folder
    wanted = list(names) or list(available)
    if not available and not names and (root / CONFIG_NAME).is_file():
        # (Without handouts.yaml this is no project: that is the one thing said.)
        problems.append(Problem("content", None, "",
                                "no handouts found; add content/<name>.yaml files"))
    documents: dict[str, Document] = {}
    broken: dict[str, list[Problem]] = {}
    warnings: dict[str, list[Problem]] = {}
    for name in wanted:
        path = available.get(name)
        if path is None:
            problems.append(no_such_handout(name, list(available)))
            continue
        found: list[Problem] = []
        display = f"content/{path.name}"
        source = read_content(name, path, display, found)
        doc = None if source is None else document_from(
            name, path, display, source, found,
            None if config is None else config.checks.image_max_kb)
        if doc is not None:
            found += cross_check(doc, config, root)
        elif source is not None:
            # The file has other mistakes: its language is still judged, in the same
            # run (before, a wrong language was said only once the rest was fixed).
            found += declared_language(source, display, found, root)
        if doc is None or errors_only(found):
            broken[name] = found
        else:
            documents[name] = doc
            warnings[name] = found
    if read_config and config is not None and not names:
        # Every handout is loaded: their languages say how this project writes each.
        languages = {code for doc in documents.values()
                     for code in (doc.handout.language, *doc.translation_languages())}
        problems += translation_keys_against(config, lines, languages)
    # Only the batch's list naming a missing handout: the settings are good (the desk
    # uses them, with the clinic's phone as saved); whoever loads the whole project
    # all or nothing still stops on it.
    own = [p for p in problems if not any(p is m for m in manifest)]
    project = None if config is None or errors_only(own) else \
        Project(root, config, CONFIG_NAME, lines)
    return EachLoaded(project, documents, broken, warnings, problems)


def cross_check(document: Document, config: Config | None, root: Path) -> list[Problem]:
    """A handout against the rest of the project: its audiences must be defined in the
    config, and the theme must have words in its language."""
    found: list[Problem] = []
    if config is not None:
        found += check_audiences(document.handout, {GENERAL, *config.audiences},
                                 document.display, document.lines)
    # Checked here, against the content file's own line: left to the render step, an
    # unknown language was blamed on handouts.yaml (batch.languages).
    return found + language_problems(document.handout.language, document.display,
                                     document.lines, root)


def language_problems(language: str, display: str, lines: LineMap,
                      root: Path) -> list[Problem]:
    """A content file's ``language:`` the theme has no words for, at its line."""
    if has_theme_words(language, root):
        return []
    return [Problem(display, lines.line_of(("language",)), "language",
                    no_theme_words(language, root))]


def declared_language(source: SourceFile, display: str, found: list[Problem],
                      root: Path) -> list[Problem]:
    """:func:`language_problems` of a content file that failed validation for other
    reasons, when its ``language:`` is text the schema did not already refuse."""
    language = source.data.get("language") if isinstance(source.data, dict) else None
    if not isinstance(language, str) or any(p.field.startswith("language") for p in found):
        return []
    return language_problems(language.strip(), display, source.lines, root)


def tagged_lists(handout: Handout) -> Iterator[tuple[tuple[str, ...], list[Tagged]]]:
    """Every list of a handout whose entries may be tagged for audiences, with its place."""
    yield ("you_need",), list(handout.you_need)
    yield ("steps",), list(handout.steps)
    yield ("benefits",), list(handout.benefits)
    for group in ("before", "stop", "call"):
        yield ("precautions", group), list(getattr(handout.precautions, group))


def check_audiences(handout: Handout, known: set[str], display: str,
                    lines: LineMap) -> list[Problem]:
    """Audience names must be defined in the config; ``replaces`` must name an entry."""
    problems: list[Problem] = []
    for loc, items in tagged_lists(handout):
        ids = {i.id for i in items if i.id}
        for n, item in enumerate(items):
            for key, names in (("audiences", item.audiences), ("except", item.except_)):
                for name in names:
                    if name not in known:
                        at = (*loc, n, key)
                        close = difflib.get_close_matches(name, sorted(known), n=1)
                        problems.append(Problem(
                            display, lines.line_of(at), format_loc(at),
                            f"unknown audience '{name}' ("
                            + (f"did you mean '{close[0]}'? " if close else "")
                            + f"defined in handouts.yaml: {', '.join(sorted(known))})"))
            if item.replaces and item.replaces not in ids:
                at = (*loc, n, "replaces")
                close = difflib.get_close_matches(item.replaces, sorted(ids), n=1)
                problems.append(Problem(display, lines.line_of(at), format_loc(at),
                                        f"no entry with id '{item.replaces}' in this list"
                                        + (f" (did you mean '{close[0]}'?)" if close else
                                           f" (ids here: {', '.join(sorted(ids))})" if ids
                                           else " (no entry here has an id)")))
    return problems
