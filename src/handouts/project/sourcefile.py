"""Read YAML files while remembering the line every value came from.

PyYAML's composer gives us a node tree with positions; we turn it into plain
Python values plus a :class:`LineMap` so validation errors can name the line of
the offending key (``steps[2].text``), not just the file.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from handouts.errors import Problem, Severity

#: Content and config files are small; anything bigger is almost certainly a mistake
#: (or an attack) and is refused before parsing.
MAX_FILE_BYTES = 1_000_000
#: Deeper nesting than this is never a real handout.
MAX_DEPTH = 50
#: Values a document may expand to. Aliases (``*name``) reuse a node, so a tiny file of
#: nested aliases ("billion laughs") can stand for billions of values; real handouts
#: have a few hundred.
MAX_VALUES = 100_000


@dataclass
class LineMap:
    """Line numbers (1-based) of a parsed YAML document, addressed by location tuples."""

    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)

    def line_of(self, loc: tuple[str | int, ...]) -> int | None:
        """The line of ``loc``, or of its nearest known parent (e.g. for a missing key)."""
        while True:
            if loc in self.lines:
                return self.lines[loc]
            if not loc:
                return None
            loc = loc[:-1]


@dataclass
class SourceFile:
    """A parsed YAML file: its data, where each value is, and how to name it."""

    path: Path
    display: str
    data: Any
    lines: LineMap
    raw: bytes
    #: The places (as problems name them) whose value could not be read, already
    #: reported (an impossible date): validation says nothing more about them.
    unreadable: frozenset[str] = frozenset()


#: libyaml's parser when PyYAML was built with it (several times faster), else pure Python.
#: Both are "safe": they build plain values only, never arbitrary objects.
_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[assignment]


class _Loader(_BASE):  # type: ignore[valid-type, misc]
    """The safe loader; duplicate keys are reported by :func:`_build`, not silently merged."""


def _build(node: yaml.Node, loader: _Loader, loc: tuple[str | int, ...], lines: LineMap,
           problems: list[Problem], display: str) -> Any:
    lines.lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        # Keys written here override keys merged in with ``<<: *defaults`` (YAML's rule);
        # only a key written twice here is a mistake.
        own = {id(k) for k, _ in node.value if k.tag != _MERGE_TAG}
        explicit: dict[str, int] = {}  # each key written here, at its line
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                # A list or group as a key would be turned into text of any size.
                problems.append(Problem(display, key_node.start_mark.line + 1, format_loc(loc),
                                        "has a key that is a list or a group; keys must be "
                                        "plain words"))
                continue
            said = len(problems)
            key = _scalar(key_node, loader, loc, problems, display)
            if len(problems) > said:
                continue  # a key that cannot be read (a date that does not exist): said
            if not isinstance(key, str):
                key = str(key)
            if id(key_node) not in own:
                if key in result:
                    continue  # the first mapping merged in wins
            elif key in explicit:
                # The first one is read and checked: the second's parts, read over it,
                # made the first's look missing ("precautions.stop: is required" at
                # the line of the first's stop:).
                problems.append(Problem(display, key_node.start_mark.line + 1,
                                        format_loc((*loc, key)),
                                        f"appears twice (first on line {explicit[key]}); "
                                        "keep one of them"))
                continue
            else:
                explicit[key] = key_node.start_mark.line + 1
            child = (*loc, key)
            result[key] = _build(value_node, loader, child, lines, problems, display)
            lines.lines[child] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, loader, (*loc, i), lines, problems, display)
            for i, item in enumerate(node.value)
        ]
    return _scalar(node, loader, loc, problems, display)


_MERGE_TAG = "tag:yaml.org,2002:merge"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_INT_TAG = "tag:yaml.org,2002:int"
_DATE_PARTS = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")


def _scalar(node: yaml.Node, loader: _Loader, loc: tuple[str | int, ...],
            problems: list[Problem], display: str) -> Any:
    """Construct one scalar; a value PyYAML cannot build becomes a located problem."""
    try:
        return loader.construct_object(node, deep=True)
    except yaml.MarkedYAMLError:
        raise  # already located; reported as a syntax error by read_yaml
    except Exception as exc:  # PyYAML's constructors raise plain ValueErrors (2026-02-30)
        problems.append(Problem(display, node.start_mark.line + 1, format_loc(loc),
                                _unreadable(node, exc)))
        return None


def _unreadable(node: yaml.Node, exc: Exception) -> str:
    """Why a scalar could not be built, in the writer's terms."""
    value = str(node.value)
    shown = value if len(value) <= 40 else value[:39] + "…"
    if node.tag == _TIMESTAMP_TAG:
        return f"{shown} is not a date (write YYYY-MM-DD, e.g. {nearest_date(value)})"
    if node.tag == _INT_TAG:
        return f"{shown} is a number too long to read"
    return f"{shown} cannot be read: {exc}"


