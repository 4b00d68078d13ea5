"""PDF writing: the only module that imports WeasyPrint.

Keeps one font configuration and the parsed theme stylesheet per process (parsing
CSS and loading fonts cost more than laying out a one-page handout), fetches
resources only from allowed places, and turns WeasyPrint's log messages (missing
image, bad CSS, refused fetch) into :class:`~handouts.errors.Problem` s instead of
letting them scroll past.
"""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
import os
import re
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from xml.etree import ElementTree

import tinycss2
import weasyprint
from weasyprint.css.properties import INITIAL_VALUES
from weasyprint.document import Page as LaidOutPage
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from handouts.errors import Problem, Severity
from handouts.render.result import Rendered

#: Largest single resource (image, font, stylesheet) a handout may load.
MAX_RESOURCE_BYTES = 20_000_000
#: Accessible by default: tagged PDF/UA-1 with the document title shown by viewers.
PDF_VARIANT = "pdf/ua-1"
#: For filing into patient records: archival PDF/A-3u (Unicode text, still tagged).
ARCHIVE_VARIANT = "pdf/a-3u"


#: Decompression bombs: a small PNG can claim billions of pixels. 40 MP is a large photo.
MAX_IMAGE_PIXELS = 40_000_000


def _image_verdict(data: bytes) -> str | None:
    """Why ``data`` is not a usable raster image, or None when it is.

    The header is judged first (a small file can claim billions of pixels), then the
    pixels are decoded once: WeasyPrint embeds a cut-off PNG or JPEG as it is, and the
    printed page shows a broken picture without any message.
    """
    digest = hashlib.sha256(data).digest()
    if digest in _IMAGE_VERDICTS:
        return _IMAGE_VERDICTS[digest]
    verdict = _judge_image(data)
    if len(_IMAGE_VERDICTS) >= 256:
        _IMAGE_VERDICTS.clear()  # a batch uses a few images, again and again
    _IMAGE_VERDICTS[digest] = verdict
    return verdict


#: Verdicts by image content (sha256), so each image is decoded once per process.
_IMAGE_VERDICTS: dict[bytes, str | None] = {}


def _judge_image(data: bytes) -> str | None:
    from PIL import Image, ImageFile, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # We judge the size ourselves, against our own (lower) limit.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                pixels = image.width * image.height
                if pixels > MAX_IMAGE_PIXELS:
                    return (f"the image has {pixels:,} pixels; the limit is "
                            f"{MAX_IMAGE_PIXELS:,} (resize it)")
                # WeasyPrint switches this on for the whole process, which would make a
                # cut-off file decode "successfully" into grey.
                truncated, ImageFile.LOAD_TRUNCATED_IMAGES = \
                    ImageFile.LOAD_TRUNCATED_IMAGES, False
                try:
                    image.load()
                finally:
                    ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    except (UnidentifiedImageError, Image.DecompressionBombError):
        return "it is not a readable image"
    except (OSError, SyntaxError, ValueError) as exc:
        # e.g. "image file is truncated (130 bytes not processed)"
        return f"it is not a readable image ({exc})"
    return None


def _svg_verdict(data: bytes, url: str,
                 check: Callable[[str], str | None]) -> str | None:
    """Why the SVG ``data`` (loaded from ``url``) cannot be drawn in full, or None.

    WeasyPrint drops a broken SVG, and the parts of an SVG that refer to other files
    (``<use href="other.svg#x">``), without a word; and it fetches an SVG's own
    images only when the PDF is written, where a refusal could not be tied to the
    content line. So every reference is judged here, when the SVG itself is loaded:
    ``check`` gives the reason a referenced URL would be refused.
    """
    try:
        tree = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        return f"it is not a well-formed SVG file ({exc})"
    own = urldefrag(url)[0]
    for element in tree.iter():
        tag = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""
        if tag == "style" and element.text:
            reason = _svg_style_verdict(element.text, url, check)
            if reason is not None:
                return reason
        href = element.get(_XLINK_HREF) or element.get("href")
        if not href or tag == "a":  # a link, not something to draw
            continue
        target, fragment = urldefrag(urljoin(url, href.strip()))
        if tag == "image":
            if target.startswith("data:") or target == own:
                continue
            reason = check(target)
            if reason is not None:
                return f"its <image> refers to {target}, which was refused: {reason}"
        elif target != own and not target.startswith("data:"):
            return (f"its <{tag}> refers to {href.strip()} in another file, which the PDF "
                    "engine cannot draw (only references inside the same SVG, #id, work)")
        elif not fragment:
            return f"its <{tag}> has an href without an #id"
    return None


