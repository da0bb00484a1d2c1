"""Calendar files from the portal: one session's (or the pre-meeting's), for a person to add.

METHOD:PUBLISH, the same UID and SEQUENCE as the invitations: a calendar that already holds the
entry updates it. The reader is the one attendee named.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from mail.calendar import PRODID, Person, calendar_mold
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


def _session(row: SessionRow) -> DeskSession:
    return DeskSession(
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


def session_calendar(cycle: Cycle, row: SessionRow, visitor: Visitor) -> tuple[bytes, str]:
    """The session's calendar file and its method: a cancelled session's removes the entry."""
    session = _session(row)
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
    return _calendar(cycle, event, method, visitor), method


def pre_meeting_calendar(cycle: Cycle, visitor: Visitor) -> bytes:
    return _calendar(cycle, pre_meeting_event(cycle), "PUBLISH", visitor)


def _calendar(cycle: Cycle, event: CalendarEvent, method: str, visitor: Visitor) -> bytes:
    organizer = Person(cycle.organizer.name, cycle.organizer.mailbox)
    description = calendar_description(event, visitor.language)
    mold = calendar_mold(event, method, organizer, datetime.now(UTC), description)
    return mold.with_attendees([Person(visitor.name, visitor.email)])


def feed_signature(secret: str, year: int, participant: str) -> str:
    """The key in a person's calendar feed address: calendar programs fetch it without a cookie,
    so the address itself is the credential (read-only: it shows, it does nothing)."""
    digest = hmac.new(secret.encode(), f"feed|{year}|{participant}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def feed_path(secret: str, year: int, participant: str) -> str:
    return f"/kalender/{year}/{quote(participant, safe='')}/{feed_signature(secret, year, participant)}.ics"


def feed(cycle: Cycle, rows: list[SessionRow], name: str, language: str) -> bytes:
    """All of a person's sessions and the pre-meeting, as they stand now (METHOD:PUBLISH): a
    subscribed calendar follows every move and cancellation at its next refresh."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Rakortekrenbang {cycle.year}: {name}")
    calendar.add("x-wr-timezone", cycle.desk_sessions.venue_zone)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add_component(Timezone.from_tzid(cycle.desk_sessions.venue_zone))
    desks = {d.code: d.title for d in cycle.desks}
    provinces = {p.code: p.title for p in cycle.provinces}
    events = [(pre_meeting_event(cycle), False)]
    for row in rows:
        session = _session(row)
        event = session_event(
            session,
            desk_title=desks.get(row.desk, row.desk),
            province_title=provinces.get(row.province, row.province),
            venue=cycle.desk_sessions.venue,
            venue_zone=cycle.desk_sessions.venue_zone,
            organizer_mailbox=cycle.organizer.mailbox,
        )
        events.append((event, session.state is SessionState.CANCELLED))
    stamp = datetime.now(UTC)
    zone = ZoneInfo(cycle.desk_sessions.venue_zone)
    for event, cancelled in events:
        vevent = Event()
        vevent.add("uid", event.uid)
        vevent.add("sequence", event.sequence)
        vevent.add("dtstamp", stamp)
        vevent.add("dtstart", event.starts_at.astimezone(zone))
        vevent.add("dtend", event.ends_at.astimezone(zone))
        vevent.add("summary", event.summary)
        vevent.add("location", event.location)
        vevent.add("description", calendar_description(event, language))
        vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(vevent)
    return calendar.to_ical()