def nearest_date(value: str) -> str:
    """The real date closest to an impossible one (2026-02-30 → 2026-02-28), as an example.

    Anything without a ``YYYY-M-D`` start gets a fixed example.
    """
    parts = _DATE_PARTS.match(value)
    if parts is None:
        return "2026-02-28"
    year = max(1, int(parts[1]))
    month = min(max(int(parts[2]), 1), 12)
    day = min(max(int(parts[3]), 1), calendar.monthrange(year, month)[1])
    return f"{year:04d}-{month:02d}-{day:02d}"


_CUTTING_COMMENT = re.compile(r"\s+#[^\s#]")


def _comments_that_cut(root: yaml.Node, text: str, display: str) -> list[Problem]:
    """A warning for each plain value that a ``#`` right after a space ends, when the
    ``#`` is followed by more text (``ext. #5 first``): YAML reads the rest of the line
    as a comment, and it was left out without a word. A comment written as one (a space
    after ``#``, as the starter files do) is not warned about."""
    lines = text.splitlines()
    found, seen = [], set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(_children(node))
        if not isinstance(node, yaml.ScalarNode) or node.style or not node.value:
            continue  # quoted, a block, or empty (a value that is all comment: see
            # _yaml_mistake, which says so when the value is needed)
        end = node.end_mark
        if end.line >= len(lines):
            continue
        rest = lines[end.line][end.column:]
        if _CUTTING_COMMENT.match(rest) and end.line == node.start_mark.line:
            cut = rest.strip()
            shown = cut if len(cut) <= 30 else cut[:29] + "…"
            found.append(Problem(display, end.line + 1, "", (
                f"'{shown}' is read as a comment (a '#' after a space starts one) and left "
                "out: put the whole text in quotes to print it"), Severity.WARNING))
    return sorted(found, key=lambda p: p.line or 0)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _expansion_problem(root: yaml.Node, display: str, aliases: bool) -> Problem | None:
    """Refuse a node graph that aliases would expand too far, too deep, or forever.

    The composer builds a graph in which every alias is the very node it names, so
    sizes are counted once per node (memoised) and a "billion laughs" file is measured
    in microseconds, before anything is expanded. The count is an upper bound on what
    :func:`_build` visits, merge keys (``<<: *defaults``) included.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()  # the path from the root to the node being measured
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        line = node.start_mark.line + 1
        if finished:
            open_nodes.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[key] > MAX_VALUES:
                how = "uses YAML aliases (& and *) that expand to" if aliases else "has"
                return Problem(display, line, "", f"{how} more than {MAX_VALUES:,} values")
            if depth[key] > MAX_DEPTH:
                return Problem(display, line, "",
                               f"is nested too deeply (more than {MAX_DEPTH} levels)")
            continue
        if key in size:
            continue
        if key in open_nodes:
            return Problem(display, line, "", "uses a YAML alias (*) inside the value it "
                                              "names (&), which would never end")
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((kid, False) for kid in _children(node) if id(kid) not in size)
    return None


_OPEN = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken,
         yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)
_CLOSE = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


def _scan(text: str) -> tuple[int | None, bool, list[tuple[str, int]]]:
    """The line where nesting first exceeds :data:`MAX_DEPTH` (else None), whether the
    text uses aliases, and each anchor no alias uses, with its line.

    PyYAML builds documents recursively and crashes on very deep nesting, so depth is
    measured first with its scanner, which is iterative.
    """
    depth = 0
    used: set[str] = set()
    anchors: list[tuple[str, int]] = []
    try:
        for token in yaml.scan(text, Loader=_BASE):
            if isinstance(token, _OPEN):
                depth += 1
                if depth > MAX_DEPTH:
                    return token.start_mark.line + 1, bool(used), []
            elif isinstance(token, _CLOSE):
                depth -= 1
            elif isinstance(token, yaml.AliasToken):
                used.add(token.value)
            elif isinstance(token, yaml.AnchorToken):
                anchors.append((token.value, token.start_mark.line + 1))
    except yaml.MarkedYAMLError:
        # Left to the parser, which stops at this point at the latest (everything
        # before it was measured) and often sooner, where the mistake is: an unclosed
        # '[' is only a scanner error lines later.
        pass
    return None, bool(used), [(name, line) for name, line in anchors if name not in used]


def _unused_anchors(anchors: list[tuple[str, int]], display: str) -> list[Problem]:
    """A warning for each anchor no alias uses: a text written ``&word`` with nothing
    after it (or a word that began with '&') is read as a name for reuse and left out
    without a word; an owner who reuses a part (``&defaults`` … ``*defaults``) is not
    warned."""
    return [Problem(display, line, "", (
        f"'&{name}' is read as a YAML anchor (a name to reuse a part by) and left out: "
        "put the whole text in quotes to print it"), Severity.WARNING)
        for name, line in anchors]


def format_loc(loc: tuple[str | int, ...]) -> str:
    """``("steps", 1, "text")`` → ``steps[2].text``.

    List positions are shown 1-based because they match what the reader sees in the
    PDF: ``steps[2]`` is "Step 2".
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def read_yaml(path: Path, display: str, problems: list[Problem]) -> SourceFile | None:
    """Parse ``path``; on failure add problems (with line and column) and return None."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(display, None, "", f"cannot be read: {exc.strerror or exc}"))
        return None
    if len(raw) > MAX_FILE_BYTES:
        problems.append(Problem(display, None, "",
                                f"is too large ({len(raw):,} bytes; the limit is "
                                f"{MAX_FILE_BYTES:,})"))
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # a UTF-16 byte-order mark
        problems.append(Problem(display, 1, "", "is UTF-16 text, not UTF-8; save it as "
                                                "UTF-8 in your editor"))
        return None
    try:
        text = raw.decode("utf-8-sig")  # a BOM from Windows editors is harmless
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(display, line, "",
                                "is not UTF-8 text; save it as UTF-8 in your editor"))
        return None
    unprintable = _unprintable(text, display)
    if unprintable:
        problems += unprintable
        return None
    try:
        deep, aliases, unused = _scan(text)
        if deep is not None:
            problems.append(Problem(display, deep, "",
                                    f"is nested too deeply (more than {MAX_DEPTH} levels)"))
            return None
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                problems.append(Problem(display, 1, "", "is empty"))
                return None
            refused = _expansion_problem(node, display, aliases)
            if refused is not None:
                problems.append(refused)
                return None
            lines = LineMap()
            before = len(problems)
            data = _build(node, loader, (), lines, problems, display)
            # Still validated (every problem at once: an impossible date or a key given
            # twice hid every other mistake of the file), minus what was said here.
            unreadable = frozenset(p.field for p in problems[before:])
            problems += _comments_that_cut(node, text, display)
            problems += _unused_anchors(unused, display)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        reason = exc.problem or exc.context or "is not valid YAML"
        if "nesting depth" in reason:  # libyaml stops very deep documents itself
            problems.append(Problem(display, line, "",
                                    f"is nested too deeply (more than {MAX_DEPTH} levels)"))
        elif mark is not None:
            problems.append(_syntax_problem(text, display, mark.line + 1, mark.column, reason,
                                            _unclosed(exc, text)))
        else:
            problems.append(Problem(display, line, "", f"YAML syntax error{column}: {reason}"))
        return None
    except yaml.YAMLError as exc:
        # Never the parser's own words with a character position: the line, in plain words.
        reason = getattr(exc, "problem", None) or getattr(exc, "reason", None) or \
            "this is not valid YAML"
        problems.append(Problem(display, 1, "", f"cannot be read as YAML ({reason})"))
        return None
    return SourceFile(path, display, data, lines, raw, unreadable)


#: What YAML refuses in a document: everything outside its printable set (YAML 1.1:
#: tab, line breaks and printable characters), i.e. control characters such as NUL,
#: BEL or ESC, DEL and C1 controls, lone surrogates, U+FFFE and U+FFFF. PyYAML reports
#: them as a character position in "<unicode string>"; found here first, by line.
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: Lines reported with such characters; a file full of them gets one more problem saying so.
_SHOWN_LINES = 5


def _unprintable(text: str, display: str) -> list[Problem]:
    """A problem for each line holding a character YAML does not allow, in plain words.

    Many NUL characters mean the file is UTF-16 without a byte-order mark: one problem
    says so instead of one per line.
    """
    found = [(number, match) for number, line in enumerate(text.split("\n"), start=1)
             if (match := _NOT_PRINTABLE.search(line))]
    if not found:
        return []
    if "\x00" in text:
        return [Problem(display, found[0][0], "", (
            "contains NUL characters: the file looks like UTF-16 ('Unicode text'); save it "
            "as UTF-8 in your editor"))]
    problems = []
    for number, match in found[:_SHOWN_LINES]:
        char = match.group()
        what = "an invisible control character" if unicodedata.category(char) == "Cc" else \
            "a character that is not text"
        # Shown with a '?' in its place (and in place of the rarer line breaks, so the
        # excerpt stays one line with the caret under it).
        line = re.sub("[\x85\u2028\u2029]", "?",
                      _NOT_PRINTABLE.sub("?", text.split("\n")[number - 1]))
        problems.append(Problem(display, number, "", (
            f"contains {what} (U+{ord(char):04X}), which YAML does not allow; delete it "
            "(text copied from another program often brings one along)"),
            excerpt=excerpt(line, 1, match.start())))
    if len(found) > _SHOWN_LINES:
        problems.append(Problem(display, found[_SHOWN_LINES][0], "", (
            f"and {len(found) - _SHOWN_LINES} more line(s) with such characters")))
    return problems


# --- Plain-language explanations of YAML syntax errors --------------------------------
#
# PyYAML's reasons ("mapping values are not allowed in this context") describe the
# parser, not the mistake, and often point at a line after the real one. A clinic owner
# makes a handful of mistakes with a text editor; each is recognised from the raw text
# (only once the parser has failed, so valid files are never second-guessed).

#: ``key: value`` (after any ``- ``), with the key and value as groups.
KEY_LINE = re.compile(r"""^(?P<dash>(?:-[ ]+)*)
                           (?P<key>"[^"]*"|'[^']*'|[^\s#'"\[\]{}-][^:#]*?|-[^\s:#][^:#]*?)
                           [ ]*:(?:[ ]+(?P<value>.*?))?[ ]*$""", re.VERBOSE)


def excerpt(text: str, line: int, column: int) -> str:
    """The source ``line`` (1-based), indented, with a caret under ``column`` (0-based).

    A tab is shown as ``→`` so it is visible and the caret still lines up.
    """
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    shown = lines[line - 1].replace("\t", "→")
    column = min(max(column, 0), len(shown))
    return f"    {shown}\n    {' ' * column}^"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    """Whether ``line`` holds YAML (not blank, not only a comment, not a document marker)."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#") and stripped not in ("---", "...")


