"""The batch: whole matrix, incremental reruns, isolated failures, the index, --clean."""

from __future__ import annotations

import json
from pathlib import Path

import pdfplumber
import pytest

from handouts.commands.batch import batch, read_index
from handouts.project.load import load_project

from .helpers import copy_project, run_in
from .variant_project import make_project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """The 2 audiences x 2 languages x 2 papers x 2 prints project, built once with 2 workers."""
    project = make_project(tmp_path_factory.mktemp("batch") / "p")
    return project, batch(load_project(project), jobs=2)


def test_builds_every_variant_of_the_manifest(built) -> None:
    project, result = built
    assert result.ok
    assert len(result.with_status("rendered")) == 16
    pdfs = sorted(p.relative_to(project / "output").as_posix()
                  for p in (project / "output").rglob("*.pdf"))
    assert pdfs == sorted(r.variant.relpath for r in result.results)
    assert "es/caregivers/hand-self-massage-letter-large.pdf" in pdfs


def test_index_lists_every_pdf_with_variant_pages_and_hash(built) -> None:
    project, _ = built
    index = json.loads((project / "output/index.json").read_text(encoding="utf-8"))
    entry = next(e for e in index["variants"]
                 if e["path"] == "es/caregivers/hand-self-massage-a4-large.pdf")
    assert entry["handout"] == "hand-self-massage" and entry["audience"] == "caregivers"
    assert entry["language"] == "es" and entry["paper"] == "a4" and entry["print"] == "large"
    assert entry["pages"] >= 2 and len(entry["input_hash"]) == 64
    assert len(index["variants"]) == 16


def test_second_run_renders_nothing(built, tmp_path: Path) -> None:
    project = copy_project(built[0], tmp_path / "p", with_output=True)
    again = batch(load_project(project), jobs=2)
    assert again.with_status("rendered") == []
    assert len(again.with_status("skipped")) == 16


def test_change_rerenders_only_affected_variants(built, tmp_path: Path) -> None:
    project = copy_project(built[0], tmp_path / "p", with_output=True)
    po = project / "content/hand-self-massage.es.po"
    po.write_text(po.read_text(encoding="utf-8").replace("ES Warm up", "ES Calentar"),
                  encoding="utf-8")
    again = batch(load_project(project), jobs=1)
    rendered = {r.variant.relpath for r in again.with_status("rendered")}
    assert len(rendered) == 8 and all(p.startswith("es/") for p in rendered)
    assert len(batch(load_project(project), jobs=1, force=True).with_status("rendered")) == 16


def test_one_broken_variant_fails_alone(built, tmp_path: Path) -> None:
    project = copy_project(built[0], tmp_path / "p", with_output=True)
    # The Spanish label of the caregivers audience goes missing: only es/caregivers fails.
    config = project / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "      es: {label: Cuidadores, description: Para quienes cuidan a alguien en cama.}\n",
        "      fr: {label: Aidants}\n"), encoding="utf-8")
    result = run_in(project, "batch", "--jobs", "2")
    assert result.exit_code == 1
    assert "12 rendered, 0 unchanged, 4 failed" in result.output
    # Reported once, though it broke four variants.
    assert result.stderr.count(
        "handouts.yaml:34: audiences.caregivers.translations: no Spanish label for this "
        "audience") == 1
    # The previous good PDFs of the failed variants are kept, not destroyed, and the
    # index still lists them, out of date (it used to drop them: a PDF in the folder
    # that the index said nothing of), without the hash that would skip them next time.
    assert (project / "output/es/caregivers/hand-self-massage-a4-large.pdf").is_file()
    index = read_index(project / "output")
    failed = {p: e for p, e in index.items() if p.startswith("es/caregivers/")}
    assert len(failed) == 4 and len(index) == 16
    assert all(e["stale"] is True and e["failed"] is True and "input_hash" not in e
               for e in failed.values())
    assert not any("stale" in e for p, e in index.items() if p not in failed)
    assert batch(load_project(project), jobs=1).with_status("failed") != []  # still broken
    assert len(read_index(project / "output")) == 16
    config.write_text(config.read_text(encoding="utf-8").replace(
        "      fr: {label: Aidants}\n",
        "      es: {label: Cuidadores, description: Para quienes cuidan a alguien en cama.}\n"),
        encoding="utf-8")
    again = batch(load_project(project), jobs=1)
    assert set(failed) <= {r.variant.relpath for r in again.with_status("rendered")}
    assert not any("stale" in e for e in read_index(project / "output").values())


