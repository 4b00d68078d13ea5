"""The benchmark command runs end to end (it need not be fast here: sizes are tiny)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_benchmark_quick_run_reports_every_measure(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    subprocess.run([sys.executable, str(REPO / "benchmarks/run.py"), "--quick", "--out",
                    str(out)], check=True, capture_output=True)
    report = out.read_text(encoding="utf-8")
    for measure in ("floor: WeasyPrint alone", "ours, 1 worker", "overhead over the floor",
                    "documents/s", "parallel efficiency", "naive: one weasyprint process",
                    "speed-up over the naive loop", "no-change rerun", "merge of 2 named",
                    "peak memory, batch of 4", "memory 8 / 4", "HarfBuzz subsetting"):
        assert measure in report, measure
