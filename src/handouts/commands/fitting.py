"""Fitting paid once: each variant's fitting decision, remembered by its input hash.

Automatic fitting (:mod:`handouts.render.fitting`) searches for a layout: over half of
the example's variants need a second layout or more. The outcome depends only on the
page's inputs, which the batch already hashes for ``index.json`` (every file
:mod:`handouts.commands.inputs` lists, the tool version and the variant's path; never a
client list). So the decision is kept under that hash, and a variant rendered again
from the same inputs (``--force``, an index lost, a variant deleted) is laid out once,
with the same bytes as the search gave.

An edit gives the edited handout's versions new hashes. Each version's last decision is
kept as well (by its path in the output folder); after the edit it is tried first and
kept when its layout still holds (good, and no page more than the handout now needs),
so a small edit costs a version one layout, not a search (see
:meth:`handouts.render.fitting.Search.holds`). A version keeps the look it had until an
edit makes that layout wrong. Such a decision is marked ``hinted``:
``batch --force`` drops those and the versions' last decisions, so every version is
searched from its files alone and the batch makes what a batch from scratch makes
(removing this file does the same).

Where: ``.fitting.json`` in the output folder, beside ``index.json``, written
atomically by the batch's coordinator after rendering; a file that is corrupt, from
another handouts version or hand-edited into nonsense is ignored (the search runs
again; nothing is lost but time). Each :class:`~handouts.commands.worker.Worker` keeps
the decisions it is given and makes in memory. A named copy never writes this file:
its page holds a client's details, and nothing of a client touches the disk.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from handouts.commands.inputs import code_version
from handouts.errors import HandoutsError, Problem
from handouts.output import write_atomic
from handouts.render.fitting import valid_decision
from handouts.render.result import Fitting

FITTING_NAME = ".fitting.json"


def read_fittings(out_dir: Path) -> dict[str, Fitting]:
    """The decisions kept in ``out_dir`` by input hash; none when the file is missing,
    corrupt or written by another handouts version."""
    return _read(out_dir)[0]


def read_hints(out_dir: Path) -> dict[str, Fitting]:
    """Each version's last decision kept in ``out_dir``, by the version's path in the
    output folder (:attr:`~handouts.variants.plan.Variant.relpath`): what to try first
    when its inputs have changed since."""
    return read_kept(out_dir)[1]


def read_kept(out_dir: Path) -> tuple[dict[str, Fitting], dict[str, Fitting]]:
    """:func:`read_fittings` and :func:`read_hints` from one reading of the file."""
    fittings, versions = _read(out_dir)
    return fittings, {path: fittings[digest] for path, digest in versions.items()
                      if digest in fittings}


def _read(out_dir: Path) -> tuple[dict[str, Fitting], dict[str, str]]:
    """The decisions by input hash and each version's input hash, as kept in
    ``out_dir``; nothing from a file that is missing, corrupt or another version's."""
    try:
        data = json.loads((out_dir / FITTING_NAME).read_text(encoding="utf-8"))
        if data.get("generator") != _generator():
            return {}, {}  # another version may lay out otherwise: search again
        fittings = {str(digest): fitting for digest, entry in data["fittings"].items()
                    if (fitting := _fitting(entry)) is not None}
        versions = data.get("versions", {})
        if not isinstance(versions, dict):
            return fittings, {}
        return fittings, {str(path): digest for path, digest in versions.items()
                          if isinstance(digest, str)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}, {}


def _fitting(entry: Any) -> Fitting | None:
    """A decision read back, or None when the entry is not one fitting could have made
    (:func:`~handouts.render.fitting.valid_decision`: a hand-edited entry is searched
    again, never laid out as it says)."""
    fit, size, hinted = entry.get("fit"), entry.get("base_size"), entry.get("hinted", False)
    if not isinstance(fit, list) or not all(isinstance(f, str) for f in fit) or \
            not isinstance(hinted, bool):
        return None
    if size is not None and not (isinstance(size, int | float) and not isinstance(size, bool)
                                 and math.isfinite(size)):
        return None
    decision = Fitting(tuple(fit), None if size is None else float(size), hinted)
    if not valid_decision(decision):
        return None
    # What the chosen layout measured (an edit is compared with it): unknown (0) when
    # missing or not plausible, which only means a split or balanced decision is not
    # kept after an edit.
    pages, content = entry.get("pages", 0), entry.get("content", 0)
    if type(pages) is int and 0 < pages < 10_000 and type(content) in (int, float) \
            and math.isfinite(content) and content > 0:
        return dataclasses.replace(decision, pages=pages, content=float(content))
    return decision


