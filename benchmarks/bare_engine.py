"""Bare WeasyPrint as a command: one fresh process rendering its share of saved pages.

    python benchmarks/bare_engine.py PAGES I/N STYLESHEET BASE_URL VARIANT

``benchmarks/scaling.py`` starts N of these side by side to time the engine the way
``handouts batch -j N`` is timed, as commands a user runs: from the launch to the last
process's exit, Python start-up, imports, fonts and the parsed stylesheet included.
Each renders every N-th ``*.html`` of the folder PAGES from the I-th (sorted by name)
with our options (tagged, fixed identifier) and writes each PDF beside its page.

It imports only WeasyPrint, so the engine's side pays nothing of ours.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    """Render this process's share of the pages (see the module's docstring)."""
    folder, share, stylesheet, base_url, variant = argv
    index, count = (int(part) for part in share.split("/"))
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    css = weasyprint.CSS(filename=stylesheet, font_config=fonts)
    for page in sorted(Path(folder).glob("*.html"))[index::count]:
        pdf = weasyprint.HTML(string=page.read_text(encoding="utf-8"),
                              base_url=base_url).render(
            font_config=fonts, stylesheets=[css]).write_pdf(
            pdf_variant=variant, pdf_tags=True, pdf_identifier=b"handouts",
            custom_metadata=True)
        page.with_suffix(".pdf").write_bytes(pdf)


if __name__ == "__main__":
    main(sys.argv[1:])
