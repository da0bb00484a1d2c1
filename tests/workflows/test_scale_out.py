"""Two worker processes on one task queue share a cycle; stopping one leaves the other to finish.

On the dev server, as in production, so the search attributes are checked here too."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.service import RPCError

from embedded.smtp import MailStore
from models.cycle import load_cycle
from models.workflow_io import CycleInput, province_workflow_id
from settings import Settings
from tests.conftest import write_cycle
from tests.processes import dev_server, start_worker
from workflows.cycle import CycleWorkflow

PROVINCES = ["11", "31", "63", "94"]
DESKS = ["1.01", "2.22", "W.01"]


async def task_starts_by_worker(client: Client, cycle_id: str, year: int) -> dict[str, int]:
    """How many workflow and activity tasks of the cycle and its provinces each worker identity
    started (a database write runs inside its workflow task, as a local activity)."""
    identities: dict[str, int] = {}
    for workflow_id in (cycle_id, *(province_workflow_id(year, code) for code in PROVINCES)):
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        for event in history.events:
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                who = event.activity_task_started_event_attributes.identity
            elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
                who = event.workflow_task_started_event_attributes.identity
            else:
                continue
            # Some workflow tasks are recorded without an identity: they name no worker.
            if who:
                identities[who] = identities.get(who, 0) + 1
    return identities


def pids_of(identities: dict[str, int]) -> set[str]:
    return {identity.split("@")[0] for identity in identities}


async def test_two_workers_share_a_cycle_and_one_can_stop(
    settings: Settings, mail: tuple[MailStore, int], task_queue: str, tmp_path: Path
) -> None:
    env = await dev_server(tmp_path)
    cycle = load_cycle(write_cycle(tmp_path / "cycle", PROVINCES, desks=DESKS))
    address = env.client.service_client.config.target_host
    workers = [start_worker(address, settings, task_queue, tmp_path / f"worker-{n}.log") for n in (1, 2)]
    try:
        handle = await env.client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=60_000.0, simulate_participants=True),
            id=f"cycle-{task_queue}",
            task_queue=task_queue,
        )
        # Stop the first worker once both have taken work of the cycle: on a loaded machine a
        # worker process can take many seconds to start polling.
        both = {str(worker.pid) for worker in workers}
        for _ in range(240):
            await asyncio.sleep(0.5)
            with contextlib.suppress(RPCError):
                if pids_of(await task_starts_by_worker(env.client, handle.id, cycle.year)) == both:
                    break
        workers[0].send_signal(signal.SIGTERM)
        stopped = await asyncio.to_thread(workers[0].wait, 60)
        summary = await asyncio.wait_for(handle.result(), timeout=400)
        identities = await task_starts_by_worker(env.client, handle.id, cycle.year)
        # Admins filter by stage in the Web UI; the same query through the client:
        query = f'RakortekYear = {cycle.year} AND RakortekStage = "COMPLETED"'
        for _ in range(50):
            finished = sorted([w.id async for w in env.client.list_workflows(query)])
            if len(finished) == len(PROVINCES):
                break
            await asyncio.sleep(0.2)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
        await env.shutdown()

    print(f"\ntasks per worker: {identities}; first worker exited with {stopped}")
    assert {p.stage for p in summary.provinces} == {"COMPLETED"}
    assert finished == sorted(province_workflow_id(cycle.year, code) for code in PROVINCES)
    assert stopped == 0, "SIGTERM is a clean stop"
    assert pids_of(identities) == {str(worker.pid) for worker in workers}, "both workers did work"
