"""iTIP replies (METHOD:REPLY): a participant accepts, declines or tentatively accepts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses

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


AUTH_RESULT = re.compile(r"\b(?P<method>dkim|dmarc)\s*=\s*(?P<result>\w+)(?P<props>[^;]*)", re.IGNORECASE)
AUTH_PROPERTY = re.compile(r"\bheader\.(?P<name>d|from|i)\s*=\s*(?P<value>[^\s;()]+)", re.IGNORECASE)


def authenticated_domains(message: EmailMessage, trusted: Sequence[str]) -> set[str]:
    """The domains the organizer's own mail server vouches for: DKIM or DMARC passed, in the
    first Authentication-Results header whose authserv-id is ``trusted`` (RFC 8601; the server
    adds its own on top and removes any that arrive claiming its id)."""
    for header in message.get_all("Authentication-Results") or []:
        text = str(header)
        authserv = text.split(";", 1)[0].strip().split()[0].lower() if text.strip() else ""
        if authserv not in trusted:
            continue
        domains: set[str] = set()
        for found in AUTH_RESULT.finditer(text):
            if found["result"].lower() != "pass":
                continue
            for prop in AUTH_PROPERTY.finditer(found["props"]):
                domains.add(prop["value"].rsplit("@", 1)[-1].lower().strip('"'))
        return domains
    return set()


def message_sender(raw: bytes, trusted: Sequence[str]) -> str:
    """The sender's address, if the message proves it; ReplyError says why not."""
    if raw.lstrip().startswith(b"BEGIN:VCALENDAR"):
        raise ReplyError(
            "a bare calendar file proves no sender: feed in the whole message (.eml) as it arrived"
        )
    try:
        message: EmailMessage = message_from_bytes(raw, policy=policy.default)  # type: ignore[assignment]
        senders = getaddresses([str(v) for v in message.get_all("From") or []])
    except Exception as exc:  # the email parser raises many kinds on garbage
        raise ReplyError(f"not a readable e-mail message: {exc}") from None
    addresses = [address.lower() for _, address in senders if "@" in address]
    if len(addresses) != 1:
        raise ReplyError("the message has no single readable From address: its sender is unknown")
    sender = addresses[0]
    if not trusted:
        raise ReplyError(
            "no mail server is trusted to vouch for senders: set RAKORTEK_REPLY_AUTHSERV_ID to the "
            "authserv-id of the organizer's mail server"
        )
    domain = sender.rsplit("@", 1)[1]
    if domain not in authenticated_domains(message, trusted):
        raise ReplyError(
            f"the organizer's mail server ({', '.join(trusted)}) did not vouch for {domain}: "
            "no DKIM or DMARC pass for it in Authentication-Results"
        )
    return sender


def parse_reply(raw: bytes, trusted: Sequence[str] = ()) -> Reply:
    """Read a reply from a whole message (.eml) whose sender is the attendee, vouched for by a
    ``trusted`` mail server; ReplyError says what is wrong."""
    sender = message_sender(raw, trusted)
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
    if sender != attendee:
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
