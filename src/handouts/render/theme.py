"""HTML rendering: one Jinja environment, autoescaped and strict, with filters registered here.

The default theme ships inside the package (``handouts/theme``); a project's own
``templates/`` folder overrides any file of it by name, and an optional
``templates/extra.css`` is applied after the theme's stylesheet. Paper size and
large print are parameters of the one theme, never copies of it. Templates run in
a sandbox and their mistakes become located problems (see :mod:`handouts.render.overrides`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
from babel.dates import format_date
from markupsafe import Markup, escape

from handouts.errors import Problem
from handouts.paths import THEME_DIR
from handouts.project import markdown
from handouts.project.config import AudienceText, Clinic
from handouts.project.content import Handout
from handouts.project.images import aspect_ratio
from handouts.project.languages import own_catalog
from handouts.project.schema import Paper
from handouts.render.engine.timelimit import TemplateTimeout, template_time_limit
from handouts.render.overrides import (
    HandoutSandbox,
    OverrideLoader,
    Pinned,
    TemplateFailure,
    check_templates,
    template_problem,
)
from handouts.render.qr import qr_data_uri
from handouts.render.scripts import is_rtl
from handouts.variants.clients import Client
from handouts.variants.i18n import theme_translations

TEMPLATE_NAME = "handout.html.j2"
STYLESHEET_NAME = "handout.css"
#: A project's small CSS changes, applied after the theme stylesheet (like mkdocs extra_css).
EXTRA_STYLESHEET_NAME = "extra.css"
#: The right-to-left mirror of the layout, applied after the theme stylesheet on pages
#: in a right-to-left language (Arabic, Hebrew, Farsi, Urdu...).
RTL_STYLESHEET_NAME = "rtl.css"

#: Paper sizes the theme is designed for, as CSS ``@page size`` values.
PAPER_SIZES: dict[str, str] = {"letter": "8.5in 11in", "a4": "210mm 297mm"}


@dataclass(frozen=True)
class FontFace:
    """A project font (``fonts:`` in handouts.yaml) as one ``@font-face`` rule of the page."""

    family: str
    #: The file, relative to the project root and percent-encoded (safe inside ``url("")``).
    url: str
    weight: int

    @property
    def rule(self) -> Markup:
        """The ``@font-face`` rule; safe inside <style>, where HTML escaping would break it."""
        return Markup(f'@font-face {{ font-family: "{_css_text(self.family)}"; '
                      f'font-weight: {int(self.weight)}; src: url("{_css_text(self.url)}"); }}')


@dataclass(frozen=True)
class PlanBox:
    """The "Your plan" box of a handout given in a home program: its dose, worded in
    the page's language, and the therapist's note for it."""

    dose: str
    note: str | None = None


#: The masthead logo's height, and the widest a wide logo may be, in mm.
LOGO_HEIGHT_MM = 12.0
LOGO_MAX_WIDTH_MM = 50.0


@dataclass(frozen=True)
class Page:
    """Everything the handout template may use; templates never see raw dicts."""

    handout: Handout
    clinic: Clinic
    language: str
    paper: Paper
    large_print: bool
    qr: str | None
    colors: dict[str, str]
    audience: AudienceText | None = None
    client: Client | None = None
    #: Body text size in pt chosen by ``fit: shrink``; None keeps the theme's size.
    base_size: float | None = None
    #: Fitting classes the renderer puts on <html> (``fit-tight``...: see handouts.render.fitting).
    fit: tuple[str, ...] = ()
    #: The project's fonts for this page, and the font-family stack that uses them
    #: (both empty without ``fonts:``: the theme's stylesheet alone decides).
    fonts: tuple[FontFace, ...] = ()
    font_stack: tuple[str, ...] = ()
    #: The project folder, whose ``locale/<language>.po`` adds to the theme's words
    #: (filled in by :func:`render_html`).
    project_root: Path | None = None
    #: In a home program: the dose and note printed in the personal block.
    plan: PlanBox | None = None
    #: The personal block after the "Stop right away if" callout instead of before the
    #: introduction (when it would push the callout off the first page).
    personal_late: bool = False
    #: In a home program: this page's first page number and the packet's page count.
    numbering: tuple[int, int] | None = None

    @property
    def logo_style(self) -> str:
        """The logo's box in its own shape (the masthead's ``<img style>``): as tall as
        the clinic's name (12 mm) and as wide as its shape makes it, at most 50 mm (a
        wide wordmark is then less tall). Empty when its shape cannot be told: the
        stylesheet's 12 mm square then holds it, never stretched (object-fit)."""
        if not self.clinic.logo or self.project_root is None:
            return ""
        ratio = aspect_ratio(self.project_root / self.clinic.logo)
        if ratio is None:
            return ""
        width, height = LOGO_HEIGHT_MM * ratio, LOGO_HEIGHT_MM
        if width > LOGO_MAX_WIDTH_MM:
            width, height = LOGO_MAX_WIDTH_MM, LOGO_MAX_WIDTH_MM / ratio
        return f"width: {width:.2f}mm; height: {height:.2f}mm"

    @property
    def direction(self) -> str:
        """``rtl`` for a right-to-left language, else ``ltr`` (the <html dir>)."""
        return "rtl" if is_rtl(self.language) else "ltr"

    @property
    def font_family(self) -> Markup:
        """CSS ``font-family`` value of :attr:`font_stack` (no generic family: every
        printed character is in a declared font, see ``handouts.checks.glyphs``)."""
        return Markup(", ".join(f'"{_css_text(name)}"' for name in self.font_stack))

    @property
    def page_size(self) -> str:
        """CSS ``@page size`` for the paper."""
        return PAPER_SIZES[self.paper]

    @property
    def page_counter(self) -> Markup:
        """CSS ``content`` for "Page X of Y" in this page's language.

        Marked safe for the template: it goes into a <style> element, where HTML
        escaping would corrupt it, and double quotes are removed from the words.
        """
        words = theme_translations(self.language, self.project_root).gettext(
            "Page {page} of {pages}")
        parts = re.split(r"(\{page\}|\{pages\})", words)
        total = f'"{self.numbering[1]}"' if self.numbering else "counter(pages)"
        css = {"{page}": "counter(page)", "{pages}": total}
        return Markup(" ".join(css.get(p) or '"' + _css_text(p) + '"' for p in parts if p))


    @property
    def counter_share(self) -> int:
        """The share (percent) of the footer's width that "Page X of Y" takes, at the
        right: a fifth, or what the words in this language need on one line at the
        footer's size ("Página 10 de 23" in large print on A4 wrapped in a fifth). The
        clinic's details take the rest (``page-style.html.j2`` counts their lines)."""
        words = theme_translations(self.language, self.project_root).gettext(
            "Page {page} of {pages}")
        digits = len(str(self.numbering[1])) if self.numbering else 1
        text = words.replace("{page}", "9" * digits).replace("{pages}", "9" * digits)
        need = (_ems(text) + 0.5) * self.footer_size / self.body_width
        return max(20, min(40, math.ceil(need * 100)))

    @property
    def footer_size(self) -> float:
        """The running footer's text size (pt), as handout.css and the large-print rule
        of ``page-style.html.j2`` set it."""
        return FOOTER_SIZE[self.large_print]

    @property
    def body_width(self) -> float:
        """The width (pt) between the page's side margins, which the footer spans."""
        return PAPER_WIDTH[self.paper] - 2 * SIDE_MARGIN[self.large_print]


