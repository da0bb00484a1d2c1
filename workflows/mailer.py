"""The mail a province asks for: what each message is about, to whom, and when it is made.

Whatever the province asks for at one moment goes out in one activity (see workflows.batches);
the activity renders, records in the outbox and sends.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.messages import MessageActivities
    from models.messages import CalendarEvent, Mailings, MailKind, Outgoing
    from models.progress import ProvinceProgress
    from models.sessions import DeskSession
    from models.stages import Party

from workflows import options
from workflows.batches import Batch
from workflows.calendar_time import CalendarTime

PARTY_TITLE = {
    Party.REGIONAL: "Kepala Bappeda Provinsi",
    Party.CENTRAL: "Ditjen Bina Pembangunan Daerah, Kemendagri",
}


async def send_mailings(items: list[Outgoing]) -> None:
    await workflow.execute_activity_method(
        MessageActivities.send_mailings, Mailings(items=items), **options.MAIL
    )


class ProvinceMailer:
    def __init__(self, progress: ProvinceProgress, time: CalendarTime) -> None:
        self.progress = progress
        self.time = time
        self.batch: Batch[Outgoing] = Batch(send_mailings)

    def session_event(self, session: DeskSession) -> CalendarEvent:
        input = self.progress.input
        desk = self.progress.desks[session.desk]
        domain = input.organizer.mailbox.rsplit("@", 1)[-1]
        return CalendarEvent(
            uid=f"rakortek-{session.id}@{domain}",
            sequence=session.sequence,
            summary=f"{desk.title}: {input.province.title}",
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            zone=input.venue_zone,
            location=f"{input.venue}, {session.room}",
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
        input = self.progress.input
        base_facts: dict[str, Any] = {
            "cycle_name": input.cycle_name,
            "plan_year": input.plan_year,
            "province_name": input.province.name,
        }
        if input.province.parent is not None:
            base_facts["region_kind"] = "kabupaten_kota"
        if session is not None:
            base_facts["desk_title"] = self.progress.desks[session.desk].title
            base_facts["minutes_before"] = input.reminders.minutes_before
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
                event=self.session_event(session) if session else None,
                facts={**base_facts, **(facts or {})},
                made_at=self.time.now(),
                skip_reason=skip_reason,
            )
        )

    async def send_sign_off(self, kind: MailKind, party: Party) -> None:
        progress = self.progress
        assert progress.document is not None
        await self.send(
            kind,
            progress.signers(party),
            variant=party.value,
            # Each version of the document is a new request, with its own Message-ID.
            sequence=progress.amendments,
            facts={
                "deadline_at": progress.input.deadlines.sign_off.isoformat(),
                "party_title": PARTY_TITLE[party],
                "document": progress.document.path,
                "sha256": progress.document.sha256,
            },
        )
