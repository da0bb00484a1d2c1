"""The web application: the portal at /, the status board under /board, one process and port.

Security is the maintained middlewares' job: asgi-csrf (a signed double-submit token on every
form), secure (the response headers: no Referer ever leaves, no inline script runs, no page is
framed) and slowapi (rate limits on link openings and on actions per person).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from asgi_csrf import asgi_csrf
from secure import (
    CacheControl,
    ContentSecurityPolicy,
    ReferrerPolicy,
    Secure,
    StrictTransportSecurity,
    XContentTypeOptions,
    XFrameOptions,
)
from secure.middleware import SecureASGIMiddleware
from slowapi import Limiter
from slowapi.errors import RateLimitExceeded
from slowapi.util import get_remote_address
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp
from temporalio.client import Client

from board.app import create_app as create_board
from console.directory_pages import DirectoryPages
from console.follow_up import FollowUpPages
from console.new_cycle_pages import NewCyclePages
from console.pages import ConsolePages
from console.province_page import ProvincePage
from portal.actions import Actions
from portal.attendance_pages import AttendancePages
from portal.confirmation_pages import ConfirmationPages
from portal.delegation_pages import DelegationPages
from portal.desk_pages import DeskPages
from portal.pages import Portal, ServerTime, labels
from portal.proposal_pages import ProposalPages
from portal.signing_pages import SigningPages
from portal.visitors import COOKIE, LINK_PATH, Visitors
from security.tokens import TokenIssuer
from settings import PROJECT_DIR

STATIC = PROJECT_DIR / "static"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
LINK_OPENINGS = "120/minute"
"""Per address: a person opens their link a few times a day, an office behind one address has
many people, and a link is a signed token that no number of guesses finds."""
ACTIONS = "30/minute"
"""Per portal session: more than anyone clicks by hand."""
CALENDAR_FETCHES = "60/minute"
"""Per address: calendar programs refresh a feed every hour or so; an office behind one address
has many people."""


def headers(https: bool) -> Secure:
    csp = (
        ContentSecurityPolicy()
        .default_src("'self'")
        .script_src("'self'")
        .style_src("'self'")
        # The board's timeline places its bars with style attributes; no script is inline.
        .style_src_attr("'unsafe-inline'")
        .img_src("'self'", "data:")
        .form_action("'self'")
        .frame_ancestors("'none'")
        .base_uri("'none'")
        .object_src("'none'")
    )
    return Secure(
        csp=csp,
        referrer=ReferrerPolicy().no_referrer(),
        xfo=XFrameOptions().deny(),
        xcto=XContentTypeOptions(),
        hsts=StrictTransportSecurity().max_age(31536000) if https else None,
        # Every page is someone's: their sessions, their province's items. Nothing is kept.
        cache=CacheControl().no_store(),
    )


def _per_session(request: Request) -> str:
    cookie = request.cookies.get(COOKIE)
    if cookie:
        return "session:" + hashlib.sha256(cookie.encode()).hexdigest()
    return "address:" + get_remote_address(request)


def _too_many(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(labels("id")["too_many"] + "\n" + labels("en")["too_many"], status_code=429)


def create_web_app(
    engine: Engine,
    client: Client | None,
    *,
    token_secret: str | None,
    year: int | None = None,
    admin_token: str | None = None,
    https: bool = False,
    secretariat: str | None = None,
    session_hours: float = 12,
    server_time: ServerTime | None = None,
    allowed_hosts: Sequence[str] = LOOPBACK_HOSTS,
    temporal_ui: str | None = None,
    namespace: str = "default",
    uploads: Path | None = None,
) -> ASGIApp:
    """``allowed_hosts``: the names the application answers to (Host header); any other is
    refused, so that a page of another site cannot reach it through a name that resolves to this
    machine (DNS rebinding). The portal's own host is added by the command that serves it."""
    board = create_board(engine, client, year, admin_token, https)
    routes: list[Route | Mount] = [
        Mount("/board", app=board),
        Mount("/static", app=StaticFiles(directory=STATIC)),
        Route("/health", lambda request: PlainTextResponse("ok")),
    ]
    limiter = Limiter(key_func=get_remote_address, application_limits=[], headers_enabled=False)
    if token_secret:
        issuer = TokenIssuer(token_secret)
        portal = Portal(
            engine,
            Visitors(engine, issuer, session_hours),
            Actions(client, issuer, server_time),
            secure_cookies=https,
            secretariat=secretariat,
            csrf_secret=csrf_signing_secret(token_secret),
            feed_secret=derived_secret(token_secret, b"calendar feed"),
            server_time=server_time,
        )
        console = ConsolePages(portal)
        limited = []
        routes_of = [
            portal.routes(),
            ProposalPages(portal).routes(),
            DeskPages(portal).routes(),
            ConfirmationPages(portal).routes(),
            DelegationPages(portal).routes(),
            AttendancePages(portal).routes(),
            SigningPages(portal).routes(),
            console.routes(),
            FollowUpPages(console).routes(),
            DirectoryPages(console).routes(),
            NewCyclePages(console, uploads or PROJECT_DIR / "var" / "uploads").routes(),
            ProvincePage(console, temporal_ui, namespace).routes(),
        ]
        for route in (r for group in routes_of for r in group):
            endpoint = route.endpoint
            if route.path == LINK_PATH:
                endpoint = limiter.limit(LINK_OPENINGS)(endpoint)
            elif route.path.startswith("/kalender/"):
                endpoint = limiter.limit(CALENDAR_FETCHES)(endpoint)
            elif route.methods and "POST" in route.methods:
                endpoint = limiter.limit(ACTIONS, key_func=_per_session)(endpoint)
            limited.append(Route(route.path, endpoint, methods=route.methods, name=route.name))
        routes = [*limited, *routes]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
            Middleware(SecureASGIMiddleware, secure=headers(https)),
        ],
        exception_handlers={RateLimitExceeded: _too_many},
    )
    app.state.limiter = limiter
    return asgi_csrf(
        app,
        signing_secret=csrf_signing_secret(token_secret),
        cookie_secure=https,
        cookie_samesite="Lax",
        skip_if_scope=_multipart_upload,
    )


def hosts_for(portal_url: str, extra: str | None = None) -> list[str]:
    """The loopback names, the portal's host as its links name it, and ``extra`` (comma-separated
    names a reverse proxy forwards)."""
    named = [urlsplit(portal_url).hostname or "", *(extra or "").split(",")]
    return [*LOOPBACK_HOSTS, *(h.strip() for h in named if h.strip())]


def derived_secret(token_secret: str | None, purpose: bytes) -> str:
    """A key of its own for each purpose, derived from the token secret."""
    return hmac.new((token_secret or "rakortek").encode(), purpose, hashlib.sha256).hexdigest()


def csrf_signing_secret(token_secret: str | None) -> str:
    return derived_secret(token_secret, b"csrf")


def _multipart_upload(scope: dict[str, object]) -> bool:
    """asgi-csrf 0.11 cannot read a multipart body with python-multipart 0.0.26 or later
    (simonw/asgi-csrf#38), and the older parser has a CVE: the multipart forms (the proposals
    upload, the video reports' import, a new cycle's files) check the same signed token in their
    handlers (portal/csrf.py)."""
    path = str(scope.get("path", ""))
    return (
        (path.startswith("/usulan/") and path.endswith("/unggah"))
        or (path.startswith("/kehadiran/") and path.endswith("/impor"))
        or path == "/konsol/siklus-baru"
    )
