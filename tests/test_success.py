"""One meaning of success: problems never pass silently, and -q/-v never change the result.

Each CLI run here configures logging as it would in its own process (see
``fresh_logging``), because the bug these tests guard against lived in that setup: the
application's log level decided which engine messages were seen at all.
"""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pdfplumber
import pytest
from click.testing import Result
from PIL import Image
from pypdf import PdfReader

from handouts.commands.batch import batch
from handouts.commands.init import init_project
from handouts.project.load import load_project
from handouts.render.theme import THEME_DIR

from .helpers import run

CONTENT = "content/one.yaml"
#: A one-step handout (fast to render); the step image is on line 8.
ONE = """title: One step
intro: A short sheet for tests.
language: en
steps:
  - title: Press
    text: Press gently.
    alt: A picture of the step
    image: images/{image}
precautions:
  stop: [You feel pain.]
  call: [The pain does not go away.]
review:
  reviewed: 2026-11-01
  reviewer: Test team
"""
IMAGE_LINE = 8
VERBOSITIES = (["-q"], [], ["-v"], ["-vv"])
DASH = "\N{EM DASH}"

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
       'width="20" height="20">{}</svg>')


def _noise(kind: str) -> bytes:
    """A small photo-like image (noise does not compress, so a cut lands in the pixels)."""
    buffer = io.BytesIO()
    Image.effect_noise((96, 96), 60).convert("RGB").save(buffer, kind)
    return buffer.getvalue()


def _cut(data: bytes) -> bytes:
    """The first half: a valid header, cut-off pixel data."""
    return data[: len(data) // 2]


#: name → (image file name, its bytes, what the message must say about it).
BROKEN: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "svg-image-file": ("pic.svg", lambda: SVG.format(
        '<image href="file:///etc/hostname" width="5" height="5"/>').encode(),
        "its <image> refers to file:///etc/hostname, which was refused: it is outside the "
        "project folder"),
    "svg-image-https": ("pic.svg", lambda: SVG.format(
        '<image xlink:href="https://example.com/x.png" width="5" height="5"/>').encode(),
        "its <image> refers to https://example.com/x.png, which was refused: remote "
        "resources are off"),
    "svg-use-outside": ("pic.svg", lambda: SVG.format('<use href="../../other.svg#x"/>').encode(),
                        "its <use> refers to ../../other.svg#x in another file"),
    "svg-style-import-file": ("pic.svg", lambda: SVG.format(
        "<style>@import url(file:///etc/hostname);</style>").encode(),
        "its <style> imports file:///etc/hostname, which was refused: it is outside the "
        "project folder"),
    "svg-style-import-https": ("pic.svg", lambda: SVG.format(
        '<style>@import "https://example.com/x.css";</style>').encode(),
        "its <style> imports https://example.com/x.css, which was refused: remote resources "
        "are off"),
    "svg-style-import-inside": ("pic.svg", lambda: SVG.format(
        "<style>@import url(../one.yaml);</style>").encode(),
        "its <style> imports {folder}/one.yaml, which the PDF engine cannot do inside an "
        "SVG; copy those rules into the SVG's own <style>"),
    "svg-style-font": ("pic.svg", lambda: SVG.format(
        "<style>@font-face { font-family: Q; src: url('file:///etc/hostname'); }</style>"
        '<text font-family="Q">x</text>').encode(),
        "its <style> loads a font from file:///etc/hostname, which was refused: it is "
        "outside the project folder"),
    "svg-not-xml": ("pic.svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>',
                    "it is not a well-formed SVG file (mismatched tag"),
    "png-truncated": ("pic.png", lambda: _cut(_noise("PNG")),
                      "it is not a readable image (image file is truncated"),
    "jpeg-truncated": ("pic.jpg", lambda: _cut(_noise("JPEG")),
                       "it is not a readable image (image file is truncated"),
}


#: The cases judged as the content file is loaded (the picture itself is broken); the
#: rest are judged when the SVG is fetched (what it refers to).
AT_LOAD = {"svg-not-xml", "png-truncated", "jpeg-truncated"}


@pytest.fixture
def fresh_logging() -> Iterator[Callable[[], None]]:
    """Call before each CLI run: logging as a new process has it.

    pytest puts handlers on the root logger, which turns the CLI's
    ``logging.basicConfig`` into a no-op; a real process gets the level it asks for.
    """
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level

    def reset() -> None:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        root.setLevel(logging.WARNING)

    yield reset
    reset()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def _project(tmp_path: Path, image: str = "pic.png", data: bytes | None = None) -> Path:
    """The starter project with only ``content/one.yaml``, whose step shows ``image``."""
    root = tmp_path / "p"
    init_project(root)
    for path in (root / "content").iterdir():
        path.unlink()
    (root / "content" / "images").mkdir()
    (root / "content" / "images" / image).write_bytes(data if data is not None else
                                                       _noise("PNG"))
    (root / CONTENT).write_text(ONE.format(image=image), encoding="utf-8")
    return root


