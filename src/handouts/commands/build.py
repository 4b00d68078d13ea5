"""``handouts build``: load and validate everything, render in memory, then write.

Two phases, so a problem anywhere means nothing is written and earlier PDFs stay
as they were.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handouts.checks.glyphs import check_client
from handouts.errors import Problem, RenderError, Severity, ValidationError, errors_only
from handouts.output import write_atomic
from handouts.project.config import CONFIG_NAME, Config, Project, load_config
from handouts.project.content import Document, discover, load_document
from handouts.project.languages import has_theme_words, no_theme_words
from handouts.project.sourcefile import LineMap
from handouts.render import scripts
from handouts.render.compose import compose
from handouts.render.render import Fitting, Output, PersonalCopies, over_limit, render_page
from handouts.render.theme import validate_templates
from handouts.variants.clients import Client, client_text_problems
from handouts.variants.naming import check_pattern, client_filename
from handouts.variants.plan import GENERAL, Paper, PrintSize, Variant
from handouts.variants.tailor import check_audiences

#: The client's details and the options that set them (for messages).
CLIENT_OPTIONS = {"name": "client", "note": "note", "therapist": "therapist"}
#: The same, as the command line spells them (for the rule on control characters).
CLIENT_FLAGS = {"name": "--client", "note": "--note", "therapist": "--therapist"}


#: Which version each plain-named PDF in the output folder is (``{"x.pdf": {...}}``),
#: so a build that replaces a different version can say so.
BUILT_RECORD = ".handouts-built.json"


@dataclass(frozen=True)
class Built:
    """One PDF written by a build; ``replaced`` names the different version it replaced."""

    variant: Variant
    path: Path
    pages: int
    replaced: str | None = None


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the PDFs written and any warnings."""

    built: list[Built]
    warnings: list[Problem]


def load(root: Path, names: tuple[str, ...] = (), *,
         warnings: list[Problem] | None = None,
         config: Config | None = None) -> tuple[Project, list[Document]]:
    """Load the config and the named handouts (all when none are named).

    Every file is read and validated even after the first problem, so one run
    reports everything; raises :class:`ValidationError` if anything is wrong.
    Warnings (a stray file in ``content/``) are added to ``warnings`` when given.
    ``config``, when given, is used instead of reading ``handouts.yaml`` (``handouts
    serve`` keeps rendering with the last good config while the file has errors).
    """
    each = load_each(root, names, config=config)
    problems = each.problems + [p for found in each.broken.values() for p in found] + \
        [p for found in each.warnings.values() for p in found]
    if errors_only(problems) or each.project is None:
        raise ValidationError(problems)
    if warnings is not None:
        warnings += problems
    return each.project, list(each.documents.values())


@dataclass
class EachLoaded:
    """A project loaded handout by handout: what loaded, and what did not and why.

    ``problems`` are the project's own (``handouts.yaml``, ``content/``, templates);
    ``broken`` holds each handout that did not load with its problems, ``warnings``
    the warnings of each handout that did. ``project`` is None when ``handouts.yaml``
    has errors.
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
    leaves the others loaded (``handouts serve`` keeps serving them); :func:`load` is
    the all-or-nothing form every command uses.
    """
    root = root.resolve()
    problems: list[Problem] = []
    lines = LineMap()
    if config is None:
        config = load_config(root, problems, lines)
    available = discover(root / "content", problems)
    wanted = list(names) or list(available)
    if not available and not names:
        problems.append(Problem("content", None, "",
                                "no handouts found; add content/<name>.yaml files"))
    documents: dict[str, Document] = {}
    broken: dict[str, list[Problem]] = {}
    warnings: dict[str, list[Problem]] = {}
    for name in wanted:
        path = available.get(name)
        if path is None:
            known = ", ".join(available) or "none"
            problems.append(Problem(f"content/{name}.yaml", None, "",
                                    f"no such handout (available: {known})"))
            continue
        found: list[Problem] = []
        doc = load_document(name, path, f"content/{path.name}", found)
        if doc is not None:
            if config is not None:
                found += check_audiences(doc.handout, {GENERAL, *config.audiences},
                                         doc.display, doc.lines)
            # Checked here, against the content file's own line: left to the render
            # step, an unknown language was blamed on handouts.yaml (batch.languages).
            if not has_theme_words(doc.handout.language, root):
                found.append(Problem(doc.display, doc.lines.line_of(("language",)),
                                     "language", no_theme_words(doc.handout.language, root)))
        if doc is None or errors_only(found):
            broken[name] = found
        else:
            documents[name] = doc
            warnings[name] = found
    # Template overrides are checked here, before any rendering or writing, so a typo
    # in one is reported with the other problems instead of failing every variant.
    problems += validate_templates(root / "templates")
    project = None if config is None or errors_only(problems) else \
        Project(root, config, CONFIG_NAME, lines)
    return EachLoaded(project, documents, broken, warnings, problems)


