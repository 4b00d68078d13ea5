"""File names for named-client copies: private by default, a pattern when a clinic wants one."""

from __future__ import annotations

import re
import string

from handouts.errors import OptionError, Problem
from handouts.variants.clients import Client
from handouts.variants.plan import Variant

#: Placeholders a ``--name-pattern`` may use.
PATTERN_FIELDS = ("client", "handout", "audience", "language", "paper", "print", "hash", "row")


def _slug(text: str) -> str:
    # Only letters, digits and dashes: no path separators, no dot-files, no surprises.
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:80] or "x"


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
    if pattern is None:
        stem = f"{variant.handout}-row{row}-{digest[:8]}" if row else \
            f"{variant.handout}-{digest}"
        return stem + ".pdf"
    check_pattern(pattern)
    values = {"client": client.name, "handout": variant.handout, "audience": variant.audience,
              "language": variant.language, "paper": variant.paper, "print": variant.print,
              "hash": digest, "row": str(row or 0)}
    return _slug(pattern.format(**values)) + ".pdf"
