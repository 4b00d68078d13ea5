"""PDF writing: the only module that imports WeasyPrint.

Keeps one font configuration and the parsed theme stylesheet per process (parsing
CSS and loading fonts cost more than laying out a one-page handout), fetches
resources only from allowed places, and turns WeasyPrint's log messages (missing
image, bad CSS, refused fetch) into :class:`~handouts.errors.Problem` s instead of
letting them scroll past.
"""

from __future__ import annotations

import io
import logging
import mimetypes
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.css.properties import INITIAL_VALUES
from weasyprint.document import Page as LaidOutPage
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from handouts.errors import Problem, Severity

#: Largest single resource (image, font, stylesheet) a handout may load.
MAX_RESOURCE_BYTES = 20_000_000
#: Accessible by default: tagged PDF/UA-1 with the document title shown by viewers.
PDF_VARIANT = "pdf/ua-1"
#: For filing into patient records: archival PDF/A-3u (Unicode text, still tagged).
ARCHIVE_VARIANT = "pdf/a-3u"


#: Decompression bombs: a small PNG can claim billions of pixels. 40 MP is a large photo.
MAX_IMAGE_PIXELS = 40_000_000


def _pixel_count(data: bytes) -> int | None:
    """Width x height from the image header, without decoding the pixels."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # We judge the size ourselves, against our own (lower) limit.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return image.width * image.height
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None


class RenderTimeout(BaseException):
    """The render ran past its time limit (a BaseException so WeasyPrint cannot swallow it)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`RenderTimeout` in this (main) thread after ``seconds``."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield  # signals only work in the main thread; workers run tasks there
        return

    def expire(signum: int, frame: object) -> None:
        raise RenderTimeout

    def ignore_timeout(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, RenderTimeout):
            previous_hook(unraisable)

    # If the alarm lands in a callback from C (Pango, cffi), Python cannot raise it
    # there and reports it as "unraisable"; so the timer repeats every 50 ms until the
    # exception lands in ordinary Python code, and those swallowed ones are not shown.
    previous_hook = sys.unraisablehook
    sys.unraisablehook = ignore_timeout
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.unraisablehook = previous_hook


class FetchRefused(ValueError):
    """A resource was outside the allowed places; WeasyPrint logs it and we report it."""