class CheckedVariants:
    """The fast checks' errors for one loaded project, kept per variant and day.

    The fast checks read only the project as loaded (never a client's details), so a
    process that keeps a loaded project (a ``handouts serve`` worker, per project
    version) runs them once per variant and day instead of for every named copy. The
    day is part of the key because a review date falls due at midnight, and so are the
    script fonts installed on this machine, which the glyph check reads. Nothing
    personal is kept: the client's characters are checked on every copy.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self._errors: dict[tuple[Any, ...], list[Problem]] = {}

    def errors(self, project: Project, documents: list[Document], variants: list[Variant],
               today: dt.date) -> list[Problem] | None:
        """The kept errors of these variants on ``today`` (None when not checked yet)."""
        if project is not self.project:  # another load of the project: never its answer
            return None
        found = self._errors.get(self._key(documents, variants, today))
        return None if found is None else list(found)

    def keep(self, project: Project, documents: list[Document], variants: list[Variant],
             today: dt.date, errors: list[Problem]) -> None:
        """Remember the errors of these variants on ``today``."""
        if project is self.project:
            self._errors[self._key(documents, variants, today)] = list(errors)

    @staticmethod
    def _key(documents: list[Document], variants: list[Variant], today: dt.date
             ) -> tuple[Any, ...]:
        # The glyph check also reads the script fonts installed on this machine.
        fonts = tuple(font.css_family for font in scripts.installed_fonts())
        return tuple(d.name for d in documents), tuple(variants), today, fonts


def refuse_on_check_errors(project: Project, documents: list[Document],
                           variants: list[Variant], *,
                           checked: CheckedVariants | None = None) -> None:
    """Run the fast checks (no rendering) and raise if any finds an error.

    Problems that belong to a single variant (a missing translation) are left to the
    render step, which reports them per variant. With ``checked``, variants already
    checked today for this loaded project are not checked again.
    """
    from handouts.commands.check import fast_checks

    today = dt.date.today()
    errors = None if checked is None else checked.errors(project, documents, variants, today)
    if errors is None:
        errors = fast_checks(project, documents, variants, today).errors()
        if checked is not None:
            checked.keep(project, documents, variants, today, errors)
    if errors:
        raise ValidationError(errors)


def _refuse_before_rendering(project: Project, documents: list[Document],
                             variants: list[Variant], client: Client | None,
                             checked: CheckedVariants | None = None) -> None:
    """The fast checks, and the client's characters, before anything is rendered."""
    refuse_on_check_errors(project, documents, variants, checked=checked)
    if client is not None:  # personal data: checked here, named by option, never quoted
        wrong = client_text_problems(client, CLIENT_FLAGS, "")
        if wrong:
            raise ValidationError(wrong)
        found = dict.fromkeys(p for v in variants
                              for p in check_client(project, client, v.language, None, None,
                                                    CLIENT_OPTIONS))
        if found:
            raise ValidationError(list(found))


