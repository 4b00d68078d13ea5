"""The batch's parallel efficiency against the engine's own, at N = 1 .. cores.

    .venv/bin/python benchmarks/scaling.py                 # writes docs/benchmarks-scaling.md
    .venv/bin/python benchmarks/scaling.py --profile       # + the coordinator's profile at N=2
    .venv/bin/python benchmarks/scaling.py --quick --out X # tiny sizes (the test suite)

At each N, alternately and :data:`REPEATS` times (the best kept):

* **the batch**: ``batch(jobs=N, force=True)`` in this process on the example made a
  one-location group with two extra audiences (``benchmarks/dask_run.py``'s group:
  72 PDFs in English, Spanish, Arabic and Chinese), fitting decisions forgotten before
  each run, so every layout search is paid; wall time from the call to its return
  (worker start-up, hashing, the index and the fitting file included);
* **the engine alone**: N forked processes, each with WeasyPrint warm, rendering the
  same page (the example's English back massage, letter, standard print, our exact
  HTML and stylesheet) :data:`ENGINE_DOCS` times; wall time from a common start to the
  last process's end;
* **the engine on the batch's pages**: the same, but the N processes share out the
  batch's own versions (our HTML of each, as first laid out: English, Spanish, Arabic
  and Chinese, both papers and print sizes), one after another. This is the engine's
  ceiling for this work: what two renders side by side lose on their own (memory,
  caches, the large CJK font) against what the batch itself adds.

Each efficiency is rate(N) / (N × rate(1)); their ratio (batch / engine) says how much
of the engine's own scaling the batch keeps on this machine, whatever its speed. A
shared machine's load changes both: the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import os
import platform
import pstats
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
from dask_run import make_group  # noqa: E402

from handouts.commands.batch import batch  # noqa: E402
from handouts.commands.fitting import FITTING_NAME  # noqa: E402
from handouts.project.load import load_project  # noqa: E402
from handouts.render.compose import compose  # noqa: E402
from handouts.render.engine.pdf import PDF_VARIANT  # noqa: E402
from handouts.render.theme import render_html, stylesheet_path  # noqa: E402
from handouts.variants.plan import Variant, plan_matrix  # noqa: E402

REPEATS = 2
#: The table's header.
HEADER = ("| N | batch PDFs/s | batch efficiency | engine docs/s | engine efficiency "
          "| batch / engine | first PDF (s) | tail (s) |\n"
          "|---:|---:|---:|---:|---:|---:|---:|---:|")
#: The header of the table of both run as commands (see :func:`time_batch_command`).
COMMAND_HEADER = ("| N | `handouts batch` s | batch efficiency | bare engine s "
                  "| engine efficiency | batch / engine |\n"
                  "|---:|---:|---:|---:|---:|---:|")
#: Documents each engine process renders per measurement.
ENGINE_DOCS = 16


def group(folder: Path, quick: bool) -> Path:
    """The measured project: one location, two extra audiences (quick: the example's
    general version in each language, one location)."""
    import yaml

    root = make_group(folder, 0 if quick else 2, quick)
    config = yaml.safe_load((root / "handouts.yaml").read_text(encoding="utf-8"))
    config["batch"]["locations"] = ["north"]
    (root / "handouts.yaml").write_text(yaml.safe_dump(config, allow_unicode=True,
                                                       sort_keys=False), encoding="utf-8")
    return root


#: Versions in the batch on one page (see :func:`one_page_group`).
ONE_PAGE = 96


def one_page_group(folder: Path, count: int) -> Path:
    """The batch on the engine's own page: the example's back massage (English, letter,
    standard print, for everyone) for ``count`` locations of a clinic group, so the
    versions differ only in the location's name, street and phone, as the engine's
    fixed page does not at all."""
    import yaml

    root = make_group(folder, 0)
    config = yaml.safe_load((root / "handouts.yaml").read_text(encoding="utf-8"))
    config["clinic"]["locations"] = {
        f"site-{n:02d}": {"name_suffix": f"Site {n}",
                          "address": {"street": f"{100 + n} N Power Rd", "city": "Mesa",
                                      "region": "AZ"},
                          "phone": f"(480) 992-{5100 + n}"} for n in range(count)}
    for translation in config["clinic"]["translations"].values():
        translation.pop("locations", None)
    config["batch"].update(handouts=["back-massage"], audiences=["general"], languages=["en"],
                           papers=["letter"], prints=["standard"],
                           locations=list(config["clinic"]["locations"]), exclude=[])
    (root / "handouts.yaml").write_text(yaml.safe_dump(config, allow_unicode=True,
                                                       sort_keys=False), encoding="utf-8")
    return root


@dataclass
class BatchRun:
    """One timed batch: wall seconds, PDFs, and where the time went."""

    seconds: float
    pdfs: int
    #: Seconds from the call to the first finished PDF (loading, checks, hashing,
    #: worker start-up, one render).
    first: float
    #: Seconds from the moment a worker had nothing left to take (the first of the
    #: last ``jobs`` results) to the return: the other workers' last renders, the index.
    tail: float
    #: The whole machine's busy and idle core-seconds during the run (from
    #: ``/proc/stat``; None elsewhere): every process of the batch, and anything else
    #: running then, so only meaningful on a quiet machine.
    busy: float | None = None
    idle: float | None = None


def machine_cpu() -> tuple[float, float] | None:
    """Core-seconds since boot, (busy, idle), summed over every core; None where
    ``/proc/stat`` does not exist."""
    try:
        fields = Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()
    except OSError:
        return None
    ticks = [int(v) for v in fields[1:]]
    hertz = os.sysconf("SC_CLK_TCK")
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks) - idle) / hertz, idle / hertz


def time_batch(root: Path, jobs: int) -> BatchRun:
    """One forced batch with ``jobs`` workers (every layout searched), timed."""
    (root / "output" / FITTING_NAME).unlink(missing_ok=True)
    done: list[float] = []
    cpu_before = machine_cpu()
    started = time.perf_counter()
    result = batch(load_project(root), jobs=jobs, force=True,
                   progress=lambda r, n, total: done.append(time.perf_counter()))
    end = time.perf_counter()
    cpu_after = machine_cpu()
    assert result.ok, [p.format() for p in result.problems]
    pdfs = len(result.with_status("rendered"))
    run = BatchRun(end - started, pdfs, done[0] - started, end - done[-min(jobs, len(done))])
    if cpu_before is not None and cpu_after is not None:
        run.busy, run.idle = (a - b for a, b in zip(cpu_after, cpu_before, strict=True))
    return run


# ------------------------------------------------------------------ the engine alone

_PAGE: dict[str, object] = {}
#: The batch's versions as HTML (see _engine_setup), for the engine on the batch's pages.
_MIX: list[str] = []


def _engine_setup(root: Path) -> None:
    """Our exact HTML of one page and a warm WeasyPrint, in this process (inherited by
    the forked processes)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    loaded = load_project(root)
    project, documents = loaded.project, loaded.documents
    document = next(d for d in documents if d.name == "back-massage")
    page, _ = compose(project, document, Variant("back-massage", location="north"))
    assert page is not None
    fonts = FontConfiguration()
    stylesheet = stylesheet_path(project.templates_dir)
    _PAGE.update(html=render_html(page, project.templates_dir), fonts=fonts,
                 css=weasyprint.CSS(filename=str(stylesheet), font_config=fonts),
                 stylesheet=stylesheet, base=root.as_uri() + "/")
    _engine_one()  # warm: fonts, the parsed stylesheet
    docs = {d.name: d for d in documents}
    for variant in plan_matrix(project.config.batch, list(docs),
                               list(project.config.clinic.locations)):
        page, _ = compose(project, docs[variant.handout], variant)
        assert page is not None
        _MIX.append(render_html(page, project.templates_dir))
    for language_first in {html[:400]: html for html in _MIX}.values():
        _engine_one(language_first)  # warm: every script's fonts


