"""A rehearsal's outcome is the cycle file's, not the machine's: the same small cycle rehearsed
as fast as the machine goes and at a fixed high speed, each on a dev server of its own, sends
the same mail, skips no reminder, and ends with the same sessions, outcomes and signatures."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.clock import MAX_SPEED
from models.cycle import load_cycle
from models.workflow_io import CycleInput
from settings import Settings
from store.database import connect
from store.schema import upgrade
from store.tables import OutboxRow, OutcomeItemRow, SessionRow, SignatureRow
from tests.conftest import write_cycle
from tests.processes import dev_server
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow

PROVINCES = ["31", "94"]
"""Jakarta, with no session moved, and Papua, whose rehearsal moves, cancels and holds again."""
DESKS = ["1.01", "2.01", "W.02"]


async def rehearse(speed: float, settings: Settings, folder: Path) -> dict[str, object]:
    """Rehearse the cycle at ``speed`` on a dev server and a database of its own; what it left."""
    url = f"sqlite:///{folder / 'rakortek.db'}"
    engine = connect(url)
    upgrade(engine)
    own = settings.model_copy(update={"database_url": url, "output_dir": folder / "output"})
    cycle = load_cycle(write_cycle(folder / "cycle", PROVINCES, desks=DESKS))
    env = await dev_server(folder)
    queue = f"paced-{uuid.uuid4()}"
    try:
        async with rakortek_worker(env.client, own, queue):
            summary = await env.client.execute_workflow(
                CycleWorkflow.run,
                CycleInput(cycle=cycle, rehearsal_speed=speed, simulate_participants=True),
                id=f"cycle-{queue}",
                task_queue=queue,
            )
    finally:
        await env.shutdown()
    with Session(engine) as db:
        mail = Counter(tuple(r) for r in db.execute(select(OutboxRow.kind, OutboxRow.status)))
        sessions = sorted(
            tuple(r) for r in db.execute(select(SessionRow.id, SessionRow.starts_at, SessionRow.state))
        )
        outcomes = sorted(tuple(r) for r in db.execute(select(OutcomeItemRow.ref, OutcomeItemRow.status)))
        signatures = sorted(tuple(r) for r in db.execute(select(SignatureRow.province, SignatureRow.party)))
    engine.dispose()
    return {
        "stages": [(p.code, p.stage) for p in summary.provinces],
        "mail": mail,
        "sessions": sessions,
        "outcomes": outcomes,
        "signatures": signatures,
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_same_rehearsal_at_any_speed(settings: Settings, tmp_path: Path) -> None:
    for name in ("max", "fixed"):
        (tmp_path / name).mkdir()
    fastest = await rehearse(MAX_SPEED, settings, tmp_path / "max")
    fixed = await rehearse(200_000.0, settings, tmp_path / "fixed")

    assert fastest["stages"] == [("31", "COMPLETED"), ("94", "COMPLETED")]
    mail = fastest["mail"]
    assert isinstance(mail, Counter)
    assert not [kind for kind, status in mail if status != "sent"], mail
    # Every session's two reminders went out, at both speeds, and the pre-meeting's too.
    assert mail["session_reminder", "sent"] >= 2 * len(PROVINCES) * len(DESKS)
    assert mail["pre_meeting_reminder", "sent"] > 0
    for figure in ("stages", "mail", "sessions", "outcomes", "signatures"):
        assert fixed[figure] == fastest[figure], figure
