"""One province through the cycle, from pre-meeting to signed agreement.

The workflow is a thin shell: its state is one ``ProvinceProgress`` (models/progress.py), the
rules its validators apply are plain functions (rules/), a desk session's life is
workflows/desk_session.py, the confirmation deadline and the sign-off are workflows/agreement.py,
and every database write goes through one Recorder.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.planning import PlanningActivities
    from activities.records import RecordActivities
    from models.messages import (
        AgreementSignedFacts,
        ConfirmationFacts,
        EscalationStep,
        MailKind,
    )
    from models.participants import Role
    from models.progress import ProvinceProgress
    from models.records import (
        AttendanceEntry,
        AttendanceImport,
        ConfirmationsRecord,
        DelegationRecord,
        OutcomeRecord,
        ProposalsRecord,
        ReplyRecord,
        SignatureRecord,
        SignaturesVoided,
        StageChange,
    )
    from models.stages import Stage
    from models.workflow_io import (
        CheckIn,
        ConfirmItems,
        Delegate,
        ImportAttendance,
        LoadProvincePlan,
        ProvinceInput,
        ProvinceState,
        ProvinceSummary,
        RecordOutcome,
        RecordReply,
        SessionDetail,
        SessionQuery,
        SignAgreement,
        SignatureView,
        SubmitProposals,
    )
    from rules import confirmation, data_entry, delegation, desk_sessions, sign_off
    from rules.access import refuse
    from security.tokens import read_unverified

from workflows import options
from workflows.agreement import AgreementSteps
from workflows.calendar_time import CalendarTime
from workflows.desk_session import run_session
from workflows.mailer import ProvinceMailer
from workflows.organizer import OrganizerUpdates
from workflows.recorder import Recorder
from workflows.search_attributes import STAGE
from workflows.simulation import simulate_province


@workflow.defn
class ProvinceWorkflow(OrganizerUpdates):
    """A province's way through the cycle.

    Stages: PRE_MEETING → DATA_ENTRY → DESK_SESSIONS → CONFIRMATION → SIGN_OFF → COMPLETED.
    Each desk session is a coroutine of this workflow (far cheaper than a child workflow);
    people act through updates whose validators refuse bad input before it enters history.
    """

    @workflow.init
    def __init__(self, input: ProvinceInput) -> None:
        self.progress = ProvinceProgress(input=input, deadlines=input.deadlines)
        self.time = CalendarTime(input.clock)
        self.recorder = Recorder(input.year, input.province.code, self.time.working)
        self.mailer = ProvinceMailer(self.progress, self.time)
        self.session_changes = asyncio.Lock()
        self.agreement = AgreementSteps(self.progress, self.mailer, self.time, self.recorder)

    # The run ---------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: ProvinceInput) -> ProvinceSummary:
        progress, mailer = self.progress, self.mailer
        # The plan comes from the database: neither the input nor this history grows with it.
        plan = await workflow.execute_activity_method(
            PlanningActivities.load_province_plan,
            LoadProvincePlan(year=input.year, province=input.province.code),
            **options.PLAN,
        )
        progress.load_plan(plan.sessions, plan.people)
        simulation = None
        if plan.simulation is not None:
            simulation = asyncio.ensure_future(simulate_province(progress, self.time, plan.simulation))

        await self.time.sleep_until(input.pre_meeting_ends_at)
        self.enter(Stage.DATA_ENTRY)
        await mailer.send(
            MailKind.DATA_ENTRY_OPEN,
            progress.delegation_heads(),
            mailer.data_entry_facts(),
        )
        # Sessions are invited as soon as the schedule is out, weeks ahead of the desk window.
        sessions = asyncio.gather(
            *(run_session(progress, desk, mailer, self.time) for desk in sorted(progress.sessions))
        )
        await self.time.wait_for_deadline(lambda: progress.deadlines.data_entry, lambda: False)

        self.enter(Stage.DESK_SESSIONS)
        await sessions

        self.enter(Stage.CONFIRMATION)
        await mailer.send(
            MailKind.CONFIRMATION_REQUEST,
            progress.delegation_heads(),
            ConfirmationFacts(
                region=mailer.region,
                deadline_at=progress.deadlines.confirmation,
                items_agreed=len(progress.agreed_refs()),
            ),
        )
        await self.agreement.await_or_escalate(
            lambda: not progress.unconfirmed_refs(),
            lambda: progress.deadlines.confirmation,
            EscalationStep.CONFIRMATION,
        )

        self.enter(Stage.SIGN_OFF)
        signed = await self.agreement.sign_off()
        assert progress.document is not None
        await mailer.send(
            MailKind.AGREEMENT_SIGNED,
            [*progress.delegation_heads(), *progress.people_with(Role.CENTRAL_SIGNER)],
            AgreementSignedFacts(region=mailer.region, document=signed.path, sha256=progress.document.sha256),
        )
        self.enter(Stage.COMPLETED)
        if simulation is not None:
            await simulation
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self.recorder.close()
        return progress.summary()

    def enter(self, stage: Stage) -> None:
        self.progress.enter(stage)
        workflow.upsert_search_attributes([STAGE.value_set(stage.value)])
        self.recorder.record(
            RecordActivities.record_stage,
            StageChange(year=self.year, province=self.code, stage=stage, at=self.time.now()),
        )

    @property
    def year(self) -> int:
        return self.progress.input.year

    @property
    def code(self) -> str:
        return self.progress.code

    # Updates: the validator asks the rules; the handler changes the progress and records ----

    @workflow.update
    async def submit_proposals(self, update: SubmitProposals) -> int:
        """K/L and the province government enter proposal items (e-Rakortekrenbang)."""
        self.audit("submit_proposals", update, f"{len(update.items)} items")
        self.recorder.record(
            RecordActivities.record_proposals,
            ProposalsRecord(
                year=self.year, province=self.code, actor=update.actor, items=update.items, at=self.time.now()
            ),
        )
        return self.progress.add_proposals(update.items)

    @submit_proposals.validator
    def _validate_proposals(self, update: SubmitProposals) -> None:
        data_entry.check_proposals(self.progress, update, self.time.now())

    @workflow.update
    async def record_outcome(self, update: RecordOutcome) -> int:
        """The desk's facilitator records what the session agreed, adjusted or did not agree."""
        self.audit("record_outcome", update, f"desk {update.desk}: {len(update.items)} items")
        self.record_outcome_row(update)
        self.progress.record_outcome(update.desk, update.items, update.actor)
        return len(update.items)

    def record_outcome_row(self, update: RecordOutcome) -> None:
        self.recorder.record(
            RecordActivities.record_outcome,
            OutcomeRecord(
                year=self.year,
                province=self.code,
                session_id=self.progress.sessions[update.desk].id,
                actor=update.actor,
                items=update.items,
                at=self.time.now(),
            ),
        )

    @record_outcome.validator
    def _validate_outcome(self, update: RecordOutcome) -> None:
        desk_sessions.check_outcome(self.progress, update, self.time.now())

    @workflow.update
    async def amend_outcome(self, update: RecordOutcome) -> list[str]:
        """An organizer corrects a desk's outcome during sign-off. The document changes, so the
        signatures already made on it are void and both sides are asked to sign the new one."""
        self.audit("amend_outcome", update, f"desk {update.desk}: {len(update.items)} items")
        self.record_outcome_row(update)
        voided = self.progress.amend_outcome(update.desk, update.items)
        if voided:
            self.recorder.record(
                RecordActivities.void_signatures,
                SignaturesVoided(year=self.year, province=self.code, parties=voided),
            )
        return voided

    @amend_outcome.validator
    def _validate_amendment(self, update: RecordOutcome) -> None:
        sign_off.check_amendment(self.progress, update, self.time.now())

    @workflow.update
    async def confirm_items(self, update: ConfirmItems) -> int:
        """The province confirms location readiness and target of agreed items."""
        self.audit("confirm_items", update, f"{len(update.confirmations)} confirmations")
        confirmed = ConfirmationsRecord(
            year=self.year,
            province=self.code,
            actor=update.actor,
            confirmations=update.confirmations,
            at=self.time.now(),
        )
        self.recorder.record(RecordActivities.record_confirmations, confirmed)
        return self.progress.confirm(update.confirmations)

    @confirm_items.validator
    def _validate_confirmation(self, update: ConfirmItems) -> None:
        confirmation.check_confirmation(self.progress, update, self.time.now())

    @workflow.update
    async def sign(self, update: SignAgreement) -> list[str]:
        """One party signs the agreement document, bound to its SHA-256."""
        self.audit("sign", update, f"{update.party.value} side, SHA-256 {update.document_sha256}")
        signature = SignatureView(
            party=update.party,
            signer=update.actor,
            signed_at=self.time.now(),
            document_sha256=update.document_sha256,
        )
        name = self.progress.people[update.actor].name
        self.recorder.record(
            RecordActivities.record_signature, SignatureRecord.of(signature, self.year, self.code, name)
        )
        return self.progress.sign(signature, read_unverified(update.token).link if update.token else None)

    @sign.validator
    def _validate_signature(self, update: SignAgreement) -> None:
        sign_off.check_signature(self.progress, update, self.time.now())

    @workflow.update
    async def record_reply(self, update: RecordReply) -> str:
        """An invitee accepts, declines or tentatively accepts a session."""
        assert update.desk is not None
        self.audit("record_reply", update, f"desk {update.desk}: {update.partstat}")
        self.progress.reply(update.desk, update.actor, update.partstat)
        self.recorder.record(
            RecordActivities.record_reply,
            ReplyRecord.of(update, self.year, self.progress.sessions[update.desk].id, self.time.now()),
        )
        return update.partstat

    @record_reply.validator
    def _validate_reply(self, update: RecordReply) -> None:
        desk_sessions.check_reply(self.progress, update, self.time.now())

    @workflow.update
    async def check_in(self, update: CheckIn) -> str:
        """An invitee is present at a session, at the venue or online (the daftar hadir)."""
        assert update.desk is not None
        self.audit("check_in", update, f"desk {update.desk}: {update.mode}")
        self.progress.check_in(update.desk, update.actor, update.mode)
        subject = self.progress.sessions[update.desk].id
        entry = AttendanceEntry.of(update, self.year, subject, self.time.now())
        self.recorder.record(RecordActivities.record_check_in, entry)
        return update.mode

    @check_in.validator
    def _validate_check_in(self, update: CheckIn) -> None:
        desk_sessions.check_check_in(self.progress, update, self.time.now())

    @workflow.update
    async def import_attendance(self, update: ImportAttendance) -> int:
        """Who joined a session online, from the video platform's report; returns how many were
        not checked in yet (whoever checked in themselves keeps their entry)."""
        assert update.desk is not None
        session = self.progress.sessions[update.desk]
        present = self.progress.attendance.get(update.desk, {})
        new = [p for p in update.present if p.participant not in present]
        for presence in new:
            self.progress.check_in(update.desk, presence.participant, "online")
        self.audit("import_attendance", update, f"desk {update.desk}: {len(new)} online from {update.source}")
        if new:
            imported = AttendanceImport.of(new, self.year, session.id, update.source)
            self.recorder.record(RecordActivities.record_check_ins, imported)
        return len(new)

    @import_attendance.validator
    def _validate_import(self, update: ImportAttendance) -> None:
        desk_sessions.check_import(self.progress, update, self.time.now())

    @workflow.update
    async def delegate(self, update: Delegate) -> str:
        """Disposisi: a colleague stands in for the actor at a session or in the data entry; they
        get an invitation and a link of their own. Returns the delegate's id."""
        async with self.session_changes:
            delegator = self.progress.people[update.actor]
            delegate = delegation.delegate_of(self.progress, delegator, update)
            session_id = self.progress.sessions[update.desk].id if update.desk else None
            record = DelegationRecord.of(
                self.year, self.code, session_id, delegator.id, delegate, self.time.now()
            )
            # In the directory before their invitation is written: the letter is looked up there.
            await self.recorder.write(RecordActivities.record_delegation, record)
            self.progress.delegate(update.desk, delegator.id, delegate)
            where = f"desk {update.desk}" if update.desk else "data entry"
            self.audit(
                "delegate", update, f"{where}: {delegate.id} ({delegate.name}) stands in for {delegator.id}"
            )
        await self.mailer.send_delegation(update.desk, delegator, delegate)
        return delegate.id

    @delegate.validator
    def _validate_delegate(self, update: Delegate) -> None:
        delegation.check_delegate(self.progress, update, self.time.now())

    # Queries ---------------------------------------------------------------------------

    @workflow.query
    def state(self) -> ProvinceState:
        return self.progress.view()

    @workflow.query
    def session(self, query: SessionQuery) -> SessionDetail:
        if query.desk not in self.progress.sessions:
            raise refuse(f"unknown desk {query.desk!r} for province {self.progress.code}")
        return self.progress.session_detail(query.desk)