class RestrictedFetcher(URLFetcher):
    """Fetch only files inside the allowed folders, ``data:`` URIs, and allowed hosts.

    Everything else (other ``file://`` paths, ``..`` escapes, symlinks pointing out,
    devices, ftp, and http/https to any host not listed in ``allowed_hosts``) is
    refused, so a handout can never read the clinic's files or reach its network.

    ``fallbacks`` pairs an override folder with the theme folder it overrides: a
    file URL inside the override folder that does not exist there is looked up at
    the same relative path in the theme folder (and nowhere else), so a copy of the
    theme's stylesheet in ``templates/`` still finds the theme's fonts.
    """

    def __init__(self, roots: tuple[Path, ...], allowed_hosts: tuple[str, ...] = (),
                 timeout: float = 10,
                 fallbacks: tuple[tuple[Path, Path], ...] = ()) -> None:
        super().__init__(timeout=timeout, allowed_protocols=("file", "data", "http", "https"),
                         allow_redirects=False)
        self.roots = _resolved(roots)
        self.allowed_hosts = tuple(h.lower() for h in allowed_hosts)
        self.fallbacks = fallbacks
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Return the resource at ``url`` or raise :class:`FetchRefused`."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme in ("http", "https"):
            if (parts.hostname or "").lower() not in self.allowed_hosts:
                return self._refuse(url, "remote resources are off (list the host under "
                                         "resources.allowed_hosts in handouts.yaml to allow it)")
            return self._remote(url, headers)
        if scheme != "file":
            return self._refuse(url, "only files inside the project can be used")
        path = Path(unquote(parts.path))
        theme = self._fallback(path)
        if theme is not None:
            path = theme[1]
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return self._refuse(url, "file not found")
        if not any(real.is_relative_to(root) for root in self.roots):
            return self._refuse(url, "it is outside the project folder")
        if theme is not None and not real.is_relative_to(theme[0].resolve()):
            return self._refuse(url, "it is outside the theme folder")
        if not real.is_file():
            return self._refuse(url, "it is not a regular file")
        if real.stat().st_size > MAX_RESOURCE_BYTES:
            return self._refuse(url, f"it is larger than {MAX_RESOURCE_BYTES:,} bytes")
        mime = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
        return self._checked(url, real.read_bytes(), mime)

    def _fallback(self, path: Path) -> tuple[Path, Path] | None:
        """(theme folder, the theme's file) for a missing file of an override folder."""
        # Normalised without following links: "templates/../../x" is not in templates/.
        normal = Path(os.path.normpath(path))
        for folder, theme in self.fallbacks:
            if normal.is_relative_to(folder) and normal != folder \
                    and not os.path.lexists(normal):
                return theme, theme / normal.relative_to(folder)
        return None

    def _remote(self, url: str, headers: dict[str, str] | None) -> URLFetcherResponse:
        response = super().fetch(url, headers)
        try:
            data = response.read(MAX_RESOURCE_BYTES + 1)
        finally:
            response.close()
        if len(data) > MAX_RESOURCE_BYTES:
            return self._refuse(url, f"it is larger than {MAX_RESOURCE_BYTES:,} bytes")
        return self._checked(url, data, response.content_type)

    def _checked(self, url: str, data: bytes, mime: str) -> URLFetcherResponse:
        if mime.startswith("image/") and mime != "image/svg+xml":
            pixels = _pixel_count(data)
            if pixels is None:
                return self._refuse(url, "it is not a readable image")
            if pixels > MAX_IMAGE_PIXELS:
                return self._refuse(url, f"the image has {pixels:,} pixels; the limit is "
                                         f"{MAX_IMAGE_PIXELS:,} (resize it)")
        return URLFetcherResponse(url, data, {"Content-Type": mime})

    def _refuse(self, url: str, reason: str) -> URLFetcherResponse:
        # Recorded here as well as raised: WeasyPrint logs some failed fetches (fonts)
        # only at debug level, and a refusal must never pass silently.
        message = f"refused to load {url}: {reason}"
        self.refused.append(message)
        raise FetchRefused(message)


@lru_cache(maxsize=16)
def _resolved(roots: tuple[Path, ...]) -> tuple[Path, ...]:
    return tuple(r.resolve() for r in roots)


@dataclass
class Rendered:
    """The result of one render: the PDF bytes, its page count and what WeasyPrint said."""

    pdf: bytes
    pages: int
    problems: list[Problem] = field(default_factory=list)
    #: The text laid out on each page (margin boxes included), for checks.
    texts: list[str] = field(default_factory=list)


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _captured_logs() -> Iterator[_Collector]:
    """Collect WeasyPrint's warnings and errors for this render only."""
    logger = weasyprint.LOGGER
    collector = _Collector()
    logger.addHandler(collector)
    # Stop the records reaching the root logger's handlers: we report them ourselves.
    propagate, logger.propagate = logger.propagate, False
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        logger.propagate = propagate


@dataclass
class Layout:
    """A laid-out document: written to PDF later, or reused for personal copies."""

    document: Any  # weasyprint.Document; Any so that callers need not import WeasyPrint
    problems: list[Problem] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """How many pages the document has."""
        return len(self.document.pages)


