"""What the mail activity is asked to send."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from models.cycle import Organizer


class MailKind(StrEnum):
    PRE_MEETING_INVITE = "pre_meeting_invite"
    PRE_MEETING_REMINDER = "pre_meeting_reminder"
    SESSION_INVITE = "session_invite"
    SESSION_UPDATE = "session_update"
    SESSION_CANCEL = "session_cancel"
    SESSION_REMINDER = "session_reminder"
    DATA_ENTRY_OPEN = "data_entry_open"
    CONFIRMATION_REQUEST = "confirmation_request"
    SIGN_OFF_REQUEST = "sign_off_request"
    SIGN_OFF_REMINDER = "sign_off_reminder"
    ESCALATION = "escalation"
    AGREEMENT_SIGNED = "agreement_signed"

    @property
    def calendar_method(self) -> str | None:
        """The iTIP method of the invitation this kind carries, if any."""
        if self in (MailKind.PRE_MEETING_INVITE, MailKind.SESSION_INVITE, MailKind.SESSION_UPDATE):
            return "REQUEST"
        if self is MailKind.SESSION_CANCEL:
            return "CANCEL"
        return None


class CalendarEvent(BaseModel):
    uid: str
    sequence: int
    summary: str
    starts_at: datetime
    ends_at: datetime
    zone: str
    """TZID of DTSTART/DTEND: the venue's zone."""
    location: str
    online_link: str


class Outgoing(BaseModel):
    """One message to many recipients: sent as one mail per recipient."""

    year: int
    organizer: Organizer
    kind: MailKind
    variant: str = ""
    """Tells apart messages of one kind for one subject, e.g. which reminder."""
    subject_ref: str
    """The session, province or cycle the message is about."""
    province: str | None = None
    session_id: str | None = None
    sequence: int = 0
    recipients: list[str]
    event: CalendarEvent | None = None
    facts: dict[str, str | int | float | None] = {}
    """What the templates need beyond the event: deadlines, names, counts, paths."""
    made_at: datetime
    """Calendar time the message is made: its Date header and DTSTAMP."""
    skip_reason: str | None = None
    """Set when the message's moment has passed: recorded as skipped, not sent."""


class Mailings(BaseModel):
    """Mail a workflow asked for at one moment (a province's invitations, the reminders due at
    one hour): one activity, one SMTP connection, still one outbox record per message."""

    items: list[Outgoing]


class DeliveryReport(BaseModel):
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    skipped: int = 0
