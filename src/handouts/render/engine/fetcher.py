"""The restricted URL fetcher, and the checks of the images it lets through.

A handout may read only files inside the project and the theme (and the theme's
system script fonts), ``data:`` URIs and the hosts listed in handouts.yaml; every
image is decoded (or, for SVG, parsed with its references judged) before WeasyPrint
sees it, since WeasyPrint would embed a broken picture without a word.
"""

from __future__ import annotations

# First: WeasyPrint's libraries opened without ~20 subprocesses (see the module).
from handouts.render.engine import libraries  # noqa: F401

# isort: split
import mimetypes
import os
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import tinycss2
from weasyprint.urls import URLFetcher, URLFetcherResponse

from handouts.project.images import MAX_RESOURCE_BYTES, image_verdict, svg_tree


def _svg_verdict(data: bytes, url: str,
                 check: Callable[[str], str | None]) -> str | None:
    """Why the SVG ``data`` (loaded from ``url``) cannot be drawn in full, or None.

    WeasyPrint drops a broken SVG, and the parts of an SVG that refer to other files
    (``<use href="other.svg#x">``), without a word; and it fetches an SVG's own
    images only when the PDF is written, where a refusal could not be tied to the
    content line. So every reference is judged here, when the SVG itself is loaded:
    ``check`` gives the reason a referenced URL would be refused.
    """
    tree, reason = svg_tree(data)
    if tree is None:
        return reason
    own = urldefrag(url)[0]
    for element in tree.iter():
        tag = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""
        if tag == "style" and element.text:
            reason = _svg_style_verdict(element.text, url, check)
            if reason is not None:
                return reason
        href = element.get(_XLINK_HREF) or element.get("href")
        if not href or tag == "a":  # a link, not something to draw
            continue
        target, fragment = urldefrag(urljoin(url, href.strip()))
        if tag == "image":
            if target.startswith("data:") or target == own:
                continue
            reason = check(target)
            if reason is not None:
                return f"its <image> refers to {target}, which was refused: {reason}"
        elif target != own and not target.startswith("data:"):
            return (f"its <{tag}> refers to {href.strip()} in another file, which the PDF "
                    "engine cannot draw (only references inside the same SVG, #id, work)")
        elif not fragment:
            return f"its <{tag}> has an href without an #id"
    return None


_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _svg_style_verdict(css: str, url: str, check: Callable[[str], str | None]) -> str | None:
    """Why an SVG's ``<style>`` cannot be used, or None: an ``@import`` in it.

    WeasyPrint 70 cannot load a stylesheet an SVG imports (it fails on every such SVG,
    with an empty message), and its fetch would bypass the place where a refusal is
    tied to the content line; so the import is judged here, and named.
    """
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.lower_at_keyword == "font-face" and rule.content:
            for target in _urls(rule.content, url):  # fetched when the SVG is drawn
                reason = check(target)
                if reason is not None:
                    return f"its <style> loads a font from {target}, which was refused: {reason}"
        if rule.type != "at-rule" or rule.lower_at_keyword != "import":
            continue
        token = next((t for t in rule.prelude if t.type not in ("whitespace", "comment")),
                     None)
        if token is not None and token.type == "function" and token.lower_name == "url":
            token = next((t for t in token.arguments if t.type == "string"), None)
        target = urljoin(url, token.value.strip()) if token is not None and \
            token.type in ("string", "url") else tinycss2.serialize(rule.prelude).strip()
        reason = check(target)
        if reason is not None:
            return f"its <style> imports {target}, which was refused: {reason}"
        return (f"its <style> imports {target}, which the PDF engine cannot do inside an "
                "SVG; copy those rules into the SVG's own <style>")
    return None


def _urls(tokens: Sequence[Any], base: str) -> Iterator[str]:
    """Every ``url(...)`` in CSS ``tokens`` (nested blocks included), made absolute."""
    for token in tokens:
        if token.type == "url":
            yield urljoin(base, token.value.strip())
        elif token.type == "function" and token.lower_name == "url":
            for argument in token.arguments:
                if argument.type == "string":
                    yield urljoin(base, argument.value.strip())
        elif token.type in ("() block", "[] block", "{} block", "function"):
            yield from _urls(token.content if token.type != "function" else token.arguments,
                             base)


class FetchRefused(ValueError):
    """A resource was outside the allowed places; WeasyPrint logs it and we report it."""