class Engine:
    """A WeasyPrint renderer reused across documents in one process."""

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        #: Parsed stylesheets by (path, mtime), with what parsing them reported.
        self._stylesheets: dict[tuple[Path, int], tuple[weasyprint.CSS, list[_Note]]] = {}

    def stylesheet(self, path: Path, fetcher: RestrictedFetcher) -> weasyprint.CSS:
        """Parse ``path`` once (per modification time) and keep it for later documents."""
        return self._parsed(path, fetcher)[0]

    def _parsed(self, path: Path, fetcher: RestrictedFetcher
                ) -> tuple[weasyprint.CSS | None, list[_Note]]:
        """The parsed stylesheet and the messages of parsing it (refused loads, bad CSS).

        The messages are kept with the stylesheet and given to every render that uses
        it: a refused ``@import`` must fail every variant, not only the first one.
        The file itself is read through ``fetcher``, so a stylesheet linked from
        outside the project is refused like any other resource.
        """
        try:
            key = (path, path.stat().st_mtime_ns)
        except OSError:
            key = (path, -1)
        cached = self._stylesheets.get(key)
        if cached is not None:
            return cached
        before = len(fetcher.refused)
        with _captured_logs() as logs:
            try:
                css = weasyprint.CSS(url=path.as_uri(), font_config=self.font_config,
                                     url_fetcher=fetcher)
            except Exception as exc:  # refused or unreadable: reported, page unstyled
                css = None
                if len(fetcher.refused) == before:
                    fetcher.refused.append(f"could not load stylesheet {path.as_uri()}: {exc}")
        notes = [_Note(logging.ERROR, m) for m in fetcher.refused[before:]]
        del fetcher.refused[before:]
        notes += [_Note(r.levelno, r.getMessage().splitlines()[0]) for r in logs.records
                  if "refused to load" not in r.getMessage()]
        if css is None:
            return None, notes  # not kept: the next render tries again
        self._stylesheets[key] = (css, notes)
        return css, notes

    def render(self, html: str, *, base_dir: Path, source: str, roots: tuple[Path, ...],
               stylesheet: Path | None = None, stylesheets: Sequence[Path] = (),
               allowed_hosts: tuple[str, ...] = (),
               fallbacks: tuple[tuple[Path, Path], ...] = (),
               archive: bool = False) -> Rendered:
        """Render ``html`` (resolving relative URLs against ``base_dir``) to PDF bytes.

        ``stylesheets`` apply in order (``stylesheet``, if given, first); ``fallbacks``
        are passed to the :class:`RestrictedFetcher`. ``source`` names the content file
        in any problem WeasyPrint reports. Callers bound the time with
        :func:`time_limit` around this (or ``lay_out`` + ``write``).
        """
        layout = self.lay_out(html, base_dir=base_dir, stylesheet=stylesheet,
                              stylesheets=stylesheets, source=source, roots=roots,
                              allowed_hosts=allowed_hosts, fallbacks=fallbacks)
        return self.write(layout, source=source, archive=archive)

    def lay_out(self, html: str, *, base_dir: Path, source: str, roots: tuple[Path, ...],
                stylesheet: Path | None = None, stylesheets: Sequence[Path] = (),
                allowed_hosts: tuple[str, ...] = (),
                fallbacks: tuple[tuple[Path, Path], ...] = ()) -> Layout:
        """Parse, style and paginate ``html``; nothing is written yet."""
        fetcher = RestrictedFetcher(roots, allowed_hosts, fallbacks=fallbacks)
        sheets, problems = [], []
        for path in ([stylesheet] if stylesheet is not None else []) + list(stylesheets):
            css, notes = self._parsed(path, fetcher)
            # A project's own stylesheet is named in its messages; the theme's are not
            # the user's to fix, so they are reported against the content file.
            where = path.relative_to(base_dir).as_posix() \
                if path.is_relative_to(base_dir) else source
            problems += [_note_problem(note, where) for note in notes]
            if css is not None:
                sheets.append(css)
        with _captured_logs() as logs:
            document = weasyprint.HTML(
                string=html, base_url=base_dir.as_uri() + "/", url_fetcher=fetcher,
            ).render(font_config=self.font_config, stylesheets=sheets)
        problems += [Problem(source, None, "render", message) for message in fetcher.refused]
        problems += [_problem(r, source) for r in logs.records
                     if "refused to load" not in r.getMessage()]
        return Layout(document, problems)

    def write(self, layout: Layout, *, source: str, archive: bool = False) -> Rendered:
        """The PDF of ``layout``: tagged PDF/UA-1, or PDF/A-3u with ``archive``."""
        with _captured_logs() as logs:
            # A fixed identifier keeps the output byte-identical across builds. Archival
            # PDF/A-3u stays tagged, so it is as accessible as the PDF/UA default.
            pdf = layout.document.write_pdf(
                pdf_variant=ARCHIVE_VARIANT if archive else PDF_VARIANT, pdf_tags=True,
                pdf_identifier=b"handouts", custom_metadata=True)
        problems = layout.problems + [_problem(r, source) for r in logs.records]
        texts = [" ".join(_texts(page._page_box)) for page in layout.document.pages]
        return Rendered(pdf=pdf, pages=layout.pages, problems=problems, texts=texts)

    def block_height(self, layout: Layout, css_class: str) -> float | None:
        """The height of the one ``css_class`` block of a one-page ``layout``, else None."""
        try:
            found = _block_path(layout.document.pages, css_class)
            if found is None or layout.pages != 1:
                return None
            return float(found[1][-1].margin_height())
        except Exception:  # internals changed: see swap_block
            return None

    def swap_block(self, base: Layout, piece: Layout, css_class: str) -> Layout | None:
        """``base`` with its ``css_class`` block replaced by the one laid out in ``piece``.

        Both must hold exactly one such block, of the same size and at the same x, so
        nothing around it moves; the piece's block must be styled as the page's (same
        elements above it, same computed style: see :func:`_same_context`); the page's
        block must lie on one page, inside its content area. Otherwise None (the
        caller then renders the whole document). WeasyPrint
        writes fonts, text and tags from the laid-out boxes, so the result is written
        exactly like a full render of the same HTML.
        """
        try:
            return self._swap(base, piece, css_class)
        except Exception:
            # This reads WeasyPrint's box tree, which is not public API: if a release
            # changes it, the caller renders in full, which is always right (and
            # tests/test_personal.py fails, so it gets noticed).
            return None

    def _swap(self, base: Layout, piece: Layout, css_class: str) -> Layout | None:
        found = _block_path(base.document.pages, css_class)
        replacement = _block_path(piece.document.pages, css_class)
        if found is None or replacement is None or piece.pages != 1:
            return None
        page_index, path = found
        old, new = path[-1], replacement[1][-1].deepcopy()
        if not (_close(old.border_width(), new.border_width())
                and _close(old.border_height(), new.border_height())
                and _close(old.margin_height(), new.margin_height())
                and _close(old.position_x, new.position_x)
                and _same_context(path, replacement[1])
                and _on_page(path[0], old)):
            return None
        new.translate(old.position_x - new.position_x, old.position_y - new.position_y)
        for parent in reversed(path[:-1]):
            # copy(), not copy_with_children(), which also resets the original box.
            copy = parent.copy()
            copy.children = [new if child is old else child for child in parent.children]
            old, new = parent, copy
        pages = list(base.document.pages)
        pages[page_index] = LaidOutPage(new)
        document = base.document.copy(pages)
        # The piece repeats the page's <head>: its messages may already be the base's.
        extra = [problem for problem in piece.problems if problem not in base.problems]
        return Layout(document, base.problems + extra)


