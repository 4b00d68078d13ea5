"""``handouts batch``: every variant of the manifest, in parallel and incrementally.

* Parallel: worker processes import WeasyPrint and load the fonts, the parsed
  stylesheet and the project once, then render and write many variants each. With
  one worker, rendering runs in this process and the PDFs are written on a thread,
  so waiting for the disk (each file is flushed before it replaces the old one)
  overlaps the next render.
* Incremental: each variant's inputs (every file :mod:`handouts.commands.inputs`
  lists, and the tool version) are hashed; a variant whose hash matches
  ``index.json`` and whose PDF is still there is not rendered again.
* Isolated: a variant that fails is reported and the others still build.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import hashlib
import json
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handouts import __version__
from handouts.checks.gate import refuse_on_check_errors, text_variants
from handouts.commands.execution import Executor
from handouts.commands.executors import executor_for
from handouts.commands.fitting import forget_decisions, update_fittings
from handouts.commands.inputs import Inputs
from handouts.commands.worker import VariantResult, write_result
from handouts.errors import HandoutsError, Problem, Severity, errors_only
from handouts.output import one_writer, write_atomic
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.project.load import Loaded
from handouts.variants.plan import Variant, plan_matrix

INDEX_NAME = "index.json"
#: Seconds between index rewrites during a batch: often enough that a killed batch
#: loses at most this much work, rarely enough to cost nothing measurable.
INDEX_EVERY = 2.0
#: TEST-ONLY fault injection (tests/test_faults.py): with this environment variable set
#: to N, the batch writes its index after N finished variants and then stops itself
#: (SIGSTOP), so a test can kill it at exactly that point instead of racing a timer.
TEST_PAUSE_ENV = "HANDOUTS_TEST_PAUSE_AFTER"


@dataclass
class BatchResult:
    """A whole batch: every variant's result, and what was cleaned or left stale."""

    results: list[VariantResult]
    removed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    #: Problems of the batch as a whole (the index could not be written).
    problems: list[Problem] = field(default_factory=list)

    def with_status(self, status: str) -> list[VariantResult]:
        """The results that ended with ``status``."""
        return [r for r in self.results if r.status == status]

    @property
    def ok(self) -> bool:
        """True when no variant failed and the index was written."""
        return not self.with_status("failed") and not errors_only(self.problems)


# ---------------------------------------------------------------- the index

def read_index(out_dir: Path) -> dict[str, dict[str, Any]]:
    """The previous batch's index by relative path; a missing or corrupt index is empty,
    and an entry whose fields have the wrong types is left out (its version is made
    again): a "pages": null or a "path": 5 gave a traceback on every later batch."""
    try:
        data = json.loads((out_dir / INDEX_NAME).read_text(encoding="utf-8"))
        entries = data["variants"]
        if not isinstance(entries, list):
            return {}
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # rebuilt from scratch: a lost index only costs a full render
    return {entry["path"]: entry for entry in entries if _well_formed(entry)}


def _well_formed(entry: object) -> bool:
    """Whether an index entry has the fields a batch reads, of their types."""
    if not isinstance(entry, dict):
        return False
    path, pages = entry.get("path"), entry.get("pages", 0)
    return (isinstance(path, str) and bool(path) and isinstance(pages, int)
            and not isinstance(pages, bool) and pages >= 0
            and isinstance(entry.get("input_hash", ""), str)
            and isinstance(entry.get("sha256", ""), str)
            and isinstance(entry.get("warnings", []), list))


def pdf_digest(path: Path) -> str | None:
    """The SHA-256 of the PDF at ``path`` (None when it cannot be read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _index_entry(result: VariantResult, digest: str | None = None) -> dict[str, Any]:
    v = result.variant
    entry: dict[str, Any] = {
        "path": v.relpath, "handout": v.handout, "audience": v.audience,
        "language": v.language, "paper": v.paper, "print": v.print,
        "pages": result.pages, "input_hash": result.input_hash}
    if digest is not None:  # the file the batch wrote: another in its place is made again
        entry["sha256"] = digest
    if v.location is not None:  # only in a clinic group: other indexes stay as they were
        entry["location"] = v.location
    if result.problems:
        # Kept so an unchanged variant repeats its warnings (a stale translation stays
        # stale) instead of going quiet on the next run.
        entry["warnings"] = [[p.path, p.line, p.field, p.message] for p in result.problems]
    return entry


def _same_file(entry: dict[str, Any], path: Path, digests: dict[str, str | None]) -> bool:
    """Whether ``path`` is still the PDF the batch wrote (an index from before the
    digests were kept: yes). An older PDF copied back, or one emptied, was "unchanged"
    for good: only the file's existence was asked."""
    found = pdf_digest(path)
    recorded = entry.get("sha256")
    if recorded is not None and recorded != found:
        return False
    digests[str(entry["path"])] = found  # kept as the skipped version's, for its entry
    return True


