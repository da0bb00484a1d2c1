"""A desk session and its state machine: the one place a session's state changes.

    SCHEDULED ─invite→ INVITED ─hold→ HELD ─record_outcome→ OUTCOME_RECORDED
        ↑ reschedule (a new SEQUENCE)     │
        └──────── CANCELLED ←cancel───────┘ (before it is held)

A reschedule of a cancelled session holds it again. Each transition refuses what cannot happen
with the reason, so a rule that forgot a case fails loudly instead of corrupting the session.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from models.stages import SessionState

DONE = (SessionState.HELD, SessionState.OUTCOME_RECORDED)
"""A session that has taken place: it can no longer move or be cancelled."""


class TransitionRefused(ValueError):
    """A session was asked to change in a way its state does not allow."""


class DeskSession(BaseModel):
    id: str
    """Stable for the session's whole life: also the calendar UID's stem."""
    province: str
    desk: str
    starts_at: datetime
    ends_at: datetime
    room: str
    online_link: str
    recipients: list[str]
    """Participant ids invited to the session."""
    sequence: int = 0
    """Calendar SEQUENCE: raised on every change of time, room, link, or on cancellation."""
    state: SessionState = SessionState.SCHEDULED
    outcome_by: str | None = None

    @property
    def taken_place(self) -> bool:
        return self.state in DONE

    def _refuse(self, action: str) -> TransitionRefused:
        return TransitionRefused(f"the session at desk {self.desk} cannot be {action}: it is {self.state}")

    def invite(self) -> None:
        """Its invitation (or update) went out. A session already held stays held: on a
        compressed calendar the mail may leave after the meeting has begun."""
        if self.state is SessionState.SCHEDULED:
            self.state = SessionState.INVITED
        elif self.state is SessionState.CANCELLED:
            raise self._refuse("invited")

    def hold(self) -> None:
        """Its time has come; the outcome is awaited (or is in already: it may come first)."""
        if self.state in (SessionState.SCHEDULED, SessionState.INVITED):
            self.state = SessionState.HELD
        elif self.state is not SessionState.OUTCOME_RECORDED:
            raise self._refuse("held")

    def record_outcome(self, by: str) -> None:
        if self.state is SessionState.CANCELLED:
            raise self._refuse("given an outcome")
        self.state = SessionState.OUTCOME_RECORDED
        self.outcome_by = by

    def rescheduled(self, starts_at: datetime, room: str | None, online_link: str | None) -> DeskSession:
        """The session moved (a cancelled one held again), with a new SEQUENCE for every
        calendar; it takes effect with ``take`` once recorded."""
        if self.taken_place:
            raise TransitionRefused(f"the session at desk {self.desk} has already been held")
        return self.model_copy(
            update={
                "starts_at": starts_at,
                "ends_at": starts_at + (self.ends_at - self.starts_at),
                "room": room or self.room,
                "online_link": online_link or self.online_link,
                "sequence": self.sequence + 1,
                "state": SessionState.SCHEDULED,
            }
        )

    def cancelled(self) -> DeskSession:
        """The session called off; it takes effect with ``take`` once recorded."""
        if self.state not in (SessionState.SCHEDULED, SessionState.INVITED):
            raise TransitionRefused(
                f"the session at desk {self.desk} can no longer be cancelled ({self.state})"
            )
        return self.model_copy(update={"sequence": self.sequence + 1, "state": SessionState.CANCELLED})

    def take(self, change: DeskSession) -> None:
        """Adopt a change made by ``rescheduled`` or ``cancelled`` (the database has taken it:
        the desk was free). The object stays the same, so whoever waits on it sees the change."""
        if change.id != self.id or change.sequence != self.sequence + 1:
            raise TransitionRefused(f"the change to desk {self.desk} is not the next version of its session")
        for field in ("starts_at", "ends_at", "room", "online_link", "sequence", "state"):
            setattr(self, field, getattr(change, field))


def session_id(year: int, province: str, desk: str) -> str:
    return f"{year}-{province}-{desk}"