def _run(reset: Callable[[], None], root: Path, command: str, *flags: str,
         options: tuple[str, ...] = ()) -> Result:
    """``handouts FLAGS -C ROOT COMMAND OPTIONS``, in this process, with fresh logging."""
    reset()
    return run(*flags, "-C", str(root), command, *options)


def _pdfs(root: Path) -> list[Path]:
    return sorted((root / "output").rglob("*.pdf")) if (root / "output").exists() else []


# ----------------------------------------------------------- broken step images

@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_step_image_fails_the_same_way_at_every_verbosity(
        tmp_path: Path, fresh_logging: Callable[[], None], case: str) -> None:
    image, make, reason = BROKEN[case]
    root = _project(tmp_path, image, make())
    # The project's files are named as in the project, never by their place on disk.
    url = f"content/images/{image}"
    reason = reason.format(folder="content")
    expected = (f"{CONTENT}:{IMAGE_LINE}: steps[1].image: refused to load {url}: {reason}")
    if case in AT_LOAD:  # said as the content file is read: nothing is rendered
        expected = (f"{CONTENT}:{IMAGE_LINE}: steps[1].image: image file 'images/{image}' "
                    f"cannot be printed: {reason}")
    for flags in VERBOSITIES:
        result = _run(fresh_logging, root, "build", *flags)
        assert result.exit_code == 1, (flags, result.output)
        assert _pdfs(root) == [], flags
        problems = [line for line in result.stderr.splitlines() if line.startswith(CONTENT)]
        assert len(problems) == 1 and problems[0].startswith(expected), (flags, problems)
        assert "1 error; nothing was written." in result.stderr
        # -vv adds the engine's own lines, and only adds them (never a traceback).
        assert ("weasyprint.progress: Step 1" in result.stderr) == \
            (flags == ["-vv"] and case not in AT_LOAD)
        assert "Traceback" not in result.output


@pytest.mark.slow
def test_the_installed_command_fails_the_same_at_default_and_vv(tmp_path: Path) -> None:
    image, make, reason = BROKEN["svg-image-file"]
    root = _project(tmp_path, image, make())
    command = Path(sys.executable).with_name("handouts")
    for flags in ([], ["-vv"]):
        done = subprocess.run([str(command), *flags, "-C", str(root), "build"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, (flags, done.stdout, done.stderr)
        assert reason in done.stderr
        assert _pdfs(root) == []


def test_a_refused_attachment_in_a_template_override_fails_at_every_verbosity(
        tmp_path: Path, fresh_logging: Callable[[], None]) -> None:
    root = _project(tmp_path)
    template = (THEME_DIR / "handout.html.j2").read_text(encoding="utf-8")
    assert "</head>" in template
    (root / "templates" / "handout.html.j2").write_text(template.replace(
        "</head>", '<link rel="attachment" href="file:///etc/hostname"></head>', 1),
        encoding="utf-8")
    for flags in VERBOSITIES:
        result = _run(fresh_logging, root, "build", *flags)
        assert result.exit_code == 1, (flags, result.output)
        assert f"{CONTENT}: render: refused to load file:///etc/hostname: it is outside " \
               "the project folder" in result.stderr.splitlines(), flags
        assert _pdfs(root) == []


# ----------------------------------------------------------- shared problems in a batch

MANIFEST = """
batch:
  papers: [letter, a4]
  prints: [standard, large]
"""


def _batch_project(tmp_path: Path) -> Path:
    root = _project(tmp_path)
    with (root / "handouts.yaml").open("a", encoding="utf-8") as config:
        config.write(MANIFEST)
    return root


@pytest.mark.parametrize("css, message", [
    ('@import url("file:///etc/hostname");\np { color: black; }\n',
     "templates/handout.css: refused to load file:///etc/hostname: it is outside the "
     "project folder"),
    ("p { color: black; }\n.step { colr: red; }\n",
     "templates/handout.css:2: Ignored `colr: red` at 2:9, unknown property."),
])
def test_a_broken_override_stylesheet_fails_every_variant_of_a_batch(
        tmp_path: Path, fresh_logging: Callable[[], None], css: str, message: str) -> None:
    root = _batch_project(tmp_path)
    # The broken lines go on top of a copy of the theme (its fonts included), as a
    # clinic would edit it; the theme's own lines are unchanged, so line numbers hold.
    theme = (THEME_DIR / "handout.css").read_text(encoding="utf-8")
    (root / "templates" / "handout.css").write_text(css + theme, encoding="utf-8")
    # Two workers for four variants: each parses the stylesheet once and reuses it, and
    # every variant must report its problem, not only the first in each worker.
    result = _run(fresh_logging, root, "batch", options=("--jobs", "2"))
    assert result.exit_code == 1, result.output
    failed = re.findall(r"^\[\d/4\] (\w+) ", result.stdout, re.M)
    assert failed == ["failed"] * 4, result.stdout
    assert message in result.stderr.splitlines()
    assert _pdfs(root) == []
    index = json.loads((root / "output" / "index.json").read_text(encoding="utf-8"))
    assert index["variants"] == []


def test_a_broken_logo_fails_every_variant_of_a_batch(tmp_path: Path) -> None:
    root = _batch_project(tmp_path)
    (root / "logo.png").write_bytes(_cut(_noise("PNG")))
    config = root / "handouts.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  # logo: assets/logo.svg", "  logo: logo.png\n  logo_alt: Clinic logo", 1),
        encoding="utf-8")
    result = batch(load_project(root), jobs=1)
    assert [r.status for r in result.results] == ["failed"] * 4
    line = next(n for n, text in enumerate(config.read_text(encoding="utf-8").splitlines(),
                                           start=1) if text == "  logo: logo.png")
    for variant in result.results:  # blamed on the setting, not on the content file
        assert [p.format() for p in variant.problems] == [
            f"handouts.yaml:{line}: clinic.logo: refused to load "
            "logo.png: it is not a readable image (image file is truncated)"]
    assert _pdfs(root) == []
    index = json.loads((root / "output" / "index.json").read_text(encoding="utf-8"))
    assert index["variants"] == []


