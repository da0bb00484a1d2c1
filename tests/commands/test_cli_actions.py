"""An organizer acts from the command line with the link from their mail, kept in a file: the
session is cancelled, and the history holds an update token, never the link."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from models.cycle import load_cycle
from models.workflow_io import CycleInput, SessionQuery, province_workflow_id
from portal.visitors import revoke_links
from settings import Settings
from starter import parser
from store.database import connect
from tests.conftest import write_cycle
from tests.helpers.acting import link_of
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow
from workflows.province import ProvinceWorkflow


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_cancel_with_a_link_kept_in_a_file(
    time_skipping: WorkflowEnvironment,
    settings: Settings,
    task_queue: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cycle = load_cycle(write_cycle(tmp_path, ["94"], desks=["1.01", "W.02"]))
    organizer = next(p for p in cycle.participants if p.id == "ORG-02")
    link = link_of(organizer, cycle.deadlines.cycle_ends_at)
    kept = tmp_path / "link.txt"
    kept.write_text(link + "\n", encoding="utf-8")
    for name, value in {
        "TEMPORAL_ADDRESS": time_skipping.client.service_client.config.target_host,
        "RAKORTEK_DATABASE_URL": settings.database_url,
        "RAKORTEK_TOKEN_SECRET": settings.token_secret.get_secret_value(),  # type: ignore[union-attr]
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RAKORTEK_TOKEN", raising=False)
    client = time_skipping.client
    async with rakortek_worker(client, settings, task_queue):
        await client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0),
            id=f"c-{task_queue}",
            task_queue=task_queue,
        )
        papua = client.get_workflow_handle(province_workflow_id(2022, "94"))
        for _ in range(100):
            with contextlib.suppress(RPCError):  # not started yet
                if (await papua.query(ProvinceWorkflow.state)).sessions:
                    break
            await asyncio.sleep(0.1)
        command = ["cancel", "94", "W.02", "--reason", "Narasumber berhalangan", "--actor", "ORG-02"]
        args = parser().parse_args([*command, "--token-file", str(kept), "--year", "2022"])
        await args.run(args)
        detail = await papua.query(ProvinceWorkflow.session, SessionQuery(desk="W.02"))
        history = (await papua.fetch_history()).to_json()
        # A withdrawn link no longer acts from the command line either.
        revoke_links(connect(settings.database_url), 2022, "ORG-02", "kontak diganti", "ORG-01")
        again = parser().parse_args(
            ["cancel", "94", "1.01", "--reason", "x", "--actor", "ORG-02", "--token-file", str(kept)]
        )
        with pytest.raises(SystemExit) as refused:
            await again.run(again)
        await client.get_workflow_handle(f"c-{task_queue}").terminate("the test has what it needs")

    assert detail.state == "cancelled"
    assert link.split(".")[1] not in history
    assert refused.value.code == 2
