"""WeasyPrint's internals that handouts reads (handouts/render/engine/internals.py), and
the changes to its PDF writer (handouts/render/engine/writer.py).

pyproject.toml pins WeasyPrint to the versions tested (``weasyprint>=70,<71``). Trying
a new release, these tests say exactly which attribute or function the new release
changed, on a tiny document, instead of letting fitting quietly keep the first layout
or named copies quietly fall back to full renders (both still give a right PDF, so
nothing else would fail loudly).
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
import weasyprint
from PIL import Image
from pypdf import PdfReader

from handouts.render.engine import internals, writer
from handouts.render.engine.pdf import Engine, Layout

CHANGED = ("WeasyPrint {version} changed {what}: handouts/render/engine/internals.py reads "
           "it (see its docstring); adapt that module, then widen the pin in pyproject.toml")


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 2), "red").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


STYLE = """<style>
@page { size: 300pt 400pt; margin: 20pt }
body { margin: 0; font-size: 10pt }
li.step { border-top: 1pt solid black; margin: 0 }
.prepared-for { border: 1pt solid black }
</style>"""


def _html(name: str) -> str:
    return (f"<html><head>{STYLE}</head><body><main>"
            "<header class='masthead'><h1>Title</h1></header>"
            f"<div class='prepared-for'><p>Prepared for {name}</p></div>"
            "<ol class='steps'><li class='step'><p>Lift the arm</p>"
            f"<figure><img alt='' src='data:image/png;base64,{_png()}'></figure></li>"
            "<li class='step' style='break-before: page'><p>Rest</p></li></ol>"
            "</main></body></html>")


def _piece(name: str) -> str:
    return (f"<html><head>{STYLE}</head><body><main>"
            f"<div class='prepared-for'><p>Prepared for {name}</p></div></main></body></html>")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


def _lay_out(engine: Engine, html: str, root: Path) -> Layout:
    return engine.lay_out(html, base_dir=root, source="tiny", roots=(root,))


def _require(condition: bool, what: str) -> None:
    if not condition:
        pytest.fail(CHANGED.format(version=weasyprint.__version__, what=what), pytrace=False)


def _has(obj: Any, name: str, where: str) -> None:
    _require(hasattr(obj, name), f"{where}: it has no attribute '{name}'")


def test_the_attributes_and_functions_read_exist(engine: Engine, tmp_path: Path) -> None:
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.document import Page
    from weasyprint.text import ffi

    layout = _lay_out(engine, _html("Ann"), tmp_path)
    page = layout.document.pages[0]
    _require(isinstance(page, Page), "Document.pages: not weasyprint.document.Page objects")
    _has(page, "_page_box", "weasyprint.document.Page")
    root = internals.page_root(page)
    for name in ("children", "content_box_y", "height", "padding_bottom", "copy"):
        _has(root, name, "the page box")
    boxes = list(_walk(root))
    block = next(b for b in boxes if _classes(b) == ["prepared-for"])
    for name in ("element", "element_tag", "style", "position_x", "position_y", "width",
                 "margin_top", "margin_height", "border_width", "border_height",
                 "border_top_width", "copy", "deepcopy", "translate"):
        _has(block, name, "a block box")
    _require(block.element_tag == "div", "a box's element_tag: not the element's tag")
    try:
        computed = [block.style[name] for name in INITIAL_VALUES]
    except (KeyError, TypeError) as exc:
        computed = []
        _require(False, f"a box's style: it has no value for {exc}, a name of "
                        "css.properties.INITIAL_VALUES")
    _require(len(computed) > 100, "css.properties.INITIAL_VALUES: fewer than 100 properties")
    kinds = {type(box).__name__ for box in boxes}
    _require("LineBox" in kinds, "the class of line boxes: no box is named 'LineBox'")
    _require(any(hasattr(box, "replacement") for box in boxes),
             "replaced boxes (images): none has a 'replacement' attribute")
    _require(any(isinstance(getattr(box, "text", None), str) for box in boxes),
             "text boxes: none has a 'text' string")
    _require(isinstance(Page(root), Page), "weasyprint.document.Page(page_box): not a page")
    _require(callable(getattr(ffi.pango, "pango_version", None)),
             "weasyprint.text.ffi.pango: no pango_version()")
    _require(hasattr(ffi, "harfbuzz_subset"), "weasyprint.text.ffi: no harfbuzz_subset")


def test_the_measure_reads_blocks_steps_and_pictures(engine: Engine, tmp_path: Path) -> None:
    layout = _lay_out(engine, _html("Ann"), tmp_path)
    measure = internals.measure(layout.document)
    _require(len(measure) == 2, f"the measure: {len(measure)} pages instead of 2")
    names = [block["name"] for block in measure[0]["blocks"]]
    _require(names == ["masthead", "prepared-for", "steps", "step 1", "picture 1"],
             f"the measure's blocks on page 1: {names}")
    _require([b["name"] for b in measure[1]["blocks"]] == ["steps", "step 2"],
             f"the measure's blocks on page 2: {measure[1]['blocks']}")
    steps = measure[0]["blocks"][2]
    _require(steps["starts"] and not steps["ends"],
             "the measure: a list that goes on to the next page is not seen to continue")
    # 300 x 400 pt, 20 pt margins: a body area of 360 pt (480 CSS px, the engine's
    # unit), partly used: down to the picture's bottom.
    _require(measure[0]["height"] == 480.0
             and measure[0]["used"] == measure[0]["blocks"][-1]["bottom"],
             f"the measure's page height or use: {measure[0]}")


def test_texts_heights_and_the_block_swap_work(engine: Engine, tmp_path: Path) -> None:
    base = _lay_out(engine, _html("Ann"), tmp_path)
    texts = internals.page_texts(base.document)
    _require("Prepared for Ann" in texts[0] and "Rest" in texts[1],
             f"the text of laid-out pages: {texts}")
    piece = _lay_out(engine, _piece("Bob"), tmp_path)
    height = internals.block_height(piece.document, "prepared-for")
    _require(height is not None and height > 10, f"a block's height: {height}")
    swapped = internals.swap_block(base.document, piece.document, "prepared-for")
    _require(swapped is not None, "the block swap: refused a block of the same size")
    swapped_texts = internals.page_texts(swapped)
    _require("Prepared for Bob" in swapped_texts[0] and "Ann" not in swapped_texts[0],
             f"the block swap: the page reads {swapped_texts[0]!r}")
    # The original layout is untouched (a kept layout serves the next client too).
    _require("Prepared for Ann" in internals.page_texts(base.document)[0],
             "the block swap: the kept layout was changed")
    written = engine.write(Layout(swapped), source="tiny")
    full = engine.write(_lay_out(engine, _html("Bob"), tmp_path), source="tiny")
    _require(written.pdf == full.pdf, "the block swap: the PDF differs from a full render")
    text = PdfReader(io.BytesIO(written.pdf)).pages[0].extract_text()
    assert "Prepared for Bob" in text


def test_a_block_laid_out_alone_gets_no_footer_and_swaps_in_the_same(
        engine: Engine, tmp_path: Path) -> None:
    """A client's block laid out only to be measured and moved skips its page's
    margin boxes (about a fifth of that layout's time): the page has no footer, and
    the block measures and prints exactly as when laid out with them."""
    footer = STYLE.replace("</style>", "@page { @bottom-center { content: 'Call us' } }"
                                       "</style>")
    page = _html("Ann").replace(STYLE, footer)
    piece_html = _piece("Bob").replace(STYLE, footer)
    base = _lay_out(engine, page, tmp_path)
    with_footer = _lay_out(engine, piece_html, tmp_path)
    alone = engine.lay_out(piece_html, base_dir=tmp_path, source="tiny", roots=(tmp_path,),
                           margin_boxes=False)
    assert "Call us" in internals.page_texts(with_footer.document)[0]
    assert "Call us" not in internals.page_texts(alone.document)[0]
    assert "Prepared for Bob" in internals.page_texts(alone.document)[0]
    assert internals.block_height(alone.document, "prepared-for") == \
        internals.block_height(with_footer.document, "prepared-for")
    # Only that layout: the next one has its footer again.
    assert "Call us" in internals.page_texts(_lay_out(engine, piece_html,
                                                      tmp_path).document)[0]
    swapped = internals.swap_block(base.document, alone.document, "prepared-for")
    assert swapped is not None
    full = engine.write(_lay_out(engine, page.replace("Ann", "Bob"), tmp_path), source="tiny")
    assert engine.write(Layout(swapped), source="tiny").pdf == full.pdf


def test_a_pdf_is_serialised_once_and_written_byte_for_byte_the_same(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pydyf's identifier pass serialised (and compressed) every object twice; kept
    from the first pass, the bytes must be exactly those of pydyf's own write."""
    import zlib

    import pydyf

    layout = _lay_out(engine, _html("Ann"), tmp_path)
    counted = {"streams": 0}
    compressobj = zlib.compressobj

    def counting(*args: Any, **kwargs: Any) -> Any:
        counted["streams"] += 1
        return compressobj(*args, **kwargs)

    monkeypatch.setattr(pydyf.zlib, "compressobj", counting)
    once = engine.write(layout, source="tiny").pdf
    streams_once, counted["streams"] = counted["streams"], 0
    _require(hasattr(pydyf.PDF.write, "__wrapped__"), "pydyf.PDF.write is not wrapped")
    monkeypatch.setattr(pydyf.PDF, "write", pydyf.PDF.write.__wrapped__)
    twice = engine.write(layout, source="tiny").pdf
    _require(once == twice, "serialising once changed the PDF's bytes")
    _require(0 < streams_once < counted["streams"],
             f"streams compressed: {streams_once} once, {counted['streams']} by pydyf")


def test_page_references_are_built_once_per_page_count_with_the_same_bytes(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tag tree asks pydyf for every page's reference once per element; kept per
    page count, a page added later still appears, and the PDF's bytes are pydyf's."""
    import pydyf

    pdf = pydyf.PDF()
    pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    first = pdf.page_references
    assert pdf.page_references is first and len(first) == 1
    pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert pdf.page_references == (*first, f"{pdf.pages['Kids'][3]} 0 R".encode())
    three_pages = "".join(f"<p style='break-before: page'>Part {n}</p><ul><li>One</li></ul>"
                          for n in range(3))
    layout = _lay_out(engine, f"<html><head></head><body>{three_pages}</body></html>", tmp_path)
    kept = engine.write(layout, source="tiny").pdf
    built = pydyf.PDF.page_references.fget
    _require(hasattr(built, "__wrapped__"), "pydyf.PDF.page_references is not wrapped")
    monkeypatch.setattr(pydyf.PDF, "page_references", property(built.__wrapped__))
    _require(engine.write(layout, source="tiny").pdf == kept,
             "keeping the page references changed the PDF's bytes")


def test_streams_are_compressed_at_zlibs_default_level(engine: Engine,
                                                       tmp_path: Path) -> None:
    """pydyf asks for level 9, which spends its time on the repetitive tag tree; the
    streams are written at level 6 instead, and still read back."""
    import zlib

    written = engine.write(_lay_out(engine, _html("Ann"), tmp_path), source="tiny").pdf
    stream = PdfReader(io.BytesIO(written)).pages[0]["/Contents"].get_object()
    assert stream["/Filter"] == "/FlateDecode"
    raw = bytes(stream._data)  # as written in the file
    data = zlib.decompress(raw)
    assert b" cm" in data  # a page's drawing operators
    _require(raw == zlib.compress(data, 6),
             "a content stream is not compressed at level 6 (pydyf.zlib not replaced?)")
    assert raw != zlib.compress(data, 9)  # the two levels differ on this stream


def test_numbers_and_names_become_the_same_bytes_as_pydyfs(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The type-first serialiser gives pydyf's bytes for every kind of value it meets
    (and for subclasses, which take pydyf's own path), and a whole PDF is the same."""
    import enum

    import pydyf

    _require(pydyf._to_bytes is writer.pdf_bytes, "pydyf._to_bytes is not replaced")
    original = writer.pdf_bytes.__wrapped__

    class Number(float):
        pass

    class Flag(int, enum.Enum):
        ON = 1

    values: list[Any] = [b"/Name", bytearray(b"raw"), 0.0, -0.0, 1.0, -3.0, 2.5, 0.1, 1 / 3,
                         -1e-7, 1e-7, 123456.0000001, 1e20, float("inf"), float("nan"), 0, 7,
                         -12, True, False, "text", "/Type", Number(1.5), Number(2.0),
                         Flag.ON, None, pydyf.Array([1, 2.5, b"/A"]),
                         pydyf.Dictionary({"Type": "/Page", "N": 0.25}), pydyf.String("a(b)")]
    for value in values * 2:  # the second time from the kept floats
        assert writer.pdf_bytes(value) == original(value), repr(value)
    layout = _lay_out(engine, _html("Ann"), tmp_path)
    fast = engine.write(layout, source="tiny").pdf
    monkeypatch.setattr(pydyf, "_to_bytes", original)
    _require(engine.write(layout, source="tiny").pdf == fast,
             "serialising numbers by type changed the PDF's bytes")


#: A small QR-like picture: many short strokes, as the booking QR code is.
_SVG = ("<svg xmlns='http://www.w3.org/2000/svg' width='40' height='40'>"
        "<path fill='#fff' d='M0 0h40v40h-40z'/><path stroke='#000' d='"
        + "".join(f"M{x} {y}.5h1" for x in range(2, 38, 3) for y in range(2, 38, 2))
        + "'/><circle cx='20' cy='20' r='21' fill='none' stroke='#c00'/></svg>")


def _pictures() -> str:
    """Two pages: the picture twice on the first (once larger), once on the second."""
    uri = "data:image/svg+xml;base64," + base64.b64encode(_SVG.encode()).decode()

    def picture(size: int) -> str:
        return f"<img alt='code' src='{uri}' style='width: {size}pt; height: {size}pt'>"

    return (f"<html><head>{STYLE}</head><body><p>{picture(40)} {picture(40)} "
            f"{picture(80)}</p><p style='break-before: page'>{picture(40)}</p>"
            "</body></html>")


def test_a_picture_is_drawn_once_per_pdf_and_prints_the_same(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same SVG picture at the same size, printed three times on two pages, is one
    form in the PDF that each appearance refers to (the booking QR code on every
    handout of a home program); another size is another form; the pages look exactly
    as with WeasyPrint's own drawing, straight onto each page."""
    import pypdfium2
    from weasyprint.images import SVGImage

    shared = engine.write(_lay_out(engine, _pictures(), tmp_path), source="tiny").pdf
    _require(hasattr(SVGImage.draw, "__wrapped__"), "SVGImage.draw (see "
             "draw_repeated_pictures_once)")
    monkeypatch.setattr(SVGImage, "draw", SVGImage.draw.__wrapped__)
    straight = engine.write(_lay_out(engine, _pictures(), tmp_path), source="tiny").pdf
    pages = PdfReader(io.BytesIO(shared)).pages
    forms = {name for page in pages
             for name, ref in page["/Resources"].get_object()["/XObject"].items()
             if ref.get_object()["/Subtype"] == "/Form"}
    contents = [page.get_contents().get_data() for page in pages]
    uses = sorted(([c.count(f"{name} Do".encode()) for c in contents] for name in forms),
                  reverse=True)
    assert uses == [[2, 1], [1, 0]]  # 40 pt: twice, then once; 80 pt: once
    assert all(b" Do" not in page.get_contents().get_data()
               for page in PdfReader(io.BytesIO(straight)).pages)
    for one, other in zip(pypdfium2.PdfDocument(shared), pypdfium2.PdfDocument(straight),
                          strict=True):
        assert one.render(scale=2).to_pil().tobytes() == \
            other.render(scale=2).to_pil().tobytes()


def test_the_rule_above_a_step_at_a_page_top_is_dropped(engine: Engine,
                                                        tmp_path: Path) -> None:
    layout = _lay_out(engine, _html("Ann"), tmp_path)
    steps = [next(b for b in _walk(internals.page_root(page)) if b.element_tag == "li")
             for page in layout.document.pages]
    rule = 4 / 3  # 1 pt in CSS px, the engine's unit
    assert [s.border_top_width for s in steps] == pytest.approx([rule, rule])
    internals.hide_rules_at_page_tops(layout.document)
    # The second step starts page 2: its rule goes; the first follows the masthead.
    _require([s.border_top_width for s in steps] == pytest.approx([rule, 0]),
             "border_top_width of a step box at the top of a page: not set to 0")


def _walk(box: Any) -> list[Any]:
    found, stack = [], [box]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(getattr(current, "children", ()))
    return found


def _classes(box: Any) -> list[str]:
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None else []


IMPORT_ENGINE = """
import ctypes.util, subprocess, sys
started = []
sys.addaudithook(lambda event, args: started.append(args[1]) if event == "subprocess.Popen"
                 else None)
real = ctypes.util.find_library
import handouts.render.engine.pdf
from weasyprint.text import ffi
assert ctypes.util.find_library is real, "find_library left patched"
opened = [name for name in ("gobject", "pango", "harfbuzz", "harfbuzz_subset", "fontconfig",
                            "pangoft2") if getattr(ffi, name) is not None]
print(len(started), " ".join(opened))
"""


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="Linux sonames")
def test_the_engine_opens_every_library_without_starting_a_process() -> None:
    """WeasyPrint's libraries are opened by soname, without the ~20 ``ldconfig``/``gcc``
    processes ``ctypes.util.find_library`` starts for the other platforms' names
    (handouts/render/engine/libraries.py); HarfBuzz's subsetter (3x faster font
    subsetting) is among them."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", IMPORT_ENGINE], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["0", "gobject", "pango", "harfbuzz", "harfbuzz_subset", "fontconfig",
                   "pangoft2"]


def test_renders_in_two_threads_each_get_only_their_own_problems(tmp_path: Path) -> None:
    """The desk renders in several threads at once (inline, or its checker beside a
    request): the log records of one render were the problems of every render running
    then (each capture listened to the engine's loggers, whoever logged)."""
    import threading

    from tests.helpers import render_body

    (tmp_path / "ok.png").write_bytes(base64.b64decode(_png()))
    broken = '<p style="colr: red">CSS the engine only logs</p>' * 20
    fine = '<img src="ok.png" alt="x"><p>fine</p>' * 20
    render_body(fine, tmp_path)  # warm: the first render loads fonts
    start = threading.Barrier(2)
    seen: dict[str, list[list[str]]] = {"broken": [], "fine": []}

    def run(kind: str, html: str) -> None:
        start.wait(10)
        for _ in range(6):
            seen[kind].append([p.message for p in render_body(html, tmp_path).problems])

    threads = [threading.Thread(target=run, args=("broken", broken)),
               threading.Thread(target=run, args=("fine", fine))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert seen["fine"] == [[]] * 6
    assert all(found and all("colr" in message for message in found)
               for found in seen["broken"]), seen["broken"]


def test_a_render_takes_no_global_logging_lock_to_listen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each render set the engine's loggers' levels (and back): logging then takes its
    global lock and walks every logger, several times a render from every thread. Set
    once, they are only checked."""
    import logging

    from tests.helpers import render_body

    render_body("<p>once</p>", tmp_path)
    cleared: list[int] = []
    original = logging.Manager._clear_cache
    monkeypatch.setattr(logging.Manager, "_clear_cache",
                        lambda self: (cleared.append(1), original(self))[1])
    for _ in range(3):
        assert render_body("<p>again</p>", tmp_path).problems == []
    assert cleared == []


def test_a_render_stopped_inside_logging_leaves_its_lock_free_for_other_threads() -> None:
    """The time limit's alarm lands anywhere, also inside logging while it holds its
    global lock (setting a level takes it with no ``finally`` in Python 3.11): the lock
    stayed held, and every other thread that logged waited forever (the desk's file
    watcher, its requests; a test run hung on them)."""
    import logging
    import threading
    import time

    from handouts.render.engine.timelimit import run_limited

    def stuck_inside_logging() -> None:
        logging._acquireLock()  # type: ignore[attr-defined]  # as the alarm finds it
        time.sleep(5)

    assert run_limited(0.05, stuck_inside_logging) is None
    logged = threading.Event()

    def log_elsewhere() -> None:
        logging.getLogger("handouts.test.elsewhere").warning("from another thread")
        logged.set()

    threading.Thread(target=log_elsewhere, daemon=True).start()
    assert logged.wait(5), "another thread still waits for logging's lock"


def test_the_font_folder_is_where_weasyprint_keeps_font_face_fonts(tmp_path: Path) -> None:
    engine = Engine()
    assert internals.font_folder(engine.font_config) is None  # made on the first font
    font = Path(__file__).parent.parent / "src/handouts/theme/fonts"
    face = next(font.glob("*.ttf"))
    weasyprint.CSS(string=f"@font-face {{ font-family: T; src: url({face.as_uri()}) }}",
                   font_config=engine.font_config)
    folder = internals.font_folder(engine.font_config)
    assert folder is not None and folder.is_dir() and folder.name.startswith("weasyprint-")


@pytest.mark.parametrize("command", [("build", "back-massage"), ("batch", "-j", "2")])
def test_no_command_leaves_a_font_folder_behind(tmp_path: Path, command: tuple[str, ...]
                                                ) -> None:
    """QA: every run left a weasyprint-* folder of font copies in the temporary folder
    (19 MB with the Noto CJK fonts), from the command and from each batch worker."""
    import os
    import shutil
    import subprocess
    import sys
    import tempfile

    import yaml

    from .helpers import copy_example

    root = copy_example(tmp_path / "p")
    config = yaml.safe_load((root / "handouts.yaml").read_text(encoding="utf-8"))
    config["batch"].update(handouts=["desk-stretch-break"], audiences=["general"],
                           languages=["en"], papers=["letter", "a4"], prints=["standard"])
    (root / "handouts.yaml").write_text(yaml.safe_dump(config, sort_keys=False),
                                        encoding="utf-8")
    # A short folder: the fork server's socket lives there, and a socket's path has at
    # most 107 bytes (pytest's folders can be longer).
    temp = Path(tempfile.mkdtemp(prefix="ht-", dir="/tmp"))
    done = subprocess.run([sys.executable, "-m", "handouts", *command], cwd=root,
                          env={**os.environ, "TMPDIR": str(temp)}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert list(root.glob("output/**/*.pdf"))
    left = sorted(p.name for p in temp.iterdir() if p.name.startswith("weasyprint-"))
    shutil.rmtree(temp, ignore_errors=True)
    assert left == []


def test_a_pdfs_work_runs_with_the_collector_paused_and_resumed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch's version (every layout its fitting tries, and its write) runs with
    Python's cyclic garbage collector paused, which is on again afterwards, after a
    failure too; nested pauses are one, and a collector already off stays off."""
    import gc

    from handouts.commands.worker import Worker
    from handouts.render.engine.timelimit import collector_paused
    from handouts.variants.plan import Variant

    from .helpers import copy_example

    seen: list[bool] = []
    lay_out = Engine.lay_out

    def watched(self: Engine, *args: Any, **kwargs: Any) -> Layout:
        seen.append(gc.isenabled())
        return lay_out(self, *args, **kwargs)

    monkeypatch.setattr(Engine, "lay_out", watched)
    worker = Worker.load(copy_example(tmp_path / "clinic"))
    result, pdf = worker.render_variant(Variant("desk-stretch-break"), "digest")
    assert result.status == "rendered" and pdf.startswith(b"%PDF")
    assert seen and not any(seen)
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
