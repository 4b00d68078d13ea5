"""Named clients: the personal "prepared for" block, and mail merge from a CSV file.

Client names and notes are personal health information. They go into the PDF the
user asked for and nowhere else: not into logs, the batch index, caches or
default file names (those use the CSV row number or a hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass

from handouts.errors import Problem


@dataclass(frozen=True)
class Client:
    """The personal details printed in the "prepared for" block."""

    name: str
    note: str | None = None
    therapist: str | None = None
    next_appointment: dt.date | None = None

    def __post_init__(self) -> None:
        # One spelling of each letter however it was typed (see composed): a name pasted
        # from a Mac arrives decomposed, and was two clients and a misprinted name.
        for key in CLIENT_FIELDS:
            value = getattr(self, key)
            if value:
                object.__setattr__(self, key, composed(value))

    def fingerprint(self, key: bytes, *parts: str) -> str:
        """A short, stable id for file names that does not reveal the client: keyed with
        the project's secret ``key`` (see :mod:`handouts.project.namekey`), so a list of
        names cannot be hashed and matched against the files."""
        text = "\x1f".join((self.name, self.note or "", self.therapist or "",
                             str(self.next_appointment or ""), *parts))
        return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:12]


def composed(text: str) -> str:
    """``text`` in Unicode's composed form (NFC): "é" as one character, not "e" and an
    accent. Text pasted from macOS (Finder, Numbers, some web forms) arrives decomposed;
    it looks the same, but compared with a composed name it is another client, and the
    engine drew a Vietnamese "ư" followed by its marks as another word ("Hướng" for
    "Hương") and lost the tilde of "Nguyễn" in the PDF's text."""
    return unicodedata.normalize("NFC", text)


#: Direction controls that reorder the text around them (embeddings, overrides,
#: isolates). A name with U+202E prints backwards; real names never need them: the
#: page sets the direction of each language itself. The marks U+200E/U+200F and the
#: joiners U+200C/U+200D stay: scripts such as Persian and the Indic ones need them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: The client's details, in the order they are checked.
CLIENT_FIELDS = ("name", "note", "therapist")


def text_problem(value: str, *, lines: bool = False) -> str | None:
    """What is wrong with one client field's text, in plain words (None: nothing).

    One rule for every way a client's details arrive (``build --client``, the CSV of
    ``merge``, the front desk's form): control characters (a bell, an escape, a form
    feed pasted from another program) would print as boxes or vanish, and direction
    controls would print the name in another order. Only a note (``lines``) may hold
    line breaks and tabs. The value itself is never repeated: it is personal.
    """
    allowed = "\t\n\r" if lines else ""
    for index, char in enumerate(value, start=1):
        if char in BIDI_CONTROLS:
            return (f"has a text-direction control character (U+{ord(char):04X}) at "
                    f"character {index}, which would print the text in another order; "
                    "retype it without that character")
        code = ord(char)
        if (code < 0x20 or 0x7F <= code < 0xA0) and char not in allowed:
            return (f"has an invisible control character (U+{code:04X}) at character "
                    f"{index}; retype it without that character")
    return None


def client_text_problems(client: Client, fields: dict[str, str], path: str,
                         line: int | None = None) -> list[Problem]:
    """Every field of ``client`` that breaks :func:`text_problem`, named as ``fields``
    names them (``{"name": "--client", ...}`` for the command line, column names for
    a CSV, labels for the form); the name must not be empty."""
    problems = []
    if not client.name.strip():  # "Prepared for" and nothing: never a client's copy
        problems.append(Problem(path, line, fields.get("name", "name"), "must not be empty"))
    for key in CLIENT_FIELDS:
        value = getattr(client, key)
        message = text_problem(value, lines=key == "note") if value else None
        if message:
            problems.append(Problem(path, line, fields.get(key, key), message))
    return problems