def variant_pdf(project: Project, document: Document, variant: Variant,
                    client: Client | None, *, draft: bool = False,
                    copies: PersonalCopies | None = None,
                    decision: Fitting | None = None) -> tuple[Output | None, list[Problem]]:
    """One variant's PDF in memory (None if it could not be composed) and its problems.

    The one place ``build``, ``build_in_memory`` (so ``handouts serve``) and ``merge``
    compose and render a variant and apply its page limit: a named copy made by
    ``copies`` has the same bytes as a full render, only faster. ``decision``, the
    fitting a batch kept for exactly this variant's inputs, skips the search (same
    bytes); it is never used for a named copy, whose page is not the variant's.
    """
    page, problems = compose(project, document, variant, client, draft=draft)
    if page is None:
        return None, problems
    if client is not None and copies is not None:
        output = copies.render(document, page)
    else:
        output = render_page(project, document, page,
                             decision=decision if client is None else None)
    return output, problems + output.problems + over_limit(project, document, page, output)


def build(root: Path, names: tuple[str, ...] = (), *, paper: Paper | None = None,
          out: Path | None = None, audience: str = GENERAL, language: str | None = None,
          print_size: PrintSize = "standard", client: Client | None = None,
          name_pattern: str | None = None, draft: bool = False,
          location: str | None = None) -> BuildResult:
    """Build the named handouts (all by default) in one variant.

    The project's default version (its default paper and language, the general audience,
    standard print) goes to ``<out>/<handout>.pdf``; every other version uses the batch
    layout (``<out>/<language>/<audience>/<handout>-<paper>-<print>.pdf``), and
    named-client copies go to ``<out>/clients/`` under a name that does not reveal
    the client (see :func:`handouts.variants.naming.client_filename`).

    ``draft`` previews a partial translation: untranslated texts are printed in the
    source language, tagged, under a "Draft" banner, in a file named ``...-draft.pdf``
    (never for a named client; ``batch`` never makes drafts).

    ``location`` picks one of a clinic group's locations (``clinic.locations``); its
    PDFs go under ``<out>/<location>/`` (default: the first location).

    Raises :class:`ValidationError` for bad input and :class:`RenderError` when any
    handout cannot be rendered; in both cases no file is written.
    """
    if draft and client is not None:  # a client only ever gets a finished handout
        raise ValidationError([Problem("", None, "--draft",
                                       "a draft cannot be made for a named client")])
    if name_pattern is not None:
        check_pattern(name_pattern)  # before any work: a bad pattern is a usage mistake
    loaded: list[Problem] = []
    project, documents = load(root, names, warnings=loaded)
    defaults = project.config.defaults
    out_dir = project.output_dir(out)
    location = location_of(project, location)
    variants = [Variant(doc.name, audience, language or doc.handout.language,
                        paper or defaults.paper, print_size, location) for doc in documents]
    _refuse_before_rendering(project, documents, variants, client)
    # Only the project's default version keeps the simple name output/<handout>.pdf;
    # every other version uses the batch layout, whose name says which version it is,
    # so --paper a4 never silently replaces the letter PDF.
    plain = audience == GENERAL and language in (None, defaults.language) and \
        print_size == "standard" and paper in (None, defaults.paper)
    pending: list[tuple[Variant, Path, bytes, int]] = []
    problems: list[Problem] = list(loaded)
    for doc, variant in zip(documents, variants, strict=True):
        output, found = variant_pdf(project, doc, variant, client, draft=draft)
        problems += found
        if output is None:
            continue
        if client is not None:
            target = out_dir / "clients" / client_filename(variant, client, name_pattern)
        elif plain:
            target = out_dir / (f"{location}/" if location else "") / f"{doc.name}.pdf"
        else:
            target = out_dir / variant.relpath
        if draft:  # never mistaken for (or overwriting) the finished handout
            target = target.with_name(f"{target.stem}-draft{target.suffix}")
        pending.append((variant, target, output.pdf, output.pages))
    if errors_only(problems):
        raise RenderError(problems)
    record_path = out_dir / BUILT_RECORD
    record = _read_record(record_path)
    built: list[Built] = []
    for variant, target, data, pages in pending:
        replaced = None
        if client is None and target.parent == out_dir:
            before = record.get(target.name)
            now = _describe(variant)
            if target.exists() and before is not None and before != now:
                replaced = _difference(before, now)
            record[target.name] = now
        write_atomic(target, data)
        built.append(Built(variant, target, pages, replaced))
    if client is None and any(t.parent == out_dir for _, t, _, _ in pending):
        write_atomic(record_path, (json.dumps(record, indent=2, sort_keys=True) + "\n").encode())
    return BuildResult(built, [p for p in problems if p.severity is Severity.WARNING])


