"""Overdue steps: what a province owes by the cycle's calendar time, and only that."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from activities.records import RecordActivities
from commands.status import cycle_status
from models.cycle import load_cycle
from models.records import RegisterCycle, SignatureRecord, StageChange
from models.stages import Party, Stage
from store.database import connect
from tests.conftest import PROJECT, write_cycle
from tests.helpers.plan import plan_and_store


def test_overdue_steps_follow_the_deadlines(database_url: str, tmp_path: Path) -> None:
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["31", "94"], desks=["1.01", "W.02"]))
    engine = connect(database_url)
    records = RecordActivities(engine)
    records.register_cycle(RegisterCycle(cycle=cycle))
    sessions = plan_and_store(engine, cycle)
    first_end = min(s.ends_at for s in sessions if s.province == "31")

    def overdue(at: datetime) -> dict[str, list[str]]:
        return {p.code: p.overdue for p in cycle_status(engine, cycle.year, at).provinces}

    records.record_stage(StageChange(year=2022, province="31", stage=Stage.DATA_ENTRY, at=cycle.opens_at))
    assert overdue(cycle.deadlines.data_entry - timedelta(minutes=1))["31"] == []
    assert overdue(cycle.deadlines.data_entry + timedelta(minutes=1))["31"] == ["proposals"]

    records.record_stage(StageChange(year=2022, province="31", stage=Stage.DESK_SESSIONS, at=first_end))
    assert overdue(first_end - timedelta(minutes=1))["31"] == []
    ended = sum(s.province == "31" and s.ends_at <= first_end for s in sessions)
    assert overdue(first_end + timedelta(minutes=1))["31"] == [f"{ended} desk outcomes"]

    records.record_stage(
        StageChange(year=2022, province="94", stage=Stage.SIGN_OFF, at=cycle.deadlines.sign_off)
    )
    records.record_signature(
        SignatureRecord(
            year=2022,
            province="94",
            party=Party.REGIONAL,
            actor="P94-KEPALA",
            actor_name="Kepala Bappeda",
            sha256="0" * 64,
            at=cycle.deadlines.sign_off,
        )
    )
    late = cycle.deadlines.sign_off + timedelta(hours=1)
    assert overdue(late)["94"] == ["central signature"]
    assert overdue(cycle.deadlines.sign_off - timedelta(hours=1))["94"] == []


def test_status_json_is_what_the_readme_documents(database_url: str, tmp_path: Path) -> None:
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["94"], desks=["1.01"]))
    engine = connect(database_url)
    RecordActivities(engine).register_cycle(RegisterCycle(cycle=cycle))
    plan_and_store(engine, cycle)
    env = {**os.environ, "RAKORTEK_DATABASE_URL": database_url}

    def status(*args: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "starter.py", "status", *args, "--json"],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)

    whole = status()
    assert {"year", "calendar_now", "stages", "outbox", "provinces"} <= whole.keys()
    (papua,) = whole["provinces"]
    assert papua["code"] == "94" and papua["sessions_total"] == 1
    assert {"pending", "overdue", "signatures", "failed_deliveries"} <= papua.keys()
    one = status("94")
    (session,) = one["sessions"]
    assert session["desk"] == "1.01" and session["province_time"].endswith("WIT")
    assert {"venue_time", "state", "invitation", "replies", "outcome_items", "overdue"} <= session.keys()
