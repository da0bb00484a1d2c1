"""The portal's pages: what each person sees and does, from the link in their mail.

Every page works without JavaScript; every form carries the CSRF token (web/app.py) and every
POST finds its person again from the session, never from the form.
"""

from __future__ import annotations

import asyncio
import hmac
import tomllib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from commands.status import latest_year
from models.participants import Role
from models.workflow_io import Origin
from portal.actions import ANSWERS, Actions, Answer, Outcome
from portal.calendar import feed, feed_path, feed_signature, pre_meeting_calendar, session_calendar
from portal.csrf import form_token_matches
from portal.home import JustDone, cycle_of, home_of, session_of, sessions_of
from portal.tasks import extended_deadlines, tasks_of
from portal.visitors import COOKIE, LINK_PATH, LinkRefused, Visitor, Visitors
from settings import PROJECT_DIR

TEMPLATES = PROJECT_DIR / "templates"


@cache
def templates_environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))


@cache
def labels(language: str) -> dict[str, str]:
    table = tomllib.loads((TEMPLATES / "portal" / "labels.toml").read_text(encoding="utf-8"))
    return table[language if language in table else "id"]


@dataclass(frozen=True)
class Note:
    kind: str
    """ok or refused: how the page marks it."""
    text: str


def csrf_token(request: Request) -> str:
    make = request.scope.get("csrftoken")
    return make() if callable(make) else ""


ServerTime = Callable[[], Awaitable[datetime]]


