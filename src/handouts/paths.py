"""Where the package's own data lives, named once for every stage that reads it."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).parent
#: The built-in theme: template, stylesheets, bundled fonts.
THEME_DIR = PACKAGE_DIR / "theme"
#: The theme's words in other languages (gettext catalogs).
LOCALE_DIR = PACKAGE_DIR / "locale"
#: The starter project ``handouts init`` copies.
SKELETON_DIR = PACKAGE_DIR / "skeleton"
#: The starter library ``handouts add`` and ``handouts init --library`` copy from: laid
#: out like a project's ``content/`` (NAME.yaml, NAME.LANG.po, images/NAME-*.svg).
LIBRARY_DIR = PACKAGE_DIR / "starter" / "content"
#: The starter clinic's words in the library's other languages, which ``handouts init
#: --library`` puts under ``clinic:`` in the new project's handouts.yaml.
LIBRARY_CLINIC_WORDS = PACKAGE_DIR / "starter" / "clinic.yaml"
#: The Debian packages handouts needs (read by dev.sh and ``handouts doctor``).
SYSTEM_PACKAGES = PACKAGE_DIR / "system-packages.txt"
