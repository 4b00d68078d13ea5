"""The shape of the code, enforced: layers, no import circles, no private names across modules.

The layers (docs/developers/architecture.md) are an import-linter contract in
pyproject.toml: ``cli > web > commands > checks > render > variants > project >
output | paths | startup > errors``, each importing only from the layers below it, with no
exception (``ignore_imports`` stays empty).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src"
PACKAGE = SRC / "handouts"


def lint_imports(root: Path, src: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` run on the package in ``src`` with the contract of
    ``root/pyproject.toml`` (in a process of its own: it builds its own import graph)."""
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
         "sys.exit(lint_imports(no_cache=True, no_logo=True))"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False)


def contracts() -> list[dict[str, object]]:
    with (REPO / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["tool"]["importlinter"]["contracts"]


def test_the_layers_contract_is_kept() -> None:
    result = lint_imports(REPO, SRC)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_the_contract_has_every_layer_and_no_exception() -> None:
    layers, _ = contracts()
    assert layers["type"] == "layers"
    assert layers["layers"] == [
        "handouts.cli", "handouts.web", "handouts.commands", "handouts.checks",
        "handouts.render", "handouts.variants", "handouts.project",
        "handouts.output | handouts.paths | handouts.startup", "handouts.errors"]
    assert not layers.get("ignore_imports")
    # Every subpackage and top-level module of the package is in a layer.
    named = {name.strip() for layer in layers["layers"] for name in str(layer).split("|")}
    found = {f"handouts.{p.stem}" for p in PACKAGE.iterdir()
             if (p.suffix == ".py" and not p.name.startswith("__"))
             or (p / "__init__.py").is_file()}
    assert found == named


def _lint_with(tmp_path: Path, module: str, line: str) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on a copy of the package with ``line`` added to ``module`` (a
    path inside the package)."""
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    copy = tmp_path / "src" / "handouts"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    changed = copy / module
    changed.write_text(changed.read_text(encoding="utf-8") + f"\n{line}  # noqa\n",
                       encoding="utf-8")
    return lint_imports(tmp_path, tmp_path / "src")


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    """The contract has teeth: the package with one import from project/ up to
    commands/ is refused, and the message names the import."""
    result = _lint_with(tmp_path, "project/fonts.py", "from handouts.commands import build")
    assert result.returncode == 1
    assert "handouts.project.fonts -> handouts.commands.build" in result.stdout


def test_every_command_module_is_in_the_independence_contract() -> None:
    """Each command of the CLI that has a module of its own is one of the modules that
    may not import each other; the shared library modules are not."""
    _, independent = contracts()
    assert independent["type"] == "independence"
    from handouts.cli import cli

    # `list`'s module is listing.py (`list` would shadow the builtin); `add` and `serve`
    # have none of their own (the starter library, the web app).
    names = {"listing" if name == "list" else name for name in cli.commands}
    present = {f"handouts.commands.{n}" for n in names
               if (PACKAGE / "commands" / f"{n}.py").is_file()}
    assert set(independent["modules"]) == present


def test_a_command_calling_another_breaks_the_contract(tmp_path: Path) -> None:
    result = _lint_with(tmp_path, "commands/merge.py",
                        "from handouts.commands.build import build")
    assert result.returncode == 1
    assert "No command uses another command BROKEN" in result.stdout
    assert "handouts.commands.merge -> handouts.commands.build" in result.stdout


# ----------------------------------------------------------------- no import circles

def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The import circles between modules: every strongly connected group of more than
    one module (Tarjan's algorithm), imports inside functions included."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_through_others() -> None:
    assert cycles(grimp.build_graph("handouts", cache_dir=None)) == []


def test_the_circle_finder_finds_a_circle() -> None:
    graph = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(name)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]


# ----------------------------------------------------------------- private names

def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def sources() -> Iterator[Path]:
    yield from sorted(PACKAGE.rglob("*.py"))
    yield from sorted((REPO / "tests").rglob("*.py"))


def defined_names(tree: ast.AST) -> set[str]:
    """Every name a module defines: functions, classes, variables, attributes, arguments."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
    return names


def private_uses(path: Path, tree: ast.AST, ours: set[str]) -> Iterator[str]:
    """Private names this module takes from another: imported (``from m import _x``),
    read as an attribute (``m._x``, ``obj._x``) or named in ``setattr``/``getattr``
    (``monkeypatch.setattr(m, "_x", ...)``) while the module does not define them.
    Only names defined in the package or the tests count: a third party's are its own
    business (WeasyPrint's box tree has no public way in)."""
    own = defined_names(tree) - {alias.asname or alias.name for node in ast.walk(tree)
                                 if isinstance(node, ast.ImportFrom) for alias in node.names}
    # Modules of other packages imported whole (``import logging``): their private
    # names are theirs, even when one of ours is spelled the same (``_lock``).
    foreign = {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree)
               if isinstance(node, ast.Import) for alias in node.names
               if alias.name.split(".")[0] not in ("handouts", "tests")}

    def theirs(obj: ast.AST) -> bool:
        return isinstance(obj, ast.Name) and obj.id in foreign

    where = path.relative_to(REPO)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if is_private(alias.name):
                    yield f"{where}:{node.lineno}: imports {node.module}.{alias.name}"
        elif isinstance(node, ast.Attribute) and is_private(node.attr) \
                and node.attr in ours and node.attr not in own and not theirs(node.value):
            yield f"{where}:{node.lineno}: uses {ast.unparse(node)}"
        elif isinstance(node, ast.Call) and len(node.args) >= 2 \
                and isinstance(node.args[1], ast.Constant) \
                and isinstance(node.args[1].value, str) and is_private(node.args[1].value) \
                and node.args[1].value in ours and node.args[1].value not in own \
                and not theirs(node.args[0]) \
                and (ast.unparse(node.func).endswith(("setattr", "getattr", "delattr"))):
            yield f"{where}:{node.lineno}: {ast.unparse(node.func)}(..., {node.args[1].value!r})"


