"""Plan a cycle: the desk schedule, who is invited to each session, and (for a rehearsal)
when the simulated participants act."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from models.cycle import Cycle
from models.participants import Participant, Role
from models.records import PlanCycle
from models.sessions import DeskSession, session_id
from models.workflow_io import (
    CyclePlan,
    LoadProvincePlan,
    ProvincePlan,
    ProvinceSimulation,
    SessionMove,
)
from schedule.solver import (
    ScheduleError,
    ScheduleRequest,
    build_schedule,
    candidate_starts,
)
from schedule.working_time import local_moment, previous_working_day
from store.database import upsert, utc
from store.tables import ProvincePlanRow, SessionRow

CENTRAL_DESK_ROLES = (Role.FACILITATOR, Role.DESK_OFFICIAL, Role.BAPPENAS)


def schedule_request(cycle: Cycle) -> ScheduleRequest:
    desk = cycle.desk_sessions
    return ScheduleRequest(
        provinces=[(p.code, p.zone) for p in cycle.provinces],
        desks=[d.code for d in cycle.desks],
        window_start=desk.window_start,
        window_end=desk.window_end,
        venue_zone=desk.venue_zone,
        session_minutes=desk.session_minutes,
        max_parallel=desk.max_parallel_per_province,
        desk_groups={p.code: p.parent for p in cycle.provinces if p.parent is not None} or None,
    )


def session_recipients(cycle: Cycle, province: str, desk: str) -> list[str]:
    """The province's people for the desk (or its coordinators), and the desk's central people."""
    return _Recipients(cycle).of(province, desk)


class _Recipients:
    """Who is invited to each session, indexed once: a regency-level cycle has 18,000 sessions."""

    def __init__(self, cycle: Cycle) -> None:
        self.own: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.coordinators: dict[str, list[str]] = defaultdict(list)
        self.central: dict[str, list[str]] = defaultdict(list)
        for p in cycle.participants:
            if p.province is None:
                if p.role in CENTRAL_DESK_ROLES:
                    for desk in p.desks:
                        self.central[desk].append(p.id)
                continue
            for desk in p.desks:
                self.own[(p.province, desk)].append(p.id)
            if p.role is Role.PROVINCE_COORDINATOR:
                self.coordinators[p.province].append(p.id)

    def of(self, province: str, desk: str) -> list[str]:
        own = self.own.get((province, desk)) or self.coordinators.get(province, [])
        return [*own, *self.central.get(desk, [])]


def province_people(cycle: Cycle, province: str) -> list[Participant]:
    """Everyone who may act on or hear about a province: its own people and the central ones."""
    return [p for p in cycle.participants if p.province in (None, province)]


def room_of(desk: str) -> str:
    return f"Ruang Desk {desk}"


def plan_sessions(cycle: Cycle) -> list[DeskSession]:
    planned = build_schedule(schedule_request(cycle))
    recipients = _Recipients(cycle)
    return [
        DeskSession(
            id=session_id(cycle.year, s.province, s.desk),
            province=s.province,
            desk=s.desk,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            room=room_of(s.desk),
            online_link=cycle.desk_sessions.online_link,
            recipients=recipients.of(s.province, s.desk),
        )
        for s in planned
    ]


def _at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return local_moment(day, time(hour, 0), zone.key)


def _free_late_start(
    cycle: Cycle, sessions: list[DeskSession], province: str, desk: str, zone: str
) -> datetime:
    """A start on the window's last days where the desk is free and the province idle."""
    request = schedule_request(cycle)
    minutes = timedelta(minutes=cycle.desk_sessions.session_minutes)
    busy = [(s.starts_at, s.ends_at) for s in sessions if s.desk == desk or s.province == province]
    for start in reversed(candidate_starts(request, zone)):
        if all(start >= e or start + minutes <= b for b, e in busy):
            return start
    raise ApplicationError(f"no free late start for province {province} at desk {desk}")


