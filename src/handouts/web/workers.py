"""Renders for ``handouts serve``, in a small pool of worker processes.

Each worker process imports the PDF engine once (:func:`warm_up`) and keeps one
:class:`handouts.commands.worker.Worker` per handout per *project version* (a digest of
the files' sizes and times): the same object that renders a batch, here keeping its
:class:`handouts.render.personal.PersonalCopies`, so a named copy lays out only the
client's block. The processes themselves are managed by :mod:`handouts.commands.pool`.
Every task returns problems instead of raising, so
a bad input or a failed render is an answer for its own request only.

Client details reach a worker as task arguments (in memory, through a pipe) and come
back only inside the PDF or PNG bytes; nothing is written or logged.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handouts.commands.packet import ItemChange, plan_program, record
from handouts.commands.pool import PoolError, ProcessPool, TaskFailed
from handouts.commands.worker import Worker
from handouts.errors import HandoutsError, Problem, Severity
from handouts.project.config import Config
from handouts.project.programs import ClinicProgram
from handouts.render.result import Rendered
from handouts.render.theme import Pinned
from handouts.variants.clients import Client
from handouts.variants.records import Given, given_record

#: Worker processes, and renders each does before it is replaced (bounds any leak).
MAX_WORKERS = 2
MAX_TASKS_PER_CHILD = 200
#: Preview images: 96 px per inch (a Letter page is 816 px wide), thumbnails smaller.
PREVIEW_SCALE = 96 / 72
THUMB_SCALE = 24 / 72

#: Files and folders whose changes make a new project version (output/ is not one):
#: with the project's theme words (locale/) and fonts (fonts/, where the README puts
#: them), since a worker keeps its fast checks' results per version.
#: With the clinic programs (programs/), which the home-program page offers.
WATCHED = ("handouts.yaml", "content", "templates", "assets", "locale", "fonts", "programs")


@dataclass(frozen=True)
class Selection:
    """The version of a handout selected on a page of the desk (never personal)."""

    audience: str = "general"
    language: str | None = None
    paper: str | None = None
    print_size: str = "standard"
    #: One of a clinic group's locations (None: the project's first, or no locations).
    location: str | None = None


def project_version(root: Path) -> str:
    """A cheap digest of every input file's path, size and time (changes on any save)."""
    parts: list[str] = []
    for name in WATCHED:
        top = root / name
        if top.is_file():
            st = top.stat()
            parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
            continue
        for folder, dirs, files in os.walk(top):
            dirs.sort()
            for file in sorted(files):
                st = os.stat(os.path.join(folder, file))
                parts.append(f"{folder}/{file}:{st.st_size}:{st.st_mtime_ns}")
    import hashlib

    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


# ------------------------------------------------------------- in the worker

#: This process's :class:`~handouts.commands.worker.Worker` for each handout, for one
#: project version (and config): a new version loads afresh, and each handout is
#: loaded on its own, so a broken file elsewhere never stops this one. Home programs
#: have one Worker of their own holding every handout that loads ("program").
_DESK: dict[str, Any] = {"version": None, "workers": {}, "program": None}


#: Allocations between the worker's young-generation collections (Python's default: 700).
#: A named copy builds and drops tens of thousands of layout objects; at 700 the
#: collector ran about 8 times per copy and pushed short-lived boxes into the older
#: generations, which are walked again later: about 2.5 ms of every copy, 1 ms after.
GC_THRESHOLD = 5000


def warm_up() -> None:
    """Worker initializer: load the engine and fonts once, and collect garbage less often."""
    import gc

    from handouts.render.runner import settle

    settle()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


def desk_workers() -> dict[str, Worker]:
    """This process's Workers by handout, for the current project version (for tests:
    what a worker keeps between copies must hold nothing of a client)."""
    return dict(_DESK["workers"])


@dataclass(frozen=True)
class LastGood:
    """What the desk renders with in place of project files that now have errors (never
    personal): ``handouts.yaml``'s last good config, and the last good templates of
    ``templates/`` (see :attr:`handouts.project.config.Project.pinned_templates`)."""

    config: Config | None = None
    templates: Pinned | None = None


def _at_version(root: str, version: str, good: LastGood | None) -> None:
    """Forget every Worker kept for another project version (or last good files)."""
    key = (root, version, good is not None and good.config is not None,
           good.templates if good is not None else None)
    if _DESK["version"] != key:
        _DESK["version"] = key
        _DESK["workers"] = {}
        _DESK["program"] = None


