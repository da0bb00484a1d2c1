"""The whole cycle: pre-meeting, schedule, one workflow per province, national summary."""

from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.planning import PlanningActivities
    from activities.records import RecordActivities
    from activities.simulation import SimulatedAttendance, SimulationActivities
    from mail.events import pre_meeting_event
    from models.clock import CycleClock
    from models.cycle import Cycle
    from models.messages import MailKind, Outgoing, PreMeetingFacts
    from models.participants import Role
    from models.records import (
        AttendanceEntry,
        AttendanceImport,
        AttendanceRecord,
        PlanCycle,
        RegisterCycle,
        ReplyRecord,
    )
    from models.stages import Stage
    from models.workflow_io import (
        CheckIn,
        CycleInput,
        CycleState,
        CycleSummary,
        ImportAttendance,
        ProvinceInput,
        ProvinceSummary,
        RecordAttendance,
        RecordReply,
        province_workflow_id,
    )
    from rules import pre_meeting as rules
    from schedule.reminders import reminder_moments

from workflows import options
from workflows.calendar_time import CalendarTime
from workflows.mailer import send_mailings
from workflows.province import ProvinceWorkflow
from workflows.recorder import Acting, Recorder
from workflows.search_attributes import province_attributes

PRE_MEETING_BATCH = 100
"""Recipients per mail activity for the pre-meeting: small enough to retry cheaply."""


def pre_meeting_mail(
    cycle: Cycle, kind: MailKind, made_at: datetime, variant: str = "", skip_reason: str | None = None
) -> list[Outgoing]:
    """One pre-meeting message to everyone, in batches of PRE_MEETING_BATCH recipients."""
    everyone = [p.id for p in cycle.participants]
    event = pre_meeting_event(cycle)
    facts = PreMeetingFacts(
        cycle_name=cycle.name,
        letter=cycle.letter,
        plan_year=cycle.plan_year,
        host_studio=cycle.pre_meeting.host_studio,
        minutes_before=cycle.reminders.minutes_before,
    )
    return [
        Outgoing(
            year=cycle.year,
            organizer=cycle.organizer,
            kind=kind,
            variant=variant,
            subject_ref=f"{cycle.year}-pra",
            recipients=everyone[i : i + PRE_MEETING_BATCH],
            event=event,
            facts=facts,
            made_at=made_at,
            links_expire_at=cycle.deadlines.cycle_ends_at,
            skip_reason=skip_reason,
        )
        for i in range(0, len(everyone), PRE_MEETING_BATCH)
    ]