def test_removed_variants_are_kept_unless_clean(built, tmp_path: Path) -> None:
    project = copy_project(built[0], tmp_path / "p", with_output=True)
    config = project / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  prints: [standard, large]", "  prints: [standard]"), encoding="utf-8")
    kept = batch(load_project(project), jobs=1)
    assert len(kept.stale) == 8 and kept.removed == []
    assert (project / "output/en/general/hand-self-massage-a4-large.pdf").is_file()
    cleaned = batch(load_project(project), jobs=1, clean=True)
    assert len(cleaned.removed) == 8
    assert not list((project / "output").rglob("*-large.pdf"))


def _body_sizes(pdf: Path) -> set[float]:
    """Font sizes of the intro paragraph's characters (body text)."""
    with pdfplumber.open(pdf) as doc:
        words = doc.pages[0].extract_words(extra_attrs=["size"])
    intro = [w for w in words if w["text"] in ("hands", "work", "hard", "short", "massage")]
    return {round(w["size"], 1) for w in intro}


def test_large_print_body_is_at_least_18pt_and_standard_12pt(built) -> None:
    project, _ = built
    large = _body_sizes(project / "output/en/general/hand-self-massage-letter-large.pdf")
    standard = _body_sizes(project / "output/en/general/hand-self-massage-letter-standard.pdf")
    assert large and min(large) >= 18
    assert standard and min(standard) >= 12


def test_smallest_text_in_large_print_is_14pt(built) -> None:
    project, _ = built
    with pdfplumber.open(project / "output/en/general/hand-self-massage-letter-large.pdf") as d:
        sizes = {round(c["size"], 1) for page in d.pages for c in page.chars if c["text"].strip()}
    assert min(sizes) >= 14


def _fonts_of(pdf: Path, word: str) -> list[str]:
    with pdfplumber.open(pdf) as doc:
        return [w["fontname"] for page in doc.pages
                for w in page.extract_words(extra_attrs=["fontname"]) if w["text"] == word]


def test_large_print_has_no_italics(built, tmp_path: Path) -> None:
    from handouts.commands.build import build

    project = copy_project(built[0], tmp_path / "p", with_output=True)
    content = project / "content/hand-self-massage.yaml"
    content.write_text(content.read_text(encoding="utf-8").replace(
        "Press only as hard as feels good.", "Press only as *gently* as feels good."),
        encoding="utf-8")
    standard = build(load_project(project), out=tmp_path / "s").built[0].path
    large = build(load_project(project), print_size="large", out=tmp_path / "l").built[0].path
    # The content has italics (the standard print shows them), so their absence in
    # large print is the large-print rule at work.
    [font] = _fonts_of(standard, "gently")
    assert "Italic" in font
    with pdfplumber.open(large) as d:
        fonts = {c["fontname"] for page in d.pages for c in page.chars}
    assert fonts and not any("Italic" in f for f in fonts)
    [font] = _fonts_of(large, "gently")
    assert font.endswith("Bold")  # emphasis kept, as weight


def test_warnings_are_repeated_for_unchanged_variants(built, tmp_path: Path) -> None:
    from handouts.commands.batch import summarize

    project = copy_project(built[0], tmp_path / "p", with_output=True)
    content = project / "content/hand-self-massage.yaml"
    content.write_text(content.read_text(encoding="utf-8").replace(
        "Do the same steps on your other hand.", "Now do your other hand."), encoding="utf-8")
    first = [p.format() for p in summarize(batch(load_project(project), jobs=1))]
    assert len(first) == 1 and "the Spanish translation is out of date" in first[0]
    again = batch(load_project(project), jobs=1)
    assert again.with_status("rendered") == []
    assert [p.format() for p in summarize(again)] == first


class _Recording:
    """An executor that renders in this process, as the local one does with one job,
    and records the order it was handed the variants in."""

    def __init__(self) -> None:
        self.order: list[str] = []

    def render(self, project, documents, out_dir, todo, jobs):  # type: ignore[no-untyped-def]
        from handouts.commands.worker import Worker

        worker = Worker(project, documents)
        for variant, digest in todo:
            self.order.append(variant.relpath)
            yield worker.render_variant(variant, digest)


