"""Kill -9 the worker mid-cycle on the dev server: the cycle completes, nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import random
import re
import signal
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities.messages import MARK_EVERY
from embedded.smtp import MailStore
from models.cycle import load_cycle
from models.workflow_io import CycleInput
from settings import Settings
from store.database import connect
from store.tables import OutboxRow, OutcomeItemRow, ProposalRow, SignatureRow
from tests.conftest import write_cycle
from tests.processes import dev_server, start_worker
from workflows.cycle import CycleWorkflow

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.MULTILINE | re.IGNORECASE)
DESKS = ["1.01", "2.22", "W.01"]


async def test_cycle_survives_killed_workers(
    settings: Settings, mail: tuple[MailStore, int], task_queue: str, tmp_path: Path
) -> None:
    env = await dev_server(tmp_path)
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["31", "94"], desks=DESKS))
    address = env.client.service_client.config.target_host
    log = tmp_path / "worker.log"
    rng = random.Random(2022)
    kills = 0
    worker = start_worker(address, settings, task_queue, log)
    try:
        handle = await env.client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=60_000.0, simulate_participants=True),
            id=f"cycle-{task_queue}",
            task_queue=task_queue,
        )
        for _ in range(3):
            await asyncio.sleep(rng.uniform(4, 12))
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                kills += 1
            worker = start_worker(address, settings, task_queue, log)
        summary = await asyncio.wait_for(handle.result(), timeout=400)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        await env.shutdown()

    assert {p.stage for p in summary.provinces} == {"COMPLETED"}
    engine = connect(settings.database_url)
    with Session(engine) as db:
        count = lambda table: db.scalar(select(func.count()).select_from(table))  # noqa: E731
        proposals, outcomes, signatures = count(ProposalRow), count(OutcomeItemRow), count(SignatureRow)
        sent = set(db.scalars(select(OutboxRow.message_id).where(OutboxRow.status == "sent")))
    received = Counter(MESSAGE_ID.search(raw).group(1).decode() for raw in mail[0].raw)  # type: ignore[union-attr]
    duplicated = sum(n - 1 for n in received.values())
    print(
        f"\nkills={kills} messages expected={len(sent)} received={sum(received.values())} "
        f"distinct={len(received)} duplicated={duplicated} "
        f"rows: proposals={proposals} outcome items={outcomes} signatures={signatures}"
    )
    assert kills == 3
    assert proposals == outcomes == 2 * len(DESKS) * 2
    assert signatures == 4
    # Every message the outbox records as sent arrived; nothing arrived that it does not know.
    assert set(received) == sent
    # A duplicate only comes from the window between the server's acceptance and the outbox
    # record, and it carries the same Message-ID (counted above by Message-ID).
    assert duplicated <= kills * MARK_EVERY
