"""Hostile and broken content: every input ends in a PDF or in located problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from handouts.commands.build import build
from handouts.commands.init import SKELETON_DIR
from handouts.errors import HandoutsError
from handouts.project.load import load_project

from .fuzz import fuzz
from .helpers import build_problems, edit, pdf_pages, run_in

CONTENT = "content/hand-self-massage.yaml"
#: Examples per property test (seeded in CI; see tests/fuzz.py for a long run).
FUZZ = fuzz(60)


def _set(project: Path, key: str, value: str) -> None:
    """Set one top-level field; the file keeps its key order (title first, intro second)."""
    path = project / CONTENT
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[key] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_script_in_a_plain_field_is_refused_at_its_line(project: Path) -> None:
    # Printed escaped it would be harmless, but the client would read the tags: raw
    # HTML is refused in every text, like in the Markdown ones (tests/test_text_gate.py).
    _set(project, "title", "<script>alert(1)</script> Hands")
    assert build_problems(project) == [
        f"{CONTENT}:1: title: raw HTML '<script>' is not allowed; write plain text (this "
        "text has no formatting)"]


def test_markdown_in_a_plain_field_is_printed_literally(project: Path) -> None:
    _set(project, "title", "**Hands** & [feet](https://x.example) < 5")
    first_page = pdf_pages(build(load_project(project)).built[0].path, by_position=True)[0]
    assert "**Hands** & [feet](https://x.example) < 5" in first_page


def test_unknown_content_language_is_blamed_on_the_content_file(project: Path) -> None:
    # Found by the property test below: it used to be blamed on handouts.yaml.
    _set(project, "language", "xx")
    assert build_problems(project) == [
        # No language code at all: said so (it was "add them in locale/xx.po", advice
        # whose command then refused 'xx' as no language code).
        f"{CONTENT}:9: language: 'xx' is not a language code handouts knows (e.g. es, fr, "
        "pt-BR, zh-Hant)"]
    _set(project, "language", "de")  # a language the theme has no words for yet
    assert build_problems(project) == [
        f"{CONTENT}:9: language: the theme has no German words yet (available: ar, en, es, "
        "fil, fr, ht, ko, pt, ru, vi, zh, zh-Hant); add them in locale/de.po: 'handouts "
        "translate --theme de'"]


def test_raw_html_and_unsafe_links_in_markdown_are_errors(project: Path) -> None:
    _set(project, "intro", "Hello <script>alert(1)</script> [x](javascript:alert(1))")
    assert build_problems(project) == [
        f"{CONTENT}:2: intro: raw HTML '<script>' is not allowed; use Markdown (**bold**, "
        "*italic*, [text](https://...))",
        # Said in the same run (it was said only once the HTML was removed).
        f"{CONTENT}:2: intro: link 'javascript:alert(1)' is not allowed; links must start "
        "with https://, http://, mailto: or tel:"]


def test_every_mistake_of_one_text_is_said_at_once(project: Path) -> None:
    """A step's text with raw HTML and an unsafe link: both in one run, at its line."""
    edit(project / CONTENT, "    text: Do the same steps on your other hand.",
         "    text: Press <b>hard</b> & see [here](javascript:alert(1))")
    assert build_problems(project) == [
        f"{CONTENT}:21: steps[4].text: raw HTML '<b>' is not allowed; use Markdown "
        "(**bold**, *italic*, [text](https://...))",
        f"{CONTENT}:21: steps[4].text: link 'javascript:alert(1)' is not allowed; links "
        "must start with https://, http://, mailto: or tel:"]


def test_deep_nesting_is_refused(project: Path) -> None:
    (project / CONTENT).write_text("title: " + "[" * 1000 + "]" * 1000 + "\n", encoding="utf-8")
    [problem] = build_problems(project)
    assert problem == f"{CONTENT}:1: is nested too deeply (more than 50 levels)"


def test_huge_content_file_is_refused(project: Path) -> None:
    (project / CONTENT).write_text("# x\n" * 300_000, encoding="utf-8")
    assert build_problems(project) == [
        f"{CONTENT}: is too large (1,200,000 bytes; the limit is 1,000,000)"]


