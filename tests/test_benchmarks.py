"""The benchmark command runs end to end, and its numbers are measured and consistent.

Speed itself is not tested here (sizes are tiny and the machine is shared): the test
checks that every row holds a real measurement, that the derived ratios are computed
from the rows they claim to come from, and that the "met" column matches the target.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _number(value: str) -> float:
    match = re.match(r"([0-9]+(?:\.[0-9]+)?)", value)
    assert match, value
    return float(match.group(1))


def _rows(report: str) -> dict[str, tuple[float, str, str]]:
    """Each table row by its measure: (number in the value, target, met)."""
    rows = {}
    for line in report.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("measure", "---"):
            rows[cells[0]] = (_number(cells[1]), cells[2], cells[3])
    return rows


def _met(value: float, target: str) -> str:
    op, limit = target.split()[:2]  # "<= 1.10x", ">= 0.85", "<= 1 s"
    bound = float(limit.rstrip("x"))
    ok = value <= bound if op == "<=" else value >= bound
    return "yes" if ok else "**no**"


def test_benchmark_quick_run_reports_consistent_measurements(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    subprocess.run([sys.executable, str(REPO / "benchmarks/run.py"), "--quick", "--out",
                    str(out)], check=True, capture_output=True)
    report = out.read_text(encoding="utf-8")
    assert "HarfBuzz subsetting present" in report
    rows = _rows(report)
    cores = os.cpu_count() or 1
    value = {name: number for name, (number, _, _) in rows.items()}
    assert value["variants (N)"] == 4
    for name, number in value.items():
        assert math.isfinite(number) and number > 0, name
    floor = value["floor: WeasyPrint alone, warm, per document"] / 1000
    one = value["ours, 1 worker, per document"] / 1000
    throughput = value[f"ours, all {cores} cores"]
    naive = value["naive: one weasyprint process per file (2 files)"] / 1000
    client = value["merge of 2 named clients, per client"] / 1000
    small, large = value["peak memory, batch of 4"], value["peak memory, batch of 8"]
    # Each ratio is what its inputs give, up to the rounding of the printed values.
    assert value["overhead over the floor"] == pytest.approx(one / floor, rel=0.03)
    assert value["parallel efficiency (speed-up / cores)"] == pytest.approx(
        one * throughput / cores, rel=0.06, abs=0.01)
    assert value["our speed-up over the naive loop"] == pytest.approx(
        naive * throughput, rel=0.06, abs=0.1)
    assert value["per-client copy / full render (ours, 1 worker)"] == pytest.approx(
        client / one, rel=0.03)
    assert value["memory 8 / 4"] == pytest.approx(large / small, rel=0.03)
    assert 20 < small < 2000  # megabytes of a real Python process with WeasyPrint loaded
    targets = {name: (number, target, met) for name, (number, target, met) in rows.items()
               if target}
    assert len(targets) == 6
    for name, (number, target, met) in targets.items():
        assert met == _met(number, target), name
