"""What a person's Beranda shows: their sessions, the pre-meeting, and what is theirs to do.

Read from the database, which the workflows keep current: a session moved or cancelled shows
as such the moment its change is recorded.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session, aliased

from commands.status import calendar_now
from mail.dates import letter_datetime
from models.cycle import Cycle
from models.reference import ZONE_ABBREVIATION
from models.stages import SessionState
from portal.actions import ANSWERS
from portal.visitors import Visitor
from rules.desk_sessions import CHECK_IN_OPENS
from store.database import utc
from store.tables import (
    AttendanceRow,
    CycleRow,
    DelegationRow,
    DeskRow,
    LinkRevocationRow,
    ParticipantRow,
    ProvinceProgressRow,
    ReplyRow,
    SessionInviteeRow,
    SessionRow,
)

OPEN_STATES = (SessionState.SCHEDULED.value, SessionState.INVITED.value)
"""A session whose invitation may still be answered."""


@dataclass(frozen=True)
class Moment:
    """A time as the reader reads it, and at the venue when that reads otherwise."""

    mine: str
    venue: str | None

    @classmethod
    def of(cls, moment: datetime, reader_zone: str, venue_zone: str, language: str) -> Moment:
        mine = letter_datetime(moment, reader_zone, language)
        # Asia/Pontianak reads WIB like Jakarta: one time is enough when the labels agree.
        same = ZONE_ABBREVIATION.get(reader_zone, reader_zone) == ZONE_ABBREVIATION.get(
            venue_zone, venue_zone
        )
        return cls(mine, None if same else letter_datetime(moment, venue_zone, language))


@dataclass(frozen=True)
class SessionCard:
    id: str
    desk: str
    desk_title: str
    province: str
    province_name: str
    starts: Moment
    room: str
    venue: str
    online_link: str
    state: str
    sequence: int
    answer: str | None
    """The person's latest answer (ACCEPTED:onsite, ACCEPTED:online, TENTATIVE, DECLINED, or
    ACCEPTED from a calendar's reply), if any."""

    @property
    def rescheduled(self) -> bool:
        return self.sequence > 0 and self.state != SessionState.CANCELLED.value

    ended: bool = False
    check_in_open: bool = False
    """From half an hour before the session until its end, unless it is cancelled."""
    checked_in: str | None = None
    """onsite or online, once the person said "Saya hadir"."""
    delegated_to: str | None = None
    """The name of whom the person passed this session on to (disposisi)."""
    stands_in_for: str | None = None
    """The name of whom the person stands in for here."""

    @property
    def answerable(self) -> bool:
        return self.state in OPEN_STATES and not self.ended


@dataclass(frozen=True)
class PreMeetingCard:
    subject: str
    """The pre-meeting's id in replies: YEAR-pra."""
    starts: Moment
    studio: str
    online_link: str
    answer: str | None
    answerable: bool
    check_in_open: bool = False
    checked_in: str | None = None


@dataclass(frozen=True)
class Home:
    cycle_name: str
    year: int
    pre_meeting: PreMeetingCard | None
    sessions: list[SessionCard]


@dataclass(frozen=True)
class JustDone:
    """What the person did a moment ago, read from the address they were sent back to.

    The workflow accepted it, and its row reaches the database a moment later: the page shows
    it at once rather than the state from before the click.
    """

    answered: tuple[str, str] | None = None
    """The subject (a session id or YEAR-pra) and the answer."""
    present: tuple[str, str] | None = None
    """The subject and how the person is present (onsite or online)."""

    @classmethod
    def of(cls, query: Mapping[str, str]) -> JustDone:
        answered = (query["dijawab"], query.get("jawaban", "")) if "dijawab" in query else None
        present = (query["hadir"], query.get("cara", "")) if "hadir" in query else None
        return cls(answered, present)

    def shown_on(self, home: Home) -> Home:
        def card(subject: str, answer: str | None, checked_in: str | None) -> dict[str, str | None]:
            changes: dict[str, str | None] = {}
            if self.answered and self.answered[0] == subject and self.answered[1] in ANSWERS:
                changes["answer"] = self.answered[1]
            if self.present and self.present[0] == subject and not checked_in:
                if self.present[1] in ("onsite", "online"):
                    changes["checked_in"] = self.present[1]
            return changes

        pre = home.pre_meeting
        if pre is not None:
            pre = replace(pre, **card(pre.subject, pre.answer, pre.checked_in))  # type: ignore[arg-type]
        sessions = [replace(s, **card(s.id, s.answer, s.checked_in)) for s in home.sessions]  # type: ignore[arg-type]
        return replace(home, pre_meeting=pre, sessions=sessions)


CYCLE_KEPT_SECONDS = 60.0
_cycles: dict[tuple[str, int], tuple[float, Cycle]] = {}


def cycle_of(engine: Engine, year: int) -> Cycle | None:
    """The cycle as loaded from its file. A 910-person cycle's definition is about 300 KB: it is
    read and parsed once a minute per process, not on every page."""
    key = (str(engine.url), year)
    kept = _cycles.get(key)
    if kept is not None and time.monotonic() - kept[0] < CYCLE_KEPT_SECONDS:
        return kept[1]
    with Session(engine) as db:
        definition = db.scalar(select(CycleRow.definition).where(CycleRow.year == year))
    if definition is None:
        return None
    cycle = Cycle.model_validate_json(definition)
    _cycles[key] = (time.monotonic(), cycle)
    return cycle