def _describe(variant: Variant) -> dict[str, str]:
    return {"paper": variant.paper, "print": variant.print,
            "language": variant.language, "audience": variant.audience}


def _read_record(path: Path) -> dict[str, dict[str, str]]:
    """The record of plain-named PDFs; a missing or damaged one is simply empty."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items()
            if isinstance(v, dict) and all(isinstance(x, str) for x in v.values())}


def _difference(before: dict[str, str], now: dict[str, str]) -> str:
    """How the replaced PDF differed, in the words of the options: ``the letter version``."""
    words = {"paper": lambda v: "A4" if v == "a4" else v,
             "print": lambda v: f"{v}-print",
             "language": lambda v: f"'{v}'",
             "audience": lambda v: f"{v} audience"}
    parts = [words[key](before[key]) for key in ("language", "audience", "paper", "print")
             if key in before and before[key] != now.get(key)]
    return f"the {', '.join(parts)} version" if parts else "a different version"


@dataclass(frozen=True)
class InMemory:
    """One handout rendered into memory (nothing written): the PDF and its warnings."""

    variant: Variant
    pdf: bytes
    pages: int
    warnings: list[Problem]


def build_in_memory(project: Project, document: Document, *, paper: Paper | None = None,
                    audience: str = GENERAL, language: str | None = None,
                    print_size: PrintSize = "standard", client: Client | None = None,
                    copies: PersonalCopies | None = None,
                    checked: CheckedVariants | None = None,
                    location: str | None = None,
                    decided: Callable[[Variant], Fitting | None] | None = None) -> InMemory:
    """Render one loaded handout in one variant, the way :func:`build` does, into memory.

    ``project`` and ``document`` come from :func:`load`. The same checks run in the
    same order (fast checks, the client's characters, composing, page limit), so the
    bytes equal what ``build`` writes for the same choices. A named copy is made by
    ``copies`` when given (same bytes, faster; see :class:`PersonalCopies`); with
    ``checked``, the fast checks of a variant run once a day for this loaded project
    (see :class:`CheckedVariants`); with ``decided``, a copy without a client skips the
    fitting search when it gives the variant's kept decision. Used by ``handouts
    serve``, where personal PDFs must never touch the disk.

    Raises :class:`ValidationError` or :class:`RenderError` like :func:`build`.
    """
    variant = Variant(document.name, audience, language or document.handout.language,
                      paper or project.config.defaults.paper, print_size,
                      location_of(project, location))
    _refuse_before_rendering(project, [document], [variant], client, checked)
    decision = decided(variant) if decided is not None and client is None else None
    output, problems = variant_pdf(project, document, variant, client, copies=copies,
                                   decision=decision)
    if output is None or errors_only(problems):
        raise RenderError(problems)
    return InMemory(variant, output.pdf, output.pages,
                    [p for p in problems if p.severity is Severity.WARNING])


def location_of(project: Project, location: str | None) -> str | None:
    """The location to build for: ``--location``, else a clinic group's first location."""
    places = list(project.config.clinic.locations)
    if location is None:
        return places[0] if places else None
    if location not in places:
        known = ", ".join(places) if places else "none: handouts.yaml defines no clinic.locations"
        raise ValidationError([Problem("--location", None, "",
                                       f"unknown location '{location}' (known: {known})")])
    return location
