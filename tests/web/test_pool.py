"""The render pool never leaves a request waiting: kill -9, stalls, recycling under load.

These use tiny tasks (tests/web/pool_tasks.py) because what deadlocked on Python 3.11
was the pool's bookkeeping, not the rendering; one test kills a real render worker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from handouts.commands import pool as pool_module
from handouts.commands.pool import Busy, Died, ProcessPool, Stuck, TaskFailed
from handouts.web.workers import RenderPool, Selection, project_version, render

from . import pool_tasks


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for p in pids:
        try:
            os.kill(p, 0)
            alive.append(p)
        except ProcessLookupError:
            pass
    return alive


@pytest.fixture
def pool() -> ProcessPool:
    pool = ProcessPool(2, recycle_after=1000)
    yield pool
    pool.close()


def test_a_worker_killed_while_idle_is_replaced_before_anyone_uses_it(pool: ProcessPool) -> None:
    pool.warm()
    victim = pool.pids()[0]
    os.kill(victim, signal.SIGKILL)
    time.sleep(0.2)
    answers = {pool.run(pool_tasks.pid, deadline=30) for _ in range(6)}
    assert victim not in answers
    assert len(pool.pids()) == 2 and victim not in pool.pids()
    assert len(_alive(pool.pids())) == 2


def test_a_worker_killed_while_working_is_replaced_and_the_request_answered(
        pool: ProcessPool) -> None:
    pool.warm()
    started = time.monotonic()
    result: dict[str, object] = {}

    def ask() -> None:
        try:
            result["answer"] = pool.run(pool_tasks.stall, 1.0, deadline=30)
        except Exception as exc:
            result["answer"] = exc

    thread = threading.Thread(target=ask)
    thread.start()
    time.sleep(0.3)
    busy = [p for p in pool.pids()]
    for p in busy:  # kill -9 every worker: the one working among them
        os.kill(p, signal.SIGKILL)
    thread.join(30)
    assert not thread.is_alive()
    # Tried once more on a fresh worker: the answer comes from a new process.
    assert isinstance(result["answer"], int) and result["answer"] not in busy
    assert time.monotonic() - started < 15
    assert len(_alive(pool.pids())) == 2


def _forkservers() -> list[int]:
    """This process's multiprocessing forkservers (they start the pool's workers)."""
    found = []
    for task in Path("/proc/self/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                if b"forkserver" in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.append(int(child))
            except FileNotFoundError:
                pass
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
@pytest.mark.parametrize("pause", [0.0, 0.05, 0.3])
def test_the_forkserver_killed_with_the_workers_mid_request_fails_no_request(
        pool: ProcessPool, caplog: pytest.LogCaptureFixture, pause: float) -> None:
    """kill -9 of the process that starts workers, then of the workers, while a request
    waits: the request is answered from a fresh worker or with a PoolError (a page's
    clear "try again"), never another exception; the next one is answered; the owner's
    log says a renderer was replaced."""
    pool.warm()
    servers = _forkservers()
    assert servers
    result: dict[str, object] = {}

    def ask() -> None:
        try:
            result["answer"] = pool.run(pool_tasks.stall, 0.5, deadline=30)
        except Exception as exc:
            result["answer"] = exc

    with caplog.at_level("WARNING", logger="handouts.web"):
        thread = threading.Thread(target=ask)
        thread.start()
        time.sleep(0.2)
        for pid in servers:
            os.kill(pid, signal.SIGKILL)
        time.sleep(pause)
        for pid in pool.pids():
            os.kill(pid, signal.SIGKILL)
        thread.join(30)
        assert not thread.is_alive()
        answer = result["answer"]
        assert isinstance(answer, (int, Died, Busy)), repr(answer)
        assert pool.run(pool_tasks.double, 21, deadline=30) == 42
    assert "a renderer stopped (killed, crashed or too slow) and was replaced" in caplog.text
    assert len(_alive(pool.pids())) == 2


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_a_forkserver_that_does_not_answer_holds_no_request_past_its_deadline(
        pool: ProcessPool, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """QA: the fork server stopped (SIGSTOP), then a worker killed: starting its
    replacement waited for good, with the pool's lock held, and every request hung
    (a copy past 90 s, a thumbnail past 150 s). The start now has its own limit: the
    fork server that does not answer is killed, the request is answered (or told to
    try again) within its deadline, and the next one gets a fresh worker."""
    monkeypatch.setattr(pool_module, "SPAWN_LIMIT", 1.0)
    pool.warm()
    [server] = _forkservers()
    os.kill(server, signal.SIGSTOP)
    try:
        for pid in pool.pids():
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        started = time.monotonic()
        with caplog.at_level("WARNING", logger="handouts.pool"):
            try:
                answer: object = pool.run(pool_tasks.double, 21, deadline=8)
            except Busy as exc:
                answer = exc
        assert time.monotonic() - started < 8 + 1
        assert answer == 42 or isinstance(answer, Busy), repr(answer)
        assert "a renderer could not be started in 1 s (the process that starts them did " \
            "not answer, and was restarted)" in caplog.text
        assert pool.run(pool_tasks.double, 21, deadline=30) == 42
        assert server not in _forkservers() or not _alive([server])
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(server, signal.SIGKILL)


def test_closing_the_pool_mid_request_is_no_crash_in_the_log(
        caplog: pytest.LogCaptureFixture) -> None:
    """``handouts serve`` stopped (SIGTERM, as systemd does) while a renderer works: the
    request ends, the renderers go, and the log does not say a renderer was killed and
    replaced (it did, 4 of 4 times while the checks ran: a normal stop read as a crash)."""
    pool = ProcessPool(1, recycle_after=1000)
    pool.warm()
    ended: list[BaseException] = []

    def ask() -> None:
        try:
            pool.run(pool_tasks.stall, 3600, deadline=60)
        except BaseException as exc:  # the pool's own answer to a closed pool
            ended.append(exc)

    with caplog.at_level("WARNING", logger="handouts.web"):
        thread = threading.Thread(target=ask)
        thread.start()
        time.sleep(0.5)  # the task is running in the worker
        pids = pool.pids()
        pool.close()
        thread.join(10)
    assert not thread.is_alive() and len(ended) == 1
    assert _alive(pids) == []
    assert "was replaced" not in caplog.text


def test_a_worker_that_dies_on_every_try_gives_a_clear_answer(pool: ProcessPool) -> None:
    with pytest.raises(Died, match="stopped unexpectedly"):
        pool.run(pool_tasks.die, deadline=30)
    assert pool.run(pool_tasks.double, 21, deadline=30) == 42
    assert len(_alive(pool.pids())) == 2


def test_a_stalled_worker_is_killed_at_the_deadline_and_replaced(pool: ProcessPool) -> None:
    pool.warm()
    before = set(pool.pids())
    started = time.monotonic()
    with pytest.raises(Stuck, match="took too long"):
        pool.run(pool_tasks.stall, 3600, deadline=1.0)
    assert 0.9 < time.monotonic() - started < 5
    after = set(pool.pids())
    assert len(after) == 2 and len(after - before) == 1  # the stuck one was replaced
    assert len(_alive(list(before - after))) == 0  # and is really gone
    assert pool.run(pool_tasks.double, 2, deadline=30) == 4


def test_a_frozen_worker_is_replaced_at_once_and_the_request_made_on_a_fresh_one() -> None:
    """QA: a render worker stopped with ``kill -STOP`` held the copy sent to it until
    the desk's deadline (75 s), then failed it. A busy worker gives a sign of life
    every second: one silent for the stall limit is killed, replaced, and the task is
    made again on a fresh worker, within the request's deadline."""
    pool = ProcessPool(1, recycle_after=1000, stall_limit=2.0)
    try:
        pool.warm()
        (frozen,) = pool.pids()
        result: dict[str, object] = {}

        def ask() -> None:
            try:
                result["answer"] = pool.run(pool_tasks.stall, 1.0, deadline=60)
            except Exception as exc:
                result["answer"] = exc

        started = time.monotonic()
        thread = threading.Thread(target=ask)
        thread.start()
        time.sleep(0.3)
        os.kill(frozen, signal.SIGSTOP)
        thread.join(60)
        took = time.monotonic() - started
        assert isinstance(result["answer"], int) and result["answer"] != frozen, result
        assert took < 15, took  # 2 s of silence, a fresh worker, the 1 s task
        assert not _alive([frozen])  # killed, not left stopped
        assert pool.pids() == [result["answer"]]
    finally:
        pool.close()


