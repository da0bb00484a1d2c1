"""When a meeting's reminders go out: the working day before, and shortly before it starts."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from schedule.working_time import local_date, local_moment, previous_working_day


def reminder_moments(
    starts_at: datetime, venue_zone: str, day_before_at: time, minutes_before: int
) -> list[tuple[str, datetime]]:
    """(variant, moment) of each reminder, in order."""
    day = previous_working_day(local_date(starts_at, venue_zone))
    return [
        ("day-before", local_moment(day, day_before_at, venue_zone)),
        ("hour-before", starts_at - timedelta(minutes=minutes_before)),
    ]
