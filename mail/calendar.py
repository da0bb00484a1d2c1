"""iCalendar invitations (RFC 5545, iTIP RFC 5546): one VEVENT per message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress, vText, vUri
from icalendar.parser import Contentline

from models.messages import CalendarEvent

PRODID = "-//Kemendagri Ditjen Bina Bangda//rakortek//ID"


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    role: str = "REQ-PARTICIPANT"
    partstat: str = "NEEDS-ACTION"
    """An attendee's answer so far: an update carries what each invitee replied."""
    delegated_to: str = ""
    """mailto: of whom this attendee passed the invitation to (PARTSTAT DELEGATED)."""
    delegated_from: str = ""
    """mailto: of whom this attendee stands in for."""


def _address(person: Person, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


@cache
def _vtimezone(zone: str) -> bytes:
    """The zone's VTIMEZONE block, as it is written inside a calendar.

    Building it from the tz database is the slowest step of an invitation, and parsing it back
    for every message the next slowest: it is made once per zone and spliced in as bytes.
    """
    built = Calendar()
    built.add_component(Timezone.from_tzid(zone))
    calendar = Calendar()
    for component in Calendar.from_ical(built.to_ical()).walk("VTIMEZONE"):
        calendar.add_component(component)
    text = calendar.to_ical()
    return text[
        text.index(b"BEGIN:VTIMEZONE") : text.rindex(b"END:VTIMEZONE\r\n") + len(b"END:VTIMEZONE\r\n")
    ]


@dataclass(frozen=True)
class CalendarMold:
    """A calendar object without its attendees: made once, then given each list of attendees.

    A crowd (the pre-meeting) gets one invitation each, naming only its recipient; building the
    whole calendar again for each of a thousand people would cost more than the rest of the mail.
    """

    head: bytes
    tail: bytes

    def with_attendees(self, attendees: list[Person]) -> bytes:
        return self.head + attendee_lines(attendees) + self.tail


def attendee_lines(attendees: list[Person]) -> bytes:
    """The ATTENDEE content lines, folded as they are inside a calendar (each written on its
    own, without a component around it: half the cost, for one line per crowd recipient)."""
    lines = []
    for attendee in attendees:
        # RSVP asks for an answer: of those who have not given one.
        asked = {"RSVP": "TRUE"} if attendee.partstat == "NEEDS-ACTION" else {}
        if attendee.delegated_to:
            asked["DELEGATED-TO"] = attendee.delegated_to
        if attendee.delegated_from:
            asked["DELEGATED-FROM"] = attendee.delegated_from
        address = _address(attendee, ROLE=attendee.role, PARTSTAT=attendee.partstat, **asked)
        line = Contentline.from_parts("ATTENDEE", address.params, address.to_ical().decode(), sorted=True)
        lines.append(line.to_ical() + b"\r\n")
    return b"".join(lines)


_PLACE_HOLDER = "mailto:attendee@rakortek.invalid"


def calendar_mold(
    event: CalendarEvent, method: str, organizer: Person, made_at: datetime, description: str
) -> CalendarMold:
    """The calendar of an invitation (REQUEST) or cancellation (CANCEL), attendees left out."""
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
    # One attendee holds the place where the real ones go (properties are written in a fixed order).
    vevent.add("attendee", vCalAddress(_PLACE_HOLDER))
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
    calendar.add_component(vevent)
    # Every local time of the event is in its zone (DTSTAMP is UTC): that one VTIMEZONE, first.
    text = calendar.to_ical()
    at = text.index(b"BEGIN:VEVENT")
    text = text[:at] + _vtimezone(event.zone) + text[at:]
    place = text.index(b"\r\nATTENDEE:" + _PLACE_HOLDER.encode()) + 2
    end = text.index(b"\r\n", place) + 2
    return CalendarMold(text[:place], text[end:])
