"""One cycle rehearsed at several speeds, each on an embedded stack of its own (dev server, SMTP
server, worker processes, the portal a quarter of the simulated people act through), as
``starter.py rehearse`` runs it; then what each left is compared.

The same cycle file must give the same mail by kind, no skipped reminder, the same sessions and
outcomes, the same signatures, and the same agreements where their text carries no time.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.portal import PortalRun
from embedded.stack import embedded_stack
from models.clock import MAX_SPEED
from models.cycle import Cycle
from models.workflow_io import CycleInput, cycle_workflow_id
from store.tables import OutboxRow, OutcomeItemRow, SessionRow, SignatureRow
from temporal_client import connect_client
from workflows.cycle import CycleWorkflow

COMPARED = ("stages", "mail", "sessions", "outcomes", "signatures", "agreements")

TIMES = re.compile(r"\d{1,2}[.:]\d{2}(:\d{2})?|\d{4}-\d{2}-\d{2}T[\d:.+Z-]+")
"""Times of day and ISO stamps, which an agreement carries where it says when it was made."""


def speed_name(speed: float) -> str:
    return "max" if speed >= MAX_SPEED else f"{speed:g}"


def left_behind(run: PortalRun, output: Path, year: int) -> dict[str, Any]:
    with Session(run.engine) as db:
        mail = Counter(
            f"{kind}:{status}" for kind, status in db.execute(select(OutboxRow.kind, OutboxRow.status))
        )
        sessions = sorted(
            f"{id_} {starts.isoformat()} {state}"
            for id_, starts, state in db.execute(
                select(SessionRow.id, SessionRow.starts_at, SessionRow.state)
            )
        )
        outcomes = sorted(
            f"{ref} {status}" for ref, status in db.execute(select(OutcomeItemRow.ref, OutcomeItemRow.status))
        )
        signatures = sorted(
            f"{p} {party}" for p, party in db.execute(select(SignatureRow.province, SignatureRow.party))
        )
    agreements = {}
    for path in sorted((output / str(year) / "agreements").glob("*-ditandatangani.html")):
        text = TIMES.sub("", path.read_text(encoding="utf-8"))
        agreements[path.name] = hashlib.sha256(text.encode()).hexdigest()
    return {
        "mail": dict(sorted(mail.items())),
        "sessions": sessions,
        "outcomes": outcomes,
        "signatures": signatures,
        "agreements": agreements,
    }


async def rehearse_at(cycle: Cycle, folder: Path, speed: float, workers: int) -> dict[str, Any]:
    with embedded_stack(folder, any_free_ports=True) as stack:
        run = PortalRun(stack, workers)
        settings = run.settings()
        client = await connect_client(settings)
        started = time.perf_counter()
        summary = await client.execute_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=speed, simulate_participants=True),
            id=cycle_workflow_id(cycle.year),
            task_queue=settings.task_queue,
        )
        seconds = time.perf_counter() - started
        found = left_behind(run, stack.output_folder, cycle.year)
    sent = sum(n for kind, n in found["mail"].items() if kind.endswith(":sent"))
    return {
        "speed": speed_name(speed),
        "seconds": round(seconds, 1),
        "messages": sent,
        "messages_per_minute": round(sent / seconds * 60),
        "skipped": sum(n for kind, n in found["mail"].items() if kind.endswith(":skipped")),
        "stages": sorted(f"{p.code} {p.stage}" for p in summary.provinces),
        **found,
    }


async def rehearse_at_speeds(cycle: Cycle, folder: Path, speeds: list[float], workers: int) -> dict[str, Any]:
    runs = [await rehearse_at(cycle, folder / speed_name(s), s, workers) for s in speeds]
    first = runs[0]
    same = {figure: all(r[figure] == first[figure] for r in runs[1:]) for figure in COMPARED}
    return {
        "runs": [
            {k: r[k] for k in ("speed", "seconds", "messages", "messages_per_minute", "skipped")}
            | {"mail": r["mail"], "agreements": len(r["agreements"]), "outcome_items": len(r["outcomes"])}
            for r in runs
        ],
        "same": same,
        "differences": {
            figure: {r["speed"]: r[figure] for r in runs} for figure, equal in same.items() if not equal
        },
    }