def _ems(text: str) -> float:
    """A generous estimate of ``text``'s width in em: a wide (CJK) character 1, a digit
    or capital 0.6, a space 0.3, anything else 0.5 (Atkinson Hyperlegible's lower case
    averages 0.49)."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF"
               else 0.6 if c.isdigit() or c.isupper() else 0.3 if c.isspace() else 0.5
               for c in text)


#: The footer's text size (pt) and the page's side margins (pt), by large print; the
#: paper's width (pt). As in handout.css and page-style.html.j2.
FOOTER_SIZE = {False: 8.5, True: 14.0}
SIDE_MARGIN = {False: 45.4, True: 51.0}
PAPER_WIDTH = {"letter": 612.0, "a4": 595.3}


def _css_text(words: str) -> str:
    """Words safe inside a double-quoted CSS string in a <style> element."""
    return re.sub(r'["\\<>]', "", words)


def mix(color: str, with_color: str, amount: float) -> str:
    """Blend ``amount`` (0-1) of ``with_color`` into ``color``; both ``#RRGGBB``."""
    a = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(with_color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02X}" for x, y in zip(a, b, strict=True))


def palette(clinic: Clinic) -> dict[str, str]:
    """The theme's colours, all derived from the two brand colours."""
    primary, accent = clinic.colors.primary, clinic.colors.accent
    return {
        "primary": primary,
        "primary-dark": mix(primary, "#000000", 0.25),
        "primary-tint": mix(primary, "#FFFFFF", 0.90),
        "primary-soft": mix(primary, "#FFFFFF", 0.75),
        "accent": accent,
        "accent-dark": mix(accent, "#000000", 0.20),
        "accent-tint": mix(accent, "#FFFFFF", 0.92),
    }


