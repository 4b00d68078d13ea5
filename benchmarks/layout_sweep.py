"""Fitting on content nobody wrote: random handout shapes, every paper and print size.

    .venv/bin/python benchmarks/layout_sweep.py --seeds 9 10 11     # 10 handouts a seed
    .venv/bin/python benchmarks/layout_sweep.py --seeds 1 --handouts 2 --verbose
    .venv/bin/python benchmarks/layout_sweep.py --out docs/benchmarks-layout.md

Each seed writes handouts of random shape (1-10 steps of 1-8 sentences, tips, a
picture on a quarter of the steps, 1-8 items in each safety list, "What you need" and
"Why it helps" or not) into a copy of the stress project (tests/layout_stress), and
renders each at Letter and A4, standard and large print, in-process, with fitting.
The text is word salad from massage words: only its shape matters.

A layout counts as *bad* when it keeps a problem fitting exists to remove: a runt last
page, an unexplained gap, a picture apart from its step, a one-word first line, a last
page holding only the contact box and fine print, or a page before the last under
half full. Printed per seed and in total, with the extra layouts fitting made and the
CPU time. Deterministic for a seed and a code version, so two versions compare like
with like (put the other version's ``src`` first on ``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from handouts.project.load import load_project
from handouts.render.compose import compose
from handouts.render.fitting import render_page
from handouts.render.layout import FIXABLE, ONE_WORD_LINE, TAIL_BLOCKS
from handouts.render.runner import settle
from handouts.variants.plan import plan_matrix

REPO = Path(__file__).resolve().parent.parent
STRESS = REPO / "tests" / "layout_stress"
WORDS = (
    "gently", "slowly", "muscle", "shoulder", "press", "breathe", "relax", "pillow",
    "towel", "warm", "hands", "back", "neck", "spine", "stretch", "hold", "count",
    "move", "skin", "oil", "lotion", "ease", "comfort", "pain", "stop", "therapist",
    "doctor", "caregiver", "rest", "tissue", "circle", "thumb", "palm", "pressure",
    "lightly",
)
PICTURE = "images/back-massage-hands.svg"


class Writer:
    """Random text of handout shape, from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def sentence(self, low: int = 5, high: int = 16) -> str:
        words = [self.rng.choice(WORDS) for _ in range(self.rng.randint(low, high))]
        if self.rng.random() < 0.2:  # some bold, as clinics write it
            at = self.rng.randrange(len(words))
            words[at] = f"**{words[at]}**"
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def paragraph(self, low: int, high: int) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def title(self, low: int, high: int) -> str:
        return self.sentence(low, high).rstrip(".").replace("**", "")

    def handout(self) -> dict[str, Any]:
        """One content file's data."""
        rng = self.rng
        data: dict[str, Any] = {
            "title": self.title(2, 6), "intro": self.paragraph(1, 3),
            "summary": self.sentence(), "keywords": ["massage"], "language": "en"}
        if rng.random() < 0.8:
            data["you_need"] = [self.sentence(2, 8) for _ in range(rng.randint(1, 8))]
        steps = []
        for _ in range(rng.randint(1, 10)):
            step: dict[str, Any] = {"title": self.title(2, 5),
                                    "text": self.paragraph(1, rng.choice([2, 3, 5, 8]))}
            if rng.random() < 0.4:
                step["tip"] = self.sentence()
            if rng.random() < 0.25:
                step["image"], step["alt"] = PICTURE, "Hands on a back"
            steps.append(step)
        data["steps"] = steps
        data["precautions"] = {
            group: [self.sentence(3, 14) for _ in range(rng.randint(1, most))]
            for group, most in (("before", 6), ("stop", 8), ("call", 8))}
        if rng.random() < 0.8:
            data["benefits"] = [{"title": self.title(2, 4), "text": self.sentence()}
                                for _ in range(rng.randint(1, 6))]
        data["sources"] = [{"title": self.title(2, 6), "publisher": "Massage Mesa"}
                           for _ in range(rng.randint(1, 4))]
        data["review"] = {"reviewed": "2026-11-02", "reviewer": "Massage Mesa team"}
        return data


