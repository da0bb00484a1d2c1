"""Inputs of the activities that write to the database."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from models.clock import CycleClock
from models.cycle import Cycle
from models.items import ItemConfirmation, OutcomeItem, ProposalItem
from models.participants import Participant
from models.sessions import DeskSession
from models.stages import DeadlineStep, Party, SessionState, Stage
from models.workflow_io import CheckIn, ConfirmItems, Presence, RecordReply, SignatureView


class RegisterCycle(BaseModel):
    cycle: Cycle
    clock: CycleClock | None = None


class PlanCycle(BaseModel):
    """Plan the cycle and store each province's share for its workflow to load."""

    cycle: Cycle
    simulate_participants: bool


class ActionRecord(BaseModel):
    """One human action, for the audit trail."""

    year: int
    province: str | None
    """None: a cycle-wide action (pre-meeting attendance and replies)."""
    workflow_id: str = ""
    update_id: str
    action: str
    actor: str
    token_id: str
    detail: str
    at: datetime
    ordinal: int = 0
    """The action's place among its workflow's actions, in the order they were taken."""
    portal_session: str = ""
    """The portal session the action came from ("" from the command line), with its address and
    browser."""
    ip: str = ""
    user_agent: str = ""


class WriteFailure(BaseModel):
    """A write the database refused for good."""

    year: int
    province: str | None
    workflow_id: str
    number: int
    write: str
    error: str
    at: datetime


class ActionRecords(BaseModel):
    """Audit rows queued together, written in one transaction."""

    actions: list[ActionRecord]


class StageChange(BaseModel):
    year: int
    province: str
    stage: Stage
    at: datetime


class ProposalsRecord(BaseModel):
    year: int
    province: str
    actor: str
    items: list[ProposalItem]
    at: datetime


class OutcomeRecord(BaseModel):
    year: int
    province: str
    session_id: str
    actor: str
    items: list[OutcomeItem]
    at: datetime


class OutcomeRecords(BaseModel):
    """Sessions' outcomes queued together, written in one transaction, in the order recorded."""

    outcomes: list[OutcomeRecord]


class ConfirmationsRecord(BaseModel):
    year: int
    province: str
    actor: str
    confirmations: list[ItemConfirmation]
    at: datetime

    @classmethod
    def of(cls, update: ConfirmItems, year: int, province: str, at: datetime) -> ConfirmationsRecord:
        return cls(
            year=year, province=province, actor=update.actor, confirmations=update.confirmations, at=at
        )


class SignatureRecord(BaseModel):
    year: int
    province: str
    party: Party
    actor: str
    actor_name: str
    sha256: str
    at: datetime

    @classmethod
    def of(cls, signature: SignatureView, year: int, province: str, name: str) -> SignatureRecord:
        return cls(
            year=year,
            province=province,
            party=signature.party,
            actor=signature.signer,
            actor_name=name,
            sha256=signature.document_sha256,
            at=signature.signed_at,
        )


class SignaturesVoided(BaseModel):
    """The document changed after these parties signed: their signatures no longer hold."""

    year: int
    province: str
    parties: list[str]


class AttendanceRecord(BaseModel):
    year: int
    attended: int


class DeadlineChange(BaseModel):
    """A province's deadline as an organizer extended it."""

    year: int
    province: str
    step: DeadlineStep
    deadline: datetime


class DirectoryChange(BaseModel):
    """A person added to or changed in the directory, and the sessions they are now invited to
    (in the place of ``leaves``, whose links stop opening)."""

    year: int
    person: Participant
    leaves: str | None = None
    sessions: list[str] = []
    by: str
    """The organizer who made the change."""


class SessionChange(BaseModel):
    """A session's new time, place or state; a new time must find its desk free."""

    session_id: str
    year: int
    desk: str
    starts_at: datetime
    ends_at: datetime
    room: str
    online_link: str
    sequence: int
    state: SessionState

    @classmethod
    def of(cls, session: DeskSession, year: int) -> SessionChange:
        return cls(
            session_id=session.id,
            year=year,
            desk=session.desk,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            room=session.room,
            online_link=session.online_link,
            sequence=session.sequence,
            state=session.state,
        )


class AgreementRequest(BaseModel):
    year: int
    province: str
    rendered_at: datetime
    """Calendar time, printed on the document: the same on every retry."""


class AgreementDocument(BaseModel):
    path: str
    """The HTML document: what the SHA-256 is of, and what each signature binds to."""
    pdf_path: str | None = None
    """The same document laid out for print."""
    sha256: str
    items_agreed: int
    items_not_agreed: int


class ReplyRecord(BaseModel):
    year: int
    subject: str
    """A session's id, or the pre-meeting's ``YEAR-pra``."""
    participant: str
    partstat: str
    sequence: int
    at: datetime
    mode: str | None = None
    """onsite or online, for an invitee who attends."""

    @classmethod
    def of(cls, reply: RecordReply, year: int, subject: str, at: datetime) -> ReplyRecord:
        return cls(
            year=year,
            subject=subject,
            participant=reply.actor,
            partstat=reply.partstat,
            sequence=reply.sequence,
            at=at,
            mode=reply.mode,
        )


class AttendanceEntry(BaseModel):
    """One person present at a session or the pre-meeting (the daftar hadir)."""

    year: int
    subject: str
    """A session's id, or the pre-meeting's ``YEAR-pra``."""
    participant: str
    mode: str
    """onsite or online."""
    source: str
    """portal (the person checked in), or the name of an imported video platform report."""
    at: datetime

    @classmethod
    def of(cls, check_in: CheckIn, year: int, subject: str, at: datetime) -> AttendanceEntry:
        source = "portal" if check_in.origin else "command line"
        return cls(
            year=year, subject=subject, participant=check_in.actor, mode=check_in.mode, source=source, at=at
        )


class DelegationRecord(BaseModel):
    """A delegate in the directory, invited where their delegator was (disposisi)."""

    year: int
    province: str
    subject: str
    """The session id, or YEAR-PROVINCE-usulan for the data entry."""
    session_id: str | None
    delegator: str
    delegate: Participant
    at: datetime

    @classmethod
    def of(
        cls,
        year: int,
        province: str,
        session_id: str | None,
        delegator: str,
        delegate: Participant,
        at: datetime,
    ) -> DelegationRecord:
        subject = session_id or f"{year}-{province}-usulan"
        return cls(
            year=year,
            province=province,
            subject=subject,
            session_id=session_id,
            delegator=delegator,
            delegate=delegate,
            at=at,
        )


class AttendanceImport(BaseModel):
    """The entries of one imported participant report, written at once."""

    entries: list[AttendanceEntry]

    @classmethod
    def of(cls, present: list[Presence], year: int, subject: str, source: str) -> AttendanceImport:
        return cls(
            entries=[
                AttendanceEntry(
                    year=year,
                    subject=subject,
                    participant=p.participant,
                    mode="online",
                    source=source,
                    at=p.joined_at,
                )
                for p in present
            ]
        )


class TogetherRecords(BaseModel):
    """Audit rows, check-ins and outcomes queued side by side, written in one transaction."""

    actions: list[ActionRecord] = []
    check_ins: list[AttendanceEntry] = []
    outcomes: list[OutcomeRecord] = []
    """In the order recorded."""
