"""DESK_SESSIONS: outcomes at each desk; sessions moved, cancelled and held again; replies."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from models.participants import Participant, Role
from models.progress import ProvinceProgress
from models.sessions import DeskSession
from models.stages import SessionState, Stage
from models.workflow_io import (
    CancelSession,
    CheckIn,
    ImportAttendance,
    Presence,
    RecordOutcome,
    RecordReply,
    RescheduleSession,
)
from rules.access import (
    actor_of,
    province_actor,
    refuse,
    require_desk,
    require_plan,
    require_reply_token,
    require_role,
)
from rules.items import check_desk_items
from schedule.working_time import holiday_name, is_within_office_hours, is_working_day, local_date

CHANGEABLE_IN = (Stage.PRE_MEETING, Stage.DATA_ENTRY, Stage.DESK_SESSIONS)


def session_of(progress: ProvinceProgress, desk: str | None) -> DeskSession:
    session = progress.sessions.get(desk or "")
    if session is None:
        raise refuse(f"unknown desk {desk!r} for province {progress.code}")
    return session


def check_outcome(progress: ProvinceProgress, update: RecordOutcome, now: datetime) -> Participant:
    session = session_of(progress, update.desk)
    if progress.stage is not Stage.DESK_SESSIONS:
        raise refuse(
            f"outcomes are recorded in DESK_SESSIONS only; the province is in {progress.stage}",
            "not_desk_sessions",
            stage=progress.stage.value,
        )
    if session.state is SessionState.CANCELLED:
        raise refuse(f"the session at desk {update.desk} is cancelled", "cancelled", desk=update.desk)
    if now < session.starts_at:
        raise refuse(
            f"the session at desk {update.desk} has not started yet "
            f"(it starts {session.starts_at.isoformat()})",
            "not_started",
            desk=update.desk,
            at=session.starts_at.isoformat(),
        )
    person = province_actor(progress, update.actor, update.token, now)
    require_role(person, (Role.FACILITATOR, Role.ORGANIZER), "record a desk outcome")
    require_desk(person, update.desk, "record its outcome")
    check_desk_items(progress, update.desk, update.items)
    elsewhere = {i.ref for desk, items in progress.outcomes.items() if desk != update.desk for i in items}
    for item in update.items:
        if item.ref in elsewhere:
            raise refuse(
                f"item {item.ref} is already part of another desk's outcome", "item_elsewhere", ref=item.ref
            )
    return person


def check_reply(progress: ProvinceProgress, update: RecordReply, now: datetime) -> None:
    """An invitee answers, in the portal or through their calendar's reply fed in by an organizer."""
    require_plan(progress)
    session = session_of(progress, update.desk)
    invitee = actor_of(progress.people, update.actor)
    require_reply_token(
        update.token,
        year=progress.input.year,
        province=progress.code,
        now=now,
        ends_at=progress.input.deadlines.cycle_ends_at,
        invitee=invitee,
        used=progress.used_tokens,
    )
    if session.state is SessionState.CANCELLED:
        # A calendar may still answer the invitation it holds: the answer is to nothing now.
        raise refuse(
            f"the session at desk {update.desk} is cancelled: there is nothing to answer",
            "reply_cancelled",
            desk=update.desk,
        )
    if update.actor not in session.recipients:
        raise refuse(
            f"{update.actor} is not invited to the session at desk {update.desk}",
            "not_invited",
            desk=update.desk,
        )
    if update.sequence > session.sequence:
        raise refuse(f"SEQUENCE {update.sequence} is newer than the session's {session.sequence}")


def changeable(
    progress: ProvinceProgress, desk: str, actor: str, token: str | None, now: datetime, action: str
) -> tuple[DeskSession, Participant]:
    """A session that may still move or be cancelled, and who may do it: an organizer, or the
    desk's facilitator."""
    require_plan(progress)
    session = session_of(progress, desk)
    if progress.stage not in CHANGEABLE_IN:
        raise refuse(f"sessions cannot change in {progress.stage}")
    if session.taken_place:
        raise refuse(f"the session at desk {desk} has already been held", "held", desk=desk)
    person = province_actor(progress, actor, token, now)
    require_role(person, (Role.ORGANIZER, Role.FACILITATOR), f"{action} a session")
    require_desk(person, desk, f"{action} its session")
    return session, person


