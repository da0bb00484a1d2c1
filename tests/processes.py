"""Workers as separate processes, and a dev server with a file database, for the tests that kill them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from embedded.binaries import temporal_cli
from embedded.stack import dev_server_arguments
from settings import PROJECT_DIR, Settings


async def dev_server(folder: Path) -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        dev_server_database_filename=str(folder / "temporal.db"),
        dev_server_extra_args=dev_server_arguments(),
        data_converter=pydantic_data_converter,
    )


def start_worker(address: str, settings: Settings, task_queue: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": address,
        "RAKORTEK_TASK_QUEUE": task_queue,
        "RAKORTEK_DATABASE_URL": settings.database_url,
        "RAKORTEK_SMTP_HOST": settings.smtp_host,
        "RAKORTEK_SMTP_PORT": str(settings.smtp_port),
        "RAKORTEK_OUTPUT_DIR": str(settings.output_dir),
        "RAKORTEK_TOKEN_SECRET": settings.token_secret.get_secret_value() if settings.token_secret else "",
    }
    return subprocess.Popen(
        [sys.executable, "worker.py"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