def _date(value: dt.date, language: str) -> str:
    return format_date(value, format="long", locale=language.replace("-", "_"))


def _overrides(templates_dir: Path | None) -> frozenset[str]:
    if templates_dir is None or not templates_dir.is_dir():
        return frozenset()
    return frozenset(p.name for p in templates_dir.iterdir())


def environment(templates_dir: Path | None, language: str = "en",
                pinned: Pinned | None = None) -> jinja2.Environment:
    """The Jinja environment for a project and language; see :func:`_environment`.

    ``pinned``: the templates to use instead of the files of ``templates/`` (the front
    desk's last good ones, while those files have errors; see :func:`template_sources`).
    """
    # Keyed by the override files present, so adding or removing one takes effect
    # even in a long-running process (Jinja's own cache only notices edits).
    # And by the version of the project's own theme words (locale/<language>.po).
    own = own_catalog(templates_dir.parent, language) if templates_dir else None
    words = own.stat().st_mtime_ns if own is not None and own.is_file() else 0
    return _environment(templates_dir, language, _overrides(templates_dir), words, pinned)


@lru_cache(maxsize=32)
def _environment(templates_dir: Path | None, language: str,
                 overrides: frozenset[str], words_version: int = 0,
                 pinned: Pinned | None = None) -> jinja2.Environment:
    """The Jinja environment for a project and language (cached per process).

    Autoescape is on for every template and undefined names are errors, so a typo
    in a template fails loudly instead of printing nothing. The theme's words go
    through gettext (``_()``), so the same template serves every language. It is a
    sandbox that loads only from ``templates/`` and the theme: an override template
    cannot reach Python internals, change its data or read other files.
    """
    env = HandoutSandbox(
        loader=OverrideLoader(templates_dir if overrides or pinned else None, THEME_DIR,
                              pinned),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    root = templates_dir.parent if templates_dir is not None else None  # the project folder
    words = theme_translations(language, root)
    # Jinja marks a translation safe (Markup) before filling it in: a catalog entry would
    # reach the page as HTML. Escaped here, a theme word is plain text like any other
    # (the variables filled into it are escaped by Jinja, as before).
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: escape(words.gettext(message)),
        lambda singular, plural, n: escape(words.ngettext(singular, plural, n)),
        newstyle=True)
    env.filters["md"] = markdown.render_inline
    env.filters["date"] = _date
    env.filters["own_direction"] = own_direction
    return env


#: The marks that hold a text's punctuation to its own direction (LRM, RLM).
DIRECTION_MARKS = {"ltr": "\u200e", "rtl": "\u200f"}


