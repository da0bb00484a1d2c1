"""The portal under load, against the embedded stack (dev server, SMTP server, workers, one web
server process), each person a real HTTP client with their own cookies, CSRF token and address.

- check-in: the pre-meeting's burst, N participants pressing "Saya hadir" within S seconds;
  latency from the click to the update accepted (the page's 303), errors, and whether every
  check-in reached the workflow and the database.
- browse: while the 2022 rehearsal runs through its desk sessions, B people with sessions keep
  Beranda open, each reloading it after reading it for one to five seconds.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from temporalio.client import WorkflowHandle

from commands.status import calendar_now
from embedded.stack import EmbeddedStack, embedded_stack, wait_for_port
from models.cycle import Cycle
from models.participants import Participant
from models.workflow_io import CycleInput, cycle_workflow_id
from security.links import portal_link
from security.tokens import TokenIssuer, claims_for
from settings import PROJECT_DIR, Settings
from store.database import connect
from store.schema import upgrade
from store.tables import AttendanceRow, CycleRow, SessionInviteeRow
from temporal_client import connect_client
from web.serve import free_port
from workflows.cycle import CycleWorkflow

OPENING_AT_ONCE = 16
"""Links opened side by side while the people get ready: setup, not measured."""


@dataclass
class Person:
    participant: Participant
    http: httpx.AsyncClient
    csrf: str = ""
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49] * 1000, 1),
        "p95_ms": round(cuts[94] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }


def address_of(n: int) -> str:
    """Each person's own address, as the ministry's reverse proxy forwards it."""
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256 + 1}"


class PortalRun:
    """The embedded stack with the portal served by a process of its own."""

    def __init__(self, stack: EmbeddedStack, workers: int) -> None:
        self.stack = stack
        self.engine = connect(stack.database_url)
        upgrade(self.engine)
        # The port first: the workers hand the portal's address to the people they simulate.
        stack.web_port = free_port("127.0.0.1", 0)
        self.workers = [stack.start_worker() for _ in range(workers)]
        self.web = self._serve()
        try:
            wait_for_port(stack.web_port, "portal", timeout=60)
        except RuntimeError:
            print((stack.folder / "web.log").read_text(encoding="utf-8")[-2000:], file=sys.stderr)
            raise
        self.issuer = TokenIssuer(stack.token_secret)

    def _serve(self) -> subprocess.Popen[bytes]:
        stack = self.stack
        env = {**stack.environment(), "RAKORTEK_TRUSTED_PROXY": "127.0.0.1"}
        log = (stack.folder / "web.log").open("ab")
        args = [sys.executable, "starter.py", "serve", "--port", str(stack.web_port)]
        process = subprocess.Popen(args, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        stack.processes.append(process)
        return process

    def settings(self) -> Settings:
        return Settings.model_validate(
            {
                "TEMPORAL_ADDRESS": f"127.0.0.1:{self.stack.temporal_port}",
                "RAKORTEK_DATABASE_URL": self.stack.database_url,
                "RAKORTEK_TOKEN_SECRET": self.stack.token_secret,
            }
        )

    async def open_link(self, n: int, person: Participant, cycle: Cycle) -> Person:
        """A person opens the link in their mail: a portal session and the page's CSRF token."""
        http = httpx.AsyncClient(
            base_url=self.stack.portal_url,
            headers={"X-Forwarded-For": address_of(n), "User-Agent": "rakortek-bench"},
            timeout=60,
            # Below the server's keep-alive (uvicorn's 5 s), as browsers do: a connection reused
            # just as the server closes it would count as an error that no person sees.
            limits=httpx.Limits(keepalive_expiry=4.0),
        )
        province = person.province
        claims = claims_for(
            person.id, cycle.year, province, person.role.value, expires_at=cycle.deadlines.cycle_ends_at
        )
        token = self.issuer.issue(claims)
        opened = await http.get(portal_link(self.stack.portal_url, token), follow_redirects=True)
        opened.raise_for_status()
        return Person(person, http, http.cookies.get("csrftoken") or "")

    async def open_links(self, people: list[Participant], cycle: Cycle) -> list[Person]:
        gate = asyncio.Semaphore(OPENING_AT_ONCE)

        async def one(n: int, person: Participant) -> Person:
            async with gate:
                return await self.open_link(n, person, cycle)

        return await asyncio.gather(*(one(n, p) for n, p in enumerate(people)))


async def finished(people: list[Person]) -> tuple[list[float], list[str]]:
    """Every person's latencies and errors, their clients closed."""
    for person in people:
        await person.http.aclose()
    return [v for p in people for v in p.latencies], [e for p in people for e in p.errors]


