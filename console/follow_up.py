"""Chasing and deadlines in the console: who has not acted, reminded in one action; a deadline
extended for one province or all."""

from __future__ import annotations

import asyncio
from datetime import datetime, time
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.chasing import deadlines_of, waiting_for
from console.pages import ConsolePages, Organizer, typed_date
from models.stages import ChaseStep, DeadlineStep
from models.text import Line
from portal.pages import Note, origin_of

_LINE: TypeAdapter[str] = TypeAdapter(Line)
DEADLINE_ZONE = "Asia/Jakarta"
"""Deadlines are set, as the letters state them, in WIB."""


class FollowUpPages:
    def __init__(self, console: ConsolePages) -> None:
        self.console = console
        self.engine = console.engine

    def routes(self) -> list[Route]:
        return [
            Route("/konsol/tagih", self.chase, methods=["GET", "POST"]),
            Route("/konsol/tenggat", self.deadlines, methods=["GET", "POST"]),
        ]

    async def chase(self, request: Request) -> Response:
        who = await self.console.organizer(request)
        if isinstance(who, Response):
            return who
        t = who.t
        notes: list[Note] = []
        status_code = 200
        lists = await asyncio.to_thread(waiting_for, self.engine, who.cycle, who.now)
        if request.method == "POST":
            form = await request.form()
            try:
                step = ChaseStep(str(form.get("step", "")))
            except ValueError:
                step = None
            listed = lists.get(step, []) if step else []
            if not listed:
                notes.append(Note("refused", t["nobody_listed"]))
                status_code = 422
            else:
                origin = origin_of(request, who.visitor)
                provinces = sorted({w.province for w in listed})
                results = await asyncio.gather(
                    *(self.console.acts.chase(who.visitor, origin, code, step) for code in provinces)  # type: ignore[arg-type]
                )
                outcomes = dict(zip(provinces, results, strict=True))
                reminded = sum(1 for w in listed if outcomes[w.province].accepted)
                notes.append(Note("ok" if reminded else "refused", t["chased"].format(count=reminded)))
                notes += who.refusals(outcomes)
                status_code = 200 if all(o.accepted for o in results) else 409
                lists = await asyncio.to_thread(waiting_for, self.engine, who.cycle, who.now)
        return self.console.render(
            request,
            who,
            "chase.html.j2",
            t["nav_chase"],
            status_code=status_code,
            lists=lists,
            steps=list(ChaseStep),
            titles={p.code: p.title for p in who.cycle.provinces},
            notes=notes,
        )

    async def deadlines(self, request: Request) -> Response:
        who = await self.console.organizer(request)
        if isinstance(who, Response):
            return who
        t = who.t
        notes: list[Note] = []
        status_code = 200
        form_values = {"step": "", "province": "", "day": "", "time": "16:00", "reason": ""}
        if request.method == "POST":
            form = await request.form()
            form_values = {k: str(form.get(k, v)).strip() for k, v in form_values.items()}
            problem, until = self._extension_of(who, form_values)
            if problem:
                notes.append(Note("refused", t[problem]))
                status_code = 422
            else:
                assert until is not None
                step = DeadlineStep(form_values["step"])
                codes = [p.code for p in who.cycle.provinces]
                targets = codes if form_values["province"] == "*" else [form_values["province"]]
                origin = origin_of(request, who.visitor)
                results = await asyncio.gather(
                    *(
                        self.console.acts.extend(
                            who.visitor, origin, code, step, until, form_values["reason"]
                        )
                        for code in targets
                    )
                )
                outcomes = dict(zip(targets, results, strict=True))
                extended = sum(1 for o in results if o.accepted)
                notes.append(Note("ok" if extended else "refused", t["extended"].format(count=extended)))
                notes += who.refusals(outcomes)
                status_code = 200 if extended == len(targets) else 409
        table = await asyncio.to_thread(deadlines_of, self.engine, who.cycle.year)
        return self.console.render(
            request,
            who,
            "deadlines.html.j2",
            t["nav_deadlines"],
            status_code=status_code,
            table=table,
            steps=list(DeadlineStep),
            provinces=[(p.code, p.title) for p in who.cycle.provinces],
            form=form_values,
            notes=notes,
        )

    @staticmethod
    def _extension_of(who: Organizer, values: dict[str, str]) -> tuple[str, datetime | None]:
        """The new deadline (WIB), or the label of what is wrong with the form."""
        if values["step"] not in {s.value for s in DeadlineStep}:
            return "choose_step", None
        if values["province"] != "*" and values["province"] not in {p.code for p in who.cycle.provinces}:
            return "choose_province", None
        day = typed_date(values["day"])
        try:
            clock = time.fromisoformat(values["time"].replace(".", ":"))
        except ValueError:
            clock = None
        if day is None or clock is None:
            return "choose_day_time", None
        try:
            _LINE.validate_python(values["reason"])
        except ValidationError:
            return "reason_needed_extension", None
        return "", datetime.combine(day, clock, ZoneInfo(DEADLINE_ZONE))
