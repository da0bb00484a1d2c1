#!/usr/bin/env bash
# README's first command: set up, then rehearse the 2022 cycle to the end on this machine
# (Temporal dev server, local SMTP server and worker, all started here and stopped at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
exec .venv/bin/python starter.py rehearse "${1:-config/cycles/2022/rakortekrenbang-2022.toml}" "${@:2}"
