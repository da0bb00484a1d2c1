#!/usr/bin/env bash
# Set up, then run a benchmark (default: the engine benchmark, BENCHMARKS.md).
#   bash scripts/bench.sh                                   floor vs 2022 rehearsal, mail, schedule
#   bash scripts/bench.sh cycle config/cycles/scale/kabupaten-kota.toml   one cycle at scale
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh bench
if [ $# -eq 0 ]; then set -- engine; fi
exec .venv/bin/python -m bench "$@"
