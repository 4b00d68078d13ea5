"""The log-capture rules: WeasyPrint's log records turned into problems.

WeasyPrint is lenient like a browser: a missing image, bad CSS or a refused fetch is
only *logged*. Every record of its loggers (and of the font and image libraries it
calls) is captured during a render, whatever the application's logging setup, and
judged by one table of rules (``_RULES``); the records then go on to
:data:`ENGINE_LOG` for ``-vv``.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from handouts.errors import Problem, Severity

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


class Collector:
    """The records of one render (in one thread)."""

    def __init__(self) -> None:
        self.records: list[logging.LogRecord] = []


#: The collectors of the renders running in each thread (innermost last).
_active = threading.local()


class _Router(logging.Handler):
    """The one handler on the engine's loggers: each record goes to the collectors of
    the renders running in the thread that logged it (renders in other threads, such
    as the desk's, never see it), or on to :data:`ENGINE_LOG` outside any render."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)

    def handle(self, record: logging.LogRecord) -> bool:  # type: ignore[override]
        collectors = getattr(_active, "collectors", None)
        if collectors:
            for collector in collectors:
                collector.records.append(record)
        elif ENGINE_LOG.isEnabledFor(record.levelno):
            ENGINE_LOG.handle(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        self.handle(record)


_ROUTER = _Router()
_ENGINE_LOGGERS = [logging.getLogger(name) for name in _LOGGERS + _CHILDREN]


def _listen() -> None:
    """Have every record of the engine's loggers reach :data:`_ROUTER`, whatever the
    application's logging setup: each logger at DEBUG, enabled, its records kept from
    propagating (we report them ourselves; children reach their parent's router).

    Set once, and again only where something changed it since: setting a level takes
    logging's global lock for every logger there is, which each render took several
    times, from every thread rendering (and a lock left held there stops every thread
    that logs)."""
    for logger in _ENGINE_LOGGERS:
        if logger.level != logging.DEBUG:
            logger.setLevel(logging.DEBUG)
        if logger.disabled:
            logger.disabled = False
        child = logger.name in _CHILDREN
        if logger.propagate != child:
            logger.propagate = child
        if not child and _ROUTER not in logger.handlers:
            logger.addHandler(_ROUTER)


@contextmanager
def captured_logs() -> Iterator[Collector]:
    """Collect every record of the engine's loggers logged by this thread during one
    render, whatever the application's logging setup (``-q``, ``-vv``, a root level
    of CRITICAL): some failures are logged at debug level only, and what counts as a
    problem must not depend on it. Afterwards the records go on to :data:`ENGINE_LOG`
    for whoever wants the detail.
    """
    _listen()
    collector = Collector()
    collectors = getattr(_active, "collectors", None)
    if collectors is None:
        collectors = _active.collectors = []
    collectors.append(collector)
    try:
        yield collector
    finally:
        collectors.remove(collector)
        for record in collector.records:
            if ENGINE_LOG.isEnabledFor(record.levelno):
                ENGINE_LOG.handle(record)


def page_problems(source: str, refused: list[str],
                   records: list[logging.LogRecord]) -> list[Problem]:
    """Problems of one page's render, all reported against its content file."""
    problems = [Problem(source, None, "render", message) for message in refused]
    for record in records:
        severity = _severity(record)
        if severity is not None:
            problems.append(Problem(source, None, "render", _message(record), severity))
    return list(dict.fromkeys(problems))


def stylesheet_problems(path: Path, base_dir: Path, refused: list[str],
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


