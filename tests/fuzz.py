"""One setting for every property-based test: seeded and small in CI, long on demand.

CI runs each property test with a fixed seed (``derandomize``) so a failure there is
reproducible and never flaky. ``./dev.sh fuzz`` (or ``HANDOUTS_FUZZ_EXAMPLES=N``)
runs the same tests with N examples each and a random seed, to search further.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

#: Examples per test for a long run; unset in CI, where each test keeps its default.
LONG_RUN = int(os.environ.get("HANDOUTS_FUZZ_EXAMPLES", "0"))


def fuzz(default: int) -> settings:
    """Settings for a property test: ``default`` seeded examples, or a long random run."""
    return settings(max_examples=LONG_RUN or default, deadline=None,
                    derandomize=not LONG_RUN,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])
