"""Audience tailoring: keep, drop and replace tagged entries."""

import textwrap
from pathlib import Path

from handouts.project.content import load_document
from handouts.project.load import check_audiences
from handouts.variants.tailor import tailor

CONTENT = """\
title: T
intro: I
you_need:
  - Oil
  - {text: A pillow for the knees, audiences: [caregivers]}
steps:
  - {id: press, title: Press, text: Press firmly.}
  - {title: Turn, text: Help the person turn., audiences: [caregivers]}
  - {title: Press gently, text: Press very gently., audiences: [cancer-care], replaces: press}
  - {title: Stretch, text: Stretch your arms., except: [caregivers, cancer-care]}
precautions:
  stop: [Pain]
  call:
    - Redness that stays
    - {text: Ask your care team before any massage., audiences: [cancer-care]}
benefits:
  - {title: Calm, text: It can help you relax.}
review: {reviewed: 2026-01-01, reviewer: R}
"""


def _load(tmp_path: Path, text: str = CONTENT):
    path = tmp_path / "h.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    problems: list = []
    doc = load_document("h", path, "content/h.yaml", problems)
    assert problems == []
    return doc


def test_general_gets_untagged_entries_only(tmp_path: Path) -> None:
    h = tailor(_load(tmp_path).handout, "general")
    assert [s.title for s in h.steps] == ["Press", "Stretch"]
    assert [i.text for i in h.you_need] == ["Oil"]
    assert [i.text for i in h.precautions.call] == ["Redness that stays"]


def test_audience_gets_its_entries_and_loses_excepted(tmp_path: Path) -> None:
    h = tailor(_load(tmp_path).handout, "caregivers")
    assert [s.title for s in h.steps] == ["Press", "Turn"]
    assert [i.text for i in h.you_need] == ["Oil", "A pillow for the knees"]


def test_replacement_takes_the_replaced_entrys_place(tmp_path: Path) -> None:
    h = tailor(_load(tmp_path).handout, "cancer-care")
    assert [s.title for s in h.steps] == ["Press gently"]
    assert [i.text for i in h.precautions.call] == [
        "Redness that stays", "Ask your care team before any massage."]


def test_unknown_audience_and_dangling_replace_are_located(tmp_path: Path) -> None:
    doc = _load(tmp_path, CONTENT.replace("replaces: press", "replaces: prss"))
    problems = check_audiences(doc.handout, {"general", "caregivers"}, doc.display, doc.lines)
    assert [p.format() for p in problems] == [
        "content/h.yaml:9: steps[3].audiences: unknown audience 'cancer-care' "
        "(defined in handouts.yaml: caregivers, general)",
        "content/h.yaml:9: steps[3].replaces: no entry with id 'prss' in this list (did "
        "you mean 'press'?)",
        "content/h.yaml:10: steps[4].except: unknown audience 'cancer-care' "
        "(defined in handouts.yaml: caregivers, general)",
        "content/h.yaml:15: precautions.call[2].audiences: unknown audience 'cancer-care' "
        "(defined in handouts.yaml: caregivers, general)",
    ]
    doc = _load(tmp_path, CONTENT.replace("[caregivers]", "[caregiver]", 1))
    problems = check_audiences(doc.handout, {"general", "caregivers", "cancer-care"},
                               doc.display, doc.lines)
    assert problems[0].format().endswith(
        "unknown audience 'caregiver' (did you mean 'caregivers'? defined in handouts.yaml: "
        "cancer-care, caregivers, general)")


def test_replaces_needs_audiences(tmp_path: Path) -> None:
    path = tmp_path / "h.yaml"
    path.write_text(CONTENT.replace("audiences: [cancer-care], replaces", "replaces"),
                    encoding="utf-8")
    problems: list = []
    assert load_document("h", path, "content/h.yaml", problems) is None
    assert [p.format() for p in problems] == [
        "content/h.yaml:9: steps[3]: an entry that 'replaces' another needs 'audiences' "
        "(whose version it changes)"]
