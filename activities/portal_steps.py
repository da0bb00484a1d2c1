"""A rehearsal's simulated people acting through the portal's forms instead of updates: the
same choices (activities/simulation.py), typed into the same pages a person uses.

A retried activity must not act twice: each step first looks whether what it does is already
recorded (the portal's updates have no fixed id to deduplicate them).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities.portal_participant import PortalParticipant
from models.items import PlanItem
from models.stages import Party
from store.tables import ConfirmationRow, OutcomeItemRow, ProposalRow, SessionRow, SignatureRow

if TYPE_CHECKING:
    from activities.simulation import SimulatedStep, SimulationActivities

FIELDS = tuple(PlanItem.model_fields)


def _count(sim: SimulationActivities, query: object) -> int:
    with Session(sim.engine) as db:
        return int(db.scalar(query) or 0)  # type: ignore[call-overload]


async def act_in_portal(sim: SimulationActivities, step: SimulatedStep) -> None:
    assert sim.portal_url is not None
    year, province = step.year, step.province
    if step.step == "proposals":
        submit = await asyncio.to_thread(sim.proposals, step)
        done = select(func.count()).where(
            ProposalRow.year == year,
            ProposalRow.province == province,
            ProposalRow.submitted_by == submit.actor,
        )
        if await asyncio.to_thread(_count, sim, done):
            return
        data = {"rows": str(len(submit.items)), "action": "submit"}
        for i, item in enumerate(submit.items):
            values = item.model_dump(mode="json")
            data.update({f"{i}.{name}": str(values[name]) for name in FIELDS})
        await _post(sim, year, submit.actor, f"/usulan/{province}", data)

    elif step.step == "outcome":
        record = await asyncio.to_thread(sim.outcome, step)
        session = select(SessionRow.id).where(
            SessionRow.year == year, SessionRow.province == province, SessionRow.desk == step.desk
        )
        with Session(sim.engine) as db:
            session_id = db.scalar(session)
        done = select(func.count()).where(
            OutcomeItemRow.year == year, OutcomeItemRow.session_id == session_id
        )
        if session_id is None:
            return
        recorded = await asyncio.to_thread(_count, sim, done)
        if recorded:
            return
        outcomes = {item.ref: item for item in record.items}
        async with _person(sim, year, record.actor) as person:
            refs = await person.refs_on(f"/desk/{session_id}")
            data = {}
            for i, ref in enumerate(refs):
                marked = outcomes[ref]
                data[f"{i}.status"] = marked.status.value
                data[f"{i}.target_value"] = str(marked.target_value)
                data[f"{i}.budget_rupiah"] = str(marked.budget_rupiah)
                data[f"{i}.notes"] = marked.notes
            await person.post(f"/desk/{session_id}", data)

    elif step.step == "confirm":
        confirm = await asyncio.to_thread(sim.confirmation, step)
        done = select(func.count()).where(ConfirmationRow.year == year, ConfirmationRow.province == province)
        if await asyncio.to_thread(_count, sim, done):
            return
        confirmations = {c.ref: c for c in confirm.confirmations}
        async with _person(sim, year, confirm.actor) as person:
            refs = await person.refs_on(f"/konfirmasi/{province}")
            data = {}
            for i, ref in enumerate(refs):
                confirmation = confirmations[ref]
                if confirmation.location_ready:
                    data[f"{i}.location_ready"] = "ya"
                if confirmation.target_confirmed:
                    data[f"{i}.target_confirmed"] = "ya"
                data[f"{i}.notes"] = confirmation.notes
            await person.post(f"/konfirmasi/{province}", data)

    else:
        party = Party.REGIONAL if step.step == "sign-regional" else Party.CENTRAL
        sign = await asyncio.to_thread(sim.signature, step, party)
        done = select(func.count()).where(
            SignatureRow.year == year,
            SignatureRow.province == province,
            SignatureRow.party == party.value,
            SignatureRow.sha256 == sign.document_sha256,
        )
        if await asyncio.to_thread(_count, sim, done):
            return
        data = {"sha256": sign.document_sha256, "consent": "ya"}
        await _post(sim, year, sign.actor, f"/tanda-tangan/{province}", data)


@asynccontextmanager
async def _person(sim: SimulationActivities, year: int, actor: str) -> AsyncIterator[PortalParticipant]:
    """The simulated person's browser: their portal session kept from one step to the next, so
    that the link is opened once per person, not once per step."""
    token = sim.link_for(year, actor)
    assert token is not None and sim.portal_url is not None
    browser = PortalParticipant(sim.portal_url, token, cookies=sim.portal_cookies.get((year, actor)))
    async with browser as person:
        yield person
        sim.portal_cookies[(year, actor)] = person.cookies


async def _post(sim: SimulationActivities, year: int, actor: str, path: str, data: dict[str, str]) -> None:
    async with _person(sim, year, actor) as person:
        await person.post(path, data)
