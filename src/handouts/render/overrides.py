"""Template overrides: where templates may come from, and their mistakes as problems.

A project's ``templates/`` folder replaces files of the built-in theme by name.
Templates are small programs, written by a designer or shared between clinics, so:

* they run in Jinja's immutable sandbox (:class:`HandoutSandbox`): no walking
  Python's object graph (``__class__``, ``__globals__``), no ``.format`` tricks,
  no changing the objects they are given;
* they load only from ``templates/`` and the built-in theme
  (:class:`OverrideLoader`): absolute names, ``..`` and links pointing out of the
  project are refused;
* every ``*.j2`` file there is parsed, and every template it includes, imports or
  extends is looked up, before anything is rendered (:func:`check_templates`);
* whatever goes wrong in one becomes a :class:`~handouts.errors.Problem` at the
  template's own line (:func:`template_problem`), never a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from handouts.errors import Problem, RenderError
from handouts.render.engine import timelimit

#: The field every template problem is reported under.
FIELD = "template"
#: Largest template file read (a theme template is about 10 KB).
MAX_TEMPLATE_BYTES = 1_000_000
#: Longest string or list a template may build with ``*`` (a page holds ~10,000 characters).
MAX_REPEAT = 100_000
#: Largest integer a template may build with ``**``, in bits.
MAX_POWER_BITS = 4096
#: The names every handout template is given (see :func:`handouts.render.theme.render_html`).
CONTEXT_NAMES = ("page", "h", "clinic")


class TemplateRefused(jinja2.TemplateError):
    """A template that may not be loaded: outside the allowed folders, or unreadable.

    Deliberately not a ``TemplateNotFound``: ``{% include ... ignore missing %}``
    must not turn a refusal into silence.
    """

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name!r} {reason}")
        self.name = name
        self.reason = reason


class TemplateFailure(RenderError):
    """A template could not be rendered (located problems; nothing was written)."""


class HandoutSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, also refusing numbers and strings too big to make.

    ``10 ** 10 ** 10`` or ``"x" * 10 ** 12`` would run in C, where no time limit can
    stop them, so they are refused before Python starts on them.
    """

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str,
                   left: Any, right: Any) -> Any:
        """Refuse ``**`` and ``*`` results past the limits, else compute as usual."""
        if operator == "**" and _is_int(left) and _is_int(right) and right > 0 \
                and abs(left) > 1 and abs(left).bit_length() * right > MAX_POWER_BITS:
            raise SecurityError("the number is too large")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and _is_int(count) \
                        and len(seq) * count > MAX_REPEAT:
                    raise SecurityError("the repeated text or list would be too long")
        return super().call_binop(context, operator, left, right)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class OverrideLoader(jinja2.BaseLoader):
    """Templates from the project's ``templates/`` first, then from the built-in theme.

    A name is a relative path with ``/`` separators; absolute names and ``..`` are
    refused, and a file found in ``templates/`` must (after following links) be a
    regular file inside the project folder or the theme.
    """

    def __init__(self, templates_dir: Path | None, theme_dir: Path,
                 pinned: Pinned | None = None) -> None:
        self.templates_dir = templates_dir
        self.theme_dir = theme_dir
        #: ``templates/`` as it was when last good (see :func:`template_sources`): read
        #: instead of the folder, whose files now have errors (``handouts serve``).
        self.pinned = dict(pinned) if pinned is not None else None
        self.allowed = tuple(p.resolve() for p in (
            *((templates_dir.parent,) if templates_dir is not None else ()), theme_dir))

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        """The template's text, its file name and a function telling if it is unchanged."""
        parts = template_parts(template)
        if self.pinned is not None and self.templates_dir is not None:
            name = "/".join(parts)
            if name in self.pinned:  # named as the file it was, for the same messages
                return self.pinned[name], str(self.templates_dir.joinpath(*parts)), _always
        for folder in (self.templates_dir, self.theme_dir):
            if folder is None or (folder == self.templates_dir and self.pinned is not None):
                continue
            path = folder.joinpath(*parts)
            if not (path.is_symlink() or path.is_file()):
                continue
            real = self.checked(template, path)
            try:
                source = real.read_bytes().decode("utf-8-sig")
                stamp = real.stat().st_mtime_ns
            except UnicodeDecodeError:
                raise TemplateRefused(template, "is not UTF-8 text; save it as UTF-8 in "
                                                "your editor") from None
            except OSError as exc:
                raise TemplateRefused(template, f"cannot be read ({exc.strerror})") from None
            return source, str(path), _unchanged(real, stamp)
        raise jinja2.TemplateNotFound(template)

    def checked(self, name: str, path: Path) -> Path:
        """``path`` with links followed, or :class:`TemplateRefused` if it may not be read."""
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise TemplateRefused(name, "is a broken link") from None
        if not any(real.is_relative_to(folder) for folder in self.allowed):
            raise TemplateRefused(name, "links to a file outside the project")
        if not real.is_file():
            raise TemplateRefused(name, "is not a regular file")
        if real.stat().st_size > MAX_TEMPLATE_BYTES:
            raise TemplateRefused(name, f"is larger than {MAX_TEMPLATE_BYTES:,} bytes")
        return real

    def list_templates(self) -> list[str]:
        """Every template name either folder offers."""
        names: set[str] = set()
        for folder in (self.templates_dir, self.theme_dir):
            if folder is not None and folder.is_dir():
                names.update(p.relative_to(folder).as_posix() for p in _files(folder))
        return sorted(names)


