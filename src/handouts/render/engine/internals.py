"""The one module that reads WeasyPrint's internals: its laid-out box tree.

WeasyPrint's public API lays out a document (``HTML.render``), joins and writes it
(``Document.copy``, ``write_pdf``). What handouts also needs (what each page holds, for
fitting; the text on each page, for checks; a client's block swapped into a kept
layout, for named copies; the rule above a step that starts a page) is read from the
boxes behind each page, which are not public API: every such read is here, so a
WeasyPrint release that changes them is one module to fix. pyproject.toml pins the
versions tested, and ``tests/test_engine_internals.py`` fails with a clear message
when an attribute or function used here is gone or behaves differently.

Callers (:class:`handouts.render.engine.pdf.Engine`) guard every call: when the
internals changed, a named copy is rendered in full and fitting keeps the first
layout, so the PDF is still right.
"""

from __future__ import annotations

# First: WeasyPrint's libraries opened without ~20 subprocesses (see the module).
from handouts.render.engine import libraries  # noqa: F401

# isort: split
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import weasyprint.layout
from weasyprint.css.properties import INITIAL_VALUES
from weasyprint.document import Page as LaidOutPage
from weasyprint.layout.background import layout_box_backgrounds

#: Classes of the theme's top-level blocks that the layout measure reports, in the
#: order the theme prints them (see handouts.render.layout for what is judged).
MEASURED_CLASSES = ("masthead", "prepared-for", "stop-first", "intro", "needs", "steps",
                    "precautions", "benefits", "contact", "fine-print")


#: Set while a client's block is laid out alone (see :func:`without_margin_boxes`).
_NO_MARGIN_BOXES: ContextVar[bool] = ContextVar("handouts_no_margin_boxes", default=False)
#: WeasyPrint's own, which ``layout_document`` calls by this module-level name.
_make_margin_boxes = weasyprint.layout.make_margin_boxes


def _margin_boxes(context: Any, page: Any, state: Any) -> Any:
    if _NO_MARGIN_BOXES.get():
        return ()
    return _make_margin_boxes(context, page, state)


weasyprint.layout.make_margin_boxes = _margin_boxes


@contextmanager
def without_margin_boxes() -> Iterator[None]:
    """Lay out without the pages' margin boxes (header, footer, page numbers) while
    inside. A client's block laid out alone is only measured and moved into a kept
    page (:func:`swap_block`), never printed with its own page: its footer is about a
    fifth of that layout's time, and nothing in the block depends on it (margin boxes
    are laid out after the page's content, inside the page's margins)."""
    token = _NO_MARGIN_BOXES.set(True)
    try:
        yield
    finally:
        _NO_MARGIN_BOXES.reset(token)


def page_root(page: Any) -> Any:
    """The root box of a laid-out page (``weasyprint.document.Page``): its page box."""
    return page._page_box


def page_texts(document: Any) -> list[str]:
    """The text laid out on each page of ``document`` (margin boxes included)."""
    return [" ".join(texts(page_root(page))) for page in document.pages]


def pages_holding(document: Any, css_class: str) -> set[int]:
    """The indexes of the pages on which a box of ``css_class`` is laid out."""
    found = set()
    for index, page in enumerate(document.pages):
        stack = [page_root(page)]
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            if element is not None and css_class in (element.get("class") or "").split():
                found.add(index)
                break
            stack.extend(getattr(box, "children", ()))
    return found


def block_height(document: Any, css_class: str) -> float | None:
    """The height of the one ``css_class`` block of a one-page ``document``, else None."""
    found = block_path(document.pages, css_class)
    if found is None or len(document.pages) != 1:
        return None
    return float(found[1][-1].margin_height())


def swap_block(base: Any, piece: Any, css_class: str) -> Any | None:
    """A copy of the document ``base`` with its ``css_class`` block replaced by the one
    laid out in the one-page document ``piece``, or None when that would not give what
    a full render gives (see :meth:`handouts.render.engine.pdf.Engine.swap_block`)."""
    found = block_path(base.pages, css_class)
    replacement = block_path(piece.pages, css_class)
    if found is None or replacement is None or len(piece.pages) != 1:
        return None
    page_index, path = found
    old, new = path[-1], replacement[1][-1].deepcopy()
    if not (_close(old.border_width(), new.border_width())
            and _close(old.border_height(), new.border_height())
            and _close(old.margin_height(), new.margin_height())
            and _close(old.position_x, new.position_x)
            and _same_context(path, replacement[1])
            and _on_page(path[0], old)):
        return None
    new.translate(old.position_x - new.position_x, old.position_y - new.position_y)
    # Backgrounds are placed once per page after layout (their painting areas are
    # positions, which translate() leaves behind): place the block's again where it now
    # is, as a full layout would. A block with a background picture would need the
    # fetcher again: such pages are rendered in full.
    if _has_pictures(new):
        return None
    layout_box_backgrounds(path[0], new, _no_pictures)
    for parent in reversed(path[:-1]):
        # copy(), not copy_with_children(), which also resets the original box.
        copy = parent.copy()
        copy.children = [new if child is old else child for child in parent.children]
        old, new = parent, copy
    pages = list(base.pages)
    pages[page_index] = LaidOutPage(new)
    return base.copy(pages)


