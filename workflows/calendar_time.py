"""Waiting on the cycle's calendar inside a workflow (deterministic: workflow time only).

A live cycle's calendar is the wall clock. A rehearsal's runs ``speed`` times faster, and is
*paced*: it never runs ahead of the workflow. It stands still while the workflow has work in
hand (mail to send, rows to write, a simulated person acting), and when the machine wakes it late
for a moment, it stands at that moment rather than where the wall clock would have taken it. So
a reminder is never found to have passed because the machine was busy, and the same cycle file
gives the same mail and outcomes at 1,000×, at 20,000× or as fast as the machine goes
(``MAX_SPEED``: the calendar then moves only from one moment someone waits for to the next).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.clock import CycleClock
    from models.workflow_io import REMINDER_GRACE

from workflows.alarm import Alarm


def stamp(moment: datetime) -> str:
    """A moment as a Message-ID may carry it: 20220313T0300Z."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


class CalendarTime:
    """The cycle's calendar inside one workflow; every wait rides on one timer (workflows.alarm)."""

    def __init__(self, clock: CycleClock) -> None:
        self.clock = clock
        self.calendar_anchor = clock.calendar_origin
        self.real_anchor = clock.real_origin
        """Where the calendar stood, and when: the clock's origin, moved on by a paced
        calendar each time a moment rings or work is done."""
        self.work = 0
        """Pieces of work in hand (workflows.calendar_time.working)."""
        self.stood_at: datetime | None = None
        """Where a paced calendar stands while there is work in hand."""
        self.alarm = Alarm(self.real_moment, self.idle, self.reached)

    def now(self) -> datetime:
        if self.stood_at is not None:
            return self.stood_at
        if self.clock.unbounded:
            return self.calendar_anchor
        now = self.calendar_anchor + (workflow.now() - self.real_anchor) * self.clock.speed
        if self.clock.paced:
            upcoming = self.alarm.next_moment()
            if upcoming is not None and upcoming < now:
                # A moment that is due but has not rung yet: the calendar does not pass it.
                return upcoming
        return now

    @contextmanager
    def working(self) -> Iterator[None]:
        """Work in hand (an activity and its wait): a paced calendar stands still meanwhile,
        and then goes on from where it stood."""
        if not self.clock.paced:
            yield
            return
        if self.work == 0:
            self.stood_at = self.now()
        self.work += 1
        try:
            yield
        finally:
            self.work -= 1
            if self.work == 0 and self.stood_at is not None:
                self.calendar_anchor, self.real_anchor = self.stood_at, workflow.now()
                self.stood_at = None

    def real_moment(self, moment: datetime) -> datetime:
        if self.clock.unbounded:
            return self.real_anchor
        return self.real_anchor + (moment - self.calendar_anchor) / self.clock.speed

    def idle(self) -> bool:
        return self.work == 0

    def reached(self, moment: datetime) -> None:
        """The alarm rang for ``moment``: a paced calendar stands there, now."""
        if not self.clock.paced:
            return
        self.calendar_anchor, self.real_anchor = moment, workflow.now()

    def has_passed(self, moment: datetime) -> bool:
        """Whether ``moment`` is too far behind to act on it (a reminder, say).

        Five minutes of calendar time. A paced calendar never leaves a moment behind for the
        machine's sake; an unpaced one allows the calendar time that half a minute of a busy
        worker stands for: lag of the machine is not lateness of a person.
        """
        allowance = REMINDER_GRACE
        if not self.clock.paced:
            allowance = max(allowance, timedelta(seconds=30) * self.clock.speed)
        return moment < self.now() - allowance

    async def sleep_until(self, moment: datetime) -> None:
        await self.wait_until(moment, lambda: False)

    async def wait_until(self, moment: datetime, condition: Callable[[], bool]) -> bool:
        """Wait for ``condition`` or for ``moment``; True when the condition came first."""
        if condition():
            return True
        if moment <= self.now():
            return False
        await self.alarm.wait(moment, condition)
        return condition()

    async def wait_for_deadline(
        self, deadline: Callable[[], datetime], condition: Callable[[], bool]
    ) -> bool:
        """Wait for ``condition`` or for the deadline, which may move while it is awaited (an
        organizer extends it): the wait follows it. True when the condition came first."""
        while True:
            moment = deadline()
            moved = lambda: deadline() != moment  # noqa: B023, E731
            if not await self.wait_until(moment, lambda: condition() or moved()):  # noqa: B023
                return False
            if condition():
                return True