@workflow.defn
class CycleWorkflow:
    """One Rakortekrenbang cycle.

    Registers the cycle, plans the desk schedule, starts one ProvinceWorkflow per province,
    runs the pre-meeting (invitations, reminders, attendance) and waits for every province to
    reach COMPLETED before closing with a national summary.
    """

    @workflow.init
    def __init__(self, input: CycleInput) -> None:
        cycle = input.cycle
        start = workflow.now()
        rehearsal = input.rehearsal_speed is not None
        self.clock = CycleClock(
            calendar_origin=cycle.opens_at if rehearsal else start,
            real_origin=start,
            speed=input.rehearsal_speed or 1.0,
            # A rehearsal's calendar waits for the workers: its outcome is the machine's no more.
            paced=rehearsal,
        )
        self.time = CalendarTime(self.clock)
        self.cycle = cycle
        self.phase = "PLANNING"
        self.attended: int | None = None
        self.summaries: list[ProvinceSummary] = []
        self.people = {p.id: p for p in cycle.participants}
        self.replies: dict[str, str] = {}
        self.present: dict[str, str] = {}
        """Who checked in at the pre-meeting, and how (onsite or online)."""
        self.recorder = Recorder(cycle.year, None, self.time.working)

    @workflow.run
    async def run(self, input: CycleInput) -> CycleSummary:
        cycle = input.cycle
        self.recorder.record(RecordActivities.register_cycle, RegisterCycle(cycle=cycle, clock=self.clock))
        await self.recorder.written()
        # Each province loads its own share of the plan: neither this history nor any payload
        # then grows with the number of sessions (a regency-level cycle has 18,000 of them).
        await workflow.execute_activity_method(
            PlanningActivities.plan_cycle,
            PlanCycle(cycle=cycle, simulate_participants=input.simulate_participants),
            **options.PLAN,
        )
        # Before opens_at (a live cycle started early), wait for it.
        await self.time.sleep_until(cycle.opens_at)

        provinces = []
        for province in cycle.provinces:
            handle = await workflow.start_child_workflow(
                ProvinceWorkflow.run,
                self.province_input(province.code),
                id=province_workflow_id(cycle.year, province.code),
                search_attributes=province_attributes(cycle.year, province.code, Stage.PRE_MEETING.value),
                parent_close_policy=ParentClosePolicy.REQUEST_CANCEL,
            )
            provinces.append(handle)

        self.phase = "PRE_MEETING"
        await self.run_pre_meeting(input.simulate_participants)
        self.phase = "PROVINCES"

        async def collect(handle: workflow.ChildWorkflowHandle) -> None:
            self.summaries.append(await handle)

        await asyncio.gather(*(collect(h) for h in provinces))
        self.phase = "COMPLETED"
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self.recorder.close()
        return CycleSummary(
            year=cycle.year,
            provinces=sorted(self.summaries, key=lambda s: s.code),
            pre_meeting_attended=self.attended,
        )

    def province_input(self, code: str) -> ProvinceInput:
        return ProvinceInput.of(self.cycle, code, self.clock)

    # Pre-meeting -----------------------------------------------------------------------

    async def send_pre_meeting(
        self, kind: MailKind, variant: str = "", skip_reason: str | None = None
    ) -> None:
        mail = pre_meeting_mail(self.cycle, kind, self.time.now(), variant, skip_reason)
        # One activity per batch of recipients, side by side: each small enough to retry cheaply.
        with self.time.working():
            await asyncio.gather(*(send_mailings([outgoing], self.time.clock.speed) for outgoing in mail))

    async def run_pre_meeting(self, simulate: bool) -> None:
        cycle = self.cycle
        pre = cycle.pre_meeting
        zone = cycle.desk_sessions.venue_zone
        await self.send_pre_meeting(MailKind.PRE_MEETING_INVITE)
        reminders = cycle.reminders
        for variant, moment in reminder_moments(
            pre.starts_at, zone, reminders.day_before_at, reminders.minutes_before
        ):
            if self.time.has_passed(moment):
                await self.send_pre_meeting(
                    MailKind.PRE_MEETING_REMINDER, variant, f"its moment {moment} had passed"
                )
                continue
            await self.time.sleep_until(moment)
            await self.send_pre_meeting(MailKind.PRE_MEETING_REMINDER, variant)
        await self.time.sleep_until(pre.ends_at)
        if simulate:
            organizer = next(p for p in cycle.participants if p.role is Role.ORGANIZER)
            await workflow.execute_activity_method(
                SimulationActivities.record_simulated_attendance,
                SimulatedAttendance(
                    year=cycle.year,
                    workflow_id=workflow.info().workflow_id,
                    actor=organizer.id,
                    attended=min(pre.expected_participants, len(cycle.participants)),
                ),
                **options.SIMULATION,
            )
            await workflow.wait_condition(lambda: self.attended is not None)

    # Updates and queries ---------------------------------------------------------------

    def audit(self, action: str, update: Acting, detail: str) -> None:
        self.recorder.audit(action, update, detail, self.time.now())

    @workflow.update
    async def record_attendance(self, update: RecordAttendance) -> int:
        """The organizers record how many joined the pre-meeting."""
        self.audit("record_attendance", update, f"{update.attended} attended")
        self.recorder.record(
            RecordActivities.record_attendance,
            AttendanceRecord(year=self.cycle.year, attended=update.attended),
        )
        self.attended = update.attended
        return update.attended

    @record_attendance.validator
    def _validate_attendance(self, update: RecordAttendance) -> None:
        rules.check_attendance(self.cycle, self.people, update, self.time.now())

    @workflow.update
    async def record_reply(self, update: RecordReply) -> str:
        """A participant answers the pre-meeting invitation."""
        self.replies[update.actor] = update.partstat
        self.audit("record_reply", update, f"pre-meeting: {update.partstat}")
        self.recorder.record(
            RecordActivities.record_reply,
            ReplyRecord.of(update, self.cycle.year, f"{self.cycle.year}-pra", self.time.now()),
        )
        return update.partstat

    @record_reply.validator
    def _validate_reply(self, update: RecordReply) -> None:
        rules.check_reply(self.cycle, self.people, update, self.time.now())

    @workflow.update
    async def check_in(self, update: CheckIn) -> str:
        """An invitee is at the pre-meeting, in the studio or online (its daftar hadir)."""
        if update.actor in self.present:
            # A second click (another tab, a retry) changes nothing and is not audited again.
            return self.present[update.actor]
        self.present[update.actor] = update.mode
        self.audit("check_in", update, f"pre-meeting: {update.mode}")
        entry = AttendanceEntry.of(update, self.cycle.year, f"{self.cycle.year}-pra", self.time.now())
        self.recorder.record(RecordActivities.record_check_in, entry)
        return update.mode

    @check_in.validator
    def _validate_check_in(self, update: CheckIn) -> None:
        rules.check_check_in(self.cycle, self.people, update, self.time.now())

    @workflow.update
    async def import_attendance(self, update: ImportAttendance) -> int:
        """Who joined the pre-meeting online, from the video platform's report; returns how many
        were not checked in yet (whoever checked in themselves keeps their entry)."""
        subject = f"{self.cycle.year}-pra"
        new = [p for p in update.present if p.participant not in self.present]
        for presence in new:
            self.present[presence.participant] = "online"
        self.audit("import_attendance", update, f"pre-meeting: {len(new)} online from {update.source}")
        if new:
            imported = AttendanceImport.of(new, self.cycle.year, subject, update.source)
            self.recorder.record(RecordActivities.record_check_ins, imported)
        return len(new)

    @import_attendance.validator
    def _validate_import(self, update: ImportAttendance) -> None:
        rules.check_import(self.cycle, self.people, update, self.time.now())

    @workflow.query
    def state(self) -> CycleState:
        return CycleState(
            year=self.cycle.year,
            phase=self.phase,
            calendar_now=self.time.now(),
            pre_meeting_invited=len(self.cycle.participants),
            pre_meeting_attended=self.attended,
            pre_meeting_checked_in=len(self.present),
            provinces_total=len(self.cycle.provinces),
            provinces_completed=len(self.summaries),
        )