def _has_pictures(box: Any) -> bool:
    """Whether ``box`` or a box inside it has a background or border picture."""
    stack = [box]
    while stack:
        box = stack.pop()
        style = box.style
        if (any(kind == "url" for kind, _ in style["background_image"])
                or style["border_image_source"][0] == "url"
                or style["mask_border_source"][0] == "url"):
            return True
        stack.extend(box.all_children() if hasattr(box, "all_children") else ())
    return False


def _no_pictures(**_: Any) -> None:
    """The picture fetcher given when placing backgrounds that have none (see swap_block)."""
    raise AssertionError("a block with pictures is rendered in full")


def _close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-3


def _same_context(path: list[Any], piece_path: list[Any]) -> bool:
    """Whether the block was laid out in the piece as it would be in the page.

    Same size is not enough: a template that puts the block inside another element
    (which passes on its font, colour or width), or a style rule that matches the
    block by its neighbours, would style it differently in the page than alone. So
    the elements above the block must be the same ones (tag and class), as wide, and
    the block and each of them must have the same computed style (fonts included).
    """
    if len(path) != len(piece_path):
        return False
    for box, piece_box in zip(path[1:], piece_path[1:], strict=True):
        if (box.element_tag != piece_box.element_tag
                or box.element.get("class") != piece_box.element.get("class")
                or not _close(box.width, piece_box.width)
                or _style(box) != _style(piece_box)):
            return False
    # Inside the block, each kind of element (by tag and class, from the block down)
    # must be styled alike: the page's block is another client's, so it has the
    # same kinds of elements whenever it has the same size.
    return _styles_inside(path[-1]) == _styles_inside(piece_path[-1])


def _style(box: Any) -> tuple[Any, ...]:
    return tuple(box.style[name] for name in INITIAL_VALUES)


def _styles_inside(block: Any) -> dict[tuple[tuple[str, str], ...], tuple[Any, ...]]:
    """The computed style of each kind of element in ``block``, by its path of
    (tag, class) from the block down."""
    styles: dict[tuple[tuple[str, str], ...], tuple[Any, ...]] = {}
    stack: list[tuple[Any, Any, tuple[tuple[str, str], ...]]] = [(block, None, ())]
    while stack:
        box, parent_element, trail = stack.pop()
        element = getattr(box, "element", None)
        if element is not None and element is not parent_element:  # a new element
            trail = (*trail, (box.element_tag, element.get("class") or ""))
            styles.setdefault(trail, _style(box))
        stack.extend((child, element, trail) for child in getattr(box, "children", ()))
    return styles


def _on_page(page_box: Any, block: Any) -> bool:
    """Whether the block's border box lies wholly inside the page's content area (not
    cut off at its bottom, where a full render could paginate another block
    differently). Its bottom margin may run past the page's end: a margin is dropped at
    a page break, so it moves nothing."""
    top = page_box.content_box_y()
    bottom = block.position_y + block.margin_top + block.border_height()
    return block.position_y >= top - 1e-3 and bottom <= top + page_box.height + 1e-3


def block_path(pages: list[Any], css_class: str) -> tuple[int, list[Any]] | None:
    """The page index and the boxes from the page box down to the one ``css_class`` box."""
    found = None
    for index, page in enumerate(pages):
        stack: list[list[Any]] = [[page_root(page)]]
        while stack:
            path = stack.pop()
            box = path[-1]
            element = getattr(box, "element", None)
            classes = (element.get("class") or "").split() if element is not None else []
            if css_class in classes and "::" not in box.element_tag:
                if found is not None:
                    return None  # split across pages, or more than one
                found = (index, path)
                continue
            stack.extend([*path, child] for child in getattr(box, "children", ()))
    return found


def texts(box: Any) -> Iterator[str]:
    """Every piece of text in a laid-out box tree, in order."""
    stack = [box]
    while stack:  # iterative: deep box trees must not hit the recursion limit
        current = stack.pop()
        text = getattr(current, "text", None)
        if isinstance(text, str):
            yield text
        stack.extend(reversed(getattr(current, "children", ())))



