"""Sending mail: one message per recipient, each recorded in the outbox exactly once.

What each recipient gets is mail.mailing's; this activity records it in the outbox, sends it and
marks the result."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, select, update
from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from mail.compose import Recipient
from mail.mailing import Letter, Mailing, sender_of
from mail.transport import PermanentRefusal, SmtpPool
from models.messages import DeliveryReport, Mailings, Outgoing
from security.tokens import TokenIssuer
from store.database import insert_new, utc, writing
from store.tables import CycleRow, OutboxRow, ParticipantRow

FINAL = ("sent", "failed", "skipped")
DEFERRED_PAUSES = (1.0, 2.0, 4.0, 8.0)
"""Seconds a deferred message waits before each of its own retries, once its batch is through
(divided by a rehearsal's speed)."""
SHORTEST_PAUSE = 0.05
"""A relay is asked again no sooner than this, however compressed the rehearsal."""


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
        portal_url: str | None = None,
        deferred_pauses: Sequence[float] = DEFERRED_PAUSES,
    ) -> None:
        self.engine = engine
        self.deferred_pauses = deferred_pauses
        self.portal_url = portal_url
        """Where each letter's personal link leads (None: letters carry no link)."""
        self.pool = pool
        self.sender_override = sender_override
        self.issuer = issuer
        self._people: dict[tuple[int, str], Recipient] = {}
        self._versions: dict[int, int] = {}
        """The directory version each year's people were read at."""

    def _recipients(self, year: int, ids: Sequence[str]) -> list[Recipient]:
        # Each person is read once per worker, not once per message (a 2022 rehearsal sends
        # 19,000 of them), until an organizer changes the directory.
        with Session(self.engine) as db:
            version = db.scalar(select(CycleRow.directory_version).where(CycleRow.year == year)) or 0
        if self._versions.get(year) != version:
            self._people = {key: person for key, person in self._people.items() if key[0] != year}
            self._versions[year] = version
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

    def _prepare(self, rows: list[dict]) -> dict[str, str]:
        """Insert the outbox rows not there yet; return the status of every one."""
        with writing(self.engine), self.engine.begin() as connection:
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

    async def _send_one(self, client: Any, sender: str, letter: Letter, report: DeliveryReport) -> bool:
        """Send one message and record its result at once: a crash re-sends at most the message
        in hand. False when the relay deferred it (4xx, a dropped connection)."""
        try:
            if not client.is_connected:
                await client.connect()
            await self.pool.send(client, sender, letter.recipient.email, letter.message)
        except PermanentRefusal as exc:
            await asyncio.to_thread(self._mark, [(letter.message_id, "failed", str(exc))])
            report.failed += 1
            return True
        except Exception as exc:
            # The reason, which may quote an address, stays in the outbox (last_error);
            # Temporal and the worker's log get ids only.
            reason = f"{type(exc).__name__}: {exc}"
            await asyncio.to_thread(self._mark, [(letter.message_id, "pending", reason)])
            report.deferred += 1
            return False
        # The only window for a duplicate is from here until the outbox records it; a resend
        # from that window carries the same Message-ID.
        await asyncio.to_thread(self._mark, [(letter.message_id, "sent", None)])
        report.sent += 1
        return True

    def _mark(self, outcomes: list[tuple[str, str, str | None]]) -> None:
        """Record (message id, status, error) of the messages just tried, in one transaction."""
        with writing(self.engine), self.engine.begin() as connection:
            connection.execute(
                MARK,
                [
                    {"message": message, "status": status, "error": error}
                    for message, status, error in outcomes
                ],
            )

    @activity.defn
    async def send_mailings(self, mailings: Mailings) -> list[DeliveryReport]:
        """Several mailings over one connection: their outbox rows in one transaction, each
        message's result recorded as soon as the relay answers. A retry sends only what the
        outbox lacks."""
        return await self._deliver(mailings.items, mailings.speed)

    async def _deliver(self, items: list[Outgoing], speed: float = 1.0) -> list[DeliveryReport]:
        known = all((o.year, i) in self._people for o in items for i in [*o.recipients, *o.listed])
        lookup = lambda: [  # noqa: E731
            (self._recipients(o.year, o.recipients), self._recipients(o.year, o.listed)) for o in items
        ]
        recipients = lookup() if known else await asyncio.to_thread(lookup)
        mailings = [
            Mailing(
                o, sender_of(o.organizer, self.sender_override), people, self.issuer, self.portal_url, listed
            )
            for o, (people, listed) in zip(items, recipients, strict=True)
        ]
        rows = [
            {
                "message_id": m.ids[r.id],
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
            for o, m in zip(items, mailings, strict=True)
            for r in m.recipients
        ]
        status = await asyncio.to_thread(self._prepare, rows)
        reports = [DeliveryReport() for _ in items]
        due: list[list[Recipient]] = []
        taken: set[str] = set()
        """Message ids already due in this delivery: the same mailing twice in a batch goes once."""
        for m, report in zip(mailings, reports, strict=True):
            if m.outgoing.skip_reason:
                report.skipped = len(m.recipients)
                due.append([])
                continue
            mine = [r for r in m.recipients if status[m.ids[r.id]] not in FINAL and m.ids[r.id] not in taken]
            taken.update(m.ids[r.id] for r in mine)
            due.append(mine)
            report.already_sent = len(m.recipients) - len(mine)
        if not any(due):
            return reports

        deferred: list[tuple[str, Letter, DeliveryReport]] = []
        async with self.pool.connection() as client:
            for mailing, report, mine in zip(mailings, reports, due, strict=True):
                for letter in mailing.letters(mine):
                    sender = mailing.sender.address
                    if not await self._send_one(client, sender, letter, report):
                        deferred.append((sender, letter, report))
            # A message the relay defers waits a moment on its own; the rest of the batch went on.
            for pause in self.deferred_pauses:
                if not deferred:
                    break
                activity.heartbeat()
                await asyncio.sleep(max(pause / speed, SHORTEST_PAUSE))
                again = deferred
                deferred = []
                for sender, letter, report in again:
                    if not await self._send_one(client, sender, letter, report):
                        deferred.append((sender, letter, report))
        if deferred:
            # Still deferred after its own retries: the activity's retry policy tries again
            # later, and sends only what the outbox does not hold as sent.
            first = deferred[0][1]
            raise ApplicationError(
                f"delivery of {first.message_id} and {len(deferred) - 1} more deferred; "
                "the outbox holds the reasons",
                type="DeliveryDeferred",
            )
        return reports
