"""Workers as separate processes, and a dev server with a file database, for the tests that kill them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from embedded.binaries import temporal_cli
from embedded.smtp import free_port
from embedded.stack import dev_server_arguments, dev_server_command, wait_for_port
from settings import PROJECT_DIR, Settings


async def dev_server(folder: Path) -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        dev_server_database_filename=str(folder / "temporal.db"),
        dev_server_extra_args=dev_server_arguments(),
        data_converter=pydantic_data_converter,
    )


def start_worker(
    address: str, settings: Settings, task_queue: str, log: Path, build_id: str | None = None
) -> subprocess.Popen[bytes]:
    """``build_id``: a versioned worker of the deployment ``settings.deployment_name``."""
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": address,
        "RAKORTEK_TASK_QUEUE": task_queue,
        "RAKORTEK_DATABASE_URL": settings.database_url,
        "RAKORTEK_SMTP_HOST": settings.smtp_host,
        "RAKORTEK_SMTP_PORT": str(settings.smtp_port),
        "RAKORTEK_OUTPUT_DIR": str(settings.output_dir),
        "RAKORTEK_TOKEN_SECRET": settings.token_secret.get_secret_value() if settings.token_secret else "",
        "RAKORTEK_DEPLOYMENT_NAME": settings.deployment_name,
        "RAKORTEK_DEPLOYMENT": settings.deployment,
    }
    if build_id is not None:
        env["RAKORTEK_BUILD_ID"] = build_id
    return subprocess.Popen(
        [sys.executable, "worker.py"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


class DevServer:
    """The Temporal dev server with its file database, as a process a test can kill and restart."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        log = (self.folder / "temporal.log").open("ab")
        # A session of its own: kill and stop reach every process the CLI starts, not just itself.
        self.process = subprocess.Popen(
            dev_server_command(self.port, self.folder / "temporal.db"),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, "Temporal dev server", timeout=60)

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
