"""Writing files atomically: a reader (or a crash) never sees a half-written file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from handouts.errors import OutputError, Problem


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, then rename.

    ``os.replace`` is atomic on one filesystem, so the previous good file survives
    any failure before the rename (full disk, kill, power cut).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError([Problem(str(path.parent), None, "",
                                   f"cannot write here: {exc.strerror or exc}")]) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError([Problem(str(path), None, "",
                                   f"could not be written: {exc.strerror or exc}; "
                                   "the previous version was kept")]) from None


def write_new(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` (atomically) unless something is already there.

    Returns whether it was written. For copying starter files into a project: the
    clinic's own file always wins, and is left byte for byte as it was.
    """
    if path.exists() or path.is_symlink():
        return False
    write_atomic(path, data)
    return True
