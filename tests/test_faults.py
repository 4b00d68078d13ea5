"""Faults: a killed batch, an unwritable output folder, a corrupt index."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader

from handouts.cli import INTERRUPTED
from handouts.commands.batch import TEST_PAUSE_ENV, batch, read_index
from handouts.project.load import load_project

from .helpers import edit, run_in
from .variant_project import make_project


def _valid_pdfs(out: Path) -> list[Path]:
    pdfs = sorted(out.rglob("*.pdf"))
    for pdf in pdfs:
        assert pdf.read_bytes().rstrip().endswith(b"%%EOF"), pdf
        assert len(PdfReader(pdf).pages) >= 1
    return pdfs


def _wait_for_the_group_to_end(group: int, seconds: float = 10) -> None:
    """Wait until no process of the stopped batch's group is left (the fork server, the
    resource tracker and the workers follow their parent); fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        assert time.monotonic() < deadline, "processes of the batch are still running"
        time.sleep(0.2)


def test_kill_9_mid_batch_leaves_no_partial_pdf_and_rerun_completes(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    out = project / "output"
    # The batch stops itself after its 5th PDF (a test-only hook in batch.py), so the
    # kill lands mid-batch on every machine, however fast or busy.
    proc = subprocess.Popen(
        [sys.executable, "-m", "handouts", "-q", "-C", str(project), "batch", "--jobs", "1"],
        start_new_session=True, env={**os.environ, TEST_PAUSE_ENV: "5"})
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), "the batch ended instead of pausing"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    finished = read_index(out)
    assert len(finished) == 5
    assert len(_valid_pdfs(out)) >= len(finished)
    rerun = batch(load_project(project), jobs=1)
    assert {r.variant.relpath for r in rerun.with_status("skipped")} == set(finished)
    assert len(rerun.with_status("rendered")) == 16 - len(finished)
    assert len(_valid_pdfs(out)) == 16
    assert list(out.rglob("*.tmp")) == []


def test_a_second_batch_into_the_same_folder_is_refused_while_the_first_writes(
        tmp_path: Path) -> None:
    """QA: two batches of one project into one folder at once raced, and the older
    one, still rendering, left PDFs with a location's old phone over the newer one's.
    The second is refused at once, naming the folder; the first finishes; after it, a
    batch runs as ever (the lock is the system's: nothing stale is left)."""
    from .helpers import run_in

    project = make_project(tmp_path / "p")
    out = project / "output"
    first = subprocess.Popen(
        [sys.executable, "-m", "handouts", "-q", "-C", str(project), "batch", "--jobs", "1"],
        start_new_session=True, env={**os.environ, TEST_PAUSE_ENV: "2"})
    try:
        _, status = os.waitpid(first.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), "the batch ended instead of pausing"
        before = {p: p.read_bytes() for p in out.rglob("*.pdf")}
        second = run_in(project, "batch", "--jobs", "1")
        assert second.exit_code == 1
        assert second.stderr.splitlines()[0] == (
            f"{out}: another batch (or a build) is writing into this folder now; run this "
            "one once it has finished (two at once could leave the older one's PDFs over "
            "the newer one's)")
        assert {p: p.read_bytes() for p in out.rglob("*.pdf")} == before
        # A build of one of the batch's versions would be replaced by the batch's, made
        # from the files as they were when it started: refused while it writes.
        built = run_in(project, "build", "--paper", "a4", "--large-print")
        assert built.exit_code == 1
        assert built.stderr.splitlines()[-2] == (
            f"{out}: a batch is writing into this folder now, and would replace these PDFs "
            "with the versions it started with; build again once it has finished (or "
            "choose another folder with --out)")
        assert {p: p.read_bytes() for p in out.rglob("*.pdf")} == before
        # A named copy goes to clients/, where no batch writes.
        assert run_in(project, "build", "--client", "Ana Ruiz").exit_code == 0
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    assert first.wait(300) == 0
    assert len(_valid_pdfs(out)) == 16 + 1  # the batch's, and the named copy
    assert batch(load_project(project), jobs=1).ok  # the folder is free again


