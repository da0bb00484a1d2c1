"""The cycle's plan: every (province, desk) pair's session, and who is invited to each."""

from __future__ import annotations

from collections import defaultdict

from models.cycle import Cycle
from models.participants import Participant, Role
from models.sessions import DeskSession, session_id
from schedule.solver import ScheduleRequest, build_schedule

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
