"""The bare engine's floor: the rehearsal's workflows, activities, timers and updates, no-op bodies.

FloorCycleWorkflow and FloorProvinceWorkflow keep the shape of CycleWorkflow and
ProvinceWorkflow: the same children, the same calendar moments (pre-meeting, reminders, session
starts and ends, deadlines), an activity wherever those run one (mail, database, documents), and
simulated participants acting through updates sent from an activity. Like the rehearsal, it
writes to its database in local activities and sends a province's mail in batches. Only the
bodies are empty: no mail is composed, no row written, no document rendered. What the
rehearsal costs beyond this is rakortek's own cost.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.client import Client, WorkflowUpdateStage

with workflow.unsafe.imports_passed_through():
    from models.clock import CycleClock

from workflows.batches import Batch
from workflows.calendar_time import CalendarTime

NOOP_TIMEOUT = timedelta(minutes=2)


class Noop(BaseModel):
    what: str
    """What the real activity at this point does (mail, stage, document…), for the history's reader."""


class FloorAct(BaseModel):
    workflow_id: str
    step: str


class FloorStep(BaseModel):
    step: str


class FloorSession(BaseModel):
    starts_at: datetime
    ends_at: datetime
    reminders: list[datetime]


class FloorProvinceInput(BaseModel):
    code: str
    clock: CycleClock | None = None
    """Set by the cycle when it starts the province, as CycleWorkflow does."""
    pre_meeting_ends_at: datetime
    data_entry: datetime
    confirmation: datetime
    sign_off: datetime
    sign_off_reminder: datetime
    sessions: list[FloorSession]
    proposals_at: datetime
    confirm_at: datetime
    sign_at: list[datetime]


class FloorCycleInput(BaseModel):
    year: int
    opens_at: datetime
    pre_meeting_reminders: list[datetime]
    pre_meeting_ends_at: datetime
    pre_meeting_batches: int
    provinces: list[FloorProvinceInput]


class FloorActivities:
    def __init__(self, client: Client) -> None:
        self.client = client

    @activity.defn
    async def noop(self, what: Noop) -> None:
        return None

    @activity.defn
    async def act(self, act: FloorAct) -> None:
        """A simulated participant's update, sent like the rehearsal's (accepted, fixed id)."""
        handle = self.client.get_workflow_handle(act.workflow_id)
        await handle.start_update(
            "act",
            FloorStep(step=act.step),
            id=f"{act.workflow_id}-{act.step}",
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
        )


LOCAL = {"stage", "record", "register cycle"}
"""Steps the rehearsal runs as local activities: its database writes (see workflows.recorder)."""


async def noop(what: str) -> None:
    if what in LOCAL:
        await workflow.execute_local_activity_method(
            FloorActivities.noop, Noop(what=what), start_to_close_timeout=NOOP_TIMEOUT
        )
    else:
        await workflow.execute_activity_method(
            FloorActivities.noop, Noop(what=what), start_to_close_timeout=NOOP_TIMEOUT
        )


async def mailings(items: list[str]) -> None:
    await noop(f"mail: {len(items)} mailings")


async def act(step: str) -> None:
    await workflow.execute_activity_method(
        FloorActivities.act,
        FloorAct(workflow_id=workflow.info().workflow_id, step=step),
        start_to_close_timeout=NOOP_TIMEOUT,
    )


def floor_province_id(year: int, code: str) -> str:
    return f"floor-{year}-province-{code}"


