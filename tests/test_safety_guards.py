"""The safety and privacy guards, each tested where it stands, so removing one fails a test.

Found missing by ``tests/mutations.py``: these guards were each backed up by another
layer (validation before rendering, say), so the suite passed with the guard gone.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from handouts.commands.build import build
from handouts.commands.inputs import input_hash
from handouts.errors import HandoutsError, RenderError
from handouts.output import write_atomic
from handouts.project.load import load_project
from handouts.project.markdown import problems_in, render_inline
from handouts.render.theme import THEME_DIR
from handouts.variants.clients import Client
from handouts.variants.naming import client_filename
from handouts.variants.plan import Variant

from .helpers import edit, pdf_text, pdf_words, render_body

#: A project's file-name key (see handouts.project.namekey).
KEY = bytes(range(32))

CONTENT = "content/hand-self-massage.yaml"


# ---------------------------------------------------------------- Markdown


def test_renderer_escapes_raw_html_itself() -> None:
    # Validation refuses raw HTML first; the renderer must not depend on that.
    assert render_inline("<b>x</b> & <script>") == "&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)",
                                 "file:///etc/passwd", "data:text/html,hi", "vbscript:x"])
def test_renderer_never_links_an_unsafe_scheme(url: str) -> None:
    html = render_inline(f"[click]({url})")
    assert "<a" not in html and "href" not in html


def test_renderer_links_the_safe_schemes() -> None:
    html = render_inline("[a](https://x.example) [b](mailto:a@x.example) [c](tel:+15550142)")
    assert html == ('<a href="https://x.example">a</a> <a href="mailto:a@x.example">b</a> '
                    '<a href="tel:+15550142">c</a>')


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "data:x",
                                 "ftp://x.example/a"])
def test_unsafe_link_is_a_problem(url: str) -> None:
    assert problems_in(f"see [this]({url})") == [
        f"link '{url}' is not allowed; links must start with https://, http://, mailto: or tel:"]


def test_markdown_in_a_field_is_rendered_not_printed(project: Path) -> None:
    edit(project / CONTENT, "Press only as hard as feels good.",
         "Press only as **firmly** as feels good.")
    pages = pdf_words(build(load_project(project)).built[0].path, "fontname")
    words = [w for page in pages for w in page]
    assert not any("**" in w["text"] for w in words)
    [firmly] = [w for w in words if w["text"] == "firmly"]
    assert firmly["fontname"].endswith("Bold")


def test_undefined_template_name_is_an_error_not_blank(project: Path) -> None:
    template = (THEME_DIR / "handout.html.j2").read_text(encoding="utf-8")
    (project / "templates/handout.html.j2").write_text(
        template.replace("{{ h.title }}", "{{ h.titel }}", 1), encoding="utf-8")
    with pytest.raises(Exception) as caught:  # whatever the failure: never a blank PDF
        build(load_project(project))
    assert "titel" in str(caught.value)
    assert not (project / "output").exists()


# ---------------------------------------------------------------- writing


def test_write_atomic_replaces_the_file_never_rewrites_it(tmp_path: Path) -> None:
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old version")
    with target.open("rb") as reader:  # a viewer that has the old file open
        before = os.stat(target).st_ino
        write_atomic(target, b"new version, longer")
        # An in-place write would truncate what the reader sees.
        assert reader.read() == b"old version"
    assert target.read_bytes() == b"new version, longer"
    assert os.stat(target).st_ino != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


def test_write_atomic_failure_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    import errno

    target = tmp_path / "a.pdf"
    target.write_bytes(b"old version")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(HandoutsError) as caught:
        write_atomic(target, b"new version")
    assert [p.format() for p in caught.value.problems] == [
        f"{target}: could not be written: No space left on device; the previous version "
        "was kept"]
    assert target.read_bytes() == b"old version"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


# ---------------------------------------------------------------- batch input hash

PNG_A = THEME_DIR / "fonts/OFL.txt"  # any bytes do for the hash; no render here


def _hash(project: Path) -> str:
    whole = load_project(project)
    loaded, [document] = whole.project, whole.documents
    return input_hash(loaded, document, Variant("hand-self-massage"))


def test_input_hash_changes_with_a_step_image(project: Path) -> None:
    (project / "content/images").mkdir()
    image = project / "content/images/palm.png"
    Image.new("RGB", (2, 2), "red").save(image)  # a real picture: content files' are judged
    edit(project / CONTENT, "  - title: Warm up\n",
         "  - title: Warm up\n    image: images/palm.png\n    alt: A palm\n")
    first = _hash(project)
    assert _hash(project) == first
    Image.new("RGB", (2, 2), "blue").save(image)
    assert _hash(project) != first


def test_input_hash_changes_with_the_logo(project: Path) -> None:
    (project / "assets").mkdir()
    logo = project / "assets/logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
                    encoding="utf-8")
    edit(project / "handouts.yaml", "  # logo: assets/logo.svg", "  logo: assets/logo.svg")
    edit(project / "handouts.yaml", "  # logo_alt: Your Clinic logo", "  logo_alt: Logo")
    first = _hash(project)
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"/>',
                    encoding="utf-8")
    assert _hash(project) != first


# ---------------------------------------------------------------- render time limit


def test_render_time_limit_stops_a_build(project: Path) -> None:
    # Every render takes far longer than a millisecond, so this is not a race.
    edit(project / "handouts.yaml", "  output: output", "  output: output\n"
         "  render_timeout: 0.001")
    with pytest.raises(RenderError) as caught:
        build(load_project(project))
    assert [p.format() for p in caught.value.problems] == [
        f"{CONTENT}: took longer than 0.001 s to render and was stopped "
        "(defaults.render_timeout in handouts.yaml)"]
    assert not (project / "output").exists()


# ---------------------------------------------------------------- client file names


def test_clients_differing_only_by_name_get_different_files(project: Path) -> None:
    variant = Variant("hand-self-massage")
    ana, bea = Client("Ana Ruiz", "Note"), Client("Bea Ruiz", "Note")
    assert client_filename(variant, ana, None, key=KEY) != \
        client_filename(variant, bea, None, key=KEY)
    assert client_filename(variant, ana, None, row=2, key=KEY) != \
        client_filename(variant, bea, None, row=2, key=KEY)
    first = build(load_project(project), client=ana).built[0].path
    second = build(load_project(project), client=bea).built[0].path
    assert first != second and first.parent == second.parent
    for path, name in ((first, "Ana Ruiz"), (second, "Bea Ruiz")):
        text = pdf_text(path)
        assert f"Prepared for {name}" in text
        assert "Ruiz" not in path.name and "ana" not in path.name.lower()


def test_client_name_in_a_pattern_cannot_leave_the_folder(project: Path) -> None:
    client = Client("../../etc/evil name")
    name = client_filename(Variant("hand-self-massage"), client, "{client}-{handout}", key=KEY)
    assert name == "etc-evil-name-hand-self-massage.pdf"
    written = build(load_project(project), client=client, name_pattern="{client}").built[0].path
    assert written == project / "output/clients/etc-evil-name.pdf"
    shutil.rmtree(project / "output")


# ---------------------------------------------------------------- the resource fetcher


def test_other_schemes_are_refused_even_for_a_project_file(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (4, 4), "red").save(tmp_path / "dot.png")
    # The path is inside the project: only the scheme is wrong.
    url = f"ftp://127.0.0.1{tmp_path}/dot.png"
    result = render_body(f'<img src="{url}" alt="x">', tmp_path)
    assert [p.message for p in result.problems] == [
        f"refused to load {url}: only files inside the project can be used"]


def test_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    from handouts.render.engine.fetcher import MAX_RESOURCE_BYTES

    with (tmp_path / "big.png").open("wb") as handle:
        handle.truncate(MAX_RESOURCE_BYTES + 1)  # sparse: costs no disk
    result = render_body('<img src="big.png" alt="x">', tmp_path)
    assert [p.message for p in result.problems] == [
        f"refused to load {(tmp_path / 'big.png').as_uri()}: it is larger than "
        f"{MAX_RESOURCE_BYTES:,} bytes"]


# ---------------------------------------------------------------- details found by mutmut


def test_closing_tags_are_not_reported_twice() -> None:
    assert problems_in("<b>x</b> and </i>") == [
        "raw HTML '<b>' is not allowed; use Markdown (**bold**, *italic*, [text](https://...))"]


def test_write_atomic_temp_file_is_hidden_beside_the_target(tmp_path: Path,
                                                           monkeypatch) -> None:
    # Beside it so the rename is atomic (one filesystem); named .<name>.*.tmp so the
    # batch's clean-up of a killed run finds it; readable like any other output file.
    seen: list[Path] = []
    real_replace = os.replace

    def spy(src: str, dst: Path) -> None:
        seen.append(Path(src))
        assert os.stat(src).st_mode & 0o777 == 0o644
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_atomic(tmp_path / "out" / "a.pdf", b"data")
    [tmp] = seen
    assert tmp.parent == tmp_path / "out"
    assert tmp.name.startswith(".a.pdf.") and tmp.name.endswith(".tmp")
    assert (tmp_path / "out/a.pdf").read_bytes() == b"data"


def test_write_atomic_into_a_file_names_the_folder(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file, not a folder", encoding="utf-8")
    with pytest.raises(HandoutsError) as caught:
        write_atomic(tmp_path / "out" / "a.pdf", b"data")
    assert [p.format() for p in caught.value.problems] == [
        f"{tmp_path / 'out'}: is a file, where handouts needs a folder to write into: "
        "rename or delete it (or choose another folder with --out)"]


def test_default_client_file_names_have_the_documented_shape() -> None:
    variant = Variant("hand-self-massage")
    client = Client("Ana Ruiz")
    digest = client.fingerprint(KEY, variant.relpath)
    assert re.fullmatch(r"[0-9a-f]{12}", digest)
    assert client_filename(variant, client, None, key=KEY) == f"hand-self-massage-{digest}.pdf"
    assert client_filename(variant, client, None, row=7, key=KEY) == \
        f"hand-self-massage-row7-{digest[:8]}.pdf"


def test_every_pattern_field_is_filled() -> None:
    variant = Variant("hand-self-massage", "caregivers", "es", "a4", "large")
    client = Client("Ana")
    digest = client.fingerprint(KEY, variant.relpath)
    pattern = "{client}_{handout}_{audience}_{language}_{paper}_{print}_{row}_{hash}"
    assert client_filename(variant, client, pattern, row=3, key=KEY) == \
        f"ana-hand-self-massage-caregivers-es-a4-large-3-{digest}.pdf"
    assert client_filename(variant, client, "{client}-{row}", key=KEY) == "ana-0.pdf"


@pytest.mark.parametrize("other", [
    Client("Ana", "Note", "Tess", dt.date(2026, 12, 2)), Client("Ana", "Other", "Tess",
                                                                 dt.date(2026, 12, 1)),
    Client("Ana", "Note", "Theo", dt.date(2026, 12, 1)), Client("Ana", "Note", "Tess", None)])
def test_clients_differing_in_any_detail_get_different_files(other: Client) -> None:
    # Two clients with the same name are told apart by their other details.
    one = Client("Ana", "Note", "Tess", dt.date(2026, 12, 1))
    variant = Variant("hand-self-massage")
    assert client_filename(variant, one, None, key=KEY) != \
        client_filename(variant, other, None, key=KEY)


@pytest.mark.parametrize(("name", "expected"), [
    ("Xena X", "xena-x.pdf"), ("--Ana  Ruiz--", "ana-ruiz.pdf"),
    ("a" * 300, "a" * 200 + ".pdf"), ("Zoë Ólafsdóttir", "zoë-ólafsdóttir.pdf")])
def test_client_names_in_patterns_are_slugged(name: str, expected: str) -> None:
    assert client_filename(Variant("h"), Client(name), "{client}", key=KEY) == expected


def test_a_pattern_with_nothing_left_gives_the_private_name() -> None:
    """"***" was "x.pdf", the same file for every such client."""
    client = Client("***")
    assert client_filename(Variant("h"), client, "{client}", key=KEY) == \
        client_filename(Variant("h"), client, None, key=KEY)


@pytest.mark.parametrize("pattern", ["a\\{client}", ".{client}", "x/{client}"])
def test_patterns_that_could_escape_or_hide_are_refused(pattern: str) -> None:
    with pytest.raises(HandoutsError) as caught:
        client_filename(Variant("h"), Client("A"), pattern, key=KEY)
    assert [p.format() for p in caught.value.problems] == [
        f"--name-pattern: '{pattern}' is not a valid file-name pattern: use only {{client}}, "
        "{handout}, {audience}, {language}, {paper}, {print}, {hash}, {row} and plain text, "
        "without slashes"]


def test_a_broken_pattern_is_reported_as_a_pattern_problem() -> None:
    with pytest.raises(HandoutsError) as caught:
        client_filename(Variant("h"), Client("A"), "{client", key=KEY)
    assert [p.format() for p in caught.value.problems] == [
        "--name-pattern: expected '}' before end of string"]


def test_writing_all_or_nothing_leaves_every_file_as_it_was_when_one_cannot_be_written(
        tmp_path: Path) -> None:
    """A file that cannot be written (its folder is a file here; a full disk is the same)
    is found before any file is put in place: the others keep their previous version
    and nothing half-written is left beside them."""
    from handouts.output import write_all

    kept = tmp_path / "a.pdf"
    kept.write_bytes(b"old a")
    (tmp_path / "blocked").write_bytes(b"a file where a folder must be")
    written, problems = write_all([(kept, b"new a"), (tmp_path / "blocked" / "b.pdf", b"b"),
                                   (tmp_path / "c.pdf", b"new c")])
    assert written == [] and len(problems) == 1
    assert problems[0].format().startswith(f"{tmp_path / 'blocked'}: is a file, where "
                                           "handouts needs a folder")
    assert kept.read_bytes() == b"old a" and not (tmp_path / "c.pdf").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "blocked"]
    written, problems = write_all([(kept, b"new a"), (tmp_path / "c.pdf", b"new c")])
    assert problems == [] and written == [kept, tmp_path / "c.pdf"]
    assert kept.read_bytes() == b"new a"
