"""The organizers' console: the sessions grid, a session with its invitees and what can be done
to it (move it to a free slot, cancel it, hold it again, send an invitation again), and moving
many sessions at once.

For the organizer role only; every action is an update, refused by the same rules as everywhere
(console/acts.py). Pages work without JavaScript.
"""

from __future__ import annotations

import asyncio
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from commands.status import calendar_now
from console.acts import OrganizerActions
from console.live import session_state, session_states
from console.sessions import grid_of, open_sessions_on, session_page
from console.slots import Move, aware, by_day, free_slots, plan_moves
from mail.dates import letter_datetime
from models.cycle import Cycle
from models.participants import Role
from portal.actions import Outcome
from portal.home import Moment, cycle_of
from portal.pages import TEMPLATES, Note, Portal, csrf_token, labels, origin_of, templates_environment
from portal.visitors import Visitor
from store.tables import CycleRow


@cache
def console_labels(language: str) -> dict[str, str]:
    table = tomllib.loads((TEMPLATES / "console" / "labels.toml").read_text(encoding="utf-8"))
    return {**labels(language), **table[language if language in table else "id"]}


@dataclass(frozen=True)
class Organizer:
    visitor: Visitor
    cycle: Cycle
    now: datetime
    """The cycle's calendar time (aware, UTC)."""

    @property
    def t(self) -> dict[str, str]:
        return console_labels(self.visitor.language)

    def moment(self, at: datetime) -> Moment:
        """A time in the organizer's zone and, where it reads otherwise, the venue's."""
        venue = self.cycle.desk_sessions.venue_zone
        return Moment.of(aware(at), self.visitor.zone, venue, self.visitor.language)

    def day(self, day: date) -> str:
        return letter_datetime(
            datetime.combine(day, time(12), ZoneInfo(self.cycle.desk_sessions.venue_zone)),
            self.cycle.desk_sessions.venue_zone,
            self.visitor.language,
        ).rsplit(",", 1)[0]

    def clock(self, at: datetime) -> str:
        """The venue's time of day, as a slot list shows it."""
        return at.astimezone(ZoneInfo(self.cycle.desk_sessions.venue_zone)).strftime("%H.%M")

    def refusals(self, outcomes: dict[str, Outcome]) -> list[Note]:
        """A note per province whose workflow refused an action sent to many, with its reason."""
        titles = {p.code: p.title for p in self.cycle.provinces}
        return [
            Note(
                "refused",
                self.t["province_refused"].format(
                    province=titles.get(code, code), reason=o.worded(self.visitor.language, self.visitor.zone)
                ),
            )
            for code, o in outcomes.items()
            if not o.accepted
        ]

    def short(self, at: datetime) -> str:
        """The venue's day and time in a grid cell: 21/2 09.00."""
        local = at.astimezone(ZoneInfo(self.cycle.desk_sessions.venue_zone))
        return f"{local.day}/{local.month} {local:%H.%M}"


