"""Who has not acted yet, step by step, and each province's deadlines: what the chasing and the
deadlines pages list. Read from the database; the workflow decides again, when the reminder is
sent, who it goes to (rules/organizer.py, ``chased``), from the same facts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from console.slots import aware
from models.cycle import Cycle
from models.participants import Role
from models.stages import ChaseStep, DeadlineStep, Party, SessionState, Stage
from schedule.reminders import reminder_moments
from store.tables import (
    ConfirmationRow,
    CycleRow,
    DelegationRow,
    OutcomeItemRow,
    ParticipantRow,
    ProposalRow,
    ProvinceProgressRow,
    ReplyRow,
    SessionInviteeRow,
    SessionRow,
    SignatureRow,
)

HEADS = (Role.REGIONAL_SIGNER.value, Role.PROVINCE_COORDINATOR.value)
"""Who a province's letters go to (ProvinceProgress.delegation_heads)."""


@dataclass(frozen=True)
class Waiting:
    province: str
    person: str
    name: str
    organisation: str
    what: str
    """The session's desk (answers), the unconfirmed items' count (confirmation), or the party."""
    deadline: datetime


def deadlines_of(engine: Engine, year: int) -> dict[str, dict[DeadlineStep, datetime]]:
    """Each province's deadlines (aware, UTC): the cycle's, or the one an organizer extended."""
    with Session(engine) as db:
        cycle = db.get(CycleRow, year)
        assert cycle is not None
        rows = db.scalars(select(ProvinceProgressRow).where(ProvinceProgressRow.year == year)).all()
        found = {}
        for row in rows:
            found[row.province] = {
                step: aware(
                    getattr(row, f"{step.field}_deadline") or getattr(cycle, f"{step.field}_deadline")
                )
                for step in DeadlineStep
            }
    return found


def waiting_for(engine: Engine, cycle: Cycle, now: datetime) -> dict[ChaseStep, list[Waiting]]:
    """Everyone who has not yet done each step, with the deadline they are chased to."""
    year = cycle.year
    deadlines = deadlines_of(engine, year)
    with Session(engine) as db:
        stages = {
            r.province: r.stage
            for r in db.scalars(select(ProvinceProgressRow).where(ProvinceProgressRow.year == year))
        }
        people = {p.id: p for p in db.scalars(select(ParticipantRow).where(ParticipantRow.year == year))}
        heads: dict[str, list[str]] = defaultdict(list)
        for p in people.values():
            if p.province and p.role in HEADS:
                heads[p.province].append(p.id)
        found: dict[ChaseStep, list[Waiting]] = {step: [] for step in ChaseStep}

        def add(step: ChaseStep, province: str, person: str, what: str, deadline: datetime) -> None:
            p = people[person]
            found[step].append(Waiting(province, person, p.name, p.organisation, what, deadline))

        # Answers: invitees of sessions still to come, once the invitations are out.
        answered = {
            (r.subject, r.participant) for r in db.scalars(select(ReplyRow).where(ReplyRow.year == year))
        }
        delegated = {
            (d.subject, d.delegator)
            for d in db.scalars(select(DelegationRow).where(DelegationRow.year == year))
        }
        sessions = {
            s.id: s
            for s in db.scalars(
                select(SessionRow).where(
                    SessionRow.year == year,
                    SessionRow.state == SessionState.SCHEDULED.value,
                    SessionRow.starts_at > now.astimezone(UTC).replace(tzinfo=None),
                )
            )
            if stages.get(s.province) not in (None, Stage.PRE_MEETING.value)
        }
        desks = {d.code: d.title for d in cycle.desks}
        reminders = cycle.reminders
        for invitee in db.scalars(select(SessionInviteeRow).where(SessionInviteeRow.year == year)):
            session = sessions.get(invitee.session_id)
            key = (invitee.session_id, invitee.participant)
            if session is None or key in answered or key in delegated:
                continue
            (_, day_before), _ = reminder_moments(
                aware(session.starts_at),
                cycle.desk_sessions.venue_zone,
                reminders.day_before_at,
                reminders.minutes_before,
            )
            what = desks.get(session.desk, session.desk)
            add(ChaseStep.REPLY, session.province, invitee.participant, what, max(day_before, now))

        proposed = set(db.scalars(select(ProposalRow.province).where(ProposalRow.year == year)))
        agreed: dict[str, set[str]] = defaultdict(set)
        for item in db.scalars(select(OutcomeItemRow).where(OutcomeItemRow.year == year)):
            if item.status != "not_agreed":
                agreed[item.province].add(item.ref)
        confirmed: dict[str, set[str]] = defaultdict(set)
        for c in db.scalars(select(ConfirmationRow).where(ConfirmationRow.year == year)):
            confirmed[c.province].add(c.ref)
        signed: dict[str, set[str]] = defaultdict(set)
        for s in db.scalars(select(SignatureRow).where(SignatureRow.year == year)):
            signed[s.province].add(s.party)
        entry_delegates = {
            d.province: d.delegate
            for d in db.scalars(select(DelegationRow).where(DelegationRow.year == year))
            if d.subject.endswith("-usulan")
        }
    central = [p.id for p in people.values() if p.role == Role.CENTRAL_SIGNER.value]
    for province, stage in sorted(stages.items()):
        due = deadlines[province]
        if stage == Stage.DATA_ENTRY.value and province not in proposed:
            for person in [
                *heads[province],
                *([entry_delegates[province]] if province in entry_delegates else []),
            ]:
                add(ChaseStep.PROPOSALS, province, person, "", due[DeadlineStep.DATA_ENTRY])
        open_items = agreed[province] - confirmed[province]
        if stage == Stage.CONFIRMATION.value and open_items:
            for person in heads[province]:
                add(
                    ChaseStep.CONFIRMATION,
                    province,
                    person,
                    str(len(open_items)),
                    due[DeadlineStep.CONFIRMATION],
                )
        if stage == Stage.SIGN_OFF.value:
            for party in Party:
                if party.value in signed[province]:
                    continue
                signers = (
                    [p for p in heads[province] if people[p].role == Role.REGIONAL_SIGNER.value]
                    if party is Party.REGIONAL
                    else central
                )
                for person in signers:
                    add(ChaseStep.SIGNATURE, province, person, party.value, due[DeadlineStep.SIGN_OFF])
    return found