_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _svg_style_verdict(css: str, url: str, check: Callable[[str], str | None]) -> str | None:
    """Why an SVG's ``<style>`` cannot be used, or None: an ``@import`` in it.

    WeasyPrint 70 cannot load a stylesheet an SVG imports (it fails on every such SVG,
    with an empty message), and its fetch would bypass the place where a refusal is
    tied to the content line; so the import is judged here, and named.
    """
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.lower_at_keyword == "font-face" and rule.content:
            for target in _urls(rule.content, url):  # fetched when the SVG is drawn
                reason = check(target)
                if reason is not None:
                    return f"its <style> loads a font from {target}, which was refused: {reason}"
        if rule.type != "at-rule" or rule.lower_at_keyword != "import":
            continue
        token = next((t for t in rule.prelude if t.type not in ("whitespace", "comment")),
                     None)
        if token is not None and token.type == "function" and token.lower_name == "url":
            token = next((t for t in token.arguments if t.type == "string"), None)
        target = urljoin(url, token.value.strip()) if token is not None and \
            token.type in ("string", "url") else tinycss2.serialize(rule.prelude).strip()
        reason = check(target)
        if reason is not None:
            return f"its <style> imports {target}, which was refused: {reason}"
        return (f"its <style> imports {target}, which the PDF engine cannot do inside an "
                "SVG; copy those rules into the SVG's own <style>")
    return None


def _urls(tokens: Sequence[Any], base: str) -> Iterator[str]:
    """Every ``url(...)`` in CSS ``tokens`` (nested blocks included), made absolute."""
    for token in tokens:
        if token.type == "url":
            yield urljoin(base, token.value.strip())
        elif token.type == "function" and token.lower_name == "url":
            for argument in token.arguments:
                if argument.type == "string":
                    yield urljoin(base, argument.value.strip())
        elif token.type in ("() block", "[] block", "{} block", "function"):
            yield from _urls(token.content if token.type != "function" else token.arguments,
                             base)


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


class _Refusal(Exception):
    """Why a URL is refused (raised inside the fetcher, recorded once at the top)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: How deep SVGs may refer to SVGs that refer to SVGs (each level is checked).
MAX_SVG_DEPTH = 4


class RestrictedFetcher(URLFetcher):
    """Fetch only files inside the allowed folders, ``data:`` URIs, and allowed hosts.

    Everything else (other ``file://`` paths, ``..`` escapes, symlinks pointing out,
    devices, ftp, and http/https to any host not listed in ``allowed_hosts``) is
    refused, so a handout can never read the clinic's files or reach its network.

    ``fallbacks`` pairs an override folder with the theme folder it overrides: a
    file URL inside the override folder that does not exist there is looked up at
    the same relative path in the theme folder (and nowhere else), so a copy of the
    theme's stylesheet in ``templates/`` still finds the theme's fonts.
    Images are checked before WeasyPrint sees them: a raster image must decode, and
    an SVG must be well-formed with every reference in it allowed.
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
        try:
            return self._fetch(url, headers, depth=0)
        except _Refusal as refusal:
            # Recorded here as well as raised: WeasyPrint logs some failed fetches
            # (fonts) only at debug level, and a refusal must never pass silently.
            message = f"refused to load {url}: {refusal.reason}"
            self.refused.append(message)
            raise FetchRefused(message) from None

    def _fetch(self, url: str, headers: dict[str, str] | None,
               depth: int) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme in ("http", "https"):
            if (parts.hostname or "").lower() not in self.allowed_hosts:
                raise _Refusal("remote resources are off (list the host under "
                               "resources.allowed_hosts in handouts.yaml to allow it)")
            return self._remote(url, headers, depth)
        if scheme != "file":
            raise _Refusal("only files inside the project can be used")
        path = Path(unquote(parts.path))
        theme = self._fallback(path)
        if theme is not None:
            path = theme[1]
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise _Refusal("file not found") from None
        if real in _script_font_files():
            pass  # one of the theme's script fonts (Debian's Noto files): exactly these
        elif not any(real.is_relative_to(root) for root in self.roots):
            raise _Refusal("it is outside the project folder")
        if theme is not None and not real.is_relative_to(theme[0].resolve()):
            raise _Refusal("it is outside the theme folder")
        if not real.is_file():
            raise _Refusal("it is not a regular file")
        if real.stat().st_size > MAX_RESOURCE_BYTES:
            raise _Refusal(f"it is larger than {MAX_RESOURCE_BYTES:,} bytes")
        mime = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
        return self._checked(url, real.read_bytes(), mime, depth)

    def _fallback(self, path: Path) -> tuple[Path, Path] | None:
        """(theme folder, the theme's file) for a missing file of an override folder."""
        # Normalised without following links: "templates/../../x" is not in templates/.
        normal = Path(os.path.normpath(path))
        for folder, theme in self.fallbacks:
            if normal.is_relative_to(folder) and normal != folder \
                    and not os.path.lexists(normal):
                return theme, theme / normal.relative_to(folder)
        return None

    def _remote(self, url: str, headers: dict[str, str] | None,
                depth: int) -> URLFetcherResponse:
        response = super().fetch(url, headers)
        try:
            data = response.read(MAX_RESOURCE_BYTES + 1)
        finally:
            response.close()
        if len(data) > MAX_RESOURCE_BYTES:
            raise _Refusal(f"it is larger than {MAX_RESOURCE_BYTES:,} bytes")
        return self._checked(url, data, response.content_type, depth)

    def _checked(self, url: str, data: bytes, mime: str, depth: int) -> URLFetcherResponse:
        if mime == "image/svg+xml":
            reason = _svg_verdict(data, url, lambda ref: self._judge(ref, depth + 1))
        elif mime.startswith("image/"):
            reason = _image_verdict(data)
        else:
            reason = None
        if reason is not None:
            raise _Refusal(reason)
        return URLFetcherResponse(url, data, {"Content-Type": mime})

    def _judge(self, url: str, depth: int) -> str | None:
        """Why ``url`` (referred to by an SVG) would be refused, without recording it."""
        if depth > MAX_SVG_DEPTH:
            return f"SVG files refer to each other more than {MAX_SVG_DEPTH} levels deep"
        if urlsplit(url).scheme.lower() in ("http", "https") and \
                (urlsplit(url).hostname or "").lower() in self.allowed_hosts:
            return None  # allowed, and fetched (once) when the PDF is written
        try:
            self._fetch(url, None, depth).close()
        except _Refusal as refusal:
            return refusal.reason
        return None


