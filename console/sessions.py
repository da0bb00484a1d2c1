"""What the console shows of the sessions: the grid of provinces × desks, and one session with
its invitees, their answers, who was present and what it agreed. Read from the database, which
the workflows keep current."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from console.slots import aware
from models.cycle import Cycle
from models.stages import SessionState
from schedule.working_time import local_date
from store.tables import (
    AttendanceRow,
    DelegationRow,
    OutcomeItemRow,
    ParticipantRow,
    ReplyRow,
    SessionInviteeRow,
    SessionRow,
)


@dataclass(frozen=True)
class Cell:
    session_id: str
    state: str
    starts_at: datetime
    sequence: int


@dataclass(frozen=True)
class Grid:
    desks: list[tuple[str, str]]
    """(code, title): desk urusan first, then desk kewilayahan, as the cycle lists them."""
    provinces: list[tuple[str, str]]
    cells: dict[tuple[str, str], Cell]
    """(province, desk) → its session."""

    def with_states(self, live: dict[tuple[str, str], str]) -> Grid:
        """The grid with each session's state as its workflow has it, where it answered."""
        cells = {key: replace(cell, state=live.get(key, cell.state)) for key, cell in self.cells.items()}
        return replace(self, cells=cells)


def desks_in_order(cycle: Cycle) -> list[tuple[str, str]]:
    desks = sorted(cycle.desks, key=lambda d: (d.kind.value != "urusan", d.code))
    return [(d.code, d.title) for d in desks]


def grid_of(engine: Engine, cycle: Cycle) -> Grid:
    with Session(engine) as db:
        rows = db.scalars(select(SessionRow).where(SessionRow.year == cycle.year)).all()
    return Grid(
        desks=desks_in_order(cycle),
        provinces=[(p.code, p.title) for p in cycle.provinces],
        cells={(r.province, r.desk): Cell(r.id, r.state, aware(r.starts_at), r.sequence) for r in rows},
    )


@dataclass(frozen=True)
class Invitee:
    id: str
    name: str
    organisation: str
    role: str
    email: str
    answer: str | None
    """PARTSTAT (and how, for the portal's answers), or DELEGATED."""
    present: str | None
    """onsite or online, once checked in."""
    stands_in_for: str | None = None


@dataclass(frozen=True)
class SessionPage:
    row: SessionRow
    starts_at: datetime
    ends_at: datetime
    desk_title: str
    province_title: str
    invitees: list[Invitee]
    outcome: list[OutcomeItemRow] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(1 for i in self.invitees if i.answer)

    @property
    def present(self) -> int:
        return sum(1 for i in self.invitees if i.present)


def session_page(engine: Engine, cycle: Cycle, session_id: str) -> SessionPage | None:
    with Session(engine) as db:
        row = db.get(SessionRow, session_id)
        if row is None or row.year != cycle.year:
            return None
        invited = list(
            db.scalars(
                select(ParticipantRow)
                .join(
                    SessionInviteeRow,
                    (SessionInviteeRow.participant == ParticipantRow.id)
                    & (SessionInviteeRow.year == ParticipantRow.year),
                )
                .where(SessionInviteeRow.session_id == session_id, SessionInviteeRow.year == cycle.year)
            )
        )
        replies = {
            r.participant: r.partstat + (f":{r.mode}" if r.mode else "")
            for r in db.scalars(
                select(ReplyRow).where(ReplyRow.year == cycle.year, ReplyRow.subject == session_id)
            )
        }
        present = {
            a.participant: a.mode
            for a in db.scalars(
                select(AttendanceRow).where(
                    AttendanceRow.year == cycle.year, AttendanceRow.subject == session_id
                )
            )
        }
        delegations = list(
            db.scalars(
                select(DelegationRow).where(
                    DelegationRow.year == cycle.year, DelegationRow.subject == session_id
                )
            )
        )
        outcome = list(
            db.scalars(
                select(OutcomeItemRow)
                .where(
                    OutcomeItemRow.year == cycle.year,
                    OutcomeItemRow.province == row.province,
                    OutcomeItemRow.desk == row.desk,
                )
                .order_by(OutcomeItemRow.ref)
            )
        )
        db.expunge_all()
    delegated = {d.delegator: d.delegate for d in delegations}
    standing_in = {d.delegate: d.delegator for d in delegations}
    invitees = sorted(
        (
            Invitee(
                id=p.id,
                name=p.name,
                organisation=p.organisation,
                role=p.role,
                email=p.email,
                answer="DELEGATED" if p.id in delegated else replies.get(p.id),
                present=present.get(p.id),
                stands_in_for=standing_in.get(p.id),
            )
            for p in invited
        ),
        key=lambda i: (i.role, i.id),
    )
    desk = next((d.title for d in cycle.desks if d.code == row.desk), row.desk)
    province = next((p.title for p in cycle.provinces if p.code == row.province), row.province)
    return SessionPage(
        row=row,
        starts_at=aware(row.starts_at),
        ends_at=aware(row.ends_at),
        desk_title=desk,
        province_title=province,
        invitees=invitees,
        outcome=outcome,
    )


def open_sessions_on(
    engine: Engine, cycle: Cycle, day: date, *, desk: str | None = None, province: str | None = None
) -> list[SessionRow]:
    """The sessions still to be held (not cancelled) of one desk or one province on ``day`` (the
    venue's date)."""
    with Session(engine) as db:
        query = select(SessionRow).where(
            SessionRow.year == cycle.year,
            SessionRow.state.in_([SessionState.SCHEDULED.value, SessionState.INVITED.value]),
        )
        if desk is not None:
            query = query.where(SessionRow.desk == desk)
        if province is not None:
            query = query.where(SessionRow.province == province)
        rows = list(db.scalars(query.order_by(SessionRow.starts_at, SessionRow.province)))
        db.expunge_all()
    venue = cycle.desk_sessions.venue_zone
    return [r for r in rows if local_date(aware(r.starts_at), venue) == day]
