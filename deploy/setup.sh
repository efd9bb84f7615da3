#!/usr/bin/env bash
# Set up a Debian 12 machine for Coffre, idempotently: system packages with apt, then a
# virtualenv (.venv) with the project and its Python dependencies with pip.
#   deploy/setup.sh run    what the embedded default needs (no server)
#   deploy/setup.sh test   plus the real services the tests start (PostgreSQL, Redis, Ceph RGW, Chromium…)
set -euo pipefail

MODE="${1:-run}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.venv"

# Used at run time: Python, OCR (Tesseract + French), PDF rasterising (poppler).
RUN_PACKAGES=(python3 python3-venv python3-dev build-essential tesseract-ocr tesseract-ocr-fra poppler-utils
              fonts-dejavu-core fonts-liberation)
# Started by the test suite as local processes (production runs them as services, see deploy/PRODUCTION.md).
TEST_PACKAGES=(postgresql redis-server ceph-mon ceph-osd ceph-common radosgw
               chromium chromium-driver libnss3-tools softhsm2 ghostscript fonts-dejavu-extra wrk)

case "$MODE" in
  run) PACKAGES=("${RUN_PACKAGES[@]}"); EXTRAS="" ;;
  test) PACKAGES=("${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"); EXTRAS="[test]" ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python >= 3.11 required" >&2; exit 1; }
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"

# Reinstall only when the dependency list changed (a stamp holds the pyproject hash and extras).
STAMP="$VENV/.coffre-installed"
WANT="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)$EXTRAS"
if [ ! -f "$STAMP" ] || ! grep -qx -- "$WANT" "$STAMP"; then
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -U pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT$EXTRAS"
  echo "$WANT" >> "$STAMP"
fi
echo "setup: ready ($MODE)"
