"""Sending mail: one message per recipient, each recorded in the outbox exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from temporalio import activity

from mail.compose import Recipient, Sender, compose, invitation, language_of, message_id
from mail.transport import PermanentRefusal, SmtpPool
from models.messages import DeliveryReport, Outgoing
from store.database import upsert, utc
from store.tables import OutboxRow, ParticipantRow

FINAL = ("sent", "failed", "skipped")
SHARED_INVITATION_LIMIT = 20


class MessageActivities:
    def __init__(self, engine: Engine, pool: SmtpPool, sender_override: str | None = None) -> None:
        self.engine = engine
        self.pool = pool
        self.sender_override = sender_override

    def _recipients(self, year: int, ids: Sequence[str]) -> list[Recipient]:
        with Session(self.engine) as db:
            rows = {
                r.id: r
                for r in db.scalars(
                    select(ParticipantRow).where(
                        ParticipantRow.year == year, ParticipantRow.id.in_(list(ids))
                    )
                )
            }
        missing = [i for i in ids if i not in rows]
        if missing:
            raise ValueError(f"unknown participants for {year}: {', '.join(missing)}")
        return [Recipient(r.id, r.name, r.email, r.language, r.zone, r.role) for r in (rows[i] for i in ids)]

    def _prepare(self, outgoing: Outgoing, rows: list[dict]) -> dict[str, str]:
        """Insert the outbox rows not there yet; return the status of every one."""
        with Session(self.engine) as db, db.begin():
            upsert(db, OutboxRow, rows, ["message_id"], update=False)
            ids = [r["message_id"] for r in rows]
            return dict(
                db.execute(
                    select(OutboxRow.message_id, OutboxRow.status).where(OutboxRow.message_id.in_(ids))
                ).all()
            )

    def _mark(self, message: str, status: str, error: str | None = None, attempt: bool = True) -> None:
        with Session(self.engine) as db, db.begin():
            values: dict = {"status": status, "last_error": error}
            if attempt:
                values["attempts"] = OutboxRow.attempts + 1
            db.execute(update(OutboxRow).where(OutboxRow.message_id == message).values(**values))

    @activity.defn
    async def send_messages(self, outgoing: Outgoing) -> DeliveryReport:
        recipients = await asyncio.to_thread(self._recipients, outgoing.year, outgoing.recipients)
        organizer = outgoing.organizer
        sender = Sender(
            organizer_name=organizer.name,
            organizer_mailbox=organizer.mailbox,
            address=self.sender_override or organizer.sender,
        )
        domain = sender.address.rsplit("@", 1)[-1]
        ids = {r.id: message_id(outgoing, r.id, domain) for r in recipients}
        initial = "skipped" if outgoing.skip_reason else "pending"
        rows = [
            {
                "message_id": ids[r.id],
                "year": outgoing.year,
                "province": outgoing.province,
                "session_id": outgoing.session_id,
                "kind": outgoing.kind.value,
                "sequence": outgoing.sequence,
                "recipient": r.id,
                "address": r.email,
                "subject": outgoing.subject_ref,
                "status": initial,
                "attempts": 0,
                "last_error": outgoing.skip_reason,
                "made_at": utc(outgoing.made_at),
            }
            for r in recipients
        ]
        status = await asyncio.to_thread(self._prepare, outgoing, rows)
        report = DeliveryReport()
        if outgoing.skip_reason:
            report.skipped = len(recipients)
            return report

        due = [r for r in recipients if status[ids[r.id]] not in FINAL]
        report.already_sent = len(recipients) - len(due)
        if not due:
            return report
        # A session's few invitees all appear on its invitation; a crowd (the pre-meeting) gets
        # one invitation each, naming only its recipient.
        shared = len(recipients) <= SHARED_INVITATION_LIMIT
        calendars: dict[str, bytes | None] = {}
        async with self.pool.connection() as client:
            for n, recipient in enumerate(due):
                language = language_of(recipient)
                if not shared:
                    calendar = invitation(outgoing, language, sender, [recipient])
                elif language in calendars:
                    calendar = calendars[language]
                else:
                    calendar = calendars[language] = invitation(outgoing, language, sender, recipients)
                message = compose(outgoing, recipient, sender, calendar).as_bytes()
                try:
                    await self.pool.send(client, sender.address, recipient.email, message)
                except PermanentRefusal as exc:
                    await asyncio.to_thread(self._mark, ids[recipient.id], "failed", str(exc))
                    report.failed += 1
                    continue
                except Exception as exc:
                    await asyncio.to_thread(
                        self._mark, ids[recipient.id], "pending", f"{type(exc).__name__}: {exc}"
                    )
                    raise
                # The only window for a duplicate is here, between the server's acceptance and
                # this record; a resend from it carries the same Message-ID.
                await asyncio.to_thread(self._mark, ids[recipient.id], "sent")
                report.sent += 1
                if n % 50 == 49:
                    activity.heartbeat(n + 1)
        return report
