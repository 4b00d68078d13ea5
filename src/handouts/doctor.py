"""``handouts doctor``: is everything installed, and if not, what exactly to install."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

from handouts.theme import THEME_DIR

#: Debian/Ubuntu packages WeasyPrint needs at run time. One list for everyone: dev.sh
#: reads the same file before the package is even installed.
SYSTEM_PACKAGES = tuple(
    (Path(__file__).parent / "system-packages.txt").read_text(encoding="utf-8").split())
INSTALL_HINT = "sudo apt-get install -y " + " ".join(SYSTEM_PACKAGES)


@dataclass
class Report:
    """Lines to print, and whether everything needed is there."""

    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def add(self, good: bool, what: str, detail: str, fix: str = "") -> None:
        """Record one finding; a missing essential makes the report fail."""
        mark = "ok  " if good else "FAIL"
        self.lines.append(f"[{mark}] {what}: {detail}")
        if not good:
            self.ok = False
            if fix:
                self.lines.append(f"       fix: {fix}")


def diagnose() -> Report:
    """Check Python, WeasyPrint, Pango, HarfBuzz subsetting and the bundled fonts."""
    report = Report()
    report.add(sys.version_info >= (3, 11), "Python", platform.python_version(),
               "install Python 3.11 or newer")
    try:
        from handouts.pdf import engine_info

        info = engine_info()
    except (ImportError, OSError) as exc:  # WeasyPrint cannot load Pango
        report.add(False, "WeasyPrint", f"cannot start ({exc})", INSTALL_HINT)
    else:
        report.add(True, "WeasyPrint", info.weasyprint)
        report.add(True, "Pango", info.pango)
        report.add(info.harfbuzz_subset, "HarfBuzz subsetting",
                   "present" if info.harfbuzz_subset else
                   "missing (fonts are subset with fontTools: rendering is ~3x slower)",
                   INSTALL_HINT)
    fonts = sorted(p.name for p in (THEME_DIR / "fonts").glob("*.ttf"))
    report.add(len(fonts) == 4, "Bundled fonts", ", ".join(fonts) or "none found",
               "reinstall handouts: the package is incomplete")
    return report
