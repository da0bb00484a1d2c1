"""Record invitees' iTIP replies, from .eml files or a Maildir folder, through the workflows."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from mail.replies import ReplyError, parse_reply
from models.workflow_io import RecordReply, cycle_workflow_id, province_workflow_id
from store.tables import ParticipantRow


def reply_files(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder stands for its .eml files (a Maildir's cur/ and new/ included)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            found.append(path)
    return found


async def record_reply(client: Client, engine: Engine, raw: bytes, token: str | None) -> str:
    """Record one reply (.eml or .ics bytes); return what was recorded, or raise ReplyError.

    ``token``: the action token of the organizer feeding the replies in.
    """
    reply = parse_reply(raw)
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
        {
            "actor": participant,
            "token": token,
            "desk": reply.desk,
            "partstat": reply.partstat,
            "sequence": reply.sequence,
        }
    )
    try:
        await client.get_workflow_handle(workflow_id).execute_update("record_reply", update)
    except WorkflowUpdateFailedError as exc:
        raise ReplyError(str(getattr(exc.cause, "message", exc.cause))) from exc
    except RPCError as exc:
        raise ReplyError(f"{workflow_id}: {exc.message}") from exc
    where = f"desk {reply.desk} of province {reply.province}" if reply.desk else "the pre-meeting"
    return f"{participant} {reply.partstat} {where}"
