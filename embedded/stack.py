"""Start and stop the embedded default: Temporal dev server, local SMTP server, worker."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from embedded.binaries import temporal_cli
from security.signing import SigningFiles, make_test_ca
from settings import PROJECT_DIR
from web.serve import free_port
from workflows.search_attributes import SEARCH_ATTRIBUTES

# Measured: WAL with synchronous=normal ran a 1,224-session cycle about 3x faster than the dev
# server's default file mode.
SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")


def dev_server_arguments() -> list[str]:
    """The dev server's pragmas, and rakortek's search attributes registered at start."""
    args: list[str] = []
    for pragma in SQLITE_PRAGMAS:
        args += ["--sqlite-pragma", pragma]
    for key, kind in SEARCH_ATTRIBUTES:
        args += ["--search-attribute", f"{key.name}={kind}"]
    return args


def dev_server_command(port: int, database: Path, ui_port: int | None = None) -> list[str]:
    """The dev server on loopback with its file database; no Web UI when ``ui_port`` is None."""
    args = [temporal_cli(), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port)]
    args += ["--ui-port", str(ui_port)] if ui_port is not None else ["--headless"]
    args += ["--db-filename", str(database), "--log-level", "warn"]
    return args + dev_server_arguments()


@dataclass
class EmbeddedStack:
    folder: Path
    temporal_port: int = 7233
    ui_port: int = 8233
    smtp_port: int = 8025
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: int = 0
    web_port: int = 8000
    """Where the portal and board listen: every letter's personal link leads there."""
    token_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    """A rehearsal's own: its simulated participants and its workers share it."""
    relay_defers_every: int = 0
    """The embedded relay answers every Nth message 451, as a busy relay does (0: never)."""

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.folder / 'rakortek.db'}"

    @property
    def portal_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def mail_folder(self) -> Path:
        return self.folder / "mail"

    @property
    def output_folder(self) -> Path:
        return self.folder / "output"

    @cached_property
    def signing(self) -> SigningFiles:
        return make_test_ca(self.folder / "signing")

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "TEMPORAL_ADDRESS": f"127.0.0.1:{self.temporal_port}",
            "RAKORTEK_DATABASE_URL": self.database_url,
            "RAKORTEK_SMTP_HOST": "127.0.0.1",
            "RAKORTEK_SMTP_PORT": str(self.smtp_port),
            "RAKORTEK_OUTPUT_DIR": str(self.output_folder),
            "RAKORTEK_TOKEN_SECRET": self.token_secret,
            # Made-up people on this machine only: payloads may travel unencrypted.
            "RAKORTEK_DEPLOYMENT": "rehearsal",
            "RAKORTEK_PORTAL_URL": self.portal_url,
            # A quarter of the provinces' simulated people act through the portal's forms.
            "RAKORTEK_SIMULATE_THROUGH_PORTAL": "0.25",
            # The rehearsal's own test CA signs the filed agreements (security/signing.py).
            "RAKORTEK_SIGNING_KEY": str(self.signing.key),
            "RAKORTEK_SIGNING_CERT": str(self.signing.cert),
            "RAKORTEK_SIGNING_CHAIN": str(self.signing.chain),
        }

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen[bytes]:
        handle = (self.folder / log).open("ab")
        process = subprocess.Popen(
            args, cwd=PROJECT_DIR, env=self.environment(), stdout=handle, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def start_temporal(self) -> None:
        args = dev_server_command(self.temporal_port, self.folder / "temporal.db", self.ui_port)
        self._spawn(args, "temporal.log")
        wait_for_port(self.temporal_port, "Temporal dev server", timeout=60)

    def start_smtp(self) -> None:
        self._spawn(
            [
                sys.executable,
                "-m",
                "embedded.smtp",
                "--port",
                str(self.smtp_port),
                "--folder",
                str(self.mail_folder),
                "--defer-every",
                str(self.relay_defers_every),
            ],
            "smtp.log",
        )
        wait_for_port(self.smtp_port, "SMTP server", timeout=30)

    def start_worker(self) -> subprocess.Popen[bytes]:
        self.workers += 1
        return self._spawn([sys.executable, "worker.py"], f"worker-{self.workers}.log")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


def port_open(port: int) -> bool:
    with contextlib.closing(socket.socket()) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


@contextlib.contextmanager
def embedded_stack(
    folder: Path, any_free_ports: bool = False, relay_defers_every: int = 0
) -> Iterator[EmbeddedStack]:
    """The stack on its usual ports, or (``any_free_ports``, for benchmarks beside a running
    one) on whatever ports are free."""
    folder.mkdir(parents=True, exist_ok=True)
    stack = EmbeddedStack(folder, relay_defers_every=relay_defers_every)
    if any_free_ports:
        stack.temporal_port, stack.ui_port, stack.smtp_port = (free_port("127.0.0.1", 0) for _ in range(3))
    for port, what in ((stack.temporal_port, "Temporal"), (stack.smtp_port, "SMTP")):
        if port_open(port):
            raise RuntimeError(f"port {port} ({what}) is already in use: stop what listens there first")
    try:
        stack.start_temporal()
        stack.start_smtp()
        yield stack
    finally:
        stack.stop()
