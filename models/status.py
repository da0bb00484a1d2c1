"""Where a cycle stands, as the command line's tables, its ``--json`` and the board read it."""

from __future__ import annotations

from pydantic import BaseModel


class ProvinceOverview(BaseModel):
    code: str
    name: str
    zone: str
    stage: str
    stage_since: str
    """Calendar time, ISO 8601 in UTC ("…Z")."""
    sessions_done: int
    sessions_total: int
    sessions_cancelled: int
    proposals: int
    items_agreed: int
    items_confirmed: int
    signatures: list[str]
    """Parties that have signed: regional, central."""
    pending: list[str]
    """What the province's current stage still waits for."""
    overdue: list[str]
    """What is past its deadline at the cycle's calendar time."""
    failed_deliveries: int
    present: int = 0
    """Check-ins at the province's desk sessions (the daftar hadir's rows)."""
    delegations: int = 0
    """Invitations and data-entry tasks passed on to a colleague (disposisi)."""
    failed_writes: int = 0
    """Writes the database refused for good (write_failures): each needs an organizer's look."""


class CycleStatus(BaseModel):
    year: int
    name: str
    calendar_now: str
    pre_meeting_attended: int | None
    pre_meeting_checked_in: int = 0
    """Who said "Saya hadir" at the pre-meeting, or was found in an imported video report."""
    stages: dict[str, int]
    """Provinces per stage."""
    outbox: dict[str, int]
    """Messages per outbox status."""
    provinces: list[ProvinceOverview]


class SessionStatus(BaseModel):
    id: str
    desk: str
    desk_name: str
    starts_at: str
    venue_time: str
    province_time: str
    room: str
    sequence: int
    state: str
    invitation: dict[str, int]
    """The session's invitations, updates and cancellations per outbox status."""
    replies: dict[str, int]
    """Invitees' answers per PARTSTAT."""
    outcome_items: int
    overdue: bool
    attendance: dict[str, int] = {}
    """Who checked in, per mode (onsite, online): the daftar hadir's count."""


class ProvinceStatus(ProvinceOverview):
    year: int
    calendar_now: str
    sessions: list[SessionStatus]
