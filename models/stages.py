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


class ChaseStep(StrEnum):
    """What the people an organizer chases have not done yet. The values are part of the
    reminders' Message-IDs: they stay as first issued."""

    REPLY = "jawaban"
    """Answered a desk session's invitation."""
    PROPOSALS = "usulan"
    """Submitted the province's proposals (e-Rakortekrenbang)."""
    CONFIRMATION = "konfirmasi"
    """Confirmed the agreed items (location readiness, national-priority targets)."""
    SIGNATURE = "tanda-tangan"
    """Signed the agreement."""


class DeadlineStep(StrEnum):
    """A deadline an organizer may extend, for one province or all."""

    DATA_ENTRY = "entri-data"
    CONFIRMATION = "konfirmasi"
    SIGN_OFF = "penandatanganan"

    @property
    def field(self) -> str:
        """Its name in the cycle's Deadlines."""
        return {"entri-data": "data_entry", "konfirmasi": "confirmation", "penandatanganan": "sign_off"}[
            self.value
        ]
