"""Histories recorded from whole 2022 rehearsals replay with the current workflow code.

Each folder under histories/ is a set recorded on the code of its day, by
scripts/record_histories.py. A change that would break cycles already running fails here; guard
it with workflow.patched (README, "Changing workflow code"), then record a new set beside these.
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
    assert "audit-trail" in sets and "one-alarm" in sets, sets
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
