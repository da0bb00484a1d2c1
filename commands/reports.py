"""Where a cycle stands: status tables, the audit trail, exports and the live board."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text
from temporalio.client import Client

from commands.console import console, engine_and_year, errors, fail, open_database
from commands.export import export_cycle
from commands.status import cycle_status, province_status
from models.status import CycleStatus, ProvinceStatus
from settings import load_settings
from temporal_client import connect_client


def print_status(status: CycleStatus) -> None:
    table = Table(title=f"{status.name} — stages {status.stages}")
    for column in (
        "code",
        "province",
        "stage",
        "sessions",
        "cancelled",
        "pending",
        "overdue",
        "signed",
        "present",
        "delegated",
        "failed mail",
        "failed writes",
    ):
        table.add_column(column)
    for p in status.provinces:
        table.add_row(
            p.code,
            p.name,
            p.stage,
            f"{p.sessions_done}/{p.sessions_total}",
            str(p.sessions_cancelled),
            ", ".join(p.pending),
            Text(", ".join(p.overdue), style="bold red"),
            ", ".join(p.signatures),
            str(p.present),
            str(p.delegations),
            Text(str(p.failed_deliveries), style="red" if p.failed_deliveries else ""),
            Text(str(p.failed_writes), style="bold red" if p.failed_writes else ""),
        )
    console.print(table)
    console.print(
        f"calendar time {status.calendar_now}; outbox: {status.outbox}; "
        f"pre-meeting attended: {status.pre_meeting_attended} "
        f"({status.pre_meeting_checked_in} checked in)"
    )


def print_province(status: ProvinceStatus) -> None:
    console.print(
        f"[bold]{status.code} {status.name}[/] ({status.zone}): {status.stage} since "
        f"{status.stage_since}; sessions {status.sessions_done}/{status.sessions_total}, "
        f"proposals {status.proposals}, agreed {status.items_agreed}, confirmed "
        f"{status.items_confirmed}, signed by {', '.join(status.signatures) or 'nobody yet'}",
        highlight=False,
    )
    if status.overdue:
        console.print(f"[bold red]overdue:[/] {', '.join(status.overdue)}")
    table = Table()
    columns = (
        "desk",
        "venue time",
        "province time",
        "seq",
        "state",
        "invitation",
        "replies",
        "present",
        "items",
    )
    for column in columns:
        table.add_column(column)
    for s in status.sessions:
        table.add_row(
            f"{s.desk} {s.desk_name}",
            s.venue_time,
            s.province_time,
            str(s.sequence),
            Text(s.state + (" (overdue)" if s.overdue else ""), style="bold red" if s.overdue else ""),
            ", ".join(f"{k} {v}" for k, v in s.invitation.items()),
            ", ".join(f"{k} {v}" for k, v in s.replies.items()),
            ", ".join(f"{k} {v}" for k, v in s.attendance.items()),
            str(s.outcome_items),
        )
    console.print(table)


async def cmd_status(args: argparse.Namespace) -> None:
    engine, year = engine_and_year(args)
    status: CycleStatus | ProvinceStatus
    if args.province:
        try:
            status = province_status(engine, year, args.province)
        except LookupError as exc:
            fail(str(exc))
    else:
        status = cycle_status(engine, year)
    if args.json:
        print(json.dumps(status.model_dump(mode="json"), ensure_ascii=False, indent=1))
    elif isinstance(status, ProvinceStatus):
        print_province(status)
    else:
        print_status(status)


async def cmd_audit(args: argparse.Namespace) -> None:
    from commands.audit import audit_trail

    engine, year = engine_and_year(args)
    province = None if args.province == "cycle" else args.province
    trail = audit_trail(engine, year, province)
    if args.json:
        print(json.dumps(trail, ensure_ascii=False, indent=1))
        return
    table = Table(
        title=f"audit trail: {'cycle-wide actions' if province is None else 'province ' + province}, {year}"
    )
    for column in ("calendar time (UTC)", "action", "actor", "token", "detail", "from"):
        table.add_column(column)
    for row in trail:
        where = f"portal {row['portal_session']}, {row['ip']}" if row["portal_session"] else "command line"
        table.add_row(row["at"], row["action"], row["actor"], row["token_id"], row["detail"], where)
    console.print(table)


async def cmd_export(args: argparse.Namespace) -> None:
    engine, year = engine_and_year(args)
    folder = Path(args.out) if args.out else load_settings().output_dir / str(year) / "exports"
    for path in export_cycle(engine, year, folder):
        console.print(str(path))


async def cmd_serve(args: argparse.Namespace) -> None:
    from web.app import create_web_app, hosts_for
    from web.serve import ExposureError, require_protection_when_exposed, web_server, web_url

    settings = load_settings()
    host = args.host or settings.board_host
    port = args.port or settings.board_port
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    try:
        require_protection_when_exposed(host, token, settings.portal_url, settings.trusted_proxy)
    except ExposureError as exc:
        fail(str(exc))
    engine = open_database(settings.database_url)
    try:
        client: Client | None = await connect_client(settings)
    except RuntimeError as exc:
        errors.print(
            f"Temporal at {settings.temporal_address} does not answer ({exc}); "
            "the board shows the database only and the portal takes no action"
        )
        client = None
    secret = settings.token_secret.get_secret_value() if settings.token_secret else None
    if secret is None:
        errors.print("RAKORTEK_TOKEN_SECRET is not set: the portal cannot open anyone's link")
    app = create_web_app(
        engine,
        client,
        token_secret=secret,
        year=args.year,
        admin_token=token,
        https=settings.portal_url.startswith("https://"),
        secretariat=settings.secretariat,
        session_hours=settings.portal_session_hours,
        allowed_hosts=hosts_for(settings.portal_url, settings.allowed_hosts),
        temporal_ui=settings.temporal_ui,
        namespace=settings.temporal_namespace,
    )
    address = web_url(host, port)
    console.print(
        f"portal: [link]{address}[/link]; organizers' console: [link]{address}konsol[/link]; "
        f"status board: [link]{address}board/[/link]"
    )
    if token:
        console.print("the status board needs the admin token")
    await web_server(app, host, port, settings.trusted_proxy).serve()


def register(sub: Any) -> None:
    p = sub.add_parser("status", help="where the cycle stands, per province")
    p.add_argument("province", nargs="?", help="BPS code of one province")
    p.add_argument("--json", action="store_true")
    p.add_argument("--year", type=int)
    p.set_defaults(run=cmd_status)

    p = sub.add_parser("audit", help="who did what, when, with which token")
    p.add_argument("province", help="BPS code, or 'cycle' for the pre-meeting's actions")
    p.add_argument("--json", action="store_true")
    p.add_argument("--year", type=int)
    p.set_defaults(run=cmd_audit)

    p = sub.add_parser("export", help="schedule, outcomes and agreements as CSV and JSON")
    p.add_argument("--year", type=int)
    p.add_argument("--out", help="folder (default: the output folder)")
    p.set_defaults(run=cmd_export)

    p = sub.add_parser(
        "serve", aliases=["dashboard"], help="serve the portal and the live status board (/board/)"
    )
    p.add_argument("--host", help="address to listen on (default RAKORTEK_BOARD_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="default RAKORTEK_BOARD_PORT, 8000")
    p.add_argument("--year", type=int, help="the cycle shown (default: the latest)")
    p.set_defaults(run=cmd_serve)
