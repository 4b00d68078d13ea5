"""Benchmarks for ``handouts serve`` (loopback only): named copies, previews, memory.

    .venv/bin/python benchmarks/serve.py           # writes docs/benchmarks-serve.md
    .venv/bin/python benchmarks/serve.py --quick   # a smoke run, prints only

The server is started as ``handouts serve --port 0`` on a copy of the example project,
exactly as a clinic runs it (two render workers). Each "user" is a thread with its
own browser session (cookie and CSRF token) posting the form a front desk posts.

* Named copy: time from sending the POST to the last byte of the PDF, p50 and p95,
  with 1 and with 4 users at once; a bounded number of requests per run.
* Preview images: converting a rendered PDF's pages to PNG (per page), and a whole
  preview POST.
* Sustained: 8 users for 2 minutes: errors, copies over the deadline, p50 and p95.
* Open live previews: 50 event streams held open while 4 users make copies.
* Memory: resident memory (RSS) of the server and its worker processes after a
  warm-up, and again after N more named copies (N = 5,000, with the workers replaced
  every 200 copies as in production, or as many as fit in the time allowed: the table
  says which).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
HANDOUT = "back-massage"
#: A request's deadline in the server: the example's render time limit plus the margin.
DEADLINE = 60 + 15.0


def copy_project(target: Path) -> Path:
    """The repository's example project."""
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "handouts.yaml", target / "handouts.yaml")
    return target