# ----------------------------------------------------------- what is in content/

def test_yml_and_upper_case_extensions_are_handouts(
        tmp_path: Path, fresh_logging: Callable[[], None]) -> None:
    root = _project(tmp_path)
    text = (root / CONTENT).read_text(encoding="utf-8")
    (root / "content" / "two.yml").write_text(text, encoding="utf-8")
    (root / "content" / "three.YAML").write_text(text, encoding="utf-8")
    result = _run(fresh_logging, root, "build")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert [p.name for p in _pdfs(root)] == ["one.pdf", "three.pdf", "two.pdf"]


def test_two_files_for_one_handout_is_an_error_naming_both(
        tmp_path: Path, fresh_logging: Callable[[], None]) -> None:
    root = _project(tmp_path)
    (root / "content" / "one.yml").write_text((root / CONTENT).read_text(encoding="utf-8"),
                                              encoding="utf-8")
    result = _run(fresh_logging, root, "build")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "content/one.yml: is the same handout as content/one.yaml ('one'); keep one of the "
        "two files",
        "1 error; nothing was written."]
    assert _pdfs(root) == []


def test_unknown_files_in_content_are_warned_about_and_hidden_ones_ignored(
        tmp_path: Path, fresh_logging: Callable[[], None]) -> None:
    root = _project(tmp_path)
    content = root / "content"
    for name in ("notes.txt", "plan.docx", "readme.md", "one.ES.po", "nobody.es.po",
                 ".DS_Store", "one.es.po"):
        (content / name).write_bytes(b"")
    (content / "drafts").mkdir()  # folders can hold step pictures
    result = _run(fresh_logging, root, "build")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "content/nobody.es.po: warning: is a translation of 'nobody', but there is no "
        "content/nobody.yaml; it is ignored",
        "content/notes.txt: warning: is not a handout (handouts are .yaml files) and is "
        "ignored",
        "content/one.ES.po: warning: translation files are named in lower case; rename it "
        "to one.es.po, or it is not used",
        "content/plan.docx: warning: is not a handout (handouts are .yaml files) and is "
        "ignored",
        "content/readme.md: warning: is not a handout (handouts are .yaml files) and is "
        "ignored"]
    assert [p.name for p in _pdfs(root)] == ["one.pdf"]
    checked = _run(fresh_logging, root, "check", options=("--no-render",))
    assert "content/notes.txt: warning: is not a handout (handouts are .yaml files) and is " \
           "ignored" in checked.output.splitlines()


def test_a_batch_reports_unknown_files_too(tmp_path: Path) -> None:
    root = _batch_project(tmp_path)
    (root / "content" / "notes.txt").write_text("to do", encoding="utf-8")
    result = batch(load_project(root), jobs=1)
    assert result.ok
    assert [p.format() for p in result.problems] == [
        "content/notes.txt: warning: is not a handout (handouts are .yaml files) and is "
        "ignored"]


# ----------------------------------------------------------- the page limit

#: Enough steps to need two pages even at the smallest text size.
LONG_STEPS = "".join(f"  - title: Step {n}\n    text: {'Press gently and slowly. ' * 12}\n"
                     for n in range(12))


