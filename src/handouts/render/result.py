"""What one render gives back: the PDF bytes, its pages and what the engine said.

Its own module, without WeasyPrint, so that the fitting code (render.py) can extend
it without importing the engine at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from handouts.errors import Problem


@dataclass
class Rendered:
    """The result of one render: the PDF bytes, its page count and what WeasyPrint said."""

    pdf: bytes
    pages: int
    problems: list[Problem] = field(default_factory=list)
    #: The text laid out on each page (margin boxes included), for checks.
    texts: list[str] = field(default_factory=list)
