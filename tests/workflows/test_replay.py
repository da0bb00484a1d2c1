"""Histories recorded from a whole 2022 rehearsal replay with the current workflow code.

Each folder under histories/ is a set recorded by scripts/record_histories.py on the code of a
release. Running cycles finish on the worker version they started on (README, "Changing workflow
code"), so a change fails here only if it breaks determinism within one version: then it is a new
version, and its set is recorded anew.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import WORKFLOWS, workflow_runner

FOLDER = Path(__file__).parent / "histories"
HISTORIES = sorted(FOLDER.glob("*/*.json.gz"))


def test_every_set_has_the_cycle_and_its_provinces() -> None:
    sets = sorted(path.name for path in FOLDER.iterdir() if path.is_dir())
    assert sets, "no recorded history set"
    for name in sets:
        files = [path.name for path in HISTORIES if path.parent.name == name]
        assert "rakortek-2022.json.gz" in files and len(files) >= 3, (name, files)


def load(path: Path) -> WorkflowHistory:
    workflow_id = path.name.removesuffix(".json.gz")
    return WorkflowHistory.from_json(workflow_id, gzip.decompress(path.read_bytes()).decode())


@pytest.mark.parametrize(
    "path", HISTORIES, ids=lambda path: f"{path.parent.name}/{path.name.removesuffix('.json.gz')}"
)
async def test_recorded_history_replays(path: Path) -> None:
    history = load(path)
    replayer = Replayer(
        workflows=WORKFLOWS, workflow_runner=workflow_runner(), data_converter=pydantic_data_converter
    )
    await replayer.replay_workflow(history)