@workflow.defn
class FloorProvinceWorkflow:
    """A province's timers, activities and updates, with nothing done in them."""

    @workflow.init
    def __init__(self, input: FloorProvinceInput) -> None:
        assert input.clock is not None
        self.time = CalendarTime(input.clock)
        self.mail: Batch[str] = Batch(mailings)
        self.done: set[str] = set()
        self.held: set[int] = set()
        self.signing = False

    @workflow.run
    async def run(self, input: FloorProvinceInput) -> int:
        await noop("load plan")
        simulation = asyncio.ensure_future(self.simulate(input))
        await self.time.sleep_until(input.pre_meeting_ends_at)
        await noop("stage")
        await self.mail.add("data entry open")
        sessions = asyncio.gather(*(self.session(n, s) for n, s in enumerate(input.sessions)))
        await self.time.sleep_until(input.data_entry)
        await noop("stage")
        await sessions
        await noop("stage")
        await self.mail.add("confirmation request")
        await self.time.wait_until(input.confirmation, lambda: "confirm" in self.done)
        await workflow.wait_condition(lambda: "confirm" in self.done)
        await noop("stage")
        await noop("document")
        self.signing = True
        await asyncio.gather(self.mail.add("sign-off request"), self.mail.add("sign-off request"))
        signed = lambda: {"sign-regional", "sign-central"} <= self.done  # noqa: E731
        await self.time.wait_until(input.sign_off_reminder, signed)
        await self.time.wait_until(input.sign_off, signed)
        await workflow.wait_condition(signed)
        await noop("signed document")
        await self.mail.add("agreement signed")
        await noop("stage")
        await simulation
        await workflow.wait_condition(workflow.all_handlers_finished)
        return len(self.done)

    async def session(self, n: int, session: FloorSession) -> None:
        await self.mail.add("invitation")
        for moment in session.reminders:
            await self.time.wait_until(moment, lambda: False)
            await self.mail.add("reminder")
        await self.time.wait_until(session.starts_at, lambda: False)
        self.held.add(n)
        await workflow.wait_condition(lambda: f"outcome-{n}" in self.done)

    async def simulate(self, input: FloorProvinceInput) -> None:
        async def propose() -> None:
            await self.time.sleep_until(input.proposals_at)
            await act("proposals")

        async def outcome(n: int, session: FloorSession) -> None:
            await workflow.wait_condition(lambda: n in self.held)
            await self.time.sleep_until(session.ends_at)
            await act(f"outcome-{n}")

        async def confirm() -> None:
            await self.time.sleep_until(input.confirm_at)
            await act("confirm")

        async def sign(step: str, at: datetime) -> None:
            await workflow.wait_condition(lambda: self.signing)
            await self.time.sleep_until(at)
            await act(step)

        await asyncio.gather(
            propose(),
            *(outcome(n, s) for n, s in enumerate(input.sessions)),
            confirm(),
            sign("sign-regional", input.sign_at[0]),
            sign("sign-central", input.sign_at[1]),
        )

    @workflow.update
    async def act(self, step: FloorStep) -> None:
        self.done.add(step.step)
        await noop("record")


@workflow.defn
class FloorCycleWorkflow:
    """The cycle's pre-meeting and children, with nothing done in them."""

    @workflow.init
    def __init__(self, input: FloorCycleInput) -> None:
        self.attended = False
        self.started = workflow.now()

    @workflow.run
    async def run(self, input: FloorCycleInput) -> int:
        await noop("register cycle")
        await noop("plan cycle")
        clock = CycleClock(calendar_origin=input.opens_at, real_origin=self.started, speed=1.0)
        time = CalendarTime(clock)
        await time.sleep_until(input.opens_at)
        children = [
            await workflow.start_child_workflow(
                FloorProvinceWorkflow.run,
                province.model_copy(update={"clock": clock}),
                id=floor_province_id(input.year, province.code),
            )
            for province in input.provinces
        ]

        async def mail_everyone() -> None:
            await asyncio.gather(*(noop("mail: pre-meeting") for _ in range(input.pre_meeting_batches)))

        await mail_everyone()
        for moment in input.pre_meeting_reminders:
            await time.sleep_until(moment)
            await mail_everyone()
        await time.sleep_until(input.pre_meeting_ends_at)
        await act("attendance")
        await workflow.wait_condition(lambda: self.attended)
        done = await asyncio.gather(*children)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return sum(done)

    @workflow.update
    async def act(self, step: FloorStep) -> None:
        await noop("record")
        self.attended = True
