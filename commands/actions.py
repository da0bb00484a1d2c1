"""The human actions from the command line: each is the update a person's mail lets them send."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from commands.acting import LinkRefused, Operator, add_token_options, issuer_of, link_holder, read_token
from commands.console import console, engine_and_year, errors, fail, open_database, parse_model
from commands.status import latest_year
from models.stages import Party
from models.workflow_io import (
    CancelSession,
    ConfirmItems,
    RecordOutcome,
    RescheduleSession,
    SignAgreement,
    SubmitProposals,
    province_workflow_id,
)
from settings import Settings, authserv_ids, load_settings
from temporal_client import Waiting, act, connect_client, is_busy, new_update_id
from workflows.province import ProvinceWorkflow


async def cmd_rsvp(args: argparse.Namespace) -> None:
    from commands.replies import read_reply_file, record_reply, reply_files
    from mail.replies import ReplyError

    settings = load_settings()
    engine = open_database(settings.database_url)
    operator = _operator(args, settings, engine)
    client = await connect_client(settings)
    refused = 0
    for path in reply_files(Path(p) for p in args.paths):
        try:
            done = await record_reply(client, engine, read_reply_file(path), operator, authserv_ids(settings))
            console.print(f"{path}: recorded: {done}")
        except (ReplyError, OSError) as exc:
            refused += 1
            console.print(f"{path}: [red]refused[/]: {exc}", highlight=False)
    if refused:
        raise SystemExit(2)


def _load_json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        fail(f"{path}: {exc}")


def _operator(args: argparse.Namespace, settings: Settings, engine: Engine) -> Operator:
    """Who acts: the holder of the link read from --token-file, --token, the environment or a
    prompt; refused here when it is not ours or was withdrawn."""
    try:
        issuer = issuer_of(settings)
        return Operator(link_holder(engine, issuer, read_token(args)), issuer)
    except LinkRefused as exc:
        fail(str(exc))


async def _update(args: argparse.Namespace, update: Any, payload: Any) -> None:
    settings = load_settings()
    engine = open_database(settings.database_url)
    operator = _operator(args, settings, engine)
    client = await connect_client(settings)
    year = args.year
    if year is None:
        year = latest_year(engine)
    if year is None:
        fail("which cycle? pass --year")
    handle = client.get_workflow_handle(province_workflow_id(year, args.province))
    try:
        result = await act(
            handle,
            update,
            payload,
            holder=operator.holder,
            issuer=operator.issuer,
            update_id=new_update_id("cli"),
            waiting=_queued(args.province),
        )
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        fail(f"refused: {getattr(cause, 'message', None) or cause}")
    except (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError) as exc:
        busy = (
            " (still busy after a minute of trying: nothing was applied; run it again)"
            if is_busy(exc)
            else ""
        )
        fail(f"province {args.province} of cycle {year}: {getattr(exc, 'message', exc)}{busy}")
    console.print(f"done: {result}")


def _queued(province: str) -> Waiting:
    told: list[int] = []

    def say(attempt: int, pause: float) -> None:
        if not told:
            told.append(attempt)
            errors.print(
                f"province {province}'s workflow is busy (many people acting at once): "
                "your action waits its turn"
            )

    return say


async def cmd_submit_proposals(args: argparse.Namespace) -> None:
    items = _load_json(args.file)
    await _update(
        args, ProvinceWorkflow.submit_proposals, parse_model(SubmitProposals, actor=args.actor, items=items)
    )


async def cmd_record_outcome(args: argparse.Namespace) -> None:
    items = _load_json(args.file)
    payload = parse_model(RecordOutcome, actor=args.actor, desk=args.desk, items=items, notes=args.notes)
    await _update(args, ProvinceWorkflow.record_outcome, payload)


async def cmd_confirm(args: argparse.Namespace) -> None:
    confirmations = _load_json(args.file)
    payload = parse_model(ConfirmItems, actor=args.actor, confirmations=confirmations)
    await _update(args, ProvinceWorkflow.confirm_items, payload)


async def cmd_sign(args: argparse.Namespace) -> None:
    sha = args.sha256
    if sha is None:
        from sqlalchemy.orm import Session

        from store.tables import AgreementRow

        engine, year = engine_and_year(args)
        with Session(engine) as db:
            agreement = db.get(AgreementRow, (year, args.province))
        if agreement is None:
            fail(f"no agreement document yet for province {args.province}")
        sha = agreement.sha256
        console.print(f"signing {agreement.path} (SHA-256 {sha})")
    payload = parse_model(SignAgreement, actor=args.actor, party=args.party, document_sha256=sha)
    await _update(args, ProvinceWorkflow.sign, payload)


async def cmd_reschedule(args: argparse.Namespace) -> None:
    payload = parse_model(
        RescheduleSession,
        actor=args.actor,
        desk=args.desk,
        starts_at=args.start,
        room=args.room,
        online_link=args.link,
    )
    await _update(args, ProvinceWorkflow.reschedule, payload)


async def cmd_cancel(args: argparse.Namespace) -> None:
    payload = parse_model(CancelSession, actor=args.actor, desk=args.desk, reason=args.reason)
    await _update(args, ProvinceWorkflow.cancel, payload)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "rsvp", help="record invitees' replies (iTIP REPLY) from .eml files or Maildir folders"
    )
    p.add_argument("paths", nargs="+", metavar="FILE.eml|FOLDER")
    add_token_options(p, "your own (an organizer's)")
    p.set_defaults(run=cmd_rsvp)

    def action(name: str, help: str, run: Any, desk: bool = False) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.add_argument("province", help="BPS code, e.g. 94")
        if desk:
            p.add_argument("desk", help="desk code, e.g. 1.01 or W.02")
        p.add_argument("--actor", required=True, help="participant id of who acts")
        add_token_options(p)
        p.add_argument("--year", type=int)
        p.set_defaults(run=run)
        return p

    p = action("submit-proposals", "enter proposal items (JSON list)", cmd_submit_proposals)
    p.add_argument("--file", required=True)
    p = action("record-outcome", "record a desk's outcome (JSON list of items)", cmd_record_outcome, True)
    p.add_argument("--file", required=True)
    p.add_argument("--notes")
    p = action("confirm", "confirm location readiness and targets (JSON list)", cmd_confirm)
    p.add_argument("--file", required=True)
    p = action("sign", "sign the province's agreement", cmd_sign)
    p.add_argument("--party", required=True, choices=[party.value for party in Party])
    p.add_argument("--sha256", help="of the document signed (default: the current one)")
    p = action("reschedule", "move a session, or hold a cancelled one again", cmd_reschedule, True)
    p.add_argument("--start", required=True, help="e.g. 2022-03-07T09:00:00+07:00")
    p.add_argument("--room")
    p.add_argument("--link")
    p = action("cancel", "cancel a session", cmd_cancel, True)
    p.add_argument("--reason", required=True)
