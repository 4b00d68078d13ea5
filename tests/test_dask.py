"""The batch on a Dask cluster: same PDFs and index as locally, and faults on the cluster.

One 2-worker ``LocalCluster`` (worker processes with a nanny, like a real cluster)
serves the module; the lost-scheduler test starts and stops a cluster of its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from handouts.commands.batch import VariantResult, batch, read_index
from handouts.commands.execution import ExecutorLost
from handouts.commands.executors import executor_for
from handouts.project.load import load_project

from .helpers import copy_project, pdfs_in, run_in
from .variant_project import make_project

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
# Dask's own sockets and event-loop tasks may be collected after a cluster closes; its
# warnings about them are not this project's.
pytestmark = [pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning:distributed"),
              pytest.mark.filterwarnings("ignore:Port .* is already in use:UserWarning")]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    """Two single-threaded worker processes, restarted by their nanny when killed."""
    folder = tmp_path_factory.mktemp("dask")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  local_directory=str(folder / "workers"),
                                  dashboard_address=None) as local, \
            distributed.Client(local) as client:
        yield local, client


@pytest.fixture(scope="module")
def local_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The 16-variant test project built by the local executor: the reference output."""
    project = make_project(tmp_path_factory.mktemp("local") / "p")
    result = batch(load_project(project), jobs=2)
    assert result.ok
    return project, project / "output"


def test_same_pdfs_and_index_as_the_local_executor(cluster, local_build, tmp_path) -> None:
    local, _ = cluster
    project, reference = local_build
    copy = copy_project(project, tmp_path / "p")
    result = run_in(copy, "-q", "batch", "--executor",
                    local.scheduler_address.replace("tcp://", "dask://"))
    assert result.exit_code == 0, result.output
    out = copy / "output"
    assert len(pdfs_in(reference)) == 16
    assert pdfs_in(out) == pdfs_in(reference)  # byte for byte
    assert (out / "index.json").read_bytes() == (reference / "index.json").read_bytes()
    # Incremental on the cluster too: nothing changed, nothing is sent to it.
    again = batch(load_project(copy), executor=local.scheduler_address)
    assert [r.status for r in again.results] == ["skipped"] * 16