def _expected_pages(entry: dict[str, Any] | None, variant: Variant) -> int:
    """How long ``variant`` should take to render, in pages: its page count in the last
    batch's index, else a guess from its print size (large print has more pages)."""
    pages = entry.get("pages") if entry else None
    if isinstance(pages, int) and pages > 0:
        return pages
    return 3 if variant.print == "large" else 2


def _warnings(entry: dict[str, Any]) -> list[Problem]:
    try:
        return [Problem(str(path), line, str(name), str(message), Severity.WARNING)
                for path, line, name, message in entry.get("warnings", [])]
    except (TypeError, ValueError):
        return []  # a hand-edited or damaged entry: its warnings come back on the next render


# ---------------------------------------------------------------- the batch

def batch(loaded: Loaded, *, jobs: int | None = None, force: bool = False, clean: bool = False,
          out: Path | None = None,
          progress: Callable[[VariantResult, int, int], None] | None = None,
          executor: str | Executor | None = None) -> BatchResult:
    """Build every variant of the manifest in ``handouts.yaml`` of the loaded project
    (:func:`~handouts.project.load.load_project`, every handout).

    Config and content are validated first (any error stops everything, nothing is
    written). After that each variant succeeds or fails on its own. ``progress`` is
    called once per finished variant with (result, done, total). ``executor`` says
    where to render (see :func:`handouts.commands.executors.executor_for`); a lost cluster
    raises :class:`~handouts.commands.executors.ExecutorLost` after the index records every
    PDF written so far, so a rerun renders only the rest.
    """
    engine = executor_for(executor)
    project, documents = loaded.project, loaded.documents
    docs = {d.name: d for d in documents}
    out_dir = project.output_dir(out)
    variants = plan_matrix(project.config.batch, list(docs),
                           list(project.config.clinic.locations))
    refuse_on_check_errors(project, documents, text_variants(project, documents))
    with one_writer(out_dir):
        return _batch(loaded, engine, out_dir, variants, jobs=jobs, force=force, clean=clean,
                      progress=progress)


