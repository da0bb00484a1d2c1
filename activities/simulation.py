"""Simulated participants for a rehearsal: they act through the same updates a person uses, or
for a share of the provinces through the portal's forms (activities/portal_steps.py).

Each step sends its update with a fixed update id, so a retried activity is deduplicated by
the server instead of acting twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
from pydantic import BaseModel
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.exceptions import ApplicationError

from activities.portal_steps import act_in_portal
from models.cycle import cycle_ends_after
from models.items import (
    FundingSource,
    ItemConfirmation,
    ItemLevel,
    ItemStatus,
    OutcomeItem,
    ProposalItem,
)
from models.stages import Party
from models.workflow_io import (
    CancelSession,
    ConfirmItems,
    RecordAttendance,
    RecordOutcome,
    RescheduleSession,
    SignAgreement,
    SubmitProposals,
    province_workflow_id,
)
from security.tokens import SIGN, Holder, TokenIssuer, claims_for
from store.tables import (
    AgreementRow,
    CycleRow,
    DeskRow,
    ParticipantRow,
    ProvinceProgressRow,
)
from temporal_client import act


class SimulatedStep(BaseModel):
    year: int
    province: str
    step: str
    """proposals, outcome, confirm, sign-regional, sign-central, reschedule, cancel, hold."""
    desk: str | None = None
    payload: dict[str, str] = {}
    proposals: list[ProposalItem] = []
    """The desk's proposals, for an outcome: taken from the workflow, not the database."""
    refs: list[str] = []
    """The items to confirm."""
    not_agreed_every: int = 9


class SimulatedAttendance(BaseModel):
    year: int
    workflow_id: str
    actor: str
    attended: int


def _figure(*parts: str, low: int, high: int) -> int:
    """A stable pseudo-random figure: the same rehearsal proposes the same budgets."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return low + int.from_bytes(digest[:8], "big") % (high - low + 1)


PORTAL_STEPS = ("proposals", "outcome", "confirm", "sign-regional", "sign-central")
"""What a simulated person can do in the portal; moving and cancelling stay updates."""


HEARTBEAT_EVERY = 5.0
"""Seconds between a simulated step's heartbeats (workflows/options.py: SIMULATION)."""


@contextlib.asynccontextmanager
async def heartbeating() -> AsyncIterator[None]:
    """Heartbeats while a simulated step runs: they tell the server its worker still lives, so a
    step whose worker was killed is tried again after the heartbeat timeout, not the whole
    start-to-close (workflows/options.py: SIMULATION)."""

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(HEARTBEAT_EVERY)

    beating = asyncio.ensure_future(beat())
    try:
        yield
    finally:
        beating.cancel()