def test_a_task_longer_than_the_stall_limit_is_no_frozen_worker() -> None:
    """The signs of life come while the task runs: a task of 3 s with a stall limit of
    1 s is answered by the worker that began it, which is not replaced."""
    pool = ProcessPool(1, recycle_after=1000, stall_limit=1.0)
    try:
        pool.warm()
        before = pool.pids()
        assert pool.run(pool_tasks.stall, 3.0, deadline=30) == before[0]
        assert pool.run(pool_tasks.pid, deadline=30) == before[0]
        assert pool.started == 1
    finally:
        pool.close()


def test_when_every_worker_is_stuck_a_request_waits_only_until_its_deadline(
        pool: ProcessPool) -> None:
    pool.warm()
    def block() -> None:
        with pytest.raises(Stuck):
            pool.run(pool_tasks.stall, 3600, deadline=3)

    blockers = [threading.Thread(target=block) for _ in range(2)]
    for thread in blockers:
        thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    with pytest.raises(Busy, match="busy"):
        pool.run(pool_tasks.double, 1, deadline=0.5)
    assert time.monotonic() - started < 2
    for thread in blockers:
        thread.join(30)
    assert pool.run(pool_tasks.double, 1, deadline=30) == 2


def test_a_request_that_waited_for_a_worker_never_kills_it_at_its_deadline() -> None:
    """Overload: a request waits behind another for the only worker and its deadline
    comes while its task runs. It is told the desk is busy; the healthy worker is not
    killed (it was, and every late request replaced one) and finishes, then works on."""
    pool = ProcessPool(1, recycle_after=1000)
    try:
        pool.warm()
        before = pool.pids()
        first = threading.Thread(target=pool.run, args=(pool_tasks.stall, 1.0),
                                 kwargs={"deadline": 30})
        first.start()
        time.sleep(0.1)
        started = time.monotonic()
        with pytest.raises(Busy, match="busy"):
            # Sent at ~1.0 s (when the first is done), its request ends at ~1.4 s; the
            # task itself may run 10 s, and takes 1.
            pool.run(pool_tasks.stall, 1.0, deadline=1.3, run_limit=10)
        assert 1.2 < time.monotonic() - started < 2.5
        first.join(10)
        assert pool.run(pool_tasks.pid, deadline=30) == before[0]  # after it finished
        assert pool.started == 1 and pool.pids() == before
    finally:
        pool.close()