def _engine_one(html: str | None = None) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html or _PAGE["html"], base_url=_PAGE["base"]).render(
        font_config=_PAGE["fonts"], stylesheets=[_PAGE["css"]]).write_pdf(
        pdf_variant=PDF_VARIANT, pdf_tags=True, pdf_identifier=b"handouts",
        custom_metadata=True)


def _engine_process(start: object, docs: int, share: tuple[int, int] | None) -> None:
    start.wait()  # type: ignore[attr-defined]
    if share is not None:  # the batch's pages: every n-th, from this process's first
        for html in _MIX[share[0]::share[1]]:
            _engine_one(html)
        return
    for _ in range(docs):
        _engine_one()


def time_engine(processes: int, docs: int, mix: bool = False) -> float:
    """Wall seconds for ``processes`` forked processes to render ``docs`` pages each
    (``mix``: to share out the batch's pages), from a common start (each already warm)
    to the last one's end."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(processes + 1)
    workers = [context.Process(target=_engine_process,
                               args=(start, docs, (i, processes) if mix else None))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    assert all(w.exitcode == 0 for w in workers)
    return time.perf_counter() - began


# ------------------------------------------------------------------ as commands

def save_pages(folder: Path) -> Path:
    """The batch's pages (:data:`_MIX`) as files, for :func:`time_engine_command`."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, html in enumerate(_MIX):
        (folder / f"{number:04d}.html").write_text(html, encoding="utf-8")
    return folder


