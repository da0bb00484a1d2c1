"""A write the database refuses for good fails at once and in view; the writes behind it go on.

The refusal is injected with a trigger (a value PostgreSQL would call too long, a constraint
SQLite would call broken), on each database.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from board.snapshot import board_snapshot
from commands.status import cycle_status
from models.cycle import load_cycle
from models.workflow_io import (
    CancelSession,
    CycleInput,
    RescheduleSession,
    SessionQuery,
    province_workflow_id,
)
from settings import Settings
from store.database import connect
from tests.conftest import write_cycle
from tests.helpers.acting import holder_of, send
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow
from workflows.province import ProvinceWorkflow

BROKEN_ROOM = "Ruang Rusak"
SQLITE_TRIGGER = f"""
CREATE TRIGGER refuse_room BEFORE UPDATE ON sessions WHEN NEW.room = '{BROKEN_ROOM}'
BEGIN SELECT RAISE(ABORT, 'injected: room refused'); END
"""
POSTGRES_TRIGGER = [
    f"""
CREATE FUNCTION refuse_room() RETURNS trigger AS $$ BEGIN
  IF NEW.room = '{BROKEN_ROOM}' THEN
    RAISE EXCEPTION 'value too long for type character varying(200)' USING ERRCODE = '22001';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
""",
    "CREATE TRIGGER refuse_room BEFORE UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION refuse_room()",
]


async def test_a_refused_write_fails_in_view_and_the_next_write_goes_through(
    time_skipping: WorkflowEnvironment, settings: Settings, task_queue: str, tmp_path: Path
) -> None:
    cycle = load_cycle(write_cycle(tmp_path, ["94"], desks=["1.01", "W.02"]))
    organizer = holder_of(next(p for p in cycle.participants if p.id == "ORG-02"))
    engine = connect(settings.database_url)
    with engine.begin() as connection:
        for statement in [SQLITE_TRIGGER] if engine.dialect.name == "sqlite" else POSTGRES_TRIGGER:
            connection.execute(text(statement))
    client = time_skipping.client
    async with rakortek_worker(client, settings, task_queue):
        handle = await client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0),
            id=f"cycle-{task_queue}",
            task_queue=task_queue,
        )
        papua = client.get_workflow_handle(province_workflow_id(2022, "94"))
        await time_skipping.sleep(cycle.pre_meeting.ends_at - cycle.opens_at + timedelta(hours=1))
        session = await papua.query(ProvinceWorkflow.session, SessionQuery(desk="1.01"))
        move = RescheduleSession(actor="ORG-02", desk="1.01", starts_at=session.starts_at, room=BROKEN_ROOM)
        # Refused at once (not retried for ever), saying what the database said and no more.
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await asyncio.wait_for(
                send(papua, ProvinceWorkflow.reschedule, move, organizer, time_skipping), 60
            )
        # Another session's cancellation is not held behind it.
        cancel = CancelSession(actor="ORG-02", desk="W.02", reason="Narasumber berhalangan")
        sequence = await asyncio.wait_for(
            send(papua, ProvinceWorkflow.cancel, cancel, organizer, time_skipping), 60
        )
        for _ in range(100):
            status = cycle_status(engine, 2022)
            if status.provinces[0].failed_writes:
                break
            await asyncio.sleep(0.1)
        board = board_snapshot(engine, 2022)
        await handle.terminate("the test has what it needs")

    cause = str(refused.value.cause)
    assert "the database refused change_session" in cause and BROKEN_ROOM not in cause
    assert sequence == 1
    assert status.provinces[0].failed_writes == 1
    (shown,) = board["failed_writes"]
    assert (
        shown["province"] == "94" and shown["write"] == "change_session" and BROKEN_ROOM not in shown["error"]
    )
