"""Starting a cycle, and rehearsing one whole on this machine (the embedded default)."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from temporalio.client import Client

from commands.console import console, fail, open_database, read_cycle
from commands.export import export_cycle
from commands.namespace import SearchAttributesMissing, require_search_attributes
from commands.progress import follow_cycle
from commands.reports import print_status
from commands.status import cycle_status
from models.clock import MAX_SPEED
from models.cycle import Cycle
from models.participants import Role
from models.workflow_io import CycleInput, cycle_workflow_id
from security.links import portal_link
from security.tokens import TokenIssuer, claims_for
from settings import VAR_DIR, Settings, Unsafe, load_settings, require_production_safe
from store.database import connect
from store.schema import upgrade
from temporal_client import connect_client
from workflows.cycle import CycleWorkflow

DEFAULT_REHEARSAL_SPEED = 5_000.0


def rehearsal_speed(text: str) -> float:
    """A rehearsal's compression: a number above 0, or ``max`` (as fast as the machine goes)."""
    if text.strip().lower() == "max":
        return MAX_SPEED
    try:
        speed = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither a number nor 'max'") from None
    if not 0 < speed < MAX_SPEED:
        raise argparse.ArgumentTypeError(f"{text!r}: a speed is above 0 (or 'max')")
    return speed


def speed_text(speed: float) -> str:
    return "as fast as the machine goes" if speed >= MAX_SPEED else f"at {speed:g}x"


def real_addresses(cycle: Cycle) -> list[str]:
    """The addresses a rehearsal must not mail: any outside the reserved domains."""
    return [p.email for p in cycle.participants if not p.has_reserved_address]


def refuse_real_addresses(cycle: Cycle) -> None:
    real = real_addresses(cycle)
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
    if args.rehearsal_speed is None:
        try:
            require_production_safe(settings)
        except Unsafe as exc:
            fail(str(exc))
    client = await connect_client(settings)
    try:
        added = await require_search_attributes(client, settings)
    except SearchAttributesMissing as exc:
        fail(str(exc))
    if added:
        console.print(f"registered search attribute(s) {', '.join(added)} on the local dev server")
    handle = await start_cycle(client, settings, cycle, args.rehearsal_speed, args.simulate_participants)
    console.print(f"started cycle {cycle.year}: workflow [bold]{handle.id}[/]")
    if args.wait:
        engine = open_database(settings.database_url)
        await follow_cycle(handle, engine, cycle, console, speed=args.rehearsal_speed)


async def cmd_rehearse(args: argparse.Namespace) -> None:
    """The embedded default: dev server, SMTP server and worker, a whole cycle, then stop."""
    from embedded.stack import embedded_stack
    from web.app import create_web_app
    from web.serve import free_port, start_serving, web_server, web_url

    cycle = read_cycle(args.cycle_file)
    refuse_real_addresses(cycle)
    folder = Path(args.folder)
    if folder.exists():
        shutil.rmtree(folder)
    console.print(f"rehearsing {cycle.name} {speed_text(args.speed)}, state under {folder}")
    with embedded_stack(folder, relay_defers_every=args.relay_defers_every) as stack:
        stack.web_port = free_port("127.0.0.1", load_settings().board_port)
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
        app = create_web_app(
            engine,
            client,
            token_secret=stack.token_secret,
            year=cycle.year,
            secretariat=cycle.organizer.mailbox,
            temporal_ui=f"http://127.0.0.1:{stack.ui_port}",
        )
        board = web_server(app, "127.0.0.1", stack.web_port)
        serving = await start_serving(board)
        address = web_url("127.0.0.1", stack.web_port)
        console.print(f"Status board: [link]{address}board/[/link]")
        organizer = next(p for p in cycle.participants if p.role is Role.ORGANIZER)
        link = portal_link(
            stack.portal_url,
            TokenIssuer(stack.token_secret).issue(
                claims_for(
                    organizer.id,
                    cycle.year,
                    None,
                    organizer.role.value,
                    expires_at=cycle.deadlines.cycle_ends_at,
                )
            ),
        )
        console.print(
            f"Portal: [link]{address}[/link]; organizers' console: [link]{address}konsol[/link]; "
            f"{organizer.name} ({organizer.id}) signs in with:"
        )
        # Unwrapped, so that the whole link can be copied from the terminal.
        console.print(link, soft_wrap=True, highlight=False)
        handle = await start_cycle(client, settings, cycle, args.speed, True)
        try:
            summary = await follow_cycle(handle, engine, cycle, console, workers=workers, speed=args.speed)
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


def register(sub: Any) -> None:
    p = sub.add_parser("start", help="start a cycle from its cycle file")
    p.add_argument("cycle_file")
    p.add_argument(
        "--rehearsal-speed",
        type=rehearsal_speed,
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
    p.add_argument(
        "--speed",
        type=rehearsal_speed,
        default=DEFAULT_REHEARSAL_SPEED,
        help="calendar time per real second (default 5000), or max: as fast as the machine goes; "
        "the calendar waits for the workers either way",
    )
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument(
        "--relay-defers-every",
        type=int,
        default=0,
        metavar="N",
        help="the embedded mail relay answers every Nth message 451 (try again later), as a busy relay does",
    )
    p.add_argument("--folder", default=str(VAR_DIR / "rehearsal"), help="state (reset first)")
    p.set_defaults(run=cmd_rehearse)
