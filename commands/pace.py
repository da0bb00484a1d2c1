"""How fast a rehearsal's calendar goes, read from the mail its workflows make.

A rehearsal's calendar waits for the workers (workflows.calendar_time): when they cannot keep up
with the requested speed, the machine sets the pace, and the progress display says so.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from models.clock import MAX_SPEED
from store.tables import OutboxRow

WINDOW = 20.0
"""Seconds of real time the pace is measured over."""
SLOWER = 0.8
"""Below this share of the requested speed, the machine is said to set the pace."""


def latest_calendar(engine: Engine, year: int) -> datetime | None:
    """The calendar time of the latest message any workflow of the cycle has made."""
    with Session(engine) as db:
        return db.scalar(select(func.max(OutboxRow.made_at)).where(OutboxRow.year == year))


class Pace:
    def __init__(self, speed: float) -> None:
        self.speed = speed
        self.samples: deque[tuple[float, datetime]] = deque()

    def observe(self, real: float, calendar: datetime | None) -> str:
        """A line for the display, given the real time (seconds) and the calendar's latest."""
        if calendar is None:
            return "calendar: not started"
        self.samples.append((real, calendar))
        while self.samples and real - self.samples[0][0] > WINDOW:
            self.samples.popleft()
        where = f"calendar {calendar:%d %b %Y %H.%M}"
        first_real, first_calendar = self.samples[0]
        if real - first_real < WINDOW / 2:
            return where
        pace = (calendar - first_calendar).total_seconds() / (real - first_real)
        if self.speed >= MAX_SPEED:
            return f"{where}, {pace:,.0f}x: as fast as the machine goes"
        if pace < SLOWER * self.speed:
            return f"{where}, {pace:,.0f}x of {self.speed:,.0f}x: the machine sets the pace"
        return f"{where}, {self.speed:,.0f}x"
