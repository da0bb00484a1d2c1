"""What an organizer asks of a running province beyond moving and cancelling its sessions: an
invitation sent again, a reminder to those who have not acted, a later deadline."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from models.stages import ChaseStep, DeadlineStep
from models.text import Line
from models.workflow_io import Origin


class ResendInvitation(BaseModel):
    """The session's invitation as it stands (same UID and SEQUENCE) to one invitee, whose copy
    went astray: a new message with a Message-ID of its own, on purpose."""

    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    desk: Line
    participant: Line


class Chase(BaseModel):
    """A "[Tindakan diperlukan]" reminder to everyone of the province who has not yet done
    ``step``; ``desk`` narrows a chase for answers to one session."""

    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    step: ChaseStep
    desk: Line | None = None


class ExtendDeadline(BaseModel):
    """A later deadline for one step of this province; the reminders and escalation planned for
    the old one move with it, and the people concerned are told."""

    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    step: DeadlineStep
    until: datetime
    reason: Line
