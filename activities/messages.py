"""Sending mail: one message per recipient, each recorded in the outbox exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Engine, Table, bindparam, select, update
from sqlalchemy.orm import Session
from temporalio import activity

from mail.calendar import CalendarMold
from mail.compose import Composer, Recipient, Sender, attendee, invitation_mold, language_of, message_id
from mail.transport import PermanentRefusal, SmtpPool
from models.messages import DeliveryReport, Mailings, MailKind, Outgoing
from security.tokens import SIGN, TokenIssuer, claims_for
from store.database import insert_new, utc
from store.tables import OutboxRow, ParticipantRow

FINAL = ("sent", "failed", "skipped")
SIGN_KINDS = (MailKind.SIGN_OFF_REQUEST, MailKind.SIGN_OFF_REMINDER)
SHARED_INVITATION_LIMIT = 20
MARK_EVERY = 25
"""Outbox records are written in batches of this many: one transaction instead of many."""


_OUTBOX_TABLE = cast(Table, OutboxRow.__table__)
_OUTBOX = _OUTBOX_TABLE.c
MARK = (
    update(_OUTBOX_TABLE)
    .where(_OUTBOX.message_id == bindparam("message"))
    .values(status=bindparam("status"), last_error=bindparam("error"), attempts=_OUTBOX.attempts + 1)
)
"""One statement for a batch of results (executemany), without the ORM's per-statement cost."""


class MessageActivities:
    def __init__(
        self,
        engine: Engine,
        pool: SmtpPool,
        sender_override: str | None = None,
        issuer: TokenIssuer | None = None,
    ) -> None:
        self.engine = engine
        self.pool = pool
        self.sender_override = sender_override
        self.issuer = issuer
        self._people: dict[tuple[int, str], Recipient] = {}

    def _recipients(self, year: int, ids: Sequence[str]) -> list[Recipient]:
        # A cycle's directory is fixed when it is registered: each person is read once per
        # worker, not once per message (a 2022 rehearsal sends 19,000 of them).
        missing = [i for i in dict.fromkeys(ids) if (year, i) not in self._people]
        if missing:
            with Session(self.engine) as db:
                for r in db.scalars(
                    select(ParticipantRow).where(ParticipantRow.year == year, ParticipantRow.id.in_(missing))
                ):
                    self._people[(year, r.id)] = Recipient(
                        r.id, r.name, r.email, r.language, r.zone, r.role, r.province
                    )
        unknown = [i for i in ids if (year, i) not in self._people]
        if unknown:
            raise ValueError(f"unknown participants for {year}: {', '.join(unknown)}")
        return [self._people[(year, i)] for i in ids]

    def tokens_for(self, outgoing: Outgoing, recipient: Recipient) -> list[tuple[str, str]]:
        """The recipient's action token and, in a sign-off request, a signature token for the document."""
        if self.issuer is None:
            return []
        year = outgoing.year
        found = [
            (
                "action_token",
                self.issuer.issue(claims_for(recipient.id, year, recipient.province, recipient.role)),
            )
        ]
        document = outgoing.facts.get("sha256")
        if outgoing.kind in SIGN_KINDS and document:
            claims = claims_for(recipient.id, year, outgoing.province, recipient.role, SIGN, str(document))
            found.append(("sign_token", self.issuer.issue(claims)))
        return found

    def _prepare(self, outgoing: Outgoing, rows: list[dict]) -> dict[str, str]:
        """Insert the outbox rows not there yet; return the status of every one."""
        with self.engine.begin() as connection:
            inserted = insert_new(connection, OutboxRow, rows, "message_id")
            status = {r["message_id"]: r["status"] for r in rows if r["message_id"] in inserted}
            earlier = [r["message_id"] for r in rows if r["message_id"] not in inserted]
            if earlier:
                # A retry: what the earlier attempt recorded counts.
                status.update(
                    connection.execute(
                        select(OutboxRow.message_id, OutboxRow.status).where(
                            OutboxRow.message_id.in_(earlier)
                        )
                    ).all()
                )
            return status

    def _mark(self, outcomes: list[tuple[str, str, str | None]]) -> None:
        """Record (message id, status, error) of the messages just tried, in one transaction."""
        with self.engine.begin() as connection:
            connection.execute(
                MARK,
                [
                    {"message": message, "status": status, "error": error}
                    for message, status, error in outcomes
                ],
            )

    @activity.defn
    async def send_mailings(self, mailings: Mailings) -> list[DeliveryReport]:
        """Each mailing in turn, as send_messages would; a retry skips what the outbox has as sent."""
        reports = []
        for n, outgoing in enumerate(mailings.items):
            reports.append(await self.send_messages(outgoing))
            activity.heartbeat(n + 1)
        return reports

    @activity.defn
    async def send_messages(self, outgoing: Outgoing) -> DeliveryReport:
        known = all((outgoing.year, i) in self._people for i in outgoing.recipients)
        recipients = (
            self._recipients(outgoing.year, outgoing.recipients)
            if known
            else await asyncio.to_thread(self._recipients, outgoing.year, outgoing.recipients)
        )
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
        everyone = [attendee(r) for r in recipients] if shared else []
        composer = Composer(outgoing, sender)
        molds: dict[str, CalendarMold | None] = {}
        calendars: dict[str, bytes | None] = {}
        tried: list[tuple[str, str, str | None]] = []
        try:
            async with self.pool.connection() as client:
                for n, recipient in enumerate(due):
                    language = language_of(recipient)
                    if language not in molds:
                        molds[language] = invitation_mold(outgoing, language, sender)
                    mold = molds[language]
                    if mold is None:
                        calendar = None
                    elif not shared:
                        calendar = mold.with_attendees([attendee(recipient)])
                    elif language in calendars:
                        calendar = calendars[language]
                    else:
                        calendar = calendars[language] = mold.with_attendees(everyone)
                    message = composer.message(recipient, calendar, self.tokens_for(outgoing, recipient))
                    try:
                        await self.pool.send(client, sender.address, recipient.email, message)
                    except PermanentRefusal as exc:
                        tried.append((ids[recipient.id], "failed", str(exc)))
                        report.failed += 1
                        continue
                    except Exception as exc:
                        tried.append((ids[recipient.id], "pending", f"{type(exc).__name__}: {exc}"))
                        raise
                    # The only window for a duplicate is from here until the outbox records it;
                    # a resend from that window carries the same Message-ID.
                    tried.append((ids[recipient.id], "sent", None))
                    report.sent += 1
                    if len(tried) >= MARK_EVERY:
                        await asyncio.to_thread(self._mark, tried)
                        tried = []
                        activity.heartbeat(n + 1)
        finally:
            if tried:
                await asyncio.to_thread(self._mark, tried)
        return report
