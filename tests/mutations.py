"""Mutation spot-check: would the test suite notice these deliberate breakages?

Run from the repository root::

    .venv/bin/python tests/mutations.py            # every breakage
    .venv/bin/python tests/mutations.py md-html    # only the named ones
    .venv/bin/python tests/mutations.py --list

Each breakage replaces one exact snippet of one source file. It is applied to a
temporary *copy* of the repository (the working tree is never edited), with
``PYTHONPATH`` pointing at the copy's ``src`` so the copy's code is what the tests
import (the editable install points at the working tree). The test files most likely
to catch it run first (``pytest -x``); only if they all pass does the whole suite run.
A breakage is *caught* when some test fails, *missed* when the whole suite passes.

Not collected by pytest (the name has no ``test_`` prefix): it runs the suite itself,
many times, and takes a while (minutes per missed breakage).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PKG = "src/handouts/"


@dataclass(frozen=True)
class Breakage:
    """One deliberate bug: in ``path`` replace ``old`` (exactly once) by ``new``."""

    name: str
    path: str
    old: str
    new: str
    #: Test files (or node ids) most likely to catch it, run first.
    first: tuple[str, ...]
    what: str


BREAKAGES: list[Breakage] = [
    Breakage("md-html", PKG + "project/markdown.py",
             'md = MarkdownIt("zero", {"html": False, "typographer": True})\n'
             '    md.enable(["emphasis",',
             'md = MarkdownIt("zero", {"html": True, "typographer": True})\n'
             '    md.enable(["html_inline", "emphasis",',
             ("tests/test_safety_guards.py", "tests/test_hostile_content.py"),
             "the Markdown renderer passes raw HTML through"),
    Breakage("md-any-scheme-renderer", PKG + "project/markdown.py",
             "md.validateLink = _is_safe_link  # type: ignore[method-assign]",
             "md.validateLink = lambda url: True  # type: ignore[method-assign]",
             ("tests/test_safety_guards.py", "tests/test_hostile_content.py"),
             "the renderer links any scheme (javascript:)"),
    Breakage("md-any-scheme-check", PKG + "project/markdown.py",
             "return url.strip().lower().startswith(SAFE_SCHEMES)",
             "return True",
             ("tests/test_safety_guards.py", "tests/test_hostile_content.py"),
             "every link scheme counts as safe (renderer and validation)"),
    Breakage("md-raw-html-check", PKG + "project/markdown.py",
             'for child in token.children or [] if child.type == "html_inline"]',
             "for child in token.children or [] if False]",
             ("tests/test_hostile_content.py", "tests/test_text_gate.py"),
             "raw HTML in a text field is not reported"),
    Breakage("plain-text-gate-off", PKG + "project/schema.py",
             "PlainText = Annotated[Text, _gate(markdown_text=False)]",
             "PlainText = Text",
             ("tests/test_text_gate.py", "tests/test_hostile_content.py"),
             "plain text fields (titles, the clinic's words...) accept raw HTML"),
    Breakage("theme-words-unescaped", PKG + "render/theme.py",
             "lambda message: escape(words.gettext(message)),",
             "lambda message: words.gettext(message),",
             ("tests/test_text_gate.py",),
             "the theme's words reach the page as HTML (Jinja marks translations safe)"),
    Breakage("theme-word-gate-off", PKG + "variants/i18n.py",
             "for found in markdown.text_problems(message.string,",
             'for found in markdown.text_problems("",',
             ("tests/test_text_gate.py",),
             "raw HTML in the theme's words (locale/*.po) is not reported"),
    Breakage("md-filter-raw", PKG + "render/theme.py",
             'env.filters["md"] = markdown.render_inline',
             'env.filters["md"] = lambda text: text',
             ("tests/test_safety_guards.py", "tests/test_pipeline.py"),
             "the md filter returns the raw text"),
    Breakage("autoescape-off", PKG + "render/theme.py",
             "autoescape=True,", "autoescape=False,",
             ("tests/test_hostile_content.py", "tests/test_safety_guards.py"),
             "Jinja autoescaping off"),
    Breakage("strict-undefined-off", PKG + "render/theme.py",
             "undefined=jinja2.StrictUndefined,", "undefined=jinja2.Undefined,",
             ("tests/test_safety_guards.py", "tests/test_validation.py"),
             "an undefined template name prints nothing instead of failing"),
    Breakage("write-in-place", PKG + "output.py",
             "    tmp = _temporary(path, data)\n"
             "    try:\n"
             "        os.replace(tmp, path)\n",
             '    tmp = ""\n'
             "    try:\n"
             "        path.write_bytes(data)\n",
             ("tests/test_safety_guards.py", "tests/test_faults.py"),
             "write_atomic writes in place (not atomic)"),
    Breakage("hash-ignores-images", PKG + "commands/inputs.py",
             "        pictures = [document.path.parent / s.image for s in "
             "document.handout.steps if s.image]\n",
             "        pictures = []\n",
             ("tests/test_safety_guards.py", "tests/test_batch.py"),
             "the batch input hash ignores step images"),
    Breakage("hash-ignores-logo", PKG + "commands/inputs.py",
             "            pictures.append(logo_file)",
             "            pass",
             ("tests/test_safety_guards.py", "tests/test_batch.py"),
             "the batch input hash ignores the logo"),
    Breakage("large-print-italics", PKG + "theme/handout.css",
             ".large-print * { font-style: normal !important; }\n", "",
             ("tests/test_safety_guards.py", "tests/test_batch.py"),
             "large print keeps italics"),
    Breakage("no-render-time-limit", PKG + "render/runner.py",
             "    result = run_limited(defaults.render_timeout, lambda: engine().write(",
             "    result = run_limited(0, lambda: engine().write(",
             ("tests/test_safety_guards.py", "tests/test_pdf.py"),
             "the render time limit is not applied"),
    Breakage("fingerprint-ignores-name", PKG + "variants/clients.py",
             'text = "\\x1f".join((self.name, self.note',
             'text = "\\x1f".join(("", self.note',
             ("tests/test_safety_guards.py", "tests/test_merge.py"),
             "the client file-name hash ignores the name"),
    Breakage("filename-without-hash", PKG + "variants/naming.py",
             'f"{variant.handout}-{digest}"',
             'f"{variant.handout}"',
             ("tests/test_safety_guards.py", "tests/test_merge.py"),
             "two clients' default file names are the same"),
    Breakage("name-in-filename", PKG + "variants/naming.py",
             'f"{variant.handout}-{digest}"',
             'f"{variant.handout}-{_slug(client.name)}-{digest}"',
             ("tests/test_merge.py", "tests/test_safety_guards.py"),
             "the client's name goes into the default file name"),
    Breakage("name-in-log", PKG + "commands/merge.py",
             "        target = out_dir / client_filename(row.variant, row.client, name_pattern, "
             "row.line,\n                                           key=key)\n",
             "        target = out_dir / client_filename(row.variant, row.client, name_pattern, "
             "row.line,\n                                           key=key)\n"
             '        __import__("logging").getLogger("handouts").info("for %s", '
             "row.client.name)\n",
             ("tests/test_merge.py",),
             "the client's name goes into the log"),
    Breakage("pattern-slash-allowed", PKG + "variants/naming.py",
             'if unknown or "/" in pattern or "\\\\" in pattern or pattern.startswith("."):',
             "if unknown:",
             ("tests/test_merge.py", "tests/test_commands.py", "tests/test_safety_guards.py"),
             "a --name-pattern may contain slashes or start with a dot"),
    Breakage("slug-keeps-anything", PKG + "variants/naming.py",
             'kept = "".join(c if c.isalnum() else "-" for c in composed(text).lower())',
             'kept = composed(text).lower()',
             ("tests/test_merge.py", "tests/test_safety_guards.py"),
             "a client name in a pattern can hold path separators"),
    # Found by the deliberate-breakage audit of issue 25 (missed by the whole suite then).
    Breakage("large-print-floor-16pt", PKG + "render/limits.py",
             "MIN_SIZE = {False: 11.0, True: 18.0}",
             "MIN_SIZE = {False: 11.0, True: 16.0}",
             ("tests/test_success.py::test_large_print_never_shrinks_below_18pt_to_fit",
              "tests/test_success.py"),
             "fit: shrink may take large-print body text down to 16 pt"),
    Breakage("ambiguous-date-as-month-day", PKG + "variants/dates.py",
             "        return None  # both could be a month and the locale writes years first",
             "        month, day = first, second",
             ("tests/test_owner.py::"
              "test_an_ambiguous_date_is_refused_where_the_clinic_writes_years_first",
              "tests/test_owner.py", "tests/test_client_csv.py"),
             "an ambiguous client-CSV date is silently read as month/day"),
    Breakage("dask-failed-as-rendered", PKG + "commands/dask_executor.py",
             'return [(VariantResult(v, "failed", problems=[self._problem(',
             'return [(VariantResult(v, "rendered", problems=[self._problem(',
             ("tests/test_dask.py::"
              "test_a_variant_that_fails_on_a_worker_is_reported_failed_not_rendered",
              "tests/test_dask.py"),
             "the Dask executor reports a variant that failed on a worker as rendered"),
    Breakage("merge-stops-at-bad-row", PKG + "commands/merge.py",
             "        if output is None or errors_only(found):\n            continue",
             "        if output is None or errors_only(found):\n            break",
             ("tests/test_merge.py::test_merge_goes_on_after_rows_that_cannot_be_built",
              "tests/test_merge.py"),
             "merge stops at the first row that cannot be built"),
    Breakage("safety-check-off", PKG + "checks/content.py",
             "        if not getattr(handout.precautions, group):",
             "        if False:",
             ("tests/test_checks.py::test_every_version_must_say_when_to_stop_and_when_to_call",
              "tests/test_checks.py"),
             "check no longer requires every version to say when to stop and to call"),
    Breakage("large-print-over-limit-accepted", PKG + "render/limits.py",
             "    if output.pages <= limit:\n        return []",
             "    if output.pages <= limit or page.large_print:\n        return []",
             ("tests/test_success.py::"
              "test_a_large_print_version_over_its_page_limit_is_an_error",
              "tests/test_success.py"),
             "a large-print version over its page limit is accepted"),
    Breakage("no-stop-list-on-named-copies", PKG + "theme/handout.html.j2",
             '{% if h.precautions.stop %}\n<aside class="stop-first"',
             '{% if h.precautions.stop and not page.client %}\n<aside class="stop-first"',
             ("tests/test_merge.py::test_named_copies_show_the_stop_list_on_page_one",
              "tests/test_merge.py", "tests/test_layout_fit.py"),
             'the "Stop right away if" callout is left off named copies'),
    Breakage("fetch-outside-roots", PKG + "render/engine/fetcher.py",
             "if not any(real.is_relative_to(root) for root in self.roots):",
             "if False:",
             ("tests/test_pdf.py",),
             "the fetcher reads files outside the project"),
    Breakage("fetch-any-host", PKG + "render/engine/fetcher.py",
             'if (parts.hostname or "").lower() not in self.allowed_hosts:',
             "if False:",
             ("tests/test_pdf.py",),
             "the fetcher reaches any host"),
    Breakage("fetch-any-scheme", PKG + "render/engine/fetcher.py",
             'if scheme != "file":\n            raise _Refusal(',
             'if False:\n            raise _Refusal(',
             ("tests/test_pdf.py", "tests/test_safety_guards.py"),
             "the fetcher treats any scheme as a file"),
    Breakage("fetch-no-size-limit", PKG + "render/engine/fetcher.py",
             "if real.stat().st_size > MAX_RESOURCE_BYTES and real not in _script_font_files():",
             "if False:",
             ("tests/test_pdf.py", "tests/test_safety_guards.py"),
             "the fetcher reads files of any size"),
    Breakage("fetch-no-pixel-limit", PKG + "project/images.py",
             "if pixels > MAX_IMAGE_PIXELS:",
             "if False:",
             ("tests/test_pdf.py",),
             "decompression bombs are loaded"),
    Breakage("csrf-not-on-preview", PKG + "web/security.py",
             '        if request.method == "POST":\n',
             '        if request.method == "POST" and '
             'request.endpoint != "library.preview_copy":\n',
             ("tests/web/test_routes.py",),
             "the CSRF check skipped on the preview POST"),
    Breakage("token-not-on-events", PKG + "web/security.py",
             "        if token is not None:\n",
             '        if token is not None and request.endpoint != "preview.events":\n',
             ("tests/web/test_routes.py",),
             "the network access token not required on the live-preview event stream"),
    Breakage("fit-hint-ignores-shortening", PKG + "render/fitting.py",
             "content_height(t.measure) < hint.content - CONTENT_SLACK:",
             "False:",
             ("tests/test_fitting.py",),
             "a split or balanced decision is kept after an edit that shortened the handout"),
    Breakage("program-words-as-sent", PKG + "commands/packet.py",
             "            if given is not None and written is not None\n"
             "            and _same_words(given, written)))",
             "            if False))",
             ("tests/web/test_program_desk.py", "tests/test_program.py"),
             "a clinic program's note and dose text, sent back unchanged, print untranslated"),
]

IGNORE = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".pytest_cache",
                                ".hypothesis", "output", "*.egg-info", ".mutmut-cache",
                                "mutants")


#: Tests that already fail without any breakage (found by :func:`baseline`): deselected,
#: so a flaky or broken test is never counted as catching a breakage. In a copy,
#: tests/test_package.py's wheel test is one: PYTHONPATH makes its fresh venv import the
#: copy's source instead of the installed wheel.
KNOWN_FAILING: list[str] = []


def _copy(tmp: str) -> Path:
    copy = Path(tmp) / "repo"
    shutil.copytree(REPO, copy, ignore=IGNORE, symlinks=True)
    return copy


def _pytest(copy: Path, targets: list[str], timeout: float,
            stop: bool = True) -> tuple[bool, str]:
    """Run pytest in ``copy``; (passed, name of the first failing test or a note)."""
    env = dict(os.environ, PYTHONPATH=str(copy / "src"), PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           *(["-x"] if stop else []), *targets,
           *(f"--deselect={node}" for node in KNOWN_FAILING)]
    try:
        run = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, "(timed out: counts as caught)"
    if run.returncode == 0:
        return True, ""
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", run.stdout, re.MULTILINE)
    return False, " ".join(failed) if failed else f"(pytest exit {run.returncode})"


def baseline(timeout: float) -> list[str]:
    """The tests that fail on an unbroken copy (they cannot count as catching anything)."""
    with tempfile.TemporaryDirectory(prefix="handouts-mut-") as tmp:
        passed, failed = _pytest(_copy(tmp), [], timeout * 3, stop=False)
    return [] if passed else failed.split()


# Not included: the fetcher's "not a regular file" refusal. Without it, a test that
# points an image at /dev/urandom reads forever and eats the machine's memory.


def check(breakage: Breakage, timeout: float,
          quick: bool = False) -> tuple[str, str, float]:
    """Apply ``breakage`` to a fresh copy and run the tests; (verdict, by, seconds)."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="handouts-mut-") as tmp:
        copy = _copy(tmp)
        target = copy / breakage.path
        text = target.read_text(encoding="utf-8")
        if text.count(breakage.old) != 1:
            return "STALE", f"snippet found {text.count(breakage.old)} times", 0.0
        target.write_text(text.replace(breakage.old, breakage.new), encoding="utf-8")
        first = [t for t in breakage.first if (copy / t.split("::")[0]).exists()]
        if first:
            passed, by = _pytest(copy, first, timeout)
            if not passed:
                return "caught", by, time.monotonic() - start
        if quick:
            return "missed", "(first-choice files only)", time.monotonic() - start
        passed, by = _pytest(copy, [], timeout * 3)
        return ("missed" if passed else "caught"), by, time.monotonic() - start


