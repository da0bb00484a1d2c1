"""A worker in a process of its own, so that its memory is its own: the floor's or rakortek's.

Configured like worker.py, from the environment (TEMPORAL_ADDRESS, RAKORTEK_TASK_QUEUE, …).
Prints ``ready`` once polling, and on SIGTERM stops and prints its peak memory and CPU seconds
as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import signal
from collections.abc import AsyncIterator
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker

from bench.floor import FloorActivities, FloorCycleWorkflow, FloorProvinceWorkflow
from settings import Settings, load_settings
from temporal_client import connect_client
from worker import rakortek_worker, workflow_runner


@contextlib.asynccontextmanager
async def floor_worker(client: Client, settings: Settings) -> AsyncIterator[Worker]:
    activities = FloorActivities(client)
    worker = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[FloorCycleWorkflow, FloorProvinceWorkflow],
        activities=[activities.noop, activities.act],
        workflow_runner=workflow_runner(),
        max_concurrent_activities=settings.worker_activities,
        max_concurrent_local_activities=settings.worker_activities,
        max_concurrent_workflow_tasks=settings.worker_workflow_tasks,
        max_cached_workflows=settings.worker_cache,
    )
    async with worker:
        yield worker


def children_peak_kb() -> int:
    """The largest peak memory among this process's living children (the PDF processes), each
    its own since it started its program. (getrusage's RUSAGE_CHILDREN would count the worker's
    pages a spawned child shares between fork and exec: the worker's size, not the child's.)"""
    peak = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(os.getpid()) and "VmHWM" in fields:
            peak = max(peak, int(fields["VmHWM"].split()[0]))
    return peak


async def main(kind: str) -> None:
    settings = load_settings()
    client = await connect_client(settings)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    running = floor_worker(client, settings) if kind == "floor" else rakortek_worker(client, settings)
    async with running:
        print("ready", flush=True)
        await stop.wait()
        children = children_peak_kb()
    own = resource.getrusage(resource.RUSAGE_SELF)
    # The PDF processes have been joined by now, so RUSAGE_CHILDREN holds their CPU time.
    spawned = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + spawned.ru_utime + spawned.ru_stime
    figures = {
        "peak_rss_mb": round(own.ru_maxrss / 1024, 1),
        "pdf_process_peak_rss_mb": round(children / 1024, 1),
        "cpu_seconds": round(cpu, 1),
    }
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["floor", "rakortek"])
    asyncio.run(main(parser.parse_args().kind))
