"""One broken content file affects only what uses it: ``list``, ``check`` and ``merge``
go on with the other handouts and report the broken file's errors (exit 1); a row,
or a program, that uses the broken handout is refused at its own line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import copy_example, pdf_text, run_in

BROKEN = "content/desk-stretch-break.yaml:4: the list that starts here with '[' is not closed"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The example, with a typo saved into the stretch break's title (line 4)."""
    root = copy_example(tmp_path / "p")
    stretch = root / "content" / "desk-stretch-break.yaml"
    text = stretch.read_text(encoding="utf-8")
    assert text.splitlines()[3].startswith("title:")
    stretch.write_text(text.replace("title: ", "title: [unclosed ", 1), encoding="utf-8")
    (root / "programs").mkdir(exist_ok=True)
    (root / "programs" / "massage-only.yaml").write_text(
        "title: Massage only\nitems:\n  - handout: back-massage\n", encoding="utf-8")
    (root / "programs" / "both.yaml").write_text(
        "title: Both\nitems:\n  - handout: back-massage\n  - handout: desk-stretch-break\n",
        encoding="utf-8")
    return root


def test_list_shows_every_other_handout_and_program(root: Path) -> None:
    (root / "programs" / "typo.yaml").write_text(
        "title: Typo\nitems:\n  - handout: back-masage\n", encoding="utf-8")
    result = run_in(root, "list")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("back-massage") and "How to give a back massage" in lines[0]
    assert lines[1].split() == ["desk-stretch-break", "has", "errors", "(below)"]
    assert lines[3] == "Programs (programs/*.yaml):"
    assert [line.split()[0] for line in lines[4:]] == ["both", "massage-only", "typo"]
    assert lines[4].split()[1:3] == ["2", "handouts"]  # names the broken handout: still read
    assert lines[6].split()[1:] == ["has", "errors", "(below)"]
    errors = [line for line in result.stderr.splitlines() if line[:1] not in (" ", "")]
    assert errors[0].startswith(BROKEN)
    assert errors[1].startswith("programs/typo.yaml:3: items[1].handout: no such handout "
                                "'back-masage'")
    assert errors[-1] == "2 errors; the rest is listed above."


def test_list_with_every_handout_broken_still_lists_them(root: Path) -> None:
    """It printed the errors alone, ending "nothing was written" (a list writes
    nothing); every handout is listed as having errors, and the programs too."""
    (root / "content" / "back-massage.yaml").write_text("", encoding="utf-8")
    result = run_in(root, "list")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["back-massage", "desk-stretch-break"]
    assert all(line.split()[1:] == ["has", "errors", "(below)"] for line in lines[:2])
    assert "Programs (programs/*.yaml):" in lines
    assert result.stderr.splitlines()[-1] == "2 errors; the rest is listed above."


def test_check_checks_the_other_handouts_and_reports_the_broken_one(root: Path) -> None:
    # A finding in the handout that loads is still reported beside the broken file.
    massage = root / "content" / "back-massage.yaml"
    massage.write_text(massage.read_text(encoding="utf-8").replace(
        "reviewed: 2026-11-02", "reviewed: 2020-01-02", 1), encoding="utf-8")
    result = run_in(root, "check", "--no-render", "--quick")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("checked 1 handout × ")
    assert "; not checked: desk-stretch-break (the file has errors, below)" in \
        result.stdout.splitlines()[0]
    assert any(line.startswith(BROKEN) for line in result.stderr.splitlines())
    assert any(line.startswith("content/back-massage.yaml:") and "review" in line
               for line in result.stderr.splitlines()), result.stderr
    data = json.loads(run_in(root, "check", "--no-render", "--quick",
                             "--format", "json").stdout)
    assert data["ok"] is False
    assert data["coverage"]["handouts"] == ["back-massage"]
    assert data["coverage"]["not_checked_file_has_errors"] == ["desk-stretch-break"]
    assert sorted({p["path"] for p in data["problems"] if p["severity"] == "error"}) == \
        ["content/back-massage.yaml", "content/desk-stretch-break.yaml"]


def test_check_of_the_broken_handout_alone_runs_no_check(root: Path) -> None:
    result = run_in(root, "check", "desk-stretch-break")
    assert result.exit_code == 1
    assert result.stderr.startswith(BROKEN)
    assert result.stderr.splitlines()[-1] == "1 error; no check was run."


def test_merge_makes_the_rows_that_do_not_use_the_broken_handout(root: Path) -> None:
    csv = root / "clients.csv"
    csv.write_text(
        "client,handout\nAna Ruiz,back-massage\nBo Li,desk-stretch-break\n", encoding="utf-8")
    result = run_in(root, "merge", str(csv))
    assert result.exit_code == 1
    written = sorted((root / "output" / "clients").iterdir())
    assert [p.name.split("-row")[0] for p in written] == ["back-massage"]
    assert "Ana Ruiz" in pdf_text(written[0])
    assert result.stderr.splitlines()[0] == (
        "clients.csv:3: handout: uses content/desk-stretch-break.yaml, which has errors "
        "(reported with it); fix them first")
    assert result.stderr.splitlines()[1].startswith(BROKEN)
    assert "Bo Li" not in result.output
    # The broken file's own error is the "other problem": said above, with its line.
    assert result.stdout.splitlines()[-1] == (
        "1 client PDF(s) written, 1 line(s) with errors, 1 other problem (above)")


def test_merge_with_programs_names_the_program_that_uses_the_broken_handout(
        root: Path) -> None:
    csv = root / "clients.csv"
    csv.write_text("client,handout,program\nAna Ruiz,,massage-only\nBo Li,,both\n",
                   encoding="utf-8")
    result = run_in(root, "merge", str(csv))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "clients.csv:3: program: its program both uses content/desk-stretch-break.yaml, "
        "which has errors (reported with it); fix them first")
    assert "Nothing was written" in result.stdout
    assert not (root / "output" / "clients").exists()
    # The program file that names the broken handout is not blamed for it.
    assert "programs/both.yaml" not in result.stderr
    # Without the row that uses it, the file is made: the typo is not reported at all.
    csv.write_text("client,handout,program\nAna Ruiz,,massage-only\n", encoding="utf-8")
    result = run_in(root, "merge", str(csv))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert len(list((root / "output" / "clients").iterdir())) == 1
