"""iCalendar invitations (RFC 5545, iTIP RFC 5546): one VEVENT per message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress, vText, vUri

from models.messages import CalendarEvent

PRODID = "-//Kemendagri Ditjen Bina Bangda//rakortek//ID"


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    role: str = "REQ-PARTICIPANT"


def _address(person: Person, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


@cache
def _vtimezone(zone: str) -> bytes:
    # Building a VTIMEZONE from the tz database is the slowest step of an invitation: once per zone.
    calendar = Calendar()
    calendar.add_component(Timezone.from_tzid(zone))
    return calendar.to_ical()


def _with_timezone(calendar: Calendar, zone: str) -> None:
    for component in Calendar.from_ical(_vtimezone(zone)).walk("VTIMEZONE"):
        calendar.add_component(component)


def build_calendar(
    event: CalendarEvent,
    method: str,
    organizer: Person,
    attendees: list[Person],
    made_at: datetime,
    description: str,
) -> bytes:
    """The calendar object of an invitation (REQUEST) or cancellation (CANCEL)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    zone = ZoneInfo(event.zone)
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", made_at.astimezone(UTC))
    vevent.add("dtstart", event.starts_at.astimezone(zone))
    vevent.add("dtend", event.ends_at.astimezone(zone))
    vevent.add("summary", event.summary)
    vevent.add("location", event.location)
    vevent.add("description", description)
    vevent.add("organizer", _address(organizer))
    for attendee in attendees:
        vevent.add(
            "attendee",
            _address(attendee, ROLE=attendee.role, PARTSTAT="NEEDS-ACTION", RSVP="TRUE"),
        )
    if event.online_link:
        # RFC 7986; FEATURE as a list so that it is written VIDEO,AUDIO and not quoted.
        conference: dict[str, Any] = {
            "VALUE": "URI",
            "FEATURE": ["VIDEO", "AUDIO"],
            "LABEL": "Tautan daring",
        }
        vevent.add("conference", vUri(event.online_link), parameters=conference)
    if method == "CANCEL":
        vevent.add("status", "CANCELLED")
    else:
        vevent.add("status", "CONFIRMED")
        vevent.add("transp", "OPAQUE")
        # A courtesy only: the reminders that count are our own mails.
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event.summary)
        alarm.add("trigger", timedelta(minutes=-30))
        vevent.add_component(alarm)
    _with_timezone(calendar, event.zone)
    calendar.add_component(vevent)
    calendar.add_missing_timezones()
    missing = calendar.get_missing_tzids()
    if missing:
        raise ValueError(f"calendar lacks VTIMEZONE for {sorted(missing)}")
    return calendar.to_ical()
