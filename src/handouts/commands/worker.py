"""What one process keeps to render a project's variants: the :class:`Worker`.

Every place that renders batch variants uses it: the batch in-process (one job), the
local process pool (each pool process makes its own with :func:`start`), and the Dask
workers (the executor's worker plugin keeps one). The project is loaded and the engine
warmed once per process; each variant's failure becomes problems, never an exception,
so one variant fails alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from handouts.checks.gate import CheckedVariants
from handouts.commands.fitting import read_kept
from handouts.commands.inmemory import InMemory, build_in_memory
from handouts.commands.inputs import input_hash
from handouts.commands.packet import make_program
from handouts.errors import HandoutsError, Problem, errors_only
from handouts.output import write_atomic
from handouts.project.config import Config, Project
from handouts.project.content import Document
from handouts.project.load import load_project
from handouts.project.schema import Paper, PrintSize
from handouts.render.compose import compose
from handouts.render.engine.timelimit import collector_paused
from handouts.render.fitting import render_page
from handouts.render.limits import over_limit
from handouts.render.personal import PersonalCopies
from handouts.render.program import ProgramLayouts
from handouts.render.result import Fitting, Rendered
from handouts.render.runner import settle
from handouts.render.theme import Pinned
from handouts.variants.clients import Client
from handouts.variants.plan import GENERAL, Variant
from handouts.variants.program import Program


@dataclass
class VariantResult:
    """What happened to one variant."""

    variant: Variant
    status: str  # "rendered", "skipped" or "failed"
    pages: int = 0
    input_hash: str = ""
    problems: list[Problem] = field(default_factory=list)
    #: The fitting decision of a rendered variant, for the coordinator to keep under
    #: its input hash (see :mod:`handouts.commands.fitting`).
    fitting: Fitting | None = None


class Worker:
    """What one process keeps to render a project's variants: the loaded project and its
    documents (loaded once), and for named copies (``handouts serve``) the layouts
    :class:`PersonalCopies` keeps and the fast checks' results per variant and day,
    and the fitting decisions of batch variants by input hash (given with
    :meth:`remember`, and made here)."""

    def __init__(self, project: Project, documents: dict[str, Document]) -> None:
        self.project = project
        self.documents = documents
        #: Fitting decisions by variant input hash (never a client's: see render_variant).
        self.fittings: dict[str, Fitting] = {}
        #: Each variant's last decision by its path, tried first after an edit.
        self.hints: dict[str, Fitting] = {}
        #: Kept between named copies (made on the first): never a client's details.
        self.copies: PersonalCopies | None = None
        self.checked: CheckedVariants | None = None
        #: Kept between home programs (made on the first): see ProgramLayouts.
        self.programs: ProgramLayouts | None = None

    @classmethod
    def load(cls, root: Path, names: tuple[str, ...] = (), *,
             config: Config | None = None, templates: Pinned | None = None) -> Worker:
        """Load and validate the project at ``root`` (only the handouts ``names``, when
        given; with ``config`` instead of ``handouts.yaml`` and ``templates`` instead of
        the files of ``templates/`` when given) and warm the engine (fonts, the parsed
        stylesheet) in this process."""
        loaded = load_project(root, names, config=config)
        project = loaded.project
        project.pinned_templates = templates
        settle()
        worker = cls(project, {d.name: d for d in loaded.documents})
        if config is None and templates is None:
            # Other inputs than the files': the files' hashes do not apply.
            worker.remember(project.output_dir(None))
        return worker

    def remember(self, out_dir: Path) -> None:
        """Take the fitting decisions a batch kept in ``out_dir`` (see
        :mod:`handouts.commands.fitting`): variants with the same input hash are then
        laid out once, as decided, and a variant edited since tries its last decision
        first."""
        fittings, hints = read_kept(out_dir)
        self.fittings.update(fittings)
        self.hints.update(hints)

    @collector_paused()
    def copy(self, name: str, *, audience: str = GENERAL, language: str | None = None,
             paper: Paper | None = None, print_size: PrintSize = "standard",
             location: str | None = None, client: Client | None = None) -> InMemory:
        """Handout ``name`` in one version, in memory, as ``handouts build`` makes it
        (see :func:`build_in_memory`): a named copy lays out only the client's block
        once the page has been laid out, a copy without a client uses the batch's kept
        fitting decision for its inputs, and the fast checks run once per variant and
        day. Raises like :func:`build_in_memory`."""
        if self.copies is None:
            self.copies = PersonalCopies(self.project)
            self.checked = CheckedVariants(self.project)
        return build_in_memory(self.project, self.documents[name], paper=paper,
                               audience=audience, language=language, print_size=print_size,
                               client=client, copies=self.copies, checked=self.checked,
                               location=location, decided=self._decided)

    @collector_paused()
    def program(self, program: Program) -> Rendered:
        """The packet of a home ``program`` in memory, as ``handouts program`` makes it
        (see :func:`make_program`), reusing what earlier programs in this process laid
        out for the same handout pages. Raises like :func:`make_program`."""
        if self.programs is None:
            self.programs = ProgramLayouts()
        if self.checked is None:
            self.checked = CheckedVariants(self.project)
        return make_program(self.project, self.documents, program, checked=self.checked,
                            layouts=self.programs)

    def _decided(self, variant: Variant) -> tuple[Fitting | None, Fitting | None]:
        """The kept fitting decision for ``variant`` as its files are now (hashed
        afresh: an edit since the batch means another hash, so no decision), and else
        its last decision, to try first (see :func:`~handouts.render.fitting.fit_page`)."""
        if not self.fittings:
            return None, None
        decision = self.fittings.get(input_hash(self.project, self.documents[variant.handout],
                                                variant))
        return decision, None if decision is not None else self.hints.get(variant.relpath)

    @collector_paused()
    def render_variant(self, variant: Variant, digest: str,
                       target: Path | None = None) -> tuple[VariantResult, bytes]:
        """Render one variant; write it to ``target`` if given (and return no bytes), else
        return its bytes. Every failure becomes problems, never an exception."""
        document = self.documents[variant.handout]
        try:
            page, problems = compose(self.project, document, variant)
            if page is None:
                return VariantResult(variant, "failed", problems=problems), b""
            # ``digest`` hashes every input that shapes this page (no client: a batch
            # variant has none), so an earlier decision under it is this page's.
            output = render_page(self.project, document, page,
                                 decision=self.fittings.get(digest),
                                 hint=self.hints.get(variant.relpath))
            problems += output.problems + over_limit(self.project, document, page, output)
            if errors_only(problems):
                return VariantResult(variant, "failed", problems=problems), b""
            if output.decision is not None:
                self.fittings[digest] = output.decision
            result = VariantResult(variant, "rendered", output.pages, digest, problems,
                                   output.decision)
            if target is None:
                return result, output.pdf
            return write_result(target, result, output.pdf), b""
        except HandoutsError as exc:
            return VariantResult(variant, "failed", problems=exc.problems), b""
        except Exception as exc:  # isolate the unexpected too: one variant, not the batch
            message = f"could not be rendered: {type(exc).__name__}: {exc}"
            return VariantResult(variant, "failed",
                                 problems=[Problem(document.display, None, "", message)]), b""


def write_result(target: Path, result: VariantResult, data: bytes) -> VariantResult:
    """Write a rendered variant atomically; a write that fails fails the variant."""
    try:
        write_atomic(target, data)
    except HandoutsError as exc:
        return VariantResult(result.variant, "failed", problems=exc.problems + result.problems)
    return result


# ------------------------------------------------------------ process pools

#: This process's worker, made by :func:`start` (a pool process renders one project).
_worker: Worker | None = None


def start(root: str, out_dir: str | None = None) -> None:
    """Pool initializer: load the project at ``root`` and warm the engine, once per
    process, for :func:`render_in_worker` (with the fitting decisions kept in
    ``out_dir``, when given)."""
    global _worker
    _worker = Worker.load(Path(root))  # with the default output folder's decisions
    if out_dir is not None and Path(out_dir) != _worker.project.output_dir(None):
        _worker.remember(Path(out_dir))


def render_in_worker(variant: Variant, digest: str,
                     target: str | None = None) -> tuple[VariantResult, bytes]:
    """:meth:`Worker.render_variant` with this process's worker (see :func:`start`)."""
    if _worker is None:
        raise RuntimeError("handouts.commands.worker.start() has not run in this process")
    return _worker.render_variant(variant, digest, None if target is None else Path(target))


__all__ = ["VariantResult", "Worker", "render_in_worker", "start", "write_result"]
