"""Translation integrity: a translation must keep the links, numbers and emphasis of its source.

A translator (or a machine translation) can change a dose from 10 to 20 minutes,
drop a link or point it somewhere else without anyone who reads only English
noticing. Each translated field is compared with the English text it stands for:

* links: the same targets, as many times;
* numbers: the same digit sequences (doses, counts, times), as many times;
* bold (``**``) and emphasis (``*``): as many marked parts.

Any difference is an error at the translation's line in the ``.po`` file. While the
translation is unfinished (texts still missing) the texts already translated are
checked too, so a mistake is seen while it is made, as warnings, except a link to a
host the English text does not link to: that is what a client taps, so it is an error
everywhere, a ``--draft`` build included.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

from handouts.errors import Problem, Severity
from handouts.project import markdown
from handouts.project.content import Document
from handouts.project.pofile import read_catalog
from handouts.project.sourcefile import format_loc
from handouts.variants.i18n import REQUIRED, chosen, entries, text_kind

_NUMBER = re.compile(r"\d+")
#: A link the English text does not have (one wording: :func:`translation_problems`
#: picks out those to a foreign host by it).
LINKS_TO = "the translation links to {url}, which the English text does not"


@cache
def _parser() -> MarkdownIt:
    """The inline rules the renderer uses, with every link kept (unsafe ones included)."""
    md = MarkdownIt("zero")
    md.enable(["emphasis", "link", "escape", "backticks"])
    md.validateLink = lambda url: True  # type: ignore[method-assign, assignment]
    return md


@dataclass(frozen=True)
class Meaning:
    """What a text must keep in translation."""

    links: Counter[str]
    numbers: Counter[str]
    bold: int
    emphasis: int


def meaning(text: str) -> Meaning:
    """The links, numbers and emphasis of one Markdown text field."""
    links: Counter[str] = Counter()
    bold = emphasis = 0
    for token in (child for block in _parser().parseInline(text)
                  for child in block.children or []):
        if token.type == "link_open":
            links[str(token.attrGet("href") or "")] += 1
        elif token.type == "strong_open":
            bold += 1
        elif token.type == "em_open":
            emphasis += 1
    # Leading zeros are spelling, not meaning ("05" minutes is 5 minutes).
    numbers = Counter(n.lstrip("0") or "0" for n in _NUMBER.findall(markdown.plain(text)))
    return Meaning(links, numbers, bold, emphasis)


def _target(url: str) -> str:
    """Where a link takes the reader: its host, or the whole address when it has none
    (``mailto:``, ``tel:``, a relative link)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:  # a malformed address: compared as written
        host = None
    return host or url


def foreign_links(source: str, translation: str) -> list[str]:
    """The links of ``translation`` to a host (or address) ``source`` never links to."""
    known = {_target(url) for url in meaning(source).links}
    return sorted(url for url in meaning(translation).links if _target(url) not in known)


def differences(source: str, translation: str) -> list[str]:
    """How ``translation`` changes what ``source`` says; empty when it keeps it all."""
    want, got = meaning(source), meaning(translation)
    found: list[str] = []
    for url in sorted(got.links - want.links):
        found.append(LINKS_TO.format(url=url))
    for url in sorted(want.links - got.links):
        found.append(f"the translation drops the link to {url}")
    extra = sorted((got.numbers - want.numbers).elements(), key=_numeric)
    missing = sorted((want.numbers - got.numbers).elements(), key=_numeric)
    while extra and missing:
        found.append(f"the translation has the number {extra.pop(0)} where the English text "
                     f"has {missing.pop(0)}")
    found += [f"the translation has the number {n}, which the English text does not"
              for n in extra]
    found += [f"the translation drops the number {n}" for n in missing]
    if markdown.unclosed_bold(translation) and not markdown.unclosed_bold(source):
        found.append("the translation " + markdown.UNCLOSED_BOLD)
    for what, marks, want_n, got_n in (("bold", "**", want.bold, got.bold),
                                       ("emphasised", "*", want.emphasis, got.emphasis)):
        if want_n != got_n:
            found.append(f"the translation has {got_n} {what} ({marks}) part"
                         f"{'s' if got_n != 1 else ''} where the English text has {want_n}")
    return found


def _numeric(number: str) -> tuple[int, str]:
    return len(number), number


def translation_problems(document: Document, language: str, *,
                         unfinished_only: bool = False) -> list[Problem]:
    """Every field of ``document``'s ``language`` translation that changes its meaning.

    ``unfinished_only``: nothing unless the translation is unfinished (for a version
    that could not be composed: a finished translation that fails to compose has
    errors of its own, reported first, as before).

    A translation that is missing or cannot be read is reported where it is loaded,
    not here.
    """
    if language == document.handout.language:
        return []
    po = document.translation(language)
    if not po.is_file():
        return []
    display = f"content/{po.name}"
    catalog, _ = read_catalog(po, display, language.replace("-", "_"))
    if catalog is None:
        return []
    found = entries(document.handout, catalog)
    # Unfinished: a text that must be translated is not yet. Its translated texts are
    # still checked (as warnings: work in progress), since the file's header promises
    # `handouts check` shows any mistakes, and a draft prints them.
    unfinished = any(chosen(entry, exact) is None and text_kind(loc, entry) == REQUIRED
                     for loc, _, entry, exact in found)
    if unfinished_only and not unfinished:
        return []
    problems: list[Problem] = []
    for loc, text, entry, exact in found:
        picked = chosen(entry, exact)
        if picked is None:
            continue
        translation = str(picked.string)
        foreign = {LINKS_TO.format(url=url) for url in foreign_links(text, translation)}
        # Out of date (fuzzy: its English changed since): of course it differs from
        # the new English, a number above all (a dose changed); said as the warning it
        # is, as an unfinished file's texts are, until it is updated. It blocked the
        # version, a --draft preview included, where the guide promises a warning.
        stale = picked.fuzzy
        for message in differences(text, translation):
            severe = (not unfinished and not stale) or message in foreign
            if stale and message not in foreign:
                message += " (the English changed since it was translated: update it)"
            problems.append(Problem(display, picked.lineno, format_loc(loc), message,
                                    Severity.ERROR if severe else Severity.WARNING))
    return problems