def text_direction(text: str) -> str:
    """``ltr`` or ``rtl``: the direction of ``text``'s first letter that has one, ``""``
    when none has."""
    for char in str(text):
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return ""


def own_direction(text: str, page_direction: str) -> str:
    """``text`` (a therapist's note, which may be written in another language than the
    page) with a direction mark at each end when its direction is not the page's: an
    English note on an Arabic page printed its full stop at its start (".Go slow").
    The marks print nothing; the renderer has no CSS ``unicode-bidi`` to do this."""
    direction = text_direction(text)
    if direction in ("", page_direction):
        return text
    mark = DIRECTION_MARKS[direction]
    return f"{mark}{text}{mark}"


def forget_environments() -> None:
    """Drop the cached environments, so the next page reads the catalogs again (the
    built-in ones are not watched for changes: tests that swap them call this)."""
    _environment.cache_clear()


def validate_templates(templates_dir: Path) -> list[Problem]:
    """Every problem of a project's override templates, found before anything is rendered.

    Syntax errors in any ``*.j2`` file of ``templates/``, included or extended
    templates that do not exist, and links pointing out of the project.
    """
    return check_templates(environment(templates_dir), templates_dir)


def stylesheet_path(templates_dir: Path | None) -> Path:
    """The theme stylesheet: the project's override if it has one, else the package's."""
    if templates_dir is not None and (templates_dir / STYLESHEET_NAME).is_file():
        return templates_dir / STYLESHEET_NAME
    return THEME_DIR / STYLESHEET_NAME


def stylesheet_paths(templates_dir: Path | None, language: str = "en") -> tuple[Path, ...]:
    """The stylesheets of a page, in order: the theme's (or its override), ``rtl.css``
    for a right-to-left language (the project's override of it if it has one), then
    ``extra.css``."""
    sheets = [stylesheet_path(templates_dir)]
    if is_rtl(language):
        own = templates_dir / RTL_STYLESHEET_NAME if templates_dir is not None else None
        sheets.append(own if own is not None and own.is_file()
                      else THEME_DIR / RTL_STYLESHEET_NAME)
    if templates_dir is not None:
        extra = templates_dir / EXTRA_STYLESHEET_NAME
        if extra.is_file() or extra.is_symlink():
            sheets.append(extra)  # loaded through the restricted fetcher, which checks links
    return tuple(sheets)


