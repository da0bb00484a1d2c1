"""The cycle's clock: calendar time, possibly compressed for a rehearsal.

A rehearsal runs a past or future cycle on its own calendar (its dates, holidays and hours)
with every wait divided by ``speed``. Everything a participant reads uses calendar time; only
the timers the workflows set use real time.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

MAX_SPEED = 1e9
"""A rehearsal's speed meaning "as fast as the machine goes" (``--speed max``)."""


class CycleClock(BaseModel):
    model_config = ConfigDict(frozen=True)

    calendar_origin: datetime
    """Calendar time at ``real_origin``."""
    real_origin: datetime
    speed: float = Field(default=1.0, gt=0)
    paced: bool = False
    """A rehearsal's calendar, which never runs ahead of the workflows (workflows.calendar_time)."""

    @property
    def unbounded(self) -> bool:
        """As fast as the machine goes: the calendar moves from one awaited moment to the next."""
        return self.speed >= MAX_SPEED

    def calendar_time(self, real_now: datetime) -> datetime:
        return self.calendar_origin + (real_now - self.real_origin) * self.speed

    def real_moment(self, calendar_moment: datetime) -> datetime:
        """The real instant at which calendar time reaches ``calendar_moment``."""
        return self.real_origin + (calendar_moment - self.calendar_origin) / self.speed
