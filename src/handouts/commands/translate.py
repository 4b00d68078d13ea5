"""``handouts translate``: create or refresh a handout's translation file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handouts.checks.translations import theme_words_missing
from handouts.errors import OptionError, Problem
from handouts.project.languages import language_name, not_a_language
from handouts.project.load import Loaded
from handouts.variants.i18n import CatalogUpdate, Progress, clinic_texts, progress, update_catalog


@dataclass(frozen=True)
class TranslationUpdate:
    """The file ``handouts translate`` wrote and what changed in it."""

    path: Path
    #: The path as the user knows it, relative to the project: ``content/x.es.po``.
    display: str
    update: CatalogUpdate
    #: How far the file is, counted as ``handouts check`` counts it (names left as they
    #: are do not count), so the two commands never disagree on the number of texts.
    progress: Progress

    def describe(self) -> str:
        """``created content/x.es.po (33 texts to translate)`` or
        ``updated content/x.es.po: 2 new, 1 changed, 30 unchanged``."""
        u = self.update
        if u.created:
            left = self.progress.total - self.progress.translated
            return f"created {self.display} ({left} text{'s' if left != 1 else ''} " \
                   "to translate)"
        line = f"updated {self.display}: {u.new} new, {u.changed} changed, " \
               f"{u.unchanged} unchanged"
        if u.restored:
            line += (f", {u.restored} restored (back in the handout: given their "
                     "translation from the #~ lines)")
        if u.removed:
            line += (f", {u.removed} removed (no longer in the handout; kept at the end of "
                     "the file as #~ lines, and used again if the text comes back)")
        if u.accepted:
            line += f"; accepted {len(u.accepted)} reviewed: {', '.join(u.accepted)}"
        return line


def check_language(language: str) -> None:
    """Refuse a ``LANGUAGE`` that is not a language code: a usage mistake (exit 2), said
    before the project is loaded."""
    wrong = not_a_language(language)
    if wrong:
        raise OptionError([Problem("LANGUAGE", None, "", wrong)])


def own_language(handout: str, source: str, translations: list[str]) -> str:
    """The message for translating a handout into the language it is written in: such a
    file would never be read (the handout is printed as written), so it is refused.

    The example is a language the handout already has a translation in, else Spanish
    (English when the handout is in Spanish): a real next step, not a made-up code.
    """
    others = [code for code in translations if code != source]
    example = others[0] if others else ("es" if source != "es" else "en")
    return (f"{handout} is written in {language_name(source)} (language: {source}); "
            f"translate it into another language, e.g. {example}")


def before_translating(loaded: Loaded, handout: str, language: str) -> list[Problem]:
    """Warnings to give before the file is written: the theme has no words in
    ``language`` (the file is still made, so a volunteer can start, but ``build``
    refuses the language until they are added)."""
    display = f"content/{loaded.document(handout).translation(language).name}"
    found = theme_words_missing(loaded.project.root, language, display)
    return [found] if found is not None else []


def update_translation(loaded: Loaded, handout: str, language: str, *,
                       accept: tuple[str, ...] = (),
                       accept_all: bool = False) -> TranslationUpdate:
    """Write ``content/<handout>.<language>.po`` with every text of the handout, one of
    the loaded project's (:func:`~handouts.project.load.load_project`).

    ``accept``/``accept_all`` mark reviewed out-of-date (fuzzy) translations done
    (see :func:`handouts.variants.i18n.update_catalog`).
    """
    check_language(language)
    project = loaded.project
    document = loaded.document(handout)
    source = document.handout.language
    if language == source:  # a usage mistake (exit 2), said before anything is written
        raise OptionError([Problem("LANGUAGE", None, "", own_language(
            handout, source, document.translation_languages()))])
    po = document.translation(language)
    display = f"content/{po.name}"
    # The clinic's words that handouts.yaml leaves untranslated go in the file too, so
    # the translator sees every text the handout prints.
    clinic = clinic_texts(project.config.clinic, language, project.config.defaults.language)
    update = update_catalog(document.handout, po, language, display, accept=accept,
                            accept_all=accept_all, clinic=clinic)
    # Read back from the file just written, with the function `check` uses: one count.
    done = progress(document.handout, po, display, language, clinic)
    assert done is not None  # the file was just written and reads back
    return TranslationUpdate(po, display, update, done)