def test_not_utf8_empty_and_bom(project: Path) -> None:
    path = project / CONTENT
    original = path.read_bytes()
    path.write_bytes(original.replace(b"Warm up", b"Warm \xe9 up"))
    assert build_problems(project) == [
        f"{CONTENT}:13: is not UTF-8 text; save it as UTF-8 in your editor"]
    path.write_bytes(b"")
    assert build_problems(project) == [f"{CONTENT}:1: is empty"]
    path.write_bytes(b"\xef\xbb\xbf" + original)
    assert build(load_project(project)).built[0].pages >= 1


def test_image_symlink_out_of_the_project_is_refused(project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    shutil.copyfile(SKELETON_DIR.parent / "theme/fonts/OFL.txt", secret)
    (project / "content/images").mkdir()
    (project / "content/images/evil.png").symlink_to(secret)
    edit(project / CONTENT, "  - title: Warm up\n",
         "  - title: Warm up\n    image: images/evil.png\n    alt: x\n")
    assert build_problems(project) == [
        f"{CONTENT}:14: steps[1].image: image 'images/evil.png' is outside the project folder"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "..", "a/../../b"])
def test_handout_names_cannot_traverse(project: Path, name: str) -> None:
    result = run_in(project, "build", name)
    assert result.exit_code == 1
    assert f"content/{name}.yaml: no such handout (available: hand-self-massage)" \
        in result.stderr
    assert not (project / "output").exists()


# ------------------------------------------------------------------ property-based

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=30),
                     st.dates())
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(["text", "title", "tip", "image", "alt", "audiences",
                                     "tilte", "x"]), inner, max_size=3)), max_leaves=8)
_keys = st.sampled_from(["title", "intro", "summary", "keywords", "language", "you_need",
                         "steps", "precautions", "benefits", "sources", "review", "titel"])


@FUZZ
@given(changes=st.dictionaries(_keys, _values, max_size=3))
def test_any_content_gives_a_pdf_or_located_problems(project: Path, changes: dict) -> None:
    path = project / CONTENT
    data = yaml.safe_load((SKELETON_DIR / "content/hand-self-massage.yaml").read_text("utf-8"))
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        result = build(load_project(project))
    except HandoutsError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.path == CONTENT
            assert problem.line is not None and problem.line >= 1
            assert problem.message
    else:
        assert result.built[0].path.read_bytes().startswith(b"%PDF-")


@FUZZ
@given(text=st.text(max_size=200))
def test_any_text_as_a_content_file_never_crashes(project: Path, text: str) -> None:
    (project / CONTENT).write_text(text, encoding="utf-8")
    shutil.rmtree(project / "output", ignore_errors=True)
    try:
        result = build(load_project(project))
    except HandoutsError as exc:
        assert exc.problems
        assert all(p.path == CONTENT for p in exc.problems)
        assert not (project / "output").exists()
    else:  # a text that happens to be a valid handout: then it is printed
        [built] = result.built
        assert built.path.read_bytes().startswith(b"%PDF-") and built.pages >= 1


_config_keys = st.sampled_from(["name", "tagline", "address", "phone", "phone_region", "email",
                                "website", "booking_url", "logo", "logo_alt", "colors",
                                "disclaimer", "nmae"])


@FUZZ
@given(changes=st.dictionaries(_config_keys, _values, max_size=3),
       defaults=st.dictionaries(st.sampled_from(["paper", "output", "language", "theme",
                                                 "render_timeout", "papr"]), _scalars,
                                max_size=2))
def test_any_config_gives_a_pdf_or_located_problems(project: Path, changes: dict,
                                                    defaults: dict) -> None:
    config = project / "handouts.yaml"
    data = yaml.safe_load((SKELETON_DIR / "handouts.yaml").read_text("utf-8"))
    data["clinic"].update(changes)
    data["defaults"].update(defaults)
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    shutil.rmtree(project / "output", ignore_errors=True)
    try:
        result = build(load_project(project))
    except HandoutsError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.path in ("handouts.yaml", CONTENT), problem
            assert problem.line is not None or problem.field == "render", problem
    else:
        [built] = result.built  # the starter project's one handout
        assert built.path.read_bytes().startswith(b"%PDF-") and built.pages >= 1