def session_of(engine: Engine, visitor: Visitor, session_id: str) -> SessionRow | None:
    """One of the visitor's own sessions, or None (another person's is not theirs to see)."""
    with Session(engine) as db:
        invited = db.get(SessionInviteeRow, (visitor.year, session_id, visitor.id))
        return None if invited is None else db.get(SessionRow, session_id)


def _invited(year: int, participant: str) -> Select[SessionRow]:
    return (
        select(SessionRow)
        .join(
            SessionInviteeRow,
            (SessionInviteeRow.session_id == SessionRow.id) & (SessionInviteeRow.year == year),
        )
        .where(SessionInviteeRow.participant == participant)
        .order_by(SessionRow.starts_at, SessionRow.desk)
    )


def sessions_of(engine: Engine, year: int, participant: str) -> tuple[str, str, list[SessionRow]] | None:
    """A person's name, language and sessions (for their calendar feed), or None if unknown or
    their links were revoked."""
    with Session(engine) as db:
        person = db.get(ParticipantRow, (year, participant))
        if person is None or db.get(LinkRevocationRow, (year, participant)) is not None:
            return None
        language = person.language if person.language in ("id", "en") else "id"
        return person.name, language, list(db.scalars(_invited(year, participant)))


def delegations_of(db: Session, year: int, person: str) -> tuple[dict[str, str], dict[str, str]]:
    """Subject → the name of whom ``person`` passed it to, and subject → whom they stand in for."""
    delegate = aliased(ParticipantRow)
    delegator = aliased(ParticipantRow)
    rows = db.execute(
        select(DelegationRow.subject, DelegationRow.delegator, delegate.name, delegator.name)
        .join(delegate, (delegate.year == DelegationRow.year) & (delegate.id == DelegationRow.delegate))
        .join(delegator, (delegator.year == DelegationRow.year) & (delegator.id == DelegationRow.delegator))
        .where(
            DelegationRow.year == year,
            (DelegationRow.delegator == person) | (DelegationRow.delegate == person),
        )
    ).all()
    passed = {subject: to for subject, by, to, _ in rows if by == person}
    standing = {subject: by_name for subject, by, _, by_name in rows if by != person}
    return passed, standing


def home_of(engine: Engine, visitor: Visitor, real_now: datetime | None = None) -> Home:
    """``real_now``: the Temporal server's time, where it is not the wall clock's."""
    year, language = visitor.year, visitor.language
    with Session(engine) as db:
        cycle_row = db.get(CycleRow, year)
        assert cycle_row is not None
        sessions = list(db.scalars(_invited(year, visitor.id)))
        cycle = cycle_of(engine, year)
        # The cycle's desks and provinces from its definition, read once a minute (cycle_of):
        # two queries fewer on the page every participant opens most.
        if cycle is not None:
            desks = {d.code: d.title for d in cycle.desks}
            provinces = {p.code: p.name for p in cycle.provinces}
        else:
            desks = dict(db.execute(select(DeskRow.code, DeskRow.title).where(DeskRow.year == year)).all())
            provinces = dict(
                db.execute(
                    select(ProvinceProgressRow.province, ProvinceProgressRow.name).where(
                        ProvinceProgressRow.year == year
                    )
                ).all()
            )
        present = dict(
            db.execute(
                select(AttendanceRow.subject, AttendanceRow.mode).where(
                    AttendanceRow.year == year, AttendanceRow.participant == visitor.id
                )
            ).all()
        )
        delegated_to, stands_in_for = delegations_of(db, year, visitor.id)
        answers = {
            subject: f"{partstat}:{mode}" if mode else partstat
            for subject, partstat, mode in db.execute(
                select(ReplyRow.subject, ReplyRow.partstat, ReplyRow.mode).where(
                    ReplyRow.year == year, ReplyRow.participant == visitor.id
                )
            )
        }
    venue_zone = cycle_row.venue_zone
    now = calendar_now(cycle_row, real=real_now)
    cards = [
        SessionCard(
            id=s.id,
            desk=s.desk,
            desk_title=desks.get(s.desk, s.desk),
            province=s.province,
            province_name=provinces.get(s.province, s.province),
            starts=Moment.of(s.starts_at.replace(tzinfo=UTC), visitor.zone, venue_zone, language),
            room=s.room,
            venue=cycle_row.venue,
            online_link=s.online_link,
            state=s.state,
            sequence=s.sequence,
            answer=answers.get(s.id),
            ended=s.ends_at <= now,
            check_in_open=s.state != SessionState.CANCELLED.value
            and s.starts_at - CHECK_IN_OPENS <= now <= s.ends_at,
            checked_in=present.get(s.id),
            delegated_to=delegated_to.get(s.id),
            stands_in_for=stands_in_for.get(s.id),
        )
        for s in sessions
    ]
    pre_meeting = None
    # A delegate stands in at a session, not at the pre-meeting, to which the directory was invited.
    if cycle is not None and any(p.id == visitor.id for p in cycle.participants):
        pre = cycle.pre_meeting
        subject = f"{year}-pra"
        pre_meeting = PreMeetingCard(
            subject=subject,
            starts=Moment.of(pre.starts_at, visitor.zone, venue_zone, language),
            studio=pre.host_studio,
            online_link=pre.online_link,
            answer=answers.get(subject),
            answerable=utc(pre.ends_at) > now,
            check_in_open=utc(pre.starts_at - CHECK_IN_OPENS) <= now <= utc(pre.ends_at),
            checked_in=present.get(subject),
        )
    return Home(cycle_name=cycle_row.name, year=year, pre_meeting=pre_meeting, sessions=cards)
