"""The first named copy of a version in a fresh desk worker: fitted against unfitted.

    .venv/bin/python benchmarks/first_copy.py

A worker makes the first copy of a version in full (later copies of the same block
height swap only the client's block in; see handouts.render.personal). The example's
English letter version of the back massage is fitted (its kept decision: tighter
spacing), its A4 version is not. CPU milliseconds of ``Worker.copy`` in this process
(``time.process_time``), a fresh Worker each time, after a batch kept the decisions;
three rounds.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers import copy_example  # noqa: E402

from handouts.commands.batch import batch  # noqa: E402
from handouts.commands.worker import Worker  # noqa: E402
from handouts.project.load import load_project  # noqa: E402
from handouts.variants.clients import Client  # noqa: E402

VERSIONS = {"fitted (English, letter: tighter spacing)": "letter",
            "unfitted (English, A4)": "a4"}


def main() -> None:
    """Print each round's CPU milliseconds per version."""
    with tempfile.TemporaryDirectory(prefix="handouts-first-copy-") as tmp:
        root = copy_example(Path(tmp) / "p")
        assert batch(load_project(root), jobs=1).ok
        Worker.load(root).copy("back-massage", language="en", paper="letter")  # warm-up
        for round_ in range(3):
            for label, paper in VERSIONS.items():
                worker = Worker.load(root)
                started = time.process_time()
                worker.copy("back-massage", language="en", paper=paper,
                            client=Client(f"Client {round_}", "Gentle on the left shoulder."))
                print(f"round {round_ + 1}: {label}: "
                      f"{(time.process_time() - started) * 1000:.0f} ms CPU")


if __name__ == "__main__":
    main()
