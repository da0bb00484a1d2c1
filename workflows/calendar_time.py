"""Waiting on the cycle's calendar inside a workflow (deterministic: workflow time only)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.clock import CycleClock
    from models.workflow_io import REMINDER_GRACE

from workflows.alarm import Alarm


class CalendarTime:
    def __init__(self, clock: CycleClock) -> None:
        self.clock = clock
        self.alarm: Alarm | None = None

    def share_one_alarm(self) -> None:
        """From now on, every wait rides on one timer (see workflows.alarm)."""
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
        if self.alarm is not None:
            await self.wait_until(moment, lambda: False)
            return
        wait = self.clock.real_wait(moment, workflow.now())
        if wait.total_seconds() > 0:
            await workflow.sleep(wait)

    async def wait_until(self, moment: datetime, condition: Callable[[], bool]) -> bool:
        """Wait for ``condition`` or for ``moment``; True when the condition came first."""
        if condition():
            return True
        if self.alarm is not None:
            due = self.clock.real_moment(moment)
            if due <= workflow.now():
                return False
            await self.alarm.wait(due, condition)
            return condition()
        wait = self.clock.real_wait(moment, workflow.now())
        if wait.total_seconds() <= 0:
            return False
        try:
            await workflow.wait_condition(condition, timeout=wait)
        except TimeoutError:
            return condition()
        return True
