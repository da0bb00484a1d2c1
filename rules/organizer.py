"""What only organizers do to a running province: send an invitation again, chase those who have
not acted, extend a deadline, change the directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from models.organizer_actions import (
    ChangeDirectory,
    Chase,
    DirectoryChangeKind,
    ExtendDeadline,
    ResendInvitation,
)
from models.participants import Participant, Role
from models.progress import ProvinceProgress
from models.sessions import DeskSession
from models.stages import ChaseStep, DeadlineStep, SessionState, Stage
from rules.access import province_actor, refuse, require_plan, require_role
from rules.desk_sessions import session_of
from schedule.reminders import reminder_moments


class Acting(Protocol):
    @property
    def actor(self) -> str: ...
    @property
    def token(self) -> str | None: ...


def organizer(progress: ProvinceProgress, update: Acting, now: datetime, action: str) -> Participant:
    require_plan(progress)
    person = province_actor(progress, update.actor, update.token, now)
    require_role(person, (Role.ORGANIZER,), action)
    return person


def check_resend(progress: ProvinceProgress, update: ResendInvitation, now: datetime) -> Participant:
    """An invitation that has gone out, of a session still to come, to one of its invitees."""
    person = organizer(progress, update, now, "resend an invitation")
    session = session_of(progress, update.desk)
    if update.participant not in session.recipients:
        raise refuse(
            f"{update.participant} is not invited to the session at desk {update.desk}",
            "resend_not_invited",
            person=update.participant,
            desk=update.desk,
        )
    if session.state is SessionState.SCHEDULED:
        raise refuse(
            f"the session at desk {update.desk} has not been sent out yet: its invitation goes to "
            "everyone when the schedule is out",
            "resend_not_sent",
            desk=update.desk,
        )
    if session.taken_place:
        raise refuse(f"the session at desk {update.desk} has already been held", "held", desk=update.desk)
    return person


@dataclass(frozen=True)
class Chased:
    """Who a reminder goes to, by when they should act, and (answers) for which session."""

    recipients: list[str]
    deadline_at: datetime
    session: DeskSession | None = None
    count: int = 0


def chased(
    progress: ProvinceProgress, step: ChaseStep, now: datetime, desk: str | None = None
) -> list[Chased]:
    """Everyone of the province who has not yet done ``step``, as the workflow knows it now."""
    deadlines = progress.deadlines
    if step is ChaseStep.REPLY:
        lists = []
        for code in sorted(progress.sessions) if desk is None else [desk]:
            session = progress.sessions[code]
            if session.state is not SessionState.INVITED or session.starts_at <= now:
                continue
            answered = progress.replies.get(code, {})
            waiting = [r for r in session.recipients if r not in answered]
            day_before, _ = reminder_moments(
                session.starts_at,
                progress.input.venue_zone,
                progress.input.reminders.day_before_at,
                progress.input.reminders.minutes_before,
            )
            if waiting:
                lists.append(Chased(waiting, max(day_before[1], now), session))
        return lists
    if step is ChaseStep.PROPOSALS:
        if progress.stage is not Stage.DATA_ENTRY or progress.proposals:
            return []
        delegates = list(progress.delegations.get("", {}).values())
        return [Chased([*progress.delegation_heads(), *delegates], deadlines.data_entry)]
    if step is ChaseStep.CONFIRMATION:
        unconfirmed = progress.unconfirmed_refs()
        if progress.stage is not Stage.CONFIRMATION or not unconfirmed:
            return []
        return [Chased(progress.delegation_heads(), deadlines.confirmation, count=len(unconfirmed))]
    if progress.stage is not Stage.SIGN_OFF or progress.document is None:
        return []
    signers = [s for party in progress.unsigned() for s in progress.signers(party)]
    return [Chased(signers, deadlines.sign_off)] if signers else []


def check_chase(progress: ProvinceProgress, update: Chase, now: datetime) -> list[Chased]:
    organizer(progress, update, now, "send reminders")
    if update.desk is not None:
        if update.step is not ChaseStep.REPLY:
            raise refuse("a desk narrows a chase for answers only", "chase_desk")
        session_of(progress, update.desk)
    lists = chased(progress, update.step, now, update.desk)
    if not lists:
        raise refuse(
            f"nobody of province {progress.code} is waited for ({update.step.value})",
            "nobody_to_chase",
            step=update.step.value,
        )
    return lists


STEP_OPEN_UNTIL = {
    DeadlineStep.DATA_ENTRY: Stage.DATA_ENTRY,
    DeadlineStep.CONFIRMATION: Stage.CONFIRMATION,
    DeadlineStep.SIGN_OFF: Stage.SIGN_OFF,
}
"""The last stage in which each deadline can still move."""


def check_extend(progress: ProvinceProgress, update: ExtendDeadline, now: datetime) -> Participant:
    """A later deadline, still to come, for a step not yet over, that keeps the steps in order."""
    person = organizer(progress, update, now, "extend a deadline")
    until, step = update.until, update.step
    if until.tzinfo is None:
        raise refuse("the new deadline needs a time zone offset, e.g. 2022-03-07T16:00:00+07:00")
    if progress.reached(STEP_OPEN_UNTIL[step]) and progress.stage is not STEP_OPEN_UNTIL[step]:
        raise refuse(
            f"the step is over: province {progress.code} is in {progress.stage}",
            "deadline_step_over",
            stage=progress.stage.value,
        )
    current: datetime = getattr(progress.deadlines, step.field)
    if until <= current:
        raise refuse(
            f"{until.isoformat()} is not later than the deadline {current.isoformat()}",
            "deadline_not_later",
            at=current.isoformat(),
        )
    if until <= now:
        raise refuse(f"{until.isoformat()} is in the past", "deadline_past", at=now.isoformat())
    if step is DeadlineStep.DATA_ENTRY:
        starts = [s.starts_at for s in progress.sessions.values() if s.state is not SessionState.CANCELLED]
        if starts and until > min(starts):
            raise refuse(
                f"the data entry must close before the province's first desk session "
                f"({min(starts).isoformat()})",
                "deadline_after_sessions",
                at=min(starts).isoformat(),
            )
    if step is DeadlineStep.CONFIRMATION and until > progress.deadlines.sign_off:
        raise refuse(
            f"the confirmation must close before the sign-off deadline "
            f"({progress.deadlines.sign_off.isoformat()}): extend that first",
            "deadline_after_sign_off",
            at=progress.deadlines.sign_off.isoformat(),
        )
    ends = progress.input.deadlines.cycle_ends_at
    if step is DeadlineStep.SIGN_OFF and until >= ends:
        raise refuse(
            f"the links in people's mail stop acting at {ends.isoformat()}: the sign-off must close before",
            "deadline_after_links",
            at=ends.isoformat(),
        )
    return person


SEAT_FIELDS = ("role", "province", "desks")
"""What makes a person's place in the cycle: a replacement takes it as it is, a change of details
leaves it."""


def check_directory(progress: ProvinceProgress, update: ChangeDirectory, now: datetime) -> list[str]:
    """A change to the directory an organizer may make now; returns the desks whose sessions it
    touches (open ones: not yet held)."""
    organizer(progress, update, now, "change the directory")
    if progress.stage is Stage.COMPLETED:
        raise refuse(
            f"province {progress.code} has completed its cycle", "deadline_step_over", stage="COMPLETED"
        )
    person = update.person
    if person.province not in (None, progress.code):
        raise refuse(f"{person.id} belongs to province {person.province}, not {progress.code}")
    unknown = [d for d in person.desks if d not in progress.desks]
    if unknown:
        raise refuse(f"unknown desks {', '.join(unknown)}", "unknown_desks", desks=", ".join(unknown))
    open_desks = [d for d in sorted(progress.sessions) if not progress.sessions[d].taken_place]
    kind = update.kind
    if kind is DirectoryChangeKind.ADD:
        if person.id in progress.people:
            raise refuse(f"{person.id} is already in the directory", "already_listed", person=person.id)
        return [d for d in open_desks if d in person.desks]
    if kind is DirectoryChangeKind.UPDATE:
        known = progress.people.get(person.id)
        if known is None or person.id in progress.departed:
            raise refuse(f"{person.id} is not in the directory", "not_listed", person=person.id)
        if any(getattr(known, f) != getattr(person, f) for f in SEAT_FIELDS):
            raise refuse(
                "a change of details keeps the role, province and desks: replace the person instead",
                "seat_changed",
            )
        return [d for d in open_desks if person.id in progress.sessions[d].recipients]
    leaving = progress.people.get(update.replaces or "")
    if leaving is None or leaving.id in progress.departed:
        raise refuse(f"{update.replaces} is not in the directory", "not_listed", person=update.replaces or "")
    if person.id in progress.people:
        raise refuse(f"{person.id} is already in the directory", "already_listed", person=person.id)
    if any(getattr(leaving, f) != getattr(person, f) for f in SEAT_FIELDS):
        raise refuse(
            f"{person.id} must take {leaving.id}'s place as it is (role, province, desks)", "seat_changed"
        )
    return [d for d in open_desks if leaving.id in progress.sessions[d].recipients]
