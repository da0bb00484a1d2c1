"""The updates only organizers (and, for moves, a desk's facilitator) send to a running province:
move, cancel and hold again a session, send an invitation again, chase those who have not acted,
extend a deadline.

A base of ProvinceWorkflow: Temporal finds update handlers on base classes too, and the province's
own module keeps to its stages and the participants' updates.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.records import RecordActivities
    from models.messages import ActionRequiredFacts, DeadlineFacts, MailKind
    from models.organizer_actions import (
        ChangeDirectory,
        Chase,
        DirectoryChangeKind,
        ExtendDeadline,
        ResendInvitation,
    )
    from models.participants import Role
    from models.progress import ProvinceProgress
    from models.records import DeadlineChange, DirectoryChange, SessionChange
    from models.sessions import DeskSession, TransitionRefused
    from models.stages import DeadlineStep, SessionState
    from models.workflow_io import CancelSession, RescheduleSession
    from rules import desk_sessions, organizer
    from rules.access import refuse

from workflows.calendar_time import CalendarTime, stamp
from workflows.mailer import ProvinceMailer
from workflows.recorder import Acting, Recorder


class OrganizerUpdates:
    progress: ProvinceProgress
    time: CalendarTime
    recorder: Recorder
    mailer: ProvinceMailer
    session_changes: asyncio.Lock

    def audit(self, action: str, update: Acting, detail: str) -> None:
        self.recorder.audit(action, update, detail, self.time.now())

    @workflow.update
    async def reschedule(self, update: RescheduleSession) -> int:
        """Move a session (or hold a cancelled one again): the new time goes to every calendar."""
        # One change at a time: each builds on the session as the one before left it.
        async with self.session_changes:
            session = self.progress.sessions[update.desk]
            changed = self.transition(
                lambda: session.rescheduled(update.starts_at, update.room, update.online_link)
            )
            await self.write_session(changed)
            self.progress.take_change(changed)
            self.audit("reschedule", update, f"desk {update.desk} to {update.starts_at.isoformat()}")
            return changed.sequence

    @reschedule.validator
    def _validate_reschedule(self, update: RescheduleSession) -> None:
        desk_sessions.check_reschedule(self.progress, update, self.time.now())

    @workflow.update
    async def cancel(self, update: CancelSession) -> int:
        """Cancel a session: every invitee's calendar gets a CANCEL, no reminder follows."""
        async with self.session_changes:
            changed = self.transition(self.progress.sessions[update.desk].cancelled)
            await self.write_session(changed)
            self.progress.take_change(changed, reason=update.reason)
            self.audit("cancel", update, f"desk {update.desk}: {update.reason}")
            return changed.sequence

    @cancel.validator
    def _validate_cancel(self, update: CancelSession) -> None:
        desk_sessions.check_cancel(self.progress, update, self.time.now())

    @staticmethod
    def transition(change: Callable[[], DeskSession]) -> DeskSession:
        """A change the validator allowed, refused after all when an earlier one came first."""
        try:
            return change()
        except TransitionRefused as exc:
            raise refuse(str(exc)) from None

    async def write_session(self, session: DeskSession) -> None:
        """Record the session's new time or state; the database refuses a desk another province
        holds at that time (DeskTaken), and the update is refused with it."""
        row = SessionChange.of(session, self.progress.input.year)
        try:
            await self.recorder.write(RecordActivities.change_session, row)
        except ApplicationError as exc:
            # The Recorder hands a write's refusal on as the activity's own error.
            if exc.type == "DeskTaken":
                raise refuse(exc.message, "desk_taken", desk=session.desk) from None
            raise

    @workflow.update
    async def resend(self, update: ResendInvitation) -> str:
        """The session's invitation as it stands, to one invitee again: the same UID and
        SEQUENCE, the answers so far, a Message-ID of its own. Returns the kind sent."""
        async with self.session_changes:
            session = self.progress.sessions[update.desk]
            kind = MailKind.SESSION_INVITE if session.sequence == 0 else MailKind.SESSION_UPDATE
            reason = ""
            if session.state is SessionState.CANCELLED:
                kind, reason = MailKind.SESSION_CANCEL, self.progress.cancel_reasons.get(update.desk, "")
            self.progress.organizer_mailings += 1
            await self.mailer.send(
                kind,
                [update.participant],
                self.mailer.session_facts(session, reason),
                session=session,
                variant=f"ulang-{self.progress.organizer_mailings}",
                listed=[r for r in session.recipients if r != update.participant],
            )
            self.audit("resend", update, f"desk {update.desk}: {kind.value} to {update.participant}")
            return kind.value

    @resend.validator
    def _validate_resend(self, update: ResendInvitation) -> None:
        organizer.check_resend(self.progress, update, self.time.now())

    @workflow.update
    async def chase(self, update: Chase) -> int:
        """A "[Tindakan diperlukan]" reminder to everyone not done with a step; returns how many
        were reminded."""
        now = self.time.now()
        lists = organizer.chased(self.progress, update.step, now, update.desk)
        self.progress.organizer_mailings += 1
        variant = f"{update.step.value}-{self.progress.organizer_mailings}"
        for chased in lists:
            facts = ActionRequiredFacts(
                region=self.mailer.region,
                step=update.step,
                deadline_at=chased.deadline_at,
                desk_title=self.progress.desks[chased.session.desk].title if chased.session else "",
                count=chased.count,
            )
            await self.mailer.send(
                MailKind.ACTION_REQUIRED, chased.recipients, facts, session=chased.session, variant=variant
            )
        reminded = sum(len(c.recipients) for c in lists)
        self.audit("chase", update, f"{update.step.value}: {reminded} reminded")
        return reminded

    @chase.validator
    def _validate_chase(self, update: Chase) -> None:
        organizer.check_chase(self.progress, update, self.time.now())

    @workflow.update
    async def extend_deadline(self, update: ExtendDeadline) -> datetime:
        """A later deadline: the waits for the old one follow it (workflows.calendar_time), and the
        people concerned get a letter saying so. Returns the deadline it replaced."""
        progress = self.progress
        previous: datetime = getattr(progress.deadlines, update.step.field)
        progress.deadlines = progress.deadlines.model_copy(update={update.step.field: update.until})
        self.recorder.record(
            RecordActivities.record_deadline,
            DeadlineChange(
                year=progress.input.year, province=progress.code, step=update.step, deadline=update.until
            ),
        )
        told = progress.delegation_heads()
        if update.step is DeadlineStep.SIGN_OFF:
            told = [*told, *progress.people_with(Role.CENTRAL_SIGNER)]
        facts = DeadlineFacts(
            region=self.mailer.region,
            step=update.step,
            deadline_at=update.until,
            previous_at=previous,
            reason=update.reason,
        )
        await self.mailer.send(
            MailKind.DEADLINE_EXTENDED, told, facts, variant=f"{update.step.value}-{stamp(update.until)}"
        )
        self.audit("extend_deadline", update, f"{update.step.value} to {update.until.isoformat()}")
        return previous

    @workflow.update
    async def change_directory(self, update: ChangeDirectory) -> int:
        """Add, replace or change a person while the cycle runs: the directory and the open
        sessions' invitees change, each person concerned hears of it. Returns how many sessions
        it touched."""
        async with self.session_changes:
            progress = self.progress
            desks = organizer.check_directory(progress, update, self.time.now())
            person, leaving = update.person, update.replaces
            before = progress.people.get(person.id)
            sessions = [progress.sessions[d].id for d in desks]
            # In the directory before any letter is written: each is looked up there.
            await self.recorder.write(
                RecordActivities.record_directory_change,
                DirectoryChange(
                    year=progress.input.year,
                    person=person,
                    leaves=leaving,
                    sessions=sessions,
                    by=update.actor,
                ),
            )
            progress.take_person(
                person, desks if update.kind is not DirectoryChangeKind.UPDATE else [], leaving
            )
            moved_address = before is not None and before.email != person.email
            progress.organizer_mailings += 1
            number = progress.organizer_mailings
            for desk in desks:
                session = progress.sessions[desk]
                if session.state not in (SessionState.INVITED, SessionState.HELD):
                    # Not yet sent out (the invitation goes to whoever is invited then), or
                    # cancelled: nothing to tell.
                    continue
                facts = self.mailer.session_facts(session)
                if leaving is not None:
                    # RFC 5546 3.2.5: a CANCEL naming only the attendee who is uninvited.
                    await self.mailer.send(
                        MailKind.SESSION_CANCEL, [leaving], facts, session=session, variant=f"keluar-{number}"
                    )
                if update.kind is not DirectoryChangeKind.UPDATE or moved_address:
                    kind = MailKind.SESSION_INVITE if session.sequence == 0 else MailKind.SESSION_UPDATE
                    others = [r for r in session.recipients if r != person.id]
                    await self.mailer.send(
                        kind, [person.id], facts, session=session, variant=f"masuk-{number}", listed=others
                    )
            detail = f"{update.kind.value} {person.id}" + (f" in place of {leaving}" if leaving else "")
            self.audit("change_directory", update, f"{detail}: {len(desks)} sessions")
            return len(desks)

    @change_directory.validator
    def _validate_directory(self, update: ChangeDirectory) -> None:
        organizer.check_directory(self.progress, update, self.time.now())

    @extend_deadline.validator
    def _validate_extend(self, update: ExtendDeadline) -> None:
        organizer.check_extend(self.progress, update, self.time.now())