# ------------------------------------------------------ pictures drawn once per PDF

#: Set on :meth:`weasyprint.images.SVGImage.draw` once it draws each picture once.
_ONCE_MARK = "_handouts_once"


def draw_repeated_pictures_once() -> None:
    """Make WeasyPrint draw an SVG picture once per PDF, however many times it prints.

    WeasyPrint writes an SVG's drawing into the page each time it appears: the clinic's
    booking QR code (about 500 path segments, 5 ms to draw) is in the contact panel of
    every handout, so a five-handout home program drew it six times (and the logo on
    every handout's first page), about a tenth of the packet's time. Now the first
    drawing of a picture at a size becomes a form (a PDF XObject) in the resources
    every page shares, and each appearance, that one included, is a reference to it:
    the same marks in the same place (``tests/test_engine_internals.py`` compares the
    pages' pixels), fewer bytes. Only pictures read from their own address (a file,
    a ``data:`` URI) are shared; an inline ``<svg>`` has the page's address, so two
    different ones could look alike and are drawn as before. Applied once, on import.
    """
    from weasyprint.images import SVGImage

    if getattr(SVGImage.draw, _ONCE_MARK, False):
        return
    draw = SVGImage.draw

    def draw_once(self: Any, stream: Any, width: float, height: float, style: Any) -> None:
        url = getattr(self, "_base_url", None)
        resources = getattr(stream, "_resources", None)
        if not _own_address(url) or resources is None or "XObject" not in resources:
            draw(self, stream, width, height, style)
            return
        # Kept on the resources themselves: one dictionary per PDF (and per group),
        # gone with it; so nothing outlives the write.
        drawn = resources.__dict__.setdefault("_handouts_drawn", {})
        key = (url, round(width, 3), round(height, 3))
        name = drawn.get(key)
        if name is None:
            form = _form(stream, resources, width, height)
            draw(self, form, width, height, style)
            name = f"hp{len(drawn)}"  # WeasyPrint's own names are x<n> and image ids
            resources["XObject"][name] = form
            drawn[key] = name
        stream.draw_x_object(name)

    setattr(draw_once, _ONCE_MARK, True)
    draw_once.__wrapped__ = draw  # type: ignore[attr-defined]  # WeasyPrint's own
    SVGImage.draw = draw_once  # type: ignore[method-assign]


def _own_address(url: Any) -> bool:
    """Whether a picture's address is its own: a ``data:`` URI or a file (an inline
    ``<svg>`` has the page's, a folder's)."""
    return isinstance(url, str) and (
        url.startswith("data:") or (url.startswith("file:") and not url.endswith("/")))


def _form(stream: Any, resources: Any, width: float, height: float) -> Any:
    """An empty form XObject to draw a picture of ``width`` x ``height`` into, drawn
    where ``stream`` draws it. As WeasyPrint's own groups are, without their
    transparency group (a picture drawn straight onto the page has none). Its box is
    the picture's with as much again on every side: a stroke past the edge still shows."""
    import pydyf

    own = pydyf.Dictionary({
        "ExtGState": pydyf.Dictionary(), "XObject": pydyf.Dictionary(),
        "Pattern": pydyf.Dictionary(), "Shading": pydyf.Dictionary(),
        "ColorSpace": resources["ColorSpace"],
        "Font": None,  # set by WeasyPrint when it writes the resources
    })
    extra = pydyf.Dictionary({
        "Type": "/XObject", "Subtype": "/Form", "Resources": own,
        "BBox": pydyf.Array((-width, -height, 2 * width, 2 * height)),
    })
    return stream.clone(resources=own, extra=extra)


def font_folder(font_config: Any) -> Path | None:
    """The temporary folder where WeasyPrint's ``font_config`` keeps the fonts of
    ``@font-face`` rules (made on the first one; None before)."""
    folder = getattr(font_config, "_folder", None)
    return Path(folder) if folder else None


def pango_version() -> str:
    """The version of Pango that WeasyPrint loaded, e.g. ``1.50.12``."""
    from weasyprint.text import ffi

    number = ffi.pango.pango_version()  # e.g. 15012 for 1.50.12
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def harfbuzz_subset() -> bool:
    """Whether WeasyPrint loaded HarfBuzz's subsetter (else it subsets fonts with
    fontTools, which makes every render about 3x slower)."""
    from weasyprint.text import ffi

    return getattr(ffi, "harfbuzz_subset", None) is not None


# ----------------------------------------------------------------- layout measure


