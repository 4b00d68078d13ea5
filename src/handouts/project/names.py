"""Names every stage shares, in a module light enough for the CLI's start-up (no
pydantic, no Babel): the config's models, the loader, the planner and the command
line all take the general audience from here."""

from __future__ import annotations

#: The audience every handout is written for; ``audiences:`` in handouts.yaml adds others.
GENERAL = "general"

__all__ = ["GENERAL"]
