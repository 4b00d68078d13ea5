"""``handouts build``: load and validate everything, render in memory, then write.

Two phases, so a problem anywhere means nothing is written and earlier PDFs stay
as they were.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from handouts.checks.gate import refuse_before_rendering
from handouts.checks.starter import printed_starter
from handouts.commands.fitting import add_fittings, read_kept
from handouts.commands.inmemory import variant_pdf
from handouts.commands.inputs import Inputs
from handouts.commands.options import version_options
from handouts.errors import (
    OptionError,
    OutputError,
    Problem,
    RenderError,
    Severity,
    ValidationError,
    errors_only,
)
from handouts.output import beside_batches, write_all, write_atomic
from handouts.project.load import Loaded
from handouts.project.namekey import name_key
from handouts.project.schema import Paper, PrintSize
from handouts.render.result import Fitting
from handouts.variants.clients import Client
from handouts.variants.naming import check_pattern, client_filename
from handouts.variants.plan import GENERAL, Variant
from handouts.variants.records import Given, given_record

#: Which version each plain-named PDF in the output folder is (``{"x.pdf": {...}}``),
#: so a build that replaces a different version can say so.
BUILT_RECORD = ".handouts-built.json"


@dataclass(frozen=True)
class Built:
    """One PDF written by a build; ``replaced`` names the different version it replaced."""

    variant: Variant
    path: Path
    pages: int
    replaced: str | None = None


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the PDFs written and any warnings."""

    built: list[Built]
    warnings: list[Problem]
    #: For named copies: the paragraph for the client's file (see
    #: :mod:`handouts.variants.records`); empty otherwise.
    record: str = ""