def measure(document: Any) -> list[dict[str, Any]]:
    """What each page of ``document`` holds, read from the laid-out boxes.

    Per page: ``height`` (the body area), ``used`` (from its top to the bottom of the
    last content drawn there: lines, pictures, and the padding and border of boxes
    that end on the page; a box that goes on to the next page is stretched to the
    page's bottom by the engine, so only its contents count), and ``blocks``: the
    theme's top-level sections (by class, see :data:`MEASURED_CLASSES`), each step
    (``step 2``) and each step picture (``picture 2``), in order, with their top and
    bottom on the page and whether they start and end there. Also
    ``one_word_lines``: the first word of each paragraph that starts here with a
    first line of one word and more lines after it. Plain data for the pure judge in
    :mod:`handouts.render.layout`.
    """
    pages = [page_root(page) for page in document.pages]
    seen = [_elements(page_box) for page_box in pages]
    steps: dict[int, int] = {}  # step element -> its number, in document order
    result = []
    for index, page_box in enumerate(pages):
        top = page_box.content_box_y()
        before = seen[index - 1] if index else set()
        after = seen[index + 1] if index + 1 < len(seen) else set()
        bottom = top
        blocks: list[dict[str, Any]] = []
        lines: dict[int, list[Any]] = {}  # paragraph -> its lines on this page
        html = [c for c in page_box.children if getattr(c, "element_tag", "") == "html"]
        stack: list[tuple[Any, int]] = [(box, 0) for box in html]
        while stack:
            box, step = stack.pop()
            element = getattr(box, "element", None)
            if _is_line(box) or _is_replaced(box):
                bottom = max(bottom, box.position_y + box.margin_height())
                if _is_line(box) and element is not None and element.tag == "p":
                    lines.setdefault(id(element), []).append(box)
                continue
            continues = element is not None and id(element) in after
            end = box.position_y + box.margin_top + box.border_height()
            if not continues and getattr(box, "element_tag", "") not in ("html", "body", "main"):
                bottom = max(bottom, end)
            name = _block_name(box, element)
            if name == "step":
                step = steps.setdefault(id(element), len(steps) + 1)
                name = f"step {step}"
            elif name == "figure":
                name = f"picture {step}"
            if name is not None:
                blocks.append({"name": name, "top": round(box.position_y - top, 2),
                               "bottom": round(end - top, 2),
                               "starts": id(element) not in before, "ends": not continues})
            stack.extend((child, step) for child in reversed(getattr(box, "children", ())))
        one_word = []
        for element_id, found in lines.items():
            first = found[0]
            words = " ".join(texts(first)).split()
            if (element_id not in before and len(found) > 1 and len(words) == 1
                    and first.width < 0.5 * found[1].width):
                one_word.append(words[0])
        # A page shortened to balance the last two (``@page :nth(n) { padding-bottom }``)
        # is measured against the body area of a full page: its space left shows.
        result.append({"height": round(page_box.height + page_box.padding_bottom, 2),
                       "used": round(min(bottom - top, page_box.height), 2),
                       "blocks": blocks, "one_word_lines": one_word})
    return result


def hide_rules_at_page_tops(document: Any) -> None:
    """Drop the rule above a step that starts a page: it separates a step from the one
    before, and at the top of a page there is none. (No CSS selector knows where a page
    starts, so the laid-out box loses its top border before the PDF is written; the
    0.5 pt it took stays, unseen.)"""
    for page in document.pages:
        root = page_root(page)
        stack = [root]
        first = True  # the first step box met on this page
        while stack and first:
            box = stack.pop()
            element = getattr(box, "element", None)
            if (element is not None and element.tag == "li" and not _is_line(box)
                    and "step" in (element.get("class") or "").split()):
                first = False
                if box.border_top_width and box.position_y - root.content_box_y() < 1:
                    box.border_top_width = 0
                continue
            stack.extend(reversed(getattr(box, "children", ())))


def _elements(page_box: Any) -> set[int]:
    """The elements with a block-level (not line) box on a page."""
    ids: set[int] = set()
    stack = [page_box]
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        if element is not None and not _is_line(box):
            ids.add(id(element))
        stack.extend(getattr(box, "children", ()))
    return ids


def _is_line(box: Any) -> bool:
    return type(box).__name__ == "LineBox"


def _is_replaced(box: Any) -> bool:
    return hasattr(box, "replacement")


def _block_name(box: Any, element: Any) -> str | None:
    """The name the measure gives ``box``: a theme class, ``step``, ``figure`` or None."""
    if element is None or "::" in getattr(box, "element_tag", "::"):
        return None
    classes = (element.get("class") or "").split()
    if element.tag == "li" and "step" in classes:
        return "step"
    if element.tag == "figure":
        return "figure"
    return next((c for c in MEASURED_CLASSES if c in classes), None)


draw_repeated_pictures_once()
