"""Inputs and outputs of the workflows, their updates and queries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.clock import CycleClock
from models.cycle import Cycle, Deadlines, OfficialLetter, Organizer, Reminders
from models.items import ItemConfirmation, OutcomeItem, ProposalItem
from models.participants import Mailbox, Participant
from models.reference import Desk, Province
from models.sessions import DeskSession
from models.stages import Party, SessionState, Stage
from models.text import Line, Note, WebLink, line


def cycle_workflow_id(year: int) -> str:
    return f"rakortek-{year}"


def province_workflow_id(year: int, province: str) -> str:
    return f"rakortek-{year}-province-{province}"


class CycleInput(BaseModel):
    cycle: Cycle
    rehearsal_speed: float | None = Field(default=None, gt=0)
    """None: a live cycle on real time. A number: a rehearsal from ``opens_at``, compressed, on a
    calendar that never runs ahead of the workers (``models.clock.MAX_SPEED``: as fast as they go)."""
    simulate_participants: bool = False


class SessionMove(BaseModel):
    desk: str
    starts_at: datetime
    act_at: datetime
    """Calendar time at which the simulated organizer acts."""


class ProvinceSimulation(BaseModel):
    """When and how simulated participants act in a rehearsal."""

    proposals_at: datetime
    reschedule: SessionMove | None = None
    cancel_and_hold: SessionMove | None = None
    cancel_at: datetime | None = None
    confirm_at: datetime
    regional_sign_at: datetime
    central_sign_at: datetime
    not_agreed_every: int = 9
    """One item in this many is not agreed; one in a few others adjusted."""


class ProvinceInput(BaseModel):
    year: int
    plan_year: int
    cycle_name: str
    province: Province
    clock: CycleClock
    organizer: Organizer
    venue: str
    venue_zone: str
    pre_meeting_ends_at: datetime
    window_start: date
    window_end: date
    session_minutes: int
    max_parallel: int
    deadlines: Deadlines
    reminders: Reminders
    desks: list[Desk]
    """Its sessions, people and simulated participants are not here but in the database, loaded
    by the workflow at its start, so that no payload and no history grows with the cycle's size."""
    letter: OfficialLetter | None = None
    """The letter that announced the cycle, which invitations follow up on."""

    @classmethod
    def of(cls, cycle: Cycle, code: str, clock: CycleClock) -> ProvinceInput:
        """The input of province ``code``'s workflow in ``cycle``."""
        province = next(p for p in cycle.provinces if p.code == code)
        desk = cycle.desk_sessions
        return cls(
            year=cycle.year,
            plan_year=cycle.plan_year,
            cycle_name=cycle.name,
            province=province,
            clock=clock,
            organizer=cycle.organizer,
            venue=desk.venue,
            venue_zone=desk.venue_zone,
            pre_meeting_ends_at=cycle.pre_meeting.ends_at,
            window_start=desk.window_start,
            window_end=desk.window_end,
            session_minutes=desk.session_minutes,
            max_parallel=desk.max_parallel_per_province,
            deadlines=cycle.deadlines,
            reminders=cycle.reminders,
            desks=cycle.desks,
            letter=cycle.letter,
        )


class CyclePlan(BaseModel):
    """What was planned and stored: each province's share waits in the database for it."""

    provinces: int
    sessions: int


class ProvincePlan(BaseModel):
    """A province's share of the plan: its sessions, its people, its simulated participants."""

    sessions: list[DeskSession]
    people: list[Participant]
    simulation: ProvinceSimulation | None = None


class LoadProvincePlan(BaseModel):
    year: int
    province: str


# Updates: every one names who acted and carries the action token from their mail (for a reply,
# the rsvp operator's); None only in histories recorded before tokens, never accepted now.


class Origin(BaseModel):
    """Where a person acted from, for the audit trail: the portal session (the first characters
    of its cookie's SHA-256), the address and the browser."""

    model_config = ConfigDict(extra="forbid")
    session: str = Field(max_length=16, pattern=r"^[0-9a-f]*$")
    ip: str = Field(max_length=64)
    user_agent: str = Field(max_length=400)


