"""Shared fixtures: a fresh copy of the starter project for each test that needs one."""

from __future__ import annotations

from pathlib import Path

import pytest

from handouts.commands.init import init_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The project `handouts init` creates, in a temporary folder."""
    root = tmp_path / "p"
    init_project(root)
    return root


@pytest.fixture
def no_starter_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn off the starter-text check, for tests that judge other checks on the starter
    project (which rightly gets starter-text warnings; see tests/test_owner.py)."""
    from handouts.checks import starter

    monkeypatch.setattr(starter, "starter_problems", lambda project, documents: [])


@pytest.fixture
def no_script_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behave as on a machine without Debian's Noto script fonts (fonts-noto-core/-cjk),
    for tests about characters no font can print."""
    monkeypatch.setattr("handouts.render.scripts.SCRIPT_FONTS", ())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every property-based test ``fuzz``, so ``./dev.sh fuzz`` can select them all."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.fuzz)
