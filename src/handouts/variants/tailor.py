"""Tailoring a handout to one audience: keep, drop and replace tagged entries.

A pure function of (handout, audience), so every version is derived from the one
source file and versions cannot drift apart.
"""

from __future__ import annotations

from typing import TypeVar

from handouts.project.content import Handout, Precautions, Tagged

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
