"""Every file that shapes a variant's PDF, listed in one place.

Two things depend on this list and must never disagree: the batch's input hash (a
variant whose inputs are unchanged is not rendered again) and the project files a
Dask executor sends to its workers (a file left out renders differently there). Both
use :func:`variant_inputs`, so a kind of input is added once, here, for both.

The kinds, per variant:

* the config (``handouts.yaml``, all of it: the clinic's words, colours and options);
* the handout's content file and, for another language, its translation
  (``content/<handout>.<language>.po``);
* the theme's words in the variant's language: the project's ``locale/<language>.po``
  and the built-in catalog;
* the project's ``templates/`` (templates, stylesheets and anything else there) and
  the built-in theme (templates, stylesheets, bundled fonts), without the
  right-to-left stylesheets for a left-to-right page;
* files the project's stylesheets load with ``url()`` or ``@import``;
* the step images, and the logo of the variant's location, with what an SVG among
  them loads (``<image href>``, ``url()``);
* fonts: the project's ``fonts:`` and the installed script fonts
  (:data:`handouts.render.scripts.SCRIPT_FONTS`).

Never listed: the output folder, client lists, or anything outside the project, the
package and the script fonts.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import stat
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

from handouts import __version__
from handouts.paths import PACKAGE_DIR, THEME_DIR
from handouts.project.config import CONFIG_NAME, Project
from handouts.project.content import Document
from handouts.project.languages import builtin_catalog, own_catalog
from handouts.render import scripts
from handouts.render.theme import (
    RTL_STYLESHEET_NAME,
    stylesheet_paths,
    stylesheet_references,
)
from handouts.variants.plan import Variant

#: Project files above this size (fonts, big images) are hashed once per version
#: (path, size, modification time) per process, instead of in every batch.
CACHE_ABOVE = 256 * 1024


class Inputs:
    """The inputs of one project's variants and their hashes, for one batch.

    What every variant of a language shares (config, templates, theme, stylesheets,
    fonts) is listed once, and each file is read and hashed once: a batch plans all
    its variants in a moment, so the files are taken as they are at that moment.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.root = project.root.resolve()
        self._shared: dict[str, frozenset[Path]] = {}
        self._shared_hash: dict[str, str] = {}
        self._logos: dict[str | None, Path | None] = {}
        #: What each picture loads in turn (an SVG's <image>), read once per batch.
        self._pictures: dict[Path, frozenset[Path]] = {}
        #: Each file's name and hash, as hashed (read once per batch).
        self._entries: dict[Path, bytes] = {}

    def of(self, document: Document, variant: Variant) -> list[Path]:
        """Every file whose bytes shape ``variant``'s PDF (see the module docstring),
        sorted. Files that do not exist are listed too when the variant would read them
        if they did (a translation not written yet, ``locale/<language>.po``): creating
        one changes the PDF."""
        return sorted(self._language_inputs(variant.language) |
                      self._own_inputs(document, variant))

    def _own_inputs(self, document: Document, variant: Variant) -> set[Path]:
        """The inputs of ``variant`` that depend on more than its language."""
        files = {document.path}
        if variant.language != document.handout.language:
            files.add(document.translation(variant.language))
        pictures = [document.path.parent / s.image for s in document.handout.steps if s.image]
        if variant.location not in self._logos:
            logo = self.project.config.clinic.at(variant.location).logo
            self._logos[variant.location] = self.project.root / logo if logo else None
        logo_file = self._logos[variant.location]
        if logo_file is not None:
            pictures.append(logo_file)
        for picture in pictures:
            files.add(picture)
            # What an SVG loads is drawn too: an edited file an SVG's <image> shows was
            # "unchanged", and the batch kept printing the old picture or logo.
            if picture not in self._pictures:
                self._pictures[picture] = frozenset(_loaded_by(picture, self.project.root))
            files |= self._pictures[picture]
        return files

    def _language_inputs(self, language: str) -> frozenset[Path]:
        """The inputs every variant in ``language`` has, whatever its handout."""
        if language not in self._shared:
            project, root = self.project, self.project.root
            files = {root / CONFIG_NAME, own_catalog(root, language),
                     builtin_catalog(language)}
            rtl = scripts.is_rtl(language)
            for folder in (project.templates_dir, THEME_DIR):
                files.update(p for p in _files(folder) if rtl or p.name != RTL_STYLESHEET_NAME)
            for sheet in stylesheet_paths(project.templates_dir, language):
                if sheet.is_relative_to(project.templates_dir):
                    files.update(_loaded_by(sheet, root))
            files.update(root / font.file for font in project.config.fonts)
            files.update(path for font in scripts.installed_fonts() for _, path, _ in font.files)
            self._shared[language] = frozenset(files)
        return self._shared[language]

    def hash(self, document: Document, variant: Variant) -> str:
        """A hash of everything that decides what ``variant``'s PDF looks like: the
        tool's version and code (:func:`code_version`), the output path and each input
        file's name and bytes."""
        digest = hashlib.sha256()
        for part in (code_version(), variant.relpath, self._language_hash(variant.language),
                     self._files_hash(sorted(self._own_inputs(document, variant)))):
            digest.update(part.encode() + b"\0")
        return digest.hexdigest()

    def _language_hash(self, language: str) -> str:
        """The hash of :meth:`_language_inputs`, once per language."""
        if language not in self._shared_hash:
            self._shared_hash[language] = self._files_hash(
                sorted(self._language_inputs(language)))
        return self._shared_hash[language]

    def _files_hash(self, paths: list[Path]) -> str:
        """The hash of each file's name and bytes, in order."""
        digest = hashlib.sha256()
        for path in paths:
            entry = self._entries.get(path)
            if entry is None:
                entry = self._entries[path] = (
                    f"{_name(path, self.project.root)}\0{_file_hash(path, self.root)}\0"
                    .encode())
            digest.update(entry)
        return digest.hexdigest()


