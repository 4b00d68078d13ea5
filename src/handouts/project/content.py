"""The content model: one handout per YAML file in ``content/``.

A handout is a title and intro, what you need, ordered technique steps (each with
an optional image that must have alt text, and an optional tip), precautions
(before you start, when to stop, when to call a professional), benefits, sources
and review information. Text fields accept inline Markdown; raw HTML is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from handouts.errors import Problem, Severity
from handouts.project import markdown
from handouts.project.images import file_verdict, oversized
from handouts.project.schema import (
    Language,
    MarkdownText,
    Mistakes,
    Model,
    PlainText,
    Slug,
    Text,
    alt_text_for,
    check_web_url,
    validate,
)
from handouts.project.sourcefile import LineMap, SourceFile, format_loc, nearest_date, read_yaml

#: Handout names become file names; keep them boring and safe everywhere.
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".svg", ".gif", ".webp"}

_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _day(value: Any) -> Any:
    """A calendar date exactly as written (``2026-02-28``), else a plain-worded error.

    Pydantic alone would read ``0`` as 1970-01-01 (seconds since 1970), accept a
    midnight datetime and say nothing useful about ``'2026-02-30'``.
    """
    if isinstance(value, dt.datetime):
        return _not_a_day(f"{value.isoformat(sep=' ')} has a time", value.date().isoformat(),
                          "write only the date, YYYY-MM-DD")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return value  # pydantic's own "must be a date written as YYYY-MM-DD"
    if isinstance(value, int | float):
        return _not_a_day(f"{value} is a number, not a date", "2026-02-28")
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return _not_a_day(f"{value.strip()} is not a date", nearest_date(value))
    return value  # other text ("Feb 2026"): pydantic's "must be a date written as YYYY-MM-DD"


def _not_a_day(what: str, example: str, how: str = "write YYYY-MM-DD") -> Any:
    raise ValueError(f"{what} ({how}, e.g. {example})")


#: A date written ``YYYY-MM-DD``; see :func:`_day`.
Day = Annotated[dt.date, BeforeValidator(_day)]


class Tagged(Model):
    """Options every list entry has, to tailor one handout to many audiences.

    ``audiences``: show only in these audiences' versions. ``except``: hide in these.
    ``replaces``: stand in for the entry with that ``id`` (in the audiences listed).
    """

    id: Slug | None = None
    audiences: list[Slug] = []
    except_: list[Slug] = Field(default=[], alias="except")
    replaces: Slug | None = None

    @model_validator(mode="after")
    def _replaces_needs_audiences(self) -> Tagged:
        if self.replaces and not self.audiences:
            raise ValueError("an entry that 'replaces' another needs 'audiences' (whose "
                             "version it changes)")
        return self

    def shown_for(self, audience: str) -> bool:
        """Whether this entry belongs in ``audience``'s version."""
        if audience in self.except_:
            return False
        # Untagged entries are for everyone; tagged ones only for the audiences named.
        return not self.audiences or audience in self.audiences


class Item(Tagged):
    """A single line of text in a list (a thing you need, a precaution...)."""

    text: MarkdownText

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        # A plain string is the common case; the mapping form leaves room for options.
        return {"text": data} if isinstance(data, str) else data