class _Refusal(Exception):
    """Why a URL is refused (raised inside the fetcher, recorded once at the top)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: How deep SVGs may refer to SVGs that refer to SVGs (each level is checked).
MAX_SVG_DEPTH = 4


class RestrictedFetcher(URLFetcher):
    """Fetch only files inside the allowed folders, ``data:`` URIs, and allowed hosts.

    Everything else (other ``file://`` paths, ``..`` escapes, symlinks pointing out,
    devices, ftp, and http/https to any host not listed in ``allowed_hosts``) is
    refused, so a handout can never read the clinic's files or reach its network.

    ``fallbacks`` pairs an override folder with the theme folder it overrides: a
    file URL inside the override folder that does not exist there is looked up at
    the same relative path in the theme folder (and nowhere else), so a copy of the
    theme's stylesheet in ``templates/`` still finds the theme's fonts.
    Images are checked before WeasyPrint sees them: a raster image must decode, and
    an SVG must be well-formed with every reference in it allowed.
    """

    def __init__(self, roots: tuple[Path, ...], allowed_hosts: tuple[str, ...] = (),
                 timeout: float = 10,
                 fallbacks: tuple[tuple[Path, Path], ...] = ()) -> None:
        super().__init__(timeout=timeout, allowed_protocols=("file", "data", "http", "https"),
                         allow_redirects=False)
        self.roots = _resolved(roots)
        self.allowed_hosts = tuple(h.lower() for h in allowed_hosts)
        self.fallbacks = fallbacks
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Return the resource at ``url`` or raise :class:`FetchRefused`."""
        try:
            return self._fetch(url, headers, depth=0)
        except _Refusal as refusal:
            # Recorded here as well as raised: WeasyPrint logs some failed fetches
            # (fonts) only at debug level, and a refusal must never pass silently.
            message = f"refused to load {url}: {refusal.reason}"
            self.refused.append(message)
            raise FetchRefused(message) from None

    def _fetch(self, url: str, headers: dict[str, str] | None,
               depth: int) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme in ("http", "https"):
            if (parts.hostname or "").lower() not in self.allowed_hosts:
                raise _Refusal("remote resources are off (list the host under "
                               "resources.allowed_hosts in handouts.yaml to allow it)")
            return self._remote(url, headers, depth)
        if scheme != "file":
            raise _Refusal("only files inside the project can be used")
        path = Path(unquote(parts.path))
        theme = self._fallback(path)
        if theme is not None:
            path = theme[1]
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise _Refusal("file not found") from None
        if real in _script_font_files():
            pass  # one of the theme's script fonts (Debian's Noto files): exactly these
        elif not any(real.is_relative_to(root) for root in self.roots):
            raise _Refusal("it is outside the project folder")
        if theme is not None and not real.is_relative_to(theme[0].resolve()):
            raise _Refusal("it is outside the theme folder")
        if not real.is_file():
            raise _Refusal("it is not a regular file")
        if real.stat().st_size > MAX_RESOURCE_BYTES and real not in _script_font_files():
            raise _Refusal(f"it is larger than {MAX_RESOURCE_BYTES:,} bytes")
        mime = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
        return self._checked(url, real.read_bytes(), mime, depth)

    def _fallback(self, path: Path) -> tuple[Path, Path] | None:
        """(theme folder, the theme's file) for a missing file of an override folder."""
        # Normalised without following links: "templates/../../x" is not in templates/.
        normal = Path(os.path.normpath(path))
        for folder, theme in self.fallbacks:
            if normal.is_relative_to(folder) and normal != folder \
                    and not os.path.lexists(normal):
                return theme, theme / normal.relative_to(folder)
        return None

    def _remote(self, url: str, headers: dict[str, str] | None,
                depth: int) -> URLFetcherResponse:
        response = super().fetch(url, headers)
        try:
            data = response.read(MAX_RESOURCE_BYTES + 1)
        finally:
            response.close()
        if len(data) > MAX_RESOURCE_BYTES:
            raise _Refusal(f"it is larger than {MAX_RESOURCE_BYTES:,} bytes")
        return self._checked(url, data, response.content_type, depth)

    def _checked(self, url: str, data: bytes, mime: str, depth: int) -> URLFetcherResponse:
        if mime == "image/svg+xml":
            reason = _svg_verdict(data, url, lambda ref: self._judge(ref, depth + 1))
        elif mime.startswith("image/"):
            reason = image_verdict(data)
        else:
            reason = None
        if reason is not None:
            raise _Refusal(reason)
        return URLFetcherResponse(url, data, {"Content-Type": mime})

    def _judge(self, url: str, depth: int) -> str | None:
        """Why ``url`` (referred to by an SVG) would be refused, without recording it."""
        if depth > MAX_SVG_DEPTH:
            return f"SVG files refer to each other more than {MAX_SVG_DEPTH} levels deep"
        if urlsplit(url).scheme.lower() in ("http", "https") and \
                (urlsplit(url).hostname or "").lower() in self.allowed_hosts:
            return None  # allowed, and fetched (once) when the PDF is written
        try:
            self._fetch(url, None, depth).close()
        except _Refusal as refusal:
            return refusal.reason
        return None


def _script_font_files() -> frozenset[Path]:
    """The system script fonts the theme declares (Debian's Noto files): exactly these
    files, never their folders, are readable outside the project."""
    from handouts.render.scripts import allowed_files

    return _existing(allowed_files())


@lru_cache(maxsize=16)
def _existing(paths: tuple[Path, ...]) -> frozenset[Path]:
    # Keyed by the declared files, so a changed table (tests) is never served stale.
    return frozenset(path.resolve() for path in paths if path.exists())


def _resolved(roots: tuple[Path, ...]) -> tuple[Path, ...]:
    return tuple(r.resolve() for r in roots)


