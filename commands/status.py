"""The state of a cycle, read from the database (it answers even when no worker runs)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mail.dates import short_datetime
from models.clock import MAX_SPEED
from models.messages import MailKind
from models.stages import SessionState, Stage
from models.status import CycleStatus, ProvinceOverview, ProvinceStatus, SessionStatus
from store.database import utc
from store.tables import (
    AttendanceRow,
    ConfirmationRow,
    CycleRow,
    DelegationRow,
    DeskRow,
    OutboxRow,
    OutcomeItemRow,
    ProposalRow,
    ProvinceProgressRow,
    ReplyRow,
    SessionRow,
    SignatureRow,
    WriteFailureRow,
)


def latest_year(engine: Engine) -> int | None:
    with Session(engine) as db:
        return db.scalar(select(func.max(CycleRow.year)))


def calendar_now(cycle: CycleRow, known: datetime | None = None, real: datetime | None = None) -> datetime:
    """The cycle's calendar time (naive UTC): ``known`` when the cycle workflow told it, else
    wall-clock time (or ``real``, the Temporal server's time where it keeps its own), or a
    rehearsal's compressed time from the clock it recorded."""
    if known is not None:
        return utc(known)
    now = utc(real or datetime.now(UTC))
    if cycle.calendar_origin is None or cycle.real_origin is None or cycle.speed is None:
        return now
    if cycle.speed >= MAX_SPEED:
        # As fast as the machine goes: no clock to read it from; each workflow knows its own.
        return cycle.calendar_origin
    return cycle.calendar_origin + (now - cycle.real_origin) * cycle.speed


def live_calendar_now(cycle: CycleRow, told: datetime | None) -> datetime:
    """The calendar time to show beside live workflow state. ``told``: what the cycle workflow
    last told. A workflow's time stands still between its tasks (for minutes while the cycle
    waits for its provinces), so the clock the cycle recorded is taken when it is later; on a
    time-skipping server the workflow runs ahead of that clock, and is believed."""
    clock = calendar_now(cycle)
    return clock if told is None else max(utc(told), clock)


def overdue_steps(
    cycle: CycleRow, stage: str, now: datetime, sessions_past: int, signed: list[str]
) -> list[str]:
    """What a province should have done by the cycle's calendar time and has not."""
    late = []
    if stage == Stage.DATA_ENTRY and cycle.data_entry_deadline and now > cycle.data_entry_deadline:
        late.append("proposals")
    if stage == Stage.DESK_SESSIONS and sessions_past:
        late.append(f"{sessions_past} desk outcomes")
    if stage == Stage.CONFIRMATION and cycle.confirmation_deadline and now > cycle.confirmation_deadline:
        late.append("confirmations")
    if stage == Stage.SIGN_OFF and cycle.sign_off_deadline and now > cycle.sign_off_deadline:
        late += [f"{party} signature" for party in ("regional", "central") if party not in signed]
    return late


def cycle_status(engine: Engine, year: int, calendar: datetime | None = None) -> CycleStatus:
    with Session(engine) as db:
        cycle = db.get(CycleRow, year)
        if cycle is None:
            raise LookupError(f"no cycle {year} in the database")
        now = calendar_now(cycle, calendar)
        # Sessions whose end has passed without an outcome (a cancelled one is not owed).
        past_without_outcome = Counter(
            db.scalars(
                select(SessionRow.province).where(
                    SessionRow.year == year,
                    SessionRow.ends_at < now,
                    SessionRow.state.not_in(
                        [SessionState.OUTCOME_RECORDED.value, SessionState.CANCELLED.value]
                    ),
                )
            )
        )
        provinces = list(
            db.scalars(
                select(ProvinceProgressRow)
                .where(ProvinceProgressRow.year == year)
                .order_by(ProvinceProgressRow.province)
            )
        )
        sessions = Counter(
            (province, state)
            for province, state in db.execute(
                select(SessionRow.province, SessionRow.state).where(SessionRow.year == year)
            )
        )
        proposals = Counter(db.scalars(select(ProposalRow.province).where(ProposalRow.year == year)))
        agreed = Counter(
            db.scalars(
                select(OutcomeItemRow.province).where(
                    OutcomeItemRow.year == year, OutcomeItemRow.status != "not_agreed"
                )
            )
        )
        confirmed = Counter(db.scalars(select(ConfirmationRow.province).where(ConfirmationRow.year == year)))
        signed: dict[str, list[str]] = {}
        for province, party in db.execute(
            select(SignatureRow.province, SignatureRow.party).where(SignatureRow.year == year)
        ):
            signed.setdefault(province, []).append(party)
        failed = Counter(
            db.scalars(select(OutboxRow.province).where(OutboxRow.year == year, OutboxRow.status == "failed"))
        )
        outbox = dict(
            db.execute(
                select(OutboxRow.status, func.count())
                .where(OutboxRow.year == year)
                .group_by(OutboxRow.status)
            ).all()
        )
        present = Counter(
            db.scalars(
                select(SessionRow.province)
                .join(
                    AttendanceRow,
                    (AttendanceRow.year == SessionRow.year) & (AttendanceRow.subject == SessionRow.id),
                )
                .where(SessionRow.year == year)
            )
        )
        pre_meeting_present = db.scalar(
            select(func.count()).where(AttendanceRow.year == year, AttendanceRow.subject == f"{year}-pra")
        )
        delegations = Counter(db.scalars(select(DelegationRow.province).where(DelegationRow.year == year)))
        failed_writes = Counter(
            db.scalars(select(WriteFailureRow.province).where(WriteFailureRow.year == year))
        )

    rows = []
    for p in provinces:
        total = sum(n for (code, _), n in sessions.items() if code == p.province)
        done = sessions[(p.province, SessionState.OUTCOME_RECORDED.value)]
        cancelled = sessions[(p.province, SessionState.CANCELLED.value)]
        pending: list[str] = []
        if p.stage == Stage.DATA_ENTRY and not proposals[p.province]:
            pending.append("proposals")
        elif p.stage == Stage.DESK_SESSIONS:
            pending.append(f"{total - done - cancelled} desk outcomes")
        elif p.stage == Stage.CONFIRMATION:
            pending.append(f"{agreed[p.province] - confirmed[p.province]} confirmations")
        elif p.stage == Stage.SIGN_OFF:
            pending += [
                f"{party} signature"
                for party in ("regional", "central")
                if party not in signed.get(p.province, [])
            ]
        rows.append(
            ProvinceOverview(
                code=p.province,
                name=p.name,
                zone=p.zone,
                stage=p.stage,
                stage_since=p.stage_since.isoformat() + "Z",
                sessions_done=done,
                sessions_total=total,
                sessions_cancelled=cancelled,
                proposals=proposals[p.province],
                items_agreed=agreed[p.province],
                items_confirmed=confirmed[p.province],
                signatures=sorted(signed.get(p.province, [])),
                pending=pending,
                overdue=overdue_steps(
                    cycle, p.stage, now, past_without_outcome[p.province], signed.get(p.province, [])
                ),
                failed_deliveries=failed[p.province],
                present=present[p.province],
                delegations=delegations[p.province],
                failed_writes=failed_writes[p.province],
            )
        )
    return CycleStatus(
        year=year,
        name=cycle.name,
        calendar_now=now.isoformat() + "Z",
        pre_meeting_attended=cycle.attended,
        pre_meeting_checked_in=pre_meeting_present or 0,
        stages=dict(Counter(r.stage for r in rows)),
        outbox=outbox,
        provinces=rows,
    )


SESSION_MAIL = (MailKind.SESSION_INVITE, MailKind.SESSION_UPDATE, MailKind.SESSION_CANCEL)


def province_status(engine: Engine, year: int, code: str, calendar: datetime | None = None) -> ProvinceStatus:
    """One province in detail: the overview row, and every session with its mail, replies and outcome."""
    overview = next((p for p in cycle_status(engine, year, calendar).provinces if p.code == code), None)
    if overview is None:
        raise LookupError(f"no province {code} in cycle {year}")
    with Session(engine) as db:
        cycle = db.get(CycleRow, year)
        assert cycle is not None
        now = calendar_now(cycle, calendar)
        desks = dict(db.execute(select(DeskRow.code, DeskRow.name).where(DeskRow.year == year)).all())
        sessions = list(
            db.scalars(
                select(SessionRow)
                .where(SessionRow.year == year, SessionRow.province == code)
                .order_by(SessionRow.starts_at, SessionRow.desk)
            )
        )
        mail = Counter(
            (session_id, status)
            for session_id, status in db.execute(
                select(OutboxRow.session_id, OutboxRow.status).where(
                    OutboxRow.year == year,
                    OutboxRow.province == code,
                    OutboxRow.kind.in_([k.value for k in SESSION_MAIL]),
                )
            )
        )
        replies = Counter(
            (subject, partstat)
            for subject, partstat in db.execute(
                select(ReplyRow.subject, ReplyRow.partstat).where(ReplyRow.year == year)
            )
        )
        present = Counter(
            db.execute(
                select(AttendanceRow.subject, AttendanceRow.mode).where(AttendanceRow.year == year)
            ).all()
        )
        items = Counter(
            db.scalars(
                select(OutcomeItemRow.desk).where(
                    OutcomeItemRow.year == year, OutcomeItemRow.province == code
                )
            )
        )
    rows = []
    for s in sessions:
        starts = s.starts_at.replace(tzinfo=UTC)
        rows.append(
            SessionStatus(
                id=s.id,
                desk=s.desk,
                desk_name=desks.get(s.desk, s.desk),
                starts_at=starts.isoformat(),
                venue_time=short_datetime(starts, cycle.venue_zone),
                province_time=short_datetime(starts, overview.zone),
                room=s.room,
                sequence=s.sequence,
                state=s.state,
                invitation={
                    status: n for (session_id, status), n in sorted(mail.items()) if session_id == s.id
                },
                replies={
                    partstat: n for (subject, partstat), n in sorted(replies.items()) if subject == s.id
                },
                outcome_items=items[s.desk],
                attendance={mode: n for (subject, mode), n in sorted(present.items()) if subject == s.id},
                overdue=s.ends_at < now
                and s.state not in (SessionState.OUTCOME_RECORDED, SessionState.CANCELLED),
            )
        )
    return ProvinceStatus(
        **overview.model_dump(), year=year, calendar_now=now.isoformat() + "Z", sessions=rows
    )