def _batch(loaded: Loaded, engine: Executor, out_dir: Path, variants: list[Variant], *,
           jobs: int | None, force: bool, clean: bool,
           progress: Callable[[VariantResult, int, int], None] | None) -> BatchResult:
    """:func:`batch` once the project is checked and the output folder is its own."""
    project, documents = loaded.project, loaded.documents
    docs = {d.name: d for d in documents}
    previous = read_index(out_dir)
    # Forced: every version from its files alone, as from scratch (none keeps a layout
    # from before an edit); read by every worker, local or on a cluster.
    kept_problems = forget_decisions(out_dir) if force else []
    # The index is rewritten every INDEX_EVERY seconds, so a batch killed half-way
    # keeps the record of what it finished and a rerun renders only the rest.
    entries = dict(previous)
    results: list[VariantResult] = []
    todo: list[tuple[Variant, str]] = []
    inputs = Inputs(project)
    # Each PDF's SHA-256, of the file the batch wrote (skipped: the one it checked).
    digests: dict[str, str | None] = {}
    for variant in variants:
        digest = inputs.hash(docs[variant.handout], variant)
        old = previous.get(variant.relpath)
        if not force and old and old.get("input_hash") == digest and \
                (out_dir / variant.relpath).is_file() and _same_file(
                    old, out_dir / variant.relpath, digests):
            results.append(VariantResult(variant, "skipped", int(old.get("pages", 0)), digest,
                                         _warnings(old)))
        else:
            todo.append((variant, digest))
    # Longest first, so that the last renders are short and no worker waits long at the
    # end for another: by the pages each had last time (large print when unknown).
    todo.sort(key=lambda item: _expected_pages(previous.get(item[0].relpath), item[0]),
              reverse=True)
    _remove_leftovers(out_dir, [variant.relpath for variant, _ in todo])
    total = len(variants)
    if progress:
        for n, skipped in enumerate(results, start=1):
            progress(skipped, n, total)
    pause_after, unchanged = int(os.environ.get(TEST_PAUSE_ENV) or 0), len(results)
    last_write, index_cost = time.monotonic(), 0.0
    runs = _run(project, docs, out_dir, todo, jobs, engine)
    try:
        for result in runs:
            results.append(result)
            if result.status == "failed":
                _record_failed(entries, previous, out_dir, result.variant.relpath)
            else:
                entries[result.variant.relpath] = _index_entry(result)
            if time.monotonic() - last_write >= max(INDEX_EVERY, 10 * index_cost):
                # A failure here is reported by the final write. A huge index (300,000
                # entries take seconds to write) is written less often, so writing it
                # never takes more than a tenth of the coordinator's time.
                started = time.monotonic()
                _write_index(out_dir, entries.values())
                last_write = time.monotonic()
                index_cost = last_write - started
            if pause_after == len(results) - unchanged:
                _write_index(out_dir, entries.values())
                os.kill(os.getpid(), signal.SIGSTOP)  # test-only: see TEST_PAUSE_ENV
            if progress:
                progress(result, len(results), total)
    except BaseException:  # a lost executor, Ctrl-C: keep what was finished for the rerun
        # Ctrl-C may land here, between two results: the workers are stopped first. Then
        # what workers killed mid-write (a second Ctrl-C) left is removed.
        runs.close()
        _remove_leftovers(out_dir, [variant.relpath for variant, _ in todo], only_own=True)
        _write_index(out_dir, entries.values())
        raise
    # A PDF written and then gone (the output folder deleted or moved while the batch
    # ran) is no success: it was said "rendered" and the index listed it.
    results = [_gone(r, out_dir) if r.status != "failed"
               and not (out_dir / r.variant.relpath).is_file() else r for r in results]
    results.sort(key=lambda r: r.variant)
    planned = {v.relpath for v in variants}
    removed, stale = _tidy(out_dir, previous, planned, clean)
    final = [_index_entry(r, digests[r.variant.relpath] if r.variant.relpath in digests
                          else pdf_digest(out_dir / r.variant.relpath))
             for r in results if r.status != "failed"]
    final += [{**previous[p], "stale": True} for p in stale]
    failed: dict[str, dict[str, Any]] = {}
    for r in results:
        if r.status == "failed":
            _record_failed(failed, previous, out_dir, r.variant.relpath)
    final += failed.values()
    index_problems = _write_index(out_dir, final)
    # Each variant's fitting decision, for the next batch to reuse (fitting paid once).
    # Not written, it only costs the next batch a search: a warning, as for build.
    kept_problems += update_fittings(out_dir, [(r.variant.relpath, r.input_hash, r.fitting)
                                               for r in results if r.status != "failed"])
    index_problems += [dataclasses.replace(p, severity=Severity.WARNING)
                       for p in dict.fromkeys(kept_problems)]
    return BatchResult(results, removed, stale, loaded.warnings + index_problems)


def _gone(result: VariantResult, out_dir: Path) -> VariantResult:
    """``result`` failed: its PDF is not in the output folder at the batch's end."""
    return dataclasses.replace(result, status="failed", problems=[*result.problems, Problem(
        str(out_dir / result.variant.relpath), None, "", (
            "was written, but is no longer in the output folder (the folder was deleted or "
            "moved while the batch ran?); run the batch again"))])


def _record_failed(entries: dict[str, dict[str, Any]], previous: dict[str, dict[str, Any]],
                   out_dir: Path, relpath: str) -> None:
    """A variant that failed this time: its PDF from an earlier batch, still in the
    folder, stays in the index marked out of date (``stale``, ``failed``) and without
    its inputs' hash, so the next batch renders it again; with no PDF, no entry.
    Before, the PDF stayed in the folder and left the index, which then said nothing
    of a file that was there and out of date."""
    entries.pop(relpath, None)
    old = previous.get(relpath)
    if old is not None and (out_dir / relpath).is_file():
        entries[relpath] = {**{k: v for k, v in old.items() if k != "input_hash"},
                            "stale": True, "failed": True}


