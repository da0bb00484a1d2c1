"""A rehearsal whose simulated people act through the portal for part of the provinces: posting
the portal's forms over HTTP, as a person's browser does, to the end of the cycle."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.testing import WorkflowEnvironment

from embedded.smtp import MailStore
from models.cycle import load_cycle
from models.workflow_io import CycleInput
from settings import Settings
from store.database import connect
from store.tables import ActionRow
from tests.conftest import TOKEN_SECRET, write_cycle
from web.app import create_web_app
from web.serve import free_port, start_serving, web_server
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_half_the_provinces_act_through_the_portal(
    time_skipping: WorkflowEnvironment,
    settings: Settings,
    mail: tuple[MailStore, int],
    task_queue: str,
    tmp_path: Path,
) -> None:
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["31", "94"], desks=["1.01", "2.16", "W.02"]))
    engine = connect(settings.database_url)
    port = free_port("127.0.0.1", 0)
    # The portal on the test server's clock, which runs ahead of the wall's: its update tokens'
    # few minutes are counted on it, as the workflows count them.
    app = create_web_app(
        engine, time_skipping.client, token_secret=TOKEN_SECRET, server_time=time_skipping.get_current_time
    )
    server = web_server(app, "127.0.0.1", port)
    serving = await start_serving(server)
    through_portal = settings.model_copy(
        update={"portal_url": f"http://127.0.0.1:{port}", "simulate_through_portal": 0.5}
    )
    try:
        async with rakortek_worker(time_skipping.client, through_portal, task_queue):
            summary = await time_skipping.client.execute_workflow(
                CycleWorkflow.run,
                CycleInput(cycle=cycle, rehearsal_speed=1.0, simulate_participants=True),
                id=f"cycle-{task_queue}",
                task_queue=task_queue,
            )
    finally:
        server.should_exit = True
        await serving

    assert [(p.code, p.stage) for p in summary.provinces] == [("31", "COMPLETED"), ("94", "COMPLETED")]
    with Session(engine) as db:
        actions = db.execute(select(ActionRow.province, ActionRow.action, ActionRow.update_id)).all()
        sessions = db.execute(
            select(ActionRow.actor, ActionRow.portal_session).where(ActionRow.portal_session != "")
        ).all()
    by_portal = {(province, action) for province, action, update in actions if update.startswith("portal-")}
    # Every step a person takes in the portal, for the first province only; the second through updates.
    assert by_portal == {
        ("31", "submit_proposals"),
        ("31", "record_outcome"),
        ("31", "confirm_items"),
        ("31", "sign"),
    }
    outcomes = {u for p, a, u in actions if p == "31" and a == "record_outcome"}
    assert len(outcomes) == 3, "one outcome per desk"
    # Each person signs in once and keeps their session from step to step, as in a browser.
    assert len({session for _, session in sessions}) == len({actor for actor, _ in sessions})
