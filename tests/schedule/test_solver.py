from __future__ import annotations

import time
from collections import defaultdict
from datetime import date
from itertools import pairwise

import pytest

from models.cycle import Cycle, load_cycle
from schedule.plan import schedule_request
from schedule.solver import PlannedSession, ScheduleError, ScheduleRequest, build_schedule
from schedule.working_time import is_within_office_hours, is_working_day
from settings import PROJECT_DIR
from tests.conftest import CYCLE_2022

CYCLE = load_cycle(CYCLE_2022)
SCALE = PROJECT_DIR / "config" / "cycles" / "scale"


def assert_hard_constraints(cycle: Cycle, sessions: list[PlannedSession]) -> None:
    """Every constraint of schedule/solver.py, recomputed from the result."""
    request = schedule_request(cycle)
    zones = dict(request.provinces)
    group = request.desk_groups or {}
    pairs = [(s.province, s.desk) for s in sessions]
    assert len(pairs) == len(set(pairs)) == len(cycle.provinces) * len(cycle.desks)

    for s in sessions:
        local_day = s.starts_at.astimezone(cycle.venue_zone).date()
        assert request.window_start <= local_day <= request.window_end
        assert is_working_day(local_day), s
        assert is_within_office_hours(s.starts_at, s.ends_at, request.venue_zone), s
        assert is_within_office_hours(s.starts_at, s.ends_at, zones[s.province]), s
        assert (s.ends_at - s.starts_at).total_seconds() == 60 * 60

    by_desk = defaultdict(list)
    by_province = defaultdict(list)
    for s in sessions:
        by_desk[(group.get(s.province, ""), s.desk)].append(s)
        by_province[s.province].append(s)
    for desk, held in by_desk.items():
        held.sort(key=lambda s: s.starts_at)
        for a, b in pairwise(held):
            assert a.ends_at <= b.starts_at, f"two at desk {desk} at once: {a} {b}"
    for province, held in by_province.items():
        held.sort(key=lambda s: s.starts_at)
        for n, s in enumerate(held):
            parallel = sum(o.starts_at < s.ends_at for o in held[n:])
            assert parallel <= request.max_parallel, f"{province} over the limit at {s}"


def test_2022_schedule_breaks_no_hard_constraint() -> None:
    sessions = build_schedule(schedule_request(CYCLE))
    assert len(sessions) == 34 * 36 == 1224
    assert_hard_constraints(CYCLE, sessions)
    # Isra Mikraj and Nyepi fall inside the window and hold no session.
    days = {s.starts_at.astimezone(CYCLE.venue_zone).date() for s in sessions}
    assert date(2022, 2, 28) not in days and date(2022, 3, 3) not in days


def test_38_provinces_fit_the_desk_window() -> None:
    cycle = load_cycle(SCALE / "provinces-38.toml")
    sessions = build_schedule(schedule_request(cycle))
    assert len(sessions) == 38 * 36
    assert_hard_constraints(cycle, sessions)


def test_regency_level_schedule_gives_each_province_its_own_desks() -> None:
    cycle = load_cycle(SCALE / "kabupaten-kota.toml")
    sessions = build_schedule(schedule_request(cycle))
    assert len(sessions) == 514 * 36 == 18504
    assert_hard_constraints(cycle, sessions)
    # Jawa Timur's 38 kabupaten/kota queue at its own desks, beside the other provinces'.
    at_first_desk = [s for s in sessions if s.desk == cycle.desks[0].code]
    assert len({s.starts_at for s in at_first_desk}) < len(at_first_desk)


def test_a_wit_delegation_never_meets_after_its_office_closes() -> None:
    sessions = build_schedule(schedule_request(CYCLE))
    papua = [s for s in sessions if s.province == "94"]
    assert all(s.ends_at.astimezone(CYCLE.venue_zone).hour <= 14 for s in papua)


def test_same_input_same_schedule_and_fast() -> None:
    request = schedule_request(CYCLE)
    started = time.perf_counter()
    first = build_schedule(request)
    elapsed = time.perf_counter() - started
    assert first == build_schedule(request)
    # A loose bound here; the 2-second target is measured in bench/.
    assert elapsed < 20


def test_impossible_cycle_fails_with_its_reasons() -> None:
    request = ScheduleRequest(
        provinces=[("94", "Asia/Jayapura"), ("31", "Asia/Jakarta")],
        desks=[f"D{i}" for i in range(36)],
        window_start=date(2022, 3, 4),
        window_end=date(2022, 3, 4),
        venue_zone="Asia/Jakarta",
        session_minutes=60,
        max_parallel=3,
    )
    with pytest.raises(ScheduleError) as error:
        build_schedule(request)
    reasons = "\n".join(error.value.reasons)
    assert "province 94 (Asia/Jayapura)" in reasons
    assert "36 sessions of 60 min need 36 h at 3 in parallel" in reasons
    assert "inside the working hours of both the venue" in reasons


def test_desk_contention_is_reported_when_capacity_suffices_per_province() -> None:
    request = ScheduleRequest(
        provinces=[(f"{10 + i}", "Asia/Jakarta") for i in range(10)],
        desks=["1.01"],
        window_start=date(2022, 3, 4),
        window_end=date(2022, 3, 4),
        venue_zone="Asia/Jakarta",
        session_minutes=60,
        max_parallel=3,
    )
    with pytest.raises(ScheduleError, match=r"sessions found no start where the desk is free"):
        build_schedule(request)


def test_window_without_working_day() -> None:
    request = ScheduleRequest(
        [("31", "Asia/Jakarta")], ["1.01"], date(2022, 2, 26), date(2022, 2, 28), "Asia/Jakarta", 60, 3
    )
    with pytest.raises(ScheduleError, match="holds no working day"):
        build_schedule(request)