def check_reschedule(progress: ProvinceProgress, update: RescheduleSession, now: datetime) -> Participant:
    """A new start inside the window, inside both parties' office hours, in the future, and
    within the province's parallel limit."""
    session, person = changeable(progress, update.desk, update.actor, update.token, now, "reschedule")
    start = update.starts_at
    if start.tzinfo is None:
        raise refuse("starts_at needs a time zone offset, e.g. 2022-03-07T09:00:00+07:00")
    end = start + (session.ends_at - session.starts_at)
    input = progress.input
    if start <= now:
        raise refuse(f"{start.isoformat()} is in the past", "move_past", at=start.isoformat())
    if not (input.window_start <= local_date(start, input.venue_zone) <= input.window_end):
        raise refuse(
            f"{start.isoformat()} is outside the desk window {input.window_start} to {input.window_end}",
            "outside_window",
            at=start.isoformat(),
            first=input.window_start.isoformat(),
            last=input.window_end.isoformat(),
        )
    for zone in (input.venue_zone, input.province.zone):
        day = local_date(start, zone)
        holiday = holiday_name(day)
        if holiday is not None:
            raise refuse(
                f"{day} is a public holiday ({holiday})", "holiday", day=day.isoformat(), name=holiday
            )
        if not is_working_day(day):
            raise refuse(f"{day} is not a working day", "day_off", day=day.isoformat())
    venue, own = input.venue_zone, input.province.zone
    if not is_within_office_hours(start, end, venue):
        raise refuse(
            f"{start.isoformat()} is outside the working hours of the venue ({venue})",
            "outside_hours_venue",
            at=start.isoformat(),
            zone=venue,
        )
    if not is_within_office_hours(start, end, own):
        raise refuse(
            f"{start.isoformat()} is outside the working hours of the province ({own})",
            "outside_hours_province",
            at=start.isoformat(),
            zone=own,
        )
    overlapping = sum(
        1
        for other in progress.sessions.values()
        if other.desk != update.desk
        and other.state is not SessionState.CANCELLED
        and other.starts_at < end
        and start < other.ends_at
    )
    if overlapping >= input.max_parallel:
        raise refuse(
            f"the province already has {overlapping} sessions at that time "
            f"(at most {input.max_parallel} in parallel)",
            "parallel_limit",
            count=overlapping,
            limit=input.max_parallel,
        )
    return person


def check_cancel(progress: ProvinceProgress, update: CancelSession, now: datetime) -> Participant:
    session, person = changeable(progress, update.desk, update.actor, update.token, now, "cancel")
    if session.state is SessionState.CANCELLED:
        raise refuse(f"the session at desk {update.desk} is already cancelled")
    return person


CHECK_IN_OPENS = timedelta(minutes=30)
"""How long before a session (or the pre-meeting) begins its check-in opens."""


def check_check_in(progress: ProvinceProgress, update: CheckIn, now: datetime) -> Participant:
    """ "Saya hadir": an invitee of the session, with their own token, while it runs (from half
    an hour before it begins)."""
    require_plan(progress)
    session = session_of(progress, update.desk)
    person = province_actor(progress, update.actor, update.token, now)
    if person.id not in session.recipients:
        raise refuse(
            f"{person.id} is not invited to the session at desk {update.desk}",
            "not_invited",
            desk=update.desk,
        )
    if session.state is SessionState.CANCELLED:
        raise refuse(f"the session at desk {update.desk} is cancelled", "cancelled", desk=update.desk)
    opens = session.starts_at - CHECK_IN_OPENS
    if now < opens:
        raise refuse(
            f"check-in for desk {update.desk} opens half an hour before it begins ({opens.isoformat()})",
            "check_in_not_open",
            at=opens.isoformat(),
        )
    if now > session.ends_at:
        raise refuse(
            f"the session at desk {update.desk} has ended ({session.ends_at.isoformat()})",
            "ended",
            desk=update.desk,
            at=session.ends_at.isoformat(),
        )
    return person


def check_import(progress: ProvinceProgress, update: ImportAttendance, now: datetime) -> Participant:
    """An organizer, or the desk's facilitator, records who joined a session online, from the
    platform's report: each an invitee of it, each joining while its check-in was open."""
    require_plan(progress)
    session = session_of(progress, update.desk)
    person = province_actor(progress, update.actor, update.token, now)
    require_role(person, (Role.ORGANIZER, Role.FACILITATOR), "import a session's attendance")
    require_desk(person, session.desk, "import its attendance")
    if session.state is SessionState.CANCELLED:
        raise refuse(f"the session at desk {session.desk} is cancelled", "cancelled", desk=session.desk)
    if now < session.starts_at:
        raise refuse(
            f"the session at desk {session.desk} has not started yet",
            "not_started",
            desk=session.desk,
            at=session.starts_at.isoformat(),
        )
    check_report(
        update.present,
        session.recipients,
        session.starts_at,
        session.ends_at,
        f"the session at desk {session.desk}",
    )
    return person


def check_report(
    present: list[Presence], invited: Collection[str], starts_at: datetime, ends_at: datetime, meeting: str
) -> None:
    """Each person of an imported participant report is an invitee of ``meeting`` who joined
    while its check-in was open: a report of another meeting is refused, not half recorded."""
    for presence in present:
        if presence.participant not in invited:
            raise refuse(
                f"{presence.participant} is not invited to {meeting}",
                "report_not_invited",
                person=presence.participant,
            )
        if not starts_at - CHECK_IN_OPENS <= presence.joined_at <= ends_at:
            raise refuse(
                f"{presence.participant} joined at {presence.joined_at.isoformat()}, outside {meeting} "
                f"({starts_at.isoformat()} to {ends_at.isoformat()}): is this its report?",
                "report_outside",
                person=presence.participant,
                at=presence.joined_at.isoformat(),
            )