class ConsolePages:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.engine = portal.engine
        self.acts = OrganizerActions(portal.actions)

    def routes(self) -> list[Route]:
        return [
            Route("/konsol", self.grid),
            Route("/konsol/sesi/{session_id}", self.session),
            Route("/konsol/sesi/{session_id}/pindah", self.move, methods=["POST"]),
            Route("/konsol/sesi/{session_id}/batal", self.cancel, methods=["POST"]),
            Route("/konsol/sesi/{session_id}/kirim-ulang", self.resend, methods=["POST"]),
            Route("/konsol/pindah-banyak", self.move_many, methods=["GET", "POST"]),
        ]

    # Who, and when ------------------------------------------------------------------------

    async def organizer(self, request: Request) -> Organizer | Response:
        """The signed-in organizer, or the page that turns anyone else away."""
        visitor = await self.portal.visitor(request)
        if visitor is None:
            return self.portal.expired(request)
        if visitor.role != Role.ORGANIZER.value:
            return self.portal.message(request, "refused_title", ["organizers_only"], 403)
        cycle = await asyncio.to_thread(cycle_of, self.engine, visitor.year)
        if cycle is None:
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        real = await self.portal.server_time() if self.portal.server_time else None
        now = await asyncio.to_thread(self._calendar_now, visitor.year, real)
        return Organizer(visitor, cycle, now)

    def _calendar_now(self, year: int, real: datetime | None) -> datetime:
        with Session(self.engine) as db:
            row = db.get(CycleRow, year)
            assert row is not None
            return calendar_now(row, None, real).replace(tzinfo=UTC)

    def render(
        self,
        request: Request,
        who: Organizer,
        template: str,
        title: str,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        html = (
            templates_environment()
            .get_template(f"console/{template}")
            .render(
                t=who.t,
                title=title,
                language=who.visitor.language,
                visitor=who.visitor,
                csrftoken=csrf_token(request),
                who=who,
                **context,
            )
        )
        return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})

    # The grid -----------------------------------------------------------------------------

    async def grid(self, request: Request) -> Response:
        who = await self.organizer(request)
        if isinstance(who, Response):
            return who
        grid = await asyncio.to_thread(grid_of, self.engine, who.cycle)
        live = await session_states(
            self.portal.actions.client, who.cycle.year, [p for p, _ in grid.provinces]
        )
        grid = grid.with_states(live)
        return self.render(request, who, "grid.html.j2", who.t["console"], grid=grid)

    # One session ----------------------------------------------------------------------------

    async def session(
        self, request: Request, notes: list[Note] | None = None, status_code: int = 200
    ) -> Response:
        who = await self.organizer(request)
        if isinstance(who, Response):
            return who
        page = await asyncio.to_thread(
            session_page, self.engine, who.cycle, request.path_params["session_id"]
        )
        if page is None:
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        t = who.t
        notes = list(notes or [])
        for flag, key in (("dipindah", "moved"), ("dibatalkan", "cancelled_ok"), ("terkirim", "resent")):
            if request.query_params.get(flag) and not notes:
                notes.append(Note("ok", t[key]))
        client = self.portal.actions.client
        state = (
            await session_state(client, who.cycle.year, page.row.province, page.row.desk) or page.row.state
        )
        slots = []
        if state in ("scheduled", "invited", "cancelled"):
            found = await asyncio.to_thread(free_slots, self.engine, who.cycle, page.row, who.now)
            slots = by_day(found, who.cycle.desk_sessions.venue_zone)
        return self.render(
            request,
            who,
            "session.html.j2",
            t["session_title"].format(desk=page.desk_title, region=page.province_title),
            status_code=status_code,
            page=page,
            state=state,
            slots=slots,
            notes=notes,
        )

    async def _form_and_page(self, request: Request) -> tuple[Organizer, Any, Any] | Response:
        who = await self.organizer(request)
        if isinstance(who, Response):
            return who
        page = await asyncio.to_thread(
            session_page, self.engine, who.cycle, request.path_params["session_id"]
        )
        if page is None:
            return self.portal.message(request, "refused_title", ["not_found"], 404)
        return who, page, await request.form()

    async def _after(self, request: Request, who: Organizer, outcome: Any, flag: str) -> Response:
        if outcome.accepted:
            return RedirectResponse(
                f"/konsol/sesi/{request.path_params['session_id']}?{flag}=1", status_code=303
            )
        reason = outcome.worded(who.visitor.language, who.visitor.zone)
        note = Note("refused", who.t["refused_because"].format(reason=reason))
        return await self.session(request, [note], outcome.status_code)

    async def move(self, request: Request) -> Response:
        found = await self._form_and_page(request)
        if isinstance(found, Response):
            return found
        who, page, form = found
        starts_at = chosen_start(form, who.cycle.desk_sessions.venue_zone)
        if starts_at is None:
            note = Note("refused", who.t["choose_slot"])
            return await self.session(request, [note], 422)
        origin = origin_of(request, who.visitor)
        outcome = await self.acts.reschedule(who.visitor, origin, page.row.province, page.row.desk, starts_at)
        return await self._after(request, who, outcome, "dipindah")

    async def cancel(self, request: Request) -> Response:
        found = await self._form_and_page(request)
        if isinstance(found, Response):
            return found
        who, page, form = found
        reason = str(form.get("reason", "")).strip()
        if not reason:
            return await self.session(request, [Note("refused", who.t["reason_needed"])], 422)
        origin = origin_of(request, who.visitor)
        outcome = await self.acts.cancel(who.visitor, origin, page.row.province, page.row.desk, reason)
        return await self._after(request, who, outcome, "dibatalkan")

    async def resend(self, request: Request) -> Response:
        found = await self._form_and_page(request)
        if isinstance(found, Response):
            return found
        who, page, form = found
        person = str(form.get("participant", ""))
        origin = origin_of(request, who.visitor)
        outcome = await self.acts.resend(who.visitor, origin, page.row.province, page.row.desk, person)
        return await self._after(request, who, outcome, "terkirim")

    # Many sessions at once ----------------------------------------------------------------

    async def move_many(self, request: Request) -> Response:
        """All open sessions of one desk, or of one province, on one day: previewed, then moved
        to the slots the plan found, one reschedule each."""
        who = await self.organizer(request)
        if isinstance(who, Response):
            return who
        t = who.t
        params = await request.form() if request.method == "POST" else request.query_params
        which = str(params.get("which", ""))
        kind, _, code = which.partition(":")
        day = typed_date(str(params.get("day", "")))
        moves: list[Move] = []
        stuck: list[str] = []
        notes: list[Note] = []
        status_code = 200
        if kind in ("desk", "province") and code and day is not None:
            rows = await asyncio.to_thread(
                open_sessions_on,
                self.engine,
                who.cycle,
                day,
                desk=code if kind == "desk" else None,
                province=code if kind == "province" else None,
            )
            if not rows:
                notes.append(Note("refused", t["nothing_to_move"]))
            moves, stuck = await asyncio.to_thread(plan_moves, self.engine, who.cycle, rows, day, who.now)
            if request.method == "POST" and moves:
                notes, status_code = await self._carry_out(request, who, moves)
                moves = []
        elif which or params.get("day"):
            notes.append(Note("refused", t["choose_what_and_day"]))
            status_code = 422
        return self.render(
            request,
            who,
            "move_many.html.j2",
            t["move_many"],
            status_code=status_code,
            desks=[(d.code, d.title) for d in who.cycle.desks],
            provinces=[(p.code, p.title) for p in who.cycle.provinces],
            which=which,
            day=day.isoformat() if day else "",
            moves=moves,
            stuck=stuck,
            notes=notes,
        )

    async def _carry_out(self, request: Request, who: Organizer, moves: list[Move]) -> tuple[list[Note], int]:
        t, origin = who.t, origin_of(request, who.visitor)
        outcomes = await asyncio.gather(
            *(self.acts.reschedule(who.visitor, origin, m.province, m.desk, m.to) for m in moves)
        )
        notes = [
            Note(
                "refused",
                t["move_refused"].format(
                    session=m.session_id, reason=o.worded(who.visitor.language, who.visitor.zone)
                ),
            )
            for m, o in zip(moves, outcomes, strict=True)
            if not o.accepted
        ]
        moved = sum(1 for o in outcomes if o.accepted)
        notes.insert(0, Note("ok" if moved else "refused", t["moved_many"].format(count=moved)))
        return notes, 200 if moved == len(moves) else 409


def chosen_start(form: Any, venue_zone: str) -> datetime | None:
    """The slot the organizer chose from the list, or the day and time they typed (venue time)."""
    slot = str(form.get("slot", "")).strip()
    if slot:
        try:
            moment = datetime.fromisoformat(slot)
        except ValueError:
            return None
        return moment if moment.tzinfo is not None else None
    day, at = typed_date(str(form.get("day", ""))), str(form.get("time", "")).strip()
    if day is None or not at:
        return None
    try:
        clock = time.fromisoformat(at.replace(".", ":"))
    except ValueError:
        return None
    return datetime.combine(day, clock, ZoneInfo(venue_zone))


def typed_date(text: str) -> date | None:
    """A date as a form's date field sends it (YYYY-MM-DD), or None."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None
