"""A province's confirmation deadline and its agreement's sign-off: the document rendered from
what the database holds, both parties asked to sign, reminded, and the organizers told of what is
still awaited past a deadline.

Runs as coroutines of the province workflow, given its progress, mailer, calendar and recorder,
like workflows/desk_session.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.documents import DocumentActivities
    from models.messages import EscalationFacts, EscalationStep, MailKind
    from models.participants import Role
    from models.progress import ProvinceProgress
    from models.records import AgreementDocument, AgreementRequest
    from models.stages import Party

from workflows import options
from workflows.calendar_time import CalendarTime, stamp
from workflows.mailer import ProvinceMailer
from workflows.recorder import Recorder


@dataclass
class AgreementSteps:
    progress: ProvinceProgress
    mailer: ProvinceMailer
    time: CalendarTime
    recorder: Recorder

    async def sign_off(self) -> AgreementDocument:
        """Until both parties have signed the same document; returns the filed, signed copy."""
        progress = self.progress
        while True:
            document = await self.render(DocumentActivities.render_agreement)
            progress.set_document(document)
            for party in Party:
                await self.mailer.send_sign_off(MailKind.SIGN_OFF_REQUEST, party)
            await self.await_signatures()
            # An amendment changed the document: the signatures on the old one are void, so
            # render it again and ask both sides again.
            if not progress.amended:
                break
        return await self.render(DocumentActivities.render_signed_agreement)

    async def render(self, activity: Callable[..., AgreementDocument]) -> AgreementDocument:
        """The agreement from what the database holds: every write asked for so far first."""
        await self.recorder.written()
        with self.time.working():
            return await workflow.execute_activity_method(
                activity,
                AgreementRequest(
                    year=self.progress.input.year,
                    province=self.progress.code,
                    rendered_at=self.time.now(),
                ),
                **options.DOCUMENT,
            )

    async def await_signatures(self) -> None:
        progress = self.progress
        before = timedelta(days=progress.input.reminders.sign_off_days_before)
        done = lambda: progress.all_signed() or progress.amended  # noqa: E731
        if not await self.time.wait_for_deadline(lambda: progress.deadlines.sign_off - before, done):
            for party in progress.unsigned():
                await self.mailer.send_sign_off(MailKind.SIGN_OFF_REMINDER, party)
        await self.await_or_escalate(done, lambda: progress.deadlines.sign_off, EscalationStep.SIGN_OFF)

    async def await_or_escalate(
        self, done: Callable[[], bool], deadline: Callable[[], datetime], step: EscalationStep
    ) -> None:
        """Wait for ``done``; past the deadline, tell the organizers what is still awaited, then
        keep waiting. An extended deadline is awaited again, and escalated again if it passes."""
        original = deadline()
        while not await self.time.wait_for_deadline(deadline, done):
            passed = deadline()
            progress = self.progress
            await self.mailer.send(
                MailKind.ESCALATION,
                progress.people_with(Role.ORGANIZER),
                EscalationFacts(
                    region=self.mailer.region,
                    step=step,
                    deadline_at=passed,
                    unconfirmed=len(progress.unconfirmed_refs())
                    if step is EscalationStep.CONFIRMATION
                    else 0,
                    unsigned=progress.unsigned() if step is EscalationStep.SIGN_OFF else [],
                ),
                # The first escalation's Message-ID as first issued; one of an extended deadline's
                # is a message of its own.
                variant=step.value if passed == original else f"{step.value}-{stamp(passed)}",
            )
            await workflow.wait_condition(lambda: done() or deadline() != passed)  # noqa: B023
            if done():
                return
