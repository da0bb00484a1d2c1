"""A cycle on PostgreSQL leaves the same rows as the same cycle on SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import DateTime, select
from temporalio.testing import WorkflowEnvironment

from embedded.smtp import MailStore
from models.cycle import load_cycle
from models.workflow_io import CycleInput
from settings import Settings
from store.database import connect
from store.tables import Base
from tests.conftest import TOKEN_SECRET, fresh_database_url, write_cycle
from worker import rakortek_worker
from workflows.cycle import CycleWorkflow

DESKS = ["1.01", "3.25", "W.02"]
# Wall-clock instants and local paths differ between any two runs, and so does the id each run
# gives its cycle workflow (the audit trail names it), and the order in which simulated people
# acting at the same moment were taken (an action's ordinal); everything else must not.
VARYING = {"path", "last_error", "workflow_id", "ordinal"}


def rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = connect(url)
    found = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if not isinstance(c.type, DateTime) and c.name not in VARYING]
            found[table.name] = sorted(tuple(row) for row in connection.execute(select(*columns)).all())
    engine.dispose()
    return found


async def test_postgresql_and_sqlite_end_with_the_same_rows(
    request: pytest.FixtureRequest,
    time_skipping: WorkflowEnvironment,
    mail: tuple[MailStore, int],
    tmp_path: Path,
) -> None:
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["31", "94"], desks=DESKS))
    found = {}
    for kind in ("sqlite", "postgresql"):
        url = fresh_database_url(request, kind, tmp_path / kind)
        settings = Settings.model_validate(
            {
                "RAKORTEK_DATABASE_URL": url,
                "RAKORTEK_TOKEN_SECRET": TOKEN_SECRET,
                "RAKORTEK_SMTP_PORT": mail[1],
                "RAKORTEK_OUTPUT_DIR": tmp_path / kind / "output",
            }
        )
        task_queue = f"same-rows-{kind}-{tmp_path.name}"
        async with rakortek_worker(time_skipping.client, settings, task_queue):
            summary = await time_skipping.client.execute_workflow(
                CycleWorkflow.run,
                CycleInput(cycle=cycle, rehearsal_speed=1.0, simulate_participants=True),
                id=f"cycle-{task_queue}",
                task_queue=task_queue,
            )
        assert {p.stage for p in summary.provinces} == {"COMPLETED"}
        found[kind] = rows(url)

    assert sum(len(r) for r in found["sqlite"].values()) > 100
    for table, sqlite_rows in found["sqlite"].items():
        assert found["postgresql"][table] == sqlite_rows, table