def test_no_private_name_is_used_across_modules() -> None:
    trees = {path: ast.parse(path.read_text(encoding="utf-8"), str(path))
             for path in sources()}
    ours = {name for tree in trees.values() for name in defined_names(tree)
            if is_private(name)}
    found = [use for path, tree in trees.items() for use in private_uses(path, tree, ours)]
    assert found == []


@pytest.mark.parametrize("source, expected", [
    ("from handouts.render.render import _x\n", "imports handouts.render.render._x"),
    ("from handouts.checks import readability\nreadability._grade\n",
     "uses readability._grade"),
    ("def f(monkeypatch, pdf):\n    monkeypatch.setattr(pdf, '_grade', 1)\n",
     "monkeypatch.setattr(..., '_grade')"),
])
def test_the_private_name_finder_finds_each_kind(source: str, expected: str) -> None:
    path = REPO / "tests" / "example.py"  # only its name is used
    uses = list(private_uses(path, ast.parse(source), {"_x", "_grade"}))
    assert [use.split(": ", 1)[1] for use in uses] == [expected]


def test_another_packages_private_name_is_not_ours_however_spelled() -> None:
    source = ("import logging\nfrom handouts.checks import readability\n"
              "getattr(logging, '_grade')\nlogging._grade\nreadability._grade\n")
    uses = list(private_uses(REPO / "tests" / "example.py", ast.parse(source), {"_grade"}))
    assert [use.split(": ", 1)[1] for use in uses] == ["uses readability._grade"]


def test_a_module_s_own_private_names_are_its_own() -> None:
    source = ("class A:\n    def __init__(self):\n        self._kept = 1\n"
              "    def f(self, other):\n        return other._kept\n")
    assert list(private_uses(REPO / "tests" / "example.py", ast.parse(source), {"_kept"})) == []
