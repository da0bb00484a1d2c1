"""Faults around the engine: a mail server that is down, defers, or drops the line mid-DATA; a
database that fails or is locked in the middle of a write. Retries deliver once; no outcome is
ever half-written."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosmtplib
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session as DbSession
from temporalio.exceptions import ApplicationError

from activities.messages import MessageActivities
from activities.records import RecordActivities
from embedded.smtp import MailStore, free_port, start_smtp_server
from mail.transport import SmtpConfig, SmtpPool
from models.cycle import Cycle, load_cycle
from models.records import OutcomeRecords, RegisterCycle
from schedule.plan import session_recipients
from store.database import connect
from store.tables import OutboxRow, OutcomeItemRow, SessionRow
from tests.conftest import fresh_database_url, write_cycle
from tests.helpers.mail import invitation, send_one
from tests.helpers.plan import plan_and_store
from tests.helpers.progress import outcome_record

MESSAGE_ID = re.compile(rb"Message-ID:\s*(<[^>]+>)", re.IGNORECASE)


def received(store: MailStore) -> Counter[bytes]:
    return Counter(MESSAGE_ID.search(raw).group(1) for raw in store.raw)  # type: ignore[union-attr]


async def attempts_until_done(messages: MessageActivities, outgoing: Any, limit: int = 5) -> int:
    """Run the activity as Temporal would retry it; return how many attempts it took."""
    for attempt in range(1, limit + 1):
        try:
            await send_one(messages, outgoing)
            return attempt
        except (aiosmtplib.SMTPException, OSError, ApplicationError):
            await asyncio.sleep(0.05)
    raise AssertionError(f"not delivered in {limit} attempts")


def statuses(engine: Any) -> Counter[str]:
    with DbSession(engine) as db:
        return Counter(db.scalars(select(OutboxRow.status)))


async def test_mail_server_down_for_a_while(cycle_db: tuple[Cycle, Any]) -> None:
    cycle, engine = cycle_db
    recipients = session_recipients(cycle, "94", "1.01")
    port = free_port()
    pool = SmtpPool(SmtpConfig("127.0.0.1", port))
    messages = MessageActivities(engine, pool)
    with pytest.raises((aiosmtplib.SMTPConnectError, OSError)):
        await send_one(messages, invitation(cycle, recipients))
    # Nothing claimed sent while the server was down; every message waits.
    assert statuses(engine) == {"pending": len(recipients)}
    store = MailStore()
    server = start_smtp_server(store, port)
    try:
        assert await attempts_until_done(messages, invitation(cycle, recipients)) == 1
    finally:
        await pool.close()
        server.stop()
    assert set(received(store).values()) == {1} and len(store.raw) == len(recipients)
    assert statuses(engine) == {"sent": len(recipients)}


class ShuttingDown(MailStore):
    """Answers 421 (service closing) to the first message, then accepts."""

    closing = 1

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.closing:
            self.closing -= 1
            return "421 4.3.2 Service shutting down, try again later"
        return await super().handle_DATA(server, session, envelope)


class DroppingAfterKeeping(MailStore):
    """Keeps the first message, then drops the connection before saying so."""

    dropped = False

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if not self.dropped:
            self.dropped = True
            assert server.transport is not None
            server.transport.abort()
        return reply


@pytest.mark.parametrize("store_class", [ShuttingDown, DroppingAfterKeeping])
async def test_421_and_a_dropped_connection_are_retried(
    cycle_db: tuple[Cycle, Any],
    store_class: type[MailStore],
) -> None:
    cycle, engine = cycle_db
    recipients = session_recipients(cycle, "94", "1.01")
    store = store_class()
    server = start_smtp_server(store)
    pool = SmtpPool(SmtpConfig("127.0.0.1", server.port))
    try:
        messages = MessageActivities(engine, pool, deferred_pauses=(0.05, 0.05))
        attempts = await attempts_until_done(messages, invitation(cycle, recipients))
    finally:
        await pool.close()
        server.stop()
    counts = received(store)
    # The message in hand is tried again on its own (on a new connection when the relay dropped
    # it), within the one attempt of the activity.
    assert attempts == 1
    assert len(counts) == len(recipients)
    assert statuses(engine) == {"sent": len(recipients)}
    if store_class is DroppingAfterKeeping:
        # The one window for a duplicate: kept by the server, not yet recorded as sent. The
        # duplicate carries the same Message-ID, so mail clients show it once.
        assert sorted(counts.values()) == [1] * (len(recipients) - 1) + [2]
    else:
        assert set(counts.values()) == {1}


async def test_a_database_failure_mid_outcome_leaves_the_previous_one_whole(
    database_url: str, tmp_path: Path
) -> None:
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["94"], desks=["1.01"]))
    engine = connect(database_url)
    records = RecordActivities(engine)
    records.register_cycle(RegisterCycle(cycle=cycle))
    session = plan_and_store(engine, cycle)[0]
    at = datetime(2022, 2, 21, 10, tzinfo=ZoneInfo("Asia/Jakarta"))
    records.record_outcome(outcome_record(session.id, "1.01", ["A-1", "A-2"], at))

    def fail_on_session_update(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE SESSIONS"):
            raise OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))

    # The correction fails at its last step, after its items were written in the transaction.
    event.listen(engine, "before_cursor_execute", fail_on_session_update)
    with pytest.raises(OperationalError):
        records.record_outcome(outcome_record(session.id, "1.01", ["B-1", "B-2", "B-3"], at))
    event.remove(engine, "before_cursor_execute", fail_on_session_update)
    with DbSession(engine) as db:
        assert sorted(db.scalars(select(OutcomeItemRow.ref))) == ["A-1", "A-2"]
    # The retry writes it whole.
    records.record_outcome(outcome_record(session.id, "1.01", ["B-1", "B-2", "B-3"], at))
    with DbSession(engine) as db:
        assert sorted(db.scalars(select(OutcomeItemRow.ref))) == ["B-1", "B-2", "B-3"]
        assert db.get(SessionRow, session.id).state == "outcome_recorded"  # type: ignore[union-attr]
    engine.dispose()


async def test_outcomes_written_together_fail_whole_and_keep_their_order(
    database_url: str, tmp_path: Path
) -> None:
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["94"], desks=["1.01", "W.02"]))
    engine = connect(database_url)
    records = RecordActivities(engine)
    records.register_cycle(RegisterCycle(cycle=cycle))
    sessions = {s.desk: s for s in plan_and_store(engine, cycle)}
    at = datetime(2022, 2, 21, 10, tzinfo=ZoneInfo("Asia/Jakarta"))
    first, second = sessions["1.01"], sessions["W.02"]
    together = OutcomeRecords(
        outcomes=[
            outcome_record(first.id, "1.01", ["A-1"], at),
            outcome_record(second.id, "W.02", ["C-1"], at),
            # A correction of the first, recorded after it: it is the one that stays.
            outcome_record(first.id, "1.01", ["B-1", "B-2"], at),
        ]
    )

    def fail_on_second_session(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE SESSIONS") and second.id in str(params):
            raise OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))

    event.listen(engine, "before_cursor_execute", fail_on_second_session)
    with pytest.raises(OperationalError):
        records.record_outcomes(together)
    event.remove(engine, "before_cursor_execute", fail_on_second_session)
    with DbSession(engine) as db:
        assert list(db.scalars(select(OutcomeItemRow.ref))) == []
    records.record_outcomes(together)
    with DbSession(engine) as db:
        assert sorted(db.scalars(select(OutcomeItemRow.ref))) == ["B-1", "B-2", "C-1"]
        states = {s.id: s.state for s in db.scalars(select(SessionRow))}
        assert states[first.id] == states[second.id] == "outcome_recorded"
    engine.dispose()


def test_a_locked_sqlite_database_makes_the_write_wait_not_fail(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = fresh_database_url(request, "sqlite", tmp_path)
    cycle = load_cycle(write_cycle(tmp_path / "cycle", ["94"], desks=["1.01"]))
    engine = connect(url)
    records = RecordActivities(engine)
    records.register_cycle(RegisterCycle(cycle=cycle))
    session = plan_and_store(engine, cycle)[0]
    # Another process (a status reader turned writer, a backup) holds the write lock for a second.
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    threading.Timer(1.0, holder.rollback).start()
    at = datetime(2022, 2, 21, 10, tzinfo=ZoneInfo("Asia/Jakarta"))
    began = time.monotonic()
    records.record_outcome(outcome_record(session.id, "1.01", ["A-1"], at))
    waited = time.monotonic() - began
    holder.close()
    assert waited >= 0.9
    with DbSession(engine) as db:
        assert list(db.scalars(select(OutcomeItemRow.ref))) == ["A-1"]
