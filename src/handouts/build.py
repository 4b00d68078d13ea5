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
from handouts.i18n import language_name, theme_languages
from handouts.naming import check_pattern, client_filename
from handouts.output import write_atomic
from handouts.plan import GENERAL, Paper, PrintSize, Variant
from handouts.render import over_limit, render_page
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
    for doc in documents:
        # Checked here, against the content file's own line: left to the render step, an
        # unknown language was blamed on handouts.yaml (batch.languages, the clinic's words).
        if doc.handout.language not in theme_languages():
            problems.append(Problem(doc.display, doc.lines.line_of(("language",)), "language", (
                f"the theme has no {language_name(doc.handout.language)} words yet "
                f"(available: {', '.join(sorted(theme_languages()))})")))
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
          name_pattern: str | None = None, location: str | None = None) -> BuildResult:
    """Build the named handouts (all by default) in one variant.

    The everyday version (any paper) goes to ``<out>/<handout>.pdf``; other versions use the batch
    layout (``<out>/<language>/<audience>/<handout>-<paper>-<print>.pdf``), and
    named-client copies go to ``<out>/clients/`` under a name that does not reveal
    the client (see :func:`handouts.naming.client_filename`).

    ``location`` picks one of a clinic group's locations (``clinic.locations``); its
    PDFs go under ``<out>/<location>/`` (default: the first location).

    Raises :class:`ValidationError` for bad input and :class:`RenderError` when any
    handout cannot be rendered; in both cases no file is written.
    """
    if name_pattern is not None:
        check_pattern(name_pattern)  # before any work: a bad pattern is a usage mistake
    loaded: list[Problem] = []
    project, documents = load(root, names, warnings=loaded)
    defaults = project.config.defaults
    out_dir = project.output_dir(out)
    location = _location(project, location)
    variants = [Variant(doc.name, audience, language or doc.handout.language,
                        paper or defaults.paper, print_size, location) for doc in documents]
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
            target = out_dir / (f"{location}/" if location else "") / f"{doc.name}.pdf"
        else:
            target = out_dir / variant.relpath
        pending.append((variant, target, output.pdf, output.pages))
    if errors_only(problems):
        raise RenderError(problems)
    for _, target, data, _ in pending:
        write_atomic(target, data)
    built = [Built(v, target, pages) for v, target, _, pages in pending]
    return BuildResult(built, [p for p in problems if p.severity is Severity.WARNING])


def _location(project: Project, location: str | None) -> str | None:
    """The location to build for: ``--location``, else a clinic group's first location."""
    places = list(project.config.clinic.locations)
    if location is None:
        return places[0] if places else None
    if location not in places:
        known = ", ".join(places) if places else "none: handouts.yaml defines no clinic.locations"
        raise ValidationError([Problem("--location", None, "",
                                       f"unknown location '{location}' (known: {known})")])
    return location
