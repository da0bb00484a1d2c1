"""Pages without a running cycle: a person's language, what each role may open, and the link
trade (tests on the web application in process; the browser tests run a whole cycle)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from activities.records import RecordActivities
from models.clock import CycleClock
from models.cycle import load_cycle
from models.records import RegisterCycle
from security.links import portal_link
from security.tokens import TokenIssuer, claims_for
from settings import PROJECT_DIR
from store.database import connect
from store.tables import OutboxRow
from tests.conftest import TOKEN_SECRET, write_cycle
from tests.helpers.plan import plan_and_store
from web.app import create_web_app


def signed_in(database_url: str, tmp_path: Path, person: str, role: str, province: str | None):  # type: ignore[no-untyped-def]
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["94"], desks=["1.01", "W.02"]))
    engine = connect(database_url)
    # A rehearsal's clock: the cycle's calendar stands in 2022, where its tokens are valid.
    clock = CycleClock(calendar_origin=cycle.opens_at, real_origin=datetime.now(UTC), speed=1.0)
    RecordActivities(engine).register_cycle(RegisterCycle(cycle=cycle, clock=clock))
    plan_and_store(engine, cycle)
    app = create_web_app(engine, None, token_secret=TOKEN_SECRET)
    ends = cycle.deadlines.cycle_ends_at
    token = TokenIssuer(TOKEN_SECRET).issue(claims_for(person, cycle.year, province, role, expires_at=ends))
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")
    return http, portal_link("", token)


async def test_a_link_past_its_cycle_is_refused_as_expired(database_url: str, tmp_path: Path) -> None:
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["94"], desks=["1.01"]))
    engine = connect(database_url)
    # A live cycle's calendar is the wall clock: a 2022 link expired a month after its sign-off.
    RecordActivities(engine).register_cycle(RegisterCycle(cycle=cycle))
    app = create_web_app(engine, None, token_secret=TOKEN_SECRET)
    ends = cycle.deadlines.cycle_ends_at
    token = TokenIssuer(TOKEN_SECRET).issue(
        claims_for("P94-KOORD", 2022, "94", "province_coordinator", expires_at=ends)
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as http:
        refused = await http.get(portal_link("", token))
    assert refused.status_code == 400 and "Tautan ini sudah tidak berlaku." in refused.text


async def test_a_rehearsal_behind_its_requested_speed_still_opens_its_links(
    database_url: str, tmp_path: Path
) -> None:
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["94"], desks=["1.01"]))
    engine = connect(database_url)
    # At the requested 20,000×, the clock stood past the links' end (a month after the sign-off)
    # an hour ago; the provinces, paced by the machine, have made mail only up to the sign-off.
    clock = CycleClock(
        calendar_origin=cycle.opens_at, real_origin=datetime.now(UTC) - timedelta(hours=1), speed=20_000.0
    )
    RecordActivities(engine).register_cycle(RegisterCycle(cycle=cycle, clock=clock))
    ends = cycle.deadlines.cycle_ends_at
    with Session(engine) as db, db.begin():
        db.add(
            OutboxRow(
                message_id="<sign-off@rakortek.test>",
                year=2022,
                province="94",
                kind="sign_off_request",
                recipient="P94-KOORD",
                address="koord@papua.test",
                subject="Penandatanganan",
                status="sent",
                made_at=cycle.deadlines.sign_off.replace(tzinfo=None),
            )
        )
    app = create_web_app(engine, None, token_secret=TOKEN_SECRET)
    token = TokenIssuer(TOKEN_SECRET).issue(
        claims_for("P94-KOORD", 2022, "94", "province_coordinator", expires_at=ends)
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as http:
        opened = await http.get(portal_link("", token))
        assert opened.status_code == 303, opened.text
        with Session(engine) as db, db.begin():
            later = db.get(OutboxRow, "<sign-off@rakortek.test>")
            assert later is not None
            later.made_at = ends.replace(tzinfo=None) + timedelta(minutes=1)
        refused = await http.get(portal_link("", token))
    assert refused.status_code == 400 and "Tautan ini sudah tidak berlaku." in refused.text


async def test_an_english_reader_gets_english_pages(database_url: str, tmp_path: Path) -> None:
    http, link = signed_in(database_url, tmp_path, "BAP-06", "bappenas", None)
    async with http:
        opened = await http.get(link)
        assert opened.status_code == 303 and opened.headers["location"] == "/"
        home = await http.get("/")
        assert '<html lang="en">' in home.text and "<h1>Home</h1>" in home.text
        assert "My desk sessions" in home.text and "Subscribe to the calendar" in home.text
        assert "Kehadiran" not in home.text


async def test_each_role_opens_only_its_own_steps(database_url: str, tmp_path: Path) -> None:
    http, link = signed_in(database_url, tmp_path, "P94-OPD-01", "province_office", "94")
    async with http:
        await http.get(link)
        home = await http.get("/")
        assert 'href="/usulan"' in home.text
        # Each task with its deadline, in the reader's zone (Papua: WIT).
        assert "batas Rabu, 16 Februari 2022, pukul 18.00 WIT" in home.text
        assert "/tanda-tangan" not in home.text and "/konfirmasi/" not in home.text
        # Another province's proposals, a signature, a confirmation, a desk outcome: not theirs.
        for path in ("/usulan/31", "/tanda-tangan/94", "/konfirmasi/94", "/desk/2022-94-1.01"):
            refused = await http.get(path)
            assert refused.status_code == 404, path
        own = await http.get("/usulan/94")
        assert own.status_code == 200 and "Usulan Provinsi Papua" in own.text


async def test_the_check_in_opens_half_an_hour_before_a_session(database_url: str, tmp_path: Path) -> None:
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["94"], desks=["1.01"]))
    engine = connect(database_url)
    RecordActivities(engine).register_cycle(RegisterCycle(cycle=cycle))
    (session,) = plan_and_store(engine, cycle)
    person = session.recipients[0]
    row = next(p for p in cycle.participants if p.id == person)
    ends = cycle.deadlines.cycle_ends_at
    token = TokenIssuer(TOKEN_SECRET).issue(
        claims_for(person, cycle.year, row.province, row.role.value, expires_at=ends)
    )
    app = create_web_app(engine, None, token_secret=TOKEN_SECRET)

    def clock_at(moment: datetime) -> None:
        clock = CycleClock(calendar_origin=moment, real_origin=datetime.now(UTC), speed=1.0)
        RecordActivities(engine).register_cycle(RegisterCycle(cycle=cycle, clock=clock))

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as http:
        clock_at(session.starts_at - timedelta(minutes=40))
        await http.get(portal_link("", token))
        assert "Saya hadir" not in (await http.get("/")).text
        clock_at(session.starts_at - timedelta(minutes=25))
        home = (await http.get("/")).text
        assert 'action="/sesi/2022-94-1.01/hadir"' in home and "Di lokasi (luring)" in home
        # No Temporal behind this portal: the workflow cannot be asked, and the page says so.
        refused = await http.post(
            f"/sesi/{session.id}/hadir", data={"csrftoken": http.cookies["csrftoken"], "mode": "onsite"}
        )
        assert refused.status_code == 409 and "Kehadiran tidak dapat dicatat" in refused.text
        clock_at(session.ends_at + timedelta(minutes=1))
        assert "Saya hadir" not in (await http.get("/")).text


async def test_a_simulated_person_slowed_by_the_rate_limit_tries_again(
    database_url: str, tmp_path: Path
) -> None:
    from activities.portal_participant import PortalBusy, PortalParticipant

    http, link = signed_in(database_url, tmp_path, "P94-KOORD", "province_coordinator", "94")
    transport = http._transport
    token = link.split("token=", 1)[1]
    opened = 0
    with pytest.raises(PortalBusy) as busy:
        for _ in range(200):
            async with PortalParticipant("http://127.0.0.1", token, transport=transport):
                opened += 1
    # The limit lets an office's worth of people in, then asks to slow down; the activity retries.
    assert opened == 120 and not busy.value.non_retryable
    await http.aclose()


async def test_a_revoked_link_no_longer_opens_and_its_sessions_close(
    database_url: str, tmp_path: Path
) -> None:
    http, link = signed_in(database_url, tmp_path, "P94-KOORD", "province_coordinator", "94")
    async with http:
        await http.get(link)
        assert (await http.get("/")).status_code == 200
        feed = re.search(
            r'id="feed" value="http://127\.0\.0\.1(/kalender/[^"]+)"', (await http.get("/")).text
        )
        assert feed is not None and (await http.get(feed.group(1))).status_code == 200

        # The contact person is replaced: an organizer withdraws their links from the command line.
        run = await asyncio.to_thread(
            subprocess.run,
            [
                sys.executable,
                "starter.py",
                "revoke-link",
                "P94-KOORD",
                "--reason",
                "diganti",
                "--actor",
                "ORG-02",
            ],
            cwd=PROJECT_DIR,
            env={**os.environ, "RAKORTEK_DATABASE_URL": database_url, "RAKORTEK_TOKEN_SECRET": TOKEN_SECRET},
            capture_output=True,
            text=True,
            check=True,
        )
        assert "1 open portal session(s) closed" in " ".join(run.stdout.split())
        # The open page is signed out, the link refused with what to do, the feed gone.
        assert "<h1>Selamat datang</h1>" in (await http.get("/")).text
        refused = await http.get(link)
        assert refused.status_code == 400 and "Tautan ini telah dicabut oleh sekretariat" in refused.text
        assert "rakortek_portal" not in refused.headers.get("set-cookie", "")
        assert (await http.get(feed.group(1))).status_code == 404
        # A link sent after the withdrawal (a new invitation) opens; the old one stays refused.
        later = claims_for(
            "P94-KOORD", 2022, "94", "province_coordinator", expires_at=datetime(2022, 4, 15, tzinfo=UTC)
        )
        fresh = TokenIssuer(TOKEN_SECRET).issue(later.model_copy(update={"iat": int(time.time()) + 2}))
        assert (await http.get(portal_link("", fresh))).status_code == 303
        assert (await http.get(link)).status_code == 400

        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "starter.py", "revoke-link", "P94-KOORD", "--restore"],
            cwd=PROJECT_DIR,
            env={**os.environ, "RAKORTEK_DATABASE_URL": database_url},
            capture_output=True,
            check=True,
        )
        assert (await http.get(link)).status_code == 303
