"""A copy of the repository's own example project, for tests that change it."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def copy_example(target: Path) -> Path:
    """The example project (handouts.yaml, content, templates, assets) copied to ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "handouts.yaml", target / "handouts.yaml")
    return target
