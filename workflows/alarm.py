"""One timer for all the waits of a workflow.

A province of 36 desk sessions has a reminder or a start ahead of every session at once; with a
timer each, a regency-level cycle keeps some 20,000 timers pending on the server, and every one
of them costs the server on each step it takes. The alarm keeps one timer per workflow, set for
the earliest moment anyone is waiting for, and wakes everyone whose moment has come when it rings.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow


class Alarm:
    def __init__(self) -> None:
        self.waiting: Counter[datetime] = Counter()
        """Real instants someone waits for, with how many wait for each."""
        self.rung: datetime | None = None
        """The latest instant the alarm has rung for: everyone waiting for it or earlier is woken."""
        self.ringer: asyncio.Future[None] | None = None

    def has_rung(self, due: datetime) -> bool:
        return self.rung is not None and due <= self.rung

    async def wait(self, due: datetime, condition: Callable[[], bool]) -> None:
        """Wait for ``condition`` or for the real instant ``due``, whichever comes first."""
        if self.ringer is None:
            self.ringer = asyncio.ensure_future(self.ring())
        self.waiting[due] += 1
        try:
            await workflow.wait_condition(lambda: condition() or self.has_rung(due))
        finally:
            self.waiting[due] -= 1
            if not self.waiting[due]:
                del self.waiting[due]

    def next_due(self) -> datetime | None:
        return min(self.waiting) if self.waiting else None

    async def ring(self) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self.waiting))
            target = min(self.waiting)
            if await self.timer_runs_out(target):
                self.rung = target
                await self.woken_left(target)

    async def timer_runs_out(self, target: datetime) -> bool:
        """Sleep until ``target``; False when an earlier moment came in, or nobody is left
        waiting for this one, and the timer must be set anew."""
        wait = target - workflow.now()
        if wait <= timedelta(0):
            return True
        try:
            await workflow.wait_condition(lambda: self.next_due() != target, timeout=wait)
        except TimeoutError:
            return True
        return False

    async def woken_left(self, target: datetime) -> None:
        """Let the woken waiters leave before looking for the next moment."""
        await workflow.wait_condition(lambda: not self.waiting or min(self.waiting) > target)