def time_batch_command(root: Path, jobs: int) -> float:
    """Wall seconds of ``handouts batch -j JOBS --force`` run as a command, as a user
    runs it: a fresh process (so at N = 1 too it fills its caches once), fitting
    decisions forgotten first, from the launch to its exit."""
    import subprocess

    (root / "output" / FITTING_NAME).unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "handouts", "-q", "-C", str(root), "batch",
                    "-j", str(jobs), "--force"], check=True)
    return time.perf_counter() - started


def time_engine_command(pages: Path, processes: int) -> float:
    """Wall seconds for ``processes`` fresh processes of bare WeasyPrint
    (``benchmarks/bare_engine.py``) to share out the batch's pages, from their launch
    to the last one's exit: the engine timed as :func:`time_batch_command` times the
    batch."""
    import subprocess

    stylesheet, base = str(_PAGE["stylesheet"]), str(_PAGE["base"])
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, str(REPO / "benchmarks/bare_engine.py"),
                               str(pages), f"{i}/{processes}", stylesheet, base, PDF_VARIANT])
             for i in range(processes)]
    assert all(proc.wait() == 0 for proc in procs)
    return time.perf_counter() - started


# ------------------------------------------------------------------ the breakdown

def share_process(root: Path, index: int, count: int, passes: int = 1) -> None:
    """``--share``: in this fresh process, load the project as a batch worker does, say
    ready, wait for "go" on stdin, render every ``count``-th version of the batch from
    ``index`` (not written), and print its wall, CPU and page-fault figures as JSON
    (with ``passes`` > 1, those of the first pass, and each pass's CPU seconds)."""
    import json
    import resource

    from handouts.commands.worker import Worker

    worker = Worker.load(root)
    project = worker.project
    variants = plan_matrix(project.config.batch, list(worker.documents),
                           list(project.config.clinic.locations))[index::count]
    print("ready", flush=True)
    sys.stdin.readline()
    figures: dict[str, object] = {"passes": []}
    for done in range(passes):
        # Every pass searches, as the batch does (it forgets its decisions before each
        # run): neither a decision nor the last one as a hint (the batch's fitting file).
        worker.fittings.clear()
        worker.hints.clear()
        before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        for variant in variants:
            worker.render_variant(variant, f"share-{variant.relpath}")
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        figures["passes"].append(cpu)  # type: ignore[attr-defined]
        if done == 0:
            figures.update(wall=time.perf_counter() - started, pdfs=len(variants),
                           user=after.ru_utime - before.ru_utime,
                           sys=after.ru_stime - before.ru_stime,
                           faults=after.ru_minflt - before.ru_minflt)
    print(json.dumps(figures), flush=True)