def plan_simulation(cycle: Cycle, sessions: list[DeskSession]) -> dict[str, ProvinceSimulation]:
    """Realistic variety: one session moved, one cancelled and held again, one late signature."""
    zone = ZoneInfo(cycle.desk_sessions.venue_zone)
    codes = [p.code for p in cycle.provinces]
    zones = {p.code: p.zone for p in cycle.provinces}
    data_entry_closes = cycle.deadlines.data_entry
    pre_meeting_day = cycle.pre_meeting.ends_at.astimezone(zone).date()
    proposals_at = _at(pre_meeting_day + timedelta(days=2), 10, zone)
    sign_off = cycle.deadlines.sign_off.astimezone(zone)

    # Simulated organizers act only once invitations are out: after data entry closes.
    invitations_out = local_moment(
        data_entry_closes.astimezone(zone).date() + timedelta(days=1), time(0), zone.key
    )

    def movable(province: str) -> DeskSession | None:
        for s in sorted(sessions, key=lambda s: s.starts_at):
            act_day = previous_working_day(s.starts_at.astimezone(zone).date())
            if s.province == province and _at(act_day, 10, zone) > invitations_out:
                return s
        return None

    moved_province = codes[len(codes) // 2]
    cancelled_province = codes[-1]
    late_province = codes[1 % len(codes)]
    signing_day = previous_working_day(previous_working_day(sign_off.date()))
    plans: dict[str, ProvinceSimulation] = {}
    for code in codes:
        plan = ProvinceSimulation(
            proposals_at=proposals_at,
            confirm_at=_at(cycle.desk_sessions.window_end + timedelta(days=1), 10, zone),
            regional_sign_at=(
                sign_off + timedelta(days=1) if code == late_province else _at(signing_day, 10, zone)
            ),
            central_sign_at=_at(signing_day, 14, zone),
        )
        target = movable(code) if code in (moved_province, cancelled_province) else None
        if target is not None:
            late = _free_late_start(cycle, sessions, code, target.desk, zones[code])
            # The day before, after its reminder went out: the next reminders follow the move.
            act_day = previous_working_day(target.starts_at.astimezone(zone).date())
            move = SessionMove(desk=target.desk, starts_at=late, act_at=_at(act_day, 14, zone))
            if code == moved_province:
                plan = plan.model_copy(update={"reschedule": move})
            else:
                plan = plan.model_copy(update={"cancel_and_hold": move, "cancel_at": _at(act_day, 10, zone)})
        plans[code] = plan
    return plans


class PlanningActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn
    def plan_cycle(self, request: PlanCycle) -> CyclePlan:
        cycle = request.cycle
        try:
            sessions = plan_sessions(cycle)
        except ScheduleError as exc:
            raise ApplicationError(str(exc), type="ScheduleError", non_retryable=True) from exc
        rows = [
            {
                "id": s.id,
                "year": cycle.year,
                "province": s.province,
                "desk": s.desk,
                "starts_at": utc(s.starts_at),
                "ends_at": utc(s.ends_at),
                "room": s.room,
                "online_link": s.online_link,
                "sequence": 0,
                "state": s.state.value,
            }
            for s in sessions
        ]
        with Session(self.engine) as db, db.begin():
            # A retry must not undo a move made since the first attempt.
            upsert(db, SessionRow, rows, ["id"], update=False)
        simulations = plan_simulation(cycle, sessions) if request.simulate_participants else {}
        if not request.store_by_province:
            return CyclePlan(sessions=sessions, simulations=simulations)
        by_province: dict[str, list[DeskSession]] = {p.code: [] for p in cycle.provinces}
        for s in sessions:
            by_province[s.province].append(s)
        plans = [
            {
                "year": cycle.year,
                "province": code,
                "plan": ProvincePlan(
                    sessions=own,
                    people=province_people(cycle, code),
                    simulation=simulations.get(code),
                ).model_dump_json(),
            }
            for code, own in by_province.items()
        ]
        with Session(self.engine) as db, db.begin():
            upsert(db, ProvincePlanRow, plans, ["year", "province"], update=False)
        return CyclePlan(sessions=[], stored_provinces=len(plans))

    @activity.defn
    def load_province_plan(self, request: LoadProvincePlan) -> ProvincePlan:
        with Session(self.engine) as db:
            row = db.get(ProvincePlanRow, (request.year, request.province))
        if row is None:
            raise ApplicationError(
                f"no stored plan for province {request.province} in {request.year}",
                type="LookupError",
                non_retryable=True,
            )
        return ProvincePlan.model_validate_json(row.plan)
