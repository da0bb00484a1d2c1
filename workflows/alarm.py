"""One timer for all the waits of a workflow.

A province of 36 desk sessions has a reminder or a start ahead of every session at once; with a
timer each, a regency-level cycle keeps some 20,000 timers pending on the server, and every one
of them costs the server on each step it takes. The alarm keeps one timer per workflow, set for
the earliest moment anyone is waiting for, and wakes everyone whose moment has come when it rings.

Waits are kept as moments of the cycle's calendar; the calendar (workflows.calendar_time) says
at which real instant each falls, whether the workflow has work in hand that a moment must wait
for, and learns when a moment has rung.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow


class Alarm:
    def __init__(
        self,
        due: Callable[[datetime], datetime],
        idle: Callable[[], bool],
        rang: Callable[[datetime], None],
    ) -> None:
        self.due = due
        """The real instant at which a calendar moment falls."""
        self.idle = idle
        """False while the workflow has work in hand that the next moment waits for."""
        self.rang = rang
        self.waiting: Counter[datetime] = Counter()
        """Calendar moments someone waits for, with how many wait for each."""
        self.rung: datetime | None = None
        """The latest moment the alarm has rung for: everyone waiting for it or earlier is woken."""
        self.ringer: asyncio.Future[None] | None = None

    def has_rung(self, moment: datetime) -> bool:
        return self.rung is not None and moment <= self.rung

    async def wait(self, moment: datetime, condition: Callable[[], bool]) -> None:
        """Wait for ``condition`` or for the calendar ``moment``, whichever comes first."""
        if self.ringer is None:
            self.ringer = asyncio.ensure_future(self.ring())
        self.waiting[moment] += 1
        try:
            await workflow.wait_condition(lambda: condition() or self.has_rung(moment))
        finally:
            self.waiting[moment] -= 1
            if not self.waiting[moment]:
                del self.waiting[moment]

    def next_moment(self) -> datetime | None:
        return min(self.waiting) if self.waiting else None

    async def ring(self) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self.waiting))
            target = min(self.waiting)
            if not await self.timer_runs_out(target):
                continue
            if not self.idle():
                # The moment has come on the clock, but the work in hand goes first; the calendar
                # stood still for it, so the moment may now fall later.
                await self.work_done(target)
                continue
            self.rang(target)
            self.rung = target
            await self.woken_left(target)

    async def timer_runs_out(self, target: datetime) -> bool:
        """Sleep until ``target`` falls; False when an earlier moment came in, or nobody is left
        waiting for this one, and the timer must be set anew."""
        wait = self.due(target) - workflow.now()
        if wait <= timedelta(0):
            return True
        try:
            await workflow.wait_condition(lambda: self.next_moment() != target, timeout=wait)
        except TimeoutError:
            return True
        return False

    async def work_done(self, target: datetime) -> None:
        await workflow.wait_condition(lambda: self.idle() or self.next_moment() != target)

    async def woken_left(self, target: datetime) -> None:
        """Let the woken waiters leave before looking for the next moment."""
        await workflow.wait_condition(lambda: not self.waiting or min(self.waiting) > target)