def _worker(root: str, version: str, name: str, good: LastGood | None = None) -> Worker:
    """The Worker holding handout ``name`` at this project version (with the ``good``
    files in place of those that have errors)."""
    _at_version(root, version, good)
    workers = _DESK["workers"]
    if name not in workers:
        workers[name] = Worker.load(Path(root), (name,),
                                    config=good.config if good is not None else None,
                                    templates=good.templates if good is not None else None)
    return workers[name]  # type: ignore[no-any-return]


def page_images(pdf: bytes, scale: float, first: int | None = None) -> list[bytes]:
    """Each page of ``pdf`` as PNG bytes (only the first ``first`` pages when given)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    images = []
    try:
        for index in range(len(document) if first is None else min(first, len(document))):
            page = document[index]
            bitmap = page.render(scale=scale)
            buffer = io.BytesIO()
            bitmap.to_pil().save(buffer, format="PNG", optimize=False)
            images.append(buffer.getvalue())
            page.close()
    finally:
        document.close()
    return images


def render(root: str, version: str, name: str, choices: Selection, client: Client | None,
           images: float | None = None, first: int | None = None,
           good: LastGood | None = None) -> Rendered:
    """Render one handout like ``handouts build`` (PNG pages too when ``images`` is a
    scale); ``good``: the last good files, in place of those that have errors."""
    try:
        built = _worker(root, version, name, good).copy(
            name, audience=choices.audience, language=choices.language,
            paper=choices.paper,  # type: ignore[arg-type]
            print_size=choices.print_size,  # type: ignore[arg-type]
            location=choices.location, client=client)
    except HandoutsError as exc:
        return Rendered(problems=exc.problems)
    except Exception as exc:  # an engine failure is this request's problem only
        return Rendered(problems=[Problem(f"content/{name}.yaml", None, "",
                                        f"could not be rendered ({type(exc).__name__})")])
    paragraph = ""
    if client is not None:  # what was given, for the client's file (never their name)
        worker = _worker(root, version, name, good)
        paragraph = given_record(worker.project,
                                 [Given(worker.documents[name], built.variant)],
                                 day=dt.date.today(), therapist=client.therapist)
    result = Made(built.pdf, built.pages, built.warnings, record=paragraph)
    if images:
        result.images = page_images(built.pdf, images, first)
    return result


@dataclass(frozen=True)
class ProgramAsked:
    """A home program as the desk's form asks for it: what
    :func:`handouts.commands.packet.plan_program` takes (never kept by a worker)."""

    items: tuple[ItemChange, ...]
    client: Client
    choices: Selection = Selection()
    weeks: int | None = None
    right_hand: bool = False
    #: The clinic program it started from, while it holds every one of its handouts
    #: (it names the program: its title on the cover, in the program's language).
    program: ClinicProgram | None = None
    given: dt.date | None = None


@dataclass
class Made(Rendered):
    """A named copy or a home program made at the desk, with the paragraph for the
    client's file (see :mod:`handouts.variants.records`: what was given, no name)."""

    record: str = ""


def record_of(result: Rendered) -> str:
    """The paragraph for the client's file of what ``result`` made (empty: nothing was
    made for a client)."""
    return result.record if isinstance(result, Made) else ""


def _program_worker(root: str, version: str, good: LastGood | None = None
                    ) -> tuple[Worker | None, dict[str, list[Problem]], list[Problem]]:
    """The Worker holding every handout that loads at this project version, with the
    problems of each that does not (a program naming one is refused for it alone), and
    the project's own problems (when its config cannot be used)."""
    _at_version(root, version, good)
    if _DESK["program"] is None:
        from handouts.project.load import load_each
        from handouts.render.runner import settle

        each = load_each(Path(root), config=good.config if good is not None else None)
        if each.project is not None and good is not None:
            each.project.pinned_templates = good.templates
        settle()
        worker = None if each.project is None else Worker(each.project, each.documents)
        _DESK["program"] = (worker, each.broken, each.problems)
    return _DESK["program"]  # type: ignore[no-any-return]


