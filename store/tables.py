"""Tables. Keys are natural and deterministic, so that a retried write lands on the same row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class CycleRow(Base):
    __tablename__ = "cycles"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    plan_year: Mapped[int] = mapped_column(Integer)
    venue_zone: Mapped[str] = mapped_column(String(64))
    venue: Mapped[str] = mapped_column(String(300))
    organizer_name: Mapped[str] = mapped_column(String(300))
    attended: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Pre-meeting attendance, as recorded by the organizers."""
    calendar_origin: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    real_origin: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    speed: Mapped[float | None] = mapped_column(Float, nullable=True)
    """The cycle's clock, so that readers know its calendar time (a rehearsal runs compressed)."""
    data_entry_deadline: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    confirmation_deadline: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    sign_off_deadline: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    directory_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Counts the directory's changes while the cycle runs: a worker reads a person again after one."""
    definition: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The cycle as loaded from its file (JSON): what the portal shows of the pre-meeting, the
    venue and the organizer."""


class DeskRow(Base):
    __tablename__ = "desks"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(12))
    lead_agency: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(320))


class ParticipantRow(Base):
    __tablename__ = "participants"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    organisation: Mapped[str] = mapped_column(String(300))
    province: Mapped[str | None] = mapped_column(String(4), nullable=True)
    desks: Mapped[str] = mapped_column(String(400), default="")
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    zone: Mapped[str] = mapped_column(String(64))
    nip: Mapped[str | None] = mapped_column(String(18), nullable=True)
    position: Mapped[str | None] = mapped_column(String(200), nullable=True)
    acting: Mapped[str | None] = mapped_column(String(4), nullable=True)
    """Plt. or Plh., before the position."""
    replaced_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """Who took this person's place while the cycle ran: their links never open again."""


class ProvinceProgressRow(Base):
    __tablename__ = "province_progress"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    province: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    zone: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(20))
    stage_since: Mapped[datetime] = mapped_column(DateTime)
    """Calendar time (UTC) the stage began."""
    data_entry_deadline: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    """UTC; set when an organizer extended the cycle's deadline for this province."""
    confirmation_deadline: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    sign_off_deadline: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class StageChangeRow(Base):
    """Every stage a province entered, and when: the timeline."""

    __tablename__ = "stage_changes"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    province: Mapped[str] = mapped_column(String(4), primary_key=True)
    stage: Mapped[str] = mapped_column(String(20), primary_key=True)
    entered_at: Mapped[datetime] = mapped_column(DateTime)
    """Calendar time (UTC)."""


class SessionRow(Base):
    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    province: Mapped[str] = mapped_column(String(4))
    desk: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    """UTC, like every time stored here."""
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    room: Mapped[str] = mapped_column(String(200))
    online_link: Mapped[str] = mapped_column(String(300))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20))

    __table_args__ = (Index("ix_sessions_desk_time", "year", "desk", "starts_at"),)


class PlanItemColumns:
    """The columns every planning item has, proposed or agreed."""

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    province: Mapped[str] = mapped_column(String(4), primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    desk: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    indicator: Mapped[str] = mapped_column(String(300))
    target_value: Mapped[float] = mapped_column(Float)
    target_unit: Mapped[str] = mapped_column(String(40))
    location: Mapped[str] = mapped_column(String(120))
    budget_rupiah: Mapped[int] = mapped_column(BigInteger)
    funding_source: Mapped[str] = mapped_column(String(30))


class ProposalRow(PlanItemColumns, Base):
    __tablename__ = "proposals"
    proposed_by: Mapped[str] = mapped_column(String(10))
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(DateTime)


class OutcomeItemRow(PlanItemColumns, Base):
    __tablename__ = "outcome_items"
    session_id: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(12))
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class ConfirmationRow(Base):
    __tablename__ = "confirmations"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    province: Mapped[str] = mapped_column(String(4), primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    location_ready: Mapped[bool] = mapped_column()
    target_confirmed: Mapped[bool] = mapped_column()
    notes: Mapped[str] = mapped_column(Text, default="")
    confirmed_by: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime] = mapped_column(DateTime)


class AgreementRow(Base):
    __tablename__ = "agreements"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    province: Mapped[str] = mapped_column(String(4), primary_key=True)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    rendered_at: Mapped[datetime] = mapped_column(DateTime)


class SignatureRow(Base):
    __tablename__ = "signatures"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    province: Mapped[str] = mapped_column(String(4), primary_key=True)
    party: Mapped[str] = mapped_column(String(10), primary_key=True)
    signer: Mapped[str] = mapped_column(String(64))
    signer_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime)


