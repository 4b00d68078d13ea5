"""A budget for long-lived connections (the live preview's event streams).

Each open event stream holds one of the server's threads for as long as it is open.
Unbounded, sixteen open previews took every thread and the front desk's pages timed
out. So streams get their own threads (the server is sized for pages *plus* this
budget), at most :data:`MAX_STREAMS` at a time, each for at most :data:`MAX_AGE`
seconds (the browser then reconnects on its own); one over the budget is told to
come back later (``retry:``) at once instead of waiting for a thread.
"""

from __future__ import annotations

import threading

#: Event streams open at once; more are asked to retry.
MAX_STREAMS = 24
#: Seconds a stream stays open before the server ends it (the browser reconnects).
MAX_AGE = 300.0
#: Seconds between keep-alive comments on an idle stream (proxies and NAT drop
#: silent connections; a dead browser is noticed at the next write).
HEARTBEAT = 15.0
#: Milliseconds a browser waits before reconnecting after the server ends a stream,
#: and when it was turned away for lack of budget.
RETRY_MS = 500
BUSY_RETRY_MS = 5000


class StreamBudget:
    """A count of open streams, never above ``limit``."""

    def __init__(self, limit: int = MAX_STREAMS) -> None:
        self.limit = limit
        self._open = 0
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        """Take a place for one stream; False when the budget is spent."""
        with self._lock:
            if self._open >= self.limit:
                return False
            self._open += 1
            return True

    def release(self) -> None:
        """Give a stream's place back."""
        with self._lock:
            self._open = max(0, self._open - 1)

    @property
    def open(self) -> int:
        """Streams open now."""
        return self._open
