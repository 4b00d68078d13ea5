"""A variant's inputs (handouts.commands.inputs): every kind of file that shapes a PDF
makes exactly the variants that use it render again, and is what a cluster receives.

The batch here renders with a recording executor that hands back a stand-in PDF at
once: what is under test is which variants the batch sends to be rendered, not the
rendering (tests/test_dask.py compares real PDFs).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from handouts.commands.batch import batch
from handouts.commands.inputs import input_hash, project_inputs, variant_inputs
from handouts.commands.worker import VariantResult
from handouts.project.config import Project
from handouts.project.content import Document
from handouts.project.load import load_project
from handouts.render.theme import THEME_DIR
from handouts.variants.plan import Variant, plan_matrix

from .helpers import edit
from .variant_project import make_project

FONT = Path(__file__).parent / "fixtures" / "fonts" / "HandoutsTestCyrillic.ttf"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{0}"/>'
LOCATIONS = """  locations:
    north:
      address: {street: 1 North Road, city: Springfield}
      phone: (217) 555-0143
      logo: assets/north.svg
      logo_alt: North logo
    south:
      address: {street: 1 South Road, city: Springfield}
      phone: (217) 555-0144
"""
THEME_WORDS = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Stay safe"
msgstr "Cuidado"
"""
FOOT_STEP = """  - title: Warm up
    image: images/foot.svg
    alt: A foot
"""


class Recording:
    """An executor that renders nothing: it records what the batch sends and hands
    back a stand-in PDF for each variant."""

    def __init__(self) -> None:
        self.sent: list[Variant] = []

    def render(self, project: Project, documents: dict[str, Document], out_dir: Path,
               todo: list[tuple[Variant, str]],
               jobs: int | None) -> Iterator[tuple[VariantResult, bytes]]:
        """Each variant at once, as rendered."""
        for variant, digest in todo:
            self.sent.append(variant)
            yield VariantResult(variant, "rendered", 1, digest), b"%PDF-1.7\n%%EOF\n"


