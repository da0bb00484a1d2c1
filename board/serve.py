"""Serving the board with uvicorn, on its own or beside a rehearsal."""

from __future__ import annotations

import asyncio
import socket

import uvicorn
from starlette.applications import Starlette

from board.app import is_exposed


class ExposureError(ValueError):
    """The board would listen beyond this machine without an admin token."""


def require_token_when_exposed(host: str, token: str | None) -> None:
    if is_exposed(host) and not token:
        raise ExposureError(
            f"the status board would listen on {host}, beyond this machine, without an admin token: "
            "set RAKORTEK_ADMIN_TOKEN, or listen on 127.0.0.1"
        )


def free_port(host: str, preferred: int) -> int:
    """``preferred`` if nothing listens there yet, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError(f"no free port on {host}")


def board_server(app: Starlette, host: str, port: int) -> uvicorn.Server:
    return uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off"))


def board_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{shown}:{port}/"


async def start_serving(server: uvicorn.Server) -> asyncio.Task[None]:
    """Serve in the background; return once the socket listens (uvicorn offers a flag, no event)."""
    task = asyncio.ensure_future(server.serve())
    while not server.started:
        if task.done():
            task.result()  # a bind error surfaces here
            raise RuntimeError("the status board stopped before it started")
        await asyncio.sleep(0.05)
    return task
