"""Mail throughput: rakortek's send activity against a raw aiosmtplib loop on one connection.

Both send to the same SMTP server. The activity does everything a rehearsal's mail does per
message (outbox row, action token, the recipient's own text and calendar file, MIME); the raw
loop sends an already-made message of the same kind over and over.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiosmtplib
from temporalio.testing import ActivityEnvironment

from activities.messages import MessageActivities
from activities.records import RecordActivities
from bench.runs import BENCH_SECRET
from mail.compose import Recipient, Sender, compose, invitation
from mail.transport import SmtpConfig, SmtpPool
from models.cycle import Cycle
from models.messages import CalendarEvent, Mailings, MailKind, Outgoing, Region, SessionFacts
from models.records import RegisterCycle
from models.sessions import DeskSession
from schedule.plan import plan_sessions
from security.tokens import TokenIssuer, claims_for
from store.database import connect
from store.schema import upgrade
from workflows.cycle import pre_meeting_mail


def pre_meeting_invitations(cycle: Cycle) -> list[Outgoing]:
    """The pre-meeting invitation to everyone, in the cycle's own batches."""
    return pre_meeting_mail(cycle, MailKind.PRE_MEETING_INVITE, cycle.opens_at)


def session_mail(cycle: Cycle, sessions: int) -> list[Mailings]:
    """Invitations of the first sessions, as a province sends them when the schedule is out: all
    of a province's in one activity (workflows.batches), one mailing per session."""
    domain = cycle.organizer.mailbox.rsplit("@", 1)[-1]
    planned = plan_sessions(cycle)[:sessions]
    by_province: dict[str, list[Outgoing]] = {}
    for outgoing in session_invitations(cycle, planned, domain):
        by_province.setdefault(outgoing.province or "", []).append(outgoing)
    return [Mailings(items=items) for items in by_province.values()]


def session_invitations(cycle: Cycle, planned: list[DeskSession], domain: str) -> list[Outgoing]:
    return [
        Outgoing(
            year=cycle.year,
            organizer=cycle.organizer,
            kind=MailKind.SESSION_INVITE,
            subject_ref=s.id,
            province=s.province,
            session_id=s.id,
            recipients=s.recipients,
            event=CalendarEvent(
                uid=f"rakortek-{s.id}@{domain}",
                sequence=0,
                summary=f"Desk {s.desk}: Provinsi {s.province}",
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                zone=cycle.desk_sessions.venue_zone,
                location=f"{cycle.desk_sessions.venue}, {s.room}",
                online_link=s.online_link,
            ),
            facts=SessionFacts(
                region=Region(cycle_name=cycle.name, plan_year=cycle.plan_year, province_name=s.province),
                desk_title=s.desk,
                minutes_before=cycle.reminders.minutes_before,
            ),
            made_at=cycle.deadlines.data_entry,
            links_expire_at=cycle.deadlines.cycle_ends_at,
        )
        for s in planned
    ]


async def rakortek_rate(
    cycle: Cycle,
    mail: list[Outgoing] | list[Mailings],
    smtp_port: int,
    database: Path,
    together: bool = False,
) -> tuple[int, float]:
    """Messages sent and seconds taken by rakortek's send activities, one activity per item:
    an Outgoing alone (the pre-meeting's batches), or Mailings.

    ``together``: all items at once, as the workflows schedule them (the cycle sends its
    pre-meeting batches side by side, every province its own batch), sharing the worker's SMTP
    pool; otherwise one activity after another."""
    engine = connect(f"sqlite:///{database}")
    upgrade(engine)
    RecordActivities(engine).register_cycle(RegisterCycle(cycle=cycle))
    pool = SmtpPool(SmtpConfig(host="127.0.0.1", port=smtp_port))
    activities = MessageActivities(engine, pool, None, TokenIssuer(BENCH_SECRET))

    async def send(item: Outgoing | Mailings) -> int:
        runner = ActivityEnvironment()
        if isinstance(item, Mailings):
            return sum(r.sent for r in await runner.run(activities.send_mailings, item))
        return sum(r.sent for r in await runner.run(activities.send_mailings, Mailings(items=[item])))

    started = time.perf_counter()
    if together:
        sent = sum(await asyncio.gather(*(send(item) for item in mail)))
    else:
        sent = 0
        for item in mail:
            sent += await send(item)
    seconds = time.perf_counter() - started
    await pool.close()
    engine.dispose()
    return sent, seconds


async def raw_rate(smtp_port: int, message: bytes, count: int) -> float:
    """Seconds for ``count`` sends of one made message over one aiosmtplib connection."""
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=smtp_port)
    await client.connect()
    started = time.perf_counter()
    for n in range(count):
        await client.sendmail("no-reply@rakortek.test", [f"peserta{n}@rakortek.test"], message)
    seconds = time.perf_counter() - started
    await client.quit()
    return seconds


def sample_message(cycle: Cycle, item: Outgoing | Mailings) -> bytes:
    """One real message of this kind, as the activity makes it."""
    outgoing = item.items[0] if isinstance(item, Mailings) else item
    person = next(p for p in cycle.participants if p.id == outgoing.recipients[0])
    recipient = Recipient(person.id, person.name, person.email, person.language, person.zone, person.role)
    sender = Sender(cycle.organizer.name, cycle.organizer.mailbox, cycle.organizer.sender)
    calendar = invitation(outgoing, person.language, sender, [recipient])
    claims = claims_for(
        person.id, cycle.year, person.province, person.role, expires_at=cycle.deadlines.cycle_ends_at
    )
    token = TokenIssuer(BENCH_SECRET).issue(claims)
    return compose(outgoing, recipient, sender, calendar, [("action_token", token)])