def _script_font_files() -> frozenset[Path]:
    """The system script fonts the theme declares (Debian's Noto files): exactly these
    files, never their folders, are readable outside the project."""
    from handouts.render.scripts import allowed_files

    return _existing(allowed_files())


@lru_cache(maxsize=16)
def _existing(paths: tuple[Path, ...]) -> frozenset[Path]:
    # Keyed by the declared files, so a changed table (tests) is never served stale.
    return frozenset(path.resolve() for path in paths if path.exists())


def _resolved(roots: tuple[Path, ...]) -> tuple[Path, ...]:
    return tuple(r.resolve() for r in roots)


#: The loggers a render listens to: WeasyPrint's own, and the libraries it calls to
#: read fonts and images.
_LOGGERS = ("weasyprint", "fontTools", "PIL")
#: Children that must take their parent's level (and reach its collector) meanwhile.
_CHILDREN = ("weasyprint.progress",)

#: Every captured record is passed on here after a render, for ``-vv`` (the CLI adds a
#: handler). Detail only: what counts as a problem never depends on it.
ENGINE_LOG = logging.getLogger("handouts.engine")
ENGINE_LOG.addHandler(logging.NullHandler())
ENGINE_LOG.propagate = False

# Verdicts of the table below.
IGNORE, ERROR, CSS, BY_LEVEL = "ignore", "error", "css", "by level"