@cache
def code_version() -> str:
    """The version and a hash of the package's own Python files: installed from a
    source tree or git, every commit was "0.1.0", and a batch after an upgrade that
    changed what the code prints (a phone link's extension) kept the old PDFs as
    unchanged, and the old fitting decisions. Once per process: about 100 files."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return f"{__version__}+{digest.hexdigest()[:16]}"


def variant_inputs(project: Project, document: Document, variant: Variant) -> list[Path]:
    """Every file whose bytes shape ``variant``'s PDF (see :meth:`Inputs.of`)."""
    return Inputs(project).of(document, variant)


def input_hash(project: Project, document: Document, variant: Variant) -> str:
    """The hash of ``variant``'s inputs (see :meth:`Inputs.hash`); a batch uses one
    :class:`Inputs` for all its variants instead."""
    return Inputs(project).hash(document, variant)


def project_inputs(project: Project, documents: Iterable[Document],
                   variants: Iterable[Variant]) -> list[Path]:
    """The project's own files a worker elsewhere needs to load the project and render
    ``variants``: the inputs of each variant and of every handout's source-language
    version at every location (loading checks each handout in its own language and
    every location's logo), that are files inside the project folder.
    """
    docs = {d.name: d for d in documents}
    places: list[str | None] = list(project.config.clinic.locations) or [None]
    wanted = set(variants) | {Variant(d.name, language=d.handout.language, location=place)
                              for d in docs.values() for place in places}
    inputs = Inputs(project)
    found: set[Path] = set()
    for variant in wanted:
        found.update(inputs.of(docs[variant.handout], variant))
    return sorted(p for p in found if _inside(p, inputs.root))


def _name(path: Path, root: Path) -> str:
    """A machine-independent name: relative to the project or the package."""
    for base in (root, PACKAGE_DIR.parent):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return path.as_posix()


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path`` is a regular file that is (or links to a file) inside ``root``."""
    try:
        return path.is_file() and path.resolve().is_relative_to(root)
    except OSError:
        return False


def _file_hash(path: Path, root: Path) -> str:
    """The hash of a file's bytes; a word instead for no file, a project file that links
    out of the project, or something that is not a regular file (each refused or
    reported by the renderer, and changing the hash when it changes)."""
    try:
        info = path.stat()
        if path.is_relative_to(root) and not path.resolve().is_relative_to(root):
            return "outside"
        if not stat.S_ISREG(info.st_mode):
            return "not a file"  # never read: a pipe would block the batch
        if path.is_relative_to(root) and info.st_size <= CACHE_ABOVE:
            # Small project files are read in every batch: an edit in the same clock
            # tick that keeps the size would leave a hash cached across batches behind.
            return hashlib.sha256(path.read_bytes()).hexdigest()
        # Fonts, big images and the package's own files: once per version of the file.
        return _file_hash_of(path, info.st_mtime_ns, info.st_size)
    except OSError:
        return "missing"


@cache
def _file_hash_of(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(folder: Path) -> Iterator[Path]:
    """Every file below ``folder`` (links too; linked folders are not followed)."""
    for directory, _, names in os.walk(folder, followlinks=False):
        for name in names:
            yield Path(directory) / name


#: An SVG's links to other files: ``href`` and ``xlink:href`` (of ``<image>``,
#: ``<use>``...).
_SVG_HREF = re.compile(r"""\b(?:xlink:)?href\s*=\s*(["'])(.*?)\1""", re.DOTALL)


def _loaded_by(sheet: Path, root: Path, seen: set[Path] | None = None) -> set[Path]:
    """Files inside the project that ``sheet`` (a stylesheet, or an SVG picture) loads
    with ``url()``, ``@import`` or an SVG's ``href``, and what the stylesheets and SVGs
    among them load in turn."""
    seen = set() if seen is None else seen
    kind = sheet.suffix.lower()
    if sheet in seen or kind not in (".css", ".svg") or not sheet.is_file():
        return set()
    seen.add(sheet)
    try:
        text = sheet.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()  # the renderer reports it
    names = [name for _, name in stylesheet_references(text)]
    if kind == ".svg":
        names += [html.unescape(match[2]) for match in _SVG_HREF.finditer(text)]
    found: set[Path] = set()
    for name in names:
        if not name or ":" in name or name.startswith(("#", "/")):
            continue  # data:, remote, absolute and in-file: nothing of the project's files
        path = Path(os.path.normpath(sheet.parent / name.split("?")[0].split("#")[0]))
        if path.is_relative_to(root):
            found.add(path)
            found |= _loaded_by(path, root, seen)
    return found


__all__ = ["Inputs", "code_version", "input_hash", "project_inputs", "variant_inputs"]
