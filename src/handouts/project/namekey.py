"""The project's file-name key: what makes a named copy's default file name unguessable.

A named copy's default file name carries a short hash of the client's details
(``back-massage-3f9a1c2b7d4e.pdf``). Unkeyed, anyone holding the output folder and a
list of names (the clinic's client list, a phone book) could hash each name and see
who a file is for. Keyed with a random secret kept in the project folder, outside
``output/``, the hash says nothing without the key, and the same client still gets
the same file name on every run, so a copy made again replaces the last one.

The key lives in ``.handouts/name-key`` (with a ``.gitignore`` of its own, so it is
never committed with the project) and is made on the first named copy.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from handouts.errors import OutputError, Problem

#: Where the key is kept, from the project folder.
KEY_PATH = ".handouts/name-key"
#: Bytes of randomness in a key (written as hex).
KEY_BYTES = 32


def name_key(root: Path) -> bytes:
    """The key of the project in ``root``, made (mode 0600) on first use.

    Raises :class:`OutputError` when it cannot be made or read, or was damaged (a
    different key would silently give every client a new file name).
    """
    path = root / KEY_PATH
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return _make(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise _problem(f"cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise _problem(f"is not a key of {KEY_BYTES} bytes written in hex; restore it "
                       "from a backup, or delete it to make a new one (named copies "
                       "made after that get new file names)")
    return key


def _make(path: Path) -> bytes:
    key = secrets.token_bytes(KEY_BYTES)
    try:
        path.parent.mkdir(exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# handouts' own files: never committed (the key is a secret)\n"
                              "*\n", encoding="utf-8")
        # O_EXCL: two commands making the first copies at once keep one key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return name_key(path.parents[1])
    except OSError as exc:
        raise _problem(f"cannot be made ({exc.strerror or exc})") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key


def _problem(message: str) -> OutputError:
    return OutputError([Problem(KEY_PATH, None, "", message)])


__all__ = ["KEY_PATH", "name_key"]
