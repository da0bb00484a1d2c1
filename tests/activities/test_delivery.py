"""Delivery through a real SMTP server that refuses, defers and accepts."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.messages import MessageActivities
from commands.status import cycle_status
from embedded.smtp import MailStore, start_smtp_server
from mail.transport import SmtpConfig, SmtpPool
from models.messages import Mailings
from schedule.plan import session_recipients
from store.tables import OutboxRow
from tests.helpers.mail import invitation, send_one


class Deferring(MailStore):
    """Answers 451 to the first DATA commands, then accepts."""

    deferrals: int = 2

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.deferrals > 0:
            self.deferrals -= 1
            return "451 4.3.0 Mail server temporarily rejected message"
        return await super().handle_DATA(server, session, envelope)


async def test_a_550_for_one_address_is_recorded_and_the_rest_arrive(cycle_db) -> None:  # type: ignore[no-untyped-def]
    cycle, engine = cycle_db
    recipients = session_recipients(cycle, "94", "1.01")
    refused = next(p.email for p in cycle.participants if p.id == recipients[0])
    store = MailStore(refuse={refused: "550 5.1.1 No such user"})
    server = start_smtp_server(store)
    try:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port))
        messages = MessageActivities(engine, pool)
        report = await send_one(messages, invitation(cycle, recipients))
        again = await send_one(messages, invitation(cycle, recipients))
        await pool.close()
    finally:
        server.stop()
    assert (report.sent, report.failed) == (len(recipients) - 1, 1)
    assert (again.sent, again.already_sent) == (0, len(recipients))
    assert len(store.raw) == len(recipients) - 1
    with DbSession(engine) as db:
        failed = db.scalars(select(OutboxRow).where(OutboxRow.status == "failed")).one()
    assert failed.address == refused and "550" in (failed.last_error or "")
    assert cycle_status(engine, 2022).provinces[0].failed_deliveries == 1


async def test_a_deferred_message_is_retried_on_its_own_and_delivered_once(cycle_db) -> None:  # type: ignore[no-untyped-def]
    cycle, engine = cycle_db
    recipients = session_recipients(cycle, "94", "1.01")
    store = Deferring()
    server = start_smtp_server(store)
    try:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port))
        messages = MessageActivities(engine, pool, deferred_pauses=(0.05, 0.05, 0.05))
        # One attempt of the activity: the first two messages are deferred, the rest go out, then
        # the deferred ones are tried again on their own.
        report = await send_one(messages, invitation(cycle, recipients))
        await pool.close()
    finally:
        server.stop()
    assert report.sent == len(recipients) and report.deferred == 2
    received = [raw.split(b"Message-ID:")[1].split(b">")[0] for raw in store.raw]
    assert len(received) == len(recipients) and len(set(received)) == len(received)
    with DbSession(engine) as db:
        rows = {r.message_id: r for r in db.scalars(select(OutboxRow))}
    assert {r.status for r in rows.values()} == {"sent"}
    # The outbox shows each message's attempts: the two deferred ones took two.
    assert sorted(r.attempts for r in rows.values())[-2:] == [2, 2]
    retried = {m for m, r in rows.items() if r.attempts == 2}
    # The rest of the batch was not held back: the deferred ones arrived last.
    last = {m.strip().decode() for m in received[-2:]}
    assert {m.strip("<>") for m in retried} == {m.strip("<>") for m in last}


async def test_a_relay_that_keeps_deferring_fails_the_attempt_with_ids_only(cycle_db) -> None:  # type: ignore[no-untyped-def]
    cycle, engine = cycle_db
    recipients = session_recipients(cycle, "94", "1.01")
    store = Deferring()
    store.deferrals = 10_000
    server = start_smtp_server(store)
    try:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port))
        messages = MessageActivities(engine, pool, deferred_pauses=(0.05,))
        with pytest.raises(ApplicationError) as deferred:
            await send_one(messages, invitation(cycle, recipients))
        await pool.close()
    finally:
        server.stop()
    # Retried by Temporal; the relay's words stay in the outbox, not in the error.
    assert deferred.value.type == "DeliveryDeferred" and not deferred.value.non_retryable
    assert "451" not in deferred.value.message and f"{len(recipients) - 1} more" in deferred.value.message
    with DbSession(engine) as db:
        rows = list(db.scalars(select(OutboxRow)))
    assert {r.status for r in rows} == {"pending"} and {r.attempts for r in rows} == {2}
    assert all("451" in (r.last_error or "") for r in rows)


async def test_a_batch_of_mailings_survives_a_deferral_and_sends_each_message_once(cycle_db) -> None:  # type: ignore[no-untyped-def]
    cycle, engine = cycle_db
    recipients = session_recipients(cycle, "94", "1.01")
    opening = invitation(cycle, recipients)
    reminder = opening.model_copy(update={"variant": "pengingat"})
    # The same mailing asked for twice in one batch still goes out once.
    batch = Mailings(items=[opening, reminder, opening])
    store = Deferring()
    store.deferrals = 1
    server = start_smtp_server(store)
    try:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port))
        messages = MessageActivities(engine, pool, deferred_pauses=(0.05,))
        reports = await ActivityEnvironment().run(messages.send_mailings, batch)
        # Once more, as a retry of the activity would: nothing is sent twice.
        again = await ActivityEnvironment().run(messages.send_mailings, batch)
        await pool.close()
    finally:
        server.stop()
    people = len(recipients)
    assert [r.sent + r.already_sent for r in reports] == [people, people, people]
    assert sum(r.sent for r in again) == 0 and sum(r.deferred for r in reports) == 1
    assert sum(r.sent for r in reports) == 2 * people
    received = Counter(raw.split(b"Message-ID:")[1].split(b">")[0] for raw in store.raw)
    assert len(received) == 2 * people and set(received.values()) == {1}
    with DbSession(engine) as db:
        statuses = Counter(db.scalars(select(OutboxRow.status)))
    assert statuses == {"sent": 2 * people}


async def test_the_relays_rate_is_kept(cycle_db) -> None:  # type: ignore[no-untyped-def]
    cycle, engine = cycle_db
    recipients = session_recipients(cycle, "94", "1.01")
    store = MailStore()
    server = start_smtp_server(store)
    try:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, rate=20.0))
        began = time.monotonic()
        report = await send_one(MessageActivities(engine, pool), invitation(cycle, recipients))
        took = time.monotonic() - began
        await pool.close()
    finally:
        server.stop()
    # Twenty a second at most: the messages after the first wait their turn.
    assert report.sent == len(recipients) > 2
    assert took >= (len(recipients) - 1) / 20.0
