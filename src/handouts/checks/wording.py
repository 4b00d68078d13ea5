"""The words of a version: its reading grade against the audience's targets, and
hard words that have a plain alternative."""

from __future__ import annotations

from handouts.checks import jargon, readability
from handouts.checks.findings import Findings
from handouts.errors import Problem, Severity
from handouts.project import markdown
from handouts.project.config import CONFIG_NAME, GradeTargets, Project
from handouts.project.content import Document, Handout
from handouts.project.sourcefile import format_loc
from handouts.variants.i18n import translatable
from handouts.variants.plan import GENERAL, Variant

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
                  handout: Handout, report: Findings) -> None:
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
        document.translation_display(language)
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
                source: str, report: Findings) -> None:
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


def plain_words(project: Project, document: Document, handout: Handout, language: str,
                report: Findings) -> None:
    """A warning for every hard word that has a plain alternative."""
    settings = project.config.checks.jargon
    source = document.display if language == document.handout.language else \
        document.translation_display(language)
    for loc, text in translatable(handout):
        for hit in jargon.find_jargon(markdown.plain(text), language, settings.extra,
                                      set(settings.allow)):
            line = document.lines.line_of(loc) if source == document.display else None
            report.problems.append(Problem(
                source, line, format_loc(loc),
                f'"{hit.term}" is a hard word; say "{hit.alternative}"', Severity.WARNING))
