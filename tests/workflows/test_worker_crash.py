"""Kill -9 the worker, and once the Temporal server, mid-cycle: the cycle completes, nothing is lost
or doubled."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError

from embedded.smtp import MailStore
from models.cycle import load_cycle
from models.workflow_io import CycleInput, CycleSummary
from settings import Settings
from store.database import connect
from store.tables import OutboxRow, OutcomeItemRow, ProposalRow, SignatureRow
from tests.conftest import write_cycle
from tests.processes import DevServer, start_worker
from workflows.cycle import CycleWorkflow

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.MULTILINE | re.IGNORECASE)
DESKS = ["1.01", "2.22", "W.01"]
# Four rounds in every test run (three worker kills, one server restart); the long run is
# CRASH_ROUNDS=20 bash scripts/test.sh tests/workflows/test_worker_crash.py -s
ROUNDS = max(4, int(os.environ.get("CRASH_ROUNDS", "4")))


async def result_across_restarts(handle: WorkflowHandle[Any, CycleSummary], patience: float) -> CycleSummary:
    """The cycle's result; while the server is down or restarting, ask again."""
    deadline = asyncio.get_running_loop().time() + patience
    while True:
        try:
            return await handle.result()
        except RPCError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(1)


async def test_cycle_survives_killed_workers_and_a_server_restart(
    settings: Settings, mail: tuple[MailStore, int], task_queue: str, tmp_path: Path
) -> None:
    server = DevServer(tmp_path)
    server.start()
    client = await Client.connect(server.address, data_converter=pydantic_data_converter)
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["31", "94"], desks=DESKS))
    log = tmp_path / "worker.log"
    # Kill moments drawn at random (printed, so a failing run can be repeated with its seed).
    seed = random.SystemRandom().randrange(10_000)
    rng = random.Random(seed)
    kills = restarts = 0
    worker = start_worker(server.address, settings, task_queue, log)
    try:
        handle = await client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=60_000.0, simulate_participants=True),
            id=f"cycle-{task_queue}",
            task_queue=task_queue,
        )
        for round in range(ROUNDS):
            await asyncio.sleep(rng.uniform(3, 10))
            if round == 2:
                # The Temporal server itself dies mid-cycle and comes back on its file database.
                server.kill()
                await asyncio.sleep(2)
                server.start()
                restarts += 1
                continue
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                kills += 1
            worker = start_worker(server.address, settings, task_queue, log)
        summary = await asyncio.wait_for(result_across_restarts(handle, 400), timeout=420)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        server.stop()

    assert {p.stage for p in summary.provinces} == {"COMPLETED"}
    engine = connect(settings.database_url)
    with Session(engine) as db:
        count = lambda table: db.scalar(select(func.count()).select_from(table))  # noqa: E731
        proposals, outcomes, signatures = count(ProposalRow), count(OutcomeItemRow), count(SignatureRow)
        sent = set(db.scalars(select(OutboxRow.message_id).where(OutboxRow.status == "sent")))
    received = Counter(MESSAGE_ID.search(raw).group(1).decode() for raw in mail[0].raw)  # type: ignore[union-attr]
    duplicated = sum(n - 1 for n in received.values())
    print(
        f"\nseed={seed} worker kills={kills} server restarts={restarts} "
        f"messages expected={len(sent)} received={sum(received.values())} "
        f"distinct={len(received)} duplicated={duplicated} "
        f"rows: proposals={proposals} outcome items={outcomes} signatures={signatures}"
    )
    assert kills == ROUNDS - 1 and restarts == 1
    # Every item the workflows hold is a row, no more, no fewer. (How many the simulated people
    # got in before the data-entry deadline depends on where the kills fell: at 60,000x a killed
    # worker's retry can arrive after it, and the workflow refuses it, as it should.)
    held = sum(p.items_agreed + p.items_not_agreed for p in summary.provinces)
    assert proposals == outcomes == held > 0
    assert signatures == 4
    # Every message the outbox records as sent arrived; nothing arrived that it does not know.
    assert set(received) == sent
    # A duplicate only comes from the window between the relay's acceptance and the outbox
    # record of that one message: at most one per SMTP connection a killed worker held, and it
    # carries the same Message-ID (counted above by Message-ID).
    assert duplicated <= (kills + restarts) * settings.smtp_connections
