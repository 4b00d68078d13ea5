"""Shared fixtures: a fresh copy of the starter project for each test that needs one."""

from __future__ import annotations

from pathlib import Path

import pytest

from handouts.scaffold import init_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The project `handouts init` creates, in a temporary folder."""
    root = tmp_path / "p"
    init_project(root)
    return root


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every property-based test ``fuzz``, so ``./dev.sh fuzz`` can select them all."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.fuzz)