def build(loaded: Loaded, *, paper: Paper | None = None,
          out: Path | None = None, audience: str = GENERAL, language: str | None = None,
          print_size: PrintSize = "standard", client: Client | None = None,
          name_pattern: str | None = None, draft: bool = False,
          location: str | None = None) -> BuildResult:
    """Build the loaded handouts (:func:`~handouts.project.load.load_project`) in one variant.

    The project's default version (its default paper and language, the general audience,
    standard print) goes to ``<out>/<handout>.pdf``; every other version uses the batch
    layout (``<out>/<language>/<audience>/<handout>-<paper>-<print>.pdf``), and
    named-client copies go to ``<out>/clients/`` under a name that does not reveal
    the client (see :func:`handouts.variants.naming.client_filename`).

    ``draft`` previews a partial translation: untranslated texts are printed in the
    source language, tagged, under a "Draft" banner, in a file named ``...-draft.pdf``
    (never for a named client; ``batch`` never makes drafts).

    ``location`` picks one of a clinic group's locations (``clinic.locations``); its
    PDFs go under ``<out>/<location>/`` (default: the first location).

    Raises :class:`ValidationError` for bad input and :class:`RenderError` when any
    handout cannot be rendered; in both cases no file is written.
    """
    if draft and client is not None:  # a client only ever gets a finished handout
        raise ValidationError([Problem("", None, "--draft",
                                       "a draft cannot be made for a named client")])
    if name_pattern is not None:
        check_pattern(name_pattern)  # before any work: a bad pattern is a usage mistake
    project, documents = loaded.project, loaded.documents
    defaults = project.config.defaults
    out_dir = project.output_dir(out)
    location = version_options(project, audience=audience, language=language,
                               location=location)
    variants = [Variant(doc.name, audience, language or doc.handout.language,
                        paper or defaults.paper, print_size, location) for doc in documents]
    if client is not None and name_pattern is not None:
        # Before anything is rendered, as merge does: a pattern without {handout} (or a
        # name long enough to be cut short) gave two handouts one file, the second PDF
        # replacing the first.
        key = name_key(project.root)
        names = [client_filename(v, client, name_pattern, key=key) for v in variants]
        if len(set(names)) < len(names):
            raise OptionError([Problem("--name-pattern", None, "", (
                "gives two of these handouts the same file name, so one PDF would replace "
                "the other: add {handout} (or {hash}) to the pattern"))])
    refuse_before_rendering(project, documents, variants, client)
    # Only the project's default version keeps the simple name output/<handout>.pdf;
    # every other version uses the batch layout, whose name says which version it is,
    # so --paper a4 never silently replaces the letter PDF.
    plain = audience == GENERAL and language in (None, defaults.language) and \
        print_size == "standard" and paper in (None, defaults.paper)
    pending: list[tuple[Variant, Path, bytes, int]] = []
    problems: list[Problem] = list(loaded.warnings) + printed_starter(project)
    # Fitting paid once: a version whose inputs a batch or an earlier build already
    # fitted is laid out as decided (the same bytes as a search); a named copy tries
    # its version's decision first. Never for a draft, whose page is not the version's;
    # nothing of a named copy is kept (below: only versions without a client).
    keeps = not draft
    kept, hints = read_kept(out_dir) if keeps else ({}, {})
    inputs = Inputs(project) if keeps else None
    decided: list[tuple[str, str, Fitting]] = []
    for doc, variant in zip(documents, variants, strict=True):
        digest = inputs.hash(doc, variant) if inputs is not None else None
        output, found = variant_pdf(project, doc, variant, client, draft=draft,
                                    decision=kept.get(digest) if digest else None,
                                    hint=hints.get(variant.relpath))
        problems += found
        if output is None:
            continue
        if digest is not None and output.decision is not None and client is None:
            decided.append((variant.relpath, digest, output.decision))
        if client is not None:
            target = out_dir / "clients" / client_filename(variant, client, name_pattern,
                                                           key=name_key(project.root))
        elif plain:
            target = out_dir / (f"{location}/" if location else "") / f"{doc.name}.pdf"
        else:
            target = out_dir / variant.relpath
        if draft:  # never mistaken for (or overwriting) the finished handout
            target = target.with_name(f"{target.stem}-draft{target.suffix}")
        pending.append((variant, target, output.pdf, output.pages))
    if errors_only(problems):
        raise RenderError(problems)
    # Worded before anything is written: nothing is half done if it failed.
    record_text = "" if client is None else given_record(
        project, [Given(doc, variant) for doc, variant in zip(documents, variants, strict=True)],
        day=dt.date.today(), therapist=client.therapist)
    record_path = out_dir / BUILT_RECORD
    record = _read_record(record_path)
    built: list[Built] = []
    for variant, target, _, pages in pending:
        replaced = None
        if client is None and target.parent == out_dir:
            before = record.get(target.name)
            now = _describe(variant)
            if target.exists() and before is not None and before != now:
                replaced = _difference(before, now)
            record[target.name] = now
        built.append(Built(variant, target, pages, replaced))
    # Every PDF or none: writing one after the other stopped at the first that could not
    # be written (a folder in its place, a full disk), leaving the handouts after it with
    # their old contents (the old phone) and the ones before it written without a word.
    # A named copy goes to clients/, where no batch writes; other versions may be the
    # batch's own files (see beside_batches).
    with nullcontext() if client is not None else beside_batches(out_dir):
        written, failed = write_all([(target, data) for _, target, data, _ in pending])
    if failed:
        error = OutputError(failed)
        if not written:
            error.outcome = "nothing was written: every PDF keeps its previous version."
        raise error
    if client is None and any(t.parent == out_dir for _, t, _, _ in pending):
        write_atomic(record_path, (json.dumps(record, indent=2, sort_keys=True) + "\n").encode())
    # Kept after the PDFs: a failure here costs only the next build a search.
    problems += [dataclasses.replace(p, severity=Severity.WARNING)
                 for p in add_fittings(out_dir, decided)]
    return BuildResult(built, [p for p in problems if p.severity is Severity.WARNING],
                       record_text)


def _describe(variant: Variant) -> dict[str, str]:
    return {"paper": variant.paper, "print": variant.print,
            "language": variant.language, "audience": variant.audience}


def _read_record(path: Path) -> dict[str, dict[str, str]]:
    """The record of plain-named PDFs; a missing or damaged one is simply empty."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items()
            if isinstance(v, dict) and all(isinstance(x, str) for x in v.values())}


def _difference(before: dict[str, str], now: dict[str, str]) -> str:
    """How the replaced PDF differed, in the words of the options: ``the letter version``."""
    words = {"paper": lambda v: "A4" if v == "a4" else v,
             "print": lambda v: f"{v}-print",
             "language": lambda v: f"'{v}'",
             "audience": lambda v: f"{v} audience"}
    parts = [words[key](before[key]) for key in ("language", "audience", "paper", "print")
             if key in before and before[key] != now.get(key)]
    return f"the {', '.join(parts)} version" if parts else "a different version"
