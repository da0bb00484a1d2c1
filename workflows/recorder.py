"""Every database write of a workflow, in the order it asked for them, one after another.

Writes run as local activities: one runs in the worker that holds the workflow task and leaves
one marker in the history, where an activity leaves three events, a task on the server's queue
and one more workflow task to resume the workflow. A row takes milliseconds to write and every
write is keyed (a repeat changes nothing), so if a worker dies mid-write, the workflow task times
out and the next worker writes again.

Update handlers only queue their writes: an update returns once its input is in history (which
is what makes it durable), and no handler holds an update in flight while a row is written.
Audit rows, check-ins and outcomes waiting side by side go in one transaction (TOGETHER): a burst
of people acting at once costs a write per workflow task, not two for each person.

Mail stays an activity (in batches, see workflows.batches): a burst of it, queued inside a
worker, would hold workflow tasks open past their timeout. So do the plan, the documents
(seconds of layout) and the simulated participants, who act on the workflow through updates.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any, Protocol, TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.records import RecordActivities
    from activities.refused_writes import WRITE_REFUSED
    from models.records import (
        ActionRecord,
        ActionRecords,
        AttendanceImport,
        OutcomeRecords,
        TogetherRecords,
        WriteFailure,
    )
    from models.workflow_io import Origin
    from security.tokens import read_unverified

from workflows import options


class Acting(Protocol):
    """An update's who: every update input names its actor, token and origin."""

    @property
    def actor(self) -> str: ...
    @property
    def token(self) -> str | None: ...
    @property
    def origin(self) -> Origin | None: ...


Row = TypeVar("Row")
Write = Callable[[Any, Row], object]
"""A write activity (an unbound method of RecordActivities) and the row it takes: mypy checks
that each write is given the row it expects."""


TOGETHER: dict[Callable[..., Any], tuple[Callable[..., Any], Callable[[list[Any]], Any], str]] = {
    RecordActivities.record_action: (
        RecordActivities.record_actions,
        lambda rows: ActionRecords(actions=rows),
        "actions",
    ),
    RecordActivities.record_check_in: (
        RecordActivities.record_check_ins,
        lambda rows: AttendanceImport(entries=rows),
        "check_ins",
    ),
    RecordActivities.record_outcome: (
        RecordActivities.record_outcomes,
        lambda rows: OutcomeRecords(outcomes=rows),
        "outcomes",
    ),
}
"""Writes that may go together in one: the single write, its batch, how to wrap the rows, and
their field in TogetherRecords, where several kinds go in one transaction."""
MAX_TOGETHER = 500
"""Rows per write at most: one transaction, one local activity's input, kept small."""


