"""A small project with audiences, a Spanish translation and a batch manifest, for tests."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

from handouts.commands.init import init_project
from handouts.project.load import load_project
from handouts.variants.i18n import update_catalog

from .helpers import edit

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
    edit(config, "\ndefaults:", "\n" + CLINIC_ES)
    with config.open("a", encoding="utf-8") as handle:
        handle.write(AUDIENCES)
    edit(root / "content" / "hand-self-massage.yaml", "precautions:",
         EXTRA_STEP.lstrip("\n") + "precautions:")
    if translate:
        fill_translation(root)
    return root


def fill_translation(root: Path, prefix: str = "ES ") -> Path:
    """Write a complete Spanish .po where every translation is ``prefix + English``."""
    documents = load_project(root, ("hand-self-massage",)).documents
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