#: A snapshot of ``templates/``: each template's name and text, sorted by name.
Pinned = tuple[tuple[str, str], ...]


def template_sources(templates_dir: Path) -> Pinned:
    """The text of every file of ``templates/`` a template may include, as the loader
    would read it now: UTF-8 text (images and fonts are not; the engine reads those).
    Files the loader refuses are left out (:func:`check_templates` reports them)."""
    if not templates_dir.is_dir():
        return ()
    loader = OverrideLoader(templates_dir, templates_dir)
    sources = []
    for path in _files(templates_dir):
        name = path.relative_to(templates_dir).as_posix()
        try:
            sources.append((name, loader.checked(name, path).read_bytes().decode("utf-8-sig")))
        except (TemplateRefused, OSError, UnicodeDecodeError):
            continue
    return tuple(sources)


def _always() -> bool:
    return True


def _unchanged(path: Path, stamp: int) -> Callable[[], bool]:
    """Jinja's check that a cached template is still current."""
    return lambda: _stamp(path) == stamp


def _stamp(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def template_parts(name: str) -> list[str]:
    """The path parts of a template name, or :class:`TemplateRefused` for a name outside."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if name.startswith("/") or "\\" in name or "\0" in name or ":" in name \
            or ".." in parts or not parts:
        raise TemplateRefused(name, "is not a name inside templates/ (template names are "
                                    "relative, without '..')")
    return parts


def _files(folder: Path) -> Iterator[Path]:
    """Every file and link below ``folder``, without following linked folders."""
    for directory, subdirs, files in os.walk(folder, followlinks=False):
        base = Path(directory)
        for name in sorted(files):
            yield base / name
        for name in sorted(subdirs):
            if (base / name).is_symlink():
                yield base / name


# ---------------------------------------------------------------- validation

_REFERENCES: dict[type[nodes.Node], str] = {
    nodes.Extends: "extends", nodes.Include: "includes",
    nodes.Import: "imports", nodes.FromImport: "imports"}


def check_templates(env: jinja2.Environment, templates_dir: Path) -> list[Problem]:
    """Every problem of the override templates, found without rendering anything.

    Refuses links in ``templates/`` that point out of the project, then parses and
    compiles every ``*.j2`` file there (and every template of ``templates/`` they
    include, import or extend), and checks that each template named in
    ``include``/``import``/``extends`` exists and may be loaded.
    """
    loader = env.loader
    if not isinstance(loader, OverrideLoader) or not (
            templates_dir.is_dir() or templates_dir.is_symlink()):
        return []
    display = _Display(templates_dir, loader.theme_dir)
    problems: list[Problem] = []
    if not templates_dir.resolve().is_relative_to(templates_dir.parent.resolve()):
        return [Problem("templates", None, FIELD, "links to a folder outside the project")]
    for path in _files(templates_dir):
        if path.is_symlink():
            try:
                real = path.resolve(strict=True)
            except (OSError, RuntimeError):
                problems.append(Problem(display(path), None, FIELD, "is a broken link"))
                continue
            if not any(real.is_relative_to(folder) for folder in loader.allowed):
                problems.append(Problem(display(path), None, FIELD,
                                        "links to a file outside the project; templates/ may "
                                        "only use files of the project"))
    refused = {p.path for p in problems}
    queue = [p.relative_to(templates_dir).as_posix() for p in _files(templates_dir)
             if p.name.endswith(".j2") and display(p) not in refused]
    seen: set[str] = set()
    while queue:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        problems += _check_one(env, loader, name, display, queue)
    return problems


def _check_one(env: jinja2.Environment, loader: OverrideLoader, name: str,
               display: _Display, queue: list[str]) -> list[Problem]:
    """The problems of template ``name`` of templates/; adds the templates/ files it uses."""
    path = display.path_of(name)
    try:
        source, filename, _ = loader.get_source(env, name)
        tree = env.parse(source, name, filename)
        env.compile(tree, name, filename)
    except TemplateRefused as exc:  # the file itself (not one it includes)
        return [Problem(path, None, FIELD, exc.reason)]
    except jinja2.TemplateSyntaxError as exc:
        return [_syntax_problem(exc, env, display, path)]
    except Exception as exc:  # a template is a program: any failure is its problem
        return [template_problem(exc, display.templates_dir, display.theme_dir)]
    problems = []
    for node in tree.find_all(tuple(_REFERENCES)):
        verb = _REFERENCES[type(node)]
        names = _constant_names(node.template)  # type: ignore[attr-defined]
        if names is None:
            continue  # computed at render time: checked then
        found, refusals = [], []
        for ref in names:
            try:
                _, ref_file, _ = loader.get_source(env, ref)
            except jinja2.TemplateNotFound:
                continue
            except TemplateRefused as exc:
                refusals.append(f"{verb} '{ref}', which {exc.reason}")
                continue
            found.append(ref)
            if display.in_templates(ref_file):
                queue.append(ref)
        for message in refusals:
            problems.append(Problem(path, node.lineno, FIELD, message))
        if not found and not refusals and not getattr(node, "ignore_missing", False):
            problems.append(Problem(path, node.lineno, FIELD, _missing(verb, names)))
    return problems


def _constant_names(expr: nodes.Expr) -> list[str] | None:
    """The template names an ``include``/``extends`` expression stands for, if constant."""
    if isinstance(expr, nodes.Const) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, nodes.List | nodes.Tuple):
        items = [_constant_names(item) for item in expr.items]
        if all(item is not None for item in items):
            return [name for item in items for name in item or ()]
    return None


def _missing(verb: str, names: list[str]) -> str:
    quoted = " or ".join(f"'{n}'" for n in names) or "nothing"
    return f"{verb} {quoted}, which is neither in templates/ nor in the built-in theme"


# ---------------------------------------------------------------- errors as problems

class _Display:
    """How a template file is named in messages: ``templates/NAME`` or ``theme/NAME``."""

    def __init__(self, templates_dir: Path | None, theme_dir: Path) -> None:
        self.templates_dir = templates_dir
        self.theme_dir = theme_dir

    def __call__(self, filename: str | Path | None) -> str:
        if filename is None:
            return "templates"
        path = Path(filename)
        for folder, label in ((self.templates_dir, "templates"), (self.theme_dir, "theme")):
            if folder is not None and path.is_relative_to(folder):
                return f"{label}/{path.relative_to(folder).as_posix()}"
        return path.name

    def path_of(self, name: str) -> str:
        return f"templates/{name}"

    def in_templates(self, filename: str | None) -> bool:
        return bool(filename and self.templates_dir is not None
                    and Path(filename).is_relative_to(self.templates_dir))

    def known(self, filename: str) -> bool:
        return self.in_templates(filename) or Path(filename).is_relative_to(self.theme_dir)


def template_problem(exc: BaseException, templates_dir: Path | None, theme_dir: Path,
                     main: str = "handout.html.j2") -> Problem:
    """``exc``, raised while loading or rendering a template, as a located problem.

    The line is the template's own: Jinja rewrites the traceback so that its frames
    carry the template's file name and line, and the innermost such frame is where
    the template went wrong.
    """
    display = _Display(templates_dir, theme_dir)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return _syntax_problem(exc, None, display, display(exc.filename))
    filename, line = _template_frame(exc, display)
    where = display(filename) if filename else f"templates/{main}"
    source_line = _source_line(filename, line)
    if isinstance(exc, TemplateRefused | jinja2.TemplateNotFound):
        name = exc.name if isinstance(exc, TemplateRefused) else str(exc.name)
        verb = _verb(source_line)
        if isinstance(exc, TemplateRefused):
            message = f"{verb} '{name}', which {exc.reason}"
        else:
            names = list(getattr(exc, "templates", None) or [name])
            message = _missing(verb, [str(n) for n in names])
    elif isinstance(exc, SecurityError):
        message = _plain_security(str(exc))
    elif isinstance(exc, jinja2.UndefinedError):
        message = _plain_undefined(str(exc), source_line)
    elif isinstance(exc, RecursionError):
        message = "a macro or include calls itself without end"
    elif isinstance(exc, timelimit.TemplateTimeout):
        message = (f"took longer than {timelimit.TEMPLATE_SECONDS:g} s to fill in and was "
                   "stopped (a loop that runs too long?)")
    else:
        message = f"{_plain(str(exc)) or type(exc).__name__} ({type(exc).__name__})"
    return Problem(where, line, FIELD, message)


def _template_frame(exc: BaseException, display: _Display) -> tuple[str | None, int | None]:
    """The file and line of the innermost template frame of ``exc``'s traceback."""
    found: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        # Template frames carry the template's own file name, never a Python module's.
        if filename and not filename.endswith(".py") and display.known(filename):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _source_line(filename: str | None, line: int | None) -> str:
    if filename is None or line is None:
        return ""
    try:
        lines = Path(filename).read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError:
        return ""
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _verb(source_line: str) -> str:
    for word, verb in (("extends", "extends"), ("import", "imports"), ("from", "imports")):
        if re.search(r"\{%-?\s*" + word + r"\b", source_line):
            return verb
    return "includes"


def _plain(message: str) -> str:
    """Jinja's message as one plain clause: first letter small, no final full stop."""
    message = " ".join(message.split()).rstrip(".")
    return message[:1].lower() + message[1:]


def _plain_security(message: str) -> str:
    match = re.search(r"attribute '([^']*)' of", message)
    if match:
        return f"access to '{match.group(1)}' is not allowed"
    return _plain(message) + " (not allowed in templates)"


def _plain_undefined(message: str, source_line: str) -> str:
    match = re.match(r"'(.*)' has no (attribute|element) (.*)$", message)
    if match:
        owner, kind, attr = match.groups()
        key = attr.strip("'")
        expr = re.search(r"([A-Za-z_]\w*(?:\.\w+|\[[^\]]*\])*)(?:\." + re.escape(key)
                         + r"\b|\[\s*['\"]" + re.escape(key) + r"['\"]\s*\])", source_line)
        # The expression as written ('page'), else the type without its module path.
        owner = expr.group(1) if expr else re.sub(r"^[\w.]+\.(\w+ object)$", r"\1", owner)
        return f"'{owner}' has no {kind} {attr}"
    match = re.match(r"'(\w+)' is undefined$", message)
    if match:
        names = ", ".join(CONTEXT_NAMES)
        return f"'{match.group(1)}' is undefined (a handout template is given {names})"
    return _plain(message)


# Jinja's own words for these, made plain: where the problem is and what to do.
_EOF = re.compile(r"Unexpected end of template\. (?:Jinja was looking for the following tags: "
                  r"(?P<expected>.*?)\. )?The innermost block that needs to be closed is "
                  r"'(?P<tag>\w+)'\.")
_UNKNOWN = re.compile(r"Encountered unknown tag '(?P<name>\w+)'\.(?: (?:Jinja was looking for "
                      r"the following tags: (?P<expected>.*?)\.|You probably made a nesting "
                      r"mistake\. Jinja is expecting this tag, but currently looking for "
                      r"(?P<looking>.*?)\.))?(?: The innermost block that needs to be closed "
                      r"is '(?P<tag>\w+)'\.)?")


def _syntax_problem(exc: jinja2.TemplateSyntaxError, env: jinja2.Environment | None,
                    display: _Display, path: str) -> Problem:
    message = exc.message or ""
    source = exc.source
    if source is None and exc.filename:
        source = "\n".join(_all_lines(exc.filename))
    opened = _open_blocks(env, source or "", exc.lineno)
    match = _EOF.match(message)
    unknown = _UNKNOWN.match(message)
    line_no = exc.lineno
    if match:
        # Jinja gives the line of the last token; the template ends on its last line.
        line_no = max(line_no, len((source or "").splitlines()))
        opened = _open_blocks(env, source or "", line_no)
        tag = match.group("tag")
        line = _opened_line(opened, tag)
        text = f"unexpected end of template; the '{tag}' block " + (
            f"opened on line {line} was never closed" if line else "was never closed")
    elif unknown and unknown.group("tag"):
        name, tag = unknown.group("name"), unknown.group("tag")
        line = _opened_line(opened, tag)
        where = f" opened on line {line}" if line else ""
        text = f"unexpected '{name}': the '{tag}' block{where} must be closed first " \
               f"with 'end{tag}'"
    elif unknown:
        name = unknown.group("name")
        text = f"there is no open '{name[3:]}' block to end here" if name.startswith("end") \
            else f"unknown tag '{name}'"
    elif message.startswith("Expected an expression, got 'end of statement block'"):
        text = "an expression is missing before '%}'"
    else:
        text = _plain(message)
    return Problem(path or display(exc.filename), line_no, FIELD, text)


def _all_lines(filename: str) -> list[str]:
    try:
        return Path(filename).read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError:
        return []


#: Tags that open a block closed by ``end<tag>`` (``set`` only without ``=``).
_BLOCK_TAGS = frozenset({"for", "if", "block", "macro", "call", "filter", "with",
                         "autoescape", "trans", "set"})


def _open_blocks(env: jinja2.Environment | None, source: str,
                 upto: int) -> list[tuple[str, int]]:
    """The blocks still open at line ``upto``, as (tag, line of its opening tag)."""
    env = env or jinja2.Environment(extensions=["jinja2.ext.i18n"])
    stack: list[tuple[str, int]] = []
    tag: str | None = None
    tag_line, assigned, in_block = 0, False, False
    try:
        for lineno, kind, value in env.lex(source):
            if lineno > upto:
                break
            if kind == "block_begin":
                in_block, tag, tag_line, assigned = True, None, lineno, False
            elif in_block and kind == "name" and tag is None:
                tag = value
            elif in_block and kind == "assign":
                assigned = True
            elif kind == "block_end" and in_block:
                in_block = False
                if tag in _BLOCK_TAGS and not (tag == "set" and assigned):
                    stack.append((tag, tag_line))
                elif tag and tag.startswith("end") and stack and stack[-1][0] == tag[3:]:
                    stack.pop()
    except Exception:  # the lexer stops at the error: the blocks up to it are enough
        pass
    return stack


def _opened_line(opened: list[tuple[str, int]], tag: str) -> int | None:
    for name, line in reversed(opened):
        if name == tag:
            return line
    return None


__all__ = ["HandoutSandbox", "OverrideLoader", "TemplateFailure", "TemplateRefused",
           "check_templates", "template_problem"]