def write_fittings(out_dir: Path, fittings: dict[str, Fitting],
                   versions: dict[str, str] | None = None) -> list[Problem]:
    """Write ``fittings`` and each version's input hash (``versions``, by path; only
    those with a decision) atomically to ``out_dir``, sorted (reruns write the same
    bytes). A failure is returned, not raised: it only costs the next run a search."""
    data = {"generator": _generator(),
            "fittings": {digest: {"fit": list(f.fit), "base_size": f.base_size,
                                  **({"hinted": True} if f.hinted else {}),
                                  **({"pages": f.pages, "content": f.content}
                                     if f.pages else {})}
                         for digest, f in sorted(fittings.items())},
            "versions": {path: digest for path, digest in sorted((versions or {}).items())
                         if digest in fittings}}
    try:
        # Compact: about 130 bytes a variant (40 MB at 300,000 variants).
        text = json.dumps(data, separators=(",", ":")) + "\n"
        write_atomic(out_dir / FITTING_NAME, text.encode())
    except HandoutsError as exc:
        return exc.problems
    return []


def update_fittings(out_dir: Path, outcomes: Iterable[tuple[str, str, Fitting | None]]
                    ) -> list[Problem]:
    """Keep the decisions of a batch's variants in ``out_dir``: each (path, input hash,
    decision) just made, and the earlier decision of each variant given with None (not
    rendered: unchanged). Decisions for inputs no variant has any more are dropped, so
    the file does not grow with every edit. Problems are returned, as by
    :func:`write_fittings`."""
    previous = read_fittings(out_dir)
    kept: dict[str, Fitting] = {}
    versions: dict[str, str] = {}
    for path, digest, fitting in outcomes:
        if fitting is None:
            fitting = previous.get(digest)
        if fitting is not None:
            kept[digest] = fitting
            versions[path] = digest
    return write_fittings(out_dir, kept, versions)


def add_fittings(out_dir: Path, outcomes: Iterable[tuple[str, str, Fitting]]
                 ) -> list[Problem]:
    """Add the (path, input hash, decision) that ``handouts build`` just made to those
    kept in ``out_dir``, dropping none (a build renders a few variants: the batch's
    decisions for the rest stay; the next batch drops what no variant has any more).
    Problems are returned, as by :func:`write_fittings`."""
    given = list(outcomes)
    new = {digest: fitting for _, digest, fitting in given}
    paths = {path: digest for path, digest, _ in given}
    if not new:
        return []
    previous, versions = _read(out_dir)
    if all(previous.get(digest) == fitting for digest, fitting in new.items()) and \
            all(versions.get(path) == digest for path, digest in paths.items()):
        return []  # nothing new: the file stays as it is
    return write_fittings(out_dir, {**previous, **new}, {**versions, **paths})


def forget_decisions(out_dir: Path) -> list[Problem]:
    """Forget every kept decision (``batch --force``): each version is then searched
    from its files alone, so a forced batch makes what a new copy of the project makes.
    Keeping the decisions "searched for their inputs" was not enough: a search tries
    the version's last decision first and may keep it (a page then depended on the
    project's history), and a decision edited by hand survived. Problems are returned,
    as by :func:`write_fittings`."""
    if not (out_dir / FITTING_NAME).exists():
        return []
    return write_fittings(out_dir, {})


def _generator() -> str:
    # The code's own version too: decisions made by other code are searched again.
    return f"handouts {code_version()}"


__all__ = ["FITTING_NAME", "add_fittings", "forget_decisions", "read_fittings", "read_hints",
           "read_kept", "update_fittings", "write_fittings"]