def _key_name(line: str) -> str:
    """The key written on ``line`` (``tagline`` for ``  tagline: x``), else its text."""
    match = KEY_LINE.match(line.strip())
    return match["key"].strip("'\"") if match else line.strip()


def _tab_problem(lines: list[str], upto: int) -> tuple[int, int, str] | None:
    for number, line in enumerate(lines[:upto], 1):
        lead = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in lead and line.strip():
            return number, lead.index("\t"), (
                "this line is indented with a tab; use spaces, not tabs, to indent "
                "(most editors can be set to insert spaces)")
    return None


def _quote_problem(lines: list[str], upto: int) -> tuple[int, int, str] | None:
    """The first line, up to ``upto``, whose value opens a quote it never closes."""
    for number, line in enumerate(lines[:upto], 1):
        match = KEY_LINE.match(line.strip()) if _content(line) else None
        value = match["value"] if match and match["value"] else ""
        if value[:1] not in ("'", '"'):
            continue
        quote = value[0]
        body = value[1:].replace(quote * 2, "") if quote == "'" else \
            re.sub(r"\\.", "", value[1:])
        if quote not in body:
            column = line.index(value)
            return number, column, (f"the quote ({quote}) that starts this text is never "
                                    f"closed; end the text with {quote} on the same line")
    return None