def _close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-3


def _same_context(path: list[Any], piece_path: list[Any]) -> bool:
    """Whether the block was laid out in the piece as it would be in the page.

    Same size is not enough: a template that puts the block inside another element
    (which passes on its font, colour or width), or a style rule that matches the
    block by its neighbours, would style it differently in the page than alone. So
    the elements above the block must be the same ones (tag and class), as wide, and
    the block and each of them must have the same computed style (fonts included).
    """
    if len(path) != len(piece_path):
        return False
    for box, piece_box in zip(path[1:], piece_path[1:], strict=True):
        if (box.element_tag != piece_box.element_tag
                or box.element.get("class") != piece_box.element.get("class")
                or not _close(box.width, piece_box.width)
                or _style(box) != _style(piece_box)):
            return False
    # Inside the block, each kind of element (by tag and class, from the block down)
    # must be styled alike: the page's block is another client's, so it has the
    # same kinds of elements whenever it has the same size.
    return _styles_inside(path[-1]) == _styles_inside(piece_path[-1])


def _style(box: Any) -> tuple[Any, ...]:
    return tuple(box.style[name] for name in INITIAL_VALUES)


def _styles_inside(block: Any) -> dict[tuple[tuple[str, str], ...], tuple[Any, ...]]:
    """The computed style of each kind of element in ``block``, by its path of
    (tag, class) from the block down."""
    styles: dict[tuple[tuple[str, str], ...], tuple[Any, ...]] = {}
    stack: list[tuple[Any, Any, tuple[tuple[str, str], ...]]] = [(block, None, ())]
    while stack:
        box, parent_element, trail = stack.pop()
        element = getattr(box, "element", None)
        if element is not None and element is not parent_element:  # a new element
            trail = (*trail, (box.element_tag, element.get("class") or ""))
            styles.setdefault(trail, _style(box))
        stack.extend((child, element, trail) for child in getattr(box, "children", ()))
    return styles