def write_project(root: Path, seed: int, count: int) -> None:
    """The stress project at ``root`` with ``count`` random handouts instead of its own."""
    shutil.copytree(STRESS, root)
    for old in [*root.glob("content/*.yaml"), *root.glob("content/*.po")]:
        old.unlink()
    writer, names = Writer(seed), []
    for number in range(count):
        name = f"s{seed}-{number}"
        names.append(name)
        (root / "content" / f"{name}.yaml").write_text(
            yaml.safe_dump(writer.handout(), sort_keys=False), encoding="utf-8")
    config = yaml.safe_load((root / "handouts.yaml").read_text(encoding="utf-8"))
    config["batch"] = {"handouts": names, "audiences": ["general"], "languages": ["en"],
                       "papers": ["letter", "a4"], "prints": ["standard", "large"]}
    (root / "handouts.yaml").write_text(yaml.safe_dump(config, sort_keys=False),
                                        encoding="utf-8")


def faults(output: Any) -> list[str]:
    """What is wrong with a rendered variant's layout, in words (empty: clean)."""
    found = [f"{p.kind}: {p.message}" for p in output.layout_problems
             if p.kind in FIXABLE or p.kind == ONE_WORD_LINE]
    if output.pages > 1:
        if {b["name"] for b in output.measure[-1].blocks} <= TAIL_BLOCKS:
            found.append("the last page holds only the contact box and fine print")
        found += [f"page {number} is {page.fullness:.0%} full"
                  for number, page in enumerate(output.measure[:-1], start=1)
                  if page.fullness < 0.5]
    return found


def sweep(seed: int, count: int, verbose: bool = False) -> tuple[int, int, int, float]:
    """(bad layouts, layouts, extra layouts, CPU seconds) for one seed."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        write_project(root, seed, count)
        loaded = load_project(root)
        project, documents = loaded.project, loaded.documents
        docs = {d.name: d for d in documents}
        settle()
        bad = total = extra = 0
        started = time.process_time()
        for variant in plan_matrix(project.config.batch, list(docs)):
            page, _ = compose(project, docs[variant.handout], variant)
            if page is None:
                raise SystemExit(f"{variant.describe()}: the generated content is invalid")
            output = render_page(project, docs[variant.handout], page)
            total, extra = total + 1, extra + output.extra_renders
            wrong = faults(output)
            if wrong:
                bad += 1
                if verbose:
                    fullness = " ".join(f"{p.fullness:.0%}" for p in output.measure)
                    print(f"  {variant.describe()} ({fullness}; fit {output.fit}): "
                          + "; ".join(wrong))
        return bad, total, extra, time.process_time() - started


def main() -> None:
    """Run the sweep for each seed asked for; print one line per seed and a total."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[20, 21, 22, 23])
    parser.add_argument("--handouts", type=int, default=10, help="handouts per seed")
    parser.add_argument("--verbose", action="store_true", help="name every bad layout")
    parser.add_argument("--out", type=Path, help="also write the lines to this Markdown file")
    args = parser.parse_args()
    sums = [0, 0, 0, 0.0]
    lines = []
    for seed in args.seeds:
        result = sweep(seed, args.handouts, args.verbose)
        bad, total, extra, cpu = result
        lines.append(f"seed {seed}: {bad} of {total} layouts bad; {extra} extra layouts; "
                     f"{cpu:.1f} s CPU")
        print(lines[-1])
        sums = [a + b for a, b in zip(sums, result, strict=True)]
    bad, total, extra, cpu = sums
    lines.append(f"total: {bad} of {total} bad ({bad / total:.1%}); "
                 f"{extra / total:.2f} extra layouts a variant; {cpu:.1f} s CPU")
    print(lines[-1])
    if args.out:
        seeds = " ".join(str(seed) for seed in args.seeds)
        args.out.write_text(
            "# Fitting on random handout shapes\n\n"
            f"Measured {dt.date.today()} with `python benchmarks/layout_sweep.py --seeds "
            f"{seeds} --handouts {args.handouts}` (what a bad layout is: the script's "
            "docstring).\n\n```\n" + "\n".join(lines) + "\n```\n", encoding="utf-8")


if __name__ == "__main__":
    main()
