"""One province through the cycle, from pre-meeting to signed agreement."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.documents import DocumentActivities
    from activities.messages import MessageActivities
    from activities.planning import PlanningActivities
    from activities.records import RecordActivities
    from models.items import ItemConfirmation, ItemStatus, OutcomeItem, ProposalItem
    from models.messages import CalendarEvent, Mailings, MailKind, Outgoing
    from models.participants import Participant, Role
    from models.records import (
        ActionRecord,
        AgreementDocument,
        AgreementRequest,
        ConfirmationsRecord,
        OutcomeRecord,
        ProposalsRecord,
        ReplyRecord,
        SessionChange,
        SignatureRecord,
        SignaturesVoided,
        StageChange,
    )
    from models.sessions import DeskSession
    from models.stages import Party, SessionState, Stage
    from models.workflow_io import (
        CancelSession,
        ConfirmItems,
        LoadProvincePlan,
        ProvinceInput,
        ProvinceState,
        ProvinceSummary,
        RecordOutcome,
        RecordReply,
        RescheduleSession,
        SessionDetail,
        SessionQuery,
        SessionView,
        SignAgreement,
        SignatureView,
        SubmitProposals,
    )
    from schedule.working_time import is_within_office_hours, local_date
    from security.tokens import read_unverified

from workflows import options
from workflows.batches import Batch
from workflows.calendar_time import CalendarTime
from workflows.desk_session import run_session
from workflows.permissions import (
    actor_of,
    refuse,
    require_desk,
    require_province,
    require_role,
    require_token,
)
from workflows.search_attributes import STAGE
from workflows.simulation import simulate_province
from workflows.writes import write, writes_are_local

SIGNER_ROLE = {Party.REGIONAL: Role.REGIONAL_SIGNER, Party.CENTRAL: Role.CENTRAL_SIGNER}
PARTY_TITLE = {
    Party.REGIONAL: "Kepala Bappeda Provinsi",
    Party.CENTRAL: "Ditjen Bina Pembangunan Daerah, Kemendagri",
}


@workflow.defn
class ProvinceWorkflow:
    """A province's way through the cycle.

    Stages: PRE_MEETING → DATA_ENTRY → DESK_SESSIONS → CONFIRMATION → SIGN_OFF → COMPLETED.
    Each desk session is a coroutine of this workflow (far cheaper than a child workflow);
    people act through updates whose validators refuse bad input before it enters history.
    """

    @workflow.init
    def __init__(self, input: ProvinceInput) -> None:
        self.input = input
        self.time = CalendarTime(input.clock)
        self.stage = Stage.PRE_MEETING
        self.sessions: dict[str, DeskSession] = {s.desk: s.model_copy() for s in input.sessions}
        self.desks = {d.code: d for d in input.desks}
        self.people: dict[str, Participant] = {p.id: p for p in input.people}
        self.proposals: dict[str, ProposalItem] = {}
        self.outcomes: dict[str, list[OutcomeItem]] = {}
        self.confirmed: dict[str, ItemConfirmation] = {}
        self.document: AgreementDocument | None = None
        self.signatures: dict[Party, SignatureView] = {}
        self.cancel_reasons: dict[str, str] = {}
        self.replies: dict[str, dict[str, str]] = {}
        self.session_changes = asyncio.Lock()
        self.cancellations_sent: set[str] = set()
        """Desks whose cancellation went out to every invitee."""
        self.records: deque[tuple[Any, Any]] = deque()
        self.amended = False
        """An outcome changed during sign-off: the document must be rendered and signed again."""
        self.amendments = 0
        self.used_tokens: set[str] = set()
        """One-time (signature) tokens already spent."""
        self.recording = False
        self.plan_loaded = False
        self.mail: Batch[Outgoing] | None = None
        """Mail asked for at one moment goes out in one activity (see workflows.batches)."""

    # The run ---------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: ProvinceInput) -> ProvinceSummary:
        simulated = input.simulation
        # Cycles started before the alarm replay with a timer for every wait.
        if workflow.patched("one-alarm"):
            self.time.share_one_alarm()
        # Decided here, before any write or mail; cycles started earlier replay the old way.
        writes_are_local()
        if workflow.patched("mail-batches"):
            self.mail = Batch(self.send_mailings)
        if input.plan_stored:
            plan = await workflow.execute_activity_method(
                PlanningActivities.load_province_plan,
                LoadProvincePlan(year=input.year, province=input.province.code),
                **options.PLAN,
            )
            self.sessions = {s.desk: s for s in plan.sessions}
            self.people = {p.id: p for p in plan.people}
            simulated = plan.simulation
        self.plan_loaded = True
        recorder = asyncio.ensure_future(self.run_recorder())
        if simulated is not None:
            simulation = asyncio.ensure_future(simulate_province(self, simulated))

        await self.time.sleep_until(input.pre_meeting_ends_at)
        await self.enter(Stage.DATA_ENTRY)
        await self.send(
            MailKind.DATA_ENTRY_OPEN,
            self.delegation_heads(),
            facts={
                "deadline_at": input.deadlines.data_entry.isoformat(),
                "sessions": len(self.sessions),
            },
        )
        # Sessions are invited as soon as the schedule is out, weeks ahead of the desk window.
        sessions = asyncio.gather(*(run_session(self, desk) for desk in sorted(self.sessions)))
        await self.time.sleep_until(input.deadlines.data_entry)

        await self.enter(Stage.DESK_SESSIONS)
        await sessions

        await self.enter(Stage.CONFIRMATION)
        await self.send(
            MailKind.CONFIRMATION_REQUEST,
            self.delegation_heads(),
            facts={
                "deadline_at": input.deadlines.confirmation.isoformat(),
                "items_agreed": len(self.agreed_refs()),
            },
        )
        await self.await_or_escalate(
            lambda: not self.unconfirmed_refs(),
            input.deadlines.confirmation,
            "konfirmasi",
            lambda: f"{len(self.unconfirmed_refs())} butir belum dikonfirmasi",
        )

        await self.enter(Stage.SIGN_OFF)
        while True:
            await self.records_written()
            self.document = await workflow.execute_activity_method(
                DocumentActivities.render_agreement,
                AgreementRequest(year=input.year, province=input.province.code, rendered_at=self.time.now()),
                **options.DOCUMENT,
            )
            self.amended = False
            for party in Party:
                await self.send_sign_off(MailKind.SIGN_OFF_REQUEST, party)
            await self.await_signatures()
            # An amendment changed the document: the signatures on the old one are void, so
            # render it again and ask both sides again.
            if not self.amended:
                break
        await self.records_written()

        signed = await workflow.execute_activity_method(
            DocumentActivities.render_signed_agreement,
            AgreementRequest(year=input.year, province=input.province.code, rendered_at=self.time.now()),
            **options.DOCUMENT,
        )
        await self.send(
            MailKind.AGREEMENT_SIGNED,
            [*self.delegation_heads(), *self.people_with(Role.CENTRAL_SIGNER)],
            facts={"document": signed.path, "sha256": self.document.sha256},
        )
        await self.enter(Stage.COMPLETED)
        if simulated is not None:
            await simulation
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self.records_written()
        recorder.cancel()
        return ProvinceSummary(
            code=input.province.code,
            stage=self.stage,
            sessions_held=sum(s.state is SessionState.OUTCOME_RECORDED for s in self.sessions.values()),
            sessions_cancelled=sum(s.state is SessionState.CANCELLED for s in self.sessions.values()),
            items_agreed=len(self.agreed_refs()),
            items_not_agreed=sum(i.status is ItemStatus.NOT_AGREED for i in self.outcome_items()),
            document_sha256=self.document.sha256,
        )

    async def await_signatures(self) -> None:
        deadline = self.input.deadlines.sign_off
        reminder_at = deadline - timedelta(days=self.input.reminders.sign_off_days_before)
        done = lambda: len(self.signatures) == len(Party) or self.amended  # noqa: E731
        if not await self.time.wait_until(reminder_at, done):
            for party in Party:
                if party not in self.signatures:
                    await self.send_sign_off(MailKind.SIGN_OFF_REMINDER, party)
        await self.await_or_escalate(
            done,
            deadline,
            "penandatanganan",
            lambda: ", ".join(PARTY_TITLE[p] for p in Party if p not in self.signatures),
        )

    async def await_or_escalate(
        self, done: Callable[[], bool], deadline: datetime, step: str, waiting_for: Callable[[], str]
    ) -> None:
        """Wait for ``done``; past the deadline, tell the organizers, then keep waiting."""
        if await self.time.wait_until(deadline, done):
            return
        await self.send(
            MailKind.ESCALATION,
            self.people_with(Role.ORGANIZER),
            variant=step,
            facts={
                "step": step,
                "deadline_at": deadline.isoformat(),
                "waiting_for": waiting_for(),
            },
        )
        await workflow.wait_condition(done)

    # Helpers ---------------------------------------------------------------------------

    def check_token(
        self,
        token: str | None,
        holder: Participant | None = None,
        roles: tuple[Role, ...] = (),
        sign_document: str | None = None,
    ) -> None:
        require_token(
            token,
            year=self.input.year,
            province=self.input.province.code,
            now=self.time.now(),
            holder=holder,
            roles=roles,
            sign_document=sign_document,
            used=self.used_tokens,
        )

    def audit(self, action: str, actor: str, token: str | None, detail: str) -> None:
        """Who did what, when, with which token: into the database, in order with the rest."""
        # Cycles started before the audit trail replay without these writes.
        if token is None or not workflow.patched("action-audit"):
            return
        update = workflow.current_update_info()
        self.record(
            RecordActivities.record_action,
            ActionRecord(
                year=self.input.year,
                province=self.input.province.code,
                update_id=update.id if update else "",
                action=action,
                actor=actor,
                token_id=read_unverified(token).jti,
                detail=detail,
                at=self.time.now(),
            ),
        )

    def record(self, activity: Any, arg: Any) -> None:
        """Queue a database write. Updates return once their input is in history (durable);
        the write follows in order, so that no handler holds an update in flight meanwhile."""
        self.records.append((activity, arg))

    async def run_recorder(self) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self.records))
            activity, arg = self.records[0]
            self.recording = True
            await write(activity, arg)
            self.records.popleft()
            self.recording = False

    async def records_written(self) -> None:
        await workflow.wait_condition(lambda: not self.records and not self.recording)

    async def enter(self, stage: Stage) -> None:
        self.stage = stage
        workflow.upsert_search_attributes([STAGE.value_set(stage.value)])
        await write(
            RecordActivities.record_stage,
            StageChange(
                year=self.input.year,
                province=self.input.province.code,
                stage=stage,
                at=self.time.now(),
            ),
        )

    def people_with(self, role: Role) -> list[str]:
        code = self.input.province.code
        return [
            p.id
            for p in self.people.values()
            if p.role is role and (p.province is None or p.province == code)
        ]

    def delegation_heads(self) -> list[str]:
        return self.people_with(Role.REGIONAL_SIGNER) + self.people_with(Role.PROVINCE_COORDINATOR)

    def outcome_items(self) -> list[OutcomeItem]:
        return [item for items in self.outcomes.values() for item in items]

    def agreed_refs(self) -> list[str]:
        return [i.ref for i in self.outcome_items() if i.status is not ItemStatus.NOT_AGREED]

    def unconfirmed_refs(self) -> list[str]:
        return [ref for ref in self.agreed_refs() if ref not in self.confirmed]

    def session_event(self, session: DeskSession) -> CalendarEvent:
        desk = self.desks[session.desk]
        domain = self.input.organizer.mailbox.rsplit("@", 1)[-1]
        return CalendarEvent(
            uid=f"rakortek-{session.id}@{domain}",
            sequence=session.sequence,
            summary=f"{desk.title}: {self.input.province.title}",
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            zone=self.input.venue_zone,
            location=f"{self.input.venue}, {session.room}",
            online_link=session.online_link,
        )

    async def send(
        self,
        kind: MailKind,
        recipients: list[str],
        *,
        session: DeskSession | None = None,
        variant: str = "",
        facts: dict[str, Any] | None = None,
        skip_reason: str | None = None,
        sequence: int | None = None,
    ) -> None:
        """``sequence``: the version of what the mail is about (a session's, or the document's)."""
        input = self.input
        base_facts: dict[str, Any] = {
            "cycle_name": input.cycle_name,
            "plan_year": input.plan_year,
            "province_name": input.province.name,
        }
        if input.province.parent is not None:
            base_facts["region_kind"] = "kabupaten_kota"
        if session is not None:
            base_facts["desk_title"] = self.desks[session.desk].title
            base_facts["minutes_before"] = input.reminders.minutes_before
        outgoing = Outgoing(
            year=input.year,
            organizer=input.organizer,
            kind=kind,
            variant=variant,
            subject_ref=session.id if session else f"{input.year}-{input.province.code}",
            province=input.province.code,
            session_id=session.id if session else None,
            sequence=sequence if sequence is not None else (session.sequence if session else 0),
            recipients=recipients,
            event=self.session_event(session) if session else None,
            facts={**base_facts, **(facts or {})},
            made_at=self.time.now(),
            skip_reason=skip_reason,
        )
        if self.mail is None:
            await workflow.execute_activity_method(MessageActivities.send_messages, outgoing, **options.MAIL)
        else:
            await self.mail.add(outgoing)

    async def send_mailings(self, items: list[Outgoing]) -> None:
        await workflow.execute_activity_method(
            MessageActivities.send_mailings, Mailings(items=items), **options.MAIL
        )

    async def send_sign_off(self, kind: MailKind, party: Party) -> None:
        assert self.document is not None
        await self.send(
            kind,
            self.people_with(SIGNER_ROLE[party]),
            variant=party.value,
            # Each version of the document is a new request, with its own Message-ID.
            sequence=self.amendments,
            facts={
                "deadline_at": self.input.deadlines.sign_off.isoformat(),
                "party_title": PARTY_TITLE[party],
                "document": self.document.path,
                "sha256": self.document.sha256,
            },
        )

    # Updates ---------------------------------------------------------------------------

    @workflow.update
    async def submit_proposals(self, update: SubmitProposals) -> int:
        """K/L and the province government enter proposal items (e-Rakortekrenbang)."""
        self.audit("submit_proposals", update.actor, update.token, f"{len(update.items)} items")
        self.record(
            RecordActivities.record_proposals,
            ProposalsRecord(
                year=self.input.year,
                province=self.input.province.code,
                actor=update.actor,
                items=update.items,
                at=self.time.now(),
            ),
        )
        for item in update.items:
            self.proposals[item.ref] = item
        return len(self.proposals)

    @submit_proposals.validator
    def _validate_proposals(self, update: SubmitProposals) -> None:
        if self.stage is not Stage.DATA_ENTRY:
            raise refuse(f"proposals are accepted in DATA_ENTRY only; the province is in {self.stage}")
        person = actor_of(self.people, update.actor)
        self.check_token(update.token, person)
        require_role(
            person,
            (
                Role.ORGANIZER,
                Role.PROVINCE_COORDINATOR,
                Role.PROVINCE_OFFICE,
                Role.REGIONAL_SIGNER,
                Role.DESK_OFFICIAL,
            ),
            "submit proposals",
        )
        require_province(person, self.input.province.code, "submit proposals")
        self._check_items(update.items)
        for item in update.items:
            if person.role is Role.DESK_OFFICIAL:
                require_desk(person, item.desk, f"propose item {item.ref}")

    def _check_items(self, items: list[Any]) -> None:
        refs = [i.ref for i in items]
        duplicates = sorted({r for r in refs if refs.count(r) > 1})
        if duplicates:
            raise refuse(f"item reference used twice: {', '.join(duplicates)}")
        for item in items:
            if item.desk not in self.desks:
                raise refuse(f"item {item.ref}: unknown desk {item.desk!r}")

    @workflow.update
    async def record_outcome(self, update: RecordOutcome) -> int:
        """The desk's facilitator records what the session agreed, adjusted or did not agree."""
        self.audit(
            "record_outcome", update.actor, update.token, f"desk {update.desk}: {len(update.items)} items"
        )
        session = self.store_outcome(update)
        session.state = SessionState.OUTCOME_RECORDED
        session.outcome_by = update.actor
        return len(update.items)

    def store_outcome(self, update: RecordOutcome) -> DeskSession:
        """Queue the desk's outcome for the database and keep it; returns the desk's session."""
        session = self.sessions[update.desk]
        self.record(
            RecordActivities.record_outcome,
            OutcomeRecord(
                year=self.input.year,
                province=self.input.province.code,
                session_id=session.id,
                actor=update.actor,
                items=update.items,
                at=self.time.now(),
            ),
        )
        self.outcomes[update.desk] = list(update.items)
        return session

    @record_outcome.validator
    def _validate_outcome(self, update: RecordOutcome) -> None:
        session = self.sessions.get(update.desk)
        if session is None:
            raise refuse(f"unknown desk {update.desk!r} for province {self.input.province.code}")
        if self.stage is not Stage.DESK_SESSIONS:
            raise refuse(f"outcomes are recorded in DESK_SESSIONS only; the province is in {self.stage}")
        if session.state is SessionState.CANCELLED:
            raise refuse(f"the session at desk {update.desk} is cancelled")
        if self.time.now() < session.starts_at:
            raise refuse(
                f"the session at desk {update.desk} has not started yet "
                f"(it starts {session.starts_at.isoformat()})"
            )
        person = actor_of(self.people, update.actor)
        self.check_token(update.token, person)
        require_role(person, (Role.FACILITATOR, Role.ORGANIZER), "record a desk outcome")
        require_desk(person, update.desk, "record its outcome")
        self._check_items(update.items)
        elsewhere = {i.ref for desk, items in self.outcomes.items() if desk != update.desk for i in items}
        for item in update.items:
            if item.desk != update.desk:
                raise refuse(f"item {item.ref} belongs to desk {item.desk}, not {update.desk}")
            if item.ref in elsewhere:
                raise refuse(f"item {item.ref} is already part of another desk's outcome")

    @workflow.update
    async def amend_outcome(self, update: RecordOutcome) -> list[str]:
        """An organizer corrects a desk's outcome during sign-off. The document changes, so the
        signatures already made on it are void and both sides are asked to sign the new one."""
        self.audit(
            "amend_outcome", update.actor, update.token, f"desk {update.desk}: {len(update.items)} items"
        )
        self.store_outcome(update)
        voided = sorted(party.value for party in self.signatures)
        if voided:
            self.record(
                RecordActivities.void_signatures,
                SignaturesVoided(year=self.input.year, province=self.input.province.code, parties=voided),
            )
        self.signatures.clear()
        self.amended = True
        self.amendments += 1
        return voided

    @amend_outcome.validator
    def _validate_amendment(self, update: RecordOutcome) -> None:
        if self.stage is not Stage.SIGN_OFF:
            raise refuse(f"outcomes are amended during SIGN_OFF only; the province is in {self.stage}")
        if self.amended:
            raise refuse(
                "the previous amendment is still being turned into a new document; try again shortly"
            )
        person = actor_of(self.people, update.actor)
        self.check_token(update.token, person)
        require_role(person, (Role.ORGANIZER,), "amend an agreed outcome")
        if update.desk not in self.outcomes:
            raise refuse(f"desk {update.desk!r} has no outcome to amend")
        self._check_items(update.items)
        for item in update.items:
            if item.desk != update.desk:
                raise refuse(f"item {item.ref} belongs to desk {item.desk}, not {update.desk}")

    @workflow.update
    async def confirm_items(self, update: ConfirmItems) -> int:
        """The province confirms location readiness and target of agreed items."""
        self.audit("confirm_items", update.actor, update.token, f"{len(update.confirmations)} confirmations")
        self.record(
            RecordActivities.record_confirmations,
            ConfirmationsRecord(
                year=self.input.year,
                province=self.input.province.code,
                actor=update.actor,
                confirmations=update.confirmations,
                at=self.time.now(),
            ),
        )
        for confirmation in update.confirmations:
            self.confirmed[confirmation.ref] = confirmation
        return len(self.unconfirmed_refs())

    @confirm_items.validator
    def _validate_confirmation(self, update: ConfirmItems) -> None:
        if self.stage is not Stage.CONFIRMATION:
            raise refuse(f"confirmations are accepted in CONFIRMATION only; the province is in {self.stage}")
        person = actor_of(self.people, update.actor)
        self.check_token(update.token, person)
        require_role(person, (Role.PROVINCE_COORDINATOR, Role.REGIONAL_SIGNER), "confirm items")
        require_province(person, self.input.province.code, "confirm items")
        agreed = set(self.agreed_refs())
        for confirmation in update.confirmations:
            if confirmation.ref not in agreed:
                raise refuse(f"item {confirmation.ref} is not an agreed item of this province")

    @workflow.update
    async def sign(self, update: SignAgreement) -> list[str]:
        """One party signs the agreement document, bound to its SHA-256."""
        self.audit(
            "sign", update.actor, update.token, f"{update.party.value} side, SHA-256 {update.document_sha256}"
        )
        if update.token is not None:
            self.used_tokens.add(read_unverified(update.token).jti)
        person = self.people[update.actor]
        at = self.time.now()
        self.record(
            RecordActivities.record_signature,
            SignatureRecord(
                year=self.input.year,
                province=self.input.province.code,
                party=update.party,
                actor=update.actor,
                actor_name=person.name,
                sha256=update.document_sha256,
                at=at,
            ),
        )
        self.signatures[update.party] = SignatureView(
            party=update.party,
            signer=update.actor,
            signed_at=at,
            document_sha256=update.document_sha256,
        )
        return [p.value for p in Party if p not in self.signatures]

    @sign.validator
    def _validate_signature(self, update: SignAgreement) -> None:
        if self.stage is not Stage.SIGN_OFF or self.document is None:
            raise refuse(f"nothing to sign yet: the province is in {self.stage}")
        person = actor_of(self.people, update.actor)
        self.check_token(update.token, person, sign_document=update.document_sha256)
        if update.party in self.signatures:
            earlier = self.signatures[update.party]
            raise refuse(f"the {update.party.value} side has already signed (by {earlier.signer})")
        require_role(person, (SIGNER_ROLE[update.party],), f"sign for the {update.party.value} side")
        require_province(person, self.input.province.code, "sign")
        if update.document_sha256 != self.document.sha256:
            raise refuse(
                "the signature is for another version of the document: "
                f"expected SHA-256 {self.document.sha256}"
            )

    @workflow.update
    async def record_reply(self, update: RecordReply) -> str:
        """An invitee accepts, declines or tentatively accepts a session."""
        self.audit("record_reply", update.actor, update.token, f"desk {update.desk}: {update.partstat}")
        assert update.desk is not None
        session = self.sessions[update.desk]
        self.replies.setdefault(update.desk, {})[update.actor] = update.partstat
        self.record(
            RecordActivities.record_reply,
            ReplyRecord(
                year=self.input.year,
                subject=session.id,
                participant=update.actor,
                partstat=update.partstat,
                sequence=update.sequence,
                at=self.time.now(),
            ),
        )
        return update.partstat

    @record_reply.validator
    def _validate_reply(self, update: RecordReply) -> None:
        # The invitee answered by mail; whoever feeds the replies in acts for the organizers.
        self._require_plan()
        self.check_token(update.token, roles=(Role.ORGANIZER,))
        session = self.sessions.get(update.desk or "")
        if session is None:
            raise refuse(f"unknown desk {update.desk!r} for province {self.input.province.code}")
        if update.actor not in session.recipients:
            raise refuse(f"{update.actor} is not invited to the session at desk {update.desk}")
        if update.sequence > session.sequence:
            raise refuse(f"SEQUENCE {update.sequence} is newer than the session's {session.sequence}")

    @workflow.update
    async def reschedule(self, update: RescheduleSession) -> int:
        """Move a session (or hold a cancelled one again): the new time goes to every calendar."""
        # One change at a time: each builds on the session as the one before left it.
        async with self.session_changes:
            session = self.sessions[update.desk]
            if session.state in (SessionState.HELD, SessionState.OUTCOME_RECORDED):
                raise refuse(f"the session at desk {update.desk} has already been held")
            ends_at = update.starts_at + (session.ends_at - session.starts_at)
            changed = session.model_copy(
                update={
                    "starts_at": update.starts_at,
                    "ends_at": ends_at,
                    "room": update.room or session.room,
                    "online_link": update.online_link or session.online_link,
                    "sequence": session.sequence + 1,
                    "state": SessionState.SCHEDULED,
                }
            )
            await self._change_session(changed)
            self.audit(
                "reschedule",
                update.actor,
                update.token,
                f"desk {update.desk} to {update.starts_at.isoformat()}",
            )
            return changed.sequence

    @reschedule.validator
    def _validate_reschedule(self, update: RescheduleSession) -> None:
        session = self._changeable(update.desk, update.actor, update.token, "reschedule")
        start = update.starts_at
        if start.tzinfo is None:
            raise refuse("starts_at needs a time zone offset, e.g. 2022-03-07T09:00:00+07:00")
        end = start + (session.ends_at - session.starts_at)
        if start <= self.time.now():
            raise refuse(f"{start.isoformat()} is in the past")
        if not (self.input.window_start <= local_date(start, self.input.venue_zone) <= self.input.window_end):
            raise refuse(
                f"{start.isoformat()} is outside the desk window "
                f"{self.input.window_start} to {self.input.window_end}"
            )
        for zone, whose in ((self.input.venue_zone, "the venue"), (self.input.province.zone, "the province")):
            if not is_within_office_hours(start, end, zone):
                raise refuse(f"{start.isoformat()} is outside the working hours of {whose} ({zone})")
        overlapping = sum(
            1
            for other in self.sessions.values()
            if other.desk != update.desk
            and other.state is not SessionState.CANCELLED
            and other.starts_at < end
            and start < other.ends_at
        )
        if overlapping >= self.input.max_parallel:
            raise refuse(
                f"the province already has {overlapping} sessions at that time "
                f"(at most {self.input.max_parallel} in parallel)"
            )

    @workflow.update
    async def cancel(self, update: CancelSession) -> int:
        """Cancel a session: every invitee's calendar gets a CANCEL, no reminder follows."""
        async with self.session_changes:
            session = self.sessions[update.desk]
            if session.state in (SessionState.CANCELLED, SessionState.HELD, SessionState.OUTCOME_RECORDED):
                raise refuse(
                    f"the session at desk {update.desk} can no longer be cancelled ({session.state})"
                )
            changed = session.model_copy(
                update={"sequence": session.sequence + 1, "state": SessionState.CANCELLED}
            )
            self.cancel_reasons[update.desk] = update.reason
            await self._change_session(changed)
            self.audit("cancel", update.actor, update.token, f"desk {update.desk}: {update.reason}")
            return changed.sequence

    @cancel.validator
    def _validate_cancel(self, update: CancelSession) -> None:
        session = self._changeable(update.desk, update.actor, update.token, "cancel")
        if session.state is SessionState.CANCELLED:
            raise refuse(f"the session at desk {update.desk} is already cancelled")

    def _require_plan(self) -> None:
        if not self.plan_loaded:
            raise refuse("the province is still loading its plan; try again in a moment")

    def _changeable(self, desk: str, actor: str, token: str | None, action: str) -> DeskSession:
        self._require_plan()
        session = self.sessions.get(desk)
        if session is None:
            raise refuse(f"unknown desk {desk!r} for province {self.input.province.code}")
        if self.stage not in (Stage.PRE_MEETING, Stage.DATA_ENTRY, Stage.DESK_SESSIONS):
            raise refuse(f"sessions cannot change in {self.stage}")
        if session.state in (SessionState.HELD, SessionState.OUTCOME_RECORDED):
            raise refuse(f"the session at desk {desk} has already been held")
        person = actor_of(self.people, actor)
        self.check_token(token, person)
        require_role(person, (Role.ORGANIZER, Role.FACILITATOR), f"{action} a session")
        require_desk(person, desk, f"{action} its session")
        return session

    async def _change_session(self, changed: DeskSession) -> None:
        await write(
            RecordActivities.change_session,
            SessionChange(
                session_id=changed.id,
                year=self.input.year,
                desk=changed.desk,
                starts_at=changed.starts_at,
                ends_at=changed.ends_at,
                room=changed.room,
                online_link=changed.online_link,
                sequence=changed.sequence,
                state=changed.state,
            ),
        )
        current = self.sessions[changed.desk]
        for field in ("starts_at", "ends_at", "room", "online_link", "sequence", "state"):
            setattr(current, field, getattr(changed, field))

    # Queries ---------------------------------------------------------------------------

    @workflow.query
    def state(self) -> ProvinceState:
        sessions = sorted(self.sessions.values(), key=lambda s: (s.starts_at, s.desk))
        pending = self.pending()
        return ProvinceState(
            code=self.input.province.code,
            name=self.input.province.name,
            stage=self.stage,
            sessions_done=sum(s.state is SessionState.OUTCOME_RECORDED for s in sessions),
            sessions_total=len(sessions),
            sessions_cancelled=sum(s.state is SessionState.CANCELLED for s in sessions),
            proposals=len(self.proposals),
            items_agreed=len(self.agreed_refs()),
            items_not_agreed=sum(i.status is ItemStatus.NOT_AGREED for i in self.outcome_items()),
            items_confirmed=len(self.confirmed),
            document_sha256=self.document.sha256 if self.document else None,
            signatures=list(self.signatures.values()),
            pending=pending,
            sessions=[
                SessionView(
                    desk=s.desk,
                    starts_at=s.starts_at,
                    ends_at=s.ends_at,
                    room=s.room,
                    sequence=s.sequence,
                    state=s.state,
                )
                for s in sessions
            ],
        )

    @workflow.query
    def session(self, query: SessionQuery) -> SessionDetail:
        s = self.sessions.get(query.desk)
        if s is None:
            raise refuse(f"unknown desk {query.desk!r} for province {self.input.province.code}")
        return SessionDetail(
            id=s.id,
            desk=s.desk,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            room=s.room,
            sequence=s.sequence,
            state=s.state,
            online_link=s.online_link,
            recipients=s.recipients,
            outcome_by=s.outcome_by,
            outcome_items=len(self.outcomes.get(s.desk, [])),
            cancel_reason=self.cancel_reasons.get(s.desk),
            replies=self.replies.get(s.desk, {}),
        )

    def pending(self) -> list[str]:
        if self.stage is Stage.DATA_ENTRY and not self.proposals:
            return ["proposals (e-Rakortekrenbang)"]
        if self.stage is Stage.DESK_SESSIONS:
            waiting = [
                s.desk
                for s in self.sessions.values()
                if s.state not in (SessionState.OUTCOME_RECORDED, SessionState.CANCELLED)
            ]
            return [f"outcome of desk {d}" for d in sorted(waiting)]
        if self.stage is Stage.CONFIRMATION:
            return [f"confirmation of {len(self.unconfirmed_refs())} items"]
        if self.stage is Stage.SIGN_OFF:
            return [f"signature: {PARTY_TITLE[p]}" for p in Party if p not in self.signatures]
        return []
