"""A move onto a desk another province holds at that time is refused by the database's check,
and the province's writes go on behind the refusal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.cycle import load_cycle
from models.workflow_io import CycleInput, RescheduleSession, SessionQuery, province_workflow_id
from settings import Settings
from tests.conftest import write_cycle
from tests.helpers.acting import holder_of, send
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow
from workflows.province import ProvinceWorkflow

DESK = "1.01"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_move_onto_another_provinces_session_is_refused(
    time_skipping: WorkflowEnvironment, settings: Settings, task_queue: str, tmp_path: Path
) -> None:
    cycle = load_cycle(write_cycle(tmp_path, ["31", "32"], desks=[DESK]))
    client = time_skipping.client
    organizer = holder_of(next(p for p in cycle.participants if p.id == "ORG-02"))
    async with rakortek_worker(client, settings, task_queue):
        handle = await client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0),
            id=f"cycle-{task_queue}",
            task_queue=task_queue,
        )
        jakarta = client.get_workflow_handle(province_workflow_id(2022, "31"))
        west_java = client.get_workflow_handle(province_workflow_id(2022, "32"))
        await time_skipping.sleep(cycle.pre_meeting.ends_at - cycle.opens_at + timedelta(hours=1))
        taken = await west_java.query(ProvinceWorkflow.session, SessionQuery(desk=DESK))
        onto = RescheduleSession(actor="ORG-02", desk=DESK, starts_at=taken.starts_at)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await send(jakarta, ProvinceWorkflow.reschedule, onto, organizer, time_skipping)
        detail = await jakarta.query(ProvinceWorkflow.session, SessionQuery(desk=DESK))
        # The next write is not held behind the refused one: a free hour an hour later is taken.
        free = onto.model_copy(update={"starts_at": taken.ends_at})
        moved = await send(jakarta, ProvinceWorkflow.reschedule, free, organizer, time_skipping)
        after = await jakarta.query(ProvinceWorkflow.session, SessionQuery(desk=DESK))
        await handle.terminate("the test has what it needs")

    assert "is taken at that time by session 2022-32-1.01" in str(refused.value.cause), refused.value
    assert detail.sequence == 0 and detail.starts_at != taken.starts_at
    assert moved == 1 and after.starts_at == taken.ends_at
