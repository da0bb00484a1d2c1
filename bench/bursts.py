"""Many updates to the provinces at one moment, on the embedded stack (dev server, SMTP server,
worker processes), each sent the way the portal and the console send them (temporal_client.act):

- outcomes: every desk's facilitator of every province records the session's outcome within S
  seconds, once every session has begun (34 × 36 = 1,224 updates for the 2022 cycle);
- bulk move: an organizer moves N open sessions off one day in one action, as the console's
  "Pindahkan banyak sesi" does: the free slots planned first, then one reschedule each, together.

Latency runs from sending to the update's completion; "refused" counts business refusals (with
their codes); "failed" counts anything else, such as the server's capacity.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from bench.portal import PortalRun, percentiles, until_true
from console.slots import Move, plan_moves
from embedded.stack import embedded_stack
from models.clock import MAX_SPEED
from models.cycle import Cycle
from models.participants import Participant, Role
from models.workflow_io import (
    CycleInput,
    RecordOutcome,
    RescheduleSession,
    cycle_workflow_id,
    province_workflow_id,
)
from security.tokens import Holder, TokenIssuer
from store.tables import SessionRow
from temporal_client import act, connect_client, new_update_id
from workflows.cycle import CycleWorkflow
from workflows.province import ProvinceWorkflow


class Tally:
    """Each update's latency and how it ended."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.ends: Counter[str] = Counter()

    async def send(self, attempt: Callable[[], Awaitable[object]]) -> None:
        began = time.perf_counter()
        try:
            await attempt()
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            code = cause.type if isinstance(cause, ApplicationError) and cause.type else "refused"
            self.ends[f"refused:{code}"] += 1
        except Exception as error:
            self.ends[f"failed:{type(error).__name__}"] += 1
        else:
            self.ends["accepted"] += 1
        self.latencies.append(time.perf_counter() - began)

    async def act(
        self,
        client: Client,
        cycle: Cycle,
        province: str,
        update: Any,
        argument: Any,
        person: Participant,
        issuer: TokenIssuer,
    ) -> None:
        """``person`` sends ``update`` to the province's workflow as the portal would."""
        handle = client.get_workflow_handle(province_workflow_id(cycle.year, province))
        await self.send(
            lambda: act(
                handle,
                update,
                argument,
                holder=holder(person, cycle.year),
                issuer=issuer,
                update_id=new_update_id("bench"),
            )
        )

    def figures(self) -> dict[str, Any]:
        return {
            **percentiles(self.latencies),
            "accepted": self.ends["accepted"],
            "refused": sum(n for end, n in self.ends.items() if end.startswith("refused")),
            "failed": sum(n for end, n in self.ends.items() if end.startswith("failed")),
            "ends": dict(sorted(self.ends.items())),
        }


def holder(person: Participant, year: int) -> Holder:
    return Holder(sub=person.id, year=year, province=person.province, role=person.role.value)


def facilitator_of(cycle: Cycle, desk: str) -> Participant:
    return next(p for p in cycle.participants if p.role is Role.FACILITATOR and desk in p.desks)


async def all_begun(client: Client, cycle: Cycle) -> bool:
    """Whether every session of every province has begun and awaits its outcome."""
    for province in cycle.provinces:
        handle = client.get_workflow_handle(province_workflow_id(cycle.year, province.code))
        try:
            state = await handle.query(ProvinceWorkflow.state)
        except Exception:
            return False
        if any(s.state.value != "held" for s in state.sessions):
            return False
    return True


async def outcome_burst(cycle: Cycle, folder: Path, seconds: float, workers: int) -> dict[str, Any]:
    """Every facilitator records their session's outcome within ``seconds``."""
    with embedded_stack(folder, any_free_ports=True) as stack:
        run = PortalRun(stack, workers)
        settings = run.settings()
        client = await connect_client(settings)
        # As fast as the machine goes, with nobody acting: every session begins and waits.
        handle = await client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=MAX_SPEED, simulate_participants=False),
            id=cycle_workflow_id(cycle.year),
            task_queue=settings.task_queue,
        )
        began = time.perf_counter()
        await until_true(lambda: all_begun(client, cycle), pause=2.0)
        setting_up = time.perf_counter() - began
        issuer = TokenIssuer(stack.token_secret)
        tally = Tally()

        async def record(code: str, desk: str, at: float, start: float) -> None:
            await asyncio.sleep(max(0.0, start + at - time.perf_counter()))
            person = facilitator_of(cycle, desk)
            outcome = RecordOutcome(actor=person.id, desk=desk, items=[])
            await tally.act(client, cycle, code, ProvinceWorkflow.record_outcome, outcome, person, issuer)

        start = time.perf_counter()
        await asyncio.gather(
            *(
                record(p.code, d.code, random.uniform(0, seconds), start)
                for p in cycle.provinces
                for d in cycle.desks
            )
        )
        burst = time.perf_counter() - start
        recorded = await recorded_within(run, cycle.year, "outcome_recorded", tally.ends["accepted"], 120)
        await handle.terminate()
    return {
        "updates": len(cycle.provinces) * len(cycle.desks),
        "spread_seconds": seconds,
        "setup_seconds": round(setting_up, 1),
        "burst_seconds": round(burst, 1),
        **tally.figures(),
        "recorded_database": recorded,
        "lost": tally.ends["accepted"] - recorded,
    }