class OutboxRow(Base):
    """Every message, one row per recipient: the proof of what was sent, failed or skipped."""

    __tablename__ = "outbox"
    message_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    province: Mapped[str | None] = mapped_column(String(4), nullable=True)
    session_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(30))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    recipient: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(10))
    """pending, sent, failed (permanent refusal) or skipped (its moment had passed)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    made_at: Mapped[datetime] = mapped_column(DateTime)
    """Calendar time the message was made (what its Date header says)."""


class ReplyRow(Base):
    """A participant's answer to an invitation (iTIP REPLY): the latest one counts."""

    __tablename__ = "replies"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(40), primary_key=True)
    """The session id, or YEAR-pra for the pre-meeting."""
    participant: Mapped[str] = mapped_column(String(64), primary_key=True)
    partstat: Mapped[str] = mapped_column(String(12))
    sequence: Mapped[int] = mapped_column(Integer)
    replied_at: Mapped[datetime] = mapped_column(DateTime)
    mode: Mapped[str | None] = mapped_column(String(8), nullable=True)
    """onsite (luring) or online (daring), for an invitee who attends."""


class ActionRow(Base):
    """The audit trail: every human action, who took it, when, with which token."""

    __tablename__ = "actions"
    workflow_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The workflow that took the action: update ids are unique per workflow only."""
    update_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    """Temporal's update id (its SHA-256 when longer than 200): a retried write lands on the
    same row."""
    year: Mapped[int] = mapped_column(Integer, index=True)
    province: Mapped[str | None] = mapped_column(String(4), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    token_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)
    """Calendar time (UTC)."""
    ordinal: Mapped[int] = mapped_column(Integer, default=0)
    """The action's place among its workflow's actions. A rehearsal's calendar stands still
    while a province has work in hand, so several actions can carry the same ``at``."""
    portal_session: Mapped[str] = mapped_column(String(16), default="")
    """The portal session the action came from; empty from the command line."""
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(400), default="")


class ProvincePlanRow(Base):
    """Each province's share of the cycle's plan, as its workflow loads it at its start."""

    __tablename__ = "province_plans"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    province: Mapped[str] = mapped_column(String(4), primary_key=True)
    plan: Mapped[str] = mapped_column(Text)
    """The ProvincePlan as JSON: sessions as first planned, people, simulation."""


class SessionInviteeRow(Base):
    """Who is invited to each session: what a person's portal lists as theirs."""

    __tablename__ = "session_invitees"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    participant: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = (Index("ix_session_invitees_participant", "year", "participant"),)


class PortalSessionRow(Base):
    """A person's signed-in browser: opened from the link in their mail, closed on sign-out or
    when it expires. The cookie holds a random value; only its SHA-256 is kept here."""

    __tablename__ = "portal_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    participant: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    """Wall-clock time (UTC), like expires_at and closed_at: a browser lives in real time."""
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    ip: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(400))


class ProposalDraftRow(Base):
    """Proposal rows a person is still entering in the portal, as typed: kept until submitted."""

    __tablename__ = "proposal_drafts"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    province: Mapped[str] = mapped_column(String(4), primary_key=True)
    participant: Mapped[str] = mapped_column(String(64), primary_key=True)
    rows: Mapped[str] = mapped_column(Text)
    """JSON: a list of rows, each a mapping of field to the text typed."""
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class AttendanceRow(Base):
    """The daftar hadir: who was present at each session and the pre-meeting, and how."""

    __tablename__ = "attendance"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(40), primary_key=True)
    """The session id, or YEAR-pra for the pre-meeting."""
    participant: Mapped[str] = mapped_column(String(64), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime)
    """Calendar time (UTC) of the check-in."""


class DelegationRow(Base):
    """Disposisi: who stands in for whom, at a session or in a province's data entry."""

    __tablename__ = "delegations"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(40), primary_key=True)
    """The session id, or YEAR-PROVINCE-usulan for the data entry."""
    delegator: Mapped[str] = mapped_column(String(64), primary_key=True)
    delegate: Mapped[str] = mapped_column(String(64))
    province: Mapped[str] = mapped_column(String(4))
    at: Mapped[datetime] = mapped_column(DateTime)
    """Calendar time (UTC) of the delegation."""

    __table_args__ = (Index("ix_delegations_delegate", "year", "delegate"),)


class LinkRevocationRow(Base):
    """A person whose portal links no longer open (a replaced contact, a leaked mail)."""

    __tablename__ = "link_revocations"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(400))
    revoked_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    """Wall-clock time (UTC) of the revocation."""


class WriteFailureRow(Base):
    """A write the database refused for good (a value it cannot hold, a broken constraint): kept
    for the organizers to see, while the writes behind it go on."""

    __tablename__ = "write_failures"
    workflow_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    """The workflow's count of its failed writes: a retried record lands on the same row."""
    year: Mapped[int] = mapped_column(Integer)
    province: Mapped[str | None] = mapped_column(String(4), nullable=True)
    write: Mapped[str] = mapped_column(String(64))
    """The write activity, e.g. change_session."""
    error: Mapped[str] = mapped_column(String(400))
    """What the database said, naming columns and ids, never the values people typed."""
    at: Mapped[datetime] = mapped_column(DateTime)
    """Calendar time (UTC) of the failure."""

    __table_args__ = (Index("ix_write_failures_year", "year", "province"),)
