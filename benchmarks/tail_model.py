"""How much the order and grouping of tasks cost at N cores: a model from measured costs.

    .venv/bin/python benchmarks/tail_model.py               # the 252-PDF group, x2
    .venv/bin/python benchmarks/tail_model.py --audiences 11 --copies 1

A shared machine cannot show a 2 % tail at 16 cores; its per-variant CPU costs can.
This renders every variant of ``benchmarks/dask_run.py``'s group once, in this process
(CPU time each, every layout searched), then replays those costs through greedy
scheduling on N workers, as the local pool hands out one variant at a time and the
Dask executor hands out chunks, and prints each makespan against the ideal (total /
N). ``--copies 2`` repeats the list (about the 516-PDF group's size without rendering
it all).
"""

from __future__ import annotations

import argparse
import heapq
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dask_run import make_group

from handouts.commands.dask_executor import CHUNK_MAX, CHUNK_SHARE, guided_chunks
from handouts.commands.inputs import Inputs
from handouts.commands.worker import Worker
from handouts.variants.plan import plan_matrix


def costs(audiences: int) -> list[float]:
    """CPU seconds of each variant of the group, in the batch's order."""
    root = make_group(Path(tempfile.mkdtemp(prefix="handouts-tail-")), audiences)
    worker = Worker.load(root)
    project = worker.project
    variants = plan_matrix(project.config.batch, list(worker.documents),
                           list(project.config.clinic.locations))
    inputs = Inputs(project)
    worker.render_variant(variants[0], "warm-up")
    found = []
    for variant in variants:
        digest = inputs.hash(worker.documents[variant.handout], variant)
        started = time.process_time()
        worker.render_variant(variant, digest)
        found.append(time.process_time() - started)
        worker.fittings.clear()  # every layout searched, as in a first run
    return found


def makespan(tasks: list[float], workers: int) -> float:
    """When the last of ``workers`` finishes, each taking the next task when free."""
    free = [0.0] * workers
    for task in tasks:
        heapq.heappush(free, heapq.heappop(free) + task)
    return max(free)


def fixed_chunks(tasks: list[float], workers: int) -> list[float]:
    """The Dask executor's chunks before 2026-12-06: one size for the whole batch."""
    size = max(1, min(CHUNK_MAX, len(tasks) // (workers * CHUNK_SHARE) or 1))
    return [sum(tasks[i:i + size]) for i in range(0, len(tasks), size)]


def shrinking_chunks(tasks: list[float], workers: int) -> list[float]:
    """The Dask executor's chunks now (its own ``guided_chunks``): they shrink with what
    remains, down to one variant."""
    return [sum(chunk) for chunk in guided_chunks(tasks, workers)]  # type: ignore[arg-type]


def main() -> None:
    """Measure the costs and print the model's table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--audiences", type=int, default=3)
    parser.add_argument("--copies", type=int, default=2)
    args = parser.parse_args()
    tasks = costs(args.audiences) * args.copies
    total = sum(tasks)
    print(f"{len(tasks)} variants, {total:.1f} s CPU, mean {total / len(tasks) * 1000:.0f} ms, "
          f"longest {max(tasks) * 1000:.0f} ms\n")
    print("| N | local, batch order | local, costliest first | Dask, fixed chunks (before) "
          "| Dask, shrinking chunks (now) |\n|---:|---:|---:|---:|---:|")
    for n in (2, 4, 8, 16):
        ideal = total / n
        print(f"| {n} | {makespan(tasks, n) / ideal:.3f}× "
              f"| {makespan(sorted(tasks, reverse=True), n) / ideal:.3f}× "
              f"| {makespan(fixed_chunks(tasks, n), n) / ideal:.3f}× "
              f"({len(fixed_chunks(tasks, n))} tasks) "
              f"| {makespan(shrinking_chunks(tasks, n), n) / ideal:.3f}× "
              f"({len(shrinking_chunks(tasks, n))} tasks) |")


if __name__ == "__main__":
    main()