def test_longest_variants_are_handed_out_first(built, tmp_path: Path) -> None:
    """So that the batch's last renders are short and no worker waits long for another
    at the end: by last time's page counts, and large print first when none are known."""
    project = copy_project(built[0], tmp_path / "p", with_output=True)
    pages = {e["path"]: e["pages"] for e in read_index(project / "output").values()}
    assert len(set(pages.values())) > 1  # the measure tells variants apart
    rerun = _Recording()
    batch(load_project(project), force=True, executor=rerun)
    assert [pages[p] for p in rerun.order] == sorted(pages.values(), reverse=True)
    first = _Recording()
    fresh = copy_project(built[0], tmp_path / "q")
    batch(load_project(fresh), executor=first)
    large = [p.endswith("-large.pdf") for p in first.order]
    assert large == sorted(large, reverse=True) and large.count(True) == 8


class _Interrupted:
    """Renders two variants in this process, then Ctrl-C arrives while a worker was
    writing: its temporary file is left behind, as a worker killed mid-write leaves it."""

    def render(self, project, documents, out_dir, todo, jobs):  # type: ignore[no-untyped-def]
        from handouts.commands.worker import Worker

        worker = Worker(project, documents)
        for variant, digest in todo[:2]:
            yield worker.render_variant(variant, digest)
        half = out_dir / todo[2][0].relpath
        half.parent.mkdir(parents=True, exist_ok=True)
        (half.parent / f".{half.name}.x1y2z3.tmp").write_bytes(b"%PDF-1.7 half")
        raise KeyboardInterrupt


def test_ctrl_c_keeps_the_record_and_leaves_no_half_written_file(built, tmp_path: Path
                                                                 ) -> None:
    """Ctrl-C stopped the batch with a worker's temporary file on disk (the second
    Ctrl-C kills workers mid-write) and without recording the PDFs it had finished, so
    the rerun made them again. Now the leftovers go and the finished PDFs are recorded."""
    project = copy_project(built[0], tmp_path / "p")
    with pytest.raises(KeyboardInterrupt):
        batch(load_project(project), executor=_Interrupted())
    output = project / "output"
    assert list(output.rglob("*.tmp")) == []
    recorded = read_index(output)
    assert len(recorded) == 2 and all((output / path).is_file() for path in recorded)


def test_ctrl_c_between_two_results_stops_the_workers_and_keeps_the_record(
        built, tmp_path: Path) -> None:
    """Ctrl-C can land in the batch's own loop (recording a result, not waiting for
    one): the workers are stopped then too, before their leftovers are removed, and
    what was finished is recorded."""
    import multiprocessing
    import time

    project = copy_project(built[0], tmp_path / "p")
    before = set(multiprocessing.active_children())

    def interrupt(result, done, total):  # type: ignore[no-untyped-def]
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        batch(load_project(project), jobs=2, progress=interrupt)
    deadline = time.monotonic() + 10
    while set(multiprocessing.active_children()) - before:
        assert time.monotonic() < deadline, "the batch's workers still run"
        time.sleep(0.1)
    output = project / "output"
    assert list(output.rglob("*.tmp")) == []
    recorded = read_index(output)
    assert len(recorded) >= 3 and all((output / path).is_file() for path in recorded)


def test_a_batch_leaves_another_commands_file_being_written_alone(built, tmp_path: Path
                                                                  ) -> None:
    """A batch started while a program (or a copy, or a build) was writing its PDF
    removed that command's temporary file, which then failed with "No such file or
    directory". Only a killed run's leftovers go: old ones, and those of the PDFs the
    batch itself writes."""
    import os
    import time

    project = copy_project(built[0], tmp_path / "p", with_output=True)
    output = project / "output"
    clients = output / "clients"
    clients.mkdir()
    writing = clients / ".program-1a2b3c4d5e6f.pdf.k3j4h5.tmp"  # a program writing now
    writing.write_bytes(b"%PDF-1.7 being written")
    killed = clients / ".back-massage-9f8e7d6c5b4a.pdf.q1w2e3.tmp"  # a run killed long ago
    killed.write_bytes(b"%PDF-1.7 half")
    hour_ago = time.time() - 3600
    os.utime(killed, (hour_ago, hour_ago))
    target = output / "en/general/hand-self-massage-letter-standard.pdf"
    own = target.parent / f".{target.name}.z9y8x7.tmp"  # this batch's own, just killed
    own.write_bytes(b"%PDF-1.7 half")
    target.unlink()  # so the batch makes it again
    assert batch(load_project(project), jobs=1).ok
    assert writing.read_bytes() == b"%PDF-1.7 being written"
    assert not killed.exists() and not own.exists()
