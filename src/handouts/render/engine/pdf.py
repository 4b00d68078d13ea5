"""The engine: WeasyPrint laying out and writing handouts, reused across documents.

Keeps one font configuration and the parsed theme stylesheet per process (parsing
CSS and loading fonts cost more than laying out a one-page handout), fetches
resources only through the :class:`~handouts.render.engine.fetcher.RestrictedFetcher`,
and turns WeasyPrint's log messages (missing image, bad CSS, refused fetch) into
:class:`~handouts.errors.Problem` s (:mod:`handouts.render.engine.enginelog`) instead of
letting them scroll past. What it reads from the laid-out boxes goes through
:mod:`handouts.render.engine.internals`.
"""

from __future__ import annotations

# First: WeasyPrint's libraries opened without ~20 subprocesses (see the module).
from handouts.render.engine import libraries  # noqa: F401

# isort: split
import multiprocessing.util
import shutil
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import weasyprint
from weasyprint.text.fonts import FontConfiguration

from handouts.errors import Problem
from handouts.render.engine import internals, writer  # noqa: F401 (writer: applied on import)
from handouts.render.engine.enginelog import captured_logs, page_problems, stylesheet_problems
from handouts.render.engine.fetcher import RestrictedFetcher
from handouts.render.result import Rendered

#: Accessible by default: tagged PDF/UA-1 with the document title shown by viewers.
PDF_VARIANT = "pdf/ua-1"
#: For filing into patient records: archival PDF/A-3u (Unicode text, still tagged).
ARCHIVE_VARIANT = "pdf/a-3u"


@dataclass
class Layout:
    """A laid-out document: written to PDF later, or reused for personal copies."""

    document: Any  # weasyprint.Document; Any so that callers need not import WeasyPrint
    problems: list[Problem] = field(default_factory=list)
    #: The fetcher the document's resources came from: SVG images and attachments
    #: are fetched only when the PDF is written, and their refusals are kept here.
    fetcher: RestrictedFetcher | None = None

    @property
    def pages(self) -> int:
        """How many pages the document has."""
        return len(self.document.pages)


@dataclass(frozen=True)
class _Stylesheet:
    """A parsed stylesheet and the problems found while parsing it."""

    css: Any  # weasyprint.CSS
    problems: tuple[Problem, ...]


def _remove_font_folder(font_config: Any) -> None:
    """Remove ``font_config``'s temporary font folder, if it made one."""
    folder = internals.font_folder(font_config)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


