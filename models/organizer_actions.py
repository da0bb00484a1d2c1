"""What an organizer asks of a running province beyond moving and cancelling its sessions: an
invitation sent again, a reminder to those who have not acted, a later deadline, a change to the
directory."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from models.participants import Participant
from models.stages import ChaseStep, DeadlineStep
from models.text import Identifier, Line
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


class DirectoryChangeKind(StrEnum):
    ADD = "tambah"
    """Someone new joins: invited to the open sessions of their desks."""
    REPLACE = "ganti"
    """Someone takes a person's place: the one who leaves gets a cancellation of their
    attendance for each open session, the new one its invitation."""
    UPDATE = "ubah"
    """A person's name, address or organisation changes; a new address gets the invitations."""


class ChangeDirectory(BaseModel):
    """A change to the cycle's directory while it runs: what is already recorded stays as it
    was (an answer, a check-in, a signature is the person's who made it)."""

    model_config = ConfigDict(extra="forbid")
    actor: Line
    token: str | None = Field(None, max_length=2000)
    origin: Origin | None = None
    kind: DirectoryChangeKind
    person: Participant
    replaces: Identifier | None = None
