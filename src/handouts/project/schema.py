"""Turn pydantic validation errors into located, human-worded problems.

The models in :mod:`handouts.project.config` and :mod:`handouts.project.content` are pydantic
models (typed, frozen, ``extra="forbid"``). Pydantic collects *every* error in a
document at once; here we give each one the YAML line it came from, a field path
a clinic owner can read, and wording without programmer jargon.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

import pydantic
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints

from handouts.errors import Problem
from handouts.project import markdown
from handouts.project.languages import miswritten
from handouts.project.sourcefile import KEY_LINE, SourceFile, excerpt, format_loc

#: A paper size, and a print size: the one definition of each (the config's default
#: paper, the versions a batch plans, the options of every command).
Paper = Literal["letter", "a4"]
PrintSize = Literal["standard", "large"]
#: The values of :data:`Paper`, for messages and choices.
PAPERS: tuple[str, ...] = typing.get_args(Paper)
#: A name that becomes part of a file name or a CSS class: an audience, a location.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]

#: Text that must be present and not just spaces.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _in_its_own_case(value: str) -> str:
    wrong = miswritten(value)
    if wrong:
        raise ValueError(wrong)
    return value


#: A language code as it names files and folders (``content/NAME.es.po``, ``output/es/``):
#: ``ES`` for ``es`` is refused with the right spelling, or it would be a language of
#: its own that nothing is translated into.
Language = Annotated[Text, AfterValidator(_in_its_own_case)]


def check_web_url(value: str) -> str:
    """Accept only absolute http(s) URLs with a host name."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        raise ValueError(f"must be a web address starting with https:// (got '{value}')")
    return value


class Mistakes(ValueError):
    """Every mistake of one value, raised together by a validator.

    Pydantic keeps one error per value, so a validator that raised its first mistake
    hid the others until that one was fixed. :func:`validate` says each message as its
    own problem at the value's line and field; elsewhere (:func:`describe_error`) they
    read as one message, joined by '; '."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


def _gate(markdown_text: bool) -> AfterValidator:
    """The check of :func:`handouts.project.markdown.text_problems` as a validator."""
    def check(value: str) -> str:
        found = markdown.text_problems(value, markdown=markdown_text)
        if found:
            raise Mistakes(found)  # every mistake of the text, not the first only
        return value
    return AfterValidator(check)


#: Text printed as it is (escaped): raw HTML is refused (see handouts.project.markdown).
PlainText = Annotated[Text, _gate(markdown_text=False)]
#: Text printed as inline Markdown: raw HTML, unsafe links and a '**' left open are
#: refused (see handouts.project.markdown).
MarkdownText = Annotated[Text, _gate(markdown_text=True)]


#: Yes and no as a clinic writes them, in a spreadsheet or in handouts.yaml, in the
#: languages of its staff (English, Spanish, French, German) and the usual marks: one
#: table for every yes/no value handouts reads (compared ignoring case and spaces).
YES = frozenset({"yes", "y", "sí", "si", "oui", "ja", "true", "1", "x"})
NO = frozenset({"no", "n", "non", "nein", "false", "0", ""})
#: The accepted values, for messages.
YES_NO_CHOICES = "yes or no (also sí/no, oui/non, ja/nein, true/false, 1/0, x or empty)"


def read_yes_no(value: str) -> bool | None:
    """``True`` for a yes (``sí``, ``Ja``, ``x``...), ``False`` for a no (or an empty
    value), None for anything else."""
    word = value.strip().casefold()
    return True if word in YES else False if word in NO else None


def _yes_no(value: Any) -> Any:
    if isinstance(value, str):
        answer = read_yes_no(value)
        if answer is None:
            raise ValueError(f"must be {YES_NO_CHOICES}")
        return answer
    return value  # YAML's own true/false (and yes/no) are booleans already


#: A yes/no setting: YAML's booleans, or any word of :func:`read_yes_no`.
YesNo = Annotated[bool, BeforeValidator(_yes_no)]


class Model(BaseModel):
    """Base of every model: immutable, and unknown keys are errors (typos are caught)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


M = TypeVar("M", bound=BaseModel)


def alt_text_for(image_field: str, value: str | None, info: pydantic.ValidationInfo,
                 example: str) -> str | None:
    """A validator's rule for alt text: required once ``image_field`` (validated before
    it) names a picture, so screen readers can say what it shows. A picture whose
    setting was refused (a missing file, say) still needs it: every problem is said at
    once, not the missing alt text only after the picture is fixed."""
    refused = image_field not in info.data  # given, but it failed its own validation
    if (refused or info.data.get(image_field)) and not value:
        raise ValueError(f"is required when {example}")
    return value

_MESSAGES = {
    "missing": "is required",
    "string_type": "must be text",
    "list_type": "must be a list: start each item on its own line with '- '",
    "dict_type": "must be a group of 'key: value' lines",
    "model_type": "must be a group of 'key: value' lines",
    "model_attributes_type": "must be a group of 'key: value' lines",
    "string_too_short": "must not be empty",
    "string_pattern_mismatch": "must use lower-case letters, digits and dashes "
    "(e.g. desk-workers)",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "date_type": "must be a date written as YYYY-MM-DD",
    "date_parsing": "must be a date written as YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date written as YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date written as YYYY-MM-DD, without a time",
}