#: How a captured record counts: the first rule whose logger and pattern match wins.
#: Patterns match the record's *unformatted* message, as WeasyPrint 70 writes it (grep
#: its sources for ``LOGGER.``), so no URL or file name in the arguments can change a
#: verdict. ``BY_LEVEL``: ERROR and above is an error, WARNING a warning, below that
#: nothing. ``CSS``: CSS the engine skipped (warning level and above); an error in a
#: stylesheet file, a warning for CSS inside the page's own HTML.
_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (logger, re.compile(pattern), verdict) for logger, pattern, verdict in (
        # "Step 5 - Creating layout - Page 2": what the engine is doing.
        ("weasyprint.progress", r"", IGNORE),
        # A traceback, logged at debug level right after the error it explains.
        ("weasyprint", r"^(Error while |Original exception)", IGNORE),
        # A local() font that is not installed: the next src of the @font-face is
        # tried, and "Font-face ... cannot be loaded" follows if none works.
        ("weasyprint", r"^Failed to (get matching local font|load local font)", IGNORE),
        # A resource that was missing, refused or could not be decoded: images, SVGs
        # (also inline ones), stylesheets, attachments, and font files (those are
        # logged at debug level only).
        ("weasyprint", r"^Failed to ", ERROR),
        ("weasyprint", r"^Font-face .* cannot be loaded", ERROR),
        ("weasyprint", r"^Unsupported stylesheet type ", ERROR),
        ("weasyprint", r'^Missing href in <link rel="attachment">', ERROR),
        ("weasyprint", r"^(Relative URI reference without a base URI|Malformed (base )?URL)",
         ERROR),
        # HarfBuzz's subsetter is missing: only slower (``handouts doctor`` says so).
        ("weasyprint", r"^Using fontTools instead of HarfBuzz", IGNORE),
        # CSS that was skipped: "Ignored `colr: red` at 3:5, unknown property.",
        # parse errors, unknown rules and selectors (all carry "at line:column",
        # except the selector message).
        ("weasyprint", r"at %d:%d|^Invalid or unsupported selector", CSS),
        # Everything else WeasyPrint says (missing alt text, unknown anchors...).
        ("weasyprint", r"", BY_LEVEL),
        # Font and image libraries: debug lines about tables and PNG chunks are
        # chatter; their warnings and errors are kept.
        ("fontTools", r"", BY_LEVEL),
        ("PIL", r"", BY_LEVEL),
    ))

#: "at 12:5" in a CSS message: line 12 of the stylesheet.
_CSS_POSITION = re.compile(r"\bat (\d+):\d+\b")


def _verdict(record: logging.LogRecord) -> str:
    """What ``record`` means, from :data:`_RULES`."""
    message = record.msg if isinstance(record.msg, str) else str(record.msg)
    for logger, pattern, verdict in _RULES:
        if (record.name == logger or record.name.startswith(logger + ".")) and \
                pattern.search(message):
            if verdict == CSS and record.levelno < logging.WARNING:
                return IGNORE  # e.g. prefixed pseudo-elements, skipped on purpose
            return verdict
    return BY_LEVEL


def _severity(record: logging.LogRecord) -> Severity | None:
    """The severity ``record`` gets in the page's own render (None: not a problem)."""
    verdict = _verdict(record)
    if "refused to load" in record.getMessage():
        return None  # the fetcher's own message says it better, and is already kept
    if verdict == ERROR:
        return Severity.ERROR
    if verdict in (CSS, BY_LEVEL) and record.levelno >= logging.WARNING:
        return Severity.ERROR if verdict == BY_LEVEL and record.levelno >= logging.ERROR \
            else Severity.WARNING
    return None


def _message(record: logging.LogRecord) -> str:
    return record.getMessage().splitlines()[0]


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _captured_logs() -> Iterator[_Collector]:
    """Collect every record of the engine's loggers during one render.

    The application's logging setup (``-q``, ``-vv``, a root level of CRITICAL) must
    not decide what counts as a problem: some failures are logged at debug level
    only. So each logger is set to DEBUG for the duration and kept from propagating
    (we report the records ourselves), then restored; afterwards the records go to
    :data:`ENGINE_LOG` for whoever wants the detail.
    """
    collector = _Collector()
    saved = []
    for name in _LOGGERS + _CHILDREN:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.propagate, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        logger.propagate = name in _CHILDREN  # children reach their parent's collector
        if name in _LOGGERS:
            logger.addHandler(collector)
    try:
        yield collector
    finally:
        for logger, level, propagate, disabled in saved:
            logger.removeHandler(collector)
            logger.setLevel(level)
            logger.propagate = propagate
            logger.disabled = disabled
        for record in collector.records:
            if ENGINE_LOG.isEnabledFor(record.levelno):
                ENGINE_LOG.handle(record)


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


