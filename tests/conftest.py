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
