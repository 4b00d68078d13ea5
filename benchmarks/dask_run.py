"""The batch on a Dask cluster against the local process pool, and the coordinator's cost.

    .venv/bin/python benchmarks/dask_run.py                 # 540 PDFs (3 locations)
    .venv/bin/python benchmarks/dask_run.py --audiences 3   # smaller: 3 x 84 PDFs
    .venv/bin/python benchmarks/dask_run.py --quick         # seconds (the test suite runs this)

The example project (the repository root) is copied to a temporary folder and made a
three-location clinic group with extra audiences, so the manifest has 500+ variants in
every language the example has (English, Spanish, Arabic, Chinese; the extra audiences,
like the example's own, are left out of the Arabic and Chinese drafts). ``--quick``
keeps one location, one handout, paper, print and audience: 4 PDFs, one per language,
one timed run of each executor and no memory comparison.
Measured in one run, on this machine:

* documents per second on the local pool (``--jobs`` = cores) and on a LocalCluster
  with the same number of single-threaded worker processes, and the per-document
  overhead of Dask over the pool;
* the coordinator's peak memory (RSS) during a Dask batch of one location and of
  three (it should not grow with the batch: results are written and dropped);
* the coordinator's own cost per PDF (input hashing, atomic writes, index), with an
  executor that hands back already-rendered bytes at once.

Prints a Markdown report (paste it into docs/cluster.md).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import yaml

from handouts.commands.batch import VariantResult, batch
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.project.load import load_project
from handouts.variants.plan import Variant

REPO = Path(__file__).resolve().parent.parent
#: Timed runs of each executor, alternated; the best of each is kept.
REPEATS = 2
LOCATIONS = {
    "downtown": {"name_suffix": "Downtown", "address": {"street": "55 W Main St",
                 "city": "Mesa", "region": "AZ"}, "phone": "(480) 992-5051",
                 "hours": "Mon–Fri 8–18"},
    "north": {"name_suffix": "North", "address": {"street": "1200 N Power Rd", "city": "Mesa",
              "region": "AZ"}, "phone": "(480) 992-5052",
              "booking_url": "https://massagemesa.example/book/north", "hours": "Mon–Sat 9–17"},
    "gilbert": {"name_suffix": "Gilbert", "address": {"street": "30 S Gilbert Rd",
                "city": "Gilbert", "region": "AZ"}, "phone": "(480) 992-5053"},
}
#: Each location's opening hours in each language of the example but English.
HOURS = {
    "es": {"downtown": "Lun–Vie 8–18", "north": "Lun–Sáb 9–17"},
    "ar": {"downtown": "الاثنين–الجمعة 8–18", "north": "الاثنين–السبت 9–17"},
    "zh": {"downtown": "周一至周五 8–18", "north": "周一至周六 9–17"},
}
#: The example's draft translations: the general version only (as in its manifest).
DRAFTS = ("ar", "zh")


def make_group(folder: Path, extra_audiences: int, quick: bool = False) -> Path:
    """A copy of the example project as a 3-location group with more audiences (with
    ``quick``: one location, letter, standard print, the general back massage only)."""
    root = folder / "project"
    root.mkdir(parents=True)
    for name in ("handouts.yaml",):
        shutil.copy2(REPO / name, root / name)
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, root / name)
    config = yaml.safe_load((root / "handouts.yaml").read_text(encoding="utf-8"))
    config["clinic"]["locations"] = LOCATIONS
    for language, hours in HOURS.items():
        config["clinic"]["translations"][language]["locations"] = {
            name: {"hours": text} for name, text in hours.items()}
    for i in range(1, extra_audiences + 1):
        config["audiences"][f"group-{i}"] = {
            "label": f"Group {i}", "description": "For the people of this group.",
            "translations": {"es": {"label": f"Grupo {i}",
                                    "description": "Para las personas de este grupo."}}}
        config["batch"]["audiences"].append(f"group-{i}")
        config["batch"]["exclude"] += [{"audience": f"group-{i}", "language": language}
                                       for language in DRAFTS]
    if quick:
        config["batch"].update(locations=["north"], papers=["letter"], prints=["standard"],
                               handouts=["back-massage"], audiences=["general"])
    (root / "handouts.yaml").write_text(yaml.safe_dump(config, allow_unicode=True,
                                                       sort_keys=False), encoding="utf-8")
    return root


def peak_rss_mb() -> float:
    """This process's peak resident memory since the last :func:`reset_peak` (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    """Start a new peak-RSS measurement (Linux: writing 5 to clear_refs resets VmHWM)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


class Replay:
    """An executor that hands back PDFs rendered earlier, at once: what is left of a
    batch's time is the coordinator's own work."""

    def __init__(self, out: Path) -> None:
        self.out = out

    def render(self, project: Project, documents: dict[str, Document], out_dir: Path,
               todo: list[tuple[Variant, str]],
               jobs: int | None) -> Iterator[tuple[VariantResult, bytes]]:
        """Each variant's earlier bytes, as a cluster would return them."""
        for variant, digest in todo:
            yield VariantResult(variant, "rendered", 2, digest), \
                (self.out / variant.relpath).read_bytes()