class Engine:
    """A WeasyPrint renderer reused across documents in one process."""

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
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
        with _captured_logs() as logs:
            try:
                css = weasyprint.CSS(url=path.as_uri(), font_config=self.font_config,
                                     url_fetcher=fetcher)
            except Exception as exc:  # refused or unreadable: reported, page unstyled
                css = None
                if not fetcher.refused:
                    fetcher.refused.append(f"could not load stylesheet {path.as_uri()}: {exc}")
        sheet = _Stylesheet(css, _stylesheet_problems(path, base_dir, fetcher.refused,
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
        paths = ([stylesheet] if stylesheet is not None else []) + list(stylesheets)
        sheets = [self.stylesheet(path, base_dir=base_dir, roots=roots,
                                  allowed_hosts=allowed_hosts, fallbacks=fallbacks)
                  for path in paths]
        fetcher = RestrictedFetcher(roots, allowed_hosts, fallbacks=fallbacks)
        with _captured_logs() as logs:
            document = weasyprint.HTML(
                string=html, base_url=base_dir.as_uri() + "/", url_fetcher=fetcher,
            ).render(font_config=self.font_config,
                     stylesheets=[sheet.css for sheet in sheets if sheet.css is not None])
        problems = [problem for sheet in sheets for problem in sheet.problems]
        problems += _page_problems(source, fetcher.refused, logs.records)
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
        with _captured_logs() as logs:
            # A fixed identifier keeps the output byte-identical across builds. Archival
            # PDF/A-3u stays tagged, so it is as accessible as the PDF/UA default.
            pdf = layout.document.write_pdf(
                pdf_variant=ARCHIVE_VARIANT if archive else PDF_VARIANT, pdf_tags=True,
                pdf_identifier=b"handouts", custom_metadata=True)
        refused = fetcher.refused[refused_before:] if fetcher is not None else []
        problems = layout.problems + _page_problems(source, refused, logs.records)
        texts = [" ".join(_texts(page._page_box)) for page in layout.document.pages]
        return Rendered(pdf=pdf, pages=layout.pages, problems=problems, texts=texts)

    def block_height(self, layout: Layout, css_class: str) -> float | None:
        """The height of the one ``css_class`` block of a one-page ``layout``, else None."""
        try:
            found = block_path(layout.document.pages, css_class)
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
        found = block_path(base.document.pages, css_class)
        replacement = block_path(piece.document.pages, css_class)
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
        return Layout(document, base.problems + extra, base.fetcher)


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


def block_path(pages: list[Any], css_class: str) -> tuple[int, list[Any]] | None:
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


def _page_problems(source: str, refused: list[str],
                   records: list[logging.LogRecord]) -> list[Problem]:
    """Problems of one page's render, all reported against its content file."""
    problems = [Problem(source, None, "render", message) for message in refused]
    for record in records:
        severity = _severity(record)
        if severity is not None:
            problems.append(Problem(source, None, "render", _message(record), severity))
    return list(dict.fromkeys(problems))


def _stylesheet_problems(path: Path, base_dir: Path, refused: list[str],
                         records: list[logging.LogRecord]) -> tuple[Problem, ...]:
    """Problems found while parsing a stylesheet: all errors, against that file.

    The project's own ``templates/handout.css`` is named relative to the project; a
    problem in the built-in theme is a bug in handouts, and says so.
    """
    try:
        display, suffix = path.relative_to(base_dir).as_posix(), ""
    except ValueError:
        display, suffix = str(path), " (a bug in the built-in theme of handouts; please report it)"
    problems = [Problem(display, None, "", message + suffix) for message in refused]
    for record in records:
        verdict = _verdict(record)
        if verdict == IGNORE or "refused to load" in record.getMessage() or (
                verdict == BY_LEVEL and record.levelno < logging.WARNING):
            continue
        message = _message(record)
        position = _CSS_POSITION.search(message) if verdict == CSS else None
        line = int(position.group(1)) if position else None
        problems.append(Problem(display, line, "", message + suffix))
    return tuple(dict.fromkeys(problems))


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


# ----------------------------------------------------------------- layout measure

#: Classes of the theme's top-level blocks that the layout measure reports, in the
#: order the theme prints them (see handouts.render.layout for what is judged).
MEASURED_CLASSES = ("masthead", "prepared-for", "stop-first", "intro", "needs", "steps",
                    "precautions", "benefits", "contact", "fine-print")


def measure_layout(layout: Layout) -> list[dict[str, Any]]:
    """What each page of ``layout`` holds, read from the laid-out boxes.

    Per page: ``height`` (the body area), ``used`` (from its top to the bottom of the
    last content drawn there: lines, pictures, and the padding and border of boxes
    that end on the page; a box that goes on to the next page is stretched to the
    page's bottom by the engine, so only its contents count), and ``blocks``: the
    theme's top-level sections (by class, see :data:`MEASURED_CLASSES`), each step
    (``step 2``) and each step picture (``picture 2``), in order, with their top and
    bottom on the page and whether they start and end there. Also
    ``one_word_lines``: the first word of each paragraph that starts here with a
    first line of one word and more lines after it. Plain data for the pure judge in
    :mod:`handouts.render.layout`; it reads WeasyPrint's box tree, which is not public API
    (tests/test_layout_fit.py notices a change).
    """
    pages = [page._page_box for page in layout.document.pages]
    seen = [_elements(page_box) for page_box in pages]
    steps: dict[int, int] = {}  # step element -> its number, in document order
    result = []
    for index, page_box in enumerate(pages):
        top = page_box.content_box_y()
        before = seen[index - 1] if index else set()
        after = seen[index + 1] if index + 1 < len(seen) else set()
        bottom = top
        blocks: list[dict[str, Any]] = []
        lines: dict[int, list[Any]] = {}  # paragraph -> its lines on this page
        html = [c for c in page_box.children if getattr(c, "element_tag", "") == "html"]
        stack: list[tuple[Any, int]] = [(box, 0) for box in html]
        while stack:
            box, step = stack.pop()
            element = getattr(box, "element", None)
            if _is_line(box) or _is_replaced(box):
                bottom = max(bottom, box.position_y + box.margin_height())
                if _is_line(box) and element is not None and element.tag == "p":
                    lines.setdefault(id(element), []).append(box)
                continue
            continues = element is not None and id(element) in after
            end = box.position_y + box.margin_top + box.border_height()
            if not continues and getattr(box, "element_tag", "") not in ("html", "body", "main"):
                bottom = max(bottom, end)
            name = _block_name(box, element)
            if name == "step":
                step = steps.setdefault(id(element), len(steps) + 1)
                name = f"step {step}"
            elif name == "figure":
                name = f"picture {step}"
            if name is not None:
                blocks.append({"name": name, "top": round(box.position_y - top, 2),
                               "bottom": round(end - top, 2),
                               "starts": id(element) not in before, "ends": not continues})
            stack.extend((child, step) for child in reversed(getattr(box, "children", ())))
        one_word = []
        for element_id, found in lines.items():
            first = found[0]
            words = " ".join(_texts(first)).split()
            if (element_id not in before and len(found) > 1 and len(words) == 1
                    and first.width < 0.5 * found[1].width):
                one_word.append(words[0])
        # A page shortened to balance the last two (``@page :nth(n) { padding-bottom }``)
        # is measured against the body area of a full page: its space left shows.
        result.append({"height": round(page_box.height + page_box.padding_bottom, 2),
                       "used": round(min(bottom - top, page_box.height), 2),
                       "blocks": blocks, "one_word_lines": one_word})
    return result


def hide_rules_at_page_tops(layout: Layout) -> None:
    """Drop the rule above a step that starts a page: it separates a step from the one
    before, and at the top of a page there is none. (No CSS selector knows where a page
    starts, so the laid-out box loses its top border before the PDF is written; the
    0.5 pt it took stays, unseen.)"""
    try:
        for page in layout.document.pages:
            stack = [page._page_box]
            first = True  # the first step box met on this page
            while stack and first:
                box = stack.pop()
                element = getattr(box, "element", None)
                if (element is not None and element.tag == "li" and not _is_line(box)
                        and "step" in (element.get("class") or "").split()):
                    first = False
                    if box.border_top_width and box.position_y - page._page_box.content_box_y() < 1:
                        box.border_top_width = 0
                    continue
                stack.extend(reversed(getattr(box, "children", ())))
    except Exception:  # internals changed: the rule stays, as it always did
        return


def _elements(page_box: Any) -> set[int]:
    """The elements with a block-level (not line) box on a page."""
    ids: set[int] = set()
    stack = [page_box]
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        if element is not None and not _is_line(box):
            ids.add(id(element))
        stack.extend(getattr(box, "children", ()))
    return ids


def _is_line(box: Any) -> bool:
    return type(box).__name__ == "LineBox"


def _is_replaced(box: Any) -> bool:
    return hasattr(box, "replacement")


def _block_name(box: Any, element: Any) -> str | None:
    """The name the measure gives ``box``: a theme class, ``step``, ``figure`` or None."""
    if element is None or "::" in getattr(box, "element_tag", "::"):
        return None
    classes = (element.get("class") or "").split()
    if element.tag == "li" and "step" in classes:
        return "step"
    if element.tag == "figure":
        return "figure"
    return next((c for c in MEASURED_CLASSES if c in classes), None)