THEME_WORDS = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Stay safe"
msgstr "Cuidado de la clínica"
"""


def test_an_edit_of_the_project_theme_words_gives_the_same_pdfs_as_locally(
        cluster, local_build, tmp_path) -> None:
    local, _ = cluster
    project, reference = local_build
    copies = []
    for name in ("local", "dask"):
        copy = copy_project(project, tmp_path / name / "p")
        shutil.copytree(reference, copy / "output")  # both start from the finished batch
        (copy / "locale").mkdir()
        (copy / "locale" / "es.po").write_text(THEME_WORDS, encoding="utf-8")
        copies.append(copy)
    on_local = batch(load_project(copies[0]), jobs=1)
    on_dask = batch(load_project(copies[1]), executor=local.scheduler_address)
    spanish = sorted(p for p in pdfs_in(reference) if p.startswith("es/"))
    for result in (on_local, on_dask):
        assert result.ok
        assert sorted(r.variant.relpath for r in result.with_status("rendered")) == spanish
    assert pdfs_in(copies[1] / "output") == pdfs_in(copies[0] / "output")  # byte for byte
    text = PdfReader(copies[1] / "output" / spanish[0]).pages[0].extract_text()
    assert "Cuidado de la clínica" in text  # the project's word, not the built-in one


def test_a_worker_killed_mid_batch_loses_no_pdf(cluster, local_build, tmp_path) -> None:
    local, client = cluster
    project, reference = local_build
    copy = copy_project(project, tmp_path / "p")
    victim = sorted(client.scheduler_info()["workers"])[0]
    pid = client.run(os.getpid, workers=[victim])[victim]
    killed: list[int] = []

    def kill_after_first(result: VariantResult, done: int, total: int) -> None:
        if not killed:
            killed.append(pid)
            # kill -9: the worker dies at once with its task, like a machine that is lost.
            os.kill(pid, signal.SIGKILL)

    result = batch(load_project(copy), executor=local.scheduler_address, progress=kill_after_first)
    assert killed
    assert result.ok, [p.format() for r in result.results for p in r.problems]
    assert sorted(r.status for r in result.results) == ["rendered"] * 16
    assert pdfs_in(copy / "output") == pdfs_in(reference)
    client.wait_for_workers(2, timeout=30)  # the nanny restarted it for the next test


def test_a_failing_variant_fails_alone_on_the_cluster(cluster, local_build, tmp_path) -> None:
    local, _ = cluster
    copy = copy_project(local_build[0], tmp_path / "p")
    # The Spanish label of the caregivers audience goes missing: only es/caregivers fails.
    config = copy / "handouts.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace(
        "      es: {label: Cuidadores, description: Para quienes cuidan a alguien en cama.}\n",
        "      fr: {label: Aidants}\n"), encoding="utf-8")
    result = batch(load_project(copy), executor=local.scheduler_address)
    failed = sorted(r.variant.relpath for r in result.with_status("failed"))
    assert failed == [f"es/caregivers/hand-self-massage-{paper}-{size}.pdf"
                      for paper in ("a4", "letter") for size in ("large", "standard")]
    assert len(result.with_status("rendered")) == 12
    assert {p.message for r in result.with_status("failed") for p in r.problems} == {
        "no Spanish label for this audience"}
    index = read_index(copy / "output")
    assert sorted(index) == sorted(r.variant.relpath for r in result.with_status("rendered"))


def test_a_variant_that_fails_on_a_worker_is_reported_failed_not_rendered(
        cluster, local_build, tmp_path, monkeypatch) -> None:
    from handouts import __version__

    local, _ = cluster
    copy = copy_project(local_build[0], tmp_path / "p")
    # The batch says it needs another version: every task fails on the worker, after
    # its retries (the workers have this one).
    monkeypatch.setattr("handouts.commands.dask_executor.__version__", "0.0-other")
    result = run_in(copy, "batch", "--executor",
                    local.scheduler_address)
    assert result.exit_code == 1
    assert "0 rendered, 0 unchanged, 16 failed" in result.output
    address = local.scheduler_address.replace("tcp://", "dask://")
    assert (f"{address}: executor: en/general/hand-self-massage-a4-large: could not be "
            f"rendered on the cluster: RuntimeError: this worker has handouts {__version__}, "
            "the batch needs 0.0-other: install the same version everywhere") \
        in result.stderr.splitlines()
    assert read_index(copy / "output") == {}  # nothing recorded: a rerun renders them all
    assert pdfs_in(copy / "output") == {}


def test_a_lost_scheduler_stops_the_batch_and_a_rerun_finishes(local_build, tmp_path) -> None:
    copy = copy_project(local_build[0], tmp_path / "p")
    own = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                   local_directory=str(tmp_path / "workers"),
                                   dashboard_address=None)
    address = own.scheduler_address
    seen: list[int] = []

    def lose_scheduler(result: VariantResult, done: int, total: int) -> None:
        seen.append(done)
        if len(seen) == 1:
            own.close()

    try:
        with dask.config.set({"distributed.comm.timeouts.connect": "3s"}), \
                pytest.raises(ExecutorLost) as lost:
            batch(load_project(copy), executor=address, progress=lose_scheduler)
    finally:
        own.close()
    (problem,) = lost.value.problems
    assert re.fullmatch(
        re.escape(address.replace("tcp://", "dask://")) + r": executor: lost the connection "
        r"to the scheduler \(\w+\); stopped after \d+ of 16 variant\(s\): the finished PDFs "
        r"are kept, run the batch again to render the rest", problem.format())
    index = json.loads((copy / "output" / "index.json").read_text())
    kept = {entry["path"] for entry in index["variants"]}
    assert 1 <= len(kept) < 16  # what finished is recorded, nothing else
    rerun = batch(load_project(copy), jobs=1)  # locally: the rest is rendered, the rest is kept
    assert rerun.ok
    assert {r.variant.relpath for r in rerun.with_status("skipped")} == kept
    assert pdfs_in(copy / "output") == pdfs_in(local_build[1])


@pytest.fixture
def own_processes(tmp_path: Path):
    """A scheduler and one worker (no nanny: a killed worker stays dead), each its own
    process, so a test can kill either with SIGKILL; both are killed at the end."""
    started: list[subprocess.Popen] = []
    info = tmp_path / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    started.append(subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", "0", "--no-dashboard", "--scheduler-file", str(info)], **quiet))
    try:
        deadline = time.monotonic() + 60
        while not info.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        started.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file",
             str(info), "--nthreads", "1", "--no-nanny", "--no-dashboard",
             "--local-directory", str(tmp_path / "worker")], **quiet))
        address = json.loads(info.read_text())["address"]
        with distributed.Client(address, set_as_default=False) as client:
            client.wait_for_workers(1, timeout=60)
        yield address, started[0], started[1]
    finally:
        for process in started:
            process.kill()
            process.wait()


#: The batch's --result-timeout in the kill tests. It also bounds the worker loading the
#: project (its engine warm-up), which takes seconds on a loaded machine: 3 s made the
#: batch give up before its first PDF there, and the tests tried nothing.
RESULT_LIMIT = 10


def _stops_and_a_rerun_finishes(copy: Path, address: str, victim: subprocess.Popen,
                                reference: Path) -> str:
    """``handouts batch`` on ``address`` in its own process, ``victim`` killed once the
    first PDF is written: the batch's stderr (after checking that it failed in time,
    kept what finished, and that a local rerun renders exactly the rest)."""
    started = time.monotonic()
    batch_process = subprocess.Popen(
        [sys.executable, "-m", "handouts", "-q", "-C", str(copy), "batch", "--executor",
         address, "--connect-timeout", "5", "--result-timeout", str(RESULT_LIMIT)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not any((copy / "output").rglob("*.pdf")) and batch_process.poll() is None:
            time.sleep(0.05)
        # The batch must not have ended on its own before a PDF was written (a worker
        # slower to load the project than the limit): then nothing below would be tried.
        assert batch_process.poll() is None, batch_process.communicate()[1]
        victim.kill()  # SIGKILL: no goodbye to anyone
        _, stderr = batch_process.communicate(timeout=120)
    finally:
        batch_process.kill()
    assert batch_process.returncode == 1, stderr
    assert time.monotonic() - started < 60  # ended by the limits, not by a hang
    kept = set(read_index(copy / "output"))
    assert 1 <= len(kept) < 16  # what finished is recorded
    rerun = batch(load_project(copy), jobs=1)
    assert rerun.ok
    assert {r.variant.relpath for r in rerun.with_status("skipped")} == kept
    assert pdfs_in(copy / "output") == pdfs_in(reference)
    return stderr


def _one_message(address: str, what: str) -> str:
    """The pattern of a stopped batch's whole stderr: one located message, one summary."""
    return (re.escape(address.replace("tcp://", "dask://")) + ": executor: " + what +
            r"; stopped after \d+ of 16 variant\(s\): the finished PDFs are kept, run the "
            r"batch again to render the rest\n1 error; the PDFs finished before are kept and "
            r"recorded; a rerun renders the rest.\n")