def _long_project(tmp_path: Path, fit: str) -> Path:
    root = _project(tmp_path)
    text = (root / CONTENT).read_text(encoding="utf-8")
    text = text.replace("language: en\n", f"language: en\nmax_pages: 1\n{fit}", 1)
    text = text.replace("precautions:", LONG_STEPS + "precautions:", 1)
    (root / CONTENT).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("fit, needs, fixes", [
    ("fit: shrink\n", r"needs (\d+) pages at the smallest allowed text size \(11 pt\)",
     "shorten the text, raise max_pages"),
    ("", r"needs (\d+) pages", "shorten the text, add 'fit: shrink', raise max_pages"),
])
def test_a_handout_over_its_page_limit_is_an_error(
        tmp_path: Path, fresh_logging: Callable[[], None], fit: str, needs: str,
        fixes: str) -> None:
    root = _long_project(tmp_path, fit)
    result = _run(fresh_logging, root, "build")
    assert result.exit_code == 1
    pattern = (rf"{CONTENT}:4: max_pages: {needs}; the limit is 1 {DASH} "
               rf"{re.escape(fixes)}, or set checks.over_limit: warning in handouts.yaml")
    lines = result.stderr.splitlines()
    match = re.fullmatch(pattern, lines[0])
    assert match and int(match.group(1)) > 1, lines
    assert lines[1:] == ["1 error; nothing was written."]
    assert _pdfs(root) == []


def test_over_limit_warning_writes_the_pdf_and_says_so(
        tmp_path: Path, fresh_logging: Callable[[], None]) -> None:
    root = _long_project(tmp_path, "fit: shrink\n")
    with (root / "handouts.yaml").open("a", encoding="utf-8") as config:
        config.write("checks:\n  over_limit: warning\n")
    result = _run(fresh_logging, root, "build")
    assert result.exit_code == 0, result.output
    [pdf] = _pdfs(root)
    pages = len(PdfReader(pdf).pages)
    assert pages > 1
    assert result.stderr.splitlines() == [
        f"{CONTENT}:4: warning: max_pages: needs {pages} pages at the smallest allowed text "
        "size (11 pt); the limit is 1; written anyway (checks.over_limit: warning) "
        "\N{EM DASH} shorten the text or raise max_pages"]


def test_over_limit_accepts_only_error_or_warning(
        tmp_path: Path, fresh_logging: Callable[[], None]) -> None:
    root = _project(tmp_path)
    with (root / "handouts.yaml").open("a", encoding="utf-8") as config:
        config.write("checks:\n  over_limit: sometimes\n")
    result = _run(fresh_logging, root, "build")
    assert result.exit_code == 1
    [problem] = [line for line in result.stderr.splitlines() if "over_limit" in line]
    assert problem.startswith("handouts.yaml:")
    assert "checks.over_limit" in problem and "'error'" in problem and "'warning'" in problem


def _large_print_over_its_limit(tmp_path: Path, over_limit: str) -> Path:
    """A ``fit: shrink`` handout that needs more pages in large print than the limit 1."""
    root = _long_project(tmp_path, "fit: shrink\n")
    with (root / "handouts.yaml").open("a", encoding="utf-8") as config:
        config.write(f"checks:\n  max_pages_large: 1\n  over_limit: {over_limit}\n")
    return root


def test_a_large_print_version_over_its_page_limit_is_an_error(
        tmp_path: Path, fresh_logging: Callable[[], None]) -> None:
    root = _large_print_over_its_limit(tmp_path, "error")
    result = _run(fresh_logging, root, "build", options=("--large-print",))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    match = re.fullmatch(
        rf"{CONTENT}:4: max_pages: needs (\d+) pages in large print; the limit is 1 "
        rf"\(checks.max_pages_large\) {DASH} shorten the text, raise checks.max_pages_large, "
        r"or set checks.over_limit: warning in handouts.yaml", lines[0])
    assert match and int(match.group(1)) > 1, lines
    assert lines[1:] == ["1 error; nothing was written."]
    assert _pdfs(root) == []


def test_large_print_never_shrinks_below_18pt_to_fit(
        tmp_path: Path, fresh_logging: Callable[[], None]) -> None:
    # Over its limit even at full size, and written anyway: shrinking would have made it
    # shorter, so a lower floor would show here as smaller body text.
    root = _large_print_over_its_limit(tmp_path, "warning")
    result = _run(fresh_logging, root, "build", options=("--large-print",))
    assert result.exit_code == 0, result.output
    [pdf] = _pdfs(root)
    with pdfplumber.open(pdf) as document:
        sizes = {round(w["size"], 1) for page in document.pages
                 for w in page.extract_words(extra_attrs=["size"]) if w["text"] == "gently"}
    assert sizes == {18.0}
