"""Executors that fail fast and clearly: a wrong kind of server or a silent one at the
scheduler's address, and a local worker process that dies, each end in one located
message and exit code 1, within the time limits, never a traceback or a hang.

The fake servers listen on 127.0.0.1 only. (A real cluster's faults: tests/test_dask.py.)
"""

from __future__ import annotations

import contextlib
import http.server
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from handouts.commands.batch import batch, read_index
from handouts.commands.build import build
from handouts.commands.executors import executor_for
from handouts.commands.timeouts import Timeouts
from handouts.commands.worker import VariantResult
from handouts.project.load import load_project
from handouts.render.engine import pdf
from handouts.render.theme import THEME_DIR

from .helpers import run_in
from .variant_project import make_project

pytest.importorskip("distributed")


class _Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No access log on the test's stderr."""


@pytest.fixture
def http_server() -> Iterator[str]:
    """An HTTP server: answers every request with an HTTP error page."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"dask://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A socket that accepts connections and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return  # closed at the end of the test

    threading.Thread(target=accept, daemon=True).start()
    yield f"dask://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    for conn in accepted:
        conn.close()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 16-variant test project."""
    return make_project(tmp_path_factory.mktemp("executors") / "p")


def _batch(project: Path, address: str) -> tuple[object, float]:
    started = time.monotonic()
    result = run_in(project, "batch", "--executor", address,
                    "--connect-timeout", "1")
    return result, time.monotonic() - started


@pytest.mark.parametrize("server", ["http_server", "silent_server"])
def test_a_server_that_is_not_a_scheduler_ends_the_batch_in_time(
        project: Path, server: str, request: pytest.FixtureRequest) -> None:
    address = request.getfixturevalue(server)
    result, seconds = _batch(project, address)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert isinstance(result.exception, SystemExit)  # type: ignore[attr-defined]  # no crash
    assert result.stderr == (  # type: ignore[attr-defined]
        f"{address}: executor: the server took the connection but gave no Dask handshake in "
        "1 s (--connect-timeout): is this the address of a Dask scheduler (usually port "
        "8786)?\n1 error; nothing was rendered.\n")
    assert seconds < 10  # 1 s to connect, 1 s for the handshake, and the start-up
    assert not list(project.rglob("*.pdf"))


