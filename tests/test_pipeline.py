"""The built PDF read back: text and order, every page's footer, metadata, fonts, sizes, tags."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from pypdf import PdfReader

from handouts.commands.build import BuildResult, build
from handouts.commands.init import init_project
from handouts.errors import HandoutsError
from handouts.project.load import load_project

from .helpers import pdf_pages

STEPS = ["Warm up", "Press the palm", "Stretch each finger", "Switch hands"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    root = tmp_path_factory.mktemp("pipeline") / "p"
    init_project(root)
    return root, build(load_project(root))


def test_title_and_steps_in_order(built) -> None:
    _, result = built
    text = "\n".join(pdf_pages(result.built[0].path))
    assert text.index("A 3-minute hand massage you can do") < text.index("What you need")
    positions = [text.index(step) for step in STEPS]
    assert positions == sorted(positions)
    # The full safety box follows the steps (its stop list is also on page 1, first).
    assert text.index("Switch hands") < text.rindex("Stay safe") < \
        text.index("Why it helps") < text.index("Sources:")


def _footer_lines(pdf: Path) -> list[str]:
    """Each page's text in the bottom margin band (17 mm), where the running footer is.

    Measured by position: the clinic's name and phone are also in the masthead and the
    contact box, so finding them anywhere on the page would prove nothing.
    """
    band = 17 * 72 / 25.4
    lines = []
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            words = [w for w in page.extract_words() if w["top"] >= page.height - band]
            lines.append(" ".join(w["text"] for w in sorted(
                words, key=lambda w: (round(w["top"]), w["x0"]))))
    return lines


def test_clinic_name_phone_and_page_number_on_every_page(built) -> None:
    _, result = built
    footers = _footer_lines(result.built[0].path)
    assert len(footers) == result.built[0].pages == 2
    for number, footer in enumerate(footers, start=1):
        assert "Your Clinic Name" in footer
        assert "(217) 555-0142" in footer
        assert f"Page {number} of 2" in footer


def test_metadata(built) -> None:
    _, result = built
    with pikepdf.open(result.built[0].path) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == "A 3-minute hand massage you can do yourself"
        assert str(info["/Author"]) == "Your Clinic Name"
        assert str(info["/Subject"]) == "A short self-massage for tired hands and fingers."
        assert str(info["/Keywords"]) == "hands, self-care, massage"
        assert str(pdf.Root.Lang) == "en"


def test_accessible_structure(built) -> None:
    _, result = built
    with pikepdf.open(result.built[0].path) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert bool(pdf.Root.MarkInfo.Marked) is True
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True
        alts = []

        def walk(node: pikepdf.Object) -> None:
            if isinstance(node, pikepdf.Dictionary):
                if node.get("/S") == "/Figure":
                    alts.append(str(node.get("/Alt", "")))
                kids = node.get("/K")
                if isinstance(kids, pikepdf.Array):
                    for kid in kids:
                        walk(kid)
                elif kids is not None:
                    walk(kids)

        walk(pdf.Root.StructTreeRoot)
        assert "QR code that opens https://yourclinic.example/book" in alts


def test_bundled_font_is_embedded(built) -> None:
    _, result = built
    with pikepdf.open(result.built[0].path) as pdf:
        fonts = {}
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                fonts[str(font.BaseFont).split("+")[-1]] = "/FontFile2" in descriptor
    assert fonts == {"Atkinson-Hyperlegible": True, "Atkinson-Hyperlegible-Bold": True}


@pytest.mark.parametrize(("paper", "box"), [("letter", (612, 792)), ("a4", (595.28, 841.89))])
def test_paper_size_is_exact(built, tmp_path: Path, paper: str, box: tuple) -> None:
    root, _ = built
    result = build(load_project(root), paper=paper, out=tmp_path)
    for page in PdfReader(result.built[0].path).pages:
        assert float(page.mediabox.width) == pytest.approx(box[0], abs=0.01)
        assert float(page.mediabox.height) == pytest.approx(box[1], abs=0.01)


def test_unchanged_input_gives_byte_identical_pdfs(built, tmp_path: Path) -> None:
    root, result = built
    again = build(load_project(root), out=tmp_path)
    assert again.built[0].path.read_bytes() == result.built[0].path.read_bytes()


def test_failed_build_keeps_the_previous_pdf_and_leaves_no_temp_files(built,
                                                                      tmp_path: Path) -> None:
    root, _ = built
    first = build(load_project(root), out=tmp_path).built[0].path
    before = first.read_bytes()
    content = root / "content/hand-self-massage.yaml"
    good = content.read_text(encoding="utf-8")
    content.write_text(good.replace("title: Warm up", "title: ''"), encoding="utf-8")
    try:
        with pytest.raises(HandoutsError):
            build(load_project(root), out=tmp_path)
    finally:
        content.write_text(good, encoding="utf-8")
    assert first.read_bytes() == before
    # The lock a build shares with batches (see output.beside_batches), and no temp file.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".fitting.json", ".handouts-batch.lock", ".handouts-built.json",
        "hand-self-massage.pdf"]


def test_engine_errors_stop_the_build_before_anything_is_written(built, tmp_path: Path) -> None:
    root, _ = built
    override = root / "templates/handout.html.j2"
    override.write_text('<html lang="en"><head><title>x</title></head><body>'
                        '<img src="file:///etc/hostname" alt="x"></body></html>',
                        encoding="utf-8")
    try:
        with pytest.raises(HandoutsError) as caught:
            build(load_project(root), out=tmp_path / "out")
    finally:
        override.unlink()
    assert [p.format() for p in caught.value.problems] == [
        "content/hand-self-massage.yaml: render: refused to load file:///etc/hostname: "
        "it is outside the project folder"]
    assert not (tmp_path / "out").exists()


# WeasyPrint 70's PDF/A writer leaves its sRGB profile file open (its bug, not ours).
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_archive_option_writes_tagged_pdf_a_3u(built, tmp_path: Path) -> None:
    root, _ = built
    config = root / "handouts.yaml"
    original = config.read_text(encoding="utf-8")
    config.write_text(original.replace("  output: output", "  output: output\n  archive: true"),
                      encoding="utf-8")
    try:
        result = build(load_project(root), out=tmp_path)
    finally:
        config.write_text(original, encoding="utf-8")
    with pikepdf.open(result.built[0].path) as pdf:
        meta = pdf.open_metadata()
        assert meta.get("pdfaid:part") == "3" and meta.get("pdfaid:conformance") == "U"
        assert "/StructTreeRoot" in pdf.Root and str(pdf.Root.Lang) == "en"


def test_pdfua_checker_finds_nothing(built, tmp_path: Path) -> None:
    """The pdfua package checks the machine-checkable part of PDF/UA-1 and WCAG 2.1."""
    from pdfua import validate

    from handouts.variants.clients import Client

    root, result = built
    large = build(load_project(root), print_size="large", out=tmp_path / "large").built[0].path
    client = build(load_project(root), client=Client("Ana", "Be gentle."),
                   out=tmp_path / "c").built[0].path
    for pdf in (result.built[0].path, large, client):
        report = validate(str(pdf))
        assert [(f.rule_id, f.message) for f in report.findings] == [], pdf
        assert report.exit_code == 0