class Step(Tagged):
    """One technique step; shown numbered, in order."""

    title: PlainText | None = None
    text: MarkdownText
    tip: MarkdownText | None = None
    image: Text | None = None
    alt: PlainText | None = Field(default=None, validate_default=True)

    @field_validator("image")
    @classmethod
    def _image(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        base: Path | None = (info.context or {}).get("content_dir")
        if Path(value).suffix.lower() not in IMAGE_TYPES:
            raise ValueError(f"'{value}' is not a supported image type "
                             f"({', '.join(sorted(IMAGE_TYPES))})")
        if base is not None:
            path = base / value
            if not path.is_file():
                raise ValueError(f"image file '{value}' does not exist (paths are relative "
                                 "to the content folder)")
            root = base.parent.resolve()
            if not path.resolve().is_relative_to(root):
                # `..` or a symlink pointing out: never read the clinic's other files.
                raise ValueError(f"image '{value}' is outside the project folder")
            # Half-saved or not a picture: said now, at this line (it was said only
            # when a page was rendered, and the desk's library showed it as ready).
            # Every reason at once: a picture both unreadable and too large on disk
            # must not reveal its second fault only once the first is fixed.
            reasons = []
            reason = file_verdict(path)
            if reason is not None:
                reasons.append(f"image file '{value}' cannot be printed: {reason}")
            limit: int | None = (info.context or {}).get("image_max_kb")
            if limit is not None:
                reasons += oversized(value, path, limit)
            if reasons:
                raise Mistakes(reasons)
        return value

    @field_validator("alt")
    @classmethod
    def _alt(cls, value: str | None, info: ValidationInfo) -> str | None:
        return alt_text_for("image", value, info, "a step has an image: describe what the "
                                                  "picture shows for people who cannot see it")


class Precautions(Model):
    """Safety information, grouped the way a reader needs it."""

    before: list[Item] = []
    stop: Annotated[list[Item], Field(min_length=1)]
    call: Annotated[list[Item], Field(min_length=1)]


class Benefit(Tagged):
    """Why the technique helps: a short title and one sentence."""

    title: PlainText
    text: MarkdownText


class Source(Model):
    """Where the information came from; printed in small type."""

    title: PlainText
    publisher: PlainText | None = None
    url: PlainText | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_web_url(value)


class Review(Model):
    """Who last checked the handout, and when."""

    reviewed: Day
    reviewer: PlainText


class Handout(Model):
    """A whole handout as written in ``content/<name>.yaml``."""

    title: PlainText
    intro: MarkdownText
    summary: PlainText | None = None
    keywords: list[PlainText] = []
    language: Language = "en"
    you_need: list[Item] = []
    steps: Annotated[list[Step], Field(min_length=1)]
    precautions: Precautions
    benefits: list[Benefit] = []
    sources: list[Source] = []
    review: Review
    #: Starter text from the library (``handouts add``) that no one at the clinic has
    #: reviewed yet: the PDF prints no "Reviewed on" line and ``handouts check`` warns
    #: until the clinic sets ``review`` and deletes the flag.
    starter: bool = False
    #: Pages this handout may have (default: ``checks.max_pages`` in handouts.yaml).
    max_pages: Annotated[int, Field(ge=1)] | None = None
    #: ``shrink``: step the text size down (never below 11 pt, 18 pt in large print)
    #: until the handout fits in ``max_pages``.
    fit: Literal["none", "shrink"] = "none"

    @property
    def subject(self) -> str:
        """One sentence for the PDF's subject field: the summary, else the intro."""
        return self.summary or markdown.plain(self.intro)


class Document:
    """A validated handout and where it came from (for error messages and cache keys)."""

    def __init__(self, name: str, path: Path, display: str, handout: Handout,
                 raw: bytes, lines: LineMap) -> None:
        self.name = name
        self.path = path
        self.display = display
        self.handout = handout
        self.raw = raw
        self.lines = lines

    def translation(self, language: str) -> Path:
        """This handout's translation into ``language``: ``content/back-massage.es.po``
        beside ``content/back-massage.yaml`` (the file may not exist)."""
        return self.path.with_name(f"{self.path.stem}.{language}.po")

    def translation_display(self, language: str) -> str:
        """The translation file as messages name it: ``content/back-massage.es.po``."""
        return f"content/{self.translation(language).name}"

    def translation_languages(self) -> list[str]:
        """Languages with a translation file beside the content file (``NAME.LANG.po``)."""
        stem = self.path.stem
        found = {p.name[len(stem) + 1: -len(".po")]
                 for p in self.path.parent.glob(f"{stem}.*.po")}
        return sorted(lang for lang in found if lang and "." not in lang
                      and lang != self.handout.language)

    def line_of_image(self, url: str) -> tuple[int | None, str]:
        """The line and field of the step whose image is ``url`` (for engine messages)."""
        for i, step in enumerate(self.handout.steps):
            if step.image and url.endswith(step.image):
                loc = ("steps", i, "image")
                return self.lines.line_of(loc), format_loc(loc)
        return None, ""


#: Content file extensions, in any case (some tools save ``.yml`` or ``.YAML``).
CONTENT_SUFFIXES = (".yaml", ".yml")


def discover(content_dir: Path, problems: list[Problem] | None = None) -> dict[str, Path]:
    """Handout names → files, from ``content/*.yaml`` (sorted, so output order is stable).

    ``.yml`` and upper-case extensions count too: they are content, and ignoring them
    would drop a handout without a word. With ``problems``, also reports the rest of
    the folder: two files for one handout (an error naming both), and anything that
    is neither a handout nor a translation of one (a warning each, so that a typo in
    a file name is noticed). Hidden files (``.DS_Store``) and folders (``images/``)
    are left alone.
    """
    if not content_dir.is_dir():
        return {}
    found: dict[str, Path] = {}
    others: list[Path] = []
    for path in sorted(content_dir.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        if path.suffix.lower() in CONTENT_SUFFIXES and "." not in path.stem:
            if path.stem in found:
                if problems is not None:
                    first = found[path.stem].name
                    problems.append(Problem(
                        f"content/{path.name}", None, "",
                        f"is the same handout as content/{first} ('{path.stem}'); keep one "
                        "of the two files"))
                continue
            found[path.stem] = path
        else:
            others.append(path)
    if problems is not None:
        problems += [p for p in (_stray_file(path, found) for path in others) if p]
    return found


def _stray_file(path: Path, handouts: dict[str, Path]) -> Problem | None:
    """The warning for a file in ``content/`` that is not used (None: it is used)."""
    display = f"content/{path.name}"
    parts = path.name.split(".")
    if len(parts) == 3 and parts[2].lower() == "po":
        name, language = parts[0], parts[1]
        # Language codes start lower case ("es", "pt-BR"); "ES" would never be found.
        primary = re.split(r"[-_]", language)[0]
        if name not in handouts:
            message = (f"is a translation of '{name}', but there is no content/{name}.yaml; "
                       "it is ignored")
        elif primary != primary.lower() or parts[2] != "po":
            wanted = f"{name}.{primary.lower()}{language[len(primary):]}.po"
            message = (f"translation files are named in lower case; rename it to {wanted}, "
                       "or it is not used")
        else:
            return None  # a translation: read when its language is built
    elif path.suffix.lower() in CONTENT_SUFFIXES:
        message = (f"is not a handout (a handout's name has no dots, e.g. "
                   f"{parts[0]}{path.suffix}) and is ignored")
    elif path.suffix.lower() == ".po":
        message = ("is not a translation (translations are named <handout>.<language>.po, "
                   "e.g. back-massage.es.po) and is ignored")
    else:
        message = "is not a handout (handouts are .yaml files) and is ignored"
    return Problem(display, None, "", message, Severity.WARNING)


def load_document(name: str, path: Path, display: str, problems: list[Problem],
                  image_max_kb: int | None = None) -> Document | None:
    """Read and validate one content file, adding every problem found to ``problems``.

    ``image_max_kb`` (``checks.image_max_kb``, when the config could be read) is the
    size limit of a step's picture: judged here with the picture's other faults, so an
    oversized picture is said in the same run as any other mistake of the file (a
    check after loading never ran on a file that failed to load)."""
    source = read_content(name, path, display, problems)
    return None if source is None else document_from(name, path, display, source, problems,
                                                     image_max_kb)


def read_content(name: str, path: Path, display: str,
                 problems: list[Problem]) -> SourceFile | None:
    """A content file's YAML as read (None, and the problems, when it cannot be)."""
    if not NAME_RE.match(name):
        problems.append(Problem(display, None, "",
                                f"'{name}' is not a valid handout name: use lower-case "
                                "letters, digits and dashes (e.g. back-massage)"))
        return None
    return read_yaml(path, display, problems)


def document_from(name: str, path: Path, display: str, source: SourceFile,
                  problems: list[Problem], image_max_kb: int | None = None) -> Document | None:
    """The handout of a content file read as ``source``, validated (see
    :func:`load_document`)."""
    handout = validate(Handout, source, problems, context={"content_dir": path.parent,
                                                       "image_max_kb": image_max_kb})
    if handout is None:
        return None
    return Document(name, path, display, handout, source.raw, source.lines)