def test_nothing_listening_is_a_clear_error(project: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # free once closed: nobody listens there
    result, seconds = _batch(project, f"dask://127.0.0.1:{port}")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stderr == (  # type: ignore[attr-defined]
        f"dask://127.0.0.1:{port}: executor: cannot connect to the scheduler "
        "(ConnectionRefusedError); is it running?\n1 error; nothing was rendered.\n")
    assert seconds < 10


def _workers() -> list[multiprocessing.process.BaseProcess]:
    return [c for c in multiprocessing.active_children() if c.name == "handouts-render"]


def test_a_local_worker_process_that_dies_is_replaced_and_the_batch_finishes(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """kill -9 of a worker (as the out-of-memory killer does) stopped the whole batch;
    now a fresh worker takes its place, its variant is tried again there, and every
    variant is made, each PDF whole."""
    project = make_project(tmp_path / "p")
    killed: list[int] = []

    def kill_a_worker(result: VariantResult, done: int, total: int) -> None:
        if done == 1:
            killed.append(_workers()[0].pid)  # type: ignore[arg-type]
            os.kill(killed[0], signal.SIGKILL)

    with caplog.at_level("WARNING", logger="handouts.pool"):
        result = batch(load_project(project), jobs=2, progress=kill_a_worker)
    assert killed and result.ok
    assert len(result.with_status("rendered")) == 16
    for entry in read_index(project / "output"):
        assert (project / "output" / entry).read_bytes().startswith(b"%PDF-")
    assert "a renderer stopped (killed, crashed or too slow) and was replaced" in caplog.text


def test_a_stuck_local_worker_is_replaced_and_only_its_variant_fails(tmp_path: Path) -> None:
    """A worker that stops answering (stuck in the engine; here SIGSTOP) held the batch
    forever. Now its variant fails after --result-timeout, the worker is killed and
    replaced, the rest of the batch is made, and a rerun makes the one that failed."""
    project = make_project(tmp_path / "p")
    stopped: list[int] = []

    def stop_a_worker(result: VariantResult, done: int, total: int) -> None:
        if done == 1:
            stopped.append(_workers()[0].pid)  # type: ignore[arg-type]
            os.kill(stopped[0], signal.SIGSTOP)

    started = time.monotonic()
    result = batch(load_project(project), jobs=2, progress=stop_a_worker,
                   executor=executor_for("local", Timeouts(results=8)))
    seconds = time.monotonic() - started
    with contextlib.suppress(ProcessLookupError):
        os.kill(stopped[0], signal.SIGCONT)
    assert seconds < 60
    [failed] = result.with_status("failed")
    assert len(result.with_status("rendered")) == 15
    assert [p.format() for p in failed.problems] == [
        f"{failed.variant.describe()}: was not finished 8 s after its worker got it "
        "(--result-timeout), so that worker was stopped and replaced; run the batch again "
        "to retry it"]
    assert stopped[0] not in [w.pid for w in _workers()]
    rerun = batch(load_project(project), jobs=2)
    assert rerun.ok and len(rerun.with_status("rendered")) == 1


def test_a_stopped_batch_stops_only_its_own_workers(tmp_path: Path) -> None:
    """Ctrl-C in a batch run by a process with other children (the desk's renderers, a
    second batch): it killed every child of the process, not only its own workers."""
    project = make_project(tmp_path / "p")
    other = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(60,),
                                                        daemon=True)
    other.start()
    seen: list[int] = []

    def interrupt(result: VariantResult, done: int, total: int) -> None:
        seen.extend(c.pid for c in multiprocessing.active_children() if c is not other)
        raise KeyboardInterrupt  # as Ctrl-C does, in the main thread

    try:
        with pytest.raises(KeyboardInterrupt):
            batch(load_project(project), jobs=2, progress=interrupt)
        assert len(seen) == 2  # the batch's workers, now stopped
        assert not any(c.pid in seen for c in multiprocessing.active_children())
        assert other.is_alive()
    finally:
        other.kill()
        other.join(5)


def test_pool_workers_never_write_into_this_process_s_engine(tmp_path: Path) -> None:
    """Workers start from a fork server, not from this process: a worker forked from a
    process that had rendered shared its engine's font folder, where two workers wrote
    the same new @font-face file at once and one died of a bus error reading it while
    the other truncated it (test_a_broken_override_stylesheet_fails_every_variant_of_a_
    batch failed so in whole-suite runs under load)."""
    project = make_project(tmp_path / "p")
    build(load_project(project))  # this process renders: its engine now has a font folder
    folder = Path(pdf.engine().font_config._folder)  # WeasyPrint's own attribute
    before = sorted(os.listdir(folder))
    # A copy of the theme's stylesheet: its @font-face rules are new to every engine.
    (project / "templates" / "handout.css").write_text(
        (THEME_DIR / "handout.css").read_text(encoding="utf-8"), encoding="utf-8")
    result = batch(load_project(project), jobs=2)
    assert result.ok
    assert sorted(os.listdir(folder)) == before


_FORK_SERVERS = """
import os, sys, time
from handouts.commands.processes import start_early
started = start_early(*eval(sys.argv[1]))
time.sleep(0.3)
servers = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
    except OSError:
        continue
    servers += int(stat[1]) == os.getpid() and b"multiprocessing.forkserver" in cmdline
heavy = [m for m in ("weasyprint", "handouts.commands.worker") if m in sys.modules]
print(started, servers, heavy)
"""


@pytest.mark.parametrize(("args", "expected"), [
    ((None, 2), "True 1 []"), (("local", None), "True 1 []"),
    ((None, 1), "False 0 []"), (("dask://127.0.0.1:1", 2), "False 0 []")])
def test_the_batch_command_starts_the_fork_server_before_loading(args: tuple[object, ...],
                                                                 expected: str) -> None:
    """``handouts batch`` with local workers starts their fork server first, so its
    import of the engine runs while the project loads and is checked; without workers
    (one job, a cluster) it starts none. Either way this process imports nothing heavy."""
    import subprocess
    import sys

    if (os.cpu_count() or 1) < 2 and args[1] is None:
        pytest.skip("one core: the batch uses no worker processes")
    env = {k: v for k, v in os.environ.items() if k != "DASK_SCHEDULER_ADDRESS"}
    run = subprocess.run([sys.executable, "-c", _FORK_SERVERS, repr(args)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == expected


def test_local_workers_that_cannot_load_the_project_stop_the_batch_with_one_message(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """Every worker loads the project as it starts: when none can (the project changed
    under the batch), the batch stops with one message, never a wait or a retry storm."""
    from handouts.commands.batch import plan_matrix
    from handouts.commands.execution import ExecutorLost
    from handouts.commands.executors import LocalExecutor

    project = make_project(tmp_path / "p")
    loaded = load_project(project)
    docs = {d.name: d for d in loaded.documents}
    todo = [(v, "x") for v in plan_matrix(loaded.project.config.batch, list(docs))][:4]
    (project / "handouts.yaml").unlink()
    started = time.monotonic()
    with pytest.raises(ExecutorLost) as lost:
        list(LocalExecutor().render(loaded.project, docs, project / "output", todo, 2))
    assert [p.format() for p in lost.value.problems] == [
        "local: executor: no worker process could start (each one stopped as it loaded "
        "the project); nothing was rendered"]
    assert time.monotonic() - started < 60
    assert not _workers()
    assert "Traceback" not in capfd.readouterr().err


def test_a_hand_out_that_fails_unexpectedly_fails_its_variant_never_hangs_the_batch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever goes wrong handing a variant out, the batch reads one result per
    variant: a feeding thread that died of an unexpected error left it waiting."""
    from handouts.commands.pool import ProcessPool

    project = make_project(tmp_path / "p")
    original, calls = ProcessPool.run, []

    def run(self: ProcessPool, *args: object, **options: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("not a pool error")
        return original(self, *args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(ProcessPool, "run", run)
    result = batch(load_project(project), jobs=2)
    [failed] = result.with_status("failed")
    assert [p.message for p in failed.problems] == [
        "could not be made: the worker failed (ValueError)"]
    assert len(result.with_status("rendered")) == 15