def test_unwritable_folder_fails_those_variants_clearly(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert batch(load_project(project), jobs=1).ok
    english = project / "output/en/general/hand-self-massage-letter-standard.pdf"
    before = english.read_bytes()
    content = project / "content/hand-self-massage.yaml"
    content.write_text(content.read_text(encoding="utf-8").replace("Warm up", "Warm up now"),
                       encoding="utf-8")
    # The Spanish folder becomes a file: nothing can be written under it.
    es = project / "output/es"
    os.rename(es, tmp_path / "es-moved")
    es.write_text("not a folder", encoding="utf-8")
    result = batch(load_project(project), jobs=1)
    failed = result.with_status("failed")
    assert len(failed) == 8 and all(r.variant.language == "es" for r in failed)
    message = failed[0].problems[0].format()
    assert message == f"{project / 'output/es'}: is a file, where handouts needs a folder " \
        "to write into: rename or delete it (or choose another folder with --out)"
    assert english.read_bytes() != before  # the writable variants went ahead
    assert len(result.with_status("rendered")) == 8


def test_full_disk_keeps_the_previous_pdf(tmp_path: Path, monkeypatch) -> None:
    project = make_project(tmp_path / "p")
    assert batch(load_project(project), jobs=1).ok
    pdfs = {p: p.read_bytes() for p in (project / "output").rglob("*.pdf")}

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    # New content, so a write that got through (or half through) would show.
    content = project / "content/hand-self-massage.yaml"
    content.write_text(content.read_text(encoding="utf-8").replace("Warm up", "Warm up now"),
                       encoding="utf-8")
    monkeypatch.setattr(os, "fsync", full)
    result = batch(load_project(project), jobs=1)
    assert len(result.with_status("failed")) == 16
    assert result.results[0].problems[0].message == (
        "could not be written: No space left on device; the previous version was kept")
    assert {p: p.read_bytes() for p in (project / "output").rglob("*.pdf")} == pdfs
    assert list((project / "output").rglob("*.tmp")) == []


def test_corrupt_index_is_rebuilt(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert batch(load_project(project), jobs=1).ok
    index = project / "output/index.json"
    index.write_text("{not json", encoding="utf-8")
    again = batch(load_project(project), jobs=1)
    assert again.ok and len(again.with_status("rendered")) == 16
    assert len(json.loads(index.read_text(encoding="utf-8"))["variants"]) == 16


def test_ctrl_c_twice_ends_a_parallel_batch_at_once_and_leaves_nothing_running(
        tmp_path: Path) -> None:
    """Ctrl-C, then Ctrl-C again while the batch stops: it hung with its workers alive
    (leaving the pool waited for every queued variant, and the second Ctrl-C broke that
    wait); a third printed tracebacks. Now it ends within seconds, says nothing but
    that it was aborted, no process of its group is left, and every PDF is whole."""
    project = make_project(tmp_path / "p")
    # Ctrl-C as at a terminal: a command started in the background by a script (as CI
    # may start the tests) inherits SIGINT ignored, and the batch would not see it.
    as_at_a_terminal = ("import runpy, signal, sys; "
                        "signal.signal(signal.SIGINT, signal.default_int_handler); "
                        "sys.argv[0] = 'handouts'; "
                        "runpy.run_module('handouts', run_name='__main__', alter_sys=True)")
    proc = subprocess.Popen(
        [sys.executable, "-c", as_at_a_terminal, "-C", str(project), "batch", "--jobs",
         "2", "--force"], start_new_session=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:  # the workers are rendering
        if "rendered" in line:
            break
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("the batch still ran 20 s after Ctrl-C twice") from None
    assert proc.returncode == 130  # as shells say Ctrl-C, never 1 (a project's problem)
    assert stderr.splitlines()[-1] == INTERRUPTED
    assert "Traceback" not in stderr, stderr
    _wait_for_the_group_to_end(proc.pid)
    _valid_pdfs(project / "output")
    assert list((project / "output").rglob("*.tmp")) == []


def test_a_temporary_folder_too_long_for_the_fork_server_still_runs_the_batch(
        tmp_path: Path) -> None:
    """QA (CI): with a long TMPDIR the fork server cannot make its socket (a socket's
    path has at most 107 bytes) and ``batch -j 2`` ended in a traceback. Its workers
    start as fresh interpreters instead."""
    from .helpers import copy_example

    root = copy_example(tmp_path / "p")
    config = root / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  languages: [en, es, ar, zh]", "  languages: [en]").replace(
        "  papers: [letter, a4]", "  papers: [letter]").replace(
        "  prints: [standard, large]", "  prints: [standard]"), encoding="utf-8")
    temp = tmp_path / ("t" * 120)
    temp.mkdir()
    done = subprocess.run([sys.executable, "-m", "handouts", "batch", "-j", "2"], cwd=root,
                          env={**os.environ, "TMPDIR": str(temp)}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert len(list((root / "output").rglob("*.pdf"))) >= 4


def test_build_writes_every_pdf_or_none_when_one_cannot_be_written(tmp_path: Path) -> None:
    """build wrote one PDF after the other and stopped at the first that could not be
    written: the handouts after it kept their old contents (the clinic's old phone) and
    the ones before it were written without a word; only the one failure was named."""
    project = make_project(tmp_path / "p")
    content = project / "content"
    (content / "another.yaml").write_bytes((content / "hand-self-massage.yaml").read_bytes())
    assert run_in(project, "-q", "build").exit_code == 0
    before = {p.name: p.read_bytes() for p in (project / "output").glob("*.pdf")}
    assert sorted(before) == ["another.pdf", "hand-self-massage.pdf"]
    (project / "output/hand-self-massage.pdf").unlink()
    (project / "output/hand-self-massage.pdf").mkdir()  # where the second PDF goes
    config = project / "handouts.yaml"
    edit(config, "(217) 555-0142", "(217) 555-0143")
    result = run_in(project, "build")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-2:] == [
        f"{project / 'output/hand-self-massage.pdf'}: is a folder, where this PDF would go: "
        "rename or delete it; nothing was written",
        "1 error; nothing was written: every PDF keeps its previous version."]
    assert (project / "output/another.pdf").read_bytes() == before["another.pdf"]
    assert list((project / "output").rglob("*.tmp")) == []


def test_build_refuses_a_name_pattern_that_gives_two_handouts_one_file(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    content = project / "content"
    (content / "another.yaml").write_bytes((content / "hand-self-massage.yaml").read_bytes())
    result = run_in(project, "build", "--client", "Ana Ruiz", "--name-pattern", "{client}")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: --name-pattern: gives two of these handouts the same file name, so one PDF "
        "would replace the other: add {handout} (or {hash}) to the pattern")
    assert not (project / "output").exists()


def test_a_batch_stopped_by_a_service_manager_cleans_up_and_says_so(tmp_path: Path) -> None:
    """SIGTERM (systemd's stop, a cancelled CI job) killed the batch at once: two
    tracebacks per worker, and each worker's font folder (39 MB with the CJK fonts) left
    in the temporary folder. It now stops as Ctrl-C does, exit 143."""
    project = make_project(tmp_path / "p")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "handouts", "-C", str(project), "batch", "--jobs", "2",
         "--force"], start_new_session=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(scratch)})
    assert proc.stdout is not None
    for line in proc.stdout:  # the workers are rendering
        if "rendered" in line:
            break
    proc.send_signal(signal.SIGTERM)  # the command alone, as a service manager does
    try:
        _, stderr = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("the batch still ran 30 s after SIGTERM") from None
    assert proc.returncode == 128 + signal.SIGTERM
    assert stderr.splitlines()[-1] == INTERRUPTED
    assert "Traceback" not in stderr, stderr
    _wait_for_the_group_to_end(proc.pid)
    assert sorted(p.name for p in scratch.iterdir()
                  if p.name.startswith(("weasyprint-", "handouts-pool-"))) == []
    _valid_pdfs(project / "output")
    assert list((project / "output").rglob("*.tmp")) == []