class Portal:
    def __init__(
        self,
        engine: Engine,
        visitors: Visitors,
        actions: Actions,
        secure_cookies: bool,
        secretariat: str | None = None,
        csrf_secret: str = "",
        feed_secret: str = "",
        server_time: ServerTime | None = None,
    ) -> None:
        self.engine = engine
        self.csrf_secret = csrf_secret
        """What asgi-csrf signs its tokens with: the upload forms check their own (portal/csrf.py)."""
        self.feed_secret = feed_secret
        """Signs the calendar feed addresses (portal/calendar.py)."""
        self.server_time = server_time
        """The Temporal server's time, where it keeps its own (a time-skipping test server):
        what is open now (a check-in, an answer) follows the workflows' clock, not the wall's."""
        self.visitors = visitors
        self.actions = actions
        self.secure_cookies = secure_cookies
        self.secretariat = secretariat

    def routes(self) -> list[Route]:
        return [
            Route("/", self.home),
            Route(LINK_PATH, self.open_link),
            Route("/keluar", self.sign_out, methods=["POST"]),
            Route("/pra.ics", self.pre_meeting_ics),
            Route("/pra/jawaban", self.answer_pre_meeting, methods=["POST"]),
            Route("/pra/hadir", self.check_in_pre_meeting, methods=["POST"]),
            Route("/sesi/{session_id}.ics", self.session_ics),
            Route("/sesi/{session_id}/jawaban", self.answer_session, methods=["POST"]),
            Route("/sesi/{session_id}/hadir", self.check_in, methods=["POST"]),
            Route("/kalender/{year:int}/{participant}/{signature}.ics", self.calendar_feed),
        ]

    # Rendering -----------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        template: str,
        title_key: str,
        visitor: Visitor | None,
        language: str = "id",
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        language = visitor.language if visitor else language
        t = labels(language)
        title = context.pop("title_text", None) or t[title_key]
        html = (
            templates_environment()
            .get_template(f"portal/{template}")
            .render(
                t=t,
                title=title,
                language=language,
                visitor=visitor,
                csrftoken=csrf_token(request),
                **context,
            )
        )
        return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})

    def message(
        self, request: Request, title_key: str, keys: list[str], status_code: int, help: bool = False
    ) -> HTMLResponse:
        t = labels("id")
        paragraphs = [t[k] for k in keys]
        return self.render(
            request,
            "message.html.j2",
            title_key,
            None,
            status_code=status_code,
            paragraphs=paragraphs,
            secretariat=(self.secretariat or self._organizer_mailbox()) if help else None,
        )

    def _organizer_mailbox(self) -> str | None:
        """The latest cycle's organizer mailbox: whom to ask when RAKORTEK_SECRETARIAT is unset."""
        year = latest_year(self.engine)
        cycle = cycle_of(self.engine, year) if year is not None else None
        return cycle.organizer.mailbox if cycle else None

    async def visitor(self, request: Request) -> Visitor | None:
        return await asyncio.to_thread(self.visitors.find, request.cookies.get(COOKIE))

    async def upload_of(self, request: Request, max_bytes: int) -> tuple[FormData, Visitor] | Response:
        """A multipart form (an upload) and its visitor, or the page that refuses it: asgi-csrf
        does not read multipart bodies (web/app.py), so the form's token is checked here."""
        form = await request.form(max_part_size=max_bytes)
        if not form_token_matches(request, form, self.csrf_secret):
            return PlainTextResponse("CSRF token verification failed", status_code=403)
        visitor = await self.visitor(request)
        if visitor is None:
            return self.expired(request)
        return form, visitor

    async def home_page(
        self,
        request: Request,
        visitor: Visitor,
        notes: dict[str, Note],
        status_code: int = 200,
        just_done: JustDone | None = None,
    ) -> HTMLResponse:
        real_now = await self.server_time() if self.server_time else None
        home = await asyncio.to_thread(home_of, self.engine, visitor, real_now)
        if just_done is not None:
            home = just_done.shown_on(home)
        return self.render(
            request,
            "home.html.j2",
            "home",
            visitor,
            status_code=status_code,
            home=home,
            notes=notes,
            answers=ANSWERS,
            tasks=tasks_of(
                visitor,
                await asyncio.to_thread(cycle_of, self.engine, visitor.year),
                await asyncio.to_thread(extended_deadlines, self.engine, visitor.year, visitor.province),
            ),
            feed_url=str(request.base_url).rstrip("/")
            + feed_path(self.feed_secret, visitor.year, visitor.id),
            facilitated=set(visitor.desks) if visitor.role == Role.FACILITATOR.value else set(),
        )

    # Pages ---------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        visitor = await self.visitor(request)
        if visitor is None:
            return self.message(request, "welcome_title", ["welcome"], 200)
        t = labels(visitor.language)
        notes = {}
        just_done = JustDone.of(request.query_params)
        if just_done.answered:
            notes[just_done.answered[0]] = Note("ok", t["answer_saved"])
        if just_done.present:
            notes[just_done.present[0]] = Note("ok", t["checked_in_saved"])
        return await self.home_page(request, visitor, notes, just_done=just_done)

    async def open_link(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        agent = request.headers.get("user-agent", "")
        ip = request.client.host if request.client else ""
        try:
            cookie, _ = await asyncio.to_thread(self.visitors.open, token, ip, agent)
        except LinkRefused as refused:
            return self.message(
                request,
                "refused_title",
                [f"refused_{refused.reason.value}", "refused_help"],
                400,
                help=True,
            )
        # The token leaves the address bar here; the page behind the redirect has no trace of it.
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=int(self.visitors.lifetime.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
        )
        return response

    async def sign_out(self, request: Request) -> Response:
        await asyncio.to_thread(self.visitors.close, request.cookies.get(COOKIE))
        response = self.message(request, "signed_out_title", ["signed_out"], 200)
        response.delete_cookie(COOKIE, httponly=True, samesite="lax", secure=self.secure_cookies)
        return response

    async def choose_province(self, request: Request, target: str) -> Response:
        """A page per province: a province's own people go straight to theirs, central roles
        choose one."""
        visitor = await self.visitor(request)
        if visitor is None:
            return self.expired(request)
        if visitor.province is not None:
            return RedirectResponse(f"{target}/{visitor.province}", status_code=303)
        cycle = await asyncio.to_thread(cycle_of, self.engine, visitor.year)
        provinces = [(p.code, p.title) for p in cycle.provinces] if cycle else []
        return self.render(
            request, "choose.html.j2", "choose_province", visitor, provinces=provinces, target=target
        )

    def expired(self, request: Request) -> HTMLResponse:
        return self.message(request, "refused_title", ["session_expired"], 401, help=True)

    async def session_ics(self, request: Request) -> Response:
        visitor = await self.visitor(request)
        if visitor is None:
            return self.expired(request)
        row = await asyncio.to_thread(session_of, self.engine, visitor, request.path_params["session_id"])
        cycle = await asyncio.to_thread(cycle_of, self.engine, visitor.year)
        if row is None or cycle is None:
            return self.message(request, "refused_title", ["not_found"], 404)
        data, method = session_calendar(cycle, row, visitor)
        return _calendar_response(data, method, f"{row.id}.ics")

    async def pre_meeting_ics(self, request: Request) -> Response:
        visitor = await self.visitor(request)
        if visitor is None:
            return self.expired(request)
        cycle = await asyncio.to_thread(cycle_of, self.engine, visitor.year)
        if cycle is None:
            return self.message(request, "refused_title", ["not_found"], 404)
        data = pre_meeting_calendar(cycle, visitor)
        return _calendar_response(data, "PUBLISH", f"pra-rakortekrenbang-{visitor.year}.ics")

    async def calendar_feed(self, request: Request) -> Response:
        year, participant = request.path_params["year"], request.path_params["participant"]
        expected = feed_signature(self.feed_secret, year, participant)
        if not self.feed_secret or not hmac.compare_digest(expected, request.path_params["signature"]):
            return self.message(request, "refused_title", ["not_found"], 404)
        cycle = await asyncio.to_thread(cycle_of, self.engine, year)
        found = await asyncio.to_thread(sessions_of, self.engine, year, participant)
        if cycle is None or found is None:
            return self.message(request, "refused_title", ["not_found"], 404)
        name, language, rows = found
        data = await asyncio.to_thread(feed, cycle, rows, name, language)
        return _calendar_response(data, "PUBLISH", f"rakortekrenbang-{year}.ics")

    # Actions -------------------------------------------------------------------------------

    async def _answer_of(self, request: Request) -> Answer | None:
        form = await request.form()
        value = form.get("answer")
        return next((a for a in ANSWERS if a == value), None)

    async def _after(
        self, request: Request, visitor: Visitor, subject: str, answer: Answer | None, outcome: Outcome
    ) -> Response:
        if outcome.accepted:
            done = urlencode({"dijawab": subject, "jawaban": answer})
            return RedirectResponse(f"/?{done}#{_anchor(subject)}", status_code=303)
        text = labels(visitor.language)["answer_refused"].format(
            reason=outcome.worded(visitor.language, visitor.zone)
        )
        notes = {subject: Note("refused", text)}
        return await self.home_page(request, visitor, notes, status_code=outcome.status_code)

    async def answer_session(self, request: Request) -> Response:
        visitor = await self.visitor(request)
        if visitor is None:
            return self.expired(request)
        session_id = request.path_params["session_id"]
        row = await asyncio.to_thread(session_of, self.engine, visitor, session_id)
        if row is None:
            return self.message(request, "refused_title", ["not_found"], 404)
        answer = await self._answer_of(request)
        if answer is None:
            outcome = Outcome(False, labels(visitor.language)["answer_missing"])
        else:
            outcome = await self.actions.answer_session(
                visitor, origin_of(request, visitor), row.province, row.desk, answer, row.sequence
            )
        return await self._after(request, visitor, row.id, answer, outcome)

    async def check_in(self, request: Request) -> Response:
        visitor = await self.visitor(request)
        if visitor is None:
            return self.expired(request)
        row = await asyncio.to_thread(session_of, self.engine, visitor, request.path_params["session_id"])
        if row is None:
            return self.message(request, "refused_title", ["not_found"], 404)
        return await self._check_in(request, visitor, row.id, row.province, row.desk)

    async def check_in_pre_meeting(self, request: Request) -> Response:
        visitor = await self.visitor(request)
        if visitor is None:
            return self.expired(request)
        return await self._check_in(request, visitor, f"{visitor.year}-pra", None, None)

    async def _check_in(
        self, request: Request, visitor: Visitor, subject: str, province: str | None, desk: str | None
    ) -> Response:
        mode = (await request.form()).get("mode")
        t = labels(visitor.language)
        if mode not in ("onsite", "online"):
            outcome = Outcome(False, t["check_in_mode_missing"])
        else:
            outcome = await self.actions.check_in(visitor, origin_of(request, visitor), province, desk, mode)
        if outcome.accepted:
            done = urlencode({"hadir": subject, "cara": mode})
            return RedirectResponse(f"/?{done}#{_anchor(subject)}", status_code=303)
        notes = {
            subject: Note(
                "refused", t["check_in_refused"].format(reason=outcome.worded(visitor.language, visitor.zone))
            )
        }
        return await self.home_page(request, visitor, notes, status_code=outcome.status_code)

    async def answer_pre_meeting(self, request: Request) -> Response:
        visitor = await self.visitor(request)
        if visitor is None:
            return self.expired(request)
        answer = await self._answer_of(request)
        subject = f"{visitor.year}-pra"
        if answer is None:
            outcome = Outcome(False, labels(visitor.language)["answer_missing"])
        else:
            outcome = await self.actions.answer_pre_meeting(visitor, origin_of(request, visitor), answer)
        return await self._after(request, visitor, subject, answer, outcome)


def origin_of(request: Request, visitor: Visitor) -> Origin:
    """What the audit trail keeps of where an action came from."""
    return Origin(
        session=visitor.session_ref,
        ip=(request.client.host if request.client else "")[:64],
        user_agent=request.headers.get("user-agent", "")[:400],
    )


def _anchor(subject: str) -> str:
    return subject if subject.endswith("-pra") else f"sesi-{subject}"


def _calendar_response(data: bytes, method: str, filename: str) -> Response:
    return Response(
        data,
        media_type=f'text/calendar; charset="utf-8"; method="{method}"',
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