def _project(root: Path) -> Path:
    """Two handouts (one with a step image) x 2 audiences x en/es x 2 papers x 2 prints
    x 2 locations (one with its own logo), with the project's own Spanish theme words,
    template overrides, a stylesheet that loads a file, and a font: 64 variants."""
    make_project(root)
    (root / "assets").mkdir()
    for name, size in (("logo.svg", 1), ("north.svg", 1), ("texture.svg", 1)):
        (root / "assets" / name).write_text(SVG.format(size), encoding="utf-8")
    (root / "assets" / "notes.txt").write_text("not an input\n", encoding="utf-8")
    edit(root / "handouts.yaml", "  # logo: assets/logo.svg", "  logo: assets/logo.svg")
    edit(root / "handouts.yaml", "  # logo_alt: Your Clinic logo", "  logo_alt: Logo")
    edit(root / "handouts.yaml", "  translations:\n", LOCATIONS + "  translations:\n")
    (root / "fonts").mkdir()
    shutil.copy(FONT, root / "fonts" / FONT.name)
    with (root / "handouts.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"fonts:\n  - file: fonts/{FONT.name}\n")
    (root / "locale").mkdir()
    (root / "locale" / "es.po").write_text(THEME_WORDS, encoding="utf-8")
    templates = root / "templates"
    (templates / "extra.css").write_text(
        ".page { background: url(../assets/texture.svg); }\n", encoding="utf-8")
    shutil.copy(THEME_DIR / "rtl.css", templates / "rtl.css")
    content = root / "content"
    (content / "images").mkdir()
    (content / "images" / "foot.svg").write_text(SVG.format(1), encoding="utf-8")
    foot = (content / "hand-self-massage.yaml").read_text(encoding="utf-8")
    (content / "foot-care.yaml").write_text(
        foot.replace("  - title: Warm up\n", FOOT_STEP, 1), encoding="utf-8")
    shutil.copy(content / "hand-self-massage.es.po", content / "foot-care.es.po")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project, batched once: every variant has its PDF and index entry."""
    root = _project(tmp_path_factory.mktemp("inputs") / "p")
    result = batch(load_project(root), executor=Recording())
    assert result.ok, [p.format() for p in result.problems]
    assert len(result.with_status("rendered")) == 64
    return root


def _es(v: Variant) -> bool:
    return v.language == "es"


#: (kind of input, file, the variants that use it).
KINDS = [
    ("config", "handouts.yaml", lambda v: True),
    ("content", "content/hand-self-massage.yaml", lambda v: v.handout == "hand-self-massage"),
    ("content translation", "content/foot-care.es.po",
     lambda v: v.handout == "foot-care" and _es(v)),
    ("project theme words", "locale/es.po", _es),
    ("template override stylesheet", "templates/extra.css", lambda v: True),
    ("right-to-left stylesheet, no right-to-left page", "templates/rtl.css", lambda v: False),
    ("file a stylesheet loads", "assets/texture.svg", lambda v: True),
    ("step image", "content/images/foot.svg", lambda v: v.handout == "foot-care"),
    ("location logo", "assets/north.svg", lambda v: v.location == "north"),
    ("clinic logo (locations without their own)", "assets/logo.svg",
     lambda v: v.location == "south"),
    ("project font", f"fonts/{FONT.name}", lambda v: True),
    ("not an input", "assets/notes.txt", lambda v: False),
]


@pytest.mark.parametrize(("kind", "name", "uses"), KINDS, ids=[k[0] for k in KINDS])
def test_editing_an_input_renders_exactly_the_variants_that_use_it(
        built: Path, tmp_path: Path, kind: str, name: str, uses) -> None:
    root = tmp_path / "p"
    shutil.copytree(built, root)
    path = root / name
    with path.open("ab") as handle:  # an edit: a comment or trailing bytes, same meaning
        handle.write(b"\n# edited\n" if path.suffix in (".yaml", ".po") else
                     b"\n/* edited */\n" if path.suffix == ".css" else
                     b"\n<!-- edited -->\n" if path.suffix == ".svg" else b"\0")
    loaded = load_project(root)
    project, documents = loaded.project, loaded.documents
    planned = plan_matrix(project.config.batch, [d.name for d in documents],
                          list(project.config.clinic.locations))
    recording = Recording()
    result = batch(load_project(root), executor=recording)
    assert result.ok, [p.format() for r in result.results for p in r.problems]
    expected = sorted(v for v in planned if uses(v))
    assert sorted(recording.sent) == expected, kind
    assert len(result.with_status("skipped")) == 64 - len(expected)
    # The same list makes the files a cluster's workers get.
    sent = project_inputs(project, documents, planned)
    assert (path in sent) == bool(expected), kind


def test_the_inputs_are_named_once_for_the_hash_and_for_the_cluster(built: Path) -> None:
    loaded = load_project(built)
    project, documents = loaded.project, loaded.documents
    docs = {d.name: d for d in documents}
    north_es = Variant("foot-care", "caregivers", "es", "a4", "large", "north")
    inputs = [p.relative_to(built).as_posix() for p in
              variant_inputs(project, docs["foot-care"], north_es)
              if p.is_relative_to(built)]
    assert inputs == ["assets/north.svg", "assets/texture.svg", "content/foot-care.es.po",
                      "content/foot-care.yaml", "content/images/foot.svg",
                      f"fonts/{FONT.name}", "handouts.yaml", "locale/es.po",
                      "templates/README.md", "templates/extra.css"]
    sent = {p.relative_to(built).as_posix() for p in project_inputs(
        project, documents, [north_es])}
    # What loading needs too: every handout in its own language, every location's logo;
    # never the output folder or a file that is not an input.
    assert sent == {*inputs, "assets/logo.svg", "content/hand-self-massage.yaml"}


def test_a_new_project_theme_catalog_changes_the_hash(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    loaded = load_project(root)
    project, [document] = loaded.project, loaded.documents
    spanish = Variant("hand-self-massage", language="es")
    before = input_hash(project, document, spanish)
    english = input_hash(project, document, Variant("hand-self-massage"))
    (root / "locale").mkdir()
    (root / "locale" / "es.po").write_text(THEME_WORDS, encoding="utf-8")
    assert input_hash(project, document, spanish) != before
    assert input_hash(project, document, Variant("hand-self-massage")) == english