def test_an_output_folder_linked_to_a_drive_not_connected_is_said_so(tmp_path: Path) -> None:
    """A dangling link said "cannot write here: File exists", which hid the cause."""
    project = make_project(tmp_path / "p")
    gone = tmp_path / "share-not-connected"
    (project / "output").symlink_to(gone)
    result = run_in(project, "build")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-2] == (
        f"{project / 'output'}: is a link to {gone}, which does not exist (a shared drive "
        "not connected?): connect it, or choose another folder with --out")
    assert not gone.exists()


def test_a_pdf_gone_from_the_output_folder_before_the_batch_ends_is_no_success(
        tmp_path: Path) -> None:
    """The output folder deleted while the batch ran: it said "16 rendered, 0 failed"
    and the index listed PDFs that were not there."""
    import shutil

    project = make_project(tmp_path / "p")
    out = project / "output"

    def delete_the_folder(result, done, total):  # type: ignore[no-untyped-def]
        if done == 3:  # the writer may be writing meanwhile: its file goes too, or fails
            shutil.rmtree(out, ignore_errors=True)

    result = batch(load_project(project), jobs=1, progress=delete_the_folder)
    failed = result.with_status("failed")
    # The three reported before the deletion, and any the writer had written by then.
    assert len(failed) >= 3 and not result.ok
    gone = ("was written, but is no longer in the output folder (the folder was deleted or "
            "moved while the batch ran?); run the batch again")
    assert gone in {r.problems[-1].message for r in failed}
    # One being written as the folder went may have failed to be written instead.
    assert all(r.problems[-1].message == gone or "could not be written" in
               r.problems[-1].message for r in failed), [r.problems for r in failed]
    assert not any((out / r.variant.relpath).exists() for r in failed)
    assert all((out / path).is_file() for path in read_index(out))
    rerun = batch(load_project(project), jobs=1)
    assert len(rerun.with_status("rendered")) == len(failed) and rerun.ok


