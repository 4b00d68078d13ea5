"""How long a batch waits for a cluster: its own module, without the executors'
imports, so the command line can show the defaults without loading the renderer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Timeouts:
    """How long a batch waits for a cluster, in seconds (``handouts batch
    --connect-timeout`` and ``--result-timeout``). Past a limit the batch stops with
    one located message; the PDFs finished before are kept for the rerun."""

    #: Connecting to the scheduler, and then its handshake (each).
    connect: float = 10.0
    #: The workers loading the project, and then each next finished chunk of variants
    #: (a chunk is at most 20 variants; raise it for variants that take minutes).
    results: float = 300.0