def program(root: str, version: str, asked: ProgramAsked, images: float | None = None,
            good: LastGood | None = None) -> Rendered:
    """Render a home program as ``handouts program`` does (:func:`plan_program`, then
    :func:`make_program`), with the record paragraph; page images too when ``images``
    is a scale. ``good``: the last good files, in place of those that have errors."""
    worker, broken, problems = _program_worker(root, version, good)
    if worker is None:
        return Rendered(problems=problems)
    used = dict.fromkeys(item.handout for item in asked.items)
    unusable = [p for name in used if name in broken for p in broken[name]]
    if unusable:  # a broken handout fails only the programs that use it
        return Rendered(problems=unusable)
    choices = asked.choices
    try:
        planned = plan_program(worker.project, worker.documents, client=asked.client,
                               changes=asked.items, audience=choices.audience,
                               language=choices.language,
                               paper=choices.paper,  # type: ignore[arg-type]
                               print_size=choices.print_size,  # type: ignore[arg-type]
                               location=choices.location, weeks=asked.weeks,
                               right_hand=asked.right_hand, given=asked.given,
                               started_from=asked.program)
        output = worker.program(planned)
    except HandoutsError as exc:
        return Rendered(problems=exc.problems)
    except Exception as exc:  # an engine failure is this request's problem only
        return Rendered(problems=[Problem("", None, "", "the home program could not be "
                                        f"rendered ({type(exc).__name__})")])
    result = Made(output.pdf, output.pages, problems=output.problems,
                         record=record(worker.project, worker.documents, planned))
    if images:
        result.images = page_images(output.pdf, images)
    return result


def live(root: str, version: str, name: str, choices: Selection) -> Rendered:
    """The owner's preview: page images and every problem (validation, fast checks, fit)."""
    from handouts.commands.check import check
    from handouts.project.load import load_project

    problems: list[Problem] = []
    try:
        problems += check(load_project(Path(root), (name,)), render=False).problems
    except HandoutsError as exc:
        return Rendered(problems=exc.problems)
    result = render(root, version, name, choices, None, images=PREVIEW_SCALE)
    result.problems = sorted(dict.fromkeys(problems + result.problems),
                             key=lambda p: (p.severity is not Severity.ERROR, p.path,
                                            p.line or 0, p.field))
    return result


# ------------------------------------------------------------- in the server

#: Seconds a request waits beyond the project's render time limit before it is answered
#: anyway (the worker is then replaced): starting a fresh worker and a queue of a few
#: requests fit in it.
DEADLINE_MARGIN = 15.0


def installed_version() -> str:
    """The version of handouts installed now (read from disk each time)."""
    import handouts

    return str(handouts.__version__)


def updated_since(started: str) -> str | None:
    """What to say when handouts was upgraded while the desk ran (``started``: the version
    it started with): its renderers then load some modules of the new version beside the
    old ones, and a request failed with a bare "ImportError". None when it was not."""
    now = installed_version()
    if now == started:
        return None
    return (f"handouts was updated ({started} to {now}) while the front desk was running; "
            "restart it (Ctrl+C, then handouts serve) to use the new version")


class RenderPool:
    """A bounded pool of render processes (or the calling thread, for fast tests).

    Every :meth:`run` is answered within its deadline: a stuck or dead worker is
    replaced (see :mod:`handouts.commands.pool`) and the request gets a problem saying so.
    ``inline=True`` runs tasks in the caller, which Flask's test client makes the main
    thread, so the library's render time limit still applies.
    """

    def __init__(self, inline: bool = False, workers: int = MAX_WORKERS,
                 recycle_after: int = MAX_TASKS_PER_CHILD) -> None:
        self.inline = inline
        self.workers = workers
        #: The installed version when the desk started (see updated_since).
        self.version = installed_version()
        # A replaced renderer is said in the desk's own log (see the CLI's serve).
        self._pool = None if inline else ProcessPool(
            workers, initializer=warm_up, recycle_after=recycle_after,
            logger=logging.getLogger("handouts.web"))

    def run(self, task: Callable[..., Rendered], *args: Any, deadline: float = 60.0) -> Rendered:
        """Run ``task(*args)``; no answer within ``deadline`` seconds, a crashed or stuck
        worker become a problem for this request only."""
        if self._pool is None:
            return task(*args)
        try:
            return self._pool.run(task, *args, deadline=deadline)  # type: ignore[no-any-return]
        except TaskFailed as exc:
            message = updated_since(self.version) or f"the handout could not be made ({exc})"
        except PoolError as exc:
            message = str(exc)
        return self.busy_answer(message)

    @staticmethod
    def busy_answer(message: str) -> Rendered:
        """What a request gets when no renderer answered in time (``failed``: the pages
        answer 503, try again, not 422)."""
        return Rendered(problems=[Problem("", None, "", message)], failed=True)

    def warm(self) -> None:
        """Start the workers now rather than on the first request."""
        if self._pool is not None:
            self._pool.warm()

    def pids(self) -> list[int]:
        """The worker processes' ids (for memory measurements and tests)."""
        return [] if self._pool is None else self._pool.pids()

    @property
    def started(self) -> int:
        """Worker processes started so far (replacements included)."""
        return 0 if self._pool is None else self._pool.started

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.close()
