"""Project config: the clinic's branding and contact details, and build defaults.

A handout project is a folder with ``handouts.yaml`` at its root. Every field is
documented in the README ("Project config"); the models here are the one source
of truth for names, types and defaults.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import phonenumbers
import pydantic
from pydantic import Field, ValidationInfo, field_validator, model_validator

from handouts.errors import OptionError, Problem, Severity
from handouts.project.fonts import FONT_SUFFIXES, read_cmap
from handouts.project.languages import (
    closest_language,
    miswritten,
    translation_language_problem,
    words_key,
    written_otherwise,
)
from handouts.project.names import GENERAL
from handouts.project.schema import (
    Language,
    Model,
    Paper,
    PlainText,
    PrintSize,
    Slug,
    Text,
    YesNo,
    alt_text_for,
    check_web_url,
    validate,
)
from handouts.project.sourcefile import LineMap, format_loc, read_yaml

CONFIG_NAME = "handouts.yaml"

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


class Address(Model):
    """Postal address printed in the footer."""

    street: PlainText | None = None
    city: PlainText
    region: PlainText | None = None
    postal_code: PlainText | None = None

    def one_line(self, country: str | None = None) -> str:
        """``123 Main St, Mesa, AZ 85201`` with missing parts left out; in a ``country``
        (its region code, the clinic's ``phone_region``) that writes the postal code
        before the town, ``Calle Mayor 5, 28013 Madrid``, as letters are addressed there."""
        if country is not None and country.upper() in POSTCODE_FIRST:
            town = " ".join(p for p in (self.postal_code, self.city) if p)
            return ", ".join(p for p in (self.street, town, self.region) if p)
        region = " ".join(p for p in (self.region, self.postal_code) if p)
        return ", ".join(p for p in (self.street, self.city, region) if p)


#: Countries (region codes) whose addresses put the postal code before the town:
#: most of continental Europe and Latin America (``28013 Madrid``, ``10115 Berlin``).
POSTCODE_FIRST = frozenset({
    "AR", "AT", "BA", "BE", "BG", "CH", "CL", "CO", "CZ", "DE", "DK", "DZ", "EE", "ES",
    "FI", "FR", "GR", "HR", "HU", "IS", "IT", "LI", "LU", "MA", "MC", "MX", "NL", "NO",
    "PL", "PT", "RO", "RS", "SE", "SI", "SK", "TN", "TR", "UY"})


class Colors(Model):
    """Brand colours as ``#RRGGBB``.

    ``primary`` is used for headings and rules, ``accent`` for highlights.
    """

    primary: str = "#1F5F5B"
    accent: str = "#B5522E"

    @field_validator("primary", "accent")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _HEX.match(value):
            raise ValueError(f"must be a colour written as #RRGGBB, e.g. #1F5F5B (got '{value}')")
        if len(value) == 4:  # #abc → #aabbcc so templates and checks see one form
            value = "#" + "".join(c * 2 for c in value[1:])
        return value.upper()


class LocationText(Model):
    """One location's words in another language."""

    hours: PlainText | None = None
    logo_alt: PlainText | None = None
    #: The location's name (``name_suffix``) in this language; a name may stay as it is.
    name_suffix: PlainText | None = None


class ClinicText(Model):
    """The clinic's words in another language (the name and contact details stay as they are)."""

    tagline: PlainText | None = None
    disclaimer: PlainText | None = None
    logo_alt: PlainText | None = None
    #: The opening hours (of a single-location clinic) in this language.
    hours: PlainText | None = None
    #: The clinic's name in this language; a name may stay as it is (the default).
    name: PlainText | None = None
    #: Each location's words: ``locations: {north: {hours: ...}}``.
    locations: dict[Text, LocationText] = {}



#: Country codes people write for another (the phone library knows GB, not UK).
REGION_ALIASES = {"UK": "GB", "EN": "GB", "ENG": "GB", "USA": "US", "MEX": "MX", "ESP": "ES",
                  "CAN": "CA", "AUS": "AU", "IRL": "IE", "NZL": "NZ", "FRA": "FR", "DEU": "DE"}
#: Where a number refused in one region is tried, to say which region it is written for.
LIKELY_REGIONS = ("US", "CA", "MX", "GB", "IE", "ES", "FR", "DE", "AU", "NZ", "PR")


def region_problem(value: str) -> str | None:
    """Why ``value`` is not a country code the phone numbers can be read for, or None
    (``UK``: "did you mean 'GB'?")."""
    code = value.strip().upper()
    if code in phonenumbers.SUPPORTED_REGIONS:
        return None
    meant = REGION_ALIASES.get(code)
    return (f"'{value}' is not a country code for phone numbers; write the country's two "
            "letters (ISO 3166)" + (f": did you mean '{meant}'?" if meant else
                                    ", e.g. US, CA, MX, GB, ES"))


def written_for(value: str, region: str) -> str | None:
    """Another region ``value`` is a valid phone number of, as written (``020 7946
    0958``: GB), when it is not one of ``region``'s; None when none is."""
    home = phonenumbers.country_code_for_region(region)
    for other in LIKELY_REGIONS:
        if phonenumbers.country_code_for_region(other) == home:
            continue  # the same numbering plan (US, CA): no other reading
        try:
            number = phonenumbers.parse(value, other)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return other
    return None


def phone_problem(value: str, region: str, setting: str = "phone_region: {region}"
                  ) -> str | None:
    """Why ``value`` is not a phone number in ``region``, or None: the one rule for
    handouts.yaml and ``init --phone``. The example is in the region's own format (a
    London clinic was shown a US number); a number written for another country says
    which, and how to say so."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return None
    other = written_for(value, region)
    if other is not None:  # ``setting``: how the caller's user says a region
        world = phonenumbers.format_number(phonenumbers.parse(value, other),
                                           phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        return (f"'{value}' is not a valid phone number for region {region}, but it is one "
                f"for {other}: write it with its country code ({world}), or set "
                + setting.format(region=other))
    if region == "US":  # the example clinic's number, as every guide writes it
        return (f"'{value}' is not a valid phone number for region US; write it as "
                "(480) 992-5050 or +1 480 992 5050")
    example = phonenumbers.example_number_for_type(
        region, phonenumbers.PhoneNumberType.FIXED_LINE) or \
        phonenumbers.example_number(region)
    if example is None:  # a region phonenumbers has no example for
        return f"'{value}' is not a valid phone number for region {region}"
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    world = phonenumbers.format_number(example,
                                       phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return (f"'{value}' is not a valid phone number for region {region}; write it as "
            f"{national} or {world}")


def _check_phone(value: str, region: str) -> str:
    problem = phone_problem(value, region)
    if problem is not None:
        raise ValueError(problem)
    return value


def _check_email(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", value):
        raise ValueError(f"must be an email address like info@clinic.com (got '{value}')")
    return value


def _check_logo(value: str | None, info: ValidationInfo) -> str | None:
    root: Path | None = (info.context or {}).get("root")
    if value is not None and root is not None:
        path = root / value
        if not path.is_file():
            raise ValueError(f"file '{value}' does not exist")
        if not path.resolve().is_relative_to(root.resolve()):
            raise ValueError(f"'{value}' is outside the project folder")
    return value


class _Contact(Model):
    """The contact details a clinic and each of its locations print, checked alike."""

    # check_fields=False: the fields are declared by the subclasses, in their order.
    @field_validator("website", "booking_url", check_fields=False)
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_web_url(value)

    @field_validator("email", check_fields=False)
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return _check_email(value)

    @field_validator("phone_region", check_fields=False)
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is None:
            return None
        problem = region_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value.strip().upper()

    @field_validator("phone", check_fields=False)
    @classmethod
    def _phone(cls, value: str, info: ValidationInfo) -> str:
        if "phone_region" not in info.data:
            return value  # its region is wrong, said there: the phone is not judged by US
        # A location without its own region was given the clinic's before validation.
        return _check_phone(value, info.data.get("phone_region") or "US")

    @field_validator("logo", check_fields=False)
    @classmethod
    def _logo_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _check_logo(value, info)

    @field_validator("logo_alt", check_fields=False)
    @classmethod
    def _logo_alt(cls, value: str | None, info: ValidationInfo) -> str | None:
        return alt_text_for("logo", value, info, "a logo is set (describe the logo for "
                                                 "screen readers, e.g. 'Massage Mesa logo')")


class Location(_Contact):
    """One location of a clinic group (``clinic.locations.NAME``): its values replace the
    clinic's on that location's handouts."""

    #: Added after the clinic's name, e.g. ``Downtown`` → "Massage Mesa Downtown".
    name_suffix: PlainText | None = None
    address: Address
    #: Region the phone number is written for; default: the clinic's ``phone_region``.
    phone_region: str | None = None
    phone: Text
    email: PlainText | None = None
    booking_url: PlainText | None = None
    logo: Text | None = None
    logo_alt: PlainText | None = Field(default=None, validate_default=True)
    #: Opening hours, short: ``Mon–Fri 8–18, Sat 9–13`` (translate under
    #: ``clinic.translations.LANG.locations.NAME.hours``).
    hours: PlainText | None = None


class Clinic(_Contact):
    """Who the handout is from; shown in the header and on every page's footer."""

    name: PlainText
    tagline: PlainText | None = None
    address: Address
    phone_region: str = "US"
    phone: Text
    email: PlainText | None = None
    website: PlainText | None = None
    booking_url: PlainText | None = None
    logo: Text | None = None
    logo_alt: PlainText | None = Field(default=None, validate_default=True)
    colors: Colors = Colors()
    disclaimer: PlainText | None = None
    #: Opening hours, short (printed in the contact box when set).
    hours: PlainText | None = None
    #: ``es: {tagline: ..., disclaimer: ..., logo_alt: ...}`` for translated handouts.
    translations: dict[Text, ClinicText] = {}
    #: A clinic group's locations (``NAME: {address, phone, ...}``); none: one location.
    locations: dict[Slug, Location] = {}

    @model_validator(mode="before")
    @classmethod
    def _location_regions(cls, data: object) -> object:
        """A location without ``phone_region`` writes its phone like the clinic does."""
        if not isinstance(data, dict) or not isinstance(data.get("locations"), dict):
            return data
        region = data.get("phone_region", "US")
        locations = {
            name: ({"phone_region": region, **entry}
                   if isinstance(entry, dict) and "phone_region" not in entry else entry)
            for name, entry in data["locations"].items()}
        return {**data, "locations": locations}

    def in_language(self, language: str, source: str) -> tuple[Clinic, list[str]]:
        """This clinic with its words in ``language``, and the fields with no translation
        (a name may stay as it is: never missing)."""
        key = words_key(self.translations, language, source)
        if key is None:
            return self, []
        words = self.translations.get(key) or ClinicText()
        fields = ("tagline", "disclaimer", "logo_alt", "hours")
        missing = [f for f in fields if getattr(self, f) and not getattr(words, f)]
        update = {f: getattr(words, f) for f in (*fields, "name") if getattr(words, f)}
        return self.model_copy(update=update), missing

    def with_words(self, language: str, words: dict[tuple[str | int, ...], str]) -> Clinic:
        """This clinic with more of its words in ``language``, from a translation file:
        ``{("clinic", "tagline"): ..., ("clinic", "locations", "north", "hours"): ...}``
        fills what ``clinic.translations`` leaves out (its own entries win)."""
        if not words:
            return self
        # No source here: a regional language's own words, else its language's.
        key = words_key(self.translations, language, source="") or language
        current = self.translations.get(key) or ClinicText()
        update: dict[str, object] = {}
        places = dict(current.locations)
        for loc, value in words.items():
            if len(loc) == 2 and not getattr(current, str(loc[1])):
                update[str(loc[1])] = value
            elif len(loc) == 4:
                own = places.get(str(loc[2])) or LocationText()
                if not getattr(own, str(loc[3])):
                    places[str(loc[2])] = own.model_copy(update={str(loc[3]): value})
        update["locations"] = places
        return self.model_copy(update={"translations": {
            **self.translations, language: current.model_copy(update=update)}})

    def at(self, location: str | None) -> Clinic:
        """This clinic as printed for ``location``: the location's values replace the
        clinic's (None, or a clinic without locations: the clinic itself)."""
        if location is None:
            return self
        place = self.locations[location]
        update: dict[str, object] = {
            f: getattr(place, f) for f in ("address", "phone", "email", "booking_url",
                                           "logo", "logo_alt", "hours")
            if getattr(place, f) is not None}
        update["phone_region"] = place.phone_region or self.phone_region
        if place.name_suffix:
            update["name"] = f"{self.name} {place.name_suffix}"
        # The location's own words become the clinic's words in each language, so
        # in_language() translates (and reports missing) hours like the tagline.
        translations = {}
        for language, words in self.translations.items():
            own = words.locations.get(location) or LocationText()
            name = words.name  # the clinic's own name in this language, if it has one
            if place.name_suffix and (words.name or own.name_suffix):
                name = f"{words.name or self.name} {own.name_suffix or place.name_suffix}"
            translations[language] = words.model_copy(update={
                "hours": own.hours if place.hours else words.hours,
                "logo_alt": own.logo_alt if place.logo else words.logo_alt,
                "name": name})
        update["translations"] = translations
        return self.model_copy(update=update)

    @property
    def phone_display(self) -> str:
        """The phone number as people write it locally, e.g. ``(480) 992-5050``."""
        return _phone_formats(self.phone, self.phone_region)[0]

    @property
    def phone_uri(self) -> str:
        """``tel:+14809925050`` for the clickable link in the PDF."""
        return _phone_formats(self.phone, self.phone_region)[1]


@lru_cache(maxsize=64)
def _phone_formats(phone: str, region: str) -> tuple[str, str]:
    """(display, tel: URI); cached because every page prints the number three times."""
    number = phonenumbers.parse(phone, region)
    fmt = (phonenumbers.PhoneNumberFormat.NATIONAL
           if phonenumbers.region_code_for_number(number) == region
           else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    uri = "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:  # printed as "ext. 22": the link dials it too (RFC 3966)
        uri += f";ext={number.extension}"
    return phonenumbers.format_number(number, fmt), uri


#: The project's folders of inputs: PDFs written in them would be read (every file of
#: templates/ is the design's, and each one written made every version stale).
INPUT_FOLDERS = ("templates", "locale", "programs", "fonts")


def among_inputs(relative: Path) -> str | None:
    """Why the output folder ``relative`` (to the project) cannot be where it is: inside
    one of :data:`INPUT_FOLDERS`, or None."""
    parts = [part for part in relative.parts if part not in ("", ".")]
    if parts and parts[0] in INPUT_FOLDERS:
        return (f"'{relative.as_posix()}' is inside the project's {parts[0]}/ folder, whose "
                "files handouts reads: choose a folder outside it, e.g. output")
    return None


class Defaults(Model):
    """Build defaults; the CLI's ``--paper`` and ``--out`` override them."""

    @field_validator("output")
    @classmethod
    def _inside_project(cls, value: str) -> str:
        # A shared project (a content pack) must not be able to write anywhere else.
        path = Path(value)
        if path.is_absolute() or ".." in path.parts or value.startswith("~"):
            raise ValueError(f"'{value}' must be a folder inside the project, e.g. output "
                             "(use --out to write elsewhere)")
        wrong = among_inputs(path)
        if wrong is not None:
            raise ValueError(wrong)
        return value

    paper: Paper = "letter"
    theme: Literal["default"] = "default"
    output: Text = "output"
    language: Language = "en"
    #: Seconds one PDF may take before it is given up as broken (0: no limit).
    render_timeout: Annotated[float, Field(ge=0)] = 60
    #: ``true``: write archival PDF/A-3u (for patient records) instead of PDF/UA-1.
    archive: YesNo = False


class GradeTargets(Model):
    """Reading-grade limits: above ``warn`` is a warning, above ``error`` an error.

    Defaults follow patient-education guidance: 6th grade or below (AMA), and no
    higher than 8th (NIH).
    """

    warn: Annotated[float, Field(ge=0)] = 6
    error: Annotated[float, Field(ge=0)] = 8


class Jargon(Model):
    """Your own hard words (with plain alternatives), and built-in ones you accept."""

    extra: dict[Text, Text] = {}
    allow: list[Text] = []


class Checks(Model):
    """Settings of ``handouts check`` (see the README, "Checks")."""

    reading_grade: GradeTargets = GradeTargets()
    jargon: Jargon = Jargon()
    #: Pages a handout may have (2 = one sheet printed on both sides); content files
    #: may set their own ``max_pages``.
    max_pages: Annotated[int, Field(ge=1)] = 2
    #: The same for large print, which needs more paper.
    max_pages_large: Annotated[int, Field(ge=1)] = 6
    #: A handout is due for review this many months after ``review.reviewed``; twice
    #: as long is an error.
    review_months: Annotated[int, Field(ge=1)] = 12
    #: Largest image file a handout may use.
    image_max_kb: Annotated[int, Field(ge=1)] = 2048
    #: A handout over its page limit (even after ``fit: shrink``): ``error`` writes no
    #: PDF; ``warning`` writes it and says so.
    over_limit: Literal["error", "warning"] = "error"


class AudienceText(Model):
    """An audience's label and description in one language."""

    label: PlainText
    description: PlainText | None = None


class Audience(Model):
    """A group of readers with their own version of each handout (see ``except``/``audiences``
    in content files)."""

    label: PlainText
    description: PlainText | None = None
    #: The label and description in other languages: ``es: {label: ..., description: ...}``.
    translations: dict[Text, AudienceText] = {}
    #: Reading-grade limits for this audience's versions (default: ``checks.reading_grade``).
    reading_grade: GradeTargets | None = None

    def text(self, language: str) -> AudienceText | None:
        """Label and description in ``language``, or None when not translated."""
        key = words_key(self.translations, language, "en")
        if key is None:
            return AudienceText(label=self.label, description=self.description)
        return self.translations.get(key)


class Exclude(Model):
    """One combination to leave out of the batch matrix; unset keys match anything."""

    handout: Slug | None = None
    audience: Slug | None = None
    language: Language | None = None
    paper: Paper | None = None
    print: PrintSize | None = None
    location: Slug | None = None


class Batch(Model):
    """The manifest for ``handouts batch``: every combination of these lists, minus excludes."""

    handouts: list[Slug] = []
    audiences: Annotated[list[Slug], Field(min_length=1)] = [GENERAL]
    languages: Annotated[list[Language], Field(min_length=1)] = ["en"]
    papers: Annotated[list[Paper], Field(min_length=1)] = ["letter"]
    prints: Annotated[list[PrintSize], Field(min_length=1)] = ["standard"]
    #: The clinic's locations to build (default: all of ``clinic.locations``).
    locations: Annotated[list[Slug], Field(min_length=1)] | None = None
    exclude: list[Exclude] = []


class Resources(Model):
    """What a handout may load besides files in the project folder."""

    #: Host names whose http(s) resources may be loaded, e.g. ``images.myclinic.com``.
    #: Empty (the default): nothing is fetched from the network.
    allowed_hosts: list[Text] = []


class FontEntry(Model):
    """One project font (``fonts:``): the theme's fallback for characters it lacks.

    Without ``languages`` it is a fallback for every language (after the theme's
    font); with them, pages in those languages use it first.
    """

    file: Text
    #: Family name in the page's CSS; default: the name recorded in the font file.
    family: Text | None = None
    #: 400 (regular) or 700 (bold); default: read from the font file.
    weight: Literal[400, 700] | None = None
    languages: Annotated[list[Text], Field(min_length=1)] | None = None

    @field_validator("file")
    @classmethod
    def _font_file(cls, value: str, info: ValidationInfo) -> str:
        if Path(value).suffix.lower() not in FONT_SUFFIXES:
            raise ValueError(f"'{value}' is not a font file this tool can embed "
                             f"({', '.join(FONT_SUFFIXES)})")
        root: Path | None = (info.context or {}).get("root")
        if root is None:
            return value
        path = root / value
        if Path(value).is_absolute() or not path.resolve().is_relative_to(root.resolve()):
            raise ValueError(f"'{value}' is outside the project folder; copy the font into "
                             "the project (e.g. fonts/) and give its path from there")
        if not path.is_file():
            raise ValueError(f"file '{value}' does not exist (paths are relative to the "
                             "project folder)")
        try:
            read_cmap(path)
        except ValueError as exc:  # "cannot be read as a font (...)"
            raise ValueError(f"'{value}' {exc}") from None
        return value


class Config(Model):
    """The whole ``handouts.yaml``."""

    clinic: Clinic
    defaults: Defaults = Defaults()
    resources: Resources = Resources()
    checks: Checks = Checks()
    audiences: dict[Slug, Audience] = {}
    batch: Batch = Batch()
    #: The project's own fonts, for characters the theme's font lacks (see README).
    fonts: list[FontEntry] = []


class Project:
    """A loaded project folder: its root and validated config."""

    def __init__(self, root: Path, config: Config, config_display: str,
                 lines: LineMap | None = None) -> None:
        self.root = root
        self.config = config
        self.config_display = config_display
        self.lines = lines or LineMap()
        #: The templates to render with instead of the files of ``templates/`` (each
        #: name and text), or None: the files. ``handouts serve`` sets it to the last
        #: good ones while a template there has errors.
        self.pinned_templates: tuple[tuple[str, str], ...] | None = None

    def problem(self, loc: tuple[str | int, ...], message: str) -> Problem:
        """A problem about the config value at ``loc``, with its line."""
        return Problem(self.config_display, self.lines.line_of(loc), format_loc(loc), message)

    @property
    def content_dir(self) -> Path:
        """Where the handout content files live."""
        return self.root / "content"

    @property
    def templates_dir(self) -> Path:
        """The project's template overrides (may be empty or missing)."""
        return self.root / "templates"

    def output_dir(self, override: Path | None = None) -> Path:
        """Where PDFs go: ``--out`` if given, else ``defaults.output`` under the root.
        Raises :class:`~handouts.errors.OptionError` for an ``--out`` inside one of the
        project's folders of inputs (:func:`among_inputs`)."""
        if override is None:
            return self.root / self.config.defaults.output
        whole, root = override.resolve(), self.root.resolve()
        if whole.is_relative_to(root):
            wrong = among_inputs(whole.relative_to(root))
            if wrong is not None:
                raise OptionError([Problem("--out", None, "", wrong)])
        return override


def no_project(root: Path) -> Problem | None:
    """The problem of a folder with no handouts.yaml (None when it has one): from inside
    a project's folder (content/, say), where the project is; else how to make one."""
    if (root / CONFIG_NAME).is_file():
        return None
    whole = root.resolve()
    above = next((folder for folder in whole.parents if (folder / CONFIG_NAME).is_file()),
                 None)
    if above is not None:
        return Problem(CONFIG_NAME, None, "", (
            f"not found in {whole}, which is inside the project {above}: run the command "
            f"there, or pass -C {above}"))
    return Problem(CONFIG_NAME, None, "", (
        f"not found in {root}; run 'handouts init DIRECTORY' to create a project, or pass "
        "--project"))


def load_config(root: Path, problems: list[Problem],
                lines: LineMap | None = None) -> Config | None:
    """Read and validate ``root/handouts.yaml``, adding any problems to ``problems``.

    ``lines``, when given, is filled with the line of every value (for later messages).
    """
    path = root / CONFIG_NAME
    missing = no_project(root)
    if missing is not None:
        problems.append(missing)
        return None
    source = read_yaml(path, CONFIG_NAME, problems)
    if source is None:
        return None
    if lines is not None:
        lines.lines.update(source.lines.lines)
    config = validate(Config, source, problems, context={"root": root})
    # The references are checked on what could be read even when other parts have
    # errors: a typo in the batch was said only once the rest was fixed.
    names = _Names.of(config) if config is not None else _Names.readable(source.data)
    if names is not None:
        problems += _cross_check(names, source.lines)
    if config is not None:
        problems += _translation_keys(config, source.lines)
        problems += _assumed_region(config, source.data, source.lines)
        problems += _shared_phones(config, source.lines)
    return config


def _shared_phones(config: Config, lines: LineMap) -> list[Problem]:
    """A warning for a location whose phone is another location's: a location copied
    from another and not yet given its own number prints the other's phone on every
    page, and its clients call the wrong desk. Not when every location has the one
    number (a group's central booking line, said on purpose)."""
    places = config.clinic.locations
    if len(places) < 2:
        return []
    dialled = {name: _phone_formats(place.phone, place.phone_region
                                    or config.clinic.phone_region)[1]
               for name, place in places.items()}
    if len(set(dialled.values())) == 1:
        return []
    found, first_of = [], {}
    for name, number in dialled.items():
        first = first_of.setdefault(number, name)
        if first == name:
            continue
        loc = ("clinic", "locations", name, "phone")
        first_line = lines.lines.get(("clinic", "locations", first, "phone"))
        where = f" (line {first_line})" if first_line else ""
        found.append(Problem(CONFIG_NAME, lines.line_of(loc), format_loc(loc), (
            f"{places[name].phone} is also the phone of location '{first}'{where}, so "
            f"both print it; give '{name}' its own number (or, for one booking line, "
            "give every location the same)"), Severity.WARNING))
    return found


def _assumed_region(config: Config, data: Any, lines: LineMap) -> list[Problem]:
    """A warning for a phone number read as a US one only because no ``phone_region``
    says otherwise, when it is written the way another country writes its numbers and
    is one there: ``55 1234 5678``, Mexico City's, printed "(551) 234-5678" and dialled
    in New Jersey, without a word."""
    clinic = data.get("clinic") if isinstance(data, dict) else None
    if not isinstance(clinic, dict) or "phone_region" in clinic:
        return []
    places = clinic.get("locations") if isinstance(clinic.get("locations"), dict) else {}
    found = []
    contacts = [(("clinic", "phone"), config.clinic.phone)] + [
        (("clinic", "locations", name, "phone"), place.phone)
        for name, place in config.clinic.locations.items()
        if not (isinstance(places.get(name), dict) and "phone_region" in places[name])]
    for loc, phone in contacts:
        other = _written_elsewhere(phone)
        if other is not None:
            printed = _phone_formats(phone, "US")[0]
            found.append(Problem(CONFIG_NAME, lines.line_of(loc), format_loc(loc), (
                f"'{phone}' is read as a US number and printed {printed}, since no "
                f"phone_region is set; written this way it is a number in {other}: if "
                f"the clinic is there, add phone_region: {other} under clinic"),
                Severity.WARNING))
    return found


def _written_elsewhere(phone: str) -> str | None:
    """The region a phone written without its country code is grouped like, when that
    is not the US way (3, 3 and 4 digits) and it is a valid number there."""
    if phone.strip().startswith("+"):
        return None
    groups = [len(g) for g in re.findall(r"\d+", phone)]
    if len(groups) < 2 or groups in ([3, 3, 4], [1, 3, 3, 4]):
        return None  # one run of digits says nothing; 3-3-4 is how the US writes them
    return written_for(phone, "US")


def _keyed_translations(config: Config) -> list[tuple[tuple[str, ...], str]]:
    """Where each ``translations:`` key of the file is (the clinic's, each audience's),
    with the key."""
    keyed = [(("clinic", "translations", code), code) for code in config.clinic.translations]
    return keyed + [(("audiences", name, "translations", code), code)
                    for name, audience in config.audiences.items()
                    for code in audience.translations]


def translation_keys_against(config: Config, lines: LineMap,
                             languages: set[str]) -> list[Problem]:
    """A warning for each ``translations:`` key that writes a language of the project's
    handouts (``languages``: their own and their translations') another way: ``es-MX``
    or ``spa`` where they are ``es``. Nothing looks those words up, so a Spanish
    handout printed the clinic's English tagline and hours, and ``check`` said only
    that the tagline was missing from the translation. Known only once the handouts
    are loaded (see :func:`handouts.project.load.load_each`)."""
    problems = []
    for loc, code in _keyed_translations(config):
        if translation_language_problem(code, None) is not None:
            continue  # no language code at all: said by _translation_keys
        message = written_otherwise(code, languages)
        if message is not None:
            problems.append(Problem(CONFIG_NAME, lines.line_of(loc), format_loc(loc),
                                    message, Severity.WARNING))
    return problems


def _translation_keys(config: Config, lines: LineMap) -> list[Problem]:
    """A warning for each ``translations:`` key (the clinic's, an audience's) that is
    no language code (``sp`` for Spanish): its words are never printed, so a Spanish
    handout printed the clinic's English tagline without a word. The rule of a program
    file's keys (:func:`~handouts.project.languages.translation_language_problem`), as
    a warning even for a code in the wrong case: this file built before the check."""
    keyed = _keyed_translations(config)
    # What a key most likely meant: a language this file makes or translates into.
    known = {code for code in (*config.batch.languages, *config.clinic.translations)
             if translation_language_problem(code, None) is None}  # never a wrong one
    problems = []
    for loc, code in keyed:
        found = translation_language_problem(code, None)
        if found is None:
            continue
        message = found[0]
        close = None if miswritten(code) else closest_language(code, known - {code})
        if close is not None:
            message += f"; did you mean '{close}'?"
        problems.append(Problem(CONFIG_NAME, lines.line_of(loc), format_loc(loc), message,
                                Severity.WARNING))
    # A location's words under a name no location has (a typo, a renamed location):
    # never printed, and that location's pages printed the clinic's own hours.
    places = list(config.clinic.locations)
    for code, words in config.clinic.translations.items():
        for name in words.locations:
            if name in places:
                continue
            loc = ("clinic", "translations", code, "locations", name)
            close = difflib.get_close_matches(name, places, n=1)
            problems.append(Problem(CONFIG_NAME, lines.line_of(loc), format_loc(loc), (
                f"no location is called '{name}', so these words are never printed"
                + (f"; did you mean '{close[0]}'?" if close else
                   f" (the locations: {', '.join(places)})" if places else
                   " (the clinic has no locations)")), Severity.WARNING))
    return problems


@dataclass(frozen=True)
class _Names:
    """What the config's references are checked against, and the batch that refers.

    ``audiences`` and ``places`` are the names defined in the file (None: the section
    cannot be read, so nothing is checked against it); ``unread`` the batch's keys
    whose values failed validation (said by the validation; not checked again)."""

    audiences: list[str] | None
    places: list[str] | None
    batch: Batch
    unread: frozenset[str] = frozenset()

    @classmethod
    def of(cls, config: Config) -> _Names:
        """The names of a valid config."""
        return cls(list(config.audiences), list(config.clinic.locations), config.batch)

    @classmethod
    def readable(cls, data: object) -> _Names | None:
        """The names of a config that failed validation, as far as they can be read.

        An audience or location that is in the file but has errors of its own still
        counts as known: its errors are said where they are, and a batch naming it is
        right (calling it unknown would send the owner to fix the wrong line)."""
        if not isinstance(data, dict):
            return None
        audiences = data.get("audiences", {})
        clinic = data.get("clinic")
        locations = clinic.get("locations", {}) if isinstance(clinic, dict) else None
        raw = data.get("batch", {})
        if not isinstance(raw, dict):
            return None  # the batch itself is unreadable: said by the validation
        fields: dict[str, object] = {}
        unread: set[str] = set()
        for key, value in raw.items():  # one key at a time: a bad one spoils no other
            if key not in Batch.model_fields:
                continue  # an unknown key: said by the validation
            try:
                fields[key] = getattr(Batch.model_validate({key: value}), key)
            except pydantic.ValidationError:
                unread.add(key)
        return cls([str(a) for a in audiences] if isinstance(audiences, dict) else None,
                   [str(p) for p in locations] if isinstance(locations, dict) else None,
                   Batch.model_construct(**fields), frozenset(unread))


def _cross_check(names: _Names, lines: LineMap) -> list[Problem]:
    """References between parts of the config: the manifest's audiences and locations
    (its handouts are checked against ``content/`` by the loader:
    :func:`check_batch_handouts`). Only what ``names`` could read is checked."""
    problems: list[Problem] = []
    batch, unread = names.batch, names.unread
    if names.audiences is not None and "audiences" not in unread:
        known = [GENERAL, *names.audiences]
        for i, name in enumerate(batch.audiences):
            if name not in known:
                loc = ("batch", "audiences", i)
                problems.append(Problem(CONFIG_NAME, lines.line_of(loc), format_loc(loc),
                                        f"unknown audience '{name}'{_hint(name, known)}"))
    places = names.places
    if places is not None and "locations" not in unread:
        for i, name in enumerate(batch.locations or ()):
            if name not in places:
                loc = ("batch", "locations", i)
                problems.append(Problem(CONFIG_NAME, lines.line_of(loc), format_loc(loc), (
                    f"unknown location '{name}'{_hint(name, places)}" if places else
                    "the clinic has no locations (add clinic.locations, or remove this)")))
    if "exclude" in unread:
        return problems
    lists = {"audience": ("batch.audiences", batch.audiences, "audiences"),
             "language": ("batch.languages", batch.languages, "languages"),
             "paper": ("batch.papers", batch.papers, "papers"),
             "print": ("batch.prints", batch.prints, "prints"),
             "location": ("batch.locations" if batch.locations else "clinic.locations",
                          batch.locations or places, "locations")}
    # A list with an unknown name (said above) is not what the batch was meant to make:
    # judged against it, the excludes written right were told "did you mean" the typo.
    wrong = {field for field, values, known_names in (
        ("audiences", batch.audiences, None if names.audiences is None
         else [GENERAL, *names.audiences]),
        ("locations", batch.locations or (), places))
        if known_names is not None and any(v not in known_names for v in values)}
    for i, exclude in enumerate(batch.exclude):
        for key, (where, values, field) in lists.items():
            if values is None or field in unread or field in wrong:
                continue  # what the batch makes is not known: an exclude cannot be judged
            problems += _excludes_nothing(exclude, i, key, where, list(values), lines)
    return problems


def _excludes_nothing(exclude: Exclude, index: int, key: str, where: str,
                      values: list[str], lines: LineMap) -> list[Problem]:
    """A warning for an exclude whose ``key`` names a value the batch never makes (a
    typo, most often: the versions it meant to leave out are made). A warning, not an
    error: a manifest that built before keeps building."""
    value = getattr(exclude, key)
    if value is None or value in values:
        return []
    loc = ("batch", "exclude", index, key)
    known = f"{where}: {', '.join(values)}" if values else f"{where} is empty"
    close = difflib.get_close_matches(value, values, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return [Problem(CONFIG_NAME, lines.line_of(loc), format_loc(loc),
                    f"excludes nothing: the batch makes no {key} '{value}' ({hint}{known})",
                    Severity.WARNING)]


def check_batch_handouts(config: Config, lines: LineMap, handouts: list[str]) -> list[Problem]:
    """The batch manifest's handouts must be the names of content files (``handouts``),
    and an exclude naming a handout the batch never makes is warned about."""
    problems: list[Problem] = []
    for i, name in enumerate(config.batch.handouts):
        if name not in handouts:
            loc = ("batch", "handouts", i)
            problems.append(Problem(CONFIG_NAME, lines.line_of(loc), format_loc(loc),
                                    f"no such handout '{name}'{_hint(name, handouts)}"))
    made = list(config.batch.handouts) or handouts
    for i, exclude in enumerate(config.batch.exclude):
        problems += _excludes_nothing(exclude, i, "handout",
                                      "batch.handouts" if config.batch.handouts else "content/",
                                      made, lines)
    return problems


def _hint(value: str, options: list[str]) -> str:
    close = difflib.get_close_matches(value, options, n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (known: {', '.join(options)})" if options else ""
