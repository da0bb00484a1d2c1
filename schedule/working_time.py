"""Working days and hours: Keppres 68/1995 hours, Indonesian public holidays.

Each party keeps its own local time: a session must lie inside the working hours of the
venue and of the province, both read in their own zones.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from temporalio import workflow

# Keppres 68/1995, in force in February 2022 (superseded by Perpres 21/2023): 37.5 hours a week,
# 7.5 a day Monday to Thursday and 7.5 on Friday, whose break is 11.30-13.00.
# Monday=0 … Friday=4; each day is a list of working intervals around the break.
OFFICE_HOURS: dict[int, tuple[tuple[time, time], ...]] = {
    **{weekday: ((time(7, 30), time(12, 0)), (time(13, 0), time(16, 0))) for weekday in range(4)},
    4: ((time(7, 30), time(11, 30)), (time(13, 0), time(16, 30))),
}


@cache
def _holidays(year: int) -> holidays.HolidayBase:
    # The holiday table is a pure function of the year, but building it reads translation files
    # through gettext/locale, which the workflow sandbox forbids: lifted for this call only.
    with workflow.unsafe.sandbox_unrestricted():
        # language is pinned: without it the package guesses from the environment.
        return holidays.country_holidays("ID", years=year, language="id")


def holiday_name(day: date) -> str | None:
    """The Indonesian public holiday on ``day``, if any."""
    return _holidays(day.year).get(day)


def is_working_day(day: date) -> bool:
    return day.weekday() in OFFICE_HOURS and holiday_name(day) is None


def working_days(first: date, last: date) -> list[date]:
    """Working days from ``first`` to ``last``, both included."""
    days = []
    day = first
    while day <= last:
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def previous_working_day(day: date) -> date:
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def office_intervals(day: date, zone: str) -> list[tuple[datetime, datetime]]:
    """Working intervals of ``day`` in ``zone``, as aware datetimes (empty on days off)."""
    if not is_working_day(day):
        return []
    tz = ZoneInfo(zone)
    return [
        (datetime.combine(day, start, tz), datetime.combine(day, end, tz))
        for start, end in OFFICE_HOURS[day.weekday()]
    ]


def shared_intervals(day: date, zones: list[str]) -> list[tuple[datetime, datetime]]:
    """Intervals of ``day`` (a working day at the venue) when every zone is at work.

    The day is the venue's calendar day; the other parties' intervals are taken from the same
    calendar date in their own zone, which is right for zones a few hours apart.
    """
    result = office_intervals(day, zones[0])
    for zone in zones[1:]:
        other = office_intervals(day, zone)
        result = [
            (max(a0, b0), min(a1, b1)) for a0, a1 in result for b0, b1 in other if max(a0, b0) < min(a1, b1)
        ]
    return result


def is_within_office_hours(start: datetime, end: datetime, zone: str) -> bool:
    local_start = start.astimezone(ZoneInfo(zone))
    return any(lo <= local_start and end <= hi for lo, hi in office_intervals(local_start.date(), zone))


def local_moment(day: date, at: time, zone: str) -> datetime:
    """``at`` o'clock on ``day`` in ``zone``."""
    return datetime.combine(day, at, ZoneInfo(zone))


def local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()
