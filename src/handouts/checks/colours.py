"""The theme's colour pairs, derived from the clinic's brand colours, against WCAG AA
(the ratios themselves: :mod:`handouts.checks.contrast`)."""

from __future__ import annotations

from handouts.checks import contrast
from handouts.checks.findings import Findings
from handouts.project.config import Project
from handouts.render.theme import mix, palette

#: WCAG 2.x AA: 4.5:1 for normal text, 3:1 for large text and for graphics.
NORMAL, LARGE = contrast.AA_NORMAL, contrast.AA_LARGE

#: Text and graphics the theme draws: (foreground, background, minimum ratio, where).
PAIRS = (
    ("primary-dark", "#FFFFFF", NORMAL, "headings and links"),
    ("primary-dark", "primary-tint", NORMAL, "text in the tinted boxes"),
    ("#FFFFFF", "primary", NORMAL, "step numbers"),
    ("accent-dark", "#FFFFFF", NORMAL, "the 'Stop right away' heading"),
    ("accent-dark", "accent-tint", NORMAL, "the 'Tip:' label"),
    ("#1C1C1C", "accent-tint", NORMAL, "tip text"),
    ("accent", "#FFFFFF", LARGE, "bullets and the safety box border (graphics)"),
    ("primary", "#FFFFFF", LARGE, "rules and the step-number circles (graphics)"),
)


def _resolve(name: str, colors: dict[str, str]) -> str:
    return name if name.startswith("#") else colors[name]


def colour_contrast(project: Project, report: Findings) -> None:
    """Every colour pair the theme derives from the brand colours must meet WCAG AA."""
    clinic = project.config.clinic
    colors = palette(clinic)
    for fg, bg, minimum, where in PAIRS:
        a, b = _resolve(fg, colors), _resolve(bg, colors)
        ratio = contrast.contrast_ratio(a, b)
        if ratio >= minimum:
            continue
        brand = "accent" if "accent" in fg + bg else "primary"
        base = getattr(clinic.colors, brand)
        loc = ("clinic", "colors", brand)
        report.problems.append(project.problem(loc, (
            f"{where}: {a} on {b} has contrast {ratio:.2f}:1, below {minimum:g}:1 (WCAG AA); "
            f"the nearest shade of {base} that passes everywhere is "
            f"{_nearest_brand_shade(project, brand)}")))


def _passes(colors: dict[str, str], brand: str) -> bool:
    return all(contrast.contrast_ratio(_resolve(fg, colors), _resolve(bg, colors)) >= minimum
               for fg, bg, minimum, _ in PAIRS if brand in fg + bg)


def _nearest_brand_shade(project: Project, brand: str) -> str:
    """The brand colour moved as little as possible toward black or white so that every
    pair drawn from it passes (one suggestion, not one per pair)."""
    clinic = project.config.clinic
    base = getattr(clinic.colors, brand)
    for step in range(1, 201):
        for target in ("#000000", "#FFFFFF"):
            candidate = mix(base, target, step / 200)
            colors = clinic.colors.model_copy(update={brand: candidate})
            if _passes(palette(clinic.model_copy(update={"colors": colors})), brand):
                return candidate
    return "#000000"
