"""Sending mail: one message per recipient, each recorded in the outbox exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
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


def calendars_for(
    outgoing: Outgoing, sender: Sender, recipients: list[Recipient]
) -> Callable[[Recipient], bytes | None]:
    """The calendar file each recipient of a mailing gets (None: the mail has none). Each is made
    from one mold per language; a session's few invitees all appear on its one invitation, a
    crowd (the pre-meeting) gets one invitation each, naming only its recipient."""
    shared = len(recipients) <= SHARED_INVITATION_LIMIT
    everyone = [attendee(r) for r in recipients] if shared else []
    molds: dict[str, CalendarMold | None] = {}
    calendars: dict[str, bytes | None] = {}

    def calendar_of(recipient: Recipient) -> bytes | None:
        language = language_of(recipient)
        if language not in molds:
            molds[language] = invitation_mold(outgoing, language, sender)
        mold = molds[language]
        if mold is None:
            return None
        if not shared:
            return mold.with_attendees([attendee(recipient)])
        if language not in calendars:
            calendars[language] = mold.with_attendees(everyone)
        return calendars[language]

    return calendar_of


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

    def _prepare(self, rows: list[dict]) -> dict[str, str]:
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
        """Several mailings over one connection: their outbox rows in one transaction, their
        results recorded MARK_EVERY at a time. A retry sends only what the outbox lacks."""
        return await self._deliver(mailings.items)

    def _sender(self, outgoing: Outgoing) -> Sender:
        organizer = outgoing.organizer
        return Sender(
            organizer_name=organizer.name,
            organizer_mailbox=organizer.mailbox,
            address=self.sender_override or organizer.sender,
        )

    async def _deliver(self, items: list[Outgoing]) -> list[DeliveryReport]:
        known = all((o.year, i) in self._people for o in items for i in o.recipients)
        lookup = lambda: [self._recipients(o.year, o.recipients) for o in items]  # noqa: E731
        recipients = lookup() if known else await asyncio.to_thread(lookup)
        senders = [self._sender(o) for o in items]
        ids = [
            {r.id: message_id(o, r.id, sender.address.rsplit("@", 1)[-1]) for r in people}
            for o, sender, people in zip(items, senders, recipients, strict=True)
        ]
        rows = [
            {
                "message_id": ids[n][r.id],
                "year": o.year,
                "province": o.province,
                "session_id": o.session_id,
                "kind": o.kind.value,
                "sequence": o.sequence,
                "recipient": r.id,
                "address": r.email,
                "subject": o.subject_ref,
                "status": "skipped" if o.skip_reason else "pending",
                "attempts": 0,
                "last_error": o.skip_reason,
                "made_at": utc(o.made_at),
            }
            for n, o in enumerate(items)
            for r in recipients[n]
        ]
        status = await asyncio.to_thread(self._prepare, rows)
        reports = [DeliveryReport() for _ in items]
        due: list[list[Recipient]] = []
        taken: set[str] = set()
        """Message ids already due in this delivery: the same mailing twice in a batch goes once."""
        for n, o in enumerate(items):
            if o.skip_reason:
                reports[n].skipped = len(recipients[n])
                due.append([])
                continue
            mine = [
                r for r in recipients[n] if status[ids[n][r.id]] not in FINAL and ids[n][r.id] not in taken
            ]
            taken.update(ids[n][r.id] for r in mine)
            due.append(mine)
            reports[n].already_sent = len(recipients[n]) - len(mine)
        if not any(due):
            return reports

        tried: list[tuple[str, str, str | None]] = []
        try:
            async with self.pool.connection() as client:
                for n, outgoing in enumerate(items):
                    if not due[n]:
                        continue
                    sender, report = senders[n], reports[n]
                    composer = Composer(outgoing, sender)
                    calendar_of = calendars_for(outgoing, sender, recipients[n])
                    for recipient in due[n]:
                        message = composer.message(
                            recipient, calendar_of(recipient), self.tokens_for(outgoing, recipient)
                        )
                        message_id_ = ids[n][recipient.id]
                        try:
                            await self.pool.send(client, sender.address, recipient.email, message)
                        except PermanentRefusal as exc:
                            tried.append((message_id_, "failed", str(exc)))
                            report.failed += 1
                            continue
                        except Exception as exc:
                            tried.append((message_id_, "pending", f"{type(exc).__name__}: {exc}"))
                            raise
                        # The only window for a duplicate is from here until the outbox records
                        # it; a resend from that window carries the same Message-ID.
                        tried.append((message_id_, "sent", None))
                        report.sent += 1
                        if len(tried) >= MARK_EVERY:
                            await asyncio.to_thread(self._mark, tried)
                            tried = []
                            activity.heartbeat()
        finally:
            if tried:
                await asyncio.to_thread(self._mark, tried)
        return reports