def timed(label: str, root: Path, **kwargs: object) -> tuple[float, list[Variant]]:
    """Seconds and rendered variants of one forced batch of the project at ``root``
    (its loading included, as the command pays it)."""
    started = time.perf_counter()
    result = batch(load_project(root), force=True, **kwargs)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    rendered = [r.variant for r in result.with_status("rendered")]
    assert result.ok and rendered, (label, [p.format() for p in result.problems])
    print(f"  {label}: {len(rendered)} PDFs in {seconds:.1f}s", file=sys.stderr)
    return seconds, rendered


def main() -> None:
    """Run the measurements and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--audiences", type=int, default=11,
                        help="extra audiences (11: 540 PDFs with the example's 4)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--quick", action="store_true",
                        help="4 PDFs, one run each: checks that the benchmark runs")
    args = parser.parse_args()
    if args.quick:
        args.audiences = 0
    repeats = 1 if args.quick else REPEATS
    from distributed import LocalCluster

    with tempfile.TemporaryDirectory(prefix="handouts-dask-bench-") as tmp:
        folder = Path(tmp)
        root = make_group(folder, args.audiences, args.quick)
        # One location only: the small batch for the memory comparison, and the warm-up.
        small = folder / "small"
        shutil.copytree(root, small)
        config = yaml.safe_load((root / "handouts.yaml").read_text(encoding="utf-8"))
        config["batch"]["locations"] = ["north"]
        (small / "handouts.yaml").write_text(yaml.safe_dump(
            config, allow_unicode=True, sort_keys=False), encoding="utf-8")
        local_runs: list[float] = []
        dask_runs: list[float] = []
        rss_large = 0.0
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          local_directory=str(folder / "workers"),
                          dashboard_address=None) as cluster:
            address = cluster.scheduler_address
            # Coordinator memory: one location, then (below) all three, each from a
            # fresh peak. This first run also warms the workers' imports.
            n_small, rss_small = 0, float("nan")
            if not args.quick:
                reset_peak()
                _, done = timed("dask, 1 location", root=small, executor=address,
                                out=folder / "one")
                n_small, rss_small = len(done), peak_rss_mb()
            # Alternated, best of REPEATS each: this machine is shared, and its load
            # changes by the minute; alternating gives both the same chances.
            for _ in range(repeats):
                seconds, local_done = timed("local pool", root=root, jobs=args.workers,
                                            out=folder / "local")
                local_runs.append(seconds)
                reset_peak()
                seconds, dask_done = timed("dask", root=root, executor=address,
                                           out=folder / "dask")
                rss_large = max(rss_large, peak_rss_mb())
                dask_runs.append(seconds)
        n, n_dask = len(local_done), len(dask_done)
        t_local, t_dask = min(local_runs), min(dask_runs)
        same = sorted(v.relpath for v in local_done) == sorted(
            v.relpath for v in dask_done) and all(
            (folder / "local" / v.relpath).read_bytes() ==
            (folder / "dask" / v.relpath).read_bytes() for v in dask_done)
        per_language = Counter(v.language for v in dask_done)
        t_coord, _ = timed("coordinator only", root=root, out=folder / "replay",
                           executor=Replay(folder / "dask"))
    def ms(seconds: float, count: int) -> str:
        return f"{seconds / count * args.workers * 1000:.0f}"

    memory = (f"- Coordinator peak RSS: {rss_small:.0f} MB with {n_small} PDFs, "
              f"{rss_large:.0f} MB with {n_dask} PDFs.") if n_small else (
        f"- Coordinator peak RSS: {rss_large:.0f} MB with {n_dask} PDFs.")
    per_core = n / t_local / args.workers
    overhead_ms = (t_dask - t_local) / n * 1000 * args.workers
    print(f"""## Dask against the local pool ({time.strftime('%Y-%m-%d')})

Machine: {platform.machine()}, {os.cpu_count()} cores (shared with other work),
Python {platform.python_version()}; {args.workers} workers either way.

| | PDFs | seconds | PDFs/s | per PDF per core |
|---|---:|---:|---:|---:|
| local process pool | {n} | {t_local:.1f} | {n / t_local:.2f} | {ms(t_local, n)} ms |
| Dask LocalCluster | {n_dask} | {t_dask:.1f} | {n_dask / t_dask:.2f} | {ms(t_dask, n_dask)} ms |

Runs (s): local {", ".join(f"{t:.1f}" for t in local_runs)}; Dask
{", ".join(f"{t:.1f}" for t in dask_runs)}.

- Dask / local time: **{t_dask / t_local:.2f}×** (target ≤ 1.05×); overhead
  {overhead_ms:+.1f} ms per PDF per core. Byte-identical PDFs: {same}.
- PDFs per language: {", ".join(f"{k} {v}" for k, v in sorted(per_language.items()))}.
- Local rate per core: {per_core:.2f} PDFs/s.
{memory}
- Coordinator alone (hash inputs, receive bytes, atomic write, index): {n} PDFs in
  {t_coord:.2f}s = **{t_coord / n * 1000:.1f} ms per PDF** (one core), i.e. at most
  {n / t_coord:.0f} PDFs/s whatever the cluster's size.
""")


if __name__ == "__main__":
    main()