async def check_in_burst(
    cycle: Cycle, folder: Path, participants: int, seconds: float, workers: int
) -> dict[str, Any]:
    """N people press "Saya hadir" at moments spread evenly at random over S seconds."""
    pre = cycle.pre_meeting
    # Opened a quarter of an hour before the pre-meeting, at the clock's own speed: its
    # check-in (from half an hour before) stays open for the whole run.
    cycle = cycle.model_copy(update={"opens_at": pre.starts_at - timedelta(minutes=15)})
    people = cycle.participants[:participants]
    with embedded_stack(folder, any_free_ports=True) as stack:
        run = PortalRun(stack, workers)
        client = await connect_client(run.settings())
        handle = await client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0, simulate_participants=False),
            id=cycle_workflow_id(cycle.year),
            task_queue=run.settings().task_queue,
        )
        await until_true(lambda: phase_is(handle, "PRE_MEETING"))
        opened_at = time.perf_counter()
        ready = await run.open_links(people, cycle)
        opening = time.perf_counter() - opened_at

        async def press(person: Person, at: float, started: float) -> None:
            await asyncio.sleep(max(0.0, started + at - time.perf_counter()))
            clicked = time.perf_counter()
            try:
                answer = await person.http.post(
                    "/pra/hadir", data={"csrftoken": person.csrf, "mode": random.choice(("onsite", "online"))}
                )
            except httpx.HTTPError as exc:
                person.errors.append(type(exc).__name__)
                return
            person.latencies.append(time.perf_counter() - clicked)
            if answer.status_code != 303:
                person.errors.append(str(answer.status_code))

        started = time.perf_counter()
        await asyncio.gather(*(press(p, random.uniform(0, seconds), started) for p in ready))
        burst = time.perf_counter() - started
        recorded = await rows_within(run, cycle.year, len(people), 60)
        state = await handle.query(CycleWorkflow.state)
        history = await handle.fetch_history()
        await handle.terminate()
    latencies, errors = await finished(ready)
    return {
        "participants": len(people),
        "spread_seconds": seconds,
        "burst_seconds": round(burst, 1),
        "link_openings_per_s": round(len(people) / opening, 1),
        **percentiles(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "checked_in_workflow": state.pre_meeting_checked_in,
        "checked_in_database": recorded,
        "lost": len(people) - min(state.pre_meeting_checked_in, recorded),
        "cycle_history_events": len(history.events),
        "cycle_history_bytes": len(history.to_json()),
    }


async def rows_within(run: PortalRun, year: int, expected: int, seconds: float) -> int:
    """Attendance rows of the pre-meeting, once all are written or after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        with Session(run.engine) as db:
            count = db.scalar(
                select(func.count()).where(AttendanceRow.year == year, AttendanceRow.subject == f"{year}-pra")
            )
        if count is not None and (count >= expected or time.monotonic() > deadline):
            return count
        await asyncio.sleep(0.5)


async def browse_during_rehearsal(
    cycle: Cycle, folder: Path, browsers: int, seconds: float, speed: float, workers: int
) -> dict[str, Any]:
    """B people with sessions keep Beranda open while the rehearsal runs its desk days."""
    with embedded_stack(folder, any_free_ports=True) as stack:
        run = PortalRun(stack, workers)
        client = await connect_client(run.settings())
        handle = await client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=speed, simulate_participants=True),
            id=cycle_workflow_id(cycle.year),
            task_queue=run.settings().task_queue,
        )
        # Until the plan is written: then everyone knows their sessions.
        await until_true(lambda: asyncio.to_thread(invitees_of, run, cycle.year))
        invited = set(await asyncio.to_thread(invitees_of, run, cycle.year))
        chosen = [p for p in cycle.participants if p.id in invited][:browsers]
        # Read during the desk days, when the workers are busiest with mail and outcomes.
        await until_true(lambda: asyncio.to_thread(desk_days_begun, run, cycle))
        ready = await run.open_links(chosen, cycle)
        phase_at_start = (await asyncio.to_thread(calendar_of, run, cycle.year)).isoformat()

        async def keep_reading(person: Person, until: float) -> None:
            while time.perf_counter() < until:
                asked = time.perf_counter()
                try:
                    page = await person.http.get("/")
                except httpx.HTTPError as exc:
                    person.errors.append(type(exc).__name__)
                else:
                    person.latencies.append(time.perf_counter() - asked)
                    if page.status_code != 200:
                        person.errors.append(str(page.status_code))
                await asyncio.sleep(random.uniform(1.0, 5.0))

        until = time.perf_counter() + seconds
        await asyncio.gather(*(keep_reading(p, until) for p in ready))
        ended_at = await asyncio.to_thread(calendar_of, run, cycle.year)
        await handle.terminate()
    latencies, errors = await finished(ready)
    return {
        "sessions": len(ready),
        "seconds": seconds,
        "speed": speed,
        "pages": len(latencies),
        "pages_per_s": round(len(latencies) / seconds, 1),
        **percentiles(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "calendar_time": f"{phase_at_start} → {ended_at.isoformat()}",
    }


def calendar_of(run: PortalRun, year: int) -> datetime:
    with Session(run.engine) as db:
        row = db.get(CycleRow, year)
        assert row is not None
        return calendar_now(row)


def invitees_of(run: PortalRun, year: int) -> list[str]:
    with Session(run.engine) as db:
        return list(
            db.scalars(select(SessionInviteeRow.participant).where(SessionInviteeRow.year == year).distinct())
        )


async def phase_is(handle: WorkflowHandle[Any, Any], phase: str) -> bool:
    return (await handle.query(CycleWorkflow.state)).phase == phase


def desk_days_begun(run: PortalRun, cycle: Cycle) -> bool:
    """From the cycle's clock as the database keeps it: the cycle workflow's own "now" is the
    moment of its last activation, and it sleeps for weeks while its provinces run."""
    with Session(run.engine) as db:
        row = db.get(CycleRow, cycle.year)
        return row is not None and calendar_now(row).date() >= cycle.desk_sessions.window_start


async def until_true(check: Callable[[], Awaitable[object]], pause: float = 0.5) -> None:
    """Polls: the state lives in another process (the workflow, the database)."""
    while True:
        if await check():
            return
        await asyncio.sleep(pause)
