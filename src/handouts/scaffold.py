"""``handouts init``: a new, working project from the starter shipped in the package."""

from __future__ import annotations

import shutil
from pathlib import Path

from handouts.errors import HandoutsError, Problem
from handouts.theme import STYLESHEET_NAME, TEMPLATE_NAME, THEME_DIR

SKELETON_DIR = Path(__file__).parent / "skeleton"

#: Put at the top of the theme files ``init --with-theme`` copies, in each file's comment
#: syntax. Jinja drops the comment's line, so the copy renders exactly like the theme.
THEME_COPY_HEADER = (
    "A copy of the built-in theme's {name}, made by 'handouts init --with-theme'.\n"
    "This file replaces the built-in one for this project: edit it freely. Delete it\n"
    "to go back to the built-in theme (and get its future fixes). For a few small\n"
    "changes, templates/extra.css is simpler. See templates/README.md.")
_COMMENTS = {TEMPLATE_NAME: ("{#", "#}"), STYLESHEET_NAME: ("/*", "*/")}


def init_project(directory: Path, *, with_theme: bool = False) -> list[Path]:
    """Copy the starter project into ``directory``; never overwrites an existing file.

    ``with_theme`` also copies the theme's template and stylesheet into the new
    project's ``templates/``, for a designer to start from (they build unchanged).
    """
    sources = sorted(p for p in SKELETON_DIR.rglob("*") if p.is_file())
    targets = [directory / p.relative_to(SKELETON_DIR) for p in sources]
    theme_targets = [directory / "templates" / name for name in _COMMENTS] if with_theme else []
    clashes = [t for t in targets + theme_targets if t.exists()]
    if clashes:
        raise HandoutsError([Problem(str(t), None, "", "already exists; init never overwrites "
                                     "files (use an empty folder)") for t in clashes])
    for source, target in zip(sources, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    (directory / "templates").mkdir(parents=True, exist_ok=True)
    for target in theme_targets:
        start, end = _COMMENTS[target.name]
        header = f"{start}\n{THEME_COPY_HEADER.format(name=target.name)}\n{end}\n"
        original = (THEME_DIR / target.name).read_text(encoding="utf-8")
        target.write_text(header + original, encoding="utf-8")
    return targets + theme_targets
