"""What the mail activity is asked to send."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from models.cycle import OfficialLetter, Organizer
from models.stages import ChaseStep, DeadlineStep, Party


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
    ACTION_REQUIRED = "action_required"
    DEADLINE_EXTENDED = "deadline_extended"

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


class EscalationStep(StrEnum):
    """A step whose deadline passed. The values are part of the escalation's Message-ID, so they
    stay as first issued; what a reader sees is in templates/mail/labels.toml."""

    CONFIRMATION = "konfirmasi"
    SIGN_OFF = "penandatanganan"


class Region(BaseModel):
    """What every letter about one province (or kabupaten/kota) names."""

    cycle_name: str
    plan_year: int
    province_name: str
    kabupaten_kota: bool = False
    """A kabupaten/kota's name already says what it is; a province's is "Provinsi …"."""
    letter: OfficialLetter | None = None
    """The letter that announced the cycle, which an invitation follows up on."""


class PreMeetingFacts(BaseModel):
    about: Literal["pre_meeting"] = "pre_meeting"
    cycle_name: str
    letter: OfficialLetter | None = None
    plan_year: int
    host_studio: str
    minutes_before: int


class SessionFacts(BaseModel):
    """A desk session's invitation, update, cancellation or reminder."""

    about: Literal["session"] = "session"
    region: Region
    desk_title: str
    minutes_before: int
    reason: str = ""
    """Why a cancelled session was cancelled."""
    answers: dict[str, str] = {}
    """Each invitee's answer so far (PARTSTAT), which an update's calendar carries."""
    delegations: dict[str, str] = {}
    """Who passed their invitation to whom (disposisi): delegator → delegate, as the calendar's
    DELEGATED-TO and DELEGATED-FROM say it (RFC 5546, 4.2.5)."""
    delegated_from: str = ""
    """In the invitation a delegate receives: who passed it on to them (name, organisation)."""
    moved_from: datetime | None = None
    """In an update that moves the session: the start it replaces."""


class DataEntryFacts(BaseModel):
    about: Literal["data_entry"] = "data_entry"
    region: Region
    deadline_at: datetime
    sessions: int
    delegated_from: str = ""
    """In the letter a delegate receives: who passed the task on to them."""


class ConfirmationFacts(BaseModel):
    about: Literal["confirmation"] = "confirmation"
    region: Region
    deadline_at: datetime
    items_agreed: int


class SignOffFacts(BaseModel):
    """A request (or reminder) to sign one version of the agreement: the mail that carries a
    signature token bound to ``sha256``."""

    about: Literal["sign_off"] = "sign_off"
    region: Region
    party: Party
    deadline_at: datetime
    document: str
    sha256: str


class EscalationFacts(BaseModel):
    """The organizers are told a step is late, and what it still waits for."""

    about: Literal["escalation"] = "escalation"
    region: Region
    step: EscalationStep
    deadline_at: datetime
    unconfirmed: int = 0
    """Agreed items not yet confirmed (CONFIRMATION)."""
    unsigned: list[Party] = []
    """Parties that have not signed (SIGN_OFF)."""


class AgreementSignedFacts(BaseModel):
    about: Literal["agreement_signed"] = "agreement_signed"
    region: Region
    document: str
    sha256: str


class ActionRequiredFacts(BaseModel):
    """An organizer's reminder to those who have not yet done ``step``."""

    about: Literal["action_required"] = "action_required"
    region: Region
    step: ChaseStep
    deadline_at: datetime
    desk_title: str = ""
    """The session an answer is awaited for (REPLY)."""
    count: int = 0
    """Agreed items not yet confirmed (CONFIRMATION)."""


class DeadlineFacts(BaseModel):
    """A deadline an organizer extended: the old one, the new one and why."""

    about: Literal["deadline"] = "deadline"
    region: Region
    step: DeadlineStep
    deadline_at: datetime
    previous_at: datetime
    reason: str


MailFacts = Annotated[
    PreMeetingFacts
    | SessionFacts
    | DataEntryFacts
    | ConfirmationFacts
    | SignOffFacts
    | EscalationFacts
    | AgreementSignedFacts
    | ActionRequiredFacts
    | DeadlineFacts,
    Field(discriminator="about"),
]

FACTS_OF: dict[MailKind, type[BaseModel]] = {
    MailKind.PRE_MEETING_INVITE: PreMeetingFacts,
    MailKind.PRE_MEETING_REMINDER: PreMeetingFacts,
    MailKind.SESSION_INVITE: SessionFacts,
    MailKind.SESSION_UPDATE: SessionFacts,
    MailKind.SESSION_CANCEL: SessionFacts,
    MailKind.SESSION_REMINDER: SessionFacts,
    MailKind.DATA_ENTRY_OPEN: DataEntryFacts,
    MailKind.CONFIRMATION_REQUEST: ConfirmationFacts,
    MailKind.SIGN_OFF_REQUEST: SignOffFacts,
    MailKind.SIGN_OFF_REMINDER: SignOffFacts,
    MailKind.ESCALATION: EscalationFacts,
    MailKind.AGREEMENT_SIGNED: AgreementSignedFacts,
    MailKind.ACTION_REQUIRED: ActionRequiredFacts,
    MailKind.DEADLINE_EXTENDED: DeadlineFacts,
}
"""The facts each kind of mail is written from."""


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
    listed: list[str] = []
    """Invitees the calendar names beside the recipients, who get no mail by this message: the
    others of a session, in the invitation a delegate receives."""
    event: CalendarEvent | None = None
    facts: MailFacts
    """What the letter says beyond the event: deadlines, names, counts, the document."""
    made_at: datetime
    """Calendar time the message is made: its Date header and DTSTAMP."""
    links_expire_at: datetime
    """The cycle's end, when the links the message carries stop acting."""
    skip_reason: str | None = None
    """Set when the message's moment has passed: recorded as skipped, not sent."""

    @model_validator(mode="after")
    def _facts_fit_kind(self) -> Outgoing:
        expected = FACTS_OF[self.kind]
        if not isinstance(self.facts, expected):
            raise ValueError(
                f"{self.kind.value} mail is written from {expected.__name__}, not {type(self.facts).__name__}"
            )
        return self


class Mailings(BaseModel):
    """Mail a workflow asked for at one moment (a province's invitations, the reminders due at
    one hour): one activity, one SMTP connection, still one outbox record per message."""

    items: list[Outgoing]
    speed: float = Field(default=1.0, gt=0)
    """The rehearsal's compression: a deferred message's waits before its own retries shorten by
    it, as every other wait of the cycle does."""


class DeliveryReport(BaseModel):
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0
    """Times the relay deferred a message (4xx) in this delivery; each was tried again."""
