#!/usr/bin/env bash
# Writes requirements.lock: every runtime dependency of pyproject.toml pinned, with its hashes,
# for the image (Dockerfile) to install exactly. Run after changing the dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="$(mktemp -d)"
trap 'rm -rf "$TOOLS"' EXIT
python3 -m venv "$TOOLS"
"$TOOLS/bin/pip" install --quiet pip-tools
"$TOOLS/bin/pip-compile" --quiet --generate-hashes --strip-extras --no-emit-index-url \
  --no-emit-find-links --output-file requirements.lock pyproject.toml
