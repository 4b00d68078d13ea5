"""Read YAML files while remembering the line every value came from.

PyYAML's composer gives us a node tree with positions; we turn it into plain
Python values plus a :class:`LineMap` so validation errors can name the line of
the offending key (``steps[2].text``), not just the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from handouts.errors import Problem

#: Content and config files are small; anything bigger is almost certainly a mistake
#: (or an attack) and is refused before parsing.
MAX_FILE_BYTES = 1_000_000
#: Deeper nesting than this is never a real handout.
MAX_DEPTH = 50


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
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                problems.append(Problem(display, key_node.start_mark.line + 1,
                                        format_loc((*loc, key)), "appears twice"))
            child = (*loc, key)
            result[key] = _build(value_node, loader, child, lines, problems, display)
            lines.lines[child] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, loader, (*loc, i), lines, problems, display)
            for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


_OPEN = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken,
         yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)
_CLOSE = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


def _too_deep(text: str) -> int | None:
    """The line where nesting first exceeds :data:`MAX_DEPTH`, else None.

    PyYAML builds documents recursively and crashes on very deep nesting, so depth is
    measured first with its scanner, which is iterative.
    """
    depth = 0
    for token in yaml.scan(text, Loader=_BASE):
        if isinstance(token, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                return token.start_mark.line + 1
        elif isinstance(token, _CLOSE):
            depth -= 1
    return None


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
    try:
        text = raw.decode("utf-8-sig")  # a BOM from Windows editors is harmless
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(display, line, "",
                                "is not UTF-8 text; save it as UTF-8 in your editor"))
        return None
    try:
        deep = _too_deep(text)
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
            lines = LineMap()
            before = len(problems)
            data = _build(node, loader, (), lines, problems, display)
            if len(problems) > before:
                return None
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
        else:
            problems.append(Problem(display, line, "", f"YAML syntax error{column}: {reason}"))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(display, None, "", f"YAML error: {exc}"))
        return None
    return SourceFile(path, display, data, lines, raw)