#: ``url(...)`` and ``@import "..."`` in a stylesheet (the file they name), and comments.
_CSS_REFERENCE = re.compile(
    r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""", re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def stylesheet_references(text: str) -> list[tuple[int, str]]:
    """What a stylesheet's ``text`` loads with ``url()`` or ``@import "..."``: each
    reference as written, with its line (commented-out ones left out)."""
    # Comments blanked, not removed, so that the lines after them keep their numbers.
    text = _CSS_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    return [(text.count("\n", 0, m.start()) + 1, (m.group(2) or m.group(4) or "").strip())
            for m in _CSS_REFERENCE.finditer(text)]


def render_html(page: Page, templates_dir: Path | None, pinned: Pinned | None = None) -> str:
    """Render the handout page to an HTML string (with the ``pinned`` templates instead
    of the files of ``templates_dir`` when given: see :func:`environment`).

    Raises :class:`~handouts.render.overrides.TemplateFailure` (a located problem) for any
    mistake in a template: an undefined name, a sandbox violation, a missing include.
    """
    env = environment(templates_dir, page.language, pinned)
    if templates_dir is not None and page.project_root is None:
        page = dataclasses.replace(page, project_root=templates_dir.parent)

    def render(page: Page) -> str:
        return fill(env, TEMPLATE_NAME, templates_dir, files=pinned is None, page=page,
                    h=page.handout, clinic=page.clinic)

    try:
        html = render(page)
    except TemplateFailure as failure:
        stand_in = with_stand_ins(page)
        if stand_in is page:
            raise
        raise TemplateFailure([said_of_stand_ins(failure.problems[0],
                                                 lambda: render(stand_in))]) from None
    return with_numbering(with_breaks(html, page.fit), page.numbering)


#: What a page's personal details are replaced with when a template fails with them
#: (see :func:`said_of_stand_ins`): words that say what they stand for.
STAND_INS = {"name": "(the client's name)", "note": "(the client's note)",
             "therapist": "(the therapist)", "dose": "(the dose)",
             "plan_note": "(the note for this handout)"}
#: The next appointment's stand-in: a date that is nobody's.
STAND_IN_DATE = dt.date(2000, 1, 1)


def stand_in_client(client: Client) -> Client:
    """``client`` with every detail replaced by its stand-in (a detail left out stays out)."""
    return Client(STAND_INS["name"], STAND_INS["note"] if client.note else None,
                  STAND_INS["therapist"] if client.therapist else None,
                  STAND_IN_DATE if client.next_appointment else None)


def with_stand_ins(page: Page) -> Page:
    """``page`` with its client's details and its plan replaced by stand-ins; ``page``
    itself when it has neither."""
    if page.client is None and page.plan is None:
        return page
    client = stand_in_client(page.client) if page.client is not None else None
    plan = None if page.plan is None else PlanBox(
        STAND_INS["dose"] if page.plan.dose else "",
        STAND_INS["plan_note"] if page.plan.note else None)
    return dataclasses.replace(page, client=client, plan=plan)


def said_of_stand_ins(problem: Problem, render_stand_in: Callable[[], object]) -> Problem:
    """What to say of a template that failed on a page with a client's details, never
    the details: Python's and Jinja's messages quote values (``{{ h[page.client.note] }}``
    has "no attribute" the note; a multi-line note or a word of the name got past any
    search for the values). The page is rendered again with stand-ins for the details
    (:func:`with_stand_ins`): when that fails too, its problem is said, quoting at most a
    stand-in; when it does not, the template fails only with these details, and the
    problem names the template's line without a message from the render."""
    try:
        render_stand_in()
    except TemplateFailure as failure:
        return failure.problems[0]
    return dataclasses.replace(problem, message=(
        "fails with this client's details, and not with others (its message is not "
        "shown: it would repeat them); look at what this line does with page.client or "
        "page.plan"))


def fill(env: jinja2.Environment, name: str, templates_dir: Path | None, *,
         files: bool = True, **context: object) -> str:
    """The template ``name`` of ``env`` filled in with ``context``, within the time
    limit of filling in templates; any mistake (its own or the limit's) is raised as a
    :class:`~handouts.render.overrides.TemplateFailure` at the template's line.

    A file of ``templates/`` that ran past the limit is not run again until it changes
    (``files``: ``env`` reads the files, not the desk's last good copies): one named
    copy fills its page in several times (fitting, the client's block), and waited the
    limit each time (a desk copy took 40 s before the last good templates served it).
    """
    if files and (known := _timed_out(templates_dir)) is not None:
        raise TemplateFailure([known])
    try:
        template = env.get_template(name)
        with template_time_limit():
            return template.render(**context)
    except Exception as exc:  # a template is a program: whatever it raises is its mistake
        problem = template_problem(exc, templates_dir, THEME_DIR, name)
        if files and templates_dir is not None and isinstance(exc, TemplateTimeout) and \
                problem.path.startswith("templates/"):
            path = templates_dir.parent / problem.path
            with contextlib.suppress(OSError):
                _TIMED_OUT[path] = (path.stat().st_mtime_ns, problem)
        raise TemplateFailure([problem]) from None


#: Template files that ran past the filling-in limit: their version then, and the
#: problem said (see :func:`fill`). Forgotten when the file changes.
_TIMED_OUT: dict[Path, tuple[int, Problem]] = {}


def _timed_out(templates_dir: Path | None) -> Problem | None:
    """The problem of a file of ``templates_dir`` that ran past the limit and has not
    changed since, if any."""
    for path, (version, problem) in list(_TIMED_OUT.items()):
        if templates_dir is None or not path.is_relative_to(templates_dir):
            continue
        try:
            if path.stat().st_mtime_ns == version:
                return problem
        except OSError:
            pass
        _TIMED_OUT.pop(path, None)
    return None


def with_numbering(html: str, numbering: tuple[int, int] | None) -> str:
    """``html`` numbered from ``numbering[0]`` (a part of a packet; the page counter
    itself says "of" the packet's count, see :attr:`Page.page_counter`)."""
    if numbering is None:
        return html
    head_end = html.find("</head>")
    if head_end < 0:
        return html
    rule = f"<style>@page :first {{ counter-reset: page {int(numbering[0])}; }}</style>"
    return f"{html[:head_end]}{rule}{html[head_end:]}"


#: The prefixes of fitting entries that balance the last two pages: a page break before
#: a block (``fit-break-benefits``, ``fit-break-step-7``), or a page whose body ends
#: higher (``fit-short-2-96``: page 2, 96 pt shorter), so its last lines flow on.
BREAK_PREFIX, SHORT_PREFIX = "fit-break-", "fit-short-"


def break_selector(block: str) -> str:
    """The CSS selector of a measured block (``benefits``, ``step 7``; see
    :func:`handouts.render.engine.internals.measure`), by the classes the theme gives it."""
    if block.startswith("step "):
        return f".steps li.step:nth-of-type({int(block.split()[1])})"
    return "." + re.sub(r"[^a-z-]", "", block)


def break_blocks(fit: tuple[str, ...]) -> list[str]:
    """The measured blocks (``benefits``, ``step 7``) that ``fit`` starts a page with."""
    return [name[len(BREAK_PREFIX):].replace("step-", "step ", 1)
            for name in fit if name.startswith(BREAK_PREFIX)]


def with_breaks(html: str, fit: tuple[str, ...]) -> str:
    """``html`` with a page break before each block that ``fit`` names, and each page
    it shortens shortened.

    A rule added to the page's ``<head>`` rather than a hook in the template: a clinic's
    own template that keeps the theme's classes is balanced the same way.
    """
    blocks = break_blocks(fit)
    rules = [", ".join(break_selector(b) for b in blocks) + " { break-before: page; }"
             ] if blocks else []
    for name in fit:
        if name.startswith(SHORT_PREFIX):
            number, points = (int(n) for n in name[len(SHORT_PREFIX):].split("-"))
            rules.append(f"@page :nth({number}) {{ padding-bottom: {points}pt; }}")
    if not rules:
        return html
    rule = " ".join(rules)
    head_end = html.find("</head>")
    if head_end < 0:
        return html
    return f"{html[:head_end]}<style>{rule}</style>{html[head_end:]}"


def make_page(handout: Handout, clinic: Clinic, *, paper: Paper,
              large_print: bool, audience: AudienceText | None = None,
              client: Client | None = None,
              fonts: tuple[tuple[FontFace, ...], tuple[str, ...]] = ((), ()),
              plan: PlanBox | None = None) -> Page:
    """Build the template's view of one variant (``fonts``: faces and family stack;
    ``plan``: the dose and note of a handout given in a home program)."""
    colors = palette(clinic)
    qr = qr_data_uri(clinic.booking_url, colors["primary-dark"]) if clinic.booking_url else None
    return Page(handout=handout, clinic=clinic, language=handout.language, paper=paper,
                large_print=large_print, qr=qr, colors=colors, audience=audience,
                client=client, fonts=fonts[0], font_stack=fonts[1], plan=plan)


__all__ = ["FontFace", "Page", "Pinned", "PlanBox", "TemplateFailure", "break_blocks",
           "environment", "fill", "make_page",
           "render_html", "stylesheet_path", "stylesheet_paths", "stylesheet_references",
           "validate_templates",
           "with_numbering"]
