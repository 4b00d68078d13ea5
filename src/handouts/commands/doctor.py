"""``handouts doctor``: is everything installed, and if not, what exactly to install."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

from handouts.paths import SYSTEM_PACKAGES
from handouts.render.theme import THEME_DIR, stylesheet_path

#: Where Debian and Ubuntu install font packages.
SYSTEM_FONTS = Path("/usr/share/fonts")

#: Common scripts: (name, sample characters a font must all have, Debian package, file
#: that package installs). The samples are letters every text in the script needs.
SCRIPTS: tuple[tuple[str, str, str, str], ...] = (
    ("Latin", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "fonts-noto-core",
     "NotoSans-Regular.ttf"),
    ("Latin Extended/Vietnamese",
     "ĂăÂâĐđÊêÔôƠơƯưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹŁłőűșț", "fonts-noto-core",
     "NotoSans-Regular.ttf"),
    ("Greek", "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρστυφχψω", "fonts-noto-core",
     "NotoSans-Regular.ttf"),
    ("Cyrillic", "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюя",
     "fonts-noto-core", "NotoSans-Regular.ttf"),
    ("Arabic", "ابتثجحخدذرزسشصضطظعغفقكلمنهوي", "fonts-noto-core", "NotoSansArabic-Regular.ttf"),
    ("Hebrew", "אבגדהוזחטיכלמנסעפצקרשת", "fonts-noto-core", "NotoSansHebrew-Regular.ttf"),
    ("Devanagari", "अआइईउऊएऐओऔकखगघचछजझटठडढणतथदधनपफबभमयरलवशषसहािीुूेैोौ्",
     "fonts-noto-core", "NotoSansDevanagari-Regular.ttf"),
    ("CJK", "的一是不了人我在有他这中大来上国个到说们あいうえおアイウエオ", "fonts-noto-cjk",
     "NotoSansCJK-Regular.ttc"),
    ("Hangul", "가나다라마바사아자차카타파하한국어", "fonts-noto-cjk", "NotoSansCJK-Regular.ttc"),
    ("Thai", "กขคงจฉชซญดตถทนบปผพฟภมยรลวศษสหอฮ", "fonts-noto-core",
     "NotoSansThai-Regular.ttf"),
    ("Emoji", "😀🙂👍❤🎉🌿💪", "fonts-noto-color-emoji", "NotoColorEmoji.ttf"),
)

#: Debian/Ubuntu packages WeasyPrint needs at run time. One list for everyone: dev.sh
#: reads the same file before the package is even installed.
SYSTEM_PACKAGES = tuple(
    SYSTEM_PACKAGES.read_text(encoding="utf-8").split())
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


def script_coverage(root: Path | None, fonts_dir: Path = SYSTEM_FONTS) -> list[str]:
    """Which common scripts the theme's and the project's fonts cover, and for the rest
    the Debian package that does and whether it is installed here (no network)."""
    from handouts.project.config import CONFIG_NAME, load_config
    from handouts.project.fonts import font_info, read_cmap
    from handouts.render.fonts import theme_fonts

    config = load_config(root, []) if root is not None and \
        (root / CONFIG_NAME).is_file() else None
    fonts: list[tuple[str, frozenset[int]]] = []
    for family, path in theme_fonts(stylesheet_path(root / "templates" if root else None)):
        try:
            fonts.append((family, read_cmap(path)))
        except ValueError:
            continue
    for entry in config.fonts if config is not None and root is not None else []:
        path = root / entry.file
        fonts.append((entry.family or font_info(path)[0], read_cmap(path)))
    from handouts.render.scripts import installed_fonts

    # The theme prints other scripts with Debian's Noto fonts when they are installed.
    fonts += [(f"{font.family} (system)", font.cmap()) for font in installed_fonts()]
    lines: list[str] = []
    for name, sample, package, file in SCRIPTS:
        having = [family for family, cmap in fonts if all(ord(ch) in cmap for ch in sample)]
        if having:
            lines.append(f"[ok  ] Script {name}: {', '.join(dict.fromkeys(having))}")
            continue
        found = next(iter(sorted(fonts_dir.rglob(file))), None) if fonts_dir.is_dir() else None
        where = f"installed: {found}" if found else \
            f"not installed: sudo apt-get install {package}"
        lines.append(f"[info] Script {name}: no font; Debian package {package} ({where})")
    return lines


def diagnose(root: Path | None = None) -> Report:
    """Check Python, WeasyPrint, Pango, HarfBuzz subsetting, the bundled fonts and which
    scripts the project (at ``root``) can print."""
    report = Report()
    report.add(sys.version_info >= (3, 11), "Python", platform.python_version(),
               "install Python 3.11 or newer")
    try:
        from handouts.render.engine.pdf import engine_info

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
    # Informational: a missing script is only a problem for handouts that use it, and
    # the glyph check reports those before rendering.
    report.lines += script_coverage(root)
    report.lines += script_fonts()
    return report


def script_fonts() -> list[str]:
    """The theme's fonts for other scripts (Debian's Noto files): which are installed,
    and for the missing ones the apt command (informational: only pages in those
    scripts need them, and the glyph check names the package when one does)."""
    from handouts.render.scripts import SCRIPT_FONTS

    lines: list[str] = []
    for font in SCRIPT_FONTS:
        path = font.files[0][1]
        if font.installed:
            lines.append(f"[ok  ] Theme font for {font.script}: {font.family} ({path})")
        else:
            lines.append(f"[info] Theme font for {font.script}: {font.family} is not "
                         f"installed ({path}): sudo apt-get install {font.package}")
    return lines
