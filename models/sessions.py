"""A desk session as the province workflow holds it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from models.stages import SessionState


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


def session_id(year: int, province: str, desk: str) -> str:
    return f"{year}-{province}-{desk}"