def _dash_problem(lines: list[str], upto: int) -> tuple[int, int, str] | None:
    """``-title: x``: a list item without the space after its dash."""
    for number, line in enumerate(lines[:upto], 1):
        text = line.strip()
        if _content(line) and re.match(r"-[^\s-]", text):
            return number, _indent(line), "put a space after '-' to start a list item (- like this)"
    return None


def _indent_problem(lines: list[str], upto: int) -> tuple[int, int, str] | None:
    """The first line, up to ``upto``, that does not line up with the lines around it.

    A light model of block indentation: each open block is remembered with the first
    line at its indent, so the message can name the line to line up with.
    """
    stack: list[tuple[int, int, str]] = [(0, 0, "")]  # (indent, line number, key)
    opens = False  # the previous line ends with "key:" or "-", so a deeper block may follow
    scalar_indent: int | None = None  # inside a "key: >" or "key: |" text block
    previous: tuple[int, str] | None = None  # the last line with YAML: number, text
    for number, line in enumerate(lines[:upto], 1):
        if not _content(line):
            continue
        before, previous = previous, (number, line)
        indent = _indent(line)
        if scalar_indent is not None:
            if indent > scalar_indent:
                continue
            scalar_indent = None
        text = line.strip()
        match = KEY_LINE.match(text)
        if indent > stack[-1][0]:
            if not opens:
                if match is None or match["dash"]:
                    continue  # a long text carried on to the next line: valid YAML
                bare = before[1].strip() if before is not None else ""
                if before is not None and BARE_KEY.fullmatch(bare):
                    # "defaults" over indented keys: the colon was forgotten (QA: the
                    # message named the next line, an empty key and a line 0).
                    return before[0], _indent(before[1]) + len(bare), (
                        f"'{bare}' needs a colon after it ('{bare}:') to hold the lines "
                        "indented under it")
                above = stack[-1]
                if above[1] == 0:  # nothing above opens a block: the file's first level
                    return number, indent, (f"'{_key_name(line)}' is indented, but nothing "
                                            "above it opens a block; start it at the left "
                                            "edge (0 spaces)")
                return number, indent, (f"'{_key_name(line)}' is indented more than the line "
                                        f"above; line it up with '{above[2]}' on line "
                                        f"{above[1]} ({_spaces(above[0])} from the left)")
            stack.append((indent, number, _key_name(line)))
        elif indent < stack[-1][0]:
            popped = stack[-1]
            while stack[-1][0] > indent:
                popped = stack.pop()
            if stack[-1][0] != indent:
                near = popped if popped[0] - indent <= indent - stack[-1][0] else stack[-1]
                return number, indent, (f"'{_key_name(line)}' does not line up with the lines "
                                        f"around it; line it up with '{near[2]}' on line "
                                        f"{near[1]} ({_spaces(near[0])} from the left)")
        flow = text if match is None else (match["value"] or "")
        if flow[:1] in ("[", "{") and flow.count(flow[0]) != flow.count("]}"["[{".index(flow[0])]):
            return None  # a list written across lines in brackets: not modelled
        inner = indent
        rest = text
        while rest == "-" or rest.startswith("- "):  # "- title: x": title opens a block
            after = rest[1:]
            inner += 1 + _indent(after)
            rest = after.strip()
            if rest:
                stack.append((inner, number, _key_name(rest)))
        value = (match["value"] or "") if match else rest
        value = value.split(" #")[0].strip() if not value.startswith(("'", '"')) else value
        if match and value[:1] in ("|", ">"):
            scalar_indent = inner
        opens = rest == "" or (bool(match) and (value == "" or value.startswith("&")))
    return None


