"""Whether an image can be printed: a raster image decodes whole, within the pixel
limit; an SVG file parses. One rule for a step's picture, judged as its content file is
loaded (a half-saved picture takes its handout off the desk with its line, as a missing
one does), and for every image the renderer fetches.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import warnings
from pathlib import Path
from xml.etree import ElementTree

#: Largest single resource (image, font, stylesheet) a handout may load.
MAX_RESOURCE_BYTES = 20_000_000


#: Decompression bombs: a small PNG can claim billions of pixels. 40 MP is a large photo.
MAX_IMAGE_PIXELS = 40_000_000


def image_verdict(data: bytes) -> str | None:
    """Why ``data`` is not a usable raster image, or None when it is.

    The header is judged first (a small file can claim billions of pixels), then the
    pixels are decoded once: WeasyPrint embeds a cut-off PNG or JPEG as it is, and the
    printed page shows a broken picture without any message.
    """
    digest = hashlib.sha256(data).digest()
    if digest in _IMAGE_VERDICTS:
        return _IMAGE_VERDICTS[digest]
    verdict = _judge_image(data)
    if len(_IMAGE_VERDICTS) >= 256:
        _IMAGE_VERDICTS.clear()  # a batch uses a few images, again and again
    _IMAGE_VERDICTS[digest] = verdict
    return verdict


#: Verdicts by image content (sha256), so each image is decoded once per process.
_IMAGE_VERDICTS: dict[bytes, str | None] = {}


def _judge_image(data: bytes) -> str | None:
    from PIL import Image, ImageFile, UnidentifiedImageError

    # We judge the size ourselves, against our own (lower) limit, from the header alone
    # (Pillow refused a huge one with an error that read as "not a readable image").
    pillow_limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                pixels = image.width * image.height
                if pixels > MAX_IMAGE_PIXELS:
                    return (f"the image has {pixels:,} pixels; the limit is "
                            f"{MAX_IMAGE_PIXELS:,} (resize it)")
                # WeasyPrint switches this on for the whole process, which would make a
                # cut-off file decode "successfully" into grey.
                truncated, ImageFile.LOAD_TRUNCATED_IMAGES = \
                    ImageFile.LOAD_TRUNCATED_IMAGES, False
                try:
                    image.load()
                finally:
                    ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    except (UnidentifiedImageError, Image.DecompressionBombError):
        return "it is not a readable image"
    except (OSError, SyntaxError, ValueError) as exc:
        # e.g. "image file is truncated (130 bytes not processed)"
        return f"it is not a readable image ({exc})"
    finally:
        Image.MAX_IMAGE_PIXELS = pillow_limit
    return None


def svg_tree(data: bytes) -> tuple[ElementTree.Element | None, str | None]:
    """The SVG ``data`` parsed, or None with why it cannot be."""
    try:
        return ElementTree.fromstring(data), None
    except ElementTree.ParseError as exc:
        return None, f"it is not a well-formed SVG file ({exc})"


def oversized(written: str, path: Path, limit_kb: int) -> list[str]:
    """Why the picture ``path`` (written ``written`` in its content file) is too large
    on disk for ``checks.image_max_kb`` = ``limit_kb``: one message, or none."""
    try:
        size = path.stat().st_size
    except OSError:
        return []  # unreadable: said by file_verdict
    if size <= limit_kb * 1024:
        return []
    return [f"'{written}' is {size / 1024:,.0f} KB; the limit is {limit_kb:,} KB "
            "(checks.image_max_kb): make it smaller"]


def file_verdict(path: Path) -> str | None:
    """Why the image file ``path`` cannot be printed (too large, cut off, not an image,
    not well-formed SVG), or None. What an SVG refers to is judged when it is fetched."""
    try:
        if path.stat().st_size > MAX_RESOURCE_BYTES:
            return f"it is larger than {MAX_RESOURCE_BYTES:,} bytes"
        data = path.read_bytes()
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or type(exc).__name__})"
    if path.suffix.lower() == ".svg":
        return svg_tree(data)[1]
    return image_verdict(data)


def aspect_ratio(path: Path) -> float | None:
    """Width over height of the image ``path`` (a raster image's pixels, an SVG's
    ``width``/``height`` or ``viewBox``), None when it cannot be told. Kept per file
    version: the masthead asks for the logo on every page."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _aspect_ratio(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _aspect_ratio(path: Path, mtime_ns: int, size: int) -> float | None:
    if size > MAX_RESOURCE_BYTES:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if path.suffix.lower() == ".svg":
        root, _ = svg_tree(data)
        return None if root is None else _svg_ratio(root)
    if image_verdict(data) is not None:
        return None
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Exception:  # judged unprintable elsewhere; here only the shape is asked
        return None
    return width / height if width > 0 and height > 0 else None


def _svg_ratio(root: ElementTree.Element) -> float | None:
    """An SVG's shape: its own width and height when both are plain lengths, else its
    viewBox's."""
    def length(name: str) -> float | None:
        match = re.fullmatch(r"\s*([0-9.]+)\s*(px|pt|mm|cm|in)?\s*", root.get(name) or "")
        return float(match.group(1)) if match and match.group(2) in (None, "px") else None

    width, height = length("width"), length("height")
    if width and height:
        return width / height
    parts = re.split(r"[\s,]+", (root.get("viewBox") or "").strip())
    try:
        box = [float(p) for p in parts]
    except ValueError:
        return None
    return box[2] / box[3] if len(box) == 4 and box[2] > 0 and box[3] > 0 else None
