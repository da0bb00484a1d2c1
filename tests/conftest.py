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

from embedded.binaries import time_skipping_server
from embedded.smtp import MailStore, start_smtp_server
from models.reference import default_desks
from settings import Settings

PROJECT = Path(__file__).resolve().parent.parent
CYCLE_2022 = PROJECT / "config" / "cycles" / "2022" / "rakortekrenbang-2022.toml"


@pytest_asyncio.fixture(scope="session")
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=time_skipping_server(),
        data_converter=pydantic_data_converter,
    )
    yield env
    await env.shutdown()


@pytest.fixture
def mail() -> Iterator[tuple[MailStore, int]]:
    store = MailStore()
    controller = start_smtp_server(store)
    yield store, controller.port
    controller.stop()


@pytest.fixture
def task_queue() -> str:
    return f"rakortek-test-{uuid.uuid4()}"


@pytest.fixture
def settings(tmp_path: Path, mail: tuple[MailStore, int]) -> Settings:
    return Settings.model_validate(
        {
            "RAKORTEK_DATABASE_URL": f"sqlite:///{tmp_path / 'rakortek.db'}",
            "RAKORTEK_SMTP_HOST": "127.0.0.1",
            "RAKORTEK_SMTP_PORT": mail[1],
            "RAKORTEK_OUTPUT_DIR": tmp_path / "output",
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
        kept = []
        for row in rows:
            own = [d for d in row["desks"].split(";") if d]
            row["desks"] = ";".join(d for d in own if d in desks)
            if not own or row["desks"] or row["province"]:
                kept.append(row)
        rows = kept
    with (folder / "participants.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
