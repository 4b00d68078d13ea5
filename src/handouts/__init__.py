"""handouts: branded, accessible PDF handouts for clinics, from plain content files."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__``, looked up only when asked for: reading the installed package's
    metadata costs more than the rest of ``handouts --help``."""
    if name != "__version__":
        raise AttributeError(f"module 'handouts' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("handouts")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+unknown"
