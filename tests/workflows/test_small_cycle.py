"""A two-province cycle, end to end on the time-skipping server, then replayed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from commands.status import province_status
from embedded.smtp import MailStore
from models.cycle import load_cycle
from models.messages import Mailings, MailKind
from models.workflow_io import CycleInput, province_workflow_id
from settings import Settings
from store.database import connect
from store.tables import OutboxRow, OutcomeItemRow, SessionRow, SignatureRow
from tests.conftest import write_cycle
from worker import WORKFLOWS, rakortek_worker, workflow_runner
from workflows.cycle import CycleWorkflow


def timers_pending_at_most(history: WorkflowHistory) -> int:
    pending = peak = 0
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            pending += 1
            peak = max(peak, pending)
        elif event.event_type in (EventType.EVENT_TYPE_TIMER_FIRED, EventType.EVENT_TYPE_TIMER_CANCELED):
            pending -= 1
    return peak


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
        # Every session of Papua was reminded twice (the day before, and the hour before) for
        # the date it was finally held on, and no reminder was late.
        reminded = db.execute(
            select(OutboxRow.session_id, OutboxRow.sequence, OutboxRow.status, func.count())
            .where(OutboxRow.province == "94", OutboxRow.kind == "session_reminder")
            .group_by(OutboxRow.session_id, OutboxRow.sequence, OutboxRow.status)
        ).all()
        held = db.execute(
            select(SessionRow.id, SessionRow.sequence, func.count(OutboxRow.message_id))
            .join(OutboxRow, OutboxRow.session_id == SessionRow.id)
            .where(SessionRow.province == "94", OutboxRow.kind == "session_invite")
            .group_by(SessionRow.id, SessionRow.sequence)
        ).all()
    assert sent == len(mail[0].raw)
    assert len(held) == 36
    assert {status for _, _, status, _ in reminded} == {"sent"}
    reminders = {(session, sequence): count for session, sequence, _, count in reminded}
    assert {(session, reminders.get((session, sequence))) for session, sequence, _ in held} == {
        (session, 2 * invited) for session, _, invited in held
    }

    # What an admin sees of one province: each session in the venue's zone and Papua's own.
    papua = province_status(engine, cycle.year, "94")
    assert papua.stage == "COMPLETED" and papua.overdue == []
    assert len(papua.sessions) == 36
    first = papua.sessions[0]
    assert first.venue_time.endswith("WIB") and first.province_time.endswith("WIT")
    assert int(first.province_time.split()[-2][:2]) - int(first.venue_time.split()[-2][:2]) == 2
    assert all(s.invitation.get("sent", 0) > 0 and s.outcome_items == 2 for s in papua.sessions)
    assert sorted(papua.signatures) == ["central", "regional"]

    # The histories of the finished run replay with the current code.
    replayer = Replayer(
        workflows=WORKFLOWS, workflow_runner=workflow_runner(), data_converter=pydantic_data_converter
    )
    for workflow_id in (handle.id, province_workflow_id(cycle.year, "94")):
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        await replayer.replay_workflow(history)

    # 36 sessions wait for their reminders and starts on one alarm: the server holds one timer
    # per province, never one per session.
    history = await client.get_workflow_handle(province_workflow_id(cycle.year, "94")).fetch_history()
    assert timers_pending_at_most(history) == 1

    # Mail asked for at one moment goes out in one activity: all 36 invitations at once when the
    # schedule is out, then the reminders of sessions due at the same hour together.
    mail_activities = [
        e.activity_task_scheduled_event_attributes
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name.startswith("send_")
    ]
    assert {a.activity_type.name for a in mail_activities} == {"send_mailings"}
    batches: list[Mailings] = [
        pydantic_data_converter.payload_converter.from_payloads(a.input.payloads, [Mailings])[0]
        for a in mail_activities
    ]
    invitations = [b for b in batches if b.items[0].kind is MailKind.SESSION_INVITE]
    assert len(invitations[0].items) == 36
    assert len({o.session_id for o in invitations[0].items}) == 36
    assert len(batches) < sum(len(b.items) for b in batches) / 2