def main() -> int:
    """Run the selected breakages and print the table; exit 1 if any was missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="breakages to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the breakages and stop")
    parser.add_argument("--quick", action="store_true",
                        help="run only each breakage's first-choice tests, never the whole "
                             "suite ('missed' then means: missed by those files)")
    parser.add_argument("--known-failing", action="append", metavar="NODE",
                        help="a test known to fail without any breakage: deselected, and "
                             "the baseline run is skipped (repeat for more)")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds for the first-choice tests (whole suite: 3x)")
    args = parser.parse_args()
    chosen = [b for b in BREAKAGES if not args.names or b.name in args.names]
    if args.list:
        for b in BREAKAGES:
            print(f"{b.name:<26} {b.path:<32} {b.what}")
        return 0
    unknown = set(args.names) - {b.name for b in BREAKAGES}
    if unknown:
        parser.error(f"unknown breakage(s): {', '.join(sorted(unknown))}")
    KNOWN_FAILING[:] = args.known_failing or baseline(args.timeout)
    print(f"failing without any breakage (deselected): {KNOWN_FAILING or 'none'}", flush=True)
    rows = []
    for breakage in chosen:
        verdict, by, seconds = check(breakage, args.timeout, args.quick)
        rows.append((breakage.name, verdict, by, seconds))
        print(f"{breakage.name:<26} {verdict:<7} {seconds:6.0f}s  {by}", flush=True)
    print()
    print("| breakage | file | result | caught by |")
    print("|---|---|---|---|")
    for (name, verdict, by, _), b in zip(rows, chosen, strict=True):
        print(f"| {name} ({b.what}) | {b.path.removeprefix('src/handouts/')} | {verdict} | "
              f"{by} |")
    missed = sum(1 for _, v, _, _ in rows if v != "caught")
    print(f"\n{len(rows) - missed} of {len(rows)} caught")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
