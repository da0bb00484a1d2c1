"""Simulated participants of a rehearsal, acting on the cycle's calendar through real updates.

Given the province's progress and calendar (never the workflow), each simulated person waits for
their moment and acts through an activity that sends the same update a person would.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.simulation import SimulatedStep, SimulationActivities
    from models.items import ProposalItem
    from models.progress import ProvinceProgress
    from models.stages import SessionState, Stage
    from models.workflow_io import ProvinceSimulation

from workflows import options
from workflows.calendar_time import CalendarTime


async def simulate_province(progress: ProvinceProgress, time: CalendarTime, plan: ProvinceSimulation) -> None:
    year, code = progress.input.year, progress.code

    async def act(
        step: str,
        desk: str | None = None,
        proposals: list[ProposalItem] | None = None,
        refs: list[str] | None = None,
        **payload: str,
    ) -> None:
        # A person's act is work in hand: a rehearsal's calendar does not pass the next moment
        # (a deadline, say) before it is in.
        with time.working():
            await workflow.execute_activity_method(
                SimulationActivities.act_as_participant,
                SimulatedStep(
                    year=year,
                    province=code,
                    step=step,
                    desk=desk,
                    payload=payload,
                    proposals=proposals or [],
                    refs=refs or [],
                    not_agreed_every=plan.not_agreed_every,
                ),
                **options.SIMULATION,
            )

    async def propose() -> None:
        await workflow.wait_condition(lambda: progress.reached(Stage.DATA_ENTRY))
        await time.sleep_until(plan.proposals_at)
        await act("proposals")

    async def move() -> None:
        if plan.reschedule is not None:
            await time.sleep_until(plan.reschedule.act_at)
            await act("reschedule", plan.reschedule.desk, starts_at=plan.reschedule.starts_at.isoformat())
        if plan.cancel_and_hold is not None and plan.cancel_at is not None:
            await time.sleep_until(plan.cancel_at)
            desk = plan.cancel_and_hold.desk
            await act("cancel", desk, reason="Narasumber K/L berhalangan")
            # The organizer holds it again only once the cancellation is out.
            await workflow.wait_condition(lambda: desk in progress.cancellations_sent)
            await time.sleep_until(plan.cancel_and_hold.act_at)
            await act("hold", desk, starts_at=plan.cancel_and_hold.starts_at.isoformat())

    async def outcome(desk: str) -> None:
        session = progress.sessions[desk]
        await workflow.wait_condition(
            lambda: session.state is SessionState.HELD or progress.reached(Stage.CONFIRMATION)
        )
        if session.state is SessionState.HELD:
            await time.sleep_until(session.ends_at)
            proposals = [p for p in progress.proposals.values() if p.desk == desk]
            await act("outcome", desk, proposals=proposals)

    async def confirm() -> None:
        await workflow.wait_condition(lambda: progress.reached(Stage.CONFIRMATION))
        await time.sleep_until(plan.confirm_at)
        if progress.stage is Stage.CONFIRMATION and progress.unconfirmed_refs():
            await act("confirm", refs=progress.unconfirmed_refs())

    async def sign(step: str, at: datetime) -> None:
        await workflow.wait_condition(
            lambda: progress.reached(Stage.SIGN_OFF) and progress.document is not None
        )
        await time.sleep_until(at)
        await act(step)

    await asyncio.gather(
        propose(),
        move(),
        *(outcome(desk) for desk in sorted(progress.sessions)),
        confirm(),
        sign("sign-regional", plan.regional_sign_at),
        sign("sign-central", plan.central_sign_at),
    )
