#!/usr/bin/env bash
# The README's first command: set everything up, then run Coffre on the embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup.sh run
.venv/bin/coffre init
exec .venv/bin/coffre run "$@"