@pytest.mark.slow
def test_a_lost_worker_stops_the_batch_in_time_and_a_rerun_finishes(
        local_build, own_processes, tmp_path) -> None:
    address, _, worker = own_processes
    copy = copy_project(local_build[0], tmp_path / "p")
    stderr = _stops_and_a_rerun_finishes(copy, address, worker, local_build[1])
    assert re.fullmatch(_one_message(address, (
        rf"no result from the cluster in {RESULT_LIMIT} s \(--result-timeout; are its "
        r"workers running\?\)")),
        stderr)


def test_a_killed_scheduler_stops_the_batch_in_time_and_a_rerun_finishes(
        local_build, own_processes, tmp_path) -> None:
    address, scheduler, _ = own_processes
    copy = copy_project(local_build[0], tmp_path / "p")
    stderr = _stops_and_a_rerun_finishes(copy, address, scheduler, local_build[1])
    # Dask's client notices the closed connection (cancelling every task), or hears
    # nothing: either is this one message, never Dask's own log lines or a traceback.
    assert re.fullmatch(_one_message(address, (
        r"(lost the connection to the scheduler \(\w+\)|"
        rf"no result from the cluster in {RESULT_LIMIT} s "
        r"\(--result-timeout; are its workers running\?\))")), stderr)


def test_a_worker_address_is_not_taken_for_the_scheduler(cluster, local_build, tmp_path) -> None:
    _, client = cluster
    worker = sorted(client.scheduler_info()["workers"])[0]
    copy = copy_project(local_build[0], tmp_path / "p")
    result = run_in(copy, "batch", "--executor", worker)
    assert result.exit_code == 1
    assert result.stderr == (
        f"{worker.replace('tcp://', 'dask://')}: executor: this is not a Dask scheduler (it "
        "answers as Worker): give the scheduler's address, usually port 8786\n"
        "1 error; nothing was rendered.\n")


