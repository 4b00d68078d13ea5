"""The mutation spot-check (tests/mutations.py) must stay applicable as the code moves.

Each breakage replaces one exact snippet; when a refactoring changes that snippet the
spot-check would silently report it as stale instead of testing anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .mutations import BREAKAGES, Breakage

ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda b: b.name)
def test_every_breakage_still_applies_exactly_once(breakage: Breakage) -> None:
    text = (ROOT / breakage.path).read_text(encoding="utf-8")
    assert text.count(breakage.old) == 1, breakage
    for test in breakage.first:
        assert (ROOT / test.split("::")[0]).exists(), test
