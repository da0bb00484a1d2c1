from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from temporalio.testing import WorkflowEnvironment

from embedded.smtp import MailStore
from models.cycle import load_cycle
from models.workflow_io import CycleInput, cycle_workflow_id
from settings import Settings
from store.database import connect
from store.tables import OutboxRow, SignatureRow
from tests.conftest import write_cycle
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow


async def test_two_provinces_run_to_completed(
    time_skipping: WorkflowEnvironment,
    settings: Settings,
    mail: tuple[MailStore, int],
    task_queue: str,
    tmp_path: Path,
) -> None:
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["31", "94"]))
    async with rakortek_worker(time_skipping.client, settings, task_queue):
        summary = await time_skipping.client.execute_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0, simulate_participants=True),
            id=cycle_workflow_id(cycle.year) + "-" + task_queue,
            task_queue=task_queue,
        )
    assert [p.stage for p in summary.provinces] == ["COMPLETED", "COMPLETED"]
    engine = connect(settings.database_url)
    with Session(engine) as db:
        print(
            db.execute(
                select(OutboxRow.kind, OutboxRow.status, func.count()).group_by(
                    OutboxRow.kind, OutboxRow.status
                )
            ).all()
        )
        assert db.scalar(select(func.count()).select_from(SignatureRow)) == 4
    print(len(mail[0].messages()))
