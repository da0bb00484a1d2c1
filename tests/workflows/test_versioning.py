"""A deploy while a cycle runs: the cycle finishes on the version it started on, new cycles take
the new one (Worker Versioning, PINNED; README, "Changing workflow code").

On the dev server, with two worker processes of two build ids of one deployment."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType, VersioningBehavior
from temporalio.api.workflowservice.v1 import SetWorkerDeploymentCurrentVersionRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

from embedded.smtp import MailStore
from models.cycle import load_cycle
from models.workflow_io import CycleInput, province_workflow_id
from settings import Settings
from tests.conftest import write_cycle
from tests.processes import dev_server, start_worker
from workflows.cycle import CycleWorkflow

PROVINCES = ["11", "94"]
DESKS = ["1.01", "W.01"]


async def make_current(client: Client, deployment: str, build_id: str) -> None:
    """What `temporal worker deployment set-current-version` does, once the version's worker
    has polled (a worker process takes seconds to start)."""
    request = SetWorkerDeploymentCurrentVersionRequest(
        namespace=client.namespace, deployment_name=deployment, build_id=build_id, identity="test"
    )
    for _ in range(120):
        try:
            await client.workflow_service.set_worker_deployment_current_version(request)
            return
        except RPCError:
            await asyncio.sleep(0.5)
    raise AssertionError(f"version {deployment}:{build_id} never became current")


async def version_of(handle: WorkflowHandle) -> tuple[str, int]:
    """(build id, versioning behavior) the workflow runs on."""
    info = (await handle.describe()).raw_description.workflow_execution_info.versioning_info
    return info.deployment_version.build_id, info.behavior


async def workers_of(client: Client, workflow_id: str) -> set[str]:
    """The process ids of the workers that took the workflow's tasks."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return {
        e.workflow_task_started_event_attributes.identity.split("@")[0]
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
        and e.workflow_task_started_event_attributes.identity
    }


# The database plays no part in which worker runs what: SQLite alone.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_running_cycle_stays_on_its_version_while_the_next_is_deployed(
    settings: Settings, mail: tuple[MailStore, int], task_queue: str, tmp_path: Path
) -> None:
    env = await dev_server(tmp_path)
    client = env.client
    address = client.service_client.config.target_host
    deployment = settings.deployment_name
    cycle = load_cycle(write_cycle(tmp_path / "cycle", PROVINCES, desks=DESKS))
    request = CycleInput(cycle=cycle, rehearsal_speed=60_000.0, simulate_participants=True)
    old = start_worker(address, settings, task_queue, tmp_path / "worker-a.log", build_id="release-a")
    new = None
    try:
        await make_current(client, deployment, "release-a")
        running = await client.start_workflow(
            CycleWorkflow.run, request, id=f"cycle-{task_queue}", task_queue=task_queue
        )
        # Deploy the next release once the provinces run.
        province = client.get_workflow_handle(province_workflow_id(cycle.year, PROVINCES[-1]))
        for _ in range(240):
            try:
                await province.describe()
                break
            except RPCError:
                await asyncio.sleep(0.25)
        new = start_worker(address, settings, task_queue, tmp_path / "worker-b.log", build_id="release-b")
        await make_current(client, deployment, "release-b")
        summary = await asyncio.wait_for(running.result(), timeout=400)

        pinned = [await version_of(running)]
        for code in PROVINCES:
            pinned.append(
                await version_of(client.get_workflow_handle(province_workflow_id(cycle.year, code)))
            )
        took = set()
        for workflow_id in (running.id, *(province_workflow_id(cycle.year, c) for c in PROVINCES)):
            took |= await workers_of(client, workflow_id)

        # A cycle started now takes the new release.
        fresh = await client.start_workflow(
            CycleWorkflow.run, request, id=f"next-{task_queue}", task_queue=task_queue
        )
        # Its version is recorded once its first workflow task completes.
        for _ in range(240):
            fresh_version = await version_of(fresh)
            if fresh_version[0]:
                break
            await asyncio.sleep(0.25)
        fresh_workers = await workers_of(client, fresh.id)
        await fresh.terminate("the test has seen where it runs")
    finally:
        for worker in (old, new):
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
        await env.shutdown()

    assert {p.stage for p in summary.provinces} == {"COMPLETED"}
    assert pinned == [("release-a", VersioningBehavior.VERSIONING_BEHAVIOR_PINNED)] * (1 + len(PROVINCES))
    assert new is not None
    assert took == {str(old.pid)}, "the old release's worker did all of the running cycle's work"
    assert fresh_version == ("release-b", VersioningBehavior.VERSIONING_BEHAVIOR_PINNED)
    assert fresh_workers == {str(new.pid)}
