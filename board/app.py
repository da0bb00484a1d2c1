"""The status board: read-only, live, for organizers and admins.

It listens on loopback unless configured otherwise; listening beyond loopback it requires the
admin token (RAKORTEK_ADMIN_TOKEN), given as ``Authorization: Bearer <token>`` or once as
``/?token=<token>``, which is traded for a board session: a cookie that is not the token (an
expiry and its HMAC under a key derived from the token), HttpOnly, SameSite=Strict, Secure over
https, for BOARD_SESSION; changing the token ends every session.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from datetime import datetime, timedelta
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from temporalio.client import Client
from temporalio.service import RPCError

from board.snapshot import board_snapshot, province_codes
from commands.status import latest_year
from models.workflow_io import cycle_workflow_id, province_workflow_id
from settings import PROJECT_DIR
from workflows.cycle import CycleWorkflow
from workflows.province import ProvinceWorkflow

COOKIE = "rakortek_board"
BOARD_SESSION = timedelta(hours=12)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
REFRESH_SECONDS = 2

templates = Environment(
    loader=FileSystemLoader(PROJECT_DIR / "templates" / "board"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def is_exposed(host: str) -> bool:
    return host not in LOOPBACK


class AdminToken(BaseHTTPMiddleware):
    """Every page but /health answers 401 without the token."""

    def __init__(self, app: Any, token: str, https: bool = False) -> None:
        super().__init__(app)
        self.token = token.encode()
        self.https = https
        self.key = hmac.new(self.token, b"board session", hashlib.sha256).digest()

    def _matches(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token)

    def _signed(self, expires: int) -> str:
        return hmac.new(self.key, str(expires).encode(), hashlib.sha256).hexdigest()

    def new_session(self) -> str:
        expires = int(time.time() + BOARD_SESSION.total_seconds())
        return f"{expires}.{self._signed(expires)}"

    def _session_valid(self, cookie: str | None) -> bool:
        expires, _, signature = (cookie or "").partition(".")
        if not expires.isdigit() or int(expires) <= time.time():
            return False
        return hmac.compare_digest(signature, self._signed(int(expires)))

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path == "/health":
            return await call_next(request)
        header = request.headers.get("authorization", "")
        bearer = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
        if self._matches(bearer) or self._session_valid(request.cookies.get(COOKIE)):
            return await call_next(request)
        if self._matches(request.query_params.get("token")):
            # Trade the token in the address for a session, so that it leaves the address bar
            # and no cookie jar ever holds it.
            response = RedirectResponse(request.url.remove_query_params("token"), status_code=303)
            response.set_cookie(
                COOKIE,
                self.new_session(),
                max_age=int(BOARD_SESSION.total_seconds()),
                httponly=True,
                samesite="strict",
                secure=self.https,
            )
            return response
        return PlainTextResponse(
            "401: the status board needs the admin token (Authorization: Bearer …, or /?token=…)",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="rakortek"'},
        )


class Board:
    def __init__(self, engine: Engine, client: Client | None, year: int | None) -> None:
        self.engine = engine
        self.client = client
        self.year = year

    async def _query(self, workflow_id: str, query: Any) -> Any:
        assert self.client is not None
        try:
            return await asyncio.wait_for(
                self.client.get_workflow_handle(workflow_id).query(query), timeout=3
            )
        except (RPCError, TimeoutError):
            return None

    async def live_state(self, year: int, provinces: list[str]) -> dict[str, Any] | None:
        """The workflows' own view: the cycle's phase and calendar time, each province's sessions.

        The database holds what has been recorded; the queries add what is in flight (a session
        invited or being held). A workflow that does not answer leaves the database's view.
        """
        if self.client is None:
            return None
        cycle = await self._query(cycle_workflow_id(year), CycleWorkflow.state)
        if cycle is None:
            return None
        states = await asyncio.gather(
            *(self._query(province_workflow_id(year, code), ProvinceWorkflow.state) for code in provinces)
        )
        return {
            "phase": cycle.phase,
            "calendar_now": cycle.calendar_now,
            "provinces": {
                code: {
                    "stage": state.stage.value,
                    "sessions": {v.desk: v.state.value for v in state.sessions},
                }
                for code, state in zip(provinces, states, strict=True)
                if state is not None
            },
        }

    async def snapshot(self) -> dict[str, Any] | None:
        year = self.year or await asyncio.to_thread(latest_year, self.engine)
        if year is None:
            return None
        provinces = await asyncio.to_thread(province_codes, self.engine, year)
        live = await self.live_state(year, provinces)
        calendar = live["calendar_now"] if live else None
        snapshot = await asyncio.to_thread(board_snapshot, self.engine, year, calendar)
        if live:
            for province in snapshot["provinces"]:
                seen = live["provinces"].get(province["code"])
                if seen is None:
                    continue
                for desk, state in seen["sessions"].items():
                    if desk in province["cells"]:
                        province["cells"][desk]["state"] = state
        snapshot["live"] = {"phase": live["phase"]} if live else None
        snapshot["read_at"] = datetime.now().astimezone().strftime("%H:%M:%S")
        return snapshot

    async def page(self, request: Request) -> HTMLResponse:
        snapshot = await self.snapshot()
        html = templates.get_template("page.html.j2").render(board=snapshot, refresh=REFRESH_SECONDS)
        return HTMLResponse(html)

    async def fragment(self, request: Request) -> HTMLResponse:
        snapshot = await self.snapshot()
        return HTMLResponse(templates.get_template("board.html.j2").render(board=snapshot))

    async def data(self, request: Request) -> JSONResponse:
        return JSONResponse(await self.snapshot())

    async def health(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")


def create_app(
    engine: Engine,
    client: Client | None = None,
    year: int | None = None,
    token: str | None = None,
    https: bool = False,
) -> Starlette:
    board = Board(engine, client, year)
    routes = [
        Route("/", board.page),
        Route("/fragment", board.fragment),
        Route("/api/board", board.data),
        Route("/health", board.health),
    ]
    middleware = [Middleware(AdminToken, token=token, https=https)] if token else []
    return Starlette(routes=routes, middleware=middleware)
