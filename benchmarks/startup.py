"""Start-up: ``handouts --help``, and a cold ``handouts build NAME`` against the bare
``weasyprint`` command on the same page.

    PYTHONPATH=src .venv/bin/python benchmarks/startup.py            # N = 9 runs each
    PYTHONPATH=src .venv/bin/python benchmarks/startup.py --runs 3 --handout back-massage

Every run is a new process (cold: nothing is kept between runs but the operating
system's file cache), and the median of the runs is reported. The page given to
``weasyprint`` is the HTML ``handouts build`` lays out first for the same handout (the
example project's English letter standard-print version), with the same stylesheets,
PDF/UA-1 and tags, so the difference is what handouts adds: loading and checking the
project, fitting (extra layouts when the first one is judged poor) and its own start-up.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: The goals of issue #23: ``--help`` within this many seconds, and a cold build within
#: this factor of the bare engine.
HELP_GOAL = 0.150
BUILD_FACTOR_GOAL = 1.3


def median_seconds(command: list[str], runs: int, cwd: Path, env: dict[str, str]) -> float:
    """The median wall time of ``command`` over ``runs`` fresh processes."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def page_html(project_dir: Path, handout: str) -> tuple[Path, list[Path]]:
    """Write the first layout's HTML of ``handout`` (the build's default version) into
    the project (so its relative links resolve), and list its stylesheets."""
    from handouts.project.load import load_project
    from handouts.render.compose import compose
    from handouts.render.theme import render_html, stylesheet_paths
    from handouts.variants.plan import Variant

    loaded = load_project(project_dir, (handout,))
    project, documents = loaded.project, loaded.documents
    document = documents[0]
    page, _ = compose(project, document, Variant(handout, paper=project.config.defaults.paper))
    assert page is not None
    html = project_dir / "startup-page.html"
    html.write_text(render_html(page, project.templates_dir), encoding="utf-8")
    return html, list(stylesheet_paths(project.templates_dir, page.language))


def main() -> None:
    """Measure and print the figures as a small Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--handout", default="back-massage")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    # As installed: bytecode compiled once, then read (a shell or CI that sets
    # PYTHONDONTWRITEBYTECODE would otherwise charge every run for compiling).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    python = sys.executable
    subprocess.run([python, "-m", "compileall", "-q", str(REPO / "src")], env=env, check=True)
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "project"
        shutil.copytree(REPO, project, ignore=shutil.ignore_patterns(
            ".git", ".venv", "output", "site", "tests", "src", "benchmarks", "docs"))
        html, sheets = page_html(project, args.handout)
        bare_python = median_seconds([python, "-c", "pass"], args.runs, project, env)
        help_time = median_seconds([python, "-m", "handouts", "--help"], args.runs, project,
                                   env)
        weasy = [python, "-m", "weasyprint", "--pdf-variant", "pdf/ua-1", "--pdf-tags",
                 "--custom-metadata", "-u", project.as_uri() + "/"]
        for sheet in sheets:
            weasy += ["-s", str(sheet)]
        weasy_time = median_seconds([*weasy, str(html), str(Path(scratch) / "bare.pdf")],
                                    args.runs, project, env)
        # A first build searches the page's fitting; it keeps the decision in its output
        # folder, so a rebuild from the same inputs (the usual case: another handout
        # edited, a batch run before) lays the page out once. Both are cold processes.
        searched = statistics.median(
            median_seconds([python, "-m", "handouts", "-q", "build", args.handout, "--out",
                            str(Path(scratch) / f"first-{n}")], 1, project, env)
            for n in range(args.runs))
        kept = [python, "-m", "handouts", "-q", "build", args.handout, "--out",
                str(Path(scratch) / "out")]
        median_seconds(kept, 1, project, env)  # the first build: keeps the decision
        build_time = median_seconds(kept, args.runs, project, env)
    factor = build_time / weasy_time
    print(f"| measure (median of {args.runs} cold runs) | seconds | goal |")
    print("|---|---|---|")
    print(f"| `python -c pass` | {bare_python:.3f} | |")
    print(f"| `handouts --help` | {help_time:.3f} | < {HELP_GOAL:.3f} |")
    print(f"| `weasyprint` on the page | {weasy_time:.3f} | |")
    print(f"| `handouts build {args.handout}`, first (fitting searched) | {searched:.3f} | |")
    print(f"| `handouts build {args.handout}`, again (fitting kept) | {build_time:.3f} | "
          f"≤ {BUILD_FACTOR_GOAL}× weasyprint |")
    print(f"\nbuild / weasyprint: first {searched / weasy_time:.2f}×, again {factor:.2f}×")


if __name__ == "__main__":
    main()
