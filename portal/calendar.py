"""Calendar files from the portal: one session's (or the pre-meeting's), for a person to add.

METHOD:PUBLISH, the same UID and SEQUENCE as the invitations: a calendar that already holds the
entry updates it. The reader is the one attendee named.
"""

from __future__ import annotations

from datetime import UTC, datetime

from mail.calendar import Person, calendar_mold
from mail.compose import calendar_description
from mail.events import pre_meeting_event, session_event
from models.cycle import Cycle
from models.messages import CalendarEvent
from models.sessions import DeskSession
from models.stages import SessionState
from portal.visitors import Visitor
from store.tables import SessionRow


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def session_calendar(cycle: Cycle, row: SessionRow, visitor: Visitor, email: str) -> tuple[bytes, str]:
    """The session's calendar file and its method: a cancelled session's removes the entry."""
    session = DeskSession(
        id=row.id,
        province=row.province,
        desk=row.desk,
        starts_at=_utc(row.starts_at),
        ends_at=_utc(row.ends_at),
        room=row.room,
        online_link=row.online_link,
        recipients=[],
        sequence=row.sequence,
        state=SessionState(row.state),
    )
    desk = next(d for d in cycle.desks if d.code == row.desk)
    province = next(p for p in cycle.provinces if p.code == row.province)
    event = session_event(
        session,
        desk_title=desk.title,
        province_title=province.title,
        venue=cycle.desk_sessions.venue,
        venue_zone=cycle.desk_sessions.venue_zone,
        organizer_mailbox=cycle.organizer.mailbox,
    )
    method = "CANCEL" if session.state is SessionState.CANCELLED else "PUBLISH"
    return _calendar(cycle, event, method, visitor, email), method


def pre_meeting_calendar(cycle: Cycle, visitor: Visitor, email: str) -> bytes:
    return _calendar(cycle, pre_meeting_event(cycle), "PUBLISH", visitor, email)


def _calendar(cycle: Cycle, event: CalendarEvent, method: str, visitor: Visitor, email: str) -> bytes:
    organizer = Person(cycle.organizer.name, cycle.organizer.mailbox)
    description = calendar_description(event, visitor.language)
    mold = calendar_mold(event, method, organizer, datetime.now(UTC), description)
    return mold.with_attendees([Person(visitor.name, email)])
