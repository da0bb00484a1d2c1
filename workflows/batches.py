"""Work asked for at one moment goes out as one activity.

When the alarm rings for a province, every session whose reminder is due wakes in the same
workflow activation; at the start of the desk window all 36 ask for their invitations at once.
Each asks the batch and waits; the batch sends whatever has gathered in one activity, and what
is asked for meanwhile goes in the next. A regency-level cycle's 18,504 invitations become 514
activities, and the history and the server's work shrink with them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Generic, TypeVar

from temporalio import workflow

Item = TypeVar("Item")


class Batch(Generic[Item]):
    def __init__(
        self,
        run: Callable[[list[Item]], Awaitable[object]],
        working: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        self.run = run
        self.working = working
        """Marks each send as work in hand, which a rehearsal's calendar waits for."""
        self.waiting: list[tuple[Item, asyncio.Future[None]]] = []
        self.sender: asyncio.Task[None] | None = None

    async def add(self, item: Item) -> None:
        """Returns once the activity that carried ``item`` is done; raises what it raised."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((item, done))
        if self.sender is None:
            self.sender = asyncio.ensure_future(self.send_all())
        await done

    async def send_all(self) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self.waiting))
            taken, self.waiting = self.waiting, []
            try:
                with self.working():
                    await self.run([item for item, _ in taken])
            except Exception as error:
                for _, done in taken:
                    if not done.done():
                        done.set_exception(error)
            else:
                for _, done in taken:
                    if not done.done():
                        done.set_result(None)
