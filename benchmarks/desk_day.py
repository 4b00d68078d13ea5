"""A day at the front desk, compressed: does ``handouts serve`` keep answering?

    .venv/bin/python benchmarks/desk_day.py              # 40 s, 4 users
    .venv/bin/python benchmarks/desk_day.py --seconds 120 --users 8

Starts ``handouts serve`` on a copy of the example project (loopback, a throw-away
state folder) and has ``--users`` users make named copies without a break. Meanwhile
the owner saves a typo into one content file (and fixes it later), and two render
workers are killed with kill -9. Prints the copies made, every failure by kind, the
slowest copy, whether the library kept serving through the typo, and whether any
client name reached the server's output. Bounded in time; loopback only.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import User, copy_project, descendants

TYPO_FILE = "content/desk-stretch-break.yaml"


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def main() -> None:
    """Run the day and print what happened."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--users", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="handouts-desk-day-") as tmp:
        root = copy_project(Path(tmp) / "clinic")
        server = subprocess.Popen(
            [sys.executable, "-m", "handouts", "-C", str(root), "serve", "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "XDG_STATE_HOME": str(Path(tmp) / "state")})
        assert server.stdout is not None
        port = int(re.search(r":(\d+)/", server.stdout.readline()).group(1))  # type: ignore[union-attr]
        time.sleep(3)  # the workers warm up
        outcomes: collections.Counter[str] = collections.Counter()
        slowest = [0.0]
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def user(n: int) -> None:
            session = User(port)
            for i in range(10**9):
                if time.monotonic() >= stop:
                    return
                started = time.perf_counter()
                try:
                    session.named_copy(n * 100_000 + i)
                    outcome = "pdf"
                except Exception as exc:  # counted by kind: the run goes on
                    outcome = type(exc).__name__
                    session.connection.close()
                with lock:
                    outcomes[outcome] += 1
                    slowest[0] = max(slowest[0], time.perf_counter() - started)

        threads = [threading.Thread(target=user, args=(n,)) for n in range(args.users)]
        for thread in threads:
            thread.start()
        source = root / TYPO_FILE
        original = source.read_text(encoding="utf-8")
        time.sleep(args.seconds * 0.2)
        source.write_text(original.replace("title: ", 'title: "typo ', 1), encoding="utf-8")
        time.sleep(args.seconds * 0.15)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/", headers={"Host": "127.0.0.1"})
        library = connection.getresponse().read().decode()
        # The render workers are the fork server's children (the server's grandchildren).
        workers = [p for p in descendants(server.pid)
                   if p != server.pid and _parent(p) != server.pid][:2]
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        time.sleep(args.seconds * 0.2)
        source.write_text(original, encoding="utf-8")
        for thread in threads:
            thread.join()
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
        shutil.rmtree(root, ignore_errors=True)
    print(f"{args.users} users for {args.seconds:.0f} s: {dict(outcomes)}; "
          f"slowest copy {slowest[0]:.1f} s")
    print(f"during the typo the library listed the broken handout as not available: "
          f"{'Not available' in library}; the other handout still served: "
          f"{'How to give a back massage' in library}")
    print(f"render workers killed with kill -9: {len(workers)}; server exit on SIGTERM: "
          f"{server.returncode}; a client name in the server's output: "
          f"{'Client Number' in out + err}")


if __name__ == "__main__":
    main()
