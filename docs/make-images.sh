#!/usr/bin/env bash
# Regenerate the pictures of the documentation (docs/) from the example project (needs poppler-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/handouts -q batch
render() {  # render PDF PAGE OUTPUT
  pdftoppm -r 70 -png -f "$2" -l "$2" -singlefile "output/$1" "docs/$3"
}
render en/general/back-massage-letter-standard.pdf 1 back-massage-page1
render en/general/back-massage-a4-standard.pdf 1 back-massage-a4-page1
render es/caregivers/back-massage-letter-large.pdf 1 back-massage-es-large-page1
# A large-print middle page, and a page that automatic fitting tightened (fit-tight).
render es/cancer-care/back-massage-letter-large.pdf 3 large-print-page
render en/general/back-massage-letter-standard.pdf 2 fitted-page
# The last two pages of a balanced version (page 2 ends early so page 3 is no runt),
# side by side.
pdftoppm -r 50 -png -f 2 -l 3 output/en/cancer-care/back-massage-a4-standard.pdf /tmp/balanced
.venv/bin/python - <<'PY'
from PIL import Image
pages = [Image.open(f"/tmp/balanced-{n}.png") for n in (2, 3)]
sheet = Image.new("RGB", (sum(p.width for p in pages) + 12, max(p.height for p in pages)), "#9a9a9a")
sheet.paste(pages[0], (0, 0))
sheet.paste(pages[1], (pages[0].width + 12, 0))
sheet.save("docs/balanced-pages.png", optimize=True)
PY
# Page 1 of two starter-library handouts, in a new clinic's project (a temporary folder).
starter=$(mktemp -d)
.venv/bin/handouts -q init "$starter/clinic" --name "Bright Hands Massage" \
    --phone "(480) 555-0134" --city Tempe --library neck-shoulder-self-massage,ice-or-heat
.venv/bin/handouts -q -C "$starter/clinic" build neck-shoulder-self-massage
.venv/bin/handouts -q -C "$starter/clinic" build ice-or-heat --language es
pdftoppm -r 60 -png -f 1 -l 1 -singlefile "$starter/clinic/output/neck-shoulder-self-massage.pdf" \
    docs/starter-neck-shoulder-self-massage
pdftoppm -r 60 -png -f 1 -l 1 -singlefile \
    "$starter/clinic/output/es/general/ice-or-heat-letter-standard.pdf" docs/starter-ice-or-heat-es
rm -rf "$starter"