def _on_page(page_box: Any, block: Any) -> bool:
    """Whether the block lies wholly inside the page's content area (not cut off at
    its bottom, where a full render could paginate another block differently)."""
    top = page_box.content_box_y()
    return (block.position_y >= top - 1e-3
            and block.position_y + block.margin_height() <= top + page_box.height + 1e-3)


def _block_path(pages: list[Any], css_class: str) -> tuple[int, list[Any]] | None:
    """The page index and the boxes from the page box down to the one ``css_class`` box."""
    found = None
    for index, page in enumerate(pages):
        stack: list[list[Any]] = [[page._page_box]]
        while stack:
            path = stack.pop()
            box = path[-1]
            element = getattr(box, "element", None)
            classes = (element.get("class") or "").split() if element is not None else []
            if css_class in classes and "::" not in box.element_tag:
                if found is not None:
                    return None  # split across pages, or more than one
                found = (index, path)
                continue
            stack.extend([*path, child] for child in getattr(box, "children", ()))
    return found


def _texts(box: Any) -> Iterator[str]:
    """Every piece of text in a laid-out box tree, in order."""
    stack = [box]
    while stack:  # iterative: deep box trees must not hit the recursion limit
        current = stack.pop()
        text = getattr(current, "text", None)
        if isinstance(text, str):
            yield text
        stack.extend(reversed(getattr(current, "children", ())))


@dataclass(frozen=True)
class _Note:
    """A message WeasyPrint gave (or a refusal), kept with a cached stylesheet."""

    level: int
    message: str


def _note_problem(note: _Note, source: str) -> Problem:
    return _problem(logging.makeLogRecord({"levelno": note.level, "msg": note.message}), source)


def _problem(record: logging.LogRecord, source: str) -> Problem:
    message = record.getMessage().splitlines()[0]
    severity = Severity.ERROR if record.levelno >= logging.ERROR else Severity.WARNING
    # A missing or refused resource is never acceptable in a printed handout.
    if "Failed to load" in message or "refused" in message:
        severity = Severity.ERROR
    return Problem(source, None, "render", message, severity)


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
    from weasyprint.text import ffi

    number = ffi.pango.pango_version()  # e.g. 15012 for 1.50.12
    pango_version = f"{number // 10000}.{number // 100 % 100}.{number % 100}"
    # WeasyPrint subsets fonts with HarfBuzz when it can load it, else with fontTools,
    # which makes every render about 3x slower.
    subset = getattr(ffi, "harfbuzz_subset", None) is not None
    return EngineInfo(weasyprint.__version__, pango_version, subset)
