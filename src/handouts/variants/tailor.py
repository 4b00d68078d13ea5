"""Tailoring a handout to one audience: keep, drop and replace tagged entries.

A pure function of (handout, audience), so every version is derived from the one
source file and versions cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from handouts.errors import Problem
from handouts.project.content import Handout, Precautions, Tagged
from handouts.project.sourcefile import LineMap, format_loc

#: The version for everyone: entries without ``audiences`` only.
GENERAL = "general"

T = TypeVar("T", bound=Tagged)


def select(items: list[T], audience: str) -> list[T]:
    """The entries of one list as ``audience`` should see them, in source order.

    An entry with ``replaces: X`` takes the place of entry ``X`` (same position) for
    the audiences it names; unmatched entries are simply shown or hidden.
    """
    shown = [i for i in items if i.shown_for(audience)]
    replacements = {i.replaces: i for i in shown if i.replaces}
    out: list[T] = []
    for item in shown:
        if item.replaces:
            continue  # placed where the entry it replaces was
        out.append(replacements.get(item.id, item) if item.id else item)
    return out


def tailor(handout: Handout, audience: str) -> Handout:
    """The handout as ``audience`` should get it."""
    p = handout.precautions
    return handout.model_copy(update={
        "you_need": select(handout.you_need, audience),
        "steps": select(handout.steps, audience),
        "benefits": select(handout.benefits, audience),
        "precautions": Precautions.model_construct(
            before=select(p.before, audience), stop=select(p.stop, audience),
            call=select(p.call, audience)),
    })


def _lists(handout: Handout) -> Iterator[tuple[tuple[str, ...], list[Tagged]]]:
    yield ("you_need",), list(handout.you_need)
    yield ("steps",), list(handout.steps)
    yield ("benefits",), list(handout.benefits)
    for group in ("before", "stop", "call"):
        yield ("precautions", group), list(getattr(handout.precautions, group))


def check_audiences(handout: Handout, known: set[str], display: str,
                    lines: LineMap) -> list[Problem]:
    """Audience names must be defined in the config; ``replaces`` must name an entry."""
    problems: list[Problem] = []
    for loc, items in _lists(handout):
        ids = {i.id for i in items if i.id}
        for n, item in enumerate(items):
            for key, names in (("audiences", item.audiences), ("except", item.except_)):
                for name in names:
                    if name not in known:
                        at = (*loc, n, key)
                        problems.append(Problem(
                            display, lines.line_of(at), format_loc(at),
                            f"unknown audience '{name}' (defined in handouts.yaml: "
                            f"{', '.join(sorted(known))})"))
            if item.replaces and item.replaces not in ids:
                at = (*loc, n, "replaces")
                problems.append(Problem(display, lines.line_of(at), format_loc(at),
                                        f"no entry with id '{item.replaces}' in this list"))
    return problems
