"""The one gate for printed text: inline Markdown (**bold**, *italic* and
[links](https://...)) where it is documented, plain text everywhere else.

Every text that reaches a page passes :func:`text_problems` when it is loaded (content
and its translations, the clinic's and the audiences' words in handouts.yaml and their
translations, the theme's words in the built-in and the project's catalogs): raw HTML is
an error with its file and line, and a Markdown text may link only with ``https``,
``http``, ``mailto`` and ``tel``. When it is printed, Markdown goes through
:func:`render_inline` and everything else is escaped (Jinja's autoescape, and the theme's
words escaped before the template sees them), so the page never depends on the check.

Raw HTML is never passed through: a second parser with HTML recognition on is used
only to *find* raw HTML so we can report it as an error instead of printing tags.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

#: Link schemes a handout may contain. Anything else (javascript:, file:, data:) is refused.
SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:")


def _is_safe_link(url: str) -> bool:
    return url.strip().lower().startswith(SAFE_SCHEMES)


@cache
def _renderer() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "typographer": True})
    md.enable(["emphasis", "link", "escape", "backticks", "replacements", "smartquotes"])
    md.validateLink = _is_safe_link  # type: ignore[method-assign]
    return md


@cache
def _inspector() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": True})
    md.enable(["emphasis", "link", "escape", "backticks", "html_inline"])
    md.validateLink = lambda url: True  # type: ignore[method-assign, assignment]
    return md


@lru_cache(maxsize=4096)
def render_inline(text: str) -> Markup:
    """Render one text field to safe inline HTML.

    Cached: every variant of a handout renders the same fields again.
    """
    html = _renderer().renderInline(text).strip()
    # WeasyPrint 70 (with Pango 1.50) breaks a line after the paragraph's FIRST word
    # when the line would end in a space just before a bold or italic run that does
    # not fit (its inline line breaking, Kozea/WeasyPrint#1614 and #2025). With the
    # space moved inside the run, the line breaks before the run, as it should; the
    # words and their spacing are unchanged (no underline or background shows it).
    return Markup(_SPACE_BEFORE_RUN.sub(r"<\1> ", html))


_SPACE_BEFORE_RUN = re.compile(r" <(strong|em)>")


@lru_cache(maxsize=4096)
def plain(text: str) -> str:
    """The text without Markdown markup, for PDF metadata and checks (cached)."""
    out: list[str] = []
    for token in _inspector().parseInline(text):
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                out.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                out.append(" ")
    return "".join(out)


#: What an unclosed bold marker prints instead of bold text, and why.
UNCLOSED_BOLD = ("has a '**' that is not closed, which would be printed as is: bold text "
                 "needs ** on both sides, e.g. **light pressure**")


def unclosed_bold(text: str) -> bool:
    """Whether ``text`` has a ``**`` that Markdown leaves as literal asterisks."""
    return any(child.type == "text" and "**" in child.content
               for token in _inspector().parseInline(text) for child in token.children or [])


def text_problems(text: str, *, markdown: bool) -> list[str]:
    """Why ``text`` cannot be printed as it is; empty when fine. The one rule for every
    text a page shows.

    ``markdown``: the text is inline Markdown (raw HTML, links other than https, http,
    mailto and tel, and a bold marker left open are refused). Otherwise it is plain
    text, printed escaped: raw HTML is refused all the same, since the reader would
    see the tags, and Markdown is not read (``**`` and ``[x](y)`` print as written).
    """
    if markdown:
        return problems_in(text)
    return [f"raw HTML {tag!r} is not allowed; write plain text (this text has no "
            "formatting)" for tag in raw_html(text)]


def raw_html(text: str) -> list[str]:
    """The HTML tags (and comments, processing instructions) written in ``text``, in
    order. Closing tags count only when there is nothing else: ``<b>x</b>`` is one
    mistake, named by its opening tag."""
    found = [child.content for token in _inspector().parseInline(text)
             for child in token.children or [] if child.type == "html_inline"]
    opening = [tag for tag in found if not tag.startswith("</")]
    return opening or found


def problems_in(text: str) -> list[str]:
    """Why the Markdown ``text`` cannot be used as-is (raw HTML, unsafe links, a bold
    marker left open); empty when fine."""
    found: list[str] = [UNCLOSED_BOLD] if unclosed_bold(text) else []
    found += [f"raw HTML {tag!r} is not allowed; use Markdown (**bold**, *italic*, "
              "[text](https://...))" for tag in raw_html(text)]
    for token in _inspector().parseInline(text):
        for child in token.children or []:
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                if not _is_safe_link(href):
                    found.append(f"link '{href}' is not allowed; links must start with "
                                 "https://, http://, mailto: or tel:")
    return found
