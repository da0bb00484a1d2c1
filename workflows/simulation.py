"""Simulated participants of a rehearsal, acting on the cycle's calendar through real updates."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.simulation import SimulatedStep, SimulationActivities
    from models.items import ProposalItem
    from models.stages import SessionState, Stage
    from models.workflow_io import ProvinceSimulation

from workflows import options

if TYPE_CHECKING:
    from workflows.province import ProvinceWorkflow

STAGE_ORDER = list(Stage)


def reached(province: ProvinceWorkflow, stage: Stage) -> bool:
    return STAGE_ORDER.index(province.stage) >= STAGE_ORDER.index(stage)


async def simulate_province(province: ProvinceWorkflow, plan: ProvinceSimulation) -> None:
    year, code = province.input.year, province.input.province.code

    async def act(
        step: str,
        desk: str | None = None,
        proposals: list[ProposalItem] | None = None,
        refs: list[str] | None = None,
        **payload: str,
    ) -> None:
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
        await workflow.wait_condition(lambda: reached(province, Stage.DATA_ENTRY))
        await province.time.sleep_until(plan.proposals_at)
        await act("proposals")

    async def move() -> None:
        if plan.reschedule is not None:
            await province.time.sleep_until(plan.reschedule.act_at)
            await act(
                "reschedule",
                plan.reschedule.desk,
                starts_at=plan.reschedule.starts_at.isoformat(),
            )
        if plan.cancel_and_hold is not None and plan.cancel_at is not None:
            await province.time.sleep_until(plan.cancel_at)
            desk = plan.cancel_and_hold.desk
            await act("cancel", desk, reason="Narasumber K/L berhalangan")
            # The organizer holds it again only once the cancellation is out.
            await workflow.wait_condition(lambda: desk in province.cancellations_sent)
            await province.time.sleep_until(plan.cancel_and_hold.act_at)
            await act("hold", plan.cancel_and_hold.desk, starts_at=plan.cancel_and_hold.starts_at.isoformat())

    async def outcome(desk: str) -> None:
        session = province.sessions[desk]
        await workflow.wait_condition(
            lambda: session.state is SessionState.HELD or reached(province, Stage.CONFIRMATION)
        )
        if session.state is SessionState.HELD:
            await province.time.sleep_until(session.ends_at)
            proposals = [p for p in province.proposals.values() if p.desk == desk]
            await act("outcome", desk, proposals=proposals)

    async def confirm() -> None:
        await workflow.wait_condition(lambda: reached(province, Stage.CONFIRMATION))
        await province.time.sleep_until(plan.confirm_at)
        if province.stage is Stage.CONFIRMATION and province.unconfirmed_refs():
            await act("confirm", refs=province.unconfirmed_refs())

    async def sign(step: str, at: object) -> None:
        await workflow.wait_condition(
            lambda: reached(province, Stage.SIGN_OFF) and province.document is not None
        )
        await province.time.sleep_until(at)  # type: ignore[arg-type]
        await act(step)

    await asyncio.gather(
        propose(),
        move(),
        *(outcome(desk) for desk in sorted(province.sessions)),
        confirm(),
        sign("sign-regional", plan.regional_sign_at),
        sign("sign-central", plan.central_sign_at),
    )
