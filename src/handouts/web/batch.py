"""Start ``handouts batch`` from the browser, and follow its progress.

The batch runs :func:`handouts.commands.batch.batch` in its own process (so the library's
render time limit works there, and the server stays responsive); a thread here reads
its progress lines from a queue. One batch at a time. Batches hold no personal data.
"""

from __future__ import annotations

import multiprocessing
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, url_for

bp = Blueprint("batch", __name__)


@dataclass
class Job:
    """One batch: how far it got, and what it said at the end."""

    total: int = 0
    done: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"rendered": 0, "skipped": 0,
                                                             "failed": 0})
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    finished: bool = False
    ok: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The job as JSON for the progress page."""
        return {"total": self.total, "done": self.done, "counts": self.counts,
                "lines": self.lines[-200:], "problems": self.problems,
                "finished": self.finished, "ok": self.ok}


def run_batch(root: str, queue: Any) -> None:
    """In the batch process: run the batch, sending progress and the outcome to ``queue``."""
    from pathlib import Path

    from handouts.commands.batch import batch, summarize
    from handouts.errors import HandoutsError
    from handouts.project.load import load_project

    def progress(result: Any, done: int, total: int) -> None:
        queue.put(("progress", done, total, result.status, result.variant.relpath))

    try:
        result = batch(load_project(Path(root)), jobs=1, progress=progress)
        queue.put(("finished", result.ok, [p.format() for p in summarize(result)]))
    except HandoutsError as exc:
        queue.put(("finished", False, [p.format() for p in exc.problems]))
    except Exception as exc:  # reported as a line, never a traceback
        queue.put(("finished", False, [f"the batch stopped ({type(exc).__name__})"]))


def _follow(job: Job, process: Any, queue: Any) -> None:
    """In the server: apply the batch process's messages to ``job``."""
    while True:
        try:
            message = queue.get(timeout=1.0)
        except Exception:
            if not process.is_alive():
                job.problems.append("the batch process stopped unexpectedly")
                job.finished = True
                return
            continue
        if message[0] == "progress":
            _, job.done, job.total, status, relpath = message
            job.counts[status] = job.counts.get(status, 0) + 1
            job.lines.append(f"[{job.done}/{job.total}] {status:<8} {relpath}")
        else:
            _, job.ok, job.problems = message
            job.finished = True
            process.join()
            return


@bp.post("/batch")
def start() -> Response:
    """Start a batch (unless one is running) and show its progress page."""
    site = current_app.extensions["handouts"]
    job: Job | None = site.extras.get("batch")
    if job is None or job.finished:
        context = multiprocessing.get_context("forkserver")
        queue = context.Queue()
        process = context.Process(target=run_batch, args=(str(site.root), queue),
                                  name="handouts-batch", daemon=True)
        job = site.extras["batch"] = Job()
        process.start()
        threading.Thread(target=_follow, args=(job, process, queue), daemon=True,
                         name="handouts-batch-progress").start()
    return redirect(url_for("batch.page"), code=303)


@bp.get("/batch")
def page() -> str:
    """The progress of the last batch started here."""
    job = current_app.extensions["handouts"].extras.get("batch")
    return render_template("batch.html", job=job.as_dict() if job else None)


@bp.get("/batch/status")
def status() -> Response:
    """The last batch's progress as JSON (polled by the progress page)."""
    job = current_app.extensions["handouts"].extras.get("batch")
    return current_app.json.response(job.as_dict() if job else {"finished": True,
                                                                 "total": 0})
