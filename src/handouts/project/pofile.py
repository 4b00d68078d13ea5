"""Read gettext ``.po`` files strictly, reporting every mistake with its line.

Babel's own reader is forgiving in the wrong places: it strips the first and last
character of an unquoted ``msgstr`` (printing a mangled translation), merges
duplicate entries silently and raises bare ``ValueError``/``LookupError`` on a bad
header. Translators edit these files by hand, so here each line is checked first
and every problem is located (``content/back-massage.es.po:12: title: ...``); only
a file without problems becomes a Babel :class:`~babel.messages.catalog.Catalog`.

A BOM and Windows (CRLF) line endings are accepted; a missing header is too (the
file is then read as UTF-8, as gettext does).
"""

from __future__ import annotations

import codecs
import gettext
import re
from dataclasses import dataclass, field
from email import message_from_string
from pathlib import Path

from babel.messages.catalog import Catalog, Message

from handouts.errors import Problem

#: Real translation files are a few kB; anything bigger is a mistake (or an attack).
MAX_FILE_BYTES = 2_000_000

_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d{1,2})\])?)(?:[ \t]+(.*))?$")
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r",
            "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CHARSET = re.compile(rb"charset=([^\s\"\\;]*)", re.IGNORECASE)


class _Bad(Exception):
    """One line's problem; the message is shown to the translator."""


@dataclass
class _Entry:
    """One ``msgctxt``/``msgid``/``msgstr`` group as written, with its lines."""

    flags: list[str] = field(default_factory=list)
    user_comments: list[str] = field(default_factory=list)
    auto_comments: list[str] = field(default_factory=list)
    context: str | None = None
    msgid: str | None = None
    msgid_line: int = 0
    plural: str | None = None
    strings: dict[int, str] = field(default_factory=dict)
    indexed: bool = False  # msgstr[n] was used
    #: For the header: (offset in the joined msgstr, line) of every piece.
    pieces: list[tuple[int, int]] = field(default_factory=list)
    current: str = ""  # the keyword that continuation lines add to
    #: The source text it was translated from (``#| msgid``), kept for the next update.
    previous: list[str] = field(default_factory=list)

    @property
    def field(self) -> str:
        return self.context or ""


def _string(arg: str) -> str:
    """The text of one double-quoted C string (with gettext's escapes)."""
    if not arg.startswith('"'):
        raise _Bad("the text must be in double quotes")
    out: list[str] = []
    i = 1
    while i < len(arg):
        char = arg[i]
        if char == '"':
            rest = arg[i + 1:].strip()
            if rest:
                raise _Bad(f"has more text after the closing double quote: {_shown(rest)}; "
                           'write a double quote inside the text as \\"')
            return "".join(out)
        if char == "\\" and i + 1 < len(arg):
            escape = arg[i + 1]
            if escape not in _ESCAPES:
                raise _Bad(f"has an unknown escape \\{escape} (write \\\\ for a backslash)")
            out.append(_ESCAPES[escape])
            i += 2
            continue
        out.append(char)
        i += 1
    raise _Bad("the text has no closing double quote")


def _shown(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _decode(raw: bytes, display: str, problems: list[Problem]) -> str | None:
    """The file's text in the charset its header names (UTF-8 when it names none)."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    found = _CHARSET.search(raw)
    charset = found.group(1).decode("ascii", "replace") if found else "utf-8"
    if not charset or charset.lower() == "charset":  # gettext's template placeholder
        charset = "utf-8"
    line = raw[: found.start()].count(b"\n") + 1 if found else None
    try:
        codec = codecs.lookup(charset)
    except LookupError:
        problems.append(Problem(display, line, "", (
            f"Content-Type: charset {_shown(charset)} is not a known text encoding; "
            "save the file as UTF-8 and write charset=UTF-8")))
        return None
    if codec.name.startswith(("utf-16", "utf-32")):  # lines would not split on b"\n"
        problems.append(Problem(display, line, "", (
            f"Content-Type: charset {charset} cannot be read; save the file as UTF-8 and "
            "write charset=UTF-8")))
        return None
    try:
        text = raw.decode(codec.name)
    except UnicodeDecodeError as exc:
        named = " (the charset its Content-Type header names)" if found else ""
        problems.append(Problem(display, raw[: exc.start].count(b"\n") + 1, "", (
            f"is not {charset.upper() if not found else charset} text{named}; save it as "
            "UTF-8 in your editor")))
        return None
    mismatch = _saved_as_utf8(raw) if codec.name != "utf-8" else None
    if mismatch is not None:
        # Read as the declared charset, every accented letter would turn into two
        # ("é" into "Ã©"), be printed so, and be written back so by 'translate'.
        problems.append(Problem(display, line, "", (
            f"Content-Type: the header says charset={charset}, but the file is saved as "
            f"UTF-8 (first non-ASCII text at line {mismatch}); write charset=UTF-8")))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _saved_as_utf8(raw: bytes) -> int | None:
    """The line of the first non-ASCII byte when ``raw`` is UTF-8 text with some
    (None when it is plain ASCII or not UTF-8).

    Text in a single-byte charset (Latin-1, Windows-1252...) is almost never valid
    UTF-8 as well: its accented letters stand alone, where UTF-8 needs each one
    followed by a continuation byte.
    """
    first = next((i for i, byte in enumerate(raw) if byte >= 0x80), None)
    if first is None:
        return None
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return raw[:first].count(b"\n") + 1


def _lex(text: str, display: str, problems: list[Problem]) -> list[_Entry]:
    """Every entry of the file; syntax mistakes are added to ``problems``."""
    entries: list[_Entry] = []
    entry = _Entry()

    def finish(line: int) -> None:
        nonlocal entry
        if entry.msgid is not None:
            if not entry.strings:
                problems.append(Problem(display, entry.msgid_line, entry.field,
                                        "has a msgid but no msgstr after it"))
            else:
                entries.append(entry)
        elif entry.context is not None:
            problems.append(Problem(display, line, entry.field,
                                    "has a msgctxt but no msgid after it"))
        entry = _Entry()

    for number, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.strip(" \t")
        if not line or line.startswith("#~"):  # obsolete entries are not used
            continue
        control = _CONTROL.search(line)
        if control:
            problems.append(Problem(display, number, entry.field, (
                f"contains a control character (U+{ord(control.group()):04X}); remove it")))
            continue
        if line.startswith("#"):
            if entry.strings or entry.context is not None or entry.msgid is not None:
                finish(number)
            prefix = line[:2]
            if prefix == "#,":
                entry.flags += [f.strip() for f in line[2:].split(",") if f.strip()]
            elif prefix == "#.":
                entry.auto_comments.append(line[2:].strip())
            elif prefix == "#|":
                _previous(entry, line[2:].strip())
            elif prefix not in ("#:", "#|"):
                entry.user_comments.append(line[1:].strip())
            continue
        try:
            if line.startswith('"'):
                if not entry.current:
                    raise _Bad("is text in double quotes outside any msgid or msgstr")
                _add(entry, entry.current, _string(line), number)
                continue
            match = _KEYWORD.match(line)
            if match is None:
                raise _Bad(f"{_shown(line)} is not a .po line: each line is a comment (#), "
                           "msgctxt, msgid or msgstr followed by text in double quotes, or "
                           "more text in double quotes")
            keyword, arg = match.group(1), match.group(3) or ""
            if (keyword == "msgctxt" and (entry.msgid is not None or entry.context is not None)) \
                    or (keyword == "msgid" and entry.msgid is not None):
                finish(number)
            if keyword == "msgid_plural" and (entry.msgid is None or entry.strings):
                raise _Bad("msgid_plural must follow a msgid")
            if keyword.startswith("msgstr") and entry.msgid is None:
                raise _Bad(f"{keyword} has no msgid before it")
            try:
                value = _string(arg) if arg else _missing(keyword)
            except _Bad:
                # Keep the entry's shape so one mistake gives one message, not a cascade.
                entry.current = keyword
                if keyword == "msgid":
                    entry.msgid_line = number
                _add(entry, keyword, "", number, start=True)
                raise
            if keyword == "msgid":
                entry.msgid_line = number
            entry.current = keyword
            _add(entry, keyword, value, number, start=True)
        except _Bad as exc:
            problems.append(Problem(display, number, entry.field, str(exc)))
    finish(len(text.split("\n")))
    return entries


def _previous(entry: _Entry, text: str) -> None:
    """Keep a ``#| msgid "..."`` line (and its ``#| "..."`` continuations); a malformed
    one is only a comment, so it is dropped rather than reported."""
    keyword, _, arg = text.partition(" ")
    try:
        if keyword == "msgid":
            entry.previous = [_string(arg.strip())]
        elif text.startswith('"') and entry.previous:
            entry.previous[-1] += _string(text)
    except _Bad:
        pass


def _missing(keyword: str) -> str:
    raise _Bad(f'{keyword} needs its text in double quotes, e.g. {keyword} ""')


def _add(entry: _Entry, keyword: str, value: str, line: int, start: bool = False) -> None:
    if keyword == "msgctxt":
        entry.context = value if start else (entry.context or "") + value
    elif keyword == "msgid":
        entry.msgid = value if start else (entry.msgid or "") + value
    elif keyword == "msgid_plural":
        entry.plural = value if start else (entry.plural or "") + value
    else:
        index = int(keyword[7:-1]) if "[" in keyword else 0
        entry.indexed = entry.indexed or "[" in keyword
        if start and index in entry.strings:
            raise _Bad(f"{keyword} appears twice in one entry")
        before = "" if start else entry.strings.get(index, "")
        if index == 0:
            entry.pieces.append((len(before), line))
        entry.strings[index] = before + value


def _header_problems(header: _Entry, display: str) -> list[Problem]:
    """Each header field Babel would fail to read, at its own line."""
    problems: list[Problem] = []
    text = header.strings.get(0, "")
    offset = 0
    for part in text.split("\n"):
        line = max((ln for start, ln in header.pieces if start <= offset),
                   default=header.msgid_line)
        offset += len(part) + 1
        for name, value in message_from_string(part).items():
            reason = _header_field_problem(name, value)
            if reason:
                problems.append(Problem(display, line, "", f"{name}: {reason}"))
    return problems


def _header_field_problem(name: str, value: str) -> str | None:
    """Why Babel (or gettext) cannot use this header field, else None."""
    if name.lower() == "plural-forms":
        found = dict(p.strip().partition("=")[::2] for p in value.split(";") if "=" in p)
        try:
            if int(found.get("nplurals", "2")) < 1:
                raise ValueError
            gettext.c2py(found.get("plural", "(n != 1)"))
        except (ValueError, SyntaxError, RecursionError, OverflowError):
            return (f"{_shown(value, 80)} cannot be read; write e.g. "
                    "nplurals=2; plural=(n != 1);")
        return None
    try:
        Catalog().mime_headers = [(name, value)]
    except Exception:  # Babel raises ValueError, UnknownLocaleError... per field
        example = {"language": "es", "pot-creation-date": "2026-02-28 12:00+0000",
                   "po-revision-date": "2026-02-28 12:00+0000"}.get(name.lower())
        hint = f"; write e.g. {example}" if example else ""
        return f"{_shown(value, 80)} cannot be read{hint}"
    return None


def read_catalog(path: Path, display: str, locale: str | None) -> tuple[Catalog | None,
                                                                          list[Problem]]:
    """Read ``path`` as a catalog for ``locale``; on any problem return None and all of them."""
    problems: list[Problem] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(display, None, "", f"cannot be read: {exc.strerror or exc}")]
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(display, None, "", f"is too large ({len(raw):,} bytes; the "
                                                 f"limit is {MAX_FILE_BYTES:,})")]
    text = _decode(raw, display, problems)
    if text is None:
        return None, problems
    entries = _lex(text, display, problems)
    seen: dict[tuple[str | None, str], int] = {}
    for entry in entries:
        key = (entry.context, entry.msgid or "")
        if key in seen:
            problems.append(Problem(display, entry.msgid_line, entry.field, (
                f"is translated twice (also on line {seen[key]}); delete one of them")))
        seen.setdefault(key, entry.msgid_line)
        if entry.msgid == "" and entry.context is None:
            problems += _header_problems(entry, display)
        elif entry.msgid == "":
            problems.append(Problem(display, entry.msgid_line, entry.field,
                                    'has an empty msgid; only the header has msgid ""'))
        elif (entry.plural is None) == entry.indexed:
            problems.append(Problem(display, entry.msgid_line, entry.field, (
                "msgstr[n] needs a msgid_plural before it" if entry.indexed else
                "has a msgid_plural, so its translations are msgstr[0], msgstr[1]...")))
    if problems:
        return None, problems
    try:
        catalog = _catalog(entries, locale)
        # Obsolete (#~) entries, which ``handouts translate`` keeps for texts taken out
        # of the handout: never used to print, read only to give a text that comes
        # back its translation. A mistake in them is nobody's problem.
        for entry in _lex(_obsolete_lines(text), display, []) if "#~" in text else ():
            if entry.msgid and entry.plural is None and entry.strings.get(0):
                catalog.obsolete[(entry.msgid, entry.context)] = Message(
                    entry.msgid, entry.strings[0], context=entry.context,
                    user_comments=entry.user_comments)
        return catalog, []
    except Exception as exc:  # a last guard: Babel may still refuse something
        return None, [Problem(display, None, "", f"is not a valid .po file: {exc}")]


def _obsolete_lines(text: str) -> str:
    """``text`` with only its obsolete entries, unmarked, each on its own line."""
    return "\n".join(line.strip(" \t")[2:].strip(" \t")
                     if line.strip(" \t").startswith("#~") else ""
                     for line in text.split("\n"))


def _catalog(entries: list[_Entry], locale: str | None) -> Catalog:
    catalog = Catalog(locale=locale)
    for entry in entries:
        msgid: str | tuple[str, str] = entry.msgid or ""
        string: str | tuple[str, ...] = entry.strings[0] if entry.plural is None else tuple(
            entry.strings.get(i, "") for i in range(max(entry.strings) + 1))
        if entry.plural is not None:
            msgid = (entry.msgid or "", entry.plural)
        catalog[msgid] = Message(msgid, string, flags=entry.flags,
                                 auto_comments=entry.auto_comments,
                                 user_comments=entry.user_comments,
                                 lineno=entry.msgid_line, context=entry.context,
                                 previous_id=entry.previous)
    return catalog
