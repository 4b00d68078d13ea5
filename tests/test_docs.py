"""The documentation's facts are tested: the site builds strictly and offline, every
setting and command-line option is in the Reference, the Quick start's examples run,
the README stays short and every relative link resolves."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import types
import typing
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import click
import pytest
from click.testing import CliRunner
from pydantic import BaseModel

import handouts
from handouts.cli import cli
from handouts.project.config import Config
from handouts.project.content import Handout

from .helpers import copy_example, pdf_page_count, run_in

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
MKDOCS = Path(sys.executable).parent / "mkdocs"
QUICK_START = DOCS / "start" / "quick-start.md"
#: The home folder the Quick start's examples show.
SHOWN_HOME = "/home/you"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once for this module with ``mkdocs build --strict``."""
    out = tmp_path_factory.mktemp("site")
    # PYTHONPATH: mkdocs-click imports handouts.cli from this checkout.
    env = {**os.environ, "PYTHONPATH": str(Path(handouts.__file__).parents[1]),
           "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([str(MKDOCS), "build", "--strict", "-d", str(out)], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return out


class _Assets(HTMLParser):
    """The addresses a page loads by itself: ``<link href>`` and ``<script src>``."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"link": "href", "script": "src"}.get(tag)
        self.urls += [v for k, v in attrs if k == wanted and v]


def external_assets(html: str) -> list[str]:
    """The ``<link>``/``<script>`` addresses of ``html`` that point at another host."""
    parser = _Assets()
    parser.feed(html)
    return [u for u in parser.urls if urlsplit(u).scheme in ("http", "https", "")
            and urlsplit(u).netloc]


def test_site_builds_strictly_and_loads_nothing_from_the_internet(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 20
    for page in pages:
        assert external_assets(page.read_text(encoding="utf-8")) == [], page.relative_to(site)


def test_external_assets_finds_a_font_from_google() -> None:
    """The offline test above can fail: a Google Fonts link is found."""
    html = ('<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
            '<script src="//cdn.example.com/x.js"></script><link href="assets/a.css">')
    assert external_assets(html) == ["https://fonts.googleapis.com/css?family=Roboto",
                                     "//cdn.example.com/x.js"]


# --- Settings -----------------------------------------------------------------------

def _models_in(annotation: object) -> Iterator[tuple[str, type[BaseModel]]]:
    """``(how to reach it, model)`` for each model inside a type: ``""`` as it is,
    ``"[]"`` an entry of a list, ``".*"`` a value of a mapping."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield "", annotation
    elif origin is typing.Annotated:
        yield from _models_in(args[0])
    elif origin is list:
        yield from (("[]" + how, model) for how, model in _models_in(args[0]))
    elif origin is dict:
        yield from ((".*" + how, model) for how, model in _models_in(args[1]))
    elif origin in (typing.Union, types.UnionType):
        for arg in args:
            yield from _models_in(arg)


def setting_keys(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Every key a file read by ``model`` may have, nested models included, as
    ``clinic.locations.*.phone`` (``*``: a name or language the user chooses)."""
    for name, field in model.model_fields.items():
        path = prefix + (field.alias or name)
        yield path
        for how, inner in _models_in(field.annotation):
            yield from setting_keys(inner, f"{path}{how}.")


def documented(key: str, page: str) -> bool:
    """Whether ``key`` is in ``page`` as code, a ``*`` written as a placeholder (``NAME``)."""
    pattern = "`" + re.escape(key).replace(r"\*", "[A-Z]+") + "`"
    return re.search(pattern, page) is not None


def test_every_setting_is_in_the_settings_reference() -> None:
    page = (DOCS / "reference" / "settings.md").read_text(encoding="utf-8")
    keys = [*setting_keys(Config), *setting_keys(Handout)]
    assert {"clinic.locations.*.phone", "batch.exclude[].print", "steps[].alt",
            "precautions.call[].except", "fonts[].weight"} <= set(keys)  # the walk goes deep
    assert [key for key in keys if not documented(key, page)] == []


def test_a_setting_missing_from_the_page_is_found() -> None:
    assert documented("clinic.translations.*.hours", "| `clinic.translations.LANG.hours` |")
    assert not documented("clinic.translations.*.hours", "| `clinic.translations.hours` |")
    assert not documented("steps[].tip", "`steps[].title`")


# --- Commands -------------------------------------------------------------------------

def cli_words(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """``(command path, word)``: every command name and every option's spelling
    (``--paper``, ``-C``) and argument (``HANDOUT``), subcommands included."""
    if path:
        yield " ".join(path), path[-1]
    for param in command.params:
        if isinstance(param, click.Option):
            yield from ((" ".join(path), opt) for opt in [*param.opts, *param.secondary_opts])
        else:
            yield " ".join(path), param.make_metavar(click.Context(command)).split(".")[0]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from cli_words(sub, (*path, name))


def test_every_command_and_option_is_in_the_commands_reference(site: Path) -> None:
    html = (site / "reference" / "commands.html").read_text(encoding="utf-8")
    words = list(cli_words(cli))
    assert ("serve", "--new-token") in words and ("batch", "--executor") in words
    assert ("check", "--quick") in words and ("translate", "--accept") in words
    missing = [(where, word) for where, word in words if word not in html]
    assert missing == []
    # mkdocs-click made the page: one section per command, with its usage line.
    for name in cli.commands:
        assert f"handouts {name} [OPTIONS]" in html, name
    assert "Sentinel.UNSET" not in html  # mkdocs-click's table style with Click >= 8.3


# --- Quick start ----------------------------------------------------------------------

FENCE = re.compile(r"^ *```(\w*)([^\n]*)\n(.*?)^ *```", re.MULTILINE | re.DOTALL)


def quick_start_steps(text: str) -> Iterator[tuple[str, str, list[str]]]:
    """In page order: ``("file", NAME, lines)`` for a fenced block with ``title="NAME"``,
    ``("$", COMMAND, expected output lines)`` for each line of a ``console`` block."""
    for kind, info, body in FENCE.findall(text):
        title = re.search(r'title="([^"]+)"', info)
        if title:
            yield "file", title[1], body.splitlines()
        elif kind == "console":
            command: str | None = None
            shown: list[str] = []
            for line in body.splitlines():
                if line.startswith("$ "):
                    if command is not None:
                        yield "$", command, shown
                    command, shown = line[2:], []
                else:
                    shown.append(line)
            if command is not None:
                yield "$", command, shown


def test_the_quick_start_examples_run(tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    steps = list(quick_start_steps(QUICK_START.read_text(encoding="utf-8")))
    commands = [what for kind, what, _ in steps if kind == "$"]
    assert len(commands) >= 8 and commands[0].startswith("handouts init ")
    here = tmp_path
    for kind, what, lines in steps:
        if kind == "file":
            (here / what).write_text("\n".join(lines) + "\n", encoding="utf-8")
            continue
        words = shlex.split(what, comments=True)
        if words[0] == "cd":
            here = here / words[1]
            continue
        assert words[0] == "handouts", what
        monkeypatch.chdir(here)
        result = CliRunner().invoke(cli, words[1:], prog_name="handouts")
        assert result.exit_code == 0, f"$ {what}\n{result.output}"
        printed = [_unkeyed(line) for line in result.output.splitlines()]
        for line in lines:
            assert _unkeyed(line.replace(SHOWN_HOME, str(tmp_path))) in printed, \
                f"$ {what}: the page shows {line!r}; the command printed:\n{result.output}"


def _unkeyed(line: str) -> str:
    """``line`` with a named copy's file-name hash masked: it is keyed with each
    project's own secret, so the page's example hash is one of many."""
    return re.sub(r"-[0-9a-f]{12}\.pdf\b", "-<hash>.pdf", line)


def test_quick_start_steps_read_commands_outputs_and_files() -> None:
    page = ('```console\n$ handouts build\nwrote x\n$ cd y\n```\n\n```csv title="c.csv"\n'
            'a,b\n```\n\n```text\n$ handouts serve\n```\n')
    assert list(quick_start_steps(page)) == [
        ("$", "handouts build", ["wrote x"]), ("$", "cd y", []), ("file", "c.csv", ["a,b"])]


PROGRAMS_GUIDE = DOCS / "guides" / "programs.md"


def test_the_programs_guides_client_csv_runs_as_the_page_says(tmp_path: Path) -> None:
    """The client CSV of "Many clients: a client CSV" is merged in the example project:
    three PDFs (two programs and a copy), listed as the page shows them."""
    section = PROGRAMS_GUIDE.read_text(encoding="utf-8").split(
        "## Many clients: a client CSV", 1)[1].split("\n## ", 1)[0]
    table = section.split("```text\n", 1)[1].split("```", 1)[0]
    shown = re.search(r"listed as\s+`(rows 2–3: program \(\d+ handouts, \d+ pages\)) → ",
                      section)
    assert table.startswith("client,") and shown, "the page's example moved"
    root = copy_example(tmp_path / "clinic")
    shutil.copytree(REPO / "programs", root / "programs")
    (root / "clients.csv").write_text(table, encoding="utf-8")
    result = run_in(root, "merge", str(root / "clients.csv"))
    assert result.exit_code == 0, result.output
    assert shown.group(1) + " → " in result.output
    made = sorted(p.name for p in (root / "output" / "clients").glob("*.pdf"))
    assert len(made) == 3, made
    programs = [p for p in made if p.startswith("program-row")]
    assert [p[:13] for p in programs] == ["program-row2-", "program-row4-"], made
    pages = int(re.search(r"(\d+) pages", shown.group(1)).group(1))
    assert pdf_page_count(root / "output" / "clients" / programs[0]) == pages


# --- README and links -----------------------------------------------------------------

def test_the_readme_is_short() -> None:
    assert len((REPO / "README.md").read_text(encoding="utf-8").splitlines()) <= 150


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)[^)]*\)|<img [^>]*src=\"([^\"]+)\"")


def broken_links(page: Path) -> list[str]:
    """The relative links and pictures of a Markdown page whose file does not exist."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))  # code is not linked
    broken = []
    for match in LINK.finditer(text):
        target = match[1] or match[2]
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or not parts.path:  # a web address, or "#anchor"
            continue
        if not (page.parent / unquote(parts.path)).exists():
            broken.append(target)
    return broken


def test_every_relative_link_resolves() -> None:
    pages = [REPO / "README.md", *sorted(DOCS.rglob("*.md"))]
    assert len(pages) > 20
    assert {str(p.relative_to(REPO)): broken_links(p) for p in pages if broken_links(p)} == {}


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "there.md").write_text("x")
    page = tmp_path / "page.md"
    page.write_text("[ok](there.md#part) [web](https://example.com) [gone](gone.md)\n"
                    "![pic](missing.png)\n```\n[in code](nowhere.md)\n```\n")
    assert broken_links(page) == ["gone.md", "missing.png"]


# --- Exit codes -----------------------------------------------------------------------

def test_exit_codes_are_as_documented(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Exit codes page: 2 for a bad option, 1 for a problem in the project's files."""
    page = (DOCS / "reference" / "exit-codes.md").read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    bad_option = CliRunner().invoke(cli, ["build", "--paper", "b5"], prog_name="handouts")
    assert bad_option.exit_code == 2
    assert "Error: Invalid value for '--paper': 'b5' is not one of 'letter', 'a4'." in page
    assert "Error: Invalid value for '--paper': 'b5' is not one of 'letter', 'a4'." \
        in bad_option.output
    no_project = CliRunner().invoke(cli, ["build"], prog_name="handouts")
    assert no_project.exit_code == 1
    assert "| `2` | a bad option or argument on the command line |" in page