def time_fresh(root: Path, processes: int, passes: int = 1) -> dict[str, Any]:
    """The batch's own work without the batch: ``processes`` fresh processes, started
    together once each has loaded the project, each rendering its share of the
    versions as a batch worker does; the last one's wall time, and the sums of CPU
    seconds and page faults (and, with ``passes``, the first process's CPU seconds of
    each pass)."""
    import json
    import subprocess

    procs = [subprocess.Popen([sys.executable, __file__, "--share", f"{i}/{processes}",
                               "--root", str(root), "--passes", str(passes)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for i in range(processes)]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    figures = [json.loads(proc.communicate()[0]) for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    return {"wall": max(f["wall"] for f in figures), "pdfs": sum(f["pdfs"] for f in figures),
            "cpu": sum(f["user"] + f["sys"] for f in figures),
            "faults": sum(f["faults"] for f in figures), "passes": figures[0]["passes"]}


# ------------------------------------------------------------------ the report

def profile_coordinator(root: Path, jobs: int) -> str:
    """The coordinator's own time in a forced batch at ``jobs``: cProfile's top entries
    by own time, and by cumulative time (the workers are other processes)."""
    (root / "output" / FITTING_NAME).unlink(missing_ok=True)
    profiler = cProfile.Profile()
    profiler.enable()
    batch(load_project(root), jobs=jobs, force=True)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(25)
    return text.getvalue()


def main() -> None:
    """Measure at each N and write the Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs/benchmarks-scaling.md")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run each")
    parser.add_argument("--repeats", type=int, default=REPEATS,
                        help=f"alternated runs at each N, the best kept (default {REPEATS})")
    parser.add_argument("--commands-only", action="store_true",
                        help="only the table of both run as commands (printed, not written)")
    parser.add_argument("--profile", action="store_true",
                        help="print the coordinator's profile at N=2 to stderr")
    parser.add_argument("--share", help=argparse.SUPPRESS)  # I/N: see share_process
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--passes", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.share:
        index, count = (int(part) for part in args.share.split("/"))
        share_process(args.root, index, count, args.passes)
        return
    repeats, docs = (1, 2) if args.quick else (args.repeats, ENGINE_DOCS)
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="handouts-scaling-") as tmp:
        root = group(Path(tmp), args.quick)
        one_root = one_page_group(Path(tmp) / "one-page", 4 if args.quick else ONE_PAGE)
        _engine_setup(root)
        if not args.quick:
            time_batch(root, 1)  # warm-up: the batch's own imports and caches
        best: dict[int, BatchRun] = {}
        one: dict[int, BatchRun] = {}
        engine_s: dict[int, float] = {}
        mix_s: dict[int, float] = {}
        fresh: dict[int, dict[str, float]] = {}
        pages = save_pages(Path(tmp) / "pages")
        commands: dict[int, tuple[float, float]] = {}
        for _ in range(repeats):
            for n in range(1, args.cores + 1):
                timed = (time_batch_command(root, n), time_engine_command(pages, n))
                commands[n] = tuple(min(pair) for pair in  # type: ignore[assignment]
                                    zip(commands.get(n, timed), timed, strict=True))
                print(f"  N={n}: as commands, batch {timed[0]:.2f}s, engine {timed[1]:.2f}s",
                      file=sys.stderr)
                if args.commands_only:
                    continue
                run = time_batch(root, n)
                if n not in best or run.seconds < best[n].seconds:
                    best[n] = run
                same = time_batch(one_root, n)
                if n not in one or same.seconds < one[n].seconds:
                    one[n] = same
                seconds = time_engine(n, docs)
                engine_s[n] = min(engine_s.get(n, seconds), seconds)
                mixed = time_engine(n, docs, mix=True)
                mix_s[n] = min(mix_s.get(n, mixed), mixed)
                alone = time_fresh(root, n)
                if n not in fresh or alone["wall"] < fresh[n]["wall"]:
                    fresh[n] = alone
                loads.append(os.getloadavg()[0])
                print(f"  N={n}: batch {run.seconds:.2f}s (first PDF {run.first:.2f}s, "
                      f"tail {run.tail:.2f}s), batch on one page {same.seconds:.2f}s "
                      f"(tail {same.tail:.2f}s), engine {seconds:.2f}s, engine on the "
                      f"batch's pages {mixed:.2f}s, fresh processes {alone['wall']:.2f}s, "
                      f"load {loads[-1]:.2f}", file=sys.stderr)
        command_rows = []
        for n, (batch_s, engine_s_) in sorted(commands.items()):
            b_eff, e_eff = commands[1][0] / (n * batch_s), commands[1][1] / (n * engine_s_)
            command_rows.append(f"| {n} | {batch_s:.2f} | {b_eff:.2f} | {engine_s_:.2f} | "
                                f"{e_eff:.2f} | {b_eff / e_eff:.2f} |")
        command_table = COMMAND_HEADER + "\n" + "\n".join(command_rows)
        if args.commands_only:
            print(command_table)
            return
        # A fresh process's first pass over the versions against its second: the cost
        # of the caches each batch worker fills for itself (the batch at N = 1 above runs
        # warm, in this process).
        colds = [time_fresh(root, 1, passes=2)["passes"] for _ in range(min(repeats, 2))]
        print("  fresh process, CPU s per pass: " + "; ".join(
            ", ".join(f"{c:.2f}" for c in cold) for cold in colds), file=sys.stderr)
        if args.profile:
            print(profile_coordinator(root, min(2, args.cores)), file=sys.stderr)
        shutil.rmtree(root / "output", ignore_errors=True)
    pdfs = best[1].pdfs
    batch_rate = {n: run.pdfs / run.seconds for n, run in best.items()}
    engine_rate = {n: n * docs / s for n, s in engine_s.items()}
    mix_rate = {n: len(_MIX) / s for n, s in mix_s.items()}
    one_rate = {n: run.pdfs / run.seconds for n, run in one.items()}
    rows, mix_rows, fresh_rows, cpu_rows, one_rows = [], [], [], [], []
    for n in sorted(batch_rate):
        b_eff = batch_rate[n] / (n * batch_rate[1])
        e_eff = engine_rate[n] / (n * engine_rate[1])
        m_eff = mix_rate[n] / (n * mix_rate[1])
        rows.append(f"| {n} | {batch_rate[n]:.2f} | {b_eff:.2f} | {engine_rate[n]:.2f} | "
                    f"{e_eff:.2f} | {b_eff / e_eff:.2f} | {best[n].first:.2f} | "
                    f"{best[n].tail:.2f} |")
        o_eff = one_rate[n] / (n * one_rate[1])
        one_rows.append(f"| {n} | {one_rate[n]:.2f} | {o_eff:.2f} | {e_eff:.2f} | "
                        f"{o_eff / e_eff:.2f} | {one[n].first:.2f} | {one[n].tail:.2f} |")
        mix_rows.append(f"| {n} | {b_eff:.2f} | {mix_rate[n]:.2f} | {m_eff:.2f} | "
                        f"{b_eff / m_eff:.2f} |")
        # From CPU seconds, not wall time: a fixed share each is never as even as the
        # batch's hand-out, and that unevenness is not what this column is about.
        f_eff = fresh[1]["cpu"] / fresh[n]["cpu"]
        fresh_rows.append(
            f"| {n} | {best[n].seconds:.2f} | {fresh[n]['wall']:.2f} | {fresh[n]['cpu']:.2f} | "
            f"{f_eff:.2f} | {b_eff / f_eff:.2f} | {fresh[n]['faults'] / 1000:.0f}k |")
        if best[n].busy is not None and best[1].busy is not None:
            cpu_rows.append(f"| {n} | {best[n].seconds:.2f} | {best[n].busy:.2f} | "
                            f"{best[1].busy / best[n].busy:.2f} | {best[n].idle:.2f} | "
                            f"{n * best[n].seconds:.2f} |")
    cold_text = ", ".join(f"{cold[0] - cold[1]:+.2f} s of CPU ({cold[0]:.2f} s against "
                          f"{cold[1]:.2f} s)" for cold in colds)
    cpu_table = f"""
The batch's own CPU: the whole machine's busy and idle core-seconds during each best
run above (from `/proc/stat`: the coordinator, the fork server and the workers, and
whatever else ran then), so that a loss can be told apart: more CPU for the same work
(CPU efficiency, CPU(1) / CPU(N), below 1) or cores left idle (waiting for a hand-out,
start-up, the tail; idle counts all {os.cpu_count()} cores, so at N = 1 it includes the
cores the batch leaves alone):

| N | batch s | busy core-s | CPU efficiency | idle core-s | N × batch s |
|---:|---:|---:|---:|---:|---:|
{chr(10).join(cpu_rows)}
""" if cpu_rows else ""
    report = f"""# Scaling: the batch against the engine, N = 1 .. {args.cores}

Measured {time.strftime('%Y-%m-%d %H:%M')} by `benchmarks/scaling.py{' --quick' if args.quick
                                                                     else ''}` on
{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; load
average (1 min) {min(loads):.2f}–{max(loads):.2f} during the run (the machine is shared).
Best of {repeats} alternated runs at each N.

* batch: `batch(jobs=N, force=True)`, {pdfs} PDFs (the example as a one-location group
  with two extra audiences, every language), fitting searched in every run;
* engine: N forked processes, warm, each rendering our HTML of one page {docs} times.

{HEADER}
{chr(10).join(rows)}

Efficiency = rate(N) / (N × rate(1)). Target: batch / engine ≥ 0.95 at every N.

Both timed as commands, the way a user runs them and the way the issue's own figures
were taken (`handouts batch -j N` against bare WeasyPrint in N processes): each a fresh
process, from its launch to its exit, Python start-up, imports and fonts included on
both sides. `handouts batch -j N --force` on the same {pdfs} versions, fitting searched;
the engine as N processes of `benchmarks/bare_engine.py` (it imports only WeasyPrint)
sharing out the batch's pages as first laid out (best of {repeats}):

{command_table}

Above, the engine is forked warm at every N and the batch at N = 1 renders in this
warm process, but its workers at N ≥ 2 start fresh: that table charges the batch
alone with what a fresh process pays (see below). Here both pay it at every N.

The batch on the engine's page: {one[1].pdfs} versions of that same page (the back
massage in English, letter, standard print), one for each location of a clinic group,
so that they differ only in the location's name, street and phone; fitting searched
in every run, as above. Same workload on both sides: what is left is the batch's own.

| N | batch PDFs/s | batch eff. | engine eff. | batch / engine | first PDF (s) | tail (s) |
|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(one_rows)}

The engine on the batch's own {len(_MIX)} pages (every language and size, as first laid out,
shared out among the N processes; best of {repeats}):

| N | batch efficiency | engine docs/s | engine efficiency | batch / engine |
|---:|---:|---:|---:|---:|
{chr(10).join(mix_rows)}

Where the rest goes: the batch's own work (every version, fitting searched, not
written) in N fresh processes, as the batch's workers are, each with a fixed share and
started together once each has loaded the project: no coordinator, no hand-out, no
tail. Their CPU efficiency, CPU(1) / CPU(N), is what running that work in N fresh
processes side by side costs (each process's caches to fill, page faults, memory
shared with the other); what the batch loses beyond it (batch / them) is its own:
the work before the first hand-out, worker start-up and the tail (best of {repeats}):

| N | batch s | fresh processes s | their CPU s | CPU efficiency | batch / them | page faults |
|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(fresh_rows)}

The batch at N = 1 renders in its own warm process (it ran a batch before); its
workers at N ≥ 2 are fresh processes. What a fresh process pays for its caches (a
first pass over the {pdfs} versions, in one fresh process, against its second):
{cold_text}. Figures per run are printed to stderr.
{cpu_table}
"First PDF": from the call to the first finished PDF (loading, the fast checks,
hashing, worker start-up and one render). "Tail": from when the first worker had
nothing left to take to the batch's return (the last renders and the index).
"""
    args.out.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
