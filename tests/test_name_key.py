"""Named copies' default file names are keyed with the project's own secret: a list of
names hashed by someone holding the output folder matches nothing."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

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
