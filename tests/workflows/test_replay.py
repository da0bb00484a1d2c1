"""Histories recorded from a whole 2022 rehearsal replay with the current workflow code.

A change that would break cycles already running fails here; guard it with workflow.patched
(README, "Changing workflow code") rather than re-recording. scripts/record_histories.py made them.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import WORKFLOWS, workflow_runner

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json.gz"))


def test_histories_are_there() -> None:
    names = [path.name for path in HISTORIES]
    assert "rakortek-2022.json.gz" in names and len(names) >= 3, names


def load(path: Path) -> WorkflowHistory:
    workflow_id = path.name.removesuffix(".json.gz")
    return WorkflowHistory.from_json(workflow_id, gzip.decompress(path.read_bytes()).decode())


@pytest.mark.parametrize("path", HISTORIES, ids=lambda path: path.name.removesuffix(".json.gz"))
async def test_recorded_history_replays(path: Path) -> None:
    history = load(path)
    replayer = Replayer(
        workflows=WORKFLOWS, workflow_runner=workflow_runner(), data_converter=pydantic_data_converter
    )
    await replayer.replay_workflow(history)
