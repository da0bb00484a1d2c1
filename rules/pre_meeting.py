"""PRE_MEETING: the cycle-wide actions: the pre-meeting's attendance, check-ins and replies.

They belong to central roles: a province's token does not reach them.
"""

from __future__ import annotations

from datetime import datetime

from models.cycle import Cycle
from models.participants import Participant, Role
from models.workflow_io import CheckIn, ImportAttendance, RecordAttendance, RecordReply
from rules.access import actor_of, refuse, require_reply_token, require_role, require_token
from rules.desk_sessions import CHECK_IN_OPENS, check_report


def cycle_token(
    cycle: Cycle,
    token: str | None,
    now: datetime,
    holder: Participant | None = None,
    roles: tuple[Role, ...] = (),
) -> None:
    require_token(
        token,
        year=cycle.year,
        province="",
        now=now,
        ends_at=cycle.deadlines.cycle_ends_at,
        holder=holder,
        roles=roles,
    )


def cycle_reply_token(cycle: Cycle, token: str | None, now: datetime, invitee: Participant) -> None:
    """An invitee's own token, or an organizer's feeding the reply in (rules/access.py)."""
    require_reply_token(
        token,
        year=cycle.year,
        province="",
        now=now,
        ends_at=cycle.deadlines.cycle_ends_at,
        invitee=invitee,
    )


def check_attendance(
    cycle: Cycle, people: dict[str, Participant], update: RecordAttendance, now: datetime
) -> Participant:
    person = actor_of(people, update.actor)
    cycle_token(cycle, update.token, now, holder=person)
    require_role(person, (Role.ORGANIZER,), "record attendance")
    if now < cycle.pre_meeting.starts_at:
        raise refuse("the pre-meeting has not started yet")
    if update.attended > len(cycle.participants):
        raise refuse(f"{update.attended} attendees is more than the {len(cycle.participants)} invited")
    return person


def check_reply(cycle: Cycle, people: dict[str, Participant], update: RecordReply, now: datetime) -> None:
    if update.desk is not None:
        raise refuse("a desk session's reply goes to its province")
    invitee = actor_of(people, update.actor)
    cycle_reply_token(cycle, update.token, now, invitee)
    if update.sequence != 0:
        raise refuse(f"SEQUENCE {update.sequence} does not match the pre-meeting's 0")


def check_check_in(cycle: Cycle, people: dict[str, Participant], update: CheckIn, now: datetime) -> None:
    """ "Saya hadir" at the pre-meeting: every invitee, with their own token, from half an hour
    before it begins until it ends."""
    if update.desk is not None:
        raise refuse("a desk session's check-in goes to its province")
    invitee = actor_of(people, update.actor)
    cycle_reply_token(cycle, update.token, now, invitee)
    pre = cycle.pre_meeting
    if now < pre.starts_at - CHECK_IN_OPENS:
        raise refuse(
            "check-in for the pre-meeting opens half an hour before it begins "
            f"({(pre.starts_at - CHECK_IN_OPENS).isoformat()})",
            "check_in_not_open",
            at=(pre.starts_at - CHECK_IN_OPENS).isoformat(),
        )
    if now > pre.ends_at:
        raise refuse(f"the pre-meeting has ended ({pre.ends_at.isoformat()})", "pre_meeting_ended")


def check_import(
    cycle: Cycle, people: dict[str, Participant], update: ImportAttendance, now: datetime
) -> None:
    """An organizer records who joined the pre-meeting online, from the platform's report: each
    an invitee, each joining from half an hour before it began until it ended."""
    if update.desk is not None:
        raise refuse("a desk session's attendance goes to its province")
    person = actor_of(people, update.actor)
    cycle_token(cycle, update.token, now, holder=person)
    require_role(person, (Role.ORGANIZER,), "import the pre-meeting's attendance")
    pre = cycle.pre_meeting
    if now < pre.starts_at:
        raise refuse(
            "the pre-meeting has not started yet: its report comes once people have joined",
            "pre_meeting_not_started",
        )
    check_report(update.present, people, pre.starts_at, pre.ends_at, "the pre-meeting")
