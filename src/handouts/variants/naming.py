"""File names for named-client copies: private by default, a pattern when a clinic wants one."""

from __future__ import annotations

import re
import string

from handouts.errors import OptionError, Problem
from handouts.variants.clients import Client, composed
from handouts.variants.plan import Variant

#: Placeholders a ``--name-pattern`` may use.
PATTERN_FIELDS = ("client", "handout", "audience", "language", "paper", "print", "hash", "row")


#: The longest file name a slug makes, in UTF-8 bytes: file systems allow 255, and
#: ".pdf" and a folder's own limits need room.
MAX_NAME_BYTES = 200


def _slug(text: str) -> str:
    """Only letters (of any script), digits and dashes: no path separators, no dot-files,
    no surprises. "José Núñez" is ``josé-núñez`` and "王小明" ``王小明``: keeping only
    A-Z made them ``jos-n-ez`` and ``x``, and two Chinese names one file, the second
    replacing the first. Empty when nothing is left."""
    kept = "".join(c if c.isalnum() else "-" for c in composed(text).lower())
    slug = re.sub(r"-+", "-", kept).strip("-")
    while len(slug.encode("utf-8")) > MAX_NAME_BYTES:
        slug = slug[:-1]
    return slug.rstrip("-")


def check_pattern(pattern: str) -> None:
    """Refuse patterns with unknown placeholders or that could escape the output folder."""
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
    except ValueError as exc:
        raise OptionError([Problem("--name-pattern", None, "", str(exc))]) from None
    unknown = [n for n in names if n not in PATTERN_FIELDS]
    if unknown or "/" in pattern or "\\" in pattern or pattern.startswith("."):
        raise OptionError([Problem("--name-pattern", None, "", (
            f"'{pattern}' is not a valid file-name pattern: use only "
            f"{', '.join('{' + f + '}' for f in PATTERN_FIELDS)} and plain text, "
            "without slashes"))])


def client_filename(variant: Variant, client: Client, pattern: str | None,
                    row: int | None = None, *, key: bytes) -> str:
    """``back-massage-3f9a1c2b7d4e.pdf`` by default: the hash, keyed with the project's
    ``key``, hides who it is for."""
    digest = client.fingerprint(key, variant.relpath)
    private = f"{variant.handout}-{digest}"
    if pattern is None:
        stem = f"{variant.handout}-row{row}-{digest[:8]}" if row else private
        return stem + ".pdf"
    check_pattern(pattern)
    values = {"client": client.name, "handout": variant.handout, "audience": variant.audience,
              "language": variant.language, "paper": variant.paper, "print": variant.print,
              "hash": digest, "row": str(row or 0)}
    # Nothing left (a name of symbols only): the private name, never a shared "x".
    return (_slug(pattern.format(**values)) or private) + ".pdf"
