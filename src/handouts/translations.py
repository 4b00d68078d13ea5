"""``handouts translate``: create or refresh a handout's translation file."""

from __future__ import annotations

from pathlib import Path

from handouts.build import load
from handouts.errors import HandoutsError, Problem
from handouts.i18n import is_known_language, translation_path, update_catalog


def update_translation(root: Path, handout: str, language: str) -> tuple[Path, int, int]:
    """Write ``content/<handout>.<language>.po`` with every text of the handout.

    Returns the file and how many entries were added and marked out of date.
    """
    if not is_known_language(language):
        raise HandoutsError([Problem("", None, "language",
                                     f"'{language}' is not a language code such as es or fr")])
    _, documents = load(root, (handout,))
    document = documents[0]
    po = translation_path(document.path, language)
    added, stale = update_catalog(document.handout, po, language)
    return po, added, stale
