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
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Printed:
    """A number as the report prints it, with the interval its rounding leaves."""

    value: float
    decimals: int

    @property
    def low(self) -> float:
        return self.value - 0.5 * 10 ** -self.decimals

    @property
    def high(self) -> float:
        return self.value + 0.5 * 10 ** -self.decimals


def _number(value: str) -> Printed:
    match = re.match(r"([0-9]+)(?:\.([0-9]+))?", value)
    assert match, value
    return Printed(float(match.group(0)), len(match.group(2) or ""))


def _rows(report: str) -> dict[str, tuple[Printed, str, str]]:
    """Each table row by its measure: (number in the value, target, met)."""
    rows = {}
    for line in report.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("measure", "---"):
            rows[cells[0]] = (_number(cells[1]), cells[2], cells[3])
    return rows


def _consistent(ratio: Printed, low: float, high: float) -> bool:
    """Whether the printed ``ratio`` can be the rounding of a value in [low, high]."""
    return ratio.low <= high and low <= ratio.high


def _met(value: Printed, target: str) -> set[str]:
    """The "met" cells that fit ``value`` and ``target`` (both, at the rounding edge)."""
    op, limit = target.split()[:2]  # "<= 1.10x", ">= 0.85", "<= 1 s"
    bound = float(limit.rstrip("x"))
    if value.low <= bound <= value.high:
        return {"yes", "**no**"}
    ok = value.value <= bound if op == "<=" else value.value >= bound
    return {"yes" if ok else "**no**"}


