"""Fitting paid once (handouts.commands.fitting): each variant's fitting decision is kept
in ``output/.fitting.json`` under its input hash, and a variant rendered again from the
same inputs is laid out once, with the same bytes as the search gave."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from handouts.commands.batch import batch, read_index
from handouts.commands.build import build
from handouts.commands.fitting import FITTING_NAME, read_fittings, read_hints, write_fittings
from handouts.commands.inputs import input_hash
from handouts.commands.worker import Worker
from handouts.errors import Severity
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.project.load import load_project
from handouts.render.compose import compose
from handouts.render.engine import pdf
from handouts.render.fitting import fit_page, render_page
from handouts.render.result import Fitting
from handouts.render.theme import Page
from handouts.variants.clients import Client
from handouts.variants.plan import Variant

from .helpers import copy_example, run_in

#: The example's versions that fitting changes (letter, standard print): tighter
#: spacing for the English one; split boxes and a balanced last page for the Spanish one.
FITTED = {"en/general/back-massage-letter-standard.pdf": ("fit-tight",),
          "es/general/back-massage-letter-standard.pdf": ("fit-split", "fit-short-2-214")}
#: Client details that must never reach the disk.
NAME, NOTE = "Quillon Zarathustra-Bex", "Left shoulder sore since the fall"


def _small_example(root: Path, handouts: list[str] | None = None) -> Path:
    """The example with a batch of its two fitted versions (and ``handouts``' more)."""
    copy_example(root)
    config = yaml.safe_load((root / "handouts.yaml").read_text(encoding="utf-8"))
    config["batch"].update(handouts=handouts or ["back-massage"], audiences=["general"],
                           languages=["en", "es"], papers=["letter"], prints=["standard"])
    (root / "handouts.yaml").write_text(yaml.safe_dump(config, allow_unicode=True,
                                                       sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every page the engine lays out in this process (one entry each)."""
    engine = pdf.engine()
    seen: list[str] = []
    original = engine.lay_out

    def counted(html: str, **options: object) -> object:
        seen.append(html)
        return original(html, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "lay_out", counted)
    yield seen


def test_a_remembered_decision_gives_the_searched_bytes_in_one_layout(
        tmp_path: Path, layouts: list[str]) -> None:
    root = _small_example(tmp_path / "p")
    loaded = load_project(root)
    project, documents = loaded.project, loaded.documents
    document = documents[0]
    for language, fit in (("en", FITTED["en/general/back-massage-letter-standard.pdf"]),
                          ("es", FITTED["es/general/back-massage-letter-standard.pdf"])):
        page, _ = compose(project, document, Variant("back-massage", language=language))
        assert page is not None
        searched = render_page(project, document, page)
        assert searched.decision == Fitting(fit, None) and searched.extra_renders >= 1
        layouts.clear()
        again, _ = fit_page(project, document, page, decision=searched.decision)
        assert len(layouts) == 1  # no search: the decided layout only
        assert again.pdf == searched.pdf and again.pages == searched.pages
        assert again.decision == searched.decision


def test_a_rerun_reuses_every_decision_and_a_forced_one_searches_to_the_same_bytes(
        tmp_path: Path, layouts: list[str]) -> None:
    root = _small_example(tmp_path / "p")
    first = batch(load_project(root), jobs=1)
    assert first.ok and len(first.with_status("rendered")) == 2
    out = root / "output"
    kept = json.loads((out / FITTING_NAME).read_text(encoding="utf-8"))
    hashes = {e["path"]: e["input_hash"] for e in read_index(out).values()}
    # Each decision with what its layout measured: the pages (those of the PDF) and
    # the content's height, which an edit is later compared with.
    pages = {r.variant.relpath: r.pages for r in first.results}
    assert {path: (entry["fit"], entry["base_size"], entry["pages"])
            for path, digest in hashes.items() for entry in [kept["fittings"][digest]]} \
        == {path: (list(fit), None, pages[path]) for path, fit in FITTED.items()}
    assert all(entry["content"] > 600 * entry["pages"] for entry in kept["fittings"].values())
    pdfs = {path: (out / path).read_bytes() for path in FITTED}
    # A rerun after the PDFs went (a new output folder's copy, say): each version is
    # laid out once, as decided.
    for path in FITTED:
        (out / path).unlink()
    layouts.clear()
    again = batch(load_project(root), jobs=1)
    assert again.ok and len(again.with_status("rendered")) == 2
    assert len(layouts) == 2  # one layout per variant: both searches were skipped
    assert {path: (out / path).read_bytes() for path in FITTED} == pdfs
    assert json.loads((out / FITTING_NAME).read_text(encoding="utf-8")) == kept
    # Forced: every decision forgotten and searched from the files alone (as a new copy
    # of the project would: a kept one could carry the project's history, QA), which
    # gives the same decisions and bytes here.
    layouts.clear()
    forced = batch(load_project(root), jobs=1, force=True)
    assert forced.ok and len(layouts) > 2
    assert {path: (out / path).read_bytes() for path in FITTED} == pdfs
    assert json.loads((out / FITTING_NAME).read_text(encoding="utf-8")) == kept


def test_after_editing_one_handout_only_its_versions_search_again(tmp_path: Path) -> None:
    root = _small_example(tmp_path / "p", ["back-massage", "desk-stretch-break"])
    config = yaml.safe_load((root / "handouts.yaml").read_text(encoding="utf-8"))
    config["batch"]["languages"] = ["en"]
    (root / "handouts.yaml").write_text(yaml.safe_dump(config, allow_unicode=True,
                                                       sort_keys=False), encoding="utf-8")
    assert batch(load_project(root), jobs=1).ok
    out = root / "output"
    before = read_fittings(out)
    source = root / "content/desk-stretch-break.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "title: ", "title: Edited ", 1), encoding="utf-8")
    rerun = batch(load_project(root), jobs=1)
    assert [r.variant.handout for r in rerun.with_status("rendered")] == ["desk-stretch-break"]
    after = read_fittings(out)
    hashes = {e["handout"]: e["input_hash"] for e in read_index(out).values()}
    # The unchanged handout keeps its decision; the edited one's old decision is gone.
    assert set(after) == set(hashes.values()) and len(after) == 2
    assert after[hashes["back-massage"]] == before[hashes["back-massage"]]


def _composed(root: Path, handout: str = "back-massage", language: str = "en"
              ) -> tuple[Project, Document, Page]:
    """The loaded project, the handout's document and its composed page (letter,
    standard print)."""
    loaded = load_project(root)
    project = loaded.project
    document = next(d for d in loaded.documents if d.name == handout)
    page, _ = compose(project, document, Variant(handout, language=language))
    assert page is not None
    return project, document, page


def _retitle(root: Path, mark: str) -> None:
    """A small edit of back-massage (its title), as an owner makes one."""
    source = root / "content/back-massage.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "title: ", f"title: ({mark}) ", 1), encoding="utf-8")


def test_after_a_small_edit_a_version_keeps_its_decision_in_one_layout(
        tmp_path: Path, layouts: list[str]) -> None:
    """Each version's decision before the edit (the English one's tighter spacing, the
    Spanish one's split boxes and balanced last page) is tried first and still holds:
    one layout each, the same classes and pages, kept under the new hash and marked as
    kept."""
    root = _small_example(tmp_path / "p")
    first = batch(load_project(root), jobs=1)
    assert first.ok
    out = root / "output"
    assert read_hints(out) == {path: Fitting(fit) for path, fit in FITTED.items()}
    _retitle(root, "a")
    layouts.clear()
    rerun = batch(load_project(root), jobs=1)
    assert rerun.ok and len(rerun.with_status("rendered")) == 2
    assert {r.variant.relpath: r.fitting for r in rerun.results} == {
        path: Fitting(fit, hinted=True) for path, fit in FITTED.items()}
    assert {r.variant.relpath: r.pages for r in rerun.results} == {
        r.variant.relpath: r.pages for r in first.results}
    assert len(layouts) == 2
    english, spanish = sorted(layouts, key=lambda html: 'lang="es"' in html)
    assert "fit-tight" in english and "(a)" in english and "fit-short-2-214" in spanish
    kept = read_fittings(out)
    hashes = {e["path"]: e["input_hash"] for e in read_index(out).values()}
    for result in rerun.results:
        assert kept[hashes[result.variant.relpath]] == result.fitting
        assert read_hints(out)[result.variant.relpath] == result.fitting


def test_a_hint_that_is_no_longer_good_gives_what_the_search_gives(
        tmp_path: Path, layouts: list[str]) -> None:
    """A hinted layout with problems is not kept: the search runs, reusing the hinted
    layout rather than laying it out twice, and chooses what it chooses without one."""
    root = _small_example(tmp_path / "p")
    project, document, page = _composed(root, "back-massage", "en")
    layouts.clear()
    searched, _ = fit_page(project, document, page)
    alone = len(layouts)
    for hint in (Fitting(), Fitting(("fit-compact-fineprint",))):
        layouts.clear()
        hinted, _ = fit_page(project, document, page, hint=hint)
        assert hinted.decision == searched.decision == Fitting(("fit-tight",))
        assert hinted.pdf == searched.pdf
        assert len(layouts) == alone + (0 if hint == Fitting() else 1)


@pytest.mark.parametrize("hint", [
    Fitting(("fit-tight",), 11.5), Fitting(("fit-tight",), 11.5, pages=2, content=1765.2)])
def test_a_hint_with_a_smaller_body_size_is_not_tried(tmp_path: Path, layouts: list[str],
                                                      hint: Fitting) -> None:
    """A smaller body size may no longer be needed after an edit: not laid out at all."""
    root = _small_example(tmp_path / "p")
    project, document, page = _composed(root, "back-massage", "en")
    layouts.clear()
    fit_page(project, document, page)
    alone = list(layouts)
    layouts.clear()
    fit_page(project, document, page, hint=hint)
    assert layouts == alone


@pytest.mark.parametrize("hint", [
    Fitting(("fit-break-steps",)), Fitting(("fit-split",)),
    Fitting(("fit-split-steps", "fit-tight")), Fitting(("fit-tight", "fit-short-1-200")),
    # Measured, but with more content than the page has now (an edit took some away),
    # or on another number of pages.
    Fitting(("fit-split",), pages=2, content=5000.0),
    Fitting(("fit-split",), pages=3, content=100.0)])
def test_hints_that_can_cost_a_page_are_kept_only_when_nothing_was_taken_away(
        tmp_path: Path, hint: Fitting) -> None:
    """A split box (taller than whole) or a page ended early can keep a page that an
    edit made unnecessary. Without the measure of the layout it was chosen for, or
    when the page now has less content or other pages, such a hint is not kept: the
    result is the search's."""
    root = _small_example(tmp_path / "p")
    project, document, page = _composed(root, "back-massage", "en")
    searched, _ = fit_page(project, document, page)
    hinted, _ = fit_page(project, document, page, hint=hint)
    assert hinted.decision == searched.decision == Fitting(("fit-tight",))
    assert hinted.pdf == searched.pdf


def _delete_steps(root: Path, keep: tuple[int, ...]) -> None:
    """Keep only the steps ``keep`` (0-based) of back-massage: an edit that shortens it."""
    path = root / "content/back-massage.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("steps:\n"), text.index("precautions:")
    steps = [s for s in re.split(r"(?m)^(?=  - )", text[start + 7:end]) if s.strip()]
    path.write_text(text[:start] + "steps:\n" + "".join(steps[i] for i in keep) + "\n"
                    + text[end:], encoding="utf-8")


def test_after_an_edit_that_shortens_a_handout_no_version_keeps_a_page_too_many(
        tmp_path: Path) -> None:
    """QA: five of ten steps deleted, the Spanish version kept its split safety box and
    balanced page from before: three pages where a batch from scratch makes two. Every
    version now has at most the pages a batch from scratch gives it, and a forced
    batch makes exactly what a batch from scratch makes."""
    root = _small_example(tmp_path / "p")
    config = yaml.safe_load((root / "handouts.yaml").read_text(encoding="utf-8"))
    config["batch"].update(papers=["letter", "a4"])
    (root / "handouts.yaml").write_text(yaml.safe_dump(config, allow_unicode=True,
                                                       sort_keys=False), encoding="utf-8")
    assert batch(load_project(root), jobs=1).ok
    _delete_steps(root, (0, 1, 3, 4, 7))
    incremental = batch(load_project(root), jobs=1)
    fresh = tmp_path / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("output"))
    scratch = batch(load_project(fresh), jobs=1)
    assert incremental.ok and scratch.ok
    pages = {r.variant.relpath: r.pages for r in scratch.results}
    assert pages["es/general/back-massage-letter-standard.pdf"] == 2
    for result in incremental.results:
        assert result.pages <= pages[result.variant.relpath], result.variant.relpath
    forced = batch(load_project(root), jobs=1, force=True)
    assert forced.ok and not any(f.hinted for f in read_fittings(root / "output").values())
    assert read_hints(root / "output") == read_hints(fresh / "output")
    for path in pages:
        assert (root / "output" / path).read_bytes() == (fresh / "output" / path).read_bytes()


@pytest.mark.parametrize("entry", [
    {"fit": ["fit-short-abc"]}, {"fit": ["fit-short-2-"]}, {"fit": ["fit-short-2"]},
    {"fit": ["fit-short-1-2-3"]}, {"fit": ["fit-break-step-abc"]}, {"fit": ["fit-break-step-"]},
    {"fit": ["fit-short-1-99999"]}, {"fit": ["fit-evil"]}, {"fit": [], "base_size": 0.001},
    {"fit": [], "base_size": 1e300}, {"fit": [], "base_size": True},
    {"fit": ["fit-tight"], "hinted": "yes"}])
def test_a_kept_decision_fitting_could_not_make_is_searched_again(tmp_path: Path,
                                                                  entry: dict) -> None:
    """QA: hand-edited entries the old pattern let through failed every version with
    a Python error (``fit-short-abc``), left page 1 blank (``fit-short-1-99999``) or
    made the text invisible (a body size of 0.001 pt). Such an entry is no decision:
    the version is searched, with the bytes of a search."""
    root = _small_example(tmp_path / "p")
    assert batch(load_project(root), jobs=1).ok
    out = root / "output"
    pdfs = {path: (out / path).read_bytes() for path in FITTED}
    data = json.loads((out / FITTING_NAME).read_text(encoding="utf-8"))
    for digest in data["fittings"]:
        data["fittings"][digest] = {"base_size": None, **entry}
    (out / FITTING_NAME).write_text(json.dumps(data), encoding="utf-8")
    assert read_fittings(out) == {} and read_hints(out) == {}
    again = batch(load_project(root), jobs=1, force=True)
    assert again.ok, [p.format() for r in again.results for p in r.problems]
    assert {path: (out / path).read_bytes() for path in FITTED} == pdfs


@pytest.mark.parametrize("measured", [
    {"pages": "3", "content": 2000}, {"pages": True, "content": 2000},
    {"pages": 3, "content": float("nan")}, {"pages": 3, "content": -1},
    {"pages": 0, "content": 2000}, {"pages": 3}, {"pages": 3, "content": "2000"}])
def test_a_kept_measure_that_is_not_plausible_is_unknown(tmp_path: Path,
                                                         measured: dict) -> None:
    """A hand-edited measure is no measure: the decision is read back without it (a
    split or balanced decision is then not kept after an edit, only searched for)."""
    out = tmp_path / "output"
    out.mkdir()
    write_fittings(out, {"d1": Fitting(("fit-split",), pages=3, content=2000.0)}, {"a.pdf": "d1"})
    data = json.loads((out / FITTING_NAME).read_text(encoding="utf-8"))
    assert read_fittings(out)["d1"].pages == 3 and read_hints(out)["a.pdf"].content == 2000
    data["fittings"]["d1"] = {"fit": ["fit-split"], "base_size": None, **measured}
    (out / FITTING_NAME).write_text(json.dumps(data), encoding="utf-8")
    (decision,) = read_fittings(out).values()
    assert decision == Fitting(("fit-split",)) and (decision.pages, decision.content) == (0, 0)


def test_decisions_that_cannot_be_kept_are_a_warning(tmp_path: Path) -> None:
    """A folder where .fitting.json goes: the PDFs are made and the batch succeeds (it
    exited 1, while build warned), and nothing claims a previous version was kept."""
    root = _small_example(tmp_path / "p")
    (root / "output" / FITTING_NAME).mkdir(parents=True)
    result = batch(load_project(root), jobs=1)
    assert result.ok and len(result.with_status("rendered")) == 2
    (problem,) = [p for p in result.problems if p.path.endswith(FITTING_NAME)]
    assert problem.severity is Severity.WARNING
    assert problem.message == "could not be written: Is a directory"


def test_the_desk_and_a_build_try_the_hint_as_the_batch_does(tmp_path: Path,
                                                             layouts: list[str]) -> None:
    root = _small_example(tmp_path / "p")
    assert batch(load_project(root), jobs=1).ok
    _retitle(root, "b")
    layouts.clear()
    copy = Worker.load(root).copy("back-massage", language="en", paper="letter")
    assert len(layouts) == 1 and "fit-tight" in layouts[0]
    layouts.clear()
    built = build(load_project(root, ("back-massage",)))
    assert len(layouts) == 1 and built.built[0].path.read_bytes() == copy.pdf


def test_the_desk_copy_of_a_version_uses_the_batchs_decision(tmp_path: Path,
                                                             layouts: list[str]) -> None:
    """A Worker (as the front desk loads it) takes the decisions the batch kept in the
    project's output folder: a copy without a client is laid out once, and its bytes
    are the batch's PDF. After an edit its inputs differ: its split boxes and balanced
    page still hold when the edit took nothing away (one layout), and it searches again
    when the edit shortened the handout."""
    root = _small_example(tmp_path / "p")
    assert batch(load_project(root), jobs=1).ok
    path = "es/general/back-massage-letter-standard.pdf"
    worker = Worker.load(root)
    layouts.clear()
    copy = worker.copy("back-massage", language="es", paper="letter")
    assert len(layouts) == 1
    assert copy.pdf == (root / "output" / path).read_bytes()
    po = root / "content/back-massage.es.po"
    po.write_text(po.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    layouts.clear()
    kept = Worker.load(root).copy("back-massage", language="es", paper="letter")
    assert len(layouts) == 1 and "fit-short-2-214" in layouts[0] and kept.pages == 3
    _delete_steps(root, (0, 1, 3, 4, 7))
    layouts.clear()
    Worker.load(root).copy("back-massage", language="es", paper="letter")
    assert len(layouts) > 1 and "fit-short-2-214" in layouts[0]  # tried, then a search


def test_a_build_uses_the_batchs_decision_and_keeps_its_own(tmp_path: Path,
                                                           layouts: list[str]) -> None:
    """``handouts build`` of a version a batch fitted lays it out once, with the batch's
    bytes; its own decisions are added, never replacing the batch's; a search-free
    rebuild after a build gives the same bytes as the build's search."""
    root = _small_example(tmp_path / "p")
    assert batch(load_project(root), jobs=1).ok
    out = root / "output"
    kept = read_fittings(out)
    layouts.clear()
    built = build(load_project(root, ("back-massage",)), language="es")
    assert len(layouts) == 1  # the batch's decision, no search
    es = "es/general/back-massage-letter-standard.pdf"
    assert built.built[0].path.read_bytes() == (out / es).read_bytes()
    assert read_fittings(out) == kept
    # A version no batch made (A4): decided by its own build, kept beside the batch's.
    first = build(load_project(root, ("back-massage",)), paper="a4").built[0].path.read_bytes()
    added = read_fittings(out)
    assert len(added) == len(kept) + 1 and kept.items() <= added.items()
    layouts.clear()
    again = build(load_project(root, ("back-massage",)), paper="a4")
    assert again.built[0].path.read_bytes() == first
    assert len(layouts) == 1


def test_a_build_lays_out_as_the_kept_decision_says(tmp_path: Path,
                                                    layouts: list[str]) -> None:
    """The decision read back is the one used: another fitting written under the same
    inputs gives another layout (the bytes change), so the reuse is not assumed."""
    root = _small_example(tmp_path / "p")
    searched = build(load_project(root, ("back-massage",))).built[0].path.read_bytes()
    out = root / "output"
    (digest,) = read_fittings(out)
    write_fittings(out, {digest: Fitting(("fit-split",), None)})
    layouts.clear()
    again = build(load_project(root, ("back-massage",))).built[0].path.read_bytes()
    assert len(layouts) == 1 and again != searched
    assert "fit-split" in layouts[0] and "fit-tight" not in layouts[0]


def test_a_named_copy_tries_its_versions_decision_and_keeps_nothing(tmp_path: Path,
                                                                   layouts: list[str]) -> None:
    """Fitting paid once for named copies: the first copy of a fitted version searched
    again (706 ms against 322 ms). Its version's kept decision is now tried first and
    kept when it holds for the copy's page: one layout. The desk, ``build --client``
    and ``merge`` make the same bytes for the same choices, and nothing of the copy is
    kept (nor of a draft)."""
    root = _small_example(tmp_path / "p")
    assert batch(load_project(root), jobs=1).ok
    out = root / "output"
    before = (out / FITTING_NAME).read_bytes()
    layouts.clear()
    built = build(load_project(root, ("back-massage",)), client=Client(NAME, NOTE))
    assert len(layouts) == 1 and "fit-tight" in layouts[0]
    layouts.clear()
    copy = Worker.load(root).copy("back-massage", language="en", paper="letter",
                                  client=Client(NAME, NOTE))
    pages = [html for html in layouts if "<footer" in html]  # not the block laid out alone
    assert len(pages) == 1 and "fit-tight" in pages[0]
    assert copy.pdf == built.built[0].path.read_bytes()
    (root / "clients.csv").write_text(f"client,handout,note\n{NAME},back-massage,{NOTE}\n",
                                      encoding="utf-8")
    merged = run_in(root, "merge", str(root / "clients.csv"))
    assert merged.exit_code == 0, merged.output
    made = [p for p in (out / "clients").glob("*.pdf") if p != built.built[0].path]
    assert [p.read_bytes() for p in made] == [copy.pdf]
    build(load_project(root, ("back-massage",)), language="es", draft=True)
    assert (out / FITTING_NAME).read_bytes() == before


@pytest.mark.parametrize("edit", ["content/back-massage.yaml", "content/back-massage.es.po",
                                  "templates/handout.css"])
def test_an_edit_of_content_translation_or_theme_changes_the_key(tmp_path: Path,
                                                                 edit: str) -> None:
    root = _small_example(tmp_path / "p")
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates/handout.css").touch()

    def key() -> str:
        loaded = load_project(root)
        project, documents = loaded.project, loaded.documents
        return input_hash(project, documents[0], Variant("back-massage", language="es"))

    old = key()
    path = root / edit
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n"
                    if path.suffix != ".css" else "/* edited */\n", encoding="utf-8")
    assert key() != old


def test_named_copies_never_write_the_decisions_nor_a_clients_details(tmp_path: Path) -> None:
    root = _small_example(tmp_path / "p")
    assert batch(load_project(root), jobs=1).ok
    out = root / "output"
    kept = (out / FITTING_NAME).read_bytes()
    worker = Worker.load(root)
    worker.remember(out)
    assert worker.fittings == read_fittings(out) and len(worker.fittings) == 2
    for language in ("en", "es"):
        copy = worker.copy("back-massage", language=language, paper="letter",
                           client=Client(NAME, note=NOTE))
        assert copy.pdf
    assert (out / FITTING_NAME).read_bytes() == kept
    again = batch(load_project(root), jobs=1, force=True)
    assert again.ok
    for path in out.rglob("*"):
        if path.is_file() and path.suffix != ".pdf":
            text = path.read_text(encoding="utf-8")
            assert NAME not in text and NOTE not in text and "Quillon" not in text, path


@pytest.mark.parametrize("text", [
    "{not json", '{"generator": "handouts 0.0.1", "fittings": {}}', '[]',
    '{"generator": "GEN", "fittings": {"abc": {"fit": ["../etc"], "base_size": null}}}',
    '{"generator": "GEN", "fittings": {"abc": {"fit": ["fit-x\\" onload=x"], "base_size": 1}}}',
    '{"generator": "GEN", "fittings": {"abc": {"fit": [], "base_size": "big"}}}'])
def test_a_corrupt_or_foreign_file_is_ignored_and_rewritten(tmp_path: Path,
                                                            text: str) -> None:
    from handouts.commands.inputs import code_version

    out = tmp_path / "out"
    out.mkdir()
    (out / FITTING_NAME).write_text(text.replace("GEN", f"handouts {code_version()}"),
                                    encoding="utf-8")
    assert read_fittings(out) == {}
    root = _small_example(tmp_path / "p")
    assert batch(load_project(root), jobs=1, out=out).ok
    assert len(read_fittings(out)) == 2


def test_the_kept_decisions_travel_to_a_dask_worker(tmp_path: Path) -> None:
    """The Dask executor's worker plugin carries the decisions kept for the batch's
    variants (pickled as the scheduler sends it), and the worker it sets up has them."""
    import pickle
    from types import SimpleNamespace

    from handouts.commands.dask_executor import ProjectPlugin, snapshot
    from handouts.variants.plan import plan_matrix

    root = _small_example(tmp_path / "p")
    assert batch(load_project(root), jobs=1).ok
    kept = read_fittings(root / "output")
    loaded = load_project(root)
    project, documents = loaded.project, loaded.documents
    variants = plan_matrix(project.config.batch, [d.name for d in documents])
    hints = read_hints(root / "output")
    plugin = pickle.loads(pickle.dumps(ProjectPlugin(snapshot(project, documents, variants),
                                                     kept, hints)))
    (tmp_path / "worker").mkdir()
    plugin.setup(SimpleNamespace(local_directory=str(tmp_path / "worker")))
    assert plugin.worker is not None and plugin.worker.fittings == kept and len(kept) == 2
    assert plugin.worker.hints == hints and len(hints) == 2


def test_another_version_of_the_code_makes_every_version_again(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    """Installed from a source tree or git, every commit was "0.1.0": a batch after an
    upgrade that changed what the code prints kept the old PDFs as unchanged."""
    from handouts.commands import inputs

    root = _small_example(tmp_path / "p")
    assert batch(load_project(root), jobs=1).ok
    assert batch(load_project(root), jobs=1).with_status("rendered") == []
    monkeypatch.setattr(inputs, "code_version", lambda: "0.1.0+another")
    again = batch(load_project(root), jobs=1)
    assert again.with_status("skipped") == [] and again.ok


def test_a_file_an_svg_picture_loads_is_an_input_of_its_versions(tmp_path: Path) -> None:
    """A step picture that is an SVG showing another file (<image href>): the other file
    edited, the batch said "unchanged" and kept printing the old picture."""
    from handouts.commands.inputs import variant_inputs

    root = _small_example(tmp_path / "p")
    images = root / "content/images"
    picture = images / "back-massage-hands.svg"
    (images / "inner.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        '<text x="10" y="50">OLD</text></svg>', encoding="utf-8")
    picture.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="200" height="200" viewBox="0 0 200 200"><rect width="200" height="200" '
        'fill="#eee"/><image xlink:href="inner.svg" x="50" y="50" width="100" '
        'height="100"/></svg>', encoding="utf-8")
    whole = load_project(root)
    [doc] = [d for d in whole.documents if d.name == "back-massage"]
    assert images / "inner.svg" in variant_inputs(whole.project, doc, Variant("back-massage"))
    assert batch(load_project(root), jobs=1).ok
    (images / "inner.svg").write_text((images / "inner.svg").read_text(
        encoding="utf-8").replace("OLD", "NEW"), encoding="utf-8")
    again = batch(load_project(root), jobs=1)
    assert len(again.with_status("rendered")) == 2 and again.ok
