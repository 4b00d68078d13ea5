"""The project's file-name key: what makes a named copy's default file name unguessable.

A named copy's default file name carries a short hash of the client's details
(``back-massage-3f9a1c2b7d4e.pdf``). Unkeyed, anyone holding the output folder and a
list of names (the clinic's client list, a phone book) could hash each name and see
who a file is for. Keyed with a random secret kept in the project folder, outside
``output/``, the hash says nothing without the key, and the same client still gets
the same file name on every run, so a copy made again replaces the last one.

The key lives in ``.handouts/name-key`` (with a ``.gitignore`` of its own, so it is
never committed with the project) and is made on the first named copy. A project
folder this user may not write to (a read-only share, with ``--out`` elsewhere) that
has no key yet gets one kept for this user instead, in
``$XDG_DATA_HOME/handouts/name-keys/`` (by default ``~/.local/share/...``), named by a
hash of the project's path: still never in the output folder, where it would unkey
the names it keys.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
from pathlib import Path

from handouts.errors import OutputError, Problem

#: Where the key is kept, from the project folder.
KEY_PATH = ".handouts/name-key"
#: Bytes of randomness in a key (written as hex).
KEY_BYTES = 32


#: Errors that mean "this user may not write there" (not a full disk, say).
_NOT_ALLOWED = (errno.EACCES, errno.EPERM, errno.EROFS)


class _NotAllowed(Exception):
    """The key's folder cannot be written by this user."""


def name_key(root: Path) -> bytes:
    """The key of the project in ``root``, made (mode 0600) on first use; kept for this
    user (:func:`user_key_path`) when the project folder has none and may not be written.

    Raises :class:`OutputError` when it cannot be made or read, or was damaged (a
    different key would silently give every client a new file name).
    """
    try:
        return _key_at(root / KEY_PATH)
    except _NotAllowed as project:
        try:
            fallback = user_key_path(root)
        except RuntimeError:  # no home folder to keep it in (a service account, say)
            raise _problem(f"cannot be made ({project})") from None
        try:
            return _key_at(fallback, shown=str(fallback), private_folder=True)
        except _NotAllowed as user:
            raise _problem(f"cannot be made ({project}), nor kept for this user in "
                           f"{fallback} ({user})") from None


def user_key_path(root: Path) -> Path:
    """Where this user keeps the key of the project in ``root`` when its folder may not
    be written: named by a hash of the project's path (nothing else about it)."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    project = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return Path(data) / "handouts" / "name-keys" / project


def _key_at(path: Path, *, shown: str = KEY_PATH, private_folder: bool = False) -> bytes:
    """The key in ``path`` (named ``shown`` in messages), made there if missing."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return _make(path, shown, private_folder)
    except (OSError, UnicodeDecodeError) as exc:
        raise _problem(f"cannot be read ({getattr(exc, 'strerror', None) or exc})",
                       shown) from None
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise _problem(f"is not a key of {KEY_BYTES} bytes written in hex; restore it "
                       "from a backup, or delete it to make a new one (named copies "
                       "made after that get new file names)", shown)
    return key


def _make(path: Path, shown: str, private_folder: bool) -> bytes:
    key = secrets.token_bytes(KEY_BYTES)
    try:
        if private_folder:  # this user's own folder of keys: no one else lists it
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        else:
            path.parent.mkdir(exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not private_folder and not ignore.exists():
            ignore.write_text("# handouts' own files: never committed (the key is a secret)\n"
                              "*\n", encoding="utf-8")
        # O_EXCL: two commands making the first copies at once keep one key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _key_at(path, shown=shown, private_folder=private_folder)
    except OSError as exc:
        if exc.errno in _NOT_ALLOWED:
            raise _NotAllowed(exc.strerror or str(exc)) from None
        raise _problem(f"cannot be made ({exc.strerror or exc})", shown) from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key


def _problem(message: str, shown: str = KEY_PATH) -> OutputError:
    return OutputError([Problem(shown, None, "", message)])


__all__ = ["KEY_PATH", "name_key", "user_key_path"]