class Recorder:
    def __init__(
        self,
        year: int,
        province: str | None,
        working: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        self.year = year
        self.working = working
        """Marks each write as work in hand, which a rehearsal's calendar waits for."""
        self.province = province
        """None: the cycle's own writes."""
        self.queue: deque[tuple[Callable[..., Any], Any, asyncio.Future[Any] | None]] = deque()
        self.busy = False
        self.runner: asyncio.Task[None] | None = None
        self.actions = 0
        """Actions audited so far: each one's ordinal in the trail."""
        self.broken: BaseException | None = None
        """A fault in the code (an activity missing from the worker), not a refused write: the
        next write or wait raises it, which fails the workflow task, so that it shows and is
        retried once the worker is fixed, instead of every later write being silently lost."""
        self.failed_writes = 0
        """Writes the database refused for good: each is recorded (write_failures) for status
        and the board, and the writes behind it go on."""

    def record(self, activity: Write[Row], arg: Row) -> None:
        """Queue a write; it follows every write asked for before it."""
        self._queue(activity, arg, None)

    async def write(self, activity: Write[Row], arg: Row) -> Any:
        """Write after everything queued before, and wait for it: for a write whose refusal
        the caller must hear (a session moved onto a desk another province holds)."""
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue(activity, arg, done)
        return await done

    def _queue(self, activity: Callable[..., Any], arg: Any, done: asyncio.Future[Any] | None) -> None:
        if self.broken is not None:
            raise self.broken
        self.queue.append((activity, arg, done))
        if self.runner is None:
            self.runner = asyncio.ensure_future(self.run())

    def audit(self, action: str, acting: Acting, detail: str, at: datetime) -> None:
        """Who did what, when, with which token (its id, never the token itself), and from which
        portal session, address and browser when they acted in the portal."""
        update = workflow.current_update_info()
        token, origin = acting.token, acting.origin
        # The update guard (workflows/update_guard.py) lets only ids the column holds through.
        update_id = update.id if update else ""
        self.actions += 1
        self.record(
            RecordActivities.record_action,
            ActionRecord(
                year=self.year,
                province=self.province,
                workflow_id=workflow.info().workflow_id,
                update_id=update_id,
                action=action,
                actor=acting.actor,
                token_id=read_unverified(token).link if token else "",
                detail=detail,
                at=at,
                ordinal=self.actions,
                portal_session=origin.session if origin else "",
                ip=origin.ip if origin else "",
                user_agent=origin.user_agent if origin else "",
            ),
        )

    async def run(self) -> None:
        try:
            await self._write_all()
        except asyncio.CancelledError:
            raise
        except BaseException as fault:
            self.broken = fault
            raise

    async def _write_all(self) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self.queue))
            self.busy = True
            try:
                if self.queue[0][0] in TOGETHER and self.queue[0][2] is None:
                    await self._write_together()
                else:
                    await self._write_one()
            finally:
                self.busy = False

    async def _write_one(self) -> None:
        activity, arg, done = self.queue[0]
        try:
            result = await self._write(activity, arg)
        except FailureError as error:
            refused = isinstance(error, ApplicationError) and error.type == WRITE_REFUSED
            if done is None or refused:
                # A refusal the caller handles (a desk taken) is an answer, not a failed write.
                self._failed(activity, error)
            if done is not None:
                done.set_exception(error)
        else:
            if done is not None:
                done.set_result(result)
        finally:
            self.queue.popleft()

    async def _write_together(self) -> None:
        """The audit rows, check-ins and outcomes at the head of the queue, in one transaction:
        they touch nothing the others read, so their order among themselves does not matter
        (outcomes keep theirs), and a burst of actions (the pre-meeting's 910 check-ins, a desk
        day's outcomes) costs a few writes, not two for each person."""
        taken: dict[Callable[..., Any], list[Any]] = {}
        while self.queue and self.queue[0][0] in TOGETHER and self.queue[0][2] is None:
            if sum(len(rows) for rows in taken.values()) >= MAX_TOGETHER:
                break
            activity, arg, _ = self.queue.popleft()
            taken.setdefault(activity, []).append(arg)
        if len(taken) > 1:
            together = TogetherRecords(**{TOGETHER[activity][2]: args for activity, args in taken.items()})
            try:
                # Each round of a burst (the outcomes a task took, and their audit rows) is one
                # transaction: SQLite takes one writer at a time.
                await self._write(RecordActivities.record_together, together)
                return
            except FailureError:
                # A row that cannot be written (an audit key taken already): each kind again
                # on its own, so that only its own write fails and the other rows are kept.
                pass
        for activity, args in taken.items():
            batch, wrap, _ = TOGETHER[activity]
            arg = args[0] if len(args) == 1 else wrap(args)
            try:
                await self._write(activity if len(args) == 1 else batch, arg)
            except FailureError as error:
                self._failed(activity, error)

    def _failed(self, activity: Callable[..., Any], error: FailureError) -> None:
        """A write that cannot succeed: logged, and recorded where organizers look."""
        name = getattr(activity, "__name__", str(activity))
        workflow.logger.error("write %s failed for good: %s", name, error)
        if activity is RecordActivities.record_write_failure:
            return
        self.failed_writes += 1
        self.record(
            RecordActivities.record_write_failure,
            WriteFailure(
                year=self.year,
                province=self.province,
                workflow_id=workflow.info().workflow_id,
                number=self.failed_writes,
                write=name,
                error=str(error)[:400],
                at=workflow.now(),
            ),
        )

    async def _write(self, activity: Callable[..., Any], arg: Any) -> Any:
        try:
            with self.working():
                return await workflow.execute_local_activity_method(  # type: ignore[call-overload]
                    activity, arg, **options.RECORD
                )
        except FailureError as error:
            # Only a write that cannot succeed ends here (the retry policy keeps trying the
            # others), and it must not hold back the writes behind it. A local activity's
            # failure arrives as the activity's own error, not wrapped in an ActivityError.
            cause = error.cause if isinstance(error, ActivityError) and error.cause else error
            raise cause if isinstance(cause, FailureError) else error from None

    async def written(self) -> None:
        """Returns once everything queued so far is in the database."""
        await workflow.wait_condition(lambda: self.broken is not None or (not self.queue and not self.busy))
        if self.broken is not None:
            raise self.broken

    async def close(self) -> None:
        await self.written()
        if self.runner is not None:
            self.runner.cancel()
