"""Migrations build the schema the tables describe, and nothing runs on a schema it does not know."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from settings import PROJECT_DIR
from store.database import connect
from store.schema import downgrade, head_revision, upgrade
from store.tables import Base
from tests.conftest import fresh_database_url


def test_migrations_build_exactly_the_tables_of_the_code(database_url: str) -> None:
    engine = connect(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def run(command: list[str], database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAKORTEK_DATABASE_URL": database_url, "TEMPORAL_ADDRESS": "127.0.0.1:1"}
    return subprocess.run(
        [sys.executable, *command], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_worker_refuses_an_empty_database_until_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    refused = run(["worker.py"], url)
    assert refused.returncode == 2
    assert "has no rakortek schema" in refused.stderr
    assert "run: python starter.py db upgrade" in refused.stderr

    assert run(["starter.py", "db", "current"], url).returncode == 1
    upgraded = run(["starter.py", "db", "upgrade"], url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"→ {head_revision()}" in upgraded.stdout
    current = run(["starter.py", "db", "current"], url)
    assert current.returncode == 0 and f"schema {head_revision()}" in current.stdout


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_worker_refuses_a_schema_newer_than_its_code(
    request: pytest.FixtureRequest, kind: str, tmp_path: Path
) -> None:
    url = fresh_database_url(request, kind, tmp_path)
    engine = connect(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
    engine.dispose()
    refused = run(["worker.py"], url)
    assert refused.returncode == 2
    assert "revision f00dcafe, which this code does not know" in refused.stderr
    status = run(["starter.py", "status"], url)
    assert status.returncode == 2 and "a newer rakortek migrated it" in status.stderr


def test_an_upgrade_keeps_the_rows_of_an_older_schema(database_url: str) -> None:
    engine = connect(database_url)
    # A database that an older rakortek left: the new columns are not there yet.
    downgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cycles (year, name, plan_year, venue_zone, venue, organizer_name) "
                "VALUES (2022, 'Rakortekrenbang 2022', 2023, 'Asia/Jakarta', 'Hotel Bidakara', 'Bangda')"
            )
        )
    refused = run(["worker.py"], database_url)
    assert refused.returncode == 2 and "is at schema revision 0001" in refused.stderr

    upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT name, speed, sign_off_deadline FROM cycles")).one()
    engine.dispose()
    assert tuple(row) == ("Rakortekrenbang 2022", None, None)


def test_the_audit_trail_keeps_an_update_id_once_per_workflow(database_url: str) -> None:
    engine = connect(database_url)
    downgrade(engine, "0010")
    columns = "year, province, update_id, action, actor, token_id, detail, at"
    with engine.begin() as connection:
        for province in ("NULL", "'94'"):
            connection.execute(
                text(
                    f"INSERT INTO actions ({columns}) VALUES "
                    f"(2022, {province}, 'u-{province.strip(chr(39))}', 'sign', 'P94-KEPALA', 'j', '', "
                    "'2022-03-14 09:00:00')"
                )
            )
    upgrade(engine)
    with engine.begin() as connection:
        kept = dict(connection.execute(text("SELECT update_id, workflow_id FROM actions")).all())
        assert kept == {"u-NULL": "rakortek-2022", "u-94": "rakortek-2022-province-94"}
        # The same id sent to another workflow is an action of its own, audited there too.
        connection.execute(
            text(
                f"INSERT INTO actions (workflow_id, {columns}) VALUES ('rakortek-2022-province-31', "
                "2022, '31', 'u-94', 'sign', 'P31-KEPALA', 'k', '', '2022-03-14 10:00:00')"
            )
        )
        assert connection.execute(text("SELECT count(*) FROM actions WHERE update_id = 'u-94'")).scalar() == 2
    engine.dispose()
