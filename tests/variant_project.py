"""A small project with audiences, a Spanish translation and a batch manifest, for tests."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

from handouts.commands.init import init_project
from handouts.project.load import load_project
from handouts.variants.i18n import update_catalog

AUDIENCES = """
audiences:
  caregivers:
    label: Caregivers
    description: For people who care for someone in bed.
    translations:
      es: {label: Cuidadores, description: Para quienes cuidan a alguien en cama.}
batch:
  audiences: [general, caregivers]
  languages: [en, es]
  papers: [letter, a4]
  prints: [standard, large]
"""

EXTRA_STEP = """
  - title: Check the skin
    text: Look for red spots on the heels and hips.
    audiences: [caregivers]
"""


CLINIC_ES = """  translations:
    es: {tagline: Masaje y fisioterapia, disclaimer: Esta hoja da información general.}
defaults:"""


def make_project(root: Path, *, translate: bool = True) -> Path:
    """The starter project plus a caregivers audience, a Spanish .po and a 2x2x2x2 manifest."""
    init_project(root)
    config = root / "handouts.yaml"
    text = config.read_text(encoding="utf-8").replace("\ndefaults:", "\n" + CLINIC_ES, 1)
    config.write_text(text + AUDIENCES, encoding="utf-8")
    content = root / "content" / "hand-self-massage.yaml"
    text = content.read_text(encoding="utf-8")
    content.write_text(text.replace("precautions:", EXTRA_STEP.lstrip("\n") + "precautions:", 1),
                       encoding="utf-8")
    if translate:
        fill_translation(root)
    return root


def fill_translation(root: Path, prefix: str = "ES ") -> Path:
    """Write a complete Spanish .po where every translation is ``prefix + English``."""
    _, documents = load_project(root, ("hand-self-massage",))
    po = root / "content" / "hand-self-massage.es.po"
    update_catalog(documents[0].handout, po, "es")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    for message in catalog:
        if message.id:
            message.string = prefix + message.id
    with po.open("wb") as handle:
        write_po(handle, catalog, width=0)
    return po


def edit(project: Path, name: str, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) with ``new`` once in a project file."""
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
