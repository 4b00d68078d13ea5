"""``handouts check``: plain language, contrast, images, safety, page fit, review dates.

Fast checks read the content and config only; :func:`check` with ``render=True``
also renders every variant to count its pages and read its footer. ``build`` and
``batch`` run the fast checks first and refuse to render on errors.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handouts.checks import contrast, glyphs, integrity, jargon, readability, starter
from handouts.errors import Problem, Severity
from handouts.project import markdown
from handouts.project.config import CONFIG_NAME, GradeTargets, Project
from handouts.project.content import Document, Handout, discover
from handouts.project.languages import language_name
from handouts.project.programs import load_programs
from handouts.project.sourcefile import format_loc
from handouts.render.compose import compose
from handouts.render.render import max_pages, render_page
from handouts.render.theme import mix, palette
from handouts.variants.i18n import (
    clinic_texts,
    progress,
    review_problems,
    translatable,
    translation_path,
)
from handouts.variants.plan import GENERAL, Variant, plan_matrix
from handouts.variants.tailor import tailor

#: WCAG 2.x AA: 4.5:1 for normal text, 3:1 for large text and for graphics.
NORMAL, LARGE = contrast.AA_NORMAL, contrast.AA_LARGE


@dataclass
class Report:
    """Every problem found, and the measurements behind them (for ``--format json``)."""

    problems: list[Problem] = field(default_factory=list)
    #: Problems that stop a single variant (a missing translation), not the project.
    variant_problems: list[Problem] = field(default_factory=list)
    grades: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    #: The versions :func:`check` covered (None for the fast checks of build and batch).
    coverage: Coverage | None = None
    #: Languages checked that have no validated reading-level formula.
    unmeasured: set[str] = field(default_factory=set)

    def layout_notes(self) -> list[str]:
        """What fitting did on purpose that a reader might take for a problem: a page
        ended early so that the last page is not a runt (``balanced``)."""
        return [f"note: layout: {page['variant']}: {item['message']}"
                for page in self.pages for item in page.get("layout", ())
                if item["kind"] == "balanced"]

    def errors(self, strict: bool = False) -> list[Problem]:
        """Problems that fail the check (warnings too with ``strict``).

        Layout warnings (field ``layout``) never fail it: they report what automatic
        fitting could not fix within the theme's rules, which no content edit is
        required to change (a designer's call, not an error in the content)."""
        return [p for p in self.problems
                if p.severity is Severity.ERROR or (strict and p.field != "layout")]


# ----------------------------------------------------------------- what to check

def text_variants(project: Project, documents: list[Document]) -> list[Variant]:
    """One variant per (handout, audience, language) of the manifest: the texts to read."""
    names = [d.name for d in documents]
    seen: dict[tuple[str, str, str], Variant] = {}
    for v in plan_matrix(project.config.batch, names):
        if v.handout in names:
            seen.setdefault((v.handout, v.audience, v.language), v)
    for doc in documents:  # the everyday version is always checked
        v = Variant(doc.name, GENERAL, doc.handout.language, project.config.defaults.paper)
        seen.setdefault((v.handout, v.audience, v.language), v)
    return sorted(seen.values())


# ----------------------------------------------------------------- reading level

_SECTIONS = ("intro", "you_need", "steps", "precautions", "benefits")


def _section_text(handout: Handout, section: str) -> str:
    # Running text only: titles are fragments ("Caring touch") that readability
    # formulas would score as absurdly hard one-line sentences; alt text is not printed.
    texts = [text for loc, text in translatable(handout)
             if loc[0] == section and loc[-1] not in ("alt", "title")]
    # Each item is its own sentence even when the author left out the full stop.
    return " ".join(t if t.rstrip().endswith((".", "!", "?", ":")) else t + "."
                    for t in (markdown.plain(t) for t in texts))


def _limit_hint(project: Project, audience: str, limit: float) -> str:
    """Where the limit comes from and how to change it, for every reading-level message."""
    own = project.config.audiences.get(audience)
    if own is not None and own.reading_grade is not None:
        where = f"change audiences.{audience}.reading_grade"
    elif audience == GENERAL:
        where = "change checks.reading_grade"
    else:
        where = f"change checks.reading_grade, or audiences.{audience}.reading_grade"
    return f"(limit: grade {limit:g} for {audience}; {where} in {CONFIG_NAME})"


def reading_level(project: Project, document: Document, variant: Variant,
                  handout: Handout, report: Report) -> None:
    """Grade each section (a whole list at once, never a single item) and the whole
    handout against the audience's targets.

    A section shorter than :data:`readability.MIN_WORDS` words over the limit is only
    a warning: formulas built for passages swing by grades on a three-word list.
    """
    audience = project.config.audiences.get(variant.audience)
    targets: GradeTargets = (audience.reading_grade if audience and audience.reading_grade
                             else project.config.checks.reading_grade)
    language = variant.language
    source = document.display if language == document.handout.language else \
        f"content/{translation_path(document.path, language).name}"
    if not readability.has_formula(language):
        _unmeasured(project, document, handout, language, source, report)
        return
    whole: list[str] = []
    for section in _SECTIONS:
        text = _section_text(handout, section)
        if not text.strip():
            continue
        whole.append(text)
        grade = round(readability.grade(text, language), 1)  # judged as reported
        report.grades.append({"handout": variant.handout, "audience": variant.audience,
                              "language": language, "section": section,
                              "grade": round(grade, 1)})
        severity = (Severity.ERROR if grade > targets.error else
                    Severity.WARNING if grade > targets.warn else None)
        if severity is None:
            continue
        limit = targets.error if severity is Severity.ERROR else targets.warn
        short = not readability.long_enough(text)
        hardest = "; ".join(f'"{s.text}" (grade {s.grade:.1f})'
                            for s in readability.hardest_sentences(text, language, 2))
        words = ", ".join(readability.longest_words(text, 5, language))
        caveat = (f", but the text is too short to judge reliably "
                  f"({len(readability.words(text))} words; fewer than "
                  f"{readability.MIN_WORDS})" if short else "")
        line = document.lines.line_of((section,)) if source == document.display else None
        report.problems.append(Problem(
            source, line, section,
            f"reading grade {grade:.1f} is above {limit:g} for the {variant.audience} "
            f"version{caveat}; hardest sentences: {hardest}; longest words: {words} "
            f"{_limit_hint(project, variant.audience, limit)}",
            Severity.WARNING if short else severity))
    if whole:
        report.grades.append({"handout": variant.handout, "audience": variant.audience,
                              "language": language, "section": "whole",
                              "grade": round(readability.grade(" ".join(whole), language), 1)})


def _unmeasured(project: Project, document: Document, handout: Handout, language: str,
                source: str, report: Report) -> None:
    """A language with no validated reading-level formula: recorded, and said once in
    the check's summary line (an information, not a warning) instead of guessing a
    grade; sentence length, which can be checked in any language, is checked."""
    report.unmeasured.add(language)
    for section in _SECTIONS:
        for sentence, length, unit in readability.long_sentences(_section_text(handout,
                                                                               section)):
            limit = readability.LONG_SENTENCE_WORDS if unit == "words" else \
                readability.LONG_SENTENCE_CHARS
            report.problems.append(Problem(source, None, section, (
                f"a sentence of {length} {unit} (more than {limit}) is hard to read in any "
                f"language; split it: \"{sentence}\""), Severity.WARNING))


# ----------------------------------------------------------------- plain words

def plain_words(project: Project, document: Document, handout: Handout, language: str,
                report: Report) -> None:
    """A warning for every hard word that has a plain alternative."""
    settings = project.config.checks.jargon
    source = document.display if language == document.handout.language else \
        f"content/{translation_path(document.path, language).name}"
    for loc, text in translatable(handout):
        for hit in jargon.find_jargon(markdown.plain(text), language, settings.extra,
                                      set(settings.allow)):
            line = document.lines.line_of(loc) if source == document.display else None
            report.problems.append(Problem(
                source, line, format_loc(loc),
                f'"{hit.term}" is a hard word; say "{hit.alternative}"', Severity.WARNING))


# ----------------------------------------------------------------- contrast

#: Text and graphics the theme draws: (foreground, background, minimum ratio, where).
PAIRS = (
    ("primary-dark", "#FFFFFF", NORMAL, "headings and links"),
    ("primary-dark", "primary-tint", NORMAL, "text in the tinted boxes"),
    ("#FFFFFF", "primary", NORMAL, "step numbers"),
    ("accent-dark", "#FFFFFF", NORMAL, "the 'Stop right away' heading"),
    ("accent-dark", "accent-tint", NORMAL, "the 'Tip:' label"),
    ("#1C1C1C", "accent-tint", NORMAL, "tip text"),
    ("accent", "#FFFFFF", LARGE, "bullets and the safety box border (graphics)"),
    ("primary", "#FFFFFF", LARGE, "rules and the step-number circles (graphics)"),
)


def _resolve(name: str, colors: dict[str, str]) -> str:
    return name if name.startswith("#") else colors[name]


def colour_contrast(project: Project, report: Report) -> None:
    """Every colour pair the theme derives from the brand colours must meet WCAG AA."""
    clinic = project.config.clinic
    colors = palette(clinic)
    for fg, bg, minimum, where in PAIRS:
        a, b = _resolve(fg, colors), _resolve(bg, colors)
        ratio = contrast.contrast_ratio(a, b)
        if ratio >= minimum:
            continue
        brand = "accent" if "accent" in fg + bg else "primary"
        base = getattr(clinic.colors, brand)
        loc = ("clinic", "colors", brand)
        report.problems.append(project.problem(loc, (
            f"{where}: {a} on {b} has contrast {ratio:.2f}:1, below {minimum:g}:1 (WCAG AA); "
            f"the nearest shade of {base} that passes everywhere is "
            f"{_nearest_brand_shade(project, brand)}")))


def _passes(colors: dict[str, str], brand: str) -> bool:
    return all(contrast.contrast_ratio(_resolve(fg, colors), _resolve(bg, colors)) >= minimum
               for fg, bg, minimum, _ in PAIRS if brand in fg + bg)


def _nearest_brand_shade(project: Project, brand: str) -> str:
    """The brand colour moved as little as possible toward black or white so that every
    pair drawn from it passes (one suggestion, not one per pair)."""
    clinic = project.config.clinic
    base = getattr(clinic.colors, brand)
    for step in range(1, 201):
        for target in ("#000000", "#FFFFFF"):
            candidate = mix(base, target, step / 200)
            colors = clinic.colors.model_copy(update={brand: candidate})
            if _passes(palette(clinic.model_copy(update={"colors": colors})), brand):
                return candidate
    return "#000000"


# ----------------------------------------------------------------- images, safety, review

def images(project: Project, document: Document, report: Report) -> None:
    """Step pictures must stay under the size limit (existence, type and alt are validated)."""
    limit = project.config.checks.image_max_kb
    for i, step in enumerate(document.handout.steps):
        if not step.image:
            continue
        size = (document.path.parent / step.image).stat().st_size
        if size > limit * 1024:
            loc = ("steps", i, "image")
            report.problems.append(Problem(
                document.display, document.lines.line_of(loc), format_loc(loc),
                f"'{step.image}' is {size / 1024:,.0f} KB; the limit is {limit:,} KB "
                "(checks.image_max_kb): make it smaller"))


def safety(document: Document, variant: Variant, handout: Handout, report: Report) -> None:
    """Every version must still say when to stop and when to call a professional."""
    for group, what in (("stop", "when to stop"), ("call", "when to call a professional")):
        if not getattr(handout.precautions, group):
            loc = ("precautions", group)
            report.problems.append(Problem(
                document.display, document.lines.line_of(loc), format_loc(loc),
                f"the {variant.audience} version has no precautions saying {what}"))


def review_dates(project: Project, document: Document, today: dt.date,
                 report: Report) -> None:
    """Overdue review: a warning; twice the interval: an error.

    Starter text from the library has no review yet, only placeholders: the starter
    check says so (:mod:`handouts.checks.starter`), so its date is not judged here."""
    if document.handout.starter:
        return
    months = project.config.checks.review_months
    reviewed = document.handout.review.reviewed
    due = _add_months(reviewed, months)
    if today <= due:
        return
    severity = Severity.ERROR if today > _add_months(reviewed, 2 * months) else Severity.WARNING
    loc = ("review", "reviewed")
    report.problems.append(Problem(
        document.display, document.lines.line_of(loc), format_loc(loc),
        f"last reviewed {reviewed.isoformat()}; a review was due {due.isoformat()} "
        f"(every {months} months, checks.review_months)", severity))


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
            31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return dt.date(year, month, min(day.day, last))


# ----------------------------------------------------------------- rendering checks

def page_fit(project: Project, document: Document, variant: Variant, report: Report) -> None:
    """Render the variant: page count against the limit, and the phone on every page."""
    page, problems = compose(project, document, variant)
    report.problems.extend(problems)
    if page is None:
        return
    output = render_page(project, document, page)
    report.problems.extend(output.problems)
    limit = max_pages(project, document, variant.large_print)
    report.pages.append({"variant": variant.describe(), "pages": output.pages,
                         "max_pages": limit, "shrunk_to": output.shrunk_to,
                         "fullness": [round(p.fullness, 3) for p in output.measure],
                         "fit": list(output.fit), "extra_renders": output.extra_renders,
                         "layout": [{"kind": p.kind, "page": p.page, "message": p.message}
                                    for p in output.layout_problems]})
    report.problems.extend(layout_problems(document, variant, output))
    if output.shrunk_to is not None:
        report.problems.append(Problem(
            document.display, document.lines.line_of(("fit",)), "fit",
            f"{variant.describe()}: body text shrunk to {output.shrunk_to:g} pt to fit "
            f"{output.pages} page(s)", Severity.WARNING))
    if output.pages > limit:
        hint = "" if document.handout.fit == "shrink" or variant.large_print else \
            "; shorten it, or add 'fit: shrink'"
        line = document.lines.lines.get(("max_pages",))  # None unless the file sets it
        report.problems.append(Problem(
            document.display, line, "max_pages",
            f"{variant.describe()} has {output.pages} pages, more than {limit}{hint}",
            Severity.WARNING if project.config.checks.over_limit == "warning"
            else Severity.ERROR))
    # A location's handouts must show that location's phone, not the group's.
    phone = project.config.clinic.at(variant.location).phone_display
    whose = "the clinic's" if variant.location is None else f"the {variant.location} location's"
    for number, text in enumerate(output.texts, start=1):
        if phone not in text:
            report.problems.append(Problem(
                document.display, None, "render",
                f"{variant.describe()}: page {number} does not show {whose} phone "
                f"{phone}"))


def layout_problems(document: Document, variant: Variant, output: Any) -> list[Problem]:
    """The layout judge's findings on the fitted PDF (see :mod:`handouts.render.layout`), as
    warnings on the content file, saying what fitting tried when it could not help."""
    from handouts.render.layout import BALANCED, FIXABLE

    tried = ""
    if output.tried:
        *rest, last = output.tried
        tried = ("; fitting tried " + (", ".join(rest) + " and " if rest else "") + last
                 + ", and kept the shortest layout")
    why = {"runt": "; fitting cannot help: the content does not fit one page fewer",
           "gap": "; fitting cannot help: that block cannot split and does not fit the space"}
    return [Problem(document.display, None, "layout",
                    f"{variant.describe()}: {p.message}"
                    + ((tried or why.get(p.kind, "")) if p.kind in FIXABLE else ""),
                    Severity.WARNING)
            for p in output.layout_problems if p.kind != BALANCED]


# ----------------------------------------------------------------- the command

def fast_checks(project: Project, documents: Iterable[Document],
                variants: Iterable[Variant], today: dt.date | None = None) -> Report:
    """Every check that needs no rendering, for the given text variants."""
    report = Report()
    today = today or dt.date.today()
    variants = list(variants)  # read twice: by the text checks and the glyph check
    docs = {d.name: d for d in documents}
    colour_contrast(project, report)
    for doc in docs.values():
        images(project, doc, report)
        review_dates(project, doc, today, report)
    words_checked: set[tuple[str, str]] = set()
    for variant in variants:
        doc = docs[variant.handout]
        handout = _text_of(project, doc, variant, report)
        if handout is None:
            continue
        tailored = tailor(handout, variant.audience)
        safety(doc, variant, tailored, report)
        reading_level(project, doc, variant, tailored, report)
        if (doc.name, variant.language) not in words_checked:
            words_checked.add((doc.name, variant.language))
            plain_words(project, doc, handout, variant.language, report)
            report.problems += integrity.translation_problems(doc, variant.language)
    # Every printed character must be in an embedded font (never a machine's fallback).
    report.problems += glyphs.check_variants(project, docs.values(), variants)
    report.problems += starter.starter_problems(project, docs.values())
    return report


def _text_of(project: Project, document: Document, variant: Variant,
             report: Report) -> Handout | None:
    page, problems = compose(project, document, variant)
    # Kept apart: build and batch report these per variant when they render.
    report.variant_problems.extend(p for p in problems if p not in report.variant_problems)
    return page.handout if page is not None else None


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
        line = line if self.rendered else line + " (not rendered: page fit skipped)"
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
        return data


def _has_manifest(project: Project) -> bool:
    """Whether handouts.yaml has a ``batch:`` section (not just the built-in default)."""
    return "batch" in project.config.model_fields_set


def translation_languages(document: Document) -> list[str]:
    """Languages with a translation file beside the content file (``NAME.LANG.po``)."""
    found = {p.name[len(document.path.stem) + 1: -len(".po")]
             for p in document.path.parent.glob(f"{document.path.stem}.*.po")}
    return sorted(lang for lang in found if lang and "." not in lang
                  and lang != document.handout.language)


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
    if _has_manifest(project):
        chosen.update(v for v in plan_matrix(project.config.batch, names,
                                             list(project.config.clinic.locations))
                      if v.handout in names)
        return sorted(chosen)
    audiences = [GENERAL, *project.config.audiences]
    for doc in documents:
        for language in [doc.handout.language, *translation_languages(doc)]:
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


# ----------------------------------------------------------------- translation progress

def translation_progress(project: Project, documents: list[Document],
                         report: Report) -> set[tuple[str, str]]:
    """One line per unfinished translation file: how many texts are done and where the
    first missing (or out-of-date) one is. Returns the (handout, language) pairs that
    cannot be built yet (texts missing), so their versions are not checked further.

    Missing texts are an error when the batch manifest includes that translation
    (``handouts batch`` would fail), otherwise a warning: work in progress.
    """
    names = [d.name for d in documents]
    batched = {(v.handout, v.language) for v in plan_matrix(project.config.batch, names)} \
        if _has_manifest(project) else set()
    unfinished: set[tuple[str, str]] = set()
    for doc in documents:
        for language in translation_languages(doc):
            po = translation_path(doc.path, language)
            display = f"content/{po.name}"
            done = progress(doc.handout, po, display, language, clinic_texts(
                project.config.clinic, language, project.config.defaults.language))
            if done is None or done.complete:
                continue
            needed = (doc.name, language) in batched
            severity = Severity.ERROR if needed and done.first_missing else Severity.WARNING
            message = done.describe()
            if done.first_missing:
                unfinished.add((doc.name, language))
                message += (f"; the batch manifest includes {language}" if needed else "")
            report.problems.append(Problem(display, None, "", message, severity))
    return unfinished


def check(root: Path, names: tuple[str, ...] = (), *, render: bool = True,
          quick: bool = False, today: dt.date | None = None) -> Report:
    """Run every check on every version the project defines (of the named handouts).

    Which versions: see :func:`coverage_variants`; ``quick`` checks only each
    handout's default version; ``render=False`` skips the checks that render (page
    fit). The report's :attr:`Report.coverage` says what was covered.
    """
    from handouts.commands.build import load  # build runs the fast checks, so import it late

    loaded: list[Problem] = []  # warnings about stray files in content/
    project, documents = load(root, names, warnings=loaded)
    progress_report = Report()
    unfinished = translation_progress(project, documents, progress_report)
    wanted = coverage_variants(project, documents, quick=quick)
    variants = [v for v in wanted if (v.handout, v.language) not in unfinished]
    texts = sorted({(v.handout, v.audience, v.language): v for v in variants}.values())
    report = fast_checks(project, documents, texts, today)
    report.problems += loaded + progress_report.problems
    # The clinic programs (programs/*.yaml): read and checked against every handout the
    # project has (not only those named), since a program may use any of them.
    report.problems += program_problems(project.root)
    # Theme words no native speaker has reviewed yet: a warning, never silence.
    report.problems += review_problems(project.root, {v.language for v in variants})
    if render:
        docs = {d.name: d for d in documents}
        for variant in variants:
            page_fit(project, docs[variant.handout], variant, report)
    report.coverage = dataclasses.replace(
        _coverage(project, documents, variants, len(wanted) - len(variants), quick=quick,
                  rendered=render), unmeasured=tuple(sorted(report.unmeasured)))
    report.problems = sorted(dict.fromkeys(report.problems + report.variant_problems),
                             key=lambda p: (p.path, p.line or 0, p.field))
    return report


def program_problems(root: Path) -> list[Problem]:
    """Every problem of the project's clinic programs (``programs/*.yaml``)."""
    problems: list[Problem] = []
    load_programs(root, set(discover(root / "content")), problems)
    return problems


__all__ = ["CONFIG_NAME", "Coverage", "Report", "check", "coverage_variants", "fast_checks",
           "program_problems", "text_variants"]