class SubmitProposals(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    """Set by the portal; None from the command line."""
    items: list[ProposalItem] = Field(min_length=1, max_length=2000)


class RecordOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    """Set by the portal; None from the command line."""
    desk: Line
    items: list[OutcomeItem] = Field(max_length=500)
    notes: Note = ""


class ConfirmItems(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    """Set by the portal; None from the command line."""
    confirmations: list[ItemConfirmation] = Field(min_length=1, max_length=5000)


class SignAgreement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    """Set by the portal; None from the command line."""
    party: Party
    document_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class RescheduleSession(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    """Set by the portal; None from the command line."""
    desk: Line
    starts_at: datetime
    room: line(200) | None = None  # type: ignore[valid-type]
    """At most the sessions table's column: a longer name would never be written."""
    online_link: WebLink | None = None


class CancelSession(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    """Set by the portal; None from the command line."""
    desk: Line
    reason: Line


class RecordReply(BaseModel):
    """An invitee's answer, read from their calendar's iTIP REPLY."""

    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    """Set by the portal; None from the command line."""
    desk: Line | None = None
    """None: the pre-meeting."""
    partstat: Literal["ACCEPTED", "DECLINED", "TENTATIVE"]
    sequence: int = Field(ge=0, le=10_000)
    mode: Literal["onsite", "online"] | None = None
    """How an accepting invitee attends: at the venue (luring) or online (daring)."""

    @model_validator(mode="after")
    def _mode_only_when_attending(self) -> RecordReply:
        if self.mode is not None and self.partstat != "ACCEPTED":
            raise ValueError(f"an attendance mode goes with ACCEPTED, not {self.partstat}")
        return self


class CheckIn(BaseModel):
    """ "Saya hadir": an invitee says they are at the session (or the pre-meeting), at the venue
    or online, from half an hour before it begins until it ends."""

    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    """Set by the portal; None from the command line."""
    desk: Line | None = None
    """None: the pre-meeting."""
    mode: Literal["onsite", "online"]


class Presence(BaseModel):
    """One person found in a video platform's participant report."""

    model_config = ConfigDict(extra="forbid")
    participant: line(64)  # type: ignore[valid-type]
    joined_at: datetime


class ImportAttendance(BaseModel):
    """An organizer (or a desk's facilitator) records who joined online, from the video
    platform's participant report (Zoom, Google Meet): their daftar hadir entries, as "daring"."""

    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    """Set by the portal; None from the command line."""
    desk: Line | None = None
    """None: the pre-meeting."""
    source: line(24)  # type: ignore[valid-type]
    """The platform the report came from, as the daftar hadir names it (Zoom, Google Meet)."""
    present: list[Presence] = Field(min_length=1, max_length=2_000)


class Delegate(BaseModel):
    """Disposisi: an invitee passes a session (or a data-entry task) to a colleague of their own
    organisation, who gets an invitation and a portal link of their own."""

    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    """Set by the portal; None from the command line."""
    desk: Line | None = None
    """None: the data-entry task (e-Rakortekrenbang)."""
    name: Annotated[line(120), Field(min_length=3)]  # type: ignore[valid-type]
    email: Mailbox


class RecordAttendance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    """Set by the portal; None from the command line."""
    attended: int = Field(ge=0, le=100_000)


# Queries


class SignatureView(BaseModel):
    party: Party
    signer: str
    signed_at: datetime
    document_sha256: str


class SessionView(BaseModel):
    desk: str
    starts_at: datetime
    ends_at: datetime
    room: str
    sequence: int
    state: SessionState


class SessionQuery(BaseModel):
    desk: str


class SessionDetail(SessionView):
    id: str
    online_link: str
    recipients: list[str]
    outcome_by: str | None
    outcome_items: int
    cancel_reason: str | None
    replies: dict[str, str] = {}
    attendance: dict[str, str] = {}
    """Who checked in, and how (onsite, online)."""
    delegations: dict[str, str] = {}
    """Who stands in for whom: delegator → delegate."""


class ProvinceState(BaseModel):
    code: str
    name: str
    stage: Stage
    sessions_done: int
    sessions_total: int
    sessions_cancelled: int
    proposals: int
    items_agreed: int
    items_not_agreed: int
    items_confirmed: int
    document_sha256: str | None
    signatures: list[SignatureView]
    pending: list[str]
    sessions: list[SessionView]


class CycleState(BaseModel):
    year: int
    phase: str
    calendar_now: datetime
    pre_meeting_invited: int
    pre_meeting_attended: int | None
    pre_meeting_checked_in: int = 0
    """Who said "Saya hadir" at the pre-meeting (the portal or an imported video report)."""
    provinces_total: int
    provinces_completed: int


class ProvinceSummary(BaseModel):
    code: str
    stage: Stage
    sessions_held: int
    sessions_cancelled: int
    items_agreed: int
    items_not_agreed: int
    document_sha256: str


class CycleSummary(BaseModel):
    year: int
    provinces: list[ProvinceSummary]
    pre_meeting_attended: int | None


REMINDER_GRACE = timedelta(minutes=5)
"""A reminder due less than this long ago is still sent; older ones are skipped."""