def _write_index(out_dir: Path, entries: Iterable[dict[str, Any]]) -> list[Problem]:
    """Write ``index.json`` atomically, sorted by path (no timestamps: reruns are identical).

    A failure is returned, not raised: the PDFs are what matters, and a missing index
    only means the next run renders more.
    """
    index = {"generator": f"handouts {__version__}",
             "variants": sorted(entries, key=lambda e: e["path"])}
    try:
        write_atomic(out_dir / INDEX_NAME, (json.dumps(index, indent=2) + "\n").encode())
    except HandoutsError as exc:
        return exc.problems
    return []


#: How old (seconds since last written) a temporary file in the output folder must be to
#: be a killed run's leftover: a file being written changes as it is written, and
#: another command (a build, the desk's copy, a program) may be writing one right now.
LEFTOVER_AGE = 600


def _remove_leftovers(out_dir: Path, own: list[str] | None = None, *,
                      only_own: bool = False) -> None:
    """Delete temporary files a killed run left behind (never a finished PDF, nor one
    another command is writing now: the batch removed a build's file as it was about to
    be renamed into place, and the build failed with "No such file or directory").

    ``own``: the paths (relative to ``out_dir``) this batch writes, whose temporary
    files (a killed run's, or its own stopped workers') go whatever their age; with
    ``only_own``, nothing else. Any other goes once older than :data:`LEFTOVER_AGE`."""
    if not out_dir.is_dir():
        return
    for relpath in own or ():
        target = out_dir / relpath
        if target.parent.is_dir():
            for leftover in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
                leftover.unlink(missing_ok=True)
    if only_own:
        return
    now = time.time()
    for leftover in out_dir.rglob(".*.tmp"):
        with contextlib.suppress(OSError):  # gone already: fine
            if now - leftover.stat().st_mtime > LEFTOVER_AGE:
                leftover.unlink()


def _run(project: Project, documents: dict[str, Document], out_dir: Path,
         todo: list[tuple[Variant, str]], jobs: int | None,
         executor: Executor) -> Iterator[VariantResult]:
    """Render ``todo`` with ``executor`` and write each PDF; results as their files are
    written (the coordinator writes whatever the executor returns as bytes)."""
    # Results still waiting for their write are yielded in order once written.
    if not todo:
        return
    # Closed when this generator is: the executor's workers stop with the batch.
    rendered = executor.render(project, documents, out_dir, todo, jobs)
    with closing(rendered), \
            ThreadPoolExecutor(1, thread_name_prefix="handouts-writer") as writer:
        pending: deque[Future[VariantResult]] = deque()
        try:
            for result, data in rendered:
                if not data:  # failed, or already written by a worker process
                    yield result
                else:
                    target = out_dir / result.variant.relpath
                    pending.append(writer.submit(write_result, target, result, data))
                while pending and pending[0].done():
                    yield pending.popleft().result()
        except (HandoutsError, KeyboardInterrupt):
            # The executor stopped (a lost cluster, Ctrl-C): what it handed over is still
            # written and recorded, so the rerun renders only the rest.
            while pending:
                yield pending.popleft().result()
            raise
        while pending:
            yield pending.popleft().result()


def _tidy(out_dir: Path, previous: dict[str, dict[str, Any]], planned: set[str],
          clean: bool) -> tuple[list[str], list[str]]:
    """Delete (with ``clean``) or keep-and-report PDFs of variants no longer planned."""
    removed: list[str] = []
    stale: list[str] = []
    for relpath in sorted(set(previous) - planned):
        target = (out_dir / relpath).resolve()
        if not target.is_relative_to(out_dir.resolve()) or not target.is_file():
            continue  # never touch anything outside the output folder
        if clean:
            target.unlink()
            removed.append(relpath)
        else:
            stale.append(relpath)
    return removed, stale


def summarize(result: BatchResult) -> list[Problem]:
    """Every problem of every variant, errors first, for the end-of-batch summary."""
    problems = [p for r in result.results for p in r.problems] + result.problems
    # The same problem (a stale translation, say) shows up in every variant it touches:
    # report it once.
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.severity is not Severity.ERROR, p.path, p.line or 0))
