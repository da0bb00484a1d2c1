"""Keppres 68/1995's hours: Friday's break is 11.30-13.00, in every zone, each party on its own
clock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from schedule.working_time import OFFICE_HOURS, is_within_office_hours

FRIDAY = date(2022, 2, 25)


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"])
def test_friday_after_the_break_and_not_during_it(zone: str) -> None:
    def at(hour: int, minute: int) -> datetime:
        return datetime.combine(FRIDAY, time(hour, minute), ZoneInfo(zone))

    assert is_within_office_hours(at(13, 0), at(14, 0), zone)
    assert not is_within_office_hours(at(11, 30), at(12, 30), zone)
    assert not is_within_office_hours(at(12, 30), at(13, 30), zone)
    assert is_within_office_hours(at(10, 30), at(11, 30), zone)


def test_the_week_is_the_keppres_thirty_seven_and_a_half_hours() -> None:
    def length(intervals: tuple[tuple[time, time], ...]) -> timedelta:
        day = date(2022, 1, 1)
        return sum(
            (datetime.combine(day, end) - datetime.combine(day, start) for start, end in intervals),
            timedelta(),
        )

    assert sum((length(OFFICE_HOURS[d]) for d in range(5)), timedelta()) == timedelta(hours=37.5)
