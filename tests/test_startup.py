"""Fast start: the command line imports its heavy libraries only inside a command.

Measured by benchmarks/startup.py; here, without timing, what ``import handouts.cli``
loads (in a fresh interpreter, so nothing another test imported counts), and that
every package the source imports directly is declared in pyproject.toml.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: What a command needs, never ``handouts --help``: each costs tens of milliseconds.
HEAVY = ("weasyprint", "pydantic", "babel", "fontTools", "phonenumbers", "segno",
         "markdown_it", "jinja2", "yaml", "PIL", "flask")


def _loaded_by(code: str) -> set[str]:
    """The top-level modules loaded by running ``code`` in a new interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                            text=True, cwd=ROOT).stdout
    return {name.split(".")[0] for name in json.loads(output.splitlines()[-1])}


def test_importing_the_cli_loads_no_heavy_library() -> None:
    loaded = _loaded_by("import handouts.cli")
    assert "click" in loaded  # the probe sees what the import loads
    assert sorted(loaded & set(HEAVY)) == []


def test_help_loads_no_heavy_library() -> None:
    loaded = _loaded_by("import sys\nfrom handouts.cli import cli\n"
                        "sys.argv = ['handouts', '--help']\n"
                        "try:\n    cli.main(standalone_mode=False)\nexcept SystemExit:\n"
                        "    pass")
    assert sorted(loaded & set(HEAVY)) == []


def test_a_command_still_finds_its_libraries() -> None:
    # The imports moved into the commands: one that renders loads the engine.
    assert "weasyprint" in _loaded_by("import handouts.commands.build\n"
                                      "import handouts.render.engine.pdf")


#: Import names whose distribution has another name.
DISTRIBUTIONS = {"yaml": "pyyaml", "PIL": "pillow", "fontTools": "fonttools",
                 "markdown_it": "markdown-it-py", "distributed": "distributed"}


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    names = set()
    for spec in specs:
        name = spec.split(";")[0]
        for mark in "<>=!~[ ":
            name = name.split(mark)[0]
        names.add(name.lower())
    return names


def _imported() -> set[str]:
    found = set()
    for path in (ROOT / "src/handouts").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"handouts"}


@pytest.mark.parametrize("module", sorted(_imported()))
def test_every_directly_imported_package_is_declared(module: str) -> None:
    assert DISTRIBUTIONS.get(module, module).lower() in _declared(), (
        f"src/ imports {module}: declare it in pyproject.toml's dependencies")


#: A cheap run of each command that reaches its body (in an empty folder, most stop at
#: loading the project): after it, collection must be on again (handouts.startup).
COMMAND_RUNS = {
    "list": ["list"], "build": ["build", "x"], "batch": ["batch"], "check": ["check"],
    "merge": ["merge", "c.csv"], "program": ["program", "--client", "A", "x"],
    "translate": ["translate", "x", "es"], "init": ["init", "new", "--no-ask"],
    "add": ["add", "--list"], "doctor": ["doctor"], "serve": ["serve", "--cert", "c.csv"],
}


def test_every_command_is_run_below() -> None:
    from handouts.cli import cli

    assert sorted(COMMAND_RUNS) == sorted(cli.commands)


@pytest.mark.parametrize("command", sorted(COMMAND_RUNS))
def test_every_command_collects_garbage_again_once_started(command: str,
                                                           tmp_path: Path) -> None:
    # The console entry point pauses collection while a command imports; a command
    # that never turned it back on would run (a server: for days) without it.
    (tmp_path / "c.csv").write_text("", encoding="utf-8")
    probe = ("import atexit, gc, sys\n"
             "atexit.register(lambda: print('collecting', gc.isenabled(),"
             " gc.get_freeze_count() > 0, file=sys.stderr))\n"
             "sys.argv = ['handouts', *sys.argv[1:]]\n"
             "from handouts.cli import main\nmain()\n")
    done = subprocess.run([sys.executable, "-c", probe, *COMMAND_RUNS[command]],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == "collecting True True"


def test_importing_the_engine_freezes_it_and_keeps_the_callers_setting() -> None:
    probe = ("import gc\n{setup}\nimport handouts.render.engine.pdf\n"
             "print(gc.isenabled(), gc.get_freeze_count() > 1000)\n")
    for setup, enabled in (("", "True"), ("gc.disable()", "False")):
        done = subprocess.run([sys.executable, "-c", probe.format(setup=setup)],
                              capture_output=True, text=True, cwd=ROOT, timeout=60, check=True)
        assert done.stdout.split() == [enabled, "True"]
