"""A two-province cycle, end to end on the time-skipping server, then replayed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from commands.status import province_status
from embedded.smtp import MailStore
from models.cycle import load_cycle
from models.workflow_io import CycleInput, province_workflow_id
from settings import Settings
from store.database import connect
from store.tables import OutboxRow, OutcomeItemRow, SessionRow, SignatureRow
from tests.conftest import write_cycle
from worker import WORKFLOWS, rakortek_worker, workflow_runner
from workflows.cycle import CycleWorkflow


async def test_two_provinces_run_to_completed_and_replay(
    time_skipping: WorkflowEnvironment,
    settings: Settings,
    mail: tuple[MailStore, int],
    task_queue: str,
    tmp_path: Path,
) -> None:
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["31", "94"]))
    client = time_skipping.client
    async with rakortek_worker(client, settings, task_queue):
        handle = await client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0, simulate_participants=True),
            id=f"cycle-{task_queue}",
            task_queue=task_queue,
        )
        summary = await handle.result()

    assert [(p.code, p.stage) for p in summary.provinces] == [
        ("31", "COMPLETED"),
        ("94", "COMPLETED"),
    ]
    assert sum(p.sessions_held for p in summary.provinces) == 72
    engine = connect(settings.database_url)
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(SignatureRow)) == 4
        assert db.scalar(select(func.count()).select_from(OutcomeItemRow)) == 72 * 2
        states = dict(db.execute(select(SessionRow.state, func.count()).group_by(SessionRow.state)).all())
        assert states == {"outcome_recorded": 72}
        sent = db.scalar(select(func.count()).where(OutboxRow.status == "sent"))
    assert sent == len(mail[0].raw)

    # What an admin sees of one province: each session in the venue's zone and Papua's own.
    papua = province_status(engine, cycle.year, "94")
    assert papua["stage"] == "COMPLETED" and papua["overdue"] == []
    assert len(papua["sessions"]) == 36
    first = papua["sessions"][0]
    assert first["venue_time"].endswith("WIB") and first["province_time"].endswith("WIT")
    assert int(first["province_time"].split()[-2][:2]) - int(first["venue_time"].split()[-2][:2]) == 2
    assert all(s["invitation"].get("sent", 0) > 0 and s["outcome_items"] == 2 for s in papua["sessions"])
    assert sorted(papua["signatures"]) == ["central", "regional"]

    # The histories of the finished run replay with the current code.
    replayer = Replayer(
        workflows=WORKFLOWS, workflow_runner=workflow_runner(), data_converter=pydantic_data_converter
    )
    for workflow_id in (handle.id, province_workflow_id(cycle.year, "94")):
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        await replayer.replay_workflow(history)
