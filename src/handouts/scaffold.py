"""``handouts init``: a new, working project from the starter shipped in the package."""

from __future__ import annotations

import shutil
from pathlib import Path

from handouts.errors import HandoutsError, Problem

SKELETON_DIR = Path(__file__).parent / "skeleton"


def init_project(directory: Path) -> list[Path]:
    """Copy the starter project into ``directory``; never overwrites an existing file."""
    sources = sorted(p for p in SKELETON_DIR.rglob("*") if p.is_file())
    targets = [directory / p.relative_to(SKELETON_DIR) for p in sources]
    clashes = [t for t in targets if t.exists()]
    if clashes:
        raise HandoutsError([Problem(str(t), None, "", "already exists; init never overwrites "
                                     "files (use an empty folder)") for t in clashes])
    for source, target in zip(sources, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    (directory / "templates").mkdir(parents=True, exist_ok=True)
    return targets
