"""How far each translation file is: missing and out-of-date texts, an error when the
batch manifest needs that language."""

from __future__ import annotations

from handouts.checks.findings import Findings
from handouts.errors import Problem, Severity
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.variants.i18n import clinic_texts, progress
from handouts.variants.plan import plan_matrix


def has_manifest(project: Project) -> bool:
    """Whether handouts.yaml has a ``batch:`` section (not just the built-in default)."""
    return "batch" in project.config.model_fields_set


def translation_progress(project: Project, documents: list[Document],
                         report: Findings) -> set[tuple[str, str]]:
    """One line per unfinished translation file: how many texts are done and where the
    first missing (or out-of-date) one is. Returns the (handout, language) pairs that
    cannot be built yet (texts missing), so their versions are not checked further.

    Missing texts are an error when the batch manifest includes that translation
    (``handouts batch`` would fail), otherwise a warning: work in progress.
    """
    names = [d.name for d in documents]
    batched = {(v.handout, v.language) for v in plan_matrix(project.config.batch, names)} \
        if has_manifest(project) else set()
    unfinished: set[tuple[str, str]] = set()
    for doc in documents:
        for language in doc.translation_languages():
            po = doc.translation(language)
            display = doc.translation_display(language)
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