@contextmanager
def running_server(root: Path) -> Iterator[tuple[int, int]]:
    """``handouts serve --port 0`` in a subprocess: yields (port, pid)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "handouts", "-C", str(root), "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            raise RuntimeError(f"server did not start: {line!r}")
        yield int(match.group(1)), process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def descendants(pid: int) -> list[int]:
    """``pid`` and every process under it (the forkserver and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by ``pid`` (0 when it has gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def niceness(pid: int) -> int:
    """The nice value of ``pid`` (0 when it has gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[16])
    except (OSError, IndexError, ValueError):
        return 0


def cpu_split(pid: int) -> dict[str, float]:
    """CPU seconds so far of the server (``pid``), its render workers together, and this
    client. The library's background checker (a child at the lowest priority, using
    only what the renders leave) is not a copy's cost: left out."""
    workers = sum(cpu_seconds(p) for p in descendants(pid) if p != pid and niceness(p) <= 0)
    me = os.times()
    return {"server": cpu_seconds(pid), "workers": workers, "client": me.user + me.system}


def machine_busy() -> float:
    """CPU seconds every process on this machine has used so far (all cores)."""
    with open("/proc/stat") as stat:
        ticks = [int(x) for x in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MB."""
    total = 0
    for each in descendants(pid):
        try:
            with open(f"/proc/{each}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class User:
    """One browser session: its own connection, cookie and CSRF token."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""
        response = self.request("GET", f"/h/{HANDOUT}")
        html = response.decode()
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]

    def request(self, method: str, path: str, body: bytes | None = None) -> bytes:
        """One request in this session, read to its last byte (a POST answered 303 See
        Other: the page it sends the browser on to)."""
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()  # to the last byte
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        if response.status == 303 and method == "POST":
            # A finished PDF is fetched from its kept address, as a browser does
            # (with its script, the page asks for that address and then opens it too).
            return self.request("GET", response.getheader("Location") or "")
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: HTTP {response.status}")
        return data

    def named_copy(self, n: int, what: str = "pdf") -> tuple[float, int]:
        """POST a named copy; (seconds to the last byte, bytes)."""
        body = urllib.parse.urlencode({
            "csrf_token": self.token, "client": f"Client Number {n:05d}",
            "therapist": "Ana Ruiz", "next_appointment": "2026-05-04",
            "note": "Gentle pressure on the left shoulder."}).encode()
        started = time.perf_counter()
        data = self.request("POST", f"/h/{HANDOUT}/{what}", body)
        return time.perf_counter() - started, len(data)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def load_run(port: int, users: int, requests: int, start: int = 0, *,
             seconds: float | None = None, errors: list[str] | None = None) -> list[float]:
    """``requests`` named copies (or as many as fit in ``seconds``) shared by ``users``
    users at once: each one's latency. A failed copy is added to ``errors`` when given
    (else it stops the run)."""
    sessions = [User(port) for _ in range(users)]
    counter = iter(range(start, start + requests))
    lock = threading.Lock()
    times: list[float] = []
    ends = None if seconds is None else time.monotonic() + seconds

    def work(user: User) -> None:
        while ends is None or time.monotonic() < ends:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            try:
                took, size = user.named_copy(n)
                assert size > 10_000, "not a PDF"
            except (RuntimeError, AssertionError, OSError) as exc:
                if errors is None:
                    raise
                with lock:
                    errors.append(type(exc).__name__)
                user.connection.close()
                continue
            with lock:
                times.append(took)

    with ThreadPoolExecutor(users) as pool:
        list(pool.map(work, sessions))
    return times


def open_streams(port: int, count: int) -> list[socket.socket]:
    """``count`` live-preview event streams held open, as browsers hold them."""
    streams = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Accept: text/event-stream\r\n\r\n")
        sock.recv(4096)  # its first event (or the "come back later" answer)
        streams.append(sock)
    return streams


def image_timing(root: Path) -> tuple[float, int]:
    """Milliseconds per page to turn a rendered PDF into preview PNGs, and the pages."""
    from handouts.commands.inmemory import build_in_memory
    from handouts.project.load import load_project
    from handouts.render.runner import settle
    from handouts.web.workers import PREVIEW_SCALE, page_images

    loaded = load_project(root, (HANDOUT,))
    project, documents = loaded.project, loaded.documents
    settle()
    pdf = build_in_memory(project, documents[0]).pdf
    page_images(pdf, PREVIEW_SCALE)  # warm
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        images = page_images(pdf, PREVIEW_SCALE)
        best = min(best, (time.perf_counter() - started) / len(images))
    return best * 1000, len(images)


def main() -> None:
    """Run the benchmarks and print (and, unless --quick, write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="Small counts; print only.")
    parser.add_argument("--requests", type=int, default=40, help="Named copies per run.")
    parser.add_argument("--memory-requests", type=int, default=5000)
    parser.add_argument("--sustained-seconds", type=float, default=120.0,
                        help="How long 8 users make copies without a break.")
    parser.add_argument("--memory-seconds", type=float, default=900.0,
                        help="Stop the memory run after this long.")
    parser.add_argument("--out", type=Path, default=REPO / "docs/benchmarks-serve.md")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.memory_requests, args.memory_seconds = 8, 20, 20.0
        args.sustained_seconds = 5.0
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="handouts-serve-bench-") as tmp:
        root = copy_project(Path(tmp) / "clinic")
        per_page, pages = image_timing(root)
        with running_server(root) as (port, pid):
            load_run(port, 4, 8, start=90_000)  # warm up both workers and their layouts
            others: dict[int, float] = {}
            for users in (1, 4):
                before, busy, started = cpu_split(pid), machine_busy(), time.monotonic()
                times = load_run(port, users, args.requests, start=users * 1000)
                after = cpu_split(pid)
                ours = sum(after.values()) - sum(before.values())
                # Cores' worth of CPU that other work on this machine took meanwhile.
                others[users] = max(0.0, machine_busy() - busy - ours) / (
                    time.monotonic() - started)
                if users == 1:  # where a copy's CPU goes: it bounds the 4-user latency
                    cpu = {k: (after[k] - before[k]) / len(times) * 1000 for k in after}
                p50, p95 = percentile(times, 50) * 1000, percentile(times, 95) * 1000
                target = " (≤ 150 ms / ≤ 400 ms)" if users == 4 else ""
                met = "yes" if users != 4 or (p50 <= 150 and p95 <= 400) else "NO"
                rows.append((f"Named copy, {users} user{'s' if users > 1 else ''} "
                             f"({len(times)} requests): p50 / p95",
                             f"{p50:.0f} ms / {p95:.0f} ms", f"{target.strip(' ()') or '—'}",
                             met if users == 4 else "—"))
            rows.append(("CPU per named copy, 1 user: server + render workers + this client "
                         "= total", f"{cpu['server']:.1f} + {cpu['workers']:.1f} + "
                         f"{cpu['client']:.1f} = {sum(cpu.values()):.0f} ms", "—", "—"))
            preview = [User(port).named_copy(n, "preview")[0] for n in range(5)]
            rows.append(("Preview images: PDF page to PNG (96 dpi), per page",
                         f"{per_page:.0f} ms ({pages} pages)", "—", "—"))
            rows.append(("Preview POST (named copy + every page as PNG), median of 5",
                         f"{statistics.median(preview) * 1000:.0f} ms", "—", "—"))
            # 8 users for a while: nothing may fail or wait past the deadline.
            errors: list[str] = []
            started = time.monotonic()
            times = load_run(port, 8, 10**9, start=200_000, seconds=args.sustained_seconds,
                             errors=errors)
            took = time.monotonic() - started
            over = sum(t > DEADLINE for t in times)
            rows.append((f"8 users for {took:.0f} s ({len(times)} copies): errors, copies "
                         f"over the {DEADLINE:.0f} s deadline; p50 / p95",
                         f"{len(errors)} errors, {over} over; {percentile(times, 50) * 1000:.0f}"
                         f" ms / {percentile(times, 95) * 1000:.0f} ms", "0 errors, 0 over",
                         "yes" if not errors and not over else "NO"))
            # 50 open live previews beside 4 users at the desk.
            streams = open_streams(port, 50)
            try:
                page_times = []
                for _ in range(20):
                    begun = time.perf_counter()
                    User(port)  # the handout's page, as a new browser opens it
                    page_times.append(time.perf_counter() - begun)
                times = load_run(port, 4, args.requests, start=300_000)
            finally:
                for sock in streams:
                    sock.close()
            rows.append((f"50 open live-preview streams + 4 users ({len(times)} copies): "
                         "copy p50 / p95; a page p95",
                         f"{percentile(times, 50) * 1000:.0f} ms / "
                         f"{percentile(times, 95) * 1000:.0f} ms; "
                         f"{percentile(page_times, 95) * 1000:.0f} ms", "pages < 1 s",
                         "yes" if percentile(page_times, 95) < 1 else "NO"))
            warm = rss_mb(pid)
            deadline = time.monotonic() + args.memory_seconds
            done = 0
            while done < args.memory_requests and time.monotonic() < deadline:
                batch = min(40, args.memory_requests - done)
                load_run(port, 4, batch, start=10_000 + done)
                done += batch
            after = rss_mb(pid)
            ratio = after / warm
            limit = "all" if done >= args.memory_requests else "as many as fit in " \
                f"{args.memory_seconds:.0f} s"
            rows.append((f"Memory (RSS, server + workers): after warm-up → after {done} "
                         f"more named copies ({limit})",
                         f"{warm:.0f} MB → {after:.0f} MB (× {ratio:.2f})", "≤ 1.2×",
                         "yes" if ratio <= 1.2 else "NO"))
    notes = []
    if any(met == "NO" for *_, met in rows):
        notes = ["**Not met here.** With 4 users and 2 workers, each copy also waits for "
                 "another's render, so the 4-user p50 is at best about twice the 1-user "
                 "time; on this machine the 2 cores were also busy with other work (see "
                 "above). The render itself (WeasyPrint drawing and writing the "
                 "PDF) is most of a copy's time.", ""]
    lines = [
        "# `handouts serve` benchmarks",
        "",
        f"Run on {dt.date.today().isoformat()}: {platform.platform()}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPU cores shared with other work "
        f"(other work used {others[1]:.2f} and {others[4]:.2f} of the {os.cpu_count()} cores "
        "during the "
        "1-user and 4-user runs, the desk's own background checker at the lowest priority "
        "included), "
        f"loopback only; the example project's `{HANDOUT}` ({pages} pages, US Letter), two "
        "render workers. "
        "Made by `benchmarks/serve.py`.",
        "",
        "| Measure | Result | Target | Met |",
        "| --- | --- | --- | --- |",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
        "A named copy's time runs from sending the POST to reading the PDF's last byte "
        "(the POST is answered with the copy's kept address, fetched at once, as the page "
        "does). "
        "Each worker keeps the project, the fast checks' result per version of a handout "
        "(per day) and one `PersonalCopies` per handout per project version, so after the "
        "first copy of a block size only the client's block is checked and laid out. With "
        "4 users and 2 workers on 2 cores, two requests wait for a free worker at any time, "
        "so the 4-user latency is about twice the total CPU of one copy (the CPU row).",
        "",
        *notes,
    ]
    text = "\n".join(lines)
    print(text)
    if not args.quick:
        # Only this benchmark's part: the sections below it belong to others
        # (benchmarks/program_desk.py's, with its text written by hand).
        old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        others = old[old.find("\n## "):] if "\n## " in old else ""
        args.out.write_text(text.rstrip("\n") + "\n" + others, encoding="utf-8")


if __name__ == "__main__":
    main()
