"""Waiting on the cycle's calendar inside a workflow (deterministic: workflow time only)."""

from __future__ import annotations

from collections.abc import Callable
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
        self.alarm = Alarm()

    def now(self) -> datetime:
        return self.clock.calendar_time(workflow.now())

    def has_passed(self, moment: datetime) -> bool:
        """Whether ``moment`` is too far behind to act on it (a reminder, say).

        Five minutes of calendar time, or, in a compressed rehearsal, the calendar time that half
        a minute of a busy worker stands for: lag of the machine is not lateness of a person.
        """
        allowance = max(REMINDER_GRACE, timedelta(seconds=30) * self.clock.speed)
        return moment < self.now() - allowance

    async def sleep_until(self, moment: datetime) -> None:
        await self.wait_until(moment, lambda: False)

    async def wait_until(self, moment: datetime, condition: Callable[[], bool]) -> bool:
        """Wait for ``condition`` or for ``moment``; True when the condition came first."""
        if condition():
            return True
        due = self.clock.real_moment(moment)
        if due <= workflow.now():
            return False
        await self.alarm.wait(due, condition)
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
