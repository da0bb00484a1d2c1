"""A one-province cycle running on the time-skipping server, its portal served on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import Engine
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from embedded.smtp import MailStore
from models.cycle import Cycle, load_cycle
from models.workflow_io import CycleInput, cycle_workflow_id, province_workflow_id
from settings import Settings
from store.database import connect
from tests.conftest import TOKEN_SECRET, fresh_database_url, write_cycle
from web.app import create_web_app
from web.serve import free_port, start_serving, web_server
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow

# The cycle opens an hour before the pre-meeting; at 10,000x the desk invitations go out about
# two seconds after the start and the first session begins two minutes later.
SPEED = 10_000.0
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/masuk\?token=[A-Za-z0-9._%-]+)")


@dataclass
class RunningCycle:
    base: str
    engine: Engine
    store: MailStore
    cycle: Cycle
    client: Client
    handle: WorkflowHandle  # type: ignore[type-arg]
    env: WorkflowEnvironment

    async def mail(self, kind: str, to: str | None = None) -> EmailMessage:
        """The first message of ``kind`` (to ``to``) the SMTP server received, within a minute."""
        for _ in range(600):
            for raw in list(self.store.raw):
                if f"X-Rakortek-Kind: {kind}".encode() in raw and (to is None or to.encode() in raw):
                    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {kind} mail within a minute")

    @staticmethod
    def link_in(message: EmailMessage) -> str:
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        found = LINK.search(text)
        assert found is not None, text
        return found.group(1)


@pytest_asyncio.fixture
async def running_cycle(
    request: pytest.FixtureRequest,
    time_skipping: WorkflowEnvironment,
    mail: tuple[MailStore, int],
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[RunningCycle]:
    store, smtp_port = mail
    marker = request.node.get_closest_marker("speed")
    speed = marker.args[0] if marker else SPEED
    opens_marker = request.node.get_closest_marker("opens")
    opens = opens_marker.args[0] if opens_marker else "2022-02-07T08:00:00"
    shape = request.node.get_closest_marker("shape")
    provinces, desks = shape.args if shape else (["94"], ["1.01", "W.02"])
    cycle = load_cycle(
        write_cycle(
            tmp_path / "cycle",
            provinces,
            desks=desks,
            replace={"opens_at = 2022-01-31T08:00:00": f"opens_at = {opens}"},
        )
    )
    url = fresh_database_url(request, "sqlite", tmp_path)
    port = free_port("127.0.0.1", 0)
    base = f"http://127.0.0.1:{port}"
    settings = Settings.model_validate(
        {
            "RAKORTEK_DATABASE_URL": url,
            "RAKORTEK_TOKEN_SECRET": TOKEN_SECRET,
            "RAKORTEK_SMTP_PORT": smtp_port,
            "RAKORTEK_OUTPUT_DIR": tmp_path / "out",
            "RAKORTEK_PORTAL_URL": base,
        }
    )
    engine = connect(url)
    client = time_skipping.client
    app = create_web_app(
        engine,
        client,
        token_secret=TOKEN_SECRET,
        year=cycle.year,
        secretariat=cycle.organizer.mailbox,
        # What is open now follows the server's clock, which a test may move ahead (env.sleep).
        server_time=time_skipping.get_current_time,
    )
    server = web_server(app, "127.0.0.1", port)
    serving = await start_serving(server)
    try:
        async with rakortek_worker(client, settings, task_queue):
            handle = await client.start_workflow(
                CycleWorkflow.run,
                CycleInput(cycle=cycle, rehearsal_speed=speed, simulate_participants=False),
                id=cycle_workflow_id(cycle.year),
                task_queue=task_queue,
            )
            yield RunningCycle(base, engine, store, cycle, client, handle, time_skipping)
            # What still runs ends here; a province that completed has nothing to end.
            for workflow_id in [province_workflow_id(cycle.year, p.code) for p in cycle.provinces] + [
                handle.id
            ]:
                with contextlib.suppress(RPCError):
                    await client.get_workflow_handle(workflow_id).terminate()
    finally:
        server.should_exit = True
        await serving
