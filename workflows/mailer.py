"""The mail a province asks for: what each message is about, to whom, and when it is made.

Whatever the province asks for at one moment goes out in one activity (see workflows.batches);
the activity renders, records in the outbox and sends.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.messages import MessageActivities
    from mail.events import session_event
    from models.messages import (
        CalendarEvent,
        DataEntryFacts,
        MailFacts,
        Mailings,
        MailKind,
        Outgoing,
        Region,
        SessionFacts,
        SignOffFacts,
    )
    from models.participants import Participant
    from models.progress import ProvinceProgress
    from models.sessions import DeskSession
    from models.stages import Party

from workflows import options
from workflows.batches import Batch
from workflows.calendar_time import CalendarTime


async def send_mailings(items: list[Outgoing], speed: float = 1.0) -> None:
    """``speed``: the rehearsal's compression, by which a deferred message's waits shorten."""
    await workflow.execute_activity_method(
        MessageActivities.send_mailings, Mailings(items=items, speed=speed), **options.MAIL
    )


class ProvinceMailer:
    def __init__(self, progress: ProvinceProgress, time: CalendarTime) -> None:
        self.progress = progress
        self.time = time
        speed = time.clock.speed
        self.batch: Batch[Outgoing] = Batch(lambda items: send_mailings(items, speed), time.working)

    def session_event(self, session: DeskSession) -> CalendarEvent:
        input = self.progress.input
        return session_event(
            session,
            desk_title=self.progress.desks[session.desk].title,
            province_title=input.province.title,
            venue=input.venue,
            venue_zone=input.venue_zone,
            organizer_mailbox=input.organizer.mailbox,
        )

    @property
    def region(self) -> Region:
        input = self.progress.input
        return Region(
            cycle_name=input.cycle_name,
            plan_year=input.plan_year,
            province_name=input.province.name,
            kabupaten_kota=input.province.parent is not None,
            letter=input.letter,
        )

    async def send(
        self,
        kind: MailKind,
        recipients: list[str],
        facts: MailFacts,
        *,
        session: DeskSession | None = None,
        variant: str = "",
        skip_reason: str | None = None,
        sequence: int | None = None,
        listed: list[str] | None = None,
    ) -> None:
        """``sequence``: the version of what the mail is about (a session's, or the document's);
        ``listed``: invitees the calendar names who get no mail by this message."""
        input = self.progress.input
        await self.batch.add(
            Outgoing(
                year=input.year,
                organizer=input.organizer,
                kind=kind,
                variant=variant,
                subject_ref=session.id if session else f"{input.year}-{input.province.code}",
                province=input.province.code,
                session_id=session.id if session else None,
                sequence=sequence if sequence is not None else (session.sequence if session else 0),
                recipients=recipients,
                listed=listed or [],
                event=self.session_event(session) if session else None,
                facts=facts,
                made_at=self.time.now(),
                links_expire_at=input.deadlines.cycle_ends_at,
                skip_reason=skip_reason,
            )
        )

    def session_facts(self, session: DeskSession, reason: str = "", delegated_from: str = "") -> SessionFacts:
        """What a session's letters say beyond its event, every invitee's answer and delegation."""
        return SessionFacts(
            region=self.region,
            desk_title=self.progress.desks[session.desk].title,
            minutes_before=self.progress.input.reminders.minutes_before,
            reason=reason,
            answers=dict(self.progress.replies.get(session.desk, {})),
            delegations=dict(self.progress.delegations.get(session.desk, {})),
            delegated_from=delegated_from,
        )

    def data_entry_facts(self, delegated_from: str = "") -> DataEntryFacts:
        progress = self.progress
        return DataEntryFacts(
            region=self.region,
            deadline_at=progress.deadlines.data_entry,
            sessions=len(progress.sessions),
            delegated_from=delegated_from,
        )

    async def send_session(
        self,
        kind: MailKind,
        session: DeskSession,
        *,
        variant: str = "",
        reason: str = "",
        skip_reason: str | None = None,
        moved_from: datetime | None = None,
    ) -> None:
        """An invitation, update, cancellation or reminder to the session's invitees;
        ``moved_from``: the start an update replaces."""
        facts = self.session_facts(session, reason).model_copy(update={"moved_from": moved_from})
        recipients = session.recipients
        if kind is MailKind.SESSION_REMINDER:
            # Who passed the session on is not reminded of it; their delegate is.
            recipients = [r for r in recipients if r not in facts.delegations]
        await self.send(kind, recipients, facts, session=session, variant=variant, skip_reason=skip_reason)

    async def send_delegation(self, desk: str | None, delegator: Participant, delegate: Participant) -> None:
        """The delegate's own invitation (a session's, naming every invitee, the delegator as
        DELEGATED), or their letter opening the data entry."""
        passed_on = f"{delegator.name} ({delegator.organisation})"
        variant = f"wakil-{delegate.id}"
        if desk is None:
            facts = self.data_entry_facts(passed_on)
            await self.send(MailKind.DATA_ENTRY_OPEN, [delegate.id], facts, variant=variant)
            return
        session = self.progress.sessions[desk]
        await self.send(
            MailKind.SESSION_INVITE,
            [delegate.id],
            self.session_facts(session, delegated_from=passed_on),
            session=session,
            variant=variant,
            listed=[r for r in session.recipients if r != delegate.id],
        )

    async def send_sign_off(self, kind: MailKind, party: Party) -> None:
        progress = self.progress
        assert progress.document is not None
        await self.send(
            kind,
            progress.signers(party),
            SignOffFacts(
                region=self.region,
                party=party,
                deadline_at=progress.deadlines.sign_off,
                document=progress.document.path,
                sha256=progress.document.sha256,
            ),
            variant=party.value,
            # Each version of the document is a new request, with its own Message-ID.
            sequence=progress.amendments,
        )