#: A line that is only a name (``defaults``, ``opening hours``): a key without its colon
#: when the lines under it are indented.
BARE_KEY = re.compile(r"[A-Za-z_][\w -]{0,60}")


def _spaces(n: int) -> str:
    return f"{n} space{'s' if n != 1 else ''}"


def _colon_problem(lines: list[str], line: int, column: int) -> tuple[int, int, str] | None:
    """``text: Note: do this``: a ': ' inside a value, read as a second key."""
    if not 1 <= line <= len(lines):
        return None
    source = lines[line - 1]
    match = KEY_LINE.match(source.strip())
    if match is None or not match["value"]:
        return None
    start = source.index(match["value"], _indent(source))
    if ": " not in match["value"] + " " or column < start:
        return None
    key = match["key"]
    quoted = match["value"].replace('"', "'")
    return line, column, (f"the text of '{key.strip(chr(39) + chr(34))}' contains ': ', which "
                          f"YAML reads as a new key; put the whole text in quotes: "
                          f"{key}: \"{quoted}\"")


def _unclosed(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str] | None:
    """Where a list or mapping written in brackets (``[a, b]``, ``{a: 1}``) that the
    parser gave up on starts: (line, column, closing bracket), else None. The parser
    stops lines later, where it finds something else; the mistake is where it opened.
    When the file ends inside the brackets (``bad: [`` as its last line), the parser
    names only the end ("while parsing a flow node"): the last bracket left open
    before it is the one."""
    context, mark = exc.context or "", exc.context_mark
    if mark is None or "while parsing a flow" not in context:
        return None
    if "sequence" in context or "mapping" in context:
        return mark.line + 1, mark.column, "]" if "sequence" in context else "}"
    return _last_open_bracket(text.splitlines()[:mark.line + 1])