def test_warming_workers_that_never_get_ready_ends_at_its_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve`` warms its workers before it listens: a worker whose start hangs made
    it wait forever (it read the worker's answer after its wait ran out). Now such a
    worker is replaced and warming ends at its limit."""
    monkeypatch.setattr(pool_module, "WARM_LIMIT", 1.0, raising=False)
    pool = ProcessPool(1, initializer=pool_tasks.hang_at_start)
    try:
        warming = threading.Thread(target=pool.warm, daemon=True)
        warming.start()
        warming.join(20)
        assert not warming.is_alive(), "warm() still waits for a worker that hangs"
        assert pool.started == 2  # the hung one replaced
    finally:
        pool.close()


def test_a_failing_task_says_its_kind_never_its_message(pool: ProcessPool) -> None:
    with pytest.raises(TaskFailed) as failed:
        pool.run(pool_tasks.fail, "Marisol Quintero", deadline=30)
    assert str(failed.value) == "ValueError"


@pytest.mark.slow
def test_2000_tasks_from_8_threads_with_recycling_every_20_all_answer() -> None:
    """The load that deadlocked ProcessPoolExecutor(max_tasks_per_child=20) on 3.11."""
    pool = ProcessPool(2, recycle_after=20)
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(8) as threads:
            answers = list(threads.map(lambda n: pool.run(pool_tasks.double, n, deadline=60),
                                       range(2000)))
        assert answers == [2 * n for n in range(2000)]
        assert pool.started >= 2000 // 20  # workers really were replaced
        assert len(_alive(pool.pids())) == 2  # and none is missing at the end
        assert time.monotonic() - started < 240
    finally:
        pool.close()


def test_a_real_render_worker_killed_with_kill_9_is_replaced(example: Path) -> None:
    pool = RenderPool()
    try:
        pool.warm()
        version = project_version(example)
        first = pool.run(render, str(example), version, "desk-stretch-break", Selection(), None,
                         deadline=120)
        assert first.ok
        for worker in pool.pids():
            os.kill(worker, signal.SIGKILL)
        again = pool.run(render, str(example), version, "desk-stretch-break", Selection(), None,
                         deadline=120)
        assert again.ok and again.pdf == first.pdf
        assert len(_alive(pool.pids())) == 2
    finally:
        pool.close()


def test_a_worker_whose_owner_was_killed_ends_without_a_traceback(tmp_path: Path) -> None:
    """kill -9 (or a service manager's SIGTERM) of a batch: each render worker printed two
    BrokenPipeError tracebacks when it answered its last task to nobody."""
    import subprocess
    import sys

    script = tmp_path / "owner.py"
    script.write_text(
        "import os, signal, threading, time\n"
        "from handouts.commands.pool import ProcessPool\n"
        "from tests.web import pool_tasks\n"
        "if __name__ == '__main__':\n"
        "    pool = ProcessPool(1, recycle_after=1000)\n"
        "    print(pool.run(pool_tasks.pid, deadline=60), flush=True)\n"
        "    threading.Thread(target=pool.run, args=(pool_tasks.stall, 1.0),\n"
        "                     kwargs={'deadline': 60}, daemon=True).start()\n"
        "    time.sleep(0.3)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n", encoding="utf-8")
    repo = Path(__file__).resolve().parents[2]
    owner = subprocess.run([sys.executable, str(script)], cwd=repo, capture_output=True,
                           text=True, timeout=60,
                           env={**os.environ, "PYTHONPATH": str(repo)})
    worker = int(owner.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _alive([worker]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert owner.returncode == -signal.SIGKILL
    assert not _alive([worker])
    assert "Traceback" not in owner.stderr, owner.stderr


def test_a_desk_whose_handouts_was_updated_under_it_says_to_restart(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """pip install -U while the desk ran: a renderer's request failed with a bare
    "ImportError" (new modules beside old ones); it says what happened and what to do."""
    import handouts
    from handouts.web import workers

    desk = RenderPool(workers=1)
    try:
        assert desk.run(pool_tasks.fail, "x").problems[0].message == \
            "the handout could not be made (ValueError)"
        monkeypatch.setattr(workers, "installed_version", lambda: "99.0")
        answer = desk.run(pool_tasks.fail, "x")
        assert answer.failed
        assert answer.problems[0].message == (
            f"handouts was updated ({handouts.__version__} to 99.0) while the front desk was "
            "running; restart it (Ctrl+C, then handouts serve) to use the new version")
    finally:
        desk.close()
