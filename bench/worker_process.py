"""A worker in a process of its own, so that its memory is its own: the floor's or rakortek's.

Configured like worker.py, from the environment (TEMPORAL_ADDRESS, RAKORTEK_TASK_QUEUE, …).
Prints ``ready`` once polling, and on SIGTERM stops and prints its peak memory as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import signal
from collections.abc import AsyncIterator

from temporalio.client import Client
from temporalio.worker import Worker

from bench.floor import FloorActivities, FloorCycleWorkflow, FloorProvinceWorkflow
from settings import Settings, load_settings
from worker import connect_client, rakortek_worker, workflow_runner


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


async def main(kind: str) -> None:
    settings = load_settings()
    client = await connect_client(settings)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    running = floor_worker(client, settings) if kind == "floor" else rakortek_worker(client, settings)
    async with running:
        print("ready", flush=True)
        await stop.wait()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # The largest of its finished children: the PDF processes, stopped with the worker.
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    figures = {"peak_rss_mb": round(own / 1024, 1), "pdf_process_peak_rss_mb": round(children / 1024, 1)}
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["floor", "rakortek"])
    asyncio.run(main(parser.parse_args().kind))
