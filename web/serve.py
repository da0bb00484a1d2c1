"""Serving the web application (portal and board) with uvicorn, on its own or beside a rehearsal."""

from __future__ import annotations

import asyncio
import socket

import uvicorn
from starlette.types import ASGIApp

from board.app import is_exposed


class ExposureError(ValueError):
    """The web server would listen beyond this machine unprotected."""


def require_protection_when_exposed(
    host: str, token: str | None, portal_url: str = "", trusted_proxy: str | None = None
) -> None:
    """Beyond loopback, the board needs the admin token, and the portal's cookies and links
    need https: its own (RAKORTEK_PORTAL_URL https://…) or a trusted proxy's in front of it."""
    if not is_exposed(host):
        return
    if not token:
        raise ExposureError(
            f"the status board would listen on {host}, beyond this machine, without an admin token: "
            "set RAKORTEK_ADMIN_TOKEN, or listen on 127.0.0.1"
        )
    if not portal_url.startswith("https://") and not trusted_proxy:
        raise ExposureError(
            f"the portal would listen on {host}, beyond this machine, without https: set "
            "RAKORTEK_PORTAL_URL to its https:// address behind a proxy that terminates TLS and "
            "RAKORTEK_TRUSTED_PROXY to that proxy's address, or listen on 127.0.0.1"
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


def web_server(app: ASGIApp, host: str, port: int, trusted_proxy: str | None = None) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            proxy_headers=trusted_proxy is not None,
            forwarded_allow_ips=trusted_proxy or "127.0.0.1",
        )
    )


def web_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{shown}:{port}/"


async def start_serving(server: uvicorn.Server) -> asyncio.Task[None]:
    """Serve in the background; return once the socket listens (uvicorn offers a flag, no event)."""
    task = asyncio.ensure_future(server.serve())
    while not server.started:
        if task.done():
            task.result()  # a bind error surfaces here
            raise RuntimeError("the web server stopped before it started")
        await asyncio.sleep(0.05)
    return task
