"""Helpers the tests share: project copies and edits, running the CLI, reading PDFs back.

One version of each, so that every test reads a PDF, edits a project file and runs
`handouts` the same way. Fixtures stay in ``conftest.py``; fixture *projects* with a
purpose of their own stay in their modules (``tests/variant_project.py``).
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader

from handouts.cli import cli
from handouts.commands.build import build
from handouts.errors import HandoutsError
from handouts.project.load import load_project
from handouts.render.engine import pdf as engine
from handouts.render.result import Rendered
from handouts.render.theme import THEME_DIR

#: The repository's root: the example project (handouts.yaml, content/, ...) lives there.
REPO = Path(__file__).resolve().parent.parent

#: A PDF to read back: a file, or the bytes a render or a response returned.
PdfSource = Path | bytes


# ----------------------------------------------------------------------- projects

def copy_example(target: Path) -> Path:
    """The repository's example project (handouts.yaml, content, templates, assets),
    copied to ``target``, for tests that change it."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "handouts.yaml", target / "handouts.yaml")
    return target


def copy_project(source: Path, target: Path, *, with_output: bool = False) -> Path:
    """A copy of the project in ``source`` at ``target``: its inputs only, or with what
    it had built (``with_output``), for a test that changes or rebuilds a shared one."""
    shutil.copytree(source, target,
                    ignore=None if with_output else shutil.ignore_patterns("output"))
    return target


def edit(path: Path, old: str, new: str, *, every: bool = False) -> None:
    """Replace ``old`` with ``new`` in a text file: once, or ``every`` time it occurs.

    ``old`` must be in the file: an edit that silently changes nothing would let the
    test pass without trying what it says it tries.
    """
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, -1 if every else 1), encoding="utf-8")


def line_of(path: Path, needle: str, after: str = "") -> int:
    """The 1-based number of the first line of ``path`` that contains ``needle`` (at or
    after the first line that contains ``after``), for the line a message must name."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1


# --------------------------------------------------------------------- the CLI

def run(*args: str, input: str | None = None) -> Result:
    """``handouts ARGS``, in this process, with Click's test runner.

    A Python exception is raised rather than kept in the result: the user would see a
    traceback, so the test fails. Click's own exits (usage errors, ``HandoutsError``)
    come back as the result's exit code and stderr, as in a terminal.
    """
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False,
                              prog_name="handouts")


def run_in(project: Path, *args: str, input: str | None = None) -> Result:
    """``handouts -C PROJECT ARGS`` (see :func:`run`)."""
    return run("-C", str(project), *args, input=input)


def error_lines(result: Result) -> list[str]:
    """The problem lines a failed command printed on stderr, without the summary line
    (``2 errors; ...``)."""
    assert result.exit_code == 1, result.output
    return [line for line in result.stderr.splitlines() if not re.match(r"\d+ errors?;", line)]


# ---------------------------------------------------------------- problems raised

def load_problems(project: Path, error: type[HandoutsError] = HandoutsError) -> list[str]:
    """The formatted problems loading ``project`` raises (it must raise ``error``)."""
    with pytest.raises(error) as caught:
        load_project(project)
    return [p.format() for p in caught.value.problems]


def build_problems(project: Path, *names: str, error: type[HandoutsError] = HandoutsError,
                   **options: Any) -> list[str]:
    """The formatted problems building ``project`` raises (it must raise ``error``), after
    checking that nothing was written: every problem is found before any output."""
    with pytest.raises(error) as caught:
        build(load_project(project, names), **options)
    assert not (project / "output").exists()
    return [p.format() for p in caught.value.problems]


# -------------------------------------------------------------- the PDF engine

def render_body(html: str, root: Path) -> Rendered:
    """A page whose ``<body>`` is ``html``, rendered by the PDF engine alone with the
    theme's stylesheet, as if from ``content/x.yaml`` of a project in ``root`` (for the
    engine's guards: what it may load, time and size limits)."""
    page = f'<html lang="en"><head><title>t</title></head><body>{html}</body></html>'
    return engine.engine().render(page, base_dir=root, stylesheet=THEME_DIR / "handout.css",
                                  source="content/x.yaml", roots=(root, THEME_DIR))


# ------------------------------------------------------------------ reading PDFs

def _opened(pdf: PdfSource) -> Path | io.BytesIO:
    return io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf


def squeeze(text: str) -> str:
    """``text`` with every run of white space (line breaks too) made one space, for
    phrases the layout may wrap anywhere."""
    return " ".join(text.split())


def pdf_pages(pdf: PdfSource, *, squeezed: bool = False,
              by_position: bool = False) -> list[str]:
    """Each page's text; ``squeezed`` folds its white space (see :func:`squeeze`).

    By default as pypdf reads it, in the order of the page's content stream (the order
    the template wrote it). ``by_position`` reads it with pdfplumber instead, line by
    line from the top as a person reads the page, for tests about what is printed where.
    """
    if by_position:
        with pdfplumber.open(_opened(pdf)) as document:
            pages = [page.extract_text() or "" for page in document.pages]
    else:
        pages = [page.extract_text() for page in PdfReader(_opened(pdf)).pages]
    return [squeeze(page) for page in pages] if squeezed else pages


def pdf_text(pdf: PdfSource, *, squeezed: bool = False, by_position: bool = False) -> str:
    """All the pages' text, one page after the other (see :func:`pdf_pages`)."""
    text = "\n".join(pdf_pages(pdf, by_position=by_position))
    return squeeze(text) if squeezed else text


def pdf_page_count(pdf: PdfSource) -> int:
    """How many pages the PDF has."""
    return len(PdfReader(_opened(pdf)).pages)


def pdf_words(pdf: PdfSource, *attrs: str) -> list[list[dict[str, Any]]]:
    """Each page's words as pdfplumber finds them (text, position; ``attrs`` adds
    character attributes such as ``"fontname"`` or ``"size"``)."""
    with pdfplumber.open(_opened(pdf)) as document:
        return [page.extract_words(extra_attrs=list(attrs)) for page in document.pages]


def pdf_fonts(pdf: PdfSource) -> set[str]:
    """The names of the fonts the pages use, without the subset prefix (``ABCDEF+``)."""
    fonts = set()
    for page in PdfReader(_opened(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return fonts


def pdfs_in(folder: Path) -> dict[str, bytes]:
    """Every PDF under ``folder`` by its path relative to it, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*.pdf"))}


def only_pdf(project: Path) -> Path:
    """The one PDF in ``project``'s output folder (the test fails if there are more)."""
    [pdf] = (project / "output").rglob("*.pdf")
    return pdf
