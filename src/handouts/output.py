"""Writing files atomically: a reader (or a crash) never sees a half-written file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from handouts.errors import OutputError, Problem


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, then rename.

    ``os.replace`` is atomic on one filesystem, so the previous good file survives
    any failure before the rename (full disk, kill, power cut).
    """
    tmp = _temporary(path, data)
    try:
        os.replace(tmp, path)
    except OSError as exc:
        _discard([tmp])
        raise OutputError([_not_written(path, exc)]) from None


def write_all(files: list[tuple[Path, bytes]]) -> tuple[list[Path], list[Problem]]:
    """Write every ``(path, data)`` or, as far as a file system allows, none: the paths
    written and the problems. Every target is checked first (a folder standing where a
    PDF goes), then each file is written in full beside its target; only when all are
    written are they renamed into place, so a full disk or a read-only folder leaves
    every previous file as it was and no new one. (Only a rename failing half-way,
    which nothing found before predicts, leaves some written: they are returned.)"""
    problems = [Problem(str(path), None, "", "is a folder, where this PDF would go: rename "
                        "or delete it; nothing was written")
                for path, _ in files if path.exists() and not path.is_file()]
    if problems:
        return [], problems
    ready: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            ready.append((_temporary(path, data), path))
    except OutputError as exc:
        _discard(tmp for tmp, _ in ready)
        return [], exc.problems
    written: list[Path] = []
    for n, (tmp, path) in enumerate(ready):
        try:
            os.replace(tmp, path)
        except OSError as exc:
            _discard(left for left, _ in ready[n:])
            return written, [_not_written(path, exc)]
        written.append(path)
    return written, []


def _discard(temporaries: Iterable[str]) -> None:
    """Remove temporary files that will not be put in place (gone already: fine)."""
    for tmp in temporaries:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _temporary(path: Path, data: bytes) -> str:
    """``data`` written in full (and synced) to a temporary file beside ``path``; raises
    :class:`OutputError` with the reason, leaving nothing behind."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError([_unwritable(path.parent, exc)]) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
    except OSError as exc:
        _discard([tmp])
        raise OutputError([_not_written(path, exc)]) from None
    return tmp


def _not_written(path: Path, exc: OSError) -> Problem:
    # Only a file that was there is "kept" (a folder in the way: "Is a directory").
    kept = "; the previous version was kept" if path.is_file() else ""
    return Problem(str(path), None, "", f"could not be written: {exc.strerror or exc}{kept}")


def write_new(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless something is already there; whether it wrote.

    For copying starter files into a project (``init``, ``add``): the clinic's own file
    always wins and is left byte for byte as it was. Exclusive, so nothing is written
    over a file, or through a link (dangling or not), even one that appears meanwhile;
    and atomic, so a crash leaves the whole file or none (a hard link of a finished
    temporary file; on a file system without hard links, an exclusive create).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(path):
        return False
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new.tmp")
    try:
        temporary.write_bytes(data)
        try:
            os.link(temporary, path)  # fails if anything is at path, a link included
        except FileExistsError:
            return False
        except OSError:  # no hard links here (FAT, some network shares)
            try:
                with open(path, "xb") as handle:
                    handle.write(data)
            except FileExistsError:
                return False
    finally:
        temporary.unlink(missing_ok=True)
    return True


def _unwritable(folder: Path, exc: OSError) -> Problem:
    """Why nothing can be written in ``folder``: a file standing where a folder must be
    (a file called ``output``, say) is named, with what to do, not the system's words."""
    blocking = next((part for part in (folder, *folder.parents)
                     if part.exists() and not part.is_dir()), None)
    if blocking is not None:
        return Problem(str(blocking), None, "", (
            "is a file, where handouts needs a folder to write into: rename or delete it "
            "(or choose another folder with --out)"))
    # A link to a folder that is not there (a shared drive not connected): the system
    # says "File exists", which hides it.
    dangling = next((part for part in (folder, *folder.parents)
                     if part.is_symlink() and not part.exists()), None)
    if dangling is not None:
        return Problem(str(dangling), None, "", (
            f"is a link to {os.readlink(dangling)}, which does not exist (a shared drive "
            "not connected?): connect it, or choose another folder with --out"))
    return Problem(str(folder), None, "", f"cannot write here: {exc.strerror or exc}")


#: The file a batch holds in its output folder while it writes there (see
#: :func:`one_writer`).
LOCK_NAME = ".handouts-batch.lock"


@contextlib.contextmanager
def one_writer(folder: Path) -> Iterator[None]:
    """Hold ``folder`` for one batch at a time, or raise :class:`OutputError` at once.

    Two batches of one project into one folder raced: the older one, still rendering,
    wrote its PDFs over the newer one's (a location's old phone, after the owner had
    fixed it and run the batch again). The lock is the operating system's, released
    when the process ends however it ends (kill -9 included): never a stale lock."""
    with _folder_lock(folder, shared=False, busy=(
            "another batch (or a build) is writing into this folder now; run this one once "
            "it has finished (two at once could leave the older one's PDFs over the newer "
            "one's)")):
        yield


@contextlib.contextmanager
def beside_batches(folder: Path) -> Iterator[None]:
    """Hold ``folder`` while a build writes its PDFs there (builds may write side by
    side), or raise :class:`OutputError` at once when a batch is writing there: the
    batch, started before the build's edit, would then replace the build's PDF with
    the version it started with (the clinic's old phone), without a word."""
    with _folder_lock(folder, shared=True, busy=(
            "a batch is writing into this folder now, and would replace these PDFs with the "
            "versions it started with; build again once it has finished (or choose another "
            "folder with --out)")):
        yield


@contextlib.contextmanager
def _folder_lock(folder: Path, *, shared: bool, busy: str) -> Iterator[None]:
    """The operating system's lock on ``folder``'s :data:`LOCK_NAME`, shared or not;
    :class:`OutputError` saying ``busy`` when it is held otherwise."""
    try:
        import fcntl
    except ImportError:  # not on this system: as before
        yield
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError([_unwritable(folder / LOCK_NAME, exc)]) from None
    try:
        try:
            fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except OSError:
            raise OutputError([Problem(str(folder), None, "", busy)]) from None
        yield
    finally:
        os.close(handle)
