"""A rehearsal's simulated participants: when each acts, with realistic variety."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.cycle import Cycle
from models.sessions import DeskSession
from models.workflow_io import ProvinceSimulation, SessionMove
from schedule.plan import schedule_request
from schedule.solver import candidate_starts
from schedule.working_time import local_moment, previous_working_day


class NoFreeSlot(ValueError):
    """The rehearsal found no late slot to move a session to."""


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
    raise NoFreeSlot(f"no free late start for province {province} at desk {desk}")


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
