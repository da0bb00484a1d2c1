"""The organizers' and admins' command line: start a cycle, act on it, see where it stands.

python starter.py --help
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from commands.export import export_cycle
from commands.progress import follow_cycle
from commands.status import cycle_status, latest_year, province_status
from models.cycle import Cycle, CycleFileError, load_cycle
from models.stages import Party
from models.workflow_io import (
    CancelSession,
    ConfirmItems,
    CycleInput,
    RecordOutcome,
    RescheduleSession,
    SignAgreement,
    SubmitProposals,
    cycle_workflow_id,
    province_workflow_id,
)
from settings import VAR_DIR, Settings, load_settings
from store.database import connect
from store.schema import SchemaError, current_revision, head_revision, require_current, upgrade
from worker import connect_client
from workflows.cycle import CycleWorkflow
from workflows.province import ProvinceWorkflow

console = Console()
errors = Console(stderr=True)
DEFAULT_REHEARSAL_SPEED = 5_000.0


def fail(message: str, code: int = 2) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise SystemExit(code)


def read_cycle(path: str) -> Cycle:
    try:
        return load_cycle(path)
    except CycleFileError as exc:
        fail(f"the cycle file cannot be used:\n{exc}")
        raise


def refuse_real_addresses(cycle: Cycle) -> None:
    real = [p.email for p in cycle.participants if not p.has_reserved_address]
    if real:
        fail(
            f"a rehearsal mails every participant, and {len(real)} addresses are not under a "
            f"reserved domain (.test, example.org...), e.g. {real[0]}: refusing to rehearse"
        )


async def start_cycle(
    client: Client, settings: Settings, cycle: Cycle, speed: float | None, simulate: bool
) -> Any:
    return await client.start_workflow(
        CycleWorkflow.run,
        CycleInput(cycle=cycle, rehearsal_speed=speed, simulate_participants=simulate),
        id=cycle_workflow_id(cycle.year),
        task_queue=settings.task_queue,
    )


async def cmd_start(args: argparse.Namespace) -> None:
    cycle = read_cycle(args.cycle_file)
    if args.rehearsal_speed is not None:
        refuse_real_addresses(cycle)
    settings = load_settings()
    client = await connect_client(settings)
    handle = await start_cycle(client, settings, cycle, args.rehearsal_speed, args.simulate_participants)
    console.print(f"started cycle {cycle.year}: workflow [bold]{handle.id}[/]")
    if args.wait:
        engine = open_database(settings.database_url)
        await follow_cycle(handle, engine, cycle, console)


async def cmd_rehearse(args: argparse.Namespace) -> None:
    """The embedded default: dev server, SMTP server and worker, a whole cycle, then stop."""
    from board.app import create_app
    from board.serve import board_server, board_url, free_port, start_serving
    from embedded.stack import embedded_stack

    cycle = read_cycle(args.cycle_file)
    refuse_real_addresses(cycle)
    folder = Path(args.folder)
    if folder.exists():
        shutil.rmtree(folder)
    console.print(f"rehearsing {cycle.name} at {args.speed:g}x, state under {folder}")
    with embedded_stack(folder) as stack:
        console.print(f"Temporal Web UI: [link]http://127.0.0.1:{stack.ui_port}[/link]")
        # Two worker processes share the task queue: mail composition is CPU work, and one
        # Python process uses one core.
        workers = [stack.start_worker() for _ in range(args.workers)]
        settings = Settings.model_validate(
            {
                "TEMPORAL_ADDRESS": f"127.0.0.1:{stack.temporal_port}",
                "RAKORTEK_DATABASE_URL": stack.database_url,
                "RAKORTEK_SMTP_PORT": stack.smtp_port,
                "RAKORTEK_OUTPUT_DIR": stack.output_folder,
                "RAKORTEK_TOKEN_SECRET": stack.token_secret,
            }
        )
        engine = connect(settings.database_url)
        upgrade(engine)
        client = await connect_client(settings)
        board_port = free_port("127.0.0.1", load_settings().board_port)
        board = board_server(create_app(engine, client, cycle.year), "127.0.0.1", board_port)
        serving = await start_serving(board)
        console.print(f"Status board: [link]{board_url('127.0.0.1', board_port)}[/link]")
        handle = await start_cycle(client, settings, cycle, args.speed, True)
        try:
            summary = await follow_cycle(handle, engine, cycle, console, workers=workers)
        finally:
            board.should_exit = True
            await serving
        exports = export_cycle(engine, cycle.year, stack.output_folder / "exports")
        status = cycle_status(engine, cycle.year)
        print_status(status)
        mail = sorted(stack.mail_folder.glob("*.eml"))
        console.print(
            f"\n[bold green]cycle {cycle.year} rehearsed:[/] "
            f"{sum(p.stage == 'COMPLETED' for p in summary.provinces)} provinces COMPLETED\n"
            f"  mail ({len(mail)} messages, .eml with the .ics inside): {stack.mail_folder}\n"
            f"  agreements: {stack.output_folder / str(cycle.year) / 'agreements'}\n"
            f"  exports: {exports[0].parent}\n"
            f"  database: {stack.database_url}\n"
            f"  Temporal history: {folder / 'temporal.db'} (see it with "
            f"`temporal server start-dev --db-filename {folder / 'temporal.db'}`, UI on :8233)\n"
            f"  status: RAKORTEK_DATABASE_URL={stack.database_url} python starter.py status"
        )


def print_status(status: dict[str, Any]) -> None:
    table = Table(title=f"{status['name']} — stages {status['stages']}")
    for column in (
        "code",
        "province",
        "stage",
        "sessions",
        "cancelled",
        "pending",
        "overdue",
        "signed",
        "failed mail",
    ):
        table.add_column(column)
    for p in status["provinces"]:
        table.add_row(
            p["code"],
            p["name"],
            p["stage"],
            f"{p['sessions_done']}/{p['sessions_total']}",
            str(p["sessions_cancelled"]),
            ", ".join(p["pending"]),
            Text(", ".join(p["overdue"]), style="bold red"),
            ", ".join(p["signatures"]),
            Text(str(p["failed_deliveries"]), style="red" if p["failed_deliveries"] else ""),
        )
    console.print(table)
    console.print(
        f"calendar time {status['calendar_now']}; outbox: {status['outbox']}; "
        f"pre-meeting attended: {status['pre_meeting_attended']}"
    )


def print_province(status: dict[str, Any]) -> None:
    console.print(
        f"[bold]{status['code']} {status['name']}[/] ({status['zone']}): {status['stage']} since "
        f"{status['stage_since']}; sessions {status['sessions_done']}/{status['sessions_total']}, "
        f"proposals {status['proposals']}, agreed {status['items_agreed']}, confirmed "
        f"{status['items_confirmed']}, signed by {', '.join(status['signatures']) or 'nobody yet'}",
        highlight=False,
    )
    if status["overdue"]:
        console.print(f"[bold red]overdue:[/] {', '.join(status['overdue'])}")
    table = Table()
    for column in ("desk", "venue time", "province time", "seq", "state", "invitation", "replies", "items"):
        table.add_column(column)
    for s in status["sessions"]:
        table.add_row(
            f"{s['desk']} {s['desk_name']}",
            s["venue_time"],
            s["province_time"],
            str(s["sequence"]),
            Text(
                s["state"] + (" (overdue)" if s["overdue"] else ""), style="bold red" if s["overdue"] else ""
            ),
            ", ".join(f"{k} {v}" for k, v in s["invitation"].items()),
            ", ".join(f"{k} {v}" for k, v in s["replies"].items()),
            str(s["outcome_items"]),
        )
    console.print(table)


def open_database(url: str) -> Engine:
    """The database at ``url``, at the schema this code needs, or a message saying what to run."""
    engine = connect(url)
    try:
        require_current(engine)
    except SchemaError as exc:
        fail(str(exc))
    return engine


def _engine_and_year(args: argparse.Namespace) -> tuple[Any, int]:
    engine = open_database(load_settings().database_url)
    year = args.year or latest_year(engine)
    if year is None:
        fail("no cycle in the database yet: start one with `starter.py start CYCLE_FILE`")
    return engine, year


async def cmd_status(args: argparse.Namespace) -> None:
    engine, year = _engine_and_year(args)
    if args.province:
        try:
            status = province_status(engine, year, args.province)
        except LookupError as exc:
            fail(str(exc))
    else:
        status = cycle_status(engine, year)
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=1))
    elif args.province:
        print_province(status)
    else:
        print_status(status)


async def cmd_audit(args: argparse.Namespace) -> None:
    from commands.audit import audit_trail

    engine, year = _engine_and_year(args)
    province = None if args.province == "cycle" else args.province
    trail = audit_trail(engine, year, province)
    if args.json:
        print(json.dumps(trail, ensure_ascii=False, indent=1))
        return
    table = Table(
        title=f"audit trail: {'cycle-wide actions' if province is None else 'province ' + province}, {year}"
    )
    for column in ("calendar time (UTC)", "action", "actor", "token", "detail"):
        table.add_column(column)
    for row in trail:
        table.add_row(row["at"], row["action"], row["actor"], row["token_id"], row["detail"])
    console.print(table)


async def cmd_export(args: argparse.Namespace) -> None:
    engine, year = _engine_and_year(args)
    folder = Path(args.out) if args.out else load_settings().output_dir / str(year) / "exports"
    for path in export_cycle(engine, year, folder):
        console.print(str(path))


async def cmd_rsvp(args: argparse.Namespace) -> None:
    from commands.replies import record_reply, reply_files
    from mail.replies import ReplyError

    settings = load_settings()
    engine = open_database(settings.database_url)
    client = await connect_client(settings)
    refused = 0
    for path in reply_files(Path(p) for p in args.paths):
        try:
            done = await record_reply(client, engine, path.read_bytes(), args.token)
            console.print(f"{path}: recorded: {done}")
        except (ReplyError, OSError) as exc:
            refused += 1
            console.print(f"{path}: [red]refused[/]: {exc}", highlight=False)
    if refused:
        raise SystemExit(2)


async def cmd_dashboard(args: argparse.Namespace) -> None:
    from board.app import create_app
    from board.serve import ExposureError, board_server, board_url, require_token_when_exposed

    settings = load_settings()
    host = args.host or settings.board_host
    port = args.port or settings.board_port
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    try:
        require_token_when_exposed(host, token)
    except ExposureError as exc:
        fail(str(exc))
    engine = open_database(settings.database_url)
    try:
        client: Client | None = await connect_client(settings)
    except RuntimeError as exc:
        errors.print(
            f"Temporal at {settings.temporal_address} does not answer ({exc}); "
            "the board shows the database only"
        )
        client = None
    console.print(
        f"status board: [link]{board_url(host, port)}[/link]" + (" (admin token required)" if token else "")
    )
    await board_server(create_app(engine, client, args.year, token), host, port).serve()


async def cmd_db(args: argparse.Namespace) -> None:
    settings = load_settings()
    engine = connect(settings.database_url)
    where = engine.url.render_as_string(hide_password=True)
    if args.action == "upgrade":
        before = current_revision(engine)
        upgrade(engine)
        print(f"{where}: schema {before or '(none)'} → {current_revision(engine)}")
    else:
        current, head = current_revision(engine), head_revision()
        print(f"{where}: schema {current or '(none)'}; this code needs {head}")
        if current != head:
            raise SystemExit(1)


def _load_json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        fail(f"{path}: {exc}")


async def _update(args: argparse.Namespace, update: Any, payload: Any) -> None:
    settings = load_settings()
    client = await connect_client(settings)
    year = args.year
    if year is None:
        year = latest_year(open_database(settings.database_url))
    if year is None:
        fail("which cycle? pass --year")
    handle = client.get_workflow_handle(province_workflow_id(year, args.province))
    payload = payload.model_copy(update={"token": args.token})
    try:
        result = await handle.execute_update(update, payload)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        fail(f"refused: {getattr(cause, 'message', None) or cause}")
    except RPCError as exc:
        fail(f"province {args.province} of cycle {year}: {exc.message}")
    console.print(f"done: {result}")


async def cmd_submit_proposals(args: argparse.Namespace) -> None:
    items = _load_json(args.file)
    await _update(
        args, ProvinceWorkflow.submit_proposals, _model(SubmitProposals, actor=args.actor, items=items)
    )


async def cmd_record_outcome(args: argparse.Namespace) -> None:
    items = _load_json(args.file)
    payload = _model(RecordOutcome, actor=args.actor, desk=args.desk, items=items, notes=args.notes)
    await _update(args, ProvinceWorkflow.record_outcome, payload)


async def cmd_confirm(args: argparse.Namespace) -> None:
    confirmations = _load_json(args.file)
    payload = _model(ConfirmItems, actor=args.actor, confirmations=confirmations)
    await _update(args, ProvinceWorkflow.confirm_items, payload)


async def cmd_sign(args: argparse.Namespace) -> None:
    sha = args.sha256
    if sha is None:
        from sqlalchemy.orm import Session

        from store.tables import AgreementRow

        engine, year = _engine_and_year(args)
        with Session(engine) as db:
            agreement = db.get(AgreementRow, (year, args.province))
        if agreement is None:
            fail(f"no agreement document yet for province {args.province}")
        sha = agreement.sha256
        console.print(f"signing {agreement.path} (SHA-256 {sha})")
    payload = _model(SignAgreement, actor=args.actor, party=args.party, document_sha256=sha)
    await _update(args, ProvinceWorkflow.sign, payload)


async def cmd_reschedule(args: argparse.Namespace) -> None:
    payload = _model(
        RescheduleSession,
        actor=args.actor,
        desk=args.desk,
        starts_at=args.start,
        room=args.room,
        online_link=args.link,
    )
    await _update(args, ProvinceWorkflow.reschedule, payload)


async def cmd_cancel(args: argparse.Namespace) -> None:
    payload = _model(CancelSession, actor=args.actor, desk=args.desk, reason=args.reason)
    await _update(args, ProvinceWorkflow.cancel, payload)


def _model(model: Any, **fields: Any) -> Any:
    from pydantic import ValidationError

    try:
        return model.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        fail(f"invalid input: {problems}")


def add_token(p: argparse.ArgumentParser, help: str = "the action token from the actor's mail") -> None:
    p.add_argument(
        "--token",
        default=os.environ.get("RAKORTEK_TOKEN"),
        help=f"{help} (default: $RAKORTEK_TOKEN)",
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="starter.py", description=__doc__.splitlines()[0])
    sub = root.add_subparsers(dest="command", required=True)

    p = sub.add_parser("start", help="start a cycle from its cycle file")
    p.add_argument("cycle_file")
    p.add_argument(
        "--rehearsal-speed",
        type=float,
        metavar="X",
        help="rehearse on the cycle's own calendar with every wait compressed X times",
    )
    p.add_argument(
        "--simulate-participants",
        action="store_true",
        help="simulated people act through the same updates a person would use",
    )
    p.add_argument("--wait", action="store_true", help="show progress until the cycle completes")
    p.set_defaults(run=cmd_start)

    p = sub.add_parser("rehearse", help="the embedded default: run a whole cycle on this machine")
    p.add_argument("cycle_file")
    p.add_argument("--speed", type=float, default=DEFAULT_REHEARSAL_SPEED)
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--folder", default=str(VAR_DIR / "rehearsal"), help="state (reset first)")
    p.set_defaults(run=cmd_rehearse)

    p = sub.add_parser("status", help="where the cycle stands, per province")
    p.add_argument("province", nargs="?", help="BPS code of one province")
    p.add_argument("--json", action="store_true")
    p.add_argument("--year", type=int)
    p.set_defaults(run=cmd_status)

    p = sub.add_parser(
        "rsvp", help="record invitees' replies (iTIP REPLY) from .eml files or Maildir folders"
    )
    p.add_argument("paths", nargs="+", metavar="FILE.eml|FOLDER")
    add_token(p, "your organizer token (from your own invitation mail)")
    p.set_defaults(run=cmd_rsvp)

    p = sub.add_parser("audit", help="who did what, when, with which token")
    p.add_argument("province", help="BPS code, or 'cycle' for the pre-meeting's actions")
    p.add_argument("--json", action="store_true")
    p.add_argument("--year", type=int)
    p.set_defaults(run=cmd_audit)

    p = sub.add_parser("export", help="schedule, outcomes and agreements as CSV and JSON")
    p.add_argument("--year", type=int)
    p.add_argument("--out", help="folder (default: the output folder)")
    p.set_defaults(run=cmd_export)

    p = sub.add_parser("dashboard", help="serve the live status board (read-only)")
    p.add_argument("--host", help="address to listen on (default RAKORTEK_BOARD_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="default RAKORTEK_BOARD_PORT, 8000")
    p.add_argument("--year", type=int, help="the cycle shown (default: the latest)")
    p.set_defaults(run=cmd_dashboard)

    p = sub.add_parser("db", help="the database schema: upgrade it, or show where it stands")
    p.add_argument("action", choices=["upgrade", "current"])
    p.set_defaults(run=cmd_db)

    def action(name: str, help: str, run: Any, desk: bool = False) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.add_argument("province", help="BPS code, e.g. 94")
        if desk:
            p.add_argument("desk", help="desk code, e.g. 1.01 or W.02")
        p.add_argument("--actor", required=True, help="participant id of who acts")
        add_token(p)
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
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        asyncio.run(args.run(args))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
