#!/usr/bin/env bash
# Set-up and everyday tasks for handouts. Two commands cover a fresh machine:
#
#   ./dev.sh example   install everything, then render the example handouts into output/
#   ./dev.sh test      install everything (with test tools), then run the test suite
#   ./dev.sh fuzz      the property-based tests with 500 random examples each (long run)
#
# System libraries WeasyPrint needs are installed with apt-get when running as root
# (or with passwordless sudo); otherwise the script prints the exact command to run.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv
task=${1:-}
case "$task" in
  example|test|fuzz) ;;
  *) echo "usage: ./dev.sh example|test|fuzz" >&2; exit 2 ;;
esac

# Python packages installed but system libraries missing would fail at import time with
# an unhelpful OSError, so check and install them first.
mapfile -t packages < src/handouts/system-packages.txt
if [ "$task" = test ]; then
  # The web app's browser tests drive Debian's Chromium (never a browser Playwright
  # downloads), and axe-core comes from the npm registry.
  # Xvfb: the browser-profile privacy test needs a headed browser (headless Chromium
  # keeps no session-restore files, so it could not show what a desk's browser keeps).
  packages+=(chromium xvfb)
  command -v npm >/dev/null || packages+=(npm)  # some machines have npm with nodejs
fi
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ! "$PYTHON" -c 'import ensurepip' 2>/dev/null; then
  missing+=("python3-venv")
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing system libraries: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    echo "Installing system libraries: ${missing[*]}"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "handouts needs these system packages, which are not installed:" >&2
    echo "    sudo apt-get install -y ${missing[*]}" >&2
    echo "Run that command (as root or with sudo), then run ./dev.sh $task again." >&2
    exit 1
  fi
fi

"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "handouts needs Python 3.11 or newer; $("$PYTHON" --version) was found." >&2; exit 1; }

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
if [ "$task" = test ]; then
  "$VENV/bin/python" -m pip install -q -e ".[test]"
  [ -f .cache/axe/node_modules/axe-core/axe.min.js ] ||
    npm install --no-save --no-audit --no-fund --prefix .cache/axe axe-core@4 >/dev/null
  exec "$VENV/bin/python" -m pytest -q -n auto "${@:2}"
elif [ "$task" = fuzz ]; then
  # CI runs these seeded and small; this searches further with random seeds.
  "$VENV/bin/python" -m pip install -q -e ".[test]"
  HANDOUTS_FUZZ_EXAMPLES=${HANDOUTS_FUZZ_EXAMPLES:-500} exec "$VENV/bin/python" -m pytest -q \
    -m fuzz "${@:2}"
else
  "$VENV/bin/python" -m pip install -q -e .
  "$VENV/bin/handouts" build
  "$VENV/bin/handouts" batch
  echo "Done: the PDFs are in output/"
fi