def _last_open_bracket(lines: list[str]) -> tuple[int, int, str] | None:
    """The last ``[`` or ``{`` left open in ``lines`` (outside quotes and comments):
    (1-based line, column, its closing bracket), else None."""
    opened: list[tuple[int, int, str]] = []
    for number, line in enumerate(lines, start=1):
        quote = None
        for column, char in enumerate(line):
            if quote is not None:
                quote = None if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#" and (column == 0 or line[column - 1] in " \t"):
                break
            elif char in "[{":
                opened.append((number, column, "]" if char == "[" else "}"))
            elif char in "]}" and opened:
                opened.pop()
    return opened[-1] if opened else None


#: A value that starts with one of these is not plain text to YAML (an alias, an anchor,
#: a tag, a list, a group, a reserved mark), though Markdown starts text with some of
#: them: **bold**, *italic*, [a link](...).
_LEADING_MARKS = "*&![{%@`"
_VALUE_START = re.compile(r"^(\s*(?:-\s+)?(?:[\w.-]+:\s+)?)(\S.*)$")


def _leading_mark_problem(lines: list[str], line: int) -> tuple[int, int, str] | None:
    """A text that starts with a mark YAML reads as syntax, at ``line`` or the line
    before it (where the parser may have stopped reading it)."""
    for number in (line, line - 1):
        if not 1 <= number <= len(lines):
            continue
        match = _VALUE_START.match(lines[number - 1])
        if match is None or not match.group(2) or match.group(2)[0] not in _LEADING_MARKS:
            continue
        value = match.group(2)
        if value[0] in "[{" and "](" not in value:
            continue  # a list or group, perhaps not closed: another mistake, not a link
        key = match.group(1).strip()
        shown = value if len(value) <= 40 else value[:39] + "…"
        quoted = shown.replace('"', '\\"')
        return number, len(match.group(1)), (
            f"a text that starts with '{value[0]}' must be in quotes (YAML gives "
            f"'{value[0]}' a meaning of its own there): {key} \"{quoted}\"")
    return None


def explain_syntax_error(text: str, line: int, column: int, reason: str,
                         unclosed: tuple[int, int, str] | None = None
                         ) -> tuple[int, int, str] | None:
    """A plain-language ``(line, column, message)`` for a YAML syntax error, or None.

    ``line`` is 1-based and ``column`` 0-based, where the parser stopped; ``unclosed``
    is where a bracketed list or mapping it was reading began (see :func:`_unclosed`).
    """
    lines = text.splitlines()
    for found in (_tab_problem(lines, line), _quote_problem(lines, line),
                  _dash_problem(lines, line), _leading_mark_problem(lines, line)):
        if found is not None:
            return found
    if unclosed is not None:
        start, at, closing = unclosed
        opening = "[" if closing == "]" else "{"
        what = "list" if closing == "]" else "group of values"
        return start, at, (f"the {what} that starts here with '{opening}' is not closed; "
                           f"end it with '{closing}' on the same line, or put the whole "
                           "text in quotes")
    found = _indent_problem(lines, line)
    if found is not None:
        return found
    if "mapping values are not allowed" in reason:
        return _colon_problem(lines, line, column)
    return None


def _syntax_problem(text: str, display: str, line: int, column: int, reason: str,
                    unclosed: tuple[int, int, str] | None = None) -> Problem:
    """The problem for a syntax error at ``line`` (1-based), ``column`` (0-based)."""
    explained = explain_syntax_error(text, line, column, reason, unclosed)
    if explained is None:
        return Problem(display, line, "", f"YAML syntax error, column {column + 1}: {reason}",
                       excerpt=excerpt(text, line, column))
    line, column, message = explained
    return Problem(display, line, "", message, excerpt=excerpt(text, line, column))
