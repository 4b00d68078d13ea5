"""How far each translation file is: missing and out-of-date texts, an error when the
batch manifest needs that language."""

from __future__ import annotations

from pathlib import Path

from handouts.checks.findings import Findings
from handouts.errors import Problem, Severity
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.project.languages import has_theme_words, no_theme_words, not_a_language
from handouts.project.pofile import read_catalog
from handouts.project.sourcefile import format_loc
from handouts.variants.i18n import clinic_texts, progress
from handouts.variants.plan import plan_matrix


def has_manifest(project: Project) -> bool:
    """Whether handouts.yaml has a ``batch:`` section (not just the built-in default)."""
    return "batch" in project.config.model_fields_set


def theme_words_missing(root: Path, language: str, display: str) -> Problem | None:
    """A warning at a translation file (``display``) whose language the theme has no
    words for, with the way to add them; None when it has them.

    Only a warning: a volunteer can translate the handout first, but ``build`` refuses
    the language until the theme's words exist, so both ``translate`` (up front) and
    ``check`` say it with the same advice as ``build``.
    """
    if has_theme_words(language, root):
        return None
    return Problem(display, None, "", no_theme_words(language, root), Severity.WARNING)


def underscore_spelling(doc: Document, language: str) -> Problem | None:
    """A warning at a translation file named the POSIX way (``NAME.es_MX.po``, as Poedit
    names files): handouts reads it as a language of its own, beside ``NAME.es-MX.po``
    (its versions go to ``output/es_MX/``). Only a warning: such a file built before."""
    if "_" not in language or not_a_language(language.replace("_", "-")) is not None:
        return None
    written = language.replace("_", "-")
    other = doc.translation(written)
    also = (f"; {doc.translation_display(written)} is there too, and each is printed as a "
            "version of its own") if other.is_file() else ""
    return Problem(doc.translation_display(language), None, "", (
        f"'{language}' is written '{written}' in handouts (file names, --language, the "
        f"batch's languages): rename the file to {other.name}, or its versions are a "
        f"language of their own (output/{language}/){also}"), Severity.WARNING)


def translation_progress(project: Project, documents: list[Document],
                         report: Findings) -> set[tuple[str, str]]:
    """One line per unfinished translation file: how many texts are done and where the
    first missing (or out-of-date) one is. Returns the (handout, language) pairs that
    cannot be built yet (texts missing), so their versions are not checked further.

    Missing texts are an error when the batch manifest includes that translation
    (``handouts batch`` would fail), otherwise a warning: work in progress. A clinic
    group's location words count for the locations the manifest builds: one that it
    leaves out makes the file unfinished (a warning), not the batch fail.
    """
    names = [d.name for d in documents]
    clinic, source = project.config.clinic, project.config.defaults.language
    #: The locations each (handout, language) of the manifest is built for.
    batched: dict[tuple[str, str], set[str | None]] = {}
    if has_manifest(project):
        for v in plan_matrix(project.config.batch, names, list(clinic.locations)):
            batched.setdefault((v.handout, v.language), set()).add(v.location)
    unfinished: set[tuple[str, str]] = set()
    for doc in documents:
        for language in doc.translation_languages():
            po = doc.translation(language)
            display = doc.translation_display(language)
            missing_words = theme_words_missing(project.root, language, display)
            if missing_words is not None:
                report.problems.append(missing_words)
            if not_a_language(language) is not None:
                continue  # no language code (said above): never built, nothing to count
            spelled = underscore_spelling(doc, language)
            if spelled is not None:
                report.problems.append(spelled)
            # Everything the file offers, for the count; then what the pages need.
            offered = clinic_texts(clinic, language, source)
            done = progress(doc.handout, po, display, language, offered)
            if done is None or done.complete:
                continue
            places = batched.get((doc.name, language))
            printed = list(dict.fromkeys(
                text for place in places or {None}
                for text in clinic_texts(clinic, language, source, at=place)))
            pages = done if set(printed) == set(offered) else \
                progress(doc.handout, po, display, language, printed)
            blocking = pages is not None and pages.first_missing is not None
            needed = places is not None and blocking
            message = done.describe()
            if blocking:
                unfinished.add((doc.name, language))
            if needed:
                message += f"; the batch manifest includes {language}"
            report.problems.append(Problem(display, None, "", message,
                                           Severity.ERROR if needed else Severity.WARNING))
    return unfinished


def clinic_words_disagree(project: Project, documents: list[Document]) -> list[Problem]:
    """A warning for each of the clinic's words (tagline, disclaimer, hours...) that two
    handouts' translation files into one language translate differently.

    The clinic's words not translated in handouts.yaml are translated in each handout's
    file, so each handout may say them its own way: a home program of three Spanish
    handouts printed three taglines and three disclaimers, without a word. Said at the
    file that differs from the first (in handout order), with the first's words.
    """
    clinic, source = project.config.clinic, project.config.defaults.language
    problems: list[Problem] = []
    languages = sorted({lang for doc in documents for lang in doc.translation_languages()})
    for language in languages:
        words = clinic_texts(clinic, language, source)
        if not words:
            continue
        first: dict[str, tuple[str, str, int | None]] = {}
        for doc in documents:
            if language not in doc.translation_languages():
                continue
            display = doc.translation_display(language)
            catalog, _ = read_catalog(doc.translation(language), display,
                                      language.replace("-", "_"))
            if catalog is None:
                continue  # unreadable: said by the translation's own checks
            for loc, english in words:
                field = format_loc(loc)
                entry = catalog.get(english, context=field)
                if entry is None or not entry.string or entry.fuzzy:
                    continue
                said = str(entry.string)
                if field not in first:
                    first[field] = (said, display, entry.lineno)
                    continue
                other, where, line = first[field]
                if said != other:
                    at = f"{where}:{line}" if line else where
                    problems.append(Problem(display, entry.lineno, field, (
                        f"translated otherwise than in {at} (\"{said}\" against \"{other}\"): "
                        "a home program or a batch with both handouts prints both; make "
                        "them the same, or translate it once in handouts.yaml under "
                        f"clinic.translations.{language}"), Severity.WARNING))
    return problems