def test_a_pdf_replaced_or_emptied_in_the_output_folder_is_made_again(tmp_path: Path) -> None:
    """The batch skipped a version when its PDF existed: an older PDF copied back (the
    old phone) or one emptied stayed "unchanged" for good."""
    project = make_project(tmp_path / "p")
    out = project / "output"
    assert batch(load_project(project), jobs=1).ok
    letter = out / "en/general/hand-self-massage-letter-standard.pdf"
    a4 = out / "en/general/hand-self-massage-a4-standard.pdf"
    good = letter.read_bytes()
    letter.write_bytes(a4.read_bytes())  # another (older) PDF in its place
    (out / "en/general/hand-self-massage-a4-large.pdf").write_bytes(b"")
    rerun = batch(load_project(project), jobs=1)
    assert sorted(r.variant.relpath for r in rerun.with_status("rendered")) == [
        "en/general/hand-self-massage-a4-large.pdf",
        "en/general/hand-self-massage-letter-standard.pdf"]
    assert letter.read_bytes() == good
    assert batch(load_project(project), jobs=1).with_status("rendered") == []


def test_an_index_with_wrong_types_is_read_without_a_traceback(tmp_path: Path) -> None:
    """A well-formed index with "pages": null (or "x", or 1e309) or "path": 5 made every
    later batch end in a traceback until the index was deleted."""
    project = make_project(tmp_path / "p")
    out = project / "output"
    assert batch(load_project(project), jobs=1).ok
    index = out / "index.json"
    data = json.loads(index.read_text(encoding="utf-8"))
    data["variants"][0]["pages"] = None
    data["variants"][1]["pages"] = "x"
    data["variants"].append({"path": 5})
    data["variants"].append({"path": None})
    index.write_text(json.dumps(data), encoding="utf-8")
    rerun = batch(load_project(project), jobs=1)
    assert rerun.ok and len(rerun.with_status("rendered")) == 2
