"""Kill -9 the worker mid-cycle on the dev server: the cycle completes, nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.messages import MARK_EVERY
from embedded.binaries import temporal_cli
from embedded.smtp import MailStore
from embedded.stack import SQLITE_PRAGMAS
from models.cycle import load_cycle
from models.workflow_io import CycleInput
from settings import PROJECT_DIR, Settings
from store.database import connect, create_schema
from store.tables import OutboxRow, OutcomeItemRow, ProposalRow, SignatureRow
from tests.conftest import write_cycle
from workflows.cycle import CycleWorkflow

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.MULTILINE | re.IGNORECASE)
DESKS = ["1.01", "2.22", "W.01"]


def start_worker(address: str, settings: Settings, task_queue: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": address,
        "RAKORTEK_TASK_QUEUE": task_queue,
        "RAKORTEK_DATABASE_URL": settings.database_url,
        "RAKORTEK_SMTP_HOST": settings.smtp_host,
        "RAKORTEK_SMTP_PORT": str(settings.smtp_port),
        "RAKORTEK_OUTPUT_DIR": str(settings.output_dir),
    }
    return subprocess.Popen(
        [sys.executable, "worker.py"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


async def test_cycle_survives_killed_workers(
    settings: Settings, mail: tuple[MailStore, int], task_queue: str, tmp_path: Path
) -> None:
    extra: list[str] = []
    for pragma in SQLITE_PRAGMAS:
        extra += ["--sqlite-pragma", pragma]
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        dev_server_database_filename=str(tmp_path / "temporal.db"),
        dev_server_extra_args=extra,
        data_converter=pydantic_data_converter,
    )
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["31", "94"], desks=DESKS))
    create_schema(connect(settings.database_url))
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
