"""``handouts build``: load and validate everything, render in memory, then write.

Two phases, so a problem anywhere means nothing is written and earlier PDFs stay
as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handouts.checks.glyphs import check_client
from handouts.clients import Client
from handouts.compose import compose
from handouts.config import CONFIG_NAME, Project, load_config
from handouts.content import Document, discover, load_document
from handouts.errors import Problem, RenderError, Severity, ValidationError, errors_only
from handouts.naming import check_pattern, client_filename
from handouts.output import write_atomic
from handouts.plan import GENERAL, Paper, PrintSize, Variant
from handouts.render import PersonalCopies, over_limit, render_page
from handouts.sourcefile import LineMap
from handouts.tailor import check_audiences
from handouts.theme import validate_templates

#: The client's details and the options that set them (for messages).
CLIENT_OPTIONS = {"name": "client", "note": "note", "therapist": "therapist"}


@dataclass(frozen=True)
class Built:
    """One PDF written by a build."""

    variant: Variant
    path: Path
    pages: int


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the PDFs written and any warnings."""

    built: list[Built]
    warnings: list[Problem]


def load(root: Path, names: tuple[str, ...] = (), *,
         warnings: list[Problem] | None = None) -> tuple[Project, list[Document]]:
    """Load the config and the named handouts (all when none are named).

    Every file is read and validated even after the first problem, so one run
    reports everything; raises :class:`ValidationError` if anything is wrong.
    Warnings (a stray file in ``content/``) are added to ``warnings`` when given.
    """
    root = root.resolve()
    problems: list[Problem] = []
    lines = LineMap()
    config = load_config(root, problems, lines)
    available = discover(root / "content", problems)
    wanted = list(names) or list(available)
    if not available and not names:
        problems.append(Problem("content", None, "",
                                "no handouts found; add content/<name>.yaml files"))
    documents: list[Document] = []
    for name in wanted:
        path = available.get(name)
        if path is None:
            known = ", ".join(available) or "none"
            problems.append(Problem(f"content/{name}.yaml", None, "",
                                    f"no such handout (available: {known})"))
            continue
        doc = load_document(name, path, f"content/{path.name}", problems)
        if doc is not None:
            documents.append(doc)
    if config is not None:
        known_audiences = {GENERAL, *config.audiences}
        for doc in documents:
            problems += check_audiences(doc.handout, known_audiences, doc.display, doc.lines)
    # Template overrides are checked here, before any rendering or writing, so a typo
    # in one is reported with the other problems instead of failing every variant.
    problems += validate_templates(root / "templates")
    if errors_only(problems) or config is None:
        raise ValidationError(problems)
    if warnings is not None:
        warnings += problems
    return Project(root, config, CONFIG_NAME, lines), documents


def refuse_on_check_errors(project: Project, documents: list[Document],
                           variants: list[Variant]) -> None:
    """Run the fast checks (no rendering) and raise if any finds an error.

    Problems that belong to a single variant (a missing translation) are left to the
    render step, which reports them per variant.
    """
    from handouts.quality import fast_checks

    errors = fast_checks(project, documents, variants).errors()
    if errors:
        raise ValidationError(errors)


def build(root: Path, names: tuple[str, ...] = (), *, paper: Paper | None = None,
          out: Path | None = None, audience: str = GENERAL, language: str | None = None,
          print_size: PrintSize = "standard", client: Client | None = None,
          name_pattern: str | None = None) -> BuildResult:
    """Build the named handouts (all by default) in one variant.

    The everyday version (any paper) goes to ``<out>/<handout>.pdf``; other versions use the batch
    layout (``<out>/<language>/<audience>/<handout>-<paper>-<print>.pdf``), and
    named-client copies go to ``<out>/clients/`` under a name that does not reveal
    the client (see :func:`handouts.naming.client_filename`).

    Raises :class:`ValidationError` for bad input and :class:`RenderError` when any
    handout cannot be rendered; in both cases no file is written.
    """
    if name_pattern is not None:
        check_pattern(name_pattern)  # before any work: a bad pattern is a usage mistake
    loaded: list[Problem] = []
    project, documents = load(root, names, warnings=loaded)
    defaults = project.config.defaults
    out_dir = project.output_dir(out)
    variants = [Variant(doc.name, audience, language or doc.handout.language,
                        paper or defaults.paper, print_size) for doc in documents]
    refuse_on_check_errors(project, documents, variants)
    if client is not None:  # personal data: checked here, named by option, never quoted
        found = {p: None for v in variants
                 for p in check_client(project, client, v.language, None, None,
                                       CLIENT_OPTIONS)}
        if found:
            raise ValidationError(list(found))
    # The everyday case keeps the simple name output/<handout>.pdf (whatever the paper);
    # other versions use the batch layout so they never overwrite it.
    plain = audience == GENERAL and language in (None, defaults.language) and \
        print_size == "standard"
    pending: list[tuple[Variant, Path, bytes, int]] = []
    problems: list[Problem] = list(loaded)
    for doc, variant in zip(documents, variants, strict=True):
        page, found = compose(project, doc, variant, client)
        problems += found
        if page is None:
            continue
        output = render_page(project, doc, page)
        problems += output.problems + over_limit(project, doc, page, output)
        if client is not None:
            target = out_dir / "clients" / client_filename(variant, client, name_pattern)
        elif plain:
            target = out_dir / f"{doc.name}.pdf"
        else:
            target = out_dir / variant.relpath
        pending.append((variant, target, output.pdf, output.pages))
    if errors_only(problems):
        raise RenderError(problems)
    for _, target, data, _ in pending:
        write_atomic(target, data)
    built = [Built(v, target, pages) for v, target, _, pages in pending]
    return BuildResult(built, [p for p in problems if p.severity is Severity.WARNING])


@dataclass(frozen=True)
class InMemory:
    """One handout rendered into memory (nothing written): the PDF and its warnings."""

    variant: Variant
    pdf: bytes
    pages: int
    warnings: list[Problem]


def build_in_memory(project: Project, document: Document, *, paper: Paper | None = None,
                    audience: str = GENERAL, language: str | None = None,
                    print_size: PrintSize = "standard", client: Client | None = None,
                    copies: PersonalCopies | None = None) -> InMemory:
    """Render one loaded handout in one variant, the way :func:`build` does, into memory.

    ``project`` and ``document`` come from :func:`load`. The same checks run in the
    same order (fast checks, the client's characters, composing, page limit), so the
    bytes equal what ``build`` writes for the same choices. A named copy is made by
    ``copies`` when given (same bytes, faster; see :class:`PersonalCopies`). Used by
    ``handouts serve``, where personal PDFs must never touch the disk.

    Raises :class:`ValidationError` or :class:`RenderError` like :func:`build`.
    """
    variant = Variant(document.name, audience, language or document.handout.language,
                      paper or project.config.defaults.paper, print_size)
    refuse_on_check_errors(project, [document], [variant])
    if client is not None:
        found = dict.fromkeys(check_client(project, client, variant.language, None, None,
                                           CLIENT_OPTIONS))
        if found:
            raise ValidationError(list(found))
    page, problems = compose(project, document, variant, client)
    if page is None:
        raise RenderError(problems)
    if client is not None and copies is not None:
        output = copies.render(document, page)
    else:
        output = render_page(project, document, page)
    problems += output.problems + over_limit(project, document, page, output)
    if errors_only(problems):
        raise RenderError(problems)
    return InMemory(variant, output.pdf, output.pages,
                    [p for p in problems if p.severity is Severity.WARNING])
