"""Everyone at once: every participant of a small cycle answers the pre-meeting's invitation in
the same moment, on a dev server that allows ten updates in flight per workflow. Each answer is
accepted; none fails for lack of capacity (the clients back off and ask again)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.cycle import load_cycle
from models.workflow_io import CycleInput, RecordReply
from settings import Settings
from store.database import connect
from store.tables import ReplyRow
from temporal_client import new_update_id
from tests.conftest import write_cycle
from tests.helpers.acting import holder_of, send
from tests.processes import dev_server
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow

PROVINCES = ["11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36"]
"""Half the country: some two hundred people answering in the same moment."""


async def test_everyone_answering_at_once_is_accepted(
    settings: Settings, task_queue: str, tmp_path: Path
) -> None:
    cycle = load_cycle(write_cycle(tmp_path / "cycle", PROVINCES, desks=["1.01", "W.02"]))
    env = await dev_server(tmp_path)
    client = env.client
    engine = connect(settings.database_url)
    try:
        async with rakortek_worker(client, settings, task_queue):
            handle = await client.start_workflow(
                CycleWorkflow.run,
                CycleInput(cycle=cycle, rehearsal_speed=1.0),
                id=f"cycle-{task_queue}",
                task_queue=task_queue,
            )
            await handle.query(CycleWorkflow.state)

            async def answer(person_id: str) -> float:
                person = next(p for p in cycle.participants if p.id == person_id)
                reply = RecordReply(actor=person.id, partstat="ACCEPTED", mode="online", sequence=0)
                began = time.monotonic()
                await send(
                    handle,
                    CycleWorkflow.record_reply,
                    reply,
                    holder_of(person),
                    update_id=new_update_id("burst"),
                )
                return time.monotonic() - began

            people = [p.id for p in cycle.participants]
            latencies = sorted(await asyncio.gather(*(answer(p) for p in people)))
            assert len(latencies) == len(people) > 10
            for _ in range(100):
                with Session(engine) as db:
                    recorded = db.scalar(select(func.count()).select_from(ReplyRow)) or 0
                if recorded == len(people):
                    break
                await asyncio.sleep(0.1)
            assert recorded == len(people)
            middle, slowest = latencies[len(latencies) // 2], latencies[-1]
            print(f"{len(people)} answers at once: p50 {middle:.2f} s, max {slowest:.2f} s")
            await handle.terminate()
    finally:
        await env.shutdown()