class Engine:
    """A WeasyPrint renderer reused across documents in one process."""

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        # WeasyPrint copies @font-face fonts into a temporary folder that only its
        # __del__ removes, which never runs for an object alive at exit: every command
        # left one behind (19 MB with the Noto CJK fonts; QA found 27 after ten
        # minutes). Removed at exit, from the command and from each worker process
        # (multiprocessing runs these finalizers before a worker exits).
        multiprocessing.util.Finalize(self, _remove_font_folder, args=(self.font_config,),
                                      exitpriority=0)
        #: Parsed stylesheets by file version and fetch rules, with their problems.
        self._stylesheets: dict[tuple[Any, ...], _Stylesheet] = {}

    def stylesheet(self, path: Path, *, base_dir: Path, roots: tuple[Path, ...],
                   allowed_hosts: tuple[str, ...] = (),
                   fallbacks: tuple[tuple[Path, Path], ...] = ()) -> _Stylesheet:
        """Parse ``path`` once (per modification time) and keep it for later documents.

        Its problems (CSS the engine skipped, refused ``@import`` or fonts) are kept
        with it, so that every document using it reports them, not only the first.
        The file itself is read through the restricted fetcher, so a stylesheet linked
        from outside the project is refused like any other resource.
        """
        try:
            stat = path.stat()
            version: tuple[int, int] = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            version = (-1, -1)
        key = (path, version, base_dir, roots, allowed_hosts, fallbacks)
        sheet = self._stylesheets.get(key)
        if sheet is not None:
            return sheet
        fetcher = RestrictedFetcher(roots, allowed_hosts, fallbacks=fallbacks)
        with captured_logs() as logs:
            try:
                css = weasyprint.CSS(url=path.as_uri(), font_config=self.font_config,
                                     url_fetcher=fetcher)
            except Exception as exc:  # refused or unreadable: reported, page unstyled
                css = None
                if not fetcher.refused:
                    fetcher.refused.append(f"could not load stylesheet {path.as_uri()}: {exc}")
        sheet = _Stylesheet(css, stylesheet_problems(path, base_dir, fetcher.refused,
                                                      logs.records))
        if css is not None:  # a stylesheet that failed to load is tried again next time
            self._stylesheets[key] = sheet
        return sheet

    def render(self, html: str, *, base_dir: Path, source: str, roots: tuple[Path, ...],
               stylesheet: Path | None = None, stylesheets: Sequence[Path] = (),
               allowed_hosts: tuple[str, ...] = (),
               fallbacks: tuple[tuple[Path, Path], ...] = (),
               archive: bool = False) -> Rendered:
        """Render ``html`` (resolving relative URLs against ``base_dir``) to PDF bytes.

        ``stylesheets`` apply in order (``stylesheet``, if given, first); ``fallbacks``
        are passed to the :class:`RestrictedFetcher`. ``source`` names the content file
        in any problem WeasyPrint reports. Callers bound the time with
        :func:`~handouts.render.engine.timelimit.run_limited` around this (or
        ``lay_out`` + ``write``).
        """
        layout = self.lay_out(html, base_dir=base_dir, stylesheet=stylesheet,
                              stylesheets=stylesheets, source=source, roots=roots,
                              allowed_hosts=allowed_hosts, fallbacks=fallbacks)
        return self.write(layout, source=source, archive=archive)

    def lay_out(self, html: str, *, base_dir: Path, source: str, roots: tuple[Path, ...],
                stylesheet: Path | None = None, stylesheets: Sequence[Path] = (),
                allowed_hosts: tuple[str, ...] = (),
                fallbacks: tuple[tuple[Path, Path], ...] = (),
                margin_boxes: bool = True) -> Layout:
        """Parse, style and paginate ``html``; nothing is written yet. Without
        ``margin_boxes``, the pages get no header or footer: for a block laid out only
        to be measured and moved (see :func:`internals.without_margin_boxes`)."""
        paths = ([stylesheet] if stylesheet is not None else []) + list(stylesheets)
        sheets = [self.stylesheet(path, base_dir=base_dir, roots=roots,
                                  allowed_hosts=allowed_hosts, fallbacks=fallbacks)
                  for path in paths]
        fetcher = RestrictedFetcher(roots, allowed_hosts, fallbacks=fallbacks)
        with captured_logs() as logs, (
                internals.without_margin_boxes() if not margin_boxes else nullcontext()):
            document = weasyprint.HTML(
                string=html, base_url=base_dir.as_uri() + "/", url_fetcher=fetcher,
            ).render(font_config=self.font_config,
                     stylesheets=[sheet.css for sheet in sheets if sheet.css is not None])
        problems = [problem for sheet in sheets for problem in sheet.problems]
        problems += page_problems(source, fetcher.refused, logs.records)
        return Layout(document, problems, fetcher)

    def combine(self, layouts: Sequence[Layout]) -> Layout:
        """One layout of the pages of ``layouts``, in order (a home program's packet),
        with the first one's metadata (title, language) and every one's problems.

        WeasyPrint's documented way to join documents (``Document.copy``): each page
        keeps its own boxes, so tags, links and outline entries come along.
        """
        first = layouts[0]
        pages = [page for layout in layouts for page in layout.document.pages]
        problems = [problem for layout in layouts for problem in layout.problems]
        return Layout(first.document.copy(pages), problems, first.fetcher)


    def write(self, layout: Layout, *, source: str, archive: bool = False) -> Rendered:
        """The PDF of ``layout``: tagged PDF/UA-1, or PDF/A-3u with ``archive``."""
        fetcher = layout.fetcher
        refused_before = len(fetcher.refused) if fetcher is not None else 0
        metadata = layout.document.metadata
        if metadata.lang and "_" in metadata.lang:
            # The PDF's /Lang is a BCP 47 tag (es-MX): a language written the gettext
            # way (es_MX) was written as it is, which screen readers do not read.
            metadata.lang = metadata.lang.replace("_", "-")
        with captured_logs() as logs:
            # A fixed identifier keeps the output byte-identical across builds. Archival
            # PDF/A-3u stays tagged, so it is as accessible as the PDF/UA default.
            pdf = layout.document.write_pdf(
                pdf_variant=ARCHIVE_VARIANT if archive else PDF_VARIANT, pdf_tags=True,
                pdf_identifier=b"handouts", custom_metadata=True)
        refused = fetcher.refused[refused_before:] if fetcher is not None else []
        problems = layout.problems + page_problems(source, refused, logs.records)
        return Rendered(pdf=pdf, pages=layout.pages, problems=problems,
                        texts=internals.page_texts(layout.document))

    def block_height(self, layout: Layout, css_class: str) -> float | None:
        """The height of the one ``css_class`` block of a one-page ``layout``, else None."""
        try:
            return internals.block_height(layout.document, css_class)
        except Exception:  # internals changed: see swap_block
            return None

    def pages_holding(self, layout: Layout, css_class: str) -> set[int] | None:
        """The indexes of the pages of ``layout`` holding a ``css_class`` box; None
        when WeasyPrint's boxes cannot be read (the caller then changes nothing)."""
        try:
            return internals.pages_holding(layout.document, css_class)
        except Exception:  # internals changed: see swap_block
            return None

    def swap_block(self, base: Layout, piece: Layout, css_class: str) -> Layout | None:
        """``base`` with its ``css_class`` block replaced by the one laid out in ``piece``.

        Both must hold exactly one such block, of the same size and at the same x, so
        nothing around it moves; the piece's block must be styled as the page's (same
        elements above it, same computed style); the page's block must lie on one page,
        inside its content area. Otherwise None (the caller then renders the whole
        document). WeasyPrint writes fonts, text and tags from the laid-out boxes, so
        the result is written exactly like a full render of the same HTML.
        """
        try:
            document = internals.swap_block(base.document, piece.document, css_class)
        except Exception:
            # This reads WeasyPrint's box tree, which is not public API: if a release
            # changes it, the caller renders in full, which is always right (and
            # tests/test_engine_internals.py fails, so it gets noticed).
            return None
        if document is None:
            return None
        # The piece repeats the page's <head>: its messages may already be the base's.
        extra = [problem for problem in piece.problems if problem not in base.problems]
        return Layout(document, base.problems + extra, base.fetcher)

    def measure(self, layout: Layout) -> list[dict[str, Any]]:
        """What each page of ``layout`` holds (see
        :func:`handouts.render.engine.internals.measure`); raises when WeasyPrint's
        boxes cannot be read (the caller then keeps the first layout)."""
        return internals.measure(layout.document)

    def hide_rules_at_page_tops(self, layout: Layout) -> None:
        """Drop the rule above a step that starts a page (see
        :func:`handouts.render.engine.internals.hide_rules_at_page_tops`)."""
        try:
            internals.hide_rules_at_page_tops(layout.document)
        except Exception:  # internals changed: the rule stays, as it always did
            return


_ENGINE: Engine | None = None


def engine() -> Engine:
    """The process-wide engine (fonts and parsed CSS are shared by every render)."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = Engine()
    return _ENGINE


@dataclass(frozen=True)
class EngineInfo:
    """What ``handouts doctor`` reports about the PDF engine."""

    weasyprint: str
    pango: str
    harfbuzz_subset: bool


def engine_info() -> EngineInfo:
    """Versions of WeasyPrint and Pango, and whether HarfBuzz's subsetter is present."""
    return EngineInfo(weasyprint.__version__, internals.pango_version(),
                      internals.harfbuzz_subset())
