"""Named copies' default file names are keyed with the project's own secret: a list of
names hashed by someone holding the output folder matches nothing."""

from __future__ import annotations

import errno
import hashlib
import hmac
import stat
from pathlib import Path
from typing import Any

import pytest

from handouts.project.namekey import user_key_path

from .helpers import copy_example, run_in

CLIENT = "Ana Ruiz"


def _named(project: Path) -> list[str]:
    result = run_in(project, "build", "desk-stretch-break", "--client", CLIENT)
    assert result.exit_code == 0, result.output
    return sorted(p.name for p in (project / "output" / "clients").iterdir())


def test_the_file_name_hash_is_keyed_per_project_and_stable(tmp_path: Path) -> None:
    one, two = copy_example(tmp_path / "one"), copy_example(tmp_path / "two")
    names = _named(one)
    assert len(names) == 1 and _named(one) == names  # made again: the same file, replaced
    key_file = one / ".handouts" / "name-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (one / ".handouts" / ".gitignore").read_text(encoding="utf-8").endswith("*\n")
    key = bytes.fromhex(key_file.read_text(encoding="ascii"))
    details = "\x1f".join((CLIENT, "", "", "", "en/general/desk-stretch-break-letter-standard.pdf"))
    keyed = hmac.new(key, details.encode(), hashlib.sha256).hexdigest()[:12]
    unkeyed = hashlib.sha256(details.encode()).hexdigest()[:12]
    assert names == [f"desk-stretch-break-{keyed}.pdf"]
    assert keyed != unkeyed
    # Another project (another key): the same client gets another name.
    assert _named(two) != names


def test_a_damaged_key_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    project = copy_example(tmp_path / "clinic")
    (project / ".handouts").mkdir()
    (project / ".handouts" / "name-key").write_text("not hex\n", encoding="ascii")
    result = run_in(project, "build", "desk-stretch-break", "--client", CLIENT)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        ".handouts/name-key: is not a key of 32 bytes written in hex; restore it from a "
        "backup, or delete it to make a new one (named copies made after that get new "
        "file names)")
    assert CLIENT not in result.output
    assert not (project / "output" / "clients").exists()


def _read_only(project: Path, monkeypatch: pytest.MonkeyPatch, *also: Path) -> None:
    """Folders under ``project`` (and ``also``) cannot be made, as on a read-only share
    (the tests run as root, whom file modes do not stop)."""
    real = Path.mkdir

    def mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
        if any(self == p or p in self.parents for p in (project, *also)):
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)


def test_a_read_only_project_keeps_its_key_for_this_user(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A project on a read-only share, built with --out elsewhere: named copies used to
    fail for want of .handouts/name-key; the key is kept in the user's data folder."""
    project = copy_example(tmp_path / "share" / "clinic")
    out = tmp_path / "mine"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    _read_only(project, monkeypatch)
    names = []
    for _ in range(2):
        result = run_in(project, "build", "desk-stretch-break", "--client", CLIENT,
                        "--out", str(out))
        assert result.exit_code == 0, result.output
        names.append(sorted(p.name for p in (out / "clients").iterdir()))
    assert names[0] == names[1] and len(names[0]) == 1  # the same key: the same name
    assert not (project / ".handouts").exists()
    keys = list((tmp_path / "data" / "handouts" / "name-keys").iterdir())
    assert [k.name for k in keys] == [user_key_path(project).name]
    assert stat.S_IMODE(keys[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(keys[0].parent.stat().st_mode) == 0o700
    assert CLIENT not in str(keys[0]) and not list(out.rglob("*key*"))


def test_no_place_for_the_key_is_one_plain_error(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_example(tmp_path / "clinic")
    data = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    _read_only(project, monkeypatch, data)
    result = run_in(project, "build", "desk-stretch-break", "--client", CLIENT,
                    "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        ".handouts/name-key: cannot be made (Read-only file system), nor kept for this "
        f"user in {user_key_path(project)} (Read-only file system)")
    assert not (tmp_path / "out").exists()
