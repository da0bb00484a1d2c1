"""Waiting on the cycle's calendar inside a workflow (deterministic: workflow time only)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.clock import CycleClock


class CalendarTime:
    def __init__(self, clock: CycleClock) -> None:
        self.clock = clock

    def now(self) -> datetime:
        return self.clock.calendar_time(workflow.now())

    async def sleep_until(self, moment: datetime) -> None:
        wait = self.clock.real_wait(moment, workflow.now())
        if wait.total_seconds() > 0:
            await workflow.sleep(wait)

    async def wait_until(self, moment: datetime, condition: Callable[[], bool]) -> bool:
        """Wait for ``condition`` or for ``moment``; True when the condition came first."""
        if condition():
            return True
        wait = self.clock.real_wait(moment, workflow.now())
        if wait.total_seconds() <= 0:
            return False
        try:
            await workflow.wait_condition(condition, timeout=wait)
        except TimeoutError:
            return condition()
        return True
