"""A home program in one process: its first packet, the next clients', and five copies.

    .venv/bin/python benchmarks/program.py            # 5 starter handouts, 8 clients
    .venv/bin/python benchmarks/program.py --quick    # 2 handouts, 2 clients (a smoke run)

What a desk worker does (:class:`handouts.commands.worker.Worker`): one process makes
one client's 5-handout program after another, and the same five handouts as named
copies one by one. The first program searches each handout's fitting and lays every
part out; a later client's lays out only that client's details (see
:class:`handouts.render.program.ProgramLayouts`). Reports CPU time
(``time.process_time``), which load elsewhere on a shared machine changes far less than
wall time, and wall time; p50 over the clients after the first. The request overhead
of the desk (HTTP, the pool) is in benchmarks/program_desk.py when present.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from handouts.commands.packet import ItemChange, plan_program
from handouts.commands.worker import Worker
from handouts.project.programs import Dosage
from handouts.variants.clients import Client

HANDOUTS = ("desk-stretches", "neck-shoulder-self-massage", "hand-wrist-stretches",
            "foam-rolling", "after-your-massage")


def project(root: Path, names: tuple[str, ...]) -> Path:
    """A new clinic with ``names`` from the starter library (as a clinic makes it)."""
    handouts = [sys.executable, "-m", "handouts"]
    subprocess.run([*handouts, "-q", "init", str(root), "--name", "Bright Hands",
                    "--phone", "(480) 555-0134", "--city", "Tempe"], check=True,
                   capture_output=True)
    subprocess.run([*handouts, "-q", "-C", str(root), "add", *names], check=True,
                   capture_output=True)
    return root


def timed(work: object) -> tuple[float, float]:
    """CPU and wall seconds of ``work()``."""
    cpu, wall = time.process_time(), time.perf_counter()
    work()  # type: ignore[operator]
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 handouts, 2 clients")
    args = parser.parse_args()
    names = HANDOUTS[:2] if args.quick else HANDOUTS
    clients = 2 if args.quick else 8
    with tempfile.TemporaryDirectory() as tmp:
        worker = Worker.load(project(Path(tmp) / "clinic", names))
        changes = tuple(ItemChange(n, Dosage(sets=3, reps=10, per_day=2), None)
                        for n in names)

        def program(number: int) -> None:
            client = Client(f"Client {number:03d}", therapist="Sam Lee")
            worker.program(plan_program(worker.project, worker.documents, client=client,
                                        changes=changes))

        def copies(number: int) -> None:
            client = Client(f"Client {number:03d}")
            for name in names:
                worker.copy(name, client=client)

        first = timed(lambda: program(0))
        programs = [timed(lambda n=n: program(n)) for n in range(1, clients)]
        timed(lambda: copies(0))  # the copies' own first (full) layouts
        five = [timed(lambda n=n: copies(n)) for n in range(1, clients)]
    p50 = {label: (statistics.median(c for c, _ in runs), statistics.median(w for _, w in runs))
           for label, runs in (("program", programs), ("copies", five))}
    print(f"# Home program in one process ({len(names)} handouts, {clients} clients)\n")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.system()}\n")
    print("| measure | CPU ms | wall ms |")
    print("|---|---|---|")
    print(f"| first program (fitting searched) | {first[0] * 1000:.0f} | {first[1] * 1000:.0f} |")
    print(f"| next clients' program, p50 | {p50['program'][0] * 1000:.0f} | "
          f"{p50['program'][1] * 1000:.0f} |")
    print(f"| the {len(names)} named copies one by one, p50 | {p50['copies'][0] * 1000:.0f} | "
          f"{p50['copies'][1] * 1000:.0f} |")
    print(f"| ratio program / copies (CPU) | {p50['program'][0] / p50['copies'][0]:.2f} | |")


if __name__ == "__main__":
    sys.exit(main())
