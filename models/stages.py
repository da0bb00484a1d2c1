"""Stages of a province and states of a desk session."""

from enum import StrEnum


class Stage(StrEnum):
    PRE_MEETING = "PRE_MEETING"
    DATA_ENTRY = "DATA_ENTRY"
    DESK_SESSIONS = "DESK_SESSIONS"
    CONFIRMATION = "CONFIRMATION"
    SIGN_OFF = "SIGN_OFF"
    COMPLETED = "COMPLETED"


class SessionState(StrEnum):
    SCHEDULED = "scheduled"
    INVITED = "invited"
    HELD = "held"
    """The session's time has come; its outcome is awaited."""
    OUTCOME_RECORDED = "outcome_recorded"
    CANCELLED = "cancelled"


class Party(StrEnum):
    REGIONAL = "regional"
    """The province: Kepala Bappeda Provinsi."""
    CENTRAL = "central"
    """The central government: Ditjen Bina Bangda."""
