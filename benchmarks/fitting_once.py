"""Fitting paid once: what a batch costs with and without the kept fitting decisions.

    .venv/bin/python benchmarks/fitting_once.py            # the example's 48 versions
    .venv/bin/python benchmarks/fitting_once.py --edit content/back-massage.yaml
    .venv/bin/python benchmarks/fitting_once.py --quick    # 2 versions (a smoke run)

Runs in this process with one job (the batch renders here and writes on a thread), and
reports CPU time (``time.process_time``: every thread of this process), which load
elsewhere on a shared machine changes far less than wall time. Each figure is the best
of :data:`REPEATS`. The "unfitted" batch is the same batch with a kept decision of "no
fitting" for every variant: one layout each, the same hashing and writing (a variant
that only fitting brings within its page limit fails there, after the same work).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import yaml

from handouts.commands.batch import batch, read_index
from handouts.commands.fitting import FITTING_NAME, write_fittings
from handouts.project.load import load_project
from handouts.render.result import Fitting

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.helpers import copy_example  # noqa: E402

REPEATS = 2


def cpu(root: Path, unfitted: bool = False, **kwargs: object) -> tuple[float, int]:
    """CPU seconds of one batch and how many variants it rendered (unfitted: some are
    over their page limit, which fails them after rendering, at the same cost)."""
    started = time.process_time()
    result = batch(load_project(root), jobs=1, **kwargs)  # type: ignore[arg-type]
    seconds = time.process_time() - started
    assert unfitted or result.ok, [p.format() for r in result.results for p in r.problems]
    return seconds, len(result.with_status("rendered")) + len(result.with_status("failed"))


def unfitted(root: Path) -> None:
    """Keep "no fitting" as every current variant's decision."""
    out = root / "output"
    write_fittings(out, {e["input_hash"]: Fitting() for e in read_index(out).values()})


def edit(root: Path, edited: str, original: str, n: int) -> None:
    """A one-file edit (the handout's title), new for each ``n``."""
    (root / edited).write_text(original.replace("title: ", f"title: ({chr(97 + n)}) ", 1),
                               encoding="utf-8")


def forget(root: Path, handout: str) -> None:
    """Delete ``handout``'s PDFs: the next batch renders them again (same inputs)."""
    for path in (root / "output").rglob(f"{handout}-*.pdf"):
        path.unlink()


def main() -> None:
    """Measure and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--edit", default="content/desk-stretch-break.yaml",
                        help="the content file edited (default: the stretch break's)")
    args = parser.parse_args()
    edited = args.edit
    rows: dict[str, list[float]] = {}
    counts: dict[str, int] = {}

    def note(label: str, measured: tuple[float, int]) -> None:
        rows.setdefault(label, []).append(measured[0])
        counts[label] = measured[1]
        print(f"  {label}: {measured[1]} PDFs, {measured[0]:.2f} s CPU", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="handouts-fitting-") as tmp:
        root = copy_example(Path(tmp) / "p")
        if args.quick:
            config = yaml.safe_load((root / "handouts.yaml").read_text(encoding="utf-8"))
            config["batch"].update(audiences=["general"], languages=["en"], papers=["letter"],
                                   prints=["standard"])
            (root / "handouts.yaml").write_text(yaml.safe_dump(config, sort_keys=False),
                                                encoding="utf-8")
        cpu(root)  # warm-up: imports, fonts, the engine
        original = (root / edited).read_text(encoding="utf-8")
        for n in range(REPEATS):
            (root / "output" / FITTING_NAME).unlink()
            note("first run (search, decisions kept)", cpu(root, force=True))
            note("forced rerun (every decision kept)", cpu(root, force=True))
            unfitted(root)
            note("unfitted batch, all variants", cpu(root, True, force=True))
            (root / "output" / FITTING_NAME).unlink()
            cpu(root, force=True)  # every variant searched and decided again, then:
            edit(root, edited, original, n)
            note("batch after a one-file edit (its versions try their last decision)", cpu(root))
            unfitted(root)
            forget(root, Path(edited).stem)  # the same variants, the same inputs, unfitted
            note("unfitted batch of the same variants", cpu(root, True))
    best = {label: min(times) for label, times in rows.items()}
    whole = best["unfitted batch, all variants"]
    same = best["unfitted batch of the same variants"]
    print(f"""## Fitting paid once ({time.strftime('%Y-%m-%d')})

Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()};
one job, CPU seconds of the batch's process, best of {REPEATS};
`{' '.join(['benchmarks/fitting_once.py', *sys.argv[1:]])}`.

| batch | PDFs rendered | CPU s | / unfitted |
|---|---:|---:|---:|
| first run (search, decisions kept) | {counts["first run (search, decisions kept)"]} | \
{best["first run (search, decisions kept)"]:.2f} | \
{best["first run (search, decisions kept)"] / whole:.2f}× |
| forced rerun (every decision kept) | {counts["forced rerun (every decision kept)"]} | \
{best["forced rerun (every decision kept)"]:.2f} | \
{best["forced rerun (every decision kept)"] / whole:.2f}× |
| unfitted batch, all variants | {counts["unfitted batch, all variants"]} | {whole:.2f} | 1.00× |
| after a one-file edit ({edited}) | \
{counts["batch after a one-file edit (its versions try their last decision)"]} | \
{best["batch after a one-file edit (its versions try their last decision)"]:.2f} | \
{best["batch after a one-file edit (its versions try their last decision)"] / same:.2f}× |
| unfitted batch of those variants | {counts["unfitted batch of the same variants"]} | \
{same:.2f} | 1.00× |
""")


if __name__ == "__main__":
    main()