async def recorded_within(run: PortalRun, year: int, state: str, expected: int, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while True:
        with Session(run.engine) as db:
            count = db.scalar(select(func.count()).where(SessionRow.year == year, SessionRow.state == state))
        if count is not None and (count >= expected or time.monotonic() > deadline):
            return count
        await asyncio.sleep(0.5)


def open_sessions(run: PortalRun, cycle: Cycle, count: int) -> tuple[list[SessionRow], date]:
    """The first ``count`` sessions of the desk window, and the first day they fall on."""
    with Session(run.engine) as db:
        rows = list(
            db.scalars(
                select(SessionRow)
                .where(SessionRow.year == cycle.year)
                .order_by(SessionRow.starts_at, SessionRow.province, SessionRow.desk)
                .limit(count)
            )
        )
        db.expunge_all()
    return rows, cycle.desk_sessions.window_start


def planned(run: PortalRun, cycle: Cycle) -> bool:
    with Session(run.engine) as db:
        count = db.scalar(select(func.count()).where(SessionRow.year == cycle.year))
    return bool(count) and count == len(cycle.provinces) * len(cycle.desks)


async def bulk_move(cycle: Cycle, folder: Path, sessions: int, workers: int) -> dict[str, Any]:
    """An organizer moves ``sessions`` open sessions to free slots on other days at once."""
    organizer = next(p for p in cycle.participants if p.role is Role.ORGANIZER)
    with embedded_stack(folder, any_free_ports=True) as stack:
        run = PortalRun(stack, workers)
        settings = run.settings()
        client = await connect_client(settings)
        # On the cycle's calendar at the wall clock's pace: the desk window weeks away.
        handle = await client.start_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=1.0, simulate_participants=False),
            id=cycle_workflow_id(cycle.year),
            task_queue=settings.task_queue,
        )
        await until_true(lambda: asyncio.to_thread(planned, run, cycle))
        for province in cycle.provinces:
            await until_true(lambda code=province.code: started(client, cycle, code))  # type: ignore[misc]
        rows, day = await asyncio.to_thread(open_sessions, run, cycle, sessions)
        now = cycle.opens_at
        planning = time.perf_counter()
        moves, stuck = await asyncio.to_thread(plan_moves, run.engine, cycle, rows, day, now)
        planned_in = time.perf_counter() - planning
        issuer = TokenIssuer(stack.token_secret)
        tally = Tally()

        async def move(province: str, desk: str, to: Any) -> None:
            moved = RescheduleSession(actor=organizer.id, desk=desk, starts_at=to.astimezone(UTC))
            await tally.act(client, cycle, province, ProvinceWorkflow.reschedule, moved, organizer, issuer)

        start = time.perf_counter()
        await asyncio.gather(*(move(m.province, m.desk, m.to) for m in moves))
        action = time.perf_counter() - start
        moved = await asyncio.to_thread(moved_in_database, run, cycle, moves)
        await handle.terminate()
    return {
        "sessions": len(rows),
        "moves_planned": len(moves),
        "no_free_slot": len(stuck),
        "plan_seconds": round(planned_in, 2),
        "action_seconds": round(action, 2),
        **tally.figures(),
        "moved_database": moved,
        "lost": tally.ends["accepted"] - moved,
    }


def moved_in_database(run: PortalRun, cycle: Cycle, moves: list[Move]) -> int:
    """Sessions whose row has the start they were moved to."""
    wanted = {m.session_id: m.to.astimezone(UTC).replace(tzinfo=None) for m in moves}
    with Session(run.engine) as db:
        rows = db.execute(
            select(SessionRow.id, SessionRow.starts_at).where(SessionRow.id.in_(list(wanted)))
        ).all()
    return sum(1 for id_, starts_at in rows if wanted[id_] == starts_at.replace(tzinfo=None))


async def started(client: Client, cycle: Cycle, code: str) -> bool:
    try:
        await client.get_workflow_handle(province_workflow_id(cycle.year, code)).query(ProvinceWorkflow.state)
    except Exception:
        return False
    return True
