from __future__ import annotations

import csv
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from commands.namespace import ensure_search_attributes
from embedded.binaries import time_skipping_server
from embedded.smtp import MailStore, start_smtp_server
from models.reference import default_desks
from settings import Settings
from store.database import connect
from store.schema import upgrade
from tests.postgres import SEARCHED, find_binaries, postgres_server

PROJECT = Path(__file__).resolve().parent.parent
TOKEN_SECRET = "test-token-secret-of-at-least-32-bytes"
CYCLE_2022 = PROJECT / "config" / "cycles" / "2022" / "rakortekrenbang-2022.toml"


@pytest_asyncio.fixture
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server per test (about a second to start): a test that fails midway
    leaves running workflows behind, and on a shared server they would hold its clock still."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=time_skipping_server(),
        data_converter=pydantic_data_converter,
    )
    await ensure_search_attributes(env.client, env.client.namespace)
    yield env
    await env.shutdown()


@pytest.fixture
def mail() -> Iterator[tuple[MailStore, int]]:
    store = MailStore()
    controller = start_smtp_server(store)
    yield store, controller.port
    controller.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[str | None]:
    """A PostgreSQL server for the whole run, or None where its binaries are not installed."""
    binaries = find_binaries()
    if binaries is None:
        yield None
        return
    with postgres_server(binaries) as url:
        yield url


def fresh_database_url(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> str:
    """An empty database of ``kind`` (sqlite or postgresql) at the current schema."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'rakortek.db'}"
    else:
        server = request.getfixturevalue("postgres")
        if server is None:
            pytest.skip(f"PostgreSQL tests skipped: initdb and pg_ctl not found on {SEARCHED}")
        name = f"rakortek_{uuid.uuid4().hex[:12]}"
        admin = connect(server).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        url = f"{server.rsplit('/', 1)[0]}/{name}"
    engine = connect(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every database test runs once on a SQLite file and once on a real PostgreSQL."""
    return fresh_database_url(request, request.param, tmp_path)


@pytest.fixture
def task_queue() -> str:
    return f"rakortek-test-{uuid.uuid4()}"


@pytest.fixture
def settings(tmp_path: Path, mail: tuple[MailStore, int], database_url: str) -> Settings:
    return Settings.model_validate(
        {
            "RAKORTEK_DATABASE_URL": database_url,
            "RAKORTEK_TOKEN_SECRET": TOKEN_SECRET,
            "RAKORTEK_SMTP_HOST": "127.0.0.1",
            "RAKORTEK_SMTP_PORT": mail[1],
            "RAKORTEK_OUTPUT_DIR": tmp_path / "output",
            # Made-up people: the worker processes a test starts may run without a payload key.
            "RAKORTEK_DEPLOYMENT": "rehearsal",
        }
    )


def write_cycle(
    folder: Path,
    provinces: list[str],
    replace: dict[str, str] | None = None,
    desks: list[str] | None = None,
) -> Path:
    """A copy of the 2022 cycle file for some provinces (and desks), its directory cut to match."""
    text = CYCLE_2022.read_text(encoding="utf-8")
    listed = ", ".join(f'"{p}"' for p in provinces)
    text = re.sub(r"provinces = \[.*?\]", f"provinces = [{listed}]", text, flags=re.S)
    if desks is not None:
        entries = "".join(
            f'[[desks]]\ncode = "{d.code}"\nname = "{d.name}"\nkind = "{d.kind.value}"\n'
            f'lead_agency = "{d.lead_agency}"\n\n'
            for d in default_desks()
            if d.code in desks
        )
        text = text.replace("[cycle]\n", entries + "[cycle]\n", 1)
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cycle.toml"
    path.write_text(text, encoding="utf-8")
    with (CYCLE_2022.parent / "participants.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["province"] in ("", *provinces)]
    if desks is not None:
        # Everyone the cycle file names by id stays, whatever their desks.
        named = set(re.findall(r'^acknowledged_by = "([^"]+)"', text, flags=re.M))
        kept = []
        for row in rows:
            own = [d for d in row["desks"].split(";") if d]
            row["desks"] = ";".join(d for d in own if d in desks)
            if not own or row["desks"] or row["province"] or row["id"] in named:
                kept.append(row)
        rows = kept
    with (folder / "participants.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
