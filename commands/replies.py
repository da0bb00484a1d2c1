"""Record invitees' iTIP replies, from .eml files or a Maildir folder, through the workflows."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from commands.acting import Operator
from mail.replies import ReplyError, parse_reply
from models.workflow_io import RecordReply, cycle_workflow_id, province_workflow_id
from store.tables import ParticipantRow
from temporal_client import act, new_update_id

MAX_REPLY_BYTES = 1_000_000
"""A calendar reply is a few kilobytes; a larger file is something else."""


def reply_files(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder stands for its .eml files (a Maildir's cur/ and new/ included),
    symbolic links left out (``read_reply_file`` refuses those given by name)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            found += sorted(
                p
                for p in path.rglob("*")
                if not p.is_symlink() and p.is_file() and not p.name.startswith(".")
            )
        else:
            found.append(path)
    return found


def read_reply_file(path: Path) -> bytes:
    """A regular file's bytes, not through a symbolic link, at most MAX_REPLY_BYTES; ReplyError
    otherwise (which never repeats what the file holds)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReplyError("a symbolic link: give the message file itself") from None
        raise ReplyError(f"cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ReplyError("not a regular file")
        raw = file.read(MAX_REPLY_BYTES + 1)
    if len(raw) > MAX_REPLY_BYTES:
        raise ReplyError(f"larger than {MAX_REPLY_BYTES:,} bytes: not a calendar reply")
    return raw


async def record_reply(
    client: Client,
    engine: Engine,
    raw: bytes,
    operator: Operator,
    trusted: Sequence[str],
    now: datetime | None = None,
) -> str:
    """Record one reply (the whole .eml); return what was recorded, or raise ReplyError.

    ``operator``: the organizer feeding the replies in. ``trusted``: the authserv-ids of the
    mail server that vouches for each reply's sender (RAKORTEK_REPLY_AUTHSERV_ID). ``now``: the
    workflows' clock, where it is not the wall clock (temporal_client.act).
    """
    reply = parse_reply(raw, trusted)
    with Session(engine) as db:
        participant = db.scalar(
            select(ParticipantRow.id).where(
                ParticipantRow.year == reply.year, func.lower(ParticipantRow.email) == reply.attendee
            )
        )
    if participant is None:
        raise ReplyError(f"{reply.attendee} is not a participant of cycle {reply.year}")
    workflow_id = (
        province_workflow_id(reply.year, reply.province)
        if reply.province is not None
        else cycle_workflow_id(reply.year)
    )
    update = RecordReply.model_validate(
        {"actor": participant, "desk": reply.desk, "partstat": reply.partstat, "sequence": reply.sequence}
    )
    try:
        await act(
            client.get_workflow_handle(workflow_id),
            "record_reply",
            update,
            holder=operator.holder,
            issuer=operator.issuer,
            update_id=new_update_id("rsvp"),
            now=now,
        )
    except WorkflowUpdateFailedError as exc:
        raise ReplyError(str(getattr(exc.cause, "message", exc.cause))) from exc
    except RPCError as exc:
        raise ReplyError(f"{workflow_id}: {exc.message}") from exc
    where = f"desk {reply.desk} of province {reply.province}" if reply.desk else "the pre-meeting"
    return f"{participant} {reply.partstat} {where}"
