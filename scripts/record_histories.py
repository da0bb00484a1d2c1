"""Records the histories the replay test guards: a whole 2022 rehearsal on the time-skipping server.

    .venv/bin/python scripts/record_histories.py NAME

Writes tests/workflows/histories/NAME/*.json.gz: the cycle workflow and the provinces where the
simulation moved a session, cancelled and held one again, and signed late, plus one plain province.
NAME is the release (the worker's build id). A workflow change makes a new release, whose set
replaces the one before: running cycles stay on the workers of the release they started on
(README, "Changing workflow code").
"""

from __future__ import annotations

import asyncio
import gzip
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from commands.namespace import ensure_search_attributes
from embedded.binaries import time_skipping_server
from embedded.smtp import MailStore, start_smtp_server
from models.cycle import load_cycle
from models.workflow_io import CycleInput, province_workflow_id
from settings import PROJECT_DIR, Settings
from store.database import connect
from store.schema import upgrade
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow

CYCLE = PROJECT_DIR / "config" / "cycles" / "2022" / "rakortekrenbang-2022.toml"
OUT = PROJECT_DIR / "tests" / "workflows" / "histories"


async def main(name: str) -> None:
    cycle = load_cycle(CYCLE)
    folder = Path(tempfile.mkdtemp(prefix="rakortek-histories-"))
    store = MailStore()
    smtp = start_smtp_server(store)
    settings = Settings.model_validate(
        {
            "RAKORTEK_DATABASE_URL": f"sqlite:///{folder / 'rakortek.db'}",
            "RAKORTEK_SMTP_PORT": smtp.port,
            "RAKORTEK_OUTPUT_DIR": folder / "output",
            "RAKORTEK_TOKEN_SECRET": "the-token-secret-of-recorded-histories",
        }
    )
    upgrade(connect(settings.database_url))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=time_skipping_server(), data_converter=pydantic_data_converter
    )
    await ensure_search_attributes(env.client, env.client.namespace)
    task_queue = f"histories-{uuid.uuid4()}"
    plan = None
    try:
        async with rakortek_worker(env.client, settings, task_queue):
            cycle_id = "rakortek-2022"
            await env.client.execute_workflow(
                CycleWorkflow.run,
                CycleInput(cycle=cycle, rehearsal_speed=1.0, simulate_participants=True),
                id=cycle_id,
                task_queue=task_queue,
            )
        histories = {"cycle": await env.client.get_workflow_handle(cycle_id).fetch_history()}
        for code in cycle.provinces:
            history = await env.client.get_workflow_handle(
                province_workflow_id(2022, code.code)
            ).fetch_history()
            updates = {
                e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
                for e in history.events
                if e.HasField("workflow_execution_update_accepted_event_attributes")
            }
            for update in ("reschedule", "cancel"):
                if update in updates and update not in histories:
                    histories[update] = history
            if "province-plain" not in histories and not updates & {"reschedule", "cancel"}:
                histories["province-plain"] = history
        plan = histories
    finally:
        await env.shutdown()
        smtp.stop()
    out = OUT / name
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json.gz"):
        old.unlink()
    for role, history in (plan or {}).items():
        path = out / f"{history.workflow_id}.json.gz"
        # mtime=0: the same history gives the same bytes.
        path.write_bytes(gzip.compress(history.to_json().encode(), mtime=0))
        size = path.stat().st_size // 1024
        print(f"{role}: {path.relative_to(OUT)} ({len(history.events)} events, {size} KiB)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: record_histories.py NAME (a folder under tests/workflows/histories)")
    asyncio.run(main(sys.argv[1]))
