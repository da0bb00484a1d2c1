"""iTIP replies (METHOD:REPLY): a participant accepts, declines or tentatively accepts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr

import icalendar

PARTSTATS = ("ACCEPTED", "DECLINED", "TENTATIVE")
SESSION_UID = re.compile(r"^rakortek-(?P<year>\d{4})-(?P<province>\d{2})-(?P<desk>[A-Za-z0-9.]+)@")
PRE_MEETING_UID = re.compile(r"^rakortek-(?P<year>\d{4})-pra@")


class ReplyError(ValueError):
    """A reply that cannot be recorded, with the reason."""


@dataclass(frozen=True)
class Reply:
    uid: str
    attendee: str
    """The attendee's address, lower case."""
    partstat: str
    sequence: int
    year: int
    province: str | None
    """None for the pre-meeting."""
    desk: str | None


def _calendar_bytes(raw: bytes) -> bytes:
    if raw.lstrip().startswith(b"BEGIN:VCALENDAR"):
        return raw
    message: EmailMessage = message_from_bytes(raw, policy=policy.default)  # type: ignore[assignment]
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload
    raise ReplyError("no text/calendar part in the message")


def parse_reply(raw: bytes) -> Reply:
    """Read a reply from a whole message (.eml) or a bare .ics; ReplyError says what is wrong."""
    sender = None
    if not raw.lstrip().startswith(b"BEGIN:VCALENDAR"):
        try:
            message = message_from_bytes(raw, policy=policy.default)
            sender = parseaddr(str(message.get("From", "")))[1].lower() or None
        except Exception as exc:  # the email parser raises many kinds on garbage
            raise ReplyError(f"not a readable e-mail message: {exc}") from exc
    try:
        calendar = icalendar.Calendar.from_ical(_calendar_bytes(raw))
    except ReplyError:
        raise
    except Exception as exc:
        raise ReplyError(f"the calendar does not parse: {exc}") from exc
    method = str(calendar.get("METHOD", "")).upper()
    if method != "REPLY":
        raise ReplyError(f"METHOD is {method or 'missing'}, not REPLY")
    events = calendar.walk("VEVENT")
    if len(events) != 1:
        raise ReplyError(f"a reply holds exactly one VEVENT, this one {len(events)}")
    event = events[0]
    attendees = event.get("ATTENDEE")
    if attendees is None:
        raise ReplyError("the reply names no ATTENDEE")
    if isinstance(attendees, list):
        if len(attendees) != 1:
            raise ReplyError(f"a reply sets one attendee's status, this one names {len(attendees)}")
        attendees = attendees[0]
    address = str(attendees)
    if not address.lower().startswith("mailto:"):
        raise ReplyError(f"ATTENDEE {address!r} is not a mailto: address")
    attendee = address[len("mailto:") :].lower()
    partstat = str(attendees.params.get("PARTSTAT", "")).upper()
    if partstat not in PARTSTATS:
        raise ReplyError(f"PARTSTAT {partstat or 'missing'} is not one of {', '.join(PARTSTATS)}")
    if sender is not None and sender != attendee:
        raise ReplyError(f"{sender} may not set the status of {attendee}")
    uid = str(event.get("UID", ""))
    session = SESSION_UID.match(uid)
    pre_meeting = PRE_MEETING_UID.match(uid)
    if session is None and pre_meeting is None:
        raise ReplyError(f"unknown UID {uid!r}: not an invitation of this system")
    try:
        sequence = int(event.get("SEQUENCE", 0))
    except (TypeError, ValueError) as exc:
        raise ReplyError("SEQUENCE is not a number") from exc
    found = session or pre_meeting
    assert found is not None
    return Reply(
        uid=uid,
        attendee=attendee,
        partstat=partstat,
        sequence=sequence,
        year=int(found["year"]),
        province=session["province"] if session else None,
        desk=session["desk"] if session else None,
    )