def validate(model: type[M], source: SourceFile, problems: list[Problem],
             context: dict[str, Any] | None = None) -> M | None:
    """Validate ``source.data`` as ``model``; add every problem found and return None on any."""
    try:
        return model.model_validate(source.data, context=context)
    except pydantic.ValidationError as exc:
        text = source.raw.decode("utf-8-sig")
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            if format_loc(loc) in source.unreadable:
                continue  # its value could not be read: said when the file was read
            line = source.lines.line_of(loc)
            mistake = _yaml_mistake(err, text, line, loc)
            if mistake is not None:
                line, column, message = mistake
                problems.append(Problem(source.display, line, format_loc(loc), message,
                                        excerpt=excerpt(text, line or 0, column)))
            else:
                problems += [Problem(source.display, line, format_loc(loc), message)
                             for message in _messages(err, model, loc)]
        return None


#: Plain words YAML reads as true, false or nothing (YAML 1.1, as PyYAML reads it).
YAML_WORDS = frozenset({"yes", "no", "on", "off", "true", "false", "null", "~"})
#: A line's one plain value: a list item's (``- no``) or a key's (``title: Yes``).
_YAML_WORD = re.compile(r"^\s*(?:-\s+)*(?:[^\s:#'\"][^:#]*:\s+)?(?P<word>[^\s#'\"]+)\s*(?:#.*)?$")


def _yaml_mistake(err: Any, text: str, line: int | None,
                  loc: tuple[str | int, ...]) -> tuple[int, int, str] | None:
    """A YAML writing mistake behind a validation error, as ``(line, column, message)``.

    Recognised from the raw line: ``primary: #7A3E6C`` (``#`` starts a comment, so the
    value is empty), ``-item`` (no space after the dash, so no list), a list where one
    value belongs.
    """
    lines = text.splitlines()
    if line is None or not 1 <= line <= len(lines):
        return None
    source = lines[line - 1]
    value = err.get("input")
    kind = err["type"]
    word = _YAML_WORD.match(source)
    if (value is None or isinstance(value, bool)) and word and \
            kind not in ("bool_type", "bool_parsing", "literal_error") and \
            word["word"].lower() in YAML_WORDS:
        # (A value that must be one of a few words is told those words instead: quoting
        # "true" only led to a second message.)
        # "- no", "title: Yes": YAML reads these words as true, false or nothing.
        written = word["word"]
        meant = "nothing" if value is None else str(value).lower()
        return line, word.start("word"), (f"YAML reads {written} as {meant}, not as text; "
                                          f"put it in quotes: \"{written}\"")
    match = KEY_LINE.match(source.strip())
    if value is None and match and (match["value"] or "").startswith("#"):
        column = source.index("#", len(source) - len(source.lstrip()))
        written = match["value"].split()[0]
        return line, column, (f"the value starts with '#', which YAML reads as a comment; put it "
                        f"in quotes: {match['key']}: \"{written}\"")
    if kind == "list_type" and isinstance(value, str) and value.startswith("-"):
        # "you_need:" then "  -cream": point at the first item, on the next line
        while source.rstrip().endswith(":") and line < len(lines):
            line += 1
            source = lines[line - 1]
        column = source.find("-", source.find(": ") + 1)
        return line, max(column, 0), ("must be a list: put a space after '-' to start each "
                                      "item (- like this)")
    if kind == "list_type" and match and match["value"]:
        return line, source.index(match["value"], len(source) - len(source.lstrip())), \
            _MESSAGES[kind]
    if kind == "extra_forbidden" and str(loc[-1]).startswith("-"):
        column = source.index("-", len(source) - len(source.lstrip()))
        return line, column, "put a space after '-' to start a list item (- like this)"
    if kind in ("string_type", "int_type", "float_type", "bool_type", "date_type") and \
            isinstance(value, list):
        column = len(source) - len(source.lstrip())
        return line, column, "must be one value, not a list"
    return None


def describe_error(err: Any, model: type[BaseModel]) -> str:
    """One pydantic error on ``model`` in the plain words every file's problems use."""
    return _message(err, model, tuple(err["loc"]))


def _messages(err: Any, model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Every message of one pydantic error: several when a validator raised
    :class:`Mistakes`."""
    error = (err.get("ctx") or {}).get("error")
    if err["type"] == "value_error" and isinstance(error, Mistakes):
        return error.messages
    return [_message(err, model, loc)]


def _message(err: Any, model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key{hint}; allowed keys: {', '.join(sorted(allowed))}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return f"must have at least {n} item{'s' if n != 1 else ''}"
    if kind == "too_long" and isinstance(err.get("input"), str):
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} items"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind in ("model_type", "model_attributes_type") and \
            not isinstance(err.get("input"), list | dict):
        # ``reading_grade: 8``: say which keys the group has (a number was given).
        keys = _allowed_keys(model, loc)
        if keys:
            return f"{_MESSAGES[kind]}, with the keys {', '.join(keys)}"
    return _MESSAGES.get(kind, err["msg"])


def _allowed_keys(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Keys the model accepts at ``loc``: walk the field annotations down the path."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if args else None
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            current = field.annotation if field else None
        else:
            args = typing.get_args(current)  # dict[str, X]
            current = args[1] if len(args) == 2 else None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated[...]`` and ``X | None`` to get at the real type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = options[0] if len(options) == 1 else annotation
            if len(options) != 1:
                return annotation
        else:
            return annotation
