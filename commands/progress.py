"""Progress bars per stage while a cycle runs (rich), read from the database."""

from __future__ import annotations

import asyncio
import subprocess
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from temporalio.client import WorkflowHandle

from commands.pace import Pace, latest_calendar
from commands.status import cycle_status
from models.cycle import Cycle
from models.stages import Stage
from models.workflow_io import CycleSummary

STAGES = list(Stage)


async def follow_cycle(
    handle: WorkflowHandle[Any, Any],
    engine: Engine,
    cycle: Cycle,
    console: Console,
    workers: list[subprocess.Popen[bytes]] | None = None,
    speed: float | None = None,
) -> CycleSummary:
    """``speed``: a rehearsal's requested speed, to say when the machine sets the pace."""
    provinces = len(cycle.provinces)
    sessions = provinces * len(cycle.desks)
    result = asyncio.ensure_future(handle.result())
    with Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        bars = {
            stage: progress.add_task(f"provinces past {stage.value}", total=provinces)
            for stage in STAGES[:-1]
        }
        completed = progress.add_task("provinces COMPLETED", total=provinces)
        outcomes = progress.add_task("desk sessions with an outcome", total=sessions)
        mail = progress.add_task("messages sent", total=None)
        pace = Pace(speed) if speed is not None else None
        calendar = progress.add_task("", total=None, visible=pace is not None)
        while not result.done():
            stopped = [w for w in workers or [] if w.poll() is not None]
            if stopped:
                result.cancel()
                raise RuntimeError(f"a worker stopped (exit code {stopped[0].returncode})")
            try:
                status = await asyncio.to_thread(cycle_status, engine, cycle.year)
            except LookupError:
                status = None
            if status is not None:
                reached = [STAGES.index(Stage(p.stage)) for p in status.provinces]
                for stage, task in bars.items():
                    progress.update(task, completed=sum(r > STAGES.index(stage) for r in reached))
                progress.update(completed, completed=sum(r == len(STAGES) - 1 for r in reached))
                progress.update(outcomes, completed=sum(p.sessions_done for p in status.provinces))
                progress.update(mail, completed=status.outbox.get("sent", 0))
            if pace is not None:
                latest = await asyncio.to_thread(latest_calendar, engine, cycle.year)
                progress.update(calendar, description=pace.observe(time.monotonic(), latest))
            await asyncio.wait({result}, timeout=1.0)
    return await result