@pytest.mark.slow
def test_benchmark_quick_run_reports_consistent_measurements(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    subprocess.run([sys.executable, str(REPO / "benchmarks/run.py"), "--quick", "--out",
                    str(out)], check=True, capture_output=True)
    report = out.read_text(encoding="utf-8")
    assert "HarfBuzz subsetting present" in report
    rows = _rows(report)
    cores = os.cpu_count() or 1
    value = {name: number for name, (number, _, _) in rows.items()}
    assert value["variants (N)"].value == 4
    for name, number in value.items():
        assert math.isfinite(number.value) and number.high > 0, name
    floor = value["floor: WeasyPrint alone, warm, per document"]
    one = value["ours, 1 worker, per document"]
    throughput = value[f"ours, all {cores} cores"]
    naive = value["naive: one weasyprint process per file (2 files)"]
    client = value["merge of 2 named clients, per client"]
    small, large = value["peak memory, batch of 4"], value["peak memory, batch of 8"]
    # Each ratio is what its inputs give, within the rounding of every printed number.
    assert _consistent(value["overhead over the floor"], one.low / floor.high,
                       one.high / floor.low)
    assert _consistent(value["parallel efficiency (speed-up / cores)"],
                       one.low / 1000 * throughput.low / cores,
                       one.high / 1000 * throughput.high / cores)
    assert _consistent(value["our speed-up over the naive loop"],
                       naive.low / 1000 * throughput.low, naive.high / 1000 * throughput.high)
    assert _consistent(value["per-client copy / full render (ours, 1 worker)"],
                       client.low / one.high, client.high / one.low)
    assert _consistent(value["memory 8 / 4"], large.low / small.high, large.high / small.low)
    assert 20 < small.value < 2000  # megabytes of a real Python process with WeasyPrint loaded
    targets = {name: (number, target, met) for name, (number, target, met) in rows.items()
               if target}
    assert len(targets) == 8
    fitted = value["automatic fitting: batch CPU time, fitted / unfitted"]
    assert fitted.value >= 0.9  # fitting never makes a batch cheaper than no fitting
    for name, (number, target, met) in targets.items():
        assert met in _met(number, target), name


def test_layout_sweep_writes_valid_content_and_names_what_is_wrong(tmp_path: Path) -> None:
    """benchmarks/layout_sweep.py: its random handouts load without a problem (a schema
    change would otherwise make the sweep measure nothing), the same seed writes the
    same files, and ``faults`` names a runt and a half-empty page."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import layout_sweep
    finally:
        sys.path.pop(0)
    from handouts.project.load import load_project
    from handouts.render.layout import RUNT, LayoutProblem, PageMeasure
    from handouts.render.result import Rendered

    for name in ("a", "b"):
        layout_sweep.write_project(tmp_path / name, seed=3, count=4)
    loaded = load_project(tmp_path / "a")  # raises on any error
    assert [d.name for d in loaded.documents] == ["s3-0", "s3-1", "s3-2", "s3-3"]
    assert loaded.warnings == []
    documents = loaded.documents
    for document in documents:
        path = f"content/{document.name}.yaml"
        assert (tmp_path / "a" / path).read_text() == (tmp_path / "b" / path).read_text()
    tails = ({"name": "contact", "top": 0.0, "bottom": 9.0, "starts": True, "ends": True},)
    output = Rendered(b"", 3, measure=[PageMeasure(100.0, 90.0), PageMeasure(100.0, 40.0),
                                     PageMeasure(100.0, 10.0, tails)],
                    layout_problems=[LayoutProblem(RUNT, 3, "the last page is thin")])
    assert layout_sweep.faults(output) == [
        "runt: the last page is thin",
        "the last page holds only the contact box and fine print",
        "page 2 is 40% full"]


def test_dask_benchmark_quick_run_renders_every_language_on_both_executors() -> None:
    """benchmarks/dask_run.py --quick: the group it makes from the example validates in
    every language the example has (it once planned Arabic and Chinese versions with no
    translated opening hours, and failed), and both executors give the same PDFs."""
    pytest.importorskip("distributed")
    run = subprocess.run([sys.executable, str(REPO / "benchmarks/dask_run.py"), "--quick",
                          "--workers", "1"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    report = run.stdout
    assert "- PDFs per language: ar 1, en 1, es 1, zh 1." in report
    assert "Byte-identical PDFs: True." in report
    rows = {cells[0]: cells[1:] for cells in (
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in report.splitlines() if line.startswith("| ") and "PDFs" not in line)}
    assert rows["local process pool"][0] == rows["Dask LocalCluster"][0] == "4"


@pytest.mark.slow
def test_scaling_benchmark_quick_run_reports_efficiencies_from_its_own_rates(
        tmp_path: Path) -> None:
    """benchmarks/scaling.py --quick: a row per N, each efficiency is rate(N) / (N x
    rate(1)) of the rates printed beside it, and the last column is their ratio."""
    out = tmp_path / "scaling.md"
    run = subprocess.run([sys.executable, str(REPO / "benchmarks/scaling.py"), "--quick",
                          "--cores", "2", "--out", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    tables: list[list[list[Printed]]] = [[]]
    for line in out.read_text(encoding="utf-8").splitlines():
        if re.match(r"\| [0-9]+ \|", line):
            tables[-1].append([_number(c.strip()) for c in line.strip().strip("|").split("|")])
        elif tables[-1]:
            tables.append([])
    # In the report's order: the batch against the engine's page, both as commands, the
    # batch on the engine's page, the engine on the batch's pages, the batch's work in
    # fresh processes, its CPU.
    rows, commands, same, mixed, fresh, cpu_rows = [t for t in tables if t]
    assert [len(t[0]) for t in (rows, commands, same, mixed, fresh, cpu_rows)] == [
        8, 6, 7, 5, 7, 6]
    # As commands: each side's seconds, its efficiency from its own seconds, the ratio.
    assert [int(row[0].value) for row in commands] == [1, 2]
    assert commands[0][2].value == commands[0][4].value == commands[0][5].value == 1.0
    for n, batch_s, batch_eff, engine_s, engine_eff, ratio in commands:
        assert batch_s.value > 0 and engine_s.value > 0
        assert _consistent(batch_eff, commands[0][1].low / (n.value * batch_s.high),
                           commands[0][1].high / (n.value * batch_s.low))
        assert _consistent(engine_eff, commands[0][3].low / (n.value * engine_s.high),
                           commands[0][3].high / (n.value * engine_s.low))
        assert _consistent(ratio, batch_eff.low / engine_eff.high,
                           batch_eff.high / engine_eff.low)
    # The batch on the engine's own page: rate, efficiency from those rates, the
    # engine's efficiency (the first table's), their ratio, the first PDF and the tail.
    assert [int(row[0].value) for row in same] == [1, 2]
    assert same[0][2].value == same[0][3].value == same[0][4].value == 1.0
    for (n, rate, eff, engine_eff, ratio, *times), row in zip(same, rows, strict=True):
        assert rate.value > 0 and len(times) == 2
        assert _consistent(eff, rate.low / (n.value * same[0][1].high),
                           rate.high / (n.value * same[0][1].low))
        assert engine_eff.value == row[4].value
        assert _consistent(ratio, eff.low / engine_eff.high, eff.high / engine_eff.low)
    assert [int(row[0].value) for row in rows] == [1, 2]
    assert [int(row[0].value) for row in mixed] == [1, 2]
    assert mixed[0][1].value == mixed[0][3].value == mixed[0][4].value == 1.0
    for (n, batch_eff, rate, eff, ratio), row in zip(mixed, rows, strict=True):
        assert batch_eff.value == row[2].value and rate.value > 0
        assert _consistent(eff, rate.low / (n.value * mixed[0][2].high),
                           rate.high / (n.value * mixed[0][2].low))
        assert _consistent(ratio, batch_eff.low / eff.high, batch_eff.high / eff.low)
    assert [int(row[0].value) for row in fresh] == [1, 2]
    for (_, _, wall, cpu, eff, ratio, _), row in zip(fresh, rows, strict=True):
        assert wall.value > 0 and cpu.value > 0
        assert _consistent(eff, fresh[0][3].low / cpu.high, fresh[0][3].high / cpu.low)
        assert _consistent(ratio, row[2].low / eff.high, row[2].high / eff.low)
    # The batch's own CPU (from /proc/stat, on Linux): its CPU efficiency is busy(1) /
    # busy(N) of the busy core-seconds printed beside it, and the last column N x wall.
    assert [int(row[0].value) for row in cpu_rows] == [1, 2]
    for (n, wall, busy, eff, idle, capacity), row in zip(cpu_rows, fresh, strict=True):
        assert busy.value > 0 and idle.value >= 0
        assert wall.value == row[1].value  # the same best run as the table above
        assert _consistent(eff, cpu_rows[0][2].low / busy.high, cpu_rows[0][2].high / busy.low)
        assert _consistent(capacity, n.value * wall.low, n.value * wall.high)
    assert cpu_rows[0][3].value == 1.0
    assert re.search(r"against its second\):\n[+-][0-9.]+ s of CPU \([0-9.]+ s against "
                     r"[0-9.]+ s\)", out.read_text(encoding="utf-8"))
    one = rows[0]
    assert one[2].value == one[4].value == one[5].value == 1.0
    for n, batch_rate, batch_eff, engine_rate, engine_eff, ratio, *times in rows:
        assert len(times) == 2  # the first PDF and the tail, in seconds
        assert batch_rate.value > 0 and engine_rate.value > 0
        assert _consistent(batch_eff, batch_rate.low / (n.value * one[1].high),
                           batch_rate.high / (n.value * one[1].low))
        assert _consistent(engine_eff, engine_rate.low / (n.value * one[3].high),
                           engine_rate.high / (n.value * one[3].low))
        assert _consistent(ratio, batch_eff.low / engine_eff.high,
                           batch_eff.high / engine_eff.low)


def test_program_benchmark_quick_run_reports_its_ratio_from_its_own_rows() -> None:
    """benchmarks/program.py --quick: every row is measured, and the ratio is the
    program's p50 over the copies' p50 as printed."""
    run = subprocess.run([sys.executable, str(REPO / "benchmarks/program.py"), "--quick"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = {cells[0]: [_number(c) for c in cells[1:] if c]
            for line in run.stdout.splitlines() if line.startswith("| ")
            and (cells := [c.strip() for c in line.strip().strip("|").split("|")])[0]
            not in ("measure", "---")}
    assert set(rows) == {"first program (fitting searched)", "next clients' program, p50",
                         "the 2 named copies one by one, p50",
                         "ratio program / copies (CPU)"}
    program, copies = rows["next clients' program, p50"][0], rows[
        "the 2 named copies one by one, p50"][0]
    assert program.value > 0 and copies.value > 0
    assert _consistent(rows["ratio program / copies (CPU)"][0], program.low / copies.high,
                       program.high / copies.low)


@pytest.mark.slow
def test_program_desk_benchmark_quick_run_prints_its_figures() -> None:
    """benchmarks/program_desk.py --quick: a five-handout program through the desk with
    1 and 4 users, the five named copies with as many users, each ratio computed from
    the rows above it, the control pairs, and the verdict from the ratios."""
    run = subprocess.run([sys.executable, str(REPO / "benchmarks/program_desk.py"), "--quick"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = {cells[0]: cells[1] for cells in (
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in run.stdout.splitlines() if line.startswith("| ") and "---" not in line)}
    times = r"([0-9]+) ms / ([0-9]+) ms"
    worst = 0.0
    for users in ("1 user", "4 users"):
        program = re.fullmatch(times, rows[f"Program of 5 handouts, {users} (2 requests): "
                                            "p50 / p95"])
        copies = re.fullmatch(times, rows["The same 5 handouts as named copies one after "
                                          f"the other, {users} (2 clients): sum, p50 / p95"])
        assert program and copies
        assert 0 < int(program.group(1)) <= int(program.group(2))
        assert 0 < int(copies.group(1)) <= int(copies.group(2))
        ratios = re.fullmatch(r"([0-9.]+) / ([0-9.]+)",
                              rows[f"Program / five copies, {users}: p50 / p95"])
        assert ratios
        for n in (1, 2):
            ratio = _number(ratios.group(n))
            assert _consistent(ratio, (int(program.group(n)) - 0.5) / (int(copies.group(n)) + 0.5),
                               (int(program.group(n)) + 0.5) / (int(copies.group(n)) - 0.5))
            worst = max(worst, ratio.value)
    paired = re.fullmatch(r"[0-9.]+ \(([0-9.]+)-([0-9.]+)\)", rows[
        "Paired, the same client (2 pairs, alternating order): program / five copies, "
        "p50 (min-max)"])
    control = re.fullmatch(r"([0-9.]+) \(([0-9.]+)-([0-9.]+)\)", rows[
        "Control: the five copies against themselves made again (2 pairs): p50 (min-max)"])
    assert paired and control and 0 < float(paired.group(1)) <= float(paired.group(2))
    assert 0 < float(control.group(2)) <= float(control.group(1)) <= float(control.group(3))
    verdict = rows["Never slower (every p50 and p95 above at most 1.00)"]
    if worst < 0.995:
        assert verdict == "yes"
    elif worst > 1.005:
        assert verdict == f"no (worst {worst:.2f})"


def test_fitting_benchmark_quick_run_reports_ratios_from_its_own_rows() -> None:
    """benchmarks/fitting_once.py --quick: the five batches are measured, and each ratio
    is its row's CPU time over the unfitted batch it is compared with."""
    run = subprocess.run([sys.executable, str(REPO / "benchmarks/fitting_once.py"), "--quick"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = {cells[0]: cells[1:] for cells in (
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in run.stdout.splitlines() if line.startswith("| ") and "---" not in line)
        if cells[0] != "batch"}
    edit = "after a one-file edit (content/desk-stretch-break.yaml)"
    assert list(rows) == ["first run (search, decisions kept)",
                          "forced rerun (every decision kept)", "unfitted batch, all variants",
                          edit, "unfitted batch of those variants"]
    assert [int(cells[0]) for cells in rows.values()] == [2, 2, 2, 1, 1]
    for label, against in (("first run (search, decisions kept)", "unfitted batch, all variants"),
                           ("forced rerun (every decision kept)", "unfitted batch, all variants"),
                           (edit, "unfitted batch of those variants")):
        cpu, base = _number(rows[label][1]), _number(rows[against][1])
        assert cpu.value > 0
        assert _consistent(_number(rows[label][2].rstrip("×")), cpu.low / base.high,
                           cpu.high / base.low)
