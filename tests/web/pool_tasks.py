"""Tasks for the pool tests (module-level, so worker processes can import them)."""

from __future__ import annotations

import os
import time


def pid() -> int:
    """The worker's process id."""
    return os.getpid()


def double(n: int) -> int:
    """A quick answer."""
    return 2 * n


def stall(seconds: float) -> int:
    """A worker that hangs (an engine stuck in C would look the same from outside)."""
    time.sleep(seconds)
    return os.getpid()


def die() -> None:
    """A worker that crashes hard while working."""
    os._exit(9)


def fail(secret: str) -> None:
    """A task that raises with a message quoting its (possibly personal) argument."""
    raise ValueError(f"bad value {secret}")


def hang_at_start() -> None:
    """An initializer that never finishes (an engine that hangs while loading)."""
    time.sleep(600)