def test_the_executor_option_is_checked(tmp_path) -> None:
    result = run_in(tmp_path, "batch", "--executor", "spark://x")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == ("Error: "
        "--executor: 'spark://x' is not an executor: use local or dask://HOST:PORT "
        "(e.g. dask://scheduler.clinic.lan:8786)")
    assert executor_for("dask://10.0.0.5:8786").address == "tcp://10.0.0.5:8786"  # type: ignore[attr-defined]


def test_no_scheduler_there_is_a_clear_error(local_build, tmp_path) -> None:
    copy = copy_project(local_build[0], tmp_path / "p")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = run_in(copy, "batch", "--executor",
                        "dask://127.0.0.1:9")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "dask://127.0.0.1:9: executor: cannot connect to the scheduler" in result.output


@pytest.mark.parametrize(("count", "threads"), [(72, 2), (516, 16), (5, 4), (1, 8), (400, 1)])
def test_chunks_shrink_with_what_remains_and_keep_the_batch_s_order(count: int,
                                                                    threads: int) -> None:
    """Each chunk holds what remains / (threads x 4), at most 20, at least one: large
    chunks while much remains, single variants at the end, so no worker finishes a big
    chunk while the others wait; every variant once, in the batch's order."""
    from handouts.commands.dask_executor import CHUNK_MAX, guided_chunks

    todo = [(f"v{i}", f"hash{i}") for i in range(count)]
    chunks = guided_chunks(todo, threads)  # type: ignore[arg-type]
    assert [item for chunk in chunks for item in chunk] == todo
    sizes = [len(chunk) for chunk in chunks]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] == 1
    assert max(sizes) == max(1, min(CHUNK_MAX, count // (threads * 4)))
    done = 0
    for size in sizes:  # the rule itself, chunk by chunk
        assert size == max(1, min(CHUNK_MAX, (count - done) // (threads * 4)))
        done += size
    if count == 516:
        assert sizes[0] == 8 and len(chunks) > 516 // 8  # more tasks than one fixed size


def _profiling(dask_worker) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
    """On a worker (client.run): whether a handouts plugin is loaded, and whether
    Dask's statistical profiler is sampling."""
    from handouts.commands.dask_executor import PLUGIN_PREFIX

    return (any(name.startswith(PLUGIN_PREFIX) for name in dask_worker.plugins),
            dask_worker.periodic_callbacks["profile"].is_running())


def test_the_plugin_pauses_dask_s_profiler_and_a_finished_batch_removes_it(
        cluster, local_build, tmp_path) -> None:
    """Dask's profiler samples a task's stack every 10 ms: 3-4 % of a batch's CPU. It
    is paused while a batch's project is loaded on a worker and runs again once the
    last batch's plugin is unregistered, as a batch does when it ends (the workers drop
    the project too); one batch ending leaves another's plugin and the pause alone."""
    from handouts.commands.dask_executor import ProjectPlugin, plugin_name, release, snapshot

    local, client = cluster
    project, _ = local_build
    copy = copy_project(project, tmp_path / "p")
    loaded = load_project(copy)
    result = batch(loaded, executor=local.scheduler_address)
    assert result.ok and len(result.with_status("rendered")) == 16
    assert set(client.run(_profiling).values()) == {(False, True)}
    files = snapshot(loaded.project, loaded.documents, [r.variant for r in result.results])
    first, second = plugin_name(), plugin_name()
    assert first != second
    client.register_plugin(ProjectPlugin(files), name=first)
    assert set(client.run(_profiling).values()) == {(True, False)}
    # A second batch on the cluster (this project or another) has its own plugin: the
    # end of the first neither takes its project nor starts the profiler under it.
    client.register_plugin(ProjectPlugin(files), name=second)
    assert release(client, first, 10)
    assert set(client.run(_profiling).values()) == {(True, False)}
    assert release(client, second, 10)
    assert set(client.run(_profiling).values()) == {(False, True)}
    assert not release(client, second, 10)  # already gone: said, never raised


def test_two_batches_of_one_project_at_once_on_one_cluster(cluster, local_build,
                                                           tmp_path) -> None:
    """Two people run the batch of the same project on the clinic's cluster at once:
    both finish with every PDF, the same bytes as locally. They share the workers'
    project (the second registers it again); the first to finish leaves it to the
    other, and the last one takes it away."""
    import threading

    local, client = cluster
    project, reference = local_build
    copies = [copy_project(project, tmp_path / name / "p") for name in ("a", "b")]
    results: dict[int, object] = {}

    def run(index: int) -> None:
        results[index] = batch(load_project(copies[index]), executor=local.scheduler_address)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    for index, copy in enumerate(copies):
        result = results[index]
        assert result.ok, [p.format() for p in result.problems]  # type: ignore[attr-defined]
        assert pdfs_in(copy / "output") == pdfs_in(reference)
    assert set(client.run(_profiling).values()) == {(False, True)}


def test_batches_of_two_projects_at_once_on_one_cluster(cluster, local_build,
                                                        tmp_path) -> None:
    """Two locations of a clinic group run their own projects' batches on the group's
    cluster at the same moment: each gets its own project's PDFs, byte for byte as
    locally (with one plugin for all, the second replaced the first's project and the
    first's variants failed on every worker)."""
    import threading

    local, client = cluster
    project, reference = local_build
    first = copy_project(project, tmp_path / "a" / "p")
    second = copy_project(project, tmp_path / "b" / "p")
    config = second / "handouts.yaml"
    config.write_text(config.read_text().replace("555-", "556-"))
    assert config.read_text() != (first / "handouts.yaml").read_text()
    second_reference = copy_project(second, tmp_path / "c" / "p")
    assert batch(load_project(second_reference), jobs=2).ok
    results: dict[int, object] = {}

    def run(index: int, root: Path) -> None:
        results[index] = batch(load_project(root), executor=local.scheduler_address)

    threads = [threading.Thread(target=run, args=(i, root))
               for i, root in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    for index, (root, expected) in enumerate(((first, reference),
                                              (second, second_reference / "output"))):
        result = results[index]
        assert result.ok, [p.format() for p in result.problems]  # type: ignore[attr-defined]
        assert pdfs_in(root / "output") == pdfs_in(expected)
    assert pdfs_in(first / "output") != pdfs_in(second / "output")
    assert set(client.run(_profiling).values()) == {(False, True)}