class SimulationActivities:
    def __init__(
        self,
        client: Client,
        engine: Engine,
        issuer: TokenIssuer | None = None,
        portal_url: str | None = None,
        portal_share: float = 0.0,
    ) -> None:
        self.client = client
        self.engine = engine
        self.issuer = issuer
        self.portal_url = portal_url
        self.portal_share = portal_share
        """The share of provinces whose simulated people act through the portal's forms."""
        self.portal_cookies: dict[tuple[int, str], httpx.Cookies] = {}
        """Each simulated person's browser cookies, kept between their steps."""
        # A cycle's directory is fixed once registered: each look-up is made once per worker.
        self._roles: dict[tuple[int, str], tuple[str, str | None]] = {}
        self._found: dict[tuple[int, str, str | None, str | None], str] = {}

    def holder_for(
        self, year: int, actor: str, province: str | None = None, document: str | None = None
    ) -> Holder | None:
        """Who the simulated person is, as the link in their mail says (for a signature: the
        one-time link of the document)."""
        if self.issuer is None:
            return None
        if (year, actor) not in self._roles:
            with Session(self.engine) as db:
                person = db.get(ParticipantRow, (year, actor))
            if person is None:
                raise LookupError(f"unknown participant {actor} in {year}")
            self._roles[(year, actor)] = (person.role, person.province)
        role, own_province = self._roles[(year, actor)]
        if document is not None:
            return Holder(sub=actor, year=year, province=province, role=role, action=SIGN, document=document)
        return Holder(sub=actor, year=year, province=own_province, role=role)

    def link_for(self, year: int, actor: str) -> str | None:
        """The link token in the simulated person's mail, which opens their portal."""
        holder = self.holder_for(year, actor)
        if holder is None or self.issuer is None:
            return None
        with Session(self.engine) as db:
            cycle = db.get(CycleRow, year)
        if cycle is None or cycle.sign_off_deadline is None:
            raise LookupError(f"cycle {year} is not registered")
        ends_at = cycle_ends_after(cycle.sign_off_deadline.replace(tzinfo=UTC))
        return self.issuer.issue(
            claims_for(holder.sub, year, holder.province, holder.role, expires_at=ends_at)
        )

    async def _update(
        self, workflow_id: str, name: str, arg: BaseModel, update_id: str, holder: Holder | None
    ) -> None:
        handle = self.client.get_workflow_handle(workflow_id)
        # Accepted is enough: waiting for completion could hold every activity slot while the
        # handlers' own activities wait for one.
        try:
            if holder is None or self.issuer is None:
                await handle.start_update(
                    name, arg, id=update_id, wait_for_stage=WorkflowUpdateStage.ACCEPTED
                )
            else:
                # The server's clock, where it runs ahead of the wall clock (a time-skipping
                # test server): the token's few minutes are counted on the workflow's clock.
                now = max(datetime.now(UTC), activity.info().current_attempt_scheduled_time)
                await act(
                    handle,
                    name,
                    arg,
                    holder=holder,
                    issuer=self.issuer,
                    update_id=update_id,
                    now=now,
                    wait_for_stage=WorkflowUpdateStage.ACCEPTED,
                )
        except WorkflowUpdateFailedError as refused:
            # A refusal by the workflow's validator stands: asking again would be refused again.
            raise ApplicationError(
                f"{name} refused for {workflow_id}: {refused.cause}", type="UpdateRefused", non_retryable=True
            ) from refused

    def _person(self, year: int, role: str, province: str | None = None, desk: str | None = None) -> str:
        key = (year, role, province, desk)
        if key not in self._found:
            self._found[key] = self._look_up(year, role, province, desk)
        return self._found[key]

    def _look_up(self, year: int, role: str, province: str | None, desk: str | None) -> str:
        with Session(self.engine) as db:
            query = select(ParticipantRow).where(ParticipantRow.year == year, ParticipantRow.role == role)
            if province is not None:
                query = query.where(ParticipantRow.province == province)
            people = list(db.scalars(query.order_by(ParticipantRow.id)))
        if desk is not None:
            people = [p for p in people if desk in p.desks.split(";")]
        if not people:
            raise LookupError(f"nobody with role {role} for {province or ''} {desk or ''}")
        return people[0].id

    def proposals(self, step: SimulatedStep) -> SubmitProposals:
        with Session(self.engine) as db:
            desks = list(db.scalars(select(DeskRow).where(DeskRow.year == step.year)))
            province = db.get(ProvinceProgressRow, (step.year, step.province))
        assert province is not None
        items = []
        for desk in sorted(desks, key=lambda d: d.code):
            for origin, level, funding in (
                ("K/L", ItemLevel.PROGRAM, FundingSource.APBN),
                ("Pemda", ItemLevel.KEGIATAN, FundingSource.APBD_PROVINSI),
            ):
                ref = f"{step.province}-{desk.code}-{'KL' if origin == 'K/L' else 'PD'}"
                verb = "Penguatan" if origin == "K/L" else "Peningkatan Layanan"
                items.append(
                    ProposalItem(
                        ref=ref,
                        desk=desk.code,
                        level=level,
                        title=f"{verb} {desk.name}",
                        indicator=f"Persentase capaian sasaran {desk.name}",
                        target_value=_figure(ref, "target", low=60, high=100),
                        target_unit="persen",
                        location=f"Provinsi {province.name}",
                        budget_rupiah=_figure(ref, "budget", low=5, high=500) * 100_000_000,
                        funding_source=funding,
                        proposed_by=origin,  # type: ignore[arg-type]
                    )
                )
        actor = self._person(step.year, "province_coordinator", step.province)
        return SubmitProposals(actor=actor, items=items)

    def outcome(self, step: SimulatedStep) -> RecordOutcome:
        assert step.desk is not None
        proposals = sorted(step.proposals, key=lambda p: p.ref)
        items = []
        for proposal in proposals:
            roll = _figure(proposal.ref, "outcome", low=0, high=step.not_agreed_every * 3 - 1)
            status = ItemStatus.AGREED
            notes = ""
            target = proposal.target_value
            if roll < 3:
                status = ItemStatus.NOT_AGREED
                notes = "Belum selaras dengan sasaran prioritas nasional; diusulkan kembali."
            elif roll < 9:
                status = ItemStatus.ADJUSTED
                target = round(target * 0.9, 1)
                notes = "Target disesuaikan dengan kapasitas fiskal daerah."
            items.append(
                OutcomeItem(
                    ref=proposal.ref,
                    desk=proposal.desk,
                    level=proposal.level,
                    title=proposal.title,
                    indicator=proposal.indicator,
                    target_value=target,
                    target_unit=proposal.target_unit,
                    location=proposal.location,
                    budget_rupiah=proposal.budget_rupiah,
                    funding_source=proposal.funding_source,
                    status=status,
                    notes=notes,
                )
            )
        actor = self._person(step.year, "facilitator", desk=step.desk)
        return RecordOutcome(actor=actor, desk=step.desk, items=items)

    def confirmation(self, step: SimulatedStep) -> ConfirmItems:
        refs = sorted(step.refs)
        confirmations = []
        for n, ref in enumerate(refs):
            ready = n % 13 != 12
            confirmations.append(
                ItemConfirmation(
                    ref=ref,
                    location_ready=ready,
                    target_confirmed=True,
                    notes="" if ready else "Lahan masih dalam proses pengadaan.",
                )
            )
        actor = self._person(step.year, "province_coordinator", step.province)
        return ConfirmItems(actor=actor, confirmations=confirmations)

    def signature(self, step: SimulatedStep, party: Party) -> SignAgreement:
        with Session(self.engine) as db:
            agreement = db.get(AgreementRow, (step.year, step.province))
        if agreement is None:
            raise LookupError(f"no agreement rendered yet for province {step.province}")
        if party is Party.REGIONAL:
            actor = self._person(step.year, "regional_signer", step.province)
        else:
            actor = self._person(step.year, "central_signer")
        return SignAgreement(actor=actor, party=party, document_sha256=agreement.sha256)

    def through_portal(self, step: SimulatedStep) -> bool:
        if not self.portal_url or self.portal_share <= 0 or step.step not in PORTAL_STEPS:
            return False
        with Session(self.engine) as db:
            codes = list(
                db.scalars(
                    select(ProvinceProgressRow.province)
                    .where(ProvinceProgressRow.year == step.year)
                    .order_by(ProvinceProgressRow.province)
                )
            )
        # Every n-th province, from the first: the same ones in every rehearsal of a cycle.
        every = max(1, round(1 / self.portal_share))
        return step.province in codes[::every]

    @activity.defn
    async def act_as_participant(self, step: SimulatedStep) -> None:
        async with heartbeating():
            await self._act(step)

    async def _act(self, step: SimulatedStep) -> None:
        if await asyncio.to_thread(self.through_portal, step):
            await act_in_portal(self, step)
            return
        name, arg, holder = await asyncio.to_thread(self._prepare, step)
        workflow_id = province_workflow_id(step.year, step.province)
        update_id = f"simulated-{step.step}-{step.desk or step.province}"
        await self._update(workflow_id, name, arg, update_id, holder)

    def _prepare(self, step: SimulatedStep) -> tuple[str, BaseModel, Holder | None]:
        arg: BaseModel
        if step.step == "proposals":
            name, arg = "submit_proposals", self.proposals(step)
        elif step.step == "outcome":
            name, arg = "record_outcome", self.outcome(step)
        elif step.step == "confirm":
            name, arg = "confirm_items", self.confirmation(step)
        elif step.step in ("sign-regional", "sign-central"):
            party = Party.REGIONAL if step.step == "sign-regional" else Party.CENTRAL
            name, arg = "sign", self.signature(step, party)
        elif step.step in ("reschedule", "hold"):
            assert step.desk is not None
            actor = self._person(step.year, "organizer")
            name = "reschedule"
            arg = RescheduleSession(actor=actor, desk=step.desk, starts_at=step.payload["starts_at"])  # type: ignore[arg-type]
        elif step.step == "cancel":
            assert step.desk is not None
            actor = self._person(step.year, "organizer")
            name = "cancel"
            arg = CancelSession(actor=actor, desk=step.desk, reason=step.payload["reason"])
        else:
            raise ValueError(f"unknown simulated step {step.step!r}")
        document = arg.document_sha256 if isinstance(arg, SignAgreement) else None
        return name, arg, self.holder_for(step.year, arg.actor, step.province, document)  # type: ignore[attr-defined]

    @activity.defn
    async def record_simulated_attendance(self, step: SimulatedAttendance) -> None:
        async with heartbeating():
            await self._update(
                step.workflow_id,
                "record_attendance",
                RecordAttendance(actor=step.actor, attended=step.attended),
                "simulated-attendance",
                self.holder_for(step.year, step.actor),
            )
