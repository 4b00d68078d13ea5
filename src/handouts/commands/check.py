"""``handouts check``: every check on every version the project defines, its report and
the line saying what it covered.

The checks themselves live in :mod:`handouts.checks` (the fast ones, which ``build``
and ``batch`` also run before rendering, in :mod:`handouts.checks.gate`); ``check``
with ``render=True`` also renders every variant to count its pages and read its footer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from handouts.checks import integrity
from handouts.checks.findings import Findings
from handouts.checks.gate import fast_checks, template_problems
from handouts.checks.pagefit import page_fit
from handouts.checks.program_fit import program_characters, program_fit, program_words
from handouts.checks.programs import program_problems
from handouts.checks.translations import (
    clinic_words_disagree,
    has_manifest,
    translation_progress,
)
from handouts.errors import Problem, in_file_order
from handouts.project.config import Project
from handouts.project.content import Document, discover
from handouts.project.languages import language_name, not_a_language
from handouts.project.load import Loaded
from handouts.project.programs import languages_in_use
from handouts.render.program import templates_print_plans
from handouts.variants.i18n import (
    review_problems,
    template_word_problems,
    untranslated_theme_words,
)
from handouts.variants.plan import GENERAL, Variant, plan_matrix


@dataclass
class Report(Findings):
    """What ``handouts check`` found, and which versions it covered."""

    #: The versions :func:`check` covered.
    coverage: Coverage | None = None


# ----------------------------------------------------------------- what is covered

PAPERS: tuple[str, ...] = ("letter", "a4")
PRINTS: tuple[str, ...] = ("standard", "large")


@dataclass(frozen=True)
class Coverage:
    """Which versions ``handouts check`` looked at, so a pass means what it says."""

    handouts: tuple[str, ...]
    audiences: tuple[str, ...]
    languages: tuple[str, ...]
    papers: tuple[str, ...]
    prints: tuple[str, ...]
    #: Versions checked, and versions left out because their translation is unfinished.
    versions: int
    skipped: int = 0
    quick: bool = False
    rendered: bool = True
    #: Languages with no validated reading-level formula (said once, not guessed).
    unmeasured: tuple[str, ...] = ()
    #: Handouts not checked because their content file has errors (reported with them).
    unreadable: tuple[str, ...] = ()
    #: Whether nothing was rendered because a template has errors (reported below).
    templates_broken: bool = False

    def describe(self) -> str:
        """``checked 2 handouts × en, es × letter, a4 × standard, large (16 versions)``."""
        count = len(self.handouts)
        parts = [f"{count} handout{'s' if count != 1 else ''}"]
        if self.audiences != (GENERAL,):  # one audience for everyone: nothing to say
            parts.append(", ".join(self.audiences))
        parts += [", ".join(self.languages), ", ".join(self.papers), ", ".join(self.prints)]
        notes = [f"{self.versions} version{'s' if self.versions != 1 else ''}"]
        if self.skipped:
            notes.append(f"{self.skipped} more not checked: translation unfinished")
        if self.quick:
            notes.append("--quick: the default version of each handout only")
        line = f"checked {' × '.join(parts)} ({'; '.join(notes)})"
        if self.templates_broken:
            line += " (not rendered: a template has errors, below; page fit skipped)"
        elif not self.rendered:
            line += " (not rendered: page fit skipped)"
        if self.unreadable:
            line += (f"; not checked: {', '.join(self.unreadable)} (the file has errors, "
                     "below)")
        if self.unmeasured:
            named = ", ".join(f"{language_name(code)} ({code})" for code in self.unmeasured)
            line += (f"; reading level not measured for {named}: no validated formula, "
                     "sentence length checked")
        return line

    def as_json(self) -> dict[str, Any]:
        """The ``coverage`` object of ``check --format json``."""
        data = {"handouts": list(self.handouts), "audiences": list(self.audiences),
                "languages": list(self.languages), "papers": list(self.papers),
                "prints": list(self.prints), "versions": self.versions,
                "not_checked": self.skipped, "quick": self.quick, "rendered": self.rendered,
                "summary": self.describe()}
        if self.unmeasured:  # only when there is something to say
            data["reading_level_not_measured"] = list(self.unmeasured)
        if self.unreadable:
            data["not_checked_file_has_errors"] = list(self.unreadable)
        return data


def _has_manifest(project: Project) -> bool:
    """Whether handouts.yaml has a ``batch:`` section (not just the built-in default)."""
    return "batch" in project.config.model_fields_set


def coverage_variants(project: Project, documents: list[Document], *,
                      quick: bool = False) -> list[Variant]:
    """Every version the project defines: the batch manifest when there is one, else
    each handout in its own language and every language it has a ``.po`` file for,
    for every audience, on both papers, in standard and large print. The everyday
    version (what ``handouts build`` makes) is always included; ``quick``: only it.
    """
    defaults = project.config.defaults
    # A clinic group's versions differ by location too (its phone, address, hours).
    places: list[str | None] = list(project.config.clinic.locations) or [None]
    chosen: set[Variant] = {Variant(d.name, GENERAL, d.handout.language, defaults.paper,
                                    location=places[0]) for d in documents}
    if quick:
        return sorted(chosen)
    names = [d.name for d in documents]
    if has_manifest(project):
        chosen.update(v for v in plan_matrix(project.config.batch, names,
                                             list(project.config.clinic.locations))
                      if v.handout in names)
        return sorted(chosen)
    audiences = [GENERAL, *project.config.audiences]
    for doc in documents:
        # A file named with no language code (NAME.spanish.po) is said at the file;
        # its "versions" would blame a batch manifest the project may not have.
        languages = [language for language in doc.translation_languages()
                     if not_a_language(language) is None]
        for language in [doc.handout.language, *languages]:
            chosen.update(Variant(doc.name, audience, language, paper, size,  # type: ignore[arg-type]
                                  place)
                          for audience in audiences for paper in PAPERS for size in PRINTS
                          for place in places)
    return sorted(chosen)


def _coverage(project: Project, documents: list[Document], variants: list[Variant],
              skipped: int, *,
              quick: bool, rendered: bool) -> Coverage:
    def ordered(values: Iterable[str], order: Iterable[str] = ()) -> tuple[str, ...]:
        wanted = set(values)
        first = [v for v in dict.fromkeys(order) if v in wanted]
        return tuple(first + sorted(wanted - set(first)))

    content_languages = [d.handout.language for d in documents]
    return Coverage(
        handouts=ordered((v.handout for v in variants), [d.name for d in documents]),
        audiences=ordered((v.audience for v in variants), [GENERAL, *project.config.audiences]),
        languages=ordered((v.language for v in variants), content_languages),
        papers=ordered((v.paper for v in variants), PAPERS),
        prints=ordered((v.print for v in variants), PRINTS),
        versions=len(variants), skipped=skipped, quick=quick, rendered=rendered)


# ----------------------------------------------------------------- the command

def check(loaded: Loaded, *, render: bool = True,
          quick: bool = False, today: dt.date | None = None) -> Report:
    """Run every check on every version the project defines, of the loaded handouts
    (:func:`~handouts.project.load.load_available`: a handout whose file has errors is
    not checked, and its problems are in the report).

    Which versions: see :func:`coverage_variants`; ``quick`` checks only each
    handout's default version; ``render=False`` skips the checks that render (page
    fit). The report's :attr:`Report.coverage` says what was covered.
    """
    project, documents = loaded.project, loaded.documents
    # A template's mistake stops only the checks that render (every page uses the
    # templates); the rest still run, so the owner sees every problem at once.
    broken_templates = template_problems(project.root)
    progress_report = Findings()
    unfinished = translation_progress(project, documents, progress_report)
    wanted = coverage_variants(project, documents, quick=quick)
    variants = [v for v in wanted if (v.handout, v.language) not in unfinished]
    texts = sorted({(v.handout, v.audience, v.language): v for v in variants}.values())
    report = Report()
    fast_checks(project, documents, texts, today, report)
    report.problems += loaded.warnings + progress_report.problems
    report.problems += clinic_words_disagree(project, documents)
    # An unfinished translation's versions are not checked, but the texts it already
    # has are: its mistakes show while it is made (warnings, and errors for a link to
    # a host the English text does not link to; see checks.integrity).
    docs = {d.name: d for d in documents}
    for name, language in sorted(unfinished):
        report.problems += integrity.translation_problems(docs[name], language)
    report.problems += [p for found in loaded.broken.values() for p in found]
    # The clinic programs (programs/*.yaml): read and checked against every handout the
    # project has (not only those named), since a program may use any of them.
    programs, found = program_problems(project.root, languages_in_use(documents))
    report.problems += _about(project, documents, loaded, found)
    # A clinic program's own words in each language it can be given in.
    program_words(project, programs, variants, report)
    # Every text field of a program file holds only characters a font has.
    program_characters(project, programs, variants, report)
    # Theme words no native speaker has reviewed yet: a warning, never silence.
    report.problems += review_problems(project.root, {v.language for v in variants})
    # A project template's own words, in each language they print in English.
    report.problems += template_word_problems(project.root, {v.language for v in variants})
    report.problems += untranslated_theme_words(project.root, {v.language for v in variants})
    report.problems += broken_templates
    if documents and not broken_templates:
        # A handout template copied before home programs existed prints no plan box.
        first = documents[0]
        unprinted = templates_print_plans(project, first, Variant(
            first.name, GENERAL, first.handout.language, project.config.defaults.paper,
            location=next(iter(project.config.clinic.locations), None)))
        if unprinted is not None:
            report.problems.append(unprinted)
    if render and not broken_templates:
        pages: dict[Variant, int] = {}
        for variant in variants:
            count = page_fit(project, docs[variant.handout], variant, report)
            if count is not None:
                pages[variant] = count
        # The clinic programs in the same versions, with their plan boxes.
        program_fit(project, docs, programs, pages, report)
    report.coverage = dataclasses.replace(
        _coverage(project, documents, variants, len(wanted) - len(variants), quick=quick,
                  rendered=render and not broken_templates),
        unmeasured=tuple(sorted(report.unmeasured)),
        templates_broken=bool(broken_templates),
        unreadable=tuple(sorted(loaded.broken)))
    report.problems = in_file_order(report.problems + report.variant_problems)
    return report


def _about(project: Project, documents: list[Document], loaded: Loaded,
           found: list[Problem]) -> list[Problem]:
    """The clinic programs' problems that concern the handouts checked: all of them when
    every handout is; for some (``check NAME``, the desk's badge of one handout), those
    of the program files that name one of them (QA: one broken program file put an
    error on every handout's badge at the desk, the ones it never uses included)."""
    every = set(discover(project.content_dir))
    checked = {d.name for d in documents} | set(loaded.broken)
    if not checked or checked >= every:
        return found
    words = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, sorted(checked)))
                       + r")(?![\w-])")
    texts: dict[str, str] = {}
    kept = []
    for problem in found:
        if problem.path not in texts:
            try:
                texts[problem.path] = (project.root / problem.path).read_text(
                    encoding="utf-8", errors="replace")
            except OSError:
                texts[problem.path] = ""
        if words.search(texts[problem.path]):
            kept.append(problem)
    return kept


__all__ = ["Coverage", "Report", "check", "coverage_variants"]
