"""The desk-session schedule: one session per (province, desk) pair inside the window.

Hard constraints, all of them checked again from the result by the tests:
- on a working day of the window, inside the working hours of the venue and of the province;
- never two provinces at one desk at the same time (in a regency-level cycle: never two
  kabupaten/kota of one province at its desk at the same time);
- at most ``max_parallel`` sessions of one province at the same time.

Placement is greedy and deterministic: provinces with the fewest shared working hours go first,
each takes for every desk the earliest start that breaks no constraint. When a pair cannot be
placed the whole schedule is refused with the reasons, never returned in part.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from schedule.working_time import shared_intervals, working_days

STEP_MINUTES = 30
"""Sessions start on the hour or the half hour."""


@dataclass(frozen=True)
class ScheduleRequest:
    provinces: list[tuple[str, str]]
    """(code, IANA zone) of each province."""
    desks: list[str]
    window_start: date
    window_end: date
    venue_zone: str
    session_minutes: int
    max_parallel: int
    desk_groups: dict[str, str] | None = None
    """Province code → the group whose desks it uses. None: one set of desks for everyone. In a
    regency-level cycle each province runs its own desks for its kabupaten/kota."""


@dataclass(frozen=True)
class PlannedSession:
    province: str
    desk: str
    starts_at: datetime
    ends_at: datetime


class ScheduleError(ValueError):
    """No schedule meets every constraint; ``reasons`` says which could not be met."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("no schedule meets every constraint:\n- " + "\n- ".join(reasons))


def candidate_starts(request: ScheduleRequest, zone: str) -> list[datetime]:
    duration = timedelta(minutes=request.session_minutes)
    step = timedelta(minutes=STEP_MINUTES)
    starts = []
    for day in working_days(request.window_start, request.window_end):
        for lo, hi in shared_intervals(day, [request.venue_zone, zone]):
            start = lo
            while start + duration <= hi:
                starts.append(start)
                start += step
    return starts


def build_schedule(request: ScheduleRequest) -> list[PlannedSession]:
    days = working_days(request.window_start, request.window_end)
    if not days:
        raise ScheduleError(
            [
                f"the window {request.window_start} to {request.window_end} "
                "holds no working day (weekends and public holidays excluded)"
            ]
        )
    if request.session_minutes % STEP_MINUTES:
        raise ScheduleError([f"session length must be a multiple of {STEP_MINUTES} minutes"])

    steps_per_session = request.session_minutes // STEP_MINUTES
    step_seconds = STEP_MINUTES * 60
    starts_by_zone = {zone: candidate_starts(request, zone) for zone in {z for _, z in request.provinces}}

    reasons = _capacity_shortfalls(request, starts_by_zone)
    if reasons:
        raise ScheduleError(reasons)

    order = sorted(request.provinces, key=lambda p: (len(starts_by_zone[p[1]]), p[0]))
    desk_busy: dict[tuple[str, str], set[int]] = defaultdict(set)
    groups = request.desk_groups or {}
    province_load: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    sessions: list[PlannedSession] = []
    unplaced: list[str] = []

    for rank, (province, zone) in enumerate(order):
        # Rotating the desk order keeps every province from queueing at the same first desks.
        shift = rank % len(request.desks)
        desks = request.desks[shift:] + request.desks[:shift]
        load = province_load[province]
        for desk in desks:
            busy = desk_busy[(groups.get(province, ""), desk)]
            for start in starts_by_zone[zone]:
                first = int(start.timestamp()) // step_seconds
                span = range(first, first + steps_per_session)
                if any(s in busy for s in span) or any(load[s] >= request.max_parallel for s in span):
                    continue
                busy.update(span)
                for s in span:
                    load[s] += 1
                end = start + timedelta(minutes=request.session_minutes)
                sessions.append(PlannedSession(province, desk, start, end))
                break
            else:
                unplaced.append(f"province {province} at desk {desk}")

    if unplaced:
        raise ScheduleError(
            [
                f"{len(unplaced)} sessions found no start where the desk is free and the province "
                f"has fewer than {request.max_parallel} sessions running, inside shared working "
                f"hours: {', '.join(unplaced[:10])}" + (" …" if len(unplaced) > 10 else "")
            ]
        )
    sessions.sort(key=lambda s: (s.starts_at, s.province, s.desk))
    return sessions


def _capacity_shortfalls(request: ScheduleRequest, starts_by_zone: dict[str, list[datetime]]) -> list[str]:
    """Necessary conditions, checked first so that a refusal names its cause."""
    reasons = []
    needed_steps = len(request.desks) * request.session_minutes // STEP_MINUTES
    for province, zone in sorted(request.provinces):
        # Distinct shared-hour steps, each usable by max_parallel sessions at once.
        steps = {
            int(s.timestamp()) // (STEP_MINUTES * 60) + k
            for s in starts_by_zone[zone]
            for k in range(request.session_minutes // STEP_MINUTES)
        }
        capacity = len(steps) * request.max_parallel
        if capacity < needed_steps:
            reasons.append(
                f"province {province} ({zone}): {len(request.desks)} sessions of "
                f"{request.session_minutes} min need {needed_steps * STEP_MINUTES / 60:g} h at "
                f"{request.max_parallel} in parallel, but the window offers only "
                f"{len(steps) * STEP_MINUTES / 60:g} h inside the working hours of both the venue "
                f"({request.venue_zone}) and the province"
            )
    return reasons
